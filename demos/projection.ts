// 2-D views of a layer's features: onto the two main directions of the class means, or of all the features
// (principal components), in float64 on the CPU (N x m is small).

export type ProjectionKind = 'means' | 'pca';

export interface ProjectedPoint {
  x: number;
  y: number;
  label: number;
}

/** The top two principal directions of the rows of `rows` (count x m, centred here), by power iteration. */
function principalDirections(rows: Float64Array[], m: number): Float64Array[] {
  const mean = new Float64Array(m);
  for (const row of rows) row.forEach((v, j) => (mean[j] += v / rows.length));
  const centred = rows.map((row) => row.map((v, j) => v - mean[j]));
  const directions: Float64Array[] = [];
  for (let d = 0; d < 2; d++) {
    let v = Float64Array.from({ length: m }, (_, j) => Math.sin(j + 1 + d)); // deterministic, not orthogonal to anything likely
    for (let iteration = 0; iteration < 200; iteration++) {
      const next = new Float64Array(m); // C v = sum_i x_i (x_i . v)
      for (const x of centred) {
        const dot = x.reduce((s, xj, j) => s + xj * v[j], 0);
        x.forEach((xj, j) => (next[j] += xj * dot));
      }
      for (const u of directions) {
        const dot = next.reduce((s, nj, j) => s + nj * u[j], 0);
        u.forEach((uj, j) => (next[j] -= dot * uj));
      }
      const norm = Math.hypot(...next);
      if (norm === 0) break;
      v = next.map((nj) => nj / norm);
    }
    directions.push(v);
  }
  return directions;
}

/** Every sample of `features` (N x m, row-major) in the plane `kind` picks. */
export function project(features: Float32Array, m: number, labels: ArrayLike<number>, classes: number, kind: ProjectionKind): ProjectedPoint[] {
  const N = labels.length;
  const rows = Array.from({ length: N }, (_, i) => Float64Array.from(features.subarray(i * m, (i + 1) * m)));
  let basis: Float64Array[];
  if (kind === 'pca') {
    basis = principalDirections(rows, m);
  } else {
    const means = Array.from({ length: classes }, () => new Float64Array(m));
    const counts = new Array<number>(classes).fill(0);
    rows.forEach((row, i) => {
      counts[labels[i]] += 1;
      row.forEach((v, j) => (means[labels[i]][j] += v));
    });
    means.forEach((mean, k) => mean.forEach((_, j) => (mean[j] /= counts[k])));
    basis = principalDirections(means, m);
  }
  return rows.map((row, i) => ({
    x: row.reduce((s, v, j) => s + v * basis[0][j], 0),
    y: row.reduce((s, v, j) => s + v * basis[1][j], 0),
    label: labels[i],
  }));
}

/** Within-class over between-class spread of the 2-D points: the picture's own C. */
export function planeCompression(points: ProjectedPoint[], classes: number): number {
  const mean = (ps: ProjectedPoint[]) => ({ x: ps.reduce((s, p) => s + p.x, 0) / ps.length, y: ps.reduce((s, p) => s + p.y, 0) / ps.length });
  const global = mean(points);
  const groups = Array.from({ length: classes }, (_, k) => points.filter((p) => p.label === k));
  const classMeans = groups.map(mean);
  const within =
    groups.reduce((s, group, k) => s + group.reduce((t, p) => t + (p.x - classMeans[k].x) ** 2 + (p.y - classMeans[k].y) ** 2, 0), 0) / points.length;
  const between = classMeans.reduce((s, c) => s + (c.x - global.x) ** 2 + (c.y - global.y) ** 2, 0) / classes;
  return within / between;
}

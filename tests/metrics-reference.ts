// The layer measures of METHOD.md in float64 on the CPU, straight from the definitions with m x m covariances
// (the GPU goes through K x K matrices instead), so the two routes share nothing.
import { matmulRef, transpose, type Matrix } from './reference';

/** Sigma_W and Sigma_B as m x m float64 matrices, straight from METHOD.md's definitions, and the measures. */
export function metricsRef(z: Matrix, labels: number[], K: number) {
  const { rows: N, cols: m } = z;
  const means = Array.from({ length: K }, () => new Float64Array(m));
  const counts = new Array(K).fill(0);
  labels.forEach((k, i) => {
    counts[k] += 1;
    for (let j = 0; j < m; j++) means[k][j] += z.data[i * m + j];
  });
  means.forEach((mean, k) => mean.forEach((_, j) => (mean[j] /= counts[k])));
  const globalMean = new Float64Array(m);
  for (let i = 0; i < N; i++) for (let j = 0; j < m; j++) globalMean[j] += z.data[i * m + j] / N;
  const sigmaW = new Float64Array(m * m);
  const sigmaB = new Float64Array(m * m);
  labels.forEach((k, i) => {
    for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) sigmaW[a * m + b] += ((z.data[i * m + a] - means[k][a]) * (z.data[i * m + b] - means[k][b])) / N;
  });
  means.forEach((mean) => {
    for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) sigmaB[a * m + b] += ((mean[a] - globalMean[a]) * (mean[b] - globalMean[b])) / K;
  });
  const trace = (s: Float64Array) => Array.from({ length: m }, (_, a) => s[a * m + a]).reduce((x, y) => x + y, 0);
  let largestCosine = -1;
  for (let k = 0; k < K; k++) {
    for (let l = k + 1; l < K; l++) {
      const dot = (u: Float64Array, v: Float64Array) => u.reduce((s, x, j) => s + x * v[j], 0);
      largestCosine = Math.max(largestCosine, dot(means[k], means[l]) / Math.sqrt(dot(means[k], means[k]) * dot(means[l], means[l])));
    }
  }
  // Sigma_B^+ as the limit (A + dI)^-1 A (A + dI)^-1 for small d, with Gaussian elimination: no eigensolver involved.
  const delta = 1e-6 * trace(sigmaB); // >> the float64 noise of the null eigenvalue, << the nonzero ones
  const regularised = sigmaB.map((x, index) => (index % (m + 1) === 0 ? x + delta : x));
  const left = solve(regularised, sigmaB, m); // (A + dI)^-1 A
  const pinv = transpose({ rows: m, cols: m, data: solve(regularised, transpose({ rows: m, cols: m, data: left }).data, m) }).data;
  const nc1 = trace(matmulRef({ rows: m, cols: m, data: sigmaW }, { rows: m, cols: m, data: pinv }).data) / K;
  return { C: trace(sigmaW) / trace(sigmaB), D: 1 - largestCosine, NC1: nc1, traceWithin: trace(sigmaW), traceBetween: trace(sigmaB) };
}

/** X = A^-1 B for n x n A and B (row-major), by Gaussian elimination with partial pivoting. */
function solve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const lhs = Float64Array.from(a);
  const rhs = Float64Array.from(b);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(lhs[r * n + col]) > Math.abs(lhs[pivot * n + col])) pivot = r;
    for (const m of [lhs, rhs]) for (let j = 0; j < n; j++) [m[col * n + j], m[pivot * n + j]] = [m[pivot * n + j], m[col * n + j]];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const factor = lhs[r * n + col] / lhs[col * n + col];
      for (let j = 0; j < n; j++) {
        lhs[r * n + j] -= factor * lhs[col * n + j];
        rhs[r * n + j] -= factor * rhs[col * n + j];
      }
    }
  }
  return rhs.map((x, index) => x / lhs[Math.floor(index / n) * n + Math.floor(index / n)]);
}

/**
 * The neural-collapse measures in float64 from the K x m means and the N x m samples themselves (no Gram
 * matrices): NC2 and CDNV of the layer z, and NC3 and NC4 of the classifier W (K x m) with its bias (K) on z.
 * Standard deviations divide by the count (population), as the engine documents.
 */
export function collapseRef(z: Matrix, labels: number[], K: number, W: Matrix, bias: number[] = new Array(K).fill(0)) {
  const { rows: N, cols: m } = z;
  const sample = (i: number) => Array.from(z.data.subarray(i * m, (i + 1) * m));
  const dot = (u: number[], v: number[]) => u.reduce((s, x, j) => s + x * v[j], 0);
  const minus = (u: number[], v: number[]) => u.map((x, j) => x - v[j]);
  const norm = (u: number[]) => Math.sqrt(dot(u, u));
  const average = (values: number[]) => values.reduce((s, x) => s + x, 0) / values.length;
  const std = (values: number[]) => Math.sqrt(average(values.map((x) => (x - average(values)) ** 2)));
  const members = Array.from({ length: K }, (_, k) => labels.flatMap((label, i) => (label === k ? [i] : [])));
  const means = members.map((rows) => Array.from({ length: m }, (_, j) => average(rows.map((i) => z.data[i * m + j]))));
  const globalMean = Array.from({ length: m }, (_, j) => average(Array.from({ length: N }, (_, i) => z.data[i * m + j])));
  const centred = means.map((mean) => minus(mean, globalMean));
  const variances = members.map((rows, k) => average(rows.map((i) => dot(minus(sample(i), means[k]), minus(sample(i), means[k])))));

  const pairs: [number, number][] = [];
  for (let k = 0; k < K; k++) for (let j = k + 1; j < K; j++) pairs.push([k, j]);
  const cosines = pairs.map(([k, j]) => dot(centred[k], centred[j]) / (norm(centred[k]) * norm(centred[j])));
  const norms = centred.map(norm);
  // The ETF distance elementwise: M M^T / ||M M^T||_F against (I - 11^T/K) / ||I - 11^T/K||_F, each norm summed here.
  const meanGram = centred.map((u) => centred.map((v) => dot(u, v)));
  const simplex = meanGram.map((row, k) => row.map((_, j) => (k === j ? 1 : 0) - 1 / K));
  const frobenius = (a: number[][]) => Math.sqrt(a.flat().reduce((s, x) => s + x * x, 0));
  const [gramNorm, simplexNorm] = [frobenius(meanGram), frobenius(simplex)];
  const etfDistance = frobenius(meanGram.map((row, k) => row.map((x, j) => x / gramNorm - simplex[k][j] / simplexNorm)));

  // NC3 elementwise: W / ||W||_F - M / ||M||_F, both K x m.
  const classifier = Array.from({ length: K }, (_, k) => Array.from(W.data.subarray(k * m, (k + 1) * m)));
  const [classifierNorm, meansNorm] = [frobenius(classifier), frobenius(centred)];
  const nc3 = frobenius(classifier.map((row, k) => row.map((x, j) => x / classifierNorm - centred[k][j] / meansNorm)));

  // NC4 and the smallest margin of either decision over all samples (how far float32 is from flipping one).
  const argBest = (scores: number[], better: (a: number, b: number) => boolean) => {
    const order = scores.map((score, k) => ({ score, k })).sort((a, b) => (better(a.score, b.score) ? -1 : 1));
    return { index: order[0].k, margin: Math.abs(order[1].score - order[0].score) };
  };
  let agreeing = 0;
  let nearestOwn = 0;
  let smallestMargin = Infinity;
  for (let i = 0; i < N; i++) {
    const predicted = argBest(
      classifier.map((row, k) => dot(row, sample(i)) + bias[k]),
      (a, b) => a > b,
    );
    const nearest = argBest(
      means.map((mean) => norm(minus(sample(i), mean))),
      (a, b) => a < b,
    );
    if (predicted.index === nearest.index) agreeing += 1;
    if (nearest.index === labels[i]) nearestOwn += 1;
    smallestMargin = Math.min(smallestMargin, predicted.margin, nearest.margin);
  }
  return {
    nc2_equinorm: std(norms) / average(norms),
    nc2_equiangularity: std(cosines),
    nc2_max_angle: average(cosines.map((cosine) => Math.abs(cosine + 1 / (K - 1)))),
    nc2_etf_distance: etfDistance,
    cdnv: average(pairs.map(([k, j]) => (variances[k] + variances[j]) / (2 * dot(minus(means[k], means[j]), minus(means[k], means[j]))))),
    nc3,
    nc4: agreeing / N,
    /** The fraction of samples nearest their own class's mean, and the smallest margin of any decision. */
    nearestOwn: nearestOwn / N,
    smallestMargin,
  };
}

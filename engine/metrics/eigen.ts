// Eigenvalues of small symmetric matrices on the CPU in float64 (cyclic Jacobi): for K x K metrics and Gram matrices.

/** The eigen-decomposition A = V diag(values) V^T of a symmetric n x n row-major matrix; values descending. */
export function symmetricEigen(matrix: ArrayLike<number>, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let offDiagonal = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) offDiagonal += a[p * n + q] ** 2;
    if (offDiagonal <= 1e-30 * frobeniusSquared(a)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) if (a[p * n + q] !== 0) rotate(a, v, n, p, q);
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j] - a[i * n + i]);
  const values = Float64Array.from(order, (i) => a[i * n + i]);
  const vectors = new Float64Array(n * n);
  order.forEach((column, k) => {
    for (let row = 0; row < n; row++) vectors[row * n + k] = v[row * n + column];
  });
  return { values, vectors };
}

/** One Jacobi rotation zeroing a[p][q] (Golub & Van Loan, Algorithm 8.5.1). */
function rotate(a: Float64Array, v: Float64Array, n: number, p: number, q: number): void {
  const theta = (a[q * n + q] - a[p * n + p]) / (2 * a[p * n + q]);
  const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
  const c = 1 / Math.sqrt(t * t + 1);
  const s = t * c;
  for (let k = 0; k < n; k++) {
    const akp = a[k * n + p];
    const akq = a[k * n + q];
    a[k * n + p] = c * akp - s * akq;
    a[k * n + q] = s * akp + c * akq;
  }
  for (let k = 0; k < n; k++) {
    const apk = a[p * n + k];
    const aqk = a[q * n + k];
    a[p * n + k] = c * apk - s * aqk;
    a[q * n + k] = s * apk + c * aqk;
  }
  for (let k = 0; k < n; k++) {
    const vkp = v[k * n + p];
    const vkq = v[k * n + q];
    v[k * n + p] = c * vkp - s * vkq;
    v[k * n + q] = s * vkp + c * vkq;
  }
}

function frobeniusSquared(a: Float64Array): number {
  return a.reduce((total, x) => total + x * x, 0);
}

/**
 * The Moore-Penrose pseudo-inverse of a symmetric positive semi-definite n x n matrix: eigenvalues below
 * `relativeCutoff` times the largest count as zero (the matrix's null space, e.g. Sigma_B's rank K - 1).
 */
export function symmetricPseudoInverse(matrix: ArrayLike<number>, n: number, relativeCutoff = 1e-6): Float64Array {
  const { values, vectors } = symmetricEigen(matrix, n);
  const cutoff = relativeCutoff * Math.max(values[0], 0);
  const inverse = new Float64Array(n * n);
  values.forEach((value, k) => {
    if (value <= cutoff) return;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) inverse[i * n + j] += (vectors[i * n + k] * vectors[j * n + k]) / value;
  });
  return inverse;
}

/**
 * The eigenvalues alone of a symmetric n x n matrix, largest first: Householder reduction to tridiagonal form,
 * then the implicit QL algorithm (Numerical Recipes' tred2 and tqli, without eigenvectors). O(n^3) with a small
 * constant, against Jacobi's many sweeps: ten times faster at n = 50, which keeps the metrics stage cheap.
 */
export function symmetricEigenvalues(matrix: ArrayLike<number>, n: number): Float64Array {
  const a = Float64Array.from(matrix);
  const d = new Float64Array(n); // the diagonal, then the eigenvalues
  const e = new Float64Array(n); // the off-diagonal
  for (let i = n - 1; i > 0; i--) {
    const l = i - 1;
    let h = 0;
    let scale = 0;
    for (let k = 0; k <= l; k++) scale += Math.abs(a[i * n + k]);
    if (l === 0 || scale === 0) {
      e[i] = a[i * n + l];
      continue;
    }
    for (let k = 0; k <= l; k++) {
      a[i * n + k] /= scale;
      h += a[i * n + k] ** 2;
    }
    let f = a[i * n + l];
    let g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
    e[i] = scale * g;
    h -= f * g;
    a[i * n + l] = f - g;
    // e = A u / h with u = row i, reading only the lower triangle and row by row (a column walk misses the cache).
    e.fill(0, 0, l + 1);
    for (let j = 0; j <= l; j++) {
      const row = j * n;
      const uj = a[i * n + j];
      let dot = a[row + j] * uj;
      for (let k = 0; k < j; k++) {
        dot += a[row + k] * a[i * n + k];
        e[k] += a[row + k] * uj;
      }
      e[j] += dot;
    }
    f = 0;
    for (let j = 0; j <= l; j++) {
      e[j] /= h;
      f += e[j] * a[i * n + j];
    }
    const hh = f / (h + h);
    for (let j = 0; j <= l; j++) {
      f = a[i * n + j];
      e[j] = g = e[j] - hh * f;
      for (let k = 0; k <= j; k++) a[j * n + k] -= f * e[k] + g * a[i * n + k];
    }
  }
  for (let i = 0; i < n; i++) d[i] = a[i * n + i];
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  if (n > 0) e[n - 1] = 0;
  for (let l = 0; l < n; l++) {
    for (let iteration = 0; ; iteration++) {
      let m = l;
      for (; m < n - 1; m++) if (Math.abs(e[m]) <= Number.EPSILON * (Math.abs(d[m]) + Math.abs(d[m + 1]))) break;
      if (m === l) break;
      if (iteration === 60) throw new Error(`symmetricEigenvalues: no convergence for eigenvalue ${l} of a ${n} x ${n} matrix`);
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let [s, c, p] = [1, 1, 0];
      let i = m - 1;
      for (; i >= l; i--) {
        const f = s * e[i];
        const b = c * e[i];
        e[i + 1] = r = Math.hypot(f, g);
        if (r === 0) {
          d[i + 1] -= p;
          e[m] = 0;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
      }
      if (r === 0 && i >= l) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
  return d.sort().reverse();
}

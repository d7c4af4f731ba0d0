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

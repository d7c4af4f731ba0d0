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

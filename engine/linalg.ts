// Float64 CPU linear algebra for building data and initialisations: just enough for random orthonormal
// matrices (Householder QR of a Gaussian) and the products the tests check them with. Not for training.
import { toRandom, type SeedOrRandom } from './random';

/** A row-major float64 matrix: entry (i, j) is data[i * cols + j]. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array; // (rows, cols)
}

/** Throws unless `size` is a non-negative integer. */
function checkSize(what: string, size: number): void {
  if (!Number.isInteger(size) || size < 0) throw new Error(`${what} must be a non-negative integer, got ${size}`);
}

/** A rows x cols matrix of zeros. */
export function zeros(rows: number, cols: number): Matrix {
  checkSize('rows', rows);
  checkSize('cols', cols);
  return { rows, cols, data: new Float64Array(rows * cols) };
}

/** The n x n identity. */
export function identity(size: number): Matrix {
  const result = zeros(size, size);
  for (let i = 0; i < size; i++) result.data[i * size + i] = 1;
  return result;
}

/** A rows x cols matrix of i.i.d. N(0, std^2) entries, drawn in row-major order. */
export function gaussianMatrix(rows: number, cols: number, seed: SeedOrRandom, std = 1): Matrix {
  const result = zeros(rows, cols);
  toRandom(seed).fillNormal(result.data, 0, std);
  return result;
}

/** The transpose (cols x rows). */
export function transpose(matrix: Matrix): Matrix {
  const result = zeros(matrix.cols, matrix.rows);
  for (let i = 0; i < matrix.rows; i++) {
    for (let j = 0; j < matrix.cols; j++) result.data[j * matrix.rows + i] = matrix.data[i * matrix.cols + j];
  }
  return result;
}

/** left (n x k) times right (k x p). */
export function matmul(left: Matrix, right: Matrix): Matrix {
  if (left.cols !== right.rows) {
    throw new Error(`matmul: cannot multiply ${left.rows}x${left.cols} by ${right.rows}x${right.cols}`);
  }
  const result = zeros(left.rows, right.cols);
  for (let i = 0; i < left.rows; i++) {
    for (let k = 0; k < left.cols; k++) {
      const leftEntry = left.data[i * left.cols + k];
      if (leftEntry === 0) continue;
      for (let j = 0; j < right.cols; j++) result.data[i * right.cols + j] += leftEntry * right.data[k * right.cols + j];
    }
  }
  return result;
}

/** ||matrix||_F = sqrt(sum of squared entries). */
export function frobeniusNorm(matrix: Matrix): number {
  let sumOfSquares = 0;
  for (const entry of matrix.data) sumOfSquares += entry * entry;
  return Math.sqrt(sumOfSquares);
}

/** The thin QR factors of an n x k matrix (n >= k): q (n x k) with orthonormal columns, r (k x k) upper triangular. */
export interface QR {
  q: Matrix;
  r: Matrix;
}

/**
 * Householder QR of `matrix` (n x k, n >= k), normalised so diag(r) >= 0. That normalisation makes the
 * factorisation unique, and makes q of a Gaussian matrix Haar-distributed (uniform over matrices with
 * orthonormal columns): without it, the signs Householder picks would bias the distribution.
 * The first k columns of a full QR's Q depend only on the first k columns of the input, so q here equals
 * the first k columns of Q from the QR of any n x n matrix that starts with `matrix`.
 */
export function householderQR(matrix: Matrix): QR {
  const { rows, cols } = matrix;
  if (rows < cols) throw new Error(`householderQR: needs rows >= cols, got ${rows}x${cols}`);
  const work = { rows, cols, data: Float64Array.from(matrix.data) }; // becomes R in its upper triangle
  const reflectors: Float64Array[] = []; // unit vectors v_k (length rows - k): H_k = I - 2 v_k v_k^T

  for (let k = 0; k < cols; k++) {
    const reflector = new Float64Array(rows - k);
    let columnNormSquared = 0;
    for (let i = k; i < rows; i++) columnNormSquared += work.data[i * cols + k] ** 2;
    const columnNorm = Math.sqrt(columnNormSquared);
    // Reflect x onto -sign(x_0) ||x|| e_1: subtracting numbers of opposite sign never cancels.
    const pivot = work.data[k * cols + k];
    const target = pivot >= 0 ? -columnNorm : columnNorm;
    for (let i = k; i < rows; i++) reflector[i - k] = work.data[i * cols + k];
    reflector[0] -= target;
    let reflectorNormSquared = 0;
    for (const entry of reflector) reflectorNormSquared += entry * entry;
    const reflectorNorm = Math.sqrt(reflectorNormSquared);
    if (reflectorNorm > 0) {
      for (let i = 0; i < reflector.length; i++) reflector[i] /= reflectorNorm;
      applyReflector(work, reflector, k);
    }
    reflectors.push(reflector);
  }

  // Q's first k columns: apply H_0 H_1 ... H_{k-1} to the first k columns of the identity, innermost first.
  const q = zeros(rows, cols);
  for (let j = 0; j < cols; j++) q.data[j * cols + j] = 1;
  for (let k = cols - 1; k >= 0; k--) applyReflector(q, reflectors[k], k);

  const r = zeros(cols, cols);
  for (let i = 0; i < cols; i++) {
    const sign = work.data[i * cols + i] < 0 ? -1 : 1; // flip row i of R and column i of Q together
    for (let j = i; j < cols; j++) r.data[i * cols + j] = sign * work.data[i * cols + j];
    for (let row = 0; row < rows; row++) q.data[row * cols + i] *= sign;
  }
  return { q, r };
}

/** matrix[offset:, :] -= 2 v (v^T matrix[offset:, :]), i.e. apply I - 2 v v^T to the rows from `offset` on. */
function applyReflector(matrix: Matrix, reflector: Float64Array, offset: number): void {
  const { cols, data } = matrix;
  for (let j = 0; j < cols; j++) {
    let projection = 0;
    for (let i = 0; i < reflector.length; i++) projection += reflector[i] * data[(offset + i) * cols + j];
    if (projection === 0) continue;
    for (let i = 0; i < reflector.length; i++) data[(offset + i) * cols + j] -= 2 * projection * reflector[i];
  }
}

/** A random rows x cols matrix (rows >= cols) with orthonormal columns (Q^T Q = I), Haar-distributed. */
export function orthonormalColumns(rows: number, cols: number, seed: SeedOrRandom): Matrix {
  if (rows < cols) throw new Error(`orthonormalColumns: ${cols} orthonormal columns need at least ${cols} rows, got ${rows}`);
  return householderQR(gaussianMatrix(rows, cols, seed)).q;
}

/** A random rows x cols matrix (rows <= cols) with orthonormal rows (Q Q^T = I), Haar-distributed. */
export function orthonormalRows(rows: number, cols: number, seed: SeedOrRandom): Matrix {
  if (rows > cols) throw new Error(`orthonormalRows: ${rows} orthonormal rows need at least ${rows} columns, got ${cols}`);
  return transpose(orthonormalColumns(cols, rows, seed));
}

/** A random n x n orthogonal matrix, Haar-distributed. */
export function orthogonalMatrix(size: number, seed: SeedOrRandom): Matrix {
  return orthonormalColumns(size, size, seed);
}

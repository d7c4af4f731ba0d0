// The theory's assumptions about the trained weights (section 2 of the report), in float64 on the host from a
// run's saved weights, singular values and data: balancedness relative to the weights' size, a spectral gap after
// the K-th singular value (approximately low rank), and minimum norm (how far the end-to-end map is from the
// minimum-norm solution, and how much of W_1 lies outside the data's span).
import { frobeniusNorm, matmul, transpose, type Matrix } from '../linalg';
import { symmetricPseudoInverse } from '../metrics/eigen';

/** ||W W^T||_F = sqrt(sum_i s_i^4) from the singular values s_i of W (also ||W^T W||_F). */
const gramNorm = (singularValues: readonly number[]) => Math.sqrt(singularValues.reduce((sum, s) => sum + s ** 4, 0));

/**
 * ||W_l W_l^T - W_{l+1}^T W_{l+1}||_F divided by the larger of ||W_l W_l^T||_F and ||W_{l+1}^T W_{l+1}||_F, for
 * l = 1..L-1: 0 for balanced layers, up to 2 (the absolute figure says nothing without the weights' scale).
 */
export function relativeImbalance(balancedness: readonly number[], singularValues: readonly (readonly number[])[]): number[] {
  return balancedness.map((imbalance, l) => imbalance / Math.max(gramNorm(singularValues[l]), gramNorm(singularValues[l + 1])));
}

/** s_K / s_{K+1} of each W_l that has a (K+1)-th singular value: large when W_l is close to rank K. */
export function spectralGaps(singularValues: readonly (readonly number[])[], classes: number): number[] {
  return singularValues.filter((values) => values.length > classes).map((values) => values[classes - 1] / values[classes]);
}

/** (X X^T)^+ (N x N) for the samples X (N x d), one per row. */
function gramPseudoInverse(inputs: Matrix): Matrix {
  const gram = matmul(inputs, transpose(inputs));
  return { rows: gram.rows, cols: gram.cols, data: symmetricPseudoInverse(gram.data, gram.rows, 1e-12) };
}

/** P = X^T (X X^T)^+ X (d x d), the projection onto the span of the samples, from `inverse` = (X X^T)^+. */
function rowSpanProjection(inputs: Matrix, inverse: Matrix): Matrix {
  return matmul(transpose(inputs), matmul(inverse, inputs));
}

/** A - A P: the part of each row of A outside the span P projects onto. */
function outsideSpan(matrix: Matrix, projection: Matrix): Matrix {
  const inside = matmul(matrix, projection);
  return { rows: matrix.rows, cols: matrix.cols, data: matrix.data.map((value, index) => value - inside.data[index]) };
}

export interface MinimumNorm {
  /**
   * ||W_L ... W_1 - W*||_F / ||W*||_F, with W* = Y^T (X^T)^+ / alpha the minimum-norm linear map that fits the
   * MSE targets exactly (alpha W* X^T = Y^T): 0 when the network's end-to-end map is the minimum-norm solution.
   */
  endToEndDistance: number;
  /** ||W_1 (I - P_X)||_F / ||W_1||_F: the share of the first layer outside the data's span, which gradients never touch. */
  firstLayerOutside: number;
}

/** The minimum-norm measures of trained `weights` (each out x in) on `inputs` (N x d) with one-hot `labels`. */
export function minimumNorm(weights: readonly Matrix[], inputs: Matrix, labels: ArrayLike<number>, classes: number, alpha: number): MinimumNorm {
  const targets = { rows: classes, cols: inputs.rows, data: new Float64Array(classes * inputs.rows) }; // Y^T, K x N
  for (let i = 0; i < labels.length; i++) targets.data[labels[i] * inputs.rows + i] = 1 / alpha;
  const inverse = gramPseudoInverse(inputs);
  const minimum = matmul(matmul(targets, inverse), inputs); // Y^T (X X^T)^+ X / alpha = Y^T (X^T)^+ / alpha
  const product = weights.slice(1).reduce((map, weight) => matmul(weight, map), weights[0]);
  const difference = { ...product, data: product.data.map((value, index) => value - minimum.data[index]) };
  return {
    endToEndDistance: frobeniusNorm(difference) / frobeniusNorm(minimum),
    firstLayerOutside: frobeniusNorm(outsideSpan(weights[0], rowSpanProjection(inputs, inverse))) / frobeniusNorm(weights[0]),
  };
}

// Weight initialisations for the deep linear network of METHOD.md, on the CPU in float64.
// Each W_l is stored out x in like PyTorch's nn.Linear.weight: W_1 is m x d, W_l is m x m, W_L is K x m.
import { orthogonalMatrix, orthonormalColumns, orthonormalRows, zeros, type Matrix } from './linalg';
import type { Choice } from './settings';
import { toRandom, type Random, type SeedOrRandom } from './random';

/** The network's sizes. */
export interface NetworkShape {
  inputDim: number; // d
  width: number; // m
  classes: number; // K
  layers: number; // L, the number of weight matrices (L - 1 hidden layers plus the classifier)
}

/** The initialisation schemes. */
export type InitScheme = Choice<'init'>;

export interface InitOptions {
  scheme: InitScheme;
  /** eps, the scale of the orthogonal scheme (the paper's synthetic runs use 0.3); ignored by 'default'. */
  scale?: number;
  seed: SeedOrRandom;
}

/** [out, in] of each W_l: [m, d], [m, m], ..., [K, m]; a one-layer network is just [K, d]. */
export function layerShapes(shape: NetworkShape): [number, number][] {
  const { inputDim, width, classes, layers } = shape;
  for (const [name, value] of Object.entries(shape)) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`network shape: ${name} must be a positive integer, got ${value}`);
  }
  const shapes: [number, number][] = [];
  for (let l = 0; l < layers; l++) {
    const input = l === 0 ? inputDim : width;
    const output = l === layers - 1 ? classes : width;
    shapes.push([output, input]);
  }
  return shapes;
}

/**
 * The weights W_1..W_L for `shape`, drawn layer by layer from one stream, so a seed fixes them all.
 * Preconditions of 'orthogonal': the classifier's input size (m, or d when L = 1) is at least K.
 */
export function initWeights(shape: NetworkShape, options: InitOptions): Matrix[] {
  const random = toRandom(options.seed);
  const shapes = layerShapes(shape);
  switch (options.scheme) {
    case 'orthogonal': {
      const scale = options.scale ?? 1;
      return shapes.map(([output, input], l) =>
        l === shapes.length - 1 ? orthogonalClassifier(output, input, scale, random) : orthogonalWeight(output, input, scale, random),
      );
    }
    case 'default':
      return shapes.map(([output, input]) => kaimingUniformWeight(output, input, random));
    default:
      throw new Error(`initWeights: unknown scheme '${options.scheme satisfies never}' (supported: 'orthogonal', 'default')`);
  }
}

/**
 * eps times a random out x in matrix with orthonormal rows (out <= in, so W W^T = eps^2 I_out) or orthonormal
 * columns (out > in, so W^T W = eps^2 I_in); square matrices get both.
 * The paper's code takes the left singular vectors of a Gaussian; we take Q of its QR with diag(R) > 0. Both are
 * Haar-distributed (uniform over such matrices), so the distribution is the same, not the individual draws.
 */
export function orthogonalWeight(output: number, input: number, scale: number, seed: SeedOrRandom): Matrix {
  const random = toRandom(seed);
  const weight = output <= input ? orthonormalRows(output, input, random) : orthonormalColumns(output, input, random);
  return scaled(weight, scale);
}

/**
 * The classifier of METHOD.md: eps [O | 0], a random K x K orthogonal O padded with zero columns to K x width
 * (the paper's code). So W W^T = eps^2 I_K, and only the first K features reach the output at the start.
 */
export function orthogonalClassifier(classes: number, width: number, scale: number, seed: SeedOrRandom): Matrix {
  if (width < classes) {
    throw new Error(`orthogonalClassifier: a ${classes} x ${classes} orthogonal block does not fit in ${classes} x ${width} (width must be >= classes)`);
  }
  const block = orthogonalMatrix(classes, seed); // (K, K)
  const weight = zeros(classes, width);
  for (let i = 0; i < classes; i++) {
    for (let j = 0; j < classes; j++) weight.data[i * width + j] = scale * block.data[i * classes + j];
  }
  return weight;
}

/**
 * PyTorch's nn.Linear default: kaiming_uniform_(a = sqrt(5)), whose bound gain * sqrt(3 / fan_in) with
 * gain = sqrt(2 / (1 + 5)) simplifies to U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = input. Row-major draws.
 */
export function kaimingUniformWeight(output: number, input: number, seed: SeedOrRandom): Matrix {
  const random: Random = toRandom(seed);
  const bound = 1 / Math.sqrt(input);
  const weight = zeros(output, input);
  random.fillUniform(weight.data, -bound, bound);
  return weight;
}

/** scale * matrix, in place; returns the matrix. */
function scaled(matrix: Matrix, scale: number): Matrix {
  for (let i = 0; i < matrix.data.length; i++) matrix.data[i] *= scale;
  return matrix;
}

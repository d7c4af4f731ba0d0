// The synthetic datasets of METHOD.md, built on the CPU in float64: N samples as the rows of an N x d matrix,
// K balanced classes stored contiguously (samples [k N/K, (k+1) N/K) have label k).
// Convert with `new Float32Array(inputs.data)` for the GPU.
import { frobeniusNorm, orthonormalColumns, transpose, zeros, type Matrix } from '../linalg';
import { toRandom, type Random, type SeedOrRandom } from '../random';

/** Samples with their class labels. */
export interface Dataset {
  inputs: Matrix; // (N, d), one sample per row
  labels: Int32Array; // (N), label k for rows [k N/K, (k+1) N/K)
  classes: number; // K
}

/** The nearly orthogonal data: inputs = base + perturbation, with both parts kept for checks. */
export interface NearlyOrthogonalDataset extends Dataset {
  base: Matrix; // (N, d): orthonormal rows when d >= N, orthonormal columns when d < N
  perturbation: Matrix; // (N, d): Delta, i.i.d. Gaussian scaled so ||Delta||_F = perturbationNorm
}

/** The sizes every dataset takes. */
export interface DatasetSize {
  samples: number; // N
  dim: number; // d
  classes: number; // K, must divide N
}

/** Throws unless the sizes are positive integers and N splits into K equal classes. */
function checkSize({ samples, dim, classes }: DatasetSize): void {
  for (const [name, value] of [
    ['samples', samples],
    ['dim', dim],
    ['classes', classes],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`synthetic data: ${name} must be a positive integer, got ${value}`);
  }
  if (samples % classes !== 0) {
    throw new Error(`synthetic data: ${samples} samples cannot be split into ${classes} balanced classes (N must be a multiple of K)`);
  }
}

/** Labels 0..K-1, each repeated N/K times in a contiguous block. */
export function balancedLabels(samples: number, classes: number): Int32Array {
  checkSize({ samples, dim: 1, classes });
  const perClass = samples / classes;
  const labels = new Int32Array(samples);
  for (let i = 0; i < samples; i++) labels[i] = Math.floor(i / perClass);
  return labels;
}

/**
 * Nearly orthogonal data, the theory's setting: X = B + Delta (both N x d).
 *
 * - d >= N (the theory's case): B's rows are N orthonormal vectors in R^d, the first N columns of Q from the
 *   QR of a Gaussian (a d x N Gaussian suffices: see householderQR), so B B^T = I_N.
 * - d < N: N orthonormal vectors do not fit in R^d, so, as METHOD.md says, the samples are rows of an
 *   orthogonal basis: B is the first d columns of a random N x N orthogonal matrix, i.e. the rows of that basis
 *   cut to their first d coordinates. Then B^T B = I_d, and the rows are a tight frame with mean squared
 *   norm d/N rather than unit vectors: the data are not nearly orthogonal, only as spread as R^d allows.
 *
 * Delta has i.i.d. Gaussian entries, rescaled so ||Delta||_F = perturbationNorm (METHOD.md: 1).
 */
export function nearlyOrthogonalData(size: DatasetSize, seed: SeedOrRandom, perturbationNorm = 1): NearlyOrthogonalDataset {
  checkSize(size);
  if (!(perturbationNorm >= 0)) throw new Error(`nearlyOrthogonalData: perturbationNorm must be >= 0, got ${perturbationNorm}`);
  const { samples, dim, classes } = size;
  const random = toRandom(seed);
  const base = dim >= samples ? transpose(orthonormalColumns(dim, samples, random)) : orthonormalColumns(samples, dim, random);

  const perturbation = zeros(samples, dim);
  random.fillNormal(perturbation.data);
  const drawnNorm = frobeniusNorm(perturbation);
  for (let i = 0; i < perturbation.data.length; i++) perturbation.data[i] *= perturbationNorm / drawnNorm;

  const inputs = zeros(samples, dim);
  for (let i = 0; i < inputs.data.length; i++) inputs.data[i] = base.data[i] + perturbation.data[i];
  return { inputs, labels: balancedLabels(samples, classes), classes, base, perturbation };
}

/** Options of the clustered (Gaussian and uniform) datasets. */
export interface ClusterOptions {
  /**
   * How far apart the classes are: each class mean has i.i.d. entries of variance separation^2 / d (so its norm
   * is about `separation`), while the noise around it has variance 1 / d per entry (norm about 1). Default 1:
   * in high dimension the classes are then clearly separable, so the problem is learnable. 0 gives labels
   * independent of the inputs.
   */
  separation?: number;
}

/**
 * Gaussian data: sample i of class k is mu_k + noise, the noise i.i.d. N(0, 1/d) per entry and the class means
 * mu_k i.i.d. N(0, separation^2 / d) per entry. The K means are drawn first (K x d), then the noise row by row.
 */
export function gaussianData(size: DatasetSize, seed: SeedOrRandom, options: ClusterOptions = {}): Dataset {
  return clusteredData(size, seed, options, (random, std) => random.normal(0, std));
}

/**
 * Uniform data, the same construction as gaussianData with uniform draws of the same variance: each entry of the
 * noise is U(-sqrt(3/d), sqrt(3/d)) (variance 1/d), each entry of a class mean that times `separation`.
 */
export function uniformData(size: DatasetSize, seed: SeedOrRandom, options: ClusterOptions = {}): Dataset {
  // U(-a, a) has variance a^2 / 3, so a = sqrt(3) std.
  return clusteredData(size, seed, options, (random, std) => random.uniform(-Math.sqrt(3) * std, Math.sqrt(3) * std));
}

/** mu_k + noise per sample, with `draw(random, std)` a zero-mean draw of standard deviation std. */
function clusteredData(size: DatasetSize, seed: SeedOrRandom, options: ClusterOptions, draw: (random: Random, std: number) => number): Dataset {
  checkSize(size);
  const { samples, dim, classes } = size;
  const separation = options.separation ?? 1;
  if (!(separation >= 0)) throw new Error(`synthetic data: separation must be >= 0, got ${separation}`);
  const random = toRandom(seed);
  const noiseStd = 1 / Math.sqrt(dim);

  const means = zeros(classes, dim); // (K, d)
  for (let i = 0; i < means.data.length; i++) means.data[i] = draw(random, separation * noiseStd);

  const labels = balancedLabels(samples, classes);
  const inputs = zeros(samples, dim);
  for (let i = 0; i < samples; i++) {
    for (let j = 0; j < dim; j++) inputs.data[i * dim + j] = means.data[labels[i] * dim + j] + draw(random, noiseStd);
  }
  return { inputs, labels, classes };
}

/** N x K one-hot targets: row i has a 1 in column labels[i]. */
export function oneHot(labels: ArrayLike<number>, classes: number): Matrix {
  if (!Number.isInteger(classes) || classes < 1) throw new Error(`oneHot: classes must be a positive integer, got ${classes}`);
  const targets = zeros(labels.length, classes);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new Error(`oneHot: label ${label} at index ${i} is not a class in [0, ${classes})`);
    }
    targets.data[i * classes + label] = 1;
  }
  return targets;
}

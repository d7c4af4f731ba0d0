// Linear separability of two classes through their Minkowski difference (seed 003): A and B are linearly
// separable iff some w has w . (a - b) > 0 for every a in A, b in B (a bias between min w.a and max w.b then
// exists), i.e. iff the difference set A - B lies in an open half-space through the origin.
//
// Our measure, per pair of classes: the largest fraction of all differences a - b on the positive side of one
// direction w, with w found by gradient descent on the mean logistic loss softplus(-f w . (a - b)) over every
// difference (a surrogate for the fraction itself, which is not differentiable; f scales the pair's differences
// to unit mean squared norm). 1 means separable; two classes drawn from one distribution give 1/2 for every w
// by symmetry. A layer's value is the mean over its pairs of classes.
// Cost: no difference is ever formed, since w . (a - b) = w . a - w . b. Each of STEPS steps moves every pair's
// direction at once: two N x m x P matmuls (P pairs of classes) and, for each sample and pair, a sum over the
// other class's samples (shaders/minkowski_logistic.wgsl). The fractions then count all n_a n_b differences
// from one readback of the N x P scores.
import { CompiledStep } from '../compiled-step';
import type { Gpu } from '../gpu';
import { fill } from '../ops/fill';
import { launch } from '../ops/launch';
import { matmul } from '../ops/matmul';
import { Sgd } from '../optim';
import { createTensor, type Tensor } from '../tensor';
import coefficientsShader from '../../shaders/minkowski_logistic.wgsl';

const STEPS = 200;

export interface PairSeparability {
  classes: [number, number];
  /** The fraction of differences a - b with w . (a - b) > 0. */
  separated: number;
}

/** The mean separability over every pair of classes, and each pair's. */
export async function linearSeparability(
  gpu: Gpu,
  features: Tensor,
  labels: ArrayLike<number>,
  classes: number,
): Promise<{ mean: number; pairs: PairSeparability[] }> {
  const problem = pairProblem(gpu, await features.read(), features.shape[1], labels, classes);
  const P = problem.pairs.length;
  const directions = fill(gpu, [P, features.shape[1]], 0, 'separating directions');
  const sgd = new Sgd([directions], { learningRate: 1, momentum: 0.9 });
  try {
    CompiledStep.repeat(gpu, STEPS, () => gpu.scope(() => sgd.step([minkowskiLogisticGradient(features, directions, problem)])));
    const scoresTensor = gpu.scope(() => matmul(features, directions, { transposeB: true }));
    const scores = await scoresTensor.read();
    scoresTensor.dispose();
    const pairs = problem.pairs.map(([a, b], p): PairSeparability => {
      const [A, B] = [problem.members[a], problem.members[b]];
      let positive = 0;
      for (const i of A) for (const j of B) if (scores[i * P + p] > scores[j * P + p]) positive++;
      return { classes: [a, b], separated: positive / (A.length * B.length) };
    });
    return { mean: pairs.reduce((total, pair) => total + pair.separated, 0) / pairs.length, pairs };
  } finally {
    sgd.dispose();
    directions.dispose();
    problem.dispose();
  }
}

/** Every pair of classes with its scale f_p, and the classes' members, on the GPU for the loss's gradient. */
export interface PairProblem {
  pairs: [number, number][];
  /** f_p: one over the root mean squared difference of pair p. */
  scales: number[];
  members: number[][];
  tensors: { labels: Tensor; members: Tensor; classStart: Tensor; pairs: Tensor; quads: Tensor };
  dispose(): void;
}

/** `values` are the N x m features, read back. Create outside any scope. */
export function pairProblem(gpu: Gpu, values: Float32Array, m: number, labels: ArrayLike<number>, classes: number): PairProblem {
  const N = values.length / m;
  if (labels.length !== N) throw new Error(`separability: ${labels.length} labels for ${N} rows of features`);
  const members = Array.from({ length: classes }, (_, k) => Array.from(labels).flatMap((label, i) => (label === k ? [i] : [])));
  const empty = members.findIndex((list) => list.length === 0);
  if (empty >= 0) throw new Error(`separability: class ${empty} has no samples`);
  const pairs: [number, number][] = [];
  for (let a = 0; a < classes; a++) for (let b = a + 1; b < classes; b++) pairs.push([a, b]);
  const scales = pairs.map(([a, b]) => {
    const spread = meanSquaredDifference(values, m, members[a], members[b]);
    return spread > 0 ? 1 / Math.sqrt(spread) : 1;
  });
  const classStart = members.reduce((starts, list) => [...starts, starts.at(-1)! + list.length], [0]);
  const quads = members.flatMap((list) => [...list, ...new Array<number>((4 - (list.length % 4)) % 4).fill(-1)]); // each class padded to fours
  const tensors = {
    labels: gpu.tensor([N], Array.from(labels), 'separability labels'),
    members: gpu.tensor([N], members.flat(), 'members by class'),
    classStart: gpu.tensor([classes + 1], classStart, 'class starts'),
    pairs: gpu.tensor(
      [pairs.length, 4],
      pairs.flatMap(([a, b], p) => [a, b, scales[p], 0]),
      'class pairs',
    ),
    quads: gpu.tensor([quads.length / 4, 4], quads, 'members by class, in fours'),
  };
  return { pairs, scales, members, tensors, dispose: () => Object.values(tensors).forEach((t) => t.dispose()) };
}

/**
 * d/dW of the sum over pairs p of loss_p = mean over a in A_p, b in B_p of softplus(-f_p w_p . (a - b)), where
 * row p of `directions` (P x m) is w_p: P x m. Through the scores s = Z W^T: dW = C^T Z, C = d loss / d s.
 */
export function minkowskiLogisticGradient(features: Tensor, directions: Tensor, problem: PairProblem): Tensor {
  const gpu = features.gpu;
  const scores = matmul(features, directions, { transposeB: true });
  const [N, P] = scores.shape;
  const coefficients = createTensor(gpu, [N, P], 'separability coefficients');
  const { labels, members, classStart, pairs, quads } = problem.tensors;
  const buffers = [scores.binding, labels.binding, members.binding, classStart.binding, pairs.binding, quads.binding, coefficients.binding];
  const [QUADS] = quads.shape;
  launch(gpu, coefficientsShader, { constants: { QUADS, PAIRS: P }, buffers, items: QUADS * P });
  return matmul(coefficients, features, { transposeA: true });
}

/** Mean ||a - b||^2 over every a in A, b in B: the two classes' spreads about their means plus the means' distance. */
function meanSquaredDifference(values: Float32Array, m: number, a: number[], b: number[]): number {
  const mean = (rows: number[]) => Array.from({ length: m }, (_, k) => rows.reduce((total, i) => total + values[i * m + k], 0) / rows.length);
  const spread = (rows: number[], centre: number[]) =>
    rows.reduce((total, i) => total + centre.reduce((sum, c, k) => sum + (values[i * m + k] - c) ** 2, 0), 0) / rows.length;
  const [meanA, meanB] = [mean(a), mean(b)];
  return spread(a, meanA) + spread(b, meanB) + meanA.reduce((total, c, k) => total + (c - meanB[k]) ** 2, 0);
}

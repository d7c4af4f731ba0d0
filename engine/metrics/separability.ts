// Linear separability of two classes through their Minkowski difference (seed 003): A and B are linearly
// separable iff some w has w . (a - b) > 0 for every a in A, b in B (a bias between min w.a and max w.b then
// exists), i.e. iff the difference set A - B lies in an open half-space through the origin.
//
// Our measure, per pair of classes: the largest fraction of differences a - b on the positive side of one
// direction w, with w found by gradient descent on the logistic loss of the differences (on the GPU; a
// surrogate for the fraction itself, which is not differentiable). 1 means separable; two classes drawn from
// one distribution give 1/2 for every w by symmetry. A layer's value is the mean over its pairs of classes.
// Cost: for each pair, min(|A| |B|, MAX_DIFFERENCES) differences of m features, STEPS steps of two m-wide
// matmuls over them; the differences are built on the CPU from one readback of the layer's features.
import type { Gpu } from '../gpu';
import { fill } from '../ops/fill';
import { softmaxCrossEntropy } from '../ops/loss';
import { matmul } from '../ops/matmul';
import { Sgd } from '../optim';
import { Random } from '../random';
import { valueAndGrad } from '../tape';
import type { Tensor } from '../tensor';

/** Pairs (a, b) beyond this are subsampled, with a fixed seed, so the measure is repeatable. */
const MAX_DIFFERENCES = 2048;
const STEPS = 200;

export interface PairSeparability {
  classes: [number, number];
  /** The fraction of differences a - b with w . (a - b) > 0. */
  separated: number;
}

/** The mean separability over every pair of classes, and each pair's. */
export async function linearSeparability(gpu: Gpu, features: Tensor, labels: ArrayLike<number>, classes: number): Promise<{ mean: number; pairs: PairSeparability[] }> {
  const m = features.shape[1];
  const values = await features.read();
  const members = Array.from({ length: classes }, (_, k) => Array.from(labels).flatMap((label, i) => (label === k ? [i] : [])));
  const pairs: PairSeparability[] = [];
  for (let a = 0; a < classes; a++) {
    for (let b = a + 1; b < classes; b++) {
      pairs.push({ classes: [a, b], separated: await separatedFraction(gpu, differences(values, m, members[a], members[b]), m) });
    }
  }
  return { mean: pairs.reduce((total, pair) => total + pair.separated, 0) / pairs.length, pairs };
}

/** Rows a - b for every (or a seeded sample of) a in A, b in B, scaled to unit mean squared norm. */
function differences(values: Float32Array, m: number, a: number[], b: number[]): Float32Array {
  const count = Math.min(a.length * b.length, MAX_DIFFERENCES);
  const random = new Random(a.length * 7919 + b.length);
  const rows = new Float32Array(count * m);
  let squared = 0;
  for (let r = 0; r < count; r++) {
    const pick = count === a.length * b.length ? r : random.integer(a.length * b.length);
    const [i, j] = [a[Math.floor(pick / b.length)], b[pick % b.length]];
    for (let k = 0; k < m; k++) {
      const difference = values[i * m + k] - values[j * m + k];
      rows[r * m + k] = difference;
      squared += difference * difference;
    }
  }
  const factor = squared > 0 ? Math.sqrt(count / squared) : 1;
  return rows.map((v) => v * factor);
}

/**
 * Logistic regression of the differences all onto one side, as two-class cross-entropy with every target the
 * first class: the logit gap is (w_0 - w_1) . d. Returns the fraction of d with a positive gap.
 */
async function separatedFraction(gpu: Gpu, rows: Float32Array, m: number): Promise<number> {
  const count = rows.length / m;
  const d = gpu.tensor([count, m], rows, 'differences');
  const targets = gpu.tensor([count, 2], Float32Array.from({ length: 2 * count }, (_, i) => (i % 2 === 0 ? 1 : 0)), 'one side');
  const w = fill(gpu, [2, m], 0, 'separating direction');
  const sgd = new Sgd([w], { learningRate: 1, momentum: 0.9 });
  try {
    for (let step = 0; step < STEPS; step++) {
      gpu.scope(() => sgd.step(valueAndGrad([w], () => softmaxCrossEntropy(matmul(d, w, { transposeB: true }), targets)).grads));
      gpu.flush();
    }
    const output = gpu.scope(() => matmul(d, w, { transposeB: true }));
    const logits = await output.read();
    output.dispose();
    let positive = 0;
    for (let r = 0; r < count; r++) if (logits[2 * r] > logits[2 * r + 1]) positive++;
    return positive / count;
  } finally {
    sgd.dispose();
    for (const t of [d, targets, w]) t.dispose();
  }
}

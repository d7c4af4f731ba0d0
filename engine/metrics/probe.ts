// The linear probe (transfer): freeze the network, train a linear classifier (weights and bias, softmax
// cross-entropy, full-batch SGD with momentum) on one layer's features of the train split, and report its
// accuracy on both splits. Everything trains on the GPU; the logits come back once per split.
import { TensorBlock, zerosLike } from '../block';
import { CompiledStep } from '../compiled-step';
import type { Gpu } from '../gpu';
import { mul, scale } from '../ops/elementwise';
import { softmaxCrossEntropy } from '../ops/loss';
import { linear } from '../ops/matmul';
import { reduceSum } from '../ops/reduce';
import { Sgd } from '../optim';
import { valueAndGrad } from '../tape';
import type { Tensor } from '../tensor';

export interface ProbeSplit {
  features: Tensor; // N x m
  labels: ArrayLike<number>;
}

export interface ProbeAccuracy {
  train_accuracy: number;
  test_accuracy: number;
}

export interface ProbeOptions {
  steps?: number;
  learningRate?: number;
  momentum?: number;
}

/**
 * Features are first scaled so the train rows have unit mean squared norm: layers' scales differ by orders of
 * magnitude, and one learning rate then suits them all (cross-entropy's curvature is at most ||x||^2 / 2).
 */
export async function linearProbe(gpu: Gpu, train: ProbeSplit, test: ProbeSplit, classes: number, options: ProbeOptions = {}): Promise<ProbeAccuracy> {
  const { steps = 300, learningRate = 1, momentum = 0.9 } = options;
  const [N, m] = train.features.shape;
  const norm = gpu.scope(() => reduceSum(mul(train.features, train.features), 1 / N));
  const meanSquaredNorm = (await norm.read().finally(() => norm.dispose()))[0];
  const factor = meanSquaredNorm > 0 ? 1 / Math.sqrt(meanSquaredNorm) : 1;
  const inputs = [train, test].map((split) => gpu.scope(() => scale(split.features, factor)));
  const targets = gpu.tensor([N, classes], oneHot(train.labels, classes), 'probe targets');
  const paramBlock = TensorBlock.zeros(gpu, [[classes, m], [classes]], ['probe weight', 'probe bias']); // blocks: one update dispatch
  const params = paramBlock.views;
  const gradients = zerosLike(params, 'gradient');
  const [weight, bias] = params;
  const sgd = new Sgd(params, { learningRate, momentum });
  const logits = (x: Tensor) => linear(x, weight, { bias });
  try {
    CompiledStep.repeat(gpu, steps, () =>
      gpu.scope(() => sgd.step(valueAndGrad(params, () => softmaxCrossEntropy(logits(inputs[0]), targets), gradients).grads)),
    );
    const outputs = gpu.scope(() => inputs.map(logits));
    const values = await gpu.readMany(outputs.map((t) => t.region));
    for (const t of outputs) t.dispose();
    const [trainAccuracy, testAccuracy] = [train, test].map((split, i) => accuracy(new Float32Array(values[i]), split.labels, classes));
    return { train_accuracy: trainAccuracy, test_accuracy: testAccuracy };
  } finally {
    sgd.dispose();
    for (const t of [...inputs, targets, ...gradients]) t.dispose();
    paramBlock.dispose();
  }
}

function oneHot(labels: ArrayLike<number>, classes: number): Float32Array {
  const targets = new Float32Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) targets[i * classes + labels[i]] = 1;
  return targets;
}

/** The fraction of rows whose largest logit is their label's. */
function accuracy(logits: Float32Array, labels: ArrayLike<number>, classes: number): number {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (logits[i * classes + k] > logits[i * classes + best]) best = k;
    if (best === labels[i]) correct++;
  }
  return correct / labels.length;
}

// The training loop: full-batch GD or mini-batch SGD on the GPU, one command buffer per step, and a readback
// only every `lossEvery` steps (to report the loss, test the tolerance and catch divergence).
import type { Gpu } from './gpu';
import { dlnFeatures, dlnForward } from './model';
import { MetricsStage, type NetworkMetrics } from './metrics/layers';
import { gatherRows } from './ops/gather';
import { mseLoss, softmaxCrossEntropy } from './ops/loss';
import { Sgd } from './optim';
import { Random } from './random';
import { valueAndGrad } from './tape';
import type { Tensor } from './tensor';

export interface TrainOptions {
  loss: 'mse' | 'ce';
  /** The feature multiplier of the MSE loss: sum((alpha f(x) - y)^2) / N. */
  alpha: number;
  learningRate: number;
  momentum: number;
  weightDecay: number;
  decoupledWeightDecay: boolean;
  /** Cosine annealing goes from learningRate to learningRate * finalLearningRateFraction over `steps`. */
  schedule: 'constant' | 'cosine';
  finalLearningRateFraction: number;
  /** The step budget. */
  steps: number;
  /** Stop once the (full-batch) training loss falls below this. */
  tol: number;
  /** 0 for full-batch gradient descent. */
  batchSize: number;
  seed: number;
  /** Read the loss back every this many steps. */
  lossEvery: number;
  /** Measure every layer every this many steps (0: only at the end). */
  metricsEvery: number;
}

export const defaultTrainOptions: TrainOptions = {
  loss: 'mse',
  alpha: 1,
  learningRate: 0.1,
  momentum: 0,
  weightDecay: 0,
  decoupledWeightDecay: false,
  schedule: 'cosine',
  finalLearningRateFraction: 0.1,
  steps: 5000,
  tol: 1e-10,
  batchSize: 0,
  seed: 0,
  lossEvery: 50,
  metricsEvery: 0,
};

export interface TrainData {
  inputs: Tensor; // N x d
  targets: Tensor; // N x K one-hot
  labels: ArrayLike<number>; // N class indices
  classes: number;
}

export interface TrainEvents {
  onLoss?: (step: number, loss: number, stepsPerSecond: number) => void;
  onMetrics?: (step: number, metrics: NetworkMetrics) => void;
}

export interface TrainResult {
  steps: number;
  finalLoss: number;
  /** [step, loss] at every readback. */
  losses: [number, number][];
  stopReason: 'tolerance' | 'budget' | 'diverged';
  seconds: number;
  metrics: NetworkMetrics;
}

/** The learning rate at `step` of `steps`. */
export function learningRateAt(step: number, options: Pick<TrainOptions, 'learningRate' | 'schedule' | 'finalLearningRateFraction' | 'steps'>): number {
  if (options.schedule === 'constant') return options.learningRate;
  const final = options.learningRate * options.finalLearningRateFraction;
  return final + ((options.learningRate - final) * (1 + Math.cos((Math.PI * step) / options.steps))) / 2;
}

/**
 * Trains `weights` in place. On divergence (a non-finite loss) it restores the weights of the last finite readback
 * and stops with stopReason 'diverged'. Returns the losses read and the final per-layer metrics.
 */
export async function train(gpu: Gpu, data: TrainData, weights: Tensor[], options: TrainOptions, events: TrainEvents = {}): Promise<TrainResult> {
  const N = data.inputs.shape[0];
  const batchSize = options.batchSize > 0 ? Math.min(options.batchSize, N) : N;
  const lossOf = (prediction: Tensor, targets: Tensor) =>
    options.loss === 'mse' ? mseLoss(prediction, targets, options.alpha) : softmaxCrossEntropy(prediction, targets);
  const fullBatchLoss = () => lossOf(dlnForward(data.inputs, weights), data.targets);

  const sgd = new Sgd(weights, options);
  const stage = new MetricsStage(gpu, data.labels, data.classes);
  const lastFinite = weights.map((w) => gpu.tensor(w.shape, undefined, `${w.label} (last finite)`));
  const batchIndices = batchSize < N ? gpu.tensor([batchSize], undefined, 'batch indices') : null;
  const order = new Float32Array(N);
  const random = new Random(options.seed);
  const losses: [number, number][] = [];
  const started = performance.now();
  let stopReason: TrainResult['stopReason'] = 'budget';
  let step = 0;
  let lastReport = { step: 0, time: started };

  try {
    for (; ; step++) {
      const due = step % options.lossEvery === 0 || step === options.steps;
      if (due) {
        const loss = (await gpu.scope(fullBatchLoss).read())[0];
        const now = performance.now();
        events.onLoss?.(step, loss, ((step - lastReport.step) * 1000) / Math.max(now - lastReport.time, 1e-3));
        lastReport = { step, time: now };
        if (!Number.isFinite(loss)) {
          // Before the first finite readback (step 0) the weights are still the initial ones.
          if (losses.length > 0) weights.forEach((w, l) => gpu.copy(lastFinite[l].buffer, w.buffer, w.size * 4));
          stopReason = 'diverged';
          break;
        }
        losses.push([step, loss]);
        weights.forEach((w, l) => gpu.copy(w.buffer, lastFinite[l].buffer, w.size * 4));
        if (loss < options.tol) {
          stopReason = 'tolerance';
          break;
        }
      }
      if (options.metricsEvery > 0 && step % options.metricsEvery === 0 && events.onMetrics) {
        events.onMetrics(step, await measure(gpu, stage, data.inputs, weights));
      }
      if (step >= options.steps) break;

      if (batchIndices && (step * batchSize) % N < batchSize) order.set(random.permutation(N)); // a new epoch
      sgd.learningRate = learningRateAt(step, options);
      gpu.scope(() => {
        let inputs = data.inputs;
        let targets = data.targets;
        if (batchIndices) {
          const start = (step * batchSize) % N;
          gpu.upload(batchIndices, epochSlice(order, start, batchSize));
          inputs = gatherRows(data.inputs, batchIndices);
          targets = gatherRows(data.targets, batchIndices);
        }
        const { grads } = valueAndGrad(weights, () => lossOf(dlnForward(inputs, weights), targets));
        sgd.step(grads);
      });
      gpu.flush();
    }
    const metrics = await measure(gpu, stage, data.inputs, weights);
    const finalLoss = losses.at(-1)?.[1] ?? Number.NaN;
    return { steps: step, finalLoss, losses, stopReason, seconds: (performance.now() - started) / 1000, metrics };
  } finally {
    sgd.dispose();
    stage.dispose();
    batchIndices?.dispose();
    for (const t of lastFinite) t.dispose();
  }
}

/** Measures every layer of the network as it stands. */
export async function measure(gpu: Gpu, stage: MetricsStage, inputs: Tensor, weights: readonly Tensor[]): Promise<NetworkMetrics> {
  const features = gpu.scope(() => dlnFeatures(inputs, weights));
  try {
    return await stage.measure(features, weights);
  } finally {
    for (const f of features.slice(1)) f.dispose();
  }
}

/** `count` indices of the shuffled order starting at `start`, wrapping around the epoch's end. */
function epochSlice(order: Float32Array, start: number, count: number): Float32Array {
  const slice = new Float32Array(count);
  for (let i = 0; i < count; i++) slice[i] = order[(start + i) % order.length];
  return slice;
}

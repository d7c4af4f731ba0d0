// The training loop: full-batch GD or mini-batch SGD on the GPU, one command buffer per step, and a readback
// only every `lossEvery` steps (to report the loss, test the tolerance and catch divergence).
import type { Gpu } from './gpu';
import type { Network } from './model';
import { MetricsStage, type NetworkMetrics } from './metrics/layers';
import { FusedLinearSteps, fusedStepUnsupported } from './fused-step';
import { gatherRows } from './ops/gather';
import { mseLoss, softmaxCrossEntropy } from './ops/loss';
import { zerosLike } from './block';
import { CompiledStep } from './compiled-step';
import { createOptimizer, type Optimizer, type OptimizerOptions } from './optim';
import { Random } from './random';
import { valueAndGrad } from './tape';
import type { Choice } from './settings';
import type { Tensor } from './tensor';

export interface TrainOptions extends OptimizerOptions {
  loss: Choice<'loss'>;
  /** The feature multiplier of the MSE loss: sum((alpha f(x) - y)^2) / N. */
  alpha: number;
  learningRate: number;
  momentum: number;
  weightDecay: number;
  decoupledWeightDecay: boolean;
  /** Cosine annealing goes from learningRate to learningRate * finalLearningRateFraction over `steps`. */
  schedule: Choice<'schedule'>;
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
  /** Take full-batch steps of a small linear MSE network as single dispatches (engine/fused-step.ts); default true. */
  fusedSteps?: boolean;
  /** Record the tape's step and replay it after (engine/compiled-step.ts); default true. */
  compiledSteps?: boolean;
}

export interface TrainData {
  inputs: Tensor; // N x d
  targets: Tensor; // N x K one-hot
  labels: ArrayLike<number>; // N class indices
  classes: number;
}

export interface TrainEvents {
  /** Once, as training starts: which path the steps take (fused, or the tape and why). */
  onPath?: (description: string) => void;
  onLoss?: (step: number, loss: number, stepsPerSecond: number) => void;
  /** Awaited, so a caller may take further measurements of the network at the same step. */
  onMetrics?: (step: number, metrics: NetworkMetrics) => void | Promise<void>;
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
 * A training run that advances on request, so a caller can interleave it with other work (a page redrawing its
 * charts, a stop button). Weights are trained in place. A non-finite loss restores the weights of the last finite
 * readback and finishes the run as 'diverged'. Create outside any scope; dispose() when done.
 */
export class TrainingSession {
  /** Steps taken so far. */
  step = 0;
  /** [step, full-batch loss] at every readback. */
  readonly losses: [number, number][] = [];
  /** How steps are taken, and why not fused when they are not. */
  readonly path: string;
  /** Why the run finished; null while it can go on. */
  stopReason: TrainResult['stopReason'] | null = null;
  /**
   * The general path: the tape's gradients, kept laid out as the parameters (zerosLike: one block, so the optimiser
   * takes one dispatch), then the optimiser; null when fused steps do both.
   */
  private readonly tape: { gradients: Tensor[]; optimizer: Optimizer } | null;
  private readonly fused: FusedLinearSteps | null;
  private readonly stage: MetricsStage;
  private readonly lastFinite: Tensor[];
  private readonly batch: { indices: Tensor; order: Float32Array; random: Random; size: number } | null;
  /** The tape's step, recorded at the first step (and again once a stand-in's kernel lands) and replayed at the others. */
  private compiled: CompiledStep | null = null;

  constructor(
    private readonly gpu: Gpu,
    private readonly data: TrainData,
    private readonly network: Network,
    private readonly options: TrainOptions,
  ) {
    const parameters = network.parameters;
    const N = data.inputs.shape[0];
    const batchSize = options.batchSize > 0 ? Math.min(options.batchSize, N) : N;
    const declined =
      batchSize < N ? 'mini-batches' : options.fusedSteps === false ? 'fused steps switched off' : fusedStepUnsupported(network, data.inputs, options);
    const fusable = declined === null;
    const compiled = options.compiledSteps === false ? '' : ', recorded and replayed (engine/compiled-step.ts)';
    this.path = fusable ? 'fused steps (engine/fused-step.ts), many steps per dispatch' : `the tape (engine/tape.ts)${compiled}, not fused steps: ${declined}`;
    this.fused = fusable ? new FusedLinearSteps(gpu, network, data.inputs, data.targets, options) : null;
    this.tape = fusable ? null : { gradients: zerosLike(parameters, 'gradient'), optimizer: createOptimizer(parameters, options) };
    this.stage = new MetricsStage(gpu, data.labels, data.classes);
    this.lastFinite = parameters.map((p) => gpu.tensor(p.shape, undefined, `${p.label} (last finite)`));
    this.batch =
      batchSize < N
        ? { indices: gpu.tensor([batchSize], undefined, 'batch indices'), order: new Float32Array(N), random: new Random(options.seed), size: batchSize }
        : null;
  }

  /** Whether steps run fused, one dispatch for many (engine/fused-step.ts), rather than through the tape. */
  get usesFusedSteps(): boolean {
    return this.fused !== null;
  }

  get finished(): boolean {
    return this.stopReason !== null;
  }

  /** Takes up to `count` steps (never past the budget), encoded without readbacks, then reads the loss once. */
  async advance(count: number): Promise<number> {
    this.encodeSteps(count);
    return this.readLoss();
  }

  /** Encodes up to `count` steps (never past the budget) and submits them, reading nothing back. */
  encodeSteps(count: number): void {
    if (this.finished) throw new Error(`TrainingSession: the run has finished (${this.stopReason})`);
    const end = Math.min(this.step + count, this.options.steps);
    if (this.fused) {
      const learningRates: number[] = [];
      for (; this.step < end; this.step++) learningRates.push(learningRateAt(this.step, this.options));
      this.fused.run(learningRates);
    } else {
      const tape = this.tape!;
      for (; this.step < end; this.step++) {
        tape.optimizer.learningRate = learningRateAt(this.step, this.options);
        tape.optimizer.prepareStep();
        this.uploadBatch();
        if (this.compiled?.stale) {
          this.compiled.dispose();
          this.compiled = null;
        }
        if (this.compiled) this.compiled.replay();
        else if (this.options.compiledSteps === false) this.encodeTapeStep(tape);
        else this.compiled = CompiledStep.record(this.gpu, () => this.encodeTapeStep(tape));
        this.gpu.flush();
      }
    }
  }

  /** Measures every layer of the network as it stands. */
  measure(): Promise<NetworkMetrics> {
    return measure(this.gpu, this.stage, this.data.inputs, this.network);
  }

  /** The features z_layer (N x width, row-major) of the whole data set, read back. */
  async readFeatures(layer: number): Promise<Float32Array> {
    const depth = this.network.weights.length;
    if (!Number.isInteger(layer) || layer < 0 || layer >= depth) throw new Error(`readFeatures: layer must be 0..${depth - 1}, got ${layer}`);
    const features = evaluating(this.network, () => this.gpu.scope(() => this.network.features(this.data.inputs, layer)[layer]));
    try {
      return await features.read();
    } finally {
      if (features !== this.data.inputs) features.dispose();
    }
  }

  dispose(): void {
    this.compiled?.dispose();
    this.tape?.optimizer.dispose();
    for (const gradient of this.tape?.gradients ?? []) gradient.dispose();
    this.fused?.dispose();
    this.stage.dispose();
    this.batch?.indices.dispose();
    for (const t of this.lastFinite) t.dispose();
  }

  private lossOf(prediction: Tensor, targets: Tensor): Tensor {
    const { loss, alpha } = this.options;
    switch (loss) {
      case 'mse':
        return mseLoss(prediction, targets, alpha);
      case 'ce':
        return softmaxCrossEntropy(prediction, targets);
      default:
        throw new Error(`unknown loss '${loss satisfies never}'`);
    }
  }

  /** The GPU's share of a tape step: the batch's rows, forward, backward and the update, every tensor disposed. */
  private encodeTapeStep({ gradients, optimizer }: { gradients: Tensor[]; optimizer: Optimizer }): void {
    this.gpu.scope(() => {
      const { inputs, targets } = this.batchRows();
      const { grads } = valueAndGrad(this.network.parameters, () => this.lossOf(this.network.forward(inputs), targets), gradients);
      optimizer.encodeStep(grads);
    });
  }

  /** With mini-batches, writes this step's indices: the next of a shuffled epoch (reshuffled as each epoch starts). */
  private uploadBatch(): void {
    if (!this.batch) return;
    const { indices, order, random, size } = this.batch;
    const N = order.length;
    const start = (this.step * size) % N;
    if (start < size) order.set(random.permutation(N));
    this.gpu.upload(indices, epochSlice(order, start, size));
  }

  /** The whole data set, or the rows of the batch's indices. */
  private batchRows(): { inputs: Tensor; targets: Tensor } {
    if (!this.batch) return this.data;
    const { indices } = this.batch;
    return { inputs: gatherRows(this.data.inputs, indices), targets: gatherRows(this.data.targets, indices) };
  }

  private async readLoss(): Promise<number> {
    // The training loss: batch statistics in any batch norm, as the steps see them, but no step's: the running
    // statistics stay as the steps left them, whatever --loss-every is.
    const lossTensor = reporting(this.network, () => this.gpu.scope(() => this.lossOf(this.network.forward(this.data.inputs), this.data.targets)));
    const loss = (await lossTensor.read().finally(() => lossTensor.dispose()))[0];
    if (!Number.isFinite(loss)) {
      // Before the first finite readback (step 0) the weights are still the initial ones.
      if (this.losses.length > 0) this.network.parameters.forEach((p, i) => this.gpu.copy(this.lastFinite[i].region, p.region));
      this.stopReason = 'diverged';
      return loss;
    }
    this.losses.push([this.step, loss]);
    this.network.parameters.forEach((p, i) => this.gpu.copy(p.region, this.lastFinite[i].region));
    if (loss < this.options.tol) this.stopReason = 'tolerance';
    else if (this.step >= this.options.steps) this.stopReason = 'budget';
    return loss;
  }
}

/**
 * Trains `weights` in place to the tolerance or the step budget, reading the loss every `lossEvery` steps and
 * measuring every layer every `metricsEvery` steps; returns the losses read and the final per-layer metrics.
 */
export async function train(gpu: Gpu, data: TrainData, network: Network, options: TrainOptions, events: TrainEvents = {}): Promise<TrainResult> {
  const session = new TrainingSession(gpu, data, network, options);
  events.onPath?.(session.path);
  const started = performance.now();
  let last = { step: 0, time: started };
  const report = async (loss: number) => {
    const now = performance.now();
    events.onLoss?.(session.step, loss, ((session.step - last.step) * 1000) / Math.max(now - last.time, 1e-3));
    last = { step: session.step, time: now };
    const { metricsEvery } = options;
    if (metricsEvery > 0 && session.step % metricsEvery === 0 && !session.finished) await events.onMetrics?.(session.step, await session.measure());
  };
  try {
    await report(await session.advance(0));
    while (!session.finished) {
      const next = (every: number) => (every > 0 ? (Math.floor(session.step / every) + 1) * every : Infinity);
      await report(await session.advance(Math.min(next(options.lossEvery), next(options.metricsEvery)) - session.step));
    }
    const metrics = await session.measure();
    const finalLoss = session.losses.at(-1)?.[1] ?? Number.NaN;
    const seconds = (performance.now() - started) / 1000;
    return { steps: session.step, finalLoss, losses: session.losses, stopReason: session.stopReason!, seconds, metrics };
  } finally {
    session.dispose();
  }
}

/** Measures every layer of the network as it stands (batch norms in evaluation mode, as model.eval()). */
export async function measure(gpu: Gpu, stage: MetricsStage, inputs: Tensor, network: Network): Promise<NetworkMetrics> {
  const features = evaluating(network, () => gpu.scope(() => network.features(inputs)));
  try {
    return await stage.measure(features, network.weights, network.biases.at(-1) ?? null);
  } finally {
    for (const f of features.slice(1)) f.dispose();
  }
}

/** Runs `f` with the network in evaluation mode, then back in training mode. */
function evaluating<T>(network: Network, f: () => T): T {
  network.training = false;
  try {
    return f();
  } finally {
    network.training = true;
  }
}

/** Runs `f` with the batch norms' running statistics held still (a pass that only reports), then lets them move again. */
function reporting<T>(network: Network, f: () => T): T {
  for (const norm of network.norms) norm.updatesRunning = false;
  try {
    return f();
  } finally {
    for (const norm of network.norms) norm.updatesRunning = true;
  }
}

/** `count` indices of the shuffled order starting at `start`, wrapping around the epoch's end. */
function epochSlice(order: Float32Array, start: number, count: number): Float32Array {
  const slice = new Float32Array(count);
  for (let i = 0; i < count; i++) slice[i] = order[(start + i) % order.length];
  return slice;
}

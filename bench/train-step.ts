// Whole training steps (forward, backward, update) of a deep linear network or an MLP, timed on the wall clock:
// a step is dozens of dispatches, so the per-dispatch and per-submit costs are part of what is measured.
import {
  compileMark,
  deviceRecord,
  type Gpu,
  type Matrix,
  Network,
  profileStep,
  Random,
  type StepProfile,
  TrainingSession,
  type TrainOptions,
} from '../engine';
import { median, type TimingSettings } from '../engine/internal';

/** How a case trains; every library implements each of these the same way (PyTorch's rules). */
export interface TrainRecipe {
  /** 'linear': no biases, no nonlinearity; 'mlp': biases everywhere and ReLU after every hidden layer. */
  model: 'linear' | 'mlp';
  /** 'mse': sum((alpha f(x) - y)^2) / N; 'ce': softmax cross-entropy, the batch's mean. */
  loss: 'mse' | 'ce';
  alpha: number;
  learningRate: number;
  /** Heavy-ball momentum, PyTorch's (dampening 0). */
  momentum: number;
  /** Coupled (torch.optim.SGD): lambda w added to every parameter's gradient, biases included. */
  weightDecay: number;
  /** 0: full batch. Otherwise batch b holds samples batchOrder[(b * batchSize + i) mod N] (see TrainProblem). */
  batchSize: number;
}

/** The deep linear networks: MSE with alpha 1, plain heavy-ball momentum, full batch. */
const DLN_RECIPE: TrainRecipe = { model: 'linear', loss: 'mse', alpha: 1, learningRate: 1e-3, momentum: 0.9, weightDecay: 0, batchSize: 0 };
/** The README's MNIST MLP: ReLU and biases, cross-entropy, batches of 100, momentum and weight decay. */
const MLP_RECIPE: TrainRecipe = { model: 'mlp', loss: 'ce', alpha: 1, learningRate: 0.05, momentum: 0.9, weightDecay: 1e-4, batchSize: 100 };

/** A network and its data: N samples of d features, L layers of width m, K classes. */
export interface TrainStepCase {
  name: string;
  samples: number;
  dim: number;
  width: number;
  depth: number;
  classes: number;
  recipe: TrainRecipe;
  /**
   * Steps before timing: they compile every pipeline, and the libraries' states after them must agree. With
   * mini-batches, at most one epoch: the peers take every epoch's batches in the first epoch's order; ours reshuffles.
   */
  warmupSteps: number;
  /** Whether our engine may take the fused single-dispatch steps (engine/fused-step.ts) where they apply. */
  fusedSteps: boolean;
  quick: boolean;
}

// prettier-ignore
export const TRAIN_STEP_CASES: TrainStepCase[] = [
  { name: 'train step reference', samples: 30, dim: 50, width: 50, depth: 6, classes: 3, recipe: DLN_RECIPE, warmupSteps: 3, fusedSteps: true, quick: true },
  { name: 'train step ref. tape', samples: 30, dim: 50, width: 50, depth: 6, classes: 3, recipe: DLN_RECIPE, warmupSteps: 3, fusedSteps: false, quick: true },
  // The README's MNIST MLP (784 -> 128 x 4 -> 4) on 400 samples, the size of its digits subset; Gaussian inputs here.
  { name: 'train step MNIST MLP', samples: 400, dim: 784, width: 128, depth: 5, classes: 4, recipe: MLP_RECIPE, warmupSteps: 4, fusedSteps: false, quick: true },
  { name: 'train step large', samples: 2048, dim: 784, width: 512, depth: 8, classes: 10, recipe: DLN_RECIPE, warmupSteps: 1, fusedSteps: true, quick: false },
];

/** The same problem for every library: Gaussian inputs, one-hot targets, nn.Linear-default weights, zero biases. */
export interface TrainProblem {
  inputs: Float32Array; // N x d
  targets: Float32Array; // N x K one-hot
  weights: Matrix[]; // out x in
  /** The samples in the order batches take them: our TrainingSession's first epoch (its seed is BATCH_SEED). */
  batchOrder: Int32Array;
}

/** The seed of our mini-batches' order. */
const BATCH_SEED = 0;

/** The rows of a step's batch, in the order every library takes them. */
export const batchRows = (c: TrainStepCase): number => c.recipe.batchSize || c.samples;

export function trainProblem(c: TrainStepCase): TrainProblem {
  const random = new Random(2024);
  const inputs = random.fillNormal(new Float32Array(c.samples * c.dim));
  const targets = new Float32Array(c.samples * c.classes);
  for (let i = 0; i < c.samples; i++) targets[i * c.classes + (i % c.classes)] = 1; // sample i is of class i mod K
  const weights = Array.from({ length: c.depth }, (_, l) => {
    const [rows, cols] = [l === c.depth - 1 ? c.classes : c.width, l === 0 ? c.dim : c.width];
    const bound = 1 / Math.sqrt(cols);
    return { rows, cols, data: random.fillUniform(new Float64Array(rows * cols), -bound, bound) };
  });
  return { inputs, targets, weights, batchOrder: new Random(BATCH_SEED).permutation(c.samples) };
}

/** Multiply-adds of one step, times two: forward, and backward's two products per layer. */
export function trainStepFlops(c: TrainStepCase): number {
  let perSample = 0;
  for (let l = 0; l < c.depth; l++) perSample += (l === 0 ? c.dim : c.width) * (l === c.depth - 1 ? c.classes : c.width);
  return 3 * 2 * batchRows(c) * perSample;
}

export interface TrainStepMeasurement {
  /** timePasses' median. */
  msPerStep: number;
  /** Steps per pass. */
  steps: number;
  /** Measuring every layer (the metrics stage, with its one readback), median of three; 0 for peers. */
  metricsMs: number;
  /** The loss after the first few steps, for comparing libraries on the same problem. */
  lossAfterWarmup: number;
  /** Each parameter after those steps (warmupState). */
  afterWarmup: WarmupState;
  /** Ours: the wait after the warm-up for the kernels compiling in the background, and how many landed. */
  settled?: { ms: number; pipelines: number };
  /** Ours: the pipelines the case compiled (training and metrics, background ones included), and the host's seconds creating those it waited for. */
  compiled?: { pipelines: number; seconds: number };
}

/** Our session on the case's problem, trained from its initial weights; dispose() frees everything. */
function openTrainStep(gpu: Gpu, c: TrainStepCase): { session: TrainingSession; network: Network; problem: TrainProblem; dispose(): void } {
  const problem = trainProblem(c);
  const inputs = gpu.tensor([c.samples, c.dim], problem.inputs, 'inputs');
  const targets = gpu.tensor([c.samples, c.classes], problem.targets, 'targets');
  const weights = problem.weights.map((w, l) => gpu.tensor([w.rows, w.cols], Float32Array.from(w.data), `W${l + 1}`));
  const { recipe } = c;
  const network = Network.create(gpu, recipe.model, weights);
  const options: TrainOptions = {
    loss: recipe.loss,
    alpha: recipe.alpha,
    learningRate: recipe.learningRate,
    momentum: recipe.momentum,
    optimizer: 'sgd',
    weightDecay: recipe.weightDecay,
    decoupledWeightDecay: false,
    schedule: 'constant',
    finalLearningRateFraction: 1,
    steps: Number.MAX_SAFE_INTEGER,
    tol: 0,
    batchSize: recipe.batchSize,
    seed: BATCH_SEED,
    lossEvery: Number.MAX_SAFE_INTEGER,
    metricsEvery: 0,
    fusedSteps: c.fusedSteps,
  };
  const labels = Array.from({ length: c.samples }, (_, i) => i % c.classes);
  const session = new TrainingSession(gpu, { inputs, targets, labels, classes: c.classes }, network, options);
  return {
    session,
    network,
    problem,
    dispose() {
      session.dispose();
      network.dispose();
      inputs.dispose();
      targets.dispose();
    },
  };
}

/**
 * Steps timed by timePasses after a warm-up that compiles every pipeline and a wait for the faster kernels compiled in
 * the background (engine/ops/matmul-plan.ts): the steady state of a run, which they reach early.
 */
export async function measureOurTrainStep(gpu: Gpu, c: TrainStepCase, settings: TimingSettings): Promise<TrainStepMeasurement> {
  const since = compileMark(gpu);
  const { session, network, problem, dispose } = openTrainStep(gpu, c);
  try {
    const lossAfterWarmup = await session.advance(c.warmupSteps);
    const started = performance.now();
    const background = gpu.kernels.backgroundCompiled;
    await gpu.kernels.settled();
    const settled = { ms: performance.now() - started, pipelines: gpu.kernels.backgroundCompiled - background };
    const afterWarmup = warmupState(problem, await Promise.all(network.parameters.map((p) => p.read())));
    const { msPerStep, steps } = await timePasses((count) => timeSteps(session, count), settings);
    await session.measure(); // compiles the metrics stage's pipelines
    await gpu.kernels.settled(); // and those it compiles in the background, which would share the cores with what follows
    const metricsMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      await session.measure();
      metricsMs.push(performance.now() - started);
    }
    const { pipelines, compile_seconds } = deviceRecord(gpu, since);
    const compiled = { pipelines, seconds: compile_seconds };
    return { msPerStep, steps, metricsMs: metricsMs.sort((a, b) => a - b)[1], lossAfterWarmup, afterWarmup, settled, compiled };
  } finally {
    dispose();
  }
}

/** One step after the warm-up (and the background compiles), each kernel timed alone (engine/measure/profile.ts). */
export async function profileOurTrainStep(gpu: Gpu, c: TrainStepCase): Promise<StepProfile> {
  const { session, dispose } = openTrainStep(gpu, c);
  try {
    await session.advance(c.warmupSteps);
    await gpu.kernels.settled();
    await session.advance(1); // records the step again with the kernels that landed
    return await profileStep(gpu, async () => session.encodeSteps(1));
  } finally {
    dispose();
  }
}

/**
 * Milliseconds per step, the median of `settings.samples` passes of enough steps to last five timing passes each
 * (passes of 1, 4, 16, ... steps size them; a step that alone lasts that long is timed once). `run(count)` takes
 * `count` steps and returns the milliseconds they took.
 */
export async function timePasses(run: (count: number) => Promise<number>, settings: TimingSettings): Promise<{ msPerStep: number; steps: number }> {
  const targetMs = 5 * settings.targetPassMs; // a step is dozens of dispatches and a readback: longer passes than one kernel's
  let steps = 1;
  let elapsed = await run(steps);
  if (elapsed >= targetMs) return { msPerStep: elapsed, steps };
  while (elapsed < targetMs / 4) elapsed = await run((steps *= 4));
  steps = Math.max(1, Math.round((steps * targetMs) / elapsed));
  const msPerStep: number[] = [];
  for (let sample = 0; sample < settings.samples; sample++) msPerStep.push((await run(steps)) / steps);
  return { msPerStep: median(msPerStep), steps };
}

/** Per parameter, in float64: its sum of squares, and its squared distance from where the case starts it. */
export interface WarmupState {
  squares: number[];
  moved: number[];
}

/**
 * The state of `parameters`, the weights W1..WL and then the biases b1..bL, which start at `problem`'s weights (as
 * float32) and at zero.
 */
export function warmupState(problem: TrainProblem, parameters: ArrayLike<number>[]): WarmupState {
  const starts = problem.weights.map((w) => Float32Array.from(w.data));
  const sum = (values: ArrayLike<number>, term: (value: number, i: number) => number) =>
    Array.from(values).reduce((total, value, i) => total + term(value, i), 0);
  return {
    squares: parameters.map((values) => sum(values, (value) => value * value)),
    moved: parameters.map((values, p) => sum(values, (value, i) => (value - (starts[p]?.[i] ?? 0)) ** 2)),
  };
}

/**
 * How far, relatively, a peer's state after the warm-up may stand from ours. The sums of squares show a peer that
 * decays other parameters than we do; the distances moved, one that takes fewer or other steps (bench/README.md has
 * what each was measured to be).
 */
export const AGREEMENT = { loss: 1e-4, squares: 5e-6, moved: 1e-4 };

/** Why `peer`'s warm-up did not end where ours did, or null when it did: the same loss, and every parameter's state. */
export function warmupDisagreement(
  c: TrainStepCase,
  peerName: string,
  ours: TrainStepMeasurement,
  peer: Pick<TrainStepMeasurement, 'lossAfterWarmup' | 'afterWarmup'>,
): string | null {
  const relative = (theirs: number, mine: number) => (theirs === mine ? 0 : Math.abs(theirs - mine) / Math.abs(mine));
  if (!(relative(peer.lossAfterWarmup, ours.lossAfterWarmup) < AGREEMENT.loss)) {
    return `${c.name}: after ${c.warmupSteps} steps ${peerName}'s loss is ${peer.lossAfterWarmup}, ours ${ours.lossAfterWarmup}`;
  }
  if (peer.afterWarmup.squares.length !== ours.afterWarmup.squares.length) {
    return `${c.name}: ${peerName} trains ${peer.afterWarmup.squares.length} parameters, we train ${ours.afterWarmup.squares.length}`;
  }
  const name = (index: number) => (index < c.depth ? `W${index + 1}` : `b${index - c.depth + 1}`);
  for (const [measure, what] of [
    ['squares', 'sum of squares'],
    ['moved', 'squared distance from the start'],
  ] as const) {
    const differences = ours.afterWarmup[measure].map((mine, i) => relative(peer.afterWarmup[measure][i], mine));
    const worst = differences.reduce((bad, difference, i) => (!(difference <= differences[bad]) ? i : bad), 0); // NaN is the worst
    if (!(differences[worst] < AGREEMENT[measure])) {
      const [theirs, mine] = [peer.afterWarmup[measure][worst], ours.afterWarmup[measure][worst]];
      return `${c.name}: after ${c.warmupSteps} steps ${name(worst)}'s ${what} is ${theirs} in ${peerName}, ${mine} in ours (relative difference ${differences[worst].toExponential(1)})`;
    }
  }
  return null;
}

async function timeSteps(session: TrainingSession, steps: number): Promise<number> {
  const started = performance.now();
  await session.advance(steps); // ends with the one readback a training loop would make
  return performance.now() - started;
}

// One experiment of METHOD.md from a flat config: build the data and the initial weights, train on the GPU,
// measure every layer. Shared by the command line (bin/main.ts) and the demo pages; no file access here.
import type { Gpu } from './gpu';
import { gaussianData, nearlyOrthogonalData, oneHot, uniformData, type Dataset } from './data/synthetic';
import type { Normalization } from './data/images';
import { initWeights, type InitScheme } from './init';
import type { Matrix } from './linalg';
import type { NetworkMetrics } from './metrics/layers';
import { checkChain, Network, type ModelKind } from './model';
import { Random } from './random';
import { train, type TrainData, type TrainEvents, type TrainOptions, type TrainResult } from './train';
import { probeLayers, pvectorAngles, pvectorsOfLayers, separabilityOfLayers } from './analyses';
import { splitDataset } from './data/split';
import type { ProbeAccuracy } from './metrics/probe';

/** The synthetic datasets of METHOD.md, and MNIST (read in Node from the mnist package: bin/prepare.ts). */
export type DatasetKind = 'orthogonal' | 'gaussian' | 'uniform' | 'mnist';

/** Everything that defines a run; the names are the command line's flags. */
export interface ExperimentConfig {
  dataset: DatasetKind;
  samples: number; // N
  dim: number; // d
  classes: number; // K
  /** Image data: the original labels to keep (comma-separated; empty: all), how many of each, and scaling. */
  imageClasses: string;
  perClass: number;
  normalize: Normalization;
  width: number; // m
  depth: number; // L, the number of weight matrices
  model: ModelKind;
  nonlinearLayers: number; // k, the hybrid's Linear + BatchNorm + ReLU layers
  init: InitScheme;
  eps: number;
  alpha: number;
  loss: TrainOptions['loss'];
  lr: number;
  weightDecay: number;
  decoupledWeightDecay: boolean;
  momentum: number;
  schedule: TrainOptions['schedule'];
  steps: number;
  tol: number;
  batchSize: number; // 0: full batch
  seed: number;
  metricsEvery: number; // 0: only at the end
  lossEvery: number;
  /** Linear probes per layer at the end: the network then trains on a split without every testFraction-th sample. */
  probe: boolean;
  testFraction: number;
  /** Minkowski-difference separability per layer, at the end and at every metrics checkpoint. */
  separability: boolean;
  /** P-vectors per layer at every metrics checkpoint, reported as angles to the final ones. */
  pvectors: boolean;
}

/** The paper's reference configuration (METHOD.md). */
export const referenceConfig: ExperimentConfig = {
  dataset: 'orthogonal',
  samples: 30,
  dim: 50,
  classes: 3,
  imageClasses: '0,1,2,3',
  perClass: 100,
  normalize: 'none',
  width: 50,
  depth: 6,
  model: 'linear',
  nonlinearLayers: 1,
  init: 'orthogonal',
  eps: 0.3,
  alpha: 100,
  loss: 'mse',
  lr: 0.1,
  weightDecay: 0,
  decoupledWeightDecay: false,
  momentum: 0,
  schedule: 'cosine',
  steps: 5000,
  tol: 1e-10,
  batchSize: 0,
  seed: 0,
  metricsEvery: 0,
  lossEvery: 10,
  probe: false,
  testFraction: 0.2,
  separability: false,
  pvectors: false,
};

/** Seeds of the three random streams, all derived from config.seed so one number fixes a run. */
const dataSeed = (seed: number) => seed;
const initSeed = (seed: number) => seed + 1;
const shuffleSeed = (seed: number) => seed + 2;
const biasSeed = (seed: number) => seed + 3;

/** The synthetic dataset the config names. */
export function syntheticDataset(config: ExperimentConfig): Dataset {
  const size = { samples: config.samples, dim: config.dim, classes: config.classes };
  switch (config.dataset) {
    case 'orthogonal':
      return nearlyOrthogonalData(size, dataSeed(config.seed));
    case 'gaussian':
      return gaussianData(size, dataSeed(config.seed));
    case 'uniform':
      return uniformData(size, dataSeed(config.seed));
    case 'mnist':
      throw new Error('mnist is read from the mnist package, in Node only (bin/prepare.ts), not built here');
    default:
      throw new Error(`unknown dataset '${config.dataset satisfies never}' (orthogonal, gaussian, uniform)`);
  }
}

/** The config's initial weights for `dataset` (its d and K override the config's). */
export function initialWeights(config: ExperimentConfig, dataset: Dataset): Matrix[] {
  const shape = { inputDim: dataset.inputs.cols, width: config.width, classes: dataset.classes, layers: config.depth };
  return initWeights(shape, { scheme: config.init, scale: config.eps, seed: initSeed(config.seed) });
}

/**
 * The MLP's initial biases (other models have none): PyTorch's nn.Linear default U(-1/sqrt(fan_in), 1/sqrt(fan_in))
 * with the default init, zeros with the orthogonal one (whose scale eps the biases would otherwise swamp).
 */
export function initialBiases(config: ExperimentConfig, weights: readonly Matrix[]): Float32Array[] | undefined {
  if (config.model !== 'mlp') return undefined;
  const random = new Random(biasSeed(config.seed));
  return weights.map((w) => {
    const bias = new Float32Array(w.rows);
    return config.init === 'default' ? random.fillUniform(bias, -1 / Math.sqrt(w.cols), 1 / Math.sqrt(w.cols)) : bias;
  });
}

/** Throws, naming the setting, for a config that cannot train. */
export function checkConfig(config: ExperimentConfig, samples: number): void {
  const positiveIntegers = ['width', 'depth', 'lossEvery', 'nonlinearLayers', 'perClass'] as const;
  for (const name of positiveIntegers) {
    if (!Number.isInteger(config[name]) || config[name] < 1) throw new Error(`${name} must be a positive integer, got ${config[name]}`);
  }
  for (const name of ['steps', 'batchSize', 'metricsEvery', 'seed'] as const) {
    if (!Number.isSafeInteger(config[name]) || config[name] < 0) throw new Error(`${name} must be an integer >= 0, got ${config[name]}`);
  }
  for (const name of ['eps', 'alpha', 'lr'] as const) {
    if (!Number.isFinite(config[name]) || config[name] <= 0) throw new Error(`${name} must be a finite number > 0, got ${config[name]}`);
  }
  for (const name of ['weightDecay', 'momentum', 'tol'] as const) {
    if (!Number.isFinite(config[name]) || config[name] < 0) throw new Error(`${name} must be a finite number >= 0, got ${config[name]}`);
  }
  if (config.momentum >= 1) throw new Error(`momentum must be below 1, got ${config.momentum}`);
  if (!(config.testFraction > 0 && config.testFraction < 1)) throw new Error(`testFraction must be in (0, 1), got ${config.testFraction}`);
  if (config.batchSize > samples) throw new Error(`batchSize ${config.batchSize} exceeds the ${samples} samples`);
}

/** The training loop's options for the config. */
export function trainOptions(config: ExperimentConfig): TrainOptions {
  return {
    loss: config.loss,
    alpha: config.alpha,
    learningRate: config.lr,
    momentum: config.momentum,
    weightDecay: config.weightDecay,
    decoupledWeightDecay: config.decoupledWeightDecay,
    schedule: config.schedule,
    finalLearningRateFraction: 0.1,
    steps: config.steps,
    tol: config.tol,
    batchSize: config.batchSize,
    seed: shuffleSeed(config.seed),
    lossEvery: config.lossEvery,
    metricsEvery: config.metricsEvery,
  };
}

/** A tensor's values on the CPU. */
export interface HostArray {
  shape: number[];
  data: Float32Array;
}

export interface ExperimentResult extends TrainResult {
  /** The trained weights (or the last finite ones if training diverged), each out x in, row-major. */
  weights: HostArray[];
  /** The trained biases by layer (null where the model has none). */
  biases: (HostArray | null)[];
  /** Metrics taken every config.metricsEvery steps (empty when 0), with separability when asked for. */
  history: { step: number; metrics: NetworkMetrics; separability?: number[] }[];
  /** The final network's per-layer analyses, when the config asks for them. */
  probe?: ({ layer: number } & ProbeAccuracy)[];
  separability?: number[];
  pvector_angles?: { step: number; angles: number[] }[];
}

/** The dataset and the network on the GPU, ready for train() or a TrainingSession; dispose() frees them. */
export interface UploadedExperiment {
  data: TrainData;
  network: Network;
  dispose(): void;
}

/** Checks the config and the weights' chain, then uploads the data, its one-hot targets and the weights. */
export function uploadExperiment(gpu: Gpu, dataset: Dataset, initial: readonly Matrix[], config: ExperimentConfig): UploadedExperiment {
  const N = dataset.inputs.rows;
  checkConfig(config, N);
  checkChain(initial.map((w) => ({ shape: [w.rows, w.cols] })), dataset.inputs.cols, dataset.classes);
  const inputs = gpu.tensor([N, dataset.inputs.cols], Float32Array.from(dataset.inputs.data), 'inputs');
  const targets = gpu.tensor([N, dataset.classes], Float32Array.from(oneHot(dataset.labels, dataset.classes).data), 'targets');
  const weights = initial.map((w, l) => gpu.tensor([w.rows, w.cols], Float32Array.from(w.data), `W${l + 1}`));
  const network = Network.create(gpu, config.model, weights, { biases: initialBiases(config, initial), nonlinearLayers: config.nonlinearLayers });
  return {
    data: { inputs, targets, labels: dataset.labels, classes: dataset.classes },
    network,
    dispose: () => {
      inputs.dispose();
      targets.dispose();
      network.dispose();
    },
  };
}

/**
 * Trains `initial` on `dataset` as the config says and measures the result, with the probes, separability and
 * P-vectors the config asks for; the GPU memory used is released.
 */
export async function runExperiment(
  gpu: Gpu,
  dataset: Dataset,
  initial: readonly Matrix[],
  config: ExperimentConfig,
  events: TrainEvents = {},
): Promise<ExperimentResult> {
  if (config.pvectors && config.metricsEvery === 0) throw new Error('pvectors are taken at metrics checkpoints: set metricsEvery (--metrics-every) too');
  const split = config.probe ? splitDataset(dataset, config.testFraction) : null;
  const trainingSet = split?.train ?? dataset;
  const uploaded = uploadExperiment(gpu, trainingSet, initial, config);
  const testInputs = split ? gpu.tensor([split.test.inputs.rows, split.test.inputs.cols], Float32Array.from(split.test.inputs.data), 'test inputs') : null;
  const { network } = uploaded;
  const { inputs, labels, classes } = uploaded.data;
  const history: ExperimentResult['history'] = [];
  const checkpoints: { step: number; vectors: Float32Array[] }[] = [];
  try {
    const result = await train(gpu, uploaded.data, network, trainOptions(config), {
      ...events,
      onMetrics: async (step, metrics) => {
        const separability = config.separability ? await separabilityOfLayers(gpu, network, inputs, labels, classes) : undefined;
        if (config.pvectors) checkpoints.push({ step, vectors: await pvectorsOfLayers(gpu, network, inputs) });
        history.push({ step, metrics, ...(separability ? { separability } : {}) });
        await events.onMetrics?.(step, metrics);
      },
    });
    const analyses = {
      ...(split && testInputs ? { probe: await probeLayers(gpu, network, { inputs, labels }, { inputs: testInputs, labels: split.test.labels }, classes) } : {}),
      ...(config.separability ? { separability: await separabilityOfLayers(gpu, network, inputs, labels, classes) } : {}),
      ...(config.pvectors ? { pvector_angles: pvectorAngles(checkpoints, await pvectorsOfLayers(gpu, network, inputs)) } : {}),
    };
    const biases = network.biases.filter((bias) => bias !== null);
    const tensors = [...network.weights, ...biases];
    const values = await gpu.readMany(tensors.map((t) => ({ buffer: t.buffer, byteLength: t.size * 4 })));
    const host = (index: number): HostArray => ({ shape: [...tensors[index].shape], data: new Float32Array(values[index]) });
    return {
      ...result,
      weights: network.weights.map((_, l) => host(l)),
      biases: network.biases.map((bias) => (bias ? host(tensors.indexOf(bias)) : null)),
      history,
      ...analyses,
    };
  } finally {
    testInputs?.dispose();
    uploaded.dispose();
  }
}

// One experiment of METHOD.md from a flat config: build the data and the initial weights, train on the GPU,
// measure every layer. Shared by the command line (bin/main.ts) and the demo pages; no file access here.
import type { Gpu } from './gpu';
import { gaussianData, nearlyOrthogonalData, oneHot, uniformData, type Dataset } from './data/synthetic';
import { initWeights } from './init';
import type { Matrix } from './linalg';
import type { NetworkMetrics } from './metrics/layers';
import { checkChain, Network } from './model';
import { Random } from './random';
import { train, type TrainData, type TrainEvents, type TrainOptions, type TrainResult } from './train';
import { probeLayers, pvectorAngles, pvectorsOfLayers, separabilityOfLayers } from './analyses';
import { splitDataset } from './data/split';
import { checkSetting, COSINE_FINAL_FRACTION, flagOf, settingNames, type ExperimentConfig } from './settings';
import { sizeClass } from './pool';
import type { ProbeAccuracy } from './metrics/probe';

export { referenceConfig, type ExperimentConfig } from './settings';

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

/** The device limits a run's sizes must fit. */
export type BufferLimits = Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize'>;

/**
 * Throws, naming the flag and its allowed range, for a config that cannot train on `samples` samples; with the
 * device's limits, also for one whose buffers would not fit them, before anything is allocated.
 */
export function checkConfig(config: ExperimentConfig, samples: number, limits?: BufferLimits): void {
  for (const name of settingNames) checkSetting(name, config[name]);
  if (config.batchSize > samples) throw new Error(`--batch-size ${config.batchSize} exceeds the ${samples} samples`);
  if (config.optimizer !== 'sgd' && (config.momentum !== 0 || config.decoupledWeightDecay)) {
    throw new Error(
      `--momentum and --decoupled-weight-decay apply to sgd; ${config.optimizer} has --beta1 and --beta2${config.optimizer === 'adam' ? ', and --optimizer adamw decouples the weight decay' : ''}`,
    );
  }
  if (config.model === 'hybrid' && config.hybridLayers >= config.depth) {
    throw new Error(`--hybrid-layers ${config.hybridLayers} must be below --depth ${config.depth} (the nonlinear layers are hidden ones)`);
  }
  if (limits) checkBufferSizes(config, limits);
}

/** The largest buffers a run of the config allocates (as float32 counts), with the settings that size them. */
function largestBuffers({ samples: N, dim: d, width: m, classes: K, depth, separability }: ExperimentConfig) {
  const pairs = (K * (K - 1)) / 2;
  return [
    { what: 'the inputs (N x d)', settings: ['samples', 'dim'] as const, floats: N * d },
    { what: 'the targets (N x K)', settings: ['samples', 'classes'] as const, floats: N * K },
    { what: "a layer's features (N x m)", settings: ['samples', 'width'] as const, floats: N * m },
    { what: 'W1 (m x d)', settings: ['width', 'dim'] as const, floats: m * d },
    // A hidden layer's weights, and the metrics stage's W_l W_l^T whenever there is more than one layer.
    ...(depth >= 2 ? [{ what: 'an m x m matrix (hidden weights, or W1 W1^T in the metrics)', settings: ['width'] as const, floats: m * m }] : []),
    ...(separability ? [{ what: 'the separability scores (N x K(K-1)/2)', settings: ['samples', 'classes'] as const, floats: N * pairs }] : []),
  ];
}

function checkBufferSizes(config: ExperimentConfig, limits: BufferLimits): void {
  const [limitName, limit] =
    limits.maxStorageBufferBindingSize <= limits.maxBufferSize
      ? ['maxStorageBufferBindingSize', limits.maxStorageBufferBindingSize]
      : ['maxBufferSize', limits.maxBufferSize];
  for (const { what, settings, floats } of largestBuffers(config).sort((a, b) => b.floats - a.floats)) {
    const bytes = sizeClass(floats * 4); // the pool rounds every buffer up to its size class
    if (bytes <= limit) continue;
    const flags = settings.map((name) => `${flagOf(name)} ${config[name]}`).join(' x ');
    throw new Error(`${flags}: ${what} would take ${formatBytes(bytes)}, over the device's ${limitName} of ${formatBytes(limit)}; make them smaller`);
  }
}

const formatBytes = (bytes: number) => (bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toPrecision(3)} GiB` : `${(bytes / 2 ** 20).toPrecision(3)} MiB`);

/** The training loop's options for the config. */
export function trainOptions(config: ExperimentConfig): TrainOptions {
  return {
    loss: config.loss,
    alpha: config.alpha,
    learningRate: config.lr,
    optimizer: config.optimizer,
    momentum: config.momentum,
    beta1: config.beta1,
    beta2: config.beta2,
    adamEps: config.adamEps,
    weightDecay: config.weightDecay,
    decoupledWeightDecay: config.decoupledWeightDecay,
    schedule: config.schedule,
    finalLearningRateFraction: COSINE_FINAL_FRACTION,
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
  pvectorAngles?: { step: number; angles: number[] }[];
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
  checkConfig({ ...config, samples: N, dim: dataset.inputs.cols, classes: dataset.classes }, N, gpu.device.limits); // the data's sizes, whatever the config says
  checkChain(
    initial.map((w) => ({ shape: [w.rows, w.cols] })),
    dataset.inputs.cols,
    dataset.classes,
  );
  const inputs = gpu.tensor([N, dataset.inputs.cols], Float32Array.from(dataset.inputs.data), 'inputs');
  const targets = gpu.tensor([N, dataset.classes], Float32Array.from(oneHot(dataset.labels, dataset.classes).data), 'targets');
  const weights = initial.map((w, l) => gpu.tensor([w.rows, w.cols], Float32Array.from(w.data), `W${l + 1}`));
  const network = Network.create(gpu, config.model, weights, { biases: initialBiases(config, initial), nonlinearLayers: config.hybridLayers });
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
      ...(split && testInputs
        ? { probe: await probeLayers(gpu, network, { inputs, labels }, { inputs: testInputs, labels: split.test.labels }, classes) }
        : {}),
      ...(config.separability ? { separability: await separabilityOfLayers(gpu, network, inputs, labels, classes) } : {}),
      ...(config.pvectors ? { pvectorAngles: pvectorAngles(checkpoints, await pvectorsOfLayers(gpu, network, inputs)) } : {}),
    };
    const biases = network.biases.filter((bias) => bias !== null);
    const tensors = [...network.weights, ...biases];
    const values = await gpu.readMany(tensors.map((t) => t.region));
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

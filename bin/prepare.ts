// Turning a parsed command line into a run that can start: the dataset and initial weights loaded or built,
// and the config completed from them. Everything that can fail on bad input fails here, before the GPU starts.
import {
  type BufferLimits,
  checkConfig,
  type compileMark,
  type Dataset,
  deviceRecord,
  type ExperimentConfig,
  type Gpu,
  initialWeights,
  type Matrix,
  orthogonality,
  type RunContext,
  syntheticDataset,
} from '../engine';
import type { CommandLine } from './flags';
import { loadMnist } from '../engine/node';
import { imageSelection, readDataset, readInitialWeights } from './inputs';

export interface PreparedRun {
  config: ExperimentConfig;
  dataset: Dataset;
  weights: Matrix[];
  /** Where the data came from, for the log and metrics.json. */
  source: string;
  initWeights: string | null;
}

/** Loads or builds the run's data and weights; with the device's limits, refuses sizes beyond them first. */
export async function prepareRun(commandLine: CommandLine, limits?: BufferLimits): Promise<PreparedRun> {
  const synthetic = !commandLine.data && commandLine.config.dataset !== 'mnist';
  if (synthetic && !commandLine.initWeights) checkConfig(commandLine.config, commandLine.config.samples, limits); // before building anything
  const dataset = commandLine.data
    ? await readDataset(commandLine.data, commandLine.config)
    : commandLine.config.dataset === 'mnist'
      ? await loadMnist(imageSelection(commandLine.config))
      : syntheticDataset(commandLine.config);
  const weights = commandLine.initWeights
    ? await readInitialWeights(commandLine.initWeights, dataset.inputs.cols, dataset.classes)
    : initialWeights(commandLine.config, dataset);
  const config: ExperimentConfig = {
    ...commandLine.config,
    samples: dataset.inputs.rows,
    dim: dataset.inputs.cols,
    classes: dataset.classes,
    depth: weights.length,
    width: weights[0].rows,
  };
  checkConfig(config, dataset.inputs.rows, limits);
  return { config, dataset, weights, source: describeSource(commandLine), initWeights: commandLine.initWeights ?? null };
}

/** Where the data came from, in words. */
function describeSource({ data, config }: CommandLine): string {
  const images = `classes ${config.imageClasses || 'all'}, ${config.perClass} per class, ${config.normalize}`;
  if (!data) return config.dataset === 'mnist' ? `MNIST (the mnist package), ${images}` : `synthetic ${config.dataset}`;
  switch (data.kind) {
    case 'npy':
      return `${data.features}, ${data.labels}`;
    case 'idx':
      return `${data.images}, ${data.labels} (IDX), ${images}`;
    case 'cifar':
      return `${data.directory} (CIFAR-10), ${images}`;
  }
}

/** Three lines saying what will run. */
export function describeRun({ config, weights, source, initWeights }: PreparedRun): string {
  const loss = `${config.loss}${config.loss === 'mse' ? ` (alpha ${config.alpha})` : ''}`;
  const batches = config.batchSize ? `batch ${config.batchSize}` : 'full batch';
  const optimizer = { sgd: `sgd (momentum ${config.momentum})`, adam: 'adam', adamw: 'adamw' }[config.optimizer];
  return [
    `data: ${source}: N = ${config.samples}, d = ${config.dim}, K = ${config.classes}`,
    `network: ${config.model}, L = ${config.depth} layers [${weights.map((w) => `${w.rows}x${w.cols}`).join(', ')}], init ${initWeights ?? `${config.init} (eps ${config.eps})`}`,
    `training: ${loss}, ${optimizer}, lr ${config.lr} ${config.schedule}, ${batches}, up to ${config.steps} steps or loss < ${config.tol}`,
  ].join('\n');
}

/** What metrics.json records beside the config and the results. */
export function runContext(prepared: PreparedRun, gpu: Gpu, since: ReturnType<typeof compileMark>): RunContext {
  return {
    data: prepared.source,
    data_orthogonality: orthogonality(prepared.dataset.inputs),
    init_weights: prepared.initWeights,
    device: deviceRecord(gpu, since),
  };
}

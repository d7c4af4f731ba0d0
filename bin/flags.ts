// The command line's flags: one table gives each flag's parser, default and help line, so --help cannot drift
// from what is accepted.
import { parseArgs } from 'node:util';
import { referenceConfig, type ExperimentConfig } from '../engine/experiment';

/** The config plus the flags that name files rather than settings. */
export interface CommandLine {
  config: ExperimentConfig;
  /** The user's dataset instead of a synthetic one: .npy arrays, IDX files or CIFAR-10 batches. */
  data?: DataFiles;
  /** --init-weights DIR: start from DIR/W1.npy .. DIR/WL.npy. */
  initWeights?: string;
  /** --out DIR; undefined: a new folder under runs/. */
  out?: string;
  help: boolean;
}

export type DataFiles =
  | { kind: 'npy'; features: string; labels: string }
  | { kind: 'idx'; images: string; labels: string }
  | { kind: 'cifar'; directory: string };

type Parse<T> = (text: string, flag: string) => T;

const integer: Parse<number> = (text, flag) => {
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) throw new Error(`${flag}: expected an integer, got '${text}'`);
  return value;
};
const number: Parse<number> = (text, flag) => {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new Error(`${flag}: expected a finite number, got '${text}'`);
  return value;
};
const imageClasses: Parse<string> = (text, flag) => {
  if (!/^(\d+(,\d+)*)?$/.test(text)) throw new Error(`${flag}: expected labels like 0,1,2,3, got '${text}'`);
  return text;
};
const oneOf =
  <T extends string>(...choices: T[]): Parse<T> =>
  (text, flag) => {
    if (!(choices as string[]).includes(text)) throw new Error(`${flag}: expected one of ${choices.join(', ')}, got '${text}'`);
    return text as T;
  };

const boolean: Parse<boolean> = (text, flag) => oneOf('true', 'false')(text, flag) === 'true';

interface Setting<K extends keyof ExperimentConfig> {
  key: K;
  parse: Parse<ExperimentConfig[K]>;
  help: string;
}
const setting = <K extends keyof ExperimentConfig>(key: K, parse: Parse<ExperimentConfig[K]>, help: string): Setting<K> => ({ key, parse, help });

/** Flags that set a config field, in the order --help lists them. */
const SETTINGS = {
  dataset: setting('dataset', oneOf('orthogonal', 'gaussian', 'uniform', 'mnist'), 'nearly orthogonal, Gaussian or uniform clusters (synthetic), or MNIST digits'),
  samples: setting('samples', integer, 'N, the number of samples (synthetic data)'),
  dim: setting('dim', integer, 'd, the input dimension (synthetic data)'),
  classes: setting('classes', integer, 'K, the number of classes (synthetic data)'),
  'image-classes': setting('imageClasses', imageClasses, 'image data: the labels to keep, relabelled 0..k-1 in this order (empty: all)'),
  'per-class': setting('perClass', integer, 'image data: the first this many samples of each kept class'),
  normalize: setting('normalize', oneOf('none', 'standardize'), 'image data: pixels in [0, 1], or each feature to mean 0 and variance 1'),
  width: setting('width', integer, 'm, the width of every hidden layer'),
  depth: setting('depth', integer, 'L, the number of weight matrices (L-1 hidden layers and the classifier)'),
  model: setting('model', oneOf('linear', 'mlp', 'hybrid'), 'linear (the theory), mlp (ReLU and biases), hybrid (first k layers Linear+BatchNorm+ReLU)'),
  'hybrid-layers': setting('nonlinearLayers', integer, "k, the hybrid's nonlinear layers"),
  init: setting('init', oneOf('orthogonal', 'default'), "orthogonal (scale eps) or default (PyTorch nn.Linear's Kaiming-uniform)"),
  eps: setting('eps', number, 'the scale of the orthogonal initialisation'),
  alpha: setting('alpha', number, 'the feature multiplier of the MSE loss sum((alpha f(x) - y)^2) / N'),
  loss: setting('loss', oneOf('mse', 'ce'), 'mse against one-hot targets, or softmax cross-entropy'),
  lr: setting('lr', number, 'the learning rate'),
  'weight-decay': setting('weightDecay', number, 'L2 weight decay lambda (added to the gradient, as torch.optim.SGD)'),
  'decoupled-weight-decay': setting('decoupledWeightDecay', boolean, 'true: shrink weights by lr*lambda directly (AdamW-style)'),
  momentum: setting('momentum', number, 'heavy-ball momentum'),
  schedule: setting('schedule', oneOf('constant', 'cosine'), 'the learning rate: constant, or cosine-annealed to lr/10'),
  steps: setting('steps', integer, 'the step budget'),
  tol: setting('tol', number, 'stop once the training loss falls below this'),
  'batch-size': setting('batchSize', integer, 'samples per step; 0 for full-batch gradient descent'),
  seed: setting('seed', integer, 'seeds the data, the initial weights and the batch order'),
  'metrics-every': setting('metricsEvery', integer, 'measure every layer every this many steps (0: at the end only)'),
  'loss-every': setting('lossEvery', integer, 'read the loss back every this many steps'),
  probe: setting('probe', boolean, 'true: a linear probe per layer (trained on a split without every 1/test-fraction-th sample)'),
  'test-fraction': setting('testFraction', number, "the probe's held-out share of each class"),
  separability: setting('separability', boolean, 'true: Minkowski-difference linear separability per layer (and at each metrics step)'),
  pvectors: setting('pvectors', boolean, 'true: P-vectors per layer at each metrics step, as angles to the final ones'),
} as const;

/** Flags that name files or switch behaviour. */
const FILES = {
  data: 'X.npy: N x d features (float32 or float64) instead of synthetic data; needs --labels',
  labels: 'y.npy: N integer labels 0..K-1 (int32 or int64)',
  'idx-images': 'FILE: MNIST/FashionMNIST images in IDX format (gzip or not); needs --idx-labels',
  'idx-labels': 'FILE: their labels in IDX format',
  cifar: 'DIR: CIFAR-10 binary batches (data_batch_*.bin, test_batch.bin)',
  'init-weights': 'DIR: start from DIR/W1.npy .. DIR/WL.npy (out x in, as nn.Linear.weight); sets depth and widths',
  out: 'DIR: where metrics.json, W1.npy .., loss.csv and the figures go (default: a new folder under runs/)',
} as const;

export function parseCommandLine(args: string[]): CommandLine {
  const options = Object.fromEntries([...Object.keys(SETTINGS), ...Object.keys(FILES)].map((flag) => [flag, { type: 'string' as const }]));
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
  } catch (error) {
    throw new Error(`${(error as Error).message.replace(/\. To specify.*$/s, '')}; see --help`);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const config: ExperimentConfig = { ...referenceConfig };
  for (const flag of Object.keys(SETTINGS)) {
    const text = values[flag];
    if (typeof text === 'string') applySetting(config, flag, text);
  }
  const file = (flag: keyof typeof FILES) => (typeof values[flag] === 'string' ? (values[flag] as string) : undefined);
  const data = dataFiles(file);
  const synthetic = ['dataset', 'samples', 'dim', 'classes'].filter((flag) => values[flag] !== undefined);
  if (data && synthetic.length > 0) throw new Error(`--${data.kind === 'npy' ? 'data' : data.kind === 'idx' ? 'idx-images' : 'cifar'} replaces the synthetic data: drop ${synthetic.map((f) => `--${f}`).join(', ')}`);
  if (file('init-weights') && (values.depth !== undefined || values.width !== undefined)) {
    throw new Error('--init-weights takes depth and widths from the files: drop --depth and --width');
  }
  return {
    config,
    data,
    initWeights: file('init-weights'),
    out: file('out'),
    help: values.help === true,
  };
}

/** The data files given, if any; each kind's flags go together, and only one kind at a time. */
function dataFiles(file: (flag: keyof typeof FILES) => string | undefined): DataFiles | undefined {
  const pair = (a: keyof typeof FILES, b: keyof typeof FILES) => {
    if ((file(a) === undefined) !== (file(b) === undefined)) throw new Error(`--${a} and --${b} go together: give both or neither`);
    return file(a) !== undefined;
  };
  const given: DataFiles[] = [
    ...(pair('data', 'labels') ? [{ kind: 'npy' as const, features: file('data')!, labels: file('labels')! }] : []),
    ...(pair('idx-images', 'idx-labels') ? [{ kind: 'idx' as const, images: file('idx-images')!, labels: file('idx-labels')! }] : []),
    ...(file('cifar') !== undefined ? [{ kind: 'cifar' as const, directory: file('cifar')! }] : []),
  ];
  if (given.length > 1) throw new Error('give one dataset: --data/--labels, --idx-images/--idx-labels or --cifar');
  return given[0];
}

/** Sets the config field of `--flag` from its text, as the command line does (sweeps use it for grid values). */
export function applySetting(config: ExperimentConfig, flag: string, text: string): void {
  const setting = (SETTINGS as Record<string, Setting<keyof ExperimentConfig>>)[flag];
  if (!setting) throw new Error(`${flag}: not a setting; settings are ${Object.keys(SETTINGS).join(', ')}`);
  (config as unknown as Record<string, unknown>)[setting.key] = setting.parse(text, `--${flag}`);
}

export function helpText(): string {
  const rows: [string, string][] = [
    ...Object.entries(SETTINGS).map(([flag, { key, help }]): [string, string] => [`--${flag} ${String(referenceConfig[key])}`, help]),
    ...Object.entries(FILES).map(([flag, help]): [string, string] => [`--${flag}`, help]),
    ['--help', 'this text'],
  ];
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return [
    'Trains a deep linear network on the GPU and measures how every layer compresses and separates the classes.',
    'With no flags: the reference configuration of METHOD.md (flags below show their defaults).',
    '',
    'usage: npm start -- [--flag value ...]',
    '       npm start -- sweep --grid flag=v1,v2,... [--grid seed=0..9 ...] [--shard i/n] --out DIR [--flag value ...]',
    '       npm start -- sweep report DIR',
    '',
    ...rows.map(([flag, help]) => `  ${flag.padEnd(width)}${help}`),
  ].join('\n');
}

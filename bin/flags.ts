// The command line's flags: one table gives each flag's parser, default and help line, so --help cannot drift
// from what is accepted.
import { parseArgs } from 'node:util';
import { referenceConfig, type ExperimentConfig } from '../engine/experiment';

/** The config plus the flags that name files rather than settings. */
export interface CommandLine {
  config: ExperimentConfig;
  /** --data X.npy --labels y.npy: the user's dataset instead of a synthetic one. */
  data?: { features: string; labels: string };
  /** --init-weights DIR: start from DIR/W1.npy .. DIR/WL.npy. */
  initWeights?: string;
  /** --out DIR; undefined: a new folder under runs/. */
  out?: string;
  help: boolean;
}

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
const oneOf =
  <T extends string>(...choices: T[]): Parse<T> =>
  (text, flag) => {
    if (!(choices as string[]).includes(text)) throw new Error(`${flag}: expected one of ${choices.join(', ')}, got '${text}'`);
    return text as T;
  };

interface Setting<K extends keyof ExperimentConfig> {
  key: K;
  parse: Parse<ExperimentConfig[K]>;
  help: string;
}
const setting = <K extends keyof ExperimentConfig>(key: K, parse: Parse<ExperimentConfig[K]>, help: string): Setting<K> => ({ key, parse, help });

/** Flags that set a config field, in the order --help lists them. */
const SETTINGS = {
  dataset: setting('dataset', oneOf('orthogonal', 'gaussian', 'uniform'), 'synthetic data: nearly orthogonal, Gaussian or uniform clusters'),
  samples: setting('samples', integer, 'N, the number of samples (synthetic data)'),
  dim: setting('dim', integer, 'd, the input dimension (synthetic data)'),
  classes: setting('classes', integer, 'K, the number of classes (synthetic data)'),
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
  'decoupled-weight-decay': setting('decoupledWeightDecay', (text, flag) => oneOf('true', 'false')(text, flag) === 'true', 'true: shrink weights by lr*lambda directly (AdamW-style)'),
  momentum: setting('momentum', number, 'heavy-ball momentum'),
  schedule: setting('schedule', oneOf('constant', 'cosine'), 'the learning rate: constant, or cosine-annealed to lr/10'),
  steps: setting('steps', integer, 'the step budget'),
  tol: setting('tol', number, 'stop once the training loss falls below this'),
  'batch-size': setting('batchSize', integer, 'samples per step; 0 for full-batch gradient descent'),
  seed: setting('seed', integer, 'seeds the data, the initial weights and the batch order'),
  'metrics-every': setting('metricsEvery', integer, 'measure every layer every this many steps (0: at the end only)'),
  'loss-every': setting('lossEvery', integer, 'read the loss back every this many steps'),
} as const;

/** Flags that name files or switch behaviour. */
const FILES = {
  data: 'X.npy: N x d features (float32 or float64) instead of synthetic data; needs --labels',
  labels: 'y.npy: N integer labels 0..K-1 (int32 or int64)',
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
  const [features, labels] = [file('data'), file('labels')];
  if ((features === undefined) !== (labels === undefined)) throw new Error('--data and --labels go together: give both or neither');
  const synthetic = ['dataset', 'samples', 'dim', 'classes'].filter((flag) => values[flag] !== undefined);
  if (features && synthetic.length > 0) throw new Error(`--data replaces the synthetic data: drop ${synthetic.map((f) => `--${f}`).join(', ')}`);
  if (file('init-weights') && (values.depth !== undefined || values.width !== undefined)) {
    throw new Error('--init-weights takes depth and widths from the files: drop --depth and --width');
  }
  return {
    config,
    data: features && labels ? { features, labels } : undefined,
    initWeights: file('init-weights'),
    out: file('out'),
    help: values.help === true,
  };
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

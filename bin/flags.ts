// The command line's flags: every setting of engine/settings.ts is a flag, with its default, range and help, so
// --help cannot drift from what is accepted; a few more flags name files.
import { parseArgs } from 'node:util';
import { allowed, flagOf, parseSetting, referenceConfig, settingNames, settingOfFlag, SETTINGS, type ExperimentConfig } from '../engine';

/** The config plus the flags that name files rather than settings. */
export interface CommandLine {
  config: ExperimentConfig;
  /** The user's dataset instead of a synthetic one: .npy arrays, IDX files or CIFAR-10 batches. */
  data?: DataFiles;
  /** --init-weights DIR: start from DIR/W1.npy .. DIR/WL.npy. */
  initWeights?: string;
  /** --out DIR; undefined: a new folder under runs/. */
  out?: string;
  /** --profile: time one training step's kernels instead of training (bin/main.ts). */
  profile: boolean;
  help: boolean;
}

export type DataFiles =
  { kind: 'npy'; features: string; labels: string } | { kind: 'idx'; images: string; labels: string } | { kind: 'cifar'; directory: string };

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

type FlagOptions = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;
export type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** The one flag parser of npm start, sweep and npm run bench: node:util's, strict, its errors pointing to --help. */
export function parseFlags(args: string[], options: FlagOptions): FlagValues {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new Error(`${(error as Error).message.replace(/\. To specify.*$/s, '')}; see --help`);
  }
}

/** The run `args` describe; `extra` flags (a sweep's --grid and --shard) come back as given, in `extra`. */
export function parseCommandLine(args: string[], extra: FlagOptions = {}): CommandLine & { extra: FlagValues } {
  const flags = [...settingNames.map((name) => flagOf(name).slice(2)), ...Object.keys(FILES)];
  const options: FlagOptions = Object.fromEntries(flags.map((flag) => [flag, { type: 'string' as const }]));
  const values = parseFlags(args, { ...options, ...extra, profile: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  const config: ExperimentConfig = { ...referenceConfig };
  for (const name of settingNames) {
    const text = values[flagOf(name).slice(2)];
    if (typeof text === 'string') Object.assign(config, { [name]: parseSetting(name, text) });
  }
  const file = (flag: keyof typeof FILES) => (typeof values[flag] === 'string' ? (values[flag] as string) : undefined);
  const data = dataFiles(file);
  const syntheticOnly = settingNames.filter((name) => name === 'dataset' || ('applies' in SETTINGS[name] && SETTINGS[name].applies === 'synthetic data'));
  const synthetic = syntheticOnly.map((name) => flagOf(name).slice(2)).filter((flag) => values[flag] !== undefined);
  if (data && synthetic.length > 0)
    throw new Error(
      `--${data.kind === 'npy' ? 'data' : data.kind === 'idx' ? 'idx-images' : 'cifar'} replaces the synthetic data: drop ${synthetic.map((f) => `--${f}`).join(', ')}`,
    );
  if (file('init-weights') && (values.depth !== undefined || values.width !== undefined)) {
    throw new Error('--init-weights takes depth and widths from the files: drop --depth and --width');
  }
  return {
    config,
    data,
    initWeights: file('init-weights'),
    out: file('out'),
    profile: values.profile === true,
    help: values.help === true,
    extra: Object.fromEntries(Object.keys(extra).map((flag) => [flag, values[flag]])),
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
  const name = settingOfFlag(flag);
  if (!name) throw new Error(`${flag}: not a setting; settings are ${settingNames.map((n) => flagOf(n).slice(2)).join(', ')}`);
  Object.assign(config, { [name]: parseSetting(name, text) });
}

export function helpText(): string {
  const rows: [string, string][] = [
    ...settingNames.map((name): [string, string] => {
      const { help, ...spec } = SETTINGS[name];
      const where = 'applies' in spec ? `${spec.applies}: ` : '';
      return [`${flagOf(name)} ${String(referenceConfig[name])}`, `${where}${help} (${allowed(name)})`];
    }),
    ...Object.entries(FILES).map(([flag, help]): [string, string] => [`--${flag}`, help]),
    ['--profile', "time each kernel of one training step alone and print each one's share of the step (trains and writes nothing else)"],
    ['--help', 'this text'],
  ];
  return [
    'Trains a deep linear network on the GPU and measures how every layer compresses and separates the classes.',
    'With no flags: the reference configuration of METHOD.md (flags below show their defaults).',
    '',
    'usage: npm start -- [--flag value ...]',
    '       npm start -- sweep --grid flag=v1,v2,... [--grid seed=0..9 ...] [--shard i/n] --out DIR [--flag value ...]',
    '       npm start -- sweep report DIR',
    '       npm start -- paper [--scale tiny|default|full] [--out DIR] [--shard i/n]   (the whole paper; see paper --help)',
    '',
    ...helpRows(rows),
  ].join('\n');
}

/** --help's table: each flag, padded to the longest, then its help. */
export function helpRows(rows: [string, string][]): string[] {
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return rows.map(([flag, help]) => `  ${flag.padEnd(width)}${help}`);
}

// Every setting of an experiment, once: its type or choices, default, allowed range, help and demo label.
// ExperimentConfig, the reference configuration (METHOD.md), validation, the command line's flags and --help,
// the sweep's grid axes and the demo page's controls all derive from this table. A setting's flag is its key
// in kebab case (batchSize: --batch-size).

interface Common {
  help: string;
  /** Where the setting has an effect, when not everywhere; --help prefixes the help with it. */
  applies?: string;
  /** The demo page's label; settings without one are not on the page. */
  label?: string;
}
type Spec =
  | (Common & { kind: 'integer'; default: number; min: number; max: number })
  /** `open` excludes an end from the range: 'min' for > min, 'max' for < max. */
  | (Common & { kind: 'number'; default: number; min: number; max: number; open?: 'min' | 'max' | 'both' })
  | (Common & { kind: 'boolean'; default: boolean })
  | (Common & { kind: 'choice'; choices: readonly string[]; default: string })
  /** Comma-separated non-negative integers, possibly none. */
  | (Common & { kind: 'integers'; default: string });

/** The cosine schedule ends at this share of --lr. */
export const COSINE_FINAL_FRACTION = 0.1;
const MAX_COUNT = 2 ** 31 - 1; // sizes and step counts: device limits and memory bound them long before this

// One row per setting: the table is laid out by hand.
// prettier-ignore
export const SETTINGS = {
  dataset: { kind: 'choice', choices: ['orthogonal', 'gaussian', 'uniform', 'mnist'], default: 'orthogonal', label: 'dataset', help: 'nearly orthogonal, Gaussian or uniform clusters (synthetic), or MNIST digits' },
  samples: { kind: 'integer', default: 30, min: 2, max: MAX_COUNT, applies: 'synthetic data', label: 'samples N', help: 'N, the number of samples' },
  dim: { kind: 'integer', default: 50, min: 1, max: MAX_COUNT, applies: 'synthetic data', label: 'input dim d', help: 'd, the input dimension' },
  classes: { kind: 'integer', default: 3, min: 2, max: MAX_COUNT, applies: 'synthetic data', label: 'classes K', help: 'K, the number of classes (one class has no between-class spread)' },
  imageClasses: { kind: 'integers', default: '0,1,2,3', applies: 'image data', help: 'the labels to keep, relabelled 0..k-1 in this order (empty: all)' },
  perClass: { kind: 'integer', default: 100, min: 1, max: MAX_COUNT, applies: 'image data', help: 'the first this many samples of each kept class' },
  normalize: { kind: 'choice', choices: ['none', 'standardize'], default: 'none', applies: 'image data', help: 'pixels in [0, 1], or each feature to mean 0 and variance 1' },
  width: { kind: 'integer', default: 50, min: 1, max: MAX_COUNT, label: 'width m', help: 'm, the width of every hidden layer' },
  depth: { kind: 'integer', default: 6, min: 1, max: 10_000, label: 'depth L', help: 'L, the number of weight matrices (L-1 hidden layers and the classifier)' },
  model: { kind: 'choice', choices: ['linear', 'mlp', 'hybrid'], default: 'linear', help: 'linear (the theory), mlp (ReLU and biases), hybrid (first k layers Linear+BatchNorm+ReLU)' },
  hybridLayers: { kind: 'integer', default: 1, min: 1, max: 10_000, applies: 'hybrid', help: "k, the hybrid's nonlinear layers" },
  init: { kind: 'choice', choices: ['orthogonal', 'default'], default: 'orthogonal', label: 'init', help: "orthogonal (scale eps) or default (PyTorch nn.Linear's Kaiming-uniform)" },
  eps: { kind: 'number', default: 0.3, min: 0, max: Infinity, open: 'min', applies: 'orthogonal init', label: 'init scale eps', help: 'the scale of the orthogonal initialisation' },
  loss: { kind: 'choice', choices: ['mse', 'ce'], default: 'mse', label: 'loss', help: 'mse against one-hot targets, or softmax cross-entropy' },
  alpha: { kind: 'number', default: 100, min: 0, max: Infinity, open: 'min', applies: 'mse', label: 'MSE alpha', help: 'the feature multiplier of the MSE loss sum((alpha f(x) - y)^2) / N' },
  lr: { kind: 'number', default: 0.1, min: 0, max: Infinity, open: 'min', label: 'learning rate', help: 'the learning rate' },
  optimizer: { kind: 'choice', choices: ['sgd', 'adam', 'adamw'], default: 'sgd', label: 'optimizer', help: 'SGD with momentum, Adam, or AdamW (decoupled weight decay), as in torch.optim' },
  beta1: { kind: 'number', default: 0.9, min: 0, max: 1, open: 'max', applies: 'adam, adamw', help: "the decay rate of Adam's first moment" },
  beta2: { kind: 'number', default: 0.999, min: 0, max: 1, open: 'max', applies: 'adam, adamw', help: "the decay rate of Adam's second moment" },
  adamEps: { kind: 'number', default: 1e-8, min: 0, max: Infinity, open: 'min', applies: 'adam, adamw', help: "added to the root of Adam's second moment" },
  weightDecay: { kind: 'number', default: 0, min: 0, max: Infinity, label: 'weight decay', help: 'L2 weight decay lambda: added to the gradient (sgd, adam), or shrinking the weights directly (adamw)' },
  decoupledWeightDecay: { kind: 'boolean', default: false, applies: 'sgd', help: 'true: shrink weights by lr*lambda directly (AdamW-style)' },
  momentum: { kind: 'number', default: 0, min: 0, max: 1, open: 'max', applies: 'sgd', label: 'momentum', help: 'heavy-ball momentum' },
  schedule: { kind: 'choice', choices: ['cosine', 'constant'], default: 'cosine', label: 'schedule', help: `the learning rate: cosine-annealed to lr * ${COSINE_FINAL_FRACTION}, or constant` },
  steps: { kind: 'integer', default: 5000, min: 0, max: MAX_COUNT, label: 'steps', help: 'the step budget' },
  tol: { kind: 'number', default: 1e-10, min: 0, max: Infinity, help: 'stop once the training loss falls below this' },
  batchSize: { kind: 'integer', default: 0, min: 0, max: MAX_COUNT, help: 'samples per step; 0 for full-batch gradient descent' },
  seed: { kind: 'integer', default: 0, min: 0, max: 2 ** 32 - 1, label: 'seed', help: 'seeds the data, the initial weights and the batch order' },
  metricsEvery: { kind: 'integer', default: 0, min: 0, max: MAX_COUNT, help: 'measure every layer every this many steps (0: at the end only)' },
  lossEvery: { kind: 'integer', default: 10, min: 1, max: MAX_COUNT, help: 'read the loss back every this many steps' },
  probe: { kind: 'boolean', default: false, help: 'true: a linear probe per layer (trained on a split without every 1/test-fraction-th sample)' },
  testFraction: { kind: 'number', default: 0.2, min: 0, max: 1, open: 'both', applies: 'probe', help: "the probe's held-out share of each class" },
  separability: { kind: 'boolean', default: false, help: 'true: Minkowski-difference linear separability per layer (and at each metrics step)' },
  pvectors: { kind: 'boolean', default: false, help: 'true: P-vectors per layer at each metrics step, as angles to the final ones' },
} as const satisfies Record<string, Spec>;

export type SettingName = keyof typeof SETTINGS;
type ValueOf<S> = S extends { kind: 'choice'; choices: readonly (infer C)[] }
  ? C
  : S extends { kind: 'boolean' }
    ? boolean
    : S extends { kind: 'integers' }
      ? string
      : number;

/** Everything that defines a run. */
export type ExperimentConfig = { -readonly [K in SettingName]: ValueOf<(typeof SETTINGS)[K]> };
/** A choice setting's options, e.g. Choice<'loss'> is 'mse' | 'ce'. */
export type Choice<K extends SettingName> = ExperimentConfig[K];

const spec = (name: SettingName): Spec => SETTINGS[name];
export const settingNames = Object.keys(SETTINGS) as SettingName[];

/** The paper's reference configuration (METHOD.md): every setting's default. */
export const referenceConfig: Readonly<ExperimentConfig> = Object.freeze(
  Object.fromEntries(settingNames.map((name) => [name, SETTINGS[name].default])) as ExperimentConfig,
);

export const flagOf = (name: SettingName): string => `--${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
const byFlag = new Map(settingNames.map((name) => [flagOf(name), name]));
/** The setting of a flag ('--batch-size' or 'batch-size'), or undefined. */
export const settingOfFlag = (flag: string): SettingName | undefined => byFlag.get(flag.startsWith('--') ? flag : `--${flag}`);

/** What a setting accepts, in words: "an integer in 1..10000", "a number in [0, 1)", "one of mse, ce". */
export function allowed(name: SettingName): string {
  const setting = spec(name);
  switch (setting.kind) {
    case 'integer':
      return setting.max === MAX_COUNT || setting.max === Infinity ? `an integer >= ${setting.min}` : `an integer in ${setting.min}..${setting.max}`;
    case 'number': {
      const [openMin, openMax] = [setting.open === 'min' || setting.open === 'both', setting.open === 'max' || setting.open === 'both'];
      if (setting.max === Infinity) return `a finite number ${openMin ? '>' : '>='} ${setting.min}`;
      return `a number in ${openMin ? '(' : '['}${setting.min}, ${setting.max}${openMax ? ')' : ']'}`;
    }
    case 'boolean':
      return 'true or false';
    case 'choice':
      return `one of ${setting.choices.join(', ')}`;
    case 'integers':
      return 'labels like 0,1,2,3 (or nothing, for all)';
    default:
      return setting satisfies never;
  }
}

/** Whether `value` is allowed for the setting (its type, choices and range). */
export function isAllowed(name: SettingName, value: unknown): boolean {
  const setting = spec(name);
  switch (setting.kind) {
    case 'integer':
      return Number.isSafeInteger(value) && (value as number) >= setting.min && (value as number) <= setting.max;
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return false;
      const aboveMin = setting.open === 'min' || setting.open === 'both' ? value > setting.min : value >= setting.min;
      const belowMax = setting.open === 'max' || setting.open === 'both' ? value < setting.max : value <= setting.max;
      return aboveMin && belowMax;
    }
    case 'boolean':
      return typeof value === 'boolean';
    case 'choice':
      return (setting.choices as readonly unknown[]).includes(value);
    case 'integers':
      return typeof value === 'string' && /^(\d+(,\d+)*)?$/.test(value);
    default:
      return setting satisfies never;
  }
}

/** Throws "`name` must be <allowed>, got <value>" unless the value is allowed; `name` defaults to the flag. */
export function checkSetting(name: SettingName, value: unknown, shownAs = flagOf(name)): void {
  if (!isAllowed(name, value)) throw new Error(`${shownAs} must be ${allowed(name)}, got ${typeof value === 'string' ? `'${value}'` : String(value)}`);
}

/** The setting's value from text (a flag's value, a grid value, a form field), checked; throws naming `shownAs`. */
export function parseSetting<K extends SettingName>(name: K, text: string, shownAs = flagOf(name)): ExperimentConfig[K] {
  const setting = spec(name);
  const trimmed = text.trim();
  let value: unknown = text;
  switch (setting.kind) {
    case 'integer':
      value = /^-?\d+$/.test(trimmed) ? Number(trimmed) : NaN;
      break;
    case 'number':
      value = trimmed === '' ? NaN : Number(trimmed);
      break;
    case 'boolean':
      value = text === 'true' ? true : text === 'false' ? false : text;
      break;
    case 'choice':
    case 'integers':
      break;
    default:
      setting satisfies never;
  }
  if (!isAllowed(name, value)) throw new Error(`${shownAs} must be ${allowed(name)}, got '${text}'`);
  return value as ExperimentConfig[K];
}

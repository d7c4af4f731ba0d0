// The experiment's knobs as a form: one table of fields, filled from and read back into an ExperimentConfig.
import { referenceConfig, type ExperimentConfig } from '../engine/experiment';

type Field =
  | { key: keyof ExperimentConfig; label: string; kind: 'integer' | 'number' }
  | { key: keyof ExperimentConfig; label: string; kind: 'choice'; choices: string[] };

const FIELDS: Field[] = [
  { key: 'dataset', label: 'dataset', kind: 'choice', choices: ['orthogonal', 'gaussian', 'uniform'] },
  { key: 'samples', label: 'samples N', kind: 'integer' },
  { key: 'dim', label: 'input dim d', kind: 'integer' },
  { key: 'classes', label: 'classes K', kind: 'integer' },
  { key: 'width', label: 'width m', kind: 'integer' },
  { key: 'depth', label: 'depth L', kind: 'integer' },
  { key: 'init', label: 'init', kind: 'choice', choices: ['orthogonal', 'default'] },
  { key: 'eps', label: 'init scale eps', kind: 'number' },
  { key: 'loss', label: 'loss', kind: 'choice', choices: ['mse', 'ce'] },
  { key: 'alpha', label: 'MSE alpha', kind: 'number' },
  { key: 'lr', label: 'learning rate', kind: 'number' },
  { key: 'weightDecay', label: 'weight decay', kind: 'number' },
  { key: 'momentum', label: 'momentum', kind: 'number' },
  { key: 'schedule', label: 'schedule', kind: 'choice', choices: ['cosine', 'constant'] },
  { key: 'steps', label: 'steps', kind: 'integer' },
  { key: 'seed', label: 'seed', kind: 'integer' },
];

/** Builds the fields into `form` (before its existing children) and sets them to the reference configuration. */
export function buildControls(form: HTMLFormElement): void {
  const nodes = FIELDS.flatMap((field) => {
    const label = Object.assign(document.createElement('label'), { htmlFor: `field-${field.key}`, textContent: field.label });
    const input =
      field.kind === 'choice'
        ? Object.assign(document.createElement('select'), { innerHTML: field.choices.map((c) => `<option>${c}</option>`).join('') })
        : Object.assign(document.createElement('input'), { type: 'number', step: 'any', required: true });
    Object.assign(input, { id: `field-${field.key}`, name: field.key });
    return [label, input];
  });
  form.prepend(...nodes);
  setControls(form, referenceConfig);
}

export function setControls(form: HTMLFormElement, config: ExperimentConfig): void {
  for (const field of FIELDS) (form.elements.namedItem(field.key) as HTMLInputElement).value = String(config[field.key]);
}

/** The form's config; throws naming the field when a value is not a number. */
export function readControls(form: HTMLFormElement): ExperimentConfig {
  const config: Record<string, unknown> = { ...referenceConfig };
  for (const field of FIELDS) {
    const text = (form.elements.namedItem(field.key) as HTMLInputElement).value;
    if (field.kind === 'choice') {
      config[field.key] = text;
      continue;
    }
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || (field.kind === 'integer' && !Number.isInteger(value))) {
      throw new Error(`${field.label}: expected ${field.kind === 'integer' ? 'an integer' : 'a number'}, got '${text}'`);
    }
    config[field.key] = value;
  }
  return config as unknown as ExperimentConfig;
}

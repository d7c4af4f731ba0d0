// The experiment's knobs as a form: a field for every setting with a demo label (engine/settings.ts), filled from
// and read back into an ExperimentConfig.
import { referenceConfig, SETTINGS, settingNames, parseSetting, type ExperimentConfig, type SettingName } from '../engine';

/** MNIST is read from the mnist package in Node; a page builds only synthetic data. */
const NODE_ONLY_CHOICES: readonly string[] = ['mnist'];

const FIELDS = settingNames.flatMap((name) => {
  const setting = SETTINGS[name];
  return 'label' in setting ? [{ name, label: setting.label, setting }] : [];
});

function input(name: SettingName): HTMLInputElement | HTMLSelectElement {
  const setting = SETTINGS[name];
  switch (setting.kind) {
    case 'choice': {
      const options = setting.choices.filter((choice) => !NODE_ONLY_CHOICES.includes(choice));
      return Object.assign(document.createElement('select'), { innerHTML: options.map((c) => `<option>${c}</option>`).join('') });
    }
    case 'boolean':
      return Object.assign(document.createElement('select'), { innerHTML: '<option>true</option><option>false</option>' });
    case 'integers':
      return Object.assign(document.createElement('input'), { type: 'text' });
    case 'integer':
    case 'number':
      return Object.assign(document.createElement('input'), { type: 'number', step: 'any', required: true });
    default:
      return setting satisfies never;
  }
}

/** Builds the fields into `form` (before its existing children) and sets them to the reference configuration. */
export function buildControls(form: HTMLFormElement): void {
  const nodes = FIELDS.flatMap(({ name, label }) => {
    const field = Object.assign(input(name), { id: `field-${name}`, name });
    return [Object.assign(document.createElement('label'), { htmlFor: field.id, textContent: label }), field];
  });
  form.prepend(...nodes);
  setControls(form, referenceConfig);
}

export function setControls(form: HTMLFormElement, config: ExperimentConfig): void {
  for (const { name } of FIELDS) (form.elements.namedItem(name) as HTMLInputElement).value = String(config[name]);
}

/** The form's config; throws naming the field and its allowed range when a value is not allowed. */
export function readControls(form: HTMLFormElement): ExperimentConfig {
  const config: ExperimentConfig = { ...referenceConfig };
  for (const { name, label } of FIELDS) Object.assign(config, { [name]: parseSetting(name, (form.elements.namedItem(name) as HTMLInputElement).value, label) });
  return config;
}

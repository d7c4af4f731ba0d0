// What the report's sections share: the runs they read, every criterion (written once: judge() in paper.ts both
// applies it and writes its text), and the helpers that turn runs into tables and figures. A verdict's items are named
// `experiment/run` (plus ` layer l` where per layer), so each value can be traced to the run's folder.
import type { MetricsJson } from '../metrics-json';
import type { LayerFits } from '../metrics/fits';
import { flagOf, referenceConfig, settingNames, type SettingName } from '../settings';
import type { Criterion, ReportFigure, ReportTable } from './paper';
import type { MinimumNorm } from './paper-assumptions';

/** One finished run, as read from DIR/<experiment>/runs/<name>/. */
export interface RunRecord {
  experiment: string;
  name: string;
  settings: Record<string, string>;
  metrics: MetricsJson;
  /** Measured from the saved weights and the regenerated data (reference runs only). */
  minimumNorm?: MinimumNorm;
}

/** The runs of each experiment, and how to rerun each (its command). */
export interface SectionInputs {
  reference: RunRecord[];
  grid: RunRecord[];
  images: { source: string; runs: RunRecord[] }[];
  tracking: RunRecord[];
  commands: { reference: string; grid: string; images: string[]; tracking: string };
}

// Thresholds: 0.99 for "a straight line" as METHOD.md states the reference outcome; 0.9 where the paper says the
// pattern holds only approximately (nonlinear networks); 0.1 for "small" relative deviations.
// prettier-ignore
export const CRITERIA = {
  referenceGeometric: { id: 'reference-geometric', quantity: 'R^2 of the fit of log10 C_l against l over the hidden layers', comparison: '>=', threshold: 0.99, share: 1, items: 'seeds' },
  referenceCompresses: { id: 'reference-compresses', quantity: 'the fitted compression ratio rho = C_{l+1}/C_l', comparison: '<', threshold: 1, share: 1, items: 'seeds' },
  referenceDiscrimination: { id: 'reference-discrimination', quantity: 'R^2 of the linear fit of D_l against l', comparison: '>=', threshold: 0.9, share: 1, items: 'seeds' },
  dataOrthogonal: { id: 'data-orthogonal', quantity: 'the larger of max_i | ||x_i||^2 - 1 | and max_{i != j} |<x_i, x_j>|', comparison: '<=', threshold: 0.25, share: 1, items: 'seeds' },
  balancedHidden: { id: 'balanced-hidden', quantity: 'the largest relative imbalance ||W_l W_l^T - W_{l+1}^T W_{l+1}||_F / max(||W_l W_l^T||_F, ||W_{l+1}^T W_{l+1}||_F) over hidden pairs l = 1..L-2', comparison: '<=', threshold: 0.1, share: 1, items: 'seeds' },
  balancedClassifier: { id: 'balanced-classifier', quantity: 'the relative imbalance of the last hidden layer and the classifier (l = L-1)', comparison: '<=', threshold: 0.1, share: 1, items: 'seeds' },
  minimumNorm: { id: 'minimum-norm', quantity: '||W_L...W_1 - W*||_F / ||W*||_F, W* the minimum-norm exact fit Y^T (X^T)^+ / alpha', comparison: '<=', threshold: 0.1, share: 1, items: 'seeds' },
  lowRank: { id: 'low-rank', quantity: 'the smallest spectral gap s_K / s_{K+1} over W_1..W_{L-1}', comparison: '>=', threshold: 1.5, share: 1, items: 'seeds' },
  gridGeometric: { id: 'grid-geometric', quantity: 'R^2 of the fit of log10 C_l against l (runs of depth >= 4, the first with an R^2)', comparison: '>=', threshold: 0.99, share: 1, items: 'runs' },
  gridWidth: { id: 'grid-width', quantity: "the spread of mean rho over widths, (max - min) / mean, at each depth >= 3 (the first with a hidden-layer rho)", comparison: '<=', threshold: 0.1, share: 1, items: 'depths' },
  imagesDecreasing: { id: 'images-decreasing', quantity: 'the largest C_{l+1}/C_l over hidden layers 1..L-2', comparison: '<', threshold: 1, share: 1, items: 'runs' },
  imagesGeometric: { id: 'images-geometric', quantity: 'R^2 of the fit of log10 C_l against l over the hidden layers', comparison: '>=', threshold: 0.9, share: 1, items: 'runs' },
  probeEarlier: { id: 'probe-earlier', quantity: "the best test accuracy of hidden layers 1..L-2 minus the last hidden layer's", comparison: '>', threshold: 0, share: 1, items: 'runs' },
  separabilityReached: { id: 'separability-reached', quantity: "the last hidden layer's separability at the end", comparison: '>=', threshold: 0.99, share: 1, items: 'runs' },
  separabilityRises: { id: 'separability-rises', quantity: "the last hidden layer's separability at the end minus at step 0", comparison: '>', threshold: 0, share: 1, items: 'runs' },
  pvectorConverges: { id: 'pvector-converges', quantity: "a hidden layer's P-vector angle to the final one at the last checkpoint, in degrees", comparison: '<=', threshold: 5, share: 1, items: 'hidden layers of every run' },
} as const satisfies Record<string, Criterion>;

/** The depth from which a fit over the hidden layers has a slope (two hidden layers) and an R^2 (three); fits.ts. */
export const DEPTH_FOR_RHO = 3;
export const DEPTH_FOR_R2 = 4;

export const item = (run: RunRecord, layer?: number) => `${run.experiment}/${run.name}${layer === undefined ? '' : ` layer ${layer}`}`;
export const mean = (values: readonly number[]) => (values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : null);
/** The sample standard deviation; null below two values. */
export function deviation(values: readonly number[]): number | null {
  const average = mean(values);
  if (average === null || values.length < 2) return null;
  return Math.sqrt(values.reduce((sum, value) => sum + (value - average) ** 2, 0) / (values.length - 1));
}
export const present = (values: readonly (number | null | undefined)[]) =>
  values.filter((value): value is number => typeof value === 'number' && Number.isFinite(value));

/** The data's and network's sizes, and the settings other than the reference configuration's, as flags; the grid's axes apart. */
export function settingsLine(run: RunRecord): string {
  const { config, data } = run.metrics;
  const axes = Object.keys(run.settings);
  const isAxis = (name: SettingName) => axes.includes(flagOf(name).slice(2));
  const sizes = (['samples', 'dim', 'classes', 'depth', 'width'] as const).filter((name) => !isAxis(name));
  const symbols = { samples: 'N', dim: 'd', classes: 'K', depth: 'L', width: 'm' } as const;
  const changed = settingNames.filter((name) => config[name] !== referenceConfig[name] && !isAxis(name) && !(sizes as readonly string[]).includes(name));
  return [
    `${data}: ${sizes.map((name) => `${symbols[name]} = ${config[name]}`).join(', ')}`,
    `settings other than the reference: ${changed.map((name) => `${flagOf(name)} ${config[name]}`).join(' ') || 'none'}`,
    ...(axes.length > 0 ? [`varied from run to run: ${axes.join(', ')}`] : []),
  ].join('; ');
}

/** A figure of one per-layer value of every run: a dot per run, a line through each series' mean. */
export function byLayer(
  runs: RunRecord[],
  title: string,
  y: string,
  yLog: boolean,
  value: (run: RunRecord) => number[],
  series: (run: RunRecord) => string,
): ReportFigure {
  return { title, x: 'layer l', y, yLog, points: runs.flatMap((run) => value(run).map((v, layer) => ({ x: layer, y: v, series: series(run) }))) };
}

/** The figure plus series 'fit': at each fitted layer, the mean over runs of each run's fitted value there. */
export function withFit(figure: ReportFigure, fits: readonly LayerFits[], fitted: (fit: LayerFits, layer: number) => number | null): ReportFigure {
  const layers = fits[0]?.layers ?? [];
  const points = layers.flatMap((layer) => {
    const value = mean(present(fits.map((fit) => fitted(fit, layer))));
    return value === null ? [] : [{ x: layer, y: value, series: 'fit' }];
  });
  return { ...figure, points: [...figure.points, ...points] };
}

export function perLayerTable(runs: RunRecord[], title: string): ReportTable {
  const depth = Math.max(...runs.map((run) => run.metrics.layers.length));
  const column = (layer: number, pick: (entry: MetricsJson['layers'][number]) => number | undefined) =>
    present(runs.map((run) => run.metrics.layers[layer]).map((entry) => (entry ? pick(entry) : undefined)));
  return {
    title,
    columns: ['layer', 'log10 C mean', 'log10 C std', 'D mean', 'D std', 'NC1 mean', 'NC2 ETF distance mean', 'CDNV mean'],
    rows: Array.from({ length: depth }, (_, layer) => [
      layer,
      mean(column(layer, (entry) => Math.log10(entry.C))),
      deviation(column(layer, (entry) => Math.log10(entry.C))),
      mean(column(layer, (entry) => entry.D)),
      deviation(column(layer, (entry) => entry.D)),
      mean(column(layer, (entry) => entry.NC1)),
      mean(column(layer, (entry) => entry.nc2_etf_distance)),
      mean(column(layer, (entry) => entry.cdnv)),
    ]),
  };
}

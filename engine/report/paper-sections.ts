// The report's six sections from the runs' metrics.json (and, for the assumptions, measures of the saved weights):
// tables, figures as data, and verdicts. Every criterion is written once, in CRITERIA; judge() (paper.ts) both
// applies it and writes its text. A verdict's items are named `experiment/run` (plus ` layer l` where per layer),
// so each value can be traced to, and recomputed from, the run's folder. Browser-safe; no file access.
import type { MetricsJson } from '../metrics-json';
import type { LayerFits } from '../metrics/fits';
import { flagOf, referenceConfig, settingNames, type SettingName } from '../settings';
import { judge, type Criterion, type ReportFigure, type ReportSection, type ReportTable } from './paper';
import { relativeImbalance, spectralGaps, type MinimumNorm } from './paper-assumptions';

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
const DEPTH_FOR_RHO = 3;
const DEPTH_FOR_R2 = 4;

const item = (run: RunRecord, layer?: number) => `${run.experiment}/${run.name}${layer === undefined ? '' : ` layer ${layer}`}`;
const mean = (values: readonly number[]) => (values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : null);
/** The sample standard deviation; null below two values. */
function deviation(values: readonly number[]): number | null {
  const average = mean(values);
  if (average === null || values.length < 2) return null;
  return Math.sqrt(values.reduce((sum, value) => sum + (value - average) ** 2, 0) / (values.length - 1));
}
const present = (values: readonly (number | null | undefined)[]) =>
  values.filter((value): value is number => typeof value === 'number' && Number.isFinite(value));

/** The data's and network's sizes, and the settings other than the reference configuration's, as flags; the grid's axes apart. */
function settingsLine(run: RunRecord): string {
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
function byLayer(
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
function withFit(figure: ReportFigure, fits: readonly LayerFits[], fitted: (fit: LayerFits, layer: number) => number | null): ReportFigure {
  const layers = fits[0]?.layers ?? [];
  const points = layers.flatMap((layer) => {
    const value = mean(present(fits.map((fit) => fitted(fit, layer))));
    return value === null ? [] : [{ x: layer, y: value, series: 'fit' }];
  });
  return { ...figure, points: [...figure.points, ...points] };
}

function perLayerTable(runs: RunRecord[], title: string): ReportTable {
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

function referenceSection({ reference: runs, commands }: SectionInputs): ReportSection {
  const fits = runs.map((run) => run.metrics.fit);
  return {
    id: 'reference',
    title: 'The reference deep linear network',
    claim:
      'On nearly orthogonal data, each layer of a trained deep linear network compresses within-class features at a geometric rate (log10 C_l falls on a straight line in l) and discriminates between classes at a linear rate.',
    configuration: [settingsLine(runs[0]), `${runs.length} seeds: ${commands.reference}`],
    figures: [
      withFit(
        byLayer(
          runs,
          'Within-class compression C_l by layer (a dot per seed, the line through the mean) and the mean fit',
          'C_l',
          true,
          (run) => run.metrics.layers.map((l) => l.C),
          () => 'C_l',
        ),
        fits,
        (fit, layer) => (fit.log10C_slope === null || fit.log10C_intercept === null ? null : 10 ** (fit.log10C_intercept + fit.log10C_slope * layer)),
      ),
      withFit(
        byLayer(
          runs,
          'Between-class discrimination D_l by layer and the mean fit',
          'D_l',
          false,
          (run) => run.metrics.layers.map((l) => l.D),
          () => 'D_l',
        ),
        fits,
        (fit, layer) => (fit.D_slope === null || fit.D_intercept === null ? null : fit.D_intercept + fit.D_slope * layer),
      ),
      {
        title: 'Neural collapse by layer (means over seeds): NC1, NC2 distance to a simplex ETF, CDNV',
        x: 'layer l',
        y: 'value (0 at full collapse)',
        yLog: true,
        points: runs.flatMap((run) =>
          run.metrics.layers.flatMap((entry) => [
            { x: entry.layer, y: entry.NC1, series: 'NC1' },
            ...(entry.nc2_etf_distance === undefined ? [] : [{ x: entry.layer, y: entry.nc2_etf_distance, series: 'NC2 ETF' }]),
            ...(entry.cdnv === undefined ? [] : [{ x: entry.layer, y: entry.cdnv, series: 'CDNV' }]),
          ]),
        ),
      },
    ],
    tables: [
      {
        title: 'Fits per seed',
        columns: ['run', 'stop', 'steps', 'final loss', 'log10 C slope', 'R^2', 'rho', 'D slope', 'D R^2', 'NC3', 'NC4'],
        rows: runs.map((run, index) => [
          run.name,
          run.metrics.stop_reason,
          run.metrics.steps,
          run.metrics.final_loss,
          fits[index].log10C_slope,
          fits[index].log10C_r2,
          fits[index].compression_ratio,
          fits[index].D_slope,
          fits[index].D_r2,
          run.metrics.nc3,
          run.metrics.nc4,
        ]),
      },
      {
        title: 'Mean and spread over seeds',
        columns: ['measure', 'mean', 'std'],
        rows: (['log10C_slope', 'log10C_r2', 'compression_ratio', 'D_slope', 'D_r2'] as const).map((key) => {
          const values = present(fits.map((fit) => fit[key]));
          return [key, mean(values), deviation(values)];
        }),
      },
      perLayerTable(runs, 'By layer, over seeds'),
    ],
    verdicts: [
      judge(
        CRITERIA.referenceGeometric,
        runs.map((run) => ({ item: item(run), value: run.metrics.fit.log10C_r2 })),
      ),
      judge(
        CRITERIA.referenceCompresses,
        runs.map((run) => ({ item: item(run), value: run.metrics.fit.compression_ratio })),
      ),
      judge(
        CRITERIA.referenceDiscrimination,
        runs.map((run) => ({ item: item(run), value: run.metrics.fit.D_r2 })),
      ),
    ],
    notes: [
      'The fits use the hidden layers 1..L-1; layer 0 is the input.',
      'METHOD.md: D_l rises roughly linearly when the input class means start well away from orthogonal, and stays near 1 when they already start orthogonal; there its fit has little to explain and R^2 can be low.',
    ],
  };
}

function assumptionsSection({ reference: runs, commands }: SectionInputs): ReportSection {
  const measures = runs.map((run) => {
    const { balancedness, singular_values: singularValues, config, data_orthogonality: data } = run.metrics;
    const imbalance = relativeImbalance(balancedness, singularValues);
    return {
      run,
      data: data ? Math.max(data.max_norm_deviation, data.max_inner_product) : null,
      hidden: imbalance.length > 1 ? Math.max(...imbalance.slice(0, -1)) : null,
      classifier: imbalance.at(-1) ?? null,
      gap: spectralGaps(singularValues, config.classes).reduce<number | null>((smallest, gap) => (smallest === null ? gap : Math.min(smallest, gap)), null),
    };
  });
  const classes = runs[0].metrics.config.classes;
  return {
    id: 'assumptions',
    title: "The theory's assumptions after training",
    claim:
      'The pattern is proved for nearly orthogonal data and trained weights that are minimum-norm, balanced (W_l W_l^T = W_{l+1}^T W_{l+1}) and approximately low-rank; training from a small orthogonal initialisation should give such weights.',
    configuration: [`The reference runs of section 1: ${commands.reference}`],
    figures: [
      {
        title: `Singular values of each W_l (a dot per seed); K = ${classes}`,
        x: 'index i of the singular value s_i',
        y: 's_i',
        yLog: false,
        points: runs.flatMap((run) =>
          run.metrics.singular_values.flatMap((values, l) => values.map((value, i) => ({ x: i + 1, y: value, series: `W${l + 1}` }))),
        ),
      },
    ],
    tables: [
      {
        title: 'Per seed',
        columns: [
          'run',
          'max | ||x_i||^2 - 1 |',
          'max |<x_i, x_j>|',
          'imbalance, hidden (max)',
          'imbalance, classifier',
          '||W_L..W_1 - W*|| / ||W*||',
          'W_1 outside the data span',
          'smallest s_K / s_{K+1}',
        ],
        rows: measures.map(({ run, hidden, classifier, gap }) => [
          run.name,
          run.metrics.data_orthogonality?.max_norm_deviation ?? null,
          run.metrics.data_orthogonality?.max_inner_product ?? null,
          hidden,
          classifier,
          run.minimumNorm?.endToEndDistance ?? null,
          run.minimumNorm?.firstLayerOutside ?? null,
          gap,
        ]),
      },
      {
        title: `Largest singular values of each W_l, ${runs[0].name}`,
        columns: ['weight', ...Array.from({ length: classes + 2 }, (_, i) => `s_${i + 1}`)],
        rows: runs[0].metrics.singular_values.map((values, l) => [`W${l + 1}`, ...Array.from({ length: classes + 2 }, (_, i) => values[i] ?? null)]),
      },
    ],
    verdicts: [
      judge(
        CRITERIA.dataOrthogonal,
        measures.map(({ run, data }) => ({ item: item(run), value: data })),
      ),
      judge(
        CRITERIA.balancedHidden,
        measures.map(({ run, hidden }) => ({ item: item(run), value: hidden })),
      ),
      judge(
        CRITERIA.balancedClassifier,
        measures.map(({ run, classifier }) => ({ item: item(run), value: classifier })),
      ),
      judge(
        CRITERIA.minimumNorm,
        measures.map(({ run }) => ({ item: item(run), value: run.minimumNorm?.endToEndDistance ?? null })),
      ),
      judge(
        CRITERIA.lowRank,
        measures.map(({ run, gap }) => ({ item: item(run), value: gap })),
      ),
    ],
    notes: [
      'Balancedness is conserved by gradient flow without weight decay, so after training it is what the initialisation had: the hidden layers start balanced, while the classifier starts as a K x K orthogonal block padded with zeros (METHOD.md), so the last pair differs by eps^2 on m - K directions.',
      'W_1 outside the data span: gradients of W_1 lie in the span of the samples, so this part keeps its initial value; it is what makes W_1 itself not minimum-norm, while the end-to-end map can still be close to the minimum-norm solution.',
      'Low rank is read as a spectral gap: the K largest singular values stand above the rest, which stay at the initial scale eps.',
    ],
  };
}

function gridSection({ grid: runs, commands }: SectionInputs): ReportSection {
  const depths = [...new Set(runs.map((run) => run.metrics.config.depth))].sort((a, b) => a - b);
  const widths = [...new Set(runs.map((run) => run.metrics.config.width))].sort((a, b) => a - b);
  const rhoOf = (depth: number, width: number) =>
    present(runs.filter((run) => run.metrics.config.depth === depth && run.metrics.config.width === width).map((run) => run.metrics.fit.compression_ratio));
  const widthSpread = (depth: number): number | null => {
    const means = present(widths.map((width) => mean(rhoOf(depth, width))));
    const average = mean(means);
    // One width, or a width without a rho, says nothing about the dependence on width.
    if (widths.length < 2 || means.length < widths.length || average === null) return null;
    return (Math.max(...means) - Math.min(...means)) / average;
  };
  const pointsOf = (value: (run: RunRecord) => number | null, x: 'depth' | 'width', series: 'depth' | 'width') =>
    runs.flatMap((run) => {
      const y = value(run);
      return y === null ? [] : [{ x: run.metrics.config[x], y, series: `${series === 'width' ? 'm' : 'L'} = ${run.metrics.config[series]}` }];
    });
  return {
    id: 'depth-width',
    title: 'Depth and width',
    claim:
      'The geometric compression holds whatever the depth and width: every fit is a straight line, and the rate rho set by the depth does not depend on the width.',
    configuration: [settingsLine(runs[0]), `depths ${depths.join(', ')} x widths ${widths.join(', ')}: ${commands.grid}`],
    figures: [
      {
        title: 'Fitted compression ratio rho against depth',
        x: 'depth L',
        y: 'rho',
        yLog: false,
        points: pointsOf((run) => run.metrics.fit.compression_ratio, 'depth', 'width'),
      },
      {
        title: 'R^2 of the log-linear fit against depth',
        x: 'depth L',
        y: 'R^2',
        yLog: false,
        points: pointsOf((run) => run.metrics.fit.log10C_r2, 'depth', 'width'),
      },
      {
        title: 'Fitted compression ratio rho against width',
        x: 'width m',
        y: 'rho',
        yLog: false,
        points: pointsOf((run) => run.metrics.fit.compression_ratio, 'width', 'depth'),
      },
    ],
    tables: [
      {
        title: 'By depth and width, over seeds',
        columns: ['depth', 'width', 'runs', 'diverged', 'rho mean', 'rho std', 'R^2 mean', 'R^2 min'],
        rows: depths.flatMap((depth) =>
          widths.map((width) => {
            const group = runs.filter((run) => run.metrics.config.depth === depth && run.metrics.config.width === width);
            const r2 = present(group.map((run) => run.metrics.fit.log10C_r2));
            return [
              depth,
              width,
              group.length,
              group.filter((run) => run.metrics.stop_reason === 'diverged').length,
              mean(rhoOf(depth, width)),
              deviation(rhoOf(depth, width)),
              mean(r2),
              r2.length ? Math.min(...r2) : null,
            ];
          }),
        ),
      },
    ],
    verdicts: [
      judge(
        CRITERIA.gridGeometric,
        runs.filter((run) => run.metrics.config.depth >= DEPTH_FOR_R2).map((run) => ({ item: item(run), value: run.metrics.fit.log10C_r2 })),
      ),
      judge(
        CRITERIA.gridWidth,
        depths.filter((depth) => depth >= DEPTH_FOR_RHO).map((depth) => ({ item: `${runs[0].experiment}/depth ${depth}`, value: widthSpread(depth) })),
      ),
    ],
    notes: ['Depths 1 and 2 have no fit over hidden layers (fits.ts); they are in the tables and figures where they have a value, not in the verdicts.'],
  };
}

/** C_{l+1}/C_l's largest value over the hidden layers 1..L-2 (null below two hidden layers). */
function largestStepRatio(run: RunRecord): number | null {
  const hidden = run.metrics.layers.filter((entry) => entry.layer >= 1);
  if (hidden.length < 2) return null;
  return Math.max(...hidden.slice(1).map((entry, index) => entry.C / hidden[index].C));
}

function imagesSection({ images, commands }: SectionInputs): ReportSection {
  const runs = images.flatMap((dataset) => dataset.runs);
  return {
    id: 'nonlinear',
    title: 'Nonlinear networks on real images',
    claim:
      'The linear theory approximately carries over to nonlinear networks on real data: in MLPs and hybrid networks (nonlinear layers, then linear ones) C_l still falls layer by layer, roughly geometrically.',
    configuration: [...images.map((dataset) => `${dataset.source}: ${settingsLine(dataset.runs[0])}`), ...commands.images],
    figures: images.map((dataset) =>
      byLayer(
        dataset.runs,
        `C_l by layer, ${dataset.source} (a dot per seed)`,
        'C_l',
        true,
        (run) => run.metrics.layers.map((entry) => entry.C),
        (run) => run.settings.model,
      ),
    ),
    tables: [
      {
        title: 'Per run',
        columns: ['run', 'final loss', 'log10 C slope', 'R^2', 'rho', 'largest C_{l+1}/C_l', 'NC1 last', 'NC2 ETF last', 'CDNV last', 'NC3', 'NC4'],
        rows: runs.map((run) => {
          const last = run.metrics.layers.at(-1);
          return [
            item(run),
            run.metrics.final_loss,
            run.metrics.fit.log10C_slope,
            run.metrics.fit.log10C_r2,
            run.metrics.fit.compression_ratio,
            largestStepRatio(run),
            last?.NC1 ?? null,
            last?.nc2_etf_distance ?? null,
            last?.cdnv ?? null,
            run.metrics.nc3,
            run.metrics.nc4,
          ];
        }),
      },
      ...images.flatMap((dataset) =>
        ['mlp', 'hybrid'].map((model) =>
          perLayerTable(
            dataset.runs.filter((run) => run.settings.model === model),
            `${model} on ${dataset.source}, by layer over seeds`,
          ),
        ),
      ),
    ],
    verdicts: [
      judge(
        CRITERIA.imagesDecreasing,
        runs.map((run) => ({ item: item(run), value: largestStepRatio(run) })),
      ),
      judge(
        CRITERIA.imagesGeometric,
        runs.map((run) => ({ item: item(run), value: run.metrics.fit.log10C_r2 })),
      ),
    ],
    notes: [
      'The linear network is held to R^2 >= 0.99 (section 1); here "approximately" is R^2 >= 0.9.',
      'FashionMNIST and CIFAR-10 are included when their files are given (--idx-images/--idx-labels, --cifar).',
    ],
  };
}

function probeSection({ images, commands }: SectionInputs): ReportSection {
  const runs = images.flatMap((dataset) => dataset.runs);
  const accuracies = (run: RunRecord) => (run.metrics.probe ?? []).map((entry) => entry.test_accuracy);
  const earlierMinusLast = (run: RunRecord): number | null => {
    const test = accuracies(run);
    return test.length < 3 ? null : Math.max(...test.slice(1, -1)) - test.at(-1)!;
  };
  const depth = Math.max(...runs.map((run) => accuracies(run).length));
  return {
    id: 'transfer',
    title: 'Transfer: a linear probe on every layer',
    claim: "Features a few layers before the last transfer better than the last layer's: a linear probe on them reaches a higher test accuracy.",
    configuration: [
      `A linear classifier (softmax cross-entropy, full-batch SGD with momentum; engine/metrics/probe.ts) on each layer's frozen features of the training split, tested on every ${Math.round(1 / runs[0].metrics.config.testFraction)}-th sample of each class, which the network never trained on.`,
      ...commands.images,
    ],
    figures: images.map((dataset) =>
      byLayer(dataset.runs, `Probe test accuracy by layer, ${dataset.source}`, 'test accuracy', false, accuracies, (run) => run.settings.model),
    ),
    tables: [
      {
        title: 'Probe test accuracy by layer (layer 0 is the input)',
        columns: ['run', ...Array.from({ length: depth }, (_, layer) => `layer ${layer}`), 'best layer'],
        rows: runs.map((run) => {
          const test = accuracies(run);
          return [item(run), ...Array.from({ length: depth }, (_, layer) => test[layer] ?? null), test.indexOf(Math.max(...test))];
        }),
      },
    ],
    verdicts: [
      judge(
        CRITERIA.probeEarlier,
        runs.map((run) => ({ item: item(run), value: earlierMinusLast(run) })),
      ),
    ],
    notes: [
      'The paper probes on another dataset than the one trained on; this probe is tested on held-out samples of the same classes, so it measures how well each layer generalises rather than transfer across tasks.',
      'With few test samples, accuracies move in steps of one sample, and ties between layers are common; a tie does not count as better.',
    ],
  };
}

function trackingSection({ tracking: runs, commands }: SectionInputs): ReportSection {
  /** Separability by layer at each checkpoint, and at the end. */
  const separability = (run: RunRecord) => [
    ...run.metrics.history.map((entry) => ({ step: entry.step, values: entry.separability ?? [] })),
    { step: run.metrics.steps, values: run.metrics.separability ?? [] },
  ];
  const lastHidden = (run: RunRecord) => run.metrics.layers.length - 1;
  const angles = (run: RunRecord) => run.metrics.pvector_angles ?? [];
  return {
    id: 'separability',
    title: 'Separability and P-vector convergence during training',
    claim:
      "Hidden layers' linear separability (MD-LSM) rises as the training loss falls, and each layer's principal feature direction (its P-vector) converges: its angle to the final one falls towards 0.",
    configuration: [settingsLine(runs[0]), commands.tracking],
    figures: [
      {
        title: `Separability of each layer during training, ${runs[0].name}`,
        x: 'step',
        y: 'mean MD-LSM separability',
        yLog: false,
        points: separability(runs[0]).flatMap(({ step, values }) => values.map((value, layer) => ({ x: step, y: value, series: `layer ${layer}` }))),
      },
      {
        title: `Angle of each layer's P-vector to the final one, ${runs[0].name}`,
        x: 'step',
        y: 'degrees',
        yLog: false,
        points: angles(runs[0]).flatMap(({ step, angles: byLayer }) => byLayer.map((angle, layer) => ({ x: step, y: angle, series: `layer ${layer}` }))),
      },
      {
        title: `Training loss, ${runs[0].name}`,
        x: 'step',
        y: 'loss',
        yLog: true,
        points: runs[0].metrics.loss.map(([step, loss]) => ({ x: step, y: loss, series: 'loss' })),
      },
    ],
    tables: [
      {
        title: 'Separability by layer at each checkpoint',
        columns: ['run', 'step', ...Array.from({ length: runs[0].metrics.layers.length }, (_, layer) => `layer ${layer}`)],
        rows: runs.flatMap((run) => separability(run).map(({ step, values }) => [run.name, step, ...values])),
      },
      {
        title: 'P-vector angle to the final one (degrees) by layer',
        columns: ['run', 'step', ...Array.from({ length: runs[0].metrics.layers.length }, (_, layer) => `layer ${layer}`)],
        rows: runs.flatMap((run) => angles(run).map(({ step, angles: byLayer }) => [run.name, step, ...byLayer])),
      },
    ],
    verdicts: [
      judge(
        CRITERIA.separabilityReached,
        runs.map((run) => ({ item: item(run), value: run.metrics.separability?.[lastHidden(run)] ?? null })),
      ),
      judge(
        CRITERIA.separabilityRises,
        runs.map((run) => {
          const first = run.metrics.history[0]?.separability?.[lastHidden(run)];
          const last = run.metrics.separability?.[lastHidden(run)];
          return { item: item(run), value: first === undefined || last === undefined ? null : last - first };
        }),
      ),
      judge(
        CRITERIA.pvectorConverges,
        runs.flatMap((run) => {
          const last = angles(run).at(-1);
          return Array.from({ length: lastHidden(run) }, (_, index) => ({ item: item(run, index + 1), value: last?.angles[index + 1] ?? null }));
        }),
      ),
    ],
    notes: ['Layer 0 is the input, whose P-vector never moves; the P-vector verdict is over hidden layers 1..L-1.'],
  };
}

/** The report's sections, in the issue's order. */
export function paperSections(inputs: SectionInputs): ReportSection[] {
  return [referenceSection(inputs), assumptionsSection(inputs), gridSection(inputs), imagesSection(inputs), probeSection(inputs), trackingSection(inputs)];
}

// The report's six sections from the runs' metrics.json (and, for the assumptions, measures of the saved weights):
// tables, figures as data, and verdicts; the first three, on deep linear networks, here, the last three, on nonlinear
// networks, in paper-sections-nonlinear.ts, and what they share in paper-runs.ts. Browser-safe; no file access.
import { judge, type ReportSection } from './paper';
import { relativeImbalance, spectralGaps } from './paper-assumptions';
import {
  byLayer,
  CRITERIA,
  DEPTH_FOR_R2,
  DEPTH_FOR_RHO,
  deviation,
  item,
  mean,
  perLayerTable,
  present,
  settingsLine,
  withFit,
  type RunRecord,
  type SectionInputs,
} from './paper-runs';
import { imagesSection, probeSection, trackingSection } from './paper-sections-nonlinear';

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
/** The report's sections, in the order. */
export function paperSections(inputs: SectionInputs): ReportSection[] {
  return [referenceSection(inputs), assumptionsSection(inputs), gridSection(inputs), imagesSection(inputs), probeSection(inputs), trackingSection(inputs)];
}

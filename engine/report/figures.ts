// The paper's figures of one run, drawn with Observable Plot: log10 C_l and D_l against layer with their fitted
// lines, and the loss curve. Browser-safe: the caller passes the Document (the page's, or jsdom's in Node).
import * as Plot from '@observablehq/plot';
import { showFit } from '../metrics/fits';
import type { NetworkMetrics } from '../metrics/layers';

const SIZE = { width: 520, height: 340, marginLeft: 64, marginBottom: 44, inset: 12, style: { background: 'white' } };

/** Points of a fitted line y = slope x + intercept at the ends of the fitted layers; none where there is no fit. */
function fittedLine(layers: number[], slope: number | null, intercept: number | null) {
  if (slope === null || intercept === null) return [];
  const ends = [layers[0], layers.at(-1)!];
  return ends.map((layer) => ({ layer, value: slope * layer + intercept }));
}

/** Why a fit's figure reads n/a, under the plot's corner note. */
const fitNote = (fit: NetworkMetrics['fit']) => Plot.text(fit.note ? [`n/a: ${fit.note}`] : [], { frameAnchor: 'top-right', dx: -8, dy: 24, fontSize: 11 });

/** log10 C_l against l, dots, with the least-squares line over the hidden layers. */
export function compressionFigure(metrics: NetworkMetrics, document: Document): SVGSVGElement {
  const { fit } = metrics;
  const points = metrics.layers.filter((layer) => layer.C > 0).map((layer) => ({ layer: layer.layer, value: Math.log10(layer.C) }));
  const skipped = metrics.layers.length - points.length;
  const note = `slope ${showFit(fit.log10C_slope, 3)}, R² ${showFit(fit.log10C_r2, 6)}, ρ = ${showFit(fit.compression_ratio, 3)}${skipped ? ` (${skipped} layer(s) with C = 0 not drawn)` : ''}`;
  return Plot.plot({
    ...SIZE,
    document,
    grid: true,
    x: { label: 'layer l', ticks: metrics.layers.map((layer) => layer.layer), tickFormat: 'd' },
    y: { label: 'log10 C_l  (within-class compression)' },
    marks: [
      Plot.line(fittedLine(fit.layers, fit.log10C_slope, fit.log10C_intercept), { x: 'layer', y: 'value', stroke: '#d62728', strokeDasharray: '6 4' }),
      Plot.dot(points, { x: 'layer', y: 'value', r: 4, fill: '#1f77b4' }),
      Plot.text([note], { frameAnchor: 'top-right', dx: -8, dy: 8, fontSize: 12 }),
      fitNote(fit),
    ],
  }) as SVGSVGElement;
}

/** D_l against l, dots, with the least-squares line over the hidden layers. */
export function discriminationFigure(metrics: NetworkMetrics, document: Document): SVGSVGElement {
  const { fit } = metrics;
  const points = metrics.layers.map((layer) => ({ layer: layer.layer, value: layer.D }));
  return Plot.plot({
    ...SIZE,
    document,
    grid: true,
    x: { label: 'layer l', ticks: metrics.layers.map((layer) => layer.layer), tickFormat: 'd' },
    y: { label: 'D_l  (between-class discrimination)' },
    marks: [
      Plot.line(fittedLine(fit.layers, fit.D_slope, fit.D_intercept), { x: 'layer', y: 'value', stroke: '#d62728', strokeDasharray: '6 4' }),
      Plot.dot(points, { x: 'layer', y: 'value', r: 4, fill: '#2ca02c' }),
      Plot.text([`slope ${showFit(fit.D_slope, 4)}, R² ${showFit(fit.D_r2, 3)}`], { frameAnchor: 'top-right', dx: -8, dy: 8, fontSize: 12 }),
      fitNote(fit),
    ],
  }) as SVGSVGElement;
}

/** The training loss against step, on a log scale (losses of 0 cannot be drawn there and are left out). */
export function lossFigure(losses: readonly [number, number][], document: Document): SVGSVGElement {
  const points = losses.filter(([, loss]) => loss > 0).map(([step, loss]) => ({ step, loss }));
  return Plot.plot({
    ...SIZE,
    document,
    grid: true,
    x: { label: 'step' },
    y: { label: 'training loss', type: 'log', tickFormat: '.0e' },
    marks: [Plot.line(points, { x: 'step', y: 'loss', stroke: '#1f77b4' }), Plot.dot(points, { x: 'step', y: 'loss', r: 2, fill: '#1f77b4' })],
  }) as SVGSVGElement;
}

/** C_l of every layer against training step (log scale), one line per layer, from metrics taken during training. */
export function compressionHistoryFigure(history: readonly { step: number; metrics: NetworkMetrics }[], document: Document): SVGSVGElement {
  const points = history.flatMap(({ step, metrics }) =>
    metrics.layers.filter((layer) => layer.C > 0).map((layer) => ({ step, C: layer.C, layer: `layer ${layer.layer}` })),
  );
  return Plot.plot({
    ...SIZE,
    document,
    grid: true,
    marginRight: 56,
    color: { scheme: 'viridis' },
    x: { label: 'step' },
    y: { label: 'C_l  (within-class compression)', type: 'log', tickFormat: '.0e' },
    marks: [
      Plot.line(points, { x: 'step', y: 'C', stroke: 'layer' }),
      Plot.text(points, Plot.selectLast({ x: 'step', y: 'C', z: 'layer', text: 'layer', fill: 'layer', dx: 4, textAnchor: 'start' })),
    ],
  }) as SVGSVGElement;
}

/** The collapse measures that reach 0 at full neural collapse, by layer on a log scale: NC1, NC2's ETF distance, CDNV. */
export function collapseFigure(metrics: NetworkMetrics, document: Document): SVGSVGElement {
  const series = { NC1: 'NC1', nc2_etf_distance: 'NC2 ETF', cdnv: 'CDNV' } as const;
  const points = metrics.layers.flatMap((layer) =>
    Object.entries(series).map(([key, name]) => ({ layer: layer.layer, value: layer[key as keyof typeof series] ?? 0, series: name })),
  );
  const drawn = points.filter((point) => point.value > 0 && Number.isFinite(point.value)); // a log scale has no 0
  return Plot.plot({
    ...SIZE,
    document,
    grid: true,
    marginRight: 72,
    x: { label: 'layer l', ticks: metrics.layers.map((layer) => layer.layer), tickFormat: 'd' },
    y: { label: 'neural collapse (0 when collapsed)', type: 'log', tickFormat: '.0e' },
    marks: [
      Plot.line(drawn, { x: 'layer', y: 'value', stroke: 'series' }),
      Plot.dot(drawn, { x: 'layer', y: 'value', fill: 'series', r: 4 }),
      Plot.text(drawn, Plot.selectLast({ x: 'layer', y: 'value', z: 'series', text: 'series', fill: 'series', dx: 8, textAnchor: 'start' })),
      Plot.text(drawn.length < points.length ? [`${points.length - drawn.length} value(s) of 0 or not finite not drawn`] : [], {
        frameAnchor: 'top-right',
        dx: -8,
        dy: 8,
        fontSize: 11,
      }),
    ],
  }) as SVGSVGElement;
}

/** Per-layer values (the probe's accuracies, separability) against layer, a line per series. */
function byLayerFigure(points: { layer: number; value: number; series: string }[], yLabel: string, document: Document): SVGSVGElement {
  return Plot.plot({
    ...SIZE,
    document,
    grid: true,
    marginRight: 80,
    x: { label: 'layer l', ticks: [...new Set(points.map((p) => p.layer))], tickFormat: 'd' },
    y: { label: yLabel, domain: [0, 1] },
    marks: [
      Plot.line(points, { x: 'layer', y: 'value', stroke: 'series' }),
      Plot.dot(points, { x: 'layer', y: 'value', fill: 'series', r: 4 }),
      Plot.text(points, Plot.selectLast({ x: 'layer', y: 'value', z: 'series', text: 'series', fill: 'series', dx: 8, textAnchor: 'start' })),
    ],
  }) as SVGSVGElement;
}

/** What a run's figures are drawn from: an ExperimentResult has all of it. */
export interface FigureInputs {
  metrics: NetworkMetrics;
  losses: readonly [number, number][];
  history: readonly { step: number; metrics: NetworkMetrics }[];
  probe?: readonly { layer: number; train_accuracy: number; test_accuracy: number }[];
  separability?: readonly number[];
  pvectorAngles?: readonly { step: number; angles: number[] }[];
}

/** Every figure of a run, by file name; the optional ones only when the run measured what they show. */
export function runFigures(run: FigureInputs, document: Document): Record<string, SVGSVGElement> {
  const figures: Record<string, SVGSVGElement> = {
    'compression.svg': compressionFigure(run.metrics, document),
    'discrimination.svg': discriminationFigure(run.metrics, document),
    'loss.svg': lossFigure(run.losses, document),
  };
  if (run.metrics.layers.every((layer) => layer.cdnv !== undefined)) figures['collapse.svg'] = collapseFigure(run.metrics, document);
  if (run.history.length > 1) figures['compression-history.svg'] = compressionHistoryFigure(run.history, document);
  if (run.probe) {
    const points = run.probe.flatMap(({ layer, train_accuracy, test_accuracy }) => [
      { layer, value: train_accuracy, series: 'train' },
      { layer, value: test_accuracy, series: 'test' },
    ]);
    figures['probe.svg'] = byLayerFigure(points, 'linear probe accuracy', document);
  }
  if (run.separability) {
    figures['separability.svg'] = byLayerFigure(
      run.separability.map((value, layer) => ({ layer, value, series: 'separability' })),
      'linear separability (Minkowski difference)',
      document,
    );
  }
  if (run.pvectorAngles && run.pvectorAngles.length > 0) {
    const points = run.pvectorAngles.flatMap(({ step, angles }) => angles.map((angle, layer) => ({ step, angle, layer: `layer ${layer}` })));
    figures['pvector-angles.svg'] = Plot.plot({
      ...SIZE,
      document,
      grid: true,
      marginLeft: 104,
      color: { scheme: 'viridis' },
      x: { label: 'step' },
      y: { label: 'angle to the final P-vector (degrees)' },
      marks: [
        Plot.line(points, { x: 'step', y: 'angle', stroke: 'layer' }),
        // Labelled where the lines start: every angle tends to 0 at the end, where labels would pile up.
        Plot.text(points, Plot.selectFirst({ x: 'step', y: 'angle', z: 'layer', text: 'layer', fill: 'layer', dx: -40, textAnchor: 'end' })),
      ],
    }) as SVGSVGElement;
  }
  return figures;
}

// The paper's figures of one run, drawn with Observable Plot: log10 C_l and D_l against layer with their fitted
// lines, and the loss curve. Browser-safe: the caller passes the Document (the page's, or jsdom's in Node).
import * as Plot from '@observablehq/plot';
import type { NetworkMetrics } from '../metrics/layers';

const SIZE = { width: 520, height: 340, marginLeft: 64, marginBottom: 44, inset: 12, style: { background: 'white' } };

/** Points of a fitted line y = slope x + intercept at the ends of the fitted layers. */
function fittedLine(layers: number[], slope: number, intercept: number) {
  const ends = [layers[0], layers.at(-1)!];
  return ends.map((layer) => ({ layer, value: slope * layer + intercept }));
}

/** log10 C_l against l, dots, with the least-squares line over the hidden layers. */
export function compressionFigure(metrics: NetworkMetrics, document: Document): SVGSVGElement {
  const { fit } = metrics;
  const points = metrics.layers.filter((layer) => layer.C > 0).map((layer) => ({ layer: layer.layer, value: Math.log10(layer.C) }));
  const skipped = metrics.layers.length - points.length;
  const note = `slope ${fit.log10C_slope.toFixed(3)}, R² ${fit.log10C_r2.toFixed(6)}, ρ = ${fit.compression_ratio.toFixed(3)}${skipped ? ` (${skipped} layer(s) with C = 0 not drawn)` : ''}`;
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
      Plot.text([`slope ${fit.D_slope.toFixed(4)}, R² ${fit.D_r2.toFixed(3)}`], { frameAnchor: 'top-right', dx: -8, dy: 8, fontSize: 12 }),
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

/** Every figure of a run, by file name; the history figure only when metrics were taken during training. */
export function runFigures(
  metrics: NetworkMetrics,
  losses: readonly [number, number][],
  history: readonly { step: number; metrics: NetworkMetrics }[],
  document: Document,
): Record<string, SVGSVGElement> {
  return {
    'compression.svg': compressionFigure(metrics, document),
    'discrimination.svg': discriminationFigure(metrics, document),
    'loss.svg': lossFigure(losses, document),
    ...(history.length > 1 ? { 'compression-history.svg': compressionHistoryFigure(history, document) } : {}),
  };
}

// The figures show what the metrics say: one dot per layer, and a fitted line that passes where the fit puts it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import { afterAll, describe, expect, it } from 'vitest';
import { fitLayers } from '../engine/metrics/fits';
import type { NetworkMetrics } from '../engine/metrics/layers';
import { compressionFigure } from '../engine/report/figures';
import { renderFiguresToFiles } from '../engine/report/svg-node';

const directory = mkdtempSync(join(tmpdir(), 'figures-test-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Six layers with C_l = 10^(0.4 - 0.5 l) except a kink at the last layer, so the fit is not exact. */
function metrics(): NetworkMetrics {
  const layers = [0, 1, 2, 3, 4, 5].map((layer) => ({
    layer,
    C: 10 ** (0.4 - 0.5 * layer + (layer === 5 ? 0.2 : 0)),
    D: 0.2 + 0.1 * layer,
    NC1: 1,
    trace_within: 1,
    trace_between: 1,
    rank: 10,
  }));
  return { layers, balancedness: [0, 0, 0, 0, 0], singular_values: [], fit: fitLayers(layers) };
}

describe('figures', () => {
  it('draws a dot per layer and the fitted line through the fit, not through the dots', () => {
    const { document } = new JSDOM('').window;
    const run = metrics();
    const svg = compressionFigure(run, document);
    const dots = Array.from(svg.querySelectorAll('circle'), (circle) => ({ x: Number(circle.getAttribute('cx')), y: Number(circle.getAttribute('cy')) }));
    expect(dots).toHaveLength(6);
    // Pixel scale from the dots of layers 0 and 1 (log10 C differs by exactly -0.5 between them).
    const [first, second] = dots;
    const toPixel = (layer: number, value: number) => ({
      x: first.x + (second.x - first.x) * layer,
      y: first.y + (second.y - first.y) * ((value - 0.4) / -0.5),
    });
    const path = svg.querySelector('g[stroke-dasharray] path')?.getAttribute('d') ?? '';
    const ends = [...path.matchAll(/[ML]\s*(-?[\d.]+)[ ,](-?[\d.]+)/g)].map((match) => ({ x: Number(match[1]), y: Number(match[2]) }));
    expect(ends).toHaveLength(2);
    const { fit } = run;
    fit.layers
      .filter((_, i) => i === 0 || i === fit.layers.length - 1)
      .forEach((layer, i) => {
        const expected = toPixel(layer, fit.log10C_slope! * layer + fit.log10C_intercept!);
        expect(ends[i].x).toBeCloseTo(expected.x, 0);
        expect(ends[i].y).toBeCloseTo(expected.y, 0);
      });
    expect(svg.textContent).toContain(`slope ${fit.log10C_slope!.toFixed(3)}`);
  });

  it('draws no line and says why where two layers give no R^2', () => {
    const { document } = new JSDOM('').window;
    const run = metrics();
    run.layers = run.layers.slice(0, 2);
    run.fit = fitLayers(run.layers);
    const svg = compressionFigure(run, document);
    expect(svg.textContent).toContain('R² n/a');
    expect(svg.textContent).toContain('n/a: R^2 needs at least 3 layers');
    expect(svg.querySelectorAll('circle')).toHaveLength(2);
  });

  it('writes standalone SVG files that parse', async () => {
    const probe = [0, 1, 2, 3, 4, 5].map((layer) => ({ layer, train_accuracy: 1, test_accuracy: 0.9 - 0.05 * layer }));
    const run = {
      metrics: metrics(),
      losses: [
        [0, 1],
        [50, 1e-3],
        [100, 1e-9],
      ] as [number, number][],
      history: [],
      probe,
      separability: [0.7, 0.8, 0.9, 1, 1, 1],
    };
    const paths = await renderFiguresToFiles(directory, run);
    expect(paths.map((path) => path.slice(directory.length + 1))).toEqual([
      'compression.svg',
      'discrimination.svg',
      'loss.svg',
      'probe.svg',
      'separability.svg',
    ]);
    const { window } = new JSDOM('');
    for (const path of paths) {
      const parsed = new window.DOMParser().parseFromString(readFileSync(path, 'utf8'), 'image/svg+xml');
      expect(parsed.querySelector('parsererror'), path).toBeNull();
      expect(parsed.documentElement.getAttribute('xmlns')).toBe('http://www.w3.org/2000/svg');
    }
  });
});

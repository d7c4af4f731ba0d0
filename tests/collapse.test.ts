// NC2 (equinorm, equiangularity, ETF distance), CDNV, NC3 and NC4 from the metrics stage, against answers known
// in closed form (a simplex ETF, a collapsed layer) and against a float64 reference from the K x m means themselves.
import { JSDOM } from 'jsdom';
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../engine';
import { fitLayers } from '../engine/metrics/fits';
import { MetricsStage, type NetworkMetrics } from '../engine/metrics/layers';
import { runFigures } from '../engine/report/figures';
import { collapseRef } from './metrics-reference';
import { expectClose, randomMatrix, seededRandom, type Matrix } from './reference';
import { toTensor, useGpu } from './gpu';

const gpu = useGpu();

/** `count` orthonormal rows in R^m (Gram-Schmidt of Gaussian rows). */
function orthonormalRows(random: () => number, count: number, m: number): number[][] {
  const rows: number[][] = [];
  for (const draw of Array.from({ length: count }, () => Array.from(randomMatrix(random, 1, m).data))) {
    for (const row of rows) {
      const projection = row.reduce((s, x, j) => s + x * draw[j], 0);
      row.forEach((x, j) => (draw[j] -= projection * x));
    }
    const norm = Math.sqrt(draw.reduce((s, x) => s + x * x, 0));
    rows.push(draw.map((x) => x / norm));
  }
  return rows;
}

/**
 * A collapsed layer whose class means are a simplex ETF: mu_k - mu_G = scale sqrt(K/(K-1)) (e_k - 1/K) in K
 * orthonormal directions, and mu_G = `offset` times one more direction (so uncentred means are no ETF). Every
 * sample is its class mean; classes interleaved. `centred` is the K x m matrix of mu_k - mu_G.
 */
function simplexLayer(seed: number, K: number, m: number, perClass: number, scale = 2, offset = 3) {
  const basis = orthonormalRows(seededRandom(seed), K + 1, m);
  const centred = Array.from({ length: K }, (_, k) =>
    Array.from({ length: m }, (_, j) => basis.slice(0, K).reduce((s, row, c) => s + scale * Math.sqrt(K / (K - 1)) * ((c === k ? 1 : 0) - 1 / K) * row[j], 0)),
  );
  const labels = Array.from({ length: perClass * K }, (_, i) => i % K);
  const data = Float64Array.from(labels.flatMap((k) => centred[k].map((x, j) => Math.fround(x + offset * basis[K][j]))));
  return { features: { rows: labels.length, cols: m, data } as Matrix, labels, centred };
}

/** Class means of scale 1 (K x m) plus within-class noise of standard deviation `spread`, rounded to float32. */
function randomLayer(random: () => number, K: number, perClass: number, m: number, spread: number) {
  const means = randomMatrix(random, K, m);
  const labels = Array.from({ length: perClass * K }, (_, i) => (i * 7) % K);
  const noise = randomMatrix(random, perClass * K, m, spread);
  const data = noise.data.map((x, index) => Math.fround(means.data[labels[Math.floor(index / m)] * m + (index % m)] + x));
  return { features: { rows: perClass * K, cols: m, data } as Matrix, labels, means };
}

/** The K x m matrix `rows` as a Matrix, times `factor`. */
const matrixOf = (rows: number[][], factor = 1): Matrix => ({
  rows: rows.length,
  cols: rows[0].length,
  data: Float64Array.from(rows.flat(), (x) => factor * x),
});

/** Measures a network whose last features are `features` (also its input unless `input` is given) and classifier W. */
async function measureLayer(features: Matrix, labels: number[], K: number, W: Matrix, bias?: number[]): Promise<NetworkMetrics> {
  const g = gpu();
  const stage = new MetricsStage(g, labels, K);
  const tensors: Tensor[] = [toTensor(g, features, 'features'), toTensor(g, W, 'W')];
  if (bias) tensors.push(g.tensor([K], bias, 'b'));
  try {
    return await stage.measure([tensors[0], tensors[0]], [tensors[1]], tensors[2] ?? null);
  } finally {
    for (const t of tensors) t.dispose();
    stage.dispose();
  }
}

const PER_LAYER = ['nc2_equinorm', 'nc2_equiangularity', 'nc2_max_angle', 'nc2_etf_distance', 'cdnv'] as const;

describe('neural collapse beyond NC1', () => {
  it.each([2, 3, 5])('an exact simplex ETF with no within-class spread has NC2 = 0 and CDNV = 0 (K = %i)', async (K) => {
    const { features, labels, centred } = simplexLayer(K, K, 12, 4);
    const { layers } = await measureLayer(features, labels, K, matrixOf(centred));
    for (const layer of layers) {
      for (const key of PER_LAYER) expect(layer[key], key).toBeDefined();
      expectClose([layer.nc2_equinorm!, layer.nc2_equiangularity!, layer.nc2_max_angle!, layer.nc2_etf_distance!], [0, 0, 0, 0], { atol: 1e-5 }, 'NC2');
      expectClose([layer.cdnv!], [0], { atol: 1e-10 }, 'CDNV');
    }
  });

  it('a collapsed layer with the classifier a multiple of its centred means has NC3 = 0 and NC4 = 1', async () => {
    const K = 4;
    const { features, labels, centred } = simplexLayer(7, K, 16, 3);
    const metrics = await measureLayer(features, labels, K, matrixOf(centred, 3));
    // From Gram matrices float32 resolves NC3 only to about sqrt(1e-7) (collapse.ts), not to 1e-7.
    expect(metrics.nc3).toBeLessThan(2e-3);
    expect(metrics.nc4).toBe(1);
  });

  it("a classifier whose rows are the next class's means disagrees everywhere: NC4 = 0, NC3 = sqrt(2 + 2/(K-1))", async () => {
    const K = 3;
    const { features, labels, centred } = simplexLayer(9, K, 10, 4);
    const rolled = centred.map((_, k) => centred[(k + 1) % K]); // row k scores class k + 1's mean: every sample goes to class k - 1
    const metrics = await measureLayer(features, labels, K, matrixOf(rolled, 0.5));
    expectClose([metrics.nc3!], [Math.sqrt(2 + 2 / (K - 1))], { rtol: 1e-5 }, 'NC3');
    expect(metrics.nc4).toBe(0);
  });

  it.each([
    { label: 'moderate spread', spread: 0.3, rtol: 1e-4 },
    { label: 'deep-layer regime: spread 1e-4 of the means', spread: 1e-4, rtol: 0.01 },
    { label: "overlapping classes: some samples nearer another class's mean", spread: 2, rtol: 1e-4 },
  ])('random data match float64 from the definitions ($label)', async ({ spread, rtol }) => {
    const K = 4;
    const m = 20;
    const random = seededRandom(21);
    const { features, labels, means } = randomLayer(random, K, 12, m, spread);
    // A classifier near the means, with a bias, so that the predictions and nearest means agree on some samples only.
    const W: Matrix = {
      rows: K,
      cols: m,
      data: means.data.map((x) => Math.fround(0.3 * x + Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()))),
    };
    const bias = Array.from({ length: K }, () => Math.fround(2 * random() - 1));
    const expected = collapseRef(features, labels, K, W, bias);
    const metrics = await measureLayer(features, labels, K, W, bias);
    const layer = metrics.layers[1];
    for (const key of PER_LAYER) expectClose([layer[key]!], [expected[key]], { rtol: key === 'cdnv' ? rtol : 1e-4, atol: 1e-6 }, key);
    expectClose([metrics.nc3!], [expected.nc3], { rtol: 1e-4 }, 'NC3');
    expect(expected.smallestMargin).toBeGreaterThan(1e-3); // no decision float32 could flip
    expect(expected.nearestOwn < 1).toBe(spread > 1); // the nearest mean is not always the sample's own class's
    expect(expected.nc4).toBeGreaterThan(0); // neither all nor none agree: the count itself is checked
    expect(expected.nc4).toBeLessThan(1);
    expect(metrics.nc4).toBe(expected.nc4);
  });

  it('the nearest-mean classifier written as a linear one (W = M, b_k = -||mu_k||^2 / 2) has NC4 = 1 where classes overlap', async () => {
    const K = 4;
    const { features, labels } = randomLayer(seededRandom(33), K, 12, 20, 2);
    const means = Array.from({ length: K }, (_, k) => {
      const rows = labels.flatMap((label, i) => (label === k ? [i] : []));
      return Array.from({ length: 20 }, (_, j) => rows.reduce((s, i) => s + features.data[i * 20 + j], 0) / rows.length);
    });
    const bias = means.map((mean) => -mean.reduce((s, x) => s + x * x, 0) / 2); // argmax_k mu_k.z - ||mu_k||^2/2 = argmin_k ||z - mu_k||
    const expected = collapseRef(features, labels, K, matrixOf(means), bias);
    expect(expected.nearestOwn).toBeLessThan(1); // the nearest mean is not always the sample's own class's
    expect(expected.smallestMargin).toBeGreaterThan(1e-3);
    expect(expected.nc4).toBe(1);
    expect((await measureLayer(features, labels, K, matrixOf(means), bias)).nc4).toBe(1);
  });

  it("the classifier's bias enters NC4's predictions", async () => {
    const K = 3;
    const { features, labels, centred } = simplexLayer(4, K, 8, 4);
    const bias = [1000, 0, 0]; // every prediction is class 0, a third of the samples' nearest mean
    const metrics = await measureLayer(features, labels, K, matrixOf(centred), bias);
    expect(metrics.nc4).toBeCloseTo(1 / 3, 12);
  });

  it("at depth 1 the input is the classifier's input: NC3 and NC4 follow W_L however often the input is measured", async () => {
    const K = 3;
    const { features, labels } = simplexLayer(11, K, 10, 4);
    const random = seededRandom(2);
    const g = gpu();
    const stage = new MetricsStage(g, labels, K);
    const input = toTensor(g, features, 'input');
    for (const W of [randomMatrix(random, K, 10), randomMatrix(random, K, 10)]) {
      const weight = toTensor(g, W, 'W');
      const metrics = await stage.measure([input], [weight]);
      weight.dispose();
      expectClose([metrics.nc3!, metrics.nc4!], [collapseRef(features, labels, K, W).nc3, collapseRef(features, labels, K, W).nc4], { rtol: 1e-4 }, 'NC3, NC4');
    }
    input.dispose();
    stage.dispose();
  });

  it('has no NC3 or NC4 when the last weight does not map the last features to the K classes', async () => {
    const { features, labels } = simplexLayer(5, 4, 10, 2);
    const metrics = await measureLayer(features, labels, 4, randomMatrix(seededRandom(1), 3, 10));
    expect(metrics.nc3).toBeUndefined();
    expect(metrics.nc4).toBeUndefined();
    expect(metrics.layers[1].cdnv).toBeDefined();
  });

  it("collapse.svg draws NC1, NC2's ETF distance and CDNV of every layer", () => {
    const { document } = new JSDOM('').window;
    const layers = [0, 1, 2, 3].map((layer) => ({
      layer,
      C: 1,
      D: 1,
      NC1: 10 ** -layer,
      trace_within: 1,
      trace_between: 1,
      rank: 3,
      nc2_etf_distance: 0.1,
      cdnv: layer === 0 ? 0 : 10 ** (-2 * layer),
    }));
    const metrics: NetworkMetrics = { layers, balancedness: [], singular_values: [], fit: fitLayers(layers) };
    const svg = runFigures({ metrics, losses: [], history: [] }, document)['collapse.svg'];
    expect(svg.querySelectorAll('circle')).toHaveLength(3 * 4 - 1); // CDNV = 0 at layer 0 has no place on a log scale
    expect(svg.textContent).toContain('1 value(s) of 0 or not finite not drawn');
    for (const name of ['NC1', 'NC2 ETF', 'CDNV']) expect(svg.textContent).toContain(name);
  });
});

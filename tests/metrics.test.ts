// The metrics stage against a float64 CPU computation that uses m x m covariances (not the K x K route of the GPU).
import { describe, expect, it } from 'vitest';
import { MetricsStage } from '../engine/metrics/layers';
import { symmetricEigen, symmetricEigenvalues } from '../engine/metrics/eigen';
import { fitLayers } from '../engine/metrics/fits';
import { expectClose, matmulRef, randomMatrix, seededRandom, singularValuesRef, transpose, type Matrix } from './reference';
import { toTensor, useGpu } from './gpu';
import { metricsRef } from './metrics-reference';

const gpu = useGpu();

/** Features: class means of scale 1 plus within-class noise of standard deviation `spread`, rounded to float32. */
function clusteredFeatures(seed: number, perClass: number, K: number, m: number, spread: number) {
  const random = seededRandom(seed);
  const means = randomMatrix(random, K, m, 1);
  const noise = randomMatrix(random, perClass * K, m, spread);
  const labels = Array.from({ length: perClass * K }, (_, i) => i % K); // interleaved: classes need not be contiguous
  const data = noise.data.map((x, index) => Math.fround(means.data[labels[Math.floor(index / m)] * m + (index % m)] + x));
  return { features: { rows: perClass * K, cols: m, data } as Matrix, labels };
}

async function measureOne(features: Matrix, labels: number[], K: number) {
  const g = gpu();
  const stage = new MetricsStage(g, labels, K);
  const tensor = toTensor(g, features, 'features');
  const weight = g.tensor([3, features.cols], new Float32Array(3 * features.cols).fill(0.5), 'W');
  const result = await stage.measure([tensor, tensor], [weight]);
  stage.dispose();
  tensor.dispose();
  weight.dispose();
  return result.layers[0];
}

describe('metrics stage', () => {
  it.each([
    { label: 'moderate spread', spread: 0.3 },
    { label: 'deep-layer regime: spread 1e-4 of the means (C ~ 1e-8)', spread: 1e-4 },
  ])('C, D, NC1 and the traces match float64 ($label)', async ({ spread }) => {
    const K = 4;
    const { features, labels } = clusteredFeatures(3, 12, K, 20, spread);
    const expected = metricsRef(features, labels, K);
    const actual = await measureOne(features, labels, K);
    expectClose([actual.C], [expected.C], { rtol: 0.01 }, 'C');
    expectClose([actual.trace_within], [expected.traceWithin], { rtol: 0.01 }, 'Tr(Sigma_W)');
    expectClose([actual.trace_between], [expected.traceBetween], { rtol: 1e-4 }, 'Tr(Sigma_B)');
    expectClose([actual.D], [expected.D], { rtol: 1e-4, atol: 1e-6 }, 'D');
    expectClose([actual.NC1], [expected.NC1], { rtol: 0.01 }, 'NC1');
  });

  it('the one-pass formula E[z^2] - mu^2 in float32 would fail the deep-layer case (so the test above can fail)', () => {
    const { features, labels } = clusteredFeatures(3, 12, 4, 20, 1e-4);
    const expected = metricsRef(features, labels, 4).traceWithin;
    let onePass = 0;
    for (let k = 0; k < 4; k++) {
      const rows = labels.flatMap((label, i) => (label === k ? [i] : []));
      for (let j = 0; j < features.cols; j++) {
        let sum = 0;
        let sumSquares = 0;
        for (const i of rows) {
          sum = Math.fround(sum + features.data[i * features.cols + j]);
          sumSquares = Math.fround(sumSquares + Math.fround(features.data[i * features.cols + j] ** 2));
        }
        const mean = Math.fround(sum / rows.length);
        onePass += Math.fround(sumSquares / rows.length - mean * mean) * (rows.length / features.rows);
      }
    }
    expect(Math.abs(onePass - expected) / expected).toBeGreaterThan(0.01);
  });

  it('numerical rank counts the directions the features span', async () => {
    const random = seededRandom(8);
    const basis = randomMatrix(random, 3, 16); // features in a 3-dimensional subspace of R^16
    const coefficients = randomMatrix(random, 24, 3);
    const features = matmulRef(coefficients, basis);
    const labels = Array.from({ length: 24 }, (_, i) => i % 3);
    expect((await measureOne(features, labels, 3)).rank).toBe(3);
  });

  it('balancedness and the singular values of the weights match float64', async () => {
    const random = seededRandom(12);
    const weights = [randomMatrix(random, 6, 9), randomMatrix(random, 8, 6), randomMatrix(random, 4, 8)]; // W2 is taller than wide
    const g = gpu();
    const labels = Array.from({ length: 12 }, (_, i) => i % 4);
    const stage = new MetricsStage(g, labels, 4);
    const inputs = toTensor(g, randomMatrix(random, 12, 9));
    const tensors = weights.map((w) => toTensor(g, w));
    const result = await stage.measure([inputs, inputs, inputs], tensors); // two hidden layers, the fewest the fits take
    for (const t of [inputs, ...tensors]) t.dispose();
    stage.dispose();
    const frobenius = (m: Matrix) => Math.sqrt(m.data.reduce((total, x) => total + x * x, 0));
    weights.slice(0, -1).forEach((w, l) => {
      const next = weights[l + 1];
      const outer = matmulRef(w, transpose(w)).data;
      const inner = matmulRef(transpose(next), next).data;
      const expected = frobenius({ rows: w.rows, cols: w.rows, data: outer.map((x, i) => x - inner[i]) });
      expectClose([result.balancedness[l]], [expected], { rtol: 1e-4 }, `balancedness ${l + 1}`);
    });
    weights.forEach((w, l) => {
      const expected = singularValuesRef(w);
      expectClose(result.singular_values[l], expected, { atol: 1e-4 * expected[0] }, `singular values of W${l + 1}`);
    });
  });

  it('measures the input layer once, and afresh when the input tensor changes', async () => {
    const K = 3;
    const first = clusteredFeatures(5, 8, K, 10, 0.3);
    const second = clusteredFeatures(6, 8, K, 10, 0.05);
    const g = gpu();
    const stage = new MetricsStage(g, first.labels, K);
    const weight = g.tensor([K, 10], new Float32Array(K * 10).fill(0.5), 'W');
    const firstTensor = toTensor(g, first.features);
    const secondTensor = toTensor(g, second.features);
    const measured = [];
    for (const input of [firstTensor, firstTensor, secondTensor]) measured.push((await stage.measure([input, firstTensor, firstTensor], [weight])).layers[0]);
    for (const t of [firstTensor, secondTensor, weight]) t.dispose();
    stage.dispose();
    expect(measured[1]).toBe(measured[0]); // the same object: not measured again
    expectClose([measured[0].C], [metricsRef(first.features, first.labels, K).C], { rtol: 0.01 }, 'C of the first input');
    expectClose([measured[2].C], [metricsRef(second.features, second.labels, K).C], { rtol: 0.01 }, 'C of the second input');
  });

  it('the symmetric eigensolver reconstructs its matrix', () => {
    const random = seededRandom(4);
    const x = randomMatrix(random, 6, 6);
    const a = matmulRef(x, transpose(x));
    const { values, vectors } = symmetricEigen(a.data, 6);
    const v = { rows: 6, cols: 6, data: vectors };
    const scaled = { rows: 6, cols: 6, data: vectors.map((value, index) => value * values[index % 6]) };
    expectClose(matmulRef(scaled, transpose(v)).data, a.data, { atol: 1e-10 }, 'V diag V^T');
    expect([...values]).toEqual([...values].sort((p, q) => q - p));
  });

  it('the tridiagonal QL eigenvalues match Jacobi, repeated and zero eigenvalues included', () => {
    const random = seededRandom(8);
    for (const [n, rank] of [
      [1, 1],
      [2, 1],
      [7, 7],
      [40, 40],
      [50, 3],
    ]) {
      const x = randomMatrix(random, n, rank);
      const a = matmulRef(x, transpose(x)); // rank-deficient when rank < n: n - rank zero eigenvalues
      const jacobi = symmetricEigen(a.data, n).values;
      expectClose(symmetricEigenvalues(a.data, n), jacobi, { atol: 1e-10 * Math.abs(jacobi[0]) }, `n = ${n}, rank ${rank}`);
    }
    expectClose(symmetricEigenvalues([2, 0, 0, 0, 2, 0, 0, 0, -1], 3), [2, 2, -1], { atol: 1e-15 }, 'diagonal');
  });

  it('fits log10 C_l and D_l over the hidden layers', () => {
    const layers = [0, 1, 2, 3, 4].map((layer) => ({ layer, C: layer === 0 ? 7 : 2 * 10 ** (-0.5 * layer), D: 0.1 + 0.2 * layer }));
    const fit = fitLayers(layers);
    expect(fit.layers).toEqual([1, 2, 3, 4]);
    expect(fit.log10C_slope).toBeCloseTo(-0.5, 12);
    expect(fit.compression_ratio).toBeCloseTo(10 ** -0.5, 12);
    expect(fit.log10C_r2).toBeCloseTo(1, 12);
    expect(fit.D_slope).toBeCloseTo(0.2, 12);
  });

  it('reports no R^2 from two layers and no slope from one, and says why', () => {
    const layer = (l: number) => ({ layer: l, C: 10 ** -l, D: l });
    const two = fitLayers([0, 1].map(layer)); // depth 2: layers 0 and 1, through which any line passes
    expect(two.log10C_slope).toBeCloseTo(-1, 12);
    expect([two.log10C_r2, two.D_r2]).toEqual([null, null]);
    expect(two.note).toMatch(/R\^2 needs at least 3 layers; the fit has 2/);
    const one = fitLayers([layer(0)]);
    expect([one.log10C_slope, one.compression_ratio, one.D_slope, one.log10C_r2]).toEqual([null, null, null, null]);
    expect(one.note).toMatch(/a slope needs at least 2 layers/);
    const three = fitLayers([0, 1, 2, 3].map(layer));
    expect([three.log10C_r2, three.note]).toEqual([1, null]);
    const collapsed = fitLayers([0, 1, 2, 3].map((l) => ({ ...layer(l), C: l === 2 ? 0 : 10 ** -l }))); // no spread left: log10 0
    expect([collapsed.log10C_slope, collapsed.log10C_r2, collapsed.compression_ratio]).toEqual([null, null, null]);
    expect(collapsed.D_slope).toBeCloseTo(1, 12);
    expect(collapsed.note).toBe('log10 C is not finite at layer(s) 2');
  });
});

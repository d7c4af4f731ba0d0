// The Minkowski-difference separability measure on data whose separability is known.
import { describe, expect, it } from 'vitest';
import { pvectorsOfLayers, separabilityOfLayers } from '../engine/analyses';
import { gaussianData } from '../engine/data/synthetic';
import { linearSeparability, minkowskiLogisticGradient, pairProblem } from '../engine/metrics/separability';
import { Network } from '../engine/model';
import { expectClose, finiteDifferenceGradient, maxAbs, randomMatrix, seededRandom, type Matrix } from './reference';
import { toTensor, useGpu } from './gpu';

const gpu = useGpu();

/** Few dimensions for the overlapping cases: in many, a finite sample is separable by chance. */
async function measure(separation: number, classes = 2, dim = 2) {
  const dataset = gaussianData({ samples: 100 * classes, dim, classes }, 3, { separation });
  const features = toTensor(gpu(), dataset.inputs);
  const result = await linearSeparability(gpu(), features, dataset.labels, classes);
  features.dispose();
  return result;
}

describe('linear separability (Minkowski difference)', () => {
  it('is 1 for separable classes, for every pair', async () => {
    const { mean, pairs } = await measure(8, 3, 10);
    expect(pairs.map((pair) => pair.classes)).toEqual([
      [0, 1],
      [0, 2],
      [1, 2],
    ]);
    expect(mean).toBe(1);
  });

  it('lies strictly between 1/2 and 1 for overlapping classes', async () => {
    const { mean } = await measure(1);
    expect(mean).toBeGreaterThan(0.6);
    expect(mean).toBeLessThan(0.99);
  });

  it('is near 1/2 for classes drawn from one distribution', async () => {
    const { mean } = await measure(0);
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.62);
  });

  it('the loss gradient over every difference, never formed, matches float64 finite differences', async () => {
    const g = gpu();
    const random = seededRandom(7);
    const [N, m, K] = [13, 5, 3];
    const labels = Array.from({ length: N }, (_, i) => [0, 1, 2, 0, 2][i % 5]); // unequal classes: 6, 3, 4
    const z = randomMatrix(random, N, m);
    const w = randomMatrix(random, K, m); // one direction per pair: (0,1), (0,2), (1,2)
    const pairs = [
      [0, 1],
      [0, 2],
      [1, 2],
    ];
    const members = (k: number) => labels.flatMap((label, i) => (label === k ? [i] : []));
    const row = (x: ArrayLike<number>, i: number) => Array.from({ length: m }, (_, k) => x[i * m + k]);
    // f_p by brute force over every difference, then the loss summed over pairs, in float64.
    const scales = pairs.map(([a, b]) => {
      let total = 0;
      for (const i of members(a)) for (const j of members(b)) total += row(z.data, i).reduce((sum, v, k) => sum + (v - z.data[j * m + k]) ** 2, 0);
      return 1 / Math.sqrt(total / (members(a).length * members(b).length));
    });
    const loss = (directions: Float64Array) =>
      pairs.reduce((sum, [a, b], p) => {
        let total = 0;
        for (const i of members(a)) {
          for (const j of members(b)) {
            const margin = scales[p] * row(z.data, i).reduce((dot, v, k) => dot + directions[p * m + k] * (v - z.data[j * m + k]), 0);
            total += Math.log1p(Math.exp(-margin));
          }
        }
        return sum + total / (members(a).length * members(b).length);
      }, 0);
    const expected = finiteDifferenceGradient(loss, w.data);

    const features = toTensor(g, z, 'features');
    const directions = toTensor(g, w as Matrix, 'directions');
    const problem = pairProblem(g, await features.read(), m, labels, K);
    expectClose(problem.scales, scales, { rtol: 1e-5 }, 'pair scales');
    const gradient = minkowskiLogisticGradient(features, directions, problem);
    expectClose(await gradient.read(), expected, { atol: 1e-5 * maxAbs(expected), rtol: 1e-4 }, 'dW');
    for (const t of [features, directions, gradient]) t.dispose();
    problem.dispose();
  });
});

describe("a network's input, measured at every checkpoint", () => {
  it('is measured once: later calls reuse its separability and P-vector, and the other layers are measured again', async () => {
    const g = gpu();
    const dataset = gaussianData({ samples: 60, dim: 8, classes: 3 }, 5, { separation: 2 });
    const random = seededRandom(11);
    const inputs = toTensor(g, dataset.inputs, 'inputs');
    const network = Network.create(
      g,
      'linear',
      [randomMatrix(random, 6, 8), randomMatrix(random, 3, 6)].map((w, l) => toTensor(g, w, `W${l + 1}`)),
    );
    const dispatchesOf = async <T>(label: string, measure: () => Promise<T>): Promise<[T, number]> => {
      g.recording = [];
      try {
        const result = await measure();
        return [result, g.recording.filter((dispatch) => dispatch.kernel.label === label).length];
      } finally {
        g.recording = null;
      }
    };
    const separability = () => separabilityOfLayers(g, network, inputs, dataset.labels, 3);
    const [first, firstSteps] = await dispatchesOf('minkowski_logistic.wgsl', separability);
    const [again, againSteps] = await dispatchesOf('minkowski_logistic.wgsl', separability);
    expect(again).toEqual(first);
    expect([firstSteps, againSteps]).toEqual([400, 200]); // 200 steps a layer: both layers, then the hidden one only
    const [, otherLabelsSteps] = await dispatchesOf('minkowski_logistic.wgsl', () =>
      separabilityOfLayers(
        g,
        network,
        inputs,
        dataset.labels.map((k) => (k + 1) % 3),
        3,
      ),
    );
    expect(otherLabelsSteps, 'other labels: both layers measured anew').toBe(400);

    const [vectors, firstIterations] = await dispatchesOf('normalize.wgsl', () => pvectorsOfLayers(g, network, inputs));
    const [vectorsAgain, againIterations] = await dispatchesOf('normalize.wgsl', () => pvectorsOfLayers(g, network, inputs));
    expect(vectorsAgain).toEqual(vectors);
    expect([firstIterations, againIterations]).toEqual([202, 101]); // a start and 100 iterations a layer
    network.dispose();
    inputs.dispose();
  });
});

// The Minkowski-difference separability measure on data whose separability is known.
import { describe, expect, it } from 'vitest';
import { gaussianData } from '../engine/data/synthetic';
import { linearSeparability } from '../engine/metrics/separability';
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
    expect(pairs.map((pair) => pair.classes)).toEqual([[0, 1], [0, 2], [1, 2]]);
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
});

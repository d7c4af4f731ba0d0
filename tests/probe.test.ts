// The linear probe: near-perfect on separable classes, chance on classes drawn from one distribution.
import { describe, expect, it } from 'vitest';
import { gaussianData } from '../engine/data/synthetic';
import { splitDataset } from '../engine/data/split';
import { linearProbe } from '../engine/metrics/probe';
import { toTensor, useGpu } from './gpu';

const gpu = useGpu();

async function probe(separation: number) {
  const dataset = gaussianData({ samples: 300, dim: 20, classes: 3 }, 5, { separation });
  const { train, test } = splitDataset(dataset, 1 / 3);
  const [trainFeatures, testFeatures] = [train, test].map((part) => toTensor(gpu(), part.inputs));
  const result = await linearProbe(gpu(), { features: trainFeatures, labels: train.labels }, { features: testFeatures, labels: test.labels }, 3);
  trainFeatures.dispose();
  testFeatures.dispose();
  return result;
}

describe('linear probe', () => {
  it('separates well-separated clusters on held-out samples', async () => {
    const { train_accuracy, test_accuracy } = await probe(6);
    expect(train_accuracy).toBe(1);
    expect(test_accuracy).toBeGreaterThan(0.95);
  });

  it('is at chance on classes drawn from the same distribution', async () => {
    const { test_accuracy } = await probe(0); // 100 test samples, 3 classes: chance is 1/3
    expect(test_accuracy).toBeGreaterThan(0.15);
    expect(test_accuracy).toBeLessThan(0.5);
  });
});

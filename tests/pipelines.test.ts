// A pipeline depends on the WGSL source and the shapes only: new values of a learning rate, alpha, a scale factor or
// a fill value compile nothing new, and still give the right numbers.
import { describe, expect, it } from 'vitest';
import { fill, mseLoss, relu, scale, Sgd } from '../engine';
import { initialWeights, referenceConfig, runExperiment, syntheticDataset, type ExperimentConfig } from '../engine/experiment';
import fillShader from '../shaders/fill.wgsl';
import { useGpu } from './gpu';

const gpu = useGpu();

describe('pipelines', () => {
  it('scale factors, fill values and the MSE alpha are values, not constants', async () => {
    const g = gpu();
    const x = g.tensor([4], [1, 2, 3, 4]);
    const target = g.tensor([2, 2], [0, 1, 1, 0]);
    const prediction = g.tensor([2, 2], [0.5, 0.25, 1, 2]);
    const run = (factor: number) => [scale(x, factor), fill(g, [3], factor), mseLoss(prediction, target, factor)];
    for (const t of run(2)) t.dispose();
    const compiled = g.kernels.compiled;
    for (const factor of [3, -0.5, 1e-3]) {
      const [scaled, filled, loss] = run(factor);
      expect(Array.from(await scaled.read())).toEqual([1, 2, 3, 4].map((v) => Math.fround(v * factor)));
      expect(Array.from(await filled.read())).toEqual([factor, factor, factor].map(Math.fround));
      const expected = [0.5, 0.25, 1, 2].map((p, i) => (factor * p - [0, 1, 1, 0][i]) ** 2).reduce((s, v) => s + v, 0) / 2;
      expect((await loss.read())[0]).toBeCloseTo(expected, 5);
      for (const t of [scaled, filled, loss]) t.dispose();
    }
    expect(g.kernels.compiled, 'pipelines compiled for new values').toBe(compiled);
    for (const t of [x, target, prediction]) t.dispose();
  });

  it('sizes are values too: elementwise ops, fills and the optimisers compile one pipeline for every size', async () => {
    const g = gpu();
    const step = (size: number) => {
      const x = g.tensor(
        [size],
        Array.from({ length: size }, (_, i) => i - 2),
      );
      const outs = [relu(x), fill(g, [size], 3)];
      const sgd = new Sgd([x], { learningRate: 0.5, momentum: 0.9 });
      sgd.step([outs[1]]);
      return { x, outs, sgd };
    };
    const check = async (size: number) => {
      const { x, outs, sgd } = step(size);
      const [relued, filled, stepped] = await Promise.all([...outs, x].map((t) => t.read()));
      expect(Array.from(relued)).toEqual(Array.from({ length: size }, (_, i) => Math.max(i - 2, 0)));
      expect(Array.from(filled)).toEqual(new Array(size).fill(3));
      expect(Array.from(stepped)).toEqual(Array.from({ length: size }, (_, i) => i - 2 - 1.5)); // w - lr * v, v = g = 3
      sgd.dispose();
      for (const t of [x, ...outs]) t.dispose();
    };
    await check(5);
    const compiled = g.kernels.compiled;
    for (const size of [1, 8, 1001]) await check(size);
    expect(g.kernels.compiled, 'pipelines compiled for new sizes').toBe(compiled);
  });

  it('keeps value sets apart by their bits (NaN, infinities, -0) and refuses a set that is not the shader’s', async () => {
    const g = gpu();
    const filled = [Infinity, NaN, -Infinity, 0, -0].map((value) => fill(g, [2], value));
    const read = await Promise.all(filled.map((t) => t.read()));
    expect(read.map((values) => values[0])).toEqual([Infinity, NaN, -Infinity, 0, -0]);
    for (const t of filled) t.dispose();
    expect(() => g.values(fillShader, { value: 1, extra: 2 })).toThrow(/fill\.wgsl: its values are value, count; got value, extra/);
    expect(() => g.values(fillShader, {})).toThrow(/its values are value, count; got $/);
  });

  it('a run with another learning rate, alpha or momentum compiles nothing new', async () => {
    const g = gpu();
    const train = async (change: Partial<ExperimentConfig>) => {
      const config: ExperimentConfig = { ...referenceConfig, model: 'mlp', init: 'default', loss: 'mse', batchSize: 10, steps: 20, tol: 0, ...change };
      const dataset = syntheticDataset(config);
      return runExperiment(g, dataset, initialWeights(config, dataset), config);
    };
    await train({});
    const compiled = g.kernels.compiled;
    await train({ lr: 0.03, alpha: 7, momentum: 0.5, seed: 4 });
    expect(g.kernels.compiled, 'pipelines compiled by the second run').toBe(compiled);
  });
});

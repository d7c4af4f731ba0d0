// A pipeline depends on the WGSL source and its constants only: new values of a learning rate, alpha, a scale factor or
// a fill value, and new sizes where a kernel reads them as values, compile nothing new and still give the right numbers.
import { describe, expect, it } from 'vitest';
import { Adam, fill, mseLoss, relu, scale, Sgd } from '../engine';
import { expectClose } from './reference';
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

  it('sizes are values too: elementwise ops, fills and both optimisers compile one pipeline for every size', async () => {
    const g = gpu();
    const check = async (size: number) => {
      const start = Array.from({ length: size }, (_, i) => i - 2);
      const [x, y] = [g.tensor([size], start), g.tensor([size], start)];
      const outs = [relu(x), fill(g, [size], 3)];
      const optimizers = [new Sgd([x], { learningRate: 0.5, momentum: 0.9 }), new Adam([y], { learningRate: 0.5 })];
      for (const optimizer of optimizers) optimizer.step([outs[1]]); // a gradient of 3 everywhere
      const [relued, filled, sgdStepped, adamStepped] = await Promise.all([...outs, x, y].map((t) => t.read()));
      expect(Array.from(relued)).toEqual(start.map((v) => Math.max(v, 0)));
      expect(Array.from(filled)).toEqual(new Array(size).fill(3));
      expect(Array.from(sgdStepped)).toEqual(start.map((v) => v - 1.5)); // w - lr v, v = g = 3
      expectClose(
        adamStepped,
        start.map((v) => v - 0.5),
        { atol: 1e-5, rtol: 1e-6 },
        'Adam',
      ); // first step: w - lr g / (|g| + eps)
      for (const optimizer of optimizers) optimizer.dispose();
      for (const t of [x, y, ...outs]) t.dispose();
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

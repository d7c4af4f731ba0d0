// Long-lived use: one device trains again and again, as a sweep does, and the memory it holds and the pipelines it
// caches stay flat; trim() gives memory back between runs, and the pipeline cache drops the least recently used.
import { describe, expect, it } from 'vitest';
import { fill } from '../engine';
import { initialWeights, referenceConfig, runExperiment, syntheticDataset } from '../engine/experiment';
import { RUNS_KEPT } from '../engine/kernels';
import fillShader from '../shaders/fill.wgsl';
import { useGpu } from './gpu';

const gpu = useGpu();

describe('long-lived use', () => {
  it('the pool counts the bytes it holds, and trim() destroys the free buffers, even ones a recorded command uses', async () => {
    const g = gpu();
    g.trim();
    const start = g.pool.stats();
    const kept = fill(g, [1000], 1, 'kept'); // 4000 bytes: a 4096-byte buffer
    const dropped = fill(g, [100], 2, 'dropped'); // a 512-byte buffer
    dropped.dispose(); // its fill is recorded but not yet submitted
    expect(g.pool.stats()).toMatchObject({ bytesHeld: start.bytesHeld + 4096 + 512, bytesFree: start.bytesFree + 512 });
    g.trim();
    expect(g.pool.stats()).toMatchObject({ bytesHeld: start.bytesHeld + 4096, bytesFree: 0, free: 0 });
    expect(Array.from(await kept.read()).every((value) => value === 1)).toBe(true); // and no validation error surfaced
    kept.dispose();
    g.trim();
    expect(g.pool.stats().bytesHeld).toBe(start.bytesHeld);
  });

  it('the pipeline cache keeps the most recently used up to its limit, and drops a module with its last pipeline', async () => {
    const g = gpu();
    for (let run = 0; run <= RUNS_KEPT; run++) g.trim(); // nothing used in the last RUNS_KEPT runs: the cache is empty
    expect([g.kernels.pipelineCount, g.kernels.moduleCount]).toEqual([0, 0]);
    const limit = g.kernels.limit;
    g.kernels.limit = 8;
    try {
      const kernel = (size: number) => g.kernel(fillShader, { WORKGROUP_SIZE: size }); // a pipeline per workgroup size
      const first = kernel(1);
      const second = kernel(2);
      for (let size = 3; size < 20; size++) {
        kernel(size);
        expect(kernel(1), 'a kernel used every time stays cached').toBe(first);
      }
      expect(g.kernels.pipelineCount).toBe(8);
      expect(g.kernels.moduleCount).toBe(1);
      expect(kernel(2), 'an evicted kernel is compiled again').not.toBe(second);
      const out = g.tensor([4], [0, 0, 0, 0], 'out');
      g.dispatch(second, [out.buffer], [1], g.values(fillShader, { value: 1, count: 4 })); // whoever still holds an evicted kernel can use it
      expect(Array.from(await out.read())).toEqual([1, 1, 1, 1]);
      out.dispose();
    } finally {
      g.kernels.limit = limit;
    }
    for (let run = 0; run < RUNS_KEPT; run++) {
      g.trim();
      expect(g.kernels.pipelineCount, 'a pipeline used in the last RUNS_KEPT runs stays').toBe(8);
    }
    g.trim();
    expect([g.kernels.pipelineCount, g.kernels.moduleCount]).toEqual([0, 0]);
  });

  it.each([
    { model: 'linear', loss: 'mse', batchSize: 0 },
    { model: 'mlp', loss: 'ce', batchSize: 8 },
    { model: 'hybrid', loss: 'mse', batchSize: 8 },
  ] as const)('$model, every analysis: a run leaves no tensor behind', async (settings) => {
    const g = gpu();
    const config = {
      ...referenceConfig,
      ...settings,
      samples: 30,
      dim: 10,
      classes: 3,
      width: 8,
      depth: 3,
      steps: 20,
      tol: 0,
      metricsEvery: 10,
      probe: true,
      separability: true,
      pvectors: true,
    };
    const dataset = syntheticDataset(config);
    const before = g.pool.stats().inUse;
    await runExperiment(g, dataset, initialWeights(config, dataset), config);
    expect(g.pool.stats().inUse).toBe(before);
  });

  it('a sweep of 50 runs on one device holds no more memory nor pipelines after run 50 than after run 5', async () => {
    const g = gpu();
    const after: { bytesHeld: number; inUse: number; pipelines: number; modules: number }[] = [];
    for (let run = 1; run <= 50; run++) {
      // As a grid would: the width (so every shape) changes every 10 runs; alpha (a per-call value), the
      // learning rate and the seed every run.
      const config = {
        ...referenceConfig,
        samples: 12,
        dim: 10,
        classes: 3,
        depth: 3,
        steps: 20,
        tol: 0,
        width: 8 * Math.ceil(run / 10),
        alpha: 10 + run,
        lr: 0.01 * (1 + (run % 4)),
        seed: run,
      };
      const dataset = syntheticDataset(config);
      const result = await runExperiment(g, dataset, initialWeights(config, dataset), config);
      expect(result.stopReason).toBe('budget');
      g.trim(); // as bin/sweep.ts does after every run
      const { bytesHeld, inUse } = g.pool.stats();
      after.push({ bytesHeld, inUse, pipelines: g.kernels.pipelineCount, modules: g.kernels.moduleCount });
    }
    const [fifth, last] = [after[4], after[49]];
    expect(last.inUse, 'buffers in use between runs').toBe(fifth.inUse);
    expect(last.bytesHeld, 'bytes held between runs').toBeLessThanOrEqual(fifth.bytesHeld);
    expect(last.pipelines, 'pipelines cached').toBeLessThanOrEqual(fifth.pipelines + 5);
    expect(last.modules, 'shader modules cached').toBeLessThanOrEqual(fifth.modules);
  }, 120_000);
});

// Compiled steps (engine/compiled-step.ts) against the tape they were recorded from: the same weights after 100
// steps of every model kind, loss and optimiser, a replayed step that creates nothing, and one that leaves out only
// what its effects do not need.
import { describe, expect, it, vi } from 'vitest';
import { createOptimizer, softmaxCrossEntropy, TrainingSession, valueAndGrad, zerosLike } from '../engine';
import { CompiledStep } from '../engine/compiled-step';
import { matmulTraits, planMatmul } from '../engine/internal';
import { initialWeights, referenceConfig, syntheticDataset, trainOptions, uploadExperiment, type ExperimentConfig } from '../engine/experiment';
import { useGpu, withFreshGpu } from './gpu';

const gpu = useGpu();

/** A subgroup matmul's quad block, as in the plan's constants. */
const blockOf = (constants: Record<string, number | boolean>) => `${constants.ROW_GROUPS}x${constants.COL_BLOCKS}`;

const BASE: ExperimentConfig = { ...referenceConfig, dataset: 'gaussian', samples: 40, dim: 12, classes: 4, width: 16, depth: 4, steps: 100, tol: 0 };

/**
 * Every parameter after `config.steps` steps, compiled or through the tape every step, from the same start, and the
 * batch norms' running statistics, which steps move but the optimiser does not.
 */
async function trainedParameters(
  config: ExperimentConfig,
  compiledSteps: boolean,
): Promise<{ parameters: Float32Array[]; runningStatistics: Float32Array[]; session: string }> {
  const g = gpu();
  const dataset = syntheticDataset(config);
  const uploaded = uploadExperiment(g, dataset, initialWeights(config, dataset), config);
  const session = new TrainingSession(g, uploaded.data, uploaded.network, { ...trainOptions(config), compiledSteps, fusedSteps: false });
  try {
    await session.advance(config.steps);
    return {
      parameters: await Promise.all(uploaded.network.parameters.map((p) => p.read())),
      runningStatistics: await Promise.all(uploaded.network.norms.map((norm) => norm.running.read())),
      session: session.path,
    };
  } finally {
    session.dispose();
    uploaded.dispose();
  }
}

describe('compiled steps', () => {
  const cases: [string, Partial<ExperimentConfig>][] = [
    ['linear, MSE, full batch, SGD with momentum and weight decay', { momentum: 0.9, weightDecay: 1e-3, alpha: 1, lr: 0.05 }],
    ['linear, cross-entropy, mini-batches, Adam', { loss: 'ce', batchSize: 12, optimizer: 'adam', lr: 1e-3 }],
    [
      'mlp, cross-entropy, mini-batches, SGD with momentum and weight decay',
      { model: 'mlp', init: 'default', loss: 'ce', batchSize: 10, momentum: 0.9, weightDecay: 1e-4, lr: 0.05 },
    ],
    ['mlp, MSE, full batch, AdamW', { model: 'mlp', init: 'default', optimizer: 'adamw', lr: 1e-3, weightDecay: 1e-2, alpha: 1 }],
    ['hybrid, MSE, mini-batches, SGD', { model: 'hybrid', hybridLayers: 2, batchSize: 8, lr: 0.01, alpha: 1 }],
    ['hybrid, cross-entropy, full batch, Adam', { model: 'hybrid', loss: 'ce', optimizer: 'adam', lr: 1e-3 }],
  ];
  for (const [name, change] of cases) {
    it(`give the tape's weights after 100 steps: ${name}`, async () => {
      const config = { ...BASE, ...change };
      const replayed = await trainedParameters(config, true);
      const taped = await trainedParameters(config, false);
      expect(replayed.session).toMatch(/recorded and replayed/);
      expect(taped.session).not.toMatch(/replayed/);
      const initial = initialWeights(config, syntheticDataset(config));
      const moved = replayed.parameters[0].some((w, i) => Math.abs(w - Math.fround(initial[0].data[i])) > 1e-4);
      expect(moved, 'W1 moved in training').toBe(true);
      replayed.parameters.forEach((values, p) => {
        expect(values.every(Number.isFinite)).toBe(true);
        // The same kernels in the same order on the same values: equal to the last bit, not only to rounding.
        expect(Array.from(values), `parameter ${p}`).toEqual(Array.from(taped.parameters[p]));
      });
      expect(replayed.runningStatistics.length, 'batch norms').toBe(config.model === 'hybrid' ? config.hybridLayers : 0);
      replayed.runningStatistics.forEach((values, n) => {
        expect(
          values.some((value, i) => value !== (i < values.length / 2 ? 0 : 1)),
          `norm ${n}'s running statistics moved`,
        ).toBe(true);
        expect(Array.from(values), `norm ${n}'s running statistics`).toEqual(Array.from(taped.runningStatistics[n]));
      });
    });
  }

  it('moves the batch norms as the steps do, however often the loss is read', async () => {
    const g = gpu();
    const config: ExperimentConfig = { ...BASE, model: 'hybrid', hybridLayers: 2, batchSize: 8, lr: 0.01, alpha: 1 };
    const runningAfter = async (readEvery: number) => {
      const dataset = syntheticDataset(config);
      const uploaded = uploadExperiment(g, dataset, initialWeights(config, dataset), config);
      const session = new TrainingSession(g, uploaded.data, uploaded.network, { ...trainOptions(config), fusedSteps: false });
      try {
        for (let step = 0; step < 20; step += readEvery) await session.advance(readEvery);
        return (await Promise.all(uploaded.network.norms.map((norm) => norm.running.read()))).map((values) => Array.from(values));
      } finally {
        session.dispose();
        uploaded.dispose();
      }
    };
    const [everyStep, once] = [await runningAfter(1), await runningAfter(20)];
    expect(
      once.flat().some((value, i) => value !== (i % (2 * config.width) < config.width ? 0 : 1)),
      'the steps moved them',
    ).toBe(true);
    expect(everyStep).toEqual(once);
  });

  it('replays without creating a buffer, pipeline or bind group, and gives its arena back', async () => {
    const g = gpu();
    const config: ExperimentConfig = { ...BASE, model: 'mlp', init: 'default', loss: 'ce', batchSize: 10, momentum: 0.9 };
    const dataset = syntheticDataset(config);
    const uploaded = uploadExperiment(g, dataset, initialWeights(config, dataset), config);
    const inUseBefore = g.pool.stats().inUse;
    const session = new TrainingSession(g, uploaded.data, uploaded.network, { ...trainOptions(config), fusedSteps: false });
    await session.advance(2); // the first step records, the second replays; the loss readback creates what it needs
    const [created, compiled] = [g.pool.stats().created, g.kernels.compiled];
    const spies = [vi.spyOn(g.device, 'createBindGroup'), vi.spyOn(g, 'dispatch'), vi.spyOn(g.kernels, 'get'), vi.spyOn(g, 'scope')];
    session.encodeSteps(50);
    // No bind group made, and no op run: no dispatch through the tape's ops, no kernel looked up, no tensor scope.
    for (const spy of spies) expect(spy, `${spy.getMockName()} during 50 replayed steps`).not.toHaveBeenCalled();
    for (const spy of spies) spy.mockRestore();
    await session.advance(0);
    expect(g.pool.stats().created, 'buffers created by 50 replayed steps').toBe(created);
    expect(g.kernels.compiled, 'pipelines compiled by 50 replayed steps').toBe(compiled);
    expect(g.pool.stats().inUse, 'the arena and the session hold buffers').toBeGreaterThan(inUseBefore);
    session.dispose();
    expect(g.pool.stats().inUse, 'buffers held after dispose').toBe(inUseBefore);
    uploaded.dispose();
  });

  it('takes the bindings a kernel only reads from its declarations, never from a comment', () => {
    const source = [
      '// @group(0) @binding(1) var<storage, read> out: array<f32>;  (a comment, not the declaration below)',
      '/* @group(0) @binding(1) var<uniform> out: vec4f; */',
      '@group(0) @binding(0) var<storage, read> input: array<f32>;',
      '@group(0) @binding(1) var<storage, read_write> out: array<f32>;',
      '@group(0) @binding(2) var<uniform> factor: vec4f;',
      '@compute @workgroup_size(1) fn main() { out[0] = input[0] * factor.x; }',
    ].join('\n');
    const kernel = gpu().kernel({ name: 'declarations.wgsl', source, sections: [{ name: 'declarations.wgsl', firstLine: 1 }] });
    expect([...kernel.readOnly].sort()).toEqual([0, 2]);
  });

  it("replays only what the step's effects need: not the loss value nobody reads, nor the gradient's seed", () => {
    const g = gpu();
    const config: ExperimentConfig = { ...BASE, model: 'mlp', init: 'default', loss: 'ce', momentum: 0.9 };
    const dataset = syntheticDataset(config);
    const uploaded = uploadExperiment(g, dataset, initialWeights(config, dataset), config);
    const optimizer = createOptimizer(uploaded.network.parameters, trainOptions(config));
    const { inputs, targets, network } = { ...uploaded.data, network: uploaded.network };
    const gradients = zerosLike(network.parameters, 'gradient'); // one block, as the training session keeps them
    g.recording = [];
    const step = CompiledStep.record(g, () =>
      g.scope(() => optimizer.step(valueAndGrad(network.parameters, () => softmaxCrossEntropy(network.forward(inputs), targets), gradients).grads)),
    );
    const recorded = g.recording.map((dispatch) => dispatch.kernel.label);
    g.recording = [];
    step.replay();
    const replayed = g.recording.map((dispatch) => dispatch.kernel.label);
    g.recording = null;
    g.flush();
    // Left out: the loss's rows and their sum (the value), and the fill of the seed d loss / d loss = 1, whose
    // recorded result stands. Kept: everything else, in order, down to the one update of every parameter.
    const without = (labels: string[], ...dropped: string[]) =>
      dropped.reduce((rest, label) => [...rest.slice(0, rest.indexOf(label)), ...rest.slice(rest.indexOf(label) + 1)], labels);
    expect(replayed).toEqual(without(recorded, 'loss.wgsl', 'reduce.wgsl', 'fill.wgsl'));
    expect(
      replayed.filter((label) => label === 'loss.wgsl'),
      'the loss backward',
    ).toHaveLength(1);
    expect(replayed.filter((label) => label === 'optim.wgsl')).toHaveLength(1);
    step.dispose();
    optimizer.dispose();
    for (const gradient of gradients) gradient.dispose();
    uploaded.dispose();
  });

  it('records the step again once a kernel compiled in the background lands, and still gives the tape’s weights', () =>
    withFreshGpu(async (g) => {
      // Batches of 256 through a 256 -> 256 layer: W1's gradient takes a block slow to compile, compiled in the background
      // (and worth it, over the quickest block a smaller product of the same layout has compiled by then).
      const config: ExperimentConfig = {
        ...BASE,
        model: 'mlp',
        init: 'default',
        loss: 'ce',
        samples: 256,
        dim: 256,
        width: 256,
        depth: 2,
        batchSize: 256,
        lr: 0.05,
      };
      const run = async (compiledSteps: boolean) => {
        const dataset = syntheticDataset(config);
        const uploaded = uploadExperiment(g, dataset, initialWeights(config, dataset), config);
        const session = new TrainingSession(g, uploaded.data, uploaded.network, { ...trainOptions(config), compiledSteps, fusedSteps: false });
        try {
          const landed = g.kernels.backgroundCompiled;
          await session.advance(2); // recorded with the stand-in; the block may land during these steps or after
          await g.kernels.settled();
          await session.advance(7);
          g.recording = [];
          session.encodeSteps(1);
          const blocks = g.recording
            .filter(({ kernel, values }) => kernel.constants.TRANSPOSE_A && values && g.sizesOf(values)?.M === 256 && g.sizesOf(values)?.N === 256)
            .map(({ kernel }) => blockOf(kernel.constants));
          g.recording = null;
          return { landed, blocks, parameters: await Promise.all(uploaded.network.parameters.map((p) => p.read())) };
        } finally {
          session.dispose();
          uploaded.dispose();
        }
      };
      const replayed = await run(true);
      expect(g.kernels.backgroundCompiled, 'kernels landed in the background').toBeGreaterThan(replayed.landed);
      const dW1 = planMatmul({ M: 256, N: 256, K: 256, transposeA: true, transposeB: false }, matmulTraits(g));
      expect(dW1.interim, "W1's gradient compiles its block in the background").toBeDefined();
      expect(blockOf(dW1.interim!.constants)).not.toBe(blockOf(dW1.constants));
      expect(replayed.blocks, "the replayed step computes W1's gradient with the landed block").toEqual([blockOf(dW1.constants)]);
      const taped = await run(false); // the same kernels from the start: the landed ones are cached
      replayed.parameters.forEach((values, p) => expect(Array.from(values), `parameter ${p}`).toEqual(Array.from(taped.parameters[p])));
    }));
});

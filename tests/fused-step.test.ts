// The fused small-network step (one workgroup, many steps per dispatch) against float64 steps, and its limits.
import { describe, expect, it, onTestFinished } from 'vitest';
import { FusedLinearSteps, fusedStepUnsupported, Gpu, Network, TrainingSession, type TrainOptions } from '../engine';
import { dlnGradientsRef, dlnProblem, expectClose, maxAbs, randomMatrix, seededRandom, sgdStepRef } from './reference';
import { QUIET, toTensor, useGpu } from './gpu';

const gpu = useGpu();

describe('fused deep-linear-network steps', () => {
  it.each([
    { shape: { N: 7, d: 13, K: 3, m: 10, L: 4 }, decoupled: false, label: '4 layers, coupled weight decay' },
    { shape: { N: 9, d: 5, K: 4, m: 6, L: 2 }, decoupled: true, label: '2 layers, decoupled weight decay' },
    { shape: { N: 6, d: 11, K: 5, m: 0, L: 1 }, decoupled: false, label: 'one layer' },
    { shape: { N: 30, d: 50, K: 3, m: 50, L: 6 }, decoupled: false, label: 'the reference network' },
    // A GPU's workgroups: several quads share each product's tiles, and quads past the last tile store nothing.
    { shape: { N: 30, d: 50, K: 3, m: 50, L: 6 }, decoupled: false, label: 'the reference network, 3 quads', workgroupSize: 12 },
    { shape: { N: 7, d: 13, K: 3, m: 10, L: 4 }, decoupled: true, label: '4 layers, 64 quads', workgroupSize: 256 },
    // Without subgroups the lanes trade through workgroup memory (shaders/dln_step_shared.wgsl).
    {
      shape: { N: 30, d: 50, K: 3, m: 50, L: 6 },
      decoupled: false,
      label: 'the reference network, 3 quads, no subgroups',
      workgroupSize: 12,
      withoutSubgroups: true,
    },
  ])('$label: 200 steps (two dispatches) with a changing learning rate match float64', async ({ shape, decoupled, label, workgroupSize, withoutSubgroups }) => {
    const own = withoutSubgroups ? await Gpu.create({ ...QUIET, withoutFeatures: ['subgroups' as GPUFeatureName] }) : null;
    onTestFinished(() => own?.destroy());
    const g = own ?? gpu();
    const p = dlnProblem(label.length, shape);
    const alpha = 1.5;
    const options = {
      loss: 'mse' as const,
      optimizer: 'sgd' as const,
      alpha,
      momentum: 0.9,
      weightDecay: 0.01,
      decoupledWeightDecay: decoupled,
      workgroupSize,
    };
    const inputs = toTensor(g, p.inputs, 'inputs');
    const targets = toTensor(g, p.targets, 'targets');
    const network = Network.create(
      g,
      'linear',
      p.weights.map((w, l) => toTensor(g, w, `W${l + 1}`)),
    );
    const fused = new FusedLinearSteps(g, network, inputs, targets, options);
    expect(fused.trades).toBe(withoutSubgroups ? 'workgroup memory' : 'quad swaps');
    const rates = Array.from({ length: 200 }, (_, s) => 0.02 * (1 - s / 400)); // 200 steps: more than one dispatch holds
    fused.run(rates.slice(0, 150));
    fused.run(rates.slice(150)); // the momentum carries over between runs

    const weights = p.weights.map((w) => ({ ...w, data: Float64Array.from(w.data) }));
    const velocities = weights.map((w) => new Float64Array(w.data.length));
    for (const learningRate of rates) {
      const grads = dlnGradientsRef(p.inputs, weights, p.targets, alpha);
      weights.forEach((w, l) => sgdStepRef(w.data, grads[l].data, velocities[l], { learningRate, momentum: 0.9, weightDecay: 0.01, decoupled }));
    }
    for (let l = 0; l < weights.length; l++) {
      expectClose(await network.weights[l].read(), weights[l].data, { atol: 1e-4 * maxAbs(weights[l].data), rtol: 1e-3 }, `W${l + 1} after 200 steps`);
      expect(maxAbs(weights[l].data.map((x, i) => x - p.weights[l].data[i]))).toBeGreaterThan(1e-3); // the steps did move it
    }
    fused.dispose();
    network.dispose();
    inputs.dispose();
    targets.dispose();
  });

  it('says why it cannot take a network: nonlinear, cross-entropy, Adam, uneven widths, too large; and refuses partial quads', () => {
    const g = gpu();
    const options = { loss: 'mse' as const, optimizer: 'sgd' as const, alpha: 1, momentum: 0, weightDecay: 0, decoupledWeightDecay: false };
    const make = (widths: number[], N: number) => {
      const random = seededRandom(1);
      const weights = widths.slice(1).map((out, l) => toTensor(g, randomMatrix(random, out, widths[l]), `W${l + 1}`));
      return { inputs: toTensor(g, randomMatrix(random, N, widths[0]), 'inputs'), weights };
    };
    const small = make([5, 4, 4, 2], 6);
    expect(fusedStepUnsupported(Network.create(g, 'linear', small.weights), small.inputs, options)).toBeNull();
    expect(fusedStepUnsupported(Network.create(g, 'mlp', small.weights), small.inputs, options)).toMatch(/the model is 'mlp'; fused steps implement linear/);
    expect(fusedStepUnsupported(Network.create(g, 'linear', small.weights), small.inputs, { ...options, loss: 'ce' })).toMatch(
      /the loss is 'ce'; fused steps implement mse/,
    );
    expect(fusedStepUnsupported(Network.create(g, 'linear', small.weights), small.inputs, { ...options, optimizer: 'adamw' })).toMatch(
      /the optimizer is 'adamw'; fused steps implement sgd/,
    );
    const uneven = make([5, 4, 3, 2], 6);
    expect(fusedStepUnsupported(Network.create(g, 'linear', uneven.weights), uneven.inputs, options)).toMatch(/differ in width/);
    const large = make([100, 100, 100, 10], 100);
    expect(fusedStepUnsupported(Network.create(g, 'linear', large.weights), large.inputs, options)).toMatch(/too many for one workgroup/);
    expect(() => new FusedLinearSteps(g, Network.create(g, 'linear', uneven.weights), uneven.inputs, uneven.inputs, options)).toThrow(/differ in width/);
    expect(() => new FusedLinearSteps(g, Network.create(g, 'linear', small.weights), small.inputs, small.inputs, { ...options, workgroupSize: 6 })).toThrow(
      /workgroupSize 6 is not a positive multiple of 4/,
    );
    expect(
      () => new FusedLinearSteps(g, Network.create(g, 'linear', small.weights), small.inputs, small.inputs, { ...options, workgroupSize: 1 << 20 }),
    ).toThrow(/up to this device's \d+/);
  });

  it('a training session takes the same path with fused steps as through the tape, with subgroups and without: the same losses', async () => {
    const p = dlnProblem(5, { N: 30, d: 50, K: 3, m: 50, L: 6 });
    const labels = Array.from({ length: 30 }, (_, i) => Math.floor((i * 3) / 30));
    const options: TrainOptions = {
      loss: 'mse',
      optimizer: 'sgd',
      alpha: 1,
      learningRate: 0.05,
      momentum: 0.9,
      weightDecay: 1e-3,
      decoupledWeightDecay: false,
      schedule: 'cosine',
      finalLearningRateFraction: 0.1,
      steps: 60,
      tol: 0,
      batchSize: 0,
      seed: 0,
      lossEvery: 20,
      metricsEvery: 0,
    };
    const lossesOf = async (fusedSteps: boolean, g = gpu()) => {
      const inputs = toTensor(g, p.inputs, 'inputs');
      const targets = toTensor(g, p.targets, 'targets');
      const network = Network.create(
        g,
        'linear',
        p.weights.map((w, l) => toTensor(g, w, `W${l + 1}`)),
      );
      const session = new TrainingSession(g, { inputs, targets, labels, classes: 3 }, network, { ...options, fusedSteps });
      expect(session.usesFusedSteps).toBe(fusedSteps);
      await session.advance(0);
      while (!session.finished) await session.advance(20);
      session.dispose();
      network.dispose();
      inputs.dispose();
      targets.dispose();
      return session.losses.map(([, loss]) => loss);
    };
    const [fused, tape] = [await lossesOf(true), await lossesOf(false)];
    expect(fused.length).toBe(4); // steps 0, 20, 40, 60
    expect(fused[3]).toBeLessThan(fused[0] / 10);
    expectClose(fused, tape, { rtol: 1e-4 }, 'losses, fused against tape');
    // Without subgroups the lanes trade through workgroup memory (shaders/dln_step_shared.wgsl): the same steps.
    const withoutQuads = await Gpu.using((g) => lossesOf(true, g), { ...QUIET, withoutFeatures: ['subgroups' as GPUFeatureName] });
    expectClose(withoutQuads, tape, { rtol: 1e-4 }, 'losses, fused without subgroups against tape');
  });
});

// The experiment end to end on the GPU: 100 steps against the same steps in float64 on the CPU, and the
// reference configuration against what the paper predicts.
import { describe, expect, it } from 'vitest';
import { initialBiases, initialWeights, referenceConfig, runExperiment, syntheticDataset, uploadExperiment, type ExperimentConfig } from '../engine/experiment';
import { oneHot } from '../engine/data/synthetic';
import { dlnGradientsRef, matmulRef, sgdStepRef, transpose, type Matrix } from './reference';
import { metricsRef } from './metrics-reference';
import { useGpu } from './gpu';

const gpu = useGpu();

/** The features z_0 .. z_{L-1} of float64 weights. */
function featuresRef(inputs: Matrix, weights: Matrix[]): Matrix[] {
  const features = [inputs];
  for (const weight of weights.slice(0, -1)) features.push(matmulRef(features.at(-1)!, transpose(weight)));
  return features;
}

/** `config.steps` steps of full-batch GD with momentum and weight decay, cosine-annealed to lr/10, in float64. */
function trainRef(config: ExperimentConfig, inputs: Matrix, targets: Matrix, initial: Matrix[]): Matrix[] {
  const weights = initial.map((w) => ({ ...w, data: Float64Array.from(w.data) }));
  const velocities = weights.map((w) => new Float64Array(w.data.length));
  for (let step = 0; step < config.steps; step++) {
    const final = config.lr / 10;
    const learningRate = final + ((config.lr - final) * (1 + Math.cos((Math.PI * step) / config.steps))) / 2;
    const grads = dlnGradientsRef(inputs, weights, targets, config.alpha);
    weights.forEach((w, l) =>
      sgdStepRef(w.data, grads[l].data, velocities[l], { learningRate, momentum: config.momentum, weightDecay: config.weightDecay, decoupled: false }),
    );
  }
  return weights;
}

describe('training on the GPU', () => {
  it('matches 100 float64 steps from the same weights: every layer C_l within 1e-3 relative', async () => {
    const config: ExperimentConfig = { ...referenceConfig, steps: 100, tol: 0, lossEvery: 100, momentum: 0.5, weightDecay: 1e-3 };
    const dataset = syntheticDataset(config);
    const initial = initialWeights(config, dataset);
    const result = await runExperiment(gpu(), dataset, initial, config);
    expect(result.steps).toBe(100);
    expect(result.stopReason).toBe('budget');

    const inputs = { ...dataset.inputs, data: dataset.inputs.data.map(Math.fround) }; // the GPU sees float32 data
    const trained = trainRef(
      config,
      inputs,
      oneHot(dataset.labels, dataset.classes),
      initial.map((w) => ({ ...w, data: w.data.map(Math.fround) })),
    );
    const expected = featuresRef(inputs, trained).map((z) => metricsRef(z, Array.from(dataset.labels), dataset.classes).C);
    const measured = result.metrics.layers.map((layer) => layer.C);
    expect(measured).toHaveLength(config.depth);
    // The run must have moved: C at the last hidden layer starts near C_0 and falls by orders of magnitude.
    expect(expected.at(-1)! / expected[0]).toBeLessThan(0.1);
    measured.forEach((C, l) => expect(Math.abs(C - expected[l]) / expected[l], `layer ${l}: GPU ${C}, float64 ${expected[l]}`).toBeLessThan(1e-3));
    result.weights.forEach((w, l) => {
      const largestError = w.data.reduce((m, x, i) => Math.max(m, Math.abs(x - trained[l].data[i])), 0);
      expect(largestError, `W${l + 1}`).toBeLessThan(1e-4);
    });
  });

  it('reproduces the reference configuration: geometric compression, loss below 1e-6', async () => {
    const config = referenceConfig;
    const dataset = syntheticDataset(config);
    const result = await runExperiment(gpu(), dataset, initialWeights(config, dataset), config);
    expect(result.finalLoss).toBeLessThan(1e-6);
    const { fit, layers } = result.metrics;
    expect(fit.layers).toEqual([1, 2, 3, 4, 5]);
    expect(fit.log10C_r2).toBeGreaterThan(0.99);
    expect(layers[1].C / layers[5].C).toBeGreaterThan(10);
    // METHOD.md: about half a decade per layer (slope about -0.55 in float64 runs)
    expect(fit.log10C_slope).toBeGreaterThan(-0.8);
    expect(fit.log10C_slope).toBeLessThan(-0.3);
  });

  it('trains with shuffled mini-batches and momentum: the full-batch loss falls 100x', async () => {
    const config: ExperimentConfig = { ...referenceConfig, batchSize: 7, momentum: 0.9, lr: 0.01, steps: 300, tol: 0, lossEvery: 100 };
    const dataset = syntheticDataset(config);
    const result = await runExperiment(gpu(), dataset, initialWeights(config, dataset), config);
    expect(result.losses.map(([step]) => step)).toEqual([0, 100, 200, 300]);
    expect(result.finalLoss).toBeLessThan(result.losses[0][1] / 100);
    // The batches matter: full-batch steps from the same start take another path.
    const fullBatch = await runExperiment(gpu(), dataset, initialWeights(config, dataset), { ...config, batchSize: 0 });
    expect(Math.abs(fullBatch.losses[1][1] / result.losses[1][1] - 1)).toBeGreaterThan(0.01);
  });

  it('mlp: the forward pass matches float64 (ReLU after each hidden layer, biases everywhere)', async () => {
    const config: ExperimentConfig = { ...referenceConfig, dataset: 'gaussian', model: 'mlp', init: 'default', depth: 3, width: 20 };
    const dataset = syntheticDataset(config);
    const weights = initialWeights(config, dataset);
    const biases = initialBiases(config, weights)!;
    let z = { ...dataset.inputs, data: dataset.inputs.data.map(Math.fround) };
    weights.forEach((w, l) => {
      const h = matmulRef(z, transpose(w));
      const biased = h.data.map((v, i) => v + biases[l][i % h.cols]);
      z = { ...h, data: l === weights.length - 1 ? biased : biased.map((v) => Math.max(0, v)) };
    });
    const uploaded = uploadExperiment(gpu(), dataset, weights, config);
    const output = await gpu()
      .scope(() => uploaded.network.forward(uploaded.data.inputs))
      .read();
    uploaded.dispose();
    const largest = z.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    output.forEach((v, i) => expect(Math.abs(v - z.data[i])).toBeLessThan(1e-5 * largest));
  });

  it.each(['mlp', 'hybrid'] as const)('%s: trains on Gaussian clusters, loss down 10x, every layer measured', async (model) => {
    const config: ExperimentConfig = {
      ...referenceConfig,
      dataset: 'gaussian',
      model,
      init: 'default',
      alpha: 1,
      lr: 0.05,
      momentum: 0.9,
      depth: 4,
      steps: 200,
      tol: 0,
      lossEvery: 50,
      hybridLayers: 2,
    };
    const dataset = syntheticDataset(config);
    const weights = initialWeights(config, dataset);
    const result = await runExperiment(gpu(), dataset, weights, config);
    expect(result.finalLoss).toBeLessThan(result.losses[0][1] / 10);
    expect(result.metrics.layers.map((l) => Number.isFinite(l.C))).toEqual([true, true, true, true]);
    expect(result.biases.map((b) => b !== null)).toEqual(model === 'mlp' ? [true, true, true, true] : [false, false, false, false]);
  });

  it('adds probes on a held-out split, separability and P-vector angles when asked', async () => {
    const config: ExperimentConfig = {
      ...referenceConfig,
      steps: 40,
      tol: 0,
      metricsEvery: 20,
      probe: true,
      testFraction: 0.2,
      separability: true,
      pvectors: true,
    };
    const dataset = syntheticDataset(config);
    const result = await runExperiment(gpu(), dataset, initialWeights(config, dataset), config);
    expect(result.probe!.map((p) => p.layer)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const p of result.probe!) expect(p.train_accuracy).toBe(1); // 24 nearly orthogonal samples in 50 dimensions
    expect(result.separability).toHaveLength(6);
    expect(result.history.map((h) => [h.step, h.separability?.length])).toEqual([
      [0, 6],
      [20, 6],
    ]);
    expect(result.pvectorAngles!.map((a) => a.step)).toEqual([0, 20]);
    for (const { angles } of result.pvectorAngles!) for (const angle of angles) expect(angle).toBeGreaterThanOrEqual(0);
    expect(result.pvectorAngles![0].angles[0]).toBeCloseTo(0, 3); // layer 0 is the data: it never moves
  });

  it('stops on divergence and keeps the last finite weights', async () => {
    const config: ExperimentConfig = { ...referenceConfig, lr: 50, steps: 200, lossEvery: 5 };
    const dataset = syntheticDataset(config);
    const result = await runExperiment(gpu(), dataset, initialWeights(config, dataset), config);
    expect(result.stopReason).toBe('diverged');
    expect(result.steps).toBeLessThan(200);
    expect(Number.isFinite(result.finalLoss)).toBe(true);
    for (const w of result.weights) expect(w.data.every(Number.isFinite)).toBe(true);
  });
});

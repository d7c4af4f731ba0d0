// Whole networks: a deep linear network's gradients, optimiser steps, a loss that falls, and memory that stays flat.
import { describe, expect, it } from 'vitest';
import { Adam, matmul, mseLoss, Sgd, valueAndGrad, type Gpu, type Tensor } from '../engine';
import { adamStepRef, dlnForwardRef, dlnGradientsRef, dlnProblem, expectClose, finiteDifferenceGradient, maxAbs, mseRef, sgdStepRef } from './reference';
import { toTensor, useGpu } from './gpu';

const gpu = useGpu();

/** f(X) = X W_1^T ... W_L^T: samples are rows, weights are stored out x in as PyTorch stores them. */
function dlnForward(inputs: Tensor, weights: Tensor[]): Tensor {
  return weights.reduce((features, weight) => matmul(features, weight, { transposeB: true }), inputs);
}

function upload(g: Gpu, p: ReturnType<typeof dlnProblem>) {
  return { inputs: toTensor(g, p.inputs), targets: toTensor(g, p.targets), weights: p.weights.map((w, l) => toTensor(g, w, `W${l + 1}`)) };
}

describe('deep linear network', () => {
  it('4-layer gradients match float64 finite differences (and hand backprop matches them too)', async () => {
    const alpha = 2;
    const p = dlnProblem(11, { N: 12, d: 8, K: 3, m: 6, L: 4 });
    const t = upload(gpu(), p);
    const { loss, grads } = valueAndGrad(t.weights, () => mseLoss(dlnForward(t.inputs, t.weights), t.targets, alpha));
    expectClose(await loss.read(), [mseRef(dlnForwardRef(p.inputs, p.weights), p.targets, alpha)], { rtol: 1e-5 }, 'loss');
    const handBackprop = dlnGradientsRef(p.inputs, p.weights, p.targets, alpha);
    for (let l = 0; l < p.weights.length; l++) {
      const lossOf = (x: Float64Array) => {
        const probe = p.weights.map((w, j) => (j === l ? { ...w, data: x } : w));
        return mseRef(dlnForwardRef(p.inputs, probe), p.targets, alpha);
      };
      const expected = finiteDifferenceGradient(lossOf, p.weights[l].data);
      expectClose(handBackprop[l].data, expected, { atol: 1e-7 * maxAbs(expected), rtol: 1e-6 }, `reference dW${l + 1}`);
      expectClose(await grads[l].read(), expected, { atol: 1e-4 * maxAbs(expected), rtol: 1e-4 }, `GPU dW${l + 1}`);
    }
  });

  it.each([
    { decoupled: false, label: 'coupled weight decay (torch.optim.SGD)' },
    { decoupled: true, label: 'decoupled weight decay (AdamW-style)' },
  ])('10 SGD steps with momentum and $label match float64', async ({ decoupled }) => {
    const options = { learningRate: 0.05, momentum: 0.9, weightDecay: 0.01, decoupled };
    const alpha = 1.5;
    const p = dlnProblem(23, { N: 20, d: 10, K: 4, m: 8, L: 3 });
    const t = upload(gpu(), p);
    const sgd = new Sgd(t.weights, { ...options, decoupledWeightDecay: decoupled });
    const weights = p.weights.map((w) => ({ ...w, data: Float64Array.from(w.data) }));
    const velocities = weights.map((w) => new Float64Array(w.data.length));
    for (let step = 0; step < 10; step++) {
      const { loss, grads } = valueAndGrad(t.weights, () => mseLoss(dlnForward(t.inputs, t.weights), t.targets, alpha));
      sgd.step(grads);
      for (const tensor of [loss, ...grads]) tensor.dispose();
      const reference = dlnGradientsRef(p.inputs, weights, p.targets, alpha);
      weights.forEach((w, l) => sgdStepRef(w.data, reference[l].data, velocities[l], options));
    }
    for (let l = 0; l < weights.length; l++) {
      expectClose(await t.weights[l].read(), weights[l].data, { atol: 1e-4 * maxAbs(weights[l].data), rtol: 1e-4 }, `W${l + 1} after 10 steps`);
    }
    expect(maxAbs(weights[0].data.map((x, i) => x - p.weights[0].data[i]))).toBeGreaterThan(1e-3); // the steps did move the weights
    sgd.dispose();
  });

  it.each([
    { decoupled: false, eps: 1e-6, label: 'Adam (torch.optim.Adam: weight decay added to the gradient)' },
    { decoupled: true, eps: 1e-6, label: 'AdamW (torch.optim.AdamW: decoupled weight decay)' },
    { decoupled: false, eps: 0.05, label: 'Adam with eps as large as the gradients (where eps sits shows)' },
  ])('10 steps of $label match float64, bias correction included', async ({ decoupled, eps }) => {
    const options = { learningRate: 0.01, beta1: 0.8, beta2: 0.99, eps, weightDecay: 0.05, decoupled };
    const alpha = 1.5;
    const p = dlnProblem(29, { N: 20, d: 10, K: 4, m: 8, L: 3 });
    const t = upload(gpu(), p);
    const adam = new Adam(t.weights, { ...options, adamEps: options.eps, decoupledWeightDecay: decoupled });
    const weights = p.weights.map((w) => ({ ...w, data: Float64Array.from(w.data) }));
    const moments = weights.map((w) => ({ first: new Float64Array(w.data.length), second: new Float64Array(w.data.length) }));
    for (let step = 1; step <= 10; step++) {
      const { loss, grads } = valueAndGrad(t.weights, () => mseLoss(dlnForward(t.inputs, t.weights), t.targets, alpha));
      adam.step(grads);
      for (const tensor of [loss, ...grads]) tensor.dispose();
      const reference = dlnGradientsRef(p.inputs, weights, p.targets, alpha);
      weights.forEach((w, l) => adamStepRef(w.data, reference[l].data, moments[l], step, options));
    }
    for (let l = 0; l < weights.length; l++) {
      expectClose(await t.weights[l].read(), weights[l].data, { atol: 1e-5 * maxAbs(weights[l].data), rtol: 1e-4 }, `W${l + 1} after 10 steps`);
      // With a small eps each step moves a weight by about lr whatever the gradient's size: 10 steps, ~0.1.
      expect(maxAbs(weights[l].data.map((x, i) => x - p.weights[l].data[i]))).toBeGreaterThan(eps < 1e-3 ? 0.05 : 1e-3);
    }
    adam.dispose();
  });

  it('a 6-layer DLN drops its loss 100x in 100 full-batch steps', async () => {
    const p = dlnProblem(5, { N: 30, d: 50, K: 3, m: 50, L: 6 });
    const t = upload(gpu(), p);
    const sgd = new Sgd(t.weights, { learningRate: 0.05, momentum: 0.9 });
    const losses: number[] = [];
    for (let step = 0; step <= 100; step++) {
      const { loss, grads } = valueAndGrad(t.weights, () => mseLoss(dlnForward(t.inputs, t.weights), t.targets));
      if (step % 25 === 0) losses.push((await loss.read())[0]);
      if (step < 100) sgd.step(grads);
      for (const tensor of [loss, ...grads]) tensor.dispose();
    }
    expect(losses.at(-1)!, `losses every 25 steps: ${losses.join(', ')}`).toBeLessThan(losses[0] / 100);
    sgd.dispose();
  });

  it('the buffer pool stops growing: 1000 training steps allocate nothing after the first', async () => {
    const g = gpu();
    const p = dlnProblem(9, { N: 16, d: 12, K: 4, m: 10, L: 4 });
    const t = upload(g, p);
    const sgd = new Sgd(t.weights, { learningRate: 0.01, momentum: 0.9, weightDecay: 1e-4 });
    // The idiom: a scope per step frees the gradients; only the returned loss outlives it.
    const step = () =>
      g.scope(() => {
        const { loss, grads } = valueAndGrad(t.weights, () => mseLoss(dlnForward(t.inputs, t.weights), t.targets));
        sgd.step(grads);
        g.flush();
        return loss;
      });
    const first = step();
    await first.read(); // the readback's staging buffer is part of the steady state too
    first.dispose();
    const after1 = g.pool.stats();
    let loss: Tensor | undefined;
    for (let i = 0; i < 1000; i++) {
      loss?.dispose();
      loss = step();
    }
    expect(Number.isFinite((await loss!.read())[0])).toBe(true);
    loss!.dispose();
    const after1000 = g.pool.stats();
    expect(after1000.created, 'buffers created').toBe(after1.created);
    expect(after1000.bytesCreated, 'bytes created').toBe(after1.bytesCreated);
    expect(after1000.inUse, 'buffers in use').toBe(after1.inUse);
    sgd.dispose();
  });
});

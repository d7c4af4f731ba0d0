// Bias, a whole layer (linear) and batch norm: forward against float64 from the definitions, gradients against float64
// central differences of the same definitions, running statistics against PyTorch's update rule.
import { describe, expect, it } from 'vitest';
import { add, addBias, BatchNorm, linear, mul, relu, sum, sumRows, valueAndGrad, type Gpu, type Tensor } from '../engine';
import { ELEMENTWISE_OPS } from '../engine/ops/elementwise';
import { expectClose, finiteDifferenceGradient, matmulRef, maxAbs, randomMatrix, seededRandom, transpose, type Matrix } from './reference';
import { poisonPool, toTensor, useGpu } from './gpu';

const gpu = useGpu();
const random = seededRandom(11);
const [N, m] = [6, 4];

/** x + 1 b^T in float64. */
function addBiasRef(x: Matrix, bias: Float64Array): Float64Array {
  return x.data.map((value, i) => value + bias[i % x.cols]);
}

/** Training-mode batch norm in float64: per column, (x - mean) / sqrt(biased var + eps) * gamma + beta. */
function batchNormRef(x: Matrix, gamma: Float64Array, beta: Float64Array, eps = 1e-5): Float64Array {
  const out = new Float64Array(x.data.length);
  for (let j = 0; j < x.cols; j++) {
    let mean = 0;
    for (let i = 0; i < x.rows; i++) mean += x.data[i * x.cols + j] / x.rows;
    let variance = 0;
    for (let i = 0; i < x.rows; i++) variance += (x.data[i * x.cols + j] - mean) ** 2 / x.rows;
    for (let i = 0; i < x.rows; i++) out[i * x.cols + j] = ((x.data[i * x.cols + j] - mean) / Math.sqrt(variance + eps)) * gamma[j] + beta[j];
  }
  return out;
}

/** sum(f(...) * R) for a fixed random R, so each output element weighs in differently. */
const weightsR = randomMatrix(random, N, m);
const weighted = (values: Float64Array) => values.reduce((total, v, i) => total + v * weightsR.data[i], 0);

describe('addBias', () => {
  it('forward and both gradients match float64', async () => {
    const x = randomMatrix(random, N, m);
    const bias = randomMatrix(random, 1, m).data;
    const g = gpu();
    const [xT, biasT, rT] = [toTensor(g, x), g.tensor([m], Float32Array.from(bias)), toTensor(g, weightsR)];
    expectClose(await g.scope(() => addBias(xT, biasT)).read(), addBiasRef(x, bias), { atol: 1e-6 }, 'forward');
    const { grads } = valueAndGrad([xT, biasT], () => sum(mul(addBias(xT, biasT), rT)));
    const expectedX = finiteDifferenceGradient((data) => weighted(addBiasRef({ ...x, data }, bias)), x.data);
    const expectedBias = finiteDifferenceGradient((b) => weighted(addBiasRef(x, b)), bias);
    expectClose(await grads[0].read(), expectedX, { atol: 1e-5 }, 'd/dx');
    expectClose(await grads[1].read(), expectedBias, { atol: 1e-5 }, 'd/dbias');
    expect(() => addBias(xT, g.tensor([m + 1], new Float32Array(m + 1)))).toThrow(
      /addBias: needs x of shape \[N, m\] and a bias of shape \[m\], got \[6,4\] and \[5\]/,
    );
  });

  // Rows of whole vec4s (8 columns) and not (5, 3): the kernel takes a different path for each.
  for (const cols of [8, 5, 3]) {
    it(`adds the bias and sums the rows of a ${N + 1} x ${cols} matrix`, async () => {
      const x = randomMatrix(random, N + 1, cols);
      const bias = randomMatrix(random, 1, cols).data;
      const g = gpu();
      const [xT, biasT] = [toTensor(g, x), g.tensor([cols], Float32Array.from(bias))];
      poisonPool(g, (N + 1) * cols); // an output the kernel leaves unwritten shows as 1e30
      expectClose(await g.scope(() => addBias(xT, biasT)).read(), addBiasRef(x, bias), { atol: 1e-6 }, 'forward');
      const columnSums = Array.from({ length: cols }, (_, j) => x.data.reduce((total, v, i) => (i % cols === j ? total + v : total), 0));
      poisonPool(g, cols);
      expectClose(await g.scope(() => sumRows(xT)).read(), columnSums, { atol: 1e-5 }, 'column sums');
      for (const t of [xT, biasT]) t.dispose();
    });
  }
});

describe('linear', () => {
  /** max(x W^T + 1 b^T, 0) in float64, or without the ReLU. */
  const linearRef = (x: Matrix, weight: Matrix, bias: Float64Array, relu: boolean) =>
    addBiasRef(matmulRef(x, transpose(weight)), bias).map((value) => (relu ? Math.max(value, 0) : value));

  // With a bias or without (the kernel then binds A in its place), with the ReLU or without; as a network's first
  // layer, with no gradient asked of x; and with rows that are not whole vec4s (the bias's gradient then sums scalars).
  const variants = [
    { withBias: true, relu: true, inputGrad: true, outputs: m },
    { withBias: true, relu: false, inputGrad: true, outputs: m },
    { withBias: false, relu: true, inputGrad: true, outputs: m },
    { withBias: true, relu: true, inputGrad: false, outputs: m },
    { withBias: true, relu: true, inputGrad: true, outputs: 7 },
  ];
  for (const { withBias, relu, inputGrad, outputs } of variants) {
    const name = `${outputs} outputs ${withBias ? 'with' : 'without'} a bias, ${relu ? 'through' : 'without'} the ReLU${inputGrad ? '' : ', no gradient for x'}`;
    it(`forward and gradients match float64: ${name}`, async () => {
      const inputs = 5;
      const x = randomMatrix(random, N, inputs);
      const weight = randomMatrix(random, outputs, inputs);
      const bias = withBias ? randomMatrix(random, 1, outputs).data : new Float64Array(outputs);
      const r = randomMatrix(random, N, outputs);
      const weighted = (values: Float64Array) => values.reduce((total, v, i) => total + v * r.data[i], 0);
      const g = gpu();
      const [xT, weightT, rT] = [toTensor(g, x), toTensor(g, weight), toTensor(g, r)];
      const biasT = withBias ? g.tensor([outputs], Float32Array.from(bias)) : undefined;
      const expected = linearRef(x, weight, bias, relu);
      if (relu) expect(expected.filter((value) => value === 0).length, 'some outputs cut off by the ReLU').toBeGreaterThan(2);
      expectClose(await g.scope(() => linear(xT, weightT, { bias: biasT, relu })).read(), expected, { atol: 1e-6 }, 'forward');
      const params = [...(inputGrad ? [xT] : []), weightT, ...(biasT ? [biasT] : [])];
      const { grads } = valueAndGrad(params, () => sum(mul(linear(xT, weightT, { bias: biasT, relu }), rT)));
      const expectedGrads = [
        ...(inputGrad ? [finiteDifferenceGradient((data) => weighted(linearRef({ ...x, data }, weight, bias, relu)), x.data)] : []),
        finiteDifferenceGradient((data) => weighted(linearRef(x, { ...weight, data }, bias, relu)), weight.data),
        ...(withBias ? [finiteDifferenceGradient((b) => weighted(linearRef(x, weight, b, relu)), bias)] : []),
      ];
      expect(grads).toHaveLength(expectedGrads.length);
      for (const [index, expectedGrad] of expectedGrads.entries()) {
        expectClose(await grads[index].read(), expectedGrad, { atol: 1e-5 }, `gradient ${index} of ${params.map((p) => p.label)}`);
      }
      for (const t of [xT, weightT, rT, ...(biasT ? [biasT] : []), ...grads]) t.dispose();
    });
  }

  it('refuses a bias of the wrong length, naming both', () => {
    const g = gpu();
    const [x, weight, bias] = [g.tensor([N, 5]), g.tensor([m, 5]), g.tensor([m + 1])];
    expect(() => linear(x, weight, { bias })).toThrow(`linear: the bias must have one entry per output (${m}), got shape [${m + 1}]`);
    for (const t of [x, weight, bias]) t.dispose();
  });
});

describe("a ReLU's gradient, folded into the next layer's", () => {
  // x -> linear + ReLU -> linear + ReLU -> linear, weighed by R: the second and third layers' dx carry the ReLU masks.
  const [inputs, width, outputs] = [5, 6, 3];
  const x = randomMatrix(random, N, inputs);
  const [w1, w2, w3] = [randomMatrix(random, width, inputs), randomMatrix(random, width, width), randomMatrix(random, outputs, width)];
  const [b1, b2] = [randomMatrix(random, 1, width).data, randomMatrix(random, 1, width).data];
  const r = randomMatrix(random, N, outputs);
  const layerRef = (input: Matrix, weight: Matrix, bias: Float64Array | null, cut: boolean): Matrix => {
    const data = matmulRef(input, transpose(weight)).data.map((value, i) => (bias ? value + bias[i % weight.rows] : value));
    return { rows: input.rows, cols: weight.rows, data: cut ? data.map((value) => Math.max(value, 0)) : data };
  };
  const hidden = (w1Data = w1.data, b1Data = b1) => layerRef(x, { ...w1, data: w1Data }, b1Data, true);
  const networkRef = (h1 = hidden(), w2Data = w2.data) => layerRef(layerRef(h1, { ...w2, data: w2Data }, b2, true), w3, null, false);
  const weighed = (out: Matrix) => out.data.reduce((total, v, i) => total + v * r.data[i], 0);
  const reluBackward = ELEMENTWISE_OPS.indexOf('reluBackward');

  /** The gradients of `params`, and how many ReLU backward dispatches the step took. */
  function gradientsOf(g: Gpu, params: Tensor[], loss: () => Tensor): { grads: Tensor[]; reluBackwards: number } {
    g.recording = [];
    try {
      const { loss: value, grads } = valueAndGrad(params, loss);
      value.dispose();
      return { grads, reluBackwards: g.recording.filter(({ kernel }) => kernel.label === 'elementwise.wgsl' && kernel.constants.OP === reluBackward).length };
    } finally {
      g.recording = null;
    }
  }

  it('dx product: the gradients match float64 with no ReLU backward dispatch', async () => {
    expect(hidden().data.filter((value) => value === 0).length, 'units the first ReLU cuts off').toBeGreaterThan(2);
    expect(layerRef(hidden(), w2, b2, true).data.filter((value) => value === 0).length, 'units the second cuts off').toBeGreaterThan(2);
    const g = gpu();
    const [xT, w1T, w2T, w3T, rT] = [x, w1, w2, w3, r].map((matrix) => toTensor(g, matrix));
    const [b1T, b2T] = [b1, b2].map((bias) => g.tensor([width], Float32Array.from(bias)));
    const forward = () => linear(linear(linear(xT, w1T, { bias: b1T, relu: true }), w2T, { bias: b2T, relu: true }), w3T);
    const { grads, reluBackwards } = gradientsOf(g, [w1T, b1T, w2T], () => sum(mul(forward(), rT)));
    expect(reluBackwards, 'both masks applied by the products').toBe(0);
    const expected = [
      finiteDifferenceGradient((data) => weighed(networkRef(hidden(data))), w1.data),
      finiteDifferenceGradient((data) => weighed(networkRef(hidden(w1.data, data))), b1),
      finiteDifferenceGradient((data) => weighed(networkRef(hidden(), data)), w2.data),
    ];
    for (const [index, grad] of grads.entries()) expectClose(await grad.read(), expected[index], { atol: 1e-5 }, `gradient ${index}`);
    for (const t of [xT, w1T, w2T, w3T, rT, b1T, b2T, ...grads]) t.dispose();
  });

  it('dx product after a ReLU op of its own (as the hybrid model puts one after batch norm): no ReLU backward dispatch', async () => {
    const g = gpu();
    const [xT, w1T, w2T, w3T, rT] = [x, w1, w2, w3, r].map((matrix) => toTensor(g, matrix));
    const [b1T, b2T] = [b1, b2].map((bias) => g.tensor([width], Float32Array.from(bias)));
    const forward = () => linear(linear(relu(linear(xT, w1T, { bias: b1T })), w2T, { bias: b2T, relu: true }), w3T);
    const { grads, reluBackwards } = gradientsOf(g, [w1T], () => sum(mul(forward(), rT)));
    expect(reluBackwards).toBe(0);
    expectClose(
      await grads[0].read(),
      finiteDifferenceGradient((data) => weighed(networkRef(hidden(data))), w1.data),
      { atol: 1e-5 },
      "W1's gradient",
    );
    for (const t of [xT, w1T, w2T, w3T, rT, b1T, b2T, ...grads]) t.dispose();
  });

  it('but not when the ReLU output is itself a parameter (features computed before the tape): its gradient is unmasked', async () => {
    const g = gpu();
    const [xT, w1T, w2T, w3T, rT] = [x, w1, w2, w3, r].map((matrix) => toTensor(g, matrix));
    const [b1T, b2T] = [b1, b2].map((bias) => g.tensor([width], Float32Array.from(bias)));
    const features = linear(xT, w1T, { bias: b1T, relu: true });
    const { grads } = gradientsOf(g, [features], () => sum(mul(linear(linear(features, w2T, { bias: b2T, relu: true }), w3T), rT)));
    const h1 = hidden();
    const expected = finiteDifferenceGradient((data) => weighed(networkRef({ ...h1, data })), h1.data);
    expect(
      expected.some((value, i) => h1.data[i] === 0 && Math.abs(value) > 1e-3),
      'a gradient where the feature is 0',
    ).toBe(true);
    expectClose(await grads[0].read(), expected, { atol: 1e-5 }, "the features' gradient");
    for (const t of [xT, w1T, w2T, w3T, rT, b1T, b2T, features, ...grads]) t.dispose();
  });

  it('and a ReLU output used twice sums an unmasked contribution with the masked one, then masks the sum', async () => {
    const g = gpu();
    const [xT, w1T, w2T, w3T, rT] = [x, w1, w2, w3, r].map((matrix) => toTensor(g, matrix));
    const [b1T, b2T] = [b1, b2].map((bias) => g.tensor([width], Float32Array.from(bias)));
    const s = randomMatrix(random, N, width);
    const sT = toTensor(g, s);
    // loss = sum(net(x) * R) + sum(relu(h) * S): h's ReLU output feeds the second layer and the second term
    const { grads, reluBackwards } = gradientsOf(g, [w1T], () => {
      const h = relu(linear(xT, w1T, { bias: b1T }));
      return add(sum(mul(linear(linear(h, w2T, { bias: b2T, relu: true }), w3T), rT)), sum(mul(h, sT)));
    });
    expect(reluBackwards, "the first ReLU's, over the sum").toBe(1);
    const lossRef = (data: Float64Array) => {
      const h1 = hidden(data);
      return weighed(networkRef(h1)) + h1.data.reduce((total, v, i) => total + v * s.data[i], 0);
    };
    expectClose(await grads[0].read(), finiteDifferenceGradient(lossRef, w1.data), { atol: 1e-5 }, "W1's gradient");
    for (const t of [xT, w1T, w2T, w3T, rT, b1T, b2T, sT, ...grads]) t.dispose();
  });
});

describe('BatchNorm', () => {
  it('forward and the gradients of x, gamma and beta match float64', async () => {
    const x = randomMatrix(random, N, m, 3);
    const gamma = randomMatrix(random, 1, m).data;
    const beta = randomMatrix(random, 1, m).data;
    const g = gpu();
    const norm = new BatchNorm(g, m);
    g.upload(norm.gamma, Float32Array.from(gamma));
    g.upload(norm.beta, Float32Array.from(beta));
    const [xT, rT] = [toTensor(g, x), toTensor(g, weightsR)];
    const expected = batchNormRef(x, gamma, beta);
    expectClose(await g.scope(() => norm.apply(xT)).read(), expected, { atol: 1e-5 * maxAbs(expected) }, 'forward');

    const { grads } = valueAndGrad([xT, norm.gamma, norm.beta], () => sum(mul(norm.apply(xT), rT)));
    const expectations = [
      finiteDifferenceGradient((data) => weighted(batchNormRef({ ...x, data }, gamma, beta)), x.data),
      finiteDifferenceGradient((gm) => weighted(batchNormRef(x, gm, beta)), gamma),
      finiteDifferenceGradient((bt) => weighted(batchNormRef(x, gamma, bt)), beta),
    ];
    for (const [index, name] of ['d/dx', 'd/dgamma', 'd/dbeta'].entries()) {
      expectClose(await grads[index].read(), expectations[index], { atol: 1e-4 * maxAbs(expectations[index]) + 1e-6 }, name);
    }
    norm.dispose();
  });

  it('moves the running statistics as PyTorch does, and uses them in evaluation', async () => {
    const g = gpu();
    const norm = new BatchNorm(g, m, { momentum: 0.1 });
    const batches = [randomMatrix(random, N, m, 2), randomMatrix(random, N, m, 5)];
    const runningMean = new Float64Array(m);
    const runningVar = new Float64Array(m).fill(1);
    for (const batch of batches) {
      g.scope(() => norm.apply(toTensor(g, batch)));
      for (let j = 0; j < m; j++) {
        const column = Array.from({ length: N }, (_, i) => batch.data[i * m + j]);
        const mean = column.reduce((s, v) => s + v, 0) / N;
        const unbiased = column.reduce((s, v) => s + (v - mean) ** 2, 0) / (N - 1);
        runningMean[j] = 0.9 * runningMean[j] + 0.1 * mean;
        runningVar[j] = 0.9 * runningVar[j] + 0.1 * unbiased;
      }
    }
    expectClose(await norm.running.read(), [...runningMean, ...runningVar], { atol: 1e-5 }, 'running statistics');

    norm.training = false;
    const x = randomMatrix(random, N, m);
    const expected = x.data.map((v, i) => (v - runningMean[i % m]) / Math.sqrt(runningVar[i % m] + 1e-5));
    expectClose(await g.scope(() => norm.apply(toTensor(g, x))).read(), expected, { atol: 1e-5 }, 'evaluation');
    norm.dispose();
  });
});

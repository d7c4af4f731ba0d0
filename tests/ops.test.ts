// Every op's forward against the float64 reference, and its gradient against float64 central differences.
import { describe, expect, it } from 'vitest';
import { add, gatherRows, gram, matmul, mean, mseLoss, mul, relu, scale, softmaxCrossEntropy, sub, sum, valueAndGrad, type Tensor } from '../engine';
import {
  crossEntropyRef,
  expectClose,
  finiteDifferenceGradient,
  matmulRef,
  maxAbs,
  mseRef,
  oneHot,
  randomMatrix,
  seededRandom,
  transpose,
  type Matrix,
} from './reference';
import { poisonPool, toTensor, useGpu } from './gpu';

const gpu = useGpu();

interface OpCase {
  name: string;
  /** Input shapes as [rows, cols]. */
  inputs: [number, number][];
  /** The op on GPU tensors. */
  gpuOp: (...inputs: Tensor[]) => Tensor;
  /** The same op in float64 on flat row-major arrays; returns a flat array (length 1 for scalars). */
  cpuOp: (...inputs: Matrix[]) => Float64Array;
  /** Inputs that get no gradient (targets). */
  constant?: number[];
}

const labels = [0, 2, 1, 1, 0];
const targets = oneHot(labels, 3);
const elementwiseInputs: [number, number][] = [
  [4, 5],
  [4, 5],
];
const map2 = (f: (x: number, y: number) => number) => (a: Matrix, b: Matrix) => a.data.map((x, i) => f(x, b.data[i]));

const cases: OpCase[] = [
  { name: 'add', inputs: elementwiseInputs, gpuOp: add, cpuOp: map2((x, y) => x + y) },
  { name: 'sub', inputs: elementwiseInputs, gpuOp: sub, cpuOp: map2((x, y) => x - y) },
  { name: 'mul', inputs: elementwiseInputs, gpuOp: mul, cpuOp: map2((x, y) => x * y) },
  { name: 'scale', inputs: [[3, 7]], gpuOp: (a) => scale(a, -2.5), cpuOp: (a) => a.data.map((x) => -2.5 * x) },
  { name: 'relu', inputs: [[6, 6]], gpuOp: relu, cpuOp: (a) => a.data.map((x) => Math.max(x, 0)) },
  { name: 'sum', inputs: [[37, 91]], gpuOp: sum, cpuOp: (a) => Float64Array.of(a.data.reduce((s, x) => s + x, 0)) },
  { name: 'mean', inputs: [[50, 70]], gpuOp: mean, cpuOp: (a) => Float64Array.of(a.data.reduce((s, x) => s + x, 0) / a.data.length) },
  {
    name: 'matmul',
    inputs: [
      [5, 7],
      [7, 3],
    ],
    gpuOp: (a, b) => matmul(a, b),
    cpuOp: (a, b) => matmulRef(a, b).data,
  },
  {
    name: 'matmul A^T',
    inputs: [
      [7, 5],
      [7, 3],
    ],
    gpuOp: (a, b) => matmul(a, b, { transposeA: true }),
    cpuOp: (a, b) => matmulRef(transpose(a), b).data,
  },
  {
    name: 'matmul B^T',
    inputs: [
      [5, 7],
      [3, 7],
    ],
    gpuOp: (a, b) => matmul(a, b, { transposeB: true }),
    cpuOp: (a, b) => matmulRef(a, transpose(b)).data,
  },
  {
    name: 'matmul A^T B^T',
    inputs: [
      [7, 5],
      [3, 7],
    ],
    gpuOp: (a, b) => matmul(a, b, { transposeA: true, transposeB: true }),
    cpuOp: (a, b) => matmulRef(transpose(a), transpose(b)).data,
  },
  { name: 'gram of rows', inputs: [[5, 7]], gpuOp: (x) => gram(x, 'rows'), cpuOp: (x) => matmulRef(x, transpose(x)).data },
  { name: 'gram of columns', inputs: [[7, 5]], gpuOp: (x) => gram(x, 'columns'), cpuOp: (x) => matmulRef(transpose(x), x).data },
  {
    name: 'mseLoss (alpha 3)',
    inputs: [
      [5, 3],
      [5, 3],
    ],
    constant: [1],
    gpuOp: (p, y) => mseLoss(p, y, 3),
    cpuOp: (p, y) => Float64Array.of(mseRef(p, y, 3)),
  },
  {
    name: 'softmaxCrossEntropy',
    inputs: [
      [5, 3],
      [5, 3],
    ],
    constant: [1],
    gpuOp: softmaxCrossEntropy,
    cpuOp: (z, y) => Float64Array.of(crossEntropyRef(z, y)),
  },
];

describe.each(cases)('$name', ({ name, inputs, gpuOp, cpuOp, constant = [] }) => {
  const random = seededRandom(name.length * 7919 + inputs.length);
  const values = inputs.map(([rows, cols], index) => (constant.includes(index) ? targets : randomMatrix(random, rows, cols)));

  it('forward matches float64', async () => {
    const expected = cpuOp(...values);
    const actual = await gpu()
      .scope(() => gpuOp(...values.map((m) => toTensor(gpu(), m))))
      .read();
    expectClose(actual, expected, { atol: 1e-5 * maxAbs(expected), rtol: 1e-5 }, `${name} forward`);
  });

  it('gradient matches float64 central differences', async () => {
    // The scalar L = sum(op(inputs) * R) for a fixed random R, so every output element weighs in differently.
    const outputLength = cpuOp(...values).length;
    const weights = randomMatrix(random, 1, outputLength);
    const weighted = (...ms: Matrix[]) => cpuOp(...ms).reduce((total, x, i) => total + x * weights.data[i], 0);
    const g = gpu();
    const tensors = values.map((m) => toTensor(g, m));
    const outputShape = gpu().scope(() => gpuOp(...tensors).shape);
    const weightTensor = g.tensor(outputShape, Float32Array.from(weights.data));
    const trainable = tensors.filter((_, index) => !constant.includes(index));
    const { grads } = valueAndGrad(trainable, () => sum(mul(gpuOp(...tensors), weightTensor)));
    for (const [gradIndex, param] of trainable.entries()) {
      const index = tensors.indexOf(param);
      const expected = finiteDifferenceGradient((x) => {
        const probe = values.map((m, j) => (j === index ? { ...m, data: x } : m));
        return weighted(...probe);
      }, values[index].data);
      const actual = await grads[gradIndex].read();
      expectClose(actual, expected, { atol: 1e-4 * maxAbs(expected) + 1e-6, rtol: 1e-4 }, `${name} d/dinput${index}`);
    }
    for (const t of [...tensors, weightTensor, ...grads]) t.dispose();
  });
});

describe('gatherRows', () => {
  // Rows of 7 floats (gathered a float at a time) and of 8 (whole vec4s): the kernel takes a different path for each.
  for (const cols of [7, 8]) {
    it(`picks the indexed rows of ${cols} columns, repeats included, and refuses a gradient`, async () => {
      const input = randomMatrix(seededRandom(5), 6, cols);
      const picks = [5, 0, 0, 3, 2];
      const expected = picks.flatMap((row) => Array.from(input.data.subarray(row * cols, (row + 1) * cols)));
      const g = gpu();
      const source = toTensor(g, input);
      poisonPool(g, picks.length * cols); // an output the kernel leaves unwritten shows as 1e30
      const gathered = g.scope(() => gatherRows(source, g.tensor([picks.length], Float32Array.from(picks))));
      expect(gathered.shape).toEqual([picks.length, cols]);
      expectClose(await gathered.read(), expected, { atol: 1e-6 }, 'gathered rows');
      expect(() => valueAndGrad([source], () => sum(gatherRows(source, g.tensor([1], [2]))))).toThrow(/gatherRows: no gradient/);
      for (const t of [source, gathered]) t.dispose();
    });
  }
});

describe('sum over many workgroups', () => {
  it('adds a million values in several passes, within float32 rounding of float64', async () => {
    const values = randomMatrix(seededRandom(9), 1000, 1001); // 1,001,000: several workgroups, then a second pass
    const g = gpu();
    const exact = values.data.reduce((total, v) => total + v, 0);
    const magnitude = values.data.reduce((total, v) => total + Math.abs(v), 0);
    const got = (await g.scope(() => sum(toTensor(g, values))).read())[0];
    expect(Math.abs(got - exact)).toBeLessThan(1e-5 * magnitude);
  });

  // Each invocation adds up to 512 values on a software device, fewer when the count needs fewer: counts around a
  // workgroup's 64 invocations and its 64 * 512, where a second pass begins.
  it.each([1, 63, 64, 65, 100, 4097, 32768, 32769])('adds %i values exactly as float64 does, up to float32 rounding', async (count) => {
    const values = randomMatrix(seededRandom(count), 1, count);
    const g = gpu();
    const exact = values.data.reduce((total, v) => total + v, 0);
    const magnitude = values.data.reduce((total, v) => total + Math.abs(v), 0);
    const got = (await g.scope(() => sum(toTensor(g, values))).read())[0];
    expect(Math.abs(got - exact)).toBeLessThan(1e-6 * magnitude + 1e-7);
  });
});

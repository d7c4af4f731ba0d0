// Tensor blocks (engine/block.ts): views keep their values and identity, gradients land in a block exactly as they
// would in tensors of their own, and the optimisers update a block in one dispatch to the float64 step's weights.
import { describe, expect, it } from 'vitest';
import { Adam, BatchNorm, Sgd, TensorBlock, add, linear, matmul, mseLoss, relu, valueAndGrad, type Gpu, type Tensor } from '../engine';
import { copyInto } from '../engine/ops/elementwise';
import { adamStepRef, expectClose, randomMatrix, seededRandom, sgdStepRef } from './reference';
import { toTensor, useGpu } from './gpu';

const gpu = useGpu();

const random = seededRandom(7);
const values = (size: number) => Float32Array.from({ length: size }, () => random() - 0.5);

/** Tensors of odd sizes, so views end mid-vec4 and the layout pads them. */
const SHAPES = [[3, 5], [7], [2, 2], [1]];

function tensorsOf(g: Gpu, shapes: number[][], label: string): { tensors: Tensor[]; data: Float32Array[] } {
  const data = shapes.map((shape) => values(shape.reduce((p, n) => p * n, 1)));
  return { tensors: shapes.map((shape, i) => g.tensor(shape, data[i], `${label} ${i}`)), data };
}

/** How many dispatches of each kernel `encode` records. */
function dispatchesOf(g: Gpu, encode: () => void): string[] {
  g.recording = [];
  try {
    encode();
    return g.recording.map((dispatch) => dispatch.kernel.label);
  } finally {
    g.recording = null;
  }
}

describe('TensorBlock', () => {
  it('moves tensors into one buffer at aligned offsets, keeping their values and identity; the last view disposed frees it', async () => {
    const g = gpu();
    const { tensors, data } = tensorsOf(g, SHAPES, 'moved');
    const inUse = g.pool.stats().inUse;
    const block = TensorBlock.gather(tensors);
    block.views.forEach((view, i) => expect(view).toBe(tensors[i]));
    expect(TensorBlock.of(tensors)).toBe(block);
    expect(TensorBlock.of(tensors.slice(1)), 'not every view').toBeNull();
    const alignment = g.device.limits.minStorageBufferOffsetAlignment;
    for (const tensor of tensors) {
      expect(tensor.buffer).toBe(block.buffer);
      expect(tensor.region.offset % alignment).toBe(0);
    }
    expect(g.pool.stats().inUse, 'the tensors gave their own buffers back').toBe(inUse - tensors.length + 1);
    for (const [i, tensor] of tensors.entries()) expect(await tensor.read()).toEqual(data[i]);
    // A kernel reads a view where it lies, and writes one there: x + x, copied into the view between two others,
    // leaves them as they were.
    const uploaded = values(7);
    g.upload(tensors[1], uploaded);
    const sum = add(tensors[1], tensors[1]);
    copyInto(sum, tensors[1]);
    sum.dispose();
    expect(await tensors[1].read()).toEqual(uploaded.map((x) => 2 * x));
    for (const i of [0, 2, 3]) expect(await tensors[i].read()).toEqual(data[i]);
    const own = g.tensor([2], [1, 2], 'own');
    expect(() => TensorBlock.gather([own, tensors[0]])).toThrow(/tensor "moved 0" is in a block already/);
    expect(own.block, 'nothing moved').toBeNull();
    own.dispose();
    tensors.slice(0, -1).forEach((tensor) => tensor.dispose());
    expect(g.pool.stats().inUse, 'one view still holds the block').toBe(inUse - tensors.length + 1);
    expect(await tensors[3].read()).toEqual(data[3]);
    tensors[3].dispose();
    expect(g.pool.stats().inUse).toBe(inUse - tensors.length);
  });

  it('takes gradients in place, equal to the tape’s own: an op that writes them there, one that does not, a parameter used twice, one unused', async () => {
    const g = gpu();
    const x = toTensor(g, randomMatrix(random, 6, 5), 'x');
    const target = toTensor(g, randomMatrix(random, 6, 3), 'target');
    const norm = new BatchNorm(g, 4);
    const [w1, b1, w2, unused] = [
      toTensor(g, randomMatrix(random, 4, 5), 'W1'),
      g.tensor([4], values(4), 'b1'),
      toTensor(g, randomMatrix(random, 4, 3), 'W2'),
      g.tensor([3], values(3), 'unused'),
    ];
    // linear writes W1's and b1's gradients in place; the batch norm's are copied; W2's, used twice, summed then copied.
    const inputs = [w1, b1, norm.gamma, norm.beta, w2, unused];
    const loss = () => {
      const h = relu(norm.apply(linear(x, w1, { bias: b1 })));
      return mseLoss(add(matmul(h, w2), matmul(h, w2)), target, 1);
    };
    const expected = await Promise.all(g.scope(() => valueAndGrad(inputs, loss).grads).map((grad) => grad.read()));
    const block = TensorBlock.zeros(
      g,
      inputs.map((input) => input.shape),
      inputs.map((input) => `${input.label} gradient`),
    );
    for (const view of block.views) g.upload(view, new Float32Array(view.size).fill(1e30)); // an entry left unwritten shows
    const { grads } = g.scope(() => valueAndGrad(inputs, loss, block.views));
    grads.forEach((grad, i) => expect(grad).toBe(block.views[i]));
    for (const [i, grad] of grads.entries()) expect(await grad.read(), inputs[i].label).toEqual(expected[i]);
    expect(Array.from(expected[5])).toEqual([0, 0, 0]);
    // Written in place, the linear layer's gradients cost no copy: the recorded step with a block has no more dispatches.
    const layerTarget = toTensor(g, randomMatrix(random, 6, 4), 'layer target');
    const layer = () => mseLoss(linear(x, w1, { bias: b1 }), layerTarget, 1);
    const withBlock = dispatchesOf(g, () => g.scope(() => valueAndGrad([w1, b1], layer, block.views.slice(0, 2))));
    const alone = dispatchesOf(g, () => g.scope(() => valueAndGrad([w1, b1], layer)));
    expect(withBlock).toEqual(alone);
    g.flush();
    block.dispose();
    norm.dispose();
    for (const t of [x, target, layerTarget, w1, b1, w2, unused]) t.dispose();
  });

  it('refuses what WebGPU would: gradients sharing a buffer with the parameters, a copy within one buffer, a block past the limits', () => {
    const g = gpu();
    const params = TensorBlock.zeros(
      g,
      SHAPES,
      SHAPES.map((_, i) => `p${i}`),
    );
    const x = g.tensor([1], [1], 'x');
    const loss = () => mseLoss(matmul(params.views[0], params.views[0], { transposeB: true }), x, 1);
    const own = SHAPES.map((shape, i) => g.tensor(shape, undefined, `g${i}`));
    expect(() => valueAndGrad([...params.views], loss, own.slice(1))).toThrow(/3 gradient tensors for 4 parameters/);
    expect(() => valueAndGrad([...params.views], loss, [...own].reverse())).toThrow(/shapes \[3,5\] and \[1\] differ/);
    expect(() => valueAndGrad([...params.views], loss, [own[0], params.views[1], own[2], own[3]])).toThrow(/"p1" shares a buffer with a parameter/);
    const sgd = new Sgd([...params.views], { learningRate: 0.1 });
    expect(() => sgd.step([own[0], own[1], own[2], params.views[3]])).toThrow(/shares a buffer with a parameter/);
    expect(() => g.copy(params.views[2].region, params.views[1].region)).toThrow(/one buffer/);
    const limit = g.device.limits.maxStorageBufferBindingSize;
    expect(TensorBlock.fits(g, [[limit / 8], [limit / 8]])).toBe(true);
    expect(TensorBlock.fits(g, [[limit / 8], [limit / 8 + 1]]), 'padding included').toBe(false);
    sgd.dispose();
    params.dispose();
    for (const t of [x, ...own]) t.dispose();
  });

  // With one big enough that a software GPU's invocations take several items each, round after round (launch.ts).
  const UPDATED = [...SHAPES, [40, 130]];
  const optimizers = [
    ['SGD with momentum and weight decay', 'sgd', false],
    ['SGD, decoupled weight decay', 'sgd', true],
    ['Adam', 'adam', false],
    ['AdamW', 'adam', true],
  ] as const;
  it.each(optimizers)(
    '%s updates a block in one dispatch, to float64 steps’ weights and the same as one dispatch per parameter',
    async (_, kind, decoupled) => {
      const g = gpu();
      const options = { learningRate: 0.05, momentum: 0.9, weightDecay: 0.1, decoupledWeightDecay: decoupled };
      const make = (params: Tensor[]) => (kind === 'sgd' ? new Sgd(params, options) : new Adam(params, options));
      const alone = tensorsOf(g, UPDATED, 'alone');
      const blocked = TensorBlock.gather(alone.data.map((data, i) => g.tensor(UPDATED[i], data, `blocked ${i}`)));
      const gradients = TensorBlock.zeros(
        g,
        UPDATED,
        UPDATED.map((_, i) => `gradient ${i}`),
      );
      const [separate, together] = [make(alone.tensors), make([...blocked.views])];
      const weights = alone.data.map((data) => Float64Array.from(data));
      const state = weights.map((w) => ({ first: new Float64Array(w.length), second: new Float64Array(w.length) }));
      const refOptions = { ...options, beta1: 0.9, beta2: 0.999, eps: 1e-8, decoupled };
      for (let t = 1; t <= 3; t++) {
        const grads = UPDATED.map((shape) => values(shape.reduce((p, n) => p * n, 1)));
        grads.forEach((grad, i) => g.upload(gradients.views[i], grad));
        const own = grads.map((grad, i) => g.tensor(UPDATED[i], grad, `gradient ${i}`));
        expect(dispatchesOf(g, () => separate.step(own))).toHaveLength(UPDATED.length);
        expect(dispatchesOf(g, () => together.step([...gradients.views]))).toHaveLength(1);
        own.forEach((tensor) => tensor.dispose());
        weights.forEach((w, i) => {
          const grad = Float64Array.from(grads[i]);
          if (kind === 'sgd') sgdStepRef(w, grad, state[i].first, refOptions);
          else adamStepRef(w, grad, state[i], t, refOptions);
        });
      }
      for (const [i, view] of blocked.views.entries()) {
        const updated = await view.read();
        expect(updated, `parameter ${i}: block and one dispatch each`).toEqual(await alone.tensors[i].read());
        expectClose(updated, weights[i], { atol: 1e-6, rtol: 1e-5 }, `parameter ${i} against float64`);
      }
      separate.dispose();
      together.dispose();
      blocked.dispose();
      gradients.dispose();
      alone.tensors.forEach((tensor) => tensor.dispose());
    },
  );
});

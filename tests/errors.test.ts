// Bad input fails loudly, with a message that names the problem.
import { describe, expect, it } from 'vitest';
import { add, matmul, mseLoss, Sgd, sum, valueAndGrad } from '../engine';
import { useGpu } from './gpu';

const gpu = useGpu();

describe('errors', () => {
  it('mismatched shapes name both shapes', () => {
    const a = gpu().tensor([2, 3], [1, 2, 3, 4, 5, 6]);
    const b = gpu().tensor([3, 2], [1, 2, 3, 4, 5, 6]);
    expect(() => add(a, b)).toThrow('add: shapes [2,3] and [3,2] differ');
    expect(() => matmul(a, a)).toThrow('matmul: inner dimensions differ: [2,3] x [2,3] (3 vs 2)');
    expect(() => mseLoss(a, b)).toThrow('mseLoss: shapes [2,3] and [3,2] differ');
    const optimiser = new Sgd([a], { learningRate: 0.1 });
    expect(() => optimiser.step([b])).toThrow('Sgd.step (tensor): shapes [2,3] and [3,2] differ');
  });

  it('empty tensors and bad shapes are refused', () => {
    expect(() => gpu().tensor([0, 3])).toThrow('tensor: empty tensor of shape [0,3] has no elements');
    expect(() => gpu().tensor([2, 1.5])).toThrow('invalid shape [2,1.5]');
    expect(() => gpu().tensor([2, 2], [1, 2, 3], 'x')).toThrow('x: data has 3 values but shape [2,2] needs 4');
  });

  it('NaN and Inf in input data are refused with their index', () => {
    expect(() => gpu().tensor([3], [1, Number.NaN, 3], 'data')).toThrow('data: data contains NaN at index 1; tensors must be finite');
    expect(() => gpu().tensor([2], [Number.POSITIVE_INFINITY, 0], 'data')).toThrow('data contains Infinity at index 0');
  });

  it('a disposed tensor cannot be used, and reading it says so', async () => {
    const t = gpu().tensor([2, 2], [1, 2, 3, 4], 'weights');
    t.dispose();
    expect(() => add(t, t)).toThrow('tensor "weights" [2,2] was used after dispose()');
    await expect(t.read()).rejects.toThrow('was used after dispose()');
    t.dispose(); // twice is harmless
  });

  it('valueAndGrad wants a one-element loss and at least one parameter', () => {
    const w = gpu().tensor([2, 2], [1, 2, 3, 4], 'w');
    expect(() => valueAndGrad([w], () => add(w, w))).toThrow('valueAndGrad: the loss must have one element, got shape [2,2]');
    expect(() => valueAndGrad([], () => sum(w))).toThrow('valueAndGrad: no parameters given');
  });

  it('a WGSL compilation error surfaces as a thrown error with the compiler message', async () => {
    const g = gpu();
    g.kernel('broken', 'fn main() { let x: f32 = ; }');
    await g.device.queue.onSubmittedWorkDone(); // uncaptured errors arrive asynchronously in browsers
    expect(() => g.flush()).toThrow(/WebGPU error|WGSL compilation failed/);
    const t = g.tensor([1], [1]);
    expect(Array.from(await t.read())).toEqual([1]); // the device is still usable afterwards
  });
});

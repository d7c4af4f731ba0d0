// Reductions to a scalar (shaders/reduce.wgsl): sum and mean, each forward beside its backward.
import { record } from '../tape';
import { createTensor, type Tensor } from '../tensor';
import { elementwise } from './elementwise';
import { gridFor } from './launch';
import reduceShader from '../../shaders/reduce.wgsl';

/** The reduction's own workgroup: a tree over workgroup memory, not launch()'s one invocation per item. */
const REDUCE_WORKGROUP_SIZE = 64;
/**
 * Elements each invocation adds before the workgroup's tree, for `count` elements. On CPU backends every workgroup
 * barrier is costly, so few large workgroups win (bench/README.md); GPUs want many. Never more than one workgroup
 * needs to cover `count`: a loss over 100 samples would otherwise loop 512 times in each invocation.
 */
const itemsPerInvocation = (software: boolean, count: number) => Math.max(1, Math.min(software ? 512 : 16, Math.ceil(count / REDUCE_WORKGROUP_SIZE)));

/** factor * (sum of all elements), as a tensor of shape []; passes of partial sums until one value is left. */
export function reduceSum(input: Tensor, factor = 1): Tensor {
  const gpu = input.gpu;
  let current = input;
  for (;;) {
    const ITEMS = itemsPerInvocation(gpu.software, current.size);
    const groups = Math.ceil(current.size / (REDUCE_WORKGROUP_SIZE * ITEMS));
    const last = groups === 1;
    const out = createTensor(gpu, last ? [] : [groups], last ? 'sum' : 'partial sums');
    const kernel = gpu.kernel(reduceShader, { COUNT: current.size, WORKGROUP_SIZE: REDUCE_WORKGROUP_SIZE, ITEMS });
    gpu.dispatch(kernel, [current.binding, out.binding], gridFor(gpu, groups, 1), gpu.values(reduceShader, { factor: last ? factor : 1 }));
    if (current !== input) current.dispose(); // safe: later commands that reuse its buffer run after this one
    if (last) return out;
    current = out;
  }
}

/** Sum of all elements, shape []. d/da_i = gradOutput. */
export function sum(a: Tensor): Tensor {
  return record(reduceSum(a), [a], (gradOutput) => [elementwise('broadcast', gradOutput, gradOutput, 1, a.shape)]);
}

/** Mean of all elements, shape []. d/da_i = gradOutput / size. */
export function mean(a: Tensor): Tensor {
  return record(reduceSum(a, 1 / a.size), [a], (gradOutput) => [elementwise('broadcast', gradOutput, gradOutput, 1 / a.size, a.shape)]);
}

// fill: a tensor with every element equal to a constant. No gradient: its output depends on no input.
import type { Gpu } from '../gpu';
import { createTensor, validateShape, type Tensor } from '../tensor';
import { gridFor } from './grid';
import fillSource from '../../shaders/fill.wgsl';

export function fill(gpu: Gpu, shape: readonly number[], value: number, label = 'fill'): Tensor {
  validateShape(shape, label);
  const out = createTensor(gpu, shape, label);
  const kernel = gpu.kernel('fill', fillSource, { COUNT: out.size, VALUE: value });
  gpu.dispatch(kernel, [out.buffer], gridFor(gpu, out.size));
  return out;
}

// fill: a tensor with every element equal to a constant. No gradient: its output depends on no input.
import type { Gpu } from '../gpu';
import { sizeOf, validateShape, type Tensor } from '../tensor';
import { launchInto, vec4Items } from './launch';
import fillShader from '../../shaders/fill.wgsl';

export function fill(gpu: Gpu, shape: readonly number[], value: number, label = 'fill'): Tensor {
  validateShape(shape, label);
  return launchFill(gpu, shape, value, label, null);
}

/** Sets every element of an existing tensor to `value`. */
export function fillInto(tensor: Tensor, value: number): void {
  launchFill(tensor.gpu, tensor.shape, value, tensor.label, tensor);
}

function launchFill(gpu: Gpu, shape: readonly number[], value: number, label: string, into: Tensor | null): Tensor {
  const size = sizeOf(shape);
  return launchInto(gpu, fillShader, shape, label, { inputs: [], into, values: { value, count: size }, items: vec4Items(size) });
}

// Elementwise ops (shaders/elementwise.wgsl): add, sub, mul, scale, relu, each forward beside its backward.
import { record } from '../tape';
import { assertSameShape, createTensor, type Tensor } from '../tensor';
import { gridFor } from './grid';
import elementwiseSource from '../../shaders/elementwise.wgsl';

/** The OP codes of shaders/elementwise.wgsl. */
const OP_CODES = { add: 0, sub: 1, mul: 2, scale: 3, relu: 4, reluBackward: 5, broadcast: 6 } as const;
type ElementwiseOp = keyof typeof OP_CODES;

/** Dispatches one elementwise kernel; unary ops pass their input as both a and b. */
export function elementwise(op: ElementwiseOp, a: Tensor, b: Tensor, factor = 1, shape = a.shape): Tensor {
  const gpu = a.gpu;
  const out = createTensor(gpu, shape, op);
  const kernel = gpu.kernel('elementwise', elementwiseSource, { OP: OP_CODES[op], COUNT: out.size, SCALE: factor });
  gpu.dispatch(kernel, [a.buffer, b.buffer, out.buffer], gridFor(gpu, out.size));
  return out;
}

/** a + b, same shapes. d/da = d/db = gradOutput. */
export function add(a: Tensor, b: Tensor): Tensor {
  assertSameShape('add', a, b);
  return record(elementwise('add', a, b), [a, b], (gradOutput) => [gradOutput, gradOutput]);
}

/** a - b, same shapes. d/da = gradOutput, d/db = -gradOutput. */
export function sub(a: Tensor, b: Tensor): Tensor {
  assertSameShape('sub', a, b);
  return record(elementwise('sub', a, b), [a, b], (gradOutput, needsGrad) => [
    gradOutput,
    needsGrad[1] ? scale(gradOutput, -1) : null,
  ]);
}

/** a * b elementwise, same shapes. d/da = gradOutput * b, d/db = gradOutput * a. */
export function mul(a: Tensor, b: Tensor): Tensor {
  assertSameShape('mul', a, b);
  return record(elementwise('mul', a, b), [a, b], (gradOutput, needsGrad) => [
    needsGrad[0] ? mul(gradOutput, b) : null,
    needsGrad[1] ? mul(gradOutput, a) : null,
  ]);
}

/** factor * a for a constant factor. d/da = factor * gradOutput. */
export function scale(a: Tensor, factor: number): Tensor {
  if (!Number.isFinite(factor)) throw new Error(`scale: factor must be finite, got ${factor}`);
  return record(elementwise('scale', a, a, factor), [a], (gradOutput) => [scale(gradOutput, factor)]);
}

/** max(a, 0). d/da = gradOutput where a > 0, else 0 (at a = 0 too, as PyTorch). */
export function relu(a: Tensor): Tensor {
  return record(elementwise('relu', a, a), [a], (gradOutput) => [elementwise('reluBackward', gradOutput, a)]);
}

// Elementwise ops (shaders/elementwise.wgsl): add, sub, mul, scale, relu, each forward beside its backward.
import { withCodes } from '../shader';
import { record, type Tape } from '../tape';
import { assertSameShape, sizeOf, type Tensor } from '../tensor';
import { launchInto, vec4Items } from './launch';
import elementwiseFile from '../../shaders/elementwise.wgsl';

/** The ops of shaders/elementwise.wgsl: an op's code is its place here, and the shader sees OP_<NAME>. */
export const ELEMENTWISE_OPS = ['add', 'sub', 'mul', 'scale', 'relu', 'reluBackward', 'broadcast'] as const;
export type ElementwiseOp = (typeof ELEMENTWISE_OPS)[number];
const shader = withCodes(elementwiseFile, 'OP', ELEMENTWISE_OPS);

/** Dispatches one elementwise kernel into `into`, or a new tensor when it is null; unary ops pass their input as both a and b. */
export function elementwise(op: ElementwiseOp, a: Tensor, b: Tensor, factor = 1, shape = a.shape, into: Tensor | null = null): Tensor {
  const code = ELEMENTWISE_OPS.indexOf(op);
  if (code < 0) throw new Error(`elementwise: unknown op '${op}'; the ops are ${ELEMENTWISE_OPS.join(', ')}`);
  const size = sizeOf(shape);
  const values = { factor, count: size };
  return launchInto(a.gpu, shader, shape, op, { inputs: [a, b], into, constants: { OP: code }, values, items: vec4Items(size) });
}

/** Writes `source`'s values into `destination`, of the same shape (a dispatch, so a compiled step replays it). */
export function copyInto(source: Tensor, destination: Tensor): void {
  elementwise('scale', source, source, 1, source.shape, destination);
}

/** a + b, same shapes. d/da = d/db = gradOutput. */
export function add(a: Tensor, b: Tensor): Tensor {
  assertSameShape('add', a, b);
  return record(elementwise('add', a, b), [a, b], (gradOutput) => [gradOutput, gradOutput]);
}

/** a - b, same shapes. d/da = gradOutput, d/db = -gradOutput. */
export function sub(a: Tensor, b: Tensor): Tensor {
  assertSameShape('sub', a, b);
  return record(elementwise('sub', a, b), [a, b], (gradOutput, needsGrad) => [gradOutput, needsGrad[1] ? scale(gradOutput, -1) : null]);
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
  const y = markReluOutput(elementwise('relu', a, a));
  return record(y, [a], (gradOutput) => [reluGradient(gradOutput, y, a)]);
}

// A ReLU's gradient is its output's gradient kept where the output is > 0, and that is the only use the output's
// gradient has. So the op that computes it may apply the mask as it writes (linear's dx, in the matmul's epilogue) and
// the ReLU then spends no dispatch on it. A parameter is never masked: only outputs made while the same tape records are.
const reluOutputs = new WeakMap<Tensor, Tape>();
/** Gradients that carry a ReLU output's mask already, with that output. */
const maskedBy = new WeakMap<Tensor, Tensor>();

/** Notes `y` as a ReLU's output on the tape recording now, if any; returns it. */
export function markReluOutput(y: Tensor): Tensor {
  if (y.gpu.tape) reluOutputs.set(y, y.gpu.tape);
  return y;
}

/** `x` when it is a ReLU's output recorded on `tape`, so x's gradient may carry its mask (then noted by maskedWith). */
export const reluMaskFor = (x: Tensor, tape: Tape | null): Tensor | null => (tape && reluOutputs.get(x) === tape ? x : null);

/** Notes that `gradient` was masked where ReLU output `y` is 0; returns it. */
export function maskedWith(gradient: Tensor, y: Tensor): Tensor {
  maskedBy.set(gradient, y);
  return gradient;
}

/** gradOutput kept where `a` > 0 (a ReLU's input or output `y`), or as it is when it carries y's mask already. */
export function reluGradient(gradOutput: Tensor, y: Tensor, a: Tensor = y): Tensor {
  return maskedBy.get(gradOutput) === y ? gradOutput : elementwise('reluBackward', gradOutput, a);
}

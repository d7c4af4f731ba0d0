// addBias: x + 1 b^T, a bias row added to every sample (shaders/bias.wgsl), forward beside backward.
import { withCodes } from '../shader';
import { record } from '../tape';
import type { Tensor } from '../tensor';
import { launchInto, vec4Items } from './launch';
import biasFile from '../../shaders/bias.wgsl';

/** The ops of shaders/bias.wgsl: an op's code is its place here. */
const BIAS_OPS = ['addBias', 'sumRows'] as const;
const shader = withCodes(biasFile, 'OP', BIAS_OPS);
const opCode = (op: (typeof BIAS_OPS)[number]) => BIAS_OPS.indexOf(op);

/** out[i, j] = x[i, j] + bias[j] for x of shape N x m and bias of shape [m]. d/dx = g, d/dbias = column sums of g. */
export function addBias(x: Tensor, bias: Tensor): Tensor {
  if (x.shape.length !== 2 || bias.shape.length !== 1 || bias.shape[0] !== x.shape[1]) {
    throw new Error(`addBias: needs x of shape [N, m] and a bias of shape [m], got [${x.shape}] and [${bias.shape}]`);
  }
  const [rows, cols] = x.shape;
  const constants = { OP: opCode('addBias'), ROWS: rows, COLS: cols };
  const out = launchInto(x.gpu, shader, x.shape, 'biased', { inputs: [x, bias], constants, items: vec4Items(rows * cols) });
  return record(out, [x, bias], (gradOutput, needsGrad, into) => [needsGrad[0] ? gradOutput : null, needsGrad[1] ? sumRows(gradOutput, into[1]) : null]);
}

/** The column sums of an N x m matrix, shape [m], into `into` or a new tensor when it is null. */
export function sumRows(x: Tensor, into: Tensor | null = null): Tensor {
  const [rows, cols] = x.shape;
  return launchInto(x.gpu, shader, [cols], 'row sums', {
    inputs: [x, x],
    into,
    constants: { OP: opCode('sumRows'), ROWS: rows, COLS: cols },
    items: vec4Items(cols),
  });
}

// addBias: x + 1 b^T, a bias row added to every sample (shaders/bias.wgsl), forward beside backward.
import { record } from '../tape';
import { createTensor, type Tensor } from '../tensor';
import { gridFor } from './grid';
import biasSource from '../../shaders/bias.wgsl';

/** out[i, j] = x[i, j] + bias[j] for x of shape N x m and bias of shape [m]. d/dx = g, d/dbias = column sums of g. */
export function addBias(x: Tensor, bias: Tensor): Tensor {
  if (x.shape.length !== 2 || bias.shape.length !== 1 || bias.shape[0] !== x.shape[1]) {
    throw new Error(`addBias: needs x of shape [N, m] and a bias of shape [m], got [${x.shape}] and [${bias.shape}]`);
  }
  const [rows, cols] = x.shape;
  const gpu = x.gpu;
  const out = createTensor(gpu, x.shape, 'biased');
  const kernel = gpu.kernel('bias', biasSource, { OP: 0, ROWS: rows, COLS: cols });
  gpu.dispatch(kernel, [x.buffer, bias.buffer, out.buffer], gridFor(gpu, rows * cols));
  return record(out, [x, bias], (gradOutput, needsGrad) => [needsGrad[0] ? gradOutput : null, needsGrad[1] ? sumRows(gradOutput) : null]);
}

/** The column sums of an N x m matrix, shape [m]. */
export function sumRows(x: Tensor): Tensor {
  const [rows, cols] = x.shape;
  const gpu = x.gpu;
  const out = createTensor(gpu, [cols], 'row sums');
  const kernel = gpu.kernel('bias', biasSource, { OP: 1, ROWS: rows, COLS: cols });
  gpu.dispatch(kernel, [x.buffer, x.buffer, out.buffer], gridFor(gpu, cols));
  return out;
}

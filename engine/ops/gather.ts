// gatherRows: the rows of a matrix picked by an index tensor (a mini-batch of the data); shaders/gather.wgsl.
import { record } from '../tape';
import { createTensor, type Tensor } from '../tensor';
import { gridFor } from './grid';
import gatherSource from '../../shaders/gather.wgsl';

/** out[r, :] = input[indices[r], :] for an R x C input and R' indices (stored as floats, < 2^24). */
export function gatherRows(input: Tensor, indices: Tensor): Tensor {
  if (input.shape.length !== 2) throw new Error(`gatherRows: input must be a matrix, got shape [${input.shape}]`);
  const gpu = input.gpu;
  const [rows, cols] = [indices.size, input.shape[1]];
  const out = createTensor(gpu, [rows, cols], 'gathered rows');
  const kernel = gpu.kernel('gather', gatherSource, { ROWS: rows, COLS: cols });
  gpu.dispatch(kernel, [input.buffer, indices.buffer, out.buffer], gridFor(gpu, rows * cols));
  return record(out, [input, indices], () => {
    throw new Error('gatherRows: no gradient; it selects data, not parameters');
  });
}

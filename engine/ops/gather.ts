// gatherRows: the rows of a matrix picked by an index tensor (a mini-batch of the data); shaders/gather.wgsl.
import { record } from '../tape';
import type { Tensor } from '../tensor';
import { launchInto, vec4Items } from './launch';
import gatherShader from '../../shaders/gather.wgsl';

/** out[r, :] = input[indices[r], :] for an R x C input and R' indices (stored as floats, < 2^24). */
export function gatherRows(input: Tensor, indices: Tensor): Tensor {
  if (input.shape.length !== 2) throw new Error(`gatherRows: input must be a matrix, got shape [${input.shape}]`);
  const [rows, cols] = [indices.size, input.shape[1]];
  const out = launchInto(input.gpu, gatherShader, [rows, cols], 'gathered rows', {
    inputs: [input, indices],
    constants: { ROWS: rows, COLS: cols },
    items: vec4Items(rows * cols),
  });
  return record(out, [input, indices], () => {
    throw new Error('gatherRows: no gradient; it selects data, not parameters');
  });
}

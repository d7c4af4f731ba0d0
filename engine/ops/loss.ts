// Losses against one-hot targets (shaders/loss.wgsl), each forward beside its backward.
// Predictions are N x K, one sample per row; targets are N x K one-hot rows (or any rows summing to one).
import { record } from '../tape';
import { withCodes } from '../shader';
import { assertSameShape, type Tensor } from '../tensor';
import { launchInto } from './launch';
import { reduceSum } from './reduce';
import lossFile from '../../shaders/loss.wgsl';

/** The modes of shaders/loss.wgsl, with what each runs one invocation per: a mode's code is its place here. */
const MODES = { mseTerms: 'element', mseBackward: 'element', crossEntropyRows: 'row', crossEntropyBackward: 'row' } as const;
const MODE_NAMES = Object.keys(MODES) as (keyof typeof MODES)[];
const shader = withCodes(lossFile, 'MODE', MODE_NAMES);

function runLoss(mode: keyof typeof MODES, prediction: Tensor, target: Tensor, upstream: Tensor, alpha: number, outShape: number[]): Tensor {
  const code = MODE_NAMES.indexOf(mode);
  if (code < 0) throw new Error(`loss: unknown mode '${mode}'; the modes are ${MODE_NAMES.join(', ')}`);
  const [rows, cols] = prediction.shape;
  const items = MODES[mode] === 'element' ? rows * cols : rows;
  const inputs = [prediction, target, upstream];
  return launchInto(prediction.gpu, shader, outShape, mode, { inputs, constants: { MODE: code, ROWS: rows, COLS: cols }, values: { alpha }, items });
}

function assertRowsOfClasses(op: string, prediction: Tensor, target: Tensor): void {
  if (prediction.shape.length !== 2) throw new Error(`${op}: prediction must be N x K, got shape [${prediction.shape}]`);
  assertSameShape(op, prediction, target);
}

/**
 * Mean squared error with feature multiplier alpha: sum((alpha * prediction - target)^2) / N.
 * d/dprediction = gradOutput * 2 alpha / N * (alpha * prediction - target); the target gets no gradient.
 */
export function mseLoss(prediction: Tensor, target: Tensor, alpha = 1): Tensor {
  assertRowsOfClasses('mseLoss', prediction, target);
  const rows = prediction.shape[0];
  const terms = runLoss('mseTerms', prediction, target, target, alpha, [...prediction.shape]);
  const loss = reduceSum(terms, 1 / rows);
  terms.dispose();
  return record(loss, [prediction, target], (gradOutput, needsGrad) => {
    if (needsGrad[1]) throw new Error('mseLoss: gradients with respect to the target are not implemented');
    return [runLoss('mseBackward', prediction, target, gradOutput, alpha, [...prediction.shape]), null];
  });
}

/**
 * Softmax cross-entropy, averaged over rows: -sum_ij target_ij log softmax(logits_i)_j / N, computed as
 * logsumexp - <target, logits> with the row maximum subtracted first (no overflow for large logits).
 * d/dlogits = gradOutput / N * (softmax(logits) * sum_j target_ij - target).
 */
export function softmaxCrossEntropy(logits: Tensor, target: Tensor): Tensor {
  assertRowsOfClasses('softmaxCrossEntropy', logits, target);
  const rows = logits.shape[0];
  const perRow = runLoss('crossEntropyRows', logits, target, target, 1, [rows]);
  const loss = reduceSum(perRow, 1 / rows);
  perRow.dispose();
  return record(loss, [logits, target], (gradOutput, needsGrad) => {
    if (needsGrad[1]) throw new Error('softmaxCrossEntropy: gradients with respect to the target are not implemented');
    return [runLoss('crossEntropyBackward', logits, target, gradOutput, 1, [...logits.shape]), null];
  });
}

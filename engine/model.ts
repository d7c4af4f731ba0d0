// The deep linear network of METHOD.md: f(x) = W_L ... W_1 x, no biases; weights stored out x in (nn.Linear).
// Samples are rows, so a layer maps Z (N x in) to Z W^T (N x out).
import { matmul } from './ops/matmul';
import type { Tensor } from './tensor';

/** The network's output for inputs (N x d): N x K. */
export function dlnForward(inputs: Tensor, weights: readonly Tensor[]): Tensor {
  return weights.reduce((features, weight) => matmul(features, weight, { transposeB: true }), inputs);
}

/** The features z_0 = x, z_1, ..., z_{L-1} (each N x width): every layer's output before the classifier. */
export function dlnFeatures(inputs: Tensor, weights: readonly Tensor[]): Tensor[] {
  const features = [inputs];
  for (const weight of weights.slice(0, -1)) features.push(matmul(features.at(-1)!, weight, { transposeB: true }));
  return features;
}

/** Throws unless the shapes chain: W_1 is m_1 x d, each next W_l takes the previous output, W_L gives K classes. */
export function checkChain(weights: readonly { shape: readonly number[] }[], inputDim: number, classes: number, name = (l: number) => `W${l + 1}`): void {
  if (weights.length === 0) throw new Error('the network needs at least one weight matrix');
  let width = inputDim;
  weights.forEach((weight, l) => {
    if (weight.shape.length !== 2) throw new Error(`${name(l)}: a weight must be a matrix (out x in), got shape [${weight.shape}]`);
    if (weight.shape[1] !== width) {
      throw new Error(`${name(l)}: shape [${weight.shape}] takes ${weight.shape[1]} inputs, but the layer before gives ${width}`);
    }
    width = weight.shape[0];
  });
  if (width !== classes) throw new Error(`${name(weights.length - 1)}: the last layer gives ${width} outputs, but there are ${classes} classes`);
}

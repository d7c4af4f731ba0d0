// The networks of METHOD.md, weights stored out x in (nn.Linear); samples are rows, so a layer maps Z to Z W^T.
// - linear: the deep linear network f(x) = W_L ... W_1 x, no biases (the theory's model);
// - mlp: every hidden layer Linear (with bias) + ReLU, the classifier Linear (with bias);
// - hybrid: the first k hidden layers Linear + BatchNorm + ReLU (no bias: the norm's shift replaces it),
//   then linear layers as in the deep linear network.
// The features z_l measured at each layer are the outputs of hidden layer l (after its nonlinearity), z_0 = x.
import { TensorBlock } from './block';
import type { Gpu } from './gpu';
import { BatchNorm } from './ops/batchnorm';
import { relu } from './ops/elementwise';
import { linear } from './ops/matmul';
import type { Choice } from './settings';
import type { Tensor } from './tensor';

export type ModelKind = Choice<'model'>;

/** How each layer of a network is built beside its weight. */
interface LayerExtras {
  bias: Tensor | null;
  norm: BatchNorm | null;
  activation: boolean;
}

/**
 * A network on the GPU; it owns its tensors (the weights included) until dispose(). Its parameters live in one block
 * (engine/block.ts) where one fits the device, the weights passed in moved there. Create outside any scope.
 */
export class Network {
  private constructor(
    readonly kind: ModelKind,
    readonly weights: Tensor[],
    private readonly layers: LayerExtras[],
  ) {}

  /**
   * Builds `kind` around `weights` (W_1 .. W_L, already on the GPU). `biases` gives the MLP's initial biases
   * (zeros when omitted); `nonlinearLayers` is the hybrid's k.
   */
  static create(gpu: Gpu, kind: ModelKind, weights: Tensor[], options: { biases?: Float32Array[]; nonlinearLayers?: number } = {}): Network {
    const L = weights.length;
    const k = options.nonlinearLayers ?? 1;
    if (kind === 'hybrid' && (!Number.isInteger(k) || k < 1 || k > L - 1)) {
      throw new Error(`hybrid: nonlinearLayers must be 1..${L - 1} (the hidden layers), got ${k}`);
    }
    const layers = weights.map((weight, l): LayerExtras => {
      const hidden = l < L - 1;
      const out = weight.shape[0];
      switch (kind) {
        case 'linear':
          return { bias: null, norm: null, activation: false };
        case 'mlp':
          return { bias: gpu.tensor([out], options.biases?.[l] ?? new Float32Array(out), `b${l + 1}`), norm: null, activation: hidden };
        case 'hybrid':
          return l < k ? { bias: null, norm: new BatchNorm(gpu, out), activation: true } : { bias: null, norm: null, activation: false };
        default:
          throw new Error(`unknown model '${kind satisfies never}' (linear, mlp, hybrid)`);
      }
    });
    const network = new Network(kind, weights, layers);
    // One block, so the optimiser updates them all in one dispatch, where it fits the device and the parameters are
    // not in a block already (weights another network holds): else one dispatch each, as any tensors.
    if (TensorBlock.canGather(network.parameters)) TensorBlock.gather(network.parameters);
    return network;
  }

  /** Everything the optimiser updates: weights, then biases and the norms' gamma and beta. */
  get parameters(): Tensor[] {
    return [...this.weights, ...this.layers.flatMap(({ bias, norm }) => [...(bias ? [bias] : []), ...(norm?.parameters ?? [])])];
  }

  /** The biases by layer (null where a layer has none), for saving. */
  get biases(): (Tensor | null)[] {
    return this.layers.map((layer) => layer.bias);
  }

  /** The batch norms in layer order (a hybrid's first k layers; none elsewhere). */
  get norms(): BatchNorm[] {
    return this.layers.flatMap(({ norm }) => (norm ? [norm] : []));
  }

  /** Batch norms use batch statistics when training, running ones otherwise. */
  set training(training: boolean) {
    for (const norm of this.norms) norm.training = training;
  }

  /** The output (N x K) for inputs (N x d). */
  forward(inputs: Tensor): Tensor {
    return this.weights.reduce((z, _, l) => this.layer(l, z), inputs);
  }

  /** z_0 = x, z_1, ..., z_{upTo} (each N x width); upTo defaults to L-1, the classifier's input. */
  features(inputs: Tensor, upTo = this.weights.length - 1): Tensor[] {
    const features = [inputs];
    for (let l = 0; l < upTo; l++) features.push(this.layer(l, features[l]));
    return features;
  }

  dispose(): void {
    for (const weight of this.weights) weight.dispose();
    for (const { bias, norm } of this.layers) {
      bias?.dispose();
      norm?.dispose();
    }
  }

  private layer(l: number, z: Tensor): Tensor {
    const { bias, norm, activation } = this.layers[l];
    if (!norm) return linear(z, this.weights[l], { bias, relu: activation }); // one dispatch
    const h = norm.apply(linear(z, this.weights[l], { bias }));
    return activation ? relu(h) : h;
  }
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

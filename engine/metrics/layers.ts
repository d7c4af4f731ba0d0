// The per-layer measures of METHOD.md, computed on the GPU; only K x K matrices and scalars come back, in one readback.
import type { Gpu } from '../gpu';
import type { Tensor } from '../tensor';
import { gram, matmul } from '../ops/matmul';
import { mul, sub } from '../ops/elementwise';
import { reduceSum } from '../ops/reduce';
import { symmetricEigenvalues, symmetricPseudoInverse } from './eigen';
import { fitLayers, type LayerFits } from './fits';

export interface LayerMetrics {
  /** 0 is the input; L-1 is the classifier's input. */
  layer: number;
  /** Within-class compression Tr(Sigma_W) / Tr(Sigma_B). */
  C: number;
  /** Between-class discrimination 1 - max_{k != k'} cos(mu_k, mu_k'). */
  D: number;
  /** Tr(Sigma_W Sigma_B^+) / K. */
  NC1: number;
  trace_within: number;
  trace_between: number;
  /** Singular values of the N x m feature matrix above 1e-3 of the largest. */
  rank: number;
}

export interface NetworkMetrics {
  layers: LayerMetrics[];
  /** ||W_l W_l^T - W_{l+1}^T W_{l+1}||_F for l = 1..L-1. */
  balancedness: number[];
  /** Singular values of each W_l, largest first. */
  singular_values: number[][];
  fit: LayerFits;
}

/** Singular values below this fraction of the largest count as zero for the numerical rank. */
const RANK_CUTOFF = 1e-3;

/** Class-membership matrices for one labelling, uploaded once and reused at every measurement. */
export class MetricsStage {
  private readonly classAverager: Tensor; // K x N, 1/n_k where sample i is in class k
  private readonly centringAverager: Tensor; // K x N, 1/n_k - 1/N where sample i is in class k, else -1/N
  private readonly oneHot: Tensor; // N x K
  readonly samples: number;
  /** Layer 0 is the input, which training never changes: measured once, reused while features[0] is that tensor. */
  private input: { features: Tensor; metrics: LayerMetrics } | null = null;

  /** `labels` are 0..classes-1, every class present. Create outside any scope; dispose() when done. */
  constructor(private readonly gpu: Gpu, labels: ArrayLike<number>, readonly classes: number) {
    const N = labels.length;
    const counts = new Array<number>(classes).fill(0);
    for (let i = 0; i < N; i++) counts[labels[i]] += 1;
    const missing = counts.findIndex((count) => count === 0);
    if (missing >= 0) throw new Error(`metrics: class ${missing} has no samples; labels must cover 0..${classes - 1}`);
    const averager = new Float32Array(classes * N);
    const centring = new Float32Array(classes * N).fill(-1 / N);
    const oneHot = new Float32Array(N * classes);
    for (let i = 0; i < N; i++) {
      averager[labels[i] * N + i] = 1 / counts[labels[i]];
      centring[labels[i] * N + i] += 1 / counts[labels[i]];
      oneHot[i * classes + labels[i]] = 1;
    }
    this.samples = N;
    this.classAverager = gpu.tensor([classes, N], averager, 'class averager');
    this.centringAverager = gpu.tensor([classes, N], centring, 'centring class averager');
    this.oneHot = gpu.tensor([N, classes], oneHot, 'one-hot labels');
  }

  /**
   * Measures every layer's features (features[l] is N x m_l, l = 0..L-1) and the weights (each out x in).
   * Precondition: features[0], the input, is not rewritten in place between calls (pass a new tensor for new data).
   */
  async measure(features: readonly Tensor[], weights: readonly Tensor[]): Promise<NetworkMetrics> {
    if (features.length === 0) throw new Error('metrics: no layers to measure');
    const known = this.input?.features === features[0] ? this.input.metrics : null;
    const pending = this.gpu.scope(() => ({
      layers: features.map((layerFeatures, l) => (l === 0 && known ? null : this.enqueueLayer(layerFeatures))),
      weights: this.enqueueWeights(weights),
    }));
    const tensors = [...pending.layers.flatMap((layer) => (layer ? Object.values(layer) : [])), ...pending.weights.flatMap((w) => Object.values(w))];
    const bytes = await this.gpu.readMany(tensors.map((t) => ({ buffer: t.buffer, byteLength: t.size * 4 })));
    const values = new Map(tensors.map((t, index) => [t, new Float32Array(bytes[index])]));
    for (const t of tensors) t.dispose();
    const read = (t: Tensor) => Float64Array.from(values.get(t)!);

    const layers = pending.layers.map((layer, index) => (layer ? this.layerMetrics(index, layer, read) : known!));
    this.input = { features: features[0], metrics: layers[0] };
    const balancedness = pending.weights.slice(0, -1).map((w) => Math.sqrt(Math.max(0, read(w.imbalanceSquared!)[0])));
    const singular_values = pending.weights.map((w) => {
      const size = Math.sqrt(w.gram.size);
      return Array.from(symmetricEigenvalues(read(w.gram), size), (value) => Math.sqrt(Math.max(0, value)));
    });
    return { layers, balancedness, singular_values, fit: fitLayers(layers) };
  }

  dispose(): void {
    for (const t of [this.classAverager, this.centringAverager, this.oneHot]) t.dispose();
  }

  /** Two passes, never E[z^2] - mu^2: class means first, then squared deviations from them; mu_k - mu_G in one product. */
  private enqueueLayer(features: Tensor) {
    if (features.shape[0] !== this.samples) {
      throw new Error(`metrics: features have ${features.shape[0]} rows but there are ${this.samples} labels`);
    }
    const [N, m] = features.shape;
    const means = matmul(this.classAverager, features); // K x m
    const deviations = sub(features, matmul(this.oneHot, means)); // N x m: z_i - mu_{y_i}
    const centredMeans = matmul(this.centringAverager, features); // K x m: mu_k - mu_G
    const projected = matmul(deviations, centredMeans, { transposeB: true }); // N x K
    return {
      traceWithin: reduceSum(mul(deviations, deviations), 1 / N),
      meanGram: gram(means, 'rows'), // K x K
      centredGram: gram(centredMeans, 'rows'), // K x K: A = Mc Mc^T, whose trace is K Tr(Sigma_B)
      withinInMeanSpace: gram(projected, 'columns'), // K x K: N * Mc Sigma_W Mc^T
      featureGram: gram(features, N <= m ? 'rows' : 'columns'),
    };
  }

  private enqueueWeights(weights: readonly Tensor[]) {
    return weights.map((weight, l) => {
      const next = weights[l + 1];
      const outer = gram(weight, 'rows'); // W_l W_l^T
      const imbalance = next ? sub(outer, gram(next, 'columns')) : null;
      const smallerGram = weight.shape[0] <= weight.shape[1] ? outer : gram(weight, 'columns');
      return { gram: smallerGram, ...(imbalance ? { imbalanceSquared: reduceSum(mul(imbalance, imbalance)) } : {}) } as { gram: Tensor; imbalanceSquared?: Tensor };
    });
  }

  private layerMetrics(layer: number, t: ReturnType<MetricsStage['enqueueLayer']>, read: (t: Tensor) => Float64Array): LayerMetrics {
    const K = this.classes;
    const traceWithin = read(t.traceWithin)[0];
    const centredGram = read(t.centredGram);
    let traceBetween = 0;
    for (let k = 0; k < K; k++) traceBetween += centredGram[k * K + k] / K;
    const meanGram = read(t.meanGram);
    let largestCosine = -1;
    for (let k = 0; k < K; k++) {
      for (let j = k + 1; j < K; j++) {
        const cosine = meanGram[k * K + j] / Math.sqrt(meanGram[k * K + k] * meanGram[j * K + j]);
        largestCosine = Math.max(largestCosine, cosine);
      }
    }
    // NC1 = Tr(Sigma_W Sigma_B^+) / K = Tr(A^+ A^+ B) with A = Mc Mc^T and B = Mc Sigma_W Mc^T (K x K each).
    const pseudoInverse = symmetricPseudoInverse(centredGram, K, 1e-5);
    const within = read(t.withinInMeanSpace).map((value) => value / this.samples);
    let nc1 = 0;
    for (let i = 0; i < K; i++) {
      for (let j = 0; j < K; j++) {
        let squared = 0;
        for (let k = 0; k < K; k++) squared += pseudoInverse[i * K + k] * pseudoInverse[k * K + j];
        nc1 += squared * within[j * K + i];
      }
    }
    const gramSize = Math.sqrt(t.featureGram.size);
    const eigenvalues = symmetricEigenvalues(read(t.featureGram), gramSize);
    const rank = eigenvalues.filter((value) => value > eigenvalues[0] * RANK_CUTOFF ** 2).length;
    return { layer, C: traceWithin / traceBetween, D: 1 - largestCosine, NC1: nc1, trace_within: traceWithin, trace_between: traceBetween, rank };
  }
}

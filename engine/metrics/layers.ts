// The per-layer measures of METHOD.md, computed on the GPU; only K x K matrices and scalars come back, in one
// readback (and, for the last layer's NC4, two N x K score matrices).
import type { Gpu } from '../gpu';
import type { Tensor } from '../tensor';
import { gatherRows } from '../ops/gather';
import { fill } from '../ops/fill';
import { gram, linear, matmul } from '../ops/matmul';
import { mul, sub } from '../ops/elementwise';
import { reduceSum } from '../ops/reduce';
import { classifierAgreement, layerCollapse, selfDuality, type LayerCollapse } from './collapse';
import { symmetricEigenvalues, symmetricPseudoInverse } from './eigen';
import { fitLayers, type LayerFits } from './fits';

/**
 * One layer's measures. The neural-collapse ones beyond NC1 (collapse.ts) are always set by MetricsStage; they are
 * optional so that layer metrics built elsewhere (by hand, or before they existed) still count as LayerMetrics.
 */
export interface LayerMetrics extends Partial<LayerCollapse> {
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
  /** NC3, self-duality of the classifier W_L and the last layer's centred means (collapse.ts); absent unless W_L is K x m_{L-1}. */
  nc3?: number;
  /** NC4, the fraction of samples the network and the nearest class mean classify alike; absent as nc3. */
  nc4?: number;
}

/** Singular values below this fraction of the largest count as zero for the numerical rank. */
const RANK_CUTOFF = 1e-3;

/** Class-membership matrices for one labelling, uploaded once and reused at every measurement. */
export class MetricsStage {
  private readonly classAverager: Tensor; // K x N, 1/n_k where sample i is in class k
  private readonly classShares: Tensor; // 1 x K, n_k / N: the global mean is classShares * means
  private readonly ones: Tensor; // K x 1
  private readonly labelRows: Tensor; // N labels as floats: each sample's row of the class means (gatherRows)
  private readonly labels: Int32Array; // N
  readonly samples: number;
  /** Layer 0 is the input, which training never changes: measured once, reused while features[0] is that tensor. */
  private input: { features: Tensor; metrics: LayerMetrics } | null = null;

  /** `labels` are 0..classes-1, every class present. Create outside any scope; dispose() when done. */
  constructor(
    private readonly gpu: Gpu,
    labels: ArrayLike<number>,
    readonly classes: number,
  ) {
    const N = labels.length;
    const counts = new Array<number>(classes).fill(0);
    for (let i = 0; i < N; i++) counts[labels[i]] += 1;
    const missing = counts.findIndex((count) => count === 0);
    if (missing >= 0) throw new Error(`metrics: class ${missing} has no samples; labels must cover 0..${classes - 1}`);
    const averager = new Float32Array(classes * N);
    for (let i = 0; i < N; i++) averager[labels[i] * N + i] = 1 / counts[labels[i]];
    this.samples = N;
    this.labels = Int32Array.from(labels);
    this.classAverager = gpu.tensor([classes, N], averager, 'class averager');
    this.classShares = gpu.tensor(
      [1, classes],
      counts.map((count) => count / N),
      'class shares',
    );
    this.ones = fill(gpu, [classes, 1], 1, 'ones');
    this.labelRows = gpu.tensor([N], Float32Array.from(labels), 'labels');
  }

  /**
   * Measures every layer's features (features[l] is N x m_l, l = 0..L-1) and the weights (each out x in); NC3 and
   * NC4 when the last weight is the classifier of the last features (K x m_{L-1}), with `classifierBias` (K) in
   * the predictions of NC4 when the classifier has one.
   * Precondition: features[0], the input, is not rewritten in place between calls (pass a new tensor for new data).
   */
  async measure(features: readonly Tensor[], weights: readonly Tensor[], classifierBias: Tensor | null = null): Promise<NetworkMetrics> {
    if (features.length === 0) throw new Error('metrics: no layers to measure');
    // The input is measured once, unless it is also the classifier's input (depth 1), whose NC3/NC4 change with W_L.
    const known = features.length > 1 && this.input?.features === features[0] ? this.input.metrics : null;
    const classifier = weights.at(-1);
    const last = features.length - 1;
    const classifies = classifier?.shape[0] === this.classes && classifier.shape[1] === features[last].shape[1];
    const pending = this.gpu.scope(() => ({
      layers: features.map((layerFeatures, l) => {
        if (l === 0 && known) return null;
        return this.enqueueLayer(layerFeatures, l === last && classifies ? { weight: classifier!, bias: classifierBias } : null);
      }),
      weights: this.enqueueWeights(weights),
    }));
    const tensors = [...pending.layers.flatMap((layer) => (layer ? Object.values(layer) : [])), ...pending.weights.flatMap((w) => Object.values(w))];
    const bytes = await this.gpu.readMany(tensors.map((t) => t.region));
    const values = new Map(tensors.map((t, index) => [t, new Float32Array(bytes[index])]));
    for (const t of tensors) t.dispose();
    const read = (t: Tensor) => Float64Array.from(values.get(t)!);

    const layers = pending.layers.map((layer, index) => (layer ? this.layerMetrics(index, layer, read) : known!));
    this.input = { features: features[0], metrics: layers[0] };
    const lastLayer = pending.layers[last];
    const classifierMetrics = lastLayer?.outputs ? this.classifierMetrics(lastLayer as LayerTensors & ClassifierTensors, read) : {};
    const balancedness = pending.weights.slice(0, -1).map((w) => Math.sqrt(Math.max(0, read(w.imbalanceSquared!)[0])));
    const singular_values = pending.weights.map((w) => {
      const size = Math.sqrt(w.gram.size);
      return Array.from(symmetricEigenvalues(read(w.gram), size), (value) => Math.sqrt(Math.max(0, value)));
    });
    return { layers, balancedness, singular_values, fit: fitLayers(layers), ...classifierMetrics };
  }

  dispose(): void {
    for (const t of [this.classAverager, this.classShares, this.ones, this.labelRows]) t.dispose();
  }

  /**
   * Two passes, never E[z^2] - mu^2: class means first, then squared deviations from them. The one product over the
   * samples is the means'; each sample's mean is a row picked by its label, and mu_G weighs the means by class size.
   * With the classifier (the last layer), also what NC3 and NC4 need.
   */
  private enqueueLayer(features: Tensor, classifier: { weight: Tensor; bias: Tensor | null } | null): LayerTensors & Partial<ClassifierTensors> {
    if (features.shape[0] !== this.samples) {
      throw new Error(`metrics: features have ${features.shape[0]} rows but there are ${this.samples} labels`);
    }
    const [N, m] = features.shape;
    const means = matmul(this.classAverager, features); // K x m
    const deviations = sub(features, gatherRows(means, this.labelRows)); // N x m: z_i - mu_{y_i}
    const squaredDeviations = mul(deviations, deviations); // N x m
    const centredMeans = sub(means, matmul(this.ones, matmul(this.classShares, means))); // K x m: mu_k - mu_G
    const projected = matmul(deviations, centredMeans, { transposeB: true }); // N x K
    const sampleWithin = matmul(squaredDeviations, fill(this.gpu, [m, 1], 1, 'ones')); // N x 1: ||z_i - mu_{y_i}||^2
    const layer: LayerTensors = {
      traceWithin: reduceSum(sampleWithin, 1 / N),
      classWithin: matmul(this.classAverager, sampleWithin), // K x 1: Var_k
      meanGram: gram(means, 'rows'), // K x K
      centredGram: gram(centredMeans, 'rows'), // K x K: A = Mc Mc^T, whose trace is K Tr(Sigma_B)
      withinInMeanSpace: gram(projected, 'columns'), // K x K: N * Mc Sigma_W Mc^T
      featureGram: gram(features, N <= m ? 'rows' : 'columns'),
    };
    if (!classifier) return layer;
    const { weight, bias } = classifier;
    return {
      ...layer,
      outputs: linear(features, weight, { bias }), // N x K: W_L z_i + b
      deviationScores: projected, // N x K: (z_i - mu_{y_i}) . (mu_k - mu_G)
      alignment: matmul(weight, centredMeans, { transposeB: true }), // K x K: W_L Mc^T
      classifierGram: gram(weight, 'rows'), // K x K: W_L W_L^T
    };
  }

  private enqueueWeights(weights: readonly Tensor[]) {
    return weights.map((weight, l) => {
      const next = weights[l + 1];
      const outer = gram(weight, 'rows'); // W_l W_l^T
      const imbalance = next ? sub(outer, gram(next, 'columns')) : null;
      const smallerGram = weight.shape[0] <= weight.shape[1] ? outer : gram(weight, 'columns');
      return { gram: smallerGram, ...(imbalance ? { imbalanceSquared: reduceSum(mul(imbalance, imbalance)) } : {}) } as {
        gram: Tensor;
        imbalanceSquared?: Tensor;
      };
    });
  }

  private layerMetrics(layer: number, t: LayerTensors, read: (t: Tensor) => Float64Array): LayerMetrics {
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
    const collapse = layerCollapse(centredGram, read(t.classWithin), K);
    return { layer, C: traceWithin / traceBetween, D: 1 - largestCosine, NC1: nc1, trace_within: traceWithin, trace_between: traceBetween, rank, ...collapse };
  }

  private classifierMetrics(t: LayerTensors & ClassifierTensors, read: (t: Tensor) => Float64Array): { nc3: number; nc4: number } {
    const K = this.classes;
    const centredGram = read(t.centredGram);
    return {
      nc3: selfDuality(read(t.alignment), read(t.classifierGram), centredGram, K),
      nc4: classifierAgreement(read(t.outputs), read(t.deviationScores), centredGram, this.labels, K),
    };
  }
}

/** What one layer's measures are read from (shapes in enqueueLayer). */
interface LayerTensors {
  traceWithin: Tensor;
  classWithin: Tensor;
  meanGram: Tensor;
  centredGram: Tensor;
  withinInMeanSpace: Tensor;
  featureGram: Tensor;
}

/** What NC3 and NC4 are read from, at the last layer. */
interface ClassifierTensors {
  outputs: Tensor;
  deviationScores: Tensor;
  alignment: Tensor;
  classifierGram: Tensor;
}

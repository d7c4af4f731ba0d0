// The independent float64 CPU reference the GPU is checked against: plain loops, no engine code.
import { expect } from 'vitest';

/** A row-major float64 matrix. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

/** A seeded uniform [0, 1) generator (mulberry32), so every test draws the same numbers each run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A rows x cols matrix of standard normal draws (Box-Muller), times `scale`. */
export function randomMatrix(random: () => number, rows: number, cols: number, scale = 1): Matrix {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) {
    data[i] = scale * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  }
  return { rows, cols, data };
}

/** N x K one-hot rows for `labels`. */
export function oneHot(labels: number[], classes: number): Matrix {
  const data = new Float64Array(labels.length * classes);
  labels.forEach((label, row) => (data[row * classes + label] = 1));
  return { rows: labels.length, cols: classes, data };
}

export function transpose(m: Matrix): Matrix {
  const data = new Float64Array(m.data.length);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) data[j * m.rows + i] = m.data[i * m.cols + j];
  return { rows: m.cols, cols: m.rows, data };
}

/** a (M x K) * b (K x N), the textbook triple loop. */
export function matmulRef(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) throw new Error(`matmulRef: ${a.rows}x${a.cols} times ${b.rows}x${b.cols}`);
  const data = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let k = 0; k < a.cols; k++) {
      const aik = a.data[i * a.cols + k];
      for (let j = 0; j < b.cols; j++) data[i * b.cols + j] += aik * b.data[k * b.cols + j];
    }
  }
  return { rows: a.rows, cols: b.cols, data };
}

/** Singular values of m, largest first, by one-sided Jacobi: rotate column pairs until all are orthogonal. */
export function singularValuesRef(m: Matrix): number[] {
  const a = transpose(m).data; // row j of a is column j of m
  const [n, length] = [m.cols, m.rows];
  const dot = (i: number, j: number) => a.subarray(i * length, (i + 1) * length).reduce((s, x, r) => s + x * a[j * length + r], 0);
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const [alpha, beta, gamma] = [dot(i, i), dot(j, j), dot(i, j)];
        if (Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        for (let r = 0; r < length; r++) {
          const [x, y] = [a[i * length + r], a[j * length + r]];
          a[i * length + r] = c * x - c * t * y;
          a[j * length + r] = c * t * x + c * y;
        }
      }
    }
    if (!rotated) break;
  }
  const norms = Array.from({ length: n }, (_, j) => Math.sqrt(dot(j, j)));
  return norms.sort((p, q) => q - p).slice(0, Math.min(m.rows, m.cols));
}

/** sum((alpha * prediction - target)^2) / N. */
export function mseRef(prediction: Matrix, target: Matrix, alpha: number): number {
  let total = 0;
  prediction.data.forEach((value, i) => (total += (alpha * value - target.data[i]) ** 2));
  return total / prediction.rows;
}

/** -sum_ij target_ij log softmax(logits_i)_j / N, with log softmax taken the long way round. */
export function crossEntropyRef(logits: Matrix, target: Matrix): number {
  let total = 0;
  for (let i = 0; i < logits.rows; i++) {
    const row = Array.from(logits.data.subarray(i * logits.cols, (i + 1) * logits.cols));
    const largest = Math.max(...row);
    const normaliser = row.reduce((sum, z) => sum + Math.exp(z - largest), 0);
    row.forEach((z, j) => (total -= target.data[i * logits.cols + j] * Math.log(Math.exp(z - largest) / normaliser)));
  }
  return total / logits.rows;
}

/** The deep linear network's forward: X (N x d) through W_1 .. W_L (each out x in), returning N x K. */
export function dlnForwardRef(inputs: Matrix, weights: Matrix[]): Matrix {
  return weights.reduce((features, weight) => matmulRef(features, transpose(weight)), inputs);
}

/** Central finite differences of a float64 function of one flat vector: (f(x+h) - f(x-h)) / 2h per coordinate. */
export function finiteDifferenceGradient(f: (x: Float64Array) => number, x: Float64Array, step = 1e-6): Float64Array {
  const gradient = new Float64Array(x.length);
  const probe = Float64Array.from(x);
  for (let i = 0; i < x.length; i++) {
    probe[i] = x[i] + step;
    const above = f(probe);
    probe[i] = x[i] - step;
    const below = f(probe);
    probe[i] = x[i];
    gradient[i] = (above - below) / (2 * step);
  }
  return gradient;
}

/**
 * Expects |actual - expected| <= atol + rtol * |expected| elementwise, naming the worst element on failure.
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: { atol?: number; rtol?: number }, what: string): void {
  const atol = tolerance.atol ?? 0;
  const rtol = tolerance.rtol ?? 0;
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const excess = Math.abs(actual[i] - expected[i]) - (atol + rtol * Math.abs(expected[i]));
    if (!(excess <= worstExcess)) {
      worst = i;
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
    }
  }
  if (worst >= 0) {
    expect.fail(`${what}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (atol ${atol}, rtol ${rtol})`);
  }
}

/** The largest |value|, for tolerances relative to a whole array's scale. */
export function maxAbs(values: ArrayLike<number>): number {
  let largest = 0;
  for (let i = 0; i < values.length; i++) largest = Math.max(largest, Math.abs(values[i]));
  return largest;
}

/**
 * d/dW_l of mseRef(dlnForwardRef(X, W), Y, alpha) by hand-written backprop:
 * G = 2 alpha / N (alpha Z_L - Y), then for l = L..1: dW_l = G^T Z_{l-1}, G = G W_l.
 */
export function dlnGradientsRef(inputs: Matrix, weights: Matrix[], targets: Matrix, alpha: number): Matrix[] {
  const features = [inputs];
  for (const weight of weights) features.push(matmulRef(features.at(-1)!, transpose(weight)));
  const output = features.at(-1)!;
  let upstream: Matrix = {
    ...output,
    data: output.data.map((z, i) => ((2 * alpha) / inputs.rows) * (alpha * z - targets.data[i])),
  };
  const grads: Matrix[] = [];
  for (let l = weights.length - 1; l >= 0; l--) {
    grads[l] = matmulRef(transpose(upstream), features[l]);
    upstream = matmulRef(upstream, weights[l]);
  }
  return grads;
}

/** One torch.optim.SGD step in float64 (velocity updated in place): coupled or decoupled weight decay. */
export function sgdStepRef(
  weights: Float64Array,
  grad: Float64Array,
  velocity: Float64Array,
  options: { learningRate: number; momentum: number; weightDecay: number; decoupled: boolean },
): void {
  const { learningRate, momentum, weightDecay, decoupled } = options;
  for (let i = 0; i < weights.length; i++) {
    let g = grad[i];
    if (decoupled) weights[i] *= 1 - learningRate * weightDecay;
    else g += weightDecay * weights[i];
    velocity[i] = momentum * velocity[i] + g;
    weights[i] -= learningRate * velocity[i];
  }
}

/** One step t (from 1) of torch.optim.Adam, or AdamW when decoupled, on float64 weights and moments, in place. */
export function adamStepRef(
  weights: Float64Array,
  grad: Float64Array,
  moments: { first: Float64Array; second: Float64Array },
  t: number,
  options: { learningRate: number; beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean },
): void {
  const { learningRate, beta1, beta2, eps, weightDecay, decoupled } = options;
  const { first, second } = moments;
  for (let i = 0; i < weights.length; i++) {
    let g = grad[i];
    if (decoupled) weights[i] *= 1 - learningRate * weightDecay;
    else g += weightDecay * weights[i];
    first[i] = beta1 * first[i] + (1 - beta1) * g;
    second[i] = beta2 * second[i] + (1 - beta2) * g * g;
    const mHat = first[i] / (1 - beta1 ** t);
    const vHat = second[i] / (1 - beta2 ** t);
    weights[i] -= (learningRate * mHat) / (Math.sqrt(vHat) + eps);
  }
}

/** N samples of dimension d in K balanced classes, one-hot targets, and an L-layer DLN of width m (out x in). */
export function dlnProblem(seed: number, { N, d, K, m, L }: { N: number; d: number; K: number; m: number; L: number }) {
  const random = seededRandom(seed);
  const inputs = randomMatrix(random, N, d, 1 / Math.sqrt(d));
  const targets = oneHot(
    Array.from({ length: N }, (_, i) => Math.floor((i * K) / N)),
    K,
  );
  const widths = [d, ...Array(L - 1).fill(m), K];
  const weights = widths.slice(1).map((out, l) => randomMatrix(random, out, widths[l], 1 / Math.sqrt(widths[l])));
  return { inputs, targets, weights };
}

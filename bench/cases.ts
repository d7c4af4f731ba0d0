// The benchmark's cases: square matmuls and the deep linear network's own shapes, each run with the
// kernel the engine plans for this device and with the plain kernel, the baseline it must beat.
import type { MatmulKernel } from '../engine';

/** C (m x n) = op(A) (m x k) * op(B) (k x n), as engine/ops/matmul.ts; A stored k x m when transposeA, B n x k when transposeB. */
export interface MatmulCase {
  name: string;
  /** The shape's label, shared by its planned case and its baseline. */
  shape: string;
  op: 'matmul';
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
  /** 'plan' runs planMatmul's choice for the device; a kernel name forces that kernel. */
  kernel: 'plan' | MatmulKernel;
  /** Part of the `--quick` run. */
  quick: boolean;
}

/**
 * The kernel every case is compared with: one 4 x 4 block of C per invocation, straight from storage, no
 * workgroup memory, no subgroups. It is kept as it is, so `x plain` compares across commits; the results file
 * records its fingerprint (bench/results.ts), and tests/bench.test.ts holds it to this one.
 */
export const BASELINE_KERNEL: MatmulKernel = 'plain';
export const BASELINE_SHADER = 'shaders/matmul_plain.wgsl';
export const BASELINE_FINGERPRINT = '420fac47b4aa';

interface MatmulShapeCase {
  label: string;
  m: number;
  n: number;
  k: number;
  transposeA?: boolean;
  transposeB?: boolean;
  quick?: boolean;
}

const SQUARE: MatmulShapeCase[] = [64, 128, 256, 512, 1024, 2048].map((size) => ({
  label: `square ${size}`,
  m: size,
  n: size,
  k: size,
  quick: size === 64 || size === 512 || size === 1024, // 512 and 1024 carry the 7%-of-peak requirement
}));

// The README's network: 30 samples, width 50, 3 classes. A layer computes Z W^T with Z (30 x in) and
// W (out x in); backward computes dZ = G W and dW = G^T Z (matmul.ts), G (30 x out).
const DLN: MatmulShapeCase[] = [
  { label: 'dln forward', m: 30, n: 50, k: 50, transposeB: true, quick: true },
  { label: 'dln forward last', m: 30, n: 3, k: 50, transposeB: true },
  { label: 'dln dZ', m: 30, n: 50, k: 50 },
  { label: 'dln dZ last', m: 30, n: 50, k: 3 },
  { label: 'dln dW', m: 50, n: 50, k: 30, transposeA: true },
  { label: 'dln dW last', m: 3, n: 50, k: 30, transposeA: true },
];

// The large network's first layer (2048 samples of 784 features, width 512) forward and backward, and the
// shapes of a classifier over many samples: tall-skinny (forward) and small-M-large-K (its weight gradient).
const LARGE: MatmulShapeCase[] = [
  { label: 'large forward', m: 2048, n: 512, k: 784, transposeB: true },
  { label: 'large dZ', m: 2048, n: 784, k: 512 },
  { label: 'large dW', m: 512, n: 784, k: 2048, transposeA: true },
  { label: 'tall skinny', m: 16384, n: 10, k: 512, transposeB: true },
  { label: 'small M large K', m: 10, n: 512, k: 16384, transposeA: true },
];

// The README's MNIST MLP (784 -> 128 x 4 -> 4) at batch 100, the shapes every mini-batch study runs: the first and a
// hidden layer's forward Z W^T, a hidden layer's dZ = G W, and the weight gradients dW = G^T Z of both.
const MLP: MatmulShapeCase[] = [
  { label: 'mlp forward first', m: 100, n: 128, k: 784, transposeB: true, quick: true },
  { label: 'mlp forward hidden', m: 100, n: 128, k: 128, transposeB: true },
  { label: 'mlp dZ hidden', m: 100, n: 128, k: 128 },
  { label: 'mlp dW first', m: 128, n: 784, k: 100, transposeA: true },
  { label: 'mlp dW hidden', m: 128, n: 128, k: 100, transposeA: true },
];

/** Every case: each shape's baseline, then the planned kernel (so its ratio to the baseline is known when it is printed). */
export function matmulCases(): MatmulCase[] {
  return [...SQUARE, ...DLN, ...LARGE, ...MLP].flatMap((shape) =>
    ([BASELINE_KERNEL, 'plan'] as const).map((kernel) => ({
      name: `${shape.label} ${kernel}`,
      shape: shape.label,
      op: 'matmul' as const,
      m: shape.m,
      n: shape.n,
      k: shape.k,
      transposeA: shape.transposeA ?? false,
      transposeB: shape.transposeB ?? false,
      kernel,
      quick: shape.quick ?? false,
    })),
  );
}

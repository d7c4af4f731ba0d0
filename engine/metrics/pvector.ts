// P-vectors (seed 004): the top left singular vector of a layer's feature matrix Z (N x m), by power iteration
// on the GPU, u <- Z (Z^T u) / ||.||, with one readback at the end. The angle between a checkpoint's P-vector
// and the final model's says how far that layer's feature space still had to move.
import { CompiledStep } from '../compiled-step';
import type { Gpu } from '../gpu';
import { matmul } from '../ops/matmul';
import type { Tensor } from '../tensor';
import normalizeShader from '../../shaders/normalize.wgsl';

export interface PVector {
  /** u, unit length, N entries. */
  vector: Float32Array;
  /** sigma_1, the largest singular value of Z. */
  singularValue: number;
}

/** One workgroup normalises the vector: a power of two, as its tree sum needs. */
const NORMALIZE_WORKGROUP_SIZE = 64;

/**
 * Power iteration from a fixed start (all ones: not orthogonal to the top vector of features with a mean).
 * Convergence goes as (sigma_2 / sigma_1)^(2 iterations); 100 iterations are plenty for the gaps seen here.
 */
export async function topLeftSingularVector(gpu: Gpu, features: Tensor, iterations = 100): Promise<PVector> {
  if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`topLeftSingularVector: iterations must be a positive integer, got ${iterations}`);
  const [N] = features.shape;
  const ones = gpu.tensor([N, 1], new Float32Array(N).fill(1), 'p-vector start');
  const u = gpu.tensor([N, 1], undefined, 'p-vector');
  const length = gpu.tensor([1], undefined, 'p-vector length');
  const normalize = gpu.kernel(normalizeShader, { COUNT: N, WORKGROUP_SIZE: NORMALIZE_WORKGROUP_SIZE });
  try {
    gpu.dispatch(normalize, [ones.binding, u.binding, length.binding], [1]);
    CompiledStep.repeat(gpu, iterations, () =>
      gpu.scope(() => {
        const next = matmul(features, matmul(features, u, { transposeA: true })); // Z (Z^T u)
        gpu.dispatch(normalize, [next.binding, u.binding, length.binding], [1]); // length = ||Z Z^T u|| -> sigma_1^2
      }),
    );
    const [vector, squared] = await gpu.readMany([u, length].map((t) => t.region));
    return { vector: new Float32Array(vector), singularValue: Math.sqrt(new Float32Array(squared)[0]) };
  } finally {
    for (const t of [ones, u, length]) t.dispose();
  }
}

/** The angle in degrees between two P-vectors, blind to sign (a singular vector's sign is arbitrary). */
export function pvectorAngle(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let [dot, aa, bb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return (Math.acos(Math.min(1, Math.abs(dot) / Math.sqrt(aa * bb))) * 180) / Math.PI;
}

// One GPU per test file, and moving float64 reference matrices onto it.
import { afterAll, beforeAll } from 'vitest';
import { Gpu, type Tensor } from '../engine';
import type { Matrix } from './reference';

/** Creates a Gpu before the file's tests and destroys it after; call at the top of a test file. */
export function useGpu(): () => Gpu {
  let gpu: Gpu | undefined;
  beforeAll(async () => {
    gpu = await Gpu.create({ log: () => {} });
  });
  afterAll(() => gpu?.destroy());
  return () => {
    if (!gpu) throw new Error('useGpu: the GPU is created in beforeAll; use it inside a test');
    return gpu;
  };
}

/** The matrix as a float32 GPU tensor of shape [rows, cols]. */
export function toTensor(gpu: Gpu, matrix: Matrix, label = 'tensor'): Tensor {
  return gpu.tensor([matrix.rows, matrix.cols], Float32Array.from(matrix.data), label);
}

/**
 * Leaves the pool's free list for `elements`-sized buffers holding 1e30, so the next tensors of that size start
 * out so: an entry a kernel fails to write then shows, instead of a correct value left by an earlier test.
 */
export function poisonPool(gpu: Gpu, elements: number, buffers = 3): void {
  const poisoned = Array.from({ length: buffers }, () => gpu.tensor([elements], new Float32Array(elements).fill(1e30), 'poison'));
  for (const t of poisoned) t.dispose();
}

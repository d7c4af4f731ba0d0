// One GPU per test file, and moving float64 reference matrices onto it.
import { afterAll, beforeAll } from 'vitest';
import { Gpu, type Tensor } from '../engine';
import { QUIET } from '../engine/internal';
import type { Matrix } from './reference';

/** Tests print no device notes. */
export { QUIET };

/** Creates a Gpu before the file's tests and destroys it after; call at the top of a test file. */
export function useGpu(): () => Gpu {
  let gpu: Gpu | undefined;
  beforeAll(async () => {
    gpu = await Gpu.create(QUIET);
  });
  afterAll(() => gpu?.destroy());
  return () => {
    if (!gpu) throw new Error('useGpu: the GPU is created in beforeAll; use it inside a test');
    return gpu;
  };
}

/** For tests that need no pipeline compiled yet, which the file's shared Gpu cannot promise (one pipeline serves every shape of a layout). */
export function withFreshGpu<T>(use: (gpu: Gpu) => Promise<T>): Promise<T> {
  return Gpu.using(use, QUIET);
}

/** The matrix as a float32 GPU tensor of shape [rows, cols]. */
export function toTensor(gpu: Gpu, matrix: Matrix, label = 'tensor'): Tensor {
  return gpu.tensor([matrix.rows, matrix.cols], Float32Array.from(matrix.data), label);
}

/**
 * Leaves the pool's free list for `elements`-sized buffers holding `value`, so the next tensors of that size start
 * out so. With 1e30 (outputs) an entry a kernel fails to write shows, instead of a correct value left by an
 * earlier test; with NaN (inputs, past their end) so does a read past the matrix, even one multiplied by zero.
 */
export function poisonPool(gpu: Gpu, elements: number, value = 1e30, buffers = 3): void {
  gpu.flush(); // work already recorded on these buffers runs before the poison lands
  const poisoned = Array.from({ length: buffers }, () => gpu.tensor([elements], undefined, 'poison'));
  // Written raw, past the tensor's end too and around upload's refusal of NaN, as stale data would be.
  for (const t of poisoned) gpu.device.queue.writeBuffer(t.buffer, 0, new Float32Array(t.buffer.size / 4).fill(value));
  for (const t of poisoned) t.dispose();
}

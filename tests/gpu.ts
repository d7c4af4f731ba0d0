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

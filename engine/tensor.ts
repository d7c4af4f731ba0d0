// f32 tensors on the GPU: a shape and a pooled buffer, disposed explicitly or by the scope that created them.
import type { Gpu } from './gpu';

export class Tensor {
  readonly size: number;
  private storage: GPUBuffer | null;

  constructor(
    readonly gpu: Gpu,
    readonly shape: readonly number[],
    buffer: GPUBuffer,
    readonly label: string,
  ) {
    this.size = shape.reduce((product, extent) => product * extent, 1);
    this.storage = buffer;
  }

  /** The GPU buffer (possibly longer than size * 4 bytes: pooled sizes round up). */
  get buffer(): GPUBuffer {
    if (!this.storage) throw new Error(`tensor "${this.label}" [${this.shape}] was used after dispose()`);
    return this.storage;
  }

  get disposed(): boolean {
    return this.storage === null;
  }

  /** Returns the buffer to the pool; safe to call twice. */
  dispose(): void {
    if (!this.storage) return;
    this.gpu.pool.release(this.storage);
    this.storage = null;
  }

  /** Copies the values back to the CPU (submits pending work and waits for it). */
  async read(): Promise<Float32Array> {
    return new Float32Array(await this.gpu.read(this.buffer, this.size * 4));
  }

  toString(): string {
    return `Tensor "${this.label}" [${this.shape}]${this.disposed ? ' (disposed)' : ''}`;
  }
}

/** Allocates an uninitialised tensor from the pool and registers it with the current scope. */
export function createTensor(gpu: Gpu, shape: readonly number[], label: string): Tensor {
  const size = shape.reduce((product, extent) => product * extent, 1);
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const tensor = new Tensor(gpu, [...shape], gpu.pool.acquire(size * 4, usage, label), label);
  gpu.adopt(tensor);
  return tensor;
}

/** Throws unless every extent is a positive integer (an empty tensor has nothing to compute). */
export function validateShape(shape: readonly number[], label: string): void {
  if (!shape.every((extent) => Number.isInteger(extent) && extent >= 0)) {
    throw new Error(`${label}: invalid shape [${shape}]; extents must be non-negative integers`);
  }
  if (shape.some((extent) => extent === 0)) throw new Error(`${label}: empty tensor of shape [${shape}] has no elements`);
}

/** Throws unless `a` and `b` have the same shape; `op` names the operation in the message. */
export function assertSameShape(op: string, a: Tensor, b: Tensor): void {
  if (a.shape.length !== b.shape.length || a.shape.some((extent, axis) => extent !== b.shape[axis])) {
    throw new Error(`${op}: shapes [${a.shape}] and [${b.shape}] differ`);
  }
}

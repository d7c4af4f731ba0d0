// f32 tensors on the GPU: a shape and a pooled buffer, disposed explicitly or by the scope that created them; or a
// view into a block's buffer (engine/block.ts), which holds the buffer until its last view is disposed.
import type { TensorBlock } from './block';
import type { Gpu } from './gpu';

/** What a tensor's buffer is for: kernels, copies and readbacks. A function: in Node the constants arrive with the device. */
export const tensorUsage = (): GPUBufferUsageFlags => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** The elements of a shape. */
export const sizeOf = (shape: readonly number[]): number => shape.reduce((product, extent) => product * extent, 1);

/** Bytes of a buffer: where a copy or a readback of a tensor reads or writes. */
export interface Region {
  buffer: GPUBuffer;
  offset: number;
  byteLength: number;
}

export class Tensor {
  readonly size: number;
  private storage: GPUBuffer | null;
  private offset: number;
  private owner: TensorBlock | null;

  constructor(
    readonly gpu: Gpu,
    readonly shape: readonly number[],
    buffer: GPUBuffer,
    readonly label: string,
    /** Set when the tensor is a view of a block's buffer (TensorBlock). */
    view?: { block: TensorBlock; byteOffset: number },
  ) {
    this.size = sizeOf(shape);
    this.storage = buffer;
    this.owner = view?.block ?? null;
    this.offset = view?.byteOffset ?? 0;
  }

  /** The GPU buffer: a pooled one (possibly longer than size * 4 bytes: pooled sizes round up), or a view's whole block. */
  get buffer(): GPUBuffer {
    if (!this.storage) throw new Error(`tensor "${this.label}" [${this.shape}] was used after dispose()`);
    return this.storage;
  }

  get disposed(): boolean {
    return this.storage === null;
  }

  /** The block this tensor is a view of, or null when it has a buffer of its own. */
  get block(): TensorBlock | null {
    return this.owner;
  }

  /** What a kernel binds: the whole buffer, or a view's bytes rounded up to whole vec4s (its block leaves room for them). */
  get binding(): GPUBufferBinding {
    return this.owner ? { buffer: this.buffer, offset: this.offset, size: Math.ceil(this.size / 4) * 16 } : { buffer: this.buffer };
  }

  get region(): Region {
    return { buffer: this.buffer, offset: this.offset, byteLength: this.size * 4 };
  }

  /** Returns the buffer to the pool (a view: to its block); safe to call twice. */
  dispose(): void {
    if (!this.storage) return;
    if (this.owner) this.owner.release();
    else this.gpu.pool.release(this.storage);
    this.storage = null;
  }

  /**
   * Makes this tensor the view at `byteOffset` of `block`'s buffer, giving its own buffer back to the pool; the caller
   * (TensorBlock.gather) has copied its values there. The tensor stays the same object, so whoever holds it sees the move.
   */
  moveInto(block: TensorBlock, byteOffset: number): void {
    if (this.owner) throw new Error(`tensor "${this.label}" is in a block already`);
    this.gpu.pool.release(this.buffer);
    this.storage = block.buffer;
    this.offset = byteOffset;
    this.owner = block;
  }

  /** Copies the values back to the CPU (submits pending work and waits for it). */
  async read(): Promise<Float32Array> {
    return new Float32Array(await this.gpu.read(this.region));
  }

  toString(): string {
    return `Tensor "${this.label}" [${this.shape}]${this.disposed ? ' (disposed)' : ''}`;
  }
}

/** `into` when given (checked to have `shape`), else a new tensor from createTensor: where an op writes its output. */
export function outputTensor(gpu: Gpu, shape: readonly number[], label: string, into: Tensor | null): Tensor {
  if (!into) return createTensor(gpu, shape, label);
  assertSameShape(label, { shape }, into);
  return into;
}

/** Allocates an uninitialised tensor from the pool and registers it with the current scope. */
export function createTensor(gpu: Gpu, shape: readonly number[], label: string): Tensor {
  const tensor = new Tensor(gpu, [...shape], gpu.pool.acquire(sizeOf(shape) * 4, tensorUsage(), label), label);
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

/**
 * Throws unless every one of `gradients` has a buffer apart from all of `params` (views of one block share theirs):
 * a kernel that writes one may not read the other. `op` names the caller in the message.
 */
export function assertApart(op: string, gradients: readonly Tensor[], params: readonly Tensor[]): void {
  const shared = gradients.find((gradient) => params.some((param) => param.buffer === gradient.buffer));
  if (shared) throw new Error(`${op}: gradient tensor "${shared.label}" shares a buffer with a parameter`);
}

/** Throws unless `a` and `b` have the same shape; `op` names the operation in the message. */
export function assertSameShape(op: string, a: Pick<Tensor, 'shape'>, b: Pick<Tensor, 'shape'>): void {
  if (a.shape.length !== b.shape.length || a.shape.some((extent, axis) => extent !== b.shape[axis])) {
    throw new Error(`${op}: shapes [${a.shape}] and [${b.shape}] differ`);
  }
}

// A block: tensors laid out in one buffer, each a view starting where the device lets a binding start. One dispatch
// then covers them all (the optimiser's update of every parameter: engine/optim.ts), while each stays a tensor of its
// own for the ops. Blocks of the same shapes in the same order share one layout, so their views line up.
import type { Gpu } from './gpu';
import { sizeClass } from './pool';
import { sizeOf, Tensor, tensorUsage } from './tensor';

export class TensorBlock {
  readonly buffer: GPUBuffer;
  /** The layout's length: every view and the padding after it, a multiple of the offset alignment. */
  readonly byteLength: number;
  readonly views: readonly Tensor[];
  /** Views not yet disposed: the buffer goes back to the pool with the last. */
  private live: number;

  /** Views of zeros of `shapes`, or, given `moved`, those tensors moved in (their values copied). */
  private constructor(
    readonly gpu: Gpu,
    shapes: readonly (readonly number[])[],
    labels: readonly string[],
    moved: readonly Tensor[] | null,
  ) {
    const { offsets, byteLength } = layoutOf(gpu, shapes);
    this.byteLength = byteLength;
    this.buffer = gpu.pool.acquire(byteLength, tensorUsage(), 'block');
    if (moved) {
      moved.forEach((tensor, index) => {
        gpu.copy(tensor.region, { buffer: this.buffer, offset: offsets[index], byteLength: tensor.size * 4 });
        tensor.moveInto(this, offsets[index]);
      });
      this.views = [...moved];
    } else {
      gpu.write(this.buffer, new Uint8Array(byteLength));
      this.views = shapes.map((shape, index) => new Tensor(gpu, [...shape], this.buffer, labels[index], { block: this, byteOffset: offsets[index] }));
    }
    this.live = this.views.length;
  }

  /** Whether one block of `shapes` is within the device's limits on a buffer and on a binding (the whole block is bound). */
  static fits(gpu: Gpu, shapes: readonly (readonly number[])[]): boolean {
    const { byteLength } = layoutOf(gpu, shapes);
    const { maxBufferSize, maxStorageBufferBindingSize } = gpu.device.limits;
    return sizeClass(byteLength) <= maxBufferSize && byteLength <= maxStorageBufferBindingSize;
  }

  /** Views of zeros, one per shape. They belong to no scope: disposing them all frees the block. */
  static zeros(gpu: Gpu, shapes: readonly (readonly number[])[], labels: readonly string[]): TensorBlock {
    return new TensorBlock(gpu, shapes, labels, null);
  }

  /**
   * Moves `tensors` (each with a buffer of its own) into one new block, in order, their values copied on the GPU.
   * Each stays the same object, so whoever holds it sees the move; disposing all of them frees the block.
   */
  static gather(tensors: readonly Tensor[]): TensorBlock {
    const refusal = gatherRefusal(tensors);
    if (refusal) throw new Error(`TensorBlock.gather: ${refusal}`);
    const shapes = tensors.map((tensor) => tensor.shape);
    return new TensorBlock(tensors[0].gpu, shapes, [], tensors);
  }

  /** Whether gather() takes `tensors`: none is in a block already, and their block fits the device. */
  static canGather(tensors: readonly Tensor[]): boolean {
    return gatherRefusal(tensors) === null;
  }

  /** The block whose views `tensors` are, all of them and in order; null when there is none. */
  static of(tensors: readonly Tensor[]): TensorBlock | null {
    const block = tensors[0]?.block ?? null;
    const whole = block !== null && block.views.length === tensors.length && block.views.every((view, index) => view === tensors[index]);
    return whole ? block : null;
  }

  /** The whole layout, padding included, as a kernel binds it. */
  get binding(): GPUBufferBinding {
    return { buffer: this.buffer, offset: 0, size: this.byteLength };
  }

  /** Disposes every view, which frees the buffer. */
  dispose(): void {
    for (const view of this.views) view.dispose();
  }

  /** Called by a view's dispose(). */
  release(): void {
    this.live -= 1;
    if (this.live === 0) this.gpu.pool.release(this.buffer);
  }
}

/**
 * Zeros shaped as `tensors`, each labelled `${its label} ${label}`: one block's views where the block fits the
 * device (so one dispatch covers them), else tensors of their own. Disposing them all frees them.
 */
export function zerosLike(tensors: readonly Tensor[], label: string): Tensor[] {
  const gpu = tensors[0].gpu;
  const shapes = tensors.map((tensor) => tensor.shape);
  const labels = tensors.map((tensor) => `${tensor.label} ${label}`);
  if (TensorBlock.fits(gpu, shapes)) return [...TensorBlock.zeros(gpu, shapes, labels).views];
  return tensors.map((tensor, index) => gpu.tensor(tensor.shape, new Float32Array(tensor.size), labels[index]));
}

/** Why gather() refuses `tensors`, or null when it takes them. */
function gatherRefusal(tensors: readonly Tensor[]): string | null {
  const inBlock = tensors.find((tensor) => tensor.block !== null);
  if (inBlock) return `tensor "${inBlock.label}" is in a block already`;
  const shapes = tensors.map((tensor) => tensor.shape);
  return TensorBlock.fits(tensors[0].gpu, shapes) ? null : `${tensors.length} tensors exceed the device's largest buffer or binding`;
}

/** Each shape's byte offset, at the device's storage-binding alignment, and the length of them all. */
function layoutOf(gpu: Gpu, shapes: readonly (readonly number[])[]): { offsets: number[]; byteLength: number } {
  const alignment = Math.max(gpu.device.limits.minStorageBufferOffsetAlignment, 16); // 16: a view binds whole vec4s (Tensor.binding)
  const offsets: number[] = [];
  let byteLength = 0;
  for (const shape of shapes) {
    offsets.push(byteLength);
    byteLength += Math.ceil((4 * sizeOf(shape)) / alignment) * alignment;
  }
  return { offsets, byteLength };
}

// A block: tensors laid out in one buffer, each a view starting where the device lets a binding start. One dispatch
// then covers them all (the optimiser's update of every parameter: engine/optim.ts), while each stays a tensor of its
// own for the ops. Blocks of the same shapes in the same order share one layout, so their views line up.
import type { Gpu } from './gpu';
import { Tensor } from './tensor';

export class TensorBlock {
  readonly views: readonly Tensor[];
  /** Views not yet disposed: the buffer goes back to the pool with the last. */
  private live: number;

  private constructor(
    readonly gpu: Gpu,
    readonly buffer: GPUBuffer,
    /** The layout's length: every view and the padding after it, a multiple of the offset alignment. */
    readonly byteLength: number,
    make: (block: TensorBlock) => Tensor[],
  ) {
    this.views = make(this);
    this.live = this.views.length;
  }

  /** A block of zeros, a view per shape. Create outside any scope: it lives until its views are disposed. */
  static zeros(gpu: Gpu, shapes: readonly (readonly number[])[], labels: readonly string[]): TensorBlock {
    const { offsets, byteLength } = layoutOf(gpu, shapes);
    const block = new TensorBlock(gpu, acquire(gpu, byteLength, 'block'), byteLength, (self) =>
      shapes.map((shape, index) => new Tensor(gpu, [...shape], self.buffer, labels[index], { block: self, byteOffset: offsets[index] })),
    );
    gpu.write(block.buffer, new Uint8Array(byteLength));
    return block;
  }

  /** A block of zeros laid out as `tensors` are by gather(), a view per tensor labelled `${label} ${its label}`. */
  static zerosLike(tensors: readonly Tensor[], label: string): TensorBlock {
    return TensorBlock.zeros(
      tensors[0].gpu,
      tensors.map((tensor) => tensor.shape),
      tensors.map((tensor) => `${tensor.label} ${label}`),
    );
  }

  /**
   * Moves `tensors` (each with a buffer of its own) into one new block, in order, their values copied on the GPU.
   * Each stays the same object, so whoever holds it sees the move; disposing all of them frees the block.
   */
  static gather(tensors: readonly Tensor[]): TensorBlock {
    const gpu = tensors[0].gpu;
    const { offsets, byteLength } = layoutOf(
      gpu,
      tensors.map((tensor) => tensor.shape),
    );
    return new TensorBlock(gpu, acquire(gpu, byteLength, 'block'), byteLength, (self) => {
      tensors.forEach((tensor, index) => {
        gpu.copy(tensor.region, { buffer: self.buffer, offset: offsets[index], byteLength: tensor.size * 4 });
        tensor.moveInto(self, offsets[index]);
      });
      return [...tensors];
    });
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

/** Each shape's byte offset, at the device's storage-binding alignment, and the length of them all. */
function layoutOf(gpu: Gpu, shapes: readonly (readonly number[])[]): { offsets: number[]; byteLength: number } {
  const alignment = Math.max(gpu.device.limits.minStorageBufferOffsetAlignment, 16); // 16: a view binds whole vec4s
  const offsets: number[] = [];
  let byteLength = 0;
  for (const shape of shapes) {
    offsets.push(byteLength);
    byteLength += Math.ceil((4 * shape.reduce((product, extent) => product * extent, 1)) / alignment) * alignment;
  }
  return { offsets, byteLength };
}

const acquire = (gpu: Gpu, byteLength: number, label: string): GPUBuffer =>
  gpu.pool.acquire(byteLength, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, label);

// A buffer pool keyed by (usage, size class): released buffers are reused, so a training loop allocates nothing.

/** Sizes round up to a power of two (at least 256 bytes), so a few classes serve every shape. */
export function sizeClass(byteLength: number): number {
  return Math.max(256, 2 ** Math.ceil(Math.log2(Math.max(1, byteLength))));
}

export interface PoolStats {
  /** Buffers ever created: flat across a training run once every size has been seen. */
  created: number;
  /** Bytes of all buffers ever created. */
  bytesCreated: number;
  /** Buffers currently handed out. */
  inUse: number;
  /** Buffers waiting in the pool for reuse. */
  free: number;
}

export class BufferPool {
  private readonly freeLists = new Map<string, GPUBuffer[]>();
  private readonly handedOut = new Set<GPUBuffer>();
  private created = 0;
  private bytesCreated = 0;

  constructor(private readonly device: GPUDevice) {}

  /** A buffer of at least `byteLength` bytes with exactly `usage`; its contents are whatever it last held. */
  acquire(byteLength: number, usage: GPUBufferUsageFlags, label: string): GPUBuffer {
    const size = sizeClass(byteLength);
    const buffer = this.freeLists.get(key(size, usage))?.pop() ?? this.create(size, usage, label);
    this.handedOut.add(buffer);
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    if (!this.handedOut.delete(buffer)) throw new Error(`buffer "${buffer.label}" released twice or not from this pool`);
    const listKey = key(buffer.size, buffer.usage);
    const list = this.freeLists.get(listKey) ?? [];
    list.push(buffer);
    this.freeLists.set(listKey, list);
  }

  stats(): PoolStats {
    let free = 0;
    for (const list of this.freeLists.values()) free += list.length;
    return { created: this.created, bytesCreated: this.bytesCreated, inUse: this.handedOut.size, free };
  }

  /** Destroys every buffer, in use or not; the pool must not be used afterwards. */
  destroy(): void {
    for (const buffer of this.handedOut) buffer.destroy();
    for (const list of this.freeLists.values()) for (const buffer of list) buffer.destroy();
    this.handedOut.clear();
    this.freeLists.clear();
  }

  private create(size: number, usage: GPUBufferUsageFlags, label: string): GPUBuffer {
    this.created += 1;
    this.bytesCreated += size;
    return this.device.createBuffer({ size, usage, label: `${label} (pool ${size} B)` });
  }
}

function key(size: number, usage: GPUBufferUsageFlags): string {
  return `${usage}:${size}`;
}

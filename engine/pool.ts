// A buffer pool keyed by (usage, size class): released buffers are reused, so a training loop allocates nothing;
// trim() gives the free ones back, so a process that trains again and again holds only what is in use between runs.

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
  /** Bytes of the buffers that exist now, handed out or free: the pool's share of GPU memory. */
  bytesHeld: number;
  /** Bytes of the free buffers, which trim() gives back. */
  bytesFree: number;
}

export class BufferPool {
  private readonly freeLists = new Map<string, GPUBuffer[]>();
  private readonly handedOut = new Set<GPUBuffer>();
  /** While not null, released buffers stay handed out and gather here instead (hold()). */
  private held: Set<GPUBuffer> | null = null;
  private created = 0;
  private bytesCreated = 0;
  private bytesHeld = 0;

  constructor(private readonly device: GPUDevice) {}

  /** A buffer of at least `byteLength` bytes with exactly `usage`; its contents are whatever it last held. */
  acquire(byteLength: number, usage: GPUBufferUsageFlags, label: string): GPUBuffer {
    const size = sizeClass(byteLength);
    const buffer = this.freeLists.get(key(size, usage))?.pop() ?? this.create(size, usage, label);
    this.handedOut.add(buffer);
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    if (!this.handedOut.has(buffer) || this.held?.has(buffer)) throw new Error(`buffer "${buffer.label}" released twice or not from this pool`);
    if (this.held) {
      this.held.add(buffer);
      return;
    }
    this.handedOut.delete(buffer);
    const listKey = key(buffer.size, buffer.usage);
    const list = this.freeLists.get(listKey) ?? [];
    list.push(buffer);
    this.freeLists.set(listKey, list);
  }

  /**
   * Until endHold(), released buffers are not handed out again: every tensor made meanwhile has a buffer of its own,
   * so a recorded sequence of dispatches (engine/compiled-step.ts) can run again on the same buffers. endHold()
   * hands the released ones to the caller, who keeps them from everyone else until it releases them.
   */
  hold(): void {
    if (this.held) throw new Error('BufferPool.hold: already holding');
    this.held = new Set();
  }

  endHold(): GPUBuffer[] {
    if (!this.held) throw new Error('BufferPool.endHold: not holding');
    const held = [...this.held];
    this.held = null;
    return held;
  }

  stats(): PoolStats {
    let free = 0;
    let bytesFree = 0;
    for (const list of this.freeLists.values()) {
      free += list.length;
      for (const buffer of list) bytesFree += buffer.size;
    }
    return { created: this.created, bytesCreated: this.bytesCreated, inUse: this.handedOut.size, free, bytesHeld: this.bytesHeld, bytesFree };
  }

  /**
   * Destroys every free buffer, giving its memory back; the next acquire of its size creates one again.
   * Precondition: no recorded but unsubmitted command uses a free buffer (Gpu.trim flushes first). Submitted
   * work may: WebGPU frees a destroyed buffer's memory only once the queue is done with it.
   */
  trim(): void {
    for (const list of this.freeLists.values()) for (const buffer of list) this.drop(buffer);
    this.freeLists.clear();
  }

  /** Destroys every buffer, in use or not; the pool must not be used afterwards. */
  destroy(): void {
    for (const buffer of this.handedOut) this.drop(buffer);
    this.handedOut.clear();
    this.trim();
  }

  private create(size: number, usage: GPUBufferUsageFlags, label: string): GPUBuffer {
    this.created += 1;
    this.bytesCreated += size;
    this.bytesHeld += size;
    return this.device.createBuffer({ size, usage, label: `${label} (pool ${size} B)` });
  }

  private drop(buffer: GPUBuffer): void {
    this.bytesHeld -= buffer.size;
    buffer.destroy();
  }
}

function key(size: number, usage: GPUBufferUsageFlags): string {
  return `${usage}:${size}`;
}

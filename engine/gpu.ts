// The engine's context: one device, its pipeline cache, buffer pool, pending commands and tensor scopes.
import { acquireDevice, type DeviceOptions } from './device';
import { BufferPool } from './pool';
import { Tensor, createTensor, validateShape } from './tensor';
import type { Tape } from './tape';

/** A loop that never reads back still submits now and then, so one command buffer cannot grow without bound. */
const MAX_PENDING_DISPATCHES = 4096;

/**
 * Pipelines kept by default: over three times the 74 of the most varied run (an MLP with the probes, separability
 * and P-vectors), so no run recompiles its own. The limit bounds a process that trains again and again with new
 * settings (override constants hold the shapes and some scalars), such as a sweep or a page.
 */
const PIPELINE_LIMIT = 256;

/** A compiled kernel: a WGSL source specialised by its `override` constants. */
export interface Kernel {
  pipeline: GPUComputePipeline;
  bindGroupLayout: GPUBindGroupLayout;
  label: string;
}

interface CachedKernel {
  kernel: Kernel;
  source: string;
  /** The trim() generation it was last used in. */
  used: number;
}

export class Gpu {
  readonly pool: BufferPool;
  /** The tape ops record onto while `valueAndGrad` runs; null otherwise. */
  tape: Tape | null = null;
  /** Pipelines cached at most; beyond it the least recently used one is dropped (and compiled again if needed). */
  pipelineLimit = PIPELINE_LIMIT;

  /** Shader modules by source, with how many cached pipelines use each: the last one evicted takes its module along. */
  private readonly modules = new Map<string, { module: GPUShaderModule; pipelines: number }>();
  /** Least recently used first: a hit moves its entry to the end. */
  private readonly pipelines = new Map<string, CachedKernel>();
  private generation = 0;
  private readonly scopes: Tensor[][] = [];
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  /** Buffers the not-yet-submitted commands touch: a queue write to one of them must wait for a flush. */
  private readonly pendingBuffers = new Set<GPUBuffer>();
  private pendingDispatches = 0;
  private failure: Error | null = null;
  private lost: Promise<Error>;

  private constructor(
    readonly device: GPUDevice,
    readonly adapterName: string,
    readonly software: boolean,
    readonly adapterInfo: GPUAdapterInfo,
    /** Held so Dawn's Node binding does not garbage-collect the instance (and with it the device). */
    readonly instance: GPU,
  ) {
    this.pool = new BufferPool(device);
    this.lost = device.lost.then((info) => {
      this.failure = new Error(`WebGPU device lost (${info.reason}): ${info.message}`);
      return this.failure;
    });
    device.onuncapturederror = (event) => {
      this.failure ??= new Error(`WebGPU error: ${event.error.message}`);
    };
  }

  /** Acquires a device (see acquireDevice) and wraps it. */
  static async create(options: DeviceOptions = {}): Promise<Gpu> {
    const { device, adapterName, software, adapterInfo, instance } = await acquireDevice(options);
    return new Gpu(device, adapterName, software, adapterInfo, instance);
  }

  get hasTimestamps(): boolean {
    return this.device.features.has('timestamp-query');
  }

  get hasSubgroups(): boolean {
    return this.device.features.has('subgroups' as GPUFeatureName);
  }

  /** Pipelines in the cache now. */
  get pipelineCount(): number {
    return this.pipelines.size;
  }

  /** Shader modules in the cache now (those of the cached pipelines). */
  get moduleCount(): number {
    return this.modules.size;
  }

  /** The pipeline for `source` with these override constants, compiled once and cached (see pipelineLimit). */
  kernel(label: string, source: string, constants: Record<string, number | boolean> = {}): Kernel {
    const key = `${label}|${JSON.stringify(constants)}`;
    let cached = this.pipelines.get(key);
    if (cached) {
      this.pipelines.delete(key);
    } else {
      const pipeline = this.device.createComputePipeline({
        label,
        layout: 'auto',
        compute: { module: this.module(label, source), entryPoint: 'main', constants: toNumbers(constants) },
      });
      cached = { kernel: { pipeline, bindGroupLayout: pipeline.getBindGroupLayout(0), label }, source, used: 0 };
      for (const oldest of this.pipelines.keys()) {
        if (this.pipelines.size < this.pipelineLimit) break;
        this.evict(oldest);
      }
    }
    cached.used = this.generation;
    this.pipelines.set(key, cached);
    return cached.kernel;
  }

  /**
   * Gives memory back between runs: destroys the pool's free buffers and drops the pipelines not used since the
   * previous trim(). Buffers are cheap to create again, while a pipeline takes tens of milliseconds to compile and
   * the next run most likely repeats the last one's shapes, so the last run's pipelines stay.
   */
  trim(): void {
    this.flush(); // a recorded command may use a free buffer, and must reach the queue before its destroy()
    this.pool.trim();
    for (const [key, cached] of this.pipelines) if (cached.used < this.generation) this.evict(key);
    this.generation += 1;
  }

  /** Records one dispatch; `buffers` bind to @binding(0..n-1) of @group(0) in order. Nothing runs until flush. */
  dispatch(kernel: Kernel, buffers: GPUBuffer[], workgroups: [number, number?, number?]): void {
    this.throwIfFailed();
    const bindGroup = this.device.createBindGroup({
      label: kernel.label,
      layout: kernel.bindGroupLayout,
      entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    const pass = this.computePass();
    pass.setPipeline(kernel.pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(workgroups[0], workgroups[1] ?? 1, workgroups[2] ?? 1);
    for (const buffer of buffers) this.pendingBuffers.add(buffer);
    if (++this.pendingDispatches >= MAX_PENDING_DISPATCHES) this.flush();
  }

  /** Records a GPU-side copy of the first `byteLength` bytes of `source` into `destination`. */
  copy(source: GPUBuffer, destination: GPUBuffer, byteLength: number): void {
    this.throwIfFailed();
    this.encoderOutsidePass().copyBufferToBuffer(source, 0, destination, 0, alignTo(byteLength, 4));
    this.pendingBuffers.add(source).add(destination);
  }

  /** Copies `data` into `buffer`, first submitting pending commands that use it (queue writes jump ahead of them). */
  write(buffer: GPUBuffer, data: ArrayBufferView<ArrayBuffer>): void {
    if (this.pendingBuffers.has(buffer)) this.flush();
    this.device.queue.writeBuffer(buffer, 0, data);
  }

  /** Submits everything recorded so far as one command buffer. */
  flush(): void {
    this.throwIfFailed();
    if (!this.encoder) return;
    this.pass?.end();
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.pass = null;
    this.pendingBuffers.clear();
    this.pendingDispatches = 0;
  }

  /** Submits pending work and reads `byteLength` bytes of `buffer` back; the one place the CPU waits for the GPU. */
  async read(buffer: GPUBuffer, byteLength: number): Promise<ArrayBuffer> {
    return (await this.readMany([{ buffer, byteLength }]))[0];
  }

  /** Reads several buffers with one copy pass and one map: a single round trip however many results there are. */
  async readMany(sources: { buffer: GPUBuffer; byteLength: number }[]): Promise<ArrayBuffer[]> {
    const offsets: number[] = [];
    let total = 0;
    for (const { byteLength } of sources) {
      offsets.push(total);
      total += alignTo(byteLength, 8); // mapAsync and copy offsets want multiples of 8 and 4
    }
    const staging = this.pool.acquire(total, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, 'readback');
    const encoder = this.encoderOutsidePass();
    sources.forEach(({ buffer, byteLength }, index) => {
      encoder.copyBufferToBuffer(buffer, 0, staging, offsets[index], alignTo(byteLength, 4));
    });
    this.flush();
    try {
      await Promise.race([staging.mapAsync(GPUMapMode.READ, 0, total), this.lost.then((error) => Promise.reject(error))]);
      this.throwIfFailed();
      const mapped = staging.getMappedRange(0, total);
      const results = sources.map(({ byteLength }, index) => mapped.slice(offsets[index], offsets[index] + byteLength));
      staging.unmap();
      return results;
    } finally {
      this.pool.release(staging);
    }
  }

  /** A tensor holding `data` (copied), or uninitialised when `data` is omitted. */
  tensor(shape: readonly number[], data?: ArrayLike<number>, label = 'tensor'): Tensor {
    validateShape(shape, label);
    const tensor = createTensor(this, shape, label);
    if (data) this.upload(tensor, data);
    return tensor;
  }

  /** Overwrites a tensor's contents from the CPU. */
  upload(tensor: Tensor, data: ArrayLike<number>): void {
    if (data.length !== tensor.size) {
      throw new Error(`${tensor.label}: data has ${data.length} values but shape [${tensor.shape}] needs ${tensor.size}`);
    }
    const values = Float32Array.from(data); // a copy: the caller's array may be a view into shared memory
    const bad = values.findIndex((value) => !Number.isFinite(value));
    if (bad >= 0) throw new Error(`${tensor.label}: data contains ${values[bad]} at index ${bad}; tensors must be finite`);
    this.write(tensor.buffer, values);
  }

  /**
   * Runs `fn`; every tensor created inside and not part of its result is disposed when it returns (or throws).
   * Tensors in the result (itself, or inside an array or a plain object) move to the enclosing scope.
   */
  scope<T>(fn: () => T): T {
    const created: Tensor[] = [];
    this.scopes.push(created);
    let result: T;
    try {
      result = fn();
    } catch (error) {
      for (const tensor of created) tensor.dispose();
      throw error;
    } finally {
      this.scopes.pop();
    }
    const kept = new Set(tensorsIn(result));
    for (const tensor of created) {
      if (kept.has(tensor)) this.scopes.at(-1)?.push(tensor);
      else tensor.dispose();
    }
    return result;
  }

  /** Called by createTensor: registers the tensor with the innermost scope, if any. */
  adopt(tensor: Tensor): void {
    this.scopes.at(-1)?.push(tensor);
  }

  /** Releases the pool and the device. */
  destroy(): void {
    this.pool.destroy();
    this.device.destroy();
  }

  /** Drops a cached pipeline, and its module when no other cached pipeline uses it; holders of either keep working. */
  private evict(key: string): void {
    const { source } = this.pipelines.get(key)!;
    this.pipelines.delete(key);
    const entry = this.modules.get(source)!;
    if (--entry.pipelines === 0) this.modules.delete(source);
  }

  /** The module for `source`, counted as used by one more cached pipeline. */
  private module(label: string, source: string): GPUShaderModule {
    const cached = this.modules.get(source);
    if (cached) {
      cached.pipelines += 1;
      return cached.module;
    }
    const module = this.device.createShaderModule({ label, code: source });
    this.modules.set(source, { module, pipelines: 1 });
    module.getCompilationInfo().then((info) => {
      const errors = info.messages.filter((message) => message.type === 'error');
      if (errors.length) {
        const lines = errors.map((message) => `  ${label}.wgsl:${message.lineNum}:${message.linePos} ${message.message}`);
        this.failure ??= new Error(`WGSL compilation failed:\n${lines.join('\n')}`);
      }
    });
    return module;
  }

  /** The pending encoder with no compute pass open, for copies. */
  private encoderOutsidePass(): GPUCommandEncoder {
    this.pass?.end();
    this.pass = null;
    this.encoder ??= this.device.createCommandEncoder({ label: 'engine commands' });
    return this.encoder;
  }

  private computePass(): GPUComputePassEncoder {
    this.encoder ??= this.device.createCommandEncoder({ label: 'engine commands' });
    this.pass ??= this.encoder.beginComputePass({ label: 'engine pass' });
    return this.pass;
  }

  private throwIfFailed(): void {
    const failure = this.failure;
    if (failure && !failure.message.startsWith('WebGPU device lost')) this.failure = null;
    if (failure) throw failure;
  }
}

function alignTo(byteLength: number, multiple: number): number {
  return Math.ceil(byteLength / multiple) * multiple;
}

function toNumbers(constants: Record<string, number | boolean>): Record<string, number> {
  return Object.fromEntries(Object.entries(constants).map(([name, value]) => [name, Number(value)]));
}

function tensorsIn(value: unknown): Tensor[] {
  if (value instanceof Tensor) return [value];
  if (Array.isArray(value)) return value.flatMap(tensorsIn);
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value).flatMap(tensorsIn);
  }
  return [];
}

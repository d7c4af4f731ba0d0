// The engine's context: one device, its kernels, buffer pool, pending commands and tensor scopes.
import { makeShaderDataDefinitions, makeStructuredView, type StructuredView } from 'webgpu-utils';
import { acquireDevice, type DeviceOptions } from './device';
import { KernelCache, type Constants, type Kernel } from './kernels';
import { BufferPool } from './pool';
import type { ShaderFile } from './shader';
import { Tensor, createTensor, validateShape, type Region } from './tensor';
import type { Tape } from './tape';

/** A loop that never reads back still submits now and then, so one command buffer cannot grow without bound. */
const MAX_PENDING_DISPATCHES = 4096;

/** One dispatch as Gpu.dispatch received it, with the bind groups it made of them: enough to encode it again. */
export interface RecordedDispatch {
  kernel: Kernel;
  bindings: GPUBufferBinding[];
  workgroups: [number, number, number];
  values?: GPUBuffer;
  /** @group(0) of `bindings`, then @group(1) of `values` when given. */
  bindGroups: GPUBindGroup[];
}

/** Bind groups kept at most; a training step reuses the same few dozen, so this only bounds long-lived use. */
const BIND_GROUP_LIMIT = 4096;
/** Distinct per-call value sets kept at most (each a small immutable uniform buffer). */
const VALUE_SETS_LIMIT = 1024;

export class Gpu {
  readonly pool: BufferPool;
  /** The tape ops record onto while `valueAndGrad` runs; null otherwise. */
  tape: Tape | null = null;
  readonly kernels: KernelCache;
  /** While not null, every dispatch is also recorded here (a profile of one step: engine/measure/profile.ts). */
  recording: RecordedDispatch[] | null = null;
  /** By kernel and buffers (and the values' buffer): a step that repeats its dispatches creates none. */
  private readonly bindGroups = new Map<string, GPUBindGroup>();
  private readonly bufferIds = new WeakMap<GPUBuffer, number>();
  private nextBufferId = 0;
  /** Immutable uniform buffers of per-call values, by shader and values; least recently used first. */
  private readonly valueSets = new Map<string, GPUBuffer>();
  /** Value buffers a compiled step replays, with how many steps do: never destroyed while pinned. */
  private readonly pinned = new Map<GPUBuffer, number>();
  private readonly valueViews = new Map<string, StructuredView>();
  /** The integer fields each of those buffers holds (sizesOf). */
  private readonly sizesInBuffer = new WeakMap<GPUBuffer, Record<string, number>>();
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
    /** Awaits a promise of the device's work, as acquireDevice says to: every wait on the device goes through it. */
    readonly wait: <T>(promise: Promise<T>) => Promise<T>,
  ) {
    this.pool = new BufferPool(device);
    this.kernels = new KernelCache(device, wait);
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
    const { device, adapterName, software, adapterInfo, instance, wait } = await acquireDevice(options);
    return new Gpu(device, adapterName, software, adapterInfo, instance, wait);
  }

  /** Runs `use` on a Gpu of its own, destroyed afterwards: no pipeline another Gpu compiled serves it. */
  static async using<T>(use: (gpu: Gpu) => Promise<T>, options: DeviceOptions = {}): Promise<T> {
    const gpu = await Gpu.create(options);
    try {
      return await use(gpu);
    } finally {
      gpu.destroy();
    }
  }

  get hasTimestamps(): boolean {
    return this.device.features.has('timestamp-query');
  }

  get hasSubgroups(): boolean {
    return this.device.features.has('subgroups' as GPUFeatureName);
  }

  /** The pipeline for `shader` specialised by `constants` (shapes and modes only), compiled once and cached. */
  kernel(shader: ShaderFile, constants: Constants = {}): Kernel {
    return this.kernels.get(shader, constants);
  }

  /**
   * A uniform buffer holding `values` in the layout of the shader's `values` struct (webgpu-utils reads it from the
   * WGSL), for @group(1) @binding(0). Numbers that change from call to call live here, not in the constants, so they
   * compile nothing; each distinct set is made once and kept, immutable, so replaying a step writes nothing.
   * The buffer stays valid until trim(), or until 1024 newer sets have pushed it out, unless pin()ned: use it for the
   * dispatch at hand.
   */
  values(shader: ShaderFile, values: Record<string, number>): GPUBuffer {
    let view = this.valueViews.get(shader.source);
    if (!view) {
      const definition = makeShaderDataDefinitions(shader.source).uniforms.values;
      if (!definition) throw new Error(`${shader.name}: no uniform named 'values' to hold ${Object.keys(values).join(', ')}`);
      view = makeStructuredView(definition);
      this.valueViews.set(shader.source, view);
    }
    const fields = Object.keys(view.views as object);
    if (fields.length !== Object.keys(values).length || !fields.every((field) => field in values)) {
      throw new Error(`${shader.name}: its values are ${fields.join(', ')}; got ${Object.keys(values).join(', ')}`);
    }
    view.set(values);
    const key = `${shader.source.length}:${shader.name}:${new Uint32Array(view.arrayBuffer).join(',')}`; // the bits: NaN, -0 and infinities stay apart
    let buffer = this.valueSets.get(key);
    if (buffer) {
      this.valueSets.delete(key);
    } else {
      const size = view.arrayBuffer.byteLength;
      buffer = this.device.createBuffer({ label: `${shader.name} values`, size, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true });
      new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(view.arrayBuffer));
      buffer.unmap();
      const views = view.views as Record<string, ArrayBufferView>;
      this.sizesInBuffer.set(buffer, Object.fromEntries(Object.entries(values).filter(([name]) => !(views[name] instanceof Float32Array))));
      for (const [oldest, old] of this.valueSets) {
        if (this.valueSets.size < VALUE_SETS_LIMIT) break;
        if (this.pinned.has(old)) continue;
        if (this.pendingBuffers.has(old)) this.flush();
        old.destroy();
        this.valueSets.delete(oldest);
      }
    }
    this.valueSets.set(key, buffer);
    return buffer;
  }

  /**
   * Gives memory back between runs: destroys the pool's free buffers, the kept value sets and bind groups, and drops
   * the pipelines not used in the last few runs (RUNS_KEPT in kernels.ts).
   */
  trim(): void {
    this.flush(); // a recorded command may use a free buffer, and must reach the queue before its destroy()
    this.pool.trim();
    this.kernels.trim();
    for (const [key, buffer] of this.valueSets) {
      if (this.pinned.has(buffer)) continue;
      buffer.destroy();
      this.valueSets.delete(key);
    }
    this.bindGroups.clear();
  }

  /**
   * The integer fields of a buffer from values(): the sizes a kernel reads as values (a matmul's M, N, K), which a
   * profile groups by; float fields are scalars and are left out. Undefined for any other buffer.
   */
  sizesOf(buffer: GPUBuffer): Record<string, number> | undefined {
    return this.sizesInBuffer.get(buffer);
  }

  /** Keeps value buffers (from values()) alive until unpin(): a compiled step replays them step after step. */
  pin(buffers: Iterable<GPUBuffer>): void {
    for (const buffer of buffers) this.pinned.set(buffer, (this.pinned.get(buffer) ?? 0) + 1);
  }

  unpin(buffers: Iterable<GPUBuffer>): void {
    for (const buffer of buffers) {
      const count = this.pinned.get(buffer) ?? 0;
      if (count <= 1) this.pinned.delete(buffer);
      else this.pinned.set(buffer, count - 1);
    }
  }

  /**
   * Records one dispatch; `bound` (whole buffers, or parts of them: a tensor's binding) bind to @binding(0..n-1) of
   * @group(0) in order, and `values` (see values()) to @group(1) @binding(0). Nothing runs until flush.
   */
  dispatch(kernel: Kernel, bound: (GPUBuffer | GPUBufferBinding)[], workgroups: [number, number?, number?], values?: GPUBuffer): void {
    this.throwIfFailed();
    const bindings = bound.map(asBinding);
    const bindGroups = [this.bindGroup(kernel, 0, bindings), ...(values ? [this.bindGroup(kernel, 1, [{ buffer: values }])] : [])];
    this.encode([{ kernel, bindings, workgroups: [workgroups[0], workgroups[1] ?? 1, workgroups[2] ?? 1], values, bindGroups }]);
  }

  /** Records recorded dispatches again, as they were: no bind group looked up, nothing created (engine/compiled-step.ts). */
  replay(dispatches: readonly RecordedDispatch[]): void {
    this.throwIfFailed();
    this.encode(dispatches);
  }

  private encode(dispatches: readonly RecordedDispatch[]): void {
    const pass = this.computePass();
    for (const dispatch of dispatches) {
      pass.setPipeline(dispatch.kernel.pipeline);
      dispatch.bindGroups.forEach((bindGroup, index) => pass.setBindGroup(index, bindGroup));
      pass.dispatchWorkgroups(...dispatch.workgroups);
      this.recording?.push(dispatch);
      for (const { buffer } of dispatch.bindings) this.pendingBuffers.add(buffer);
      if (dispatch.values) this.pendingBuffers.add(dispatch.values);
    }
    this.pendingDispatches += dispatches.length;
    if (this.pendingDispatches >= MAX_PENDING_DISPATCHES) this.flush();
  }

  /** Records a GPU-side copy of `source` to `destination`'s offset (a tensor's region: Tensor.region). */
  copy(source: Region, destination: Region): void {
    this.throwIfFailed();
    if (destination.byteLength < source.byteLength) throw new Error(`copy: ${source.byteLength} bytes do not fit in ${destination.byteLength}`);
    if (source.buffer === destination.buffer) throw new Error(`copy: source and destination are one buffer ("${source.buffer.label}"), which WebGPU refuses`);
    this.encoderOutsidePass().copyBufferToBuffer(source.buffer, source.offset, destination.buffer, destination.offset, alignTo(source.byteLength, 4));
    this.pendingBuffers.add(source.buffer).add(destination.buffer);
  }

  /** Copies `data` into `buffer` at `offset`, first submitting pending commands that use it (queue writes jump ahead of them). */
  write(buffer: GPUBuffer, data: ArrayBufferView<ArrayBuffer>, offset = 0): void {
    if (this.pendingBuffers.has(buffer)) this.flush();
    this.device.queue.writeBuffer(buffer, offset, data);
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

  /** Submits pending work and reads `region` back; the one place the CPU waits for the GPU. */
  async read(region: Region): Promise<ArrayBuffer> {
    return (await this.readMany([region]))[0];
  }

  /** Reads several regions with one copy pass and one map: a single round trip however many results there are. */
  async readMany(sources: Region[]): Promise<ArrayBuffer[]> {
    try {
      await this.kernels.check(); // a kernel that did not compile says so, by file and line, before its results are read
    } catch (error) {
      this.discardPending(); // the pending commands may use it: dropped, so the device stays usable
      throw error;
    }
    const offsets: number[] = [];
    let total = 0;
    for (const { byteLength } of sources) {
      offsets.push(total);
      total += alignTo(byteLength, 8); // mapAsync and copy offsets want multiples of 8 and 4
    }
    const staging = this.pool.acquire(total, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, 'readback');
    const encoder = this.encoderOutsidePass();
    sources.forEach(({ buffer, offset, byteLength }, index) => {
      encoder.copyBufferToBuffer(buffer, offset, staging, offsets[index], alignTo(byteLength, 4));
    });
    this.flush();
    try {
      await this.wait(Promise.race([staging.mapAsync(GPUMapMode.READ, 0, total), this.lost.then((error) => Promise.reject(error))]));
      this.throwIfFailed();
      const mapped = staging.getMappedRange(0, total);
      const results = sources.map(({ byteLength }, index) => mapped.slice(offsets[index], offsets[index] + byteLength));
      return results;
    } finally {
      if (staging.mapState === 'mapped') staging.unmap();
      this.pool.release(staging);
    }
  }

  /** Drops the commands recorded and not yet submitted, and the error they caused (a kernel that did not compile). */
  private discardPending(): void {
    this.encoder = null; // never finished nor submitted: its commands are dropped with it
    this.pass = null;
    this.pendingBuffers.clear();
    this.pendingDispatches = 0;
    if (this.failure && !this.failure.message.startsWith('WebGPU device lost')) this.failure = null;
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
    const { buffer, offset } = tensor.region;
    this.write(buffer, values, offset);
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

  /** The bind group of `bindings` at `group` of the kernel's layout, made once per kernel and bindings. */
  private bindGroup(kernel: Kernel, group: number, bindings: GPUBufferBinding[]): GPUBindGroup {
    const key = `${kernel.id}:${group}:${bindings.map(({ buffer, offset, size }) => `${this.bufferId(buffer)}+${offset ?? 0}:${size ?? ''}`).join(',')}`;
    let bindGroup = this.bindGroups.get(key);
    if (!bindGroup) {
      bindGroup = this.device.createBindGroup({
        label: `${kernel.label} @group(${group})`,
        layout: kernel.pipeline.getBindGroupLayout(group),
        entries: bindings.map((resource, binding) => ({ binding, resource })),
      });
      if (this.bindGroups.size >= BIND_GROUP_LIMIT) this.bindGroups.delete(this.bindGroups.keys().next().value!);
      this.bindGroups.set(key, bindGroup);
    }
    return bindGroup;
  }

  private bufferId(buffer: GPUBuffer): number {
    let id = this.bufferIds.get(buffer);
    if (id === undefined) this.bufferIds.set(buffer, (id = this.nextBufferId++));
    return id;
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

/** A whole buffer as a binding; a binding as it is. */
export const asBinding = (bound: GPUBuffer | GPUBufferBinding): GPUBufferBinding => ('buffer' in bound ? bound : { buffer: bound });

function alignTo(byteLength: number, multiple: number): number {
  return Math.ceil(byteLength / multiple) * multiple;
}

function tensorsIn(value: unknown): Tensor[] {
  if (value instanceof Tensor) return [value];
  if (Array.isArray(value)) return value.flatMap(tensorsIn);
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value).flatMap(tensorsIn);
  }
  return [];
}

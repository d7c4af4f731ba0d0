// Compiled kernels: a pipeline per (WGSL source, override constants), cached with least-recently-used eviction,
// created inside an error scope so a compile error names the shader file and line with the compiler's messages.
import { locate, type ShaderFile } from './shader';

/** Constants are the shapes and modes a kernel is specialised for: never a value that changes step to step. */
export type Constants = Record<string, number | boolean>;

/** A compiled kernel: a WGSL source specialised by its `override` constants. */
export interface Kernel {
  pipeline: GPUComputePipeline;
  label: string;
  /** What it is specialised for: its shapes and modes. */
  constants: Constants;
  /** Distinguishes kernels in the bind-group cache's keys. */
  id: number;
  /** The @group(0) bindings its WGSL declares read-only; a compiled step counts every other binding as written. */
  readOnly: ReadonlySet<number>;
}

/**
 * Pipelines kept by default: RUNS_KEPT times the 44 of the most varied run (an MLP with the probes, separability and
 * P-vectors) fit, so no run recompiles its own, while a process that trains again and again with new shapes (a sweep,
 * a page) stays bounded.
 */
const PIPELINE_LIMIT = 256;
/**
 * trim() keeps the pipelines used since this many trims ago: a sweep's grid comes back to a shape within a few runs
 * (depth x width alternates the widths), and recompiling a width's pipelines cost the paper's sweep 1.4 s each time.
 */
export const RUNS_KEPT = 4;

interface CachedKernel {
  kernel: Kernel;
  source: string;
  /** The trim() generation it was last used in. */
  used: number;
}

/** WGSL_PRINT=1 (Node) or globalThis.WGSL_PRINT = true (a page) prints each shader before it compiles. */
const printShaders = () => Boolean((globalThis as { WGSL_PRINT?: unknown }).WGSL_PRINT ?? globalThis.process?.env?.WGSL_PRINT);

export class KernelCache {
  /** Pipelines cached at most; beyond it the least recently used one is dropped (and compiled again if needed). */
  limit = PIPELINE_LIMIT;
  /** Pipelines compiled since the cache was made, and the seconds spent creating them (the host's share). */
  compiled = 0;
  compileSeconds = 0;
  /** Of those, the ones compiled in the background (whenReady), and the wall-clock seconds until each landed. */
  backgroundCompiled = 0;
  backgroundSeconds = 0;
  /** Background compiles in flight, by key; and the keys whose background compile failed (never tried again). */
  private readonly compiling = new Map<string, Promise<void>>();
  private readonly failed = new Set<string>();
  /** While awaitedDuring() runs, the keys whenReady() answered null for. */
  private awaited: Set<string> | null = null;
  private nextId = 0;
  /** Shader modules by source, with how many cached pipelines use each: the last one evicted takes its module along. */
  private readonly modules = new Map<string, { module: GPUShaderModule; pipelines: number }>();
  /** Least recently used first: a hit moves its entry to the end. */
  private readonly pipelines = new Map<string, CachedKernel>();
  private generation = 0;
  /** Compile checks not yet awaited: each resolves to an error message, or null. */
  private pending: Promise<string | null>[] = [];

  constructor(
    private readonly device: GPUDevice,
    /** How to await the device's promises (Gpu.wait). */
    private readonly wait: <T>(promise: Promise<T>) => Promise<T>,
  ) {}

  get pipelineCount(): number {
    return this.pipelines.size;
  }

  get moduleCount(): number {
    return this.modules.size;
  }

  /** The pipeline for `shader` with these override constants, compiled once and cached. */
  get(shader: ShaderFile, constants: Constants = {}): Kernel {
    const key = keyOf(shader, constants);
    const cached = this.pipelines.get(key);
    if (cached) {
      this.pipelines.delete(key);
      cached.used = this.generation;
      this.pipelines.set(key, cached);
      return cached.kernel;
    }
    return this.insert(key, shader.source, this.compile(shader, constants, key));
  }

  /** Whether the pipeline is cached or compiling in the background: asking for it compiles nothing more. */
  has(shader: ShaderFile, constants: Constants): boolean {
    const key = keyOf(shader, constants);
    return this.pipelines.has(key) || this.compiling.has(key);
  }

  /**
   * The pipeline if it is cached; otherwise null, and it starts compiling in the background
   * (createComputePipelineAsync: off the caller's thread, so a big kernel's seconds of compiling do not stall it).
   * The caller serves with another kernel meanwhile; once this one has landed, get() and whenReady() return it.
   */
  whenReady(shader: ShaderFile, constants: Constants): Kernel | null {
    const key = keyOf(shader, constants);
    if (this.pipelines.has(key)) return this.get(shader, constants);
    if (!this.compiling.has(key) && !this.failed.has(key)) this.compiling.set(key, this.compileInBackground(shader, constants, key));
    this.awaited?.add(key);
    return null;
  }

  /** Runs `work`; returns the pipelines it asked whenReady() for and went without (a compiled step's stand-ins). */
  awaitedDuring(work: () => void): string[] {
    const outer = this.awaited;
    const awaited = new Set<string>();
    this.awaited = awaited;
    try {
      work();
    } finally {
      this.awaited = outer;
      for (const key of awaited) outer?.add(key);
    }
    return [...awaited];
  }

  /** Whether any of these pipelines (from awaitedDuring) has landed since. */
  anyLanded(keys: readonly string[]): boolean {
    return keys.some((key) => this.pipelines.has(key));
  }

  /** Resolves once every background compile started so far has landed (or failed: check() then says why). */
  async settled(): Promise<void> {
    while (this.compiling.size > 0) await this.wait(Promise.all(this.compiling.values()));
  }

  /** Throws the first compile error of the kernels made so far, naming the file and line; resolves when there is none. */
  async check(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    const failures = (await this.wait(Promise.all(pending))).filter((message) => message !== null);
    if (failures.length > 0) throw new Error(failures.join('\n'));
  }

  /** Ends a run: drops the pipelines not used in the last RUNS_KEPT runs. */
  trim(): void {
    for (const [key, cached] of this.pipelines) if (cached.used <= this.generation - RUNS_KEPT) this.evict(key);
    this.generation += 1;
  }

  private insert(key: string, source: string, kernel: Kernel): Kernel {
    for (const oldest of this.pipelines.keys()) {
      if (this.pipelines.size < this.limit) break;
      this.evict(oldest);
    }
    this.pipelines.set(key, { kernel, source, used: this.generation });
    return kernel;
  }

  private async compileInBackground(shader: ShaderFile, constants: Constants, key: string): Promise<void> {
    const started = performance.now();
    const label = shader.name;
    if (printShaders()) console.info(`// ${label} ${JSON.stringify(constants)} (in the background)\n${shader.source}`);
    const module = this.module(shader);
    try {
      const pipeline = await this.wait(
        this.device.createComputePipelineAsync({ label, layout: 'auto', compute: { module, entryPoint: 'main', constants: numbersOf(constants) } }),
      );
      this.compiled += 1;
      this.backgroundCompiled += 1;
      this.backgroundSeconds += (performance.now() - started) / 1000;
      if (this.pipelines.has(key)) {
        this.release(shader.source); // get() compiled it meanwhile: that one stays
      } else {
        this.insert(key, shader.source, { pipeline, label, constants, id: this.nextId++, readOnly: readOnlyBindings(shader) });
      }
    } catch (error) {
      this.release(shader.source);
      this.failed.add(key);
      this.pending.push(compileError(shader, constants, module, (error as Error).message));
    } finally {
      this.compiling.delete(key);
    }
  }

  private compile(shader: ShaderFile, constants: Constants, key: string): Kernel {
    const started = performance.now();
    const label = shader.name;
    if (printShaders()) console.info(`// ${label} ${JSON.stringify(constants)}\n${shader.source}`);
    this.device.pushErrorScope('validation');
    const module = this.module(shader);
    const pipeline = this.device.createComputePipeline({ label, layout: 'auto', compute: { module, entryPoint: 'main', constants: numbersOf(constants) } });
    const scope = this.device.popErrorScope();
    this.compiled += 1;
    this.compileSeconds += (performance.now() - started) / 1000;
    this.pending.push(
      scope.then((error) => {
        if (!error) return null;
        if (this.pipelines.get(key)?.kernel.pipeline === pipeline) this.evict(key); // asked for again, it compiles again and says why again
        return compileError(shader, constants, module, error.message);
      }),
    );
    return { pipeline, label, constants, id: this.nextId++, readOnly: readOnlyBindings(shader) };
  }

  /** Drops a cached pipeline, and its module when no other cached pipeline uses it; holders of either keep working. */
  private evict(key: string): void {
    const { source } = this.pipelines.get(key)!;
    this.pipelines.delete(key);
    this.release(source);
  }

  /** One cached pipeline fewer uses the module of `source`; the last takes it along. */
  private release(source: string): void {
    const entry = this.modules.get(source)!;
    if (--entry.pipelines === 0) this.modules.delete(source);
  }

  /** The module for `shader`, counted as used by one more cached pipeline. */
  private module(shader: ShaderFile): GPUShaderModule {
    const cached = this.modules.get(shader.source);
    if (cached) {
      cached.pipelines += 1;
      return cached.module;
    }
    const module = this.device.createShaderModule({ label: shader.name, code: shader.source });
    this.modules.set(shader.source, { module, pipelines: 1 });
    return module;
  }
}

/** A compile error naming the file and line of each of the compiler's messages (`fallback` when it gave none). */
async function compileError(shader: ShaderFile, constants: Constants, module: GPUShaderModule, fallback: string): Promise<string> {
  const messages = (await module.getCompilationInfo()).messages
    .filter((message) => message.type === 'error')
    .map((message) => `  ${locate(shader, message.lineNum)}:${message.linePos} ${message.message}`);
  return `WGSL: ${shader.name} ${JSON.stringify(constants)} does not compile:\n${messages.length > 0 ? messages.join('\n') : `  ${fallback}`}`;
}

/**
 * The bindings of @group(0) declared `var<storage, read>` or `var<uniform>`, comments left out, attributes in the order
 * our shaders write them: a declaration written otherwise counts as written to, which only keeps a dispatch.
 */
function readOnlyBindings(shader: ShaderFile): Set<number> {
  const code = shader.source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  const declarations = code.matchAll(/@group\(0\)\s*@binding\((\d+)\)\s*var<(storage,\s*read|uniform)>/g);
  return new Set([...declarations].map((match) => Number(match[1])));
}

const keyOf = (shader: ShaderFile, constants: Constants): string => `${JSON.stringify(constants)}|${shader.source}`;

const numbersOf = (constants: Constants): Record<string, number> => Object.fromEntries(Object.entries(constants).map(([name, value]) => [name, Number(value)]));

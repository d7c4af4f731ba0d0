// A training step compiled: its dispatches recorded (kernels, bind groups, buffers) and replayed on later steps, with
// no tape, no tensors, no bind group and no allocation in JavaScript; recorded again only once a kernel it ran a
// stand-in for has compiled in the background (engine/ops/matmul-plan.ts). What changes from step to step lives in
// buffers the host writes before a replay (the optimiser's hyper-parameters, the mini-batch's indices); every other
// per-call value is an immutable uniform (Gpu.values), pinned here so it outlives the pipeline and bind-group caches.
// A replay runs only what the step's effects need (replayedOf): on SwiftShader every dispatch costs tens of microseconds,
// whatever it computes.
import type { Gpu, RecordedDispatch } from './gpu';

export class CompiledStep {
  private constructor(
    private readonly gpu: Gpu,
    private readonly dispatches: readonly RecordedDispatch[],
    /** The step's intermediates: held from the pool, so nothing else is given them between replays. */
    private readonly arena: GPUBuffer[],
    private readonly values: GPUBuffer[],
    /** The pipelines still compiling in the background when recorded, whose stand-ins the step runs. */
    private readonly awaited: string[],
  ) {}

  /**
   * Runs `step` once (it encodes a step, as usual) and keeps what it dispatched. The step must be a fixed sequence
   * of dispatches: no readback, no host decision on GPU results, every tensor it creates disposed by the time it
   * returns (run it in a scope). Its buffers are not reused by one another, so an arena is the sum of them.
   */
  static record(gpu: Gpu, step: () => void): CompiledStep {
    const outer = gpu.recording; // a profile recording this step too
    const dispatches: RecordedDispatch[] = [];
    gpu.recording = dispatches;
    gpu.pool.hold();
    let awaited: string[];
    try {
      awaited = gpu.kernels.awaitedDuring(step);
    } catch (error) {
      for (const buffer of gpu.pool.endHold()) gpu.pool.release(buffer);
      throw error;
    } finally {
      gpu.recording = outer;
      outer?.push(...dispatches);
    }
    const arena = gpu.pool.endHold();
    const replayed = replayedOf(dispatches, new Set(arena));
    const values = [...new Set(replayed.flatMap((dispatch) => (dispatch.values ? [dispatch.values] : [])))];
    gpu.pin(values);
    return new CompiledStep(gpu, replayed, arena, values, awaited);
  }

  /**
   * Runs `step` (as record() takes it) `count` times, as a loop of alike steps wants: recorded on the first, replayed
   * after. The loop never yields, so no background compile lands during it: one recording serves every step.
   */
  static repeat(gpu: Gpu, count: number, step: () => void): void {
    if (count < 1) return;
    const compiled = CompiledStep.record(gpu, step);
    try {
      for (let done = 1; done < count; done++) compiled.replay();
    } finally {
      compiled.dispose();
    }
  }

  /** Whether a pipeline the step went without has landed since: recorded again, the step would run it. */
  get stale(): boolean {
    return this.gpu.kernels.anyLanded(this.awaited);
  }

  /** Encodes the step again, on the same buffers; the caller writes this step's inputs first. */
  replay(): void {
    this.gpu.replay(this.dispatches);
  }

  dispose(): void {
    for (const buffer of this.arena) this.gpu.pool.release(buffer);
    this.gpu.unpin(this.values);
  }
}

/**
 * What a replay must run of a recorded step: its effects are the buffers outside the arena that it writes (parameters,
 * optimiser state, running statistics), and the arena's buffers are its own, held between replays. So it leaves out
 * - a dispatch that writes only arena buffers no later kept dispatch reads (a loss value nobody reads back: the
 *   report computes its own), found walking back from the end;
 * - a dispatch that binds only arena buffers nothing else writes (a fill: the gradient's seed of 1), whose results
 *   from the recording stand. That takes a kernel that writes its outputs without reading them first, as every op
 *   does: each writes a fresh tensor, whose contents before the op are garbage in the tape's step too.
 */
function replayedOf(dispatches: readonly RecordedDispatch[], arena: ReadonlySet<GPUBuffer>): RecordedDispatch[] {
  const buffersOf = (dispatch: RecordedDispatch) => dispatch.bindings.map(({ buffer }) => buffer);
  const written = (dispatch: RecordedDispatch) => buffersOf(dispatch).filter((_, binding) => !dispatch.kernel.readOnly.has(binding));
  const writers = new Map<GPUBuffer, number>();
  for (const dispatch of dispatches) for (const buffer of new Set(written(dispatch))) writers.set(buffer, (writers.get(buffer) ?? 0) + 1);
  const needed = new Set<GPUBuffer>();
  const kept: RecordedDispatch[] = [];
  for (const dispatch of [...dispatches].reverse()) {
    if (!written(dispatch).some((buffer) => !arena.has(buffer) || needed.has(buffer))) continue;
    kept.push(dispatch);
    for (const buffer of buffersOf(dispatch)) if (arena.has(buffer)) needed.add(buffer);
  }
  const ownsAll = (dispatch: RecordedDispatch) => {
    const own = new Set(written(dispatch));
    return buffersOf(dispatch).every((buffer) => arena.has(buffer) && own.has(buffer) && writers.get(buffer) === 1);
  };
  return kept.reverse().filter((dispatch) => !ownsAll(dispatch));
}

// A training step compiled: its dispatches recorded once (kernels, bind groups, buffers) and replayed on later steps,
// with no tape, no tensors, no bind group and no allocation in JavaScript. What changes from step to step lives in
// buffers the host writes before a replay (the optimiser's hyper-parameters, the mini-batch's indices); every other
// per-call value is an immutable uniform (Gpu.values), pinned here so it outlives the pipeline and bind-group caches.
import type { Gpu, RecordedDispatch } from './gpu';

export class CompiledStep {
  private constructor(
    private readonly gpu: Gpu,
    private readonly dispatches: readonly RecordedDispatch[],
    /** The step's intermediates: held from the pool, so nothing else is given them between replays. */
    private readonly arena: GPUBuffer[],
    private readonly values: GPUBuffer[],
    /** KernelCache.landed when recorded. */
    private readonly landed: number,
  ) {}

  /**
   * Runs `step` once (it encodes a step, as usual) and keeps what it dispatched. The step must be a fixed sequence
   * of dispatches: no readback, no host decision on GPU results, every tensor it creates disposed by the time it
   * returns (run it in a scope). Its buffers are not reused by one another, so an arena is the sum of them.
   */
  static record(gpu: Gpu, step: () => void): CompiledStep {
    if (gpu.recording) throw new Error('CompiledStep.record: already recording (a profile or another step)');
    const dispatches: RecordedDispatch[] = [];
    const landed = gpu.kernels.landed;
    gpu.recording = dispatches;
    gpu.pool.hold();
    let arena: GPUBuffer[];
    try {
      step();
    } finally {
      gpu.recording = null;
      arena = gpu.pool.endHold();
    }
    const values = [...new Set(dispatches.flatMap((dispatch) => (dispatch.values ? [dispatch.values] : [])))];
    gpu.pin(values);
    return new CompiledStep(gpu, dispatches, arena, values, landed);
  }

  /** Whether a kernel compiled in the background has landed since: recorded again, the step would use it. */
  get stale(): boolean {
    return this.gpu.kernels.landed !== this.landed;
  }

  /** How many dispatches a step makes. */
  get length(): number {
    return this.dispatches.length;
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

// Times one kernel by recording many identical dispatches in one compute pass, so the 0.5-3 ms a submit
// and readback cost is paid once per sample, not once per dispatch; or a recorded sequence of dispatches (a training
// step's), repeated in one pass the same way.
// GPU-side timestamps ('timestamp-query') bracket the pass where the device has them; otherwise the wall
// clock runs from submit to onSubmittedWorkDone. Chromium rounds timestamps to 100 us, so passes are long.
import { asBinding, type Gpu, type RecordedDispatch } from '../gpu';
import type { Kernel } from '../kernels';

export type TimingMethod = 'timestamp-query' | 'wall-clock';

/** How long each measured pass should run, and how many passes to take the median of. */
export interface TimingSettings {
  targetPassMs: number;
  samples: number;
}

export interface Timing {
  /** Median over samples of the pass time divided by its dispatches (or sequences). */
  msPerDispatch: number;
  /** The fastest sample's: what a bound (bench/roofline.ts) is taken from. */
  fastestMsPerDispatch: number;
  /** Dispatches (or sequences) per measured pass. */
  reps: number;
}

/** The most repetitions one pass records; enough for 10 us kernels to fill a 100 ms pass. */
const MAX_REPS = 10_000;

/** Where a pass writes its start and end times, and the buffer they are resolved into for reading. */
interface PassTimestamps {
  querySet: GPUQuerySet;
  resolved: GPUBuffer;
}

export class DispatchTimer {
  private readonly timestamps: PassTimestamps | null;

  constructor(private readonly gpu: Gpu) {
    this.timestamps = gpu.hasTimestamps
      ? {
          querySet: gpu.device.createQuerySet({ label: 'bench pass timestamps', type: 'timestamp', count: 2 }),
          resolved: gpu.device.createBuffer({
            label: 'bench resolved timestamps',
            size: 16, // two u64 nanosecond counters
            usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
          }),
        }
      : null;
  }

  get method(): TimingMethod {
    return this.timestamps ? 'timestamp-query' : 'wall-clock';
  }

  /** Frees the query set and its buffer; the timer is not used again. */
  destroy(): void {
    this.timestamps?.querySet.destroy();
    this.timestamps?.resolved.destroy();
  }

  /**
   * Milliseconds per dispatch of `kernel` on `buffers` (bound to @binding(0..n-1) in order; `values` to @group(1)).
   * A discarded first dispatch waits for the pipeline to compile; passes of 1, 10, 100, ... dispatches then run
   * until one lasts a tenth of the target, and its rate sizes the measured passes.
   */
  async time(
    kernel: Kernel,
    buffers: (GPUBuffer | GPUBufferBinding)[],
    workgroups: [number, number, number],
    settings: TimingSettings,
    values?: GPUBuffer,
  ): Promise<Timing> {
    const group = (index: number, bound: (GPUBuffer | GPUBufferBinding)[]) =>
      this.gpu.device.createBindGroup({
        label: `${kernel.label} @group(${index})`,
        layout: kernel.pipeline.getBindGroupLayout(index),
        entries: bound.map((resource, binding) => ({ binding, resource: asBinding(resource) })),
      });
    const bindGroups = [group(0, buffers), ...(values ? [group(1, [values])] : [])];
    return this.measure(kernel.label, settings, (pass, reps) => {
      pass.setPipeline(kernel.pipeline);
      bindGroups.forEach((bindGroup, index) => pass.setBindGroup(index, bindGroup));
      for (let rep = 0; rep < reps; rep++) pass.dispatchWorkgroups(...workgroups);
    });
  }

  /**
   * Milliseconds per run of `dispatches` in order, as recorded (Gpu.recording), each run right after the last in one
   * pass, as time() repeats one dispatch. A sequence that updates buffers in place updates them on every run.
   */
  async timeSequence(dispatches: readonly RecordedDispatch[], settings: TimingSettings): Promise<Timing> {
    return this.measure(`${dispatches.length} dispatches`, settings, (pass, reps) => {
      for (let rep = 0; rep < reps; rep++) {
        for (const { kernel, bindGroups, workgroups } of dispatches) {
          pass.setPipeline(kernel.pipeline);
          bindGroups.forEach((bindGroup, index) => pass.setBindGroup(index, bindGroup));
          pass.dispatchWorkgroups(...workgroups);
        }
      }
    });
  }

  /** Times passes that `encode` fills with `reps` repetitions, sized and sampled as time() says. */
  private async measure(label: string, settings: TimingSettings, encode: (pass: GPUComputePassEncoder, reps: number) => void): Promise<Timing> {
    const run = (reps: number) => this.timePass(label, reps, encode);
    await run(1);
    let calibrationReps = 1;
    let calibrationMs = await run(calibrationReps);
    while (calibrationMs < settings.targetPassMs / 10 && calibrationReps < MAX_REPS) {
      calibrationReps = Math.min(MAX_REPS, calibrationReps * 10);
      calibrationMs = await run(calibrationReps);
    }
    const estimate = Math.max(calibrationMs, 1e-3) / calibrationReps;
    const reps = Math.min(MAX_REPS, Math.max(1, Math.round(settings.targetPassMs / estimate)));
    const perDispatch: number[] = [];
    for (let sample = 0; sample < settings.samples; sample++) perDispatch.push((await run(reps)) / reps);
    return { msPerDispatch: median(perDispatch), fastestMsPerDispatch: Math.min(...perDispatch), reps };
  }

  /** Total milliseconds of one pass that `encode` fills with `reps` repetitions. */
  private async timePass(label: string, reps: number, encode: (pass: GPUComputePassEncoder, reps: number) => void): Promise<number> {
    this.gpu.flush(); // the engine's pending work (uploads, checks) must not land inside the measurement
    const device = this.gpu.device;
    const encoder = device.createCommandEncoder({ label: `bench ${label}` });
    const timestamps = this.timestamps;
    const timestampWrites = timestamps ? { querySet: timestamps.querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } : undefined;
    const pass = encoder.beginComputePass({ label: `bench ${label} x${reps}`, timestampWrites });
    encode(pass, reps);
    pass.end();
    if (timestamps) {
      encoder.resolveQuerySet(timestamps.querySet, 0, 2, timestamps.resolved, 0);
      device.queue.submit([encoder.finish()]);
      const [begin, end] = new BigUint64Array(await this.gpu.read({ buffer: timestamps.resolved, offset: 0, byteLength: 16 }));
      return Number(end - begin) / 1e6;
    }
    const start = performance.now();
    device.queue.submit([encoder.finish()]);
    await this.gpu.wait(device.queue.onSubmittedWorkDone());
    return performance.now() - start;
  }
}

/** The middle value; for an even count, the mean of the two middle ones. */
export function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

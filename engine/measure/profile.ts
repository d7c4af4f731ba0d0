// A per-kernel profile of one training step: every dispatch the step makes is recorded, then each is timed alone
// (timestamp queries where the device has them, the wall clock per pass where not) and grouped by kernel and shape,
// and the whole sequence is timed the same way, so what the step's wall clock holds beyond its kernels alone is split
// in two: what running them in sequence changes on the device (each finds other data in the caches), and the rest.
// Timing repeats the dispatches, so a step's in-place updates run many times: profile a throwaway run.
import type { Gpu, RecordedDispatch } from '../gpu';
import type { Constants } from '../kernels';
import { DispatchTimer, type TimingMethod } from './timing';

export interface ProfileRow {
  kernel: string;
  /** Its shapes and modes: the sizes it reads as values (Gpu.sizesOf), then the override constants (the workgroup size left out). */
  shape: string;
  calls: number;
  /** Milliseconds of all its calls in the step. */
  ms: number;
  /** Share of the step's wall-clock time. */
  share: number;
  /** For matmuls, 2 M N K per call over the time; null for the rest. */
  gflops: number | null;
}

export interface StepProfile {
  rows: ProfileRow[];
  /** The step's wall-clock time, the mean of WALL_CLOCK_STEPS run back to back: its host work, uploads and submit included. */
  stepMs: number;
  /** The step's dispatches timed in sequence, as the step runs them, step after step (a median, as the rows are). */
  sequenceMs: number;
  /** sequenceMs less the rows' sum: what running in sequence costs the kernels (negative if it saves). */
  inSequenceMs: number;
  /** stepMs less sequenceMs: the host's work, the uploads and submits it does not hide, and noise (may be negative). */
  restMs: number;
  method: TimingMethod;
}

const shapeOf = (constants: Constants, sizes: Record<string, number> = {}) =>
  [...Object.entries(sizes), ...Object.entries(constants)]
    .filter(([name]) => !name.startsWith('WORKGROUP'))
    .map(([name, value]) => (typeof value === 'boolean' ? (value ? name : null) : `${name}=${value}`))
    .filter((part) => part !== null)
    .join(' ');

/** A matmul's flops, from the shape it reads as values (shaders/matmul_common.wgsl); null for other kernels. */
const matmulFlops = (sizes: Record<string, number> = {}) =>
  typeof sizes.M === 'number' && typeof sizes.N === 'number' && typeof sizes.K === 'number' ? 2 * sizes.M * sizes.N * sizes.K : null;

/** Steps run back to back, one wait for them all, for the step's wall clock: a training loop's pace, not one step's noise. */
const WALL_CLOCK_STEPS = 8;
/** How many times profileStep runs `step`: a session profiled must have that many steps left. */
export const PROFILE_STEPS = 1 + WALL_CLOCK_STEPS;

/**
 * Runs `step` once, recording its dispatches, then WALL_CLOCK_STEPS times for its wall clock; then times each kernel
 * and shape alone (rows by time, longest first) and all of them in sequence.
 */
export async function profileStep(gpu: Gpu, step: () => Promise<unknown>, targetPassMs = 50): Promise<StepProfile> {
  const recorded: RecordedDispatch[] = [];
  gpu.recording = recorded;
  try {
    await step();
  } finally {
    gpu.flush();
    gpu.recording = null;
  }
  await gpu.wait(gpu.device.queue.onSubmittedWorkDone());
  const started = performance.now();
  for (let run = 0; run < WALL_CLOCK_STEPS; run++) await step();
  gpu.flush();
  await gpu.wait(gpu.device.queue.onSubmittedWorkDone());
  const stepMs = (performance.now() - started) / WALL_CLOCK_STEPS;
  const timer = new DispatchTimer(gpu);
  const groups = new Map<string, { first: RecordedDispatch; calls: number }>();
  const sizesOf = (values: GPUBuffer | undefined) => (values ? gpu.sizesOf(values) : undefined);
  for (const dispatch of recorded) {
    const key = `${dispatch.kernel.id}|${dispatch.workgroups}|${JSON.stringify(sizesOf(dispatch.values) ?? {})}`;
    const group = groups.get(key) ?? { first: dispatch, calls: 0 };
    group.calls += 1;
    groups.set(key, group);
  }
  try {
    const settings = { targetPassMs, samples: 3 };
    const rows: ProfileRow[] = [];
    for (const { first, calls } of groups.values()) {
      const timing = await timer.time(first.kernel, first.bindings, first.workgroups, settings, first.values);
      const ms = timing.msPerDispatch * calls;
      const sizes = sizesOf(first.values);
      const flops = matmulFlops(sizes);
      rows.push({
        kernel: first.kernel.label,
        shape: shapeOf(first.kernel.constants, sizes),
        calls,
        ms,
        share: ms / stepMs,
        gflops: flops === null ? null : (flops * calls) / ms / 1e6,
      });
    }
    rows.sort((a, b) => b.ms - a.ms);
    const kernelMs = rows.reduce((sum, row) => sum + row.ms, 0);
    const sequenceMs = (await timer.timeSequence(recorded, settings)).msPerDispatch;
    return { rows, stepMs, sequenceMs, inSequenceMs: sequenceMs - kernelMs, restMs: stepMs - sequenceMs, method: timer.method };
  } finally {
    timer.destroy();
  }
}

/** The profile as a table, with what the kernels alone do not account for as its last two rows. */
export function profileTable({ rows, stepMs, sequenceMs, inSequenceMs, restMs, method }: StepProfile): string {
  const header = ['kernel', 'shape', 'calls', 'ms', '% of step', 'GFLOP/s'];
  const cells = [
    ...rows.map((row) => [
      row.kernel,
      row.shape,
      String(row.calls),
      row.ms.toFixed(3),
      (100 * row.share).toFixed(1),
      row.gflops === null ? '-' : row.gflops.toFixed(2),
    ]),
    ['(in sequence, beyond alone)', '', '', inSequenceMs.toFixed(3), ((100 * inSequenceMs) / stepMs).toFixed(1), '-'],
    ['(rest: host, uploads, submits)', '', '', restMs.toFixed(3), ((100 * restMs) / stepMs).toFixed(1), '-'],
  ];
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((row) => row[column].length)));
  const line = (row: string[]) => row.map((cell, column) => (column < 2 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  const title = `one training step: ${stepMs.toFixed(3)} ms wall clock; its kernels, timed by ${method}: ${sequenceMs.toFixed(3)} ms in sequence, each alone below`;
  return [title, line(header), ...cells.map(line)].join('\n');
}

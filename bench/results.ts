// The results file bench/run.ts writes (bench/results/<date>-<commit>.json): its schema, which later runs keep and
// add to, and how it is named and written. bench/README.md shows an example.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { StepProfile } from '../engine';
import { matmulShaders, type Peak, type TimingMethod } from '../engine/internal';
import { BASELINE_KERNEL, BASELINE_SHADER } from './cases';
import type { CpuPeerSetup, CpuPeerSummary } from './peer-torch';

export interface Flags {
  /** Fewer shapes, shorter passes, fewer samples. */
  quick: boolean;
  filter: string | null;
  /** Under Node's webgpu package instead of Chromium (no TF.js peer there). */
  node: boolean;
  /** Each training case's step profiled kernel by kernel, printed and kept in its result. */
  profile: boolean;
}

/** One entry of `cases`: the fields every op shares (name .. pct_of_peak), then matmul's own. */
export interface CaseResult {
  name: string;
  op: 'matmul';
  m: number;
  n: number;
  k: number;
  /** Per dispatch. */
  ms: number;
  gflops: number;
  pct_of_peak: number;
  kernel: string;
  /** The subgroup kernel's block per quad, rowGroups x colBlocks of 16 x 16 (e.g. '2x4'); absent for other kernels. */
  quad_block?: string;
  /**
   * Since 2026-12-01, when the plan's block compiled in the background (engine/ops/matmul-plan.ts): the block that
   * served until then, its ms per dispatch (timed while that compile shared the cores: as it serves), and the
   * milliseconds from the first call until the plan's block took over.
   */
  interim_block?: string;
  interim_ms?: number;
  switch_ms?: number;
  transpose_a: boolean;
  transpose_b: boolean;
  /** Dispatches per timed pass. */
  reps: number;
  /** GFLOP/s over the baseline kernel's on the same shape (1 for the baseline); null when it was filtered out. */
  vs_baseline: number | null;
  /** The most GFLOP/s the kernel's loads allow at the measured load rates (bench/roofline.ts), and our share of it; absent for the tiled kernel. */
  roofline_gflops?: number;
  pct_of_roofline?: number;
  /** The peer's GFLOP/s on the same shape, and ours over it (planned cases only). */
  peer_gflops?: number;
  ratio_to_peer?: number;
}

/** A whole training step: m, n, k are the samples, the width and the input dimension. */
export interface TrainStepResult {
  name: string;
  op: 'train_step';
  m: number;
  n: number;
  k: number;
  depth: number;
  classes: number;
  /** The recipe (bench/train-step.ts): model, loss, optimiser settings; rows per step (batch) since 2026-12-01. */
  model?: string;
  loss?: string;
  batch?: number;
  /** Per step. */
  ms: number;
  gflops: number;
  pct_of_peak: number;
  steps_per_s: number;
  samples_per_s: number;
  /** TF.js, where it ran (the browser). */
  peer_steps_per_s?: number;
  ratio_to_peer?: number;
  /** PyTorch on this machine's CPU, where it is installed: the median of its runs, and ours over it. */
  cpu_peer_steps_per_s?: number;
  ratio_to_cpu_peer?: number;
  /** Each run's steps/s, their spread ((max - min) / median), whether it is over 20%, and other processes' CPU use in cores. */
  cpu_peer_runs?: number[];
  cpu_peer_spread?: number;
  cpu_peer_unsteady?: boolean;
  cpu_peer_other_cpu?: number | null;
  /** The metrics stage over every layer, and its cost in training steps. */
  metrics_ms: number;
  metrics_vs_step: number;
  /** Since 2026-12-01: the wait after the warm-up for kernels compiling in the background, and how many landed. */
  background_wait_ms?: number;
  background_pipelines?: number;
  /**
   * Since 2026-12-01: the pipelines the case compiled (training and metrics, those compiled in the background
   * included), and the seconds the host spent creating the others, waiting for each.
   */
  pipelines?: number;
  compile_seconds?: number;
  /** With --profile: one step, each kernel and shape timed alone (engine/measure/profile.ts). */
  profile?: StepProfile;
}

/** A memory-bound kernel: m is the element count; pct_of_peak is of the copy bandwidth. */
export interface MemoryResult {
  name: string;
  op: 'sgd' | 'reduce';
  m: number;
  n: 1;
  k: 1;
  ms: number;
  gflops: number;
  gbps: number;
  pct_of_peak: number;
}

/** The results file's schema: later runs keep these fields and add their own. */
export interface BenchResult {
  device: string;
  runtime: string;
  /** ISO 8601, UTC. */
  date: string;
  /** `git rev-parse --short HEAD`, with "+dirty" when the tree differs from it. */
  commit: string;
  timing: TimingMethod;
  /** The peer library measured beside ours, in the same page; null under Node. */
  peer: string | null;
  /** The CPU peer of the training steps, or null when PyTorch is not installed. */
  cpu_peer: string | null;
  /** Its threads, BLAS and environment, shared by all its runs; null without it. */
  cpu_peer_setup: CpuPeerSetup | null;
  /** The kernel every `vs_baseline` divides by, and a fingerprint of its source: equal fingerprints, comparable ratios. */
  baseline: { kernel: string; shader: string; fingerprint: string };
  flags: Flags;
  peak: Peak;
  /** What should make a reader distrust a figure (an unsteady or disturbed CPU peer, its reference BLAS). */
  warnings: string[];
  /** Checks the run failed (a case above its roofline); a failed run's file ends in "-failed.json". */
  failures: string[];
  cases: (CaseResult | TrainStepResult | MemoryResult)[];
}

/** Four significant digits: more than the run-to-run noise, few enough to diff results files. */
export function significant(value: number): number {
  return Number(value.toPrecision(4));
}

/** A training-step case's CPU peer fields, from the summary of its runs. */
export function cpuPeerFields(summary: CpuPeerSummary, ourStepsPerSecond: number): Partial<TrainStepResult> {
  const stepsPerSecond = significant(1000 / summary.msPerStep);
  return {
    cpu_peer_steps_per_s: stepsPerSecond,
    ratio_to_cpu_peer: significant(ourStepsPerSecond / stepsPerSecond),
    cpu_peer_runs: summary.stepsPerSecond.map(significant),
    cpu_peer_spread: significant(summary.spread),
    cpu_peer_unsteady: summary.unsteady,
    cpu_peer_other_cpu: summary.otherCpu === null ? null : significant(summary.otherCpu),
  };
}

/**
 * The baseline shader's fingerprint: the first 12 hex digits of the SHA-256 of its code with comments and blank
 * space taken out, so rewording a comment keeps it and any change to the code does not.
 */
export function shaderFingerprint(source: string): string {
  const code = source
    .replace(/\/\/.*$/gm, '')
    .replace(/\s+/g, ' ')
    .trim();
  return createHash('sha256').update(code).digest('hex').slice(0, 12);
}

/** The baseline as the engine compiles it: its file with the files it includes. */
export function baselineRecord(): BenchResult['baseline'] {
  return { kernel: BASELINE_KERNEL, shader: BASELINE_SHADER, fingerprint: shaderFingerprint(matmulShaders[BASELINE_KERNEL].source) };
}

/** The short commit, with "+dirty" when anything outside bench/results differs from it (untracked files too). */
export function currentCommit(): string {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();
  const dirty = git('status', '--porcelain', '--', '.', ':!bench/results') !== '';
  return `${git('rev-parse', '--short', 'HEAD')}${dirty ? '+dirty' : ''}`;
}

/**
 * Writes bench/results/<date>-<commit>.json; a partial run gets "-partial" and a failed one "-failed", so neither
 * replaces a full run of the same day and commit.
 */
export function writeResult(result: BenchResult): string {
  const partial = result.flags.quick || result.flags.filter !== null;
  const directory = new URL('results/', import.meta.url);
  mkdirSync(directory, { recursive: true });
  const suffix = `${result.flags.node ? '-node' : ''}${partial ? '-partial' : ''}${result.failures.length > 0 ? '-failed' : ''}`;
  const file = new URL(`${result.date.slice(0, 10)}-${result.commit}${suffix}.json`, directory);
  writeFileSync(file, resultsJson(result));
  return file.pathname;
}

/** The results file: indented, but one line per case, so a run stays short and diffs line up case by case. */
function resultsJson(result: BenchResult): string {
  const { cases, ...run } = result;
  const head = JSON.stringify(run, null, 2).replace(/\n}$/, '');
  return `${head},\n  "cases": [\n${cases.map((c) => `    ${JSON.stringify(c)}`).join(',\n')}\n  ]\n}\n`;
}

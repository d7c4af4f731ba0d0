// The CPU peer, run from Node: PyTorch (Debian's python3-torch) on the same problem as the training-step cases,
// when it is installed; the data and initial weights go over as .npy files, and the losses must agree.
// Its figures are only worth quoting with the conditions they were taken in: each case runs in RUNS separate
// processes, before the browser starts (a software GPU would share the same two cores), and the summary keeps
// the median, the spread, the threads, the BLAS library loaded and the environment that steers it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNpy } from '../engine';
import { median } from '../engine/internal';
import { trainProblem, type TrainStepCase, type WarmupState } from './train-step';

/** Debian's interpreter: its python3-torch is not visible to other Pythons on the PATH. */
const PYTHON = '/usr/bin/python3';
/** This machine's cores, the fair comparison for a 2-core software GPU. */
const THREADS = 2;
/** Separate processes per case; the median is the figure. */
export const CPU_PEER_RUNS = 3;
/** A spread (max - min over the median, in steps/s) above this flags the figure as unsteady. */
export const MAX_SPREAD = 0.2;
/** Other processes' CPU use, in cores, above which a run was not alone on the machine. */
export const MAX_OTHER_CPU = 0.25;
/** How far, relatively, the runs' losses and parameters after the warm-up may differ: the same steps, up to threading. */
const RUNS_AGREE = 1e-5;

/** One process's output (bench/peer_torch.py). */
export interface CpuPeerRun {
  ms_per_step: number;
  steps: number;
  loss_after_warmup: number;
  /** The parameters after the warm-up (bench/train-step.ts's warmupState). */
  after_warmup: WarmupState;
  torch: string;
  threads: number;
  interop_threads: number;
  /** torch.__config__'s BLAS_INFO ('generic' on Debian: whatever libblas.so.3 resolves to). */
  blas_info: string | null;
  /** The BLAS libraries the process loaded. */
  blas_libraries: string[];
  /** OpenBLAS's own thread count, where it is loaded. */
  blas_threads: number | null;
  /** The OMP_*, OPENBLAS_*, GOTO_*, MKL_*, BLIS_* and KMP_* variables set; {} when none. */
  env: Record<string, string>;
  /** Cores' worth of CPU other processes used during the timed steps; null where /proc/stat is missing. */
  other_cpu: number | null;
}

/** What every run of a bench shares: recorded once, at the top of the results file. */
export interface CpuPeerSetup {
  torch: string;
  threads: number;
  interop_threads: number;
  blas_info: string | null;
  blas_libraries: string[];
  /** Which BLAS that is: 'openblas', 'mkl', 'blis', 'atlas', 'reference' (netlib) or 'unknown'. */
  blas: string;
  blas_threads: number | null;
  env: Record<string, string>;
}

/** One case's runs, summarised. */
export interface CpuPeerSummary {
  setup: CpuPeerSetup;
  /** The median run's. */
  msPerStep: number;
  /** Each run's steps/s, in the order they ran. */
  stepsPerSecond: number[];
  /** (max - min) / median of stepsPerSecond. */
  spread: number;
  /** spread > MAX_SPREAD. */
  unsteady: boolean;
  /** The most any run saw other processes use, in cores; null where unknown. */
  otherCpu: number | null;
  lossAfterWarmup: number;
  afterWarmup: WarmupState;
  /** What should make a reader distrust this case's figure, one sentence each; empty when nothing (the setup's: cpuPeerSetupWarnings). */
  warnings: string[];
}

/** PyTorch's version, or null when it is not installed (the CPU peer is then left out, and the run says so). */
export function cpuPeerVersion(): string | null {
  try {
    return execFileSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** Times `steps` steps after the case's warm-up, in each of `runs` processes, and summarises them. */
export function measureCpuPeer(c: TrainStepCase, steps: number, runs = CPU_PEER_RUNS): CpuPeerSummary {
  const problem = trainProblem(c);
  const directory = mkdtempSync(join(tmpdir(), 'bench-torch-'));
  try {
    writeFileSync(join(directory, 'inputs.npy'), writeNpy(problem.inputs, [c.samples, c.dim], 'float32'));
    writeFileSync(join(directory, 'targets.npy'), writeNpy(problem.targets, [c.samples, c.classes], 'float32'));
    problem.weights.forEach((w, l) => writeFileSync(join(directory, `W${l + 1}.npy`), writeNpy(Float32Array.from(w.data), [w.rows, w.cols], 'float32')));
    writeFileSync(join(directory, 'batch_order.npy'), writeNpy(problem.batchOrder, [c.samples], 'int32'));
    writeFileSync(join(directory, 'recipe.json'), JSON.stringify(c.recipe));
    const script = new URL('peer_torch.py', import.meta.url).pathname;
    const args = [script, directory, steps, c.warmupSteps, THREADS].map(String);
    const results = Array.from({ length: runs }, () => JSON.parse(execFileSync(PYTHON, args, { encoding: 'utf8' })) as CpuPeerRun);
    return summarizeCpuPeerRuns(c.name, results);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** The median of the runs, their spread and their shared setup; throws if the runs disagree on the setup or the loss. */
export function summarizeCpuPeerRuns(name: string, runs: CpuPeerRun[]): CpuPeerSummary {
  if (runs.length === 0) throw new Error(`${name}: no CPU peer runs to summarise`);
  const setup = cpuPeerSetup(runs[0]);
  for (const run of runs.slice(1)) {
    if (JSON.stringify(cpuPeerSetup(run)) !== JSON.stringify(setup)) throw new Error(`${name}: the CPU peer's runs differ in their setup`);
    const flat = ({ loss_after_warmup, after_warmup }: CpuPeerRun) => [loss_after_warmup, ...after_warmup.squares, ...after_warmup.moved];
    const [state, first] = [flat(run), flat(runs[0])];
    if (state.length !== first.length || state.some((value, i) => !(Math.abs(value - first[i]) <= RUNS_AGREE * Math.abs(first[i])))) {
      throw new Error(`${name}: the CPU peer's runs end their warm-up in different states (loss ${run.loss_after_warmup}, ${runs[0].loss_after_warmup})`);
    }
  }
  const stepsPerSecond = runs.map((run) => 1000 / run.ms_per_step);
  const middle = median(stepsPerSecond);
  const spread = (Math.max(...stepsPerSecond) - Math.min(...stepsPerSecond)) / middle;
  const others = runs.map((run) => run.other_cpu).filter((cores): cores is number => cores !== null);
  const otherCpu = others.length > 0 ? Math.max(...others) : null;
  const warnings = [
    ...(spread > MAX_SPREAD
      ? [`${name}: PyTorch's ${runs.length} runs spread by ${(100 * spread).toFixed(1)}% (over ${100 * MAX_SPREAD}%): its figure is unsteady`]
      : []),
    ...(otherCpu !== null && otherCpu > MAX_OTHER_CPU
      ? [`${name}: other processes used ${otherCpu.toFixed(2)} cores while PyTorch ran: the machine was not quiet`]
      : []),
  ];
  return {
    setup,
    msPerStep: 1000 / middle,
    stepsPerSecond,
    spread,
    unsteady: spread > MAX_SPREAD,
    otherCpu,
    lossAfterWarmup: runs[0].loss_after_warmup,
    afterWarmup: runs[0].after_warmup,
    warnings,
  };
}

/** What in the setup all of the CPU peer's figures suffer from: the reference BLAS makes it no fair peer. */
export function cpuPeerSetupWarnings(setup: CpuPeerSetup): string[] {
  if (setup.blas !== 'reference') return [];
  return [
    `PyTorch ran on the reference BLAS (${setup.blas_libraries.join(', ')}), about ten times slower than OpenBLAS (apt-get install libopenblas0-pthread)`,
  ];
}

function cpuPeerSetup(run: CpuPeerRun): CpuPeerSetup {
  const { torch, threads, interop_threads, blas_info, blas_libraries, blas_threads, env } = run;
  return { torch, threads, interop_threads, blas_info, blas_libraries, blas: blasImplementation(blas_libraries), blas_threads, env };
}

/** Which BLAS the loaded libraries are; Debian's netlib reference BLAS lives in .../blas/libblas.so.3. */
export function blasImplementation(libraries: string[]): string {
  for (const name of ['openblas', 'mkl', 'blis', 'atlas']) if (libraries.some((path) => path.toLowerCase().includes(name))) return name;
  return libraries.some((path) => /\/blas\/libblas\.so/.test(path)) ? 'reference' : 'unknown';
}

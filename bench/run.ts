// `npm run bench [-- --quick] [-- --filter <substring>]`: measures the device's peaks, then every matmul case and
// whole training steps, each beside TensorFlow.js's WebGPU backend in the same page, in headless Chromium
// (bench/index.html); prints tables and writes bench/results/<date>-<commit>.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Page } from 'puppeteer-core';
import { withHeadlessPage } from '../scripts/headless';
import { BASELINE_KERNEL, matmulCases, type MatmulCase } from './cases';
import { Gpu } from '../engine';
import { openSuite, type BenchSuite, type MatmulMeasurement } from './suite';
import { MEMORY_CASES, type MemoryCase } from './memory-ops';
import { cpuPeerVersion, measureCpuPeer, type CpuPeerMeasurement } from './peer-torch';
import { TRAIN_STEP_CASES, trainStepFlops, type TrainStepCase, type TrainStepMeasurement } from './train-step';
import type { Peak } from './peak';
import { loadsPerMultiplyAdd, rooflineGflops } from './roofline';
import type { TimingMethod, TimingSettings } from './timing';

const USAGE = 'usage: npm run bench [-- --quick] [-- --filter <substring of a case name>] [-- --node]';

interface Flags {
  /** Fewer shapes, shorter passes, fewer samples. */
  quick: boolean;
  filter: string | null;
  /** Under Node's webgpu package instead of Chromium (no TF.js peer there). */
  node: boolean;
}

/** One entry of `cases`: the fields every op shares (name .. pct_of_peak), then matmul's own. */
interface CaseResult {
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
interface TrainStepResult {
  name: string;
  op: 'train_step';
  m: number;
  n: number;
  k: number;
  depth: number;
  classes: number;
  /** Per step. */
  ms: number;
  gflops: number;
  pct_of_peak: number;
  steps_per_s: number;
  samples_per_s: number;
  /** TF.js, where it ran (the browser). */
  peer_steps_per_s?: number;
  ratio_to_peer?: number;
  /** PyTorch on this machine's CPU, where it is installed. */
  cpu_peer_steps_per_s?: number;
  ratio_to_cpu_peer?: number;
  /** The metrics stage over every layer, and its cost in training steps. */
  metrics_ms: number;
  metrics_vs_step: number;
}

/** A memory-bound kernel: m is the element count; pct_of_peak is of the copy bandwidth. */
interface MemoryResult {
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
interface BenchResult {
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
  flags: Flags;
  peak: Peak;
  cases: (CaseResult | TrainStepResult | MemoryResult)[];
}

/** Each timed pass runs this long, and the median of this many passes is reported. */
const FULL_TIMING: TimingSettings = { targetPassMs: 200, samples: 5 };
const QUICK_TIMING: TimingSettings = { targetPassMs: 50, samples: 3 };

const COLUMNS = ['case', 'kernel', 'M x N x K', 'reps', 'ms', 'GFLOP/s', '% peak', 'roof GF/s', '% roof', `x ${BASELINE_KERNEL}`, 'peer GF/s', 'x peer'];
const WIDTHS = [22, 13, 16, 6, 10, 8, 7, 9, 6, 8, 9, 7];
const TRAIN_COLUMNS = ['case', 'N x d, L x m', 'ms/step', 'steps/s', 'samples/s', 'GFLOP/s', '% peak', 'peer st/s', 'x peer', 'CPU st/s', 'x CPU', 'metrics/step'];
const TRAIN_WIDTHS = [22, 20, 10, 9, 10, 8, 7, 9, 7, 9, 7, 12];
/** The CPU peer's timed steps per case: a few seconds of work. */
const CPU_PEER_STEPS: Record<string, number> = { 'train step reference': 2000, 'train step ref. tape': 2000, 'train step large': 3 };

function parseFlags(args: string[]): Flags {
  const flags: Flags = { quick: false, filter: null, node: false };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--quick') flags.quick = true;
    else if (args[i] === '--node') flags.node = true;
    else if (args[i] === '--filter' && i + 1 < args.length) flags.filter = args[++i];
    else if (args[i].startsWith('--filter=')) flags.filter = args[i].slice('--filter='.length);
    else throw new Error(`unknown argument "${args[i]}"\n${USAGE}`);
  }
  return flags;
}

interface SelectedCases {
  matmuls: MatmulCase[];
  memory: MemoryCase[];
  trainSteps: TrainStepCase[];
}

function selectCases(flags: Flags): SelectedCases {
  const wanted = (c: { name: string; quick: boolean }) => (!flags.quick || c.quick) && (flags.filter === null || c.name.includes(flags.filter));
  const selected = { matmuls: matmulCases().filter(wanted), memory: MEMORY_CASES.filter(wanted), trainSteps: TRAIN_STEP_CASES.filter(wanted) };
  if (selected.matmuls.length + selected.memory.length + selected.trainSteps.length === 0) {
    const names = [...matmulCases(), ...MEMORY_CASES, ...TRAIN_STEP_CASES].map((c) => c.name);
    throw new Error(`no case matches --filter "${flags.filter}"; the cases are:\n  ${names.join('\n  ')}`);
  }
  return selected;
}

/** Waits for bench/page.ts to acquire its device; then every call goes to the page's window.bench. */
async function openBenchPage(page: Page, pageErrors: string[]): Promise<BenchSuite> {
  await page.waitForFunction(() => document.getElementById('status')?.textContent !== 'starting…', { timeout: 60_000 });
  const status = await page.$eval('#status', (element) => element.textContent);
  if (status !== 'ready') throw new Error(`bench page: ${status}\n${pageErrors.join('\n')}`);
  const { device, timing, peer } = await page.evaluate(() => ({ device: window.bench.device, timing: window.bench.timing, peer: window.bench.peer }));
  const call =
    <R>(method: keyof BenchSuite) =>
    (...args: unknown[]): Promise<R> =>
      page.evaluate((name, sent) => (window.bench as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name](...sent), method, args) as Promise<R>;
  return {
    device, timing, peer,
    peak: call('peak'), matmul: call('matmul'), memory: call('memory'), trainStep: call('trainStep'),
    peerMatmul: call('peerMatmul'), peerTrainStep: call('peerTrainStep'),
  };
}

function matmulResult(matmulCase: MatmulCase, measured: MatmulMeasurement, peak: Peak, earlier: CaseResult[]): CaseResult {
  const gflops = (2 * matmulCase.m * matmulCase.n * matmulCase.k) / (measured.msPerDispatch * 1e6);
  const baseline = earlier.find((result) => result.name === `${matmulCase.shape} ${BASELINE_KERNEL}`);
  const vsBaseline = matmulCase.kernel === BASELINE_KERNEL ? 1 : baseline ? gflops / baseline.gflops : null;
  const { plan } = measured;
  const loads = loadsPerMultiplyAdd(plan);
  const roofline = loads ? rooflineGflops(loads, peak) : null;
  return {
    name: matmulCase.name,
    op: matmulCase.op,
    m: matmulCase.m,
    n: matmulCase.n,
    k: matmulCase.k,
    ms: significant(measured.msPerDispatch),
    gflops: significant(gflops),
    pct_of_peak: significant((100 * gflops) / peak.fma_gflops),
    kernel: plan.kernel,
    ...(plan.quadBlock ? { quad_block: `${plan.quadBlock.rowGroups}x${plan.quadBlock.colBlocks}` } : {}),
    transpose_a: matmulCase.transposeA,
    transpose_b: matmulCase.transposeB,
    reps: measured.reps,
    vs_baseline: vsBaseline === null ? null : significant(vsBaseline),
    ...(roofline ? { roofline_gflops: significant(roofline), pct_of_roofline: significant((100 * gflops) / roofline) } : {}),
  };
}

/** Four significant digits: more than the run-to-run noise, few enough to diff results files. */
function significant(value: number): number {
  return Number(value.toPrecision(4));
}

function row(cells: string[], widths = WIDTHS): string {
  return cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
}

function trainStepResult(c: TrainStepCase, ours: TrainStepMeasurement, peer: TrainStepMeasurement | null, peak: Peak): TrainStepResult {
  const gflops = trainStepFlops(c) / (ours.msPerStep * 1e6);
  const stepsPerSecond = 1000 / ours.msPerStep;
  const peerStepsPerSecond = peer ? 1000 / peer.msPerStep : undefined;
  return {
    name: c.name,
    op: 'train_step',
    m: c.samples,
    n: c.width,
    k: c.dim,
    depth: c.depth,
    classes: c.classes,
    ms: significant(ours.msPerStep),
    gflops: significant(gflops),
    pct_of_peak: significant((100 * gflops) / peak.fma_gflops),
    steps_per_s: significant(stepsPerSecond),
    samples_per_s: significant(stepsPerSecond * c.samples),
    ...(peerStepsPerSecond === undefined ? {} : { peer_steps_per_s: significant(peerStepsPerSecond), ratio_to_peer: significant(stepsPerSecond / peerStepsPerSecond) }),
    metrics_ms: significant(ours.metricsMs),
    metrics_vs_step: significant(ours.metricsMs / ours.msPerStep),
  };
}

function trainStepRow(result: TrainStepResult): string {
  return row(
    [
      result.name,
      `${result.m}x${result.k}, ${result.depth}x${result.n}`,
      result.ms.toPrecision(4),
      result.steps_per_s.toPrecision(3),
      result.samples_per_s.toPrecision(3),
      result.gflops.toFixed(2),
      result.pct_of_peak.toFixed(1),
      result.peer_steps_per_s === undefined ? '-' : result.peer_steps_per_s.toPrecision(3),
      result.ratio_to_peer === undefined ? '-' : result.ratio_to_peer.toFixed(2),
      result.cpu_peer_steps_per_s === undefined ? '-' : result.cpu_peer_steps_per_s.toPrecision(3),
      result.ratio_to_cpu_peer === undefined ? '-' : result.ratio_to_cpu_peer.toFixed(2),
      result.metrics_vs_step.toFixed(2),
    ],
    TRAIN_WIDTHS,
  );
}

function caseRow(result: CaseResult): string {
  const transposed = `${result.transpose_a ? 'A' : ''}${result.transpose_b ? 'B' : ''}`;
  return row([
    result.name,
    result.quad_block ? `${result.kernel} ${result.quad_block}` : result.kernel,
    `${result.m}x${result.n}x${result.k}${transposed ? ` ${transposed}^T` : ''}`,
    String(result.reps),
    result.ms.toFixed(result.ms < 1 ? 4 : 2),
    result.gflops.toFixed(2),
    result.pct_of_peak.toFixed(1),
    result.roofline_gflops === undefined ? '-' : result.roofline_gflops.toFixed(2),
    result.pct_of_roofline === undefined ? '-' : result.pct_of_roofline.toFixed(0),
    result.vs_baseline === null ? '-' : result.vs_baseline.toFixed(2),
    result.peer_gflops === undefined ? '-' : result.peer_gflops.toFixed(2),
    result.ratio_to_peer === undefined ? '-' : result.ratio_to_peer.toFixed(1),
  ]);
}

/** Runs the peaks and `cases` on `suite`, printing each row as it is measured. */
async function runSuite(suite: BenchSuite, runtime: string, flags: Flags, cases: SelectedCases, cpuPeers: CpuPeers): Promise<BenchResult> {
  const settings = flags.quick ? QUICK_TIMING : FULL_TIMING;
  const { device, timing, peer } = suite;
  const cpuPeer = cpuPeers.description;
  console.log(`device  ${device}\nruntime ${runtime}\ntiming  ${timing}, median of ${settings.samples} passes of ~${settings.targetPassMs} ms\npeer    ${peer ?? 'none here (TensorFlow.js runs in the browser run)'}`);
  console.log(`CPU     ${cpuPeer ?? 'PyTorch not installed (apt-get install python3-torch): no CPU peer'}`);
  const measuredPeak = await suite.peak(settings);
  const peak: Peak = {
    fma_gflops: significant(measuredPeak.fma_gflops),
    copy_gbps: significant(measuredPeak.copy_gbps),
    load_gfloats: significant(measuredPeak.load_gfloats),
    load_gvec4s: significant(measuredPeak.load_gvec4s),
  };
  console.log(`peak    FMA ${peak.fma_gflops.toFixed(1)} GFLOP/s, copy ${peak.copy_gbps.toFixed(2)} GB/s, loads from cache ${peak.load_gfloats.toFixed(3)} G floats/s, ${peak.load_gvec4s.toFixed(3)} G vec4s/s`);
  if (cases.matmuls.length > 0) console.log(`\n${row(COLUMNS)}`);
  const results: CaseResult[] = [];
  for (const matmulCase of cases.matmuls) {
    const measured = await suite.matmul(matmulCase, settings);
    const result = matmulResult(matmulCase, measured, peak, results);
    if (matmulCase.kernel === 'plan' && suite.peerMatmul) {
      const peerMs = await suite.peerMatmul(matmulCase, settings);
      result.peer_gflops = significant((2 * matmulCase.m * matmulCase.n * matmulCase.k) / (peerMs * 1e6));
      result.ratio_to_peer = significant(result.gflops / result.peer_gflops);
    }
    results.push(result);
    console.log(caseRow(result));
  }
  const memoryResults: MemoryResult[] = [];
  for (const memoryCase of cases.memory) {
    const measured = await suite.memory(memoryCase, settings);
    const gbps = measured.bytes / (measured.msPerCall * 1e6);
    memoryResults.push({ name: memoryCase.name, op: memoryCase.op, m: memoryCase.count, n: 1, k: 1, ms: significant(measured.msPerCall), gflops: 0, gbps: significant(gbps), pct_of_peak: significant((100 * gbps) / peak.copy_gbps) });
    console.log(`${memoryCase.name.padEnd(22)}  ${measured.msPerCall.toPrecision(4).padStart(8)} ms  ${gbps.toFixed(2).padStart(6)} GB/s  ${((100 * gbps) / peak.copy_gbps).toFixed(1).padStart(5)}% of copy`);
  }
  const trainResults: TrainStepResult[] = [];
  if (cases.trainSteps.length > 0) console.log(`\n${row(TRAIN_COLUMNS, TRAIN_WIDTHS)}`);
  for (const trainCase of cases.trainSteps) {
    const ours = await suite.trainStep(trainCase, settings);
    const result = trainStepResult(trainCase, ours, suite.peerTrainStep ? await suite.peerTrainStep(trainCase, settings, ours) : null, peak);
    const cpu = cpuPeers.get(trainCase);
    if (cpu) {
      const difference = Math.abs(cpu.lossAfterWarmup - ours.lossAfterWarmup) / Math.abs(ours.lossAfterWarmup);
      if (!(difference < 1e-3)) throw new Error(`${trainCase.name}: PyTorch's loss after the warm-up is ${cpu.lossAfterWarmup}, ours ${ours.lossAfterWarmup}`);
      result.cpu_peer_steps_per_s = significant(1000 / cpu.msPerStep);
      result.ratio_to_cpu_peer = significant(result.steps_per_s / result.cpu_peer_steps_per_s);
    }
    trainResults.push(result);
    console.log(trainStepRow(result));
  }
  return { device, runtime, date: new Date().toISOString(), commit: currentCommit(), timing, peer, flags, peak, cpu_peer: cpuPeer, cases: [...results, ...memoryResults, ...trainResults] };
}

/** PyTorch's training steps per case, or none when it is not installed. */
type CpuPeers = Map<TrainStepCase, CpuPeerMeasurement> & { description: string | null };

/** The CPU peer runs first, alone: a browser's leftover GPU work would share its cores. */
function measureCpuPeers(cases: TrainStepCase[]): CpuPeers {
  const torch = cpuPeerVersion();
  const measured = new Map(torch ? cases.map((c) => [c, measureCpuPeer(c, CPU_PEER_STEPS[c.name] ?? 10)] as const) : []);
  return Object.assign(measured, { description: torch ? `PyTorch ${torch} on the CPU` : null });
}

/** The suite in headless Chromium with the TF.js peer, or under Node's webgpu package with --node. */
async function run(flags: Flags, cases: SelectedCases): Promise<BenchResult> {
  const cpuPeers = measureCpuPeers(cases.trainSteps);
  if (flags.node) {
    const gpu = await Gpu.create();
    try {
      return await runSuite(openSuite(gpu), `Node ${process.version} with the webgpu package (Dawn)`, flags, cases, cpuPeers);
    } finally {
      gpu.destroy();
    }
  }
  return withHeadlessPage('bench/index.html', async ({ page, browser, pageErrors }) => {
    const runtime = `headless ${await browser.version()} via puppeteer-core, page served from http://127.0.0.1`;
    return runSuite(await openBenchPage(page, pageErrors), runtime, flags, cases, cpuPeers);
  });
}

/** The short commit, with "+dirty" when anything outside bench/results differs from it (untracked files too). */
function currentCommit(): string {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();
  const dirty = git('status', '--porcelain', '--', '.', ':!bench/results') !== '';
  return `${git('rev-parse', '--short', 'HEAD')}${dirty ? '+dirty' : ''}`;
}

/** Writes bench/results/<date>-<commit>.json; a partial run gets "-partial" so it never replaces a full one. */
function writeResult(result: BenchResult): string {
  const partial = result.flags.quick || result.flags.filter !== null;
  const directory = new URL('results/', import.meta.url);
  mkdirSync(directory, { recursive: true });
  const file = new URL(`${result.date.slice(0, 10)}-${result.commit}${result.flags.node ? '-node' : ''}${partial ? '-partial' : ''}.json`, directory);
  writeFileSync(file, resultsJson(result));
  return file.pathname;
}

try {
  const flags = parseFlags(process.argv.slice(2));
  const result = await run(flags, selectCases(flags));
  console.log(`\nwrote ${writeResult(result)}`);
} catch (error) {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}

/** The results file: indented, but one line per case, so a run stays short and diffs line up case by case. */
function resultsJson(result: BenchResult): string {
  const { cases, ...run } = result;
  const head = JSON.stringify(run, null, 2).replace(/\n}$/, '');
  return `${head},\n  "cases": [\n${cases.map((c) => `    ${JSON.stringify(c)}`).join(',\n')}\n  ]\n}\n`;
}

// `npm run bench [-- --quick] [-- --filter <substring>]`: runs the CPU peer (PyTorch) alone first; then measures the
// device's peaks, every matmul case (failing any above its roofline) and whole training steps, each beside
// TensorFlow.js's WebGPU backend in the same page, in headless Chromium (bench/index.html); prints tables and
// writes bench/results/<date>-<commit>.json.
import type { Page } from 'puppeteer-core';
import { withHeadlessPage } from '../scripts/headless';
import { BASELINE_KERNEL, matmulCases, type MatmulCase } from './cases';
import { Gpu, profileTable } from '../engine';
import { openSuite, type BenchSuite, type MatmulMeasurement } from './suite';
import { MEMORY_CASES, type MemoryCase } from './memory-ops';
import { cpuPeerSetupWarnings, cpuPeerVersion, measureCpuPeer, type CpuPeerSetup, type CpuPeerSummary } from './peer-torch';
import {
  baselineRecord,
  cpuPeerFields,
  currentCommit,
  significant,
  writeResult,
  type BenchResult,
  type CaseResult,
  type Flags,
  type MemoryResult,
  type TrainStepResult,
} from './results';
import { batchRows, TRAIN_STEP_CASES, trainStepFlops, warmupDisagreement, type TrainStepCase, type TrainStepMeasurement } from './train-step';
import type { LoadRates, Peak, QuadBlock, TimingSettings } from '../engine/internal';
import { fastestLoadRates, loadsPerMultiplyAdd, rooflineGflops, rooflineViolations, type LoadMix, type LoadSamples } from './roofline';
import { parseFlags } from '../bin/flags';

const USAGE = 'usage: npm run bench [-- --quick] [-- --filter <substring of a case name>] [-- --node] [-- --profile]';

/** Each timed pass runs this long, and the median of this many passes is reported. */
const FULL_TIMING: TimingSettings = { targetPassMs: 200, samples: 5 };
const QUICK_TIMING: TimingSettings = { targetPassMs: 50, samples: 3 };

const COLUMNS = ['case', 'kernel', 'M x N x K', 'reps', 'ms', 'GFLOP/s', '% peak', `x ${BASELINE_KERNEL}`, 'peer GF/s', 'x peer'];
const WIDTHS = [22, 13, 16, 6, 10, 8, 7, 8, 9, 7];
const ROOF_COLUMNS = ['case', 'kernel', 'GFLOP/s', 'roof GF/s', '% roof'];
const ROOF_WIDTHS = [22, 13, 8, 9, 6];
const TRAIN_COLUMNS = [
  'case',
  'N x d, L x m',
  'ms/step',
  'steps/s',
  'samples/s',
  'GFLOP/s',
  '% peak',
  'peer st/s',
  'x peer',
  'CPU st/s',
  'x CPU',
  'metrics/step',
];
const TRAIN_WIDTHS = [22, 20, 10, 9, 10, 8, 7, 9, 7, 9, 7, 12];
/** The CPU peer's timed steps per case: a few seconds of work. */
const CPU_PEER_STEPS: Record<string, number> = {
  'train step reference': 2000,
  'train step ref. tape': 2000,
  'train step MNIST MLP': 300,
  'train step large': 10,
};

function benchFlags(args: string[]): Flags {
  const values = parseFlags(args, {
    quick: { type: 'boolean' },
    node: { type: 'boolean' },
    profile: { type: 'boolean' },
    filter: { type: 'string' },
    help: { type: 'boolean' },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  return {
    quick: values.quick === true,
    node: values.node === true,
    profile: values.profile === true,
    filter: typeof values.filter === 'string' ? values.filter : null,
  };
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
      page.evaluate(
        (name, sent) => (window.bench as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name](...sent),
        method,
        args,
      ) as Promise<R>;
  return {
    device,
    timing,
    peer,
    peak: call('peak'),
    loadRate: call('loadRate'),
    matmul: call('matmul'),
    memory: call('memory'),
    trainStep: call('trainStep'),
    profileTrainStep: call('profileTrainStep'),
    peerMatmul: call('peerMatmul'),
    peerTrainStep: call('peerTrainStep'),
  };
}

const blockName = ({ rowGroups, colBlocks }: QuadBlock): string => `${rowGroups}x${colBlocks}`;

function matmulResult(matmulCase: MatmulCase, measured: MatmulMeasurement, peak: Peak, earlier: CaseResult[]): CaseResult {
  const gflops = (2 * matmulCase.m * matmulCase.n * matmulCase.k) / (measured.msPerDispatch * 1e6);
  const baseline = earlier.find((result) => result.name === `${matmulCase.shape} ${BASELINE_KERNEL}`);
  const vsBaseline = matmulCase.kernel === BASELINE_KERNEL ? 1 : baseline ? gflops / baseline.gflops : null;
  const { plan } = measured;
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
    ...(plan.quadBlock ? { quad_block: blockName(plan.quadBlock) } : {}),
    ...(measured.interim
      ? {
          interim_block: measured.interim.plan.quadBlock ? blockName(measured.interim.plan.quadBlock) : measured.interim.plan.kernel,
          interim_ms: significant(measured.interim.msPerDispatch),
          switch_ms: Math.round(measured.interim.switchMs),
        }
      : {}),
    transpose_a: matmulCase.transposeA,
    transpose_b: matmulCase.transposeB,
    reps: measured.reps,
    vs_baseline: vsBaseline === null ? null : significant(vsBaseline),
  };
}

/**
 * Gives each case its roofline from the fastest load rates the run measured (into `peak` too); prints them and
 * returns the cases above their rooflines.
 */
function checkRooflines(peak: Peak, results: CaseResult[], loads: (LoadMix | null)[], samples: LoadSamples): string[] {
  Object.assign(peak, roundLoadRates(fastestLoadRates(samples)));
  const range = (rates: number[]) => `${Math.min(...rates).toFixed(3)}-${Math.max(...rates).toFixed(3)}`;
  console.log(
    `\nloads   measured ${samples.floats.length + samples.vec4s.length} times: ${range(samples.floats)} G floats/s, ${range(samples.vec4s)} G vec4s/s; each roofline takes the fastest`,
  );
  console.log(row(ROOF_COLUMNS, ROOF_WIDTHS));
  results.forEach((result, i) => {
    const mix = loads[i];
    if (!mix) return; // the tiled kernel reads workgroup memory: no roofline
    const roofline = rooflineGflops(mix, peak);
    Object.assign(result, { roofline_gflops: significant(roofline), pct_of_roofline: significant((100 * result.gflops) / roofline) });
    const kernel = result.quad_block ? `${result.kernel} ${result.quad_block}` : result.kernel;
    console.log(row([result.name, kernel, result.gflops.toFixed(2), result.roofline_gflops!.toFixed(2), result.pct_of_roofline!.toFixed(0)], ROOF_WIDTHS));
  });
  const failures = rooflineViolations(results);
  for (const failure of failures) console.error(`FAIL    ${failure}`);
  return failures;
}

function roundLoadRates(rates: LoadRates): LoadRates {
  return { load_gfloats: significant(rates.load_gfloats), load_gvec4s: significant(rates.load_gvec4s) };
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
    model: c.recipe.model,
    loss: c.recipe.loss,
    batch: batchRows(c),
    ms: significant(ours.msPerStep),
    gflops: significant(gflops),
    pct_of_peak: significant((100 * gflops) / peak.fma_gflops),
    steps_per_s: significant(stepsPerSecond),
    samples_per_s: significant(stepsPerSecond * batchRows(c)),
    ...(peerStepsPerSecond === undefined
      ? {}
      : { peer_steps_per_s: significant(peerStepsPerSecond), ratio_to_peer: significant(stepsPerSecond / peerStepsPerSecond) }),
    metrics_ms: significant(ours.metricsMs),
    metrics_vs_step: significant(ours.metricsMs / ours.msPerStep),
    ...(ours.settled ? { background_wait_ms: Math.round(ours.settled.ms), background_pipelines: ours.settled.pipelines } : {}),
    ...(ours.compiled ? { pipelines: ours.compiled.pipelines, compile_seconds: significant(ours.compiled.seconds) } : {}),
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
  console.log(
    `device  ${device}\nruntime ${runtime}\ntiming  ${timing}, median of ${settings.samples} passes of ~${settings.targetPassMs} ms\npeer    ${peer ?? 'none here (TensorFlow.js runs in the browser run)'}`,
  );
  console.log(`CPU     ${cpuPeer ?? 'PyTorch not installed (apt-get install python3-torch): no CPU peer'}`);
  const measuredPeak = await suite.peak(settings);
  const peak: Peak = { fma_gflops: significant(measuredPeak.fma_gflops), copy_gbps: significant(measuredPeak.copy_gbps), ...roundLoadRates(measuredPeak) };
  console.log(
    `peak    FMA ${peak.fma_gflops.toFixed(1)} GFLOP/s, copy ${peak.copy_gbps.toFixed(2)} GB/s, a matmul's loads ${peak.load_gfloats.toFixed(3)} G floats/s, ${peak.load_gvec4s.toFixed(3)} G vec4s/s (fastest pass)`,
  );
  if (cases.matmuls.length > 0) console.log(`\n${row(COLUMNS)}`);
  const results: CaseResult[] = [];
  const loads: (LoadMix | null)[] = [];
  const loadSamples: LoadSamples = { floats: [measuredPeak.load_gfloats], vec4s: [measuredPeak.load_gvec4s] };
  for (const matmulCase of cases.matmuls) {
    const measured = await suite.matmul(matmulCase, settings);
    const result = matmulResult(matmulCase, measured, peak, results);
    if (matmulCase.kernel === 'plan' && suite.peerMatmul) {
      const peerMs = await suite.peerMatmul(matmulCase, settings);
      result.peer_gflops = significant((2 * matmulCase.m * matmulCase.n * matmulCase.k) / (peerMs * 1e6));
      result.ratio_to_peer = significant(result.gflops / result.peer_gflops);
    }
    results.push(result);
    loads.push(loadsPerMultiplyAdd(measured.plan));
    console.log(caseRow(result));
    if (result.switch_ms !== undefined) {
      console.log(
        `  (${result.interim_block} served at ${result.interim_ms} ms until ${result.quad_block}, compiled in the background, took over after ${(result.switch_ms / 1000).toFixed(1)} s)`,
      );
    }
    // Both rates again after every case, so each case has a measurement on either side: the machine may be
    // quieter now than at the start, and a bound measured only in a busy moment would be no bound.
    loadSamples.floats.push(await suite.loadRate(settings, false));
    loadSamples.vec4s.push(await suite.loadRate(settings, true));
  }
  const failures = results.length > 0 ? checkRooflines(peak, results, loads, loadSamples) : [];
  const memoryResults: MemoryResult[] = [];
  for (const memoryCase of cases.memory) {
    const measured = await suite.memory(memoryCase, settings);
    const gbps = measured.bytes / (measured.msPerCall * 1e6);
    memoryResults.push({
      name: memoryCase.name,
      op: memoryCase.op,
      m: memoryCase.count,
      n: 1,
      k: 1,
      ms: significant(measured.msPerCall),
      gflops: 0,
      gbps: significant(gbps),
      pct_of_peak: significant((100 * gbps) / peak.copy_gbps),
    });
    console.log(
      `${memoryCase.name.padEnd(22)}  ${measured.msPerCall.toPrecision(4).padStart(8)} ms  ${gbps.toFixed(2).padStart(6)} GB/s  ${((100 * gbps) / peak.copy_gbps).toFixed(1).padStart(5)}% of copy`,
    );
  }
  const trainResults: TrainStepResult[] = [];
  if (cases.trainSteps.length > 0) console.log(`\n${row(TRAIN_COLUMNS, TRAIN_WIDTHS)}`);
  for (const trainCase of cases.trainSteps) {
    const ours = await suite.trainStep(trainCase, settings);
    const result = trainStepResult(trainCase, ours, suite.peerTrainStep ? await suite.peerTrainStep(trainCase, settings, ours) : null, peak);
    const cpu = cpuPeers.byCase.get(trainCase);
    if (cpu) {
      const disagreement = warmupDisagreement(trainCase, 'PyTorch', ours, cpu);
      if (disagreement) throw new Error(disagreement);
      Object.assign(result, cpuPeerFields(cpu, result.steps_per_s));
    }
    trainResults.push(result);
    console.log(trainStepRow(result));
    if (flags.profile) {
      result.profile = await suite.profileTrainStep(trainCase);
      console.log(`${profileTable(result.profile)}\n`);
    }
  }
  return {
    device,
    runtime,
    date: new Date().toISOString(),
    commit: currentCommit(),
    timing,
    peer,
    cpu_peer: cpuPeer,
    cpu_peer_setup: cpuPeers.setup,
    baseline: baselineRecord(),
    flags,
    peak,
    warnings: cpuPeers.warnings,
    failures,
    cases: [...results, ...memoryResults, ...trainResults],
  };
}

/** PyTorch's training steps per case (none when it is not installed), and what they share. */
interface CpuPeers {
  description: string | null;
  setup: CpuPeerSetup | null;
  byCase: Map<TrainStepCase, CpuPeerSummary>;
  warnings: string[];
}

/**
 * The CPU peer's phase: every PyTorch run, before the browser (or Node's GPU) starts, so nothing of ours shares
 * the two cores with it. Each case runs in CPU_PEER_RUNS processes; the summaries say how steady they were.
 */
function measureCpuPeers(cases: TrainStepCase[]): CpuPeers {
  const torch = cpuPeerVersion();
  if (!torch || cases.length === 0) return { description: torch ? `PyTorch ${torch} on the CPU` : null, setup: null, byCase: new Map(), warnings: [] };
  console.log('CPU peer, alone before the GPU work starts:');
  const byCase = new Map<TrainStepCase, CpuPeerSummary>();
  for (const c of cases) {
    const summary = measureCpuPeer(c, CPU_PEER_STEPS[c.name] ?? 10);
    const runs = summary.stepsPerSecond.map((value) => value.toPrecision(3)).join(', ');
    const others = summary.otherCpu === null ? '' : `, other processes ${summary.otherCpu.toFixed(2)} cores`;
    console.log(
      `  ${c.name.padEnd(22)} ${(1000 / summary.msPerStep).toPrecision(4)} steps/s, median of ${runs}; spread ${(100 * summary.spread).toFixed(0)}%${others}`,
    );
    byCase.set(c, summary);
  }
  const summaries = [...byCase.values()];
  const setup = summaries[0].setup;
  if (summaries.some((summary) => JSON.stringify(summary.setup) !== JSON.stringify(setup)))
    throw new Error('the CPU peer ran with different setups from case to case');
  const environment =
    Object.entries(setup.env)
      .map(([name, value]) => `${name}=${value}`)
      .join(' ') || 'no OMP_/OPENBLAS_/MKL_ variables';
  const description = `PyTorch ${setup.torch} on the CPU, ${setup.threads} threads, ${setup.blas} BLAS`;
  console.log(`  ${description} (${setup.blas_libraries.join(', ') || 'no BLAS library found'}; ${environment})`);
  const warnings = [...cpuPeerSetupWarnings(setup), ...summaries.flatMap((summary) => summary.warnings)];
  for (const warning of warnings) console.warn(`WARNING ${warning}`);
  return { description, setup, byCase, warnings };
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

try {
  const flags = benchFlags(process.argv.slice(2));
  const result = await run(flags, selectCases(flags));
  console.log(`\nwrote ${writeResult(result)}`);
  if (result.failures.length > 0) throw new Error(`the run failed its checks:\n  ${result.failures.join('\n  ')}`);
} catch (error) {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}

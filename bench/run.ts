// `npm run bench [-- --quick] [-- --filter <substring>]`: measures the device's peaks, then every matmul case,
// in headless Chromium (bench/index.html); prints a table and writes bench/results/<date>-<commit>.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Page } from 'puppeteer-core';
import { withHeadlessPage } from '../scripts/headless';
import { BASELINE_KERNEL, matmulCases, type MatmulCase } from './cases';
import type { MatmulMeasurement } from './page';
import type { Peak } from './peak';
import type { TimingMethod, TimingSettings } from './timing';

const USAGE = 'usage: npm run bench [-- --quick] [-- --filter <substring of a case name>]';

interface Flags {
  /** Fewer shapes, shorter passes, fewer samples. */
  quick: boolean;
  filter: string | null;
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
  transpose_a: boolean;
  transpose_b: boolean;
  /** Dispatches per timed pass. */
  reps: number;
  /** GFLOP/s over the baseline kernel's on the same shape (1 for the baseline); null when it was filtered out. */
  vs_baseline: number | null;
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
  flags: Flags;
  peak: Peak;
  cases: CaseResult[];
}

/** Each timed pass runs this long, and the median of this many passes is reported. */
const FULL_TIMING: TimingSettings = { targetPassMs: 200, samples: 5 };
const QUICK_TIMING: TimingSettings = { targetPassMs: 50, samples: 3 };

const COLUMNS = ['case', 'kernel', 'M x N x K', 'reps', 'ms', 'GFLOP/s', '% peak', `x ${BASELINE_KERNEL}`];
const WIDTHS = [22, 8, 16, 6, 10, 8, 7, 8];

function parseFlags(args: string[]): Flags {
  const flags: Flags = { quick: false, filter: null };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--quick') flags.quick = true;
    else if (args[i] === '--filter' && i + 1 < args.length) flags.filter = args[++i];
    else if (args[i].startsWith('--filter=')) flags.filter = args[i].slice('--filter='.length);
    else throw new Error(`unknown argument "${args[i]}"\n${USAGE}`);
  }
  return flags;
}

function selectCases(flags: Flags): MatmulCase[] {
  const all = matmulCases();
  const selected = all.filter((c) => (!flags.quick || c.quick) && (flags.filter === null || c.name.includes(flags.filter)));
  if (selected.length === 0) throw new Error(`no case matches --filter "${flags.filter}"; the cases are:\n  ${all.map((c) => c.name).join('\n  ')}`);
  return selected;
}

/** Waits for bench/page.ts to acquire its device; throws with the page's errors if it could not. */
async function openBenchPage(page: Page, pageErrors: string[]): Promise<{ device: string; timing: TimingMethod }> {
  await page.waitForFunction(() => document.getElementById('status')?.textContent !== 'starting…', { timeout: 60_000 });
  const status = await page.$eval('#status', (element) => element.textContent);
  if (status !== 'ready') throw new Error(`bench page: ${status}\n${pageErrors.join('\n')}`);
  return page.evaluate(() => ({ device: window.bench.device, timing: window.bench.timing }));
}

function matmulResult(matmulCase: MatmulCase, measured: MatmulMeasurement, peak: Peak, earlier: CaseResult[]): CaseResult {
  const gflops = (2 * matmulCase.m * matmulCase.n * matmulCase.k) / (measured.msPerDispatch * 1e6);
  const baseline = earlier.find((result) => result.name === `${matmulCase.shape} ${BASELINE_KERNEL}`);
  const vsBaseline = matmulCase.kernel === BASELINE_KERNEL ? 1 : baseline ? gflops / baseline.gflops : null;
  return {
    name: matmulCase.name,
    op: matmulCase.op,
    m: matmulCase.m,
    n: matmulCase.n,
    k: matmulCase.k,
    ms: significant(measured.msPerDispatch),
    gflops: significant(gflops),
    pct_of_peak: significant((100 * gflops) / peak.fma_gflops),
    kernel: measured.kernel,
    transpose_a: matmulCase.transposeA,
    transpose_b: matmulCase.transposeB,
    reps: measured.reps,
    vs_baseline: vsBaseline === null ? null : significant(vsBaseline),
  };
}

/** Four significant digits: more than the run-to-run noise, few enough to diff results files. */
function significant(value: number): number {
  return Number(value.toPrecision(4));
}

function row(cells: string[]): string {
  return cells.map((cell, column) => (column === 0 ? cell.padEnd(WIDTHS[column]) : cell.padStart(WIDTHS[column]))).join('  ');
}

function caseRow(result: CaseResult): string {
  const transposed = `${result.transpose_a ? 'A' : ''}${result.transpose_b ? 'B' : ''}`;
  return row([
    result.name,
    result.kernel,
    `${result.m}x${result.n}x${result.k}${transposed ? ` ${transposed}^T` : ''}`,
    String(result.reps),
    result.ms.toFixed(result.ms < 1 ? 4 : 2),
    result.gflops.toFixed(2),
    result.pct_of_peak.toFixed(1),
    result.vs_baseline === null ? '-' : result.vs_baseline.toFixed(2),
  ]);
}

/** Runs the peaks and `cases` in Chromium, printing each row as it is measured. */
async function runInBrowser(flags: Flags, cases: MatmulCase[]): Promise<BenchResult> {
  const settings = flags.quick ? QUICK_TIMING : FULL_TIMING;
  return withHeadlessPage('bench/index.html', async ({ page, browser, pageErrors }) => {
    const { device, timing } = await openBenchPage(page, pageErrors);
    console.log(`device  ${device}\ntiming  ${timing}, median of ${settings.samples} passes of ~${settings.targetPassMs} ms`);
    const measuredPeak = await page.evaluate((sent) => window.bench.peak(sent), settings);
    const peak: Peak = { fma_gflops: significant(measuredPeak.fma_gflops), copy_gbps: significant(measuredPeak.copy_gbps) };
    console.log(`peak    FMA ${peak.fma_gflops.toFixed(1)} GFLOP/s, copy ${peak.copy_gbps.toFixed(2)} GB/s\n\n${row(COLUMNS)}`);
    const results: CaseResult[] = [];
    for (const matmulCase of cases) {
      const measured = await page.evaluate((sent, sentSettings) => window.bench.matmul(sent, sentSettings), matmulCase, settings);
      results.push(matmulResult(matmulCase, measured, peak, results));
      console.log(caseRow(results[results.length - 1]));
    }
    const runtime = `headless ${await browser.version()} via puppeteer-core, page served from http://127.0.0.1`;
    return { device, runtime, date: new Date().toISOString(), commit: currentCommit(), timing, flags, peak, cases: results };
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
  const file = new URL(`${result.date.slice(0, 10)}-${result.commit}${partial ? '-partial' : ''}.json`, directory);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file.pathname;
}

try {
  const flags = parseFlags(process.argv.slice(2));
  const result = await runInBrowser(flags, selectCases(flags));
  console.log(`\nwrote ${writeResult(result)}`);
} catch (error) {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}

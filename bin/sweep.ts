// npm start -- sweep: a grid of runs (any settings, seeds included), each written to DIR/runs/<name>/.
// --shard i/n runs every n-th run starting at the i-th, so a job array (Slurm's, say) spreads the grid over
// machines with no new code; finished runs (those with metrics.json) are skipped, so a sweep resumes.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compileMark, Gpu, runExperiment, showFit } from '../engine';
import { applySetting, parseCommandLine, type CommandLine } from './flags';
import { writeRun } from './outputs';
import { prepareRun, runContext } from './prepare';
import { Progress } from './progress';

/** One axis of the grid: a setting's flag name and the texts it takes. */
export interface Axis {
  flag: string;
  values: string[];
}

export interface SweepPlan {
  base: CommandLine;
  axes: Axis[];
  shard: { index: number; count: number };
  out: string;
}

export interface SweepRun {
  /** A folder name from the settings, e.g. depth-4_width-100_seed-3. */
  name: string;
  settings: Record<string, string>;
}

/** `--grid flag=v1,v2,...` (or `flag=a..b` for integers a to b), repeated; `--shard i/n`; the other flags as for one run. */
export function parseSweep(args: string[]): SweepPlan {
  const { extra, ...base } = parseCommandLine(args, { grid: { type: 'string', multiple: true }, shard: { type: 'string' } });
  const axes = ((extra.grid ?? []) as string[]).map(parseAxis);
  const shard = typeof extra.shard === 'string' ? parseShard(extra.shard) : { index: 1, count: 1 };
  if (base.profile) throw new Error('sweep: --profile profiles one run; give it without sweep');
  if (!base.out) throw new Error('sweep: --out DIR is required (every shard writes its runs there)');
  if (axes.length === 0) throw new Error('sweep: give at least one --grid flag=v1,v2,...');
  const repeated = axes.find((axis, i) => axes.findIndex((other) => other.flag === axis.flag) !== i);
  if (repeated) throw new Error(`--grid ${repeated.flag} is given twice`);
  for (const axis of axes) for (const value of axis.values) applySetting({ ...base.config }, axis.flag, value); // fails early on a bad value
  return { base, axes, shard, out: base.out };
}

function parseAxis(text: string): Axis {
  const match = /^([a-z-]+)=(.+)$/.exec(text);
  if (!match) throw new Error(`--grid ${text}: expected flag=v1,v2,... or flag=a..b`);
  const range = /^(-?\d+)\.\.(-?\d+)$/.exec(match[2]);
  if (range) {
    const [from, to] = [Number(range[1]), Number(range[2])];
    if (to < from) throw new Error(`--grid ${text}: the range is empty`);
    return { flag: match[1], values: Array.from({ length: to - from + 1 }, (_, i) => String(from + i)) };
  }
  return { flag: match[1], values: match[2].split(',') };
}

function parseShard(text: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const [index, count] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
  if (!match || count < 1 || index < 1 || index > count) throw new Error(`--shard ${text}: expected i/n with 1 <= i <= n`);
  return { index, count };
}

/** Every run of the grid, the last axis varying fastest. */
export function sweepRuns(axes: Axis[]): SweepRun[] {
  return axes.reduce<SweepRun[]>(
    (runs, axis) =>
      runs.flatMap((run) =>
        axis.values.map((value) => ({
          name: [run.name, `${axis.flag}-${value}`].filter(Boolean).join('_'),
          settings: { ...run.settings, [axis.flag]: value },
        })),
      ),
    [{ name: '', settings: {} }],
  );
}

/** The runs of shard i of n: every n-th, starting at the i-th. */
export function shardRuns(runs: SweepRun[], shard: { index: number; count: number }): SweepRun[] {
  return runs.filter((_, position) => position % shard.count === shard.index - 1);
}

export interface SweepOptions {
  /** A device the caller keeps (several sweeps in one process then compile each kernel once); otherwise one of its own. */
  gpu?: Gpu;
  /** A progress bar on stderr while each run trains (bin/progress.ts). */
  progress?: boolean;
}

/** Runs this shard's part of the sweep; returns how many runs it trained (finished ones are skipped). */
export async function runSweep(plan: SweepPlan, log: (line: string) => void = console.log, options: SweepOptions = {}): Promise<number> {
  const shared = options.gpu;
  await writeManifest(plan);
  const mine = shardRuns(sweepRuns(plan.axes), plan.shard);
  const gpu = shared ?? (await Gpu.create({ log }));
  let trained = 0;
  try {
    for (const [position, run] of mine.entries()) {
      const dir = join(plan.out, 'runs', run.name);
      const label = `run ${position + 1}/${mine.length} (shard ${plan.shard.index}/${plan.shard.count}) ${run.name}`;
      if (existsSync(join(dir, 'metrics.json'))) {
        log(`${label}: done before, skipped`);
        continue;
      }
      const config = { ...plan.base.config };
      for (const [flag, value] of Object.entries(run.settings)) applySetting(config, flag, value);
      const prepared = await prepareRun({ ...plan.base, config }, gpu.device.limits);
      const since = compileMark(gpu);
      const progress = options.progress ? new Progress(prepared.config.steps) : null;
      const result = await runExperiment(gpu, prepared.dataset, prepared.weights, prepared.config, {
        onLoss: (step, loss, speed) => progress?.update(step, loss, speed),
      });
      progress?.done();
      gpu.trim(); // one device serves every run: give back the free buffers and the pipelines the last runs did not use
      await writeRun(dir, prepared.config, runContext(prepared, gpu, since), result);
      const { fit } = result.metrics;
      const outcome =
        result.stopReason === 'diverged' ? 'no result (try a smaller --lr)' : `rho ${showFit(fit.compression_ratio, 3)} (R^2 ${showFit(fit.log10C_r2, 4)})`;
      log(`${label}: ${result.stopReason} at step ${result.steps}, loss ${result.finalLoss.toExponential(2)}, ${outcome}, ${result.seconds.toFixed(1)} s`);
      trained++;
    }
  } finally {
    if (!shared) gpu.destroy();
  }
  return trained;
}

/** DIR/sweep.json records the grid and the base config; every shard must agree with it. */
async function writeManifest(plan: SweepPlan): Promise<void> {
  const manifest = `${JSON.stringify({ axes: plan.axes, base: plan.base.config, data: plan.base.data ?? null }, null, 2)}\n`;
  const path = join(plan.out, 'sweep.json');
  if (existsSync(path)) {
    if (readFileSync(path, 'utf8') !== manifest) throw new Error(`${path}: this folder holds a different sweep (other grid or settings); use another --out`);
    return;
  }
  await mkdir(plan.out, { recursive: true });
  await writeFile(path, manifest);
}

// npm start -- sweep report DIR: merges the runs of every shard into summary.json, summary.csv and a figure of the
// fitted compression ratio across the grid, with the spread over seeds.
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import { sweepFigure, type SweepPoint } from '../engine/report/sweep-figure';
import { sweepRuns, type Axis } from './sweep';

/** What the summary keeps of each run. */
const MEASURES = ['final_loss', 'log10C_slope', 'log10C_r2', 'compression_ratio', 'D_slope', 'D_r2'] as const;
type Measure = (typeof MEASURES)[number];

export interface SweepSummary {
  axes: Axis[];
  runs: ({ name: string; settings: Record<string, string>; steps: number; stop_reason: string } & Record<Measure, number>)[];
  missing: string[];
  /** Per grid point without the seed: mean and standard deviation of each measure over the seeds present. */
  groups: { settings: Record<string, string>; count: number; mean: Record<Measure, number>; std: Record<Measure, number> }[];
}

export async function reportSweep(dir: string, log: (line: string) => void = console.log): Promise<SweepSummary> {
  const manifestPath = join(dir, 'sweep.json');
  if (!existsSync(manifestPath)) throw new Error(`${dir}: no sweep.json here; is it the --out of a sweep?`);
  const { axes } = JSON.parse(readFileSync(manifestPath, 'utf8')) as { axes: Axis[] };
  const summary: SweepSummary = { axes, runs: [], missing: [], groups: [] };
  for (const run of sweepRuns(axes)) {
    const path = join(dir, 'runs', run.name, 'metrics.json');
    if (!existsSync(path)) {
      summary.missing.push(run.name);
      continue;
    }
    const metrics = JSON.parse(readFileSync(path, 'utf8'));
    const measures = Object.fromEntries(MEASURES.map((m) => [m, m === 'final_loss' ? metrics.final_loss : metrics.fit[m]])) as Record<Measure, number>;
    summary.runs.push({ ...run, steps: metrics.steps, stop_reason: metrics.stop_reason, ...measures });
  }
  const groupAxes = axes.filter((axis) => axis.flag !== 'seed');
  const groupKey = (settings: Record<string, string>) => groupAxes.map((axis) => settings[axis.flag]).join('|');
  for (const key of [...new Set(summary.runs.map((run) => groupKey(run.settings)))]) {
    const members = summary.runs.filter((run) => groupKey(run.settings) === key);
    const mean = Object.fromEntries(MEASURES.map((m) => [m, members.reduce((s, run) => s + run[m], 0) / members.length])) as Record<Measure, number>;
    const std = Object.fromEntries(MEASURES.map((m) => [m, Math.sqrt(members.reduce((s, run) => s + (run[m] - mean[m]) ** 2, 0) / Math.max(members.length - 1, 1))])) as Record<Measure, number>;
    summary.groups.push({ settings: Object.fromEntries(groupAxes.map((axis) => [axis.flag, members[0].settings[axis.flag]])), count: members.length, mean, std });
  }

  await writeFile(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  const flags = axes.map((axis) => axis.flag);
  const csv = [[...flags, 'steps', 'stop_reason', ...MEASURES].join(','), ...summary.runs.map((run) => [...flags.map((f) => run.settings[f]), run.steps, run.stop_reason, ...MEASURES.map((m) => run[m])].join(','))];
  await writeFile(join(dir, 'summary.csv'), `${csv.join('\n')}\n`);
  if (groupAxes.length > 0 && summary.runs.length > 0) {
    const points: SweepPoint[] = summary.runs.map((run) => ({ x: Number(run.settings[groupAxes[0].flag]), series: groupAxes[1] ? `${groupAxes[1].flag} ${run.settings[groupAxes[1].flag]}` : 'all', value: run.compression_ratio }));
    const { window } = new JSDOM('');
    const svg = sweepFigure(points, groupAxes[0].flag, 'compression ratio rho (fitted)', window.document);
    await writeFile(join(dir, 'summary.svg'), `${new window.XMLSerializer().serializeToString(svg)}\n`);
  }

  log(`${summary.runs.length} of ${summary.runs.length + summary.missing.length} runs present${summary.missing.length ? `; missing: ${summary.missing.join(', ')}` : ''}`);
  const header = [...groupAxes.map((axis) => axis.flag), 'seeds', 'rho mean', 'rho std', 'slope mean', 'R^2 mean'];
  log(header.join('\t'));
  for (const group of summary.groups) {
    log([...groupAxes.map((axis) => group.settings[axis.flag]), group.count, group.mean.compression_ratio.toFixed(4), group.std.compression_ratio.toFixed(4), group.mean.log10C_slope.toFixed(4), group.mean.log10C_r2.toFixed(5)].join('\t'));
  }
  log(`wrote ${join(dir, 'summary.json')}, summary.csv${groupAxes.length ? ', summary.svg' : ''}`);
  return summary;
}

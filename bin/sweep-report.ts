// npm start -- sweep report DIR: merges the runs of every shard into summary.json, summary.csv and a figure of the
// fitted compression ratio across the grid, with the spread over seeds.
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import { showFit } from '../engine';
import { sweepFigure, type SweepPoint } from '../engine/report';
import { sweepRuns, type Axis } from './sweep';

/** What the summary keeps of each run; a fit's figure is null where the run had too few layers for it. */
const MEASURES = ['final_loss', 'log10C_slope', 'log10C_r2', 'compression_ratio', 'D_slope', 'D_r2'] as const;
type Measure = (typeof MEASURES)[number];
type Figures = Record<Measure, number | null>;

export interface SweepSummary {
  axes: Axis[];
  runs: ({ name: string; settings: Record<string, string>; steps: number; stop_reason: string; fit_note: string | null } & Figures)[];
  missing: string[];
  /** Runs whose loss became non-finite: no result, so they are listed here and left out of every mean. */
  diverged: string[];
  /**
   * Per grid point without the seed: how many runs gave a result and how many diverged, and each measure's mean and
   * standard deviation over the runs that have it (null where none has it; the std also where only one has).
   */
  groups: { settings: Record<string, string>; count: number; diverged: number; mean: Figures; std: Figures }[];
}

export async function reportSweep(dir: string, log: (line: string) => void = console.log): Promise<SweepSummary> {
  const manifestPath = join(dir, 'sweep.json');
  if (!existsSync(manifestPath)) throw new Error(`${dir}: no sweep.json here; is it the --out of a sweep?`);
  const { axes } = JSON.parse(readFileSync(manifestPath, 'utf8')) as { axes: Axis[] };
  const summary: SweepSummary = { axes, runs: [], missing: [], diverged: [], groups: [] };
  for (const run of sweepRuns(axes)) {
    const path = join(dir, 'runs', run.name, 'metrics.json');
    if (!existsSync(path)) {
      summary.missing.push(run.name);
      continue;
    }
    const metrics = JSON.parse(readFileSync(path, 'utf8'));
    const measures = Object.fromEntries(MEASURES.map((m) => [m, m === 'final_loss' ? metrics.final_loss : metrics.fit[m]])) as Figures;
    summary.runs.push({ ...run, steps: metrics.steps, stop_reason: metrics.stop_reason, fit_note: metrics.fit.note ?? null, ...measures });
    if (metrics.stop_reason === 'diverged') summary.diverged.push(run.name);
  }
  const groupAxes = axes.filter((axis) => axis.flag !== 'seed');
  const groupKey = (settings: Record<string, string>) => groupAxes.map((axis) => settings[axis.flag]).join('|');
  for (const key of [...new Set(summary.runs.map((run) => groupKey(run.settings)))]) {
    const members = summary.runs.filter((run) => groupKey(run.settings) === key);
    const results = members.filter((run) => run.stop_reason !== 'diverged');
    const present = (m: Measure) => results.map((run) => run[m]).filter((value) => value !== null);
    const mean = Object.fromEntries(MEASURES.map((m) => [m, average(present(m))])) as Figures;
    const std = Object.fromEntries(MEASURES.map((m) => [m, deviation(present(m))])) as Figures;
    const settings = Object.fromEntries(groupAxes.map((axis) => [axis.flag, members[0].settings[axis.flag]]));
    summary.groups.push({ settings, count: results.length, diverged: members.length - results.length, mean, std });
  }

  await writeFile(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  const flags = axes.map((axis) => axis.flag);
  const csv = [
    [...flags, 'steps', 'stop_reason', ...MEASURES].join(','),
    ...summary.runs.map((run) => [...flags.map((f) => run.settings[f]), run.steps, run.stop_reason, ...MEASURES.map((m) => run[m] ?? '')].join(',')),
  ];
  await writeFile(join(dir, 'summary.csv'), `${csv.join('\n')}\n`);
  // The figure puts the first non-seed axis on x, so it needs numbers there (not a choice such as loss=mse,ce).
  const numericAxis = groupAxes.length > 0 && summary.runs.every((run) => Number.isFinite(Number(run.settings[groupAxes[0].flag])));
  if (numericAxis && summary.runs.length > 0) {
    const points: SweepPoint[] = summary.runs.flatMap((run) =>
      run.stop_reason === 'diverged' || run.compression_ratio === null
        ? []
        : [
            {
              x: Number(run.settings[groupAxes[0].flag]),
              series: groupAxes[1] ? `${groupAxes[1].flag} ${run.settings[groupAxes[1].flag]}` : 'all',
              value: run.compression_ratio,
            },
          ],
    );
    const { window } = new JSDOM('');
    const svg = sweepFigure(points, groupAxes[0].flag, 'compression ratio rho (fitted)', window.document);
    await writeFile(join(dir, 'summary.svg'), `${new window.XMLSerializer().serializeToString(svg)}\n`);
  }

  log(
    `${summary.runs.length} of ${summary.runs.length + summary.missing.length} runs present${summary.missing.length ? `; missing: ${summary.missing.join(', ')}` : ''}`,
  );
  const header = [...groupAxes.map((axis) => axis.flag), 'results', 'diverged', 'rho mean', 'rho std', 'slope mean', 'R^2 mean'];
  log(header.join('\t'));
  for (const group of summary.groups) {
    const { mean, std } = group;
    log(
      [
        ...groupAxes.map((axis) => group.settings[axis.flag]),
        group.count,
        group.diverged,
        showFit(mean.compression_ratio, 4),
        showFit(std.compression_ratio, 4),
        showFit(mean.log10C_slope, 4),
        showFit(mean.log10C_r2, 5),
      ].join('\t'),
    );
  }
  const results = summary.runs.filter((run) => run.stop_reason !== 'diverged');
  for (const note of new Set(results.flatMap((run) => (run.fit_note ? [run.fit_note] : [])))) {
    log(
      `n/a (${results
        .filter((run) => run.fit_note === note)
        .map((run) => run.name)
        .join(', ')}): ${note}`,
    );
  }
  if (summary.diverged.length) log(`diverged, so left out of the means (try a smaller --lr): ${summary.diverged.join(', ')}`);
  if (groupAxes.length > 0 && !numericAxis) log(`no summary.svg: its x axis is the first grid axis, --grid ${groupAxes[0].flag}, which is not numeric`);
  log(`wrote ${join(dir, 'summary.json')}, summary.csv${numericAxis ? ', summary.svg' : ''}`);
  return summary;
}

function average(values: number[]): number | null {
  return values.length ? values.reduce((s, v) => s + v, 0) / values.length : null;
}

/** The sample standard deviation; null below two values. */
function deviation(values: number[]): number | null {
  const mean = average(values);
  if (mean === null || values.length < 2) return null;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
}

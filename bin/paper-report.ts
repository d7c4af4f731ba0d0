// The reproduction's report from the runs in DIR: DIR/report.json (the data), report.md with figures/*.svg, and
// report.html, one page with its figures inline that reads offline. Every run the scale asks for must be there.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import { syntheticDataset, type Matrix, type MetricsJson } from '../engine';
import { readNpyFile } from '../engine/node';
import {
  figureFile,
  minimumNorm,
  paperSections,
  REPORT_CSS,
  reportElement,
  reportFigure,
  reportMarkdown,
  type PaperReport,
  type RunRecord,
} from '../engine/report';
import { experimentCommand, experimentPlan, experiments, readPaperManifest, type Experiment } from './paper';
import { sweepRuns } from './sweep';

const PAPER =
  'Wang, Li, Yaras, Zhu, Balzano, Hu, Qu: Understanding Deep Representation Learning via Layerwise Feature Compression and Discrimination (arXiv 2311.02960, JMLR 2025)';

/** Every run of the experiment, read from DIR/<id>/runs/; throws naming the missing ones. */
function readRuns(dir: string, experiment: Experiment): RunRecord[] {
  const plan = experimentPlan(experiment, dir);
  const runs = sweepRuns(plan.axes).map((run) => ({ ...run, path: join(plan.out, 'runs', run.name, 'metrics.json') }));
  const missing = runs.filter((run) => !existsSync(run.path));
  if (missing.length > 0) {
    throw new Error(
      `${plan.out}: ${missing.length} of ${runs.length} runs have no metrics.json yet (${missing
        .slice(0, 3)
        .map((run) => run.name)
        .join(', ')}${missing.length > 3 ? ', ...' : ''}); run the missing shards, or npm run paper -- --out ${dir} to train them here`,
    );
  }
  return runs.map((run) => ({
    experiment: experiment.id,
    name: run.name,
    settings: run.settings,
    metrics: JSON.parse(readFileSync(run.path, 'utf8')) as MetricsJson,
  }));
}

/** The minimum-norm measures of a synthetic run: its data regenerated from the seed, its weights from W*.npy. */
async function withMinimumNorm(dir: string, run: RunRecord): Promise<RunRecord> {
  const { config } = run.metrics;
  const dataset = syntheticDataset(config);
  const weights: Matrix[] = [];
  for (let l = 1; l <= config.depth; l++) {
    const array = await readNpyFile(join(dir, run.experiment, 'runs', run.name, `W${l}.npy`));
    weights.push({ rows: array.shape[0], cols: array.shape[1], data: Float64Array.from(array.data) });
  }
  return { ...run, minimumNorm: minimumNorm(weights, dataset.inputs, dataset.labels, dataset.classes, config.alpha) };
}

/** Reads every run in `dir` and builds the report. */
export async function buildReport(dir: string, created = new Date()): Promise<PaperReport> {
  const manifest = readPaperManifest(dir);
  const all = experiments(manifest);
  const read = all.map((experiment) => ({ experiment, runs: readRuns(dir, experiment) })); // every experiment checked before any work
  const of = (kind: Experiment['kind']) => read.filter(({ experiment }) => experiment.kind === kind);
  const command = (kind: Experiment['kind']) => of(kind).map(({ experiment }) => experimentCommand(experiment, dir));
  const reference = await Promise.all(of('reference')[0].runs.map((run) => withMinimumNorm(dir, run)));
  const sections = paperSections({
    reference,
    grid: of('grid')[0].runs,
    images: of('images').map(({ experiment, runs }) => ({ source: experiment.source, runs })),
    tracking: of('tracking')[0].runs,
    commands: { reference: command('reference')[0], grid: command('grid')[0], images: command('images'), tracking: command('tracking')[0] },
  });
  const runs = read.flatMap((entry) => entry.runs);
  return {
    title: 'Layerwise feature compression and discrimination: the reproduction',
    paper: PAPER,
    scale: manifest.scale,
    created: created.toISOString(),
    runs: runs.length,
    run_seconds: runs.reduce((sum, run) => sum + run.metrics.seconds, 0),
    sections,
  };
}

/** Writes report.json, report.md (with figures/*.svg) and report.html into `dir`; returns their paths. */
export async function writeReport(dir: string, report: PaperReport): Promise<string[]> {
  const { window } = new JSDOM('<!doctype html><html lang="en"><head><meta charset="utf-8"></head><body></body></html>');
  const { document } = window;
  const serializer = new window.XMLSerializer(); // a standalone .svg needs the xmlns that outerHTML leaves out
  await mkdir(join(dir, 'figures'), { recursive: true });
  for (const section of report.sections) {
    for (const [index, figure] of section.figures.entries()) {
      await writeFile(join(dir, figureFile(section.id, index)), `${serializer.serializeToString(reportFigure(figure, document))}\n`);
    }
  }
  document.title = report.title;
  const style = document.createElement('style');
  style.textContent = REPORT_CSS;
  document.head.append(style);
  document.body.append(reportElement(report, document));
  const paths = ['report.json', 'report.md', 'report.html'].map((name) => join(dir, name));
  await writeFile(paths[0], `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(paths[1], reportMarkdown(report));
  await writeFile(paths[2], `<!doctype html>\n${document.documentElement.outerHTML}\n`);
  return paths;
}

/** The verdict table for the terminal. */
export function verdictLines(report: PaperReport): string[] {
  return report.sections.flatMap((section, index) =>
    section.verdicts.map((verdict) => `${index + 1}. ${verdict.holds ? 'holds        ' : 'does not hold'}  ${verdict.id}: ${verdict.summary}`),
  );
}

// npm run paper -- --scale tiny, as a user runs it (the same command without npm's set-up hook): the report's
// structure in all three forms, and every verdict recomputed here from the runs' own files (metrics.json, W*.npy,
// the regenerated data) with this file's own fits and linear algebra, then judged again against its criterion.
// Then a shard merged into the same report, and the refusals.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { JSDOM } from 'jsdom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDataset, type MetricsJson } from '../engine';
import { readNpyFile } from '../engine/io/npy-file';
import { CRITERIA, type PaperReport, type Verdict } from '../engine/report';
import { experimentPlan, experiments, parsePaper } from '../bin/paper';
import { sweepRuns } from '../bin/sweep';

const directory = mkdtempSync(join(tmpdir(), 'paper-test-'));
const out = join(directory, 'tiny');
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** The tiny scale must finish within this; the hooks wait longer, so that a slow run fails on the time, said plainly. */
const TINY_SECONDS = 120;

async function start(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const command = ['--import', 'tsx', '--import', './scripts/register-wgsl.mjs', 'bin/main.ts', ...args];
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, command, { timeout: 2 * TINY_SECONDS * 1000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

let first: { code: number; stdout: string; stderr: string; seconds: number };
let report: PaperReport;
beforeAll(
  async () => {
    const started = performance.now();
    first = { ...(await start(['paper', '--scale', 'tiny', '--out', out])), seconds: (performance.now() - started) / 1000 };
    report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as PaperReport;
  },
  2 * TINY_SECONDS * 1000,
);

const SECTIONS = ['reference', 'assumptions', 'depth-width', 'nonlinear', 'transfer', 'separability'];
const allVerdicts = () => report.sections.flatMap((section) => section.verdicts);

// ---- this file's own measures, written apart from the engine's ----

const metricsOf = (dir: string, experiment: string, name: string) =>
  JSON.parse(readFileSync(join(dir, experiment, 'runs', name, 'metrics.json'), 'utf8')) as MetricsJson;

/** Least squares y = a x + b: the slope and R^2. */
function line(x: number[], y: number[]): { slope: number; r2: number } {
  const n = x.length;
  const [mx, my] = [x.reduce((s, v) => s + v, 0) / n, y.reduce((s, v) => s + v, 0) / n];
  const slope = x.reduce((s, v, i) => s + (v - mx) * (y[i] - my), 0) / x.reduce((s, v) => s + (v - mx) ** 2, 0);
  const residual = y.reduce((s, v, i) => s + (v - (my + slope * (x[i] - mx))) ** 2, 0);
  const total = y.reduce((s, v) => s + (v - my) ** 2, 0);
  return { slope, r2: 1 - residual / total };
}
const hiddenFit = (metrics: MetricsJson, value: (layer: MetricsJson['layers'][number]) => number) => {
  const hidden = metrics.layers.filter((layer) => layer.layer >= 1);
  return line(
    hidden.map((layer) => layer.layer),
    hidden.map(value),
  );
};

type Dense = number[][];
const product = (a: Dense, b: Dense): Dense => a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
const transposed = (a: Dense): Dense => a[0].map((_, j) => a.map((row) => row[j]));
const frobenius = (a: Dense) => Math.sqrt(a.flat().reduce((s, v) => s + v * v, 0));
const minus = (a: Dense, b: Dense): Dense => a.map((row, i) => row.map((v, j) => v - b[i][j]));
/** Solves A X = B (A n x n, invertible) by Gaussian elimination with partial pivoting. */
function solve(a: Dense, b: Dense): Dense {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...b[i]]);
  for (let c = 0; c < n; c++) {
    const pivot = m.slice(c).reduce((best, row, i) => (Math.abs(row[c]) > Math.abs(m[best][c]) ? c + i : best), c);
    [m[c], m[pivot]] = [m[pivot], m[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const factor = m[r][c] / m[c][c];
      m[r] = m[r].map((v, j) => v - factor * m[c][j]);
    }
  }
  return m.map((row, i) => row.slice(n).map((v) => v / m[i][i]));
}

async function weightsOf(dir: string, name: string): Promise<Dense[]> {
  const weights: Dense[] = [];
  for (let l = 1; existsSync(join(dir, 'reference', 'runs', name, `W${l}.npy`)); l++) {
    const array = await readNpyFile(join(dir, 'reference', 'runs', name, `W${l}.npy`));
    weights.push(Array.from({ length: array.shape[0] }, (_, i) => Array.from(array.data.slice(i * array.shape[1], (i + 1) * array.shape[1]))));
  }
  return weights;
}

/** ||W_l W_l^T - W_{l+1}^T W_{l+1}|| / max of the two norms, for l = 1..L-1. */
const imbalances = (weights: Dense[]) =>
  weights.slice(0, -1).map((w, l) => {
    const [outer, inner] = [product(w, transposed(w)), product(transposed(weights[l + 1]), weights[l + 1])];
    return frobenius(minus(outer, inner)) / Math.max(frobenius(outer), frobenius(inner));
  });

/** Each verdict's value for one item, from the run's folder; a criterion missing here fails the test. */
const RECOMPUTE: Record<string, (dir: string, experiment: string, name: string, layer: number | null) => Promise<number | null>> = {
  'reference-geometric': async (dir, e, n) => hiddenFit(metricsOf(dir, e, n), (l) => Math.log10(l.C)).r2,
  'reference-compresses': async (dir, e, n) => 10 ** hiddenFit(metricsOf(dir, e, n), (l) => Math.log10(l.C)).slope,
  'reference-discrimination': async (dir, e, n) => hiddenFit(metricsOf(dir, e, n), (l) => l.D).r2,
  'data-orthogonal': async (dir, e, n) => {
    const { inputs } = syntheticDataset(metricsOf(dir, e, n).config);
    const rows = Array.from({ length: inputs.rows }, (_, i) => Array.from(inputs.data.slice(i * inputs.cols, (i + 1) * inputs.cols)));
    const gram = product(rows, transposed(rows));
    return Math.max(...gram.flatMap((row, i) => row.map((v, j) => (i === j ? Math.abs(v - 1) : Math.abs(v)))));
  },
  'balanced-hidden': async (dir, e, n) => Math.max(...imbalances(await weightsOf(dir, n)).slice(0, -1)),
  'balanced-classifier': async (dir, e, n) => imbalances(await weightsOf(dir, n)).at(-1)!,
  'minimum-norm': async (dir, e, n) => {
    const { config } = metricsOf(dir, e, n);
    const { inputs, labels, classes } = syntheticDataset(config);
    const x = Array.from({ length: inputs.rows }, (_, i) => Array.from(inputs.data.slice(i * inputs.cols, (i + 1) * inputs.cols)));
    const targets = Array.from({ length: classes }, (_, k) => Array.from(labels, (label) => (label === k ? 1 / config.alpha : 0)));
    // W* = Y^T (X X^T)^{-1} X / alpha: solve (X X^T) Z = X, then W* = targets Z.
    const best = product(targets, solve(product(x, transposed(x)), x));
    const weights = await weightsOf(dir, n);
    const map = weights.slice(1).reduce((acc, w) => product(w, acc), weights[0]);
    return frobenius(minus(map, best)) / frobenius(best);
  },
  'low-rank': async (dir, e, n) => {
    const { singular_values: values, config } = metricsOf(dir, e, n);
    return Math.min(...values.filter((s) => s.length > config.classes).map((s) => s[config.classes - 1] / s[config.classes]));
  },
  'grid-geometric': async (dir, e, n) => hiddenFit(metricsOf(dir, e, n), (l) => Math.log10(l.C)).r2,
  'grid-width': async (dir, e, depthItem) => {
    const depth = Number(depthItem.replace('depth ', ''));
    const runs = readdirSync(join(dir, e, 'runs'))
      .map((name) => metricsOf(dir, e, name))
      .filter((m) => m.config.depth === depth);
    const widths = [...new Set(runs.map((m) => m.config.width))];
    const means = widths.map((w) => {
      const rhos = runs.filter((m) => m.config.width === w).map((m) => 10 ** hiddenFit(m, (l) => Math.log10(l.C)).slope);
      return rhos.reduce((s, v) => s + v, 0) / rhos.length;
    });
    return widths.length < 2 ? null : (Math.max(...means) - Math.min(...means)) / (means.reduce((s, v) => s + v, 0) / means.length);
  },
  'images-decreasing': async (dir, e, n) => {
    const C = metricsOf(dir, e, n).layers.map((l) => l.C);
    return Math.max(...C.slice(2).map((c, i) => c / C[i + 1]));
  },
  'images-geometric': async (dir, e, n) => hiddenFit(metricsOf(dir, e, n), (l) => Math.log10(l.C)).r2,
  'probe-earlier': async (dir, e, n) => {
    const test = metricsOf(dir, e, n).probe!.map((p) => p.test_accuracy);
    return Math.max(...test.slice(1, -1)) - test.at(-1)!;
  },
  'separability-reached': async (dir, e, n) => metricsOf(dir, e, n).separability!.at(-1)!,
  'separability-rises': async (dir, e, n) => {
    const m = metricsOf(dir, e, n);
    return m.separability!.at(-1)! - m.history[0].separability!.at(-1)!;
  },
  'pvector-converges': async (dir, e, n, layer) => metricsOf(dir, e, n).pvector_angles!.at(-1)!.angles[layer!],
};

/** item 'experiment/run' or 'experiment/run layer l'. */
function parseItem(item: string): { experiment: string; name: string; layer: number | null } {
  const match = /^([^/]+)\/(.+?)(?: layer (\d+))?$/.exec(item);
  if (!match) throw new Error(`item ${item}: not experiment/run`);
  return { experiment: match[1], name: match[2], layer: match[3] === undefined ? null : Number(match[3]) };
}

function meets(value: number | null, verdict: Verdict): boolean {
  if (value === null) return false;
  return { '>=': value >= verdict.threshold, '<=': value <= verdict.threshold, '<': value < verdict.threshold, '>': value > verdict.threshold }[
    verdict.comparison
  ];
}

describe('npm run paper -- --scale tiny', () => {
  it('finishes in under two minutes and prints the verdict table', () => {
    expect(first.code, first.stderr).toBe(0);
    expect(first.seconds).toBeLessThan(TINY_SECONDS);
    expect(first.stdout).toMatch(/\[1\/\d+ \d+m\d\ds\] reference: run 1\//); // progress, one line per run
    for (const verdict of allVerdicts()) expect(first.stdout).toContain(`${verdict.id}: ${verdict.summary}`);
  });

  it('report.json: six sections, each with a claim, its configuration, figures with points and verdicts', () => {
    expect(report.scale).toBe('tiny');
    expect(report.sections.map((section) => section.id)).toEqual(SECTIONS);
    for (const section of report.sections) {
      expect(section.claim.length, section.id).toBeGreaterThan(40);
      expect(section.configuration.join('\n'), section.id).toMatch(/npm start -- sweep .*--out /);
      expect(section.figures.length, section.id).toBeGreaterThan(0);
      for (const figure of section.figures) expect(figure.points.length, `${section.id}: ${figure.title}`).toBeGreaterThan(0);
      expect(section.verdicts.length, section.id).toBeGreaterThan(0);
    }
    const runs = readdirSync(out).flatMap((experiment) => (existsSync(join(out, experiment, 'runs')) ? readdirSync(join(out, experiment, 'runs')) : []));
    expect(report.runs).toBe(runs.length);
  });

  it('every verdict follows from its values by its criterion, written out as CRITERIA defines it', () => {
    const defined = Object.values(CRITERIA);
    expect(
      allVerdicts()
        .map((verdict) => verdict.id)
        .sort(),
    ).toEqual(defined.map((criterion) => criterion.id).sort());
    for (const verdict of allVerdicts()) {
      const criterion = defined.find((c) => c.id === verdict.id)!;
      expect({ ...verdict }).toMatchObject(criterion);
      expect(verdict.criterion).toContain(`holds when ${criterion.quantity} ${criterion.comparison} ${criterion.threshold} on `);
      const passed = verdict.values.filter(({ value }) => meets(value, verdict)).length;
      const required = Math.ceil(criterion.share * verdict.values.length);
      expect(verdict.passed, verdict.id).toBe(passed);
      expect(verdict.required, verdict.id).toBe(required);
      expect(verdict.holds, verdict.id).toBe(verdict.values.length > 0 && passed >= required);
    }
  });

  it("every verdict's values are what the runs' own files give, recomputed here", async () => {
    for (const verdict of allVerdicts()) {
      expect(RECOMPUTE, `no recomputation for ${verdict.id}`).toHaveProperty(verdict.id);
      expect(verdict.values.length, verdict.id).toBeGreaterThan(0);
      for (const { item, value } of verdict.values) {
        const { experiment, name, layer } = parseItem(item);
        const expected = await RECOMPUTE[verdict.id](out, experiment, name, layer);
        if (expected === null) expect(value, item).toBeNull();
        else
          expect(Math.abs(value! - expected), `${verdict.id} ${item}: ${value} vs ${expected}`).toBeLessThanOrEqual(1e-3 * Math.max(1e-3, Math.abs(expected)));
      }
    }
    // Per-run verdicts cover every run of their experiment.
    const referenceRuns = readdirSync(join(out, 'reference', 'runs')).map((name) => `reference/${name}`);
    expect(report.sections[0].verdicts[0].values.map(({ item }) => item).sort()).toEqual(referenceRuns.sort());
  });

  it('report.html is one self-contained page: every section, every verdict, the figures inline', () => {
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script|<link|src="|href="http/);
    const { document } = new JSDOM(html).window;
    expect([...document.querySelectorAll('article > section')].map((section) => section.id)).toEqual(SECTIONS);
    const figures = report.sections.reduce((count, section) => count + section.figures.length, 0);
    expect(document.querySelectorAll('section svg').length).toBeGreaterThanOrEqual(figures);
    const text = document.body.textContent ?? '';
    for (const verdict of allVerdicts()) expect(text).toContain(verdict.criterion);
    for (const section of report.sections) expect(text).toContain(section.claim);
  });

  it('report.md has every section and verdict, and its figures exist as files', () => {
    const markdown = readFileSync(join(out, 'report.md'), 'utf8');
    report.sections.forEach((section, index) => expect(markdown).toContain(`## ${index + 1}. ${section.title}`));
    for (const verdict of allVerdicts()) expect(markdown).toContain(verdict.criterion.replace(/\|/g, '\\|'));
    const links = [...markdown.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((match) => match[1]);
    expect(links.length).toBe(report.sections.reduce((count, section) => count + section.figures.length, 0));
    for (const link of links) expect(readFileSync(join(out, link), 'utf8')).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  });

  it('a shard retrains only its missing runs, and the merged report has the same verdicts', async () => {
    const merged = join(directory, 'merged');
    cpSync(out, merged, { recursive: true });
    for (const name of ['seed-1']) rmSync(join(merged, 'reference', 'runs', name, 'metrics.json'));
    rmSync(join(merged, 'report.json'));
    const missing = await start(['paper', 'report', merged]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/reference: 1 of 2 runs have no metrics.json yet \(seed-1\)/);

    const shard = await start(['paper', '--scale', 'tiny', '--out', merged, '--shard', '2/2']);
    expect(shard.code, shard.stderr).toBe(0);
    const trained = [...shard.stdout.matchAll(/\] (\S+): run \d+\/\d+ \(shard 2\/2\) (\S+): (?!done before)/g)].map((match) => `${match[1]}/${match[2]}`);
    expect(trained).toEqual(['reference/seed-1']);
    expect(shard.stdout).toContain(`paper report ${merged}`);
    expect(existsSync(join(merged, 'report.json'))).toBe(false); // a shard writes no report

    const merge = await start(['paper', 'report', merged]);
    expect(merge.code, merge.stderr).toBe(0);
    const again = JSON.parse(readFileSync(join(merged, 'report.json'), 'utf8')) as PaperReport;
    const outcome = (r: PaperReport) => r.sections.flatMap((section) => section.verdicts.map((v) => [v.id, v.holds, v.values.map(({ item }) => item)]));
    expect(outcome(again)).toEqual(outcome(report));
  });

  it.each([
    [['--scale', 'huge'], /--scale huge: expected one of tiny, default, full/],
    [['--shard', '3/2'], /--shard 3\/2: expected i\/n with 1 <= i <= n/],
    [['--idx-images', 'x'], /--idx-images and --idx-labels go together/],
    [['--depth', '3'], /Unknown option '--depth'/],
  ])('refuses %j', (args, message) => {
    expect(() => parsePaper(args)).toThrow(message);
  });

  it('adds FashionMNIST (IDX) and CIFAR-10 experiments when their files are given', () => {
    const command = parsePaper(['--idx-images', 'f-images.gz', '--idx-labels', 'f-labels.gz', '--cifar', 'cifar-dir']);
    const images = experiments(command.manifest).filter((experiment) => experiment.kind === 'images');
    expect(images.map((experiment) => experiment.id)).toEqual(['images-mnist', 'images-idx', 'images-cifar']);
    expect(images[1].args.join(' ')).toContain('--idx-images f-images.gz --idx-labels f-labels.gz');
    expect(images[2].args.join(' ')).toContain('--cifar cifar-dir');
    expect(images[1].args).not.toContain('--dataset'); // the files replace the shipped digits
  });

  it("--scale full runs the paper's sizes: depth 1..6 x width 200..700 x 10 seeds", () => {
    const command = parsePaper(['--scale', 'full', '--shard', '7/40', '--out', 'cluster']);
    const grid = experiments(command.manifest).find((experiment) => experiment.kind === 'grid')!;
    const runs = sweepRuns(experimentPlan(grid, command.out).axes);
    expect(runs).toHaveLength(6 * 6 * 10);
    expect([...new Set(runs.map((run) => run.settings.depth))]).toEqual(['1', '2', '3', '4', '5', '6']);
    expect([...new Set(runs.map((run) => run.settings.width))]).toEqual(['200', '300', '400', '500', '600', '700']);
    expect(experimentPlan(grid, command.out, command.shard).shard).toEqual({ index: 7, count: 40 });
  });

  it('refuses to mix scales in one folder', async () => {
    const { code, stderr } = await start(['paper', '--scale', 'default', '--out', out]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/paper.json: this folder holds another reproduction/);
  });
});

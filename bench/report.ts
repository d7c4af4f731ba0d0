// `npm run bench:report`: renders every full run in bench/results/ into bench/results/report.html, one chart per
// case of its headline figure across commits, so a regression shows at a glance. Observable Plot via jsdom.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as Plot from '@observablehq/plot';
import { JSDOM } from 'jsdom';

interface RunCase {
  name: string;
  op: string;
  gflops: number;
  pct_of_peak: number;
  steps_per_s?: number;
  ratio_to_peer?: number;
}

interface Run {
  date: string;
  commit: string;
  device: string;
  peak: { fma_gflops: number; copy_gbps: number; load_gfloats?: number; load_gvec4s?: number }; // loads: since 2026-11-26
  cases: RunCase[];
}

const directory = new URL('results/', import.meta.url);
const files = readdirSync(directory).filter((file) => file.endsWith('.json') && !file.endsWith('-partial.json') && !file.endsWith('-failed.json'));
if (files.length === 0) {
  console.error(`bench:report: no full runs in ${directory.pathname}; run npm run bench first`);
  process.exit(1);
}
const runs = files.map((file) => JSON.parse(readFileSync(new URL(file, directory), 'utf8')) as Run).sort((a, b) => a.date.localeCompare(b.date));
const label = (run: Run) => `${run.date.slice(0, 10)} ${run.commit}`;
const { window } = new JSDOM('');
const document = window.document;

/** One figure of `value` across runs, a line per series. */
function chart(title: string, rows: { run: string; series: string; value: number }[], yLabel: string): string {
  const svg = Plot.plot({
    document,
    title,
    width: 570,
    height: 240,
    marginLeft: 140, // room for the first run's rotated label
    marginBottom: 60,
    grid: true,
    style: { background: 'white' },
    x: { type: 'point', label: null, domain: runs.map(label), tickRotate: -20 },
    y: { label: yLabel, zero: true },
    color: { legend: new Set(rows.map((row) => row.series)).size > 1 },
    marks: [Plot.line(rows, { x: 'run', y: 'value', stroke: 'series' }), Plot.dot(rows, { x: 'run', y: 'value', stroke: 'series' })],
  });
  return svg.outerHTML;
}

/** The case's figure across runs, where it ran. */
function series(name: string, pick: (c: RunCase) => number | undefined): { run: string; series: string; value: number }[] {
  return runs.flatMap((run) => {
    const value = pick(run.cases.find((c) => c.name === name) ?? ({} as RunCase));
    return value === undefined ? [] : [{ run: label(run), series: name, value }];
  });
}

const sections: string[] = [];
const peaks = runs.flatMap((run) => [
  { run: label(run), series: 'FMA GFLOP/s', value: run.peak.fma_gflops },
  { run: label(run), series: 'copy GB/s', value: run.peak.copy_gbps },
  ...(run.peak.load_gvec4s === undefined ? [] : [{ run: label(run), series: 'loads, 10^8 vec4/s', value: 10 * run.peak.load_gvec4s }]),
]);
sections.push(chart('The device, measured each run', peaks, 'GFLOP/s, GB/s, 10^8 loads/s'));
const names = [...new Set(runs.flatMap((run) => run.cases.map((c) => c.name)))];
for (const name of names) {
  const op = runs.flatMap((run) => run.cases).find((c) => c.name === name)!.op;
  const headline = op === 'train_step' ? series(name, (c) => c.steps_per_s) : series(name, (c) => c.pct_of_peak);
  sections.push(chart(name, headline, op === 'train_step' ? 'steps/s' : '% of FMA peak'));
  const peer = series(name, (c) => c.ratio_to_peer);
  if (peer.length > 0) sections.push(chart(`${name}: ours / peer`, peer, 'x peer'));
}
const html = `<!doctype html>
<meta charset="utf-8">
<title>layerwise-webgpu benchmark history</title>
<style>body { font: 14px system-ui, sans-serif; margin: 1.5em; } figure { display: inline-block; margin: 0 1em 1.5em 0; }</style>
<h1>Benchmark history</h1>
<p>${runs.length} full runs on ${[...new Set(runs.map((run) => run.device))].join(', ')}. Each chart: one case across commits
(matmul: % of the FMA peak measured in that run; training steps: steps/s), and the ratio to the peer library where it ran.</p>
${sections.join('\n')}
`;
const output = new URL('report.html', directory);
writeFileSync(output, html);
console.log(`wrote ${output.pathname} (${runs.length} runs, ${names.length} cases)`);

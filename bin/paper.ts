// npm run paper (npm start -- paper): the paper's experiments at one scale, each a sweep of bin/sweep.ts written to
// DIR/<experiment>/runs/<run>/, then DIR/report.html, report.md and report.json (bin/paper-report.ts). Finished
// runs are skipped, so an interrupted reproduction resumes; --shard i/n runs every n-th run of each experiment,
// and `paper report DIR` merges the shards' runs into the report.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Gpu } from '../engine';
import { helpRows, parseFlags } from './flags';
import { parseSweep, runSweep, shardRuns, sweepRuns, type SweepPlan } from './sweep';

/** An experiment's sizes at each scale; `full` is the paper's own (depth 1..6 x width 200..700 x 10 seeds). */
interface Scale {
  summary: string;
  referenceSeeds: number;
  grid: { depths: string; widths: string; seeds: number };
  /** The nonlinear networks on real digits (MLP and hybrid), with a linear probe per layer. */
  images: { perClass: number; width: number; depth: number; steps: number; seeds: number };
  /** The MLP measured during training: separability and P-vectors every metricsEvery steps. */
  tracking: { steps: number; metricsEvery: number; seeds: number };
}

// prettier-ignore
export const SCALES = {
  tiny: { summary: 'a smoke test of every section, under half a minute without a GPU', referenceSeeds: 2, grid: { depths: '4,5', widths: '50,100', seeds: 1 }, images: { perClass: 40, width: 64, depth: 4, steps: 40, seeds: 1 }, tracking: { steps: 40, metricsEvery: 20, seeds: 1 } },
  default: { summary: 'every claim at laptop sizes, about two minutes on 2 cores without a GPU', referenceSeeds: 5, grid: { depths: '3..6', widths: '50,200', seeds: 2 }, images: { perClass: 100, width: 128, depth: 5, steps: 300, seeds: 2 }, tracking: { steps: 300, metricsEvery: 100, seeds: 2 } },
  full: { summary: "the paper's sizes, hours: spread it with --shard i/n", referenceSeeds: 10, grid: { depths: '1..6', widths: '200,300,400,500,600,700', seeds: 10 }, images: { perClass: 500, width: 256, depth: 6, steps: 3000, seeds: 5 }, tracking: { steps: 3000, metricsEvery: 300, seeds: 3 } },
} as const satisfies Record<string, Scale>;

export type ScaleName = keyof typeof SCALES;
const scaleNames = Object.keys(SCALES) as ScaleName[];

/** The image files a user gives beside the shipped MNIST subset (FashionMNIST as IDX, CIFAR-10 batches). */
export interface ExtraImages {
  idx?: { images: string; labels: string };
  cifar?: string;
}

/** What DIR/paper.json records: every shard and every resumption must agree with it. */
export interface PaperManifest {
  scale: ScaleName;
  images: ExtraImages;
}

export type ExperimentKind = 'reference' | 'grid' | 'images' | 'tracking';

/** One experiment: a sweep's flags (settings and --grid axes) and the folder it writes. */
export interface Experiment {
  id: string;
  kind: ExperimentKind;
  /** The images' source in words, for image experiments. */
  source: string;
  args: string[];
}

/** The settings of the paper's real-data runs (METHOD.md: momentum 0.9, weight decay 1e-4; cross-entropy, mini-batches). */
const IMAGE_TRAINING = ['--init', 'default', '--loss', 'ce', '--lr', '0.05', '--momentum', '0.9', '--weight-decay', '1e-4', '--batch-size', '100'];

/** Every experiment of the report at the manifest's scale, with the image files given. */
export function experiments({ scale, images }: PaperManifest): Experiment[] {
  const sizes: Scale = SCALES[scale];
  const seeds = (count: number) => ['--grid', `seed=0..${count - 1}`];
  const sources: { id: string; source: string; flags: string[] }[] = [
    { id: 'mnist', source: 'MNIST (the shipped subset)', flags: ['--dataset', 'mnist'] },
    ...(images.idx
      ? [{ id: 'idx', source: `IDX files ${images.idx.images}`, flags: ['--idx-images', images.idx.images, '--idx-labels', images.idx.labels] }]
      : []),
    ...(images.cifar ? [{ id: 'cifar', source: `CIFAR-10 ${images.cifar}`, flags: ['--cifar', images.cifar] }] : []),
  ];
  const { images: real, tracking } = sizes;
  // The hybrid network's first half is nonlinear (Linear+BatchNorm+ReLU), its second half linear.
  const network = [
    '--per-class',
    String(real.perClass),
    '--width',
    String(real.width),
    '--depth',
    String(real.depth),
    '--hybrid-layers',
    String(Math.floor(real.depth / 2)),
  ];
  return [
    { id: 'reference', kind: 'reference', source: '', args: seeds(sizes.referenceSeeds) },
    {
      id: 'depth-width',
      kind: 'grid',
      source: '',
      args: ['--grid', `depth=${sizes.grid.depths}`, '--grid', `width=${sizes.grid.widths}`, ...seeds(sizes.grid.seeds)],
    },
    ...sources.map(({ id, source, flags }) => ({
      id: `images-${id}`,
      kind: 'images' as const,
      source,
      args: [...flags, ...network, ...IMAGE_TRAINING, '--steps', String(real.steps), '--probe', 'true', '--grid', 'model=mlp,hybrid', ...seeds(real.seeds)],
    })),
    {
      id: 'tracking',
      kind: 'tracking',
      source: sources[0].source,
      args: [
        ...sources[0].flags,
        ...network,
        ...IMAGE_TRAINING,
        ...['--model', 'mlp', '--steps', String(tracking.steps), '--metrics-every', String(tracking.metricsEvery)],
        ...['--separability', 'true', '--pvectors', 'true'],
        ...seeds(tracking.seeds),
      ],
    },
  ];
}

/** The experiment's sweep, writing to DIR/<id>; with `shard`, that shard's part. */
export function experimentPlan(experiment: Experiment, dir: string, shard?: string): SweepPlan {
  return parseSweep([...experiment.args, '--out', join(dir, experiment.id), ...(shard ? ['--shard', shard] : [])]);
}

/** The command that reruns one experiment alone, for the report's configuration. */
export const experimentCommand = (experiment: Experiment, dir: string) =>
  `npm start -- sweep ${[...experiment.args, '--out', join(dir, experiment.id)].join(' ')}`;

export interface PaperCommand {
  manifest: PaperManifest;
  out: string;
  shard?: string;
  help: boolean;
}

const FLAGS = {
  scale: { type: 'string' },
  out: { type: 'string' },
  shard: { type: 'string' },
  'idx-images': { type: 'string' },
  'idx-labels': { type: 'string' },
  cifar: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parsePaper(args: string[]): PaperCommand {
  const values = parseFlags(args, FLAGS);
  const text = (flag: keyof typeof FLAGS) => (typeof values[flag] === 'string' ? (values[flag] as string) : undefined);
  const scale = text('scale') ?? 'default';
  if (!scaleNames.includes(scale as ScaleName)) throw new Error(`--scale ${scale}: expected one of ${scaleNames.join(', ')}`);
  const [idxImages, idxLabels] = [text('idx-images'), text('idx-labels')];
  if ((idxImages === undefined) !== (idxLabels === undefined)) throw new Error('--idx-images and --idx-labels go together: give both or neither');
  const images: ExtraImages = {
    ...(idxImages && idxLabels ? { idx: { images: idxImages, labels: idxLabels } } : {}),
    ...(text('cifar') ? { cifar: text('cifar') } : {}),
  };
  const command = {
    manifest: { scale: scale as ScaleName, images },
    out: text('out') ?? join('runs', `paper-${scale}`),
    shard: text('shard'),
    help: values.help === true,
  };
  for (const experiment of experiments(command.manifest)) experimentPlan(experiment, command.out, command.shard); // a bad --shard fails here
  return command;
}

export function paperHelp(): string {
  const rows: [string, string][] = [
    ['--scale default', `one of: ${scaleNames.map((name) => `${name} (${SCALES[name].summary})`).join('; ')}`],
    ['--out DIR', 'where the runs and the report go (default runs/paper-SCALE); run again with the same DIR to resume'],
    ['--shard i/n', 'run every n-th run of each experiment, from the i-th; then `paper report DIR` once every shard is done'],
    ['--idx-images FILE', 'FashionMNIST (or MNIST) images in IDX format, as a further real dataset; needs --idx-labels'],
    ['--idx-labels FILE', 'their labels in IDX format'],
    ['--cifar DIR', 'CIFAR-10 binary batches, as a further real dataset'],
    ['--help', 'this text'],
  ];
  return [
    "Reproduces the paper's claims: trains every experiment, then writes DIR/report.html, report.md and report.json.",
    '',
    'usage: npm run paper -- [--scale tiny|default|full] [--out DIR] [--shard i/n]',
    '       npm start -- paper report DIR      (the report from the runs in DIR, e.g. after every shard)',
    '',
    ...helpRows(rows),
  ].join('\n');
}

/** DIR/paper.json: written once; a later run into DIR must be the same reproduction. */
export async function writePaperManifest(dir: string, manifest: PaperManifest): Promise<void> {
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  const path = join(dir, 'paper.json');
  if (existsSync(path)) {
    if (readFileSync(path, 'utf8') !== text) throw new Error(`${path}: this folder holds another reproduction (other --scale or data); use another --out`);
    return;
  }
  await mkdir(dir, { recursive: true });
  await writeFile(path, text);
}

export function readPaperManifest(dir: string): PaperManifest {
  const path = join(dir, 'paper.json');
  if (!existsSync(path)) throw new Error(`${dir}: no paper.json here; is it the --out of npm run paper?`);
  return JSON.parse(readFileSync(path, 'utf8')) as PaperManifest;
}

/** Trains this shard's runs of every experiment on one device, one progress line per run; returns how many trained. */
export async function runPaper(command: PaperCommand, log: (line: string) => void = console.log): Promise<number> {
  await writePaperManifest(command.out, command.manifest);
  const plans = experiments(command.manifest).map((experiment) => ({ experiment, plan: experimentPlan(experiment, command.out, command.shard) }));
  const total = plans.reduce((sum, { plan }) => sum + shardRuns(sweepRuns(plan.axes), plan.shard).length, 0);
  log(`scale ${command.manifest.scale}: ${total} runs in ${plans.length} experiments${command.shard ? ` (shard ${command.shard})` : ''}, into ${command.out}/`);
  const started = performance.now();
  let done = 0;
  const gpu = await Gpu.create({ log });
  let trained = 0;
  try {
    for (const { experiment, plan } of plans) {
      trained += await runSweep(
        plan,
        (line) => {
          if (/^run \d+\//.test(line)) done++;
          const elapsed = (performance.now() - started) / 1000;
          log(`[${done}/${total} ${Math.floor(elapsed / 60)}m${String(Math.floor(elapsed % 60)).padStart(2, '0')}s] ${experiment.id}: ${line}`);
        },
        { gpu, progress: true },
      );
    }
  } finally {
    gpu.destroy();
  }
  return trained;
}

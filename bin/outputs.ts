// Writing a run's results: metrics.json, the trained W1.npy .. WL.npy, loss.csv and the figures.
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Orthogonality } from '../engine';
import type { ExperimentConfig, ExperimentResult } from '../engine';
import { writeNpyFile } from '../engine/node';
import { renderFiguresToFiles } from '../engine/node';

/** Where the run will go; throws before any training if that would touch earlier results. */
export function chooseOutDir(requested: string | undefined, now = new Date()): string {
  if (requested === undefined) {
    const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    let dir = join('runs', stamp);
    for (let n = 2; existsSync(dir); n++) dir = join('runs', `${stamp}-${n}`);
    return dir;
  }
  if (existsSync(requested) && readdirSync(requested).length > 0) {
    throw new Error(`--out ${requested}: the folder exists and is not empty; choose a new one (nothing was written)`);
  }
  return requested;
}

/** What metrics.json records beside the config: where the data and weights came from, and the device. */
export interface RunContext {
  data: string;
  /** How nearly orthogonal the samples are (METHOD.md). */
  data_orthogonality: Orthogonality;
  initWeights: string | null;
  /** The pipelines compiled by the time the results are written, and the seconds their creation took. */
  device: { adapter: string; software: boolean; pipelines: number; compile_seconds: number };
}

export async function writeRun(dir: string, config: ExperimentConfig, context: RunContext, result: ExperimentResult): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const { metrics } = result;
  const summary = {
    config,
    ...context,
    steps: result.steps,
    stop_reason: result.stopReason,
    seconds: result.seconds,
    final_loss: result.finalLoss,
    loss: result.losses,
    layers: metrics.layers,
    balancedness: metrics.balancedness,
    singular_values: metrics.singular_values,
    nc3: metrics.nc3 ?? null,
    nc4: metrics.nc4 ?? null,
    fit: metrics.fit,
    ...(result.probe ? { probe: result.probe } : {}),
    ...(result.separability ? { separability: result.separability } : {}),
    ...(result.pvector_angles ? { pvector_angles: result.pvector_angles } : {}),
    history: result.history.map(({ step, metrics, separability }) => ({
      step,
      layers: metrics.layers,
      fit: metrics.fit,
      ...(separability ? { separability } : {}),
    })),
  };
  const written = [join(dir, 'loss.csv')];
  await writeFile(written[0], `step,loss\n${result.losses.map(([step, loss]) => `${step},${loss}`).join('\n')}\n`);
  const arrays = [...result.weights.map((w, l) => [`W${l + 1}`, w] as const), ...result.biases.flatMap((b, l) => (b ? [[`b${l + 1}`, b] as const] : []))];
  for (const [name, array] of arrays) {
    const path = join(dir, `${name}.npy`);
    await writeNpyFile(path, array.data, array.shape, 'float32');
    written.push(path);
  }
  written.push(...(await renderFiguresToFiles(dir, result)));
  // Last, so that a folder with metrics.json holds a whole run (sweeps resume by skipping those).
  written.push(join(dir, 'metrics.json'));
  await writeFile(written.at(-1)!, `${JSON.stringify(summary, null, 2)}\n`);
  return written;
}

// Writing a run's results: metrics.json, the trained W1.npy .. WL.npy, loss.csv and the figures.
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { metricsJson, type ExperimentConfig, type ExperimentResult, type RunContext } from '../engine';
import { renderFiguresToFiles, writeNpyFile } from '../engine/node';

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

export async function writeRun(dir: string, config: ExperimentConfig, context: RunContext, result: ExperimentResult): Promise<string[]> {
  await mkdir(dir, { recursive: true });
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
  await writeFile(written.at(-1)!, `${JSON.stringify(metricsJson(config, context, result), null, 2)}\n`);
  return written;
}

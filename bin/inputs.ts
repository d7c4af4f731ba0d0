// Reading a run's inputs from disk: the user's dataset (.npy, IDX or CIFAR-10) and initial weights (.npy).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkChain, type Dataset, datasetFromArrays, type ExperimentConfig, imageDataset, type ImageSelection, type Matrix } from '../engine';
import { readCifarDir, readIdxFile, readNpyFile } from '../engine/node';
import type { DataFiles } from './flags';

/** The user's dataset: .npy arrays as they are; IDX and CIFAR images selected and scaled as the config says. */
export async function readDataset(files: DataFiles, config: ExperimentConfig): Promise<Dataset> {
  const selection = imageSelection(config);
  switch (files.kind) {
    case 'npy': {
      const [features, labels] = await Promise.all([readNpyFile(files.features), readNpyFile(files.labels)]);
      return datasetFromArrays(features, labels, files);
    }
    case 'idx': {
      const [images, labels] = await Promise.all([readIdxFile(files.images), readIdxFile(files.labels)]);
      return imageDataset(images, labels, selection, files);
    }
    case 'cifar': {
      const batch = await readCifarDir(files.directory);
      return imageDataset(batch.images, batch.labels, selection, { images: files.directory, labels: files.directory });
    }
  }
}

/** The config's choice of image classes, samples per class and scaling. */
export function imageSelection(config: ExperimentConfig): ImageSelection {
  const classes = config.imageClasses === '' ? undefined : config.imageClasses.split(',').map(Number);
  return { classes, perClass: config.perClass, normalize: config.normalize };
}

/** DIR/W1.npy, DIR/W2.npy, ... up to the first missing index; each must be a finite float matrix and they must chain. */
export async function readInitialWeights(dir: string, inputDim: number, classes: number): Promise<Matrix[]> {
  if (!existsSync(dir)) throw new Error(`--init-weights ${dir}: no such directory`);
  const paths: string[] = [];
  while (existsSync(join(dir, `W${paths.length + 1}.npy`))) paths.push(join(dir, `W${paths.length + 1}.npy`));
  if (paths.length === 0) throw new Error(`--init-weights ${dir}: no W1.npy there (expected W1.npy .. WL.npy, each out x in)`);
  const weights = await Promise.all(
    paths.map(async (path) => {
      const array = await readNpyFile(path);
      if (array.dtype !== 'float32' && array.dtype !== 'float64') throw new Error(`${path}: weights must be float32 or float64, got ${array.dtype}`);
      const bad = array.data.findIndex((value) => !Number.isFinite(value));
      if (bad >= 0) throw new Error(`${path}: entry ${bad} is ${array.data[bad]}; weights must be finite`);
      return { path, shape: array.shape, data: Float64Array.from(array.data) };
    }),
  );
  checkChain(weights, inputDim, classes, (l) => weights[l].path);
  return weights.map(({ shape, data }) => ({ rows: shape[0], cols: shape[1], data }));
}

// A Dataset from real images and their labels (IDX files, CIFAR-10 batches, the mnist package): a choice of
// classes and samples per class, as the paper takes a few classes of MNIST, and the normalisation the user asks
// for. Browser-safe: arrays in, no file access.
import { zeros, type Matrix } from '../linalg';
import type { IdxArray } from './idx';
import type { Choice } from '../settings';
import type { Dataset } from './synthetic';

/** 'none' keeps pixels in [0, 1]; 'standardize' gives every feature zero mean and unit variance over the samples. */
export type Normalization = Choice<'normalize'>;

/** Which samples to keep and how to scale them. */
export interface ImageSelection {
  classes?: number[]; // the original labels to keep, relabelled 0..k-1 in this order; default every label, ascending
  perClass?: number; // the first n samples of each kept class, in file order; default all of them
  normalize: Normalization;
}

/** The names the errors use for the two arrays (file paths on the command line). */
export interface ImageNames {
  images: string;
  labels: string;
}

const PIXEL_MAX = 255; // uint8 images are pixel bytes; other types are taken as they are

/**
 * The kept samples as rows (each image flattened in stored order), grouped by class: the rows of new class 0
 * first, then class 1, ..., each class in file order. With perClass the classes are balanced and contiguous,
 * as in the synthetic datasets.
 */
export function imageDataset(images: IdxArray, labels: IdxArray, selection: ImageSelection, names: ImageNames): Dataset {
  const [samples, ...imageShape] = images.shape;
  if (imageShape.length === 0) throw new Error(`${names.images}: images must have shape (N, ...), one image per row, got shape (${images.shape})`);
  if (labels.shape.length !== 1) throw new Error(`${names.labels}: labels must be a 1-d array of N class indices, got shape (${labels.shape})`);
  if (labels.shape[0] !== samples) {
    throw new Error(`${names.labels}: ${labels.shape[0]} labels for ${samples} images in ${names.images}; there must be one label per image`);
  }
  const badLabel = labels.data.findIndex((label) => !Number.isInteger(label) || label < 0);
  if (badLabel >= 0) throw new Error(`${names.labels}: label ${labels.data[badLabel]} at index ${badLabel}; labels must be non-negative integers`);

  const { rows, classes } = selectRows(labels.data, selection, names.labels);
  const features = imageShape.reduce((product, dim) => product * dim, 1);
  const scale = images.dtype === 'uint8' ? 1 / PIXEL_MAX : 1;
  const inputs = zeros(rows.length, features);
  rows.forEach(({ index }, row) => {
    for (let j = 0; j < features; j++) inputs.data[row * features + j] = images.data[index * features + j] * scale;
  });
  const bad = inputs.data.findIndex((value) => !Number.isFinite(value));
  if (bad >= 0) {
    const value = inputs.data[bad];
    throw new Error(`${names.images}: ${value} in image ${rows[Math.floor(bad / features)].index}, pixel ${bad % features}; pixels must be finite`);
  }
  if (selection.normalize === 'standardize') standardizeFeatures(inputs);
  return { inputs, labels: Int32Array.from(rows, ({ label }) => label), classes };
}

/** A kept sample: its index in the file and its new label. */
interface Row {
  index: number;
  label: number;
}

/** The kept samples in output order, and how many classes they have. */
function selectRows(labels: IdxArray['data'], selection: ImageSelection, source: string): { rows: Row[]; classes: number } {
  const present = [...new Set(labels)].sort((a, b) => a - b);
  const classes = selection.classes ?? present;
  if (classes.length < 2) throw new Error(`${source}: ${classes.length} class(es) [${classes}] selected; the metrics need at least 2 classes`);
  const repeated = classes.find((label, i) => classes.indexOf(label) !== i);
  if (repeated !== undefined) throw new Error(`${source}: class ${repeated} is selected twice in [${classes}]`);
  const { perClass } = selection;
  if (perClass !== undefined && (!Number.isInteger(perClass) || perClass < 1)) {
    throw new Error(`${source}: samples per class must be a positive integer, got ${perClass}`);
  }

  const limit = perClass ?? Infinity;
  const rows = classes.flatMap((original, label): Row[] => {
    const indices: number[] = [];
    for (let i = 0; i < labels.length && indices.length < limit; i++) {
      if (labels[i] === original) indices.push(i);
    }
    if (indices.length === 0) throw new Error(`${source}: class ${original} has no samples (the labels present are [${present}])`);
    if (perClass !== undefined && indices.length < perClass) {
      throw new Error(`${source}: class ${original} has only ${indices.length} samples, fewer than the ${perClass} per class asked for`);
    }
    return indices.map((index) => ({ index, label }));
  });
  return { rows, classes: classes.length };
}

/**
 * Each column minus its mean, divided by its standard deviation (the population one, over N), in place.
 * A column with a single value (a pixel that is always black) becomes 0 rather than 0 / 0. Row by row, since
 * the data are row-major.
 */
function standardizeFeatures(matrix: Matrix): void {
  const { rows, cols, data } = matrix;
  const mean = new Float64Array(cols);
  // 1 where a column holds two different values: decided exactly, as a rounded mean leaves a tiny spread that
  // dividing by it would blow up to +-1.
  const varies = new Uint8Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      mean[j] += data[i * cols + j] / rows;
      if (data[i * cols + j] !== data[j]) varies[j] = 1;
    }
  }
  const variance = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) variance[j] += (data[i * cols + j] - mean[j]) ** 2 / rows;
  }
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) data[i * cols + j] = varies[j] ? (data[i * cols + j] - mean[j]) / Math.sqrt(variance[j]) : 0;
  }
}

// A user's dataset from two arrays (features N x d, labels N), e.g. parsed .npy files, checked so that a bad file
// fails here with its name instead of as NaN losses later. Browser-safe: no file access.
import type { NpyArray } from '../io/npy';
import type { Dataset } from './synthetic';

/** The names the errors use for the two arrays (file paths in the command line). */
export interface ArrayNames {
  features: string;
  labels: string;
}

/** Checks and converts; K is one more than the largest label, and every class 0..K-1 must occur. */
export function datasetFromArrays(features: NpyArray, labels: NpyArray, names: ArrayNames): Dataset {
  if (features.dtype !== 'float32' && features.dtype !== 'float64') {
    throw new Error(`${names.features}: features must be float32 or float64, got ${features.dtype}`);
  }
  if (features.shape.length !== 2) {
    throw new Error(`${names.features}: features must be a 2-d array (N samples x d features), got shape (${features.shape})`);
  }
  const [samples, dim] = features.shape;
  if (samples === 0 || dim === 0) throw new Error(`${names.features}: features are empty, shape (${features.shape})`);
  const bad = features.data.findIndex((value) => !Number.isFinite(value));
  if (bad >= 0) {
    const value = features.data[bad];
    throw new Error(`${names.features}: ${value} at row ${Math.floor(bad / dim)}, column ${bad % dim}; features must be finite`);
  }

  if (labels.dtype !== 'int32' && labels.dtype !== 'int64') {
    throw new Error(`${names.labels}: labels must be integers (int32 or int64), got ${labels.dtype}`);
  }
  if (labels.shape.length !== 1) throw new Error(`${names.labels}: labels must be a 1-d array of N class indices, got shape (${labels.shape})`);
  if (labels.shape[0] !== samples) {
    throw new Error(`${names.labels}: ${labels.shape[0]} labels for ${samples} samples in ${names.features}; there must be one label per row`);
  }
  const values = Array.from(labels.data);
  const negative = values.findIndex((label) => label < 0);
  if (negative >= 0) throw new Error(`${names.labels}: label ${values[negative]} at index ${negative}; labels must be 0..K-1`);
  const classes = values.reduce((largest, label) => Math.max(largest, label), 0) + 1;
  const present = new Set(values);
  for (let k = 0; k < classes; k++) {
    if (!present.has(k)) throw new Error(`${names.labels}: class ${k} has no samples, but labels go up to ${classes - 1}; labels must cover 0..K-1`);
  }
  if (classes < 2) throw new Error(`${names.labels}: every label is 0; the metrics need at least 2 classes`);

  return {
    inputs: { rows: samples, cols: dim, data: Float64Array.from(features.data) },
    labels: Int32Array.from(values),
    classes,
  };
}

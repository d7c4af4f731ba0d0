// A train/test split that keeps every class in both parts: for the linear probes, which train on one part's
// features and measure accuracy on the other's.
import type { Dataset } from './synthetic';

export interface Split {
  train: Dataset;
  test: Dataset;
}

/** Within each class, every round(1 / testFraction)-th sample (in order) goes to the test part. */
export function splitDataset(dataset: Dataset, testFraction: number): Split {
  if (!(testFraction > 0 && testFraction < 1)) throw new Error(`testFraction must be in (0, 1), got ${testFraction}`);
  const period = Math.max(2, Math.round(1 / testFraction));
  const seen = new Array<number>(dataset.classes).fill(0);
  const toTest = Array.from(dataset.labels, (label) => seen[label]++ % period === period - 1);
  const part = (test: boolean): Dataset => {
    const rows = toTest.flatMap((isTest, i) => (isTest === test ? [i] : []));
    const { cols } = dataset.inputs;
    const data = new Float64Array(rows.length * cols);
    rows.forEach((row, i) => data.set(dataset.inputs.data.subarray(row * cols, (row + 1) * cols), i * cols));
    return { inputs: { rows: rows.length, cols, data }, labels: Int32Array.from(rows, (row) => dataset.labels[row]), classes: dataset.classes };
  };
  const split = { train: part(false), test: part(true) };
  const thin = seen.findIndex((count) => count < period);
  if (thin >= 0) throw new Error(`class ${thin} has ${seen[thin]} samples: too few to leave one in each part of a 1/${period} split`);
  return split;
}

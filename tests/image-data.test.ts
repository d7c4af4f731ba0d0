// The image loaders: the IDX and CIFAR-10 readers on small files written here byte by byte (gzipped too), every
// rejected input with its message, the class selection and normalisation against values computed here, and the
// MNIST digits of the mnist package against the package's own API.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCifarBatch } from '../engine/data/cifar';
import { readIdx, type IdxArray } from '../engine/data/idx';
import { loadMnist, readCifarDir, readIdxFile } from '../engine/data/image-files';
import { imageDataset, type ImageSelection } from '../engine/data/images';
import type { Dataset } from '../engine/data/synthetic';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'image-data-test-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true });
});

/** An IDX file: two zero bytes, the type byte, the rank, big-endian uint32 dimensions, then the data bytes. */
function idxBytes(type: number, shape: number[], data: number[]): Uint8Array {
  const dims = shape.flatMap((dim) => [dim >>> 24, (dim >>> 16) & 0xff, (dim >>> 8) & 0xff, dim & 0xff]);
  return new Uint8Array([0, 0, type, shape.length, ...dims, ...data]);
}

const uint8Matrix = idxBytes(0x08, [2, 3], [1, 2, 3, 4, 5, 255]);

describe('IDX reader', () => {
  it('reads unsigned bytes', () => {
    expect(uint8Matrix.subarray(0, 12)).toEqual(new Uint8Array([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3]));
    expect(readIdx(uint8Matrix)).toEqual({ dtype: 'uint8', shape: [2, 3], data: new Uint8Array([1, 2, 3, 4, 5, 255]) });
  });

  it('reads every other type big-endian', () => {
    expect(readIdx(idxBytes(0x09, [2], [0xff, 0x01])).data).toEqual(new Int8Array([-1, 1]));
    expect(readIdx(idxBytes(0x0b, [2], [0xff, 0xfe, 0x01, 0x00])).data).toEqual(new Int16Array([-2, 256]));
    expect(readIdx(idxBytes(0x0c, [1], [0xff, 0xff, 0xff, 0xfd])).data).toEqual(new Int32Array([-3]));
    expect(readIdx(idxBytes(0x0d, [1], [0x3f, 0xc0, 0x00, 0x00])).data).toEqual(new Float32Array([1.5]));
    expect(readIdx(idxBytes(0x0e, [1, 1], [0xc0, 0x04, 0, 0, 0, 0, 0, 0]))).toEqual({ dtype: 'float64', shape: [1, 1], data: new Float64Array([-2.5]) });
  });

  it('reads from a view that does not start at its buffer offset 0', () => {
    const shifted = new Uint8Array(uint8Matrix.length + 3);
    shifted.set(uint8Matrix, 3);
    expect(readIdx(shifted.subarray(3)).data).toEqual(new Uint8Array([1, 2, 3, 4, 5, 255]));
  });

  it('reads files, gzipped or not, with the path in errors', async () => {
    const plain = join(directory, 'images-idx3-ubyte');
    const gzipped = join(directory, 'images-idx3-ubyte.gz');
    const corrupt = join(directory, 'corrupt.gz');
    await writeFile(plain, uint8Matrix);
    await writeFile(gzipped, gzipSync(uint8Matrix));
    await writeFile(corrupt, new Uint8Array([0x1f, 0x8b, 1, 2, 3]));
    expect(await readIdxFile(plain)).toEqual(readIdx(uint8Matrix));
    expect(await readIdxFile(gzipped)).toEqual(readIdx(uint8Matrix));
    await expect(readIdxFile(corrupt)).rejects.toThrow(/corrupt\.gz: starts like gzip \(1f 8b\) but does not inflate/);
    await expect(readIdxFile(join(directory, 'missing'))).rejects.toThrow(/missing: cannot read the file/);
  });

  it('rejects what is not an IDX file, naming the source', () => {
    const reject = (bytes: Uint8Array) => () => readIdx(bytes, 'train-images');
    expect(reject(gzipSync(uint8Matrix))).toThrow(/^train-images: gzip-compressed \(it starts with 1f 8b\); inflate it first/);
    expect(reject(new Uint8Array([0, 0, 8]))).toThrow('train-images: only 3 bytes, too short for an IDX header (at least 4)');
    expect(reject(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0]))).toThrow(
      'train-images: not an IDX file: it starts with bytes [0x89,0x50,0x4e,0x47] instead of two zero bytes',
    );
    expect(reject(idxBytes(0x0a, [1], [0]))).toThrow(
      'train-images: unsupported IDX element type 0x0a (supported: 0x08 uint8, 0x09 int8, 0x0b int16, 0x0c int32, 0x0d float32, 0x0e float64)',
    );
    expect(reject(idxBytes(0x08, [], []))).toThrow('train-images: rank 0: an IDX array needs at least one dimension');
    expect(reject(uint8Matrix.subarray(0, 10))).toThrow('train-images: truncated header: rank 2 needs 8 bytes of dimensions, but only 6 follow');
    expect(reject(uint8Matrix.subarray(0, 17))).toThrow('train-images: truncated: shape (2, 3) of uint8 needs 6 data bytes, but only 5 follow the header');
    expect(reject(idxBytes(0x0b, [1], [0, 1, 2]))).toThrow('train-images: 1 extra bytes after the 2 data bytes of shape (1) of int16');
  });
});

/** A CIFAR-10 record: the label byte, then 3072 pixel bytes, pixel i being (i + shift) mod 256. */
function cifarRecord(label: number, shift: number): number[] {
  return [label, ...Array.from({ length: 3072 }, (_, i) => (i + shift) % 256)];
}

describe('CIFAR-10 reader', () => {
  const twoRecords = new Uint8Array([...cifarRecord(3, 0), ...cifarRecord(9, 7)]);

  it('splits records into labels and channel-major images', () => {
    const batch = readCifarBatch(twoRecords);
    expect(batch.labels).toEqual({ dtype: 'uint8', shape: [2], data: new Uint8Array([3, 9]) });
    expect(batch.images.shape).toEqual([2, 3, 32, 32]);
    expect(batch.images.data).toEqual(new Uint8Array([...cifarRecord(3, 0).slice(1), ...cifarRecord(9, 7).slice(1)]));
  });

  it('reads the batches of a folder in order, training batches before the test batch', async () => {
    const folder = join(directory, 'cifar-10-batches-bin');
    await mkdir(folder);
    await writeFile(join(folder, 'test_batch.bin'), new Uint8Array(cifarRecord(0, 1)));
    await writeFile(join(folder, 'data_batch_2.bin'), twoRecords);
    await writeFile(join(folder, 'batches.meta.txt'), 'airplane\n');
    const all = await readCifarDir(folder);
    expect(all.labels.data).toEqual(new Uint8Array([3, 9, 0]));
    expect(all.images.shape).toEqual([3, 3, 32, 32]);
    expect(all.images.data.subarray(2 * 3072)).toEqual(new Uint8Array(cifarRecord(0, 1).slice(1)));

    await writeFile(join(folder, 'data_batch_1.bin'), new Uint8Array(3073 + 1));
    await expect(readCifarDir(folder)).rejects.toThrow(/data_batch_1\.bin: 3074 bytes is not a whole number of 3073-byte records/);
    await expect(readCifarDir(directory)).rejects.toThrow(/no CIFAR-10 binary batches in this folder \(looked for data_batch_1\.bin, .*test_batch\.bin\)/);
    await expect(readCifarDir(join(directory, 'nowhere'))).rejects.toThrow(/nowhere: cannot read the folder/);
  });

  it('rejects what is not a CIFAR-10 batch, naming the source', () => {
    const reject = (bytes: Uint8Array) => () => readCifarBatch(bytes, 'test_batch.bin');
    expect(reject(new Uint8Array(0))).toThrow('test_batch.bin: empty; a CIFAR-10 binary batch is a run of 3073-byte records');
    expect(reject(twoRecords.subarray(1))).toThrow(
      'test_batch.bin: 6145 bytes is not a whole number of 3073-byte records (1 label byte + 3072 pixel bytes); not a CIFAR-10 binary batch',
    );
    expect(reject(new Uint8Array([...cifarRecord(1, 0), ...cifarRecord(10, 0)]))).toThrow(
      'test_batch.bin: record 1 (byte 3073) has label 10, but CIFAR-10 labels are 0..9',
    );
  });
});

describe('imageDataset', () => {
  // Six 2 x 2 images; pixel 3 is always 255, so it is constant.
  const pixels = [
    [0, 10, 20, 255],
    [1, 11, 21, 255],
    [2, 12, 22, 255],
    [3, 13, 23, 255],
    [4, 14, 24, 255],
    [5, 15, 26, 255],
  ];
  const images: IdxArray = { dtype: 'uint8', shape: [6, 2, 2], data: new Uint8Array(pixels.flat()) };
  const labels: IdxArray = { dtype: 'uint8', shape: [6], data: new Uint8Array([3, 1, 3, 0, 1, 3]) };
  const names = { images: 'images.idx', labels: 'labels.idx' };
  const build = (selection: ImageSelection, imageArray: IdxArray = images, labelArray: IdxArray = labels) =>
    imageDataset(imageArray, labelArray, selection, names);

  it('keeps the chosen classes in the given order, relabelled, the first perClass of each, bytes scaled to [0, 1]', () => {
    const dataset = build({ classes: [3, 1], perClass: 2, normalize: 'none' });
    expect(dataset.classes).toBe(2);
    expect(dataset.labels).toEqual(new Int32Array([0, 0, 1, 1]));
    expect(dataset.inputs).toEqual({ rows: 4, cols: 4, data: new Float64Array([0, 2, 1, 4].flatMap((image) => pixels[image].map((value) => value / 255))) });
  });

  it('keeps every class, ascending, and every sample by default; other types unscaled', () => {
    const dataset = build({ normalize: 'none' });
    expect(dataset.classes).toBe(3);
    expect(dataset.labels).toEqual(new Int32Array([0, 1, 1, 2, 2, 2]));
    expect(Array.from({ length: 6 }, (_, row) => dataset.inputs.data[row * 4] * 255)).toEqual([3, 1, 4, 0, 2, 5].map((value) => expect.closeTo(value, 12)));
    const floats: IdxArray = { dtype: 'float32', shape: [6, 4], data: new Float32Array(pixels.flat()) };
    expect(build({ classes: [0, 1], normalize: 'none' }, floats).inputs.data).toEqual(new Float64Array([...pixels[3], ...pixels[1], ...pixels[4]]));
  });

  it('standardizes every feature to zero mean and unit variance, constant features to 0', () => {
    const kept = [0, 2, 5, 1, 4]; // classes 3 then 1
    const dataset = build({ classes: [3, 1], normalize: 'standardize' });
    for (let j = 0; j < 4; j++) {
      const column = kept.map((image) => pixels[image][j] / 255);
      const mean = column.reduce((sum, value) => sum + value, 0) / column.length;
      const std = Math.sqrt(column.reduce((sum, value) => sum + (value - mean) ** 2, 0) / column.length);
      column.forEach((value, row) => {
        expect(dataset.inputs.data[row * 4 + j]).toBeCloseTo(std === 0 ? 0 : (value - mean) / std, 12);
      });
    }
    expect(Array.from({ length: 5 }, (_, row) => dataset.inputs.data[row * 4 + 3])).toEqual([0, 0, 0, 0, 0]);
  });

  it('rejects bad shapes, labels and selections, naming the array', () => {
    const flat: IdxArray = { dtype: 'uint8', shape: [24], data: images.data };
    const floatLabels: IdxArray = { dtype: 'float32', shape: [6], data: new Float32Array([3, 1, 3, 0.5, 1, 3]) };
    const nan: IdxArray = { dtype: 'float32', shape: [6, 4], data: new Float32Array(pixels.flat()).fill(NaN, 5, 6) };
    const none: ImageSelection = { normalize: 'none' };
    expect(() => build(none, flat)).toThrow('images.idx: images must have shape (N, ...), one image per row, got shape (24)');
    expect(() => build(none, images, { ...labels, shape: [3, 2] })).toThrow('labels.idx: labels must be a 1-d array of N class indices, got shape (3,2)');
    expect(() => build(none, images, { dtype: 'uint8', shape: [5], data: labels.data.subarray(0, 5) })).toThrow(
      'labels.idx: 5 labels for 6 images in images.idx; there must be one label per image',
    );
    expect(() => build(none, images, floatLabels)).toThrow('labels.idx: label 0.5 at index 3; labels must be non-negative integers');
    expect(() => build(none, nan)).toThrow('images.idx: NaN in image 1, pixel 1; pixels must be finite');
    expect(() => build({ classes: [3], normalize: 'none' })).toThrow('labels.idx: 1 class(es) [3] selected; the metrics need at least 2 classes');
    expect(() => build({ classes: [3, 1, 3], normalize: 'none' })).toThrow('labels.idx: class 3 is selected twice in [3,1,3]');
    expect(() => build({ classes: [3, 7], normalize: 'none' })).toThrow('labels.idx: class 7 has no samples (the labels present are [0,1,3])');
    expect(() => build({ classes: [3, 1], perClass: 3, normalize: 'none' })).toThrow(
      'labels.idx: class 1 has only 2 samples, fewer than the 3 per class asked for',
    );
    expect(() => build({ perClass: 0, normalize: 'none' })).toThrow('labels.idx: samples per class must be a positive integer, got 0');
  });
});

describe('MNIST from the mnist package', () => {
  const classes = [0, 1, 2, 3];
  const perClass = 100;
  let raw: Dataset;
  let standardized: Dataset;
  beforeAll(async () => {
    [raw, standardized] = await Promise.all([loadMnist({ classes, perClass, normalize: 'none' }), loadMnist({ classes, perClass, normalize: 'standardize' })]);
  });

  it('loads the first 100 digits of each of 4 classes, balanced, pixels in [0, 1] and exactly bytes / 255', () => {
    expect(raw.classes).toBe(4);
    expect([raw.inputs.rows, raw.inputs.cols]).toEqual([400, 784]);
    expect(raw.labels).toEqual(Int32Array.from({ length: 400 }, (_, i) => Math.floor(i / perClass)));
    expect(raw.inputs.data.reduce((least, value) => Math.min(least, value))).toBe(0);
    expect(raw.inputs.data.reduce((most, value) => Math.max(most, value))).toBe(1);
    expect(raw.inputs.data.every((value) => Math.abs(value * 255 - Math.round(value * 255)) < 1e-9)).toBe(true);

    // The package's own accessor mnist[digit].get(i) gives the same digits, rounded to 3 decimals.
    const mnist = createRequire(import.meta.url)('mnist') as { get(index: number): number[] }[];
    for (const [row, digit, index] of [
      [0, 0, 0],
      [150, 1, 50],
      [399, 3, 99],
    ]) {
      const actual = raw.inputs.data.subarray(row * 784, (row + 1) * 784);
      const difference = mnist[digit].get(index).reduce((largest, value, j) => Math.max(largest, Math.abs(value - actual[j])), 0);
      expect(difference).toBeLessThanOrEqual(0.0005 + 1e-12);
    }
  });

  it('standardizes every varying pixel to mean 0 and std 1, and the constant ones to 0', () => {
    let varying = 0;
    let largestMean = 0;
    let largestVarianceError = 0;
    let constantNonzero = 0;
    for (let j = 0; j < 784; j++) {
      const column = (dataset: Dataset) => Array.from({ length: 400 }, (_, i) => dataset.inputs.data[i * 784 + j]);
      const values = column(standardized);
      if (new Set(column(raw)).size === 1) {
        constantNonzero += values.filter((value) => value !== 0).length;
        continue;
      }
      varying++;
      const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
      const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length;
      largestMean = Math.max(largestMean, Math.abs(mean));
      largestVarianceError = Math.max(largestVarianceError, Math.abs(variance - 1));
    }
    expect(varying).toBeGreaterThan(400); // most of the 28 x 28 pixels vary; some border ones are always 0
    expect(constantNonzero).toBe(0);
    expect(largestMean).toBeLessThan(1e-12);
    expect(largestVarianceError).toBeLessThan(1e-12);
  });

  it('relabels the chosen digits in order and rejects impossible selections', async () => {
    const dataset = await loadMnist({ classes: [7, 2], perClass: 3, normalize: 'none' });
    expect(dataset.labels).toEqual(new Int32Array([0, 0, 0, 1, 1, 1]));
    expect(dataset.inputs.data.subarray(3 * 784, 4 * 784)).toEqual(raw.inputs.data.subarray(200 * 784, 201 * 784)); // the first 2 both times
    await expect(loadMnist({ classes: [1, 10], normalize: 'none' })).rejects.toThrow('mnist package: class 10 is not a digit 0..9');
    await expect(loadMnist({ classes: [0, 5], perClass: 1000, normalize: 'none' })).rejects.toThrow(
      'mnist package: class 5 has only 863 samples, fewer than the 1000 per class asked for',
    );
  });
});

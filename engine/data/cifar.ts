// CIFAR-10's binary batches (https://www.cs.toronto.edu/~kriz/cifar.html, "Binary version"), over bytes.
// A batch is a run of 3073-byte records: one label byte 0..9, then a 32 x 32 colour image as 1024 red, 1024 green
// and 1024 blue bytes, each channel row-major. No header, so a wrong file shows only in its length and labels.
// Browser-safe; image-files.ts reads the batches of a folder.
import type { IdxArray } from './idx';

const CIFAR_CLASSES = 10;
const CHANNELS = 3;
const SIDE = 32;
const PIXEL_BYTES = CHANNELS * SIDE * SIDE; // 3072
const RECORD_BYTES = 1 + PIXEL_BYTES; // 3073

/** The images and labels of one or more batches, in the arrays the IDX reader returns. */
export interface CifarBatch {
  images: IdxArray & { dtype: 'uint8' }; // (N, 3, 32, 32), channel-major as stored
  labels: IdxArray & { dtype: 'uint8' }; // (N), 0..9
}

/** Parse a CIFAR-10 binary batch; `source` (e.g. a file name) prefixes every error message. */
export function readCifarBatch(bytes: Uint8Array, source = 'CIFAR-10 batch'): CifarBatch {
  const fail = (message: string): never => {
    throw new Error(`${source}: ${message}`);
  };
  if (bytes.length === 0) fail(`empty; a CIFAR-10 binary batch is a run of ${RECORD_BYTES}-byte records`);
  if (bytes.length % RECORD_BYTES !== 0) {
    fail(
      `${bytes.length} bytes is not a whole number of ${RECORD_BYTES}-byte records (1 label byte + ${PIXEL_BYTES} pixel bytes); ` +
        'not a CIFAR-10 binary batch',
    );
  }
  const count = bytes.length / RECORD_BYTES;
  const labels = new Uint8Array(count);
  const images = new Uint8Array(count * PIXEL_BYTES);
  for (let record = 0; record < count; record++) {
    const start = record * RECORD_BYTES;
    labels[record] = bytes[start];
    if (labels[record] >= CIFAR_CLASSES) {
      fail(`record ${record} (byte ${start}) has label ${labels[record]}, but CIFAR-10 labels are 0..${CIFAR_CLASSES - 1}; not a CIFAR-10 binary batch`);
    }
    images.set(bytes.subarray(start + 1, start + RECORD_BYTES), record * PIXEL_BYTES);
  }
  return {
    images: { dtype: 'uint8', shape: [count, CHANNELS, SIDE, SIDE], data: images },
    labels: { dtype: 'uint8', shape: [count], data: labels },
  };
}

// The IDX format of MNIST and FashionMNIST (http://yann.lecun.com/exdb/mnist/, "FILE FORMATS"), over bytes.
// A file is: two zero bytes, a type byte, a rank byte, `rank` big-endian uint32 dimensions, then the data in
// row-major order, big-endian. The distributed files are gzipped; this reader takes the inflated bytes (the
// Node reader in image-files.ts inflates them), so it runs in the browser too.

/** The element types an IDX file can declare. */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** A parsed array: shape and data in row-major order. CIFAR-10 batches parse to the same form (uint8). */
export type IdxArray =
  | { dtype: 'uint8'; shape: number[]; data: Uint8Array }
  | { dtype: 'int8'; shape: number[]; data: Int8Array }
  | { dtype: 'int16'; shape: number[]; data: Int16Array }
  | { dtype: 'int32'; shape: number[]; data: Int32Array }
  | { dtype: 'float32'; shape: number[]; data: Float32Array }
  | { dtype: 'float64'; shape: number[]; data: Float64Array };

/** The type byte of each element type, and its size in bytes. */
const TYPES: Record<number, { dtype: IdxDtype; size: number }> = {
  0x08: { dtype: 'uint8', size: 1 },
  0x09: { dtype: 'int8', size: 1 },
  0x0b: { dtype: 'int16', size: 2 },
  0x0c: { dtype: 'int32', size: 4 },
  0x0d: { dtype: 'float32', size: 4 },
  0x0e: { dtype: 'float64', size: 8 },
};
const SUPPORTED = Object.entries(TYPES)
  .map(([byte, type]) => `${hex(Number(byte))} ${type.dtype}`)
  .join(', ');
const HEADER_SIZE = 4; // the two zero bytes, the type byte, the rank byte

/** Parse IDX bytes (already inflated); `source` (e.g. a file name) prefixes every error message. */
export function readIdx(bytes: Uint8Array, source = 'IDX data'): IdxArray {
  const fail = (message: string): never => {
    throw new Error(`${source}: ${message}`);
  };
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    fail('gzip-compressed (it starts with 1f 8b); inflate it first (gunzip the file, or read it with readIdxFile)');
  }
  if (bytes.length < HEADER_SIZE) fail(`only ${bytes.length} bytes, too short for an IDX header (at least ${HEADER_SIZE})`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    fail(`not an IDX file: it starts with bytes [${Array.from(bytes.subarray(0, 4), hex)}] instead of two zero bytes`);
  }
  const type = TYPES[bytes[2]] ?? fail(`unsupported IDX element type ${hex(bytes[2])} (supported: ${SUPPORTED})`);
  const rank = bytes[3];
  if (rank === 0) fail('rank 0: an IDX array needs at least one dimension');
  const dataStart = HEADER_SIZE + 4 * rank;
  if (bytes.length < dataStart) {
    fail(`truncated header: rank ${rank} needs ${4 * rank} bytes of dimensions, but only ${bytes.length - HEADER_SIZE} follow`);
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: rank }, (_, axis) => view.getUint32(HEADER_SIZE + 4 * axis, false));
  const count = shape.reduce((product, dim) => product * dim, 1);
  const expectedBytes = count * type.size;
  const actualBytes = bytes.length - dataStart;
  if (actualBytes < expectedBytes) {
    fail(`truncated: shape (${shape.join(', ')}) of ${type.dtype} needs ${expectedBytes} data bytes, but only ${actualBytes} follow the header`);
  }
  if (actualBytes > expectedBytes) {
    fail(`${actualBytes - expectedBytes} extra bytes after the ${expectedBytes} data bytes of shape (${shape.join(', ')}) of ${type.dtype}`);
  }
  return decodeData(bytes, dataStart, type.dtype, shape, count);
}

/** The `count` big-endian elements from byte `start` into a typed array of their own. */
function decodeData(bytes: Uint8Array, start: number, dtype: IdxDtype, shape: number[], count: number): IdxArray {
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, bytes.byteLength - start);
  switch (dtype) {
    case 'uint8':
      // A copy made by the constructor: Node's Buffer.slice would return a view of the whole file instead.
      return { dtype, shape, data: new Uint8Array(bytes.subarray(start, start + count)) };
    case 'int8':
      return { dtype, shape, data: Int8Array.from({ length: count }, (_, i) => view.getInt8(i)) };
    case 'int16':
      return { dtype, shape, data: Int16Array.from({ length: count }, (_, i) => view.getInt16(2 * i, false)) };
    case 'int32':
      return { dtype, shape, data: Int32Array.from({ length: count }, (_, i) => view.getInt32(4 * i, false)) };
    case 'float32':
      return { dtype, shape, data: Float32Array.from({ length: count }, (_, i) => view.getFloat32(4 * i, false)) };
    case 'float64':
      return { dtype, shape, data: Float64Array.from({ length: count }, (_, i) => view.getFloat64(8 * i, false)) };
    default:
      return dtype satisfies never;
  }
}

/** A byte as 0x.. with two hex digits, as the IDX spec writes type codes. */
function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

// NumPy's .npy format over bytes, for moving arrays between this engine and Python
// (spec: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html).
// A file is: the magic "\x93NUMPY", a version byte pair, the header length (2 bytes little-endian in 1.0,
// 4 bytes in 2.0 and 3.0), a header that is a Python dict literal
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// padded with spaces and a final '\n' so that the data start on a 64-byte boundary, then the raw data.
// Supported: versions 1.0 / 2.0 / 3.0, little-endian float32, float64, int32, int64, C or Fortran order, any rank.
// Reading puts Fortran-order data (np.save of a transpose, W.T) into C order; writing is always C order.
// No file access here (see npy-file.ts), so this runs in the browser too.

/** The element types read and written. */
export type NpyDtype = 'float32' | 'float64' | 'int32' | 'int64';

/**
 * A parsed array: shape and data in C (row-major) order. int64 values come back as numbers in a Float64Array
 * (JavaScript numbers are exact up to 2^53; larger values are an error rather than a silent rounding).
 */
export type NpyArray =
  | { dtype: 'float32'; shape: number[]; data: Float32Array }
  | { dtype: 'float64'; shape: number[]; data: Float64Array }
  | { dtype: 'int32'; shape: number[]; data: Int32Array }
  | { dtype: 'int64'; shape: number[]; data: Float64Array };

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const ALIGNMENT = 64; // NumPy pads the header so the data start at a multiple of this
const GROWTH_AXIS_MAX_DIGITS = 21; // NumPy leaves room for the first axis to grow to this many digits

const DESCRIPTORS: Record<NpyDtype, string> = { float32: '<f4', float64: '<f8', int32: '<i4', int64: '<i8' };
const ITEM_SIZES: Record<NpyDtype, number> = { float32: 4, float64: 8, int32: 4, int64: 8 };
const LARGEST_SAFE = BigInt(Number.MAX_SAFE_INTEGER); // int64 values beyond +-(2^53 - 1) would round
const SUPPORTED = "'<f4' (float32), '<f8' (float64), '<i4' (int32), '<i8' (int64)";

/** Parse .npy bytes; `source` (e.g. a file name) prefixes every error message. */
export function readNpy(bytes: Uint8Array, source = '.npy data'): NpyArray {
  const fail = (message: string): never => {
    throw new Error(`${source}: ${message}`);
  };
  if (bytes.length < 10) fail(`only ${bytes.length} bytes, too short for a .npy header (at least 10)`);
  if (!MAGIC.every((byte, i) => bytes[i] === byte)) {
    fail(`not a .npy file: it starts with bytes [${Array.from(bytes.subarray(0, 6))}] instead of the magic "\\x93NUMPY"`);
  }
  const major = bytes[6];
  const minor = bytes[7];
  if (![1, 2, 3].includes(major) || minor !== 0) fail(`unsupported .npy version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthFieldSize = major === 1 ? 2 : 4;
  const headerStart = 8 + lengthFieldSize;
  if (bytes.length < headerStart) fail(`truncated: ${bytes.length} bytes end inside the header length field`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = headerStart + headerLength;
  if (bytes.length < dataStart) fail(`truncated header: it declares ${headerLength} bytes, but only ${bytes.length - headerStart} follow`);

  const headerBytes = bytes.subarray(headerStart, dataStart);
  // Versions 1.0 and 2.0 store the header in latin-1, 3.0 in UTF-8.
  const header = parseHeader(major === 3 ? new TextDecoder('utf-8').decode(headerBytes) : latin1(headerBytes), fail);

  const dtype = dtypeOf(header.descr, fail);
  const count = header.shape.reduce((product, dim) => product * dim, 1);
  const expectedBytes = count * ITEM_SIZES[dtype];
  const actualBytes = bytes.length - dataStart;
  if (actualBytes !== expectedBytes) {
    const problem = actualBytes < expectedBytes ? 'data too short' : 'data too long';
    fail(`${problem}: ${actualBytes} bytes after the header, but shape (${header.shape.join(', ')}) of ${dtype} needs ${expectedBytes}`);
  }
  // With at most one axis, Fortran and C order are the same bytes (NumPy itself writes such arrays either way).
  const positions = header.fortranOrder && header.shape.length > 1 ? fortranPositions(header.shape, count) : undefined;
  const position = positions ? (i: number) => positions[i] : (i: number) => i;
  return decodeData(view, dataStart, dtype, header.shape, count, position, fail);
}

/**
 * For each element in C order, its index in Fortran-order data of the same shape. Fortran order is C order with
 * the axes reversed: axis 0 varies fastest, so its stride is 1 and axis k's is the product of the axes before it.
 */
function fortranPositions(shape: number[], count: number): Float64Array {
  const strides = shape.map((_, axis) => shape.slice(0, axis).reduce((product, dim) => product * dim, 1));
  const positions = new Float64Array(count);
  const index = new Array<number>(shape.length).fill(0); // the C-order element's index along each axis
  let position = 0;
  for (let i = 0; i < count; i++) {
    positions[i] = position;
    // Step the last axis, carrying into earlier axes like an odometer.
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      index[axis]++;
      position += strides[axis];
      if (index[axis] < shape[axis]) break;
      position -= strides[axis] * shape[axis];
      index[axis] = 0;
    }
  }
  return positions;
}

/** Latin-1 bytes as text: each byte is the code point (TextDecoder's 'latin1' is really windows-1252). */
function latin1(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return text;
}

/** The three keys of a .npy header. */
interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

/**
 * Parse the header's Python dict literal: string keys, and values that are strings, True/False or tuples of
 * integers (Python 2's 3L suffix accepted). Anything else, a missing or an extra key, is an error.
 */
function parseHeader(text: string, fail: (message: string) => never): NpyHeader {
  const malformed = (why: string): never => fail(`malformed header (${why}): ${JSON.stringify(text.trimEnd())}`);
  let position = 0;
  const peek = (): string | undefined => {
    while (position < text.length && /\s/.test(text[position])) position++;
    return text[position];
  };
  const expect = (char: string): void => {
    if (peek() !== char) malformed(`expected '${char}' at position ${position}`);
    position++;
  };
  const parseString = (): string => {
    const quote = peek();
    if (quote !== "'" && quote !== '"') return malformed(`expected a quoted string at position ${position}`);
    const end = text.indexOf(quote, position + 1);
    if (end < 0) return malformed(`unterminated string at position ${position}`);
    const value = text.slice(position + 1, end);
    position = end + 1;
    return value;
  };
  const parseTuple = (): number[] => {
    expect('(');
    const items: number[] = [];
    while (peek() !== ')') {
      const digits = /^(\d+)L?/.exec(text.slice(position));
      if (!digits) return malformed(`expected a non-negative integer or ')' at position ${position}`);
      items.push(Number(digits[1]));
      position += digits[0].length;
      if (peek() === ',') position++;
      else if (peek() !== ')') return malformed(`expected ',' or ')' at position ${position}`);
    }
    position++;
    return items;
  };
  const parseValue = (): string | boolean | number[] => {
    const next = peek();
    if (next === "'" || next === '"') return parseString();
    if (next === '(') return parseTuple();
    if (text.startsWith('True', position)) return ((position += 4), true);
    if (text.startsWith('False', position)) return ((position += 5), false);
    return malformed(`unexpected value at position ${position}`);
  };

  const entries = new Map<string, string | boolean | number[]>();
  expect('{');
  while (peek() !== '}') {
    if (peek() === undefined) malformed("missing closing '}'");
    const key = parseString();
    expect(':');
    if (entries.has(key)) malformed(`duplicate key '${key}'`);
    entries.set(key, parseValue());
    if (peek() === ',') position++;
    else if (peek() !== '}') malformed(`expected ',' or '}' at position ${position}`);
  }
  position++;
  if (peek() !== undefined) malformed(`unexpected text after '}' at position ${position}`);

  const keys = [...entries.keys()].sort();
  if (keys.join() !== 'descr,fortran_order,shape') {
    malformed(`keys are [${keys.join(', ')}], expected exactly descr, fortran_order, shape`);
  }
  const descr = entries.get('descr');
  const fortranOrder = entries.get('fortran_order');
  const shape = entries.get('shape');
  if (typeof descr !== 'string') return malformed("'descr' must be a string");
  if (typeof fortranOrder !== 'boolean') return malformed("'fortran_order' must be True or False");
  if (!Array.isArray(shape)) return malformed("'shape' must be a tuple of integers");
  if (!shape.every(Number.isSafeInteger)) malformed("'shape' has a dimension too large for a JavaScript number");
  return { descr, fortranOrder, shape };
}

/** The dtype for a header 'descr', or an error saying what is supported. */
function dtypeOf(descr: string, fail: (message: string) => never): NpyDtype {
  const match = (Object.keys(DESCRIPTORS) as NpyDtype[]).find((dtype) => DESCRIPTORS[dtype] === descr);
  if (match) return match;
  if (descr.startsWith('>')) fail(`big-endian dtype '${descr}' is not supported (supported: ${SUPPORTED}); convert with array.astype('<${descr.slice(1)}')`);
  return fail(`unsupported dtype '${descr}' (supported: ${SUPPORTED})`);
}

/**
 * Read `count` little-endian elements from `offset` (DataView, so the result is right on any host endianness),
 * element i of the C-order result from the data's `position(i)`-th element.
 */
function decodeData(
  view: DataView,
  offset: number,
  dtype: NpyDtype,
  shape: number[],
  count: number,
  position: (i: number) => number,
  fail: (message: string) => never,
): NpyArray {
  switch (dtype) {
    case 'float32': {
      const data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(offset + 4 * position(i), true);
      return { dtype, shape, data };
    }
    case 'float64': {
      const data = new Float64Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat64(offset + 8 * position(i), true);
      return { dtype, shape, data };
    }
    case 'int32': {
      const data = new Int32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt32(offset + 4 * position(i), true);
      return { dtype, shape, data };
    }
    case 'int64': {
      const data = new Float64Array(count);
      for (let i = 0; i < count; i++) {
        const value = view.getBigInt64(offset + 8 * position(i), true);
        if (value > LARGEST_SAFE || value < -LARGEST_SAFE) {
          fail(`int64 element ${i} is ${value}, outside the range a JavaScript number holds exactly (|x| <= 2^53 - 1)`);
        }
        data[i] = Number(value);
      }
      return { dtype, shape, data };
    }
    default:
      return dtype satisfies never;
  }
}

/**
 * Encode `data` (C order) with `shape` as .npy bytes, byte for byte what NumPy's np.save writes: version 1.0
 * (2.0 if the header exceeds 65535 bytes), the same dict text, and the same space padding to 64 bytes.
 * The dtype defaults to the typed array's (Float32Array, Int32Array) and to float64 otherwise.
 * Integer dtypes need integer values in range; float32 rounds each value to nearest.
 */
export function writeNpy(data: ArrayLike<number>, shape: readonly number[], dtype: NpyDtype = defaultDtype(data)): Uint8Array {
  if (!(dtype in DESCRIPTORS)) throw new Error(`writeNpy: unsupported dtype '${dtype}' (supported: float32, float64, int32, int64)`);
  for (const dim of shape) {
    if (!Number.isSafeInteger(dim) || dim < 0) throw new Error(`writeNpy: shape [${shape}] must hold non-negative integers`);
  }
  const count = shape.reduce((product, dim) => product * dim, 1);
  if (data.length !== count) throw new Error(`writeNpy: shape [${shape}] needs ${count} elements, got ${data.length}`);

  const header = headerText(dtype, shape);
  // Version 1.0 stores the header length in a uint16; NumPy moves to 2.0 (uint32) only when that overflows.
  const version1Header = padHeader(header, 10);
  if (version1Header.length <= 65535) return encode(data, dtype, version1Header, 1, count);
  return encode(data, dtype, padHeader(header, 12), 2, count);
}

/**
 * Spaces and a final '\n' so that prefix + header ends on a 64-byte boundary. Like NumPy, an already aligned
 * header still gets a full 64 spaces (the padding is 1..64, never 0).
 */
function padHeader(header: string, prefixLength: number): string {
  const padding = ALIGNMENT - ((prefixLength + header.length + 1) % ALIGNMENT);
  return header + ' '.repeat(padding) + '\n';
}

/** Magic, version, header length, header (ASCII: every character we write is), then the data. */
function encode(data: ArrayLike<number>, dtype: NpyDtype, paddedHeader: string, version: 1 | 2, count: number): Uint8Array {
  const headerStart = version === 1 ? 10 : 12;
  const dataStart = headerStart + paddedHeader.length;
  const bytes = new Uint8Array(dataStart + count * ITEM_SIZES[dtype]);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  bytes[6] = version;
  bytes[7] = 0;
  if (version === 1) view.setUint16(8, paddedHeader.length, true);
  else view.setUint32(8, paddedHeader.length, true);
  for (let i = 0; i < paddedHeader.length; i++) bytes[headerStart + i] = paddedHeader.charCodeAt(i);
  encodeData(view, dataStart, data, dtype);
  return bytes;
}

/** Write the elements little-endian; integer dtypes check each value fits. */
function encodeData(view: DataView, offset: number, data: ArrayLike<number>, dtype: NpyDtype): void {
  const checkInteger = (value: number, index: number, low: number, high: number): void => {
    if (!Number.isInteger(value) || value < low || value > high) {
      throw new Error(`writeNpy: element ${index} is ${value}, not an ${dtype} (integers in [${low}, ${high}])`);
    }
  };
  for (let i = 0; i < data.length; i++) {
    const value = data[i];
    switch (dtype) {
      case 'float32':
        view.setFloat32(offset + 4 * i, value, true);
        break;
      case 'float64':
        view.setFloat64(offset + 8 * i, value, true);
        break;
      case 'int32':
        checkInteger(value, i, -2147483648, 2147483647);
        view.setInt32(offset + 4 * i, value, true);
        break;
      case 'int64':
        checkInteger(value, i, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
        view.setBigInt64(offset + 8 * i, BigInt(value), true);
        break;
      default:
        dtype satisfies never;
    }
  }
}

/** The dict text NumPy writes: keys sorted, Python reprs, then spare spaces so the first axis can grow in place. */
function headerText(dtype: NpyDtype, shape: readonly number[]): string {
  const shapeRepr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${DESCRIPTORS[dtype]}', 'fortran_order': False, 'shape': ${shapeRepr}, }`;
  const growthRoom = shape.length > 0 ? Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length) : 0;
  return dict + ' '.repeat(growthRoom);
}

/** The dtype a typed array implies. */
function defaultDtype(data: ArrayLike<number>): NpyDtype {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  return 'float64';
}

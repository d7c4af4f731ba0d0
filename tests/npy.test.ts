// The .npy reader and writer against bytes written out by hand (and checked against NumPy 2.4's np.save),
// round trips for every dtype, Fortran-order files (by hand, and from NumPy when python3 has it), and every
// rejected input with the message it must give.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpy, writeNpy, type NpyDtype } from '../engine/io/npy';
import { readNpyFile, writeNpyFile } from '../engine/io/npy-file';

const MAGIC_V1 = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0];

function ascii(text: string): number[] {
  return Array.from(text, (char) => char.charCodeAt(0));
}

/** A .npy file from a header dict text, padded as NumPy does, and raw data bytes; version 1 unless told. */
function npyBytes(dict: string, data: number[] | Uint8Array, version = 1): Uint8Array {
  const prefixLength = version === 1 ? 10 : 12;
  const padding = 64 - ((prefixLength + dict.length + 1) % 64);
  const header = ascii(dict + ' '.repeat(padding) + '\n');
  const lengthField = version === 1 ? [header.length & 0xff, header.length >> 8] : [header.length & 0xff, header.length >> 8, 0, 0];
  return new Uint8Array([...MAGIC_V1.slice(0, 6), version, 0, ...lengthField, ...header, ...data]);
}

describe('known bytes', () => {
  // np.save(f, np.array([[1, 2, 3], [4, 5, 6]], dtype='<f4')): a 10-byte prefix, a 118-byte header
  // (the dict, 20 spaces NumPy keeps for the first axis to grow, 38 spaces to reach 128, '\n'), 24 data bytes.
  const matrixBytes = new Uint8Array([
    ...MAGIC_V1,
    0x76,
    0x00, // header length 118, little-endian uint16
    ...ascii("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" + ' '.repeat(58) + '\n'),
    0x00,
    0x00,
    0x80,
    0x3f,
    0x00,
    0x00,
    0x00,
    0x40,
    0x00,
    0x00,
    0x40,
    0x40, // 1, 2, 3
    0x00,
    0x00,
    0x80,
    0x40,
    0x00,
    0x00,
    0xa0,
    0x40,
    0x00,
    0x00,
    0xc0,
    0x40, // 4, 5, 6
  ]);
  // np.save(f, np.float64(1.5)): 0-d, no growth room, 62 spaces of padding.
  const scalarBytes = new Uint8Array([
    ...MAGIC_V1,
    0x76,
    0x00,
    ...ascii("{'descr': '<f8', 'fortran_order': False, 'shape': (), }" + ' '.repeat(62) + '\n'),
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0xf8,
    0x3f, // 1.5
  ]);

  it('writes a 2x3 float32 array byte for byte', () => {
    expect(matrixBytes.length).toBe(152);
    expect(writeNpy(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3])).toEqual(matrixBytes);
  });

  it('writes a 0-d float64 array byte for byte', () => {
    expect(scalarBytes.length).toBe(136);
    expect(writeNpy([1.5], [])).toEqual(scalarBytes);
  });

  it('reads them back', () => {
    expect(readNpy(matrixBytes)).toEqual({ dtype: 'float32', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) });
    expect(readNpy(scalarBytes)).toEqual({ dtype: 'float64', shape: [], data: new Float64Array([1.5]) });
  });

  it('reads from a view that does not start at its buffer offset 0', () => {
    const shifted = new Uint8Array(matrixBytes.length + 3);
    shifted.set(matrixBytes, 3);
    expect(readNpy(shifted.subarray(3)).data).toEqual(new Float32Array([1, 2, 3, 4, 5, 6]));
  });

  it('reads versions 2.0 and 3.0, double quotes, Python 2 longs and loose spacing', () => {
    const data = [0, 0, 0, 0, 0, 0, 0xf8, 0x3f, 0, 0, 0, 0, 0, 0, 0x04, 0x40]; // 1.5, 2.5
    expect(readNpy(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", data, 2)).data).toEqual(new Float64Array([1.5, 2.5]));
    expect(readNpy(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", data, 3)).shape).toEqual([2]);
    expect(readNpy(npyBytes('{"shape":(1L,2L),"descr":"<f8","fortran_order":False}', data)).shape).toEqual([1, 2]);
  });

  it('accepts fortran_order True for one axis, where the bytes are the same', () => {
    expect(readNpy(npyBytes("{'descr': '<i4', 'fortran_order': True, 'shape': (1,), }", [7, 0, 0, 0])).data).toEqual(new Int32Array([7]));
  });
});

describe('Fortran order', () => {
  /** Little-endian int32 bytes of `values`. */
  const int32Bytes = (values: number[]): Uint8Array => new Uint8Array(Int32Array.from(values).buffer);

  it('reads a 2x3 matrix stored column by column into C order', () => {
    // np.save(f, np.array([[1, 2, 3], [4, 5, 6]], dtype='<f4', order='F')): the columns 1 4, 2 5, 3 6.
    const columns = new Uint8Array(Float32Array.of(1, 4, 2, 5, 3, 6).buffer);
    const parsed = readNpy(npyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", columns));
    expect(parsed).toEqual({ dtype: 'float32', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) });
  });

  it('reverses the axes of a 3-d array, and reads empty arrays', () => {
    // Element (i, j, k) of shape (2, 3, 4) holds 100i + 10j + k: C order stores it at 12i + 4j + k, Fortran order at i + 2j + 6k.
    const c = new Array<number>(24);
    const fortran = new Array<number>(24);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) {
        for (let k = 0; k < 4; k++) c[12 * i + 4 * j + k] = fortran[i + 2 * j + 6 * k] = 100 * i + 10 * j + k;
      }
    }
    const parsed = readNpy(npyBytes("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3, 4), }", int32Bytes(fortran)));
    expect(parsed).toEqual({ dtype: 'int32', shape: [2, 3, 4], data: Int32Array.from(c) });
    expect(readNpy(npyBytes("{'descr': '<i4', 'fortran_order': True, 'shape': (0, 3), }", [])).shape).toEqual([0, 3]);
  });

  // NumPy writes a transpose (W.T) in Fortran order; its C-order copy and its values must read the same. The files in
  // tests/fixtures/numpy-fortran were written by NumPy (values.json says which version): for each dtype,
  // W = (arange(15).reshape(3, 5) * -7 + 3).astype(dtype) (+ 2**40 for i8, / 8 for floats), np.save(W.T) and
  // np.save(ascontiguousarray(W.T)), and a (2, 3, 4) float64 cube as asfortranarray and as C order.
  it('reads what NumPy writes for W.T, for every dtype', async () => {
    const directory = join(import.meta.dirname, 'fixtures', 'numpy-fortran');
    const { values } = JSON.parse(readFileSync(join(directory, 'values.json'), 'utf8')) as { values: Record<string, number[][]> };
    const cases: [string, NpyDtype][] = [
      ['f4', 'float32'],
      ['f8', 'float64'],
      ['i4', 'int32'],
      ['i8', 'int64'],
    ];
    for (const [name, dtype] of cases) {
      expect(readFileSync(join(directory, `${name}.npy`), 'latin1'), name).toContain("'fortran_order': True, 'shape': (5, 3)");
      const parsed = await readNpyFile(join(directory, `${name}.npy`));
      expect(parsed, name).toEqual(await readNpyFile(join(directory, `${name}-c.npy`)));
      expect(parsed.dtype).toBe(dtype);
      expect(Array.from(parsed.data), name).toEqual(values[name].flat());
    }
    expect(readFileSync(join(directory, 'cube.npy'), 'latin1')).toContain("'fortran_order': True");
    expect(await readNpyFile(join(directory, 'cube.npy'))).toEqual(await readNpyFile(join(directory, 'cube-c.npy')));
  });
});

describe('round trips', () => {
  const cases: [NpyDtype, number[], number[]][] = [
    ['float32', [2, 2], [0.5, -1.25, Math.fround(3e38), -0]],
    ['float64', [3], [Math.PI, -1e-300, Number.MAX_VALUE]],
    ['int32', [2, 1, 2], [-2147483648, 2147483647, 0, -7]],
    ['int64', [4], [Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 0, -1]],
    ['float64', [0, 5], []],
    ['int32', [], [42]],
  ];
  it.each(cases)('%s of shape %j', (dtype, shape, values) => {
    const parsed = readNpy(writeNpy(values, shape, dtype));
    expect(parsed.dtype).toBe(dtype);
    expect(parsed.shape).toEqual(shape);
    expect(Array.from(parsed.data)).toEqual(values);
  });

  it('infers the dtype from the typed array, float64 for plain arrays', () => {
    expect(readNpy(writeNpy(new Int32Array([1]), [1])).dtype).toBe('int32');
    expect(readNpy(writeNpy(new Float32Array([1]), [1])).dtype).toBe('float32');
    expect(readNpy(writeNpy(new Float64Array([1]), [1])).dtype).toBe('float64');
    expect(readNpy(writeNpy([1], [1])).dtype).toBe('float64');
  });

  it('puts the data on a 64-byte boundary for every rank', () => {
    for (let rank = 0; rank < 20; rank++) {
      const bytes = writeNpy([0], new Array(rank).fill(1));
      expect((bytes.length - 8) % 64).toBe(0); // one float64 after the aligned header
      expect(bytes[bytes.length - 9]).toBe(0x0a); // the header ends in '\n'
    }
  });

  it('goes through files, with the path in errors', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'npy-test-'));
    try {
      const path = join(directory, 'weights.npy');
      await writeNpyFile(path, [1, 2, 3, 4], [2, 2], 'float32');
      expect(await readNpyFile(path)).toEqual({ dtype: 'float32', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) });
      await expect(readNpyFile(join(directory, 'missing.npy'))).rejects.toThrow(/missing\.npy: cannot read the file/);
      await expect(writeNpyFile(path, [1, 2, 3], [2, 2])).rejects.toThrow(/weights\.npy: writeNpy: shape \[2,2\] needs 4 elements, got 3/);
    } finally {
      await rm(directory, { recursive: true });
    }
  });
});

describe('rejected input', () => {
  const good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  const eightBytes = [0, 0, 0, 0, 0, 0, 0, 0];
  const reject = (bytes: Uint8Array) => () => readNpy(bytes, 'data/x.npy');

  it('names the source, or a default label', () => {
    expect(reject(new Uint8Array(3))).toThrow(/^data\/x\.npy: only 3 bytes, too short for a \.npy header/);
    expect(() => readNpy(new Uint8Array(3))).toThrow(/^\.npy data: only 3 bytes/);
  });

  it('bad magic', () => {
    const bytes = npyBytes(good, eightBytes);
    bytes[1] = 0x58;
    expect(reject(bytes)).toThrow('data/x.npy: not a .npy file: it starts with bytes [147,88,85,77,80,89] instead of the magic');
  });

  it('unknown version', () => {
    const bytes = npyBytes(good, eightBytes);
    bytes[6] = 4;
    expect(reject(bytes)).toThrow('unsupported .npy version 4.0 (supported: 1.0, 2.0, 3.0)');
  });

  it('truncated header', () => {
    const bytes = npyBytes(good, eightBytes);
    expect(reject(bytes.subarray(0, 50))).toThrow('truncated header: it declares 118 bytes, but only 40 follow');
    expect(reject(npyBytes(good, eightBytes, 2).subarray(0, 11))).toThrow('truncated: 11 bytes end inside the header length field');
  });

  it('big-endian, other dtypes', () => {
    expect(reject(npyBytes(good.replace('<f4', '>f4'), eightBytes))).toThrow(
      "big-endian dtype '>f4' is not supported (supported: '<f4' (float32), '<f8' (float64), '<i4' (int32), '<i8' (int64))",
    );
    expect(reject(npyBytes(good.replace('<f4', '<f2'), eightBytes))).toThrow("unsupported dtype '<f2' (supported: '<f4' (float32)");
    expect(reject(npyBytes(good.replace('<f4', '|u1'), eightBytes))).toThrow("unsupported dtype '|u1'");
  });

  it('data shorter or longer than the shape needs', () => {
    expect(reject(npyBytes(good, eightBytes.slice(0, 7)))).toThrow('data too short: 7 bytes after the header, but shape (2) of float32 needs 8');
    expect(reject(npyBytes(good, [...eightBytes, 0]))).toThrow('data too long: 9 bytes after the header, but shape (2) of float32 needs 8');
  });

  it('malformed header dicts', () => {
    const malformed: [string, string][] = [
      ["'descr': '<f4', 'fortran_order': False, 'shape': (2,)", "expected '{' at position 0"],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (2,), ", "missing closing '}'"],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} x", "unexpected text after '}'"],
      ["{'descr': '<f4', 'fortran_order': False}", 'keys are [descr, fortran_order], expected exactly descr, fortran_order, shape'],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", 'unexpected value at position'],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'note': 'x'}", 'keys are [descr, fortran_order, note, shape]'],
      ["{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", "duplicate key 'descr'"],
      ["{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}", 'unexpected value at position'],
      ["{'descr': '<f4', 'fortran_order': 'no', 'shape': (2,)}", "'fortran_order' must be True or False"],
      ["{'descr': (4,), 'fortran_order': False, 'shape': (2,)}", "'descr' must be a string"],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': '2'}", "'shape' must be a tuple of integers"],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1)}", "expected a non-negative integer or ')'"],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (2 3)}", "expected ',' or ')'"],
      ["{'descr': '<f4, 'fortran_order': False, 'shape': (2,)}", 'expected'],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", "'shape' has a dimension too large"],
    ];
    for (const [dict, message] of malformed) {
      expect(reject(npyBytes(dict, eightBytes)), dict).toThrow(`data/x.npy: malformed header (${message}`);
    }
  });

  it('int64 values a number cannot hold exactly', () => {
    const data = new Uint8Array(8);
    new DataView(data.buffer).setBigInt64(0, 2n ** 53n, true);
    expect(reject(npyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", data))).toThrow(
      'int64 element 0 is 9007199254740992, outside the range a JavaScript number holds exactly',
    );
  });

  it('writer: wrong length, bad shape, values that do not fit the dtype', () => {
    expect(() => writeNpy([1, 2, 3], [2, 2])).toThrow('writeNpy: shape [2,2] needs 4 elements, got 3');
    expect(() => writeNpy([1], [1.5])).toThrow('writeNpy: shape [1.5] must hold non-negative integers');
    expect(() => writeNpy([0.5], [1], 'int32')).toThrow('writeNpy: element 0 is 0.5, not an int32');
    expect(() => writeNpy([2 ** 31], [1], 'int32')).toThrow('writeNpy: element 0 is 2147483648, not an int32');
    expect(() => writeNpy([2 ** 53], [1], 'int64')).toThrow('writeNpy: element 0 is 9007199254740992, not an int64');
    expect(() => writeNpy([1], [1], 'float16' as NpyDtype)).toThrow("writeNpy: unsupported dtype 'float16'");
  });
});

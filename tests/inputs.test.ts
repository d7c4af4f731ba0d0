// Bad input to the command line: each case fails with a message that names the flag or file and what is wrong.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { helpText, parseCommandLine } from '../bin/flags';
import { readDataset, readInitialWeights } from '../bin/inputs';
import { chooseOutDir } from '../bin/outputs';
import { datasetFromArrays } from '../engine/data/arrays';
import { checkConfig, initialWeights, referenceConfig, syntheticDataset } from '../engine/experiment';
import { writeNpy, type NpyArray } from '../engine/io/npy';

const directory = mkdtempSync(join(tmpdir(), 'inputs-test-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const names = { features: 'X.npy', labels: 'y.npy' };
const features = (rows: number, cols: number, fillValue = 0.5): NpyArray & { dtype: 'float32' } =>
  ({ dtype: 'float32', shape: [rows, cols], data: new Float32Array(rows * cols).fill(fillValue) }) as const;
const labels = (values: number[]): NpyArray => ({ dtype: 'int32', shape: [values.length], data: Int32Array.from(values) });

describe('flags', () => {
  it('defaults to the reference configuration and parses every kind of value', () => {
    expect(parseCommandLine([]).config).toEqual(referenceConfig);
    const { config, out } = parseCommandLine(['--depth', '4', '--lr', '1e-2', '--loss', 'ce', '--decoupled-weight-decay', 'true', '--out', 'x']);
    expect(config).toMatchObject({ depth: 4, lr: 0.01, loss: 'ce', decoupledWeightDecay: true });
    expect(out).toBe('x');
  });

  it('lists every flag with its default in --help', () => {
    const help = helpText();
    for (const flag of ['--dataset orthogonal', '--samples 30', '--eps 0.3', '--alpha 100', '--tol 1e-10', '--batch-size 0', '--init-weights', '--out']) {
      expect(help).toContain(flag);
    }
  });

  it.each([
    [['--frobnicate', '1'], /Unknown option '--frobnicate'.*--help/],
    [['--steps', 'many'], /--steps must be an integer >= 0, got 'many'/],
    [['--depth', '2.5'], /--depth must be an integer in 1..10000, got '2.5'/],
    [['--depth', '0'], /--depth must be an integer in 1..10000, got '0'/],
    [['--classes', '1'], /--classes must be an integer >= 2, got '1'/],
    [['--samples', '1'], /--samples must be an integer >= 2, got '1'/],
    [['--lr', 'NaN'], /--lr must be a finite number > 0, got 'NaN'/],
    [['--lr', '0'], /--lr must be a finite number > 0, got '0'/],
    [['--momentum', '1'], /--momentum must be a number in \[0, 1\), got '1'/],
    [['--test-fraction', '1'], /--test-fraction must be a number in \(0, 1\), got '1'/],
    [['--seed', '1e20'], /--seed must be an integer in 0..4294967295, got '1e20'/],
    [['--loss', 'hinge'], /--loss must be one of mse, ce, got 'hinge'/],
    [['--data', 'X.npy'], /--data and --labels go together/],
    [['--data', 'X.npy', '--labels', 'y.npy', '--samples', '10'], /--data replaces the synthetic data: drop --samples/],
    [['--init-weights', 'w', '--depth', '3'], /--init-weights takes depth and widths from the files/],
    [['--idx-images', 'a'], /--idx-images and --idx-labels go together/],
    [['--cifar', 'c', '--data', 'X.npy', '--labels', 'y.npy'], /give one dataset/],
    [['--cifar', 'c', '--dim', '5'], /--cifar replaces the synthetic data: drop --dim/],
    [['--image-classes', '1,,2'], /--image-classes must be labels like 0,1,2,3 \(or nothing, for all\), got '1,,2'/],
    [['--normalize', 'zscore'], /--normalize must be one of none, standardize/],
  ])('%j is refused', (args, message) => {
    expect(() => parseCommandLine(args)).toThrow(message);
  });
});

describe('configs that cannot work', () => {
  it.each([
    [{ samples: 31 }, /31 samples cannot be split into 3 balanced classes/],
    [{ width: 2 }, /width must be >= classes/],
    [{ depth: 0 }, /layers must be a positive integer, got 0/],
  ])('%j', (change, message) => {
    const config = { ...referenceConfig, ...change };
    expect(() => initialWeights(config, syntheticDataset(config))).toThrow(message);
  });

  it.each([
    [{ batchSize: 40 }, /--batch-size 40 exceeds the 30 samples/],
    [{ lr: -1 }, /--lr must be a finite number > 0, got -1/],
    [{ momentum: 1 }, /--momentum must be a number in \[0, 1\), got 1/],
    [{ steps: -5 }, /--steps must be an integer >= 0, got -5/],
    [{ model: 'hybrid', hybridLayers: 6 } as const, /--hybrid-layers 6 must be below --depth 6/],
    [
      { optimizer: 'adam', momentum: 0.9 } as const,
      /--momentum and --decoupled-weight-decay apply to sgd; adam has --beta1 and --beta2, and --optimizer adamw decouples/,
    ],
    [{ optimizer: 'adamw', beta2: 1 } as const, /--beta2 must be a number in \[0, 1\), got 1/],
  ])('%j', (change, message) => {
    expect(() => checkConfig({ ...referenceConfig, ...change }, 30)).toThrow(message);
  });

  const limits = { maxStorageBufferBindingSize: 2 ** 27, maxBufferSize: 2 ** 28 };
  it.each([
    [
      { width: 2_000_000_000 },
      /--width 2000000000: an m x m matrix \(hidden weights, or W1 W1\^T in the metrics\) would take .* GiB, over the device's maxStorageBufferBindingSize of 128 MiB/,
    ],
    [
      { width: 2_000_000_000, depth: 1 },
      /--width 2000000000 x --dim 50: W1 \(m x d\) would take 512 GiB, over the device's maxStorageBufferBindingSize of 128 MiB/,
    ],
    [{ width: 6000, depth: 2, dim: 2 }, /--width 6000: an m x m matrix \(hidden weights, or W1 W1\^T in the metrics\) would take 256 MiB/],
    [
      { samples: 30_000, classes: 100, separability: true },
      /--samples 30000 x --classes 100: the separability scores \(N x K\(K-1\)\/2\) would take 1\.00 GiB/,
    ],
    [
      { samples: 300_000, dim: 200 },
      /--samples 300000 x --dim 200: the inputs \(N x d\) would take 256 MiB, over the device's maxStorageBufferBindingSize of 128 MiB/,
    ],
    [{ width: 6000 }, /--width 6000: an m x m matrix \(hidden weights, or W1 W1\^T in the metrics\) would take 256 MiB/],
  ])('%j is refused against the device limits, before anything is allocated', (change, message) => {
    expect(() => checkConfig({ ...referenceConfig, ...change }, referenceConfig.samples, limits)).toThrow(message);
  });

  it('takes sizes up to the limit', () => {
    expect(() => checkConfig({ ...referenceConfig, width: 5792 }, 30, limits)).not.toThrow(); // 5792^2 floats round up to 128 MiB
  });
});

describe('user data', () => {
  it('takes K from the labels and keeps the rows', () => {
    const dataset = datasetFromArrays(features(4, 2), labels([1, 0, 2, 1]), names);
    expect(dataset.classes).toBe(3);
    expect(dataset.inputs).toMatchObject({ rows: 4, cols: 2 });
    expect(Array.from(dataset.labels)).toEqual([1, 0, 2, 1]);
  });

  it.each([
    [
      'NaN in the data',
      () => datasetFromArrays({ ...features(3, 2), data: Float32Array.of(0, 1, 2, Number.NaN, 4, 5) }, labels([0, 1, 0]), names),
      /X\.npy: NaN at row 1, column 1; features must be finite/,
    ],
    [
      'Inf in the data',
      () => datasetFromArrays({ ...features(2, 2), data: Float32Array.of(0, Infinity, 2, 3) }, labels([0, 1]), names),
      /X\.npy: Infinity at row 0, column 1/,
    ],
    [
      'integer features',
      () => datasetFromArrays({ dtype: 'int32', shape: [2, 1], data: Int32Array.of(1, 2) }, labels([0, 1]), names),
      /X\.npy: features must be float32 or float64, got int32/,
    ],
    [
      '1-d features',
      () => datasetFromArrays({ dtype: 'float64', shape: [3], data: new Float64Array(3) }, labels([0, 1, 0]), names),
      /X\.npy: features must be a 2-d array/,
    ],
    [
      'float labels',
      () => datasetFromArrays(features(2, 2), { dtype: 'float32', shape: [2], data: Float32Array.of(0, 1) }, names),
      /y\.npy: labels must be integers \(int32 or int64\), got float32/,
    ],
    ['too few labels', () => datasetFromArrays(features(3, 2), labels([0, 1]), names), /y\.npy: 2 labels for 3 samples in X\.npy/],
    ['a skipped class', () => datasetFromArrays(features(3, 2), labels([0, 2, 2]), names), /y\.npy: class 1 has no samples, but labels go up to 2/],
    ['a negative label', () => datasetFromArrays(features(2, 2), labels([0, -1]), names), /y\.npy: label -1 at index 1/],
    ['one class', () => datasetFromArrays(features(2, 2), labels([0, 0]), names), /at least 2 classes/],
  ])('%s', (_, read, message) => {
    expect(read).toThrow(message);
  });

  it('reads IDX images with the chosen classes, per-class count and scaling', async () => {
    const idx = (type: number, dims: number[], values: number[]) => {
      const header = [0, 0, type, dims.length, ...dims.flatMap((d) => [0, 0, d >> 8, d & 255])];
      return Uint8Array.from([...header, ...values]);
    };
    const [images, labelFile] = [join(directory, 'images.idx'), join(directory, 'labels.idx')];
    writeFileSync(
      images,
      idx(
        0x08,
        [5, 2, 2],
        Array.from({ length: 20 }, (_, i) => i * 10),
      ),
    );
    writeFileSync(labelFile, idx(0x08, [5], [3, 1, 3, 1, 7]));
    const config = { ...referenceConfig, imageClasses: '3,1', perClass: 2 };
    const dataset = await readDataset({ kind: 'idx', images, labels: labelFile }, config);
    expect(dataset.classes).toBe(2);
    expect(Array.from(dataset.labels)).toEqual([0, 0, 1, 1]); // class 3 first, as asked
    expect(Array.from(dataset.inputs.data.subarray(0, 4))).toEqual([0, 10, 20, 30].map((v) => v / 255)); // sample 0, a 3
    await expect(readDataset({ kind: 'idx', images, labels: labelFile }, { ...config, perClass: 3 })).rejects.toThrow(/fewer than|only 2/);
  });

  it('names a truncated file', async () => {
    const path = join(directory, 'truncated.npy');
    writeFileSync(path, writeNpy(new Float32Array(6), [3, 2]).subarray(0, 140)); // the header is 128 bytes, the data 24
    await expect(readDataset({ kind: 'npy', features: path, labels: path }, referenceConfig)).rejects.toThrow(/truncated\.npy: data too short/);
  });
});

describe('--init-weights', () => {
  const save = (dir: string, shapes: [number, number][]) => {
    mkdirSync(dir, { recursive: true });
    shapes.forEach(([rows, cols], l) => writeFileSync(join(dir, `W${l + 1}.npy`), writeNpy(new Float32Array(rows * cols).fill(0.1), [rows, cols])));
  };

  it('reads W1..WL and checks that they chain', async () => {
    const good = join(directory, 'good');
    save(good, [
      [8, 5],
      [8, 8],
      [3, 8],
    ]);
    const weights = await readInitialWeights(good, 5, 3);
    expect(weights.map((w) => [w.rows, w.cols])).toEqual([
      [8, 5],
      [8, 8],
      [3, 8],
    ]);

    const broken = join(directory, 'broken');
    save(broken, [
      [8, 5],
      [7, 6],
      [3, 7],
    ]);
    await expect(readInitialWeights(broken, 5, 3)).rejects.toThrow(/broken\/W2\.npy: shape \[7,6\] takes 6 inputs, but the layer before gives 8/);
    await expect(readInitialWeights(good, 6, 3)).rejects.toThrow(/good\/W1\.npy: shape \[8,5\] takes 5 inputs, but the layer before gives 6/);
    await expect(readInitialWeights(good, 5, 4)).rejects.toThrow(/good\/W3\.npy: the last layer gives 3 outputs, but there are 4 classes/);
    await expect(readInitialWeights(join(directory, 'none'), 5, 3)).rejects.toThrow(/no such directory/);
  });
});

describe('Fortran-order .npy files (what np.save of a transpose writes)', () => {
  it('read as the same matrices through --data and --init-weights', async () => {
    // .npy bytes for shape [rows, cols] whose data are the columns one after another.
    const fortranNpy = (columns: number[], shape: [number, number]) =>
      Buffer.from(
        Buffer.from(writeNpy(Float32Array.from(columns), shape))
          .toString('latin1')
          .replace("'fortran_order': False,", "'fortran_order': True, "),
        'latin1',
      );
    const dir = join(directory, 'fortran');
    mkdirSync(dir);
    writeFileSync(join(dir, 'X.npy'), fortranNpy([1, 2, 3, 4, 5, 6, 7, 8], [4, 2])); // X = [[1, 5], [2, 6], [3, 7], [4, 8]]
    writeFileSync(join(dir, 'y.npy'), writeNpy(Int32Array.of(0, 1, 0, 1), [4]));
    const dataset = await readDataset({ kind: 'npy', features: join(dir, 'X.npy'), labels: join(dir, 'y.npy') }, referenceConfig);
    expect(dataset.inputs).toEqual({ rows: 4, cols: 2, data: Float64Array.of(1, 5, 2, 6, 3, 7, 4, 8) });

    writeFileSync(join(dir, 'W1.npy'), fortranNpy([1, 3, 5, 2, 4, 6], [3, 2])); // W1 = [[1, 2], [3, 4], [5, 6]]
    writeFileSync(join(dir, 'W2.npy'), fortranNpy([1, 4, 2, 5, 3, 6], [2, 3])); // W2 = [[1, 2, 3], [4, 5, 6]]
    expect(await readInitialWeights(dir, 2, 2)).toEqual([
      { rows: 3, cols: 2, data: Float64Array.of(1, 2, 3, 4, 5, 6) },
      { rows: 2, cols: 3, data: Float64Array.of(1, 2, 3, 4, 5, 6) },
    ]);
  });
});

describe('--out', () => {
  it('refuses a folder that already holds files and leaves them alone', () => {
    const out = join(directory, 'earlier-run');
    mkdirSync(out);
    writeFileSync(join(out, 'metrics.json'), '{}');
    expect(() => chooseOutDir(out)).toThrow(/earlier-run: the folder exists and is not empty/);
    expect(readdirSync(out)).toEqual(['metrics.json']);
    expect(chooseOutDir(join(directory, 'fresh'))).toBe(join(directory, 'fresh'));
    expect(chooseOutDir(undefined, new Date('2026-01-02T03:04:05Z'))).toBe(join('runs', '20260102-030405'));
  });
});

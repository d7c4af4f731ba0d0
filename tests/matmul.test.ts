// Every matmul kernel over awkward shapes (none a multiple of a tile) and all four transpose layouts,
// against the float64 triple loop.
import { describe, expect, it } from 'vitest';
import { gram, matmul, type MatmulKernel, type MatmulOptions } from '../engine';
import { matmulBindings, matmulKernel, planMatmul, quadBlock, QUAD_BLOCKS } from '../engine/internal';
import { matmulTraits } from '../engine/internal';
import { matmulShaders } from '../engine/internal';
import { expectClose, matmulRef, randomMatrix, seededRandom, transpose } from './reference';
import { poisonPool, toTensor, useGpu, withFreshGpu } from './gpu';

const gpu = useGpu();

/** [M, K, N]: C (M x N) = A (M x K) B (K x N). */
const shapes: [number, number, number][] = [
  [1, 1, 1],
  [1, 37, 1],
  [1, 64, 9],
  [7, 13, 5],
  [33, 65, 17],
  [130, 67, 129],
  [256, 1000, 10],
];
/**
 * Shapes for every block of the subgroup kernel, none a whole number of blocks: awkward (scalar loads),
 * multiples of 4 (vec4 loads), and rows of 4 with K not (vec4 loads whose guards cut K short).
 */
const blockShapes: [number, number, number][] = [
  [130, 67, 129],
  [68, 44, 132],
  [68, 45, 132],
];
const layouts = [
  { transposeA: false, transposeB: false },
  { transposeA: true, transposeB: false },
  { transposeA: false, transposeB: true },
  { transposeA: true, transposeB: true },
];
const kernels: MatmulKernel[] = ['plain', 'subgroup', 'tiled'];

/** C = op(A) op(B) in every layout against the float64 triple loop (on a device without subgroups: the refusal). */
async function checkEveryLayout(M: number, K: number, N: number, choice: Pick<MatmulOptions, 'kernel' | 'quadBlock'>): Promise<void> {
  if (choice.kernel === 'subgroup' && !gpu().hasSubgroups) {
    expect(() => planMatmul({ M, N, K, transposeA: false, transposeB: false }, matmulTraits(gpu()), { force: 'subgroup' })).toThrow(/subgroups/);
    return;
  }
  const random = seededRandom(M * 7919 + K * 31 + N);
  const a = randomMatrix(random, M, K);
  const b = randomMatrix(random, K, N);
  const expected = matmulRef(a, b).data;
  for (const layout of layouts) {
    poisonPool(gpu(), M * N); // first: inputs of the same size class take the NaN buffers below
    poisonPool(gpu(), M * K, NaN);
    poisonPool(gpu(), K * N, NaN);
    const result = await gpu().scope(() => {
      const aTensor = toTensor(gpu(), layout.transposeA ? transpose(a) : a);
      const bTensor = toTensor(gpu(), layout.transposeB ? transpose(b) : b);
      return matmul(aTensor, bTensor, { ...layout, ...choice });
    });
    expect(result.shape).toEqual([M, N]);
    const values = await result.read();
    result.dispose();
    // float32 sums of K products of unit normals: error grows like sqrt(K) ulps of the terms
    expectClose(values, expected, { atol: 2e-6 * K, rtol: 1e-4 }, `${JSON.stringify(choice)} ${M}x${K}x${N} ${JSON.stringify(layout)}`);
  }
}

describe.each(kernels)('matmul, %s kernel', (kernel) => {
  it.each(shapes)('M=%i K=%i N=%i, every layout, agrees with float64', (M, K, N) => checkEveryLayout(M, K, N, { kernel }));
});

const quadBlocks = QUAD_BLOCKS.map(({ rowGroups, colBlocks }) => ({ rowGroups, colBlocks }));

type Epilogue = 'bias' | 'mask';

/**
 * The kernel's epilogues against float64, in every layout: max(op(A) op(B) + 1 b^T, 0) (a network layer), or op(A) op(B)
 * kept where a mask is > 0 (a ReLU's gradient).
 */
async function checkEpilogue(
  M: number,
  K: number,
  N: number,
  kernel: MatmulKernel,
  epilogue: Epilogue,
  forceBlock?: (typeof quadBlocks)[number],
): Promise<void> {
  const g = gpu();
  if (kernel === 'subgroup' && !g.hasSubgroups) return; // checkEveryLayout checks the refusal
  const random = seededRandom(M * 31 + K * 7 + N);
  const [a, b] = [randomMatrix(random, M, K), randomMatrix(random, K, N)];
  const input = epilogue === 'bias' ? randomMatrix(random, 1, N).data : randomMatrix(random, M, N).data.map((value) => Math.max(value, 0));
  const product = matmulRef(a, b).data;
  const expected = product.map((value, i) => (epilogue === 'bias' ? Math.max(value + input[i % N], 0) : input[i] > 0 ? value : 0));
  expect(expected.filter((value) => value === 0).length, 'outputs cut off').toBeGreaterThan(M);
  for (const layout of layouts) {
    poisonPool(g, M * N);
    const result = await g.scope(() => {
      const [aTensor, bTensor] = [toTensor(g, layout.transposeA ? transpose(a) : a), toTensor(g, layout.transposeB ? transpose(b) : b)];
      const [inputTensor, out] = [g.tensor(epilogue === 'bias' ? [N] : [M, N], Float32Array.from(input)), g.tensor([M, N])];
      const flags = epilogue === 'bias' ? { bias: true, relu: true } : { mask: true };
      const { kernel: pipeline, plan, values } = matmulKernel(g, { M, N, K, ...layout, ...flags }, kernel, forceBlock);
      expect(plan.constants).toMatchObject(epilogue === 'bias' ? { BIAS: true, RELU: true, MASK: false } : { BIAS: false, RELU: false, MASK: true });
      g.dispatch(pipeline, matmulBindings(aTensor.binding, bTensor.binding, out.binding, inputTensor.binding), plan.workgroups, values);
      return out;
    });
    const values = await result.read();
    result.dispose();
    expectClose(
      values,
      expected,
      { atol: 2e-6 * K, rtol: 1e-4 },
      `${kernel} ${epilogue} ${JSON.stringify(forceBlock ?? {})} ${M}x${K}x${N} ${JSON.stringify(layout)}`,
    );
  }
}

describe.each(kernels)('matmul epilogue, %s kernel', (kernel) => {
  it.each([
    [33, 65, 17],
    [68, 44, 132],
  ])('M=%i K=%i N=%i, bias then ReLU, every layout, agrees with float64', (M, K, N) => checkEpilogue(M, K, N, kernel, 'bias'));
  it('M=33 K=65 N=17, a ReLU mask, every layout, agrees with float64', () => checkEpilogue(33, 65, 17, kernel, 'mask'));
});

describe.each(quadBlocks)('matmul, subgroup kernel, quad block of $rowGroups x $colBlocks', (quadBlock) => {
  it.each(blockShapes)('M=%i K=%i N=%i, every layout, agrees with float64', (M, K, N) => checkEveryLayout(M, K, N, { kernel: 'subgroup', quadBlock }));
  it('applies the epilogue (bias, then ReLU) at every edge of its blocks', () => checkEpilogue(68, 45, 132, 'subgroup', 'bias', quadBlock));
  it('applies a ReLU mask at every edge of its blocks', () => checkEpilogue(68, 45, 132, 'subgroup', 'mask', quadBlock));

  it('puts several quads in a workgroup when the grid limit asks, and still agrees with float64', async () => {
    if (!gpu().hasSubgroups) return; // the matmul tests above check the refusal
    const [M, K, N] = [70, 21, 130];
    const plan = planMatmul(
      { M, N, K, transposeA: false, transposeB: false },
      { ...matmulTraits(gpu()), maxWorkgroupsPerDimension: 2 },
      { force: 'subgroup', forceBlock: quadBlock },
    );
    expect(Math.max(...plan.workgroups)).toBeLessThanOrEqual(2);
    expect(Number(plan.constants.QUADS_X) * Number(plan.constants.QUADS_Y)).toBeGreaterThan(1);
    const random = seededRandom(17);
    const [a, b] = [randomMatrix(random, M, K), randomMatrix(random, K, N)];
    poisonPool(gpu(), M * N);
    poisonPool(gpu(), M * K, NaN);
    poisonPool(gpu(), K * N, NaN);
    const result = await gpu().scope(() => {
      const [aTensor, bTensor, out] = [toTensor(gpu(), a), toTensor(gpu(), b), gpu().tensor([M, N])];
      const values = gpu().values(matmulShaders.subgroup, { M, N, K });
      gpu().dispatch(
        gpu().kernel(matmulShaders.subgroup, plan.constants),
        matmulBindings(aTensor.binding, bTensor.binding, out.binding),
        plan.workgroups,
        values,
      );
      return out;
    });
    const values = await result.read();
    result.dispose();
    expectClose(values, matmulRef(a, b).data, { atol: 2e-6 * K, rtol: 1e-4 }, `${plan.constants.QUADS_X} x ${plan.constants.QUADS_Y} quads per workgroup`);
  });
});

/** [rows, cols] of x: Grams of 1 to 300 rows or columns, crossing many blocks and tiles on the diagonal. */
const gramShapes: [number, number][] = [
  [1, 1],
  [1, 37],
  [7, 13],
  [33, 65],
  [130, 67],
  [300, 70],
];

/** x x^T and x^T x against float64. */
async function checkGrams(rows: number, cols: number, choice: Pick<MatmulOptions, 'kernel' | 'quadBlock'>): Promise<void> {
  if (choice.kernel === 'subgroup' && !gpu().hasSubgroups) return; // the matmul tests above check the refusal
  const x = randomMatrix(seededRandom(rows * 613 + cols), rows, cols);
  for (const side of ['rows', 'columns'] as const) {
    const expected = side === 'rows' ? matmulRef(x, transpose(x)) : matmulRef(transpose(x), x);
    poisonPool(gpu(), expected.data.length);
    poisonPool(gpu(), rows * cols, NaN);
    const result = await gpu().scope(() => gram(toTensor(gpu(), x), side, choice));
    expect(result.shape).toEqual([expected.rows, expected.cols]);
    const values = await result.read();
    result.dispose();
    const K = side === 'rows' ? cols : rows;
    expectClose(values, expected.data, { atol: 2e-6 * K, rtol: 1e-4 }, `${JSON.stringify(choice)} gram of ${side}, x ${rows}x${cols}`);
  }
}

describe.each(kernels)('gram, %s kernel', (kernel) => {
  it.each(gramShapes)('x %i x %i: x x^T and x^T x agree with float64', (rows, cols) => checkGrams(rows, cols, { kernel }));
});

describe('gram, subgroup kernel, quad block of 2 x 2', () => {
  it.each(gramShapes.slice(-3))('x %i x %i: x x^T and x^T x agree with float64', (rows, cols) =>
    checkGrams(rows, cols, { kernel: 'subgroup', quadBlock: { rowGroups: 2, colBlocks: 2 } }),
  );
});

describe('matmul plan', () => {
  it('gives big products big quad blocks, small and thin ones small blocks, and Grams square ones', () => {
    const block = (M: number, K: number, N: number, symmetric = false) => quadBlock({ M, N, K, transposeA: false, transposeB: false, symmetric });
    expect(block(30, 50, 50)).toEqual({ rowGroups: 1, colBlocks: 1 }); // the reference network: compile time dominates
    expect(block(1024, 1024, 1024)).toEqual({ rowGroups: 2, colBlocks: 4 });
    expect(block(16384, 512, 10)).toEqual({ rowGroups: 1, colBlocks: 1 }); // 10 columns: wider blocks compute padding
    expect(block(10, 16384, 512)).toEqual({ rowGroups: 1, colBlocks: 4 }); // 10 rows, many columns
    expect(block(1024, 1024, 1024, true)).toEqual({ rowGroups: 2, colBlocks: 2 });
    // The MNIST MLP's first weight gradient, G^T Z: transposing A in registers costs a 1 x 1 block most.
    expect(quadBlock({ M: 128, N: 784, K: 100, transposeA: true, transposeB: false })).toEqual({ rowGroups: 2, colBlocks: 2 });
    expect(quadBlock({ M: 128, N: 784, K: 100, transposeA: false, transposeB: false })).toEqual({ rowGroups: 1, colBlocks: 1 });
  });

  it('counts a block already compiled as free to compile', () => {
    const hidden = { M: 100, N: 128, K: 128, transposeA: false, transposeB: true }; // the MNIST MLP's hidden product
    expect(quadBlock(hidden), 'nothing compiled: the quickest to compile').toEqual({ rowGroups: 1, colBlocks: 1 });
    const twoByTwo = (block: { rowGroups: number; colBlocks: number }) => block.rowGroups === 2 && block.colBlocks === 2;
    expect(quadBlock(hidden, twoByTwo), '2 x 2 compiled for another product: faster, and free').toEqual({ rowGroups: 2, colBlocks: 2 });
    // The quickest block compiles whichever block is chosen (as the plan, or as the stand-in): whether it has changes nothing.
    const quickest = QUAD_BLOCKS.reduce((best, next) => (next.compileMs < best.compileMs ? next : best));
    const isQuickest = (block: { rowGroups: number; colBlocks: number }) => block.rowGroups === quickest.rowGroups && block.colBlocks === quickest.colBlocks;
    for (const [M, K, N] of [
      [128, 100, 784],
      [100, 784, 128],
      [256, 256, 256],
      [1024, 1024, 1024],
      [30, 50, 50],
    ]) {
      const shape = { M, N, K, transposeA: true, transposeB: false };
      expect(quadBlock(shape, isQuickest), `${M} x ${K} x ${N}`).toEqual(quadBlock(shape));
    }
  });

  it('compiles a block slow to compile in the background, the quickest to compile serving meanwhile', () => {
    const traits = { ...matmulTraits(gpu()), software: true, subgroups: true, subgroupMinSize: 4, subgroupMaxSize: 4 };
    const shape = (M: number, K: number, N: number) => ({ M, N, K, transposeA: false, transposeB: true });
    const quickest = QUAD_BLOCKS.reduce((best, next) => (next.compileMs < best.compileMs ? next : best));
    const mlpFirstLayer = planMatmul(shape(100, 784, 128), traits); // the README's MNIST MLP, batch 100
    expect(mlpFirstLayer.quadBlock, 'the compile-time trade-off still picks the block').toEqual(quadBlock(shape(100, 784, 128)));
    expect(mlpFirstLayer.interim?.quadBlock).toEqual({ rowGroups: quickest.rowGroups, colBlocks: quickest.colBlocks });
    expect(mlpFirstLayer.quadBlock).not.toEqual(mlpFirstLayer.interim?.quadBlock);
    expect(planMatmul(shape(1024, 1024, 1024), traits).interim?.quadBlock, '2 x 4: seconds to compile').toEqual(mlpFirstLayer.interim?.quadBlock);
    expect(planMatmul(shape(30, 50, 50), traits).interim, 'the quickest block is the choice: nothing to wait for').toBeUndefined();
    expect(planMatmul(shape(100, 784, 128), traits, { force: 'subgroup' }).interim, 'a forced kernel is served at once').toBeUndefined();
  });

  it('serves the interim block until the background compile lands, then the plan’s: both agree with float64', () =>
    withFreshGpu(async (g) => {
      const [M, K, N] = [100, 784, 128];
      const plan = planMatmul({ M, N, K, transposeA: false, transposeB: true }, matmulTraits(g));
      if (!plan.interim) return expect(g.hasSubgroups, 'only the subgroup kernel compiles in the background').toBe(false);
      const random = seededRandom(11);
      const [a, b] = [randomMatrix(random, M, K), randomMatrix(random, N, K)];
      const expected = matmulRef(a, transpose(b)).data;
      const [aT, bT] = [toTensor(g, a), toTensor(g, b)];
      const landed = g.kernels.backgroundCompiled;
      const shape = { M, N, K, transposeA: false, transposeB: true };
      expect(matmulKernel(g, shape).plan.quadBlock, 'before landing').toEqual(plan.interim.quadBlock);
      const before = g.scope(() => matmul(aT, bT, { transposeB: true }));
      expectClose(await before.read(), expected, { atol: 1e-4 }, 'interim block');
      await g.kernels.settled();
      expect(g.kernels.backgroundCompiled).toBe(landed + 1);
      expect(matmulKernel(g, shape).plan.quadBlock, 'after landing').toEqual(plan.quadBlock);
      const after = g.scope(() => matmul(aT, bT, { transposeB: true }));
      expectClose(await after.read(), expected, { atol: 1e-4 }, 'plan block');
      for (const t of [aT, bT, before, after]) t.dispose();
    }));

  it('serves every shape of a layout and block with one pipeline: a new shape compiles nothing, and agrees with float64', () =>
    withFreshGpu(async (g) => {
      // The MNIST MLP's hidden forward product, then others with the same layout (rows of 4 floats, B transposed).
      const shapes: [number, number, number][] = [
        [100, 128, 128],
        [96, 132, 120],
        [60, 64, 40],
      ];
      const random = seededRandom(5);
      const blocks = new Set<string>();
      let compiled = 0;
      for (const [M, K, N] of shapes) {
        const [a, b] = [randomMatrix(random, M, K), randomMatrix(random, N, K)];
        const [aT, bT] = [toTensor(g, a), toTensor(g, b)];
        const c = g.scope(() => matmul(aT, bT, { transposeB: true }));
        expectClose(await c.read(), matmulRef(a, transpose(b)).data, { atol: 2e-6 * K, rtol: 1e-4 }, `${M} x ${K} x ${N}`);
        const { plan } = matmulKernel(g, { M, N, K, transposeA: false, transposeB: true });
        blocks.add(JSON.stringify(plan.constants));
        if (compiled > 0) expect(g.kernels.compiled, `${M} x ${K} x ${N} compiled nothing`).toBe(compiled);
        compiled = g.kernels.compiled;
        for (const t of [aT, bT, c]) t.dispose();
      }
      expect(blocks.size, 'one layout and block for the three').toBe(1);
    }));

  it('refuses a quad block it does not offer, and a quad block for another kernel', () => {
    const shape = { M: 64, N: 64, K: 64, transposeA: false, transposeB: false };
    const traits = { ...matmulTraits(gpu()), subgroups: true };
    expect(() => planMatmul(shape, traits, { force: 'subgroup', forceBlock: { rowGroups: 3, colBlocks: 1 } })).toThrow(
      /no quad block of 3x1 .* offers 1x1, 1x4, 2x2, 2x4/,
    );
    expect(() => planMatmul(shape, traits, { force: 'plain', forceBlock: { rowGroups: 2, colBlocks: 2 } })).toThrow(/'subgroup' kernel only, not 'plain'/);
  });

  it('refuses an epilogue the kernels cannot apply: on a symmetric product, or a bias and a mask at once', () => {
    const shape = { M: 64, N: 64, K: 64, transposeA: false, transposeB: false };
    const traits = matmulTraits(gpu());
    expect(() => planMatmul({ ...shape, symmetric: true, mask: true }, traits)).toThrow(/symmetric product takes no bias, activation or mask/);
    expect(() => planMatmul({ ...shape, bias: true, mask: true }, traits)).toThrow(/a bias or a mask, not both/);
  });

  it('refuses a grid larger than the device allows, naming the limit', () => {
    const traits = { ...matmulTraits(gpu()), maxWorkgroupsPerDimension: 4 };
    const shape = { M: 4096, N: 4096, K: 8, transposeA: false, transposeB: false };
    expect(() => planMatmul(shape, traits, { force: 'plain' })).toThrow(/needs 128 workgroups in one dimension, maxComputeWorkgroupsPerDimension is 4/);
    expect(() => planMatmul(shape, traits, { force: 'tiled' })).toThrow(/maxComputeWorkgroupsPerDimension is 4/);
  });

  it('chooses the tiled kernel on hardware and a register kernel on software', () => {
    const shape = { M: 512, N: 512, K: 512, transposeA: false, transposeB: false };
    const traits = matmulTraits(gpu());
    expect(planMatmul(shape, { ...traits, software: false }).kernel).toBe('tiled');
    expect(planMatmul(shape, { ...traits, software: true, subgroups: true, subgroupMinSize: 4, subgroupMaxSize: 4 }).kernel).toBe('subgroup');
    expect(planMatmul(shape, { ...traits, software: true, subgroups: false }).kernel).toBe('plain');
  });
});

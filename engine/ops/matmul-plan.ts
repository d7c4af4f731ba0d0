// Which matmul kernel, block or tile sizes and grid to use for a shape on a device; shaders/matmul_*.wgsl.
// On SwiftShader (software Vulkan, 2 cores) a load costs tens of multiply-adds and workgroup memory is no cheaper
// than storage, so sharing operands through quad swaps wins (the subgroup kernel: about 14% of the FMA peak
// at 512^3 with 2 x 4 blocks, against 3% for the plain kernel) and workgroup tiles lose. Real GPUs want the tiles.
// Bigger quad blocks run faster and compile slower (seconds): a block slow to compile is compiled in the background
// while the quickest to compile serves (the plan's `interim`; matmulKernel).
// Every block sums each entry over k in the same order, so when the take-over happens changes no result.
// A block compiled for one product serves every product of its layout (matmul_common.wgsl), so the next one's plan
// counts it as free to compile (quadBlock's `compiled`).
import type { ShaderFile } from '../shader';
import plainShader from '../../shaders/matmul_plain.wgsl';
import subgroupShader from '../../shaders/matmul_subgroup.wgsl';
import tiledShader from '../../shaders/matmul_tiled.wgsl';

/** C (M x N) = op(A) (M x K) * op(B) (K x N); A is stored K x M when transposeA, B is stored N x K when transposeB. */
export interface MatmulShape {
  M: number;
  N: number;
  K: number;
  transposeA: boolean;
  transposeB: boolean;
  /** op(A) = op(B)^T (a Gram matrix, M = N; unchecked: gram() is the one caller): the kernel computes the upper triangle and mirrors it. */
  symmetric?: boolean;
  /** The epilogue as C is written (shaders/matmul_common.wgsl's BIAS and RELU, or MASK: a ReLU's gradient). */
  bias?: boolean;
  relu?: boolean;
  mask?: boolean;
}

/** What the plan needs to know of the adapter and device (see matmulTraits in matmul.ts). */
export interface MatmulDeviceTraits {
  /** The device was created with the 'subgroups' feature. */
  subgroups: boolean;
  /** GPUAdapterInfo.subgroupMinSize / subgroupMaxSize; 0 when unknown. */
  subgroupMinSize: number;
  subgroupMaxSize: number;
  /** A software rasteriser (SwiftShader and the like): kernels are then chosen for CPUs. */
  software: boolean;
  maxWorkgroupStorageBytes: number;
  maxInvocationsPerWorkgroup: number;
  maxWorkgroupsPerDimension: number;
}

export type MatmulKernel = 'tiled' | 'subgroup' | 'plain';

/**
 * A kernel, its override constants (layout and tiles) and the workgroup grid to dispatch; the kernel reads the shape
 * itself as values (shaders/matmul_common.wgsl).
 */
export interface MatmulPlan {
  kernel: MatmulKernel;
  constants: Record<string, number | boolean>;
  workgroups: [number, number, number];
  /** The subgroup kernel's block of C per quad. */
  quadBlock?: QuadBlock;
  /**
   * Set when this plan's block compiles too slowly to wait for: the plan to run meanwhile, a block quick to compile,
   * while this one compiles in the background (matmulKernel). Its pipeline takes over once it has landed.
   */
  interim?: MatmulPlan;
}

/** Each kernel's shader. */
export const matmulShaders: Record<MatmulKernel, ShaderFile> = {
  tiled: tiledShader,
  subgroup: subgroupShader,
  plain: plainShader,
};

/** A block of C one quad of the subgroup kernel computes: (16 rowGroups) x (16 colBlocks). */
export interface QuadBlock {
  rowGroups: number;
  colBlocks: number;
}

/**
 * The blocks the subgroup kernel offers, with the time each takes per multiply-add relative to 16 x 16 and the
 * time its pipeline takes to compile (matmul_subgroup.wgsl; SwiftShader in headless Chromium, products of
 * 256..1024). Big blocks run faster and compile far slower. With A stored transposed in whole vec4s (a weight
 * gradient, G^T Z) each 4 x 4 block of op(A) is transposed in registers, so the time is `transposedA` times as
 * long, most for the smallest block (bench/README.md).
 */
export const QUAD_BLOCKS = [
  { rowGroups: 1, colBlocks: 1, relativeCost: 1, transposedA: 1.5, compileMs: 150 },
  { rowGroups: 1, colBlocks: 4, relativeCost: 0.82, transposedA: 1.3, compileMs: 500 },
  { rowGroups: 2, colBlocks: 2, relativeCost: 0.76, transposedA: 1.2, compileMs: 700 },
  { rowGroups: 2, colBlocks: 4, relativeCost: 0.66, transposedA: 1.2, compileMs: 2000 },
] as const;
/** The block that serves while a block slow to compile compiles in the background. */
const QUICKEST_BLOCK = QUAD_BLOCKS.reduce((best, next) => (next.compileMs < best.compileMs ? next : best));

/** Multiply-adds per millisecond of 16 x 16 blocks with every core busy (SwiftShader, 2 cores, measured). */
const QUAD_MULTIPLY_ADDS_PER_MS = 3.5e6;
/** Workgroups to share out evenly among a CPU's few cores, about: with fewer, cores idle at the end, so a big block over a small product loses. */
const CONCURRENT_WORKGROUPS = 8;
/** A slower compile must pay for itself within this many runs of the product: the steps of a training run. */
const RUNS_TO_REPAY_COMPILE = 1000;
/**
 * A block whose pipeline takes this long or longer to compile is compiled in the background while the quickest block
 * to compile serves, so a run starts at once instead of waiting seconds. Which block is still the trade-off's above:
 * on a software GPU a background compile takes the same cores, so it must repay itself like any other.
 */
const BACKGROUND_COMPILE_MS = 500;

/** Each invocation of the plain and tiled kernels computes a 4 x 4 block of C. */
const INVOCATION_BLOCK = 4;

/** What may steer a plan besides the shape and the device. */
export interface PlanChoice {
  /** A kernel instead of the plan's choice (benchmarks and tests). */
  force?: MatmulKernel;
  /** The subgroup kernel's block instead of the plan's choice. */
  forceBlock?: QuadBlock;
  /** Whether a candidate's pipeline is compiled already (or compiling): its compile then costs nothing. */
  compiled?: (candidate: MatmulPlan) => boolean;
}

/**
 * Chooses the kernel and its constants for `shape` on a device with `traits`, as `choice` steers it.
 * Only an unforced plan may come with an `interim`.
 * Precondition: the buffers bound are at least the matrices' size rounded up to 16 bytes (the subgroup
 * kernel reads vec4s); the engine's pool rounds to powers of two of at least 256 bytes.
 * Throws when a symmetric shape is not square, when the grid would exceed maxWorkgroupsPerDimension or a workgroup
 * maxComputeInvocationsPerWorkgroup, when `force` asks for 'subgroup' without subgroups, or when `forceBlock` is
 * not one of QUAD_BLOCKS or the kernel is not 'subgroup'.
 */
export function planMatmul(shape: MatmulShape, traits: MatmulDeviceTraits, { force, forceBlock, compiled }: PlanChoice = {}): MatmulPlan {
  if (shape.symmetric && shape.M !== shape.N) throw new Error(`matmul: a symmetric product must be square, got ${shape.M} x ${shape.N}`);
  if (shape.symmetric && (shape.bias || shape.relu || shape.mask)) {
    throw new Error('matmul: a symmetric product takes no bias, activation or mask (its mirror image would too)');
  }
  if (shape.bias && shape.mask) throw new Error('matmul: the epilogue takes a bias or a mask, not both (they share a binding)');
  const kernel = force ?? chooseKernel(shape, traits);
  if (forceBlock && kernel !== 'subgroup') throw new Error(`matmul: a quad block applies to the 'subgroup' kernel only, not '${kernel}'`);
  switch (kernel) {
    case 'subgroup':
      return subgroupPlan(shape, traits, forceBlock, force === undefined, compiled);
    case 'tiled':
      return tiledPlan(shape, traits);
    case 'plain':
      return plainPlan(shape, traits);
    default:
      return kernel satisfies never;
  }
}

/** Quad swaps need the feature and quads, which every subgroup size WebGPU allows (>= 4) has. */
export const hasQuadOperations = (traits: MatmulDeviceTraits): boolean => traits.subgroups && traits.subgroupMinSize >= 4;

function chooseKernel(shape: MatmulShape, traits: MatmulDeviceTraits): MatmulKernel {
  // The kernel only pays off where loads are expensive relative to arithmetic, i.e. on CPUs.
  if (traits.software) return hasQuadOperations(traits) ? 'subgroup' : 'plain';
  // On a GPU a tile's fill and barriers are wasted when the whole product fits in a few invocations.
  if (shape.M * shape.N <= 256) return 'plain';
  return 'tiled';
}

function layoutConstants({ transposeA, transposeB, symmetric = false, bias = false, relu = false, mask = false }: MatmulShape): Record<string, boolean> {
  return { TRANSPOSE_A: transposeA, TRANSPOSE_B: transposeB, SYMMETRIC: symmetric, BIAS: bias, RELU: relu, MASK: mask };
}

/** `tiered`: the plan's own choice, which may compile its block in the background (a forced kernel is served at once). */
function subgroupPlan(
  shape: MatmulShape,
  traits: MatmulDeviceTraits,
  forceBlock: QuadBlock | undefined,
  tiered: boolean,
  compiled: PlanChoice['compiled'],
): MatmulPlan {
  if (!traits.subgroups) throw new Error("matmul: the 'subgroup' kernel needs the adapter feature 'subgroups', which this device lacks");
  if (forceBlock && !QUAD_BLOCKS.some((block) => block.rowGroups === forceBlock.rowGroups && block.colBlocks === forceBlock.colBlocks)) {
    const offered = QUAD_BLOCKS.map((block) => `${block.rowGroups}x${block.colBlocks}`).join(', ');
    throw new Error(
      `matmul: no quad block of ${forceBlock.rowGroups}x${forceBlock.colBlocks} row groups x column blocks; the subgroup kernel offers ${offered}`,
    );
  }
  if (forceBlock) return subgroupBlockPlan(shape, traits, forceBlock);
  const block = quadBlock(shape, (candidate) => compiled?.(subgroupBlockPlan(shape, traits, candidate)) ?? false);
  const plan = subgroupBlockPlan(shape, traits, block);
  if (!tiered || compileMs(block) < BACKGROUND_COMPILE_MS) return plan;
  return { ...plan, interim: subgroupBlockPlan(shape, traits, QUICKEST_BLOCK) };
}

/** The measured compile time of a block of QUAD_BLOCKS. */
const compileMs = ({ rowGroups, colBlocks }: QuadBlock): number =>
  QUAD_BLOCKS.find((block) => block.rowGroups === rowGroups && block.colBlocks === colBlocks)!.compileMs;

function subgroupBlockPlan(shape: MatmulShape, traits: MatmulDeviceTraits, { rowGroups, colBlocks }: QuadBlock): MatmulPlan {
  const { M, N, K } = shape;
  const vec4 = vec4Rows(shape);
  const [blockRows, blockCols] = [16 * rowGroups, 16 * colBlocks];
  // One quad per workgroup: as fast as 4-16 quads on SwiftShader (measured), and the quad is then the
  // whole workgroup, so no assumption about how invocations map onto subgroups is needed.
  // Wide products get more quads per workgroup only to stay within the grid limit.
  const quadsX = growToFit(Math.ceil(N / blockCols), traits, 'N', N);
  const quadsY = growToFit(Math.ceil(M / blockRows), traits, 'M', M);
  if (4 * quadsX * quadsY > traits.maxInvocationsPerWorkgroup) {
    throw new Error(
      `matmul ${M}x${N}x${K}: needs ${4 * quadsX * quadsY} invocations per workgroup, maxComputeInvocationsPerWorkgroup is ${traits.maxInvocationsPerWorkgroup}`,
    );
  }
  return {
    kernel: 'subgroup',
    constants: {
      ...layoutConstants(shape),
      VEC4_A: vec4.a,
      VEC4_B: vec4.b,
      ROW_GROUPS: rowGroups,
      COL_BLOCKS: colBlocks,
      QUADS_X: quadsX,
      QUADS_Y: quadsY,
    },
    workgroups: [Math.ceil(N / (blockCols * quadsX)), Math.ceil(M / (blockRows * quadsY)), 1],
    quadBlock: { rowGroups, colBlocks },
  };
}

/**
 * The quad block with the least estimated time for RUNS_TO_REPAY_COMPILE runs and the compiles it needs: multiply-adds
 * including the padding to whole blocks, at the block's relative cost, shared among the workgroups that run at
 * once; its own compile unless `compiled` already, and the quickest block's as its stand-in when it compiles in
 * the background. A symmetric product takes square blocks, whose grid skips everything below the diagonal.
 */
export function quadBlock({ symmetric = false, ...shape }: MatmulShape, compiled: (block: QuadBlock) => boolean = () => false): QuadBlock {
  const standInCompiled = compiled(QUICKEST_BLOCK); // each is asked once: a lookup keys on the whole shader source
  const compiles = (block: (typeof QUAD_BLOCKS)[number]) =>
    (compiled(block) ? 0 : block.compileMs) +
    (block !== QUICKEST_BLOCK && block.compileMs >= BACKGROUND_COMPILE_MS && !standInCompiled ? QUICKEST_BLOCK.compileMs : 0);
  const costs = QUAD_BLOCKS.filter((block) => !symmetric || block.rowGroups === block.colBlocks).map((block) => ({
    block,
    cost: RUNS_TO_REPAY_COMPILE * runMs(shape, block) + compiles(block),
  }));
  const { rowGroups, colBlocks } = costs.reduce((best, next) => (next.cost < best.cost ? next : best)).block;
  return { rowGroups, colBlocks };
}

/** Whether the stored rows of A and of B are a multiple of 4 floats long, which allows aligned vec4 loads. */
const vec4Rows = ({ M, N, K, transposeA, transposeB }: Omit<MatmulShape, 'symmetric'>) => ({
  a: (transposeA ? M : K) % 4 === 0,
  b: (transposeB ? K : N) % 4 === 0,
});

/** The estimated milliseconds of one product with `block` (see quadBlock). */
function runMs(shape: Omit<MatmulShape, 'symmetric'>, block: (typeof QUAD_BLOCKS)[number]): number {
  const { M, N, K, transposeA } = shape;
  const { rowGroups, colBlocks, relativeCost, transposedA } = block;
  const [rows, cols] = [Math.ceil(M / (16 * rowGroups)), Math.ceil(N / (16 * colBlocks))];
  const multiplyAdds = rows * 16 * rowGroups * cols * 16 * colBlocks * K;
  const idleShare = CONCURRENT_WORKGROUPS / Math.min(rows * cols, CONCURRENT_WORKGROUPS);
  const registerTranspose = transposeA && vec4Rows(shape).a;
  return (multiplyAdds * relativeCost * (registerTranspose ? transposedA : 1) * idleShare) / QUAD_MULTIPLY_ADDS_PER_MS;
}

/** The smallest power of two p with ceil(blocks / p) within the grid limit. */
function growToFit(blocks: number, traits: MatmulDeviceTraits, dimension: string, size: number): number {
  let perWorkgroup = 1;
  while (Math.ceil(blocks / perWorkgroup) > traits.maxWorkgroupsPerDimension) perWorkgroup *= 2;
  if (perWorkgroup > 64) {
    throw new Error(
      `matmul: ${dimension} = ${size} needs ${Math.ceil(blocks / 64)} workgroups in one dimension, maxComputeWorkgroupsPerDimension is ${traits.maxWorkgroupsPerDimension}`,
    );
  }
  return perWorkgroup;
}

function tiledPlan(shape: MatmulShape, traits: MatmulDeviceTraits): MatmulPlan {
  // 16 x 16 invocations (a 64 x 64 tile) where allowed; halve a side that is at most half a tile, so
  // small matrices do not compute mostly zeros. WebGPU guarantees 256 invocations (128 in compatibility mode).
  let workgroupX = 16;
  let workgroupY = 16;
  while (workgroupX * workgroupY > traits.maxInvocationsPerWorkgroup) {
    if (workgroupX >= workgroupY) workgroupX /= 2;
    else workgroupY /= 2;
  }
  while (workgroupX > 4 && shape.N <= (INVOCATION_BLOCK * workgroupX) / 2) workgroupX /= 2;
  while (workgroupY > 4 && shape.M <= (INVOCATION_BLOCK * workgroupY) / 2) workgroupY /= 2;
  const tileM = INVOCATION_BLOCK * workgroupY;
  const tileN = INVOCATION_BLOCK * workgroupX;
  // Deeper slabs mean fewer barriers; the two slabs must fit in workgroup memory (16 KiB guaranteed).
  let tileK = 32;
  while (tileK > 4 && 4 * tileK * (tileM + tileN) > traits.maxWorkgroupStorageBytes) tileK /= 2;
  return {
    kernel: 'tiled',
    constants: { ...layoutConstants(shape), WORKGROUP_X: workgroupX, WORKGROUP_Y: workgroupY, TILE_K: tileK },
    workgroups: checkGrid(shape, traits, [Math.ceil(shape.N / tileN), Math.ceil(shape.M / tileM), 1]),
  };
}

function plainPlan(shape: MatmulShape, traits: MatmulDeviceTraits): MatmulPlan {
  const workgroupX = 8;
  const workgroupY = 8;
  return {
    kernel: 'plain',
    constants: { ...layoutConstants(shape), WORKGROUP_X: workgroupX, WORKGROUP_Y: workgroupY },
    workgroups: checkGrid(shape, traits, [Math.ceil(shape.N / (INVOCATION_BLOCK * workgroupX)), Math.ceil(shape.M / (INVOCATION_BLOCK * workgroupY)), 1]),
  };
}

function checkGrid(shape: MatmulShape, traits: MatmulDeviceTraits, workgroups: [number, number, number]): [number, number, number] {
  const largest = Math.max(...workgroups);
  if (largest > traits.maxWorkgroupsPerDimension) {
    throw new Error(
      `matmul ${shape.M}x${shape.N}x${shape.K}: needs ${largest} workgroups in one dimension, maxComputeWorkgroupsPerDimension is ${traits.maxWorkgroupsPerDimension}`,
    );
  }
  return workgroups;
}

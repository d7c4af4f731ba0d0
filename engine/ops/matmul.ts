// matmul: C = op(A) op(B) with op a transpose or not, so backward never copies a transpose; gram: x x^T or x^T x;
// linear: a network layer, x W^T + 1 b^T and its activation, in the one kernel (the matmul's epilogue).
// The kernel and its tiles come from planMatmul (matmul-plan.ts); shaders/matmul_*.wgsl.
import type { Gpu } from '../gpu';
import type { Kernel } from '../kernels';
import { record } from '../tape';
import { add, markReluOutput, maskedWith, reluGradient, reluMaskFor } from './elementwise';
import { sumRows } from './bias';
import { outputTensor, type Tensor } from '../tensor';
import { matmulShaders, planMatmul, type MatmulDeviceTraits, type MatmulKernel, type MatmulPlan, type MatmulShape, type QuadBlock } from './matmul-plan';

export interface MatmulOptions {
  /** Use A's transpose: A is stored K x M. */
  transposeA?: boolean;
  /** Use B's transpose: B is stored N x K. */
  transposeB?: boolean;
  /** Force a kernel instead of the plan's choice (benchmarks and tests). */
  kernel?: MatmulKernel;
  /** Force the subgroup kernel's block (one of QUAD_BLOCKS) instead of the plan's choice. */
  quadBlock?: QuadBlock;
}

/** What the forward product is asked to run: the forced kernel and block, whether it is a Gram's, and its epilogue. */
interface ProductChoice {
  kernel?: MatmulKernel;
  quadBlock?: QuadBlock;
  symmetric?: boolean;
  bias?: Tensor | null;
  relu?: boolean;
  /** C kept where this (M x N) is > 0: a ReLU's gradient. */
  mask?: Tensor | null;
}

/**
 * C (M x N) = op(A) (M x K) * op(B) (K x N).
 * Backward, with G = dC:  dA = G op(B)^T  (stored transposed when A is),  dB = op(A)^T G  (likewise).
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const transposeA = options.transposeA ?? false;
  const transposeB = options.transposeB ?? false;
  const out = matmulForward(a, b, transposeA, transposeB, { kernel: options.kernel, quadBlock: options.quadBlock });
  return record(out, [a, b], (gradOutput, needsGrad, into) => [
    needsGrad[0]
      ? transposeA
        ? matmulForward(b, gradOutput, transposeB, true, {}, into[0]) // dA^T = op(B) G^T
        : matmulForward(gradOutput, b, false, !transposeB, {}, into[0]) // dA = G op(B)^T
      : null,
    needsGrad[1]
      ? transposeB
        ? matmulForward(gradOutput, a, true, transposeA, {}, into[1]) // dB^T = G^T op(A)
        : matmulForward(a, gradOutput, !transposeA, false, {}, into[1]) // dB = op(A)^T G
      : null,
  ]);
}

/**
 * The Gram matrix of x's rows, x x^T, or of its columns, x^T x. It is symmetric, so the kernel computes the
 * upper triangle and mirrors it: half the multiply-adds of matmul(x, x, ...). With G = dC: dx = (G + G^T) x
 * for rows, x (G + G^T) for columns.
 */
export function gram(x: Tensor, of: 'rows' | 'columns', options: Pick<MatmulOptions, 'kernel' | 'quadBlock'> = {}): Tensor {
  const rows = of === 'rows';
  const out = matmulForward(x, x, !rows, rows, { ...options, symmetric: true });
  return record(out, [x], (gradOutput) => [
    rows
      ? add(matmulForward(gradOutput, x, false, false), matmulForward(gradOutput, x, true, false))
      : add(matmulForward(x, gradOutput, false, false), matmulForward(x, gradOutput, false, true)),
  ]);
}

/**
 * A network layer: y = x W^T + 1 b^T (x is N x in, W is out x in as nn.Linear stores it, b has `out` entries), then
 * max(y, 0) when `relu`; one dispatch. Backward, with G = dy masked where y = 0 (the ReLU's gradient, as PyTorch's at
 * 0): dx = G W, dW = G^T x, db = the column sums of G; dx with x's ReLU's mask when x is a ReLU's output (reluMaskFor).
 */
export function linear(x: Tensor, weight: Tensor, { bias = null, relu = false }: { bias?: Tensor | null; relu?: boolean } = {}): Tensor {
  const out = weight.shape[0];
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== out)) {
    throw new Error(`linear: the bias must have one entry per output (${out}), got shape [${bias.shape}]`);
  }
  const tape = x.gpu.tape;
  const y = matmulForward(x, weight, false, true, { bias, relu });
  if (relu) markReluOutput(y);
  return record(y, bias ? [x, weight, bias] : [x, weight], (gradOutput, needsGrad, into) => {
    const g = relu ? reluGradient(gradOutput, y) : gradOutput;
    const mask = reluMaskFor(x, tape);
    const dx = needsGrad[0] ? matmulForward(g, weight, false, false, { mask }, into[0]) : null;
    return [
      dx && mask ? maskedWith(dx, mask) : dx,
      needsGrad[1] ? matmulForward(g, x, true, false, {}, into[1]) : null,
      ...(bias ? [needsGrad[2] ? sumRows(g, into[2]) : null] : []),
    ];
  });
}

/** What a matmul kernel binds: A, B, C, and the bias or the mask or, without either, A again (shaders/matmul_common.wgsl says why). */
export const matmulBindings = <Bound>(a: Bound, b: Bound, c: Bound, epilogueInput?: Bound): Bound[] => [a, b, c, epilogueInput ?? a];

/** C = op(A) op(B) into `into` (M x N), or a new tensor when it is null. */
function matmulForward(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean, choice: ProductChoice = {}, into: Tensor | null = null): Tensor {
  if (a.shape.length !== 2 || b.shape.length !== 2) {
    throw new Error(`matmul: operands must be matrices, got shapes [${a.shape}] and [${b.shape}]`);
  }
  const [M, K] = transposeA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [bK, N] = transposeB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (K !== bK) {
    const describe = (t: Tensor, transposed: boolean) => `[${t.shape}]${transposed ? '^T' : ''}`;
    throw new Error(`matmul: inner dimensions differ: ${describe(a, transposeA)} x ${describe(b, transposeB)} (${K} vs ${bK})`);
  }
  const gpu = a.gpu;
  const out = outputTensor(gpu, [M, N], 'matmul', into);
  const { bias = null, mask = null } = choice;
  if (mask && (mask.shape.length !== 2 || mask.shape[0] !== M || mask.shape[1] !== N)) {
    throw new Error(`matmul: the mask must have C's shape [${M},${N}], got [${mask.shape}]`);
  }
  const shape = { M, N, K, transposeA, transposeB, symmetric: choice.symmetric ?? false, bias: bias != null, relu: choice.relu ?? false, mask: mask != null };
  const { kernel, plan, values } = matmulKernel(gpu, shape, choice.kernel, choice.quadBlock);
  gpu.dispatch(kernel, matmulBindings(a.binding, b.binding, out.binding, (bias ?? mask)?.binding), plan.workgroups, values);
  return out;
}

/** What matmul dispatches: the pipeline, its plan (the grid), and the shape's values buffer for @group(1). */
export interface MatmulDispatch {
  kernel: Kernel;
  plan: MatmulPlan;
  values: GPUBuffer;
}

/**
 * What matmul dispatches for `shape` (binding matmulBindings); benchmarks time it alone.
 * A plan with an interim runs the interim's until its own pipeline, compiled in the background, has landed.
 */
export function matmulKernel(gpu: Gpu, shape: MatmulShape, force?: MatmulKernel, forceBlock?: QuadBlock): MatmulDispatch {
  const plan = matmulPlan(gpu, shape, force, forceBlock);
  const ready = plan.interim ? gpu.kernels.whenReady(matmulShaders[plan.kernel], plan.constants) : gpu.kernel(matmulShaders[plan.kernel], plan.constants);
  const served = ready ? plan : plan.interim!;
  const kernel = ready ?? gpu.kernel(matmulShaders[served.kernel], served.constants);
  return { kernel, plan: served, values: gpu.values(matmulShaders[served.kernel], { M: shape.M, N: shape.N, K: shape.K }) };
}

/** The plan for `shape` on this device, counting the blocks whose pipelines exist (or are compiling) as free to compile. */
export function matmulPlan(gpu: Gpu, shape: MatmulShape, force?: MatmulKernel, forceBlock?: QuadBlock): MatmulPlan {
  const compiled = (candidate: MatmulPlan) => gpu.kernels.has(matmulShaders[candidate.kernel], candidate.constants);
  return planMatmul(shape, matmulTraits(gpu), { force, forceBlock, compiled });
}

const traitsCache = new WeakMap<Gpu, MatmulDeviceTraits>();

/** What the plan needs to know of the device, read once per device. */
export function matmulTraits(gpu: Gpu): MatmulDeviceTraits {
  let traits = traitsCache.get(gpu);
  if (!traits) {
    const limits = gpu.device.limits;
    const info = gpu.adapterInfo as GPUAdapterInfo & { subgroupMinSize?: number; subgroupMaxSize?: number };
    traits = {
      subgroups: gpu.hasSubgroups,
      subgroupMinSize: info.subgroupMinSize ?? 0,
      subgroupMaxSize: info.subgroupMaxSize ?? 0,
      software: gpu.software,
      maxWorkgroupStorageBytes: limits.maxComputeWorkgroupStorageSize,
      maxInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
      maxWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
    };
    traitsCache.set(gpu, traits);
  }
  return traits;
}

// Whole training steps of a small deep linear network as one dispatch each batch of steps: shaders/dln_step.wgsl.
// The general path replays 19 dispatches per step of the reference network, each costing more than its FLOPs;
// here one workgroup runs forward, backward and update with barriers between them. It keeps its own copy of
// the weights (and the momentum), synchronised with the network's tensors around every batch of steps.
import { makeShaderDataDefinitions, makeStructuredView } from 'webgpu-utils';
import type { Gpu } from './gpu';
import type { Network } from './model';
import type { Choice } from './settings';
import type { Tensor } from './tensor';
import { fill } from './ops/fill';
import { launch } from './ops/launch';
import { matmulTraits } from './ops/matmul';
import { hasQuadOperations } from './ops/matmul-plan';
import type { ShaderFile } from './shader';
import padShader from '../shaders/pad_rows.wgsl';
import quadStepShader from '../shaders/dln_step_quads.wgsl';
import sharedStepShader from '../shaders/dln_step_shared.wgsl';

/** How a quad's lanes trade operand rows (shaders/dln_step.wgsl): by quad swaps where the device has them, through workgroup memory elsewhere. */
const STEP_SHADERS: Record<'quad swaps' | 'workgroup memory', ShaderFile> = { 'quad swaps': quadStepShader, 'workgroup memory': sharedStepShader };

/** Above this many multiply-adds per step one workgroup is slower than the general path's many (measured in bench/). */
export const FUSED_MAX_MULTIPLY_ADDS = 2_000_000;
/** Steps per dispatch at most: a long dispatch must not trip a real GPU's watchdog. */
const STEPS_PER_DISPATCH = 128;

export interface FusedStepOptions {
  loss: Choice<'loss'>;
  optimizer: Choice<'optimizer'>;
  alpha: number;
  momentum: number;
  weightDecay: number;
  decoupledWeightDecay: boolean;
  /** Invocations per workgroup, a multiple of 4 (quads); by default one quad on a software adapter, 256 on a GPU. */
  workgroupSize?: number;
}

/** What shaders/dln_step.wgsl implements; everything else trains through the tape. */
const FUSED_IMPLEMENTS = { model: ['linear'], loss: ['mse'], optimizer: ['sgd'] } as const;

/** Why `network` cannot train by fused steps on `inputs` (N x d, full batch), or null when it can. */
export function fusedStepUnsupported(network: Network, inputs: Tensor, options: FusedStepOptions): string | null {
  const chosen = { model: network.kind, loss: options.loss, optimizer: options.optimizer };
  for (const [setting, implemented] of Object.entries(FUSED_IMPLEMENTS)) {
    const value = chosen[setting as keyof typeof chosen];
    if (!(implemented as readonly string[]).includes(value)) return `the ${setting} is '${value}'; fused steps implement ${implemented.join(', ')}`;
  }
  const shape = shapeOf(network, inputs);
  if (network.weights.some((w, l) => l < shape.depth - 1 && w.shape[0] !== shape.width)) return 'the hidden layers differ in width';
  const multiplyAdds = 3 * shape.samples * network.weights.reduce((sum, w) => sum + w.size, 0);
  if (multiplyAdds > FUSED_MAX_MULTIPLY_ADDS) return `a step's ${multiplyAdds} multiply-adds are too many for one workgroup`;
  const limit = network.weights[0].gpu.device.limits.maxStorageBufferBindingSize;
  if (workspaceFloats(shape) * 4 > limit) return `its workspace exceeds this device's ${limit}-byte storage binding`;
  return null;
}

interface NetworkShape {
  samples: number;
  inputs: number;
  width: number;
  classes: number;
  depth: number;
}

function shapeOf(network: Network, inputs: Tensor): NetworkShape {
  const weights = network.weights;
  const depth = weights.length;
  const [samples, dim] = inputs.shape;
  return { samples, inputs: dim, width: depth > 1 ? weights[0].shape[0] : 0, classes: weights[depth - 1].shape[0], depth };
}

/** Rows and columns padded to a multiple of 8 floats: shaders/dln_step.wgsl shares every product out in 8 x 8 tiles. */
const padded = (n: number) => 8 * Math.ceil(n / 8);

/**
 * Where the shader's `work` buffer keeps each matrix, the one definition of it: the weights W_1 .. W_L, their
 * velocities, the features Z_0 (the data) .. Z_L, the targets, two gradient slots; rows and columns padded.
 * `regions` (offsets and row lengths in vec4s, `rows` in rows) reaches the shader as its uniform; the rest (in
 * floats) places the matrices.
 */
function layoutOf({ samples: N, inputs: d, width: m, classes: K, depth: L }: NetworkShape) {
  const vec4s = (n: number) => padded(n) / 4;
  const fanIn = (l: number) => (l === 0 ? d : m);
  const fanOut = (l: number) => (l === L - 1 ? K : m);
  const weightSize = (l: number) => padded(fanOut(l)) * vec4s(fanIn(l));
  const weightOffset = (l: number) => (l === 0 ? 0 : weightSize(0) + (l - 1) * weightSize(1));
  const parameters = weightOffset(L - 1) + weightSize(L - 1);
  const rows = padded(N);
  const features0 = 2 * parameters;
  const features1 = features0 + rows * vec4s(d);
  const featureSize = rows * vec4s(m); // Z_1 .. Z_{L-1}; Z_L follows them
  const targets = features1 + (L - 1) * featureSize + rows * vec4s(K);
  const gradients = targets + rows * vec4s(K);
  const gradientSize = rows * vec4s(Math.max(m, K));
  const regions = {
    inputVec4s: vec4s(d),
    widthVec4s: vec4s(m),
    classVec4s: vec4s(K),
    rows,
    firstWeight: weightSize(0),
    hiddenWeight: weightSize(1),
    parameters,
    features0,
    features1,
    featureSize,
    targets,
    gradients,
    gradientSize,
  };
  const inFloats = (offset: number, columns: number) => ({ offset: 4 * offset, stride: padded(columns) });
  return {
    regions,
    weights: Array.from({ length: L }, (_, l) => inFloats(weightOffset(l), fanIn(l))),
    inputs: inFloats(features0, d),
    targets: inFloats(targets, K),
    end: 4 * (gradients + 2 * gradientSize),
  };
}

function workspaceFloats(shape: NetworkShape): number {
  return layoutOf(shape).end;
}

export class FusedLinearSteps {
  private readonly workspace: Tensor;
  private readonly layout: ReturnType<typeof layoutOf>;
  private readonly kernelConstants: Record<string, number | boolean>;
  /** How its lanes trade operand rows (STEP_SHADERS). */
  readonly trades: keyof typeof STEP_SHADERS;
  private readonly params: ReturnType<typeof makeStructuredView>;
  private readonly regionsBuffer: GPUBuffer;
  private readonly paramsBuffer: GPUBuffer;
  private readonly ratesBuffer: GPUBuffer;

  /** Create outside any scope; `inputs` and `targets` are copied in, the velocities start at zero. */
  constructor(
    private readonly gpu: Gpu,
    private readonly network: Network,
    inputs: Tensor,
    targets: Tensor,
    private readonly options: FusedStepOptions,
  ) {
    const reason = fusedStepUnsupported(network, inputs, options);
    if (reason) throw new Error(`FusedLinearSteps: ${reason}`);
    const limits = gpu.device.limits;
    const largest = Math.min(limits.maxComputeInvocationsPerWorkgroup, limits.maxComputeWorkgroupSizeX);
    const size = options.workgroupSize;
    if (size !== undefined && !(size > 0 && size % 4 === 0 && size <= largest)) {
      throw new Error(`FusedLinearSteps: workgroupSize ${size} is not a positive multiple of 4 (whole quads) up to this device's ${largest}`);
    }
    this.trades = hasQuadOperations(matmulTraits(gpu)) ? 'quad swaps' : 'workgroup memory';
    const uniforms = makeShaderDataDefinitions(STEP_SHADERS[this.trades].source).uniforms;
    this.params = makeStructuredView(uniforms.params);
    const shape = shapeOf(network, inputs);
    this.layout = layoutOf(shape);
    this.workspace = fill(gpu, [this.layout.end], 0, 'fused step workspace');
    this.pad(inputs, this.layout.inputs, false);
    this.pad(targets, this.layout.targets, false);
    this.kernelConstants = {
      SAMPLES: shape.samples,
      DEPTH: shape.depth,
      DECOUPLED: options.decoupledWeightDecay,
      // A software adapter runs a workgroup on one core, where more quads than one only make each barrier dearer.
      WORKGROUP_SIZE: size ?? Math.min(gpu.software ? 4 : 256, largest),
    };
    this.paramsBuffer = gpu.pool.acquire(this.params.arrayBuffer.byteLength, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, 'fused step params');
    this.ratesBuffer = gpu.pool.acquire(STEPS_PER_DISPATCH * 4, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST, 'fused step learning rates');
    const regions = makeStructuredView(uniforms.regions);
    regions.set(this.layout.regions);
    this.regionsBuffer = gpu.pool.acquire(regions.arrayBuffer.byteLength, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, 'fused step regions');
    gpu.write(this.regionsBuffer, new Uint8Array(regions.arrayBuffer));
  }

  /** Records one step per learning rate (in order), then leaves the updated weights in the network's tensors. */
  run(learningRates: readonly number[]): void {
    if (learningRates.length === 0) return;
    const { gpu, workspace, layout } = this;
    const weights = this.network.weights;
    weights.forEach((w, l) => this.pad(w, layout.weights[l], false));
    const kernel = gpu.kernel(STEP_SHADERS[this.trades], this.kernelConstants);
    const { alpha, momentum, weightDecay } = this.options;
    for (let first = 0; first < learningRates.length; first += STEPS_PER_DISPATCH) {
      const rates = Float32Array.from(learningRates.slice(first, first + STEPS_PER_DISPATCH));
      this.params.set({ steps: rates.length, alpha, momentum, weightDecay });
      gpu.write(this.paramsBuffer, new Uint8Array(this.params.arrayBuffer));
      gpu.write(this.ratesBuffer, rates);
      gpu.dispatch(kernel, [this.paramsBuffer, this.ratesBuffer, workspace.binding, this.regionsBuffer], [1]);
    }
    weights.forEach((w, l) => this.pad(w, layout.weights[l], true));
  }

  /** Copies a matrix into its padded place in the workspace, or (unpack) back out. */
  private pad(matrix: Tensor, place: { offset: number; stride: number }, unpack: boolean): void {
    const [rows, cols] = matrix.shape;
    const constants = { ROWS: rows, COLS: cols, STRIDE: place.stride, OFFSET: place.offset, UNPACK: unpack };
    launch(this.gpu, padShader, { constants, buffers: [matrix.binding, this.workspace.binding], items: matrix.size });
  }

  dispose(): void {
    this.workspace.dispose();
    this.gpu.pool.release(this.paramsBuffer);
    this.gpu.pool.release(this.ratesBuffer);
    this.gpu.pool.release(this.regionsBuffer);
  }
}

// The optimisers, each one fused kernel with PyTorch's semantics: SGD with momentum (shaders/optim.wgsl) and Adam
// (shaders/adam.wgsl); weight decay coupled (added to the gradient) or decoupled (the weights shrunk directly: AdamW,
// and the same for SGD). The kernel runs once over every parameter when the parameters and their gradients are each
// one block's views (engine/block.ts), as the network's and the training session's are; else once per parameter.
import { makeShaderDataDefinitions, makeStructuredView } from 'webgpu-utils';
import type { Gpu } from './gpu';
import type { ShaderFile } from './shader';
import { checkSetting, SETTINGS, type Choice, type SettingName } from './settings';
import { TensorBlock, zerosLike } from './block';
import { assertApart, assertSameShape, type Tensor } from './tensor';
import { launch, vec4Items } from './ops/launch';
import sgdShader from '../shaders/optim.wgsl';
import adamShader from '../shaders/adam.wgsl';

/** What the training loop needs of an optimiser. */
export interface Optimizer {
  /** Changed freely between steps (e.g. by a schedule); reaches the GPU with the next step. */
  learningRate: number;
  /** Updates every parameter in place from its gradient: prepareStep(), then encodeStep(grads). */
  step(grads: readonly Tensor[]): void;
  /**
   * The host's share of a step, which a replayed step (engine/compiled-step.ts) repeats on its own: writes this
   * step's hyper-parameters (the learning rate, Adam's bias corrections) to the uniform the update kernels read.
   */
  prepareStep(): void;
  /** The GPU's share, reading the hyper-parameters prepareStep() wrote; nothing read back. */
  encodeStep(grads: readonly Tensor[]): void;
  dispose(): void;
}

/** The optimisers' common part: the checks, the state's blocks, the dispatches, and step() as prepareStep() then encodeStep(). */
abstract class FusedOptimizer implements Optimizer {
  protected readonly gpu: Gpu;
  /** Per-parameter state (momentum, moments), each laid out as the parameters (zerosLike): zeros at first. */
  private readonly state: Tensor[][];

  constructor(
    private readonly name: string,
    protected readonly params: readonly Tensor[],
    public learningRate: number,
    stateNames: readonly string[],
  ) {
    if (params.length === 0) throw new Error(`${name}: no parameters given`);
    this.gpu = params[0].gpu;
    this.state = stateNames.map((stateName) => zerosLike(params, stateName));
  }

  step(grads: readonly Tensor[]): void {
    this.prepareStep();
    this.encodeStep(grads);
  }

  encodeStep(grads: readonly Tensor[]): void {
    if (grads.length !== this.params.length) throw new Error(`${this.name}.step: ${grads.length} gradients for ${this.params.length} parameters`);
    this.params.forEach((param, index) => assertSameShape(`${this.name}.step (${param.label})`, param, grads[index]));
    assertApart(`${this.name}.step`, grads, this.params);
    const blocks = [this.params, grads, ...this.state].map((tensors) => TensorBlock.of(tensors));
    if (blocks.every((block): block is TensorBlock => block !== null)) {
      // One dispatch, padding included: the padding is never read as a weight, whatever the update leaves there.
      this.encodeUpdate(
        blocks.map((block) => block.binding),
        blocks[0].byteLength / 4,
      );
      return;
    }
    this.params.forEach((param, index) => {
      this.encodeUpdate([param.binding, grads[index].binding, ...this.state.map((tensors) => tensors[index].binding)], param.size);
    });
  }

  /** Checks the learning rate, then writes the step's hyper-parameters. */
  prepareStep(): void {
    if (!Number.isFinite(this.learningRate)) throw new Error(`${this.name}: learningRate must be finite, got ${this.learningRate}`);
    this.writeHyperparameters();
  }

  dispose(): void {
    for (const tensor of this.state.flat()) tensor.dispose();
    this.gpu.pool.release(this.hyperparameterBuffer);
  }

  abstract readonly decoupledWeightDecay: boolean;
  protected abstract readonly shader: ShaderFile;
  protected abstract readonly hyperparameterBuffer: GPUBuffer;
  protected abstract writeHyperparameters(): void;

  /** Records the update of `count` weights: the parameters, their gradients and their state, bound in that order. */
  private encodeUpdate(bound: GPUBufferBinding[], count: number): void {
    const buffers = [this.hyperparameterBuffer, ...bound];
    launch(this.gpu, this.shader, { constants: { DECOUPLED: this.decoupledWeightDecay }, values: { count }, buffers, items: vec4Items(count), loops: true });
  }
}

/** Every optimiser's settings; each reads the ones it uses. */
export interface OptimizerOptions extends SgdOptions, AdamOptions {
  optimizer: Choice<'optimizer'>;
}

/** Checks hyper-parameters against the settings table's ranges, naming the optimiser (the one definition of each range). */
function checkRanges(optimizer: string, values: Partial<Record<SettingName, number>>): void {
  for (const [name, value] of Object.entries(values)) checkSetting(name as SettingName, value, `${optimizer}: ${name}`);
}

/** The optimiser `options.optimizer` names. Create outside any scope: its state lives as long as it does. */
export function createOptimizer(params: readonly Tensor[], options: OptimizerOptions): Optimizer {
  switch (options.optimizer) {
    case 'sgd':
      return new Sgd(params, options);
    case 'adam':
      return new Adam(params, { ...options, decoupledWeightDecay: false });
    case 'adamw':
      return new Adam(params, { ...options, decoupledWeightDecay: true });
    default:
      throw new Error(`unknown optimizer '${options.optimizer satisfies never}'`);
  }
}

export interface SgdOptions {
  learningRate: number;
  /** Heavy-ball momentum mu (PyTorch's, dampening 0); default 0. */
  momentum?: number;
  /** lambda: adds lambda * w to the gradient (the gradient of lambda/2 ||w||^2); default 0. */
  weightDecay?: number;
  /** Shrink the weights by lr * lambda directly instead of through the gradient (AdamW-style); default false. */
  decoupledWeightDecay?: boolean;
}

export class Sgd extends FusedOptimizer {
  readonly momentum: number;
  readonly weightDecay: number;
  readonly decoupledWeightDecay: boolean;
  protected readonly shader = sgdShader;
  private readonly hyperparameters = makeStructuredView(makeShaderDataDefinitions(sgdShader.source).uniforms.hyper);
  protected readonly hyperparameterBuffer: GPUBuffer;
  private uploaded: number[] = [];

  /** Create outside any scope: the momentum buffers live as long as the optimiser. */
  constructor(params: readonly Tensor[], options: SgdOptions) {
    super('Sgd', params, options.learningRate, ['velocity']);
    this.momentum = options.momentum ?? 0;
    this.weightDecay = options.weightDecay ?? 0;
    this.decoupledWeightDecay = options.decoupledWeightDecay ?? false;
    checkRanges('Sgd', { lr: this.learningRate, momentum: this.momentum, weightDecay: this.weightDecay });
    const usage = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
    this.hyperparameterBuffer = this.gpu.pool.acquire(this.hyperparameters.arrayBuffer.byteLength, usage, 'sgd hyperparameters');
  }

  /** Only when they changed, so a constant learning rate costs no queue write. */
  protected writeHyperparameters(): void {
    const values = [this.learningRate, this.momentum, this.weightDecay];
    if (values.every((value, index) => value === this.uploaded[index])) return;
    this.hyperparameters.set({ learningRate: values[0], momentum: values[1], weightDecay: values[2] });
    this.gpu.write(this.hyperparameterBuffer, new Uint8Array(this.hyperparameters.arrayBuffer));
    this.uploaded = values;
  }
}

export interface AdamOptions {
  learningRate: number;
  /** The moments' decay rates; default 0.9 and 0.999 (PyTorch's). */
  beta1?: number;
  beta2?: number;
  /** Added to the second moment's root; default 1e-8. */
  adamEps?: number;
  /** lambda; default 0. */
  weightDecay?: number;
  /** AdamW: shrink the weights by lr * lambda directly instead of adding lambda * w to the gradient; default false. */
  decoupledWeightDecay?: boolean;
}

/** Adam with bias correction, and AdamW with decoupledWeightDecay (torch.optim.Adam and AdamW). */
export class Adam extends FusedOptimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly decoupledWeightDecay: boolean;
  /** Steps taken: the bias corrections depend on it. */
  steps = 0;
  protected readonly shader = adamShader;
  private readonly hyperparameters = makeStructuredView(makeShaderDataDefinitions(adamShader.source).uniforms.hyper);
  protected readonly hyperparameterBuffer: GPUBuffer;

  /** Create outside any scope: the moment buffers live as long as the optimiser. */
  constructor(params: readonly Tensor[], options: AdamOptions) {
    super('Adam', params, options.learningRate, ['m', 'v']);
    this.beta1 = options.beta1 ?? SETTINGS.beta1.default;
    this.beta2 = options.beta2 ?? SETTINGS.beta2.default;
    this.eps = options.adamEps ?? SETTINGS.adamEps.default;
    this.weightDecay = options.weightDecay ?? 0;
    this.decoupledWeightDecay = options.decoupledWeightDecay ?? false;
    checkRanges('Adam', { lr: this.learningRate, beta1: this.beta1, beta2: this.beta2, adamEps: this.eps, weightDecay: this.weightDecay });
    const usage = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
    this.hyperparameterBuffer = this.gpu.pool.acquire(this.hyperparameters.arrayBuffer.byteLength, usage, 'adam hyperparameters');
  }

  /** Counts the step, for its bias-corrected step size. */
  protected writeHyperparameters(): void {
    this.steps += 1;
    const { learningRate, beta1, beta2, eps, weightDecay } = this;
    const stepSize = learningRate / (1 - beta1 ** this.steps);
    const sqrtCorrection2 = Math.sqrt(1 - beta2 ** this.steps);
    this.hyperparameters.set({ learningRate, beta1, beta2, eps, weightDecay, stepSize, sqrtCorrection2 });
    this.gpu.write(this.hyperparameterBuffer, new Uint8Array(this.hyperparameters.arrayBuffer));
  }
}

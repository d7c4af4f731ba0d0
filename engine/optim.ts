// The optimisers, each one fused kernel per parameter tensor with PyTorch's semantics: SGD with momentum
// (shaders/optim.wgsl) and Adam (shaders/adam.wgsl); weight decay coupled (added to the gradient) or decoupled
// (the weights shrunk directly: AdamW, and the same for SGD).
import { makeShaderDataDefinitions, makeStructuredView } from 'webgpu-utils';
import type { Gpu } from './gpu';
import { checkSetting, SETTINGS, type Choice, type SettingName } from './settings';
import type { Tensor } from './tensor';
import { fill } from './ops/fill';
import { assertSameShape } from './tensor';
import { launch } from './ops/launch';
import sgdShader from '../shaders/optim.wgsl';
import adamShader from '../shaders/adam.wgsl';

/** What the training loop needs of an optimiser. */
export interface Optimizer {
  /** Changed freely between steps (e.g. by a schedule); reaches the GPU with the next step. */
  learningRate: number;
  /** Updates every parameter in place from its gradient: one dispatch per parameter, nothing read back. */
  step(grads: readonly Tensor[]): void;
  dispose(): void;
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

export class Sgd implements Optimizer {
  learningRate: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly decoupledWeightDecay: boolean;
  private readonly gpu: Gpu;
  private readonly velocities: Tensor[];
  private readonly hyperparameters = makeStructuredView(makeShaderDataDefinitions(sgdShader.source).uniforms.hyper);
  private readonly hyperparameterBuffer: GPUBuffer;
  private uploaded: number[] = [];

  /** Create outside any scope: the momentum buffers live as long as the optimiser. */
  constructor(
    private readonly params: readonly Tensor[],
    options: SgdOptions,
  ) {
    if (params.length === 0) throw new Error('Sgd: no parameters given');
    this.gpu = params[0].gpu;
    this.learningRate = options.learningRate;
    this.momentum = options.momentum ?? 0;
    this.weightDecay = options.weightDecay ?? 0;
    this.decoupledWeightDecay = options.decoupledWeightDecay ?? false;
    checkRanges('Sgd', { lr: this.learningRate, momentum: this.momentum, weightDecay: this.weightDecay });
    this.velocities = params.map((param) => fill(this.gpu, param.shape, 0, `${param.label} velocity`));
    const usage = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
    this.hyperparameterBuffer = this.gpu.pool.acquire(this.hyperparameters.arrayBuffer.byteLength, usage, 'sgd hyperparameters');
  }

  step(grads: readonly Tensor[]): void {
    if (grads.length !== this.params.length) throw new Error(`Sgd.step: ${grads.length} gradients for ${this.params.length} parameters`);
    this.uploadHyperparameters();
    this.params.forEach((param, index) => {
      assertSameShape(`Sgd.step (${param.label})`, param, grads[index]);
      const buffers = [this.hyperparameterBuffer, param.buffer, grads[index].buffer, this.velocities[index].buffer];
      launch(this.gpu, sgdShader, { constants: { COUNT: param.size, DECOUPLED: this.decoupledWeightDecay }, buffers, items: param.size });
    });
  }

  dispose(): void {
    for (const velocity of this.velocities) velocity.dispose();
    this.gpu.pool.release(this.hyperparameterBuffer);
  }

  /** Writes the hyperparameters only when they changed, so a constant learning rate costs no queue write. */
  private uploadHyperparameters(): void {
    const values = [this.learningRate, this.momentum, this.weightDecay];
    if (values.every((value, index) => value === this.uploaded[index])) return;
    if (!Number.isFinite(this.learningRate)) throw new Error(`Sgd: learningRate must be finite, got ${this.learningRate}`);
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
export class Adam implements Optimizer {
  learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly decoupledWeightDecay: boolean;
  /** Steps taken: the bias corrections depend on it. */
  steps = 0;
  private readonly gpu: Gpu;
  private readonly moments: { first: Tensor; second: Tensor }[];
  private readonly hyperparameters = makeStructuredView(makeShaderDataDefinitions(adamShader.source).uniforms.hyper);
  private readonly hyperparameterBuffer: GPUBuffer;

  /** Create outside any scope: the moment buffers live as long as the optimiser. */
  constructor(
    private readonly params: readonly Tensor[],
    options: AdamOptions,
  ) {
    if (params.length === 0) throw new Error('Adam: no parameters given');
    this.gpu = params[0].gpu;
    this.learningRate = options.learningRate;
    this.beta1 = options.beta1 ?? SETTINGS.beta1.default;
    this.beta2 = options.beta2 ?? SETTINGS.beta2.default;
    this.eps = options.adamEps ?? SETTINGS.adamEps.default;
    this.weightDecay = options.weightDecay ?? 0;
    this.decoupledWeightDecay = options.decoupledWeightDecay ?? false;
    checkRanges('Adam', { lr: this.learningRate, beta1: this.beta1, beta2: this.beta2, adamEps: this.eps, weightDecay: this.weightDecay });
    this.moments = params.map((param) => ({
      first: fill(this.gpu, param.shape, 0, `${param.label} m`),
      second: fill(this.gpu, param.shape, 0, `${param.label} v`),
    }));
    const usage = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
    this.hyperparameterBuffer = this.gpu.pool.acquire(this.hyperparameters.arrayBuffer.byteLength, usage, 'adam hyperparameters');
  }

  step(grads: readonly Tensor[]): void {
    if (grads.length !== this.params.length) throw new Error(`Adam.step: ${grads.length} gradients for ${this.params.length} parameters`);
    if (!Number.isFinite(this.learningRate)) throw new Error(`Adam: learningRate must be finite, got ${this.learningRate}`);
    this.steps += 1;
    const { learningRate, beta1, beta2, eps, weightDecay } = this;
    const stepSize = learningRate / (1 - beta1 ** this.steps);
    const sqrtCorrection2 = Math.sqrt(1 - beta2 ** this.steps);
    this.hyperparameters.set({ learningRate, beta1, beta2, eps, weightDecay, stepSize, sqrtCorrection2 });
    this.gpu.write(this.hyperparameterBuffer, new Uint8Array(this.hyperparameters.arrayBuffer));
    this.params.forEach((param, index) => {
      assertSameShape(`Adam.step (${param.label})`, param, grads[index]);
      const { first, second } = this.moments[index];
      const buffers = [this.hyperparameterBuffer, param.buffer, grads[index].buffer, first.buffer, second.buffer];
      launch(this.gpu, adamShader, { constants: { COUNT: param.size, DECOUPLED: this.decoupledWeightDecay }, buffers, items: param.size });
    });
  }

  dispose(): void {
    for (const { first, second } of this.moments) {
      first.dispose();
      second.dispose();
    }
    this.gpu.pool.release(this.hyperparameterBuffer);
  }
}

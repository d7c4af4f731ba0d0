// SGD with momentum and weight decay (coupled as torch.optim.SGD, or decoupled as AdamW): shaders/optim.wgsl.
import { makeShaderDataDefinitions, makeStructuredView } from 'webgpu-utils';
import type { Gpu } from './gpu';
import type { Tensor } from './tensor';
import { fill } from './ops/fill';
import { assertSameShape } from './tensor';
import { gridFor } from './ops/grid';
import optimSource from '../shaders/optim.wgsl';

export interface SgdOptions {
  learningRate: number;
  /** Heavy-ball momentum mu (PyTorch's, dampening 0); default 0. */
  momentum?: number;
  /** lambda: adds lambda * w to the gradient (the gradient of lambda/2 ||w||^2); default 0. */
  weightDecay?: number;
  /** Shrink the weights by lr * lambda directly instead of through the gradient (AdamW-style); default false. */
  decoupledWeightDecay?: boolean;
}

export class Sgd {
  /** Changed freely between steps (e.g. by a schedule); reaches the GPU with the next step. */
  learningRate: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly decoupledWeightDecay: boolean;
  private readonly gpu: Gpu;
  private readonly velocities: Tensor[];
  private readonly hyperparameters = makeStructuredView(makeShaderDataDefinitions(optimSource).uniforms.hyper);
  private readonly hyperparameterBuffer: GPUBuffer;
  private uploaded: number[] = [];

  /** Create outside any scope: the momentum buffers live as long as the optimiser. */
  constructor(private readonly params: readonly Tensor[], options: SgdOptions) {
    if (params.length === 0) throw new Error('Sgd: no parameters given');
    this.gpu = params[0].gpu;
    this.learningRate = options.learningRate;
    this.momentum = options.momentum ?? 0;
    this.weightDecay = options.weightDecay ?? 0;
    this.decoupledWeightDecay = options.decoupledWeightDecay ?? false;
    for (const [name, value] of Object.entries({ learningRate: this.learningRate, momentum: this.momentum, weightDecay: this.weightDecay })) {
      if (!Number.isFinite(value) || value < 0) throw new Error(`Sgd: ${name} must be a finite number >= 0, got ${value}`);
    }
    this.velocities = params.map((param) => fill(this.gpu, param.shape, 0, `${param.label} velocity`));
    const usage = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
    this.hyperparameterBuffer = this.gpu.pool.acquire(this.hyperparameters.arrayBuffer.byteLength, usage, 'sgd hyperparameters');
  }

  /** Updates every parameter in place from its gradient: one dispatch per parameter, nothing read back. */
  step(grads: readonly Tensor[]): void {
    if (grads.length !== this.params.length) throw new Error(`Sgd.step: ${grads.length} gradients for ${this.params.length} parameters`);
    this.uploadHyperparameters();
    this.params.forEach((param, index) => {
      assertSameShape(`Sgd.step (${param.label})`, param, grads[index]);
      const kernel = this.gpu.kernel('optim', optimSource, { COUNT: param.size, DECOUPLED: this.decoupledWeightDecay });
      const buffers = [this.hyperparameterBuffer, param.buffer, grads[index].buffer, this.velocities[index].buffer];
      this.gpu.dispatch(kernel, buffers, gridFor(this.gpu, param.size));
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

// Batch normalisation of the features (columns) of an N x m matrix, with learnable scale gamma and shift beta,
// as torch.nn.BatchNorm1d: batch statistics in training (moving the running ones), running ones in evaluation.
// shaders/batchnorm_forward.wgsl and batchnorm_backward.wgsl.
import type { Gpu } from '../gpu';
import { record } from '../tape';
import { createTensor, type Tensor } from '../tensor';
import { fill } from './fill';
import { launch } from './launch';
import forwardShader from '../../shaders/batchnorm_forward.wgsl';
import backwardShader from '../../shaders/batchnorm_backward.wgsl';

export interface BatchNormOptions {
  eps?: number;
  /** How far the running statistics move towards each batch's (PyTorch's momentum, default 0.1). */
  momentum?: number;
}

/** One batch-norm layer: its parameters and running statistics live until dispose(). Create outside any scope. */
export class BatchNorm {
  readonly gamma: Tensor;
  readonly beta: Tensor;
  /** [mean | variance] of the features, across batches (initially 0 and 1). */
  readonly running: Tensor;
  /** Batch statistics (and their gradient) when true; the running statistics when false. */
  training = true;
  /** Whether a training pass moves the running statistics: false for a pass that only reports (the loss readback). */
  updatesRunning = true;
  private readonly eps: number;
  private readonly momentum: number;

  constructor(
    gpu: Gpu,
    readonly features: number,
    options: BatchNormOptions = {},
  ) {
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    this.gamma = fill(gpu, [features], 1, 'batchnorm gamma');
    this.beta = fill(gpu, [features], 0, 'batchnorm beta');
    const running = new Float32Array(2 * features);
    running.fill(1, features);
    this.running = gpu.tensor([2 * features], running, 'batchnorm running statistics');
  }

  get parameters(): Tensor[] {
    return [this.gamma, this.beta];
  }

  /** gamma * (x - mean) / sqrt(var + eps) + beta, per column of x (N x features). */
  apply(x: Tensor): Tensor {
    if (x.shape.length !== 2 || x.shape[1] !== this.features) {
      throw new Error(`batchNorm: expected an N x ${this.features} input, got shape [${x.shape}]`);
    }
    const [rows, cols] = x.shape;
    if (this.training && rows < 2) throw new Error('batchNorm: training statistics need at least 2 samples per batch');
    const gpu = x.gpu;
    const y = createTensor(gpu, x.shape, 'batchnorm');
    const saved = createTensor(gpu, [2 * cols], 'batchnorm batch statistics');
    const constants = { ROWS: rows, COLS: cols, EPS: this.eps, MOMENTUM: this.momentum, TRAINING: this.training, UPDATE_RUNNING: this.updatesRunning };
    const buffers = [x.binding, this.gamma.binding, this.beta.binding, y.binding, saved.binding, this.running.binding];
    launch(gpu, forwardShader, { constants, buffers, items: cols });
    const training = this.training;
    return record(y, [x, this.gamma, this.beta], (gradOutput) => {
      if (!training) throw new Error('batchNorm: gradients are taken in training mode (set training = true)');
      const gradInput = createTensor(gpu, x.shape, 'batchnorm dx');
      const gradGamma = createTensor(gpu, [cols], 'batchnorm dgamma');
      const gradBeta = createTensor(gpu, [cols], 'batchnorm dbeta');
      const buffers = [gradOutput.binding, x.binding, this.gamma.binding, saved.binding, gradInput.binding, gradGamma.binding, gradBeta.binding];
      launch(gpu, backwardShader, { constants: { ROWS: rows, COLS: cols }, buffers, items: cols });
      return [gradInput, gradGamma, gradBeta];
    });
  }

  dispose(): void {
    for (const t of [this.gamma, this.beta, this.running]) t.dispose();
  }
}

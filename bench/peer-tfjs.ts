// The peer: TensorFlow.js with its WebGPU backend, on the same device in the same page, running the same
// matmuls and training steps. Its results are checked as ours are: on SwiftShader, dataSync() can return
// before the GPU has finished, so everything here waits with `await data()`.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients'; // tfjs-core alone registers no gradients
import type { MatmulCase } from './cases';
import type { TimingSettings } from '../engine/internal';
import { batchRows, timePasses, warmupState, trainProblem, type TrainStepCase, type TrainStepMeasurement } from './train-step';

/**
 * Waits until TF.js's own device has finished everything submitted: data() can resolve while earlier work is
 * still queued, which would flatter its times and slow whatever is measured next.
 */
async function idle(): Promise<void> {
  await (tf.backend() as unknown as { device: GPUDevice }).device.queue.onSubmittedWorkDone();
}

export async function startPeer(): Promise<string> {
  if (!(await tf.setBackend('webgpu'))) throw new Error('TensorFlow.js: the webgpu backend did not start');
  await tf.ready();
  return `@tensorflow/tfjs-core ${tf.version_core}, backend ${tf.getBackend()}`;
}

/** Times tf.matMul on the case's shape (wall clock over many calls, ended by one awaited read). */
export async function measurePeerMatmul(
  c: MatmulCase,
  storedA: Float32Array,
  storedB: Float32Array,
  targetMs: number,
): Promise<{ msPerCall: number; result: Float32Array }> {
  const a = tf.tensor2d(storedA, c.transposeA ? [c.k, c.m] : [c.m, c.k]);
  const b = tf.tensor2d(storedB, c.transposeB ? [c.n, c.k] : [c.k, c.n]);
  const run = async (calls: number) => {
    const started = performance.now();
    for (let i = 0; i < calls - 1; i++) tf.matMul(a, b, c.transposeA, c.transposeB).dispose();
    const last = tf.matMul(a, b, c.transposeA, c.transposeB);
    const values = (await last.data()) as Float32Array;
    await idle();
    last.dispose();
    return { ms: performance.now() - started, values };
  };
  try {
    const { values } = await run(1); // compiles the shader
    let calls = 1;
    let { ms } = await run(calls);
    while (ms < targetMs / 4) ({ ms } = await run((calls *= 4)));
    calls = Math.max(1, Math.round((calls * targetMs) / ms));
    return { msPerCall: (await run(calls)).ms / calls, result: values };
  } finally {
    a.dispose();
    b.dispose();
  }
}

/**
 * The same steps as measureOurTrainStep, by the case's recipe: tf.train.momentum is PyTorch's rule, and coupled weight
 * decay adds lambda p to each parameter's gradient, as torch.optim.SGD does.
 */
export async function measurePeerTrainStep(c: TrainStepCase, settings: TimingSettings): Promise<TrainStepMeasurement> {
  const { recipe } = c;
  const problem = trainProblem(c);
  const inputs = tf.tensor2d(problem.inputs, [c.samples, c.dim]);
  const targets = tf.tensor2d(problem.targets, [c.samples, c.classes]);
  const weights = problem.weights.map((w) => tf.variable(tf.tensor2d(Float32Array.from(w.data), [w.rows, w.cols])));
  const biases = recipe.model === 'mlp' ? problem.weights.map((w) => tf.variable(tf.zeros([w.rows]))) : [];
  const parameters = [...weights, ...biases];
  // Batch b takes batchOrder[(b B + i) mod N]: the batches repeat after N / gcd(N, B) steps.
  const rows = batchRows(c);
  const batchCount = c.samples / greatestCommonDivisor(c.samples, rows);
  const batches = Array.from({ length: batchCount }, (_, b) =>
    tf.tensor1d(
      Int32Array.from({ length: rows }, (_, i) => problem.batchOrder[(b * rows + i) % c.samples]),
      'int32',
    ),
  );
  const optimizer = tf.train.momentum(recipe.learningRate, recipe.momentum);
  const forward = (x: tf.Tensor2D) =>
    weights.reduce<tf.Tensor2D>((z, w, l) => {
      if (recipe.model === 'linear') return tf.matMul(z, w, false, true);
      const h = tf.add(tf.matMul(z, w, false, true), biases[l]) as tf.Tensor2D;
      return l < weights.length - 1 ? tf.relu(h) : h;
    }, x);
  const lossOf = (x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar => {
    const output = forward(x);
    switch (recipe.loss) {
      case 'mse':
        return tf.div(tf.sum(tf.square(tf.sub(tf.mul(output, recipe.alpha), y))), x.shape[0]) as tf.Scalar;
      case 'ce':
        return tf.losses.softmaxCrossEntropy(y, output) as tf.Scalar; // the batch's mean
      default:
        throw new Error(`unknown loss '${recipe.loss satisfies never}'`);
    }
  };
  let step = 0;
  const trainStep = () => {
    const batch = batches[step++ % batchCount];
    tf.tidy(() => {
      const [x, y] = recipe.batchSize ? [tf.gather(inputs, batch), tf.gather(targets, batch)] : [inputs, targets];
      const { grads } = tf.variableGrads(() => lossOf(x as tf.Tensor2D, y as tf.Tensor2D), parameters);
      const decayed = (p: tf.Variable) => (recipe.weightDecay ? tf.add(grads[p.name], tf.mul(p, recipe.weightDecay)) : grads[p.name]);
      optimizer.applyGradients(parameters.map((p) => ({ name: p.name, tensor: decayed(p) })));
    });
  };
  const steps = async (count: number) => {
    const started = performance.now();
    for (let i = 0; i < count; i++) trainStep();
    const after = tf.tidy(() => lossOf(inputs, targets));
    const value = (await after.data())[0];
    await idle();
    after.dispose();
    return { ms: performance.now() - started, value };
  };
  try {
    const lossAfterWarmup = (await steps(c.warmupSteps)).value;
    const afterWarmup = warmupState(problem, await Promise.all(parameters.map((p) => p.data())));
    const { msPerStep, steps: count } = await timePasses(async (count) => (await steps(count)).ms, settings);
    return { msPerStep, steps: count, metricsMs: 0, lossAfterWarmup, afterWarmup };
  } finally {
    optimizer.dispose();
    for (const t of [inputs, targets, ...parameters, ...batches]) t.dispose();
  }
}

function greatestCommonDivisor(a: number, b: number): number {
  return b === 0 ? a : greatestCommonDivisor(b, a % b);
}

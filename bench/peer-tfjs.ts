// The peer: TensorFlow.js with its WebGPU backend, on the same device in the same page, running the same
// matmuls and training steps. Its results are checked as ours are: on SwiftShader, dataSync() can return
// before the GPU has finished, so everything here waits with `await data()`.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients'; // tfjs-core alone registers no gradients
import type { MatmulCase } from './cases';
import { PROBLEM_OPTIONS, trainProblem, type TrainStepCase, type TrainStepMeasurement } from './train-step';

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

/** The same full-batch steps as measureOurTrainStep: MSE, SGD with momentum (tf.train.momentum is PyTorch's rule). */
export async function measurePeerTrainStep(c: TrainStepCase, targetMs: number): Promise<TrainStepMeasurement> {
  const problem = trainProblem(c);
  const inputs = tf.tensor2d(problem.inputs, [c.samples, c.dim]);
  const targets = tf.tensor2d(problem.targets, [c.samples, c.classes]);
  const weights = problem.weights.map((w) => tf.variable(tf.tensor2d(Float32Array.from(w.data), [w.rows, w.cols])));
  const optimizer = tf.train.momentum(PROBLEM_OPTIONS.learningRate, PROBLEM_OPTIONS.momentum);
  const loss = () => {
    const output = weights.reduce<tf.Tensor2D>((z, w) => tf.matMul(z, w, false, true), inputs);
    return tf.div(tf.sum(tf.square(tf.sub(tf.mul(output, PROBLEM_OPTIONS.alpha), targets))), c.samples) as tf.Scalar;
  };
  const steps = async (count: number) => {
    const started = performance.now();
    for (let i = 0; i < count; i++) optimizer.minimize(loss, false);
    const after = tf.tidy(loss);
    const value = (await after.data())[0];
    await idle();
    after.dispose();
    return { ms: performance.now() - started, value };
  };
  try {
    const lossAfterWarmup = (await steps(c.warmupSteps)).value;
    let count = 1;
    let { ms } = await steps(count);
    while (ms < targetMs / 4) ({ ms } = await steps((count *= 4)));
    if (ms < targetMs) ({ ms } = await steps((count = Math.round((count * targetMs) / ms)))); // a long step is its own sample
    return { msPerStep: ms / count, steps: count, metricsMs: 0, lossAfterWarmup };
  } finally {
    optimizer.dispose();
    for (const t of [inputs, targets, ...weights]) t.dispose();
  }
}

// The benchmark's page: runs in headless Chromium and exposes one call per measurement on window.bench,
// so bench/run.ts drives it case by case (and no single call outlives puppeteer's protocol timeout).
import { Gpu, matmul, matmulKernel, Random, type MatmulKernel, type Tensor } from '../engine';
import type { MatmulCase } from './cases';
import { measurePeak, type Peak } from './peak';
import { measurePeerMatmul, measurePeerTrainStep, startPeer } from './peer-tfjs';
import { DispatchTimer, type TimingMethod, type TimingSettings } from './timing';
import { measureMemoryCase, type MemoryCase, type MemoryMeasurement } from './memory-ops';
import { measureOurTrainStep, type TrainStepCase, type TrainStepMeasurement } from './train-step';

export interface MatmulMeasurement {
  /** The kernel that ran: the plan's choice, or the forced one. */
  kernel: MatmulKernel;
  msPerDispatch: number;
  reps: number;
}

export interface BenchPage {
  device: string;
  timing: TimingMethod;
  /** The peer library and its backend. */
  peer: string;
  peak(settings: TimingSettings): Promise<Peak>;
  matmul(matmulCase: MatmulCase, settings: TimingSettings): Promise<MatmulMeasurement>;
  /** The peer's milliseconds per matmul of the case's shape, after checking its result as ours is checked. */
  peerMatmul(matmulCase: MatmulCase, settings: TimingSettings): Promise<number>;
  /** Our training steps; then the peer's on the same problem, checked against ours (two calls: each can take minutes). */
  trainStep(trainCase: TrainStepCase, settings: TimingSettings): Promise<TrainStepMeasurement>;
  peerTrainStep(trainCase: TrainStepCase, settings: TimingSettings, ours: TrainStepMeasurement): Promise<TrainStepMeasurement>;
  memory(memoryCase: MemoryCase, settings: TimingSettings): Promise<MemoryMeasurement>;
}


/** Entries of C checked against float64 before timing: the four corners and this many more at random. */
const CHECKED_RANDOM_ENTRIES = 60;
/** Inputs are uniform in [-1, 1) from this seed, the same in every run. */
const INPUT_SEED = 1;

/** Checks the engine's `matmul` on random inputs, then times the same plan's kernel dispatched alone. */
async function measureMatmul(gpu: Gpu, timer: DispatchTimer, matmulCase: MatmulCase, settings: TimingSettings): Promise<MatmulMeasurement> {
  const { m: M, n: N, k: K, transposeA, transposeB } = matmulCase;
  const force = matmulCase.kernel === 'plan' ? undefined : matmulCase.kernel;
  const random = new Random(INPUT_SEED);
  const storedA = random.fillUniform(new Float32Array(M * K), -1, 1);
  const storedB = random.fillUniform(new Float32Array(K * N), -1, 1);
  const a = gpu.tensor(transposeA ? [K, M] : [M, K], storedA, 'A');
  const b = gpu.tensor(transposeB ? [N, K] : [K, N], storedB, 'B');
  let c: Tensor | undefined;
  try {
    c = matmul(a, b, { transposeA, transposeB, kernel: force });
    checkMatmul(matmulCase, storedA, storedB, await c.read(), random);
    const { kernel, name, workgroups } = matmulKernel(gpu, { M, N, K, transposeA, transposeB }, force);
    const { msPerDispatch, reps } = await timer.time(kernel, [a.buffer, b.buffer, c.buffer], workgroups, settings);
    return { kernel: name, msPerDispatch, reps };
  } finally {
    a.dispose();
    b.dispose();
    c?.dispose();
  }
}

/**
 * Compares sampled entries of C with a float64 dot product. The bound holds for any summation order:
 * |fl(a . b) - a . b| <= gamma_K sum |a_k b_k| < (K + 1) u sum |a_k b_k|, u = 2^-24 (Higham, Accuracy and Stability, 3.1).
 */
function checkMatmul(matmulCase: MatmulCase, storedA: Float32Array, storedB: Float32Array, result: Float32Array, random: Random): void {
  const { m: M, n: N, k: K, transposeA, transposeB } = matmulCase;
  const opA = (row: number, k: number) => storedA[transposeA ? k * M + row : row * K + k];
  const opB = (k: number, col: number) => storedB[transposeB ? col * K + k : k * N + col];
  const corners: [number, number][] = [[0, 0], [0, N - 1], [M - 1, 0], [M - 1, N - 1]];
  const sampled = Array.from({ length: CHECKED_RANDOM_ENTRIES }, (): [number, number] => [random.integer(M), random.integer(N)]);
  for (const [row, col] of [...corners, ...sampled]) {
    let exact = 0;
    let magnitude = 0;
    for (let k = 0; k < K; k++) {
      exact += opA(row, k) * opB(k, col);
      magnitude += Math.abs(opA(row, k) * opB(k, col));
    }
    const error = Math.abs(result[row * N + col] - exact);
    if (!(error <= (K + 1) * 2 ** -24 * magnitude)) {
      throw new Error(`${matmulCase.name}: C[${row}, ${col}] = ${result[row * N + col]}, float64 gives ${exact} (error ${error.toExponential(2)})`);
    }
  }
}

/** The peer's matmul, checked on the same inputs and with the same bound as ours. */
async function measurePeer(matmulCase: MatmulCase, settings: TimingSettings): Promise<number> {
  const random = new Random(INPUT_SEED);
  const storedA = random.fillUniform(new Float32Array(matmulCase.m * matmulCase.k), -1, 1);
  const storedB = random.fillUniform(new Float32Array(matmulCase.k * matmulCase.n), -1, 1);
  const { msPerCall, result } = await measurePeerMatmul(matmulCase, storedA, storedB, settings.targetPassMs);
  checkMatmul({ ...matmulCase, name: `${matmulCase.name} (peer)` }, storedA, storedB, result, random);
  return msPerCall;
}

/** The peer's steps on the same problem; its loss after the warm-up must agree with ours, or the figures mean nothing. */
async function measurePeerTrainSteps(trainCase: TrainStepCase, settings: TimingSettings, ours: TrainStepMeasurement): Promise<TrainStepMeasurement> {
  const peer = await measurePeerTrainStep(trainCase, settings.targetPassMs * 5);
  const difference = Math.abs(ours.lossAfterWarmup - peer.lossAfterWarmup) / Math.abs(ours.lossAfterWarmup);
  if (!(difference < 1e-3)) {
    throw new Error(`${trainCase.name}: after ${trainCase.warmupSteps} steps our loss is ${ours.lossAfterWarmup}, the peer's ${peer.lossAfterWarmup}`);
  }
  return peer;
}

async function openBench(): Promise<BenchPage> {
  const gpu = await Gpu.create();
  const timer = new DispatchTimer(gpu);
  return {
    device: gpu.adapterName,
    timing: timer.method,
    peer: await startPeer(),
    peak: (settings) => measurePeak(gpu, timer, settings),
    matmul: (matmulCase, settings) => measureMatmul(gpu, timer, matmulCase, settings),
    peerMatmul: measurePeer,
    trainStep: (trainCase, settings) => measureOurTrainStep(gpu, trainCase, settings.targetPassMs * 5),
    peerTrainStep: measurePeerTrainSteps,
    memory: (memoryCase, settings) => measureMemoryCase(gpu, memoryCase, settings.targetPassMs),
  };
}

declare global {
  interface Window {
    bench: BenchPage;
  }
}

const status = document.getElementById('status')!;
try {
  window.bench = await openBench();
  status.textContent = 'ready';
} catch (error) {
  status.textContent = `failed: ${error instanceof Error ? error.message : String(error)}`;
}

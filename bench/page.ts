// The benchmark's page: our measurements (bench/suite.ts) and the peer's, TensorFlow.js on the same device,
// exposed on window.bench for bench/run.ts, which drives them case by case in headless Chromium.
import { Gpu, Random } from '../engine';
import type { MatmulCase } from './cases';
import { measurePeerMatmul, measurePeerTrainStep, startPeer } from './peer-tfjs';
import { checkMatmul, INPUT_SEED, openSuite, type BenchSuite } from './suite';
import type { TimingSettings } from '../engine/internal';
import { warmupDisagreement, type TrainStepCase, type TrainStepMeasurement } from './train-step';

/** The peer's matmul, checked on the same inputs and with the same bound as ours. */
async function measurePeer(matmulCase: MatmulCase, settings: TimingSettings): Promise<number> {
  const random = new Random(INPUT_SEED);
  const storedA = random.fillUniform(new Float32Array(matmulCase.m * matmulCase.k), -1, 1);
  const storedB = random.fillUniform(new Float32Array(matmulCase.k * matmulCase.n), -1, 1);
  const { msPerCall, result } = await measurePeerMatmul(matmulCase, storedA, storedB, settings.targetPassMs);
  checkMatmul({ ...matmulCase, name: `${matmulCase.name} (peer)` }, storedA, storedB, result, random);
  return msPerCall;
}

/** The peer's steps on the same problem; its state after the warm-up must agree with ours, or the figures mean nothing. */
async function measurePeerTrainSteps(trainCase: TrainStepCase, settings: TimingSettings, ours: TrainStepMeasurement): Promise<TrainStepMeasurement> {
  const peer = await measurePeerTrainStep(trainCase, settings);
  const disagreement = warmupDisagreement(trainCase, 'TensorFlow.js', ours, peer);
  if (disagreement) throw new Error(disagreement);
  return peer;
}

async function openBench(): Promise<BenchSuite> {
  const gpu = await Gpu.create();
  return { ...openSuite(gpu), peer: await startPeer(), peerMatmul: measurePeer, peerTrainStep: measurePeerTrainSteps };
}

declare global {
  interface Window {
    bench: BenchSuite;
  }
}

const status = document.getElementById('status')!;
try {
  window.bench = await openBench();
  status.textContent = 'ready';
} catch (error) {
  status.textContent = `failed: ${error instanceof Error ? error.message : String(error)}`;
}

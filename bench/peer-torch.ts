// The CPU peer, run from Node: PyTorch (Debian's python3-torch) on the same problem as the training-step cases,
// when it is installed; the data and initial weights go over as .npy files, and the losses must agree.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNpy } from '../engine/io/npy';
import { PROBLEM_OPTIONS, trainProblem, type TrainStepCase } from './train-step';

/** Debian's interpreter: its python3-torch is not visible to other Pythons on the PATH. */
const PYTHON = '/usr/bin/python3';
/** This machine's cores, the fair comparison for a 2-core software GPU. */
const THREADS = 2;

export interface CpuPeerMeasurement {
  msPerStep: number;
  lossAfterWarmup: number;
  description: string;
}

/** PyTorch's version, or null when it is not installed (the CPU peer is then left out, and the run says so). */
export function cpuPeerVersion(): string | null {
  try {
    return execFileSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** Times `steps` full-batch steps after the case's warm-up. */
export function measureCpuPeer(c: TrainStepCase, steps: number): CpuPeerMeasurement {
  const problem = trainProblem(c);
  const directory = mkdtempSync(join(tmpdir(), 'bench-torch-'));
  try {
    writeFileSync(join(directory, 'inputs.npy'), writeNpy(problem.inputs, [c.samples, c.dim], 'float32'));
    writeFileSync(join(directory, 'targets.npy'), writeNpy(problem.targets, [c.samples, c.classes], 'float32'));
    problem.weights.forEach((w, l) => writeFileSync(join(directory, `W${l + 1}.npy`), writeNpy(Float32Array.from(w.data), [w.rows, w.cols], 'float32')));
    const script = new URL('peer_torch.py', import.meta.url).pathname;
    const { alpha, learningRate, momentum } = PROBLEM_OPTIONS;
    const args = [script, directory, steps, c.warmupSteps, alpha, learningRate, momentum, THREADS].map(String);
    const result = JSON.parse(execFileSync(PYTHON, args, { encoding: 'utf8' }));
    return { msPerStep: result.ms_per_step, lossAfterWarmup: result.loss_after_warmup, description: `PyTorch ${result.torch} on the CPU, ${result.threads} threads` };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

// The benchmark's measurements of our engine, the same in the browser (bench/page.ts) and in Node (--node):
// one call per measurement, so bench/run.ts drives them case by case.
import { Gpu, matmul, Random, type StepProfile } from '../engine';
import {
  matmulBindings,
  matmulKernel,
  matmulPlan,
  type MatmulPlan,
  measureLoadRate,
  measurePeak,
  QUIET,
  type Peak,
  DispatchTimer,
  type TimingMethod,
  type TimingSettings,
} from '../engine/internal';
import type { MatmulCase } from './cases';
import { measureMemoryCase, type MemoryCase, type MemoryMeasurement } from './memory-ops';
import { measureOurTrainStep, profileOurTrainStep, type TrainStepCase, type TrainStepMeasurement } from './train-step';

export interface MatmulMeasurement {
  /** What ran: the plan's kernel and block, or the forced kernel. */
  plan: MatmulPlan;
  msPerDispatch: number;
  reps: number;
  /** When the plan's block compiled in the background: the block that served meanwhile, and when the plan's took over. */
  interim?: { plan: MatmulPlan; msPerDispatch: number; switchMs: number };
}

/** Every measurement the runner asks for; the peer's exist only where a peer runs (the browser). */
export interface BenchSuite {
  device: string;
  timing: TimingMethod;
  /** The peer library and its backend, or null. */
  peer: string | null;
  peak(settings: TimingSettings): Promise<Peak>;
  /** One load rate of the peak's (10^9 vec4s or floats per second), measured again after each matmul case. */
  loadRate(settings: TimingSettings, vec4: boolean): Promise<number>;
  matmul(matmulCase: MatmulCase, settings: TimingSettings): Promise<MatmulMeasurement>;
  memory(memoryCase: MemoryCase, settings: TimingSettings): Promise<MemoryMeasurement>;
  trainStep(trainCase: TrainStepCase, settings: TimingSettings): Promise<TrainStepMeasurement>;
  /** One step of the case, each kernel timed alone. */
  profileTrainStep(trainCase: TrainStepCase): Promise<StepProfile>;
  /** The peer's milliseconds per matmul of the case's shape, after checking its result as ours is checked. */
  peerMatmul?(matmulCase: MatmulCase, settings: TimingSettings): Promise<number>;
  /** The peer's training steps on the same problem, checked against ours (a separate call: each can take minutes). */
  peerTrainStep?(trainCase: TrainStepCase, settings: TimingSettings, ours: TrainStepMeasurement): Promise<TrainStepMeasurement>;
}

/** Entries of C checked against float64 before timing: the four corners and this many more at random. */
const CHECKED_RANDOM_ENTRIES = 60;
/** Inputs are uniform in [-1, 1) from this seed, the same in every run. */
export const INPUT_SEED = 1;

/**
 * Checks the engine's `matmul` on random inputs, then times the same plan's kernel dispatched alone. A plan whose block
 * compiles in the background is timed twice: its interim block as it serves, then, once the plan's has landed (the
 * wait is the switch-over), the plan's, checked again.
 */
async function measureMatmul(gpu: Gpu, timer: DispatchTimer, matmulCase: MatmulCase, settings: TimingSettings): Promise<MatmulMeasurement> {
  const { m: M, n: N, k: K, transposeA, transposeB } = matmulCase;
  const force = matmulCase.kernel === 'plan' ? undefined : matmulCase.kernel;
  const random = new Random(INPUT_SEED);
  const storedA = random.fillUniform(new Float32Array(M * K), -1, 1);
  const storedB = random.fillUniform(new Float32Array(K * N), -1, 1);
  const a = gpu.tensor(transposeA ? [K, M] : [M, K], storedA, 'A');
  const b = gpu.tensor(transposeB ? [N, K] : [K, N], storedB, 'B');
  const shape = { M, N, K, transposeA, transposeB };
  const checkedTime = async () => {
    const c = matmul(a, b, { transposeA, transposeB, kernel: force });
    try {
      checkMatmul(matmulCase, storedA, storedB, await c.read(), random);
      const { kernel, plan, values } = matmulKernel(gpu, shape, force);
      return { plan, ...(await timer.time(kernel, matmulBindings(a.binding, b.binding, c.binding), plan.workgroups, settings, values)) };
    } finally {
      c.dispose();
    }
  };
  try {
    const started = performance.now();
    const first = await checkedTime();
    if (!matmulPlan(gpu, shape, force).interim) return first;
    await gpu.kernels.settled();
    const switchMs = performance.now() - started;
    const final = await checkedTime();
    if (JSON.stringify(first.plan.constants) === JSON.stringify(final.plan.constants)) return final; // it landed before the first timing
    return { ...final, interim: { plan: first.plan, msPerDispatch: first.msPerDispatch, switchMs } };
  } finally {
    a.dispose();
    b.dispose();
  }
}

/**
 * Compares sampled entries of C with a float64 dot product. The bound holds for any summation order:
 * |fl(a . b) - a . b| <= gamma_K sum |a_k b_k| < (K + 1) u sum |a_k b_k|, u = 2^-24 (Higham, Accuracy and Stability, 3.1).
 */
export function checkMatmul(matmulCase: MatmulCase, storedA: Float32Array, storedB: Float32Array, result: Float32Array, random: Random): void {
  const { m: M, n: N, k: K, transposeA, transposeB } = matmulCase;
  const opA = (row: number, k: number) => storedA[transposeA ? k * M + row : row * K + k];
  const opB = (k: number, col: number) => storedB[transposeB ? col * K + k : k * N + col];
  const corners: [number, number][] = [
    [0, 0],
    [0, N - 1],
    [M - 1, 0],
    [M - 1, N - 1],
  ];
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

/** Our measurements on `gpu`. */
export function openSuite(gpu: Gpu): BenchSuite {
  const timer = new DispatchTimer(gpu);
  return {
    device: gpu.adapterName,
    timing: timer.method,
    peer: null,
    peak: (settings) => measurePeak(gpu, timer, settings),
    loadRate: (settings, vec4) => measureLoadRate(gpu, timer, settings, vec4),
    matmul: (matmulCase, settings) => measureMatmul(gpu, timer, matmulCase, settings),
    memory: (memoryCase, settings) => measureMemoryCase(gpu, memoryCase, settings.targetPassMs),
    // A training case runs as a new process would, planning its products with no block another case compiled.
    trainStep: (trainCase, settings) => Gpu.using((fresh) => measureOurTrainStep(fresh, trainCase, settings), QUIET),
    profileTrainStep: (trainCase) => Gpu.using((fresh) => profileOurTrainStep(fresh, trainCase), QUIET),
  };
}

// Memory-bound kernels: the fused SGD update and the sum reduction, in GB/s against the measured copy bandwidth.
// Each is checked once against float64 before it is timed (wall clock over many dispatches in one submit).
import { Random, Sgd, sum, type Gpu } from '../engine';

export interface MemoryCase {
  name: string;
  op: 'sgd' | 'reduce';
  /** Elements: parameters updated, or values summed. */
  count: number;
  quick: boolean;
}

export const MEMORY_CASES: MemoryCase[] = [
  { name: 'sgd update 1M', op: 'sgd', count: 1 << 20, quick: true },
  { name: 'sgd update 8M', op: 'sgd', count: 1 << 23, quick: false },
  { name: 'sum 1M', op: 'reduce', count: 1 << 20, quick: true },
  { name: 'sum 8M', op: 'reduce', count: 1 << 23, quick: false },
];

export interface MemoryMeasurement {
  msPerCall: number;
  /** Bytes each call must move at least: reads and writes of every element touched. */
  bytes: number;
}

export async function measureMemoryCase(gpu: Gpu, c: MemoryCase, targetMs: number): Promise<MemoryMeasurement> {
  const random = new Random(7);
  const values = random.fillNormal(new Float32Array(c.count));
  if (c.op === 'reduce') {
    const input = gpu.tensor([c.count], values, 'summed');
    try {
      const exact = values.reduce((total, v) => total + v, 0);
      const got = (await gpu.scope(() => sum(input)).read())[0];
      const bound = c.count * 2 ** -23 * values.reduce((total, v) => total + Math.abs(v), 0);
      if (!(Math.abs(got - exact) <= bound)) throw new Error(`${c.name}: the GPU's sum is ${got}, float64 gives ${exact}`);
      const msPerCall = await timeCalls(gpu, () => gpu.scope(() => sum(input)).dispose(), targetMs);
      return { msPerCall, bytes: 4 * c.count };
    } finally {
      input.dispose();
    }
  }
  const gradient = random.fillNormal(new Float32Array(c.count));
  const param = gpu.tensor([c.count], values, 'parameters');
  const grad = gpu.tensor([c.count], gradient, 'gradient');
  const sgd = new Sgd([param], { learningRate: 0.01, momentum: 0.9, weightDecay: 1e-4 });
  try {
    sgd.step([grad]);
    const updated = await param.read();
    for (let i = 0; i < c.count; i += 997) {
      const expected = values[i] - 0.01 * (gradient[i] + 1e-4 * values[i]);
      if (!(Math.abs(updated[i] - expected) <= 1e-6 * (1 + Math.abs(expected))))
        throw new Error(`${c.name}: parameter ${i} is ${updated[i]}, float64 gives ${expected}`);
    }
    const msPerCall = await timeCalls(gpu, () => sgd.step([grad]), targetMs);
    return { msPerCall, bytes: 5 * 4 * c.count }; // reads w, g, v; writes w, v
  } finally {
    sgd.dispose();
    param.dispose();
    grad.dispose();
  }
}

/** Milliseconds per call of `encode`, with enough calls to fill about `targetMs`. */
async function timeCalls(gpu: Gpu, encode: () => void, targetMs: number): Promise<number> {
  const run = async (calls: number) => {
    const started = performance.now();
    for (let i = 0; i < calls; i++) encode();
    gpu.flush();
    await gpu.wait(gpu.device.queue.onSubmittedWorkDone());
    return performance.now() - started;
  };
  await run(1);
  let calls = 1;
  let ms = await run(calls);
  while (ms < targetMs / 4) ms = await run((calls *= 4));
  if (ms < targetMs) ms = await run((calls = Math.round((calls * targetMs) / ms)));
  return ms / calls;
}

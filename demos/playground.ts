// The kernel playground: run the engine's matmul and fused SGD kernels at any size in this browser, check each
// result against float64 on the CPU, and time it against the device's own measured peak.
import { Gpu, matmul, type MatmulKernel, Random, Sgd } from '../engine';
import { matmulBindings, matmulKernel, measurePeak, type Peak, DispatchTimer } from '../engine/internal';
import { startGpu } from './common';

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const numberOf = (id: string) => Number(element<HTMLInputElement>(id).value);
const checked = (id: string) => element<HTMLInputElement>(id).checked;
const status = element('status');

/** Entries of C compared with float64 (all of them for small products). */
const CHECKED_ENTRIES = 2048;
const TIMING = { targetPassMs: 200, samples: 3 };

interface Result {
  op: string;
  size: string;
  kernel: string;
  maxError: number;
  passed: boolean;
  ms: number;
  rate: string;
  ofPeak: number | null;
}

const results: Result[] = [];
let peak: Peak | null = null;

function addResult(result: Result): void {
  results.push(result);
  const row = element<HTMLTableElement>('results').insertRow();
  const cells = [
    result.op,
    result.size,
    result.kernel,
    result.maxError.toExponential(2),
    result.passed ? 'agrees' : 'WRONG',
    result.ms.toFixed(3),
    result.rate,
    result.ofPeak === null ? '–' : `${result.ofPeak.toFixed(1)}%`,
  ];
  for (const text of cells) row.insertCell().textContent = text;
  row.cells[4].className = result.passed ? 'ok' : 'bad';
}

async function runMatmul(gpu: Gpu, timer: DispatchTimer): Promise<void> {
  const [M, N, K] = [numberOf('m'), numberOf('n'), numberOf('k')];
  if (![M, N, K].every((v) => Number.isInteger(v) && v >= 1)) throw new Error('M, N and K must be positive integers');
  const [transposeA, transposeB] = [checked('transpose-a'), checked('transpose-b')];
  const choice = element<HTMLSelectElement>('kernel').value;
  const force = choice === 'plan' ? undefined : (choice as MatmulKernel);
  const random = new Random(M * 31 + N * 7 + K);
  const aData = random.fillNormal(new Float32Array(M * K));
  const bData = random.fillNormal(new Float32Array(K * N));
  const a = gpu.tensor(transposeA ? [K, M] : [M, K], aData, 'A');
  const b = gpu.tensor(transposeB ? [N, K] : [K, N], bData, 'B');
  const planned = matmulKernel(gpu, { M, N, K, transposeA, transposeB }, force);
  const c = matmul(a, b, { transposeA, transposeB, kernel: planned.plan.kernel, quadBlock: planned.plan.quadBlock });
  try {
    const values = await c.read();
    const aAt = (i: number, k: number) => aData[transposeA ? k * M + i : i * K + k];
    const bAt = (k: number, j: number) => bData[transposeB ? j * K + k : k * N + j];
    let maxError = 0;
    const entries = M * N <= CHECKED_ENTRIES ? M * N : CHECKED_ENTRIES;
    for (let e = 0; e < entries; e++) {
      const index = M * N <= CHECKED_ENTRIES ? e : random.integer(M * N);
      const [i, j] = [Math.floor(index / N), index % N];
      let exact = 0;
      let magnitude = 0; // sum |a b|: float32 rounding scales with it, not with the (possibly cancelling) sum
      for (let k = 0; k < K; k++) {
        exact += aAt(i, k) * bAt(k, j);
        magnitude += Math.abs(aAt(i, k) * bAt(k, j));
      }
      maxError = Math.max(maxError, Math.abs(values[index] - exact) / (magnitude + 1e-30));
    }
    const { msPerDispatch } = await timer.time(
      planned.kernel,
      matmulBindings(a.binding, b.binding, c.binding),
      planned.plan.workgroups,
      TIMING,
      planned.values,
    );
    const gflops = (2 * M * N * K) / (msPerDispatch * 1e6);
    const size = `${M}x${N}x${K}${transposeA ? ' Aᵀ' : ''}${transposeB ? ' Bᵀ' : ''}`;
    const { kernel, quadBlock } = planned.plan;
    addResult({
      op: 'matmul',
      size,
      kernel: quadBlock ? `${kernel} ${quadBlock.rowGroups}x${quadBlock.colBlocks}` : kernel,
      maxError,
      passed: maxError < 1e-5,
      ms: msPerDispatch,
      rate: `${gflops.toFixed(2)} GFLOP/s`,
      ofPeak: peak ? (100 * gflops) / peak.fma_gflops : null,
    });
  } finally {
    for (const t of [a, b, c]) t.dispose();
  }
}

async function runSgd(gpu: Gpu): Promise<void> {
  const count = numberOf('count');
  if (!Number.isInteger(count) || count < 1) throw new Error('parameters must be a positive integer');
  const options = { learningRate: 0.1, momentum: numberOf('momentum'), weightDecay: numberOf('weight-decay') };
  const random = new Random(count);
  const initial = random.fillNormal(new Float32Array(count));
  const gradient = random.fillNormal(new Float32Array(count));
  const param = gpu.tensor([count], initial, 'parameters');
  const grad = gpu.tensor([count], gradient, 'gradient');
  const sgd = new Sgd([param], options);
  try {
    sgd.step([grad]);
    sgd.step([grad]); // the second step uses the momentum buffer
    const values = await param.read();
    let maxError = 0;
    for (let i = 0; i < count; i++) {
      let [w, velocity] = [initial[i], 0];
      for (let step = 0; step < 2; step++) {
        const g = gradient[i] + options.weightDecay * w;
        velocity = options.momentum * velocity + g;
        w -= options.learningRate * velocity;
      }
      maxError = Math.max(maxError, Math.abs(values[i] - w) / (Math.abs(w) + 1));
    }
    const steps = 50;
    const started = performance.now();
    for (let step = 0; step < steps; step++) sgd.step([grad]);
    gpu.flush();
    await gpu.wait(gpu.device.queue.onSubmittedWorkDone());
    const ms = (performance.now() - started) / steps;
    const gbps = (5 * 4 * count) / (ms * 1e6); // reads w, g, v and writes w, v
    addResult({
      op: 'sgd step',
      size: `${count}`,
      kernel: 'optim',
      maxError,
      passed: maxError < 1e-5,
      ms,
      rate: `${gbps.toFixed(2)} GB/s`,
      ofPeak: peak ? (100 * gbps) / peak.copy_gbps : null,
    });
  } finally {
    sgd.dispose();
    param.dispose();
    grad.dispose();
  }
}

function describeDevice(gpu: Gpu): void {
  const features = [...gpu.device.features].sort().join(', ');
  element('adapter').textContent = `${gpu.adapterName}${gpu.software ? ' (software: no GPU in use)' : ''}. Features: ${features}.`;
  const limits = gpu.device.limits;
  const shown: (keyof GPUSupportedLimits)[] = [
    'maxBufferSize',
    'maxStorageBufferBindingSize',
    'maxComputeWorkgroupStorageSize',
    'maxComputeInvocationsPerWorkgroup',
    'maxComputeWorkgroupSizeX',
    'maxComputeWorkgroupsPerDimension',
  ];
  for (const name of shown) {
    const row = element<HTMLTableElement>('limits').insertRow();
    row.insertCell().textContent = name;
    row.insertCell().textContent = String(limits[name]);
  }
}

async function main(): Promise<void> {
  const gpu = await startGpu();
  if (!gpu) return;
  const timer = new DispatchTimer(gpu);
  describeDevice(gpu);
  const buttons = ['run-matmul', 'run-sgd', 'run-peak'].map((id) => element<HTMLButtonElement>(id));
  const action = (work: () => Promise<void>) => async () => {
    buttons.forEach((button) => (button.disabled = true));
    status.textContent = 'Running…';
    try {
      await work();
      status.textContent = `Done (timed with ${timer.method}).`;
    } catch (error) {
      status.textContent = `Error: ${(error as Error).message}`;
    } finally {
      buttons.forEach((button) => (button.disabled = false));
    }
  };
  buttons[0].addEventListener(
    'click',
    action(() => runMatmul(gpu, timer)),
  );
  buttons[1].addEventListener(
    'click',
    action(() => runSgd(gpu)),
  );
  buttons[2].addEventListener(
    'click',
    action(async () => {
      peak = await measurePeak(gpu, timer, { targetPassMs: 100, samples: 3 });
      element('peak').textContent =
        `Measured peak: ${peak.fma_gflops.toFixed(1)} GFLOP/s multiply-add, ${peak.copy_gbps.toFixed(2)} GB/s copy; ` +
        `loads from cache, each invocation its own: ${peak.load_gfloats.toFixed(2)} G floats/s, ${peak.load_gvec4s.toFixed(2)} G vec4s/s.`;
    }),
  );
  Object.assign(window, {
    playground: {
      results,
      get peak() {
        return peak;
      },
    },
  });
}

main();

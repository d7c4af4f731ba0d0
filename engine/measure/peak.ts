// The device's limits, measured with our own microkernels (shaders/peak_*.wgsl): the multiply-add rate
// every case is a percentage of, the copy bandwidth that bounds memory-heavy kernels, and the rate of
// per-invocation loads from cache that, with a kernel's multiply-adds per load, bounds matmul (bench/roofline.ts).
// Each kernel's output is checked once before it is timed.
import type { Gpu } from '../gpu';
import fmaShader from '../../shaders/peak_fma.wgsl';
import copyShader from '../../shaders/peak_copy.wgsl';
import loadShader from '../../shaders/peak_load.wgsl';
import type { DispatchTimer, TimingSettings } from './timing';

/** 10^9 loads per second, of a float and of a vec4, as the matmul kernels load (peak_load.wgsl). */
export interface LoadRates {
  load_gfloats: number;
  load_gvec4s: number;
}

export interface Peak extends LoadRates {
  fma_gflops: number;
  copy_gbps: number;
}

/** 64 iterations of 384 flops keep an invocation busy for long enough to dwarf its launch. */
const FMA_ITERATIONS = 64;
const FMA_FLOPS_PER_ITERATION = 384;
const FMA_WORKGROUP_SIZE = 64;
/** Thousands of workgroups keep every core busy; 4096 x 64 invocations also keep the checked sums exact in f32. */
const FMA_WORKGROUPS = 4096;

/** 4 Mi vec4s (64 MiB, 2^24 floats) per buffer: source and destination together are four times a 32 MiB L3 cache. */
const COPY_VEC4S = 4 * 1024 * 1024;
const COPY_VEC4S_PER_INVOCATION = 4; // fixed in peak_copy.wgsl
const COPY_WORKGROUP_SIZE = 256;

/** peak_load.wgsl: the loads of a 512 x 512 x 512 matmul (256 workgroups of 8 x 8), from two 1 MiB matrices. */
const LOAD_SIZE = 512;
const LOAD_WORKGROUP_SIDE = 8;
/** Each invocation's loads: 8 per k as floats, 8 per 4 k as vec4s. */
const LOADS_PER_INVOCATION = { floats: 8 * LOAD_SIZE, vec4s: 2 * LOAD_SIZE };

export async function measurePeak(gpu: Gpu, timer: DispatchTimer, settings: TimingSettings): Promise<Peak> {
  return {
    fma_gflops: await measureFma(gpu, timer, settings),
    copy_gbps: await measureCopy(gpu, timer, settings),
    load_gfloats: await measureLoadRate(gpu, timer, settings, false),
    load_gvec4s: await measureLoadRate(gpu, timer, settings, true),
  };
}

/** GFLOP/s of peak_fma.wgsl, counting a multiply-add as two flops. */
async function measureFma(gpu: Gpu, timer: DispatchTimer, settings: TimingSettings): Promise<number> {
  const invocations = FMA_WORKGROUPS * FMA_WORKGROUP_SIZE;
  const kernel = gpu.kernel(fmaShader, { ITERATIONS: FMA_ITERATIONS, WORKGROUP_SIZE: FMA_WORKGROUP_SIZE });
  const factors = gpu.tensor([2], [1, 1], 'fma factors'); // (multiplier, addend): each accumulator counts
  const out = gpu.tensor([invocations], undefined, 'fma sums');
  const workgroups: [number, number, number] = [FMA_WORKGROUPS, 1, 1];
  try {
    gpu.dispatch(kernel, [factors.binding, out.binding], workgroups);
    const sums = await out.read();
    const expected = (invocation: number) => 12 * invocation + 12 + 192 * FMA_ITERATIONS; // see peak_fma.wgsl
    const bad = sums.findIndex((sum, invocation) => sum !== expected(invocation));
    if (bad >= 0) throw new Error(`peak_fma: invocation ${bad} summed ${sums[bad]}, expected ${expected(bad)}`);
    const { msPerDispatch } = await timer.time(kernel, [factors.binding, out.binding], workgroups, settings);
    const flops = invocations * FMA_ITERATIONS * FMA_FLOPS_PER_ITERATION;
    return flops / (msPerDispatch * 1e6);
  } finally {
    factors.dispose();
    out.dispose();
  }
}

/** GB/s (10^9 bytes) of peak_copy.wgsl, counting each byte once read and once written. */
async function measureCopy(gpu: Gpu, timer: DispatchTimer, settings: TimingSettings): Promise<number> {
  const floats = 4 * COPY_VEC4S;
  const kernel = gpu.kernel(copyShader, { COUNT: COPY_VEC4S, WORKGROUP_SIZE: COPY_WORKGROUP_SIZE });
  const values = Float32Array.from({ length: floats }, (_, i) => i); // each float its own index: exact below 2^24
  const source = gpu.tensor([floats], values, 'copy source');
  const destination = gpu.tensor([floats], undefined, 'copy destination');
  const workgroups: [number, number, number] = [COPY_VEC4S / (COPY_VEC4S_PER_INVOCATION * COPY_WORKGROUP_SIZE), 1, 1];
  try {
    gpu.dispatch(kernel, [source.binding, destination.binding], workgroups);
    const copied = await destination.read();
    const bad = copied.findIndex((value, i) => value !== values[i]);
    if (bad >= 0) throw new Error(`peak_copy: float ${bad} is ${copied[bad]}, expected ${values[bad]}`);
    const { msPerDispatch } = await timer.time(kernel, [source.binding, destination.binding], workgroups, settings);
    return (2 * 4 * floats) / (msPerDispatch * 1e6);
  } finally {
    source.dispose();
    destination.dispose();
  }
}

/**
 * 10^9 loads per second of peak_load.wgsl, each a vec4 or a float, in the fastest timed pass: the most the loads
 * allow is what a bound needs, and a pass slowed by something else running is not that. The runner measures it
 * again after every matmul case, for the same reason.
 */
export async function measureLoadRate(gpu: Gpu, timer: DispatchTimer, settings: TimingSettings, vec4: boolean): Promise<number> {
  const size = LOAD_SIZE;
  const kernel = gpu.kernel(loadShader, { SIZE: size, VEC4: vec4 });
  const valuesA = Float32Array.from({ length: size * size }, (_, i) => i % 7);
  const valuesB = Float32Array.from({ length: size * size }, (_, i) => i % 5);
  const a = gpu.tensor([size, size], valuesA, 'load A');
  const b = gpu.tensor([size, size], valuesB, 'load B');
  const out = gpu.tensor([(size / 4) ** 2], undefined, 'load sums');
  const buffers = [a.binding, b.binding, a.binding, b.binding, out.binding]; // A and B as vec4s, then as floats
  const workgroups: [number, number, number] = [size / (4 * LOAD_WORKGROUP_SIDE), size / (4 * LOAD_WORKGROUP_SIDE), 1];
  try {
    gpu.dispatch(kernel, buffers, workgroups);
    const sums = await out.read();
    const expected = expectedLoadSums(valuesA, valuesB, size);
    const bad = sums.findIndex((sum, invocation) => sum !== expected[invocation]);
    if (bad >= 0) throw new Error(`peak_load: invocation ${bad} summed ${sums[bad]}, expected ${expected[bad]}`);
    const { fastestMsPerDispatch } = await timer.time(kernel, buffers, workgroups, settings);
    const loads = (size / 4) ** 2 * (vec4 ? LOADS_PER_INVOCATION.vec4s : LOADS_PER_INVOCATION.floats);
    return loads / (fastestMsPerDispatch * 1e6);
  } finally {
    a.dispose();
    b.dispose();
    out.dispose();
  }
}

/** Invocation (x, y) sums rows 4 y .. 4 y + 3 of A and columns 4 x .. 4 x + 3 of B (see peak_load.wgsl). */
function expectedLoadSums(a: Float32Array, b: Float32Array, size: number): number[] {
  const rowSums = Array.from({ length: size }, (_, row) => a.subarray(row * size, (row + 1) * size).reduce((sum, value) => sum + value, 0));
  const colSums = new Array<number>(size).fill(0);
  b.forEach((value, i) => (colSums[i % size] += value));
  const blockSum = (sums: number[], first: number) => sums[first] + sums[first + 1] + sums[first + 2] + sums[first + 3];
  return Array.from({ length: (size / 4) ** 2 }, (_, invocation) => {
    const [x, y] = [invocation % (size / 4), Math.floor(invocation / (size / 4))];
    return blockSum(rowSums, 4 * y) + blockSum(colSums, 4 * x);
  });
}

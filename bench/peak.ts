// The device's limits, measured with our own microkernels (shaders/peak_*.wgsl): the multiply-add rate
// every case is a percentage of, the copy bandwidth that bounds memory-heavy kernels, and the rate of
// per-invocation loads from cache that, with a kernel's multiply-adds per load, bounds matmul (bench/roofline.ts).
// Each kernel's output is checked once before it is timed.
import type { Gpu } from '../engine';
import fmaSource from '../shaders/peak_fma.wgsl';
import copySource from '../shaders/peak_copy.wgsl';
import loadSource from '../shaders/peak_load.wgsl';
import type { DispatchTimer, TimingSettings } from './timing';

export interface Peak {
  fma_gflops: number;
  copy_gbps: number;
  /** 10^9 loads per second, of a float and of a vec4, each invocation from its own address. */
  load_gfloats: number;
  load_gvec4s: number;
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

/** peak_load.wgsl: 256 iterations of 8 loads in 1024 workgroups of 64, from 4096 vec4s (64 KiB). */
const LOAD_ITERATIONS = 256;
const LOADS_PER_ITERATION = 8;
const LOAD_WORKGROUPS = 1024;
const LOAD_WORKGROUP_SIZE = 64;
const LOAD_SOURCE_VEC4S = 4096;

export async function measurePeak(gpu: Gpu, timer: DispatchTimer, settings: TimingSettings): Promise<Peak> {
  return {
    fma_gflops: await measureFma(gpu, timer, settings),
    copy_gbps: await measureCopy(gpu, timer, settings),
    load_gfloats: await measureLoads(gpu, timer, settings, false),
    load_gvec4s: await measureLoads(gpu, timer, settings, true),
  };
}

/** GFLOP/s of peak_fma.wgsl, counting a multiply-add as two flops. */
async function measureFma(gpu: Gpu, timer: DispatchTimer, settings: TimingSettings): Promise<number> {
  const invocations = FMA_WORKGROUPS * FMA_WORKGROUP_SIZE;
  const kernel = gpu.kernel('peak_fma', fmaSource, { ITERATIONS: FMA_ITERATIONS, WORKGROUP_SIZE: FMA_WORKGROUP_SIZE });
  const factors = gpu.tensor([2], [1, 1], 'fma factors'); // (multiplier, addend): each accumulator counts
  const out = gpu.tensor([invocations], undefined, 'fma sums');
  const workgroups: [number, number, number] = [FMA_WORKGROUPS, 1, 1];
  try {
    gpu.dispatch(kernel, [factors.buffer, out.buffer], workgroups);
    const sums = await out.read();
    const expected = (invocation: number) => 12 * invocation + 12 + 192 * FMA_ITERATIONS; // see peak_fma.wgsl
    const bad = sums.findIndex((sum, invocation) => sum !== expected(invocation));
    if (bad >= 0) throw new Error(`peak_fma: invocation ${bad} summed ${sums[bad]}, expected ${expected(bad)}`);
    const { msPerDispatch } = await timer.time(kernel, [factors.buffer, out.buffer], workgroups, settings);
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
  const kernel = gpu.kernel('peak_copy', copySource, { COUNT: COPY_VEC4S, WORKGROUP_SIZE: COPY_WORKGROUP_SIZE });
  const values = Float32Array.from({ length: floats }, (_, i) => i); // each float its own index: exact below 2^24
  const source = gpu.tensor([floats], values, 'copy source');
  const destination = gpu.tensor([floats], undefined, 'copy destination');
  const workgroups: [number, number, number] = [COPY_VEC4S / (COPY_VEC4S_PER_INVOCATION * COPY_WORKGROUP_SIZE), 1, 1];
  try {
    gpu.dispatch(kernel, [source.buffer, destination.buffer], workgroups);
    const copied = await destination.read();
    const bad = copied.findIndex((value, i) => value !== values[i]);
    if (bad >= 0) throw new Error(`peak_copy: float ${bad} is ${copied[bad]}, expected ${values[bad]}`);
    const { msPerDispatch } = await timer.time(kernel, [source.buffer, destination.buffer], workgroups, settings);
    return (2 * 4 * floats) / (msPerDispatch * 1e6);
  } finally {
    source.dispose();
    destination.dispose();
  }
}

/** 10^9 loads per second of peak_load.wgsl, each a vec4 or a float. */
async function measureLoads(gpu: Gpu, timer: DispatchTimer, settings: TimingSettings, vec4: boolean): Promise<number> {
  const invocations = LOAD_WORKGROUPS * LOAD_WORKGROUP_SIZE;
  const constants = { ITERATIONS: LOAD_ITERATIONS, WORKGROUP_SIZE: LOAD_WORKGROUP_SIZE, COUNT: LOAD_SOURCE_VEC4S, VEC4: vec4 };
  const kernel = gpu.kernel('peak_load', loadSource, constants);
  const values = Float32Array.from({ length: 4 * LOAD_SOURCE_VEC4S }, (_, i) => Math.floor(i / 4) % 7);
  const source = gpu.tensor([values.length], values, 'load source');
  const out = gpu.tensor([invocations], undefined, 'load sums');
  const workgroups: [number, number, number] = [LOAD_WORKGROUPS, 1, 1];
  try {
    gpu.dispatch(kernel, [source.buffer, out.buffer], workgroups);
    const sums = await out.read();
    const expected = (invocation: number) => {
      let total = 0;
      for (let t = 0; t < LOAD_ITERATIONS * LOADS_PER_ITERATION; t++) total += ((8 * invocation + t) % LOAD_SOURCE_VEC4S) % 7;
      return (vec4 ? 4 : 1) * total;
    };
    const bad = sums.findIndex((sum, invocation) => sum !== expected(invocation));
    if (bad >= 0) throw new Error(`peak_load: invocation ${bad} summed ${sums[bad]}, expected ${expected(bad)}`);
    const { msPerDispatch } = await timer.time(kernel, [source.buffer, out.buffer], workgroups, settings);
    return (invocations * LOAD_ITERATIONS * LOADS_PER_ITERATION) / (msPerDispatch * 1e6);
  } finally {
    source.dispose();
    out.dispose();
  }
}

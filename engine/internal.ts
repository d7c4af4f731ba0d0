// What the benchmark and the kernel playground reach into beyond the public API: the matmul plan and its kernels,
// timed alone, and the fused step's limits. Not part of the package's stable API (layerwise-webgpu/internal).
export { matmulBindings, matmulKernel, matmulPlan, matmulTraits, type MatmulDispatch } from './ops/matmul';
export {
  planMatmul,
  quadBlock,
  QUAD_BLOCKS,
  matmulShaders,
  type QuadBlock,
  type MatmulPlan,
  type MatmulShape,
  type MatmulDeviceTraits,
} from './ops/matmul-plan';
export { FUSED_MAX_MULTIPLY_ADDS } from './fused-step';
export { QUIET } from './device';
export { launch, launchInto, gridFor, WORKGROUP_SIZE, type Launch } from './ops/launch';
export { measurePeak, measureLoadRate, type Peak, type LoadRates } from './measure/peak';
export { DispatchTimer, median, type Timing, type TimingMethod, type TimingSettings } from './measure/timing';

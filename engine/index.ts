// The public API of the engine: a device context, tensors, ops with autodiff, and an optimiser.
export { Gpu } from './gpu';
export { type Kernel, type Constants } from './kernels';
export { withCodes, type ShaderFile } from './shader';
export { acquireDevice, type AcquiredDevice, type DeviceOptions } from './device';
export { Tensor } from './tensor';
export { type PoolStats } from './pool';
export { valueAndGrad, type Backward } from './tape';
export { matmul, gram, matmulKernel, matmulTraits, type MatmulOptions } from './ops/matmul';
export { planMatmul, quadBlock, QUAD_BLOCKS, type QuadBlock, type MatmulKernel, type MatmulPlan, type MatmulShape, type MatmulDeviceTraits } from './ops/matmul-plan';
export { gatherRows } from './ops/gather';
export { addBias, sumRows } from './ops/bias';
export { BatchNorm, type BatchNormOptions } from './ops/batchnorm';
export { add, sub, mul, scale, relu } from './ops/elementwise';
export { sum, mean } from './ops/reduce';
export { mseLoss, softmaxCrossEntropy } from './ops/loss';
export { fill } from './ops/fill';
export { Sgd, Adam, createOptimizer, type Optimizer, type OptimizerOptions, type SgdOptions, type AdamOptions } from './optim';
export { FusedLinearSteps, fusedStepUnsupported, FUSED_MAX_MULTIPLY_ADDS, type FusedStepOptions } from './fused-step';
export { Network, checkChain, type ModelKind } from './model';
export { train, measure, TrainingSession, learningRateAt, type TrainOptions, type TrainData, type TrainEvents, type TrainResult } from './train';
export { MetricsStage, type NetworkMetrics } from './metrics/layers';
export { Random, toRandom, type SeedOrRandom } from './random';
export { initWeights, layerShapes, type NetworkShape, type InitOptions, type InitScheme } from './init';
export { nearlyOrthogonalData, gaussianData, uniformData, balancedLabels, oneHot, type Dataset, type DatasetSize } from './data/synthetic';
export { readNpy, writeNpy, type NpyArray, type NpyDtype } from './io/npy';
export type { Matrix } from './linalg';
export {
  SETTINGS, referenceConfig, settingNames, flagOf, allowed, isAllowed, checkSetting, parseSetting,
  type ExperimentConfig, type SettingName, type Choice,
} from './settings';
export {
  runExperiment, uploadExperiment, syntheticDataset, initialWeights, initialBiases, trainOptions, checkConfig,
  type ExperimentResult, type UploadedExperiment, type BufferLimits,
} from './experiment';

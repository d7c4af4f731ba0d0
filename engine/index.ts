// The public API of the engine, browser-safe: a device context, tensors, ops with autodiff, optimisers, training,
// the layer metrics and the experiment. Node's file readers and writers: ./node; the figures: ./report; what the
// benchmark and the kernel playground reach into: ./internal.
export { Gpu } from './gpu';
export { type Kernel, type Constants } from './kernels';
export { withCodes, type ShaderFile } from './shader';
export { acquireDevice, type AcquiredDevice, type DeviceOptions } from './device';
export { Tensor, type Region } from './tensor';
export { TensorBlock, zerosLike } from './block';
export { type PoolStats } from './pool';
export { valueAndGrad, type Backward } from './tape';
export { matmul, gram, linear, type MatmulOptions } from './ops/matmul';
export { type MatmulKernel } from './ops/matmul-plan';
export { gatherRows } from './ops/gather';
export { addBias, sumRows } from './ops/bias';
export { BatchNorm, type BatchNormOptions } from './ops/batchnorm';
export { add, sub, mul, scale, relu } from './ops/elementwise';
export { sum, mean } from './ops/reduce';
export { mseLoss, softmaxCrossEntropy } from './ops/loss';
export { fill } from './ops/fill';
export { Sgd, Adam, createOptimizer, type Optimizer, type OptimizerOptions, type SgdOptions, type AdamOptions } from './optim';
export { FusedLinearSteps, fusedStepUnsupported, type FusedStepOptions } from './fused-step';
export { Network, checkChain, type ModelKind } from './model';
export { train, measure, TrainingSession, learningRateAt, type TrainOptions, type TrainData, type TrainEvents, type TrainResult } from './train';
export { MetricsStage, type NetworkMetrics, type LayerMetrics } from './metrics/layers';
export { fitLayers, fitLine, showFit, type LayerFits, type LineFit } from './metrics/fits';
export { Random, toRandom, type SeedOrRandom } from './random';
export { initWeights, layerShapes, type NetworkShape, type InitOptions, type InitScheme } from './init';
export { nearlyOrthogonalData, gaussianData, uniformData, balancedLabels, oneHot, type Dataset, type DatasetSize } from './data/synthetic';
export { readNpy, writeNpy, type NpyArray, type NpyDtype } from './io/npy';
export { datasetFromArrays, type ArrayNames } from './data/arrays';
export { imageDataset, type ImageSelection, type Normalization } from './data/images';
export { orthogonality, type Orthogonality } from './data/orthogonality';
export type { Matrix } from './linalg';
export {
  SETTINGS,
  referenceConfig,
  settingNames,
  flagOf,
  settingOfFlag,
  allowed,
  isAllowed,
  checkSetting,
  parseSetting,
  COSINE_FINAL_FRACTION,
  type ExperimentConfig,
  type SettingName,
  type Choice,
} from './settings';
export { PROFILE_STEPS, profileStep, profileTable, type StepProfile, type ProfileRow } from './measure/profile';
export { metricsJson, compileMark, deviceRecord, type MetricsJson, type RunContext, type RunReport } from './metrics-json';
export {
  runExperiment,
  uploadExperiment,
  syntheticDataset,
  initialWeights,
  initialBiases,
  trainOptions,
  checkConfig,
  type ExperimentResult,
  type UploadedExperiment,
  type BufferLimits,
} from './experiment';

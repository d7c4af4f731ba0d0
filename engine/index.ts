// The public API of the engine: a device context, tensors, ops with autodiff, and an optimiser.
export { Gpu, type Kernel } from './gpu';
export { acquireDevice, type AcquiredDevice, type DeviceOptions } from './device';
export { Tensor } from './tensor';
export { type PoolStats } from './pool';
export { valueAndGrad, type Backward } from './tape';
export { matmul, type MatmulOptions } from './ops/matmul';
export { add, sub, mul, scale, relu } from './ops/elementwise';
export { sum, mean } from './ops/reduce';
export { mseLoss, softmaxCrossEntropy } from './ops/loss';
export { fill } from './ops/fill';
export { Sgd, type SgdOptions } from './optim';

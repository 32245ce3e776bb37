// Public API of gaaf.
export { Sequential } from './sequential.js';
export { Model, type ModelOptions, type Gradients } from './model.js';
export { fit, TrainingDivergedError, type FitOptions, type History, type EpochLogs, type BatchInfo, type Callbacks } from './fit.js';
export { Layer, type Param } from './layers/layer.js';
export { Dense, type DenseOptions } from './layers/dense.js';
export { Activation, type ActivationOptions } from './layers/activation.js';
export { Dropout } from './layers/dropout.js';
export { Conv2D, type Conv2DOptions, type Padding } from './layers/conv2d.js';
export { MaxPool2D, type MaxPool2DOptions } from './layers/maxpool2d.js';
export { BatchNorm, type BatchNormOptions } from './layers/batchnorm.js';
export { Flatten } from './layers/flatten.js';
export { SGD, Adam, makeOptimizer, type Optimizer, type OptimizerName, type SGDOptions, type AdamOptions } from './optimizers.js';
export { type GaafOptions, type GaafParams, resolveGaaf, GAAF_DEFAULT_K } from './gaaf.js';
export { type Initializer } from './init.js';
export { Rng } from './rng.js';
export { setKernelImpl, kernelImpl, memoryStats, type ActKind, type KernelImpl } from './binding.js';
export * as ops from './ops.js';
export { type Dataset, makeDataset, subset, reshapeDataset } from './data/dataset.js';
export { DataFormatError, MissingDataFilesError } from './data/errors.js';
export { parseIdx, readIdxFile, loadIdxPair } from './data/idx.js';
export { loadDataDir, loadTrainTest } from './data/load.js';
export { parseCifar, loadCifarFiles, loadCifarDir, detectCifar, type CifarKind, type CifarLabel } from './data/cifar.js';
export { loadBundledDigits } from './data/bundled.js';
export { paperMlp, svhnCnn, reducedVgg16, BN_MOMENTUM, type MlpOptions, type CnnOptions } from './models.js';
export {
  reproduceMlp, REPORT_SECTIONS, DEFAULTS as REPRODUCE_DEFAULTS, MODEL_KEYS as REPRODUCE_MODELS,
  type ReproduceOptions, type ReproduceResults, type ReproduceOutput, type RunResult, type ModelSummary,
  reproduceCnn, CNN_DEFAULTS, CNN_VARIANTS, CNN_REPORT_SECTIONS, type CnnVariant, type CnnModelName, type CnnReproduceOptions,
  type CnnReproduceResults, type CnnReproduceOutput, type CnnRunResult, type CnnVariantSummary,
} from './reproduce/index.js';
export { type StateTensor } from './layers/layer.js';
export { registerLayer, registeredLayers, layerFromConfig, type LayerFactory } from './layers/registry.js';

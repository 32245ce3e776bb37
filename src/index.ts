// Public API of gaaf, the universal entry (browsers, bundlers, workers and Node): no `node:`
// imports here or below. Node-only loaders (files, the `mnist` package, reports) are added
// by src/node.ts, which package.json's `node` export condition selects.
export { Sequential, Model, type CompileOptions, type ArrayFitOptions } from './sequential.js';
// Network is the core every model class builds on; Model (functional, and Sequential's base) adds the model API.
export { Network, type ModelOptions, type FunctionalSpec, type Gradients, type BuilderRecord } from './model.js';
export { input, SymbolicTensor, type InputOptions } from './layers/symbolic.js';
export { MergeLayer, Add, Multiply, Concatenate, type ConcatenateOptions } from './layers/merge.js';
export { type GraphConfig } from './graph/config.js';
// --- custom layers: a layer's parameters and buffers (Float32Array views through Buf.view()/read()/write())
export { Buf } from './binding.js';
export { makeParam, type StepContext } from './layers/layer.js';
export {
  fit, TrainingDivergedError, type TrainOptions, type History, type EpochLogs, type BatchInfo, type Callback, type Callbacks, type TrainingRun,
} from './fit.js';
export { GradientInfo, type GradientInfoState } from './gradient-info.js';
export { EarlyStopping, ReduceLROnPlateau, type EarlyStoppingOptions, type ReduceLROnPlateauOptions } from './training-callbacks.js';
export { splitValidation } from './fit.js';
export type { ArrayData, TargetData, TensorLike } from './fit-data.js';
export { Layer, type Param } from './layers/layer.js';
export { Dense, type DenseOptions } from './layers/dense.js';
export { Activation, type ActivationOptions } from './layers/activation.js';
export { Dropout } from './layers/dropout.js';
export { Conv2D, type Conv2DOptions, type Padding } from './layers/conv2d.js';
export { DepthwiseConv2D, type DepthwiseConv2DOptions } from './layers/depthwise-conv2d.js';
export { MaxPool2D, type MaxPool2DOptions } from './layers/maxpool2d.js';
export { AveragePooling2D, type AveragePooling2DOptions } from './layers/avgpool2d.js';
export { GlobalAveragePooling2D, GlobalMaxPooling2D, type GlobalPoolingOptions } from './layers/global-pooling.js';
export { BatchNorm, type BatchNormOptions } from './layers/batchnorm.js';
export { Flatten } from './layers/flatten.js';
export { Reshape } from './layers/reshape.js';
export { LayerNormalization, type LayerNormalizationOptions } from './layers/layernorm.js';
export { Embedding, type EmbeddingOptions } from './layers/embedding.js';
export {
  SGD, Adam, makeOptimizer, DEFAULT_LR, type Optimizer, type OptimizerName, type SGDOptions, type AdamOptions, type OptimizerConfig, type NamedGradients,
  exponentialDecay, cosineDecay, scheduleFromConfig, type LearningRate, type LearningRateSchedule, type LrSchedule, type ScheduleConfig,
  type ExponentialDecayOptions, type CosineDecayOptions,
} from './optimizers.js';
export {
  type GaafOptions, type GaafParams, type GaafKind, resolveGaaf, gaafDefaultCentre, gaafShapesOf, GAAF_DEFAULT_K, GAAF_DEFAULT_C,
} from './gaaf.js';
export { GAAF_SHAPES, type GaafShape } from './binding.js';
export { type Initializer } from './init.js';
export { Rng } from './rng.js';
export { init, type InitOptions, type InitInfo } from './binding.js';
export { setKernelImpl, kernelImpl, memoryStats, type ActKind, type KernelImpl } from './binding.js';
export { setThreads, threads, shutdownThreads, threadSupport, defaultThreads, MAX_THREADS } from './binding.js';
export * as ops from './ops.js';
export { type Dataset, type OutputTargets, makeDataset, makeMultiOutputDataset, makeTargetDataset, subset, reshapeDataset } from './data/dataset.js';
export {
  type Evaluation, type Head, type LossOptions, type LossSpec, resolveHead, LOSS_NAME_LIST, SoftmaxCrossEntropyHead, CategoricalCrossEntropyHead, BinaryCrossEntropyHead, RegressionHead,
} from './head.js';
export { DataFormatError, MissingDataFilesError } from './data/errors.js';
export { paperMlp, svhnCnn, reducedVgg16, BN_MOMENTUM, PAPER_MLP_RECIPE, type MlpOptions, type CnnOptions } from './paper-models.js';
export { type StateTensor } from './layers/layer.js';
export { registerLayer, registeredLayers, layerFromConfig, type LayerFactory } from './layers/registry.js';
// --- Checkpoints and reliability (issue #7). Universal: no static node: imports (checkpoint.ts imports ./node.js only when given a directory path).
export {
  CheckpointError, CheckpointLockedError, type CheckpointBytes, type CheckpointConfig, type CheckpointHandler, type LoadedBytes, type TrainingState, type Tensor,
  type SafetensorsFile, encodeSafetensors, parseSafetensors, parseCheckpointConfig, checkTensors, memoryHandler, CHECKPOINT_VERSION,
} from './checkpoint/format.js';
export {
  snapshot, restore, saveModel, loadModel, loadModelCheckpoint, type Restored, type RestoreOptions, type SnapshotOptions, type NetworkCtor,
} from './checkpoint/checkpoint.js';
export { indexedDBHandler, downloadHandler, uploadedFilesHandler } from './checkpoint/browser.js';
export { MemoryLimitError, estimateMemory, type MemoryEstimate } from './memory.js';
export { ModelCheckpoint, fitWithCheckpoints, type CheckpointOptions, type FitOptions } from './checkpoint/callback.js';
// --- end checkpoints
export {
  DEFAULT_SPLIT_SEED, type BundledDigits, bundledSplitIndices, parseBundledDigits, splitBundledDigits,
} from './data/digits.js';
export { fetchBundledDigits, parseDigitsAsset } from './data/digits-asset.js';
export { residualCnn, type ResidualCnnOptions } from './resnet.js';
// --- TF.js Layers format, in and out (src/interop/tfjs/; a path to model.json or a directory needs the Node entry)
export { loadLayersModel, type LoadLayersModelOptions, type LayersModelSource } from './interop/tfjs/load.js';
export { modelToArtifacts, type SaveTfjsOptions, type SaveTfjsResult } from './interop/tfjs/save.js';
export { TfjsError, TfjsFormatError, TfjsUnsupportedError } from './interop/tfjs/errors.js';
export type { TfjsArtifacts, TfjsIOHandler, TfjsModelJson, TfjsWeightSpec } from './interop/tfjs/artifacts.js';
// --- Interop: PyTorch / Hugging Face weights in (model.loadWeights), ONNX out (model.toOnnx).
export { WeightsFileError } from './interop/errors.js';
export { readForeignSafetensors, type ForeignSafetensors, type ForeignTensor } from './interop/torch/safetensors.js';
export { type LoadWeightsOptions, type LoadWeightsReport } from './interop/torch/load.js';
export { type TorchMap, type TorchLoadOptions } from './interop/torch/map.js';
export { exportOnnx, type OnnxExportOptions, ONNX_OPSETS } from './interop/onnx/export.js';

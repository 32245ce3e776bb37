// Public API of gaaf.
export { Sequential } from './sequential.js';
export { Model, type ModelOptions, type Gradients } from './model.js';
export { fit, TrainingDivergedError, type FitOptions, type History, type EpochLogs, type BatchInfo, type Callbacks } from './fit.js';
export { Layer, type Param } from './layers/layer.js';
export { Dense, type DenseOptions } from './layers/dense.js';
export { Activation, type ActivationOptions } from './layers/activation.js';
export { Dropout } from './layers/dropout.js';
export { SGD, Adam, makeOptimizer, type Optimizer, type OptimizerName, type SGDOptions, type AdamOptions } from './optimizers.js';
export { type GaafOptions, type GaafParams, resolveGaaf, GAAF_DEFAULT_K } from './gaaf.js';
export { type Initializer } from './init.js';
export { Rng } from './rng.js';
export { setKernelImpl, kernelImpl, memoryStats, type ActKind, type KernelImpl } from './binding.js';
export * as ops from './ops.js';
export { type Dataset, makeDataset, subset } from './data/dataset.js';
export { DataFormatError, MissingDataFilesError } from './data/errors.js';
export { parseIdx, readIdxFile, loadIdxPair } from './data/idx.js';
export { loadDataDir } from './data/load.js';
export { loadBundledDigits } from './data/bundled.js';
export { paperMlp, type MlpOptions } from './models.js';
export {
  reproduceMlp, REPORT_SECTIONS, DEFAULTS as REPRODUCE_DEFAULTS, MODEL_KEYS as REPRODUCE_MODELS,
  type ReproduceOptions, type ReproduceResults, type ReproduceOutput, type RunResult, type ModelSummary,
} from './reproduce/index.js';
export { type StateTensor } from './layers/layer.js';
export { registerLayer, registeredLayers, layerFromConfig, type LayerFactory } from './layers/registry.js';
// --- Checkpoints and reliability (issue #7). Universal: no static node: imports (checkpoint.ts imports ./node.js only when given a directory path).
export {
  CheckpointError, type CheckpointBytes, type CheckpointConfig, type CheckpointHandler, type LoadedBytes, type TrainingState, type Tensor,
  type SafetensorsFile, encodeSafetensors, parseSafetensors, parseCheckpointConfig, checkTensors, memoryHandler, CHECKPOINT_VERSION,
} from './checkpoint/format.js';
export { snapshot, restore, type Restored, type SnapshotOptions } from './checkpoint/checkpoint.js';
export { indexedDBHandler, downloadHandler, uploadedFilesHandler } from './checkpoint/browser.js';
export { MemoryLimitError, estimateMemory, type MemoryEstimate } from './memory.js';
export { type CheckpointOptions } from './fit.js';
// Node only (node:fs): move to the Node entry when the universal/Node split lands.
export { checkpointDir, loadCheckpointDir, writeFileAtomic, type CheckpointDirOptions } from './checkpoint/node.js';
// --- end checkpoints

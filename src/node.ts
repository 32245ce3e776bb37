// The Node entry of gaaf (package.json's `node` export condition): everything in the universal
// entry, plus what reads files or Node-only packages.
export * from './index.js';
import './interop/torch/node.js'; // loadWeights takes a path
export { parseIdx, readIdxFile, loadIdxPair } from './data/idx.js';
export { loadDataDir, loadTrainTest } from './data/load.js';
export { parseCifar, loadCifarFiles, loadCifarDir, detectCifar, type CifarKind, type CifarLabel } from './data/cifar.js';
export { loadBundledDigits, readBundledDigits } from './data/bundled.js';
export {
  reproduceMlp, DEFAULTS as REPRODUCE_DEFAULTS, MODEL_KEYS as REPRODUCE_MODELS,
  type ReproduceOptions, type ReproduceResults, type ReproduceOutput, type RunResult, type ModelSummary,
  reproduceCnn, CNN_DEFAULTS, CNN_VARIANTS, type CnnVariant, type CnnModelName, type CnnReproduceOptions,
  type CnnReproduceResults, type CnnReproduceOutput, type CnnRunResult, type CnnVariantSummary,
} from './reproduce/index.js';
export { checkpointDir, loadCheckpointDir, writeFileAtomic, type CheckpointDirOptions } from './checkpoint/node.js';
export { readTfjsFiles, writeTfjsDirectory } from './interop/tfjs/node.js'; // loadLayersModel(path) and saveTfjs(dir)

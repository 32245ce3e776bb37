// The binding's public face: everything the rest of src/ may use of the Wasm side, from the
// modules in src/wasm/ that own the instance (instance.ts), the memory and its allocator
// (memory.ts), the threads (parallel.ts), the checks (checks.ts), the one call path (kernel.ts)
// and the kernel table, one file per family beside assembly/<family>.ts. No address leaves
// src/wasm/: Bufs are handles (test/bundle.test.ts enforces it).
export { init, type InitOptions, type InitInfo } from './wasm/init.js';
export { Buf, allocF32, allocI32, copy, memoryStats, WASM_MAX_BYTES, type DType } from './wasm/memory.js';
export { checkFiniteF32, checkPositiveF32, checkNonNegativeF32, checkUnitF32 } from './wasm/checks.js';
export { setKernelImpl, kernelImpl, type KernelImpl } from './wasm/kernel.js';
export {
  MAX_THREADS, defaultThreads, setThreads, threads, threadSupport, shutdownThreads, setParallelGrain,
} from './wasm/parallel.js';
export { gemm } from './wasm/gemm.js';
export {
  ACT_KINDS, type ActKind, actForward, actBackward, gaafForward, gaafBackward, leakyReluForward, leakyReluBackward,
} from './wasm/activations.js';
export {
  ACTX_KINDS, type ActxKind, actxForward, actxBackward, softmaxForward, softmaxBackward,
} from './wasm/act_ext.js';
export { GAAFX_KINDS, type GaafxKind, gaafxForward, gaafxBackward } from './wasm/gaaf_ext.js';
export { GAAF_SHAPES, type GaafShape, gaafsForward, gaafsBackward } from './wasm/gaaf_shapes.js';
export { dropoutForward, dropoutBackward } from './wasm/dropout.js';
export { softmaxXent, argmaxRows } from './wasm/loss.js';
export { mseLoss, maeLoss, huberLoss, bceLogitsLoss, cceLogitsLoss } from './wasm/loss_targets.js';
export { sgdUpdate, adamUpdate } from './wasm/optim.js';
export { meanAbs, meanVar, sumRows, colMeanVar, countNonFinite } from './wasm/stats.js';
export { simdPeakLoop } from './wasm/peak.js';
export { type BuildProbe, openBuildProbe } from './wasm/build-probe.js';
export {
  type ConvGeom, convOutSize, conv2dWorkspaceLength, conv2dForward, conv2dBackwardData, conv2dBackwardFilter,
} from './wasm/conv.js';
export {
  type DepthwiseGeom, depthwiseOutGeom, depthwiseGeometry, depthwiseForward, depthwiseBackwardData, depthwiseBackwardFilter,
} from './wasm/depthwise.js';
export { type PoolGeom, maxPoolForward, maxPoolBackward } from './wasm/pool.js';
export { layerNormForward, layerNormBackward } from './wasm/layernorm.js';
export { embeddingForward, embeddingBackward } from './wasm/embedding.js';
export { type AvgPoolGeom, poolOutGeom, avgPoolForward, avgPoolBackward } from './wasm/avgpool.js';
export {
  globalAvgPoolForward, globalAvgPoolBackward, globalMaxPoolForward, globalMaxPoolBackward,
} from './wasm/global_pool.js';
export { addForward, mulForward, copyRows } from './wasm/merge.js';
export { batchNormForwardTrain, batchNormForwardInference, batchNormBackward } from './wasm/batchnorm.js';

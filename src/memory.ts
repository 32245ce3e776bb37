// How much Wasm memory a model will need, estimated from its layers' shapes before anything
// is allocated, so a model that cannot fit in wasm32's 4 GiB is refused up front with the
// estimate instead of failing part-way through building or training.
import { WASM_MAX_BYTES, memoryStats } from './binding.js';
import { SoftmaxCrossEntropyHead } from './head.js';
import { type Layer, shapeStr, size } from './layers/layer.js';

/** The model would not fit in Wasm memory. The message gives the estimate, part by part. */
export class MemoryLimitError extends RangeError {
  override readonly name = 'MemoryLimitError';
  constructor(message: string, readonly estimate: MemoryEstimate, readonly availableBytes: number) {
    super(message);
  }
}

export interface MemoryEstimate {
  params: number; // parameter values
  paramBytes: number; // values and gradients
  optimizerBytes: number; // optimizer slots (momentum, Adam m and v)
  activationBytes: number; // per-batch buffers of every layer and the loss
  totalBytes: number;
}

export interface EstimateOptions {
  batchSize?: number; // 0: parameters only
  optimizerSlots?: number; // slot tensors per parameter: 1 for SGD, 2 for Adam
  numClasses?: number;
  /** Float32 values the output head's buffers take for a batch (default: the sparse softmax head's). */
  headFloats?: (batch: number, outputSize: number) => number;
}

const GiB = 1024 ** 3;
export const formatBytes = (b: number): string =>
  b >= GiB ? `${(b / GiB).toFixed(2)} GiB` : b >= 1024 ** 2 ? `${(b / 1024 ** 2).toFixed(1)} MiB` : `${(b / 1024).toFixed(1)} KiB`;

/**
 * The estimate for `layers` on samples of `inputShape`. Shapes are chained with each
 * layer's computeOutputShape (so shapes that do not chain are reported here too); nothing
 * is allocated. Sizes are in float32 values (4 bytes), buffers rounded up to 64 bytes.
 */
export function estimateMemory(layers: readonly Layer[], inputShape: readonly number[], opts: EstimateOptions = {}): MemoryEstimate {
  const batch = opts.batchSize ?? 0;
  const slots = opts.optimizerSlots ?? 0;
  let s: readonly number[] = inputShape;
  let params = 0;
  let actFloats = 0;
  for (const l of layers) {
    params += l.countParamsFor(s);
    if (batch > 0) actFloats += l.activationFloatsFor(s, batch);
    s = l.computeOutputShape(s);
  }
  if (batch > 0) {
    const C = opts.numClasses ?? size(s);
    actFloats += batch * size(inputShape) + (opts.headFloats ?? SoftmaxCrossEntropyHead.floatsFor)(batch, C); // the input, and the head's buffers
  }
  const perBuf = 64 * (2 * layers.length + 8); // alignment slack
  const paramBytes = 8 * params;
  const optimizerBytes = 4 * params * slots;
  const activationBytes = batch > 0 ? 4 * actFloats + perBuf : 0;
  return { params, paramBytes, optimizerBytes, activationBytes, totalBytes: paramBytes + optimizerBytes + activationBytes };
}

/**
 * Throws MemoryLimitError if `extraBytes` more would not fit beside what is allocated now.
 * `what` names the model and `est` is shown part by part.
 */
export function checkFits(est: MemoryEstimate, extraBytes: number, what: string, batch: number, inputShape: readonly number[]): void {
  const used = memoryStats().liveBytes;
  const available = WASM_MAX_BYTES - used;
  if (extraBytes <= available) return;
  const parts = [
    `${est.params.toLocaleString('en-US')} parameters with gradients ${formatBytes(est.paramBytes)}`,
    est.optimizerBytes ? `optimizer slots ${formatBytes(est.optimizerBytes)}` : '',
    batch ? `activations for batch ${batch} on input ${shapeStr(inputShape)} ${formatBytes(est.activationBytes)}` : '',
  ].filter((p) => p);
  throw new MemoryLimitError(
    `gaaf: ${what} would need about ${formatBytes(est.totalBytes)} of Wasm memory (${parts.join(' + ')}); ` +
    `${extraBytes < est.totalBytes ? `the ${formatBytes(extraBytes)} not yet allocated do not fit in` : 'that is more than'} ` +
    `the ${formatBytes(available)} of wasm32's 4 GiB that are free${used ? ` (${formatBytes(used)} in use)` : ''}: ` +
    'use fewer or smaller layers or a smaller batch size',
    est, available);
}

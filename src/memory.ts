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
  let s: readonly number[] = inputShape;
  const entries: PlanEntry[] = layers.map((layer) => {
    const e = { layer, shapes: [s], twin: false };
    s = layer.computeOutputShape(s);
    return e;
  });
  return estimatePlanMemory(entries, 0, size(inputShape), size(s), opts);
}

/** One layer call of a model's schedule, for the estimate: its layer, its inputs' shapes, and whether its parameters are another call's (a shared layer's later call). */
export interface PlanEntry {
  layer: Layer;
  shapes: ReadonlyArray<readonly number[]>;
  twin: boolean;
}

/**
 * The estimate for a model's calls in schedule order (a graph's: src/graph/): `sumFloatsPerRow`
 * values per row for the gradient sums of tensors read more than once, `inputFloats` per row of
 * input, `outputSize` values per row into the head. A twin adds its activations and its own
 * gradients, not parameter values.
 */
export function estimatePlanMemory(entries: readonly PlanEntry[], sumFloatsPerRow: number, inputFloats: number, outputSize: number, opts: EstimateOptions = {}): MemoryEstimate {
  const batch = opts.batchSize ?? 0;
  const slots = opts.optimizerSlots ?? 0;
  let params = 0;
  let twinParams = 0;
  let actFloats = 0;
  for (const e of entries) {
    const p = e.layer.countParamsForInputs(e.shapes);
    if (e.twin) twinParams += p;
    else params += p;
    if (batch > 0) actFloats += e.layer.activationFloatsForInputs(e.shapes, batch);
  }
  if (batch > 0) {
    const C = opts.numClasses ?? outputSize;
    actFloats += batch * (inputFloats + sumFloatsPerRow) + (opts.headFloats ?? SoftmaxCrossEntropyHead.floatsFor)(batch, C); // the inputs, the sums and the head's buffers
  }
  const perBuf = 64 * (2 * entries.length + 8); // alignment slack
  const paramBytes = 8 * params + 4 * twinParams;
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

// The output head of a network: what its output is compared with (the targets of a batch),
// the loss and its gradient with respect to that output, the metric it reports, and what
// predict() returns. Network (model.ts) runs the layers and hands the last layer's output to
// its head; everything about targets and losses lives here, so a network never knows what it
// is trained for. This head is the one gaaf had from the start: integer class labels, softmax
// cross-entropy on logits (the fused kernel of assembly/loss.ts), accuracy, and class
// probabilities from predict(). Buffers are laid out once per batch capacity. The heads of the
// other losses (float targets: regression, binary and multi-label, one-hot and soft labels) are
// in src/heads/; resolveHead turns a loss name as TF.js/Keras spell it into its head.
import { Buf, allocF32, allocI32, argmaxRows, cceLogitsLoss, softmaxXent } from './binding.js';
import type { Dataset } from './data/dataset.js';
import { BinaryCrossEntropyHead, CategoricalCrossEntropyHead, RegressionHead, type Head } from './heads/float-heads.js';

export { BinaryCrossEntropyHead, CategoricalCrossEntropyHead, RegressionHead, type Head } from './heads/float-heads.js';

/** Options of the losses that take one: Huber's delta, the cross-entropies' label smoothing. */
export interface LossOptions {
  delta?: number;
  labelSmoothing?: number;
}

/** evaluate()'s result: the mean loss and the head's metrics by name (accuracy, binaryAccuracy, mse, mae, ...). */
export interface Evaluation {
  loss: number;
  /** Classification losses only (absent for regression; typed as present for the callers that predate them). */
  accuracy: number;
  [metric: string]: number;
}

/** A loss as `loss` takes it: a name as TF.js/Keras spell it, or a head object. */
export type LossSpec = string | Head;

const LOSS_NAMES: Readonly<Record<string, (o: LossOptions) => Head>> = {
  sparseCategoricalCrossentropy: () => new SoftmaxCrossEntropyHead(),
  categoricalCrossentropy: (o) => new CategoricalCrossEntropyHead(o.labelSmoothing ?? 0),
  binaryCrossentropy: (o) => new BinaryCrossEntropyHead(o.labelSmoothing ?? 0),
  meanSquaredError: () => new RegressionHead('mse'),
  mse: () => new RegressionHead('mse'),
  meanAbsoluteError: () => new RegressionHead('mae'),
  mae: () => new RegressionHead('mae'),
  huber: (o) => new RegressionHead('huber', o.delta ?? 1),
};

/** The loss names resolveHead knows. */
export const LOSS_NAME_LIST: readonly string[] = Object.keys(LOSS_NAMES);

function isHead(v: unknown): v is Head {
  const h = v as Head;
  return typeof v === 'object' && v !== null && typeof h.loss === 'function' && typeof h.allocate === 'function' && typeof h.loadTargets === 'function';
}

/**
 * The output head of a loss: a name as TF.js/Keras spell it ('sparseCategoricalCrossentropy',
 * 'categoricalCrossentropy', 'binaryCrossentropy', 'meanSquaredError'/'mse',
 * 'meanAbsoluteError'/'mae', 'huber') with its options, or a head object (returned as it is).
 */
export function resolveHead(loss: LossSpec, opts: LossOptions = {}): Head {
  const unknown = Object.keys(opts).filter((k) => k !== 'delta' && k !== 'labelSmoothing');
  if (unknown.length) throw new RangeError(`gaaf: loss: unknown option ${unknown.map((k) => `'${k}'`).join(', ')} (expected delta, labelSmoothing)`);
  if (isHead(loss)) return loss;
  const make = typeof loss === 'string' && Object.hasOwn(LOSS_NAMES, loss) ? LOSS_NAMES[loss] : undefined;
  if (!make) throw new RangeError(`gaaf: loss: unknown loss ${typeof loss === 'string' ? `'${loss}'` : String(loss)} (expected one of ${LOSS_NAME_LIST.join(', ')}, or a head object)`);
  if (opts.delta !== undefined && loss !== 'huber') throw new RangeError(`gaaf: loss: delta applies to 'huber' only, not '${loss}'`);
  if (opts.labelSmoothing !== undefined && loss !== 'categoricalCrossentropy' && loss !== 'binaryCrossentropy') {
    throw new RangeError(`gaaf: loss: labelSmoothing applies to 'categoricalCrossentropy' and 'binaryCrossentropy', not '${loss}'`);
  }
  return make(opts);
}

export class SoftmaxCrossEntropyHead implements Head {
  readonly lossName = 'sparseCategoricalCrossentropy';
  readonly metricNames: readonly string[] = ['accuracy'];
  readonly countsCorrect = true;
  private sampleWeights: Float32Array | null = null;
  private weighted = false; // the loaded rows have weights
  private weights: Buf | null = null; // (cap) the loaded rows' weights, when sample weights are set
  private onehot: Buf | null = null; // (cap, width) the labels one-hot, for the weighted loss
  private cap = 0;
  private width = 0;
  private labels: Buf | null = null; // (cap) i32 class indices
  private probs: Buf | null = null; // (cap, width) softmax of the output
  private dOutput: Buf | null = null; // (cap, width) dL/d output of the mean loss
  private preds: Buf | null = null; // (cap) i32 argmax of probs

  /** Float32 values its buffers take for `batch` rows of `outputSize` values (the memory estimate). */
  static floatsFor(batch: number, outputSize: number): number {
    return batch * (3 * outputSize + 2); // probs, dOutput, labels, preds
  }

  floatsFor(batch: number, outputSize: number): number {
    return SoftmaxCrossEntropyHead.floatsFor(batch, outputSize);
  }

  /** Lays out the target, probability, gradient and prediction buffers for `batch` rows of `outputSize` values. */
  allocate(batch: number, outputSize: number): void {
    this.release();
    this.labels = allocI32(batch, 'labels');
    this.probs = allocF32(batch * outputSize, 'probs');
    this.dOutput = allocF32(batch * outputSize, 'dlogits');
    this.preds = allocI32(batch, 'predictions');
    this.cap = batch;
    this.width = outputSize;
  }

  release(): void {
    for (const b of [this.labels, this.probs, this.dOutput, this.preds, this.weights, this.onehot]) b?.free();
    this.labels = this.probs = this.dOutput = this.preds = this.weights = this.onehot = null;
    this.cap = 0;
  }

  /** dL/d output (rows × output size) of the last loss(…, true), the start of the backward pass. */
  get gradient(): Buf {
    return this.dOutput!;
  }

  /**
   * Throws a clear error if `data`'s targets do not fit an output of `outputSize` values: the
   * labels of rows [start, end) (default: all) must be integer class indices below numClasses
   * (a float label would otherwise be truncated into the Int32 targets).
   */
  checkTargets(data: Dataset, outputSize: number, where: string, rows?: { start: number; end: number }): void {
    if (data.targets) {
      throw new RangeError(`gaaf: ${where}: the loss 'sparseCategoricalCrossentropy' needs integer class labels, '${data.name}' holds float targets ` +
        `(${data.targetSize} per sample): use 'categoricalCrossentropy' for one-hot or soft labels, 'binaryCrossentropy' for 0/1 labels, 'mse' for values`);
    }
    if (outputSize === 1) {
      throw new RangeError(`gaaf: ${where}: the loss 'sparseCategoricalCrossentropy' needs an output per class, the model outputs 1 (softmax over one value is always 1): ` +
        "for two classes with one sigmoid output use loss 'binaryCrossentropy'");
    }
    const k = data.numClasses;
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`gaaf: ${where}: '${data.name}': numClasses must be a positive integer, got ${k}`);
    if (k > outputSize) {
      throw new RangeError(`gaaf: ${where}: '${data.name}' has ${k} classes, the model outputs ${outputSize}`);
    }
    const y = data.y as ArrayLike<unknown>;
    for (let i = rows?.start ?? 0, e = rows?.end ?? data.count; i < e; i++) {
      const v = y[i];
      if (!(typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < k)) {
        throw new RangeError(`gaaf: ${where}: '${data.name}': label y[${i}] = ${String(v)} is not a class index, expected an integer in 0..${k - 1}`);
      }
    }
  }

  /** Copies the targets of rows idx[start .. start+n) of `data` (or rows start.. if idx is null). */
  loadTargets(data: Dataset, idx: ArrayLike<number> | null, start: number, n: number, weighted = true): void {
    const lv = this.labels!.viewI32();
    for (let r = 0; r < n; r++) lv[r] = data.y[idx ? idx[start + r] : start + r];
    const sw = weighted ? this.sampleWeights : null;
    this.weighted = sw !== null;
    if (sw) {
      this.weights ??= allocF32(this.cap, 'sample weights');
      const wv = this.weights.view();
      for (let r = 0; r < n; r++) wv[r] = sw[idx ? idx[start + r] : start + r];
    }
  }

  /** Per-sample weights of the data the next loadTargets calls read (null: none); the loss is then Σ w·loss / n. */
  setSampleWeights(w: Float32Array | null): void {
    this.sampleWeights = w;
  }

  /** Writes the targets of the first rows as given (lossAndGradients): one label per row. */
  writeTargets(y: Int32Array | Float32Array): void {
    if (!(y instanceof Int32Array)) throw new TypeError("gaaf: the loss 'sparseCategoricalCrossentropy' needs integer labels (an Int32Array), got float targets");
    this.labels!.write(y);
    this.weighted = false;
  }

  /** Rows of a target array given to lossAndGradients. */
  rowsOf(y: Int32Array | Float32Array): number {
    return y.length;
  }

  /**
   * The summed loss of the first n rows of `output` (rows × output size) against the loaded
   * targets; with `grad`, also writes dL/d output of the mean loss over the n rows into gradient.
   */
  loss(output: Buf, n: number, grad: boolean): number {
    if (this.weighted && grad) {
      // weighted: the same softmax cross-entropy through the soft-target kernel with one-hot rows
      this.onehot ??= allocF32(this.cap * this.width, 'one-hot labels');
      const oh = this.onehot.view();
      const lv = this.labels!.viewI32();
      oh.fill(0, 0, n * this.width);
      for (let r = 0; r < n; r++) {
        const l = lv[r];
        if (!(l >= 0 && l < this.width)) throw new RangeError(`gaaf: loss: label ${l} at row ${r} is outside [0, ${this.width})`);
        oh[r * this.width + l] = 1;
      }
      return cceLogitsLoss(output, this.onehot, this.weights, this.probs!, this.dOutput!, n, this.width, 1 / n, 0);
    }
    return softmaxXent(output, this.labels!, this.probs!, grad ? this.dOutput! : null, n, this.width, grad ? 1 / n : 1);
  }

  /** Number of the first n rows whose most probable class is the target (after loss()). */
  countCorrect(n: number): number {
    argmaxRows(this.probs!, this.preds!, n, this.width);
    const p = this.preds!.viewI32();
    const l = this.labels!.viewI32();
    let c = 0;
    for (let r = 0; r < n; r++) if (p[r] === l[r]) c++;
    return c;
  }

  /** The metrics' sums over the first n rows (after loss()), in metricNames order. */
  metricSums(n: number): number[] {
    return [this.countCorrect(n)];
  }

  /** What predict() returns for the first n rows of `output`: class probabilities (rows × output size), in `out` at row `at`. */
  predict(output: Buf, n: number, out: Float32Array, at: number): void {
    this.labels!.viewI32().fill(0, 0, n); // the kernel reads a label per row; the loss is not used
    this.loss(output, n, false);
    out.set(this.probs!.view().subarray(0, n * this.width), at * this.width);
  }
}

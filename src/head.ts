// The output head of a network: what its output is compared with (the targets of a batch),
// the loss and its gradient with respect to that output, the metric it reports, and what
// predict() returns. Network (model.ts) runs the layers and hands the last layer's output to
// its head; everything about targets and losses lives here, so a network never knows what it
// is trained for. This head is the one gaaf had from the start: integer class labels, softmax
// cross-entropy on logits (the fused kernel of assembly/loss.ts), accuracy, and class
// probabilities from predict(). Buffers are laid out once per batch capacity.
import { Buf, allocF32, allocI32, argmaxRows, softmaxXent } from './binding.js';
import type { Dataset } from './data/dataset.js';

export class SoftmaxCrossEntropyHead {
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
    for (const b of [this.labels, this.probs, this.dOutput, this.preds]) b?.free();
    this.labels = this.probs = this.dOutput = this.preds = null;
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
  loadTargets(data: Dataset, idx: ArrayLike<number> | null, start: number, n: number): void {
    const lv = this.labels!.viewI32();
    for (let r = 0; r < n; r++) lv[r] = data.y[idx ? idx[start + r] : start + r];
  }

  /** Writes the targets of the first y.length rows as given (lossAndGradients). */
  writeTargets(y: Int32Array): void {
    this.labels!.write(y);
  }

  /**
   * The summed loss of the first n rows of `output` (rows × output size) against the loaded
   * targets; with `grad`, also writes dL/d output of the mean loss over the n rows into gradient.
   */
  loss(output: Buf, n: number, grad: boolean): number {
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

  /** What predict() returns for the first n rows of `output`: class probabilities (rows × output size), in `out` at row `at`. */
  predict(output: Buf, n: number, out: Float32Array, at: number): void {
    this.labels!.viewI32().fill(0, 0, n); // the kernel reads a label per row; the loss is not used
    this.loss(output, n, false);
    out.set(this.probs!.view().subarray(0, n * this.width), at * this.width);
  }
}

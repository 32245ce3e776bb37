// The output heads of the losses against float targets (src/wasm/loss_targets.ts kernels):
// regression (mean squared error, mean absolute error, Huber) on the raw outputs, binary
// cross-entropy on logits (one sigmoid output with 0/1 labels or float targets, or several
// independent labels: multi-label), and categorical cross-entropy on logits with one-hot or
// soft targets and label smoothing. Each one says which targets it needs (src/data/dataset.ts:
// integer labels or float targets [n, outputs]) and refuses the other naming both, reports its
// metrics by name and gives predict() its output (values, sigmoid or softmax probabilities).
import { Buf, actForward, allocF32, argmaxRows, allocI32, bceLogitsLoss, cceLogitsLoss, huberLoss, maeLoss, mseLoss } from '../binding.js';
import type { Dataset } from '../data/dataset.js';

/** What a network's output is trained against: the targets of a batch, the loss and its gradient, metrics, predictions. */
export interface Head {
  /** The loss's name as TF.js spells it. */
  readonly lossName: string;
  /** The metrics metricSums reports, by name ('accuracy', 'binaryAccuracy', 'mse', ...); an 'accuracy' sum is countCorrect's count (fit reads it from there). */
  readonly metricNames: readonly string[];
  /** The loss's options (Huber's delta, labelSmoothing), as resolveHead takes them; checkpoints record them. */
  readonly lossOptions?: Readonly<Record<string, number>>;
  /** Whether countCorrect counts rows right (training logs report it as accuracy). */
  readonly countsCorrect: boolean;
  /** Float32 values its buffers take for `batch` rows of `outputSize` values (the memory estimate). */
  floatsFor(batch: number, outputSize: number): number;
  allocate(batch: number, outputSize: number): void;
  release(): void;
  /** dL/d output (rows × output size) of the last loss(…, true). */
  readonly gradient: Buf;
  checkTargets(data: Dataset, outputSize: number, where: string, rows?: { start: number; end: number }): void;
  /** Copies rows idx[start .. start+n) of data's targets (and, if weighted, their sample weights). */
  loadTargets(data: Dataset, idx: ArrayLike<number> | null, start: number, n: number, weighted?: boolean): void;
  setSampleWeights(w: Float32Array | null): void;
  writeTargets(y: Int32Array | Float32Array): void;
  rowsOf(y: Int32Array | Float32Array): number;
  loss(output: Buf, n: number, grad: boolean): number;
  countCorrect(n: number): number;
  metricSums(n: number): number[];
  predict(output: Buf, n: number, out: Float32Array, at: number): void;
}

/** The buffers and target handling every float-target head shares. */
abstract class FloatTargetHead implements Head {
  abstract readonly lossName: string;
  abstract readonly metricNames: readonly string[];
  abstract readonly countsCorrect: boolean;
  protected cap = 0;
  protected width = 0;
  protected targets: Buf | null = null; // (cap, width)
  protected dOutput: Buf | null = null; // (cap, width)
  protected probs: Buf | null = null; // (cap, width) sigmoid or softmax (cross-entropies)
  protected weights: Buf | null = null; // (cap) the loaded rows' sample weights
  protected output: Buf | null = null; // the output of the last loss() (metrics read it)
  private sampleWeights: Float32Array | null = null;
  private weighted = false; // the loaded rows have weights

  floatsFor(batch: number, outputSize: number): number {
    return batch * (3 * outputSize + 3); // targets, gradient, probabilities; weights (and CCE's two index rows)
  }

  allocate(batch: number, outputSize: number): void {
    this.release();
    this.targets = allocF32(batch * outputSize, 'targets');
    this.dOutput = allocF32(batch * outputSize, 'doutput');
    this.probs = allocF32(batch * outputSize, 'probs');
    this.weights = allocF32(batch, 'sample weights');
    this.cap = batch;
    this.width = outputSize;
  }

  release(): void {
    for (const b of [this.targets, this.dOutput, this.probs, this.weights]) b?.free();
    this.targets = this.dOutput = this.probs = this.weights = this.output = null;
    this.cap = 0;
  }

  get gradient(): Buf {
    return this.dOutput!;
  }

  /** Integer labels accepted instead of float targets (the binary head with one output). */
  protected acceptsLabels(_outputSize: number): boolean {
    return false;
  }

  /** Where targets must lie (the cross-entropies: [0, 1]). */
  protected targetRange(): [number, number] | null {
    return null;
  }

  checkTargets(data: Dataset, outputSize: number, where: string): void {
    if (!data.targets) {
      if (this.acceptsLabels(outputSize)) {
        if (data.numClasses > 2) throw new RangeError(`gaaf: ${where}: the loss '${this.lossName}' with one output needs 0/1 labels, '${data.name}' has ${data.numClasses} classes`);
        return;
      }
      throw new RangeError(`gaaf: ${where}: the loss '${this.lossName}' needs float targets of shape [n, ${outputSize}], '${data.name}' holds integer class labels ` +
        `(${data.numClasses} classes): use 'sparseCategoricalCrossentropy' for labels${this.lossName === 'binaryCrossentropy' ? ', or one output for 0/1 labels' : ''}, or makeTargetDataset for targets`);
    }
    if (data.targetSize !== outputSize) {
      throw new RangeError(`gaaf: ${where}: '${data.name}' has ${data.targetSize} targets per sample, the model outputs ${outputSize}`);
    }
    const range = this.targetRange();
    if (range) {
      const t = data.targets;
      for (let i = 0; i < t.length; i++) {
        if (!(t[i] >= range[0] && t[i] <= range[1])) {
          throw new RangeError(`gaaf: ${where}: the loss '${this.lossName}' needs targets in [${range[0]}, ${range[1]}], '${data.name}' has ${t[i]} at sample ${Math.floor(i / outputSize)}, output ${i % outputSize}`);
        }
      }
    }
  }

  loadTargets(data: Dataset, idx: ArrayLike<number> | null, start: number, n: number, weighted = true): void {
    const tv = this.targets!.view();
    const K = this.width;
    if (data.targets) {
      for (let r = 0; r < n; r++) {
        const i = idx ? idx[start + r] : start + r;
        tv.set(data.targets.subarray(i * K, (i + 1) * K), r * K);
      }
    } else {
      for (let r = 0; r < n; r++) tv[r] = data.y[idx ? idx[start + r] : start + r];
    }
    const sw = weighted ? this.sampleWeights : null;
    this.weighted = sw !== null;
    if (sw) {
      const wv = this.weights!.view();
      for (let r = 0; r < n; r++) wv[r] = sw[idx ? idx[start + r] : start + r];
    }
  }

  setSampleWeights(w: Float32Array | null): void {
    this.sampleWeights = w;
  }

  rowsOf(y: Int32Array | Float32Array): number {
    if (y instanceof Int32Array && this.acceptsLabels(this.width)) return y.length;
    if (!(y instanceof Float32Array)) throw new TypeError(`gaaf: the loss '${this.lossName}' needs float targets (a Float32Array of rows × ${this.width})`);
    if (y.length % this.width !== 0) throw new RangeError(`gaaf: the targets have ${y.length} values, not a multiple of the ${this.width} outputs`);
    return y.length / this.width;
  }

  writeTargets(y: Int32Array | Float32Array): void {
    this.targets!.write(y instanceof Int32Array ? Float32Array.from(y) : y);
    this.weighted = false;
  }

  loss(output: Buf, n: number, grad: boolean): number {
    this.output = output;
    return this.kernel(output, grad && this.weighted ? this.weights : null, grad ? this.dOutput : null, n, grad ? 1 / n : 1);
  }

  protected abstract kernel(output: Buf, w: Buf | null, g: Buf | null, n: number, scale: number): number;
  abstract countCorrect(n: number): number;
  abstract metricSums(n: number): number[];
  abstract predict(output: Buf, n: number, out: Float32Array, at: number): void;
}

/** Mean squared error, mean absolute error or Huber on the raw outputs; metrics mse and mae; predict() gives the outputs. */
export class RegressionHead extends FloatTargetHead {
  readonly lossName: string;
  readonly metricNames: readonly string[] = ['mse', 'mae'];
  readonly countsCorrect = false;

  constructor(readonly kind: 'mse' | 'mae' | 'huber', readonly delta = 1) {
    super();
    if (!(Number.isFinite(delta) && delta > 0)) throw new RangeError(`gaaf: loss 'huber': delta must be a finite number > 0, got ${delta}`);
    this.lossName = kind === 'mse' ? 'meanSquaredError' : kind === 'mae' ? 'meanAbsoluteError' : 'huber';
  }

  get lossOptions(): Readonly<Record<string, number>> {
    return this.kind === 'huber' ? { delta: this.delta } : {};
  }

  protected kernel(output: Buf, w: Buf | null, g: Buf | null, n: number, scale: number): number {
    const t = this.targets!, K = this.width;
    if (this.kind === 'mse') return mseLoss(output, t, w, g, n, K, scale);
    if (this.kind === 'mae') return maeLoss(output, t, w, g, n, K, scale);
    return huberLoss(output, t, w, g, n, K, scale, this.delta);
  }

  countCorrect(): number {
    return 0;
  }

  /** Σ over the n rows of each row's mean squared and mean absolute error. */
  metricSums(n: number): number[] {
    const t = this.targets!;
    return [mseLoss(this.output!, t, null, null, n, this.width, 1), maeLoss(this.output!, t, null, null, n, this.width, 1)];
  }

  predict(output: Buf, n: number, out: Float32Array, at: number): void {
    out.set(output.view().subarray(0, n * this.width), at * this.width);
  }
}

/**
 * Binary cross-entropy on logits: one output (0/1 labels or float targets) or several
 * independent labels (multi-label, float targets [n, labels]). Metrics: binaryAccuracy (the
 * fraction of labels right, logit > 0 meaning 1), and with several labels each label's
 * (binaryAccuracy_0, ...); countCorrect counts rows with every label right. predict() gives σ(logits).
 */
export class BinaryCrossEntropyHead extends FloatTargetHead {
  readonly lossName = 'binaryCrossentropy';
  readonly countsCorrect = true;
  private names: string[] = ['binaryAccuracy'];

  constructor(readonly labelSmoothing = 0) {
    super();
    if (!(labelSmoothing >= 0 && labelSmoothing < 1)) throw new RangeError(`gaaf: loss 'binaryCrossentropy': labelSmoothing must be in [0, 1), got ${labelSmoothing}`);
  }

  get lossOptions(): Readonly<Record<string, number>> {
    return this.labelSmoothing ? { labelSmoothing: this.labelSmoothing } : {};
  }

  get metricNames(): readonly string[] {
    return this.names;
  }

  override allocate(batch: number, outputSize: number): void {
    super.allocate(batch, outputSize);
    this.names = ['binaryAccuracy', ...(outputSize > 1 ? Array.from({ length: outputSize }, (_, j) => `binaryAccuracy_${j}`) : [])];
  }

  protected override acceptsLabels(outputSize: number): boolean {
    return outputSize === 1;
  }

  protected override targetRange(): [number, number] {
    return [0, 1];
  }

  protected kernel(output: Buf, w: Buf | null, g: Buf | null, n: number, scale: number): number {
    return bceLogitsLoss(output, this.targets!, w, g, n, this.width, scale, this.labelSmoothing);
  }

  /** Per label: rows right (logit > 0 ⇔ target > 0.5); and rows with every label right. */
  private tally(n: number): { perLabel: number[]; rows: number } {
    const z = this.output!.view(), t = this.targets!.view(), K = this.width;
    const perLabel = new Array<number>(K).fill(0);
    let rows = 0;
    for (let r = 0; r < n; r++) {
      let all = true;
      for (let k = 0; k < K; k++) {
        const right = (z[r * K + k] > 0) === (t[r * K + k] > 0.5);
        if (right) perLabel[k]++;
        else all = false;
      }
      if (all) rows++;
    }
    return { perLabel, rows };
  }

  countCorrect(n: number): number {
    return this.tally(n).rows;
  }

  /** binaryAccuracy summed per row (a row's fraction of labels right), then each label's rows right. */
  metricSums(n: number): number[] {
    const { perLabel } = this.tally(n);
    const all = perLabel.reduce((a, b) => a + b, 0) / this.width;
    return this.width > 1 ? [all, ...perLabel] : [all];
  }

  predict(output: Buf, n: number, out: Float32Array, at: number): void {
    actForward('sigmoid', output, this.probs!, n * this.width);
    out.set(this.probs!.view().subarray(0, n * this.width), at * this.width);
  }
}

/** Categorical cross-entropy on logits with one-hot or soft targets and label smoothing; metric accuracy (argmax against argmax); predict() gives softmax probabilities. */
export class CategoricalCrossEntropyHead extends FloatTargetHead {
  readonly lossName = 'categoricalCrossentropy';
  readonly metricNames: readonly string[] = ['accuracy'];
  readonly countsCorrect = true;
  private preds: Buf | null = null;
  private truth: Buf | null = null;

  constructor(readonly labelSmoothing = 0) {
    super();
    if (!(labelSmoothing >= 0 && labelSmoothing < 1)) throw new RangeError(`gaaf: loss 'categoricalCrossentropy': labelSmoothing must be in [0, 1), got ${labelSmoothing}`);
  }

  get lossOptions(): Readonly<Record<string, number>> {
    return this.labelSmoothing ? { labelSmoothing: this.labelSmoothing } : {};
  }

  override allocate(batch: number, outputSize: number): void {
    super.allocate(batch, outputSize);
    this.preds = allocI32(batch, 'predictions');
    this.truth = allocI32(batch, 'target classes');
  }

  override release(): void {
    this.preds?.free();
    this.truth?.free();
    this.preds = this.truth = null;
    super.release();
  }

  protected override targetRange(): [number, number] {
    return [0, 1];
  }

  protected kernel(output: Buf, w: Buf | null, g: Buf | null, n: number, scale: number): number {
    return cceLogitsLoss(output, this.targets!, w, this.probs!, g, n, this.width, scale, this.labelSmoothing);
  }

  countCorrect(n: number): number {
    argmaxRows(this.probs!, this.preds!, n, this.width);
    argmaxRows(this.targets!, this.truth!, n, this.width);
    const p = this.preds!.viewI32(), l = this.truth!.viewI32();
    let c = 0;
    for (let r = 0; r < n; r++) if (p[r] === l[r]) c++;
    return c;
  }

  metricSums(n: number): number[] {
    return [this.countCorrect(n)];
  }

  predict(output: Buf, n: number, out: Float32Array, at: number): void {
    this.targets!.view().fill(0, 0, n * this.width); // the kernel reads targets; the loss is not used
    this.kernel(output, null, null, n, 1);
    out.set(this.probs!.view().subarray(0, n * this.width), at * this.width);
  }
}

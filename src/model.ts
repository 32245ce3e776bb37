// Network, the core of every model: a stack of layers that it builds, runs forward and
// backward, evaluates, and whose weights it reads and writes; the last layer's output goes to
// its output head (head.ts), which holds the targets, the loss and its gradient, the metric and
// what predict() returns. Training (fit.ts), checkpoints (src/checkpoint/) and Sequential build
// on it; it knows none of them, nor any file. Buffers are laid out once per batch capacity.
import { Buf, allocF32, countNonFinite } from './binding.js';
import { type Dataset, checkDataset, checkFiniteInputs } from './data/dataset.js';
import { type TrainingClaim, TrainingSlot } from './training-slot.js';
import { type Evaluation, type Head, type LossOptions, type LossSpec, SoftmaxCrossEntropyHead, resolveHead } from './head.js';
import { Activation } from './layers/activation.js';
import { Dense } from './layers/dense.js';
import { Layer, type Param, type StepContext, shapeStr, size } from './layers/layer.js';
import { type EstimateOptions, type MemoryEstimate, checkFits, estimateMemory } from './memory.js';
import { Rng, deriveSeed } from './rng.js';
import { sha256OfArrays } from './sha256.js';
import { summaryTable } from './model-summary.js';

export interface ModelOptions {
  /** Shape of one input sample, e.g. [784]. Else taken from the first layer or from the data. */
  inputShape?: number[];
  /** The loss (src/head.ts resolveHead), a TF.js/Keras name or a head, default 'sparseCategoricalCrossentropy', and its options. */
  loss?: LossSpec;
  lossOptions?: LossOptions;
}


/** The builder that made a network and its options (JSON), e.g. { name: 'svhnCnn', options: { bn: true } }; checkpoints record it. */
export interface BuilderRecord {
  name: string;
  options: Record<string, unknown>;
}

/** Loss, gradients (one array per parameter, in `params()` order) and, if asked, dL/dx. */
export interface Gradients {
  loss: number;
  grads: Float32Array[];
  inputGrad?: Float32Array;
}

const INIT_TAG = 0x696e6974; // "init"

export class Network {
  readonly layers: Layer[] = [];
  /** The builder and its options, if a builder made this network (paperMlp, svhnCnn, ...); null for plain layers. */
  builtBy: BuilderRecord | null = null;
  private declaredInputShape?: number[];
  private isBuilt = false;
  private cap = 0;
  private capInputGrad = false;
  private xBuf: Buf | null = null;
  private inputGrad: Buf | null = null;
  /** What the output is trained against: targets, loss, metrics, predictions (setLoss changes it). */
  head: Head = new SoftmaxCrossEntropyHead();
  /** Global training step: the dropout masks of step t are a function of (seed, layer, t). */
  step = 0;
  /** Set to true (e.g. from a callback) to end training after the current epoch. */
  stopTraining = false;
  /** The fit() call training this network, if one is running: one at a time. */
  private readonly trainingSlot = new TrainingSlot(() => this.dispose());

  constructor(layers: Layer[] = [], opts: ModelOptions = {}) {
    this.declaredInputShape = opts.inputShape;
    if (opts.loss !== undefined || opts.lossOptions !== undefined) this.setLoss(opts.loss ?? 'sparseCategoricalCrossentropy', opts.lossOptions);
    for (const l of layers) this.add(l);
  }

  /** Trains and evaluates against `loss` from now on (a TF.js/Keras name or a head); the batch buffers are laid out again. */
  setLoss(loss: LossSpec, opts: LossOptions = {}): this {
    const head = resolveHead(loss, opts);
    if (head !== this.head) this.releaseBatch();
    this.head = head;
    return this;
  }

  add(layer: Layer): this {
    if (!(layer instanceof Layer)) throw new TypeError(`gaaf: add expects a Layer, got ${String(layer)}`);
    if (this.isBuilt) throw new Error('gaaf: cannot add a layer to a model that is already built');
    if (this.layers.includes(layer)) throw new Error('gaaf: the same layer instance cannot be added twice');
    this.layers.push(layer);
    return this;
  }

  get built(): boolean {
    return this.isBuilt;
  }

  get inputShape(): readonly number[] {
    return this.layers[0]?.inputShape ?? [];
  }

  /** Number of output classes: the size of the last layer's output. */
  get numClasses(): number {
    return this.layers[this.layers.length - 1].outputSize;
  }

  /**
   * Checks that the layer shapes chain, then creates and initialises every parameter from
   * `seed`. Called by fit() with the data's sample shape if not called before.
   */
  build(inputShape?: readonly number[], opts: { seed?: number } = {}): this {
    if (this.isBuilt) throw new Error('gaaf: model is already built');
    if (this.layers.length === 0) throw new Error('gaaf: a model needs at least one layer');
    const first = this.layers[0] as Layer & { declaredInputShape?: number[] };
    const declared = this.declaredInputShape ?? first.declaredInputShape;
    if (inputShape && declared && shapeStr(inputShape) !== shapeStr(declared)) {
      throw new RangeError(`gaaf: the data's samples have shape ${shapeStr(inputShape)}, the model was declared with input shape ${shapeStr(declared)}`);
    }
    const shape = inputShape ?? declared;
    if (!shape) throw new Error('gaaf: the model has no input shape: pass inputShape to Sequential, to its first layer, or to build()');
    if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new RangeError(`gaaf: input shape must be a list of positive integers, got ${shapeStr(shape)}`);
    }
    const seed = opts.seed ?? 0;
    if (!Number.isInteger(seed)) throw new RangeError(`gaaf: seed must be an integer, got ${seed}`);
    const rng = new Rng(deriveSeed(seed, INIT_TAG));
    const counts = new Map<string, number>();
    this.layers.forEach((l, i) => {
      const k = l.className.toLowerCase();
      const c = (counts.get(k) ?? 0) + 1;
      counts.set(k, c);
      l.name = `${k}_${c}`;
      l.index = i;
    });
    // Chain the shapes and estimate the parameters' memory before allocating anything.
    const est = estimateMemory(this.layers, shape);
    const out = this.layers.reduce<readonly number[]>((s, l) => l.computeOutputShape(s), shape);
    if (out.length !== 1) throw new RangeError(`gaaf: the last layer must output flat logits [classes], got ${shapeStr(out)}`);
    checkFits(est, est.paramBytes, 'this model', 0, shape);
    let s: readonly number[] = shape;
    for (const l of this.layers) {
      l.build(s, rng);
      s = l.outputShape;
    }
    this.isBuilt = true;
    return this;
  }

  /**
   * Estimated Wasm memory for training (or, with batchSize 0, holding) this model, from its
   * layers' shapes; works before build() given the input shape.
   */
  estimateMemory(opts: EstimateOptions & { inputShape?: readonly number[] } = {}): MemoryEstimate {
    const first = this.layers[0] as (Layer & { declaredInputShape?: number[] }) | undefined;
    const shape = opts.inputShape ?? (this.isBuilt ? this.inputShape : this.declaredInputShape ?? first?.declaredInputShape);
    if (!shape) throw new Error('gaaf: estimateMemory: the model has no input shape yet: pass inputShape');
    return estimateMemory(this.layers, shape, { headFloats: (b, c) => this.head.floatsFor(b, c), ...opts });
  }

  private requireBuilt(what: string): void {
    if (!this.isBuilt) throw new Error(`gaaf: call build() or fit() before ${what}`);
  }

  /** All parameters, in layer order (for each Dense: kernel, then bias). */
  params(): Param[] {
    return this.layers.flatMap((l) => l.params());
  }

  countParams(): number {
    return this.params().reduce((a, p) => a + p.value.length, 0);
  }

  /** The Dense layers, in order. */
  denseLayers(): Dense[] {
    return this.layers.filter((l): l is Dense => l instanceof Dense);
  }

  /** Lays out activation and loss buffers for batches of up to `batch` rows (no-op if they fit). */
  ensureBatch(batch: number, inputGrad = false): void {
    this.requireBuilt('ensureBatch()');
    if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`gaaf: batch size must be a positive integer, got ${batch}`);
    if (batch <= this.cap && inputGrad === this.capInputGrad) return;
    this.releaseBatch();
    this.inputGrad = null;
    this.xBuf = allocF32(batch * size(this.inputShape), 'input');
    this.head.allocate(batch, this.numClasses);
    this.layers.forEach((l, i) => l.allocate(batch, i > 0 || inputGrad));
    this.cap = batch;
    this.capInputGrad = inputGrad;
  }

  /** The current batch capacity (0 before any batch is laid out). */
  get batchCapacity(): number {
    return this.cap;
  }

  private releaseBatch(): void {
    this.xBuf?.free();
    this.xBuf = null;
    this.head.release();
    for (const l of this.layers) l.release();
    this.cap = 0;
  }

  /** Copies rows `idx[start .. start+n)` of `data` (or rows start.. if idx is null) into the input buffer, and their targets into the head. */
  loadBatch(data: Dataset, idx: ArrayLike<number> | null, start: number, n: number, weighted = true): void {
    const d = size(this.inputShape);
    const xv = this.xBuf!.view();
    for (let r = 0; r < n; r++) {
      const i = idx ? idx[start + r] : start + r;
      xv.set(data.x.subarray(i * d, (i + 1) * d), r * d);
    }
    this.head.loadTargets(data, idx, start, n, weighted); // evaluation: without the sample weights fit set (they index the training data)
  }

  /** Forward through every layer; returns the logits buffer. */
  private forwardAll(ctx: StepContext): Buf {
    let h = this.xBuf!;
    for (const l of this.layers) h = l.forward(h, ctx);
    return h;
  }

  private backwardAll(ctx: StepContext): Buf | null {
    let g: Buf | null = this.head.gradient;
    for (let i = this.layers.length - 1; i >= 0 && g; i--) g = this.layers[i].backward(g, ctx);
    return g;
  }

  /**
   * One forward and backward pass over the loaded batch of n rows: fills every parameter's
   * gradient (of the mean loss) and returns the summed loss of the batch.
   */
  forwardBackward(ctx: StepContext): number {
    const loss = this.head.loss(this.forwardAll(ctx), ctx.n, true);
    this.inputGrad = Number.isFinite(loss) ? this.backwardAll(ctx) : null;
    return loss;
  }

  /** Forward pass over the loaded batch; returns the summed loss (the head keeps what its metric needs). */
  forwardLoss(ctx: StepContext): number {
    return this.head.loss(this.forwardAll(ctx), ctx.n, false);
  }

  /** Number of the first n loaded rows the head's metric counts as right (for classes: the most probable is the label). */
  countCorrect(n: number): number {
    return this.head.countCorrect(n);
  }

  /**
   * After a non-finite loss: the first layer whose output (over n rows), or first
   * parameter, holds a NaN or ±Inf; null if none does.
   */
  firstNonFinite(n: number): string | null {
    for (const p of this.params()) if (countNonFinite(p.value) > 0) return `${p.name} (parameter)`;
    for (const l of this.layers) {
      const out = l.output();
      if (out && countNonFinite(out, n * l.outputSize) > 0) return `${l.name} (output)`;
    }
    return null;
  }

  /** Mean loss and the head's metrics by name over a dataset (unweighted), in inference mode (no dropout). */
  evaluate(data: Dataset, opts: { batchSize?: number } = {}): Evaluation {
    this.requireBuilt('evaluate()');
    this.checkData(data, 'evaluate');
    if (!this.cap) this.ensureBatch(Math.max(1, Math.min(opts.batchSize ?? 256, data.count)));
    const step = this.cap;
    let loss = 0;
    let sums: number[] = [];
    for (let s = 0; s < data.count; s += step) {
      const n = Math.min(step, data.count - s);
      this.loadBatch(data, null, s, n, false);
      loss += this.forwardLoss({ n, training: false, seed: 0, step: 0 });
      sums = this.head.metricSums(n).map((v, i) => (sums[i] ?? 0) + v);
    }
    const out = { loss: loss / data.count } as Evaluation;
    this.head.metricNames.forEach((name, i) => (out[name] = sums[i] / data.count));
    return out;
  }

  /**
   * One forward pass over rows [start, start + n) of `data`, with n at most the batch
   * capacity (lay it out with ensureBatch first). In inference mode by default; with
   * `training: true`, dropout is active with the masks of (seed, step), so passes with
   * different steps see different masks. Nothing is updated and nothing is allocated.
   * Afterwards each layer's output() holds its values for these n rows (a Dense layer's
   * output and an Activation's input() are the nets z), and countCorrect(n) scores them.
   * Returns the summed loss of the n rows.
   */
  forwardRows(data: Dataset, start: number, n: number, opts: { training?: boolean; seed?: number; step?: number } = {}): number {
    this.requireBuilt('forwardRows()');
    if (!this.cap) throw new Error('gaaf: forwardRows: call ensureBatch() first to lay out the batch buffers');
    if (!Number.isInteger(n) || n < 1 || n > this.cap) {
      throw new RangeError(`gaaf: forwardRows: n must be an integer in [1, ${this.cap}] (the batch capacity), got ${n}`);
    }
    if (!Number.isInteger(start) || start < 0 || start + n > data.count) {
      throw new RangeError(`gaaf: forwardRows: rows [${start}, ${start + n}) are outside '${data.name}' (${data.count} samples)`);
    }
    this.checkData(data, 'forwardRows', { start, end: start + n });
    this.loadBatch(data, null, start, n);
    return this.forwardLoss({ n, training: opts.training ?? false, seed: opts.seed ?? 0, step: opts.step ?? 0 });
  }

  /** The head's predictions (count × outputs) for inputs x (count × sample size), in inference mode: class probabilities (softmax or sigmoid) or values (regression). */
  predict(x: Float32Array, opts: { batchSize?: number } = {}): Float32Array {
    this.requireBuilt('predict()');
    const d = size(this.inputShape);
    if (!(x instanceof Float32Array)) throw new TypeError('gaaf: predict expects a Float32Array');
    if (x.length % d !== 0) {
      throw new RangeError(`gaaf: predict input has ${x.length} values, not a multiple of the sample size ${d} (shape ${shapeStr(this.inputShape)})`);
    }
    const count = x.length / d;
    checkFiniteInputs(x, d, 'predict');
    const C = this.numClasses; // what the head gives per row: probabilities or values, one per output
    const out = new Float32Array(count * C);
    if (count === 0) return out;
    if (!this.cap) this.ensureBatch(Math.min(opts.batchSize ?? 256, count));
    for (let s = 0; s < count; s += this.cap) {
      const n = Math.min(this.cap, count - s);
      this.xBuf!.write(x.subarray(s * d, (s + n) * d));
      this.head.predict(this.forwardAll({ n, training: false, seed: 0, step: 0 }), n, out, s);
    }
    return out;
  }

  /**
   * Loss (mean over the rows) and the gradient of every parameter for one batch, without
   * updating anything. With training, dropout is active with the masks of (seed, step).
   */
  lossAndGradients(x: Float32Array, y: Int32Array | Float32Array, opts: { training?: boolean; seed?: number; step?: number; inputGrad?: boolean } = {}): Gradients {
    this.requireBuilt('lossAndGradients()');
    const d = size(this.inputShape);
    if (!this.cap) this.ensureBatch(1);
    const n = this.head.rowsOf(y);
    if (x.length !== n * d) throw new RangeError(`gaaf: lossAndGradients: x has ${x.length} values, expected ${n} × ${d}`);
    if (n < 1) throw new RangeError('gaaf: lossAndGradients needs at least one row');
    this.ensureBatch(Math.max(n, this.cap), !!opts.inputGrad);
    this.xBuf!.write(x);
    this.head.writeTargets(y);
    const ctx = { n, training: opts.training ?? false, seed: opts.seed ?? 0, step: opts.step ?? 0 };
    const loss = this.forwardBackward(ctx) / n;
    const grads = this.params().map((p) => p.grad.read());
    const res: Gradients = { loss, grads };
    if (opts.inputGrad && this.inputGrad) res.inputGrad = this.inputGrad.read(n * d);
    return res;
  }

  /** Copies of every parameter, in params() order. */
  getWeights(): Float32Array[] {
    this.requireBuilt('getWeights()');
    return this.params().map((p) => p.value.read());
  }

  setWeights(ws: readonly Float32Array[]): void {
    this.requireBuilt('setWeights()');
    const ps = this.params();
    if (ws.length !== ps.length) throw new RangeError(`gaaf: setWeights got ${ws.length} arrays, the model has ${ps.length} parameters`);
    ps.forEach((p, i) => {
      if (ws[i].length !== p.value.length) {
        throw new RangeError(`gaaf: setWeights: '${p.name}' expects ${p.value.length} values (shape ${shapeStr(p.shape)}), got ${ws[i].length}`);
      }
    });
    ps.forEach((p, i) => p.value.write(ws[i]));
  }

  /** SHA-256 (hex) of every parameter's bytes (little-endian f32), in params() order. */
  async weightsSha256(): Promise<string> {
    return sha256OfArrays(this.getWeights());
  }

  /** Throws a clear error if the dataset is malformed (checkDataset) or does not fit: rows [start, end) or all. */
  checkData(data: Dataset, where: string, rows?: { start: number; end: number }): void {
    checkDataset(data, where, rows);
    const d = size(this.inputShape);
    const ds = size(data.sampleShape);
    // a flat model reads any sample row-major; an image model never reshapes its input silently
    if (this.inputShape.length > 1 && shapeStr(data.sampleShape) !== shapeStr(this.inputShape)) {
      throw new RangeError(`gaaf: ${where}: '${data.name}' has samples of shape ${shapeStr(data.sampleShape)}, ` +
        `the model expects images of shape ${shapeStr(this.inputShape)}; reshape the dataset explicitly (reshapeDataset)`);
    }
    if (ds !== d) {
      throw new RangeError(`gaaf: ${where}: '${data.name}' has samples of shape ${shapeStr(data.sampleShape)} (${ds} values), ` +
        `the model expects ${shapeStr(this.inputShape)} (${d} values)`);
    }
    this.head.checkTargets(data, this.numClasses, where, rows);
  }

  /** A table of the layers, their output shapes and parameter counts. */
  summary(): string {
    return summaryTable(this.layers, this.countParams());
  }

  /** Claims the network for one training run (fit): see src/training-slot.ts. */
  claimTraining(where: string): TrainingClaim {
    return this.trainingSlot.claim(where);
  }

  /**
   * Frees every buffer of the model. It cannot be used afterwards. During a fit() call the
   * training stops before its next step (that call then rejects, saying so) and the buffers are
   * freed when it has ended.
   */
  dispose(): void {
    if (this.trainingSlot.deferDispose()) return;
    this.releaseBatch();
    for (const l of this.layers) l.dispose();
    this.isBuilt = false;
  }
}

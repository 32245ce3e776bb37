// Network, the core of every model: a graph of layers (a stack for Sequential, any directed
// acyclic graph for a functional Model: src/graph/) that it builds, runs forward and backward
// on a schedule computed once, evaluates, and whose weights it reads and writes; its output
// goes to its output head (head.ts), which holds the targets, the loss and its gradient, the
// metric and what predict() returns. Training (fit.ts), checkpoints (src/checkpoint/) and the
// model classes build on it; it knows none of them, nor any file. Buffers are laid out once
// per batch capacity. A model of several inputs reads each sample as its inputs' values one
// after another, in the order of its inputs (its inputShape is [their total size]).
import { Buf, allocF32, countNonFinite } from './binding.js';
import type { Dataset } from './data/dataset.js';
import { type GraphConfig, linearGraph, nameLayers, traceGraph, validateGraph } from './graph/config.js';
import { GraphRunner, planOf } from './graph/runner.js';
import { packInputs } from './graph/inputs.js';
import { summaryTable } from './graph/summary.js';
import { SoftmaxCrossEntropyHead } from './head.js';
import { Dense } from './layers/dense.js';
import { Layer, type Param, type StepContext, shapeStr, size } from './layers/layer.js';
import type { SymbolicTensor } from './layers/symbolic.js';
import { type EstimateOptions, type MemoryEstimate, checkFits, estimateMemory, estimatePlanMemory } from './memory.js';
import { Rng, deriveSeed } from './rng.js';
import { sha256Hex } from './sha256.js';

export interface ModelOptions {
  /** Shape of one input sample, e.g. [784]. Else taken from the first layer or from the data. */
  inputShape?: number[];
  /** The graph of the layers (a checkpoint's model.graph); default: the layers in a stack. */
  graph?: GraphConfig;
}

/** A functional model: `new Model({ inputs: x, outputs: y })` with x from input() and y from layers' apply(). */
export interface FunctionalSpec {
  inputs: SymbolicTensor | readonly SymbolicTensor[];
  outputs: SymbolicTensor | readonly SymbolicTensor[];
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
const TWIN_TAG = 0x7477696e; // "twin"
const list = <T>(x: T | readonly T[]): readonly T[] => (Array.isArray(x) ? x : [x as T]);

export class Network {
  readonly layers: Layer[] = [];
  /** The builder and its options, if a builder made this network (paperMlp, svhnCnn, ...); null for plain layers. */
  builtBy: BuilderRecord | null = null;
  private declaredInputShape?: number[];
  private isBuilt = false;
  private cap = 0;
  private capInputGrad = false;
  /** The graph of a functional model (or a checkpoint's); null: the layers in a stack (Sequential). */
  private graphSpec: GraphConfig | null = null;
  private runner: GraphRunner | null = null;
  private xBufs: Buf[] = [];
  private inputGrads: ReadonlyArray<Buf | null> | null = null;
  private outGrads: Array<Buf | null> = [];
  /** What the output is trained against: targets, loss, metric, predictions. */
  readonly head = new SoftmaxCrossEntropyHead();
  /** Global training step: the dropout masks of step t are a function of (seed, layer, t). */
  step = 0;
  /** Set to true (e.g. from a callback) to end training after the current epoch. */
  stopTraining = false;

  constructor(spec: readonly Layer[] | FunctionalSpec = [], opts: ModelOptions = {}) {
    if (!Array.isArray(spec)) {
      const f = spec as FunctionalSpec;
      if (!f || typeof f !== 'object' || !('inputs' in f) || !('outputs' in f)) throw new TypeError('gaaf: a model takes a list of layers or { inputs, outputs }');
      const unknown = Object.keys(f).filter((k) => k !== 'inputs' && k !== 'outputs');
      if (unknown.length) throw new RangeError(`gaaf: Model: unknown option ${unknown.map((k) => `'${k}'`).join(', ')} (expected inputs, outputs)`);
      const { layers, graph } = traceGraph(list(f.inputs), list(f.outputs));
      this.layers.push(...layers);
      this.graphSpec = graph;
      return;
    }
    this.declaredInputShape = opts.inputShape;
    for (const l of spec) this.add(l);
    if (opts.graph) {
      nameLayers(this.layers);
      validateGraph(this.layers, opts.graph);
      this.graphSpec = opts.graph;
    }
  }

  /** The graph of a functional model (what checkpoints record); null for a stack of layers. */
  graphConfig(): GraphConfig | null {
    return this.graphSpec && JSON.parse(JSON.stringify(this.graphSpec)) as GraphConfig;
  }

  add(layer: Layer): this {
    if (!(layer instanceof Layer)) throw new TypeError(`gaaf: add expects a Layer, got ${String(layer)}`);
    if (this.graphSpec) throw new Error('gaaf: add: a functional model is defined by its inputs and outputs; apply the layer to a tensor instead');
    if (this.isBuilt) throw new Error('gaaf: cannot add a layer to a model that is already built');
    if (this.layers.includes(layer)) throw new Error('gaaf: the same layer instance cannot be added twice');
    this.layers.push(layer);
    return this;
  }

  get built(): boolean {
    return this.isBuilt;
  }

  /** The shape of each input, in order (one for a stack of layers; empty before build). */
  get inputShapes(): ReadonlyArray<readonly number[]> {
    const g = this.runner?.graph ?? this.graphSpec;
    return g ? g.inputs.map((x) => x.shape) : [];
  }

  /** Shape of one sample: the input's, or [the inputs' total size] for several inputs. */
  get inputShape(): readonly number[] {
    const s = this.inputShapes;
    return s.length === 1 ? s[0] : s.length ? [s.reduce((a, x) => a + size(x), 0)] : [];
  }

  /** The shape of each output (after build). */
  get outputShapes(): ReadonlyArray<readonly number[]> {
    const r = this.runner;
    return r ? r.graph.outputs.map((id) => r.shapes[id]) : [];
  }

  /** Number of output classes: the size of the (first) output. */
  get numClasses(): number {
    return size(this.outputShapes[0] ?? [0]);
  }

  /**
   * Checks that the layer shapes chain, then creates and initialises every parameter from
   * `seed`. Called by fit() with the data's sample shape if not called before.
   */
  build(inputShape?: readonly number[], opts: { seed?: number } = {}): this {
    if (this.isBuilt) throw new Error('gaaf: model is already built');
    if (this.layers.length === 0) throw new Error('gaaf: a model needs at least one layer');
    const shape = this.resolveInputShape(inputShape);
    const seed = opts.seed ?? 0;
    if (!Number.isInteger(seed)) throw new RangeError(`gaaf: seed must be an integer, got ${seed}`);
    const rng = new Rng(deriveSeed(seed, INIT_TAG));
    nameLayers(this.layers);
    const g = this.graphSpec ?? linearGraph(this.layers, shape);
    // Chain the shapes and estimate the parameters' memory before allocating anything.
    const est = this.estimateFor(g, {});
    const out = inferOut(this.layers, g);
    if (out.length !== 1) throw new RangeError(`gaaf: the last layer must output flat logits [classes], got ${shapeStr(out)}`);
    checkFits(est, est.paramBytes, 'this model', 0, shape);
    const runner = new GraphRunner(this.layers, g);
    let twinRng: Rng | null = null;
    runner.build(rng, () => (twinRng ??= new Rng(deriveSeed(seed, TWIN_TAG))));
    this.runner = runner;
    this.outGrads = g.outputs.map(() => null);
    this.isBuilt = true;
    return this;
  }

  /** The input shape to build for: the graph's, or the declared one, or the data's; checked against each other. */
  private resolveInputShape(given?: readonly number[]): readonly number[] {
    const first = this.layers[0] as Layer & { declaredInputShape?: number[] };
    const declared = this.graphSpec ? this.inputShape : this.declaredInputShape ?? first.declaredInputShape;
    if (given && declared && shapeStr(given) !== shapeStr(declared)) {
      throw new RangeError(`gaaf: the data's samples have shape ${shapeStr(given)}, the model was declared with input shape ${shapeStr(declared)}`);
    }
    const shape = given ?? declared;
    if (!shape) throw new Error('gaaf: the model has no input shape: pass inputShape to Sequential, to its first layer, or to build()');
    if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new RangeError(`gaaf: input shape must be a list of positive integers, got ${shapeStr(shape)}`);
    }
    return shape;
  }

  private estimateFor(g: GraphConfig, opts: EstimateOptions): MemoryEstimate {
    if (!this.graphSpec) return estimateMemory(this.layers, g.inputs[0].shape, opts);
    const plan = planOf(this.layers, g);
    const outSize = size(plan.shapes[g.outputs[0]]);
    return estimatePlanMemory(plan.entries, plan.sumFloatsPerRow, g.inputs.reduce((a, x) => a + size(x.shape), 0), outSize, opts);
  }

  /**
   * Estimated Wasm memory for training (or, with batchSize 0, holding) this model, from its
   * layers' shapes; works before build() given the input shape.
   */
  estimateMemory(opts: EstimateOptions & { inputShape?: readonly number[] } = {}): MemoryEstimate {
    if (this.graphSpec) {
      if (opts.inputShape) this.resolveInputShape(opts.inputShape);
      return this.estimateFor(this.graphSpec, opts);
    }
    const first = this.layers[0] as (Layer & { declaredInputShape?: number[] }) | undefined;
    const shape = opts.inputShape ?? (this.isBuilt ? this.inputShape : this.declaredInputShape ?? first?.declaredInputShape);
    if (!shape) throw new Error('gaaf: estimateMemory: the model has no input shape yet: pass inputShape');
    return estimateMemory(this.layers, shape, opts);
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
    this.inputGrads = null;
    const shapes = this.inputShapes;
    this.xBufs = shapes.map((s, i) => allocF32(batch * size(s), shapes.length > 1 ? `input_${i}` : 'input'));
    this.head.allocate(batch, this.numClasses);
    this.runner!.allocate(batch, inputGrad);
    this.cap = batch;
    this.capInputGrad = inputGrad;
  }

  /** The current batch capacity (0 before any batch is laid out). */
  get batchCapacity(): number {
    return this.cap;
  }

  private releaseBatch(): void {
    for (const b of this.xBufs) b.free();
    this.xBufs = [];
    this.head.release();
    this.runner?.release();
    this.cap = 0;
  }

  /** Copies rows `idx[start .. start+n)` of `data` (or rows start.. if idx is null) into the input buffer, and their targets into the head. */
  loadBatch(data: Dataset, idx: ArrayLike<number> | null, start: number, n: number): void {
    const d = size(this.inputShape);
    if (this.xBufs.length === 1) {
      const xv = this.xBufs[0].view();
      for (let r = 0; r < n; r++) {
        const i = idx ? idx[start + r] : start + r;
        xv.set(data.x.subarray(i * d, (i + 1) * d), r * d);
      }
    } else {
      this.writeInputs(data.x, d, n, (r) => (idx ? idx[start + r] : start + r));
    }
    this.head.loadTargets(data, idx, start, n);
  }

  /** Splits rows (of d packed values, row r at src row `row(r)`) into the input buffers, each input's values in order. */
  private writeInputs(src: Float32Array, d: number, n: number, row: (r: number) => number): void {
    let off = 0;
    for (const b of this.xBufs) {
      const w = b.length / this.cap;
      const v = b.view();
      for (let r = 0; r < n; r++) {
        const at = row(r) * d + off;
        v.set(src.subarray(at, at + w), r * w);
      }
      off += w;
    }
  }

  /** Forward through the schedule; returns the (first) output's buffer. */
  private forwardAll(ctx: StepContext): Buf {
    return this.runner!.forward(this.xBufs, ctx)[0];
  }

  private backwardAll(ctx: StepContext): ReadonlyArray<Buf | null> {
    this.outGrads[0] = this.head.gradient;
    return this.runner!.backward(this.outGrads, ctx);
  }

  /**
   * One forward and backward pass over the loaded batch of n rows: fills every parameter's
   * gradient (of the mean loss) and returns the summed loss of the batch.
   */
  forwardBackward(ctx: StepContext): number {
    const loss = this.head.loss(this.forwardAll(ctx), ctx.n, true);
    this.inputGrads = Number.isFinite(loss) ? this.backwardAll(ctx) : null;
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
    for (const c of this.runner?.callOutputs() ?? []) {
      if (c.out && countNonFinite(c.out, n * c.size) > 0) return `${c.layer.name} (output)`;
    }
    return null;
  }

  /** Mean loss and accuracy over a dataset, in inference mode (no dropout). */
  evaluate(data: Dataset, opts: { batchSize?: number } = {}): { loss: number; accuracy: number } {
    this.requireBuilt('evaluate()');
    this.checkData(data, 'evaluate');
    if (!this.cap) this.ensureBatch(Math.max(1, Math.min(opts.batchSize ?? 256, data.count)));
    const step = this.cap;
    let loss = 0;
    let correct = 0;
    for (let s = 0; s < data.count; s += step) {
      const n = Math.min(step, data.count - s);
      this.loadBatch(data, null, s, n);
      loss += this.forwardLoss({ n, training: false, seed: 0, step: 0 });
      correct += this.countCorrect(n);
    }
    return { loss: loss / data.count, accuracy: correct / data.count };
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
    this.checkData(data, 'forwardRows');
    this.loadBatch(data, null, start, n);
    return this.forwardLoss({ n, training: opts.training ?? false, seed: opts.seed ?? 0, step: opts.step ?? 0 });
  }

  /**
   * Class probabilities (count × classes) for inputs x (count × sample size), in inference
   * mode. A model of several inputs takes one array per input (in the order of its inputs), or
   * one array of rows that hold each input's values one after another.
   */
  predict(x: Float32Array | readonly Float32Array[], opts: { batchSize?: number } = {}): Float32Array {
    const outs = this.runRows(x, opts.batchSize, 'predict', (count) => new Float32Array(count * this.numClasses), (out, n, s) => {
      this.head.predict(this.runner!.forward(this.xBufs, { n, training: false, seed: 0, step: 0 })[0], n, out, s);
    });
    return outs;
  }

  /** The values of every output (count × output size each, before the head: logits), in inference mode; x as for predict. */
  predictOutputs(x: Float32Array | readonly Float32Array[], opts: { batchSize?: number } = {}): Float32Array[] {
    const sizes = this.outputShapes.map(size);
    return this.runRows(x, opts.batchSize, 'predictOutputs', (count) => sizes.map((z) => new Float32Array(count * z)), (outs, n, s) => {
      const bufs = this.runner!.forward(this.xBufs, { n, training: false, seed: 0, step: 0 });
      bufs.forEach((b, j) => outs[j].set(b.view().subarray(0, n * sizes[j]), s * sizes[j]));
    });
  }

  /** Runs `each` over x in batches of the capacity (laid out if none is), after checking x; x as for predict. */
  private runRows<R>(x: Float32Array | readonly Float32Array[], batchSize: number | undefined, what: string, make: (count: number) => R, each: (r: R, n: number, s: number) => void): R {
    this.requireBuilt(`${what}()`);
    const xp = packInputs(x, this.inputShapes, what);
    const d = size(this.inputShape);
    if (xp.length % d !== 0) {
      throw new RangeError(`gaaf: ${what} input has ${xp.length} values, not a multiple of the sample size ${d} (shape ${shapeStr(this.inputShape)})`);
    }
    const count = xp.length / d;
    const out = make(count);
    if (count === 0) return out;
    if (!this.cap) this.ensureBatch(Math.min(batchSize ?? 256, count));
    for (let s = 0; s < count; s += this.cap) {
      const n = Math.min(this.cap, count - s);
      if (this.xBufs.length === 1) this.xBufs[0].write(xp.subarray(s * d, (s + n) * d));
      else this.writeInputs(xp, d, n, (r) => s + r);
      each(out, n, s);
    }
    return out;
  }

  /**
   * Loss (mean over the rows) and the gradient of every parameter for one batch, without
   * updating anything. With training, dropout is active with the masks of (seed, step).
   */
  lossAndGradients(x: Float32Array, y: Int32Array, opts: { training?: boolean; seed?: number; step?: number; inputGrad?: boolean } = {}): Gradients {
    this.requireBuilt('lossAndGradients()');
    const d = size(this.inputShape);
    const n = y.length;
    if (x.length !== n * d) throw new RangeError(`gaaf: lossAndGradients: x has ${x.length} values, expected ${n} × ${d}`);
    if (n < 1) throw new RangeError('gaaf: lossAndGradients needs at least one row');
    this.ensureBatch(Math.max(n, this.cap), !!opts.inputGrad);
    if (this.xBufs.length === 1) this.xBufs[0].write(x);
    else this.writeInputs(x, d, n, (r) => r);
    this.head.writeTargets(y);
    const ctx = { n, training: opts.training ?? false, seed: opts.seed ?? 0, step: opts.step ?? 0 };
    const loss = this.forwardBackward(ctx) / n;
    const grads = this.params().map((p) => p.grad.read());
    const res: Gradients = { loss, grads };
    const ig = this.inputGrads;
    if (opts.inputGrad && ig && ig.every((g) => g)) {
      const parts = ig.map((g, i) => g!.read(n * size(this.inputShapes[i])));
      res.inputGrad = parts.length === 1 ? parts[0] : packInputs(parts, this.inputShapes, 'lossAndGradients');
    }
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
    const ws = this.getWeights();
    const all = new Uint8Array(ws.reduce((a, w) => a + w.byteLength, 0));
    let o = 0;
    for (const w of ws) {
      all.set(new Uint8Array(w.buffer, w.byteOffset, w.byteLength), o);
      o += w.byteLength;
    }
    return sha256Hex(all);
  }

  /** Throws a clear error if the dataset does not fit this model. */
  checkData(data: Dataset, where: string): void {
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
    if (this.outputShapes.length > 1) {
      throw new RangeError(`gaaf: ${where}: the model has ${this.outputShapes.length} outputs; training and evaluating one needs a loss per output, ` +
        'which gaaf does not have yet (predict and predictOutputs run it)');
    }
    this.head.checkTargets(data, this.numClasses, where);
  }

  /** A table of the layers (for a graph, of the calls, with what each is connected to), their output shapes and parameter counts. */
  summary(): string {
    this.requireBuilt('summary()');
    return summaryTable(this.runner!, this.graphSpec !== null, this.countParams());
  }

  /** Frees every buffer of the model. It cannot be used afterwards. */
  dispose(): void {
    this.releaseBatch();
    this.runner?.dispose();
    this.runner = null;
    for (const l of this.layers) l.dispose();
    this.isBuilt = false;
  }
}

/** The (first) output's shape of graph `g`. */
function inferOut(layers: readonly Layer[], g: GraphConfig): readonly number[] {
  return planOf(layers, g).shapes[g.outputs[0]];
}

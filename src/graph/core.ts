// The core of Network (../model.ts): its layers and graph, build, the batch buffers, and the
// forward and backward passes over the schedule (./runner.ts). Network adds what is computed
// over datasets and arrays (evaluate, predict, gradients, weights, summary).
import { Buf, allocF32, countNonFinite } from '../binding.js';
import type { Dataset } from '../data/dataset.js';
import { type GraphConfig, linearGraph, nameLayers, traceGraph, validateGraph } from './config.js';
import { GraphRunner, planOf } from './runner.js';
import { checkRows, eachBatch, packInputs, setParamValues, weightsHash } from './inputs.js';
import { summaryTable } from './summary.js';
import { type Head, type LossOptions, SoftmaxCrossEntropyHead } from '../head.js';
import { type Losses, MultiHead, headFor } from '../heads/multi-head.js';
import { Dense } from '../layers/dense.js';
import { Layer, type Param, type StepContext, shapeStr, size } from '../layers/layer.js';
import type { SymbolicTensor } from '../layers/symbolic.js';
import { type EstimateOptions, type MemoryEstimate, checkFits, estimateMemory, estimatePlanMemory } from '../memory.js';
import { Rng, deriveSeed } from '../rng.js';

export interface ModelOptions {
  /** Shape of one input sample, e.g. [784]. Else taken from the first layer or from the data. */
  inputShape?: number[];
  /** The graph of the layers (a checkpoint's model.graph); default: the layers in a stack. */
  graph?: GraphConfig;
  /** The loss (src/head.ts resolveHead), a TF.js/Keras name or a head, default 'sparseCategoricalCrossentropy', and its options. */
  loss?: Losses;
  lossOptions?: LossOptions;
  /** A model of several outputs: each output's weight in the total loss (a list in output order, or by output name). */
  lossWeights?: readonly number[] | Readonly<Record<string, number>>;
}

export type { Losses } from '../heads/multi-head.js';

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
  /** Each parameter's gradient, in params() order. */
  grads: Float32Array[];
  /** The same arrays by parameter name ('dense_1/kernel', ...), as optimizer.applyGradients takes them. */
  named: Record<string, Float32Array>;
  inputGrad?: Float32Array;
}

const INIT_TAG = 0x696e6974; // "init"
const TWIN_TAG = 0x7477696e; // "twin"
const list = <T>(x: T | readonly T[]): readonly T[] => (Array.isArray(x) ? x : [x as T]);

export class NetworkCore {
  readonly layers: Layer[] = [];
  /** The builder and its options, if a builder made this network (paperMlp, svhnCnn, ...); null for plain layers. */
  builtBy: BuilderRecord | null = null;
  protected declaredInputShape?: number[];
  protected isBuilt = false;
  protected cap = 0;
  protected capInputGrad = false;
  /** The graph of a functional model (or a checkpoint's); null: the layers in a stack (Sequential). */
  protected graphSpec: GraphConfig | null = null;
  protected runner: GraphRunner | null = null;
  protected xBufs: Buf[] = [];
  protected inputGrads: ReadonlyArray<Buf | null> | null = null;
  protected outGrads: Array<Buf | null> = [];
  /** What the output is trained against: targets, loss, metrics, predictions (setLoss changes it). */
  head: Head = new SoftmaxCrossEntropyHead();
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
      if (opts.loss !== undefined || opts.lossOptions !== undefined) this.setLoss(opts.loss ?? 'sparseCategoricalCrossentropy', opts.lossOptions, opts.lossWeights);
      return;
    }
    this.declaredInputShape = opts.inputShape;
    for (const l of spec) this.add(l);
    if (opts.graph) {
      nameLayers(this.layers);
      validateGraph(this.layers, opts.graph);
      this.graphSpec = opts.graph;
    }
    if (opts.loss !== undefined || opts.lossOptions !== undefined || opts.lossWeights !== undefined) this.setLoss(opts.loss ?? 'sparseCategoricalCrossentropy', opts.lossOptions, opts.lossWeights);
  }

  /** The names of the outputs (the layers that produce them), in order. */
  outputNames(): string[] {
    const g = this.runner?.graph ?? this.graphSpec;
    if (!g) return this.layers.length ? [this.layers[this.layers.length - 1].name] : [];
    nameLayers(this.layers);
    return g.outputs.map((id) => (id < g.inputs.length ? g.inputs[id].name : this.layers[g.nodes[id - g.inputs.length].layer].name));
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
    const plan = planOf(this.layers, g);
    for (const out of g.outputs.map((id) => plan.shapes[id])) {
      if (out.length !== 1) throw new RangeError(`gaaf: the last layer must output flat logits [classes], got ${shapeStr(out)}`);
    }
    checkFits(est, est.paramBytes, 'this model', 0, shape);
    const runner = new GraphRunner(this.layers, g);
    let twinRng: Rng | null = null;
    runner.build(rng, () => (twinRng ??= new Rng(deriveSeed(seed, TWIN_TAG))));
    this.runner = runner;
    this.outGrads = g.outputs.map(() => null);
    this.isBuilt = true;
    if (this.head instanceof MultiHead) this.head.setOutputSizes(this.outputShapes.map(size));
    return this;
  }

  /** The shape of one sample if it is known yet (built, a graph, or declared with inputShape), else null. */
  knownInputShape(): readonly number[] | null {
    if (this.isBuilt || this.graphSpec) return this.inputShape;
    const first = this.layers[0] as (Layer & { declaredInputShape?: number[] }) | undefined;
    return this.declaredInputShape ?? first?.declaredInputShape ?? null;
  }

  /** The input shape to build for: the graph's, or the declared one, or the data's; checked against each other. */
  protected resolveInputShape(given?: readonly number[]): readonly number[] {
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

  protected estimateFor(g: GraphConfig, opts: EstimateOptions): MemoryEstimate {
    opts = { headFloats: (b, c) => this.head.floatsFor(b, c), ...opts };
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
    return estimateMemory(this.layers, shape, { headFloats: (b, c) => this.head.floatsFor(b, c), ...opts });
  }

  protected requireBuilt(what: string): void {
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

  protected releaseBatch(): void {
    for (const b of this.xBufs) b.free();
    this.xBufs = [];
    this.head.release();
    this.runner?.release();
    this.cap = 0;
  }

  /**
   * Trains and evaluates against `loss` from now on (a TF.js/Keras name or a head); the batch
   * buffers are laid out again. A model of several outputs takes a loss per output (a list in
   * output order or an object by output name; one name alone applies to every output), with
   * `lossWeights` for the total Σ wᵢ·Lᵢ (default 1 each).
   */
  setLoss(loss: Losses, opts: LossOptions = {}, lossWeights?: readonly number[] | Readonly<Record<string, number>>): this {
    const g = this.runner?.graph ?? this.graphSpec;
    const outputs = g ? g.outputs.length : 1;
    const head = headFor(loss, opts, lossWeights, outputs === 1 ? null : () => this.outputNames());
    if (head !== this.head) this.releaseBatch();
    this.head = head;
    if (head instanceof MultiHead && this.isBuilt) head.setOutputSizes(this.outputShapes.map(size));
    return this;
  }

  /** Copies rows `idx[start .. start+n)` of `data` (or rows start.. if idx is null) into the input buffer, and their targets into the head. */
  loadBatch(data: Dataset, idx: ArrayLike<number> | null, start: number, n: number, weighted = true): void {
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
    this.head.loadTargets(data, idx, start, n, weighted); // evaluation: without the sample weights fit set (they index the training data)
  }

  /** Splits rows (of d packed values, row r at src row `row(r)`) into the input buffers, each input's values in order. */
  protected writeInputs(src: Float32Array, d: number, n: number, row: (r: number) => number): void {
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
  protected forwardAll(ctx: StepContext): Buf {
    return this.runner!.forward(this.xBufs, ctx)[0];
  }

  protected backwardAll(ctx: StepContext): ReadonlyArray<Buf | null> {
    if (this.head instanceof MultiHead) this.head.gradients.forEach((g, i) => (this.outGrads[i] = g));
    else this.outGrads[0] = this.head.gradient;
    return this.runner!.backward(this.outGrads, ctx);
  }

  /** The summed loss of the n rows over every output (with grad, the gradients for backwardAll). */
  protected lossOf(ctx: StepContext, grad: boolean): number {
    const outs = this.runner!.forward(this.xBufs, ctx);
    return this.head instanceof MultiHead ? this.head.lossOf(outs, ctx.n, grad) : this.head.loss(outs[0], ctx.n, grad);
  }

  /**
   * One forward and backward pass over the loaded batch of n rows: fills every parameter's
   * gradient (of the mean loss) and returns the summed loss of the batch.
   */
  forwardBackward(ctx: StepContext): number {
    const loss = this.lossOf(ctx, true);
    this.inputGrads = Number.isFinite(loss) ? this.backwardAll(ctx) : null;
    return loss;
  }

  /**
   * forwardBackward, and the head's metric sums over the n rows (metricNames order), taken
   * between the loss and the backward pass: what a training step logs.
   */
  trainingPass(ctx: StepContext): { loss: number; metricSums: number[] } {
    const loss = this.lossOf(ctx, true);
    const metricSums = Number.isFinite(loss) ? this.head.metricSums(ctx.n) : [];
    this.inputGrads = Number.isFinite(loss) ? this.backwardAll(ctx) : null;
    return { loss, metricSums };
  }

  /** Forward pass over the loaded batch; returns the summed loss (the head keeps what its metric needs). */
  forwardLoss(ctx: StepContext): number {
    return this.lossOf(ctx, false);
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

}

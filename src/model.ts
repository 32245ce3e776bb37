// Network, the core of every model: a graph of layers (a stack for Sequential, any directed
// acyclic graph for a functional Model: src/graph/) that it builds, runs forward and backward
// on a schedule computed once, evaluates, and whose weights it reads and writes; its output
// goes to its output head (head.ts), which holds the targets, the loss and its gradient, the
// metric and what predict() returns. Training (fit.ts), checkpoints (src/checkpoint/) and the
// model classes build on it; it knows none of them, nor any file. Buffers are laid out once
// per batch capacity. A model of several inputs reads each sample as its inputs' values one
// after another, in the order of its inputs (its inputShape is [their total size]).
import { Buf, allocF32, countNonFinite } from './binding.js';
import { type Dataset, checkDataset, checkFiniteInputs } from './data/dataset.js';
import type { Evaluation } from './head.js';
import { type TrainingClaim, TrainingSlot } from './training-slot.js';
import { type GraphConfig, linearGraph, nameLayers, traceGraph, validateGraph } from './graph/config.js';
import { GraphRunner, planOf } from './graph/runner.js';
import { checkRows, eachBatch, packInputs, setParamValues, weightsHash } from './graph/inputs.js';
import { summaryTable } from './graph/summary.js';
import { SoftmaxCrossEntropyHead } from './head.js';
import { MultiHead } from './heads/multi-head.js';
import { Dense } from './layers/dense.js';
import { Layer, type Param, type StepContext, shapeStr, size } from './layers/layer.js';
import type { SymbolicTensor } from './layers/symbolic.js';
import { type EstimateOptions, type MemoryEstimate, checkFits, estimateMemory, estimatePlanMemory } from './memory.js';
import { Rng, deriveSeed } from './rng.js';
import { NetworkCore } from './graph/core.js';

import type { Gradients } from './graph/core.js';
export type { BuilderRecord, FunctionalSpec, Gradients, ModelOptions } from './graph/core.js';

export class Network extends NetworkCore {
  /** The fit() call training this network, if one is running: one at a time. */
  private readonly trainingSlot = new TrainingSlot(() => this.dispose());

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

  /**
   * What predict() gives, for every output of the model (each through its loss's head:
   * probabilities for the classifiers, values for regression), in output order; x as for predict.
   */
  predictAll(x: Float32Array | readonly Float32Array[], opts: { batchSize?: number } = {}): Float32Array[] {
    const heads = this.head instanceof MultiHead ? this.head.heads : [this.head];
    const sizes = this.outputShapes.map(size);
    if (heads.length !== sizes.length) throw new RangeError(`gaaf: predictAll: the model has ${sizes.length} outputs and one loss; give it a loss per output (compile) or use predictOutputs for the raw values`);
    return this.runRows(x, opts.batchSize, 'predictAll', (count) => sizes.map((z) => new Float32Array(count * z)), (outs, n, s) => {
      const bufs = this.runner!.forward(this.xBufs, { n, training: false, seed: 0, step: 0 });
      heads.forEach((h, j) => h.predict(bufs[j], n, outs[j], s));
    });
  }

  /** The values of every output (count × output size each, before the head: logits), in inference mode; x as for predict. */
  predictOutputs(x: Float32Array | readonly Float32Array[], opts: { batchSize?: number } = {}): Float32Array[] {
    const sizes = this.outputShapes.map(size);
    return this.runRows(x, opts.batchSize, 'predictOutputs', (count) => sizes.map((z) => new Float32Array(count * z)), (outs, n, s) => {
      const bufs = this.runner!.forward(this.xBufs, { n, training: false, seed: 0, step: 0 });
      bufs.forEach((b, j) => outs[j].set(b.view().subarray(0, n * sizes[j]), s * sizes[j]));
    });
  }

  /** Runs `each` over x (as for predict) in batches of the capacity, laid out if none is. */
  private runRows<R>(x: Float32Array | readonly Float32Array[], batchSize: number | undefined, what: string, make: (count: number) => R, each: (r: R, n: number, s: number) => void): R {
    this.requireBuilt(`${what}()`);
    const xp = packInputs(x, this.inputShapes, what);
    const d = checkRows(xp, this.inputShape, what);
    checkFiniteInputs(xp, d, what);
    return eachBatch(xp.length / d, this.cap || this.ensureCap(batchSize, xp.length / d), make, (out, n, s) => {
      if (this.xBufs.length === 1) this.xBufs[0].write(xp.subarray(s * d, (s + n) * d));
      else this.writeInputs(xp, d, n, (r) => s + r);
      each(out, n, s);
    });
  }

  private ensureCap(batchSize: number | undefined, count: number): number {
    if (count > 0) this.ensureBatch(Math.min(batchSize ?? 256, count));
    return this.cap;
  }

  /**
   * Loss (mean over the rows) and the gradient of every parameter for one batch, without
   * updating anything. With training, dropout is active with the masks of (seed, step).
   */
  lossAndGradients(x: Float32Array, y: Int32Array | Float32Array | ReadonlyArray<Int32Array | Float32Array>, opts: { training?: boolean; seed?: number; step?: number; inputGrad?: boolean } = {}): Gradients {
    const { loss, n } = this.gradientsOn(x, y, opts, 'lossAndGradients');
    const params = this.params();
    const grads = params.map((p) => p.grad.read());
    const res: Gradients = { loss, grads, named: Object.fromEntries(params.map((p, i) => [p.name, grads[i]])) };
    const ig = this.inputGrads;
    if (opts.inputGrad && ig && ig.every((g) => g)) {
      const parts = ig.map((g, i) => g!.read(n * size(this.inputShapes[i])));
      res.inputGrad = parts.length === 1 ? parts[0] : packInputs(parts, this.inputShapes, 'lossAndGradients');
    }
    return res;
  }

  /**
   * The forward and backward pass of lossAndGradients, leaving the gradients in the
   * parameters' buffers (trainOnBatch's step then applies them): the mean loss, the rows, and
   * the head's metric sums over them.
   */
  gradientsOn(x: Float32Array, y: Int32Array | Float32Array | ReadonlyArray<Int32Array | Float32Array>, opts: { training?: boolean; seed?: number; step?: number; inputGrad?: boolean }, what: string): {
    loss: number; n: number; metricSums: number[];
  } {
    this.requireBuilt(`${what}()`);
    const d = size(this.inputShape);
    if (!this.cap) this.ensureBatch(1);
    const multi = this.head instanceof MultiHead ? this.head : null;
    if (multi ? !Array.isArray(y) || y.length !== multi.heads.length : Array.isArray(y)) {
      throw new RangeError(`gaaf: ${what}: y must be ${multi ? `a list of ${multi.heads.length} target arrays, one per output` : 'one target array (the model has one output)'}`);
    }
    const ys = (multi ? y : [y]) as ReadonlyArray<Int32Array | Float32Array>;
    const heads = multi ? multi.heads : [this.head];
    const n = heads[0].rowsOf(ys[0]);
    heads.forEach((h, i) => {
      if (h.rowsOf(ys[i]) !== n) throw new RangeError(`gaaf: ${what}: y[${i}] holds ${h.rowsOf(ys[i])} rows, y[0] ${n}`);
    });
    if (x.length !== n * d) throw new RangeError(`gaaf: ${what}: x has ${x.length} values, expected ${n} × ${d}`);
    if (n < 1) throw new RangeError(`gaaf: ${what} needs at least one row`);
    this.ensureBatch(Math.max(n, this.cap), !!opts.inputGrad);
    if (this.xBufs.length === 1) this.xBufs[0].write(x);
    else this.writeInputs(x, d, n, (r) => r);
    heads.forEach((h, i) => h.writeTargets(ys[i]));
    const { loss, metricSums } = this.trainingPass({ n, training: opts.training ?? false, seed: opts.seed ?? 0, step: opts.step ?? 0 });
    return { loss: loss / n, n, metricSums };
  }

  /** Copies of every parameter, in params() order. */
  getWeights(): Float32Array[] {
    this.requireBuilt('getWeights()');
    return this.params().map((p) => p.value.read());
  }

  setWeights(ws: readonly Float32Array[]): void {
    this.requireBuilt('setWeights()');
    setParamValues(this.params(), ws);
  }

  /** SHA-256 (hex) of every parameter's bytes (little-endian f32), in params() order. */
  weightsSha256(): Promise<string> {
    return weightsHash(this.getWeights());
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
    if (this.outputShapes.length > 1 && !(this.head instanceof MultiHead)) {
      throw new RangeError(`gaaf: ${where}: the model has ${this.outputShapes.length} outputs (${this.outputNames().join(', ')}); training and evaluating it needs a loss per output: ` +
        "compile({ loss: ['sparseCategoricalCrossentropy', 'mse'] }) (a list in output order, or an object by output name)");
    }
    if (data.outputs && !(this.head instanceof MultiHead)) {
      throw new RangeError(`gaaf: ${where}: '${data.name}' holds targets for ${data.outputs.length} outputs, the model has one`);
    }
    this.head.checkTargets(data, this.numClasses, where, rows);
  }

  /** A table of the layers (for a graph, of the calls, with what each is connected to), their output shapes and parameter counts. */
  summary(): string {
    this.requireBuilt('summary()');
    return summaryTable(this.runner!, this.graphSpec !== null, this.countParams());
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
    this.runner?.dispose();
    this.runner = null;
    for (const l of this.layers) l.dispose();
    this.isBuilt = false;
  }
}


// Merge layers: several inputs of one sample each, one output. Add and Multiply take inputs
// of one shape (elementwise), Concatenate joins them along an axis. They are applied to a
// list: `new Add().apply([a, b])`. Kernels: assembly/merge.ts.
// Add:         y = Σ xᵢ            dxᵢ = dy (the gradient buffer itself, no copy)
// Multiply:    y = Π xᵢ            dxᵢ = dy·Π_{j≠i} xⱼ
// Concatenate: y (n, ..., Σ dᵢ, ...) = [x₀ | x₁ | ...] on `axis`; dxᵢ = dy's block i
import { Buf, addForward, copyRows, mulForward } from '../binding.js';
import type { Rng } from '../rng.js';
import { Layer, type StepContext, shapeStr, size } from './layer.js';

/** The base of layers with several inputs; the graph calls them through forwardInputs / backwardInputs. */
export abstract class MergeLayer extends Layer {
  /** The shapes of its inputs, set when built. */
  inputShapes: ReadonlyArray<readonly number[]> = [];
  protected y: Buf | null = null;
  protected dxs: Buf[] = [];

  /** Output shape for its inputs' shapes (2 or more), or a clear error. */
  abstract computeOutputShapes(shapes: readonly (readonly number[])[]): readonly number[];

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    return this.outputShapeFor([inputShape]);
  }

  override outputShapeFor(shapes: readonly (readonly number[])[]): readonly number[] {
    if (shapes.length < 2) throw new RangeError(`gaaf: layer '${this.name}' (${this.className}) merges 2 or more inputs, got ${shapes.length}: apply it to a list`);
    return this.computeOutputShapes(shapes);
  }

  override buildFor(shapes: readonly (readonly number[])[], _rng: Rng): void {
    this.inputShapes = shapes.map((s) => [...s]);
    this.inputShape = shapes[0];
    this.outputShape = this.outputShapeFor(shapes);
    this.claimParams();
  }

  /** Input gradient buffers (one per input) are the layer's own: `dx` of the base is not used. */
  protected dxFloats(): boolean {
    return true;
  }

  override allocate(batch: number, needInputGrad: boolean): void {
    this.release();
    this.batchCap = batch;
    this.needInputGrad = needInputGrad;
    this.y = new Buf(batch * this.outputSize, 'f32', `${this.name}/y`);
    if (needInputGrad && this.dxFloats()) this.dxs = this.inputShapes.map((s, i) => new Buf(batch * size(s), 'f32', `${this.name}/dx${i}`));
  }

  override activationFloatsForInputs(shapes: readonly (readonly number[])[], batch: number): number {
    const out = size(this.outputShapeFor(shapes));
    return batch * (out + (this.dxFloats() ? shapes.reduce((a, s) => a + size(s), 0) : 0));
  }

  protected allocateOwn(): void {}

  protected releaseOwn(): void {
    this.y?.free();
    this.y = null;
    for (const b of this.dxs) b.free();
    this.dxs = [];
  }

  forward(_x: Buf, _ctx: StepContext): Buf {
    throw new Error(`gaaf: layer '${this.name}' (${this.className}) merges several inputs: call forwardInputs`);
  }

  backward(_dy: Buf, _ctx: StepContext): Buf | null {
    throw new Error(`gaaf: layer '${this.name}' (${this.className}) merges several inputs: call backwardInputs`);
  }

  output(): Buf | null {
    return this.y;
  }
}

/** Checks that every input has the first one's shape (Add, Multiply). */
function sameShapes(l: Layer, shapes: readonly (readonly number[])[]): readonly number[] {
  const bad = shapes.findIndex((s) => shapeStr(s) !== shapeStr(shapes[0]));
  if (bad > 0) {
    throw new RangeError(`gaaf: layer '${l.name}' (${l.className}) needs inputs of one shape, got ${shapes.map(shapeStr).join(' and ')} (input ${bad} differs)`);
  }
  return shapes[0];
}

export class Add extends MergeLayer {
  readonly className = 'Add';

  computeOutputShapes(shapes: readonly (readonly number[])[]): readonly number[] {
    return sameShapes(this, shapes);
  }

  protected override dxFloats(): boolean {
    return false; // dxᵢ = dy
  }

  override forwardInputs(xs: readonly Buf[], ctx: StepContext): Buf {
    const n = ctx.n * this.outputSize;
    addForward(xs[0], xs[1], this.y!, n);
    for (let i = 2; i < xs.length; i++) addForward(this.y!, xs[i], this.y!, n);
    return this.y!;
  }

  override backwardInputs(dy: Buf, _ctx: StepContext, dxs: Array<Buf | null>): void {
    for (let i = 0; i < this.inputShapes.length; i++) dxs[i] = this.needInputGrad ? dy : null;
  }

  config(): Record<string, unknown> {
    return {};
  }
}

export class Multiply extends MergeLayer {
  readonly className = 'Multiply';
  private xs: readonly Buf[] = [];

  computeOutputShapes(shapes: readonly (readonly number[])[]): readonly number[] {
    return sameShapes(this, shapes);
  }

  override forwardInputs(xs: readonly Buf[], ctx: StepContext): Buf {
    const n = ctx.n * this.outputSize;
    this.xs = xs;
    mulForward(xs[0], xs[1], this.y!, n);
    for (let i = 2; i < xs.length; i++) mulForward(this.y!, xs[i], this.y!, n);
    return this.y!;
  }

  // dxᵢ = dy·Π_{j≠i} xⱼ, the factors multiplied in input order
  override backwardInputs(dy: Buf, ctx: StepContext, dxs: Array<Buf | null>): void {
    const n = ctx.n * this.outputSize;
    const k = this.xs.length;
    for (let i = 0; i < k; i++) {
      if (!this.needInputGrad) {
        dxs[i] = null;
        continue;
      }
      const d = this.dxs[i];
      let src = dy;
      for (let j = 0; j < k; j++) {
        if (j === i) continue;
        mulForward(src, this.xs[j], d, n);
        src = d;
      }
      dxs[i] = d;
    }
  }

  config(): Record<string, unknown> {
    return {};
  }
}

export interface ConcatenateOptions {
  /** The axis to join on, counting the batch axis as 0 as Keras does: -1 (default) is the last; 0 is refused. */
  axis?: number;
}

export class Concatenate extends MergeLayer {
  readonly className = 'Concatenate';
  readonly axis: number;
  /** Rows per sample (the product of the axes before the joined one) and each input's block width. */
  private outer = 1;
  private widths: number[] = [];

  constructor(opts: ConcatenateOptions = {}) {
    super();
    const axis = opts.axis ?? -1;
    if (!Number.isInteger(axis) || axis === 0) {
      throw new RangeError(`gaaf: Concatenate axis must be a non-zero integer (axis 0 is the batch; -1 is the last axis), got ${axis}`);
    }
    this.axis = axis;
  }

  /** The joined axis as an index into a sample's shape of `rank` axes. */
  private sampleAxis(rank: number): number {
    const a = this.axis < 0 ? rank + this.axis : this.axis - 1;
    if (a < 0 || a >= rank) throw new RangeError(`gaaf: layer '${this.name}' (Concatenate): axis ${this.axis} does not exist for inputs of ${rank} axes (plus the batch)`);
    return a;
  }

  computeOutputShapes(shapes: readonly (readonly number[])[]): readonly number[] {
    const rank = shapes[0].length;
    const a = this.sampleAxis(rank);
    shapes.forEach((s, i) => {
      if (s.length !== rank || s.some((d, j) => j !== a && d !== shapes[0][j])) {
        throw new RangeError(`gaaf: layer '${this.name}' (Concatenate) on axis ${this.axis} needs inputs that differ only on that axis, ` +
          `got ${shapes.map(shapeStr).join(' and ')} (input ${i} differs)`);
      }
    });
    const out = [...shapes[0]];
    out[a] = shapes.reduce((t, s) => t + s[a], 0);
    return out;
  }

  override buildFor(shapes: readonly (readonly number[])[], rng: Rng): void {
    super.buildFor(shapes, rng);
    const a = this.sampleAxis(shapes[0].length);
    this.outer = size(shapes[0].slice(0, a));
    this.widths = shapes.map((s) => size(s.slice(a)));
  }

  override forwardInputs(xs: readonly Buf[], ctx: StepContext): Buf {
    const rows = ctx.n * this.outer;
    const W = this.outputSize / this.outer;
    let off = 0;
    xs.forEach((x, i) => {
      copyRows(x, 0, this.widths[i], this.y!, off, W, rows, this.widths[i]);
      off += this.widths[i];
    });
    return this.y!;
  }

  override backwardInputs(dy: Buf, ctx: StepContext, dxs: Array<Buf | null>): void {
    const rows = ctx.n * this.outer;
    const W = this.outputSize / this.outer;
    let off = 0;
    for (let i = 0; i < this.widths.length; i++) {
      if (this.needInputGrad) copyRows(dy, off, W, this.dxs[i], 0, this.widths[i], rows, this.widths[i]);
      dxs[i] = this.needInputGrad ? this.dxs[i] : null;
      off += this.widths[i];
    }
  }

  config(): Record<string, unknown> {
    return { axis: this.axis };
  }
}

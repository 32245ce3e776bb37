// Embedding: each input value is an index into a trainable table of vectors (Keras's Embedding).
// x (n, len) f32 integers in [0, inputDim), embeddings (inputDim, outputDim), y (n, len, outputDim).
// An index that is not an integer in range is an error naming the layer, the row (sample), the
// position in it, the value and the vocabulary size. Indices have no gradient: dx is 0.
import { Buf, embeddingBackward, embeddingForward } from '../binding.js';
import type { Rng } from '../rng.js';
import { Layer, makeParam, type Param, type StepContext, shapeStr, size, checkLayerOptions } from './layer.js';

export interface EmbeddingOptions {
  /** Shape of one input sample [len] (default: any flat length). */
  inputShape?: number[];
}

export class Embedding extends Layer {
  readonly className = 'Embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly declaredInputShape?: number[];
  private table: Param | null = null;
  private y: Buf | null = null;
  private x: Buf | null = null;

  /** inputDim: the vocabulary size; outputDim: the vector length. Initialised uniform in [−0.05, 0.05] (Keras's default). */
  constructor(inputDim: number, outputDim: number, opts: EmbeddingOptions = {}) {
    super();
    checkLayerOptions('Embedding', opts, ['inputShape']);
    if (!Number.isInteger(inputDim) || inputDim < 1) throw new RangeError(`gaaf: Embedding inputDim (vocabulary size) must be a positive integer, got ${inputDim}`);
    if (!Number.isInteger(outputDim) || outputDim < 1) throw new RangeError(`gaaf: Embedding outputDim must be a positive integer, got ${outputDim}`);
    if (inputDim >= 2 ** 24) throw new RangeError(`gaaf: Embedding inputDim ${inputDim} is too large: indices arrive as float32, exact only below 2^24`);
    this.inputDim = inputDim;
    this.outputDim = outputDim;
    this.declaredInputShape = opts.inputShape;
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    if (inputShape.length !== 1) throw new RangeError(`gaaf: layer '${this.name}' (Embedding) expects input [length] of indices, got shape ${shapeStr(inputShape)}`);
    return [inputShape[0], this.outputDim];
  }

  override build(inputShape: readonly number[], rng: Rng): void {
    super.build(inputShape, rng);
    const w = new Float32Array(this.inputDim * this.outputDim);
    for (let i = 0; i < w.length; i++) w[i] = (rng.next() * 2 - 1) * 0.05;
    this.table = makeParam(this.name, 'embeddings', [this.inputDim, this.outputDim], w);
  }

  override countParamsFor(): number {
    return this.inputDim * this.outputDim;
  }

  /** dx and y. */
  override activationFloatsFor(inputShape: readonly number[], batch: number): number {
    return batch * (size(inputShape) + size(inputShape) * this.outputDim);
  }

  protected allocateOwn(batch: number): void {
    this.y = new Buf(batch * this.outputSize, 'f32', `${this.name}/y`);
  }

  protected releaseOwn(): void {
    this.y?.free();
    this.y = this.x = null;
  }

  forward(x: Buf, ctx: StepContext): Buf {
    this.x = x;
    const count = ctx.n * this.inputSize;
    const bad = embeddingForward(x, this.table!.value, this.y!, count, this.inputDim, this.outputDim);
    if (bad >= 0) {
      const len = this.inputSize;
      const v = x.read(count)[bad];
      throw new RangeError(`gaaf: layer '${this.name}' (Embedding): index ${v} at row ${Math.floor(bad / len)} of the batch, position ${bad % len}, ` +
        `is not an integer in [0, ${this.inputDim}) (the vocabulary size is ${this.inputDim})`);
    }
    return this.y!;
  }

  // dembeddings[idx] += dy (in order); indices have no gradient
  backward(dy: Buf, ctx: StepContext): Buf | null {
    const count = ctx.n * this.inputSize;
    embeddingBackward(this.x!, dy, this.table!.grad, count, this.inputDim, this.outputDim);
    if (!this.dx) return null;
    this.dx.fill(0);
    return this.dx;
  }

  output(): Buf | null {
    return this.y;
  }

  override params(): Param[] {
    return this.table ? [this.table] : [];
  }

  config(): Record<string, unknown> {
    return { inputDim: this.inputDim, outputDim: this.outputDim };
  }
}

// Dense (fully connected) layer: y = x·W + b.
// x (n, in), W (in, out), b (out), y (n, out).
import { Buf, gemm, sumRows } from '../binding.js';
import { INITIALIZERS, initialize, type Initializer } from '../init.js';
import type { Rng } from '../rng.js';
import { Layer, makeParam, type Param, type StepContext, shapeStr, size } from './layer.js';

export interface DenseOptions {
  /** Shape of one input sample, for the first layer of a model. */
  inputShape?: number[];
  useBias?: boolean;
  kernelInitializer?: Initializer;
}

export class Dense extends Layer {
  readonly className = 'Dense';
  readonly units: number;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly declaredInputShape?: number[];
  private kernel: Param | null = null;
  private bias: Param | null = null;
  private y: Buf | null = null;
  private x: Buf | null = null;

  constructor(units: number, opts: DenseOptions = {}) {
    super();
    if (!Number.isInteger(units) || units < 1) throw new RangeError(`gaaf: Dense units must be a positive integer, got ${units}`);
    const init = opts.kernelInitializer ?? 'glorotUniform';
    if (!INITIALIZERS.includes(init)) {
      throw new RangeError(`gaaf: Dense kernelInitializer must be one of ${INITIALIZERS.join(', ')}, got '${init}'`);
    }
    this.units = units;
    this.useBias = opts.useBias ?? true;
    this.kernelInitializer = init;
    this.declaredInputShape = opts.inputShape;
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    if (inputShape.length !== 1) {
      throw new RangeError(`gaaf: layer '${this.name}' (Dense) expects a flat input [features], got shape ${shapeStr(inputShape)}; flatten it first`);
    }
    return [this.units];
  }

  override build(inputShape: readonly number[], rng: Rng): void {
    super.build(inputShape, rng);
    const fanIn = inputShape[0];
    const fanOut = this.units;
    const w = new Float32Array(fanIn * fanOut);
    initialize(w, this.kernelInitializer, fanIn, fanOut, rng);
    this.kernel = makeParam(this.name, 'kernel', [fanIn, fanOut], w);
    if (this.useBias) this.bias = makeParam(this.name, 'bias', [fanOut], 0);
  }

  protected allocateOwn(batch: number): void {
    this.y = new Buf(batch * this.units, 'f32', `${this.name}/y`);
  }

  protected releaseOwn(): void {
    this.y?.free();
    this.y = null;
    this.x = null;
  }

  // y (n, out) = x (n, in) · W (in, out) + b (out)
  forward(x: Buf, ctx: StepContext): Buf {
    const k = this.kernel!;
    const inDim = this.inputSize;
    this.x = x;
    gemm(false, false, ctx.n, this.units, inDim, 1, x, inDim, k.value, this.units, 0, this.y!, this.units, this.bias?.value ?? null);
    return this.y!;
  }

  // dW (in, out) = xᵀ·dy;  db (out) = Σ_rows dy;  dx (n, in) = dy·Wᵀ
  backward(dy: Buf, ctx: StepContext): Buf | null {
    const k = this.kernel!;
    const inDim = this.inputSize;
    const out = this.units;
    gemm(true, false, inDim, out, ctx.n, 1, this.x!, inDim, dy, out, 0, k.grad, out);
    if (this.bias) sumRows(dy, ctx.n, out, out, this.bias.grad, 0);
    if (!this.dx) return null;
    gemm(false, true, ctx.n, inDim, out, 1, dy, out, k.value, out, 0, this.dx, inDim);
    return this.dx;
  }

  output(): Buf | null {
    return this.y;
  }

  override params(): Param[] {
    const p: Param[] = [];
    if (this.kernel) p.push(this.kernel);
    if (this.bias) p.push(this.bias);
    return p;
  }

  override countParamsFor(inputShape: readonly number[]): number {
    return size(inputShape) * this.units + (this.useBias ? this.units : 0);
  }

  config(): Record<string, unknown> {
    return { units: this.units, useBias: this.useBias, kernelInitializer: this.kernelInitializer };
  }
}

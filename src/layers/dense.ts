// Dense (fully connected) layer: y = φ(x·W + b), φ the `activation` option (default linear).
// x (n, in), W (in, out), b (out), z (n, out) = x·W + b (kept only with an activation), y (n, out).
import { type Buf, gemm, sumRows } from '../binding.js';
import { INITIALIZERS, initialize, type Initializer } from '../init.js';
import type { Rng } from '../rng.js';
import type { ActivationName } from './act-fn.js';
import { FusedLayer } from './fused.js';
import { makeParam, type StepContext, shapeStr, size } from './layer.js';

export interface DenseOptions {
  /** Shape of one input sample, for the first layer of a model. */
  inputShape?: number[];
  useBias?: boolean;
  kernelInitializer?: Initializer;
  /** φ applied to x·W + b, by name (see Activation; default 'linear'). */
  activation?: ActivationName;
}

const KNOWN = ['inputShape', 'useBias', 'kernelInitializer', 'activation'];

export class Dense extends FusedLayer {
  readonly className = 'Dense';
  readonly units: number;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly declaredInputShape?: number[];

  constructor(units: number, opts: DenseOptions = {}) {
    super('Dense', opts, KNOWN);
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
    this.allocateOutputs(batch * this.units);
  }

  protected releaseOwn(): void {
    this.releaseOutputs();
  }

  /** dx, y, and with an activation z and dz. */
  override activationFloatsFor(inputShape: readonly number[], batch: number): number {
    return batch * (size(inputShape) + (this.act.identity ? 2 : 3) * this.units);
  }

  // z (n, out) = x (n, in) · W (in, out) + b (out); y = φ(z) (y is z itself when φ is linear)
  forward(x: Buf, ctx: StepContext): Buf {
    const k = this.kernel!;
    const inDim = this.inputSize;
    this.x = x;
    gemm(false, false, ctx.n, this.units, inDim, 1, x, inDim, k.value, this.units, 0, this.preActivation, this.units, this.bias?.value ?? null);
    return this.activate(ctx.n * this.units, this.units);
  }

  // dz = dy·φ'(z);  dW (in, out) = xᵀ·dz;  db (out) = Σ_rows dz;  dx (n, in) = dz·Wᵀ
  backward(dyIn: Buf, ctx: StepContext): Buf | null {
    const k = this.kernel!;
    const inDim = this.inputSize;
    const out = this.units;
    const dy = this.activationGrad(dyIn, ctx.n * out, out);
    gemm(true, false, inDim, out, ctx.n, 1, this.x!, inDim, dy, out, 0, k.grad, out);
    if (this.bias) sumRows(dy, ctx.n, out, out, this.bias.grad, 0);
    if (!this.dx) return null;
    gemm(false, true, ctx.n, inDim, out, 1, dy, out, k.value, out, 0, this.dx, inDim);
    return this.dx;
  }

  override countParamsFor(inputShape: readonly number[]): number {
    return size(inputShape) * this.units + (this.useBias ? this.units : 0);
  }

  config(): Record<string, unknown> {
    return { units: this.units, useBias: this.useBias, kernelInitializer: this.kernelInitializer, ...this.activationConfig() };
  }
}

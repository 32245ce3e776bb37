// Layer normalization over the last axis (Keras's LayerNormalization, axis −1):
// y = γ·(x − μ)/√(σ² + ε) + β, μ and σ² (biased) over each sample's last axis, γ, β (last dim).
// x (n, ..., d), y like x; xhat (like x) and rstd (n·rows) are kept for the backward pass.
import { Buf, layerNormBackward, layerNormForward } from '../binding.js';
import type { Rng } from '../rng.js';
import { Layer, makeParam, type Param, type StepContext, shapeStr, size, checkLayerOptions } from './layer.js';

export interface LayerNormalizationOptions {
  /** Added to the variance (default 1e-3, as Keras). */
  epsilon?: number;
  inputShape?: number[];
}

export class LayerNormalization extends Layer {
  readonly className = 'LayerNormalization';
  readonly epsilon: number;
  readonly declaredInputShape?: number[];
  private gamma: Param | null = null;
  private beta: Param | null = null;
  private y: Buf | null = null;
  private xhat: Buf | null = null;
  private rstd: Buf | null = null;
  private scratch: Buf | null = null; // dx's place when no input gradient is needed (the kernel always writes one)

  constructor(opts: LayerNormalizationOptions = {}) {
    super();
    checkLayerOptions('LayerNormalization', opts, ['epsilon', 'inputShape']);
    const e = opts.epsilon ?? 1e-3;
    if (typeof e !== 'number' || !(e > 0) || !Number.isFinite(e) || !(Math.fround(e) > 0)) {
      throw new RangeError(`gaaf: LayerNormalization epsilon must be a positive number (in float32 too), got ${String(e)}`);
    }
    this.epsilon = e;
    this.declaredInputShape = opts.inputShape;
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    if (inputShape.length < 1) throw new RangeError(`gaaf: layer '${this.name}' (LayerNormalization) needs an input with a last axis, got shape ${shapeStr(inputShape)}`);
    return inputShape;
  }

  private get cols(): number {
    return this.inputShape[this.inputShape.length - 1];
  }

  override build(inputShape: readonly number[], rng: Rng): void {
    super.build(inputShape, rng);
    const d = this.cols;
    this.gamma = makeParam(this.name, 'gamma', [d], 1);
    this.beta = makeParam(this.name, 'beta', [d], 0);
  }

  override countParamsFor(inputShape: readonly number[]): number {
    return 2 * inputShape[inputShape.length - 1];
  }

  /** dx (or its scratch), y, xhat and rstd. */
  override activationFloatsFor(inputShape: readonly number[], batch: number): number {
    const n = size(inputShape);
    return batch * (3 * n + n / inputShape[inputShape.length - 1]);
  }

  protected allocateOwn(batch: number): void {
    this.y = new Buf(batch * this.inputSize, 'f32', `${this.name}/y`);
    this.xhat = new Buf(batch * this.inputSize, 'f32', `${this.name}/xhat`);
    this.rstd = new Buf(batch * this.inputSize / this.cols, 'f32', `${this.name}/rstd`);
    if (!this.needInputGrad) this.scratch = new Buf(batch * this.inputSize, 'f32', `${this.name}/dx-scratch`);
  }

  protected releaseOwn(): void {
    this.y?.free();
    this.xhat?.free();
    this.rstd?.free();
    this.scratch?.free();
    this.y = this.xhat = this.rstd = this.scratch = null;
  }

  forward(x: Buf, ctx: StepContext): Buf {
    const rows = ctx.n * this.inputSize / this.cols;
    layerNormForward(x, this.gamma!.value, this.beta!.value, this.y!, this.xhat!, this.rstd!, rows, this.cols, this.epsilon);
    return this.y!;
  }

  // dγ = Σ dy·xhat, dβ = Σ dy; dx = rstd·(g − mean(g) − xhat·mean(g·xhat)), g = dy·γ
  backward(dy: Buf, ctx: StepContext): Buf | null {
    const rows = ctx.n * this.inputSize / this.cols;
    const dx = this.dx ?? this.scratch!;
    layerNormBackward(dy, this.xhat!, this.rstd!, this.gamma!.value, dx, this.gamma!.grad, this.beta!.grad, rows, this.cols);
    return this.dx;
  }

  output(): Buf | null {
    return this.y;
  }

  override params(): Param[] {
    return this.gamma && this.beta ? [this.gamma, this.beta] : [];
  }

  config(): Record<string, unknown> {
    return { epsilon: this.epsilon };
  }
}

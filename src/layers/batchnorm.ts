// Batch normalization (Ioffe & Szegedy 2015) over the last axis: per-channel statistics over
// every other axis of the batch. After Conv2D, x (n, h, w, c) is rows = n·h·w by cols = c;
// after Dense, x (n, f) is rows = n by cols = f. y = γ·(x − μ)/√(σ² + ε) + β.
// Training: μ, σ² are the batch mean and biased variance; the running statistics are updated
// as run = momentum·run + (1 − momentum)·batch, with the batch variance made unbiased
// (× rows/(rows − 1)), as PyTorch and Keras's fused (NHWC conv) path do. Inference: μ, σ²
// are the running statistics. They are not trained: stateTensors() exposes them to checkpoints.
// A frozen BatchNorm (trainable = false) runs in inference mode while the model trains, as
// Keras 2+: it normalizes with the running statistics and leaves them (and γ, β) as they are.
// x (rows, cols), γ β μ σ² (cols), y (rows, cols).
import { Buf, batchNormBackward, batchNormForwardInference, batchNormForwardTrain, checkPositiveF32, checkUnitF32 } from '../binding.js';
import type { Rng } from '../rng.js';
import { Layer, makeParam, type Param, type StateTensor, type StepContext, shapeStr, size } from './layer.js';

export interface BatchNormOptions {
  /** Weight of the old running statistics in each update (Keras default 0.99). */
  momentum?: number;
  /** Added to the variance (Keras default 1e-3). */
  epsilon?: number;
  inputShape?: number[];
}

export class BatchNorm extends Layer {
  readonly className = 'BatchNorm';
  readonly momentum: number;
  readonly epsilon: number;
  readonly declaredInputShape?: number[];
  private gamma: Param | null = null;
  private beta: Param | null = null;
  private movingMean: StateTensor | null = null;
  private movingVar: StateTensor | null = null;
  private mean: Buf | null = null;
  private invStd: Buf | null = null;
  private y: Buf | null = null;
  /** dx when the model needs no input gradient (the kernel always writes one). */
  private dxScratch: Buf | null = null;
  private x: Buf | null = null;
  private trainedForward = false;

  constructor(opts: BatchNormOptions = {}) {
    super();
    const momentum = opts.momentum ?? 0.99;
    const epsilon = opts.epsilon ?? 1e-3;
    checkUnitF32('gaaf: BatchNorm momentum', momentum);
    checkPositiveF32('gaaf: BatchNorm epsilon', epsilon); // added to the variance in float32
    this.momentum = momentum;
    this.epsilon = epsilon;
    this.declaredInputShape = opts.inputShape;
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    if (inputShape.length !== 1 && inputShape.length !== 3) {
      throw new RangeError(`gaaf: layer '${this.name}' (BatchNorm) expects input [features] (after Dense) or [height, width, channels] ` +
        `(after Conv2D), got shape ${shapeStr(inputShape)}`);
    }
    return inputShape;
  }

  /** Channels: the normalized axis. */
  get cols(): number {
    return this.inputShape[this.inputShape.length - 1];
  }

  /** Rows per sample: h·w after a convolution, 1 after Dense. */
  private get rowsPerSample(): number {
    return this.inputSize / this.cols;
  }

  override countParamsFor(inputShape: readonly number[]): number {
    return 2 * inputShape[inputShape.length - 1]; // gamma, beta
  }

  /** y, dx (or its scratch stand-in), and per-column running and batch statistics. */
  override activationFloatsFor(inputShape: readonly number[], batch: number): number {
    return 2 * batch * size(inputShape) + 4 * inputShape[inputShape.length - 1];
  }

  override build(inputShape: readonly number[], rng: Rng): void {
    super.build(inputShape, rng);
    const c = this.cols;
    const state = (what: string, v: number): StateTensor => {
      const t = { name: `${this.name}/${what}`, shape: [c], value: new Buf(c, 'f32', `${this.name}/${what}`) };
      t.value.fill(v);
      return t;
    };
    this.gamma = makeParam(this.name, 'gamma', [c], 1);
    this.beta = makeParam(this.name, 'beta', [c], 0);
    this.movingMean = state('moving_mean', 0);
    this.movingVar = state('moving_variance', 1);
    this.mean = new Buf(c, 'f32', `${this.name}/batch_mean`);
    this.invStd = new Buf(c, 'f32', `${this.name}/batch_inv_std`);
  }

  protected allocateOwn(batch: number): void {
    this.y = new Buf(batch * this.inputSize, 'f32', `${this.name}/y`);
    if (!this.dx) this.dxScratch = new Buf(batch * this.inputSize, 'f32', `${this.name}/dx (unused)`);
  }

  protected releaseOwn(): void {
    this.y?.free();
    this.dxScratch?.free();
    this.y = this.dxScratch = this.x = null;
  }

  forward(x: Buf, ctx: StepContext): Buf {
    const rows = ctx.n * this.rowsPerSample;
    const cols = this.cols;
    this.x = x;
    // frozen (trainable = false): inference mode, as Keras 2+, even while the model trains
    const training = ctx.training && this.trainable;
    this.trainedForward = training;
    if (!training) {
      batchNormForwardInference(x, this.gamma!.value, this.beta!.value, this.movingMean!.value, this.movingVar!.value, this.y!, rows, cols, this.epsilon);
      return this.y!;
    }
    batchNormForwardTrain(x, this.gamma!.value, this.beta!.value, this.y!, this.mean!, this.invStd!, rows, cols, this.epsilon);
    // running statistics, in float64 on views of the (cols) vectors
    const m = this.momentum;
    const bessel = rows > 1 ? rows / (rows - 1) : 1;
    const mean = this.mean!.view();
    const inv = this.invStd!.view();
    const rm = this.movingMean!.value.view();
    const rv = this.movingVar!.value.view();
    for (let j = 0; j < cols; j++) {
      const variance = Math.max(0, 1 / (inv[j] * inv[j]) - this.epsilon); // biased batch variance
      rm[j] = m * rm[j] + (1 - m) * mean[j];
      rv[j] = m * rv[j] + (1 - m) * variance * bessel;
    }
    return this.y!;
  }

  backward(dy: Buf, ctx: StepContext): Buf | null {
    const rows = ctx.n * this.rowsPerSample;
    const cols = this.cols;
    const dx = this.dx ?? this.dxScratch!;
    if (this.trainedForward) {
      batchNormBackward(this.x!, dy, this.gamma!.value, this.mean!, this.invStd!, dx, this.gamma!.grad, this.beta!.grad, rows, cols);
    } else {
      this.inferenceBackward(dy, dx, rows, cols);
    }
    return this.dx;
  }

  /**
   * Backward of the inference-mode forward, where μ and σ² are constants: dx = dy·γ/√(σ²+ε),
   * dγ = Σ dy·x̂, dβ = Σ dy. The path of gradient checks, input gradients of a trained model
   * and a frozen BatchNorm in training (whose dγ, dβ the optimizers skip); it runs in JS on
   * views, in float64 sums.
   */
  private inferenceBackward(dy: Buf, dx: Buf, rows: number, cols: number): void {
    const x = this.x!.view();
    const g = dy.view();
    const out = dx.view();
    const gamma = this.gamma!.value.view();
    const rm = this.movingMean!.value.view();
    const rv = this.movingVar!.value.view();
    const dgamma = new Float64Array(cols);
    const dbeta = new Float64Array(cols);
    const inv = Float64Array.from(rv, (v) => 1 / Math.sqrt(v + this.epsilon));
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      for (let j = 0; j < cols; j++) {
        const d = g[o + j];
        dgamma[j] += d * (x[o + j] - rm[j]) * inv[j];
        dbeta[j] += d;
        out[o + j] = d * gamma[j] * inv[j];
      }
    }
    this.gamma!.grad.write(dgamma);
    this.beta!.grad.write(dbeta);
  }

  output(): Buf | null {
    return this.y;
  }

  override params(): Param[] {
    return this.gamma && this.beta ? [this.gamma, this.beta] : [];
  }

  override stateTensors(): StateTensor[] {
    return this.movingMean && this.movingVar ? [this.movingMean, this.movingVar] : [];
  }

  override dispose(): void {
    super.dispose();
    this.mean?.free();
    this.invStd?.free();
  }

  config(): Record<string, unknown> {
    return { momentum: this.momentum, epsilon: this.epsilon };
  }
}

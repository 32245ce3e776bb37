// Depthwise 2-D convolution over NHWC samples (MobileNet's): each input channel is convolved
// with its own depthMultiplier filters, y = depthwiseConv(x, W) + b.
// x (n, h, w, c), W (kh, kw, c, m) as Keras/TF.js store it (so their weights load as they are),
// b (c·m), y (n, oh, ow, c·m) with output channel k·m + q from input channel k. Padding exactly as
// TF computes it (effective kernel k' = (k − 1)·d + 1): 'valid' oh = ceil((h − k' + 1)/stride);
// 'same' oh = ceil(h/stride), the odd padding row at the bottom and right. Keras's rule: strides > 1
// together with dilationRate > 1 is refused.
import {
  Buf, type DepthwiseGeom, depthwiseBackwardData, depthwiseBackwardFilter, depthwiseForward, depthwiseGeometry,
} from '../binding.js';
import { INITIALIZERS, initialize, type Initializer } from '../init.js';
import type { Rng } from '../rng.js';
import type { ActivationName } from './act-fn.js';
import { type Padding, checkStridesDilation, intPair } from './conv2d.js';
import { FusedLayer } from './fused.js';
import { makeParam, type StepContext, shapeStr, size } from './layer.js';

export interface DepthwiseConv2DOptions {
  /** Output channels per input channel (default 1). */
  depthMultiplier?: number;
  /** Step of the window in both directions (default 1). */
  strides?: number;
  /** 'valid' (default) or 'same', as TF computes them. */
  padding?: Padding;
  /** Spacing of the kernel's taps, d or [dh, dw] (default 1). Not with strides > 1. */
  dilationRate?: number | readonly [number, number];
  useBias?: boolean;
  /** Initializer of the depthwise kernel (Keras's name; default 'glorotUniform'). */
  depthwiseInitializer?: Initializer;
  /** Shape of one input sample [h, w, c], for the first layer of a model. */
  inputShape?: number[];
  /** φ applied to the convolution's output, by name (see Activation; default 'linear'). */
  activation?: ActivationName;
}

const KNOWN = ['depthMultiplier', 'strides', 'padding', 'dilationRate', 'useBias', 'depthwiseInitializer', 'inputShape', 'activation'];

export class DepthwiseConv2D extends FusedLayer {
  readonly className = 'DepthwiseConv2D';
  readonly kernelSize: readonly [number, number];
  readonly depthMultiplier: number;
  readonly strides: number;
  readonly padding: Padding;
  readonly dilationRate: readonly [number, number];
  readonly useBias: boolean;
  readonly depthwiseInitializer: Initializer;
  readonly declaredInputShape?: number[];
  private geom: DepthwiseGeom | null = null;

  constructor(kernelSize: number | readonly [number, number], opts: DepthwiseConv2DOptions = {}) {
    super('DepthwiseConv2D', opts, KNOWN);
    this.kernelSize = intPair('DepthwiseConv2D', 'kernelSize', kernelSize);
    const m = opts.depthMultiplier ?? 1;
    if (!Number.isInteger(m) || m < 1) throw new RangeError(`gaaf: DepthwiseConv2D depthMultiplier must be a positive integer, got ${m}`);
    const strides = opts.strides ?? 1;
    if (!Number.isInteger(strides) || strides < 1) throw new RangeError(`gaaf: DepthwiseConv2D strides must be a positive integer, got ${strides}`);
    this.dilationRate = intPair('DepthwiseConv2D', 'dilationRate', opts.dilationRate ?? 1);
    checkStridesDilation('DepthwiseConv2D', [strides, strides], this.dilationRate);
    const padding = opts.padding ?? 'valid';
    if (padding !== 'valid' && padding !== 'same') throw new RangeError(`gaaf: DepthwiseConv2D padding must be 'valid' or 'same', got '${String(padding)}'`);
    const init = opts.depthwiseInitializer ?? 'glorotUniform';
    if (!INITIALIZERS.includes(init)) throw new RangeError(`gaaf: DepthwiseConv2D depthwiseInitializer must be one of ${INITIALIZERS.join(', ')}, got '${init}'`);
    this.depthMultiplier = m;
    this.strides = strides;
    this.padding = padding;
    this.useBias = opts.useBias ?? true;
    this.depthwiseInitializer = init;
    this.declaredInputShape = opts.inputShape;
  }

  private geomFor(n: number, inputShape: readonly number[]): DepthwiseGeom {
    const [h, w, c] = inputShape;
    const [kh, kw] = this.kernelSize, [dh, dw] = this.dilationRate;
    return { n, h, w, c, m: this.depthMultiplier, kh, kw, stride: this.strides, dh, dw, padding: this.padding };
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    if (inputShape.length !== 3) {
      throw new RangeError(`gaaf: layer '${this.name}' (DepthwiseConv2D) expects input [height, width, channels], got shape ${shapeStr(inputShape)}` +
        (inputShape.length === 1 ? '; give the data image-shaped samples (e.g. [28, 28, 1]) instead of flat ones' : ''));
    }
    if (!inputShape.every((d) => Number.isInteger(d) && d >= 1)) {
      throw new RangeError(`gaaf: layer '${this.name}' (DepthwiseConv2D): input shape ${shapeStr(inputShape)} must hold positive integers`);
    }
    const [kh, kw] = this.kernelSize, [dh, dw] = this.dilationRate;
    const eh = (kh - 1) * dh + 1, ew = (kw - 1) * dw + 1;
    if (this.padding === 'valid' && (eh > inputShape[0] || ew > inputShape[1])) {
      const dil = dh === 1 && dw === 1 ? '' : ` dilated by [${dh}, ${dw}] (${eh}×${ew})`;
      throw new RangeError(`gaaf: layer '${this.name}' (DepthwiseConv2D): a ${kh}×${kw}${dil} 'valid' kernel does not fit input ${shapeStr(inputShape)}`);
    }
    const g = depthwiseGeometry(this.geomFor(1, inputShape));
    return [g.oh, g.ow, g.C];
  }

  override countParamsFor(inputShape: readonly number[]): number {
    const [kh, kw] = this.kernelSize;
    const C = inputShape[2] * this.depthMultiplier;
    return kh * kw * C + (this.useBias ? C : 0);
  }

  /** dx, y, and z and dz when an activation follows (no workspace). */
  override activationFloatsFor(inputShape: readonly number[], batch: number): number {
    const out = size(this.computeOutputShape(inputShape));
    return batch * (size(inputShape) + (this.act.identity ? 1 : 3) * out);
  }

  override build(inputShape: readonly number[], rng: Rng): void {
    super.build(inputShape, rng);
    const [kh, kw] = this.kernelSize;
    const c = inputShape[2], m = this.depthMultiplier;
    // fan-in and fan-out as Keras counts them for a (kh, kw, c, m) kernel
    const w = new Float32Array(kh * kw * c * m);
    initialize(w, this.depthwiseInitializer, kh * kw * c, kh * kw * m, rng);
    this.kernel = makeParam(this.name, 'depthwise_kernel', [kh, kw, c, m], w);
    if (this.useBias) this.bias = makeParam(this.name, 'bias', [c * m], 0);
  }

  protected allocateOwn(batch: number): void {
    this.geom = this.geomFor(batch, this.inputShape);
    this.allocateOutputs(batch * this.outputSize);
  }

  protected releaseOwn(): void {
    this.releaseOutputs();
    this.geom = null;
  }

  // y (n, oh, ow, c·m) = depthwiseConv(x (n, h, w, c), W (kh, kw, c, m)) + b (c·m)
  forward(x: Buf, ctx: StepContext): Buf {
    this.x = x;
    const g = this.geom!;
    g.n = ctx.n;
    depthwiseForward(x, this.kernel!.value, this.bias?.value ?? null, this.preActivation, g);
    return this.activate(ctx.n * this.outputSize, this.outputShape[2]);
  }

  // dW (kh, kw, c, m) and db (c·m) from x and dy; dx (n, h, w, c) = depthwiseConvᵀ(dy, W)
  backward(dyIn: Buf, ctx: StepContext): Buf | null {
    const g = this.geom!;
    g.n = ctx.n;
    const dy = this.activationGrad(dyIn, ctx.n * this.outputSize, this.outputShape[2]); // dz = dy·φ'(z): the convolution's backward passes take it
    depthwiseBackwardFilter(this.x!, dy, this.kernel!.grad, this.bias?.grad ?? null, g);
    if (!this.dx) return null;
    depthwiseBackwardData(dy, this.kernel!.value, this.dx, g);
    return this.dx;
  }

  config(): Record<string, unknown> {
    return {
      kernelSize: [...this.kernelSize], depthMultiplier: this.depthMultiplier, strides: this.strides, padding: this.padding,
      dilationRate: [...this.dilationRate], useBias: this.useBias, depthwiseInitializer: this.depthwiseInitializer,
      ...this.activationConfig(),
    };
  }
}

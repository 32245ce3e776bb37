// 2-D convolution over NHWC samples: y = conv(x, W) + b.
// x (n, h, w, c), W (kh, kw, c, oc) as Keras stores it, b (oc), y (n, oh, ow, oc), dilation
// (dh, dw) (Keras's dilationRate: tap (ky, kx) reads x at ky·dh, kx·dw from the window's corner,
// an effective kernel k' = (k − 1)·d + 1), oh = floor((h + 2·pad − k'h) / stride) + 1 (likewise
// ow). 'valid': pad 0. 'same': pad (k' − 1)/2 on every side (odd square effective kernels only),
// so oh = ceil(h / stride). With stride 1 (always, with dilation: Keras refuses strides > 1
// together with dilation > 1, and so do we) this is exactly Keras/TF 'same'; with stride > 1 TF
// puts the odd padding row at the bottom and right only, we pad evenly: same output size,
// windows shifted by one pixel.
import { Buf, type ConvGeom, conv2dBackwardData, conv2dBackwardFilter, conv2dForward, conv2dWorkspaceLength, convOutSize } from '../binding.js';
import { INITIALIZERS, initialize, type Initializer } from '../init.js';
import type { Rng } from '../rng.js';
import type { ActivationName } from './act-fn.js';
import { FusedLayer } from './fused.js';
import { makeParam, type StepContext, shapeStr, size } from './layer.js';

export type Padding = 'valid' | 'same';

export interface Conv2DOptions {
  /** Step of the window in both directions (default 1). */
  strides?: number;
  /** Spacing of the kernel's taps, d or [dh, dw] (default 1; Keras's dilationRate). Not with strides > 1. */
  dilationRate?: number | readonly [number, number];
  padding?: Padding;
  useBias?: boolean;
  kernelInitializer?: Initializer;
  /** Shape of one input sample [h, w, c], for the first layer of a model. */
  inputShape?: number[];
  /** φ applied to the convolution's output, by name (see Activation; default 'linear'). */
  activation?: ActivationName;
}

const KNOWN = ['strides', 'dilationRate', 'padding', 'useBias', 'kernelInitializer', 'inputShape', 'activation'];

const posInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 1;

/** A positive integer or a pair of them (kernelSize, dilationRate) as [a, b], or a RangeError naming the layer and option. */
export function intPair(cls: string, option: string, v: unknown): [number, number] {
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every(posInt)) {
    throw new RangeError(`gaaf: ${cls} ${option} must be a positive integer or a pair of them [a, b], got ${JSON.stringify(v)}`);
  }
  return [p[0] as number, p[1] as number];
}

/** Keras's rule: strides > 1 and dilationRate > 1 together are refused. */
export function checkStridesDilation(cls: string, strides: readonly number[], dilation: readonly number[]): void {
  if (strides.some((s) => s > 1) && dilation.some((d) => d > 1)) {
    throw new RangeError(`gaaf: ${cls}: strides > 1 together with dilationRate > 1 is not supported (Keras refuses it too), ` +
      `got strides ${JSON.stringify(strides.length === 2 && strides[0] === strides[1] ? strides[0] : strides)} and dilationRate [${dilation.join(', ')}]`);
  }
}

export class Conv2D extends FusedLayer {
  readonly className = 'Conv2D';
  readonly filters: number;
  readonly kernelSize: readonly [number, number];
  readonly strides: number;
  readonly dilationRate: readonly [number, number];
  readonly padding: Padding;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly declaredInputShape?: number[];
  private geom: ConvGeom | null = null;
  private work: Buf | null = null;

  constructor(filters: number, kernelSize: number | readonly [number, number], opts: Conv2DOptions = {}) {
    super('Conv2D', opts, KNOWN);
    if (!posInt(filters)) throw new RangeError(`gaaf: Conv2D filters must be a positive integer, got ${filters}`);
    const ks = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
    if (!Array.isArray(ks) || ks.length !== 2 || !ks.every(posInt)) {
      throw new RangeError(`gaaf: Conv2D kernelSize must be a positive integer or [kh, kw], got ${JSON.stringify(kernelSize)}`);
    }
    const strides = opts.strides ?? 1;
    if (!posInt(strides)) throw new RangeError(`gaaf: Conv2D strides must be a positive integer, got ${strides}`);
    const dil = intPair('Conv2D', 'dilationRate', opts.dilationRate ?? 1);
    checkStridesDilation('Conv2D', [strides, strides], dil);
    const padding = opts.padding ?? 'valid';
    if (padding !== 'valid' && padding !== 'same') throw new RangeError(`gaaf: Conv2D padding must be 'valid' or 'same', got '${padding as string}'`);
    const eh = (ks[0] - 1) * dil[0] + 1, ew = (ks[1] - 1) * dil[1] + 1; // the effective (dilated) kernel
    if (padding === 'same' && (eh !== ew || eh % 2 === 0)) {
      const what = dil[0] === 1 && dil[1] === 1 ? `${ks[0]}×${ks[1]}` : `${ks[0]}×${ks[1]} dilated by [${dil.join(', ')}] (${eh}×${ew})`;
      throw new RangeError(`gaaf: Conv2D padding 'same' needs an odd square kernel (pads (k−1)/2 on every side), got ${what}`);
    }
    this.dilationRate = dil;
    const init = opts.kernelInitializer ?? 'glorotUniform';
    if (!INITIALIZERS.includes(init)) throw new RangeError(`gaaf: Conv2D kernelInitializer must be one of ${INITIALIZERS.join(', ')}, got '${init}'`);
    this.filters = filters;
    this.kernelSize = [ks[0], ks[1]];
    this.strides = strides;
    this.padding = padding;
    this.useBias = opts.useBias ?? true;
    this.kernelInitializer = init;
    this.declaredInputShape = opts.inputShape;
  }

  private get pad(): number {
    return this.padding === 'same' ? ((this.kernelSize[0] - 1) * this.dilationRate[0]) / 2 : 0;
  }

  private geomFor(n: number, h: number, w: number, c: number): ConvGeom {
    const [kh, kw] = this.kernelSize, [dh, dw] = this.dilationRate;
    return { n, h, w, c, oc: this.filters, kh, kw, stride: this.strides, pad: this.pad, dh, dw };
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    const [kh, kw] = this.kernelSize;
    if (inputShape.length !== 3) {
      throw new RangeError(`gaaf: layer '${this.name}' (Conv2D) expects input [height, width, channels], got shape ${shapeStr(inputShape)}` +
        (inputShape.length === 1 ? '; give the data image-shaped samples (e.g. [28, 28, 1]) instead of flat ones' : ''));
    }
    const [h, w] = inputShape;
    const [dh, dw] = this.dilationRate;
    const eh = (kh - 1) * dh + 1, ew = (kw - 1) * dw + 1;
    if (h + 2 * this.pad < eh || w + 2 * this.pad < ew) {
      const dil = dh === 1 && dw === 1 ? '' : ` dilated by [${dh}, ${dw}] (${eh}×${ew})`;
      throw new RangeError(`gaaf: layer '${this.name}' (Conv2D): a ${kh}×${kw}${dil} '${this.padding}' kernel does not fit input ${shapeStr(inputShape)}`);
    }
    return [convOutSize(h, kh, this.strides, this.pad, dh), convOutSize(w, kw, this.strides, this.pad, dw), this.filters];
  }

  override countParamsFor(inputShape: readonly number[]): number {
    const [kh, kw] = this.kernelSize;
    return kh * kw * inputShape[2] * this.filters + (this.useBias ? this.filters : 0);
  }

  /** dx, y and the im2col/GEMM workspace. */
  override activationFloatsFor(inputShape: readonly number[], batch: number): number {
    const [h, w, c] = inputShape;
    const g = this.geomFor(batch, h, w, c);
    const out = size(this.computeOutputShape(inputShape));
    return batch * (size(inputShape) + (this.act.identity ? 1 : 3) * out) + conv2dWorkspaceLength(g);
  }

  override build(inputShape: readonly number[], rng: Rng): void {
    super.build(inputShape, rng);
    const [kh, kw] = this.kernelSize;
    const c = inputShape[2];
    const oc = this.filters;
    // fan-in and fan-out as Keras counts them for a conv kernel
    const w = new Float32Array(kh * kw * c * oc);
    initialize(w, this.kernelInitializer, kh * kw * c, kh * kw * oc, rng);
    this.kernel = makeParam(this.name, 'kernel', [kh, kw, c, oc], w);
    if (this.useBias) this.bias = makeParam(this.name, 'bias', [oc], 0);
  }

  protected allocateOwn(batch: number): void {
    const [h, w, c] = this.inputShape;
    this.geom = this.geomFor(batch, h, w, c);
    this.allocateOutputs(batch * this.outputSize);
    this.work = new Buf(conv2dWorkspaceLength(this.geom), 'f32', `${this.name}/workspace`);
  }

  protected releaseOwn(): void {
    this.releaseOutputs();
    this.work?.free();
    this.work = null;
    this.geom = null;
  }

  // y (n, oh, ow, oc) = conv(x (n, h, w, c), W (kh, kw, c, oc)) + b (oc)
  forward(x: Buf, ctx: StepContext): Buf {
    this.x = x;
    const g = this.geom!;
    g.n = ctx.n; // ≤ the batch capacity the workspace was sized for
    conv2dForward(x, this.kernel!.value, this.bias?.value ?? null, this.preActivation, g, this.work!);
    return this.activate(ctx.n * this.outputSize, this.filters);
  }

  // dW (kh, kw, c, oc) and db (oc) from x and dy; dx (n, h, w, c) = convᵀ(dy, W)
  backward(dyIn: Buf, ctx: StepContext): Buf | null {
    const g = this.geom!;
    g.n = ctx.n;
    const dy = this.activationGrad(dyIn, ctx.n * this.outputSize, this.filters); // dz = dy·φ'(z): the convolution's backward passes take it
    conv2dBackwardFilter(this.x!, dy, this.kernel!.grad, this.bias?.grad ?? null, g, this.work!);
    if (!this.dx) return null;
    conv2dBackwardData(dy, this.kernel!.value, this.dx, g, this.work!);
    return this.dx;
  }

  config(): Record<string, unknown> {
    return {
      filters: this.filters, kernelSize: [...this.kernelSize], strides: this.strides,
      ...(this.dilationRate[0] === 1 && this.dilationRate[1] === 1 ? {} : { dilationRate: [...this.dilationRate] }),
      padding: this.padding,
      useBias: this.useBias, kernelInitializer: this.kernelInitializer,
      ...this.activationConfig(),
    };
  }
}

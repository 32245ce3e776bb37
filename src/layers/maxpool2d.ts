// 2-D max pooling over NHWC samples, 'valid' windows or 'same' padding (Keras's rules; padding
// is never a maximum). x (n, h, w, c), y (n, oh, ow, c), argmax (n, oh, ow, c) i32: the index in
// x of each maximum, kept by the forward pass for the backward one. valid: oh = floor((h − k) /
// stride) + 1; same: oh = ceil(h / stride) (likewise ow).
import { Buf, type PoolGeom, maxPoolBackward, maxPoolForward, poolOutGeom } from '../binding.js';
import type { Padding } from './conv2d.js';
import { Layer, type StepContext, shapeStr, checkLayerOptions } from './layer.js';

export interface MaxPool2DOptions {
  /** Step of the window (default: the pool size, non-overlapping windows). */
  strides?: number;
  /** 'valid' (default): whole windows only; 'same': oh = ceil(h / strides), windows clipped at the border. */
  padding?: Padding;
  inputShape?: number[];
}

export class MaxPool2D extends Layer {
  readonly className = 'MaxPool2D';
  readonly poolSize: number;
  readonly strides: number;
  readonly padding: Padding;
  readonly declaredInputShape?: number[];
  private geom: PoolGeom | null = null;
  private y: Buf | null = null;
  private argmax: Buf | null = null;

  constructor(poolSize = 2, opts: MaxPool2DOptions = {}) {
    super();
    checkLayerOptions('MaxPool2D', opts, ['strides', 'padding', 'inputShape']);
    if (!Number.isInteger(poolSize) || poolSize < 1) throw new RangeError(`gaaf: MaxPool2D poolSize must be a positive integer, got ${poolSize}`);
    const strides = opts.strides ?? poolSize;
    if (!Number.isInteger(strides) || strides < 1) throw new RangeError(`gaaf: MaxPool2D strides must be a positive integer, got ${strides}`);
    this.poolSize = poolSize;
    this.strides = strides;
    const padding = opts.padding ?? 'valid';
    if (padding !== 'valid' && padding !== 'same') throw new RangeError(`gaaf: MaxPool2D padding must be 'valid' or 'same', got '${String(padding)}'`);
    this.padding = padding;
    this.declaredInputShape = opts.inputShape;
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    if (inputShape.length !== 3) {
      throw new RangeError(`gaaf: layer '${this.name}' (MaxPool2D) expects input [height, width, channels], got shape ${shapeStr(inputShape)}`);
    }
    const [h, w, c] = inputShape;
    const k = this.poolSize;
    if (this.padding === 'valid' && (h < k || w < k)) throw new RangeError(`gaaf: layer '${this.name}' (MaxPool2D): a ${k}×${k} window does not fit input ${shapeStr(inputShape)}`);
    const g = poolOutGeom(h, w, k, this.strides, this.padding);
    return [g.oh, g.ow, c];
  }

  protected allocateOwn(batch: number): void {
    const [h, w, c] = this.inputShape;
    this.geom = { n: batch, h, w, c, k: this.poolSize, stride: this.strides, padding: this.padding };
    this.y = new Buf(batch * this.outputSize, 'f32', `${this.name}/y`);
    this.argmax = new Buf(batch * this.outputSize, 'i32', `${this.name}/argmax`);
  }

  protected releaseOwn(): void {
    this.y?.free();
    this.argmax?.free();
    this.y = this.argmax = null;
    this.geom = null;
  }

  forward(x: Buf, ctx: StepContext): Buf {
    const g = this.geom!;
    g.n = ctx.n;
    maxPoolForward(x, this.y!, this.argmax!, g);
    return this.y!;
  }

  // dx is zero except at each window's maximum, which receives that window's dy
  backward(dy: Buf, ctx: StepContext): Buf | null {
    if (!this.dx) return null;
    const g = this.geom!;
    g.n = ctx.n;
    maxPoolBackward(dy, this.argmax!, this.dx, g);
    return this.dx;
  }

  output(): Buf | null {
    return this.y;
  }

  config(): Record<string, unknown> {
    // padding only when 'same': configs saved before the option stay the same
    return this.padding === 'same' ? { poolSize: this.poolSize, strides: this.strides, padding: 'same' } : { poolSize: this.poolSize, strides: this.strides };
  }
}

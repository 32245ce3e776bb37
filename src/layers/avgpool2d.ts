// 2-D average pooling over NHWC samples, 'valid' or 'same' padding (Keras's rules; padded taps
// are not counted in the mean, as in TF). x (n, h, w, c), y (n, oh, ow, c);
// valid: oh = floor((h − k) / stride) + 1; same: oh = ceil(h / stride) (likewise ow).
import { Buf, type AvgPoolGeom, avgPoolBackward, avgPoolForward, poolOutGeom } from '../binding.js';
import type { Padding } from './conv2d.js';
import { Layer, type StepContext, shapeStr, size, checkLayerOptions } from './layer.js';

export interface AveragePooling2DOptions {
  /** Step of the window (default: the pool size, non-overlapping windows). */
  strides?: number;
  /** 'valid' (default): whole windows only; 'same': oh = ceil(h / strides), windows clipped at the border. */
  padding?: Padding;
  inputShape?: number[];
}

export class AveragePooling2D extends Layer {
  readonly className = 'AveragePooling2D';
  readonly poolSize: number;
  readonly strides: number;
  readonly padding: Padding;
  readonly declaredInputShape?: number[];
  private geom: AvgPoolGeom | null = null;
  private y: Buf | null = null;

  constructor(poolSize = 2, opts: AveragePooling2DOptions = {}) {
    super();
    checkLayerOptions('AveragePooling2D', opts, ['strides', 'padding', 'inputShape']);
    if (!Number.isInteger(poolSize) || poolSize < 1) throw new RangeError(`gaaf: AveragePooling2D poolSize must be a positive integer, got ${poolSize}`);
    const strides = opts.strides ?? poolSize;
    if (!Number.isInteger(strides) || strides < 1) throw new RangeError(`gaaf: AveragePooling2D strides must be a positive integer, got ${strides}`);
    const padding = opts.padding ?? 'valid';
    if (padding !== 'valid' && padding !== 'same') throw new RangeError(`gaaf: AveragePooling2D padding must be 'valid' or 'same', got '${String(padding)}'`);
    this.poolSize = poolSize;
    this.strides = strides;
    this.padding = padding;
    this.declaredInputShape = opts.inputShape;
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    if (inputShape.length !== 3) {
      throw new RangeError(`gaaf: layer '${this.name}' (AveragePooling2D) expects input [height, width, channels], got shape ${shapeStr(inputShape)}`);
    }
    const [h, w, c] = inputShape;
    const k = this.poolSize;
    if (this.padding === 'valid' && (h < k || w < k)) {
      throw new RangeError(`gaaf: layer '${this.name}' (AveragePooling2D): a ${k}×${k} 'valid' window does not fit input ${shapeStr(inputShape)}`);
    }
    const g = poolOutGeom(h, w, k, this.strides, this.padding);
    return [g.oh, g.ow, c];
  }

  /** dx and y only. */
  override activationFloatsFor(inputShape: readonly number[], batch: number): number {
    return batch * (size(inputShape) + size(this.computeOutputShape(inputShape)));
  }

  protected allocateOwn(batch: number): void {
    const [h, w, c] = this.inputShape;
    this.geom = { n: batch, h, w, c, k: this.poolSize, stride: this.strides, padding: this.padding };
    this.y = new Buf(batch * this.outputSize, 'f32', `${this.name}/y`);
  }

  protected releaseOwn(): void {
    this.y?.free();
    this.y = null;
    this.geom = null;
  }

  forward(x: Buf, ctx: StepContext): Buf {
    const g = this.geom!;
    g.n = ctx.n;
    avgPoolForward(x, this.y!, g);
    return this.y!;
  }

  // each window's dy is shared equally by its (in-bounds) taps
  backward(dy: Buf, ctx: StepContext): Buf | null {
    if (!this.dx) return null;
    const g = this.geom!;
    g.n = ctx.n;
    avgPoolBackward(dy, this.dx, g);
    return this.dx;
  }

  output(): Buf | null {
    return this.y;
  }

  config(): Record<string, unknown> {
    return { poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
}

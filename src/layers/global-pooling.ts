// Global pooling over NHWC samples: each channel reduced over all h·w positions.
// x (n, h, w, c) → y (n, c). Average: y = mean over positions; Max: y = max over positions, with
// argmax (n, c) i32 (the index in x of each maximum) kept by the forward pass for the backward one.
import {
  Buf, globalAvgPoolBackward, globalAvgPoolForward, globalMaxPoolBackward, globalMaxPoolForward,
} from '../binding.js';
import { Layer, type StepContext, shapeStr } from './layer.js';

export interface GlobalPoolingOptions {
  inputShape?: number[];
}

function checkOptions(cls: string, opts: GlobalPoolingOptions): void {
  if (opts === null || typeof opts !== 'object') throw new TypeError(`gaaf: ${cls} options must be an object`);
  for (const k of Object.keys(opts)) {
    if (k !== 'inputShape') throw new RangeError(`gaaf: ${cls}: unknown option '${k}' (known: inputShape)`);
  }
}

abstract class GlobalPooling2D extends Layer {
  readonly declaredInputShape?: number[];
  protected y: Buf | null = null;

  constructor(cls: string, opts: GlobalPoolingOptions) {
    super();
    checkOptions(cls, opts);
    this.declaredInputShape = opts.inputShape;
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    if (inputShape.length !== 3 || inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new RangeError(`gaaf: layer '${this.name}' (${this.className}) expects input [height, width, channels], got shape ${shapeStr(inputShape)}`);
    }
    return [inputShape[2]];
  }

  protected get hw(): number {
    return this.inputShape[0] * this.inputShape[1];
  }

  protected get c(): number {
    return this.inputShape[2];
  }

  output(): Buf | null {
    return this.y;
  }

  config(): Record<string, unknown> {
    return {};
  }
}

/** y (n, c) = the mean of x (n, h, w, c) over its h·w positions, per channel. */
export class GlobalAveragePooling2D extends GlobalPooling2D {
  readonly className = 'GlobalAveragePooling2D';

  constructor(opts: GlobalPoolingOptions = {}) {
    super('GlobalAveragePooling2D', opts);
  }

  protected allocateOwn(batch: number): void {
    this.y = new Buf(batch * this.outputSize, 'f32', `${this.name}/y`);
  }

  protected releaseOwn(): void {
    this.y?.free();
    this.y = null;
  }

  // only dx and y: no cache
  override activationFloatsFor(inputShape: readonly number[], batch: number): number {
    return batch * (inputShape.reduce((a, b) => a * b, 1) + inputShape[2]);
  }

  forward(x: Buf, ctx: StepContext): Buf {
    globalAvgPoolForward(x, this.y!, ctx.n, this.hw, this.c);
    return this.y!;
  }

  // every position of a channel gets that channel's dy / (h·w)
  backward(dy: Buf, ctx: StepContext): Buf | null {
    if (!this.dx) return null;
    globalAvgPoolBackward(dy, this.dx, ctx.n, this.hw, this.c);
    return this.dx;
  }
}

/** y (n, c) = the maximum of x (n, h, w, c) over its h·w positions, per channel (NaN propagates). */
export class GlobalMaxPooling2D extends GlobalPooling2D {
  readonly className = 'GlobalMaxPooling2D';
  private argmax: Buf | null = null;

  constructor(opts: GlobalPoolingOptions = {}) {
    super('GlobalMaxPooling2D', opts);
  }

  protected allocateOwn(batch: number): void {
    this.y = new Buf(batch * this.outputSize, 'f32', `${this.name}/y`);
    this.argmax = new Buf(batch * this.outputSize, 'i32', `${this.name}/argmax`);
  }

  protected releaseOwn(): void {
    this.y?.free();
    this.argmax?.free();
    this.y = this.argmax = null;
  }

  forward(x: Buf, ctx: StepContext): Buf {
    globalMaxPoolForward(x, this.y!, this.argmax!, ctx.n, this.hw, this.c);
    return this.y!;
  }

  // dx is zero except at each channel's maximum, which receives that channel's dy
  backward(dy: Buf, ctx: StepContext): Buf | null {
    if (!this.dx) return null;
    globalMaxPoolBackward(dy, this.argmax!, this.dx, ctx.n, this.hw, this.c);
    return this.dx;
  }
}

// Elementwise activation: y = φ(x), or with GAAF y = φ(x) + g(x)·s(x) (see ../gaaf.ts); softmax
// normalises over the last axis. x (n, size), y (n, size). The names: ./act-fn.ts.
import { Buf } from '../binding.js';
import type { GaafOptions, GaafParams } from '../gaaf.js';
import { ActFn, type ActivationName } from './act-fn.js';
import { Layer, type StepContext } from './layer.js';

export interface ActivationOptions {
  /** true for the default GAAF shape of this activation, or explicit parameters: {K, c} (tanh, sigmoid), {K, a, b} (the others; none for linear, softplus, softmax). */
  gaaf?: boolean | GaafOptions;
  /** leakyRelu: the slope for x ≤ 0 (default 0.3); elu: α (default 1). */
  alpha?: number;
  inputShape?: number[];
}

const KNOWN = ['gaaf', 'alpha', 'inputShape'];

export class Activation extends Layer {
  readonly className = 'Activation';
  readonly kind: ActivationName;
  readonly fn: ActFn;
  readonly declaredInputShape?: number[];
  private x: Buf | null = null;
  private y: Buf | null = null;

  constructor(kind: ActivationName, opts: ActivationOptions = {}) {
    super();
    if (opts === null || typeof opts !== 'object') throw new TypeError('gaaf: Activation options must be an object');
    for (const k of Object.keys(opts)) {
      if (!KNOWN.includes(k)) throw new RangeError(`gaaf: Activation: unknown option '${k}' (known: ${KNOWN.join(', ')})`);
    }
    this.fn = new ActFn(kind, { alpha: opts.alpha, gaaf: opts.gaaf }, 'Activation');
    this.kind = this.fn.name;
    this.declaredInputShape = opts.inputShape;
  }

  get gaaf(): GaafParams | null {
    return this.fn.gaaf;
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    return inputShape;
  }

  protected allocateOwn(batch: number): void {
    this.y = new Buf(batch * this.inputSize, 'f32', `${this.name}/y`);
  }

  protected releaseOwn(): void {
    this.y?.free();
    this.y = null;
    this.x = null;
  }

  private get cols(): number {
    return this.inputShape[this.inputShape.length - 1];
  }

  forward(x: Buf, ctx: StepContext): Buf {
    this.x = x;
    this.fn.forward(x, this.y!, ctx.n * this.inputSize, this.cols);
    return this.y!;
  }

  backward(dy: Buf, ctx: StepContext): Buf | null {
    if (!this.dx) return null;
    this.fn.backward(this.x!, this.y!, dy, this.dx, ctx.n * this.inputSize, this.cols);
    return this.dx;
  }

  output(): Buf | null {
    return this.y;
  }

  /** The net values z fed to φ in the last forward call (the paper's "net"). */
  input(): Buf | null {
    return this.x;
  }

  config(): Record<string, unknown> {
    const o = this.fn.options();
    const c: Record<string, unknown> = { activation: this.kind, gaaf: o.gaaf ?? false };
    if (o.alpha !== undefined) c.alpha = o.alpha;
    return c;
  }
}

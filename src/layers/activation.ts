// Elementwise activation: y = φ(x), or with GAAF y = φ(x) + g(x)·s(x) (see ../gaaf.ts).
// x (n, size), y (n, size).
import { ACT_KINDS, type ActKind, Buf, actBackward, actForward, gaafBackward, gaafForward } from '../binding.js';
import { type GaafOptions, type GaafParams, resolveGaaf } from '../gaaf.js';
import { Layer, type StepContext } from './layer.js';

export interface ActivationOptions {
  /** true for the default GAAF shape of this activation, or explicit parameters. */
  gaaf?: boolean | GaafOptions;
  inputShape?: number[];
}

export class Activation extends Layer {
  readonly className = 'Activation';
  readonly kind: ActKind;
  readonly gaaf: GaafParams | null;
  readonly declaredInputShape?: number[];
  private x: Buf | null = null;
  private y: Buf | null = null;

  constructor(kind: ActKind, opts: ActivationOptions = {}) {
    super();
    if (!(ACT_KINDS as readonly string[]).includes(kind)) {
      throw new RangeError(`gaaf: unknown activation '${kind}' (expected ${ACT_KINDS.join(', ')})`);
    }
    this.kind = kind;
    this.gaaf = opts.gaaf ? resolveGaaf(kind, opts.gaaf) : null;
    this.declaredInputShape = opts.inputShape;
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

  forward(x: Buf, ctx: StepContext): Buf {
    const n = ctx.n * this.inputSize;
    this.x = x;
    const g = this.gaaf;
    if (g) gaafForward(this.kind, x, this.y!, n, g.K, g.p1, g.p2);
    else actForward(this.kind, x, this.y!, n);
    return this.y!;
  }

  backward(dy: Buf, ctx: StepContext): Buf | null {
    if (!this.dx) return null;
    const n = ctx.n * this.inputSize;
    const g = this.gaaf;
    if (g) gaafBackward(this.kind, this.x!, dy, this.dx, n, g.p1, g.p2);
    else actBackward(this.kind, this.x!, this.y!, dy, this.dx, n);
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
    const g = this.gaaf;
    const gaaf: GaafOptions | false = !g ? false : g.shape === 'bell' ? { K: g.K, c: g.p1 } : { K: g.K, a: g.p1, b: g.p2 };
    return { activation: this.kind, gaaf };
  }
}

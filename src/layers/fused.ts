// The base of the layers with weights and a fused activation (Keras's `activation` option):
// Dense, Conv2D and DepthwiseConv2D. Each computes z = op(x; kernel, bias) and y = φ(z); with
// the identity φ the op writes y itself and z, dz are not allocated.
//   x (n, in…) the input, kept for the backward pass; z, y, dz (n, out…).
import { Buf } from '../binding.js';
import { ActFn, type ActivationName } from './act-fn.js';
import { Layer, type Param, checkLayerOptions } from './layer.js';

export abstract class FusedLayer extends Layer {
  readonly act: ActFn;
  protected kernel: Param | null = null;
  protected bias: Param | null = null;
  protected x: Buf | null = null;
  protected y: Buf | null = null;
  protected z: Buf | null = null;
  protected dz: Buf | null = null;

  /** Checks `opts` against `known` (an unknown option names `cls`), then the activation. */
  constructor(cls: string, opts: { activation?: ActivationName }, known: readonly string[]) {
    super();
    checkLayerOptions(cls, opts, known);
    this.act = new ActFn(opts.activation ?? 'linear', {}, `${cls} activation`);
  }

  /** y, and with an activation z and dz, of `count` floats each. */
  protected allocateOutputs(count: number): void {
    this.y = new Buf(count, 'f32', `${this.name}/y`);
    if (!this.act.identity) {
      this.z = new Buf(count, 'f32', `${this.name}/z`);
      this.dz = new Buf(count, 'f32', `${this.name}/dz`);
    }
  }

  /** Frees y, z and dz, and lets go of x. */
  protected releaseOutputs(): void {
    this.y?.free();
    this.z?.free();
    this.dz?.free();
    this.y = this.z = this.dz = this.x = null;
  }

  /** Where the op writes: z with an activation, y without. */
  protected get preActivation(): Buf {
    return this.z ?? this.y!;
  }

  /** y = φ(z) over `count` elements with `channels` in the last axis; returns y. */
  protected activate(count: number, channels: number): Buf {
    if (this.z) this.act.forward(this.z, this.y!, count, channels);
    return this.y!;
  }

  /** dz = dy·φ'(z) over `count` elements; returns the gradient the op's backward passes take (dz, or dy itself). */
  protected activationGrad(dy: Buf, count: number, channels: number): Buf {
    if (!this.z) return dy;
    this.act.backward(this.z, this.y!, dy, this.dz!, count, channels);
    return this.dz!;
  }

  output(): Buf | null {
    return this.y;
  }

  override params(): Param[] {
    const p: Param[] = [];
    if (this.kernel) p.push(this.kernel);
    if (this.bias) p.push(this.bias);
    return p;
  }

  /** The activation's config entry: absent for linear (configs saved before the option stay the same). */
  protected activationConfig(): { activation?: ActivationName } {
    return this.act.identity ? {} : { activation: this.act.name };
  }
}

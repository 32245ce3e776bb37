// Inverted dropout (Srivastava et al. 2014): in training y = x·mask with mask ∈ {0, 1/(1−p)};
// at inference y = x. Masks come from a counter-based hash of (seed, stream, element), where
// the stream is derived from the layer's position and the training step, so a run's masks
// are fixed by its seed and can be regenerated at any step (bit-exact resume).
// x (n, size), y (n, size), mask (n, size).
import { Buf, checkUnitF32, copy, dropoutBackward, dropoutForward } from '../binding.js';
import { deriveSeed } from '../rng.js';
import { Layer, type StepContext } from './layer.js';

export class Dropout extends Layer {
  readonly className = 'Dropout';
  readonly rate: number;
  private y: Buf | null = null;
  private mask: Buf | null = null;
  private last: Buf | null = null;
  private active = false;

  constructor(rate: number) {
    super();
    checkUnitF32('gaaf: Dropout rate', rate); // the kernel scales by 1/(1 − rate) in float32
    this.rate = rate;
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    return inputShape;
  }

  protected allocateOwn(batch: number): void {
    this.y = new Buf(batch * this.inputSize, 'f32', `${this.name}/y`);
    this.mask = new Buf(batch * this.inputSize, 'f32', `${this.name}/mask`);
  }

  protected releaseOwn(): void {
    this.y?.free();
    this.mask?.free();
    this.y = this.mask = this.last = null;
  }

  forward(x: Buf, ctx: StepContext): Buf {
    this.active = ctx.training && this.rate > 0;
    if (!this.active) {
      this.last = x;
      return x;
    }
    const n = ctx.n * this.inputSize;
    dropoutForward(x, this.y!, this.mask!, n, this.rate, deriveSeed(ctx.seed, 0x64726f70, this.index), ctx.step);
    this.last = this.y;
    return this.y!;
  }

  backward(dy: Buf, ctx: StepContext): Buf | null {
    if (!this.dx) return null;
    const n = ctx.n * this.inputSize;
    if (this.active) dropoutBackward(dy, this.mask!, this.dx, n);
    else copy(dy, 0, this.dx, 0, n);
    return this.dx;
  }

  output(): Buf | null {
    return this.last;
  }

  config(): Record<string, unknown> {
    return { rate: this.rate };
  }
}


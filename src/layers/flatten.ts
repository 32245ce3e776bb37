// Flatten: [h, w, c] (or any shape) → [h·w·c]. NHWC rows are already contiguous, so the
// output is the input buffer itself and the input gradient is dy itself: no copy, no buffer.
import type { Buf } from '../binding.js';
import { Layer, type StepContext, size } from './layer.js';

export class Flatten extends Layer {
  readonly className = 'Flatten';
  readonly declaredInputShape?: number[];
  private last: Buf | null = null;

  constructor(opts: { inputShape?: number[] } = {}) {
    super();
    this.declaredInputShape = opts.inputShape;
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    return [size(inputShape)];
  }

  /** Nothing to lay out: dx is dy itself. */
  override allocate(batch: number, needInputGrad: boolean): void {
    this.release();
    this.batchCap = batch;
    this.needInputGrad = needInputGrad;
  }

  override activationFloatsFor(): number {
    return 0;
  }

  protected allocateOwn(): void {}

  protected releaseOwn(): void {
    this.last = null;
  }

  forward(x: Buf, _ctx: StepContext): Buf {
    this.last = x;
    return x;
  }

  backward(dy: Buf, _ctx: StepContext): Buf | null {
    return this.needInputGrad ? dy : null;
  }

  output(): Buf | null {
    return this.last;
  }

  config(): Record<string, unknown> {
    return {};
  }
}

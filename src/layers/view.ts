// A layer that changes only a sample's shape (Flatten, Reshape). NHWC rows are contiguous, so
// the output is the input buffer itself and the input gradient is dy itself: no copy, no
// buffer. Subclasses give the output shape and their config.
import type { Buf } from '../binding.js';
import { Layer, type StepContext } from './layer.js';

export abstract class ViewLayer extends Layer {
  private last: Buf | null = null;

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
}

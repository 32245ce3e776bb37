// Flatten: [h, w, c] (or any shape) → [h·w·c]. NHWC rows are already contiguous, so the
// output is the input buffer itself and the input gradient is dy itself: no copy, no buffer.
import { size } from './layer.js';
import { ViewLayer } from './view.js';

export class Flatten extends ViewLayer {
  readonly className = 'Flatten';
  readonly declaredInputShape?: number[];

  constructor(opts: { inputShape?: number[] } = {}) {
    super();
    this.declaredInputShape = opts.inputShape;
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    return [size(inputShape)];
  }

  config(): Record<string, unknown> {
    return {};
  }
}

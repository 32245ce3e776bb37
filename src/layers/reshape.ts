// Reshape: a sample's shape becomes `targetShape` (same number of values; one entry may be −1,
// inferred), as Keras's Reshape. NHWC rows are contiguous, so, as Flatten, the output is the
// input buffer itself and the input gradient is dy itself: no copy, no buffer.
import { shapeStr, size, checkLayerOptions } from './layer.js';
import { ViewLayer } from './view.js';

export class Reshape extends ViewLayer {
  readonly className = 'Reshape';
  readonly targetShape: readonly number[];
  readonly declaredInputShape?: number[];

  constructor(targetShape: readonly number[], opts: { inputShape?: number[] } = {}) {
    super();
    checkLayerOptions('Reshape', opts, ['inputShape']);
    if (!Array.isArray(targetShape) || targetShape.length < 1 ||
      !targetShape.every((d) => d === -1 || (Number.isInteger(d) && d >= 1)) || targetShape.filter((d) => d === -1).length > 1) {
      throw new RangeError(`gaaf: Reshape targetShape must be positive integers with at most one −1, got ${JSON.stringify(targetShape)}`);
    }
    this.targetShape = [...targetShape];
    this.declaredInputShape = opts.inputShape;
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    const n = size(inputShape);
    const known = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const free = this.targetShape.includes(-1);
    if (free ? n % known !== 0 : n !== known) {
      throw new RangeError(`gaaf: layer '${this.name}' (Reshape): input ${shapeStr(inputShape)} has ${n} values, ` +
        `which do not fit target shape ${shapeStr(this.targetShape)}`);
    }
    return this.targetShape.map((d) => (d === -1 ? n / known : d));
  }

  config(): Record<string, unknown> {
    return { targetShape: [...this.targetShape] };
  }
}

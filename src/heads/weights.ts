// Per-sample weights for training (fit's sampleWeight and classWeight, as Keras takes them):
// one weight per training sample, the product of the sample's own weight and its class's. The
// heads pass them to the weighted loss kernels (the loss is Σ w·loss / n).
import type { Dataset } from '../data/dataset.js';

/** The weight of every sample of `data`, or null when neither option is given. Throws naming the option and the bad entry. */
export function sampleWeightsOf(
  data: Dataset,
  sampleWeight: Float32Array | readonly number[] | undefined,
  classWeight: Readonly<Record<number, number>> | readonly number[] | undefined,
): Float32Array | null {
  if (sampleWeight === undefined && classWeight === undefined) return null;
  if (classWeight !== undefined && data.outputs) {
    throw new RangeError(`gaaf: fit: classWeight applies to a model of one output ('${data.name}' holds targets for ${data.outputs.length}); give sampleWeight instead, as Keras requires`);
  }
  const w = new Float32Array(data.count).fill(1);
  if (sampleWeight !== undefined) {
    if (sampleWeight.length !== data.count) {
      throw new RangeError(`gaaf: fit: sampleWeight has ${sampleWeight.length} values, '${data.name}' has ${data.count} samples`);
    }
    for (let i = 0; i < data.count; i++) {
      const v = sampleWeight[i];
      if (!(typeof v === 'number' && v >= 0 && v < Infinity)) throw new RangeError(`gaaf: fit: sampleWeight[${i}] = ${v}, expected a finite number ≥ 0`);
      w[i] = v;
    }
  }
  if (classWeight !== undefined) {
    if (typeof classWeight !== 'object' || classWeight === null) throw new TypeError('gaaf: fit: classWeight must be an object (class index → weight) or an array');
    const cw = new Map<number, number>();
    for (const [k, v] of Object.entries(classWeight)) {
      const c = Number(k);
      if (!Number.isInteger(c) || c < 0) throw new RangeError(`gaaf: fit: classWeight has key '${k}', expected class indices (integers ≥ 0)`);
      if (!(typeof v === 'number' && v >= 0 && v < Infinity)) throw new RangeError(`gaaf: fit: classWeight[${k}] = ${String(v)}, expected a finite number ≥ 0`);
      cw.set(c, v);
    }
    const K = data.targetSize ?? 0;
    for (let i = 0; i < data.count; i++) {
      let c: number;
      if (data.targets) {
        // one-hot or soft targets: the class is the argmax; one 0/1 target: that value
        if (K === 1) c = data.targets[i] > 0.5 ? 1 : 0;
        else {
          c = 0;
          for (let k = 1; k < K; k++) if (data.targets[i * K + k] > data.targets[i * K + c]) c = k;
        }
      } else c = data.y[i];
      w[i] *= cw.get(c) ?? 1;
    }
  }
  return w;
}

// Seeded weight initialisers. Glorot & Bengio (2010) suit tanh and sigmoid; He et al. (2015)
// suit ReLU. Values are drawn in float64 and rounded once to float32.
import type { Rng } from './rng.js';

export type Initializer = 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'zeros';
export const INITIALIZERS: readonly Initializer[] = ['glorotUniform', 'glorotNormal', 'heUniform', 'heNormal', 'zeros'];

export function initialize(out: Float32Array, kind: Initializer, fanIn: number, fanOut: number, rng: Rng): void {
  switch (kind) {
    case 'zeros':
      out.fill(0);
      return;
    case 'glorotUniform':
      return uniform(out, Math.sqrt(6 / (fanIn + fanOut)), rng);
    case 'heUniform':
      return uniform(out, Math.sqrt(6 / fanIn), rng);
    case 'glorotNormal':
      return normal(out, Math.sqrt(2 / (fanIn + fanOut)), rng);
    case 'heNormal':
      return normal(out, Math.sqrt(2 / fanIn), rng);
    default:
      throw new RangeError(`gaaf: unknown initializer '${kind as string}' (expected one of ${INITIALIZERS.join(', ')})`);
  }
}

function uniform(out: Float32Array, limit: number, rng: Rng): void {
  for (let i = 0; i < out.length; i++) out[i] = (2 * rng.next() - 1) * limit;
}

/**
 * Normal truncated at two standard deviations (redrawn), as Keras does; the draw is divided
 * by 0.8796..., the standard deviation of a unit normal truncated at ±2, so the result has
 * standard deviation `std`.
 */
function normal(out: Float32Array, std: number, rng: Rng): void {
  const scale = std / 0.87962566103423978;
  for (let i = 0; i < out.length; i++) {
    let z: number;
    do z = rng.normal(); while (Math.abs(z) > 2);
    out[i] = z * scale;
  }
}

// The inputs of a model of several inputs: one array of rows, each row holding every input's
// values one after another (the order of the model's inputs), from one array per input.
import { shapeStr, size } from '../layers/layer.js';

/** One array of rows, each holding every input's values in order, from x (that, or one array per input). */
export function packInputs(x: Float32Array | readonly Float32Array[], shapes: ReadonlyArray<readonly number[]>, what: string): Float32Array {
  if (x instanceof Float32Array) return x;
  if (!Array.isArray(x) || x.length !== shapes.length || !x.every((a) => a instanceof Float32Array)) {
    throw new TypeError(`gaaf: ${what} expects a Float32Array or a list of ${shapes.length} (one per input)`);
  }
  const sizes = shapes.map(size);
  const count = x[0].length / sizes[0];
  x.forEach((a, i) => {
    if (a.length !== count * sizes[i] || !Number.isInteger(count)) {
      throw new RangeError(`gaaf: ${what}: input ${i} (shape ${shapeStr(shapes[i])}) has ${a.length} values, expected ${Math.round(count)} × ${sizes[i]}`);
    }
  });
  const d = sizes.reduce((a, b) => a + b, 0);
  const out = new Float32Array(count * d);
  for (let r = 0; r < count; r++) {
    let off = r * d;
    x.forEach((a, i) => {
      out.set(a.subarray(r * sizes[i], (r + 1) * sizes[i]), off);
      off += sizes[i];
    });
  }
  return out;
}


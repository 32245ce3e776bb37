// The inputs of a model of several inputs: one array of rows, each row holding every input's
// values one after another (the order of the model's inputs), from one array per input.
import { type Param, shapeStr, size } from '../layers/layer.js';
import { sha256Hex } from '../sha256.js';

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


/** The sample size d of rows x of `shape`, or a clear error if x is not a whole number of rows. */
export function checkRows(x: Float32Array, shape: readonly number[], what: string): number {
  const d = size(shape);
  if (x.length % d !== 0) throw new RangeError(`gaaf: ${what} input has ${x.length} values, not a multiple of the sample size ${d} (shape ${shapeStr(shape)})`);
  return d;
}

/** make(count), then each(result, n, start) over batches of at most cap rows. */
export function eachBatch<R>(count: number, cap: number, make: (count: number) => R, each: (r: R, n: number, s: number) => void): R {
  const out = make(count);
  for (let s = 0; s < count; s += cap) each(out, Math.min(cap, count - s), s);
  return out;
}

/** Writes ws into the parameters' values, after checking every length. */
export function setParamValues(ps: readonly Param[], ws: readonly Float32Array[]): void {
  if (ws.length !== ps.length) throw new RangeError(`gaaf: setWeights got ${ws.length} arrays, the model has ${ps.length} parameters`);
  ps.forEach((p, i) => {
    if (ws[i].length !== p.value.length) {
      throw new RangeError(`gaaf: setWeights: '${p.name}' expects ${p.value.length} values (shape ${shapeStr(p.shape)}), got ${ws[i].length}`);
    }
  });
  ps.forEach((p, i) => p.value.write(ws[i]));
}

/** SHA-256 (hex) of the arrays' bytes (little-endian f32), in order. */
export function weightsHash(ws: readonly Float32Array[]): Promise<string> {
  const all = new Uint8Array(ws.reduce((a, w) => a + w.byteLength, 0));
  let o = 0;
  for (const w of ws) {
    all.set(new Uint8Array(w.buffer, w.byteOffset, w.byteLength), o);
    o += w.byteLength;
  }
  return sha256Hex(all);
}

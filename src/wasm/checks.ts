// The checks every kernel call passes before it reaches Wasm: dimensions, buffer dtypes and
// lengths, matrices with row strides, finite scalars, and which buffers may be the same. A
// failure is a RangeError or TypeError naming the kernel, the operand and the expected and
// actual sizes; it never becomes an out-of-bounds write into Wasm memory.
import type { ScalarRule } from './kernel.js';
import { Buf, type DType } from './memory.js';

/** Elements a Buf can hold in wasm32 (4 GiB of f32). */
export const MAX_ELEMS = 2 ** 30;

export function checkDim(kernel: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
    throw new RangeError(`gaaf.${kernel}: ${name} must be a non-negative integer, got ${v}`);
  }
}

export function checkPos(kernel: string, name: string, v: number, min = 1): void {
  if (!Number.isInteger(v) || v < min || v > 0x7fffffff) {
    throw new RangeError(`gaaf.${kernel}: ${name} must be an integer >= ${min}, got ${v}`);
  }
}

export function checkFinite(kernel: string, name: string, v: number): void {
  if (!Number.isFinite(v)) throw new RangeError(`gaaf.${kernel}: ${name} must be finite, got ${v}`);
  if (!Number.isFinite(Math.fround(v))) throw new RangeError(`gaaf.${kernel}: ${name} = ${v} is beyond float32's range (±${F32_MAX.toPrecision(5)}), where the kernel computes`);
}

// ---- option values, checked in the precision the kernels use (float32) ----
// A value that is fine in float64 may not be in float32: 1e-50 becomes 0, 1e39 becomes ∞, and
// 1e-40 becomes a subnormal whose reciprocal is ∞. These checks name the option and say why.

/** The largest finite float32. */
export const F32_MAX = 3.4028234663852886e38;
/** The smallest positive normal float32, 2^−126. */
export const F32_MIN_NORMAL = 1.1754943508222875e-38;

/** `what` (e.g. "gaaf: GAAF K") is finite in float32. */
export function checkFiniteF32(what: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`${what} must be a finite number, got ${v}`);
  if (!Number.isFinite(Math.fround(v))) throw new RangeError(`${what} = ${v} is beyond float32's range (±${F32_MAX.toPrecision(5)}), the precision the kernels compute in`);
}

/** `what` is a positive number that stays a normal float32 (neither 0, subnormal nor ∞ there). */
export function checkPositiveF32(what: string, v: number): void {
  if (typeof v !== 'number' || !(Number.isFinite(v) && v > 0)) throw new RangeError(`${what} must be a positive finite number, got ${v}`);
  checkFiniteF32(what, v);
  if (Math.fround(v) < F32_MIN_NORMAL) {
    throw new RangeError(`${what} = ${v} is below float32's smallest normal number (${F32_MIN_NORMAL.toPrecision(5)}), the precision the kernels compute in (it would become ${Math.fround(v)})`);
  }
}

/** `what` is 0, or a positive number that stays a normal float32. */
export function checkNonNegativeF32(what: string, v: number): void {
  if (v === 0) return;
  if (typeof v !== 'number' || !(Number.isFinite(v) && v > 0)) throw new RangeError(`${what} must be a finite number ≥ 0, got ${v}`);
  checkPositiveF32(what, v);
}

/** `what` is a fraction in [0, 1) that stays below 1 in float32 (1 − 1e-9 rounds to 1 there). */
export function checkUnitF32(what: string, v: number): void {
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new RangeError(`${what} must be in [0, 1), got ${v}`);
  if (Math.fround(v) >= 1) throw new RangeError(`${what} = ${v} rounds to 1 in float32, the precision the kernels compute in; it must stay below 1`);
  if (v > 0) checkPositiveF32(what, v);
}

export function checkElems(kernel: string, what: string, n: number): void {
  if (n > MAX_ELEMS) throw new RangeError(`gaaf.${kernel}: ${what} has ${n} elements, more than a Wasm buffer can hold (${MAX_ELEMS})`);
}

export function checkBuf(kernel: string, name: string, b: Buf, dtype: DType): void {
  if (!(b instanceof Buf)) throw new TypeError(`gaaf.${kernel}: ${name} must be a gaaf Buf`);
  if (b.dtype !== dtype) throw new TypeError(`gaaf.${kernel}: ${name} ('${b.label}') must be ${dtype}, got ${b.dtype}`);
}

/** Checks that b holds at least n elements of `dtype`. */
export function checkLen(kernel: string, name: string, b: Buf, n: number, dtype: DType = 'f32'): void {
  checkBuf(kernel, name, b, dtype);
  if (n > b.length) throw new RangeError(`gaaf.${kernel}: ${name} ('${b.label}') needs ${n} elements, buffer has ${b.length}`);
}

/** Checks that a rows×cols f32 matrix with row stride ld fits in b. */
export function checkMat(kernel: string, name: string, b: Buf, rows: number, cols: number, ld: number): void {
  checkBuf(kernel, name, b, 'f32');
  checkDim(kernel, `${name} leading dimension`, ld);
  if (rows > 0 && cols > 0) {
    if (ld < cols) throw new RangeError(`gaaf.${kernel}: ${name} leading dimension ${ld} is less than its row length ${cols}`);
    const need = (rows - 1) * ld + cols;
    if (need > b.length) {
      throw new RangeError(`gaaf.${kernel}: ${name} ('${b.label}') is ${rows}×${cols} with stride ${ld}, ` +
        `needs ${need} elements, buffer has ${b.length}`);
    }
  }
}

/**
 * Aliasing: each output (written) operand must be a different buffer from every other operand,
 * except those listed in `may[output]` (kernels that are safe in place, checked by
 * test/kernel-table.test.ts). Distinct Bufs never overlap, and every kernel starts at its
 * operands' first element, so "the same Buf" is the only overlap there can be.
 */
export function checkAliasing(kernel: string, names: readonly string[], bufs: ReadonlyArray<Buf | null>, written: readonly boolean[],
  may: Readonly<Record<string, readonly string[]>> | undefined): void {
  for (let i = 0; i < names.length; i++) {
    const b = bufs[i];
    if (!written[i] || !b) continue;
    for (let j = 0; j < names.length; j++) {
      if (j === i || bufs[j] !== b || (written[j] && j < i)) continue; // two outputs: report the pair once
      if (may?.[names[i]]?.includes(names[j])) continue;
      throw new RangeError(`gaaf.${kernel}: ${names[i]} and ${names[j]} are the same buffer ('${b.label}'); ` +
        `${may?.[names[i]]?.length ? `${names[i]} may only share a buffer with ${may[names[i]].join(' or ')}` : `${names[i]} must not share a buffer with any other operand`}`);
    }
  }
}

export function checkEps(kernel: string, eps: number): void {
  if (!(eps > 0 && Number.isFinite(eps))) throw new RangeError(`gaaf.${kernel}: eps must be finite and > 0 (a constant column would give 1/0), got ${eps}`);
}

// ---- scalar rules of the kernel table (src/wasm/kernel.ts): check, then the number Wasm gets ----

/** A non-negative integer (a size). */
export const dim: ScalarRule = (k, n, v) => (checkDim(k, n, v as number), v as number);
/** An integer ≥ 1. */
export const pos: ScalarRule = (k, n, v) => (checkPos(k, n, v as number), v as number);
/** A finite number. */
export const finite: ScalarRule = (k, n, v) => (checkFinite(k, n, v as number), v as number);
/** A flag: 0 or 1. */
export const bool: ScalarRule = (_k, _n, v) => +!!v;
/** Taken modulo 2^32 (a seed). */
export const u32: ScalarRule = (_k, _n, v) => (v as number) >>> 0;
/** Passed as it is: a later check covers it (a matrix's leading dimension). */
export const raw: ScalarRule = (_k, _n, v) => v as number;
/** A size that defaults to the length of operand `of` (n = x.length). */
export const dimOrLengthOf = (of: string): ScalarRule => (k, n, v, arg) => {
  const d = v === undefined ? (arg(of) as Buf).length : (v as number);
  checkDim(k, n, d);
  return d;
};
/** eps of batch norm: finite and > 0. */
export const eps: ScalarRule = (k, _n, v) => (checkEps(k, v as number), v as number);

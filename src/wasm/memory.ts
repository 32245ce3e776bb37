// Wasm linear memory: the allocator, `Buf` (a typed buffer in Wasm memory) and the typed views.
// A Buf's address is an ES private field; `addrOf` (set in Buf's static block) is the only way
// to read it, and only the binding modules in src/wasm/ may import it (test/bundle.test.ts
// fails on any other import). Everything else in src/ works with Buf handles.
//
// Allocator: first-fit over a free list of [start, end) byte ranges above the module's heap
// base, coalescing on free. Memory grows (detaching old views) only when nothing fits; models
// allocate all their buffers when they are built, so a training step never grows memory.
import { type WasmMemory, instance } from './instance.js';

const ALIGN = 64; // every Buf starts on a cache line (and so on a 16-byte v128 boundary)
const PAGE = 65536; // the WebAssembly page
/** The most bytes wasm32 linear memory can hold (4 GiB). */
export const WASM_MAX_BYTES = 4 * 1024 * 1024 * 1024;

interface Heap {
  memory: WasmMemory;
  end: number; // high-water mark of the managed region
  free: Array<[number, number]>;
  live: number;
  f32: Float32Array;
  i32: Int32Array;
  f64: Float64Array;
}

let heapState: Heap | null = null;

function heap(what: string): Heap {
  if (heapState) return heapState;
  const { ex, memory } = instance(what);
  const start = Math.ceil(ex.heap_base() / ALIGN) * ALIGN;
  heapState = { memory, end: start, free: [], live: 0, f32: new Float32Array(0), i32: new Int32Array(0), f64: new Float64Array(0) };
  return heapState;
}

/** Views on the whole memory, fresh after any growth. For the binding modules only. */
export function views(): { f32: Float32Array; i32: Int32Array; f64: Float64Array } {
  const h = heap('reading Wasm memory');
  const buf = h.memory.buffer;
  if (h.f32.buffer !== buf || h.f32.byteLength !== buf.byteLength) {
    h.f32 = new Float32Array(buf);
    h.i32 = new Int32Array(buf);
    h.f64 = new Float64Array(buf);
  }
  return h;
}

function rawAlloc(bytes: number, label: string): number {
  const h = heap(`allocating buffer '${label}'`);
  const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  const free = h.free;
  for (let k = 0; k < free.length; k++) {
    const [s, e] = free[k];
    if (e - s >= size) {
      if (e - s === size) free.splice(k, 1);
      else free[k] = [s + size, e];
      h.live += size;
      return s;
    }
  }
  const start = h.end;
  const end = start + size;
  if (end > WASM_MAX_BYTES) {
    throw new RangeError(`gaaf: out of Wasm memory: asked for ${bytes} bytes with ${h.live} in use; ` +
      `wasm32 memory is limited to 4 GiB (use a smaller model or batch size)`);
  }
  const have = h.memory.buffer.byteLength;
  if (end > have) {
    const pages = Math.ceil((end - have) / PAGE);
    try {
      h.memory.grow(pages);
    } catch (e) {
      throw new RangeError(`gaaf: could not grow Wasm memory by ${pages} pages to ${end} bytes: ${(e as Error).message}`);
    }
  }
  h.end = end;
  h.live += size;
  return start;
}

function rawFree(ptr: number, bytes: number): void {
  const h = heap('freeing a buffer');
  const free = h.free;
  const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  h.live -= size;
  let lo = 0;
  let hi = free.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (free[mid][0] < ptr) lo = mid + 1;
    else hi = mid;
  }
  free.splice(lo, 0, [ptr, ptr + size]);
  // coalesce with the next and the previous range
  if (lo + 1 < free.length && free[lo][1] === free[lo + 1][0]) {
    free[lo][1] = free[lo + 1][1];
    free.splice(lo + 1, 1);
  }
  if (lo > 0 && free[lo - 1][1] === free[lo][0]) {
    free[lo - 1][1] = free[lo][1];
    free.splice(lo, 1);
  }
  // give the top range back to the high-water mark so it can be reused at any size
  const last = free[free.length - 1];
  if (last && last[1] === h.end) {
    h.end = last[0];
    free.pop();
  }
}

export type DType = 'f32' | 'i32';

/** The byte address of a Buf. Binding modules (src/wasm/) only. */
export let addrOf: (b: Buf) => number;

/** A typed buffer in Wasm memory. Its address is private to the binding. */
export class Buf {
  #ptr: number;
  readonly length: number;
  readonly dtype: DType;
  readonly label: string;
  static {
    addrOf = (b: Buf): number => {
      if (b.#ptr < 0) throw new Error(`gaaf: buffer '${b.label}' was used after free()`);
      return b.#ptr;
    };
  }

  constructor(length: number, dtype: DType = 'f32', label = 'buffer') {
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new RangeError(`gaaf: buffer '${label}' length must be a non-negative integer, got ${length}`);
    }
    this.length = length;
    this.dtype = dtype;
    this.label = label;
    this.#ptr = rawAlloc(length * 4, label);
  }

  /** A view on the current memory. It is detached if memory grows: take a fresh one after any allocation. */
  view(): Float32Array {
    if (this.dtype !== 'f32') throw new TypeError(`gaaf: buffer '${this.label}' is ${this.dtype}, not f32`);
    const p = addrOf(this) >>> 2;
    return views().f32.subarray(p, p + this.length);
  }

  viewI32(): Int32Array {
    if (this.dtype !== 'i32') throw new TypeError(`gaaf: buffer '${this.label}' is ${this.dtype}, not i32`);
    const p = addrOf(this) >>> 2;
    return views().i32.subarray(p, p + this.length);
  }

  /** Copy `src` into this buffer starting at element `offset`. */
  write(src: ArrayLike<number>, offset = 0): void {
    if (offset < 0 || offset + src.length > this.length) {
      throw new RangeError(`gaaf: write of ${src.length} elements at ${offset} overflows buffer '${this.label}' of ${this.length}`);
    }
    if (this.dtype === 'f32') this.view().set(src, offset);
    else this.viewI32().set(src, offset);
  }

  /** A copy of the first `n` elements (default: all), safe to keep. */
  read(n = this.length): Float32Array {
    return this.view().slice(0, n);
  }

  fill(value: number): void {
    if (this.dtype === 'f32') this.view().fill(value);
    else this.viewI32().fill(value);
  }

  get freed(): boolean {
    return this.#ptr < 0;
  }

  free(): void {
    if (this.#ptr >= 0) {
      rawFree(this.#ptr, this.length * 4);
      this.#ptr = -1;
    }
  }
}

export function allocF32(length: number, label?: string): Buf {
  return new Buf(length, 'f32', label);
}

export function allocI32(length: number, label?: string): Buf {
  return new Buf(length, 'i32', label);
}

/** Bytes of Wasm linear memory, and bytes held by live Bufs. */
export function memoryStats(): { memoryBytes: number; liveBytes: number } {
  const h = heap('memoryStats');
  return { memoryBytes: h.memory.buffer.byteLength, liveBytes: h.live };
}

/** Copies n elements from src[srcOff..] to dst[dstOff..] (both f32). */
export function copy(src: Buf, srcOff: number, dst: Buf, dstOff: number, n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) throw new RangeError(`gaaf.copy: n must be a non-negative integer, got ${n}`);
  if (srcOff + n > src.length || dstOff + n > dst.length) {
    throw new RangeError(`gaaf.copy: ${n} elements from '${src.label}'@${srcOff} to '${dst.label}'@${dstOff} overflow`);
  }
  const f32 = views().f32;
  const s = (addrOf(src) >>> 2) + srcOff;
  const d = (addrOf(dst) >>> 2) + dstOff;
  f32.copyWithin(d, s, s + n);
}

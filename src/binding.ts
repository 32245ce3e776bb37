// The one module that owns the WebAssembly instance, its linear memory, the allocator and
// every pointer. Everything else in src/ works with `Buf` handles, whose address is an ES
// private field: only this file can read it (through `addrOf`, set in Buf's static block).
//
// Every kernel wrapper checks, before it calls into Wasm, that each operand's extent
// (rows, row stride, length) lies inside the Buf it names. A wrong length or shape is a
// RangeError naming the kernel, the operand and the expected and actual sizes; it never
// becomes an out-of-bounds write into Wasm memory.

import { Pool, controlBytes, type Call } from './threads.js';

/** Raw exports of build/gaaf.wasm (assembly/index.ts). Pointers are byte addresses. */
interface Exports {
  memory: WebAssembly.Memory;
  heap_base(): number;
  gemm(tA: number, tB: number, M: number, N: number, K: number, alpha: number, A: number, lda: number,
    B: number, ldb: number, beta: number, C: number, ldc: number, bias: number, work: number): void;
  gemm_ref(tA: number, tB: number, M: number, N: number, K: number, alpha: number, A: number, lda: number,
    B: number, ldb: number, beta: number, C: number, ldc: number, bias: number): void;
  gemm_workspace_bytes(): number;
  act_forward(kind: number, x: number, y: number, n: number): void;
  act_forward_ref(kind: number, x: number, y: number, n: number): void;
  act_backward(kind: number, x: number, y: number, dy: number, dx: number, n: number): void;
  act_backward_ref(kind: number, x: number, y: number, dy: number, dx: number, n: number): void;
  gaaf_forward(kind: number, x: number, y: number, n: number, K: number, p1: number, p2: number): void;
  gaaf_forward_ref(kind: number, x: number, y: number, n: number, K: number, p1: number, p2: number): void;
  gaaf_backward(kind: number, x: number, dy: number, dx: number, n: number, p1: number, p2: number): void;
  gaaf_backward_ref(kind: number, x: number, dy: number, dx: number, n: number, p1: number, p2: number): void;
  dropout_forward(x: number, y: number, mask: number, n: number, p: number, seed: number, stream: number): void;
  dropout_forward_ref(x: number, y: number, mask: number, n: number, p: number, seed: number, stream: number): void;
  dropout_backward(dy: number, mask: number, dx: number, n: number): void;
  dropout_backward_ref(dy: number, mask: number, dx: number, n: number): void;
  softmax_xent(logits: number, labels: number, probs: number, dlogits: number, B: number, C: number, scale: number): number;
  softmax_xent_ref(logits: number, labels: number, probs: number, dlogits: number, B: number, C: number, scale: number): number;
  argmax_rows(x: number, out: number, rows: number, cols: number): void;
  argmax_rows_ref(x: number, out: number, rows: number, cols: number): void;
  sgd_update(w: number, g: number, v: number, n: number, lr: number, momentum: number, wd: number): void;
  sgd_update_ref(w: number, g: number, v: number, n: number, lr: number, momentum: number, wd: number): void;
  adam_update(w: number, g: number, m: number, v: number, n: number, lr: number, b1: number, b2: number,
    eps: number, bc1: number, bc2: number, wd: number): void;
  adam_update_ref(w: number, g: number, m: number, v: number, n: number, lr: number, b1: number, b2: number,
    eps: number, bc1: number, bc2: number, wd: number): void;
  mean_abs(x: number, n: number): number;
  mean_abs_ref(x: number, n: number): number;
  mean_var(x: number, n: number, out: number): void;
  mean_var_ref(x: number, n: number, out: number): void;
  sum_rows(x: number, rows: number, cols: number, ld: number, out: number, beta: number): void;
  sum_rows_ref(x: number, rows: number, cols: number, ld: number, out: number, beta: number): void;
  col_mean_var(x: number, rows: number, cols: number, mean: number, vari: number): void;
  col_mean_var_ref(x: number, rows: number, cols: number, mean: number, vari: number): void;
  count_nonfinite(x: number, n: number): number;
  count_nonfinite_ref(x: number, n: number): number;
  simd_peak_loop(iters: number, p: number): void;
  simd_peak_flops(iters: number): number;
}

const WASM_URL = new URL('../build/gaaf.wasm', import.meta.url);
const ALIGN = 64; // every Buf starts on a cache line (and so on a 16-byte v128 boundary)
const PAGE = 65536;
const MAX_BYTES = 4 * 1024 * 1024 * 1024; // wasm32 address space
/** The most bytes wasm32 linear memory can hold (4 GiB). */
export const WASM_MAX_BYTES = MAX_BYTES;

// Where the bytes come from. Browsers and bundlers: fetch() of the URL above (Vite and webpack
// rewrite `new URL('…', import.meta.url)` to the emitted asset; the rollup bundle points it at
// dist/gaaf.wasm). Node, whose fetch() has no file: URLs: fs, reached through
// process.getBuiltinModule (Node ≥ 20.16) so that this module has no `node:` import and the
// universal bundle stays free of Node built-ins.
type ReadFile = (url: URL) => Promise<Uint8Array>;

function nodeReadFile(): ReadFile | undefined {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const fs = p?.getBuiltinModule?.('node:fs/promises') as { readFile: ReadFile } | undefined;
  return fs?.readFile;
}

async function loadBytes(url: URL): Promise<BufferSource> {
  if (url.protocol === 'file:') {
    const readFile = nodeReadFile();
    if (!readFile) {
      throw new Error(`gaaf: cannot read ${url.href}: file: URLs need Node ≥ 20.16 (process.getBuiltinModule); ` +
        'in a browser, serve the package over http(s)');
    }
    return (await readFile(url)) as Uint8Array<ArrayBuffer>;
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`gaaf: could not fetch ${url.href}: HTTP ${res.status}`);
  return res.arrayBuffer();
}

function decodeAbortString(mem: WebAssembly.Memory, ptr: number): string {
  if (!ptr) return '';
  const u32 = new Uint32Array(mem.buffer);
  const len = u32[(ptr - 4) >>> 2] >>> 1;
  return String.fromCharCode(...new Uint16Array(mem.buffer, ptr, len));
}

const WASM_MT_URL = new URL('../build/gaaf-mt.wasm', import.meta.url);
/** Initial and maximum pages of the shared memory; they match asconfig.json's `threads` target. */
const MT_INITIAL_PAGES = 16;
const MT_MAXIMUM_PAGES = 65536;

/** Why the threaded build cannot run here, or null where it can. */
function threadsUnavailable(): string | null {
  const g = globalThis as { SharedArrayBuffer?: unknown; crossOriginIsolated?: boolean; process?: unknown; Atomics?: unknown };
  if (typeof g.SharedArrayBuffer !== 'function' || typeof g.Atomics !== 'object') {
    return g.crossOriginIsolated === false
      ? 'this page is not cross-origin isolated, so SharedArrayBuffer is unavailable'
      : 'SharedArrayBuffer is unavailable on this platform';
  }
  if (g.crossOriginIsolated === false) return 'this page is not cross-origin isolated';
  return null;
}

interface Loaded {
  ex: Exports;
  /** The compiled threaded module, to instantiate in workers; null for the single-threaded build. */
  module: WebAssembly.Module | null;
  /** Why the threaded build is not used, or null. */
  why: string | null;
}

async function instantiate(): Promise<Loaded> {
  let memory: WebAssembly.Memory | undefined;
  const env: WebAssembly.ModuleImports = {
    abort(msg: number, file: number, line: number, col: number): never {
      const m = memory ? decodeAbortString(memory, msg) : '';
      const f = memory ? decodeAbortString(memory, file) : '';
      throw new Error(`gaaf kernel abort: ${m} at ${f}:${line}:${col}`);
    },
  };
  let why = threadsUnavailable();
  if (!why) {
    try {
      const module = await WebAssembly.compile(await loadBytes(WASM_MT_URL));
      memory = new WebAssembly.Memory({ initial: MT_INITIAL_PAGES, maximum: MT_MAXIMUM_PAGES, shared: true });
      env.memory = memory;
      const instance = await WebAssembly.instantiate(module, { env });
      const ex = { ...(instance.exports as unknown as Exports), memory };
      return { ex, module, why: null };
    } catch (e) {
      why = `the threaded build could not be loaded (${(e as Error).message})`;
      memory = undefined;
      delete env.memory;
    }
  }
  const { instance } = await WebAssembly.instantiate(await loadBytes(WASM_URL), { env });
  const ex = instance.exports as unknown as Exports;
  memory = ex.memory;
  return { ex, module: null, why };
}

// The instance is created once, when this module is first imported (top-level await), in
// Node and in browsers alike: `import { Sequential } from 'gaaf'` is ready to use. Where
// SharedArrayBuffer is available (Node; browsers on cross-origin-isolated pages) it is the
// threaded build on a shared memory, otherwise the single-threaded build (same kernels, same
// results).
const loaded = await instantiate();
const wasm: Exports = loaded.ex;

// ---------------------------------------------------------------------------------------
// Allocator: first-fit over a free list of [start, end) byte ranges above the heap base,
// coalescing on free. Memory grows (detaching old views) only when nothing fits; models
// allocate all their buffers when they are built, so a training step never grows memory.

const heapStart = Math.ceil(wasm.heap_base() / ALIGN) * ALIGN;
let heapEnd = heapStart; // high-water mark of the managed region
const freeList: Array<[number, number]> = [];
let liveBytes = 0;
let f32: Float32Array = new Float32Array(wasm.memory.buffer);
let i32: Int32Array = new Int32Array(wasm.memory.buffer);
let f64: Float64Array = new Float64Array(wasm.memory.buffer);

function refreshViews(): void {
  const buf = wasm.memory.buffer;
  if (f32.buffer !== buf || f32.byteLength !== buf.byteLength) {
    f32 = new Float32Array(buf);
    i32 = new Int32Array(buf);
    f64 = new Float64Array(buf);
  }
}

function rawAlloc(bytes: number): number {
  const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  for (let k = 0; k < freeList.length; k++) {
    const [s, e] = freeList[k];
    if (e - s >= size) {
      if (e - s === size) freeList.splice(k, 1);
      else freeList[k] = [s + size, e];
      liveBytes += size;
      return s;
    }
  }
  const start = heapEnd;
  const end = start + size;
  if (end > MAX_BYTES) {
    throw new RangeError(`gaaf: out of Wasm memory: asked for ${bytes} bytes with ${liveBytes} in use; ` +
      `wasm32 memory is limited to 4 GiB (use a smaller model or batch size)`);
  }
  const have = wasm.memory.buffer.byteLength;
  if (end > have) {
    const pages = Math.ceil((end - have) / PAGE);
    try {
      wasm.memory.grow(pages);
    } catch (e) {
      throw new RangeError(`gaaf: could not grow Wasm memory by ${pages} pages to ${end} bytes: ${(e as Error).message}`);
    }
  }
  heapEnd = end;
  liveBytes += size;
  return start;
}

function rawFree(ptr: number, bytes: number): void {
  const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  liveBytes -= size;
  let lo = 0;
  let hi = freeList.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (freeList[mid][0] < ptr) lo = mid + 1;
    else hi = mid;
  }
  freeList.splice(lo, 0, [ptr, ptr + size]);
  // coalesce with the next and the previous range
  if (lo + 1 < freeList.length && freeList[lo][1] === freeList[lo + 1][0]) {
    freeList[lo][1] = freeList[lo + 1][1];
    freeList.splice(lo + 1, 1);
  }
  if (lo > 0 && freeList[lo - 1][1] === freeList[lo][0]) {
    freeList[lo - 1][1] = freeList[lo][1];
    freeList.splice(lo, 1);
  }
  // give the top range back to the high-water mark so it can be reused at any size
  const last = freeList[freeList.length - 1];
  if (last && last[1] === heapEnd) {
    heapEnd = last[0];
    freeList.pop();
  }
}

export type DType = 'f32' | 'i32';

let addrOf: (b: Buf) => number;

/** A typed buffer in Wasm memory. Its address is private to this module. */
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
    this.#ptr = rawAlloc(length * 4);
  }

  /** A view on the current memory. It is detached if memory grows: take a fresh one after any allocation. */
  view(): Float32Array {
    refreshViews();
    if (this.dtype !== 'f32') throw new TypeError(`gaaf: buffer '${this.label}' is ${this.dtype}, not f32`);
    const p = addrOf(this) >>> 2;
    return f32.subarray(p, p + this.length);
  }

  viewI32(): Int32Array {
    refreshViews();
    if (this.dtype !== 'i32') throw new TypeError(`gaaf: buffer '${this.label}' is ${this.dtype}, not i32`);
    const p = addrOf(this) >>> 2;
    return i32.subarray(p, p + this.length);
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
  return { memoryBytes: wasm.memory.buffer.byteLength, liveBytes };
}

// ---------------------------------------------------------------------------------------
// Which implementation the wrappers call: the SIMD kernels (default) or the plain scalar
// references that sit beside them in assembly/. Benchmarks and tests switch it.

export type KernelImpl = 'simd' | 'scalar';
let impl: KernelImpl = 'simd';
export function setKernelImpl(k: KernelImpl): void {
  if (k !== 'simd' && k !== 'scalar') throw new RangeError(`gaaf: kernel implementation must be 'simd' or 'scalar', got '${k}'`);
  impl = k;
}
export function kernelImpl(): KernelImpl {
  return impl;
}

// ---------------------------------------------------------------------------------------
// Threads. With the threaded build, `threads() − 1` workers (src/threads.ts) run shares of the
// large kernel calls on the same shared memory. Each kernel call is split so that every
// output element is computed by exactly one thread with exactly the arithmetic of the
// single-threaded call (GEMM over rows or columns of C, never over K; elementwise kernels
// over ranges): results are bit-identical for any thread count. Small calls stay on the
// calling thread (the thresholds below), so a wake-up never costs more than it saves.

/** Most threads (the calling thread + workers); the control block has one slot per worker. */
export const MAX_THREADS = 64;
/** Kernels that workers can run, by index in the control block's call slots. */
const PAR_OPS = ['gemm', 'act_forward', 'act_backward', 'gaaf_forward', 'gaaf_backward', 'dropout_backward',
  'sgd_update', 'adam_update', 'sum_rows', 'conv2d_forward', 'conv2d_backward_data', 'conv2d_backward_filter_oc'] as const;
type ParOp = typeof PAR_OPS[number];
const OP_INDEX = Object.fromEntries(PAR_OPS.map((n, i) => [n, i])) as Record<ParOp, number>;
// Grain: each thread gets at least this much work. One round costs a few µs to tens of µs (a
// futex wake per worker), so a share must be worth well above that.
const DEFAULT_GRAIN = { gemmMacs: 1 << 18, elems: 1 << 15 };
let grain = { ...DEFAULT_GRAIN };
const GEMM_ROW_UNIT = 2; // rows: the micro-kernel's MR (assembly/gemm.ts)
const GEMM_COL_UNIT = 16; // columns: the micro-kernel's NR
const ELEM_UNIT = 64; // elementwise ranges start on multiples of 64 elements (a cache line is 16)

let pool: Pool | null = null;
/** Spin-before-sleep iterations of the pool's threads (tens of µs) when threads ≤ cores; see Pool.setSpin. */
const SPIN_ITERATIONS = 20000;
let nThreads = 1;
let ctrlBuf: Buf | null = null;
const workerWork: Buf[] = []; // GEMM packing workspace of worker k at [k − 1]
let fallbackLogged = false;

function hardwareThreads(): number {
  const g = globalThis as { navigator?: { hardwareConcurrency?: number }; process?: { getBuiltinModule?: (id: string) => unknown } };
  const os = g.process?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined;
  const n = os?.availableParallelism?.() ?? g.navigator?.hardwareConcurrency ?? 1;
  return Math.max(1, Math.min(16, Math.floor(n)));
}

/** The default thread count: $GAAF_THREADS where set (Node), else the hardware concurrency (at most 16). */
export function defaultThreads(): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.GAAF_THREADS;
  if (env !== undefined && env.trim() !== '') {
    const n = Number(env);
    if (Number.isInteger(n) && n >= 1 && n <= MAX_THREADS) return n;
    console.warn(`gaaf: ignoring GAAF_THREADS='${env}': expected an integer in [1, ${MAX_THREADS}]`);
  }
  return hardwareThreads();
}

function logFallback(requested: number, why: string): void {
  if (fallbackLogged) return;
  fallbackLogged = true;
  console.warn(`gaaf: running single-threaded instead of ${requested} threads: ${why}. To enable threads in a ` +
    "browser, serve the page with 'Cross-Origin-Opener-Policy: same-origin' and " +
    "'Cross-Origin-Embedder-Policy: require-corp' (crossOriginIsolated must be true).");
}

/**
 * Sets the number of threads the kernels use (the calling thread included) and resolves to
 * the number in use. Where threads are unavailable (no SharedArrayBuffer, a page without
 * cross-origin isolation) it logs one line saying why and resolves to 1; if workers fail to
 * start it logs why and uses those that started. It never rejects for those reasons; a
 * count that is not an integer in [1, MAX_THREADS] is a RangeError.
 */
export async function setThreads(n: number): Promise<number> {
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new RangeError(`gaaf.setThreads: the thread count must be an integer in [1, ${MAX_THREADS}], got ${n}`);
  }
  if (!loaded.module) {
    if (n > 1) logFallback(n, loaded.why ?? 'the threaded build is not loaded');
    nThreads = 1;
    return 1;
  }
  if (!pool) {
    ctrlBuf = new Buf(Math.ceil(controlBytes(MAX_THREADS - 1) / 4), 'i32', 'thread control block');
    pool = new Pool(loaded.module, wasm.memory, addrOf(ctrlBuf), MAX_THREADS - 1, [...PAR_OPS]);
  }
  // each worker's GEMM workspace, allocated now so a training step never allocates
  while (workerWork.length < n - 1) workerWork.push(new Buf(Math.ceil(wasm.gemm_workspace_bytes() / 4), 'f32', `gemm workspace ${workerWork.length + 1}`));
  while (workerWork.length > n - 1) workerWork.pop()!.free();
  while (convWork.length > n - 1) convWork.pop()!.free();
  nThreads = 1 + Math.min(pool.workers, n - 1); // shrink at once, grow once the workers are ready
  try {
    await pool.resize(n - 1);
  } catch (e) {
    console.warn(`gaaf: using ${pool.workers + 1} of ${n} threads: a worker failed to start: ${(e as Error).message}`);
    while (workerWork.length > pool.workers) workerWork.pop()!.free();
  }
  nThreads = pool.workers + 1;
  pool.setSpin(nThreads <= hardwareThreads() ? SPIN_ITERATIONS : 0);
  return nThreads;
}

/** The number of threads the kernels use now (1: single-threaded). */
export function threads(): number {
  return nThreads;
}

/** Whether this platform can run threads, and if not, why. */
export function threadSupport(): { available: boolean; reason: string | null } {
  return { available: loaded.module !== null, reason: loaded.why };
}

/** Stops the workers (the kernels run single-threaded afterwards; setThreads starts them again). */
export function shutdownThreads(): void {
  pool?.shutdown();
  while (workerWork.length) workerWork.pop()!.free();
  while (convWork.length) convWork.pop()!.free();
  nThreads = 1;
}

/** Tests only: the least work per thread (GEMM multiply-adds, elementwise elements); no argument restores the defaults. */
export function setParallelGrain(g?: { gemmMacs: number; elems: number }): void {
  grain = g ? { ...g } : { ...DEFAULT_GRAIN };
}

/** [start, end) of part t of `units` units split into `parts` near-equal parts. */
function share(units: number, parts: number, t: number): [number, number] {
  return [Math.floor((t * units) / parts), Math.floor(((t + 1) * units) / parts)];
}

function runParallel(calls: Call[]): void {
  pool!.run(calls, (c) => (wasm[PAR_OPS[c.op]] as (...a: number[]) => void)(...c.args));
}

/**
 * Splits `units` work units into `parts` near-equal shares and runs `call(u0, u1, t)` for share t
 * ([u0, u1)) on thread t (t = 0: this thread), returning when all are done.
 */
function runShares(units: number, parts: number, call: (u0: number, u1: number, t: number) => Call): void {
  const calls: Call[] = [];
  for (let t = 0; t < parts; t++) {
    const [u0, u1] = share(units, parts, t);
    calls.push(call(u0, u1, t));
  }
  runParallel(calls);
}

/**
 * Runs a column-wise kernel over rows×cols on up to threads() threads, each part a range of
 * whole 16-column blocks (`call(j0, ncols)`). Returns false when the call is too small to split.
 */
function parallelColumns(rows: number, cols: number, call: (j0: number, n: number) => Call): boolean {
  const n = rows * cols;
  if (nThreads < 2 || n < 2 * grain.elems) return false;
  const units = Math.ceil(cols / GEMM_COL_UNIT);
  const parts = Math.min(nThreads, units, Math.floor(n / grain.elems));
  if (parts < 2) return false;
  runShares(units, parts, (u0, u1) => {
    const j0 = u0 * GEMM_COL_UNIT;
    return call(j0, Math.min(cols, u1 * GEMM_COL_UNIT) - j0);
  });
  return true;
}

/**
 * Runs an elementwise kernel over n elements on up to threads() threads: part t gets a range
 * of whole ELEM_UNIT blocks and `args(off, len)` gives its call's arguments. Returns false
 * (and runs nothing) when the call is too small to split.
 */
function parallelElementwise(op: ParOp, n: number, args: (off: number, len: number) => number[]): boolean {
  if (nThreads < 2 || n < 2 * grain.elems) return false;
  const units = Math.ceil(n / ELEM_UNIT);
  const parts = Math.min(nThreads, units, Math.floor(n / grain.elems));
  if (parts < 2) return false;
  runShares(units, parts, (u0, u1) => {
    const off = u0 * ELEM_UNIT;
    return { op: OP_INDEX[op], args: args(off, Math.min(n, u1 * ELEM_UNIT) - off) };
  });
  return true;
}

// ---------------------------------------------------------------------------------------
// Checks

function checkDim(kernel: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
    throw new RangeError(`gaaf.${kernel}: ${name} must be a non-negative integer, got ${v}`);
  }
}

function checkBuf(kernel: string, name: string, b: Buf, dtype: DType): void {
  if (!(b instanceof Buf)) throw new TypeError(`gaaf.${kernel}: ${name} must be a gaaf Buf`);
  if (b.dtype !== dtype) throw new TypeError(`gaaf.${kernel}: ${name} ('${b.label}') must be ${dtype}, got ${b.dtype}`);
}

/** Checks that a rows×cols matrix with row stride ld fits in b. */
function checkMat(kernel: string, name: string, b: Buf, rows: number, cols: number, ld: number): void {
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

function checkLen(kernel: string, name: string, b: Buf, n: number, dtype: DType = 'f32'): void {
  checkBuf(kernel, name, b, dtype);
  if (n > b.length) throw new RangeError(`gaaf.${kernel}: ${name} ('${b.label}') needs ${n} elements, buffer has ${b.length}`);
}

function checkFinite(kernel: string, name: string, v: number): void {
  if (!Number.isFinite(v)) throw new RangeError(`gaaf.${kernel}: ${name} must be finite, got ${v}`);
}

// ---------------------------------------------------------------------------------------
// Kernel wrappers. Shapes follow the kernels in assembly/.

let gemmWork: Buf | null = null;

/**
 * C (M,N) = alpha·op(A)·op(B) + beta·C + bias (N). op(A) is M×K: A is stored M×K, or K×M when
 * transA. op(B) is K×N: B is stored K×N, or N×K when transB. Row-major, with row strides.
 * beta = 0 means C is not read.
 */
export function gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: Buf, lda: number, B: Buf, ldb: number, beta: number, C: Buf, ldc: number, bias: Buf | null = null): void {
  const k = 'gemm';
  checkDim(k, 'M', M); checkDim(k, 'N', N); checkDim(k, 'K', K);
  checkFinite(k, 'alpha', alpha); checkFinite(k, 'beta', beta);
  checkMat(k, 'A', A, transA ? K : M, transA ? M : K, lda);
  checkMat(k, 'B', B, transB ? N : K, transB ? K : N, ldb);
  checkMat(k, 'C', C, M, N, ldc);
  if (bias) checkLen(k, 'bias', bias, N);
  const biasPtr = bias ? addrOf(bias) : 0;
  if (impl === 'scalar') {
    wasm.gemm_ref(+transA, +transB, M, N, K, alpha, addrOf(A), lda, addrOf(B), ldb, beta, addrOf(C), ldc, biasPtr);
  } else {
    if (!gemmWork) gemmWork = new Buf(Math.ceil(wasm.gemm_workspace_bytes() / 4), 'f32', 'gemm workspace');
    const a = addrOf(A), b = addrOf(B), c = addrOf(C);
    if (!gemmParallel(+transA, +transB, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc, biasPtr)) {
      wasm.gemm(+transA, +transB, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc, biasPtr, addrOf(gemmWork));
    }
  }
}

/**
 * Splits C into blocks of whole rows (when M ≥ N) or whole columns, one per thread, each a
 * GEMM over the full K with its own packing workspace: every element of C is computed by one
 * thread with the same K blocking and order as the single call, so the result is
 * bit-identical. Returns false when the call is too small to split.
 */
function gemmParallel(tA: number, tB: number, M: number, N: number, K: number, alpha: number, A: number, lda: number,
  B: number, ldb: number, beta: number, C: number, ldc: number, bias: number): boolean {
  if (nThreads < 2 || M === 0 || N === 0) return false;
  const macs = M * N * Math.max(K, 1);
  const byRows = M >= N;
  const units = byRows ? Math.ceil(M / GEMM_ROW_UNIT) : Math.ceil(N / GEMM_COL_UNIT);
  const parts = Math.min(nThreads, units, Math.floor(macs / grain.gemmMacs));
  if (parts < 2) return false;
  runShares(units, parts, (u0, u1, t) => {
    const work = t === 0 ? addrOf(gemmWork!) : addrOf(workerWork[t - 1]);
    if (byRows) {
      const i0 = u0 * GEMM_ROW_UNIT, i1 = Math.min(M, u1 * GEMM_ROW_UNIT);
      const a = A + 4 * (tA ? i0 : i0 * lda);
      return { op: OP_INDEX.gemm, args: [tA, tB, i1 - i0, N, K, alpha, a, lda, B, ldb, beta, C + 4 * i0 * ldc, ldc, bias, work] };
    }
    const j0 = u0 * GEMM_COL_UNIT, j1 = Math.min(N, u1 * GEMM_COL_UNIT);
    const b = B + 4 * (tB ? j0 * ldb : j0);
    return { op: OP_INDEX.gemm, args: [tA, tB, M, j1 - j0, K, alpha, A, lda, b, ldb, beta, C + 4 * j0, ldc, bias ? bias + 4 * j0 : 0, work] };
  });
  return true;
}

/** Activation kinds, as numbered in assembly/activations.ts. */
export const ACT = { tanh: 0, relu: 1, sigmoid: 2 } as const;
export type ActKind = keyof typeof ACT;

function actCode(k: string, kind: ActKind): number {
  const c = ACT[kind];
  if (c === undefined) throw new RangeError(`gaaf.${k}: unknown activation '${kind}' (expected tanh, relu or sigmoid)`);
  return c;
}

/** y (n) = φ(x) */
export function actForward(kind: ActKind, x: Buf, y: Buf, n: number): void {
  const k = 'actForward';
  const c = actCode(k, kind);
  checkDim(k, 'n', n); checkLen(k, 'x', x, n); checkLen(k, 'y', y, n);
  if (impl === 'scalar') return wasm.act_forward_ref(c, addrOf(x), addrOf(y), n);
  const px = addrOf(x), py = addrOf(y);
  if (!parallelElementwise('act_forward', n, (o, l) => [c, px + 4 * o, py + 4 * o, l])) wasm.act_forward(c, px, py, n);
}

/** dx (n) = dy·φ'(x), with y = φ(x) from the forward pass. */
export function actBackward(kind: ActKind, x: Buf, y: Buf, dy: Buf, dx: Buf, n: number): void {
  const k = 'actBackward';
  const c = actCode(k, kind);
  checkDim(k, 'n', n);
  checkLen(k, 'x', x, n); checkLen(k, 'y', y, n); checkLen(k, 'dy', dy, n); checkLen(k, 'dx', dx, n);
  if (impl === 'scalar') return wasm.act_backward_ref(c, addrOf(x), addrOf(y), addrOf(dy), addrOf(dx), n);
  const px = addrOf(x), py = addrOf(y), pdy = addrOf(dy), pdx = addrOf(dx);
  if (!parallelElementwise('act_backward', n, (o, l) => [c, px + 4 * o, py + 4 * o, pdy + 4 * o, pdx + 4 * o, l])) {
    wasm.act_backward(c, px, py, pdy, pdx, n);
  }
}

/** y (n) = φ(x) + g(x)·s(x): GAAF (paper eq. 8), g with frequency K, shape parameters p1, p2. */
export function gaafForward(kind: ActKind, x: Buf, y: Buf, n: number, K: number, p1: number, p2: number): void {
  const k = 'gaafForward';
  const c = actCode(k, kind);
  checkDim(k, 'n', n); checkLen(k, 'x', x, n); checkLen(k, 'y', y, n);
  checkFinite(k, 'K', K); checkFinite(k, 'p1', p1); checkFinite(k, 'p2', p2);
  if (impl === 'scalar') return wasm.gaaf_forward_ref(c, addrOf(x), addrOf(y), n, K, p1, p2);
  const px = addrOf(x), py = addrOf(y);
  if (!parallelElementwise('gaaf_forward', n, (o, l) => [c, px + 4 * o, py + 4 * o, l, K, p1, p2])) wasm.gaaf_forward(c, px, py, n, K, p1, p2);
}

/** dx (n) = dy·(φ'(x) + s(x)) */
export function gaafBackward(kind: ActKind, x: Buf, dy: Buf, dx: Buf, n: number, p1: number, p2: number): void {
  const k = 'gaafBackward';
  const c = actCode(k, kind);
  checkDim(k, 'n', n); checkLen(k, 'x', x, n); checkLen(k, 'dy', dy, n); checkLen(k, 'dx', dx, n);
  checkFinite(k, 'p1', p1); checkFinite(k, 'p2', p2);
  if (impl === 'scalar') return wasm.gaaf_backward_ref(c, addrOf(x), addrOf(dy), addrOf(dx), n, p1, p2);
  const px = addrOf(x), pdy = addrOf(dy), pdx = addrOf(dx);
  if (!parallelElementwise('gaaf_backward', n, (o, l) => [c, px + 4 * o, pdy + 4 * o, pdx + 4 * o, l, p1, p2])) {
    wasm.gaaf_backward(c, px, pdy, pdx, n, p1, p2);
  }
}

/** Inverted dropout: mask (n) = keep ? 1/(1-p) : 0 from a counter-based hash of (seed, stream, i); y = x·mask. */
export function dropoutForward(x: Buf, y: Buf, mask: Buf, n: number, p: number, seed: number, stream: number): void {
  const k = 'dropoutForward';
  checkDim(k, 'n', n); checkLen(k, 'x', x, n); checkLen(k, 'y', y, n); checkLen(k, 'mask', mask, n);
  if (!(p >= 0 && p < 1)) throw new RangeError(`gaaf.${k}: p must be in [0, 1), got ${p}`);
  (impl === 'scalar' ? wasm.dropout_forward_ref : wasm.dropout_forward)(addrOf(x), addrOf(y), addrOf(mask), n, p, seed >>> 0, stream >>> 0);
}

/** dx (n) = dy·mask */
export function dropoutBackward(dy: Buf, mask: Buf, dx: Buf, n: number): void {
  const k = 'dropoutBackward';
  checkDim(k, 'n', n); checkLen(k, 'dy', dy, n); checkLen(k, 'mask', mask, n); checkLen(k, 'dx', dx, n);
  if (impl === 'scalar') return wasm.dropout_backward_ref(addrOf(dy), addrOf(mask), addrOf(dx), n);
  const pdy = addrOf(dy), pm = addrOf(mask), pdx = addrOf(dx);
  if (!parallelElementwise('dropout_backward', n, (o, l) => [pdy + 4 * o, pm + 4 * o, pdx + 4 * o, l])) wasm.dropout_backward(pdy, pm, pdx, n);
}

/**
 * Softmax cross-entropy, fused. logits (B,C), labels (B) i32 in [0,C), probs (B,C) out;
 * dlogits (B,C) = (probs − onehot)·scale when given. Returns the summed loss over the B rows.
 * Labels are checked here, so a bad label is an error, not an out-of-bounds read.
 */
export function softmaxXent(logits: Buf, labels: Buf, probs: Buf, dlogits: Buf | null, B: number, C: number, scale: number): number {
  const k = 'softmaxXent';
  checkDim(k, 'B', B); checkDim(k, 'C', C);
  if (C < 1) throw new RangeError(`gaaf.${k}: C must be at least 1, got ${C}`);
  checkLen(k, 'logits', logits, B * C); checkLen(k, 'labels', labels, B, 'i32'); checkLen(k, 'probs', probs, B * C);
  if (dlogits) checkLen(k, 'dlogits', dlogits, B * C);
  const lab = labels.viewI32();
  for (let r = 0; r < B; r++) {
    const v = lab[r];
    if (!(v >= 0 && v < C)) throw new RangeError(`gaaf.${k}: label ${v} at row ${r} is outside [0, ${C})`);
  }
  return (impl === 'scalar' ? wasm.softmax_xent_ref : wasm.softmax_xent)(
    addrOf(logits), addrOf(labels), addrOf(probs), dlogits ? addrOf(dlogits) : 0, B, C, scale);
}

/** out (rows) i32 = index of the first maximum of each row of x (rows, cols). */
export function argmaxRows(x: Buf, out: Buf, rows: number, cols: number): void {
  const k = 'argmaxRows';
  checkDim(k, 'rows', rows); checkDim(k, 'cols', cols);
  checkLen(k, 'x', x, rows * cols); checkLen(k, 'out', out, rows, 'i32');
  (impl === 'scalar' ? wasm.argmax_rows_ref : wasm.argmax_rows)(addrOf(x), addrOf(out), rows, cols);
}

/** SGD with momentum: v = μ·v + (g + wd·w); w −= lr·v. */
export function sgdUpdate(w: Buf, g: Buf, v: Buf, n: number, lr: number, momentum: number, weightDecay: number): void {
  const k = 'sgdUpdate';
  checkDim(k, 'n', n); checkLen(k, 'w', w, n); checkLen(k, 'g', g, n); checkLen(k, 'v', v, n);
  if (impl === 'scalar') return wasm.sgd_update_ref(addrOf(w), addrOf(g), addrOf(v), n, lr, momentum, weightDecay);
  const pw = addrOf(w), pg = addrOf(g), pv = addrOf(v);
  if (!parallelElementwise('sgd_update', n, (o, l) => [pw + 4 * o, pg + 4 * o, pv + 4 * o, l, lr, momentum, weightDecay])) {
    wasm.sgd_update(pw, pg, pv, n, lr, momentum, weightDecay);
  }
}

/** Adam (Kingma & Ba 2015, Alg. 1); bc1 = 1−β1^t and bc2 = 1−β2^t. */
export function adamUpdate(w: Buf, g: Buf, m: Buf, v: Buf, n: number, lr: number, beta1: number, beta2: number,
  eps: number, bc1: number, bc2: number, weightDecay: number): void {
  const k = 'adamUpdate';
  checkDim(k, 'n', n); checkLen(k, 'w', w, n); checkLen(k, 'g', g, n); checkLen(k, 'm', m, n); checkLen(k, 'v', v, n);
  if (impl === 'scalar') {
    return wasm.adam_update_ref(addrOf(w), addrOf(g), addrOf(m), addrOf(v), n, lr, beta1, beta2, eps, bc1, bc2, weightDecay);
  }
  const pw = addrOf(w), pg = addrOf(g), pm = addrOf(m), pv = addrOf(v);
  if (!parallelElementwise('adam_update', n, (o, l) => [pw + 4 * o, pg + 4 * o, pm + 4 * o, pv + 4 * o, l, lr, beta1, beta2, eps, bc1, bc2, weightDecay])) {
    wasm.adam_update(pw, pg, pm, pv, n, lr, beta1, beta2, eps, bc1, bc2, weightDecay);
  }
}

/** mean |x| over the first n elements (f64 accumulation). */
export function meanAbs(x: Buf, n: number = x.length): number {
  const k = 'meanAbs';
  checkDim(k, 'n', n); checkLen(k, 'x', x, n);
  return (impl === 'scalar' ? wasm.mean_abs_ref : wasm.mean_abs)(addrOf(x), n);
}

let f64Scratch: Buf | null = null;

/** Mean and population variance of the first n elements (two-pass, f64). */
export function meanVar(x: Buf, n: number = x.length): { mean: number; variance: number } {
  const k = 'meanVar';
  checkDim(k, 'n', n); checkLen(k, 'x', x, n);
  if (!f64Scratch) f64Scratch = new Buf(4, 'f32', 'f64 scratch'); // 16 bytes = two f64
  (impl === 'scalar' ? wasm.mean_var_ref : wasm.mean_var)(addrOf(x), n, addrOf(f64Scratch));
  refreshViews();
  const p = addrOf(f64Scratch) >>> 3;
  return { mean: f64[p], variance: f64[p + 1] };
}

/** out (cols) = beta·out + Σ_rows x[r·ld + j]: the bias gradient. */
export function sumRows(x: Buf, rows: number, cols: number, ld: number, out: Buf, beta: number): void {
  const k = 'sumRows';
  checkDim(k, 'rows', rows); checkDim(k, 'cols', cols);
  checkMat(k, 'x', x, rows, cols, ld); checkLen(k, 'out', out, cols);
  if (impl === 'scalar') return wasm.sum_rows_ref(addrOf(x), rows, cols, ld, addrOf(out), beta);
  // split over columns: each column's sum keeps its row order, so the bits do not change
  const px = addrOf(x), po = addrOf(out);
  if (!parallelColumns(rows, cols, (j0, nc) => ({ op: OP_INDEX.sum_rows, args: [px + 4 * j0, rows, nc, ld, po + 4 * j0, beta] }))) {
    wasm.sum_rows(px, rows, cols, ld, po, beta);
  }
}

/** Per-column mean and population variance of x (rows, cols) over its rows. */
export function colMeanVar(x: Buf, rows: number, cols: number, mean: Buf, variance: Buf): void {
  const k = 'colMeanVar';
  checkDim(k, 'rows', rows); checkDim(k, 'cols', cols);
  checkLen(k, 'x', x, rows * cols); checkLen(k, 'mean', mean, cols); checkLen(k, 'variance', variance, cols);
  (impl === 'scalar' ? wasm.col_mean_var_ref : wasm.col_mean_var)(addrOf(x), rows, cols, addrOf(mean), addrOf(variance));
}

/** Number of NaN or ±Inf among the first n elements. */
export function countNonFinite(x: Buf, n: number = x.length): number {
  const k = 'countNonFinite';
  checkDim(k, 'n', n); checkLen(k, 'x', x, n);
  return (impl === 'scalar' ? wasm.count_nonfinite_ref : wasm.count_nonfinite)(addrOf(x), n);
}

/** Copies n elements from src[srcOff..] to dst[dstOff..] (both f32). */
export function copy(src: Buf, srcOff: number, dst: Buf, dstOff: number, n: number): void {
  checkDim('copy', 'n', n);
  if (srcOff + n > src.length || dstOff + n > dst.length) {
    throw new RangeError(`gaaf.copy: ${n} elements from '${src.label}'@${srcOff} to '${dst.label}'@${dstOff} overflow`);
  }
  refreshViews();
  const s = (addrOf(src) >>> 2) + srcOff;
  const d = (addrOf(dst) >>> 2) + dstOff;
  f32.copyWithin(d, s, s + n);
}

let peakBuf: Buf | null = null;

/**
 * Runs `iters` iterations of the register-only f32x4 multiply-add loop (assembly/peak.ts)
 * and returns the flops it did: timing it gives this machine's reachable SIMD peak.
 */
export function simdPeakLoop(iters: number): number {
  checkDim('simdPeakLoop', 'iters', iters);
  if (!peakBuf) {
    peakBuf = new Buf(64, 'f32', 'peak scratch');
    peakBuf.write(Float32Array.from({ length: 24 }, (_, i) => 1e-3 * (i + 1)));
  }
  wasm.simd_peak_loop(iters, addrOf(peakBuf));
  return wasm.simd_peak_flops(iters);
}

// =======================================================================================
// Convolution, pooling, batch norm (assembly/conv.ts, pool.ts, batchnorm.ts)
// =======================================================================================
// Tensors are NHWC. Each wrapper checks every geometry value and operand extent, then calls
// the SIMD kernel or, under setKernelImpl('scalar'), its plain `_ref` loop.

// merges into the Exports interface above
interface Exports {
  conv2d_workspace_bytes(n: number, h: number, w: number, c: number, oc: number, kh: number, kw: number, stride: number, pad: number): number;
  conv2d_forward(x: number, f: number, bias: number, y: number, work: number, n: number, h: number, w: number, c: number, oc: number, kh: number, kw: number, stride: number, pad: number): void;
  conv2d_forward_ref(x: number, f: number, bias: number, y: number, n: number, h: number, w: number, c: number, oc: number, kh: number, kw: number, stride: number, pad: number): void;
  conv2d_backward_data(dy: number, f: number, dx: number, work: number, n: number, h: number, w: number, c: number, oc: number, kh: number, kw: number, stride: number, pad: number): void;
  conv2d_backward_data_ref(dy: number, f: number, dx: number, n: number, h: number, w: number, c: number, oc: number, kh: number, kw: number, stride: number, pad: number): void;
  conv2d_backward_filter(x: number, dy: number, df: number, dbias: number, work: number, n: number, h: number, w: number, c: number, oc: number, kh: number, kw: number, stride: number, pad: number): void;
  conv2d_backward_filter_ref(x: number, dy: number, df: number, dbias: number, n: number, h: number, w: number, c: number, oc: number, kh: number, kw: number, stride: number, pad: number): void;
  conv2d_backward_filter_oc(x: number, dy: number, df: number, dbias: number, work: number, n: number, h: number, w: number, c: number, oc: number, kh: number, kw: number, stride: number, pad: number, o0: number, o1: number): void;
  maxpool_forward(x: number, y: number, argmax: number, n: number, h: number, w: number, c: number, k: number, stride: number): void;
  maxpool_forward_ref(x: number, y: number, argmax: number, n: number, h: number, w: number, c: number, k: number, stride: number): void;
  maxpool_backward(dy: number, argmax: number, dx: number, n: number, h: number, w: number, c: number, k: number, stride: number): number;
  maxpool_backward_ref(dy: number, argmax: number, dx: number, n: number, h: number, w: number, c: number, k: number, stride: number): number;
  batchnorm_forward_train(x: number, gamma: number, beta: number, y: number, mean: number, invStd: number, rows: number, cols: number, eps: number): void;
  batchnorm_forward_train_ref(x: number, gamma: number, beta: number, y: number, mean: number, invStd: number, rows: number, cols: number, eps: number): void;
  batchnorm_forward_inference(x: number, gamma: number, beta: number, runMean: number, runVar: number, y: number, rows: number, cols: number, eps: number): void;
  batchnorm_forward_inference_ref(x: number, gamma: number, beta: number, runMean: number, runVar: number, y: number, rows: number, cols: number, eps: number): void;
  batchnorm_backward(x: number, dy: number, gamma: number, mean: number, invStd: number, dx: number, dgamma: number, dbeta: number, rows: number, cols: number): void;
  batchnorm_backward_ref(x: number, dy: number, gamma: number, mean: number, invStd: number, dx: number, dgamma: number, dbeta: number, rows: number, cols: number): void;
}

/** 2-D convolution over NHWC tensors: x (n,h,w,c), filter (kh,kw,c,oc), bias (oc), y (n,oh,ow,oc). */
export interface ConvGeom { n: number; h: number; w: number; c: number; oc: number; kh: number; kw: number; stride: number; pad: number }

/** Max pooling over NHWC, no padding: x (n,h,w,c) → y (n,oh,ow,c), oh = floor((h − k)/stride) + 1. */
export interface PoolGeom { n: number; h: number; w: number; c: number; k: number; stride: number }

const MAX_ELEMS = 2 ** 30; // a Buf of f32 cannot hold more in wasm32

function checkPos(kernel: string, name: string, v: number, min = 1): void {
  if (!Number.isInteger(v) || v < min || v > 0x7fffffff) {
    throw new RangeError(`gaaf.${kernel}: ${name} must be an integer >= ${min}, got ${v}`);
  }
}

function checkElems(kernel: string, what: string, n: number): void {
  if (n > MAX_ELEMS) throw new RangeError(`gaaf.${kernel}: ${what} has ${n} elements, more than a Wasm buffer can hold (${MAX_ELEMS})`);
}

/** Outputs must not share a buffer with any input (the kernels read inputs while writing outputs). */
function checkDistinct(kernel: string, outs: Record<string, Buf | null>, ins: Record<string, Buf | null>): void {
  const all = { ...ins, ...outs };
  for (const [on, ob] of Object.entries(outs)) {
    if (!ob) continue;
    for (const [n2, b2] of Object.entries(all)) {
      if (n2 !== on && b2 === ob) throw new RangeError(`gaaf.${kernel}: ${on} and ${n2} are the same buffer ('${ob.label}')`);
    }
  }
}

/** floor((size + 2·pad − k)/stride) + 1, or a RangeError naming the sizes if < 1. */
export function convOutSize(size: number, k: number, stride: number, pad: number): number {
  const kn = 'convOutSize';
  checkPos(kn, 'size', size); checkPos(kn, 'kernel size', k); checkPos(kn, 'stride', stride); checkPos(kn, 'pad', pad, 0);
  const o = Math.floor((size + 2 * pad - k) / stride) + 1;
  if (o < 1) {
    throw new RangeError(`gaaf.${kn}: a ${k}-wide kernel with pad ${pad} does not fit an input of size ${size} ` +
      `(size + 2·pad = ${size + 2 * pad} < ${k})`);
  }
  return o;
}

/** Checks g and returns the output size. */
function convShape(kernel: string, g: ConvGeom): { oh: number; ow: number; K: number } {
  if (g === null || typeof g !== 'object') throw new TypeError(`gaaf.${kernel}: geometry must be an object {n,h,w,c,oc,kh,kw,stride,pad}`);
  for (const f of ['n', 'h', 'w', 'c', 'oc', 'kh', 'kw', 'stride'] as const) checkPos(kernel, `geometry.${f}`, g[f]);
  checkPos(kernel, 'geometry.pad', g.pad, 0);
  let oh: number, ow: number;
  try {
    oh = convOutSize(g.h, g.kh, g.stride, g.pad);
    ow = convOutSize(g.w, g.kw, g.stride, g.pad);
  } catch (e) {
    throw new RangeError(`gaaf.${kernel}: input ${g.h}×${g.w} is too small for a ${g.kh}×${g.kw} kernel with pad ${g.pad}: ${(e as Error).message}`);
  }
  const K = g.kh * g.kw * g.c;
  checkElems(kernel, 'x', g.n * g.h * g.w * g.c);
  checkElems(kernel, 'y', g.n * oh * ow * g.oc);
  checkElems(kernel, 'filter', K * g.oc);
  return { oh, ow, K };
}

/** f32 elements of scratch that conv2dForward/BackwardData/BackwardFilter need for geometry g (g.n = batch capacity). */
export function conv2dWorkspaceLength(g: ConvGeom): number {
  convShape('conv2dWorkspaceLength', g);
  return Math.ceil(wasm.conv2d_workspace_bytes(g.n, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.stride, g.pad) / 4);
}

function checkWork(kernel: string, work: Buf, g: ConvGeom): void {
  const need = Math.ceil(wasm.conv2d_workspace_bytes(g.n, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.stride, g.pad) / 4);
  checkLen(kernel, 'work', work, need);
}

/** y (n,oh,ow,oc) = conv2d(x (n,h,w,c), filter (kh,kw,c,oc)) + bias (oc). Writes y. */
export function conv2dForward(x: Buf, filter: Buf, bias: Buf | null, y: Buf, g: ConvGeom, work: Buf): void {
  const k = 'conv2dForward';
  const { oh, ow, K } = convShape(k, g);
  checkLen(k, 'x', x, g.n * g.h * g.w * g.c); checkLen(k, 'filter', filter, K * g.oc);
  if (bias) checkLen(k, 'bias', bias, g.oc);
  checkLen(k, 'y', y, g.n * oh * ow * g.oc); checkWork(k, work, g);
  checkDistinct(k, { y, work }, { x, filter, bias });
  const b = bias ? addrOf(bias) : 0;
  if (impl === 'scalar') {
    wasm.conv2d_forward_ref(addrOf(x), addrOf(filter), b, addrOf(y), g.n, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.stride, g.pad);
  } else {
    const px = addrOf(x), pf = addrOf(filter), py = addrOf(y);
    const split = convByImages('conv2d_forward', g, oh, ow, addrOf(work), (b0, nb, wk) =>
      [px + 4 * b0 * g.h * g.w * g.c, pf, b, py + 4 * b0 * oh * ow * g.oc, wk, nb, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.stride, g.pad]);
    if (!split) wasm.conv2d_forward(px, pf, b, py, addrOf(work), g.n, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.stride, g.pad);
  }
}

const convWork: Buf[] = []; // conv workspace of worker k at [k − 1], grown to the largest share asked for

/** Makes the workspaces of workers 1..parts−1 big enough for a conv call of geometry g. */
function growConvWork(parts: number, g: ConvGeom): void {
  const floats = Math.ceil(wasm.conv2d_workspace_bytes(g.n, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.stride, g.pad) / 4);
  for (let t = 1; t < parts; t++) {
    if (!convWork[t - 1] || convWork[t - 1].length < floats) {
      convWork[t - 1]?.free();
      convWork[t - 1] = new Buf(floats, 'f32', `conv workspace ${t}`);
    }
  }
}

/**
 * conv2d forward or backward-data split by the images of the batch, one range per thread, each
 * thread running the same kernel on its images with its own workspace (`args(b0, nb, work)`).
 * An image's outputs depend on that image only and are computed with the same arithmetic
 * (GEMM over the full K per output pixel, col2im in row order), so the result is bit-identical.
 * Backward-filter sums over the batch, so it is split by output channels instead
 * (convFilterByChannels). Returns false when too small to split.
 */
function convByImages(op: 'conv2d_forward' | 'conv2d_backward_data', g: ConvGeom, oh: number, ow: number, mainWork: number,
  args: (b0: number, nb: number, work: number) => number[]): boolean {
  if (nThreads < 2 || g.n < 2) return false;
  const macs = g.n * oh * ow * g.oc * g.kh * g.kw * g.c;
  const parts = Math.min(nThreads, g.n, Math.floor(macs / grain.gemmMacs));
  if (parts < 2) return false;
  growConvWork(parts, { ...g, n: Math.ceil(g.n / parts) });
  runShares(g.n, parts, (b0, b1, t) => ({ op: OP_INDEX[op], args: args(b0, b1 - b0, t === 0 ? mainWork : addrOf(convWork[t - 1])) }));
  return true;
}

/**
 * conv2d backward-filter split by output channels, in blocks of GEMM_COL_UNIT (16) channels: each
 * thread computes dfilter[.., o0:o1] and dbias[o0:o1] over the whole batch with its own
 * workspace, so the sum over the batch keeps its order and the result is bit-identical (GEMM
 * rows and columns and sum_rows columns are computed independently). Each thread repeats the
 * im2col of the batch: that copy is O(rows·K) against the GEMM's O(rows·K·oc/threads).
 * Returns false when too small to split (fewer than two 16-channel blocks, or too little work).
 */
function convFilterByChannels(g: ConvGeom, oh: number, ow: number, mainWork: number,
  args: (o0: number, o1: number, work: number) => number[]): boolean {
  if (nThreads < 2) return false;
  const macs = g.n * oh * ow * g.oc * g.kh * g.kw * g.c;
  const parts = Math.min(nThreads, Math.ceil(g.oc / GEMM_COL_UNIT), Math.floor(macs / grain.gemmMacs));
  if (parts < 2) return false;
  growConvWork(parts, g);
  const units = Math.ceil(g.oc / GEMM_COL_UNIT);
  runShares(units, parts, (u0, u1, t) => ({
    op: OP_INDEX.conv2d_backward_filter_oc,
    args: args(u0 * GEMM_COL_UNIT, Math.min(g.oc, u1 * GEMM_COL_UNIT), t === 0 ? mainWork : addrOf(convWork[t - 1])),
  }));
  return true;
}

/** dx (n,h,w,c) = gradient of conv2dForward w.r.t. x, from dy (n,oh,ow,oc) and filter. Overwrites dx. */
export function conv2dBackwardData(dy: Buf, filter: Buf, dx: Buf, g: ConvGeom, work: Buf): void {
  const k = 'conv2dBackwardData';
  const { oh, ow, K } = convShape(k, g);
  checkLen(k, 'dy', dy, g.n * oh * ow * g.oc); checkLen(k, 'filter', filter, K * g.oc);
  checkLen(k, 'dx', dx, g.n * g.h * g.w * g.c); checkWork(k, work, g);
  checkDistinct(k, { dx, work }, { dy, filter });
  if (impl === 'scalar') {
    wasm.conv2d_backward_data_ref(addrOf(dy), addrOf(filter), addrOf(dx), g.n, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.stride, g.pad);
  } else {
    const pdy = addrOf(dy), pf = addrOf(filter), pdx = addrOf(dx);
    const split = convByImages('conv2d_backward_data', g, oh, ow, addrOf(work), (b0, nb, wk) =>
      [pdy + 4 * b0 * oh * ow * g.oc, pf, pdx + 4 * b0 * g.h * g.w * g.c, wk, nb, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.stride, g.pad]);
    if (!split) wasm.conv2d_backward_data(pdy, pf, pdx, addrOf(work), g.n, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.stride, g.pad);
  }
}

/** dfilter (kh,kw,c,oc) and dbias (oc) = gradients of conv2dForward, summed over n, oh, ow. Overwrites both. */
export function conv2dBackwardFilter(x: Buf, dy: Buf, dfilter: Buf, dbias: Buf | null, g: ConvGeom, work: Buf): void {
  const k = 'conv2dBackwardFilter';
  const { oh, ow, K } = convShape(k, g);
  checkLen(k, 'x', x, g.n * g.h * g.w * g.c); checkLen(k, 'dy', dy, g.n * oh * ow * g.oc);
  checkLen(k, 'dfilter', dfilter, K * g.oc);
  if (dbias) checkLen(k, 'dbias', dbias, g.oc);
  checkWork(k, work, g);
  checkDistinct(k, { dfilter, dbias, work }, { x, dy });
  const db = dbias ? addrOf(dbias) : 0;
  if (impl === 'scalar') {
    wasm.conv2d_backward_filter_ref(addrOf(x), addrOf(dy), addrOf(dfilter), db, g.n, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.stride, g.pad);
  } else {
    const split = convFilterByChannels(g, oh, ow, addrOf(work), (o0, o1, wk) =>
      [addrOf(x), addrOf(dy), addrOf(dfilter), db, wk, g.n, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.stride, g.pad, o0, o1]);
    if (!split) wasm.conv2d_backward_filter(addrOf(x), addrOf(dy), addrOf(dfilter), db, addrOf(work), g.n, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.stride, g.pad);
  }
}

function poolShape(kernel: string, g: PoolGeom): { oh: number; ow: number } {
  if (g === null || typeof g !== 'object') throw new TypeError(`gaaf.${kernel}: geometry must be an object {n,h,w,c,k,stride}`);
  for (const f of ['n', 'h', 'w', 'c', 'k', 'stride'] as const) checkPos(kernel, `geometry.${f}`, g[f]);
  if (g.k > g.h || g.k > g.w) throw new RangeError(`gaaf.${kernel}: a ${g.k}×${g.k} pooling window does not fit a ${g.h}×${g.w} input`);
  checkElems(kernel, 'x', g.n * g.h * g.w * g.c);
  return { oh: Math.floor((g.h - g.k) / g.stride) + 1, ow: Math.floor((g.w - g.k) / g.stride) + 1 };
}

/** y (n,oh,ow,c) = max over each k×k window (stride s) of x (n,h,w,c); argmax (i32) = index into x of that max. */
export function maxPoolForward(x: Buf, y: Buf, argmax: Buf, g: PoolGeom): void {
  const k = 'maxPoolForward';
  const { oh, ow } = poolShape(k, g);
  const no = g.n * oh * ow * g.c;
  checkLen(k, 'x', x, g.n * g.h * g.w * g.c); checkLen(k, 'y', y, no); checkLen(k, 'argmax', argmax, no, 'i32');
  checkDistinct(k, { y, argmax }, { x });
  (impl === 'scalar' ? wasm.maxpool_forward_ref : wasm.maxpool_forward)(addrOf(x), addrOf(y), addrOf(argmax), g.n, g.h, g.w, g.c, g.k, g.stride);
}

/** dx (n,h,w,c) = 0, then dx[argmax[i]] += dy[i]. Overwrites dx. */
export function maxPoolBackward(dy: Buf, argmax: Buf, dx: Buf, g: PoolGeom): void {
  const k = 'maxPoolBackward';
  const { oh, ow } = poolShape(k, g);
  const no = g.n * oh * ow * g.c;
  checkLen(k, 'dy', dy, no); checkLen(k, 'argmax', argmax, no, 'i32'); checkLen(k, 'dx', dx, g.n * g.h * g.w * g.c);
  checkDistinct(k, { dx }, { dy, argmax });
  const bad = (impl === 'scalar' ? wasm.maxpool_backward_ref : wasm.maxpool_backward)(
    addrOf(dy), addrOf(argmax), addrOf(dx), g.n, g.h, g.w, g.c, g.k, g.stride);
  if (bad !== 0) {
    throw new RangeError(`gaaf.${k}: ${bad} of ${no} argmax entries ('${argmax.label}') point outside their pooling window; ` +
      `argmax must come from maxPoolForward with the same geometry`);
  }
}

function checkEps(kernel: string, eps: number): void {
  if (!(eps > 0 && Number.isFinite(eps))) throw new RangeError(`gaaf.${kernel}: eps must be finite and > 0 (a constant column would give 1/0), got ${eps}`);
}

function bnShape(kernel: string, rows: number, cols: number): void {
  checkPos(kernel, 'rows', rows); checkPos(kernel, 'cols', cols);
  checkElems(kernel, 'x', rows * cols);
}

/** Training-mode batch norm over rows × cols (per-column statistics); writes y, mean and invStd = 1/sqrt(var_biased + eps). */
export function batchNormForwardTrain(x: Buf, gamma: Buf, beta: Buf, y: Buf, mean: Buf, invStd: Buf,
  rows: number, cols: number, eps: number): void {
  const k = 'batchNormForwardTrain';
  bnShape(k, rows, cols);
  checkEps(k, eps);
  const n = rows * cols;
  checkLen(k, 'x', x, n); checkLen(k, 'gamma', gamma, cols); checkLen(k, 'beta', beta, cols);
  checkLen(k, 'y', y, n); checkLen(k, 'mean', mean, cols); checkLen(k, 'invStd', invStd, cols);
  checkDistinct(k, { y, mean, invStd }, { x, gamma, beta });
  (impl === 'scalar' ? wasm.batchnorm_forward_train_ref : wasm.batchnorm_forward_train)(
    addrOf(x), addrOf(gamma), addrOf(beta), addrOf(y), addrOf(mean), addrOf(invStd), rows, cols, eps);
}

/** Inference-mode batch norm: y = (x − runMean)·gamma/sqrt(runVar + eps) + beta, per column. */
export function batchNormForwardInference(x: Buf, gamma: Buf, beta: Buf, runMean: Buf, runVar: Buf, y: Buf,
  rows: number, cols: number, eps: number): void {
  const k = 'batchNormForwardInference';
  bnShape(k, rows, cols);
  checkEps(k, eps);
  const n = rows * cols;
  checkLen(k, 'x', x, n); checkLen(k, 'gamma', gamma, cols); checkLen(k, 'beta', beta, cols);
  checkLen(k, 'runMean', runMean, cols); checkLen(k, 'runVar', runVar, cols); checkLen(k, 'y', y, n);
  checkDistinct(k, { y }, { gamma, beta, runMean, runVar });
  (impl === 'scalar' ? wasm.batchnorm_forward_inference_ref : wasm.batchnorm_forward_inference)(
    addrOf(x), addrOf(gamma), addrOf(beta), addrOf(runMean), addrOf(runVar), addrOf(y), rows, cols, eps);
}

/** Training-mode batch norm backward (Ioffe & Szegedy 2015): overwrites dx, dgamma = Σ dy·x̂, dbeta = Σ dy. */
export function batchNormBackward(x: Buf, dy: Buf, gamma: Buf, mean: Buf, invStd: Buf, dx: Buf, dgamma: Buf, dbeta: Buf,
  rows: number, cols: number): void {
  const k = 'batchNormBackward';
  bnShape(k, rows, cols);
  const n = rows * cols;
  checkLen(k, 'x', x, n); checkLen(k, 'dy', dy, n); checkLen(k, 'gamma', gamma, cols);
  checkLen(k, 'mean', mean, cols); checkLen(k, 'invStd', invStd, cols); checkLen(k, 'dx', dx, n);
  checkLen(k, 'dgamma', dgamma, cols); checkLen(k, 'dbeta', dbeta, cols);
  checkDistinct(k, { dx, dgamma, dbeta }, { x, gamma, mean, invStd });
  (impl === 'scalar' ? wasm.batchnorm_backward_ref : wasm.batchnorm_backward)(
    addrOf(x), addrOf(dy), addrOf(gamma), addrOf(mean), addrOf(invStd), addrOf(dx), addrOf(dgamma), addrOf(dbeta), rows, cols);
}

// Start the default number of threads at load (one line is logged where threads are
// unavailable); setThreads changes it, shutdownThreads stops the workers. Idle workers are
// unref'd in Node, so they never keep a process alive.
await setThreads(defaultThreads());

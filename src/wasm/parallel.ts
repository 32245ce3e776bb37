// Threads. With the threaded build, `threads() − 1` workers (src/threads.ts) run shares of the
// large kernel calls on the same shared memory. Each kernel's table entry names how its call
// is split (the strategies at the end of this file) so that every output element is computed
// by exactly one thread with exactly the arithmetic of the single-threaded call (GEMM over
// rows or columns of C, never over K; elementwise kernels over ranges; conv by images or by
// blocks of output channels): results are bit-identical for any thread count. Small calls
// stay on the calling thread (the grain below), so a wake-up never costs more than it saves.
import { type Call, Pool } from '../threads.js';
import { controlBytes } from '../threads-layout.js';
import { type Instance, constant, instance, load } from './instance.js';
import type { Kernel } from './kernel.js';
import { Buf, addrOf } from './memory.js';

/** Most threads (the calling thread + workers); the control block has one slot per worker. */
export const MAX_THREADS = 64;
// Grain: each thread gets at least this much work. One round costs a few µs to tens of µs (a
// futex wake per worker), so a share must be worth well above that.
const DEFAULT_GRAIN = { gemmMacs: 1 << 18, elems: 1 << 15 };
let grain = { ...DEFAULT_GRAIN };
const ELEM_UNIT = 64; // elementwise ranges start on multiples of 64 elements (a cache line is 16)
/** Spin-before-sleep iterations of the pool's threads (tens of µs) when threads ≤ cores; see Pool.setSpin. */
const SPIN_ITERATIONS = 20000;

let pool: Pool | null = null;
let nThreads = 1;
let chosen = false; // setThreads has been called (init() then keeps the count)
let queue: Promise<unknown> = Promise.resolve(); // setThreads calls run one after another
let mainGemmWork: Buf | null = null; // this thread's GEMM packing workspace, made at its first GEMM
const gemmWork: Buf[] = []; // GEMM packing workspace of worker t at [t − 1]
const convWork: Buf[] = []; // conv workspace of worker t at [t − 1], grown to the largest share asked for
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

/** Whether setThreads has chosen a count (so init() keeps it). */
export function threadsChosen(): boolean {
  return chosen;
}

/**
 * Sets the number of threads the kernels use (the calling thread included) and resolves to
 * the number in use; loads the Wasm module first if init() has not. Where threads are
 * unavailable (no SharedArrayBuffer, a page without cross-origin isolation) it logs one line
 * saying why and resolves to 1; if workers fail to start it logs why and uses those that
 * started. It never rejects for those reasons; a count that is not an integer in
 * [1, MAX_THREADS] is a RangeError. Calls run one after another.
 */
export async function setThreads(n: number): Promise<number> {
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new RangeError(`gaaf.setThreads: the thread count must be an integer in [1, ${MAX_THREADS}], got ${n}`);
  }
  chosen = true;
  const run = queue.then(() => resize(n));
  queue = run.catch(() => undefined);
  return run;
}

async function resize(n: number): Promise<number> {
  const inst = await load();
  if (!inst.module) {
    if (n > 1) logFallback(n, inst.why ?? 'the threaded build is not loaded');
    nThreads = 1;
    return 1;
  }
  if (!pool) {
    const ctrl = new Buf(Math.ceil(controlBytes(MAX_THREADS - 1) / 4), 'i32', 'thread control block');
    pool = new Pool(inst.module as WebAssembly.Module, inst.memory as WebAssembly.Memory, addrOf(ctrl), MAX_THREADS - 1, [...inst.functions]);
  }
  // each worker's GEMM workspace, allocated now so a training step never allocates
  while (gemmWork.length < n - 1) gemmWorkspace(gemmWork.length + 1);
  while (gemmWork.length > n - 1) gemmWork.pop()!.free();
  while (convWork.length > n - 1) convWork.pop()!.free();
  nThreads = 1 + Math.min(pool.workers, n - 1); // shrink at once, grow once the workers are ready
  try {
    await pool.resize(n - 1);
  } catch (e) {
    console.warn(`gaaf: using ${pool.workers + 1} of ${n} threads: a worker failed to start: ${(e as Error).message}`);
    while (gemmWork.length > pool.workers) gemmWork.pop()!.free();
  }
  nThreads = pool.workers + 1;
  pool.setSpin(nThreads <= hardwareThreads() ? SPIN_ITERATIONS : 0);
  return nThreads;
}

/** The number of threads the kernels use now (1: single-threaded). */
export function threads(): number {
  return nThreads;
}

/** Whether this platform can run threads, and if not, why (after init()). */
export function threadSupport(): { available: boolean; reason: string | null } {
  const inst = instance('threadSupport');
  return { available: inst.module !== null, reason: inst.why };
}

/** Stops the workers (the kernels run single-threaded afterwards; setThreads starts them again). */
export function shutdownThreads(): void {
  pool?.shutdown();
  while (gemmWork.length) gemmWork.pop()!.free();
  while (convWork.length) convWork.pop()!.free();
  nThreads = 1;
}

/** Tests only: the least work per thread (GEMM multiply-adds, elementwise elements); no argument restores the defaults. */
export function setParallelGrain(g?: { gemmMacs: number; elems: number }): void {
  grain = g ? { ...g } : { ...DEFAULT_GRAIN };
}

/** The GEMM packing workspace of thread t (t = 0: the calling thread), allocated once. */
export function gemmWorkspace(t = 0): Buf {
  const have = t === 0 ? mainGemmWork : gemmWork[t - 1];
  if (have) return have;
  const floats = Math.ceil((instance('gemm').ex.gemm_workspace_bytes as () => number)() / 4);
  const b = new Buf(floats, 'f32', t === 0 ? 'gemm workspace' : `gemm workspace ${t}`);
  if (t === 0) mainGemmWork = b;
  else gemmWork[t - 1] = b;
  return b;
}

/** The conv workspace of worker t (≥ 1), grown to `floats`. */
function convWorkspace(t: number, floats: number): number {
  if (!convWork[t - 1] || convWork[t - 1].length < floats) {
    convWork[t - 1]?.free();
    convWork[t - 1] = new Buf(floats, 'f32', `conv workspace ${t}`);
  }
  return addrOf(convWork[t - 1]);
}

// ---- running a split call ---------------------------------------------------------------------

/** One thread's share of a call: its values (by slot), and another export (with its argument slots) where the split needs one. */
export interface Part {
  vals: number[];
  simd?: string;
  args?: readonly number[];
}

/** A split strategy, given the table entry: a function from a call's values to its parts (null: run on one thread). */
export type Split = (k: Kernel) => (vals: number[]) => Part[] | null;

/** Runs part 0 on this thread and part t on worker t; returns when all are done. */
export function runParts(inst: Instance, k: Kernel, parts: Part[]): number {
  const calls: Call[] = parts.map((p) => ({ op: inst.functionIndex.get(p.simd ?? k.simd)!, args: (p.args ?? k.argSlots).map((i) => p.vals[i]) }));
  pool!.run(calls, (c) => (inst.ex[inst.functions[c.op]] as (...a: number[]) => void)(...c.args));
  return 0;
}

/** Part t of `units` units split into `parts` near-equal parts gets [u0, u1); `part` makes its values. */
function shares(units: number, parts: number, part: (u0: number, u1: number, t: number) => Part): Part[] {
  const out: Part[] = [];
  for (let t = 0; t < parts; t++) out.push(part(Math.floor((t * units) / parts), Math.floor(((t + 1) * units) / parts), t));
  return out;
}

/** How many parts `work` (elements or multiply-adds) over `units` units makes, or 0 when it stays on one thread. */
function partsFor(units: number, work: number, least: number): number {
  if (nThreads < 2) return 0;
  const parts = Math.min(nThreads, units, Math.floor(work / least));
  return parts >= 2 ? parts : 0;
}

// ---- split strategies ---------------------------------------------------------------------------

/**
 * Elementwise over `n` elements: part t gets a range of whole ELEM_UNIT blocks, with every
 * operand's address moved to the start of its range and n set to its length.
 */
export const elementwise: Split = (k) => {
  const n = k.slot('n');
  const ptrs = Object.keys(k.operands).map((o) => k.slot(o));
  return (vals) => {
    const len = vals[n];
    if (len < 2 * grain.elems) return null;
    const units = Math.ceil(len / ELEM_UNIT);
    const parts = partsFor(units, len, grain.elems);
    if (!parts) return null;
    return shares(units, parts, (u0, u1) => {
      const off = u0 * ELEM_UNIT;
      const v = vals.slice();
      v[n] = Math.min(len, u1 * ELEM_UNIT) - off;
      for (const p of ptrs) if (v[p]) v[p] += 4 * off;
      return { vals: v };
    });
  };
};

/**
 * Column sums (sum_rows: x (rows, cols, stride ld) → out (cols)): ranges of whole blocks of the
 * kernel's column block (SUM_ROWS_COLS); each column's sum keeps its row order, so the bits do not change.
 */
export const columns: Split = (k) => {
  const [rows, cols, x, out] = ['rows', 'cols', 'x', 'out'].map((n) => k.slot(n));
  return (vals) => {
    const elems = vals[rows] * vals[cols];
    if (elems < 2 * grain.elems) return null;
    const unit = constant('SUM_ROWS_COLS');
    const units = Math.ceil(vals[cols] / unit);
    const parts = partsFor(units, elems, grain.elems);
    if (!parts) return null;
    return shares(units, parts, (u0, u1) => {
      const j0 = u0 * unit;
      const v = vals.slice();
      v[x] += 4 * j0;
      v[out] += 4 * j0;
      v[cols] = Math.min(vals[cols], u1 * unit) - j0;
      return { vals: v };
    });
  };
};

/**
 * GEMM (C (M,N) = op(A)·op(B)): blocks of whole rows of C (MR rows, when M ≥ N) or of whole
 * columns (NR columns), one per thread, each a GEMM over the full K with its own packing
 * workspace: every element of C is computed by one thread with the same K blocking and order as
 * the single call, so the result is bit-identical. MR and NR are the module's GEMM_MR / GEMM_NR.
 */
export const rowsOrColumnsOfC: Split = (k) => {
  const [M, N, K, A, B, C, lda, ldb, ldc, tA, tB, bias, work] =
    ['M', 'N', 'K', 'A', 'B', 'C', 'lda', 'ldb', 'ldc', 'transA', 'transB', 'bias', 'work'].map((n) => k.slot(n));
  return (vals) => {
    const m = vals[M], n = vals[N];
    if (nThreads < 2 || m === 0 || n === 0) return null;
    const byRows = m >= n;
    const unit = constant(byRows ? 'GEMM_MR' : 'GEMM_NR');
    const units = Math.ceil((byRows ? m : n) / unit);
    const parts = partsFor(units, m * n * Math.max(vals[K], 1), grain.gemmMacs);
    if (!parts) return null;
    return shares(units, parts, (u0, u1, t) => {
      const v = vals.slice();
      if (t > 0) v[work] = addrOf(gemmWorkspace(t));
      const lo = u0 * unit;
      if (byRows) {
        v[M] = Math.min(m, u1 * unit) - lo;
        v[A] += 4 * (vals[tA] ? lo : lo * vals[lda]);
        v[C] += 4 * lo * vals[ldc];
      } else {
        v[N] = Math.min(n, u1 * unit) - lo;
        v[B] += 4 * (vals[tB] ? lo * vals[ldb] : lo);
        v[C] += 4 * lo;
        if (v[bias]) v[bias] += 4 * lo;
      }
      return { vals: v };
    });
  };
};

/** Geometry slots of a conv entry, by name. */
function convSlots(k: Kernel): Record<'n' | 'h' | 'w' | 'c' | 'oc' | 'kh' | 'kw' | 'stride' | 'pad' | 'dh' | 'dw' | 'oh' | 'ow' | 'work', number> {
  const names = ['n', 'h', 'w', 'c', 'oc', 'kh', 'kw', 'stride', 'pad', 'dh', 'dw', 'oh', 'ow', 'work'] as const;
  return Object.fromEntries(names.map((n) => [n, k.slot(n)])) as ReturnType<typeof convSlots>;
}
/** Multiply-adds of a conv pass. */
const convMacs = (g: ReturnType<typeof convSlots>, v: number[]): number => v[g.n] * v[g.oh] * v[g.ow] * v[g.oc] * v[g.kh] * v[g.kw] * v[g.c];
const convWorkFloats = (g: ReturnType<typeof convSlots>, v: number[], n: number): number =>
  Math.ceil((instance('conv2d').ex.conv2d_workspace_bytes as (...a: number[]) => number)(n, v[g.h], v[g.w], v[g.c], v[g.oc], v[g.kh], v[g.kw], v[g.stride], v[g.pad], v[g.dh], v[g.dw]) / 4);

/**
 * conv2d forward or backward-data by the images of the batch, one range per thread, each
 * running the same kernel on its images with its own workspace. An image's outputs depend on
 * that image only and are computed with the same arithmetic (GEMM over the full K per output
 * pixel, col2im in row order), so the result is bit-identical. `tensors` names the batch
 * operands and whether each is laid out as the input (n,h,w,c) or the output (n,oh,ow,oc).
 */
export const images = (tensors: Readonly<Record<string, 'input' | 'output'>>): Split => (k) => {
  const g = convSlots(k);
  const moved = Object.entries(tensors).map(([name, layout]) => [k.slot(name), layout] as const);
  return (vals) => {
    const n = vals[g.n];
    if (n < 2) return null;
    const parts = partsFor(n, convMacs(g, vals), grain.gemmMacs);
    if (!parts) return null;
    const floats = convWorkFloats(g, vals, Math.ceil(n / parts));
    const bytes = { input: 4 * vals[g.h] * vals[g.w] * vals[g.c], output: 4 * vals[g.oh] * vals[g.ow] * vals[g.oc] };
    return shares(n, parts, (b0, b1, t) => {
      const v = vals.slice();
      v[g.n] = b1 - b0;
      if (t > 0) v[g.work] = convWorkspace(t, floats);
      for (const [s, layout] of moved) v[s] += b0 * bytes[layout];
      return { vals: v };
    });
  };
};

/**
 * conv2d backward-filter by output channels, in blocks of GEMM_NR channels, through the export
 * `simd` (conv2d_backward_filter_oc: the entry's arguments, then o0 and o1): each thread
 * computes dfilter[.., o0:o1] and dbias[o0:o1] over the whole batch with its own workspace, so
 * the sum over the batch keeps its order and the result is bit-identical (GEMM rows and columns
 * and sum_rows columns are computed independently). Each thread repeats the im2col of the
 * batch: that copy is O(rows·K) against the GEMM's O(rows·K·oc/threads).
 */
export const channelBlocks = (simd: string): Split => (k) => {
  const g = convSlots(k);
  const [o0, o1] = [k.slot('o0'), k.slot('o1')];
  const args = [...k.argSlots, o0, o1];
  return (vals) => {
    const unit = constant('GEMM_NR');
    const units = Math.ceil(vals[g.oc] / unit);
    const parts = partsFor(units, convMacs(g, vals), grain.gemmMacs);
    if (!parts) return null;
    const floats = convWorkFloats(g, vals, vals[g.n]);
    return shares(units, parts, (u0, u1, t) => {
      const v = vals.slice();
      v[o0] = u0 * unit;
      v[o1] = Math.min(vals[g.oc], u1 * unit);
      if (t > 0) v[g.work] = convWorkspace(t, floats);
      return { simd, args, vals: v };
    });
  };
};

/** The product of the values in `slots`. */
const product = (vals: number[], slots: readonly number[]): number => slots.reduce((p, s) => p * vals[s], 1);

/**
 * By the images of the batch (slot 'n'), one range per thread, for kernels with no workspace
 * whose outputs for an image depend on that image only (depthwise forward and backward-data):
 * each batch operand in `tensors` moves by its floats per image (a product of named values);
 * `macs` names the factors of one image's multiply-adds (for the grain). Each image is computed
 * by the same code as in the whole call, so the bits do not change.
 */
export const batchImages = (tensors: Readonly<Record<string, readonly string[]>>, macs: readonly string[]): Split => (k) => {
  const n = k.slot('n');
  const moved = Object.entries(tensors).map(([name, dims]) => [k.slot(name), dims.map((d) => k.slot(d))] as const);
  const work = macs.map((d) => k.slot(d));
  return (vals) => {
    const count = vals[n];
    if (count < 2) return null;
    const parts = partsFor(count, count * product(vals, work), grain.gemmMacs);
    if (!parts) return null;
    return shares(count, parts, (b0, b1) => {
      const v = vals.slice();
      v[n] = b1 - b0;
      for (const [s, dims] of moved) if (v[s]) v[s] += 4 * b0 * product(vals, dims);
      return { vals: v };
    });
  };
};

/**
 * By ranges of `channels` channels in blocks of `unit`, through the export `simd` (the entry's
 * arguments, then j0 and j1): each thread writes its channels' outputs only, each channel summed
 * over the whole call in the same order (depthwise backward-filter), so the bits do not change.
 * `macs` names the factors of the call's multiply-adds.
 */
export const channelRanges = (simd: string, channels: string, unit: number, macs: readonly string[]): Split => (k) => {
  const C = k.slot(channels);
  const [j0, j1] = [k.slot('j0'), k.slot('j1')];
  const args = [...k.argSlots, j0, j1];
  const work = macs.map((d) => k.slot(d));
  return (vals) => {
    const units = Math.ceil(vals[C] / unit);
    const parts = partsFor(units, product(vals, work), grain.gemmMacs);
    if (!parts) return null;
    return shares(units, parts, (u0, u1) => {
      const v = vals.slice();
      v[j0] = u0 * unit;
      v[j1] = Math.min(vals[C], u1 * unit);
      return { simd, args, vals: v };
    });
  };
};

// Explicit start: importing gaaf does no work; `await init()` loads the Wasm module (the
// threaded build where SharedArrayBuffer allows it), checks the kernel table against it and
// starts the worker threads. Kernels and Bufs before it throw an error that says to call it.
// Async entry points that need Wasm (fit, checkpoint loading, the reproductions, the kernel
// benchmark) call it themselves; calling it again is harmless.
import { PRECISIONS, type Precision, load } from './instance.js';
import { checkTable } from './kernel.js';
import { defaultThreads, setThreads, threads, threadSupport, threadsChosen } from './parallel.js';

export interface InitOptions {
  /** Threads the kernels use, the calling thread included (default: $GAAF_THREADS or the hardware concurrency, at most 16). */
  threads?: number;
  /**
   * 'deterministic' (default): plain Wasm SIMD, the same bits on every machine, thread count,
   * Node and Chromium. 'fast': the relaxed-SIMD build, whose GEMM (and so Dense and conv2d)
   * multiply-adds are fused where the CPU has FMA: faster, but results may differ in the last
   * bits between machines. Where relaxed SIMD is unavailable (Node 20 without
   * --experimental-wasm-relaxed-simd), 'fast' loads the deterministic build and warns why.
   * Only the first init() chooses (the module is loaded once).
   */
  precision?: Precision;
}

export interface InitInfo {
  /** Threads in use (1 where threads are unavailable). */
  threads: number;
  /** Whether the threaded build is loaded, and if not, why. */
  threadSupport: { available: boolean; reason: string | null };
  /** The build in use, and why it is not the one asked for (null when it is). */
  precision: { used: Precision; reason: string | null };
}

let first: Promise<unknown> | null = null;

/**
 * Loads the WebAssembly module and starts the kernel threads; resolves when gaaf is ready.
 * The first call without `threads` starts the default count (unless setThreads chose one);
 * a later call with `threads` changes the count, one without does nothing more.
 */
export async function init(opts: InitOptions = {}): Promise<InitInfo> {
  if (opts === null || typeof opts !== 'object') throw new TypeError(`gaaf.init: options must be an object, got ${String(opts)}`);
  const unknown = Object.keys(opts).filter((k) => k !== 'threads' && k !== 'precision');
  if (unknown.length) throw new RangeError(`gaaf.init: unknown option '${unknown.join("', '")}' (expected: threads, precision)`);
  if (opts.precision !== undefined && !PRECISIONS.includes(opts.precision)) {
    throw new RangeError(`gaaf.init: precision must be ${PRECISIONS.map((p) => `'${p}'`).join(' or ')}, got ${JSON.stringify(opts.precision)}`);
  }
  if (opts.precision !== undefined) await load(opts.precision);
  if (first === null) {
    first = (async () => {
      checkTable(await load());
      if (opts.threads === undefined && !threadsChosen()) await setThreads(defaultThreads());
    })();
    first.catch(() => { first = null; }); // a failed start may be retried
  }
  await first;
  if (opts.threads !== undefined) await setThreads(opts.threads);
  const inst = await load();
  return { threads: threads(), threadSupport: threadSupport(), precision: { used: inst.precision, reason: inst.precisionWhy } };
}

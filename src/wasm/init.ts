// Explicit start: importing gaaf does no work; `await init()` loads the Wasm module (the
// threaded build where SharedArrayBuffer allows it), checks the kernel table against it and
// starts the worker threads. Kernels and Bufs before it throw an error that says to call it.
// Async entry points that need Wasm (fit, checkpoint loading, the reproductions, the kernel
// benchmark) call it themselves; calling it again is harmless.
import { load } from './instance.js';
import { checkTable } from './kernel.js';
import { defaultThreads, setThreads, threads, threadSupport, threadsChosen } from './parallel.js';

export interface InitOptions {
  /** Threads the kernels use, the calling thread included (default: $GAAF_THREADS or the hardware concurrency, at most 16). */
  threads?: number;
}

export interface InitInfo {
  /** Threads in use (1 where threads are unavailable). */
  threads: number;
  /** Whether the threaded build is loaded, and if not, why. */
  threadSupport: { available: boolean; reason: string | null };
}

let first: Promise<unknown> | null = null;

/**
 * Loads the WebAssembly module and starts the kernel threads; resolves when gaaf is ready.
 * The first call without `threads` starts the default count (unless setThreads chose one);
 * a later call with `threads` changes the count, one without does nothing more.
 */
export async function init(opts: InitOptions = {}): Promise<InitInfo> {
  if (opts === null || typeof opts !== 'object') throw new TypeError(`gaaf.init: options must be an object, got ${String(opts)}`);
  const unknown = Object.keys(opts).filter((k) => k !== 'threads');
  if (unknown.length) throw new RangeError(`gaaf.init: unknown option '${unknown.join("', '")}' (expected: threads)`);
  if (first === null) {
    first = (async () => {
      checkTable(await load());
      if (opts.threads === undefined && !threadsChosen()) await setThreads(defaultThreads());
    })();
    first.catch(() => { first = null; }); // a failed start may be retried
  }
  await first;
  if (opts.threads !== undefined) await setThreads(opts.threads);
  return { threads: threads(), threadSupport: threadSupport() };
}

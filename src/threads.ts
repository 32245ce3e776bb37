// The worker pool that runs kernel calls on several threads over one shared Wasm memory.
// It is a transport only: src/wasm/ owns the memory, allocates the control block, splits
// each kernel call into per-thread calls and hands them here as plain numbers. Universal: no
// `node:` imports (Node's worker_threads is reached through process.getBuiltinModule).
//
// One round: the main thread writes one call per worker into the workers' slots, sets the
// running count, bumps the generation (Atomics.store + Atomics.notify), runs its own share,
// then waits for the running count to reach 0 (Atomics.wait where the platform allows it,
// a spin on Atomics.load on a browser's main thread). No lock is taken.
import { CTRL, MAX_ARGS, SLOT_F64, SLOT_I32 } from './threads-layout.js';
import { NODE_WORKER_SOURCE } from './threads-worker.js';

export { controlBytes } from './threads-layout.js';
/** A round whose running count does not move for this long is an error, not a hang. */
const STALL_MS = 120_000;

interface Handle {
  terminate(): void;
}

type NodeWorkerCtor = new (src: string, o: { eval: true; workerData: unknown }) => {
  on(ev: string, f: (m: unknown) => void): void;
  off(ev: string, f: (m: unknown) => void): void;
  terminate(): Promise<number>;
  unref(): void;
  ref(): void;
};

function nodeWorkerCtor(): NodeWorkerCtor | undefined {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const wt = p?.getBuiltinModule?.('node:worker_threads') as { Worker: NodeWorkerCtor; isMainThread: boolean } | undefined;
  return wt?.Worker;
}

/** A worker that has not said 'ready' by then is given up (and the others are used). */
const START_TIMEOUT_MS = 20_000;

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => { onTimeout(); reject(new Error(`a worker did not start within ${ms / 1000} s`)); }, ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

async function startOne(data: { module: WebAssembly.Module; memory: WebAssembly.Memory; ctrl: number; id: number; names: string[] }): Promise<Handle> {
  const NodeWorker = nodeWorkerCtor();
  if (NodeWorker) {
    const w = new NodeWorker(NODE_WORKER_SOURCE, { eval: true, workerData: data });
    await withTimeout(new Promise<void>((resolve, reject) => {
      const onMsg = (m: unknown): void => { if (m === 'ready') { done(); resolve(); } };
      const onErr = (e: unknown): void => { done(); reject(e instanceof Error ? e : new Error(String(e))); };
      const onExit = (c: unknown): void => { done(); reject(new Error(`worker exited with code ${String(c)} before it was ready`)); };
      const done = (): void => { w.off('message', onMsg); w.off('error', onErr); w.off('exit', onExit); };
      w.on('message', onMsg); w.on('error', onErr); w.on('exit', onExit);
    }), START_TIMEOUT_MS, () => void w.terminate());
    // Idle workers sleep in Atomics.wait; unref'd, they never keep the process alive.
    w.unref();
    return { terminate: () => void w.terminate() };
  }
  if (typeof Worker !== 'function') throw new Error('this platform has no Worker');
  // The browser worker is BROWSER_WORKER_SOURCE, written as gaaf-worker.js beside the bundle
  // and beside tsc's dist/threads.js by rollup.config.mjs. The `new Worker(new URL(…))` form
  // is the one bundlers (Vite, webpack) recognise and emit as a worker file of the app.
  const w = new Worker(new URL('./gaaf-worker.js', import.meta.url), { type: 'module', name: `gaaf kernel worker ${data.id}` });
  await withTimeout(new Promise<void>((resolve, reject) => {
    w.onmessage = (e: MessageEvent): void => { if (e.data === 'ready') resolve(); };
    w.onerror = (e: ErrorEvent): void => { e.preventDefault?.(); reject(new Error(e.message || 'worker failed to start')); };
    w.postMessage(data);
  }), START_TIMEOUT_MS, () => w.terminate());
  w.onmessage = null;
  w.onerror = null;
  return { terminate: () => w.terminate() };
}

/** Whether this thread may block in Atomics.wait (not a browser's main thread). */
function canBlock(i32: Int32Array): boolean {
  try {
    Atomics.wait(i32, CTRL.PROBE, 1, 0); // never 1: returns 'not-equal' at once where waiting is allowed
    return true;
  } catch {
    return false;
  }
}

export interface Call {
  op: number;
  args: number[];
}

export class Pool {
  readonly #memory: WebAssembly.Memory;
  readonly #module: WebAssembly.Module;
  readonly #ctrl: number;
  readonly #names: string[];
  readonly #maxWorkers: number;
  #workers: Handle[] = [];
  #i32!: Int32Array;
  #f64!: Float64Array;
  #tags!: Int32Array; // the generation each worker's slot was written for: #tags[k * SLOT_I32]
  #block: boolean;

  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, ctrl: number, maxWorkers: number, names: string[]) {
    this.#module = module;
    this.#memory = memory;
    this.#ctrl = ctrl;
    this.#maxWorkers = maxWorkers;
    this.#names = names;
    this.#views();
    this.#i32.fill(0, 0, CTRL.HEADER_WORDS);
    this.#tags.fill(-1);
    this.#block = canBlock(this.#i32);
  }

  // Views on the control block; the block never moves, but memory growth makes the
  // SharedArrayBuffer object the views were made on too short for later addresses, so take
  // them on the current buffer (they stay valid: shared buffers are never detached).
  #views(): void {
    const buf = this.#memory.buffer;
    const slots = this.#ctrl + CTRL.HEADER_BYTES;
    this.#i32 = new Int32Array(buf, this.#ctrl, CTRL.HEADER_WORDS);
    this.#f64 = new Float64Array(buf, slots, (this.#maxWorkers + 1) * SLOT_F64);
    // from the tag of slot 0 to the tag of the last slot
    this.#tags = new Int32Array(buf, slots + CTRL.TAG_BYTE, this.#maxWorkers * SLOT_I32 + 1);
  }

  // Publishes a round: tags the slots 1..count (already written) with the next generation,
  // sets the running count (the workers that will count down), then bumps the generation
  // and wakes the workers.
  #publish(count: number, running = count): void {
    const I = this.#i32;
    const next = (Atomics.load(I, CTRL.GENERATION) + 1) | 0;
    for (let k = 1; k <= count; k++) Atomics.store(this.#tags, k * SLOT_I32, next);
    Atomics.store(I, CTRL.ERROR, 0);
    Atomics.store(I, CTRL.RUNNING, running);
    Atomics.store(I, CTRL.GENERATION, next);
    Atomics.notify(I, CTRL.GENERATION);
  }

  /**
   * How many iterations the threads spin on the control block before they sleep in
   * Atomics.wait (both the workers between calls and this thread waiting for them). Spinning
   * saves the futex wake-up on each of a training step's many short calls (MLP step on 2
   * threads: 1.60× → 1.81× one thread's speed here), but with more threads than cores it
   * steals the cores the others need (4 threads on 2 cores fell to 1.05×), so src/wasm/parallel.ts
   * sets it to 0 there.
   */
  setSpin(iterations: number): void {
    Atomics.store(this.#i32, CTRL.SPIN, Math.max(0, Math.floor(iterations)));
  }

  get workers(): number {
    return this.#workers.length;
  }

  /** Starts workers until there are n (at most maxWorkers); stops the ones above n. */
  async resize(n: number): Promise<void> {
    n = Math.max(0, Math.min(n, this.#maxWorkers));
    if (this.#workers.length > n) this.#stopAbove(n);
    const starts: Promise<Handle>[] = [];
    for (let id = this.#workers.length + 1; id <= n; id++) {
      starts.push(startOne({ module: this.#module, memory: this.#memory, ctrl: this.#ctrl, id, names: this.#names }));
    }
    const settled = await Promise.allSettled(starts);
    // worker ids must stay 1..length: keep the started ones up to the first failure
    let failure: unknown;
    for (const s of settled) {
      if (s.status === 'fulfilled' && failure === undefined) this.#workers.push(s.value);
      else if (s.status === 'fulfilled') s.value.terminate();
      else if (failure === undefined) failure = s.reason ?? new Error('worker failed to start');
    }
    if (failure !== undefined) throw failure;
  }

  // One round in which workers above n leave their loop (STOP) and the others do nothing (IDLE);
  // once every remaining worker has answered, the stopped ones are terminated. A stopped
  // worker holds no lock and owns nothing in Wasm memory, so nothing is left half-written.
  #stopAbove(n: number): void {
    if (this.#i32.buffer !== this.#memory.buffer) this.#views();
    const count = this.#workers.length;
    for (let k = 1; k <= count; k++) this.#f64[k * SLOT_F64 + CTRL.OP] = k > n ? CTRL.STOP : CTRL.IDLE;
    this.#publish(count, n); // the stopped workers leave without counting down
    this.#waitDone();
    for (const w of this.#workers.splice(n)) w.terminate();
  }

  // Waits until the running count is 0. A worker that died (killed, out of memory) would
  // leave it above 0 forever: if it has not moved for STALL_MS, this throws instead of hanging.
  #waitDone(): void {
    const I = this.#i32;
    let last = Atomics.load(I, CTRL.RUNNING);
    let since = performance.now();
    for (let spin = 0, n = Atomics.load(I, CTRL.SPIN); spin < n && Atomics.load(I, CTRL.RUNNING) > 0; spin++);
    for (let d = last; d !== 0; d = Atomics.load(I, CTRL.RUNNING)) {
      if (d < 0) throw new Error(`gaaf: the thread pool is out of step (running count ${d}): a worker counted down twice`);
      if (this.#block) Atomics.wait(I, CTRL.RUNNING, d, 1000);
      if (d !== last) {
        last = d;
        since = performance.now();
      } else if (performance.now() - since > STALL_MS) {
        throw new Error(`gaaf: ${d} worker thread(s) did not finish a kernel call within ${STALL_MS / 1000} s`);
      }
    }
  }

  /**
   * Runs calls[0] on this thread and calls[k] on worker k, and returns when all are done.
   * calls.length − 1 must not exceed the number of workers. Throws if a worker's call failed.
   */
  run(calls: Call[], local: (c: Call) => void): void {
    const nw = calls.length - 1;
    if (nw > this.#workers.length) throw new Error(`gaaf: ${calls.length} calls for ${this.#workers.length + 1} threads`);
    if (this.#i32.buffer !== this.#memory.buffer) this.#views();
    const I = this.#i32;
    const F = this.#f64;
    for (let k = 1; k <= this.#workers.length; k++) {
      const s = k * SLOT_F64;
      if (k <= nw) {
        const c = calls[k];
        if (c.args.length > MAX_ARGS) throw new Error(`gaaf: call with ${c.args.length} arguments (at most ${MAX_ARGS})`);
        F[s + CTRL.OP] = c.op;
        F[s + CTRL.ARGC] = c.args.length;
        for (let i = 0; i < c.args.length; i++) F[s + CTRL.ARGS + i] = c.args[i];
      } else {
        F[s + CTRL.OP] = CTRL.IDLE;
      }
    }
    this.#publish(this.#workers.length);
    let localError: unknown;
    try {
      local(calls[0]);
    } catch (e) {
      localError = e;
    }
    this.#waitDone();
    if (localError) throw localError;
    if (Atomics.load(I, CTRL.ERROR)) throw new Error('gaaf: a kernel failed in a worker thread');
  }

  /** Stops every worker. */
  shutdown(): void {
    if (this.#workers.length) this.#stopAbove(0);
  }
}

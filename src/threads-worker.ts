// The body of a kernel worker, as JavaScript source. Node runs it with
// `new Worker(source, { eval: true })` (a script, so no file has to be found beside tsc's
// output, the tsx sources or the bundle; it reaches worker_threads through
// process.getBuiltinModule, so the universal bundle holds no require or node: import); browsers load the same text from the module
// worker file that the rollup config writes beside the bundle (dist/bundle/gaaf-worker.js).
//
// Protocol (src/threads.ts is the other side; src/wasm/ owns every address in it): the control
// block laid out in src/threads-layout.ts, whose numbers are written into the source below.
// A worker waits for the generation to change; if its slot was written for that generation
// it runs the call, decrements the running count and wakes the main thread when it was the
// last; otherwise (a worker still starting, not yet counted in the round) it does nothing.
// The main thread writes a slot only when every counted worker is done with the last round,
// and a worker reads its slot only after seeing its tag, so no call is missed or run twice.
// It allocates nothing in Wasm memory.
//
// Each worker instantiates the same module on the same shared memory. The module has no
// mutable globals and no shadow stack (--runtime stub, kernels allocate nothing); its active
// data segments (libm's constant tables) are written again, byte-identical, by every
// instantiation, which happens before the worker takes part in any job.

import { CTRL, SLOT_F64 } from './threads-layout.js';

const C = CTRL;
const body = String.raw`
function gaafKernelWorker(data, post) {
  const { module, memory, ctrl, id, names } = data;
  const env = {
    memory,
    abort() { throw new Error('gaaf kernel abort in worker ' + id); },
  };
  const ex = new WebAssembly.Instance(module, { env }).exports;
  const fns = names.map((n) => ex[n]);
  const slot = ctrl + ${C.HEADER_BYTES} + id * ${C.SLOT_BYTES};
  const I = new Int32Array(memory.buffer, ctrl, ${C.HEADER_WORDS});
  const F = new Float64Array(memory.buffer, slot, ${SLOT_F64});
  const T = new Int32Array(memory.buffer, slot + ${C.TAG_BYTE}, 1);
  let gen = Atomics.load(I, ${C.GENERATION});
  post('ready');
  for (;;) {
    // Spin briefly first (the header's spin count, 0 when there are more threads than cores):
    // the next call of a training step usually follows within microseconds, sooner than a
    // futex wake-up would deliver it.
    for (let spin = 0, n = Atomics.load(I, ${C.SPIN}); spin < n && Atomics.load(I, ${C.GENERATION}) === gen; spin++);
    Atomics.wait(I, ${C.GENERATION}, gen);
    const g = Atomics.load(I, ${C.GENERATION});
    if (g === gen) continue;
    gen = g;
    if (Atomics.load(T, 0) !== g) continue; // not counted in this round
    const op = F[${C.OP}];
    if (op === ${C.STOP}) break;
    if (op >= 0) {
      try {
        const argc = F[${C.ARGC}];
        const a = new Array(argc);
        for (let i = 0; i < argc; i++) a[i] = F[${C.ARGS} + i];
        fns[op].apply(null, a);
      } catch (e) {
        Atomics.store(I, ${C.ERROR}, 1);
      }
    }
    if (Atomics.sub(I, ${C.RUNNING}, 1) === 1) Atomics.notify(I, ${C.RUNNING});
  }
  post('stopped');
}
`;

/** Node: run as `new Worker(NODE_WORKER_SOURCE, { eval: true, workerData })`. */
export const NODE_WORKER_SOURCE = `${body}
const wt = process.getBuiltinModule('node:worker_threads');
gaafKernelWorker(wt.workerData, (m) => wt.parentPort.postMessage(m));
`;

/** Browsers: a module worker; the first message carries the same data as Node's workerData. */
export const BROWSER_WORKER_SOURCE = `${body}
self.onmessage = (e) => {
  self.onmessage = null;
  gaafKernelWorker(e.data, (m) => self.postMessage(m));
};
`;

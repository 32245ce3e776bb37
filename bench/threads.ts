// Threads suite: the speedup of 2 and 4 threads over 1 on the same kernels, measured in the
// same run, case after case: GEMM A·B at N ≥ 256 and one training step of the paper's MLP at
// batch 128 (the targets: ≥ 1.7× with 2 threads at N ≥ 512 and for MLP training at
// batch 128). Engines are 'simd-1t', 'simd-2t', 'simd-4t'; the report's ratio columns divide
// each by 'simd-1t'. On a machine with fewer cores than threads, or one shared with other
// work, the ratios are lower: the results file records the core count, and each record's
// params.cpuPerWall is the process's CPU time ÷ wall time over the timed calls, the cores it
// actually got (about n on a quiet machine with n free cores; near 1 where a shared machine's
// scheduler gives the process one core's worth whatever its thread count).
//
// conv2d (forward, backward-data and backward-filter: split by images, by images and by
// output channels) is measured on a 3×3 32×32×32 → 32 layer.
import { allocF32, conv2dBackwardData, conv2dBackwardFilter, conv2dForward, conv2dWorkspaceLength, convOutSize, gemm, setParallelGrain, setThreads, threads } from '../src/binding.js';
import { type PairCase, runPairCases } from '../src/bench/pairs.js';
import type { BenchMode, Case, Prepared } from '../src/bench/runner.js';
import { uniform } from '../src/bench/kernels.js';
import { type SuiteOptions, modeOf, runSuiteCases } from './suite.js';
import { oursStep, trainData } from './train.js';

export const THREAD_COUNTS = [1, 2, 4] as const;
export const THREADS_SIZES = {
  gemm: { full: [256, 512, 1024], quick: [512], smoke: [64] },
  /** conv2d 3×3, 32×32×32 → 32, pad 1 (SVHN's second layer), all three passes, at these batch sizes */
  conv: { full: [32], quick: [32], smoke: [2] },
  batch: { full: [128], quick: [128], smoke: [8] },
} as const satisfies Record<string, Record<BenchMode, readonly number[]>>;

export const engineFor = (n: number): string => `simd-${n}t`;

/** Wraps a case's call to keep params.cpuPerWall: the process's CPU time ÷ wall time over every call. */
function measuringCores(p: Prepared, params: Record<string, number | string | boolean>): Prepared {
  let cpu = 0;
  let wall = 0;
  const inner = p.fn;
  return {
    ...p,
    fn: () => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      inner();
      wall += performance.now() - t0;
      const c = process.cpuUsage(c0);
      cpu += (c.user + c.system) / 1000;
      params.cpuPerWall = Math.round((100 * cpu) / wall) / 100;
    },
  };
}

/** Sets the thread count for a case; a platform that cannot run n threads is an error record, not a wrong label. */
async function useThreads(n: number): Promise<string | null> {
  const got = await setThreads(n);
  return got === n ? null : `only ${got} thread(s) available here`;
}

export function threadsCases(mode: BenchMode, o: SuiteOptions): Case[] {
  const cases: Case[] = [];
  for (const N of THREADS_SIZES.gemm[mode]) {
    for (const n of THREAD_COUNTS) {
      const params: Record<string, number | string | boolean> = { M: N, N, K: N, threads: n };
      cases.push({
        suite: 'threads', name: 'gemm A·B', engine: engineFor(n), size: N, params,
        impl: `gaaf simd (build/gaaf-mt.wasm), ${n} thread(s)`,
        work: { flop: 2 * N * N * N },
        prepare: async (): Promise<Prepared | string> => {
          const no = await useThreads(n);
          if (no) return no;
          const A = allocF32(N * N), B = allocF32(N * N), C = allocF32(N * N);
          A.write(uniform(N * N, 1)); B.write(uniform(N * N, 2));
          return measuringCores({ fn: () => gemm(false, false, N, N, N, 1, A, N, B, N, 0, C, N), dispose: () => { A.free(); B.free(); C.free(); } }, params);
        },
      });
    }
  }
  for (const n0 of THREADS_SIZES.conv[mode]) {
    const g = { n: n0, h: 32, w: 32, c: 32, oc: 32, kh: 3, kw: 3, stride: 1, pad: 1 };
    const oh = convOutSize(g.h, g.kh, g.stride, g.pad), ow = convOutSize(g.w, g.kw, g.stride, g.pad);
    for (const n of THREAD_COUNTS) {
      const params: Record<string, number | string | boolean> = { ...g, threads: n };
      cases.push({
        suite: 'threads', name: 'conv2d 3×3 32→32 fwd+bwd', engine: engineFor(n), size: n0, params,
        impl: `gaaf simd (build/gaaf-mt.wasm), ${n} thread(s)`,
        work: { flop: 3 * 2 * g.n * oh * ow * g.oc * g.kh * g.kw * g.c },
        prepare: async (): Promise<Prepared | string> => {
          const no = await useThreads(n);
          if (no) return no;
          const x = allocF32(g.n * g.h * g.w * g.c), f = allocF32(g.kh * g.kw * g.c * g.oc), y = allocF32(g.n * oh * ow * g.oc);
          const dx = allocF32(x.length), work = allocF32(conv2dWorkspaceLength(g));
          const df = allocF32(f.length), db = allocF32(g.oc);
          x.write(uniform(x.length, 3)); f.write(uniform(f.length, 4));
          return measuringCores({
            fn: () => { conv2dForward(x, f, null, y, g, work); conv2dBackwardData(y, f, dx, g, work); conv2dBackwardFilter(x, y, df, db, g, work); },
            dispose: () => { for (const b of [x, f, y, dx, df, db, work]) b.free(); },
          }, params);
        },
      });
    }
  }
  const data = mode === 'smoke' ? null : trainData(o.data);
  for (const batch of THREADS_SIZES.batch[mode]) {
    for (const n of THREAD_COUNTS) {
      const params: Record<string, number | string | boolean> = { batch, threads: n };
      cases.push({
        suite: 'threads', name: 'mlp-base train step', engine: engineFor(n), size: batch, params,
        impl: `gaaf Sequential, SIMD kernels, ${n} thread(s)`,
        work: { samples: batch },
        prepare: async (): Promise<Prepared | string> => {
          const no = await useThreads(n);
          if (no) return no;
          return measuringCores(oursStep('mlp-base', 'simd', data ?? trainData(o.data), batch), params);
        },
      });
    }
  }
  return cases;
}

/** The thread count the interleaved cases compare with one thread. */
export const PAIR_THREADS = 2;
const SERIAL = { gemmMacs: Infinity, elems: Infinity }; // every call stays on the calling thread

/** `p`'s call with splitting off: one thread, in the same pool, operands and process. */
function serial(p: Prepared): Prepared {
  return { ...p, fn: () => { setParallelGrain(SERIAL); try { p.fn(); } finally { setParallelGrain(); } } };
}

/**
 * 2 threads against 1, call against call (suite 'threads-pairs', src/bench/pairs.ts): the pool
 * stays at 2 threads and the 1-thread calls run the same prepared call with splitting switched
 * off, alternating with the 2-thread calls round by round, so the machine's drift between
 * moments (which the cases above, one thread count after another, take in whole) cancels in
 * each round's ratio. GEMM A·B at N = 512 and the MLP step at batch 128.
 */
export function threadPairCases(mode: BenchMode, o: SuiteOptions): PairCase[] {
  const N = mode === 'smoke' ? 64 : 512;
  const batch = THREADS_SIZES.batch[mode][0];
  const gemmCall = (): Prepared => {
    const A = allocF32(N * N), B = allocF32(N * N), C = allocF32(N * N);
    A.write(uniform(N * N, 1)); B.write(uniform(N * N, 2));
    return { fn: () => gemm(false, false, N, N, N, 1, A, N, B, N, 0, C, N), dispose: () => { A.free(); B.free(); C.free(); } };
  };
  const pair = (name: string, size: number, work: PairCase['work'], make: () => Prepared): PairCase => {
    let shared: Prepared | null = null;
    const once = (): Prepared => (shared ??= make());
    return {
      suite: 'threads-pairs', name, engine: engineFor(PAIR_THREADS), size, params: { threads: PAIR_THREADS }, work,
      impl: `gaaf simd (build/gaaf-mt.wasm), ${PAIR_THREADS} threads`,
      prepare: () => ({ fn: once().fn, dispose: () => { shared?.dispose?.(); shared = null; } }),
      peers: [{ engine: engineFor(1), prepare: () => ({ ...serial(once()), dispose: undefined, impl: 'the same call with splitting off (1 thread)' }) }],
    };
  };
  return [
    pair('gemm A·B', N, { flop: 2 * N * N * N }, gemmCall),
    pair('mlp-base train step', batch, { samples: batch }, () => oursStep('mlp-base', 'simd', trainData(o.data), batch)),
  ];
}

/**
 * The cores this process can get right now: `n` worker threads spin on plain JS for `ms`
 * milliseconds and the process's CPU time ÷ wall time is returned (about n on a machine with
 * n idle cores). It tells a slow thread count caused by a busy machine from one caused by us.
 */
export async function coresAvailable(n: number, ms: number): Promise<number> {
  const { Worker } = await import('node:worker_threads');
  const src = `const { parentPort } = require('node:worker_threads');
parentPort.once('message', (ms) => { const s = performance.now(); while (performance.now() - s < ms); parentPort.postMessage('done'); });`;
  const ws = Array.from({ length: n }, () => new Worker(src, { eval: true }));
  await Promise.all(ws.map((w) => new Promise((r) => w.once('online', r))));
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(ws.map((w) => new Promise((r) => { w.once('message', r); w.postMessage(ms); })));
  const c = process.cpuUsage(c0);
  const wall = performance.now() - t0;
  await Promise.all(ws.map((w) => w.terminate()));
  return Math.round((100 * (c.user + c.system)) / 1000 / wall) / 100;
}

/**
 * How the peak loop scales across threads right now: `n` worker threads, each with its own
 * instance of the single-threaded build, run the register-only multiply-add loop for `ms` ms at
 * the same time, and their summed GFLOP/s is divided by one worker's alone (one, n, one, n, one,
 * n: the median of each). Spinning JS (coresAvailable) tells whether the process got n cores;
 * this tells whether their FP units were free: two vCPUs that share one physical core (SMT
 * siblings on the host) give about 1× here, and no kernel can scale past what this allows.
 */
export async function peakScaling(n: number, ms: number): Promise<{ one: number; many: number; ratio: number }> {
  const { Worker } = await import('node:worker_threads');
  const { readFileSync } = await import('node:fs');
  const bytes = readFileSync(new URL('../build/gaaf.wasm', import.meta.url));
  const src = `const { parentPort, workerData } = require('node:worker_threads');
const ex = new WebAssembly.Instance(new WebAssembly.Module(workerData), {}).exports, p = ex.memory.buffer.byteLength - 4096;
new Float32Array(ex.memory.buffer, p, 64).fill(1e-3);
parentPort.on('message', (ms) => { let f = 0; const s = performance.now(); while (performance.now() - s < ms) { ex.simd_peak_loop(1 << 16, p); f += 64 * 65536; } parentPort.postMessage(f / (performance.now() - s) / 1e6); });`;
  const ws = Array.from({ length: n }, () => new Worker(src, { eval: true, workerData: bytes }));
  await Promise.all(ws.map((w) => new Promise((r) => w.once('online', r))));
  const run = (k: number): Promise<number> => Promise.all(ws.slice(0, k).map((w) => new Promise<number>((r) => { w.once('message', r); w.postMessage(ms); })))
    .then((g) => g.reduce((a, b) => a + b, 0));
  await run(n); // warm-up: compile and tier up
  const one: number[] = [], many: number[] = [];
  for (let i = 0; i < 3; i++) { one.push(await run(1)); many.push(await run(n)); }
  await Promise.all(ws.map((w) => w.terminate()));
  const med = (xs: number[]): number => xs.sort((a, b) => a - b)[1];
  const r2 = (x: number): number => Math.round(100 * x) / 100;
  return { one: r2(med(one)), many: r2(med(many)), ratio: r2(med(many) / med(one)) };
}

export async function threadsSuite(o: SuiteOptions) {
  const before = threads();
  // measured before and after the cases: each record keeps both (params.coresAvailable*)
  const probe = Math.max(...THREAD_COUNTS);
  const probeMs = modeOf(o) === 'smoke' ? 20 : 500;
  const coresBefore = await coresAvailable(probe, probeMs);
  const fpBefore = await peakScaling(2, probeMs / 2);
  try {
    const records = await runSuiteCases(threadsCases(modeOf(o), o), o);
    if (!(await useThreads(PAIR_THREADS))) records.push(...(await runPairCases(threadPairCases(modeOf(o), o), modeOf(o), (r) => o.progress?.(r))));
    const coresAfter = await coresAvailable(probe, probeMs);
    const fpAfter = await peakScaling(2, probeMs / 2);
    for (const r of records) {
      r.params = { ...r.params, coresAvailableBefore: coresBefore, coresAvailableAfter: coresAfter, probeThreads: probe,
        peakScaling2Before: fpBefore.ratio, peakScaling2After: fpAfter.ratio };
    }
    process.stderr.write(`bench: threads: ${probe} spinning threads got ${coresBefore} cores before the cases and ${coresAfter} after; ` +
      `the peak loop on 2 threads ran at ${fpBefore.ratio}× and ${fpAfter.ratio}× its 1-thread rate (${fpBefore.one} GFLOP/s before)\n`);
    return records;
  } finally {
    await setThreads(before);
  }
}

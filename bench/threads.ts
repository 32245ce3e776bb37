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
import { allocF32, conv2dBackwardData, conv2dBackwardFilter, conv2dForward, conv2dWorkspaceLength, convOutSize, gemm, setThreads, threads } from '../src/binding.js';
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

export async function threadsSuite(o: SuiteOptions) {
  const before = threads();
  // measured before and after the cases: each record keeps both (params.coresAvailable*)
  const probe = Math.max(...THREAD_COUNTS);
  const coresBefore = await coresAvailable(probe, modeOf(o) === 'smoke' ? 20 : 500);
  try {
    const records = await runSuiteCases(threadsCases(modeOf(o), o), o);
    const coresAfter = await coresAvailable(probe, modeOf(o) === 'smoke' ? 20 : 500);
    for (const r of records) r.params = { ...r.params, coresAvailableBefore: coresBefore, coresAvailableAfter: coresAfter, probeThreads: probe };
    process.stderr.write(`bench: threads: ${probe} spinning threads got ${coresBefore} cores before the cases and ${coresAfter} after\n`);
    return records;
  } finally {
    await setThreads(before);
  }
}

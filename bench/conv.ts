// Conv suite: GFLOP/s of conv2d forward, backward-data and backward-filter (NHWC, 3×3, pad 1,
// stride 1; 2·n·oh·ow·oc·kh·kw·c FLOP per pass) for
//   - batch 32 of a 32×32×64 input with 64 filters (the reference case), and
//   - the conv layers of the SVHN-style CNN on 28×28×1 input at batch 32:
//     conv 32, conv 32, 2×2 max-pool, conv 64, conv 64 (all 3×3, pad 1),
// for our SIMD kernels, our scalar references (at batch 2: they run ~1 GFLOP/s, so batch 32
// would take seconds per sample; GFLOP/s does not depend on the batch for a direct loop), and
// @tensorflow/tfjs-backend-wasm (single-threaded in Node; tf.conv2d, and the op kernels
// Conv2DBackpropInput / Conv2DBackpropFilter run directly). For the 32×32×64 case it also times
// our forward pass's GEMM calls alone (no im2col), to show what im2col costs. A kernel that tfjs-wasm does not
// have is recorded with its error message instead of a time. Operands live in each engine's
// own memory before timing; nothing is copied inside a timed call.
//
// Clock: by default each sample is this process's CPU time (process.cpuUsage, user + system),
// not wall time: the development machine's 2 cores are shared with other jobs, and a sample
// that was descheduled half-way would otherwise count the other jobs' time. All engines run
// on this one thread, so the ratios compare like with like. GAAF_BENCH_CLOCK=wall selects
// wall time (performance.now) instead.
import { Bench } from 'tinybench';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { type Buf, type ConvGeom, allocF32, conv2dBackwardData, conv2dBackwardFilter, conv2dForward,
  conv2dWorkspaceLength, convOutSize, gemm, setKernelImpl } from '../src/binding.js';
import { Rng } from '../src/rng.js';
import type { BenchRecord, SuiteOptions } from './record.js';
import { recordFrom } from './record.js';

/** A conv record: which layer and pass, at which batch; `error` when the engine could not run it. */
export interface ConvRecord extends BenchRecord {
  clock: 'cpu' | 'wall';
  layer: string;
  pass: Pass;
  batch: number;
  error?: string;
}

type Pass = 'forward' | 'backward-data' | 'backward-filter';
const PASSES: Pass[] = ['forward', 'backward-data', 'backward-filter'];
const BATCH = 32;
const CLOCK = process.env.GAAF_BENCH_CLOCK === 'wall' ? 'wall' : 'cpu';
function cpuNowMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
const SCALAR_BATCH = 2;

interface Layer { name: string; h: number; w: number; c: number; oc: number }
const LAYERS: Layer[] = [
  { name: '32×32×64→64', h: 32, w: 32, c: 64, oc: 64 },
  { name: 'svhn conv1 28×28×1→32', h: 28, w: 28, c: 1, oc: 32 },
  { name: 'svhn conv2 28×28×32→32', h: 28, w: 28, c: 32, oc: 32 },
  { name: 'svhn conv3 14×14×32→64', h: 14, w: 14, c: 32, oc: 64 },
  { name: 'svhn conv4 14×14×64→64', h: 14, w: 14, c: 64, oc: 64 },
];

function geom(l: Layer, n: number): ConvGeom {
  return { n, h: l.h, w: l.w, c: l.c, oc: l.oc, kh: 3, kw: 3, stride: 1, pad: 1 };
}

function flopOf(g: ConvGeom): number {
  const oh = convOutSize(g.h, g.kh, g.stride, g.pad), ow = convOutSize(g.w, g.kw, g.stride, g.pad);
  return 2 * g.n * oh * ow * g.oc * g.kh * g.kw * g.c;
}

function randomData(n: number, seed: number): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => 2 * r.next() - 1);
}

function filled(n: number, seed: number, label: string): Buf {
  const b = allocF32(n, label);
  b.write(randomData(n, seed));
  return b;
}

/** Our kernels (SIMD or scalar reference) on geometry g: one task per pass. */
function addOurs(bench: Bench, engine: 'simd' | 'scalar', l: Layer, g: ConvGeom, bufs: Buf[]): void {
  const oh = convOutSize(g.h, 3, 1, 1), ow = convOutSize(g.w, 3, 1, 1);
  const x = filled(g.n * g.h * g.w * g.c, 1, 'x'), W = filled(9 * g.c * g.oc, 2, 'W'), b = filled(g.oc, 3, 'b');
  const dy = filled(g.n * oh * ow * g.oc, 4, 'dy');
  const y = allocF32(g.n * oh * ow * g.oc, 'y'), dx = allocF32(g.n * g.h * g.w * g.c, 'dx');
  const dW = allocF32(9 * g.c * g.oc, 'dW'), db = allocF32(g.oc, 'db');
  const work = allocF32(conv2dWorkspaceLength(g), 'work');
  bufs.push(x, W, b, dy, y, dx, dW, db, work);
  const run: Record<Pass, () => void> = {
    forward: () => conv2dForward(x, W, b, y, g, work),
    'backward-data': () => conv2dBackwardData(dy, W, dx, g, work),
    'backward-filter': () => conv2dBackwardFilter(x, dy, dW, db, g, work),
  };
  for (const p of PASSES) {
    bench.add(`${engine}|${l.name}|${p}|${g.n}`, () => {
      setKernelImpl(engine);
      try {
        run[p]();
      } finally {
        setKernelImpl('simd');
      }
    });
  }
}

/**
 * The GEMM calls of our forward pass without the im2col: the same col (256 rows × K) · W (K × oc)
 * product once per chunk of 256 output pixels, from one column buffer that stays in cache.
 * Conv forward ÷ this is what im2col costs.
 */
function addGemmOnly(bench: Bench, l: Layer, g: ConvGeom, bufs: Buf[]): void {
  const K = 9 * g.c, rows = g.n * g.h * g.w, R = 256;
  const col = filled(R * K, 5, 'col'), W = filled(K * g.oc, 2, 'W'), b = filled(g.oc, 3, 'b');
  const y = allocF32(rows * g.oc, 'y');
  bufs.push(col, W, b, y);
  bench.add(`gemm-only|${l.name}|forward|${g.n}`, () => {
    for (let r0 = 0; r0 < rows; r0 += R) gemm(false, false, Math.min(R, rows - r0), g.oc, K, 1, col, K, W, g.oc, 0, y, g.oc, b);
  });
}

/**
 * tfjs-wasm on geometry g: tf.conv2d and the two backprop op kernels. A kernel that throws
 * (tfjs-wasm has no Conv2DBackpropFilter) goes into `errors` with its message, not into the bench.
 */
function addTf(bench: Bench, l: Layer, g: ConvGeom, tensors: tf.Tensor[], errors: Map<string, string>): void {
  const x = tf.tensor4d(randomData(g.n * g.h * g.w * g.c, 1), [g.n, g.h, g.w, g.c]);
  const W = tf.tensor4d(randomData(9 * g.c * g.oc, 2), [3, 3, g.c, g.oc]);
  const dy = tf.tensor4d(randomData(g.n * g.h * g.w * g.oc, 4), [g.n, g.h, g.w, g.oc]);
  tensors.push(x, W, dy);
  const attrs = { strides: [1, 1], pad: 1, dataFormat: 'NHWC', dilations: [1, 1] };
  const run: Record<Pass, () => void> = {
    forward: () => tf.conv2d(x, W, 1, 1).dispose(),
    'backward-data': () => (tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: W },
      { ...attrs, inputShape: [g.n, g.h, g.w, g.c] } as never) as tf.Tensor).dispose(),
    'backward-filter': () => (tf.engine().runKernel('Conv2DBackpropFilter', { x, dy },
      { ...attrs, filterShape: [3, 3, g.c, g.oc] } as never) as tf.Tensor).dispose(),
  };
  for (const p of PASSES) {
    const name = `tfjs-wasm|${l.name}|${p}|${g.n}`;
    const err = failure(run[p]);
    if (err === null) bench.add(name, run[p]);
    else errors.set(name, err);
  }
}

/** The error message a call throws, or null if it runs. */
function failure(f: () => void): string | null {
  try {
    f();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

export async function convSuite(opts: SuiteOptions): Promise<BenchRecord[]> {
  await tf.setBackend('wasm');
  await tf.ready();
  const records: ConvRecord[] = [];
  for (const l of opts.quick ? LAYERS.slice(0, 1) : LAYERS) {
    const bench = new Bench({ time: opts.quick ? 200 : 800, iterations: opts.quick ? 3 : 8, warmupTime: 100, warmupIterations: 2,
      ...(CLOCK === 'cpu' ? { now: cpuNowMs } : {}) });
    const bufs: Buf[] = [];
    const tensors: tf.Tensor[] = [];
    const g = geom(l, BATCH);
    addOurs(bench, 'simd', l, g, bufs);
    addOurs(bench, 'scalar', l, geom(l, SCALAR_BATCH), bufs);
    if (l === LAYERS[0]) addGemmOnly(bench, l, g, bufs);
    const tfErrors = new Map<string, string>();
    addTf(bench, l, g, tensors, tfErrors);
    await bench.run();
    for (const t of bench.tasks) {
      const [engine, layer, pass, n] = t.name.split('|');
      // One report row per layer and pass at the reference batch: the scalar reference's rate
      // (GFLOP/s, timed at batch SCALAR_BATCH, params.batch) stands in its column.
      const r = recordFrom('conv', `${layer} ${pass}`, engine, BATCH, t, flopOf(geom(l, Number(n))));
      if (r) records.push({ ...r, params: { batch: Number(n), clock: CLOCK }, clock: CLOCK, layer, pass: pass as Pass, batch: Number(n) });
      opts.progress?.(r);
    }
    for (const [name, error] of tfErrors) {
      const [engine, layer, pass, n] = name.split('|');
      records.push({ suite: 'conv', name: `${layer} ${pass}`, engine, size: BATCH, gflops: 0, medianMs: 0, madMs: 0, samples: 0,
        clock: CLOCK, layer, pass: pass as Pass, batch: Number(n), error });
      process.stderr.write(`  ${engine} ${layer} ${pass}: ${error}\n`);
    }
    for (const b of bufs) b.free();
    for (const t of tensors) t.dispose();
  }
  printTable(records);
  return records;
}

function printTable(records: ConvRecord[]): void {
  const find = (engine: string, layer: string, pass: Pass) => records.find((r) => r.engine === engine && r.layer === layer && r.pass === pass);
  const fmt = (v: number) => +v.toFixed(2);
  const rows = records.filter((r) => r.engine === 'simd').map((r) => {
    const s = find('scalar', r.layer, r.pass), t = find('tfjs-wasm', r.layer, r.pass), gm = find('gemm-only', r.layer, r.pass);
    return {
      layer: r.layer, pass: r.pass, batch: r.batch,
      'ours GFLOP/s': fmt(r.gflops),
      [`scalar GFLOP/s (batch ${SCALAR_BATCH})`]: s ? fmt(s.gflops) : '-',
      'tfjs-wasm GFLOP/s': t ? (t.error ? 'no kernel' : fmt(t.gflops)) : '-',
      'ours ÷ tfjs-wasm': t && !t.error ? fmt(r.gflops / t.gflops) : '-',
      'ours ÷ scalar': s ? fmt(r.gflops / s.gflops) : '-',
      'its GEMM calls alone GFLOP/s': gm ? fmt(gm.gflops) : '-',
      'ours median ms': fmt(r.medianMs),
    };
  });
  console.log(`conv2d, NHWC, 3×3, pad 1, stride 1, one thread, medians of ${CLOCK === 'cpu' ? 'process CPU time' : 'wall time'}; ` +
    `tfjs-wasm ${tf.version_core} (single-threaded in Node, SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'on' : 'off'})`);
  console.table(rows);
  for (const r of records) if (r.error) console.log(`${r.engine} ${r.layer} ${r.pass}: ${r.error}`);
}

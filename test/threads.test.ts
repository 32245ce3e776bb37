// Threads (issue #8): every kernel and a training run give the same bits on 1 and N threads;
// partitioning holds with more workers than cores and sizes below the worker count; the
// single-threaded fallback; clean shutdown, and a CLI process that exits by itself.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  init,
  type ActKind, type Buf, actBackward, actForward, adamUpdate, allocF32, dropoutBackward, gaafBackward, gaafForward, gemm,
  leakyReluBackward, leakyReluForward, GAAFX_KINDS, gaafxBackward, gaafxForward,
  setParallelGrain, setThreads, sgdUpdate, sumRows, conv2dForward, conv2dBackwardData, conv2dBackwardFilter,
  conv2dWorkspaceLength, convOutSize, type ConvGeom, shutdownThreads, threadSupport, threads,
  type DepthwiseGeom, depthwiseBackwardData, depthwiseBackwardFilter, depthwiseForward, depthwiseGeometry,
} from '../src/binding.js';
import { constant, importedMemoryLimits } from '../src/wasm/instance.js';
import { randomArray } from './helpers.js';
import { fixedGemm, shortTraining } from './threads-cases.js';

await init(); // importing gaaf loads nothing; init() loads the Wasm module and starts the threads

const initial = threads();
after(async () => {
  setParallelGrain();
  await setThreads(initial);
});

/** Runs f with `n` threads and every call split as finely as it can be (grain 1). */
async function withThreads<T>(n: number, f: () => T | Promise<T>, fine = true): Promise<T> {
  assert.equal(await setThreads(n), n, `could not start ${n} threads`);
  setParallelGrain(fine ? { gemmMacs: 1, elems: 1 } : undefined);
  try {
    return await f();
  } finally {
    setParallelGrain();
  }
}

const bits = (b: Buf): Uint32Array => new Uint32Array(b.read().buffer);

function assertSameBits(what: string, a: Uint32Array, b: Uint32Array): void {
  assert.equal(a.length, b.length, `${what}: lengths differ`);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) assert.fail(`${what}: element ${i} differs: 0x${a[i].toString(16)} vs 0x${b[i].toString(16)}`);
  }
}

test('the threaded build is in use in Node, with the hardware concurrency by default', () => {
  assert.deepEqual(threadSupport(), { available: true, reason: null });
  assert.ok(initial >= 1 && initial <= 16, `default threads ${initial}`);
});

test('setThreads rejects a count that is not an integer in [1, 64], naming it', async () => {
  for (const n of [0, -1, 1.5, 65, NaN]) {
    await assert.rejects(setThreads(n), new RegExp(`setThreads: the thread count must be an integer in \\[1, 64\\], got ${n}`));
  }
});

// GEMM over awkward sizes (below, at and above the MR×NR = 2×16 tile; fewer rows/columns than
// threads), all four transposes, row strides wider than the rows, beta and bias.
test('GEMM: 1, 2, 3 and 16 threads (16 workers on 2 cores) give the same bits', async () => {
  const shapes: Array<[number, number, number]> = [
    [1, 1, 1], [3, 17, 5], [17, 3, 63], [63, 255, 17], [255, 63, 3], [constant('GEMM_MR'), constant('GEMM_NR'), 300], [33, 1, 9], [1, 40, 2], [130, 130, 257],
  ];
  const cases: Array<{ tA: boolean; tB: boolean; M: number; N: number; K: number; beta: number; bias: boolean }> = [];
  let s = 0;
  for (const [M, N, K] of shapes) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) cases.push({ tA, tB, M, N, K, beta: s % 2 ? 0.5 : 0, bias: s++ % 3 === 0 });
    }
  }
  const run = (): Uint32Array[] => cases.map((c, i) => {
    const pad = 3; // row strides 3 wider than the rows
    const lda = (c.tA ? c.M : c.K) + pad, ldb = (c.tB ? c.K : c.N) + pad, ldc = c.N + pad;
    const A = allocF32((c.tA ? c.K : c.M) * lda), B = allocF32((c.tB ? c.N : c.K) * ldb), C = allocF32(c.M * ldc);
    const bias = allocF32(c.N);
    A.write(randomArray(A.length, 10 + i)); B.write(randomArray(B.length, 20 + i));
    C.write(randomArray(C.length, 30 + i)); bias.write(randomArray(c.N, 40 + i));
    gemm(c.tA, c.tB, c.M, c.N, c.K, 1.25, A, lda, B, ldb, c.beta, C, ldc, c.bias ? bias : null);
    const out = bits(C);
    for (const b of [A, B, C, bias]) b.free();
    return out;
  });
  const one = await withThreads(1, run);
  for (const n of [2, 3, 16]) {
    const got = await withThreads(n, run);
    cases.forEach((c, i) => assertSameBits(`gemm ${n} threads tA=${c.tA} tB=${c.tB} ${c.M}×${c.N}×${c.K}`, got[i], one[i]));
  }
  // and with the default grain, where only the large case is split
  assertSameBits('gemm 2 threads, default grain', (await withThreads(2, run, false)).flatMap((x) => [...x]) as unknown as Uint32Array,
    one.flatMap((x) => [...x]) as unknown as Uint32Array);
});

test('elementwise kernels and column sums: 1, 2 and 16 threads give the same bits at sizes 1 to 4097', async () => {
  const sizes = [1, 3, 17, 63, 64, 65, 255, 1000, 4097];
  const kinds: ActKind[] = ['tanh', 'relu', 'sigmoid'];
  const run = (): Uint32Array[] => {
    const out: Uint32Array[] = [];
    for (const n of sizes) {
      const x = allocF32(n), y = allocF32(n), dy = allocF32(n), dx = allocF32(n), w = allocF32(n), m = allocF32(n), v = allocF32(n);
      x.write(randomArray(n, n, 4)); dy.write(randomArray(n, n + 1));
      for (const k of kinds) {
        actForward(k, x, y, n); out.push(bits(y));
        actBackward(k, x, y, dy, dx, n); out.push(bits(dx));
        gaafForward(k, x, y, n, 1e4, 3, -0.6); out.push(bits(y));
        gaafBackward(k, x, dy, dx, n, 3, -0.6); out.push(bits(dx));
      }
      leakyReluForward(x, y, n, 0.2); out.push(bits(y));
      leakyReluBackward(x, dy, dx, n, 0.2); out.push(bits(dx));
      for (const k of GAAFX_KINDS) {
        gaafxForward(k, x, y, n, 0.2, 1e4, 3.3, -0.6); out.push(bits(y));
        gaafxBackward(k, x, dy, dx, n, 0.2, 3.3, -0.6); out.push(bits(dx));
      }
      dropoutBackward(dy, x, dx, n); out.push(bits(dx));
      w.write(randomArray(n, n + 2)); v.fill(0.1); m.fill(-0.2);
      sgdUpdate(w, dy, v, n, 0.05, 0.9, 1e-4); out.push(bits(w), bits(v));
      adamUpdate(w, dy, m, v, n, 1e-3, 0.9, 0.999, 1e-7, 0.1, 0.001, 1e-4); out.push(bits(w), bits(m), bits(v));
      // column sums (the bias gradient) of x seen as rows × cols with a stride: split by columns
      for (const cols of [1, 5, 16, 17, 40]) {
        const ld = cols + 2, rows = Math.floor(n / ld);
        if (rows < 1) continue;
        const o = allocF32(cols);
        o.fill(0.5);
        sumRows(x, rows, cols, ld, o, 0.75); out.push(bits(o));
        o.free();
      }
      for (const b of [x, y, dy, dx, w, m, v]) b.free();
    }
    return out;
  };
  const one = await withThreads(1, run);
  for (const n of [2, 16]) {
    const got = await withThreads(n, run);
    got.forEach((g, i) => assertSameBits(`elementwise output ${i} on ${n} threads`, g, one[i]));
  }
});

test('a short training run (GAAF, dropout, Adam) gives the same weights on 1, 2 and 16 threads', async () => {
  const one = await withThreads(1, shortTraining, false);
  assert.equal(await withThreads(2, shortTraining, false), one, '2 threads, default grain');
  assert.equal(await withThreads(2, shortTraining), one, '2 threads, finest split');
  assert.equal(await withThreads(16, shortTraining), one, '16 threads, finest split');
});

test('shutdownThreads stops the workers; kernels then run single-threaded and setThreads starts them again', async () => {
  const ref = await withThreads(1, () => fixedGemm(allocF32, gemm));
  await setThreads(3);
  shutdownThreads();
  assert.equal(threads(), 1);
  assert.equal(fixedGemm(allocF32, gemm), ref);
  assert.equal(await withThreads(3, () => fixedGemm(allocF32, gemm)), ref);
});

const root = fileURLToPath(new URL('..', import.meta.url));

test('without SharedArrayBuffer: the single-threaded build, one line saying why and how, the same bits', async () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/threads-fallback-child.ts'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim());
  assert.equal(out.support.available, false);
  assert.match(out.support.reason, /SharedArrayBuffer is unavailable/);
  assert.equal(out.got, 1);
  assert.equal(out.threads, 1);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('gaaf:'));
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0], /running single-threaded instead of \d+ threads: SharedArrayBuffer is unavailable/);
  assert.match(lines[0], /Cross-Origin-Opener-Policy: same-origin.*Cross-Origin-Embedder-Policy: require-corp/);
  assert.equal(out.gemm, await withThreads(2, () => fixedGemm(allocF32, gemm)), 'single-threaded build and 2 threads: same GEMM bits');
  assert.equal(out.training, await withThreads(2, shortTraining, false), 'same training weights');
});

test('gaaf train --threads 2 exits by itself and matches --threads 1 bit for bit', () => {
  const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
  const run = (n: number) => {
    const r = spawnSync(process.execPath, [cli, 'train', '--threads', String(n), '--epochs', '1', '--hidden', '64', '--json'],
      { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.signal, null, `gaaf train --threads ${n} did not exit by itself within 60 s`);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop()!);
  };
  const two = run(2);
  assert.equal(two.threads, 2);
  assert.equal(run(1).weightsSha256, two.weightsSha256);
});

test('memory that grows while the workers run: a split GEMM on buffers in the new pages', async () => {
  const ref = await withThreads(1, () => fixedGemm(allocF32, gemm));
  await setThreads(2);
  const big = allocF32(16 << 20); // 64 MiB: grows the shared memory under the running workers
  try {
    assert.equal(await withThreads(2, () => fixedGemm(allocF32, gemm)), ref);
  } finally {
    big.free();
  }
});

// Every worker instantiates the same module on the same memory: a mutable global (a stack
// pointer, an allocator's offset, any `let` at module level in assembly/) would exist once
// per instance and silently differ between threads, and a start function would run again in
// every worker. The build must have neither, and must import its memory, shared.
test('the threaded build imports shared memory and has no mutable global and no start function', () => {
  const wat = readFileSync(fileURLToPath(new URL('../build/gaaf-mt.wat', import.meta.url)), 'utf8');
  // with the pages asconfig.json's threads target sets, which the binding reads from the module's import section
  const { initialMemory, maximumMemory } = JSON.parse(readFileSync(fileURLToPath(new URL('../asconfig.json', import.meta.url)), 'utf8')).targets.threads;
  assert.match(wat, new RegExp(`\\(import "env" "memory" \\(memory \\$0 ${initialMemory} ${maximumMemory} shared\\)\\)`));
  assert.deepEqual(importedMemoryLimits(readFileSync(fileURLToPath(new URL('../build/gaaf-mt.wasm', import.meta.url)))),
    { initial: initialMemory, maximum: maximumMemory, shared: true });
  assert.doesNotMatch(wat, /\(global \$\S+ \(mut /, 'a mutable global in the threaded build');
  assert.doesNotMatch(wat, /\(start /, 'a start function in the threaded build');
});

test('bench threads suite (smoke): a record per kernel and thread count, with the cores used, and speedup columns', async () => {
  const { threadsSuite } = await import('../bench/threads.js');
  const { suiteTable } = await import('../bench/report.js');
  const before = threads();
  const recs = await threadsSuite({ quick: true, mode: 'smoke' });
  assert.equal(threads(), before, 'the suite restores the thread count');
  assert.deepEqual(recs.map((r) => `${r.name} ${r.size} ${r.engine}`), [
    'conv2d 3×3 32→32 fwd+bwd 2 simd-1t', 'conv2d 3×3 32→32 fwd+bwd 2 simd-2t', 'conv2d 3×3 32→32 fwd+bwd 2 simd-4t',
    'mlp-base train step 8 simd-1t', 'mlp-base train step 8 simd-2t', 'mlp-base train step 8 simd-4t',
    'gemm A·B 64 simd-1t', 'gemm A·B 64 simd-2t', 'gemm A·B 64 simd-4t',
    // 2 threads against 1, call against call: ours (2 threads), then the peer (the same call with splitting off)
    'gemm A·B 64 simd-2t', 'gemm A·B 64 simd-1t', 'mlp-base train step 8 simd-2t', 'mlp-base train step 8 simd-1t',
  ]);
  for (const r of recs) {
    assert.equal(r.error, undefined, `${r.name} ${r.engine}: ${r.error}`);
    assert.ok(typeof r.params?.cpuPerWall === 'number' && r.params.cpuPerWall > 0, `${r.name} ${r.engine}: cpuPerWall`);
    assert.ok(typeof r.params?.coresAvailableBefore === 'number', 'the cores probe');
    for (const k of ['peakScaling2Before', 'peakScaling2After']) assert.ok((r.params?.[k] as number) > 0, `the FP probe: ${k}`);
  }
  const pairs = recs.filter((r) => r.suite === 'threads-pairs');
  assert.deepEqual(pairs.map((r) => r.params?.vs ?? null), [null, 'simd-2t', null, 'simd-2t']);
  for (const r of pairs.filter((q) => q.params?.vs)) assert.ok((r.params!.ratio as number) > 0 && r.params!.rounds === 3, `${r.name}: the per-round ratio`);
  const table = suiteTable(recs, 'threads');
  assert.match(table, /\*\*simd-2t ÷ simd-1t\*\*/);
  assert.match(table, /\*\*simd-4t ÷ simd-1t\*\*/);
});

test('kernel calls while setThreads is still starting workers: the starting ones stay out, the bits do not change', async () => {
  const ref = await withThreads(1, () => fixedGemm(allocF32, gemm));
  await setThreads(2);
  setParallelGrain({ gemmMacs: 1, elems: 1 });
  try {
    let settled = false;
    const p = setThreads(8).then((n) => { settled = true; return n; });
    let calls = 0;
    while (!settled) {
      assert.equal(fixedGemm(allocF32, gemm), ref, `call ${calls} while workers start`);
      calls++;
      await new Promise((r) => setTimeout(r, 1));
    }
    assert.equal(await p, 8);
    assert.ok(calls > 0, 'no call overlapped the start');
    assert.equal(fixedGemm(allocF32, gemm), ref, 'after the start, on 8 threads');
  } finally {
    setParallelGrain();
  }
});

// conv2d forward and backward-data split by images (batches smaller than, equal to and larger
// than the thread count; both backward-data paths: rotated filter (c >= 16, stride 1) and
// col2im; 1×1 pointwise), backward-filter split by 16-channel blocks of the output channels
// (both its paths: dWᵀ for K >= 64 and dW directly for K < 64; pointwise; a last block of 1).
test('conv2d: 1, 2, 3 and 16 threads give the same bits (split by images, and by output channels for the filter gradient)', async () => {
  const geoms: ConvGeom[] = [
    { n: 1, h: 5, w: 5, c: 3, oc: 4, kh: 3, kw: 3, stride: 1, pad: 1 },
    { n: 3, h: 7, w: 6, c: 16, oc: 17, kh: 3, kw: 3, stride: 1, pad: 1 },
    { n: 5, h: 9, w: 9, c: 2, oc: 8, kh: 3, kw: 3, stride: 2, pad: 0 },
    { n: 17, h: 4, w: 4, c: 8, oc: 16, kh: 1, kw: 1, stride: 1, pad: 0 },
    { n: 4, h: 12, w: 12, c: 3, oc: 32, kh: 5, kw: 5, stride: 1, pad: 2 },
    { n: 2, h: 6, w: 5, c: 2, oc: 33, kh: 3, kw: 3, stride: 1, pad: 1 },
    { n: 3, h: 4, w: 4, c: 8, oc: 40, kh: 1, kw: 1, stride: 1, pad: 0 },
    { n: 3, h: 9, w: 8, c: 3, oc: 17, kh: 3, kw: 3, stride: 1, pad: 2, dh: 2, dw: 2 }, // dilated, col2im
    { n: 2, h: 11, w: 10, c: 16, oc: 20, kh: 3, kw: 3, stride: 1, pad: 3, dh: 3, dw: 3 }, // dilated, rotated filter
  ];
  const run = (): Uint32Array[] => geoms.flatMap((g, i) => {
    const oh = convOutSize(g.h, g.kh, g.stride, g.pad, g.dh), ow = convOutSize(g.w, g.kw, g.stride, g.pad, g.dw);
    const x = allocF32(g.n * g.h * g.w * g.c), f = allocF32(g.kh * g.kw * g.c * g.oc), b = allocF32(g.oc);
    const y = allocF32(g.n * oh * ow * g.oc), dy = allocF32(y.length), dx = allocF32(x.length);
    const df = allocF32(f.length), db = allocF32(g.oc), work = allocF32(conv2dWorkspaceLength(g));
    x.write(randomArray(x.length, 50 + i)); f.write(randomArray(f.length, 60 + i)); b.write(randomArray(g.oc, 70 + i));
    dy.write(randomArray(dy.length, 80 + i));
    conv2dForward(x, f, b, y, g, work);
    conv2dBackwardData(dy, f, dx, g, work);
    conv2dBackwardFilter(x, dy, df, db, g, work);
    const out = [bits(y), bits(dx), bits(df), bits(db)];
    for (const t of [x, f, b, y, dy, dx, df, db, work]) t.free();
    return out;
  });
  const one = await withThreads(1, run);
  for (const n of [2, 3, 16]) {
    const got = await withThreads(n, run);
    got.forEach((g, i) => assertSameBits(`conv output ${i} (${['y', 'dx', 'dfilter', 'dbias'][i % 4]} of geometry ${i >> 2}) on ${n} threads`, g, one[i]));
  }
});

// depthwise forward and backward-data split by images (batches below, at and above the thread
// count), backward-filter by 16-channel ranges of the c·m output channels (a last range of 1;
// m = 1, 2, 3; strides, TF 'same' padding, dilation).
test('depthwise conv: 1, 2, 3 and 16 threads give the same bits (split by images, and by channel ranges for the filter gradient)', async () => {
  const geoms: DepthwiseGeom[] = [
    { n: 1, h: 5, w: 5, c: 3, m: 1, kh: 3, kw: 3, stride: 1, padding: 'same' },
    { n: 3, h: 9, w: 8, c: 17, m: 2, kh: 3, kw: 3, stride: 2, padding: 'same' },
    { n: 5, h: 11, w: 10, c: 33, m: 1, kh: 3, kw: 3, stride: 1, padding: 'same', dh: 2, dw: 2 },
    { n: 17, h: 6, w: 7, c: 11, m: 3, kh: 5, kw: 5, stride: 1, padding: 'valid' },
    { n: 2, h: 8, w: 8, c: 64, m: 1, kh: 3, kw: 3, stride: 2, padding: 'valid' },
  ];
  const run = (): Uint32Array[] => geoms.flatMap((g, i) => {
    const { oh, ow, C } = depthwiseGeometry(g);
    const x = allocF32(g.n * g.h * g.w * g.c), f = allocF32(g.kh * g.kw * C), b = allocF32(C);
    const y = allocF32(g.n * oh * ow * C), dy = allocF32(y.length), dx = allocF32(x.length), df = allocF32(f.length), db = allocF32(C);
    x.write(randomArray(x.length, 150 + i)); f.write(randomArray(f.length, 160 + i)); b.write(randomArray(C, 170 + i));
    dy.write(randomArray(dy.length, 180 + i));
    depthwiseForward(x, f, b, y, g);
    depthwiseBackwardData(dy, f, dx, g);
    depthwiseBackwardFilter(x, dy, df, db, g);
    const out = [bits(y), bits(dx), bits(df), bits(db)];
    for (const t of [x, f, b, y, dy, dx, df, db]) t.free();
    return out;
  });
  const one = await withThreads(1, run);
  for (const n of [2, 3, 16]) {
    const got = await withThreads(n, run);
    got.forEach((g, i) => assertSameBits(`depthwise output ${i} (${['y', 'dx', 'dfilter', 'dbias'][i % 4]} of geometry ${i >> 2}) on ${n} threads`, g, one[i]));
  }
});

test('a short training run with DepthwiseConv2D and dilated Conv2D gives the same weights on 1 and 2 threads', async () => {
  const { Activation, Adam, BatchNorm, Conv2D, Dense, DepthwiseConv2D, GlobalAveragePooling2D, Rng, Sequential, makeDataset } = await import('../src/node.js');
  const train = async (): Promise<string> => {
    const r = new Rng(21);
    const count = 32;
    const x = Float32Array.from({ length: count * 12 * 12 * 3 }, () => r.next());
    const y = Int32Array.from({ length: count }, () => r.int(4));
    const model = new Sequential([
      new Conv2D(8, 3, { padding: 'same', dilationRate: 2, inputShape: [12, 12, 3] }),
      new DepthwiseConv2D(3, { padding: 'same', strides: 2, depthMultiplier: 2 }), new BatchNorm(), new Activation('relu'),
      new Conv2D(16, 1), new GlobalAveragePooling2D(), new Dense(4),
    ]);
    await model.fit(makeDataset(x, y, [12, 12, 3], 4, 'random'), { epochs: 1, batchSize: 16, optimizer: new Adam({ lr: 1e-3 }), seed: 3 });
    const h = await model.weightsSha256();
    model.dispose();
    return h;
  };
  const one = await withThreads(1, train, false);
  assert.equal(await withThreads(2, train, false), one, '2 threads, default grain');
  assert.equal(await withThreads(2, train), one, '2 threads, finest split');
});

test('a short CNN training run (conv, max-pool, batch norm) gives the same weights on 1 and 2 threads', async () => {
  const { Adam, makeDataset, svhnCnn, Rng } = await import('../src/node.js');
  const train = async (): Promise<string> => {
    const r = new Rng(12);
    const count = 32;
    const x = Float32Array.from({ length: count * 16 * 16 * 3 }, () => r.next());
    const y = Int32Array.from({ length: count }, () => r.int(10));
    const model = svhnCnn({ inputShape: [16, 16, 3], filters: [8, 8, 16, 16], dense: [32, 16], bn: true });
    await model.fit(makeDataset(x, y, [16, 16, 3], 10, 'random'), { epochs: 1, batchSize: 16, optimizer: new Adam({ lr: 1e-3 }), seed: 3 });
    const h = await model.weightsSha256();
    model.dispose();
    return h;
  };
  const one = await withThreads(1, train, false);
  assert.equal(await withThreads(2, train, false), one, '2 threads, default grain');
  assert.equal(await withThreads(2, train), one, '2 threads, finest split');
});

// The kernel table (src/wasm/): every entry names exports the module has, with the arguments
// it passes; and the aliasing rule of every entry holds in both directions: each pair an entry
// forbids (an output and another operand in one buffer) is refused with an error naming both,
// and each pair it allows (in place) gives exactly the bits of the out-of-place call, for the
// SIMD kernel, its scalar reference and a call split across threads. Driven by the table
// itself, so a new entry (LeakyReLU's, for one) is covered by adding sample arguments below.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as binding from '../src/binding.js';
import { type Buf, allocF32, allocI32, init, maxPoolForward, setKernelImpl, setParallelGrain, setThreads, threads } from '../src/binding.js';
import { load } from '../src/wasm/instance.js';
import { KERNELS, type Kernel as KernelSpec, checkTable } from '../src/wasm/kernel.js';

type Values = Record<string, number>;
import { randomArray, randomLabels } from './helpers.js';

await init();

const conv = { n: 2, h: 6, w: 5, c: 3, oc: 4, kh: 3, kw: 3, stride: 1, pad: 1 };
const dwconv = { n: 3, h: 7, w: 6, c: 5, m: 2, kh: 3, kw: 3, stride: 2, padding: 'same' };
const pool = { n: 2, h: 4, w: 4, c: 3, k: 2, stride: 2 };
const gpool = { n: 3, hw: 17, c: 5 };
const n = 3000; // elementwise: above the finest split's grain, with a tail that is no multiple of 4 or 64

/** Scalar arguments (and geometry objects) of each kernel's sample call, by parameter name. */
const SAMPLE: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  gemm: { transA: true, transB: false, M: 37, N: 29, K: 19, alpha: 1.5, lda: 37, ldb: 29, beta: 0.5, ldc: 29 },
  actForward: { kind: 'tanh', n },
  actBackward: { kind: 'sigmoid', n },
  gaafForward: { kind: 'relu', n, K: 1e4, p1: 3.3, p2: -0.6 },
  gaafBackward: { kind: 'tanh', n, p1: 3, p2: 0 },
  gaafsForward: { kind: 'tanh', shape: 'ring', n, K: 1e4, p1: 2, p2: 0, h: 1 },
  gaafsBackward: { kind: 'relu', shape: 'leftBump', n, p1: 0.75, p2: 0, h: 0.5 },
  leakyReluForward: { n, alpha: 0.2 },
  leakyReluBackward: { n, alpha: 0.2 },
  actxForward: { kind: 'gelu', n, alpha: 1 }, actxBackward: { kind: 'elu', n, alpha: 0.5 },
  gaafxForward: { kind: 'silu', n, alpha: 0, K: 1e4, a: 3.3, b: -0.6 }, gaafxBackward: { kind: 'leakyRelu', n, alpha: 0.3, a: 3.3, b: -0.6 },
  softmaxForward: { rows: 7, cols: 13 }, softmaxBackward: { rows: 7, cols: 13 },
  dropoutForward: { n, p: 0.3, seed: 1, stream: 2 },
  dropoutBackward: { n },
  softmaxXent: { B: 7, C: 5, scale: 1 / 7 },
  argmaxRows: { rows: 7, cols: 5 },
  mseLoss: { B: 37, K: 3, scale: 1 / 37 }, maeLoss: { B: 37, K: 1, scale: 1 / 37 },
  huberLoss: { B: 37, K: 2, scale: 1 / 37, delta: 0.7 }, bceLogitsLoss: { B: 37, K: 3, scale: 1 / 37, smoothing: 0.1 },
  cceLogitsLoss: { B: 7, C: 5, scale: 1 / 7, smoothing: 0.1 },
  sgdUpdate: { n, lr: 0.01, momentum: 0.9, weightDecay: 1e-4 },
  adamUpdate: { n, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-7, bc1: 0.1, bc2: 0.001, weightDecay: 0 },
  meanAbs: { n }, meanVar: { n }, countNonFinite: { n },
  sumRows: { rows: 9, cols: 20, ld: 23, beta: 0.5 },
  colMeanVar: { rows: 9, cols: 6 },
  conv2dForward: { g: conv }, conv2dBackwardData: { g: conv }, conv2dBackwardFilter: { g: conv },
  depthwiseForward: { g: dwconv }, depthwiseBackwardData: { g: dwconv }, depthwiseBackwardFilter: { g: dwconv },
  maxPoolForward: { g: { ...pool, k: 3, padding: 'same' } }, maxPoolBackward: { g: { ...pool, k: 3, padding: 'same' } },
  avgPoolForward: { g: { ...pool, k: 3, padding: 'same' } }, avgPoolBackward: { g: { ...pool, k: 3, padding: 'same' } },
  layerNormForward: { rows: 7, cols: 13, eps: 1e-3 }, layerNormBackward: { rows: 7, cols: 13 },
  embeddingForward: { count: 40, vocab: 1, dim: 7 }, embeddingBackward: { count: 40, vocab: 1, dim: 7 },
  globalAvgPoolForward: gpool, globalAvgPoolBackward: gpool, globalMaxPoolForward: gpool, globalMaxPoolBackward: gpool,
  batchNormForwardTrain: { rows: 8, cols: 5, eps: 1e-3 },
  batchNormForwardInference: { rows: 8, cols: 5, eps: 1e-3 },
  batchNormBackward: { rows: 8, cols: 5 },
  simdPeakLoop: { iters: 10 },
  addForward: { n }, mulForward: { n },
  copyRows: { srcOff: 1, lds: 9, dstOff: 2, ldd: 11, rows: 5, cols: 7 },
};

const wrapper = (k: KernelSpec) => (binding as unknown as Record<string, (...a: unknown[]) => unknown>)[k.name];
const callerOperands = (k: KernelSpec): string[] => Object.keys(k.operands).filter((o) => !k.operands[o].scratch);
const written = (k: KernelSpec, o: string): boolean => k.operands[o].role !== 'in';

/** The checked scalars of k's sample call (what the operands' lengths are computed from). */
function values(k: KernelSpec): Values {
  const raw = SAMPLE[k.name];
  const v: Values = {};
  for (const [name, rule] of Object.entries(k.scalars ?? {})) {
    const r = rule(k.name, name, raw[name], (n) => raw[n]);
    if (typeof r === 'number') v[name] = r;
    else Object.assign(v, r);
  }
  return v;
}

function elements(k: KernelSpec, o: string, v: Values): number {
  const op = k.operands[o];
  if (op.mat) {
    const t = op.mat.transposed && v[op.mat.transposed];
    const [rows, cols, ld] = [v[t ? op.mat.cols : op.mat.rows], v[t ? op.mat.rows : op.mat.cols], v[op.mat.ld]];
    return rows > 0 && cols > 0 ? (rows - 1) * ld + cols : 0;
  }
  const len = op.len;
  if (len === undefined) return 0;
  if (typeof len === 'function') return len((n) => v[n]);
  return (typeof len === 'string' ? [len] : len).reduce((p, n) => p * v[n], 1);
}

/** Fresh contents for each of k's operands (valid labels and argmax indices where they are read). */
function contents(k: KernelSpec, v: Values, seed: number): Record<string, Float32Array | Int32Array> {
  const out: Record<string, Float32Array | Int32Array> = {};
  for (const o of callerOperands(k)) {
    const len = elements(k, o, v);
    if (k.name.startsWith('embedding') && o === 'idx') out[o] = new Float32Array(len); // row 0 of a 1-row vocabulary
    if (o === 'weight') out[o] = randomArray(len, seed++).map(Math.abs); // per-sample weights are ≥ 0
    else if (k.operands[o].dtype !== 'i32') out[o] = randomArray(len, seed++);
    else if (k.name === 'softmaxXent') out[o] = randomLabels(len, v.C, seed++);
    else if (k.name === 'maxPoolBackward') {
      const x = allocF32(pool.n * pool.h * pool.w * pool.c), y = allocF32(len), am = allocI32(len);
      x.write(randomArray(x.length, seed++));
      maxPoolForward(x, y, am, { ...pool, k: 3, padding: 'same' });
      out[o] = am.viewI32().slice();
      for (const b of [x, y, am]) b.free();
    } else if (k.name === 'globalMaxPoolBackward') {
      const x = allocF32(gpool.n * gpool.hw * gpool.c), y = allocF32(len), am = allocI32(len);
      x.write(randomArray(x.length, seed++));
      binding.globalMaxPoolForward(x, y, am, gpool.n, gpool.hw, gpool.c);
      out[o] = am.viewI32().slice();
      for (const b of [x, y, am]) b.free();
    } else out[o] = new Int32Array(len);
  }
  return out;
}

/** Calls k with Bufs holding `data`, operand `alias` sharing `into`'s buffer if given; returns every operand's bits after. */
function call(k: KernelSpec, v: Values, data: Record<string, Float32Array | Int32Array>, alias?: { out: string; into: string }): Record<string, Uint32Array> {
  const bufs: Record<string, Buf> = {};
  for (const o of callerOperands(k)) {
    if (alias && o === alias.out) continue;
    const d = data[o];
    const b = d instanceof Int32Array ? allocI32(Math.max(d.length, alias?.into === o ? data[alias.out].length : 0))
      : allocF32(Math.max(d.length, alias?.into === o ? data[alias.out].length : 0));
    b.write(d);
    bufs[o] = b;
  }
  if (alias) bufs[alias.out] = bufs[alias.into];
  const raw = SAMPLE[k.name];
  const args = k.params.map((p) => (p in bufs ? bufs[p] : raw[p]));
  try {
    wrapper(k)(...args);
    const bits: Record<string, Uint32Array> = {};
    for (const o of callerOperands(k)) {
      const b = bufs[o];
      bits[o] = new Uint32Array((b.dtype === 'i32' ? b.viewI32() : b.view()).slice(0, data[o].length).buffer);
    }
    return bits;
  } finally {
    for (const b of new Set(Object.values(bufs))) b.free();
  }
}

test('every table entry names exports the module has, taking the arguments the entry passes', async () => {
  const inst = await load();
  assert.ok(KERNELS.length >= 27, `${KERNELS.length} entries`);
  checkTable(inst);
  for (const k of KERNELS) assert.equal(typeof wrapper(k), 'function', `${k.name} is exported by src/binding.ts under its name`);
  assert.deepEqual(Object.keys(SAMPLE).sort(), KERNELS.map((k) => k.name).sort(), 'a sample call for every entry');
  // a module without one of them, or with another signature, is refused with the entry's name
  const { gemm_ref: _, ...noRef } = inst.ex;
  assert.throws(() => checkTable({ ...inst, ex: noRef as typeof inst.ex }), /gemm: the module has no export 'gemm_ref'/);
  const wrongArity = { ...inst.ex, act_forward: (a: number, b: number) => a + b };
  assert.throws(() => checkTable({ ...inst, ex: wrongArity as typeof inst.ex }),
    /actForward: 'act_forward' takes 2 arguments, the table passes 4 \(kind, x, y, n\)/);
});

test('aliasing, for every kernel: forbidden pairs are refused, allowed (in-place) pairs give the out-of-place bits', async () => {
  const before = threads();
  let refused = 0, inPlace = 0;
  try {
    for (const k of KERNELS) {
      const v = values(k);
      const ops = callerOperands(k);
      for (const out of ops.filter((o) => written(k, o))) {
        for (const into of ops.filter((o) => o !== out && (k.operands[o].dtype ?? 'f32') === (k.operands[out].dtype ?? 'f32'))) {
          const data = contents(k, v, 17);
          const allowed = k.mayAlias?.[out]?.includes(into) || k.mayAlias?.[into]?.includes(out) && !written(k, into);
          if (!allowed) {
            const pair = new RegExp(`gaaf\\.${k.name}: (${out} and ${into}|${into} and ${out}) are the same buffer`);
            assert.throws(() => call(k, v, data, { out, into }), pair, `${k.name}: ${out} in ${into}'s buffer`);
            refused++;
            continue;
          }
          // allowed: out is written over into's values, which must be read as they were
          for (const [impl, nThreads] of [['simd', 1], ['scalar', 1], ['simd', 2]] as const) {
            await setThreads(nThreads);
            setParallelGrain(nThreads > 1 ? { gemmMacs: 1, elems: 1 } : undefined);
            setKernelImpl(impl);
            try {
              const apart = call(k, v, data);
              const together = call(k, v, { ...data, [out]: data[into] }, { out, into });
              assert.deepEqual(together[into], apart[out], `${k.name} (${impl}, ${nThreads} threads): ${out} written in place over ${into}`);
              for (const o of ops.filter((p) => p !== out && p !== into && written(k, p))) {
                assert.deepEqual(together[o], apart[o], `${k.name}: ${o} with ${out} in place over ${into}`);
              }
            } finally {
              setKernelImpl('simd');
              setParallelGrain();
            }
          }
          inPlace++;
        }
      }
    }
  } finally {
    await setThreads(before);
  }
  console.log(`# aliasing: ${refused} forbidden pairs refused, ${inPlace} in-place pairs checked bit for bit`);
  assert.ok(refused > 50 && inPlace >= 12, `${refused} refused, ${inPlace} in place`);
});

// The convolution, pooling and batch-norm wrappers of src/binding.ts: SIMD kernels against
// their scalar references (setKernelImpl), conv against a direct loop in f64 written here,
// and the shape checks that stand before every call into Wasm.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  init,
  type Buf, type ConvGeom, type PoolGeom, allocF32, allocI32, batchNormBackward, batchNormForwardInference,
  batchNormForwardTrain, conv2dBackwardData, conv2dBackwardFilter, conv2dForward, conv2dWorkspaceLength,
  convOutSize, maxPoolBackward, maxPoolForward, setKernelImpl,
} from '../src/binding.js';
import { assertClose, randomArray } from './helpers.js';

await init(); // importing gaaf loads nothing; init() loads the Wasm module and starts the threads

function buf(a: ArrayLike<number>, label: string): Buf {
  const b = allocF32(a.length, label);
  b.write(a);
  return b;
}

function withImpl<T>(k: 'simd' | 'scalar', f: () => T): T {
  setKernelImpl(k);
  try {
    return f();
  } finally {
    setKernelImpl('simd');
  }
}

/** Direct f64 loops over the definition: y, dx, dW, db from x, W, b, dy. */
function convDirect(g: ConvGeom, x: Float32Array, W: Float32Array, b: Float32Array, dy: Float32Array) {
  const dh = g.dh ?? 1, dw = g.dw ?? 1;
  const oh = convOutSize(g.h, g.kh, g.stride, g.pad, dh), ow = convOutSize(g.w, g.kw, g.stride, g.pad, dw);
  const y = new Float64Array(g.n * oh * ow * g.oc);
  const dx = new Float64Array(g.n * g.h * g.w * g.c);
  const dW = new Float64Array(W.length);
  const db = new Float64Array(g.oc);
  for (let n = 0; n < g.n; n++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let o = 0; o < g.oc; o++) {
    const yi = ((n * oh + oy) * ow + ox) * g.oc + o;
    let s = b[o];
    db[o] += dy[yi];
    for (let ky = 0; ky < g.kh; ky++) for (let kx = 0; kx < g.kw; kx++) {
      const iy = oy * g.stride - g.pad + ky * dh, ix = ox * g.stride - g.pad + kx * dw;
      if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
      for (let c = 0; c < g.c; c++) {
        const xi = ((n * g.h + iy) * g.w + ix) * g.c + c, wi = ((ky * g.kw + kx) * g.c + c) * g.oc + o;
        s += x[xi] * W[wi];
        dx[xi] += dy[yi] * W[wi];
        dW[wi] += dy[yi] * x[xi];
      }
    }
    y[yi] = s;
  }
  return { y, dx, dW, db };
}

const CONV_CASES: ConvGeom[] = [
  { n: 1, h: 5, w: 7, c: 1, oc: 3, kh: 3, kw: 3, stride: 1, pad: 1 },
  { n: 3, h: 9, w: 7, c: 5, oc: 17, kh: 3, kw: 3, stride: 2, pad: 1 },
  { n: 2, h: 8, w: 6, c: 6, oc: 4, kh: 5, kw: 5, stride: 1, pad: 2 },
  { n: 2, h: 7, w: 9, c: 3, oc: 5, kh: 1, kw: 1, stride: 1, pad: 0 },
  { n: 1, h: 11, w: 9, c: 32, oc: 20, kh: 3, kw: 3, stride: 1, pad: 0 }, // K = 288 > GEMM's KC
  { n: 3, h: 6, w: 5, c: 4, oc: 16, kh: 3, kw: 2, stride: 2, pad: 0 },
  { n: 2, h: 5, w: 5, c: 7, oc: 9, kh: 1, kw: 1, stride: 2, pad: 1 },
  { n: 2, h: 13, w: 11, c: 16, oc: 5, kh: 3, kw: 3, stride: 1, pad: 1 }, // rotated-filter backward-data, 2 chunks
  { n: 2, h: 9, w: 8, c: 3, oc: 6, kh: 3, kw: 3, stride: 1, pad: 2, dh: 2, dw: 2 }, // dilation 2 'same' (col2im)
  { n: 1, h: 12, w: 11, c: 17, oc: 4, kh: 3, kw: 3, stride: 1, pad: 3, dh: 3, dw: 3 }, // dilation 3 'same', rotated filter
  { n: 2, h: 10, w: 9, c: 5, oc: 7, kh: 3, kw: 2, stride: 1, pad: 0, dh: 2, dw: 3 }, // dh != dw 'valid'
];

test('conv2d forward, backward-data and backward-filter: SIMD, scalar reference and a direct loop agree', () => {
  for (const [ci, g] of CONV_CASES.entries()) {
    const oh = convOutSize(g.h, g.kh, g.stride, g.pad, g.dh), ow = convOutSize(g.w, g.kw, g.stride, g.pad, g.dw);
    const nx = g.n * g.h * g.w * g.c, ny = g.n * oh * ow * g.oc, nw = g.kh * g.kw * g.c * g.oc;
    const xa = randomArray(nx, 10 + ci), wa = randomArray(nw, 20 + ci), ba = randomArray(g.oc, 30 + ci), dya = randomArray(ny, 40 + ci);
    const want = convDirect(g, xa, wa, ba, dya);
    const x = buf(xa, 'x'), W = buf(wa, 'W'), b = buf(ba, 'b'), dy = buf(dya, 'dy');
    const y = allocF32(ny, 'y'), dx = allocF32(nx, 'dx'), dW = allocF32(nw, 'dW'), db = allocF32(g.oc, 'db');
    const work = allocF32(conv2dWorkspaceLength(g), 'work');
    const got: Record<string, Record<string, Float32Array>> = {};
    for (const k of ['simd', 'scalar'] as const) {
      withImpl(k, () => {
        y.fill(NaN); dx.fill(NaN); dW.fill(NaN); db.fill(NaN); // every output is overwritten
        conv2dForward(x, W, b, y, g, work);
        conv2dBackwardData(dy, W, dx, g, work);
        conv2dBackwardFilter(x, dy, dW, db, g, work);
      });
      got[k] = { y: y.read(), dx: dx.read(), dW: dW.read(), db: db.read() };
    }
    const tag = `case ${ci} ${JSON.stringify(g)}`;
    // f32 sums of up to K (or n·oh·ow) terms of size <= 1 against f64: 1e-5 relative to the term count
    const tolFor = (terms: number) => 2e-6 * terms;
    assertClose(`${tag} y simd`, got.simd.y, want.y, 1e-5, tolFor(g.kh * g.kw * g.c));
    assertClose(`${tag} y scalar`, got.scalar.y, want.y, 1e-5, tolFor(g.kh * g.kw * g.c));
    assertClose(`${tag} dx simd`, got.simd.dx, want.dx, 1e-5, tolFor(g.kh * g.kw * g.oc));
    assertClose(`${tag} dx scalar`, got.scalar.dx, want.dx, 1e-5, tolFor(g.kh * g.kw * g.oc));
    assertClose(`${tag} dW simd`, got.simd.dW, want.dW, 1e-5, tolFor(g.n * oh * ow));
    assertClose(`${tag} dW scalar`, got.scalar.dW, want.dW, 1e-5, tolFor(g.n * oh * ow));
    assertClose(`${tag} db simd`, got.simd.db, want.db, 1e-5, tolFor(g.n * oh * ow));
    assertClose(`${tag} db scalar`, got.scalar.db, want.db, 1e-5, tolFor(g.n * oh * ow));
    for (const bb of [x, W, b, dy, y, dx, dW, db, work]) bb.free();
  }
});

test('conv2d without bias, and with a workspace sized for a larger batch', () => {
  const g: ConvGeom = { n: 2, h: 6, w: 6, c: 3, oc: 8, kh: 3, kw: 3, stride: 1, pad: 1 };
  const work = allocF32(conv2dWorkspaceLength({ ...g, n: 8 }), 'work');
  const xa = randomArray(2 * 36 * 3, 1), wa = randomArray(9 * 3 * 8, 2), dya = randomArray(2 * 36 * 8, 3);
  const want = convDirect(g, xa, wa, new Float32Array(8), dya);
  const x = buf(xa, 'x'), W = buf(wa, 'W'), dy = buf(dya, 'dy');
  const y = allocF32(2 * 36 * 8, 'y'), dW = allocF32(wa.length, 'dW');
  conv2dForward(x, W, null, y, g, work);
  conv2dBackwardFilter(x, dy, dW, null, g, work);
  assertClose('y', y.read(), want.y, 1e-5, 1e-5);
  assertClose('dW', dW.read(), want.dW, 1e-5, 1e-4);
  for (const bb of [x, W, dy, y, dW, work]) bb.free();
});

test('conv2d wrappers name the kernel, operand and sizes when a shape is wrong', () => {
  const g: ConvGeom = { n: 2, h: 5, w: 5, c: 3, oc: 4, kh: 3, kw: 3, stride: 1, pad: 1 };
  const x = allocF32(2 * 25 * 3, 'x'), W = allocF32(9 * 3 * 4, 'W'), y = allocF32(2 * 25 * 4, 'y');
  const work = allocF32(conv2dWorkspaceLength(g), 'work');
  const small = allocF32(10, 'small');
  assert.throws(() => conv2dForward(small, W, null, y, g, work), /conv2dForward: x \('small'\) needs 150 elements, buffer has 10/);
  assert.throws(() => conv2dForward(x, small, null, y, g, work), /conv2dForward: filter \('small'\) needs 108 elements, buffer has 10/);
  const b3 = allocF32(3, 'b3');
  assert.throws(() => conv2dForward(x, W, b3, y, g, work), /conv2dForward: bias \('b3'\) needs 4 elements, buffer has 3/);
  b3.free();
  assert.throws(() => conv2dForward(x, W, null, small, g, work), /conv2dForward: y \('small'\) needs 200 elements, buffer has 10/);
  assert.throws(() => conv2dForward(x, W, null, y, g, small), /conv2dForward: work \('small'\) needs \d+ elements, buffer has 10/);
  assert.throws(() => conv2dForward(y, W, null, y, g, work), /conv2dForward: y and x are the same buffer \('y'\)/);
  assert.throws(() => conv2dBackwardData(small, W, x, g, work), /conv2dBackwardData: dy \('small'\) needs 200 elements/);
  assert.throws(() => conv2dBackwardFilter(x, y, small, null, g, work), /conv2dBackwardFilter: dfilter \('small'\) needs 108 elements/);
  assert.throws(() => conv2dForward(x, W, null, y, { ...g, kh: 9, pad: 0 }, work), /input 5×5 is too small for a 9×3 kernel with pad 0/);
  assert.throws(() => conv2dForward(x, W, null, y, { ...g, stride: 0 }, work), /geometry.stride must be an integer >= 1, got 0/);
  assert.throws(() => conv2dForward(x, W, null, y, { ...g, c: 2.5 }, work), /geometry.c must be an integer >= 1, got 2.5/);
  assert.throws(() => convOutSize(2, 5, 1, 1), /convOutSize: a 5-wide kernel with pad 1 does not fit an input of size 2/);
  assert.equal(convOutSize(32, 3, 1, 1), 32);
  assert.equal(convOutSize(28, 2, 2, 0), 14);
  assert.equal(convOutSize(7, 3, 2, 1), 4);
  assert.equal(convOutSize(9, 3, 1, 2, 2), 9); // dilation 2: a 5-wide effective kernel, 'same' pad 2
  assert.equal(convOutSize(10, 3, 1, 0, 3), 4); // 10 − 7 + 1
  assert.throws(() => convOutSize(6, 3, 1, 0, 3), /a 3-wide kernel dilated by 3 \(7 wide\) with pad 0 does not fit an input of size 6/);
  assert.throws(() => conv2dForward(x, W, null, y, { ...g, dh: 4 }, work), /input 5×5 is too small for a 3×3 kernel dilated by 4×1 with pad 1/);
  assert.throws(() => conv2dForward(x, W, null, y, { ...g, dw: 0 }, work), /geometry.dw must be an integer >= 1, got 0/);
  for (const bb of [x, W, y, work, small]) bb.free();
});

test('max pool: SIMD and scalar agree bit for bit (argmax, ties, NaN) and backward scatters into the window', () => {
  const cases: PoolGeom[] = [
    { n: 1, h: 5, w: 7, c: 1, k: 2, stride: 2 },
    { n: 3, h: 9, w: 7, c: 6, k: 3, stride: 2 }, // overlapping windows
    { n: 2, h: 8, w: 8, c: 32, k: 2, stride: 2 },
    { n: 2, h: 6, w: 5, c: 5, k: 3, stride: 1 },
  ];
  for (const [ci, g] of cases.entries()) {
    const oh = Math.floor((g.h - g.k) / g.stride) + 1, ow = Math.floor((g.w - g.k) / g.stride) + 1;
    const nx = g.n * g.h * g.w * g.c, ny = g.n * oh * ow * g.c;
    const xa = randomArray(nx, 50 + ci).map((v) => Math.round(v * 4) / 4); // many ties
    xa[ci] = NaN;
    const x = buf(xa, 'x'), dy = buf(randomArray(ny, 60 + ci), 'dy');
    const y = allocF32(ny, 'y'), am = allocI32(ny, 'argmax'), dx = allocF32(nx, 'dx');
    const out: Record<string, { y: Float32Array; am: Int32Array; dx: Float32Array }> = {};
    for (const k of ['simd', 'scalar'] as const) {
      withImpl(k, () => {
        y.fill(-1); am.fill(-1); dx.fill(NaN);
        maxPoolForward(x, y, am, g);
        maxPoolBackward(dy, am, dx, g);
      });
      out[k] = { y: y.read(), am: am.viewI32().slice(), dx: dx.read() };
    }
    const tag = `case ${ci}`;
    assert.deepEqual(out.simd.am, out.scalar.am, `${tag} argmax`);
    assert.deepEqual(new Uint32Array(out.simd.y.buffer), new Uint32Array(out.scalar.y.buffer), `${tag} y`);
    assert.deepEqual(new Uint32Array(out.simd.dx.buffer), new Uint32Array(out.scalar.dx.buffer), `${tag} dx`);
    // direct check: y is the window max (NaN wins), argmax the first index holding it
    const dyv = dy.read(), dxWant = new Float64Array(nx);
    for (let n = 0; n < g.n; n++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let c = 0; c < g.c; c++) {
      let best = -1, m = -Infinity;
      for (let ky = 0; ky < g.k; ky++) for (let kx = 0; kx < g.k; kx++) {
        const i = ((n * g.h + oy * g.stride + ky) * g.w + ox * g.stride + kx) * g.c + c;
        if (best < 0 || xa[i] > m || (Number.isNaN(xa[i]) && !Number.isNaN(m))) { m = xa[i]; best = i; }
      }
      const o = ((n * oh + oy) * ow + ox) * g.c + c;
      assert.equal(out.simd.am[o], best, `${tag} argmax at ${o}`);
      assert.ok(Object.is(out.simd.y[o], Math.fround(m)), `${tag} y at ${o}`);
      dxWant[best] += dyv[o];
    }
    assertClose(`${tag} dx`, out.simd.dx, dxWant, 1e-6, 1e-6);
    assert.ok(out.simd.y.some(Number.isNaN), `${tag}: the NaN input reaches y`);
    for (const bb of [x, dy, y, am, dx]) bb.free();
  }
});

test('max pool wrappers refuse bad shapes and argmax entries outside their window', () => {
  const g: PoolGeom = { n: 1, h: 4, w: 4, c: 3, k: 2, stride: 2 };
  const x = buf(randomArray(48, 1), 'x'), y = allocF32(12, 'y'), am = allocI32(12, 'am'), dx = allocF32(48, 'dx');
  assert.throws(() => maxPoolForward(x, y, allocI32(11, 'short'), g), /maxPoolForward: argmax \('short'\) needs 12 elements, buffer has 11/);
  assert.throws(() => maxPoolForward(x, y, y, g), /argmax \('y'\) must be i32, got f32/);
  assert.throws(() => maxPoolForward(x, y, am, { ...g, k: 5 }), /a 5×5 pooling window does not fit a 4×4 input/);
  maxPoolForward(x, y, am, g);
  const v = am.viewI32();
  v[4] = 47; // some other window's element
  for (const k of ['simd', 'scalar'] as const) {
    assert.throws(() => withImpl(k, () => maxPoolBackward(y, am, dx, g)), /maxPoolBackward: 1 of 12 argmax entries \('am'\) point outside their pooling window/);
  }
  for (const bb of [x, y, am, dx]) bb.free();
});

test('batch norm: SIMD and scalar agree bit for bit; statistics, inference and backward match f64 formulas', () => {
  for (const [rows, cols] of [[1, 1], [3, 5], [17, 8], [63, 13], [255, 32], [64, 3]]) {
    const n = rows * cols;
    // large offset, small spread: a one-pass variance in f32 would lose it
    const xa = randomArray(n, rows + cols).map((v, i) => 100 + (i % cols) + v);
    const x = buf(xa, 'x'), gamma = buf(randomArray(cols, 2), 'gamma'), beta = buf(randomArray(cols, 3), 'beta');
    const dy = buf(randomArray(n, 4), 'dy'), rm = buf(randomArray(cols, 5).map((v) => 100 + v), 'rm');
    const rv = buf(randomArray(cols, 6).map((v) => 1.5 + v), 'rv');
    const y = allocF32(n, 'y'), mean = allocF32(cols, 'mean'), inv = allocF32(cols, 'inv'), yi = allocF32(n, 'yi');
    const dx = allocF32(n, 'dx'), dg = allocF32(cols, 'dg'), db = allocF32(cols, 'db');
    const eps = 1e-3;
    const out: Record<string, Float32Array[]> = {};
    for (const k of ['simd', 'scalar'] as const) {
      withImpl(k, () => {
        for (const b of [y, mean, inv, yi, dx, dg, db]) b.fill(NaN);
        batchNormForwardTrain(x, gamma, beta, y, mean, inv, rows, cols, eps);
        batchNormForwardInference(x, gamma, beta, rm, rv, yi, rows, cols, eps);
        batchNormBackward(x, dy, gamma, mean, inv, dx, dg, db, rows, cols);
      });
      out[k] = [y, mean, inv, yi, dx, dg, db].map((b) => b.read());
    }
    for (let i = 0; i < out.simd.length; i++) {
      assert.deepEqual(new Uint32Array(out.simd[i].buffer), new Uint32Array(out.scalar[i].buffer), `rows=${rows} cols=${cols} output ${i}`);
    }
    // f64 formulas (Ioffe & Szegedy 2015)
    const [ys, ms, is, yis, dxs, dgs, dbs] = out.simd;
    const ga = gamma.read(), be = beta.read(), dya = dy.read(), rma = rm.read(), rva = rv.read();
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += xa[r * cols + j];
      const mu = s / rows;
      let q = 0;
      for (let r = 0; r < rows; r++) q += (xa[r * cols + j] - mu) ** 2;
      const istd = 1 / Math.sqrt(q / rows + eps);
      assertClose(`mean[${j}]`, [ms[j]], [mu], 1e-7, 0);
      assertClose(`invStd[${j}]`, [is[j]], [istd], 1e-6, 0);
      let sb = 0, sg = 0;
      for (let r = 0; r < rows; r++) {
        const i = r * cols + j, xh = (xa[i] - mu) * istd;
        assertClose(`y[${i}]`, [ys[i]], [ga[j] * xh + be[j]], 1e-4, 1e-4);
        assertClose(`yInference[${i}]`, [yis[i]], [ga[j] * (xa[i] - rma[j]) / Math.sqrt(rva[j] + eps) + be[j]], 1e-4, 1e-4);
        sb += dya[i]; sg += dya[i] * xh;
      }
      assertClose(`dbeta[${j}]`, [dbs[j]], [sb], 1e-6, 1e-6);
      assertClose(`dgamma[${j}]`, [dgs[j]], [sg], 1e-4, 1e-4);
      for (let r = 0; r < rows; r++) {
        const i = r * cols + j, xh = (xa[i] - mu) * istd;
        const want = ga[j] * istd / rows * (rows * dya[i] - sb - xh * sg);
        assertClose(`dx[${i}]`, [dxs[i]], [want], 1e-3, 1e-3 * Math.abs(ga[j] * istd));
      }
    }
    for (const b of [x, gamma, beta, dy, rm, rv, y, mean, inv, yi, dx, dg, db]) b.free();
  }
});

test('batch norm wrappers refuse bad shapes', () => {
  const x = allocF32(12, 'x'), c3 = allocF32(3, 'c3'), c2 = allocF32(2, 'c2'), y = allocF32(12, 'y');
  assert.throws(() => batchNormForwardTrain(x, c3, c3, y, c2, c3, 4, 3, 1e-5), /batchNormForwardTrain: mean \('c2'\) needs 3 elements, buffer has 2/);
  assert.throws(() => batchNormForwardTrain(x, c3, c3, y, c3, c3, 5, 3, 1e-5), /x \('x'\) needs 15 elements, buffer has 12/);
  assert.throws(() => batchNormForwardTrain(x, c3, c3, y, y, c2, 4, 3, NaN), /eps must be finite and > 0 .*, got NaN/);
  assert.throws(() => batchNormForwardTrain(x, c3, c3, y, c3, c3, 4, 3, 0), /batchNormForwardTrain: eps must be finite and > 0 .*, got 0/);
  assert.throws(() => batchNormForwardInference(x, c3, c3, c3, c3, y, 4, 3, -1), /batchNormForwardInference: eps must be finite and > 0 .*, got -1/);
  assert.throws(() => batchNormForwardInference(x, c3, c3, c3, c2, y, 4, 3, 1e-5), /runVar \('c2'\) needs 3 elements/);
  assert.throws(() => batchNormBackward(x, y, c3, c3, c3, allocF32(12, 'dx'), c3, c2, 4, 3), /batchNormBackward: dbeta \('c2'\) needs 3 elements, buffer has 2/);
  assert.throws(() => batchNormBackward(x, y, c3, c3, c3, allocF32(12), c3, c3, 0, 3), /rows must be an integer >= 1, got 0/);
  for (const b of [x, c3, c2, y]) b.free();
});

// ops.* and the kernel wrappers called with wrong lengths and shapes: every call returns a
// result of the right size or throws a RangeError/TypeError naming the op, and nothing is
// ever written outside the buffers: canaries on both sides of the region the calls use stay intact.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { init, Buf, actForward, copy, dropoutForward, gemm, softmaxXent, sumRows } from '../src/binding.js';
import { ops } from '../src/index.js';
import { Rng } from '../src/rng.js';

await init(); // importing gaaf loads nothing; init() loads the Wasm module and starts the threads

const CANARY = 0x7fc0dead; // a NaN payload no kernel produces

function canary(n: number, label: string): Buf {
  const b = new Buf(n, 'i32', label);
  b.fill(CANARY);
  return b;
}

function intact(b: Buf): boolean {
  return b.viewI32().every((v) => v === CANARY);
}

test('ops.* and kernels with random wrong sizes: clear errors, no write outside any buffer', () => {
  // [low canary][hole of 256 Ki floats][high canary]: the calls' buffers land in the hole (first fit).
  const low = canary(1024, 'low canary');
  const hole = new Buf(256 * 1024, 'f32', 'hole');
  const high = canary(1024, 'high canary');
  hole.free();
  const rng = new Rng(2026);
  const dim = (): number => [0, 1, 2, 3, 5, 17, 63, 64, 65][rng.int(9)];
  const off = (v: number): number => Math.max(0, v + [-1, 0, 0, 0, 1, 7, 16, 100][rng.int(8)]); // sometimes wrong by a little or a lot
  const arr = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
  let ok = 0;
  let refused = 0;
  const attempt = (name: string, f: () => unknown, expectLen?: number): void => {
    try {
      const r = f();
      if (expectLen !== undefined && r instanceof Float32Array) assert.equal(r.length, expectLen, `${name}: result length`);
      ok++;
    } catch (e) {
      assert.ok(e instanceof RangeError || e instanceof TypeError, `${name}: ${String(e)}`);
      assert.match((e as Error).message, /^gaaf[.:]/, `${name}: message names gaaf: ${(e as Error).message}`);
      refused++;
    }
  };
  for (let i = 0; i < 1500; i++) {
    const [m, k, n] = [dim(), dim(), dim()];
    const tA = rng.int(2) === 1;
    const tB = rng.int(2) === 1;
    attempt('matmul', () => ops.matmul(arr(off(m * k)), arr(off(k * n)), m, k, n, { transposeA: tA, transposeB: tB, bias: rng.int(3) === 0 ? arr(off(n)) : undefined }), m * n);
    const len = dim();
    attempt('activation', () => ops.activation((['tanh', 'relu', 'sigmoid'] as const)[rng.int(3)], arr(len), { gaaf: rng.int(2) === 1 }), len);
    attempt('activationBackward', () => ops.activationBackward('tanh', arr(len), arr(off(len))), len);
    attempt('dropout', () => ops.dropout(arr(len), [0, 0.5, 1, -0.1][rng.int(4)], 1).y, len);
    attempt('dropoutGrad', () => ops.dropoutGrad(arr(len), arr(off(len))), len);
    const rows = dim();
    const classes = dim();
    attempt('softmaxCrossEntropy', () => ops.softmaxCrossEntropy(arr(off(rows * classes)),
      Array.from({ length: rows }, () => rng.int(classes + 2) - 1), classes).probs, rows * classes);
    // kernel wrappers on Bufs whose extents may not fit the shapes asked for
    // each Buf is followed by a guard: an overflow past its (64-byte rounded) end hits the guard
    const guards: Buf[] = [];
    const guarded = (len: number, dtype: 'f32' | 'i32', label: string): Buf => {
      const b = new Buf(len, dtype, label);
      guards.push(canary(64, `${label} guard`));
      return b;
    };
    const A = guarded(off(m * k), 'f32', 'A');
    const B = guarded(off(k * n), 'f32', 'B');
    const C = guarded(off(m * n), 'f32', 'C');
    const lab = guarded(off(rows), 'i32', 'labels');
    try {
      A.fill(1); B.fill(1); C.fill(0); lab.fill(0);
      attempt('gemm', () => gemm(tA, tB, m, n, k, 1, A, off(tA ? m : k), B, off(tB ? k : n), 0, C, off(n)));
      attempt('actForward', () => actForward('tanh', A, C, off(Math.min(A.length, C.length))));
      attempt('dropoutForward', () => dropoutForward(A, C, B, off(Math.min(A.length, C.length, B.length)), 0.5, 1, 2));
      attempt('sumRows', () => sumRows(A, m, k, off(k), C, 0));
      attempt('softmaxXent', () => softmaxXent(A, lab, B, C, rows, classes, 1));
      attempt('copy', () => copy(A, off(0), C, off(0), off(Math.min(A.length, C.length))));
      guards.forEach((g) => assert.ok(intact(g), `iteration ${i}: ${g.label} overwritten (m ${m}, k ${k}, n ${n}, rows ${rows}, classes ${classes})`));
    } finally {
      for (const b of [A, B, C, lab, ...guards]) b.free();
    }
  }
  assert.ok(intact(low) && intact(high), 'canaries intact: no out-of-bounds write');
  assert.ok(ok > 1000 && refused > 1000, `both outcomes exercised: ${ok} returned, ${refused} refused`);
  low.free();
  high.free();
});

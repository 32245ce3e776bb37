// The binding module: allocator reuse, and bounds checks before any call into Wasm.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { init, Buf, allocF32, allocI32, gemm, memoryStats, softmaxXent, sumRows } from '../src/binding.js';

await init(); // importing gaaf loads nothing; init() loads the Wasm module and starts the threads

test('freed buffers are reused: alloc/free cycles do not grow memory', () => {
  const warm = allocF32(1 << 20);
  warm.free();
  const before = memoryStats();
  for (let i = 0; i < 200; i++) {
    const a = allocF32(1000 + i);
    const b = allocF32(1 << 18);
    a.free();
    b.free();
  }
  assert.equal(memoryStats().memoryBytes, before.memoryBytes);
  assert.equal(memoryStats().liveBytes, before.liveBytes);
});

test('views survive memory growth when taken afresh', () => {
  const a = allocF32(16, 'a');
  a.write(Float32Array.from({ length: 16 }, (_, i) => i));
  const big = allocF32(16 << 20, 'big'); // grows memory, detaching old views
  assert.equal(a.view()[15], 15);
  big.free();
  a.free();
});

test('kernel wrappers refuse operands that do not fit their buffers', () => {
  const A = allocF32(6, 'A');
  const B = allocF32(6, 'B');
  const C = allocF32(3, 'C');
  assert.throws(() => gemm(false, false, 2, 2, 3, 1, A, 3, B, 2, 0, C, 2), /C \('C'\) is 2×2 with stride 2, needs 4 elements, buffer has 3/);
  assert.throws(() => gemm(false, false, 2, 2, 3, 1, A, 2, B, 2, 0, C, 1), /A leading dimension 2 is less than its row length 3/);
  assert.throws(() => gemm(true, false, 3, 1, 2, 1, A, 4, B, 1, 0, C, 1), /A \('A'\) is 2×3 with stride 4, needs 7 elements, buffer has 6/);
  assert.throws(() => gemm(false, false, 1, 1, 1, NaN, A, 1, B, 1, 0, C, 1), /alpha must be finite/);
  assert.throws(() => sumRows(A, 4, 2, 2, C, 0), /x \('A'\) is 4×2 with stride 2, needs 8 elements, buffer has 6/);
  const L = allocI32(2, 'labels');
  L.write([0, 5]);
  assert.throws(() => softmaxXent(A, L, B, null, 2, 3, 1), /label 5 at row 1 is outside \[0, 3\)/);
  assert.throws(() => softmaxXent(A, A, B, null, 2, 3, 1), /labels \('A'\) must be i32, got f32/);
  A.free();
  assert.throws(() => A.view(), /used after free/);
  for (const b of [B, C, L]) b.free();
});

test('Buf rejects bad lengths and overflowing writes', () => {
  assert.throws(() => new Buf(-1), /length must be a non-negative integer, got -1/);
  const b = allocF32(4, 'small');
  assert.throws(() => b.write(new Float32Array(5)), /write of 5 elements at 0 overflows buffer 'small' of 4/);
  b.free();
  assert.throws(() => allocF32(2 ** 31), /out of Wasm memory|could not grow/);
});

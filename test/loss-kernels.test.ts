// The loss kernels against float targets (src/wasm/loss_targets.ts): each gradient against
// central finite differences of the loss it returns (with and without per-sample weights, on
// the SIMD kernels and their scalar references), and the table's checks of weights and options.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type Buf, allocF32, bceLogitsLoss, cceLogitsLoss, huberLoss, init, maeLoss, mseLoss, setKernelImpl,
} from '../src/binding.js';
import { assertClose, randomArray } from './helpers.js';

await init();

const B = 6, K = 5;
type Call = (p: Buf, t: Buf, w: Buf | null, g: Buf | null, scale: number) => number;

const LOSSES: Record<string, { call: Call; target: (i: number) => number; pred: (x: number) => number }> = {
  mse: { call: (p, t, w, g, s) => mseLoss(p, t, w, g, B, K, s), target: (i) => Math.sin(i), pred: (x) => 2 * x },
  // keep |p − t| away from 0 (the kink of |e|): p in ±[0.5, 1.5] around t = 0
  mae: { call: (p, t, w, g, s) => maeLoss(p, t, w, g, B, K, s), target: () => 0, pred: (x) => Math.sign(x) * (0.5 + Math.abs(x)) },
  // errors on both sides of delta = 0.8, away from ±delta
  huber: { call: (p, t, w, g, s) => huberLoss(p, t, w, g, B, K, s, 0.8), target: () => 0, pred: (x) => (Math.abs(x) < 0.5 ? x : Math.sign(x) * (1 + Math.abs(x))) },
  bce: { call: (p, t, w, g, s) => bceLogitsLoss(p, t, w, g, B, K, s, 0), target: (i) => (i % 3 === 0 ? 1 : i % 3 === 1 ? 0 : 0.3), pred: (x) => 4 * x },
  'bce (smoothing 0.1)': { call: (p, t, w, g, s) => bceLogitsLoss(p, t, w, g, B, K, s, 0.1), target: (i) => i % 2, pred: (x) => 4 * x },
  'cce (soft targets)': { call: cce(0), target: (i) => ((i * 7) % 5) / 10, pred: (x) => 3 * x },
  'cce (one-hot, smoothing 0.2)': { call: cce(0.2), target: (i) => (i % K === (Math.floor(i / K) * 2) % K ? 1 : 0), pred: (x) => 3 * x },
};

function cce(smoothing: number): Call {
  const probs = allocF32(B * K);
  return (p, t, w, g, s) => cceLogitsLoss(p, t, w, probs, g, B, K, s, smoothing);
}

for (const impl of ['simd', 'scalar'] as const) {
  for (const [name, L] of Object.entries(LOSSES)) {
    test(`${name} (${impl}): the gradient matches central differences, with and without weights`, () => {
      setKernelImpl(impl);
      try {
        const p = allocF32(B * K), t = allocF32(B * K), g = allocF32(B * K), w = allocF32(B);
        const pv = Float32Array.from(randomArray(B * K, 11), L.pred);
        t.write(Float32Array.from({ length: B * K }, (_, i) => L.target(i)));
        w.write(Float32Array.from(randomArray(B, 5), (x) => 0.25 + Math.abs(x)));
        for (const weight of [null, w]) {
          p.write(pv);
          const scale = 1 / B;
          const loss = L.call(p, t, weight, g, scale) * scale;
          assert.ok(Number.isFinite(loss) && loss > 0, `${name}: loss ${loss}`);
          // without the gradient: the same loss
          assert.equal(L.call(p, t, weight, null, scale) * scale, loss);
          const analytic = g.read();
          const numeric = new Float64Array(B * K);
          const EPS = 1e-2;
          for (let i = 0; i < B * K; i++) {
            const x = pv.slice();
            x[i] = pv[i] + EPS; p.write(x);
            const lp = L.call(p, t, weight, null, scale) * scale;
            x[i] = pv[i] - EPS; p.write(x);
            const lm = L.call(p, t, weight, null, scale) * scale;
            numeric[i] = (lp - lm) / (Math.fround(pv[i] + EPS) - Math.fround(pv[i] - EPS));
          }
          assertClose(`${name}${weight ? ' weighted' : ''}`, analytic, numeric, 2e-3, 2e-5);
        }
        for (const b of [p, t, g, w]) b.free();
      } finally {
        setKernelImpl('simd');
      }
    });
  }
}

test('the table refuses negative or non-finite weights, a bad delta or smoothing, naming them', () => {
  const p = allocF32(4), t = allocF32(4), w = allocF32(4);
  w.write(new Float32Array([1, 0, -0.5, 2]));
  assert.throws(() => mseLoss(p, t, w, null, 4, 1, 1), /gaaf\.mseLoss: weight -0\.5 at row 2 must be finite and ≥ 0/);
  w.write(new Float32Array([1, NaN, 1, 1]));
  assert.throws(() => bceLogitsLoss(p, t, w, null, 4, 1, 1, 0), /gaaf\.bceLogitsLoss: weight NaN at row 1/);
  assert.throws(() => huberLoss(p, t, null, null, 4, 1, 1, 0), /gaaf\.huberLoss: delta must be a finite number > 0, got 0/);
  assert.throws(() => bceLogitsLoss(p, t, null, null, 4, 1, 1, 1), /gaaf\.bceLogitsLoss: smoothing must be a number in \[0, 1\), got 1/);
  assert.throws(() => maeLoss(p, t, null, null, 2, 3, 1), /gaaf\.maeLoss: pred .* needs 6 elements, buffer has 4/);
  for (const b of [p, t, w]) b.free();
});

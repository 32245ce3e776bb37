// compare.ts: the paired comparison behind the reports' verdicts, on crafted runs whose
// per-sample predictions are chosen so that the t interval, McNemar and the bootstrap are known.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type SeedRun, compareAccuracy, comparePaired } from '../src/reproduce/compare.js';
import type { TestPredictions } from '../src/reproduce/predictions.js';
import { mcnemarExact, tQuantile } from '../src/reproduce/stats.js';

/** A run whose test samples 0..right-1 are right (or those where `ok` is 1). */
function runOf(seed: number, n: number, ok: (i: number) => boolean): SeedRun {
  const bits = new Uint8Array(Math.ceil(n / 8));
  let right = 0;
  for (let i = 0; i < n; i++) {
    if (ok(i)) {
      bits[i >> 3] |= 1 << (i & 7);
      right++;
    }
  }
  const predictions: TestPredictions = { count: n, predicted: Buffer.alloc(n).toString('base64'), correct: Buffer.from(bits).toString('base64'), right };
  return { seed, testAccuracy: right / n, predictions };
}

test('2 Welch standard errors say "yes", the paired t interval at 2 df reaches 0: in direction only', () => {
  const n = 500;
  // base right on 450, 451, 452 samples; GAAF on 457, 455, 453: per-seed gains 7, 4, 1 samples
  const base = [450, 451, 452].map((k, s) => runOf(s + 1, n, (i) => i < k));
  const gaaf = [457, 455, 453].map((k, s) => runOf(s + 1, n, (i) => i < k));
  // the old rule: difference of the means over the Welch standard error
  const ms = (xs: SeedRun[]): { m: number; v: number } => {
    const a = xs.map((x) => x.testAccuracy);
    const m = a.reduce((p, q) => p + q, 0) / a.length;
    return { m, v: a.reduce((p, q) => p + (q - m) ** 2, 0) / (a.length - 1) };
  };
  const [g, b] = [ms(gaaf), ms(base)];
  const welch = (g.m - b.m) / Math.sqrt(g.v / 3 + b.v / 3);
  assert.ok(welch >= 2, `the crafted case should pass the 2-SE rule, got ${welch}`);
  const c = compareAccuracy(gaaf, base);
  assert.equal(c.t.df, 2);
  assert.ok(Math.abs(c.t.mean - 0.008) < 1e-12);
  const q = tQuantile(0.975, 2);
  assert.ok(Math.abs(c.t.lo! - (0.008 - q * c.t.se!)) < 1e-12);
  assert.ok(c.t.lo! < 0 && c.t.hi! > 0, `t interval [${c.t.lo}, ${c.t.hi}] should reach 0`);
  assert.equal(c.verdict, 'in direction only');
  // the sentence states the numbers: +0.80 points = 4 of 500 samples, the interval at 2 df, McNemar per seed
  assert.match(c.sentence, /^\+0\.80 points \(4 of 500 test samples\), 95% t interval over 3 seeds \[−[0-9.]+, \+[0-9.]+\] at 2 df; McNemar exact p per seed /);
  assert.match(c.sentence, /: in direction only$/);
  // McNemar: only GAAF gets samples right (b = gain, c = 0), p = 2·0.5^b
  assert.deepEqual(c.mcnemar.map((m) => [m.b, m.c]), [[7, 0], [4, 0], [1, 0]]);
  assert.ok(Math.abs(c.mcnemar[0].p - 2 * 0.5 ** 7) < 1e-12);
});

test('McNemar per seed and the paired bootstrap from crafted predictions', () => {
  const n = 400;
  // seed 1: A alone right on samples 0-9, B alone on 10-11; both right from 12 to 299
  const a1 = runOf(1, n, (i) => i < 10 || (i >= 12 && i < 300));
  const b1 = runOf(1, n, (i) => i >= 10 && i < 300);
  const c1 = compareAccuracy([a1], [b1]);
  assert.deepEqual([c1.mcnemar[0].b, c1.mcnemar[0].c], [10, 2]);
  assert.ok(Math.abs(c1.mcnemar[0].p - (2 * (1 + 12 + 66)) / 4096) < 1e-12, `p ${c1.mcnemar[0].p}`);
  assert.equal(c1.t.lo, null);
  assert.equal(c1.verdict, 'in direction only', 'one seed cannot give a "yes"');
  assert.match(c1.sentence, /one seed, so no t interval; McNemar exact p 0\.039 \(10 test samples only A gets right, 2 only B\)/);
  // a large, consistent gain on 4 seeds: A right on 90%, B on 70% (B's right samples a subset of A's)
  const A = [1, 2, 3, 4].map((s) => runOf(s, n, (i) => (i + s) % 10 !== 0));
  const B = [1, 2, 3, 4].map((s) => runOf(s, n, (i) => (i + s) % 10 > 2 - (s % 2)));
  const c = compareAccuracy(A, B);
  assert.ok(c.bootstrap.lo! > 0.05 && c.bootstrap.hi! < 0.25, `bootstrap [${c.bootstrap.lo}, ${c.bootstrap.hi}]`);
  assert.ok(c.t.lo! > 0);
  assert.equal(c.verdict, 'yes');
  for (const m of c.mcnemar) assert.ok(m.p < 1e-6 && m.c === 0);
  // and the claim in the other direction: every interval on the wrong side
  assert.equal(compareAccuracy(A, B, { direction: -1 }).verdict, 'no');
  // identical predictions: zero difference, bootstrap [0, 0], McNemar p 1, within noise
  const same = compareAccuracy(A, A);
  assert.deepEqual([same.bootstrap.lo, same.bootstrap.hi], [0, 0]);
  assert.ok(same.mcnemar.every((m) => m.p === 1));
  assert.equal(same.verdict, 'within noise');
  assert.equal(mcnemarExact(0, 0).p, 1);
});

test('compareAccuracy pairs by seed and refuses runs on different test sets or without a shared seed', () => {
  const n = 100;
  const a = [runOf(1, n, (i) => i < 80), runOf(2, n, (i) => i < 82)];
  const b = [runOf(2, n, (i) => i < 81), runOf(1, n, (i) => i < 79)];
  const c = compareAccuracy(a, b);
  assert.deepEqual(c.seeds, [1, 2]);
  assert.deepEqual(c.diffs.map((d) => Math.round(d * n)), [1, 1]);
  assert.throws(() => compareAccuracy(a, [runOf(3, n, () => true)]), /share no seed \(1, 2 vs 3\)/);
  assert.throws(() => compareAccuracy(a, [runOf(1, 50, () => true)]), /seed 1 has 100 and 50 test predictions, expected 100/);
});

test('comparePaired: epochs as differences at n − 1 df, gradient information as a ratio', () => {
  const a = [{ seed: 1, value: 10 }, { seed: 2, value: 12 }, { seed: 3, value: 9 }];
  const b = [{ seed: 1, value: 20 }, { seed: 2, value: 30 }, { seed: 3, value: 25 }];
  const e = comparePaired(a, b, { direction: -1, unit: 'epochs', format: (x) => x.toFixed(1) });
  assert.equal(e.t.df, 2);
  assert.deepEqual(e.diffs, [-10, -18, -16]);
  assert.equal(e.verdict, 'yes');
  assert.match(e.sentence, /^-14\.7 epochs, 95% t interval over 3 seeds \[-[0-9.]+, -[0-9.]+\] epochs at 2 df: yes$/);
  const g = comparePaired(b, a, { relative: true });
  assert.ok(Math.abs(Math.exp(g.t.mean) - Math.cbrt((20 / 10) * (30 / 12) * (25 / 9))) < 1e-12);
  assert.match(g.sentence, /^×2\.40 \(geometric mean of the per-seed ratios\), 95% t interval of the per-seed ratio \[×[0-9.]+, ×[0-9.]+\] over 3 seeds at 2 df: yes$/);
  // a tiny difference with a spread of 5 (59.2% against 59.4%) is within noise
  const s = comparePaired([{ seed: 1, value: 0.55 }, { seed: 2, value: 0.64 }, { seed: 3, value: 0.586 }], [{ seed: 1, value: 0.60 }, { seed: 2, value: 0.56 }, { seed: 3, value: 0.622 }]);
  assert.equal(s.verdict, 'within noise');
  // the same difference on every seed (all at 100% training accuracy): no zero-width "interval" is printed
  const same = comparePaired([{ seed: 1, value: 1 }, { seed: 2, value: 1 }, { seed: 3, value: 1 }], [{ seed: 1, value: 1 }, { seed: 2, value: 1 }, { seed: 3, value: 1 }]);
  assert.match(same.sentence, /^\+0\.00, the same on all 3 seeds, so the t interval has no width: within noise$/);
});

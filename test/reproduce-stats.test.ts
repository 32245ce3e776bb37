// The statistics behind the reproduction reports' verdicts, against values from SciPy 1.17
// (scipy.stats.t.ppf / t.cdf / ttest_1samp / binomtest) and hand-computed cases.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lnGamma, mcnemarExact, mcnemarOn, pairedBootstrap, pairedT, tCdf, tQuantile, verdictOf } from '../src/reproduce/stats.js';

const close = (a: number, b: number, tol: number, what: string): void => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('lnGamma matches factorials', () => {
  for (const [x, f] of [[1, 1], [2, 1], [5, 24], [11, 3628800]]) close(lnGamma(x), Math.log(f), 1e-13, `lnGamma(${x})`);
  close(lnGamma(0.5), 0.5 * Math.log(Math.PI), 1e-13, 'lnGamma(0.5)');
});

test("Student's t: the 97.5% quantile at 1, 2, 4, 9 and 30 degrees of freedom, and the CDF (SciPy)", () => {
  const q: Array<[number, number]> = [[1, 12.706204736174694], [2, 4.302652729749462], [4, 2.7764451051977934], [9, 2.262157162798205], [30, 2.0422724563012378]];
  for (const [df, v] of q) close(tQuantile(0.975, df), v, 1e-9, `t(0.975, ${df})`);
  close(tQuantile(0.025, 4), -2.7764451051977934, 1e-9, 't(0.025, 4)');
  close(tCdf(2, 5), 0.9490302605850708, 1e-12, 'tCdf(2, 5)');
  close(2 * (1 - tCdf(2.5, 3)), 0.08770664700806556, 1e-10, 'two-sided p of t = 2.5 at 3 df');
});

test('pairedT: the interval is at n − 1 degrees of freedom (SciPy ttest_1samp)', () => {
  const r = pairedT([0.3, -0.1, 0.5, 0.2, 0.4]);
  assert.equal(r.df, 4);
  close(r.mean, 0.26, 1e-12, 'mean');
  close(r.mean / r.se!, 2.525343242128886, 1e-10, 't');
  close(r.p!, 0.06498591034212067, 1e-9, 'p');
  close(r.lo!, -0.025852519098702342, 1e-9, 'lo');
  close(r.hi!, 0.5458525190987022, 1e-9, 'hi');
  // 2 SE would call this "yes" (t = 2.5); at 4 df the interval reaches 0
  assert.equal(verdictOf(r.mean, [r], 1), 'in direction only');
  const one = pairedT([0.4]);
  assert.equal(one.lo, null);
  assert.equal(verdictOf(one.mean, [one], 1), 'in direction only');
});

test('McNemar exact: two-sided binomial p (SciPy binomtest)', () => {
  close(mcnemarExact(10, 2).p, 0.03857421875, 1e-12, 'b 10, c 2');
  close(mcnemarExact(2, 10).p, 0.03857421875, 1e-12, 'b 2, c 10');
  close(mcnemarExact(70, 30).p, 7.85013964559367e-05, 1e-9, 'b 70, c 30');
  assert.equal(mcnemarExact(5, 5).p, 1);
  assert.equal(mcnemarExact(0, 0).p, 1);
  assert.deepEqual({ ...mcnemarOn([1, 1, 0, 0, 1], [1, 0, 1, 0, 0]), p: 0 }, { b: 2, c: 1, p: 0 });
});

test('pairedBootstrap: deterministic, around the observed difference, exactly 0 for identical models', () => {
  const n = 400;
  const a = [0, 1, 2].map((s) => Array.from({ length: n }, (_, i) => ((i * 7 + s) % 10 < 9 ? 1 : 0)));
  const b = [0, 1, 2].map((s) => Array.from({ length: n }, (_, i) => ((i * 7 + s) % 10 < 8 ? 1 : 0)));
  const r = pairedBootstrap(a, b, { reps: 500, seed: 3 });
  close(r.mean, 0.1, 1e-12, 'mean');
  assert.deepEqual(pairedBootstrap(a, b, { reps: 500, seed: 3 }), r);
  assert.ok(r.lo! > 0 && r.lo! < 0.1 && r.hi! > 0.1, `interval [${r.lo}, ${r.hi}]`);
  // the same models, identical: the difference is exactly 0 in every replicate
  const z = pairedBootstrap(a, a, { reps: 100 });
  assert.deepEqual([z.lo, z.hi, z.mean], [0, 0, 0]);
  assert.throws(() => pairedBootstrap(a, b.slice(0, 2)), /same non-zero number of seeds/);
});

test('verdictOf: yes / in direction only / within noise / no', () => {
  const iv = (lo: number, hi: number) => ({ lo, hi, level: 0.95 });
  assert.equal(verdictOf(0.5, [iv(0.1, 0.9), iv(0.2, 0.8)], 1), 'yes');
  assert.equal(verdictOf(0.5, [iv(0.1, 0.9), iv(-0.2, 0.8)], 1), 'in direction only');
  assert.equal(verdictOf(-0.1, [iv(-0.5, 0.3)], 1), 'within noise');
  assert.equal(verdictOf(-0.5, [iv(-0.9, -0.1)], 1), 'no');
  assert.equal(verdictOf(-0.5, [iv(-0.9, -0.1)], -1), 'yes');
});

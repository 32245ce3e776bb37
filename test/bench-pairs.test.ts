// The call-against-call harness (src/bench/pairs.ts) and its report table, with no timing
// asserted: quantiles, per-round ratios, the alternating order, a fake clock for the rounds,
// and the records a pair case makes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MLP_FLOP_PER_SAMPLE, STEP_GEMM_PEER, pairTargets, pairsTable } from '../bench/report-pairs.js';
import type { BenchRecord } from '../src/bench/record.js';
import { interleave, pairRatios, quantile, runPairCase, spread } from '../src/bench/pairs.js';
import { init } from '../src/index.js';

test('quantile and spread: linear interpolation between order statistics, NaN left out', () => {
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantile([1, 2, 3, 4, 5], 0.25), 2);
  assert.equal(quantile([10], 0.75), 10);
  assert.ok(Number.isNaN(quantile([], 0.5)));
  assert.deepEqual(spread([5, 1, NaN, 3, 2, 4]), { median: 3, q1: 2, q3: 4, n: 5 });
});

test('pairRatios: speed a ÷ b per round (b\'s time ÷ a\'s), and rounds that do not pair up are an error', () => {
  assert.deepEqual(pairRatios([1, 2, 4], [2, 2, 2]), [2, 1, 0.5]);
  assert.throws(() => pairRatios([1, 2], [1]), /2 times against 1: the rounds do not pair up/);
});

test('the median of per-round ratios cancels a drift that the ratio of medians does not', () => {
  // the machine slows down 3× halfway: ours takes 1 then 3 units, the peer 2 then 6
  const ours = [1, 1, 1, 3, 3, 3, 3], peer = [2, 2, 2, 6, 6, 6, 6];
  assert.equal(spread(pairRatios(ours, peer)).median, 2);
  // a peer measured after the slowdown only would have looked 6× slower
  assert.equal(spread([6, 6, 6]).median / spread(ours).median, 2);
});

test('interleave: every contender once a round, the order reversed every other round, warm-up rounds dropped', async () => {
  let clock = 0;
  const log: string[] = [];
  const mk = (name: string, cost: number) => ({ fn: () => { clock += cost; log.push(name); } });
  const times = await interleave([mk('a', 2), mk('b', 3), mk('c', 5)], { rounds: 4, warmup: 1, minSampleMs: 1, now: () => clock });
  assert.deepEqual(times, [[2, 2, 2, 2], [3, 3, 3, 3], [5, 5, 5, 5]]);
  const rounds = log.slice(-15).join('').match(/.../g);
  assert.deepEqual(rounds, ['abc', 'cba', 'abc', 'cba', 'abc']);
});

test('interleave: a contender\'s `before` runs untimed before each of its calls', async () => {
  let clock = 0;
  let fresh = 0;
  const times = await interleave([{ fn: () => { clock += 1; } }, { before: () => { clock += 100; fresh++; }, fn: () => { clock += 4; } }],
    { rounds: 3, warmup: 0, minSampleMs: 1, now: () => clock });
  assert.deepEqual(times[1], [4, 4, 4]);
  assert.equal(fresh, 3);
});

test('runPairCase: a record per engine, the peer carrying ours ÷ peer, ours the % of peak and the machine state; a missing peer is an error record', async () => {
  await init();
  let n = 0;
  const busy = (k: number) => () => { for (let i = 0; i < k; i++) n += i; };
  const recs = await runPairCase({
    suite: 'pairs', name: 'gemm A·B', engine: 'simd', size: 8, work: { flop: 1e6 },
    prepare: () => ({ fn: busy(1000) }),
    peers: [{ engine: 'tfjs-wasm', prepare: () => ({ fn: busy(3000) }) }, { engine: 'none', prepare: () => 'no such kernel' }],
    peak: { fn: busy(1000), flop: 2e6 },
  }, 'smoke');
  assert.ok(n > 0);
  assert.deepEqual(recs.map((r) => r.engine), ['simd', 'none', 'tfjs-wasm']);
  const [ours, none, peer] = recs;
  assert.equal(none.error, 'no such kernel');
  assert.equal(peer.params?.vs, 'simd');
  for (const k of ['ratio', 'ratioQ1', 'ratioQ3']) assert.ok((peer.params![k] as number) > 0, k);
  assert.ok((peer.params!.ratioQ1 as number) <= (peer.params!.ratio as number) && (peer.params!.ratio as number) <= (peer.params!.ratioQ3 as number));
  for (const k of ['peakPct', 'peakGflops', 'cpuPerWall']) assert.equal(typeof ours.params![k], 'number', k);
  assert.equal(ours.params!.rounds, 3);
  assert.ok(ours.medianMs > 0 && ours.samples === 3);
});

test('runPairCase: a peer with work of its own gets the ratio of flop rates, in its own metric; without flops on both sides it is an error record', async () => {
  await init();
  let n = 0;
  const busy = (k: number) => () => { for (let i = 0; i < k; i++) n += i; };
  // the same call on both sides, so the time ratio is about 1 and the flop-rate ratio about 4
  const recs = await runPairCase({
    suite: 'pairs', name: 'train mlp-base step', engine: 'simd', size: 4, work: { samples: 4, flop: 4e6 },
    prepare: () => ({ fn: busy(20000) }),
    peers: [{ engine: STEP_GEMM_PEER, work: { flop: 1e6 }, prepare: () => ({ fn: busy(20000) }) }],
  }, 'smoke');
  assert.ok(n > 0);
  const [ours, gemm] = recs;
  assert.equal(ours.metric, 'samplesPerSec');
  assert.equal(gemm.metric, 'gflops');
  assert.ok(gemm.gflops > 0);
  const r = gemm.params!.ratio as number;
  assert.ok(r > 2 && r < 8, `flop-rate ratio ${r}, about 4`);
  const bad = await runPairCase({
    suite: 'pairs', name: 'step', engine: 'simd', size: 4, work: { samples: 4 },
    prepare: () => ({ fn: busy(10) }),
    peers: [{ engine: STEP_GEMM_PEER, work: { flop: 1e6 }, prepare: () => ({ fn: busy(10) }) }],
  }, 'smoke');
  assert.match(bad[bad.length - 1].error ?? '', /peer gaaf gemm A·B 512 has work of its own, so both works must count flops/);
});

test('pairs table and targets: the per-round median with its IQR, % of peak and the machine state', () => {
  const base = { suite: 'pairs', name: 'gemm A·B', size: 256, gflops: 50, medianMs: 1, madMs: 0.1, samples: 15, metric: 'gflops' as const };
  const recs: BenchRecord[] = [
    { ...base, engine: 'simd', params: { peakPct: 84.4, peakPctQ1: 80, peakPctQ3: 86, peakGflops: 59.3, cpuPerWall: 0.97, rounds: 15 } },
    { ...base, engine: 'tfjs-wasm', gflops: 40, params: { vs: 'simd', ratio: 1.25, ratioQ1: 1.2, ratioQ3: 1.31 } },
    { ...base, engine: 'tfjs-wasm new B', gflops: 36, params: { vs: 'simd', ratio: 1.39, ratioQ1: 1.3, ratioQ3: 1.45 } },
  ];
  const t = pairsTable(recs);
  assert.match(t, /\| gemm A·B \| 256 \| GFLOP\/s \| 50\.0 \| tfjs-wasm \| 40\.0 \| \*\*1\.25×\*\* \(IQR 1\.20–1\.31\) \| 84% \(80–86\) \| 59\.3 \| 0\.97 \| 15 \|/);
  assert.match(t, /\| tfjs-wasm new B \| 36\.0 \| \*\*1\.39×\*\*/);
  // the fast suite: the relaxed-SIMD build against the deterministic one, per host; its target reads Chromium's rows only
  const fast = { ...base, suite: 'fast' };
  recs.push(
    { ...fast, engine: 'relaxed', host: 'chromium', params: { peakPct: 90, peakPctQ1: 88, peakPctQ3: 91, peakGflops: 51, cpuPerWall: 1, rounds: 15 } },
    { ...fast, engine: 'simd', host: 'chromium', gflops: 43, params: { vs: 'relaxed', ratio: 1.16, ratioQ1: 1.1, ratioQ3: 1.2 } },
    { ...fast, engine: 'relaxed', params: { peakPct: 91, peakPctQ1: 88, peakPctQ3: 92, peakGflops: 52, cpuPerWall: 1, rounds: 15 } },
    { ...fast, engine: 'simd', gflops: 44, params: { vs: 'relaxed', ratio: 1.12, ratioQ1: 1.1, ratioQ3: 1.2 } },
  );
  assert.equal(pairsTable(recs), t, 'the pairs table holds the pairs suite only');
  const ft = pairsTable(recs, 'fast');
  assert.match(ft, /^\| host \| kernel \|/);
  assert.match(ft, /\| chromium \| gemm A·B \| 256 \| GFLOP\/s \| 50\.0 \| simd \| 43\.0 \| \*\*1\.16×\*\* \(IQR 1\.10–1\.20\) \| 90% \(88–91\)/);
  assert.match(ft, /\| node \| gemm A·B \| 256 \| GFLOP\/s \| 50\.0 \| simd \| 44\.0 \| \*\*1\.12×\*\*/);
  const tg = pairTargets(recs);
  assert.deepEqual(tg.map((x) => x.values), [[84.4], [1.25], [1.39], [1.16], [], [], []]);
  // the MLP step against GEMM's speed, each against its own peak loop: (14,000 samples/s × 2.80 MFLOP ÷ 52 GFLOP/s) ÷ (46 ÷ 59)
  assert.equal(MLP_FLOP_PER_SAMPLE, 2 * (2 * 784 * 512 + 3 * (512 * 256 + 256 * 256 + 256 * 10)));
  const mlp = pairTargets([
    { ...base, size: 512, gflops: 46, engine: 'simd', params: { peakGflops: 59 } },
    { ...base, name: 'train mlp-base step', size: 128, samplesPerSec: 14000, metric: 'samplesPerSec', engine: 'simd', params: { peakGflops: 52 } },
  ]).find((x) => x.target.startsWith('MLP training step'))!;
  assert.equal(mlp.values.length, 1);
  assert.ok(Math.abs(mlp.values[0] - (100 * (14000 * MLP_FLOP_PER_SAMPLE / 52e9)) / (46 / 59)) < 1e-9 && Math.round(mlp.values[0]) === 97);
  assert.match(mlp.target, /each relative to its own interleaved peak loop/);
  // where the step ran interleaved with GEMM A·B at 512 (its STEP_GEMM_PEER record), that ratio is the figure
  const stepRec: BenchRecord = { ...base, name: 'train mlp-base step', size: 128, gflops: 40, samplesPerSec: 14000, metric: 'samplesPerSec', engine: 'simd', params: { peakPct: 70, peakPctQ1: 68, peakPctQ3: 72, peakGflops: 52, cpuPerWall: 1, rounds: 31 } };
  const gemmPeer: BenchRecord = { ...base, name: 'train mlp-base step', size: 128, gflops: 44.2, engine: STEP_GEMM_PEER, params: { vs: 'simd', ratio: 0.913, ratioQ1: 0.9, ratioQ3: 0.93 } };
  const paired = pairTargets([{ ...base, size: 512, gflops: 46, engine: 'simd', params: { peakGflops: 59 } }, stepRec, gemmPeer])
    .find((x) => x.target.startsWith('MLP training step'))!;
  assert.deepEqual(paired.values, [91.3]);
  assert.match(paired.target, /the two interleaved call against call/);
  // the threads suite's 2-against-1 cases: ours is the 2-thread call, the peer the same call on 1 thread
  const two: BenchRecord = { ...base, suite: 'threads-pairs', size: 512, gflops: 80, engine: 'simd-2t', params: { cpuPerWall: 1.48, rounds: 41 } };
  const one: BenchRecord = { ...base, suite: 'threads-pairs', size: 512, gflops: 42, engine: 'simd-1t', params: { vs: 'simd-2t', ratio: 1.9, ratioQ1: 1.85, ratioQ3: 1.93 } };
  assert.match(pairsTable([two, one], 'threads-pairs'), /\| gemm A·B \| 512 \| GFLOP\/s \| 80\.0 \| simd-1t \| 42\.0 \| \*\*1\.90×\*\* \(IQR 1\.85–1\.93\) \| – \| – \| 1\.48 \| 41 \|/);
  // the table gives that peer's figure in its own unit
  assert.match(pairsTable([stepRec, gemmPeer]), /\| train mlp-base step \| 128 \| samples\/s \| 14,000 \| gaaf gemm A·B 512 \| 44\.2 GFLOP\/s \| \*\*0\.91×\*\* \(IQR 0\.90–0\.93\) \| 70% \(68–72\)/);
});

test('interleave: the time cap stops after the minimum rounds, and cuts the warm-up short', async () => {
  let clock = 0;
  const times = await interleave([{ fn: () => { clock += 10; } }, { fn: () => { clock += 30; } }],
    { rounds: 40, warmup: 5, minRounds: 5, maxMs: 100, minSampleMs: 1, now: () => clock });
  assert.deepEqual(times.map((t) => t.length), [5, 5], 'each round takes 40 > 100/4 after warm-up; 5 timed rounds take 200 > 100');
  const many = await interleave([{ fn: () => { clock += 1; } }], { rounds: 40, warmup: 1, maxMs: 1000, minSampleMs: 1, now: () => clock });
  assert.equal(many[0].length, 40, 'within the cap, every round asked for');
});

// The build probe (src/wasm/build-probe.ts: a private instance of one build) and the bench's
// fast suite (src/bench/precision.ts) that compares the two builds call against call with it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { allocF32, gemm, init, openBuildProbe, setThreads } from '../src/binding.js';
import { runPrecisionPairs } from '../src/bench/precision.js';
import { fillFixed } from '../src/wasm/build-probe.js';
import { relaxedSimdUnavailable } from '../src/wasm/instance.js';

test('build probe: its deterministic GEMM gives the bits of the loaded module\'s gemm on the same operands, every transpose, N = 17 and 63', async () => {
  await init();
  await setThreads(1);
  const probe = await openBuildProbe('deterministic', 63);
  for (const N of [17, 63]) {
    for (const [tA, tB] of [[false, false], [false, true], [true, false]] as const) {
      const call = probe.gemm(tA, tB, N);
      call();
      const want = probe.lastC(N);
      // the probe's operands, rebuilt here: the first N·N of its maxN² values (seeds 1 and 2)
      const fill = (seed: number): Float32Array => {
        const a = new Float32Array(63 * 63);
        fillFixed(a, seed);
        return a.subarray(0, N * N);
      };
      const A = allocF32(N * N), B = allocF32(N * N), C = allocF32(N * N);
      A.write(fill(1));
      B.write(fill(2));
      gemm(tA, tB, N, N, N, 1, A, N, B, N, 0, C, N);
      assert.deepEqual(new Uint32Array(C.read().buffer), new Uint32Array(want.buffer), `N ${N} tA ${tA} tB ${tB}`);
      [A, B, C].forEach((b) => b.free());
    }
  }
  assert.throws(() => probe.gemm(false, false, 64), /BuildProbe\.gemm: N must be an integer in \[1, 63\], got 64/);
  await assert.rejects(openBuildProbe('deterministic', 0), /maxN must be an integer in \[1, 4096\], got 0/);
});

test('fast suite in this process: without relaxed SIMD (Node 20 without its flag) every record is an error that says why', async () => {
  const recs = await runPrecisionPairs('smoke');
  assert.ok(recs.length >= 4);
  if (relaxedSimdUnavailable()) {
    for (const r of recs) assert.match(r.error ?? '', /the fast build cannot run here: this runtime does not validate relaxed SIMD .*--experimental-wasm-relaxed-simd/);
  } else {
    for (const r of recs) assert.equal(r.error, undefined, `${r.name} ${r.engine}`);
  }
});

test('fast suite with relaxed SIMD (a child with the V8 flag): ratios and % of peak measured, C within the f32 bound of the deterministic build', () => {
  const child = fileURLToPath(new URL('./build-probe-child.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--import', 'tsx', child], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { bigPrepared: true | string; records: Array<{ name: string; engine: string; error: string | null; params: Record<string, number> }> };
  assert.equal(out.bigPrepared, true, 'a later, larger run reopens the probes');
  const recs = out.records;
  assert.deepEqual(recs.map((q) => `${q.name} ${q.engine}`), ['peak loop relaxed', 'peak loop simd', ...['A·B', 'A·Bᵀ', 'Aᵀ·B'].flatMap((v) => [`gemm ${v} relaxed`, `gemm ${v} simd`])]);
  for (const q of recs) {
    assert.equal(q.error, null, `${q.name} ${q.engine}`);
    assert.ok(q.params.peakGflops > 0 && Number.isFinite(q.params.peakPct), `${q.name}: the peak loop ran beside it`);
    if (q.engine === 'simd') assert.ok(q.params.ratio > 0 && q.params.ratioQ1 <= q.params.ratio && q.params.ratio <= q.params.ratioQ3, `${q.name}: ratio with its IQR`);
    // N = 17, |a|, |b| < 0.5: each C element is a 17-term dot product; fused and unfused differ by rounding only
    if (q.name.startsWith('gemm')) assert.ok(q.params.maxRelDiff < 17 * 2 ** -23 * 4, `${q.name}: max relative difference ${q.params.maxRelDiff}`);
  }
});

test('fast suite, training rows: each build trains in its own child, asked in turn; ratio fast ÷ deterministic with its IQR and the cores each got', async () => {
  const { precisionTrainPairs } = await import('../bench/precision-train.js');
  const recs = await precisionTrainPairs('smoke');
  assert.deepEqual(recs.map((r) => `${r.name} ${r.engine}`), ['train mlp-base step relaxed', 'train mlp-base step simd', 'train svhn-cnn epoch of 8 batches relaxed', 'train svhn-cnn epoch of 8 batches simd']);
  for (const r of recs) {
    assert.equal(r.error, undefined, `${r.name} ${r.engine}: ${r.error}`);
    assert.ok(r.samplesPerSec! > 0 && r.samples === 2 && r.params!.rounds === 2, `${r.name} ${r.engine}`);
    assert.ok((r.params!.cpuPerWall as number) > 0);
    if (r.engine === 'simd') {
      assert.equal(r.params!.vs, 'relaxed');
      assert.ok((r.params!.ratioQ1 as number) <= (r.params!.ratio as number) && (r.params!.ratio as number) <= (r.params!.ratioQ3 as number));
    }
  }
});

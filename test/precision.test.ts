// init({ precision }): the opt-in relaxed-SIMD ('fast') build. Without relaxed SIMD (Node 20
// without its flag: this process) 'fast' falls back to the deterministic build and says why;
// in a child process with --experimental-wasm-relaxed-simd the fast build loads and its GEMM
// (every transpose, awkward sizes, alpha/beta/bias, K past the K block) and conv2d forward stay
// within the f32 dot-product bound γ_(K+3)·Σ|terms| of the f64 value, with the same bits on 1
// and 2 threads. (Its last bits may differ from the deterministic build's: fused multiply-adds.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { init } from '../src/binding.js';
import { relaxedSimdUnavailable } from '../src/wasm/instance.js';

const child = fileURLToPath(new URL('./precision-child.ts', import.meta.url));

test('precision: a bad value is an error naming the option; without relaxed SIMD, fast falls back to the deterministic build and says why', async () => {
  await assert.rejects(init({ precision: 'quick' as never }), /gaaf\.init: precision must be 'deterministic' or 'fast', got "quick"/);
  const warned: string[] = [];
  const warn = console.warn;
  console.warn = (m: string) => warned.push(m);
  try {
    const info = await init({ precision: 'fast', threads: 1 });
    const why = relaxedSimdUnavailable();
    if (why) {
      assert.deepEqual(info.precision, { used: 'deterministic', reason: why });
      assert.match(why, /does not validate relaxed SIMD/);
      assert.match(warned.join('\n'), /precision 'fast' is unavailable .*: using the deterministic build/);
    } else {
      assert.deepEqual(info.precision, { used: 'fast', reason: null });
    }
  } finally {
    console.warn = warn;
  }
  // the build is chosen once: another precision afterwards is an error, the same one is not
  const used = (await init()).precision.used;
  await init({ precision: 'fast' });
  if (used === 'deterministic' && !relaxedSimdUnavailable()) await assert.rejects(init({ precision: 'deterministic' }), /already loaded/);
});

test('precision fast (relaxed SIMD, in a child process with the V8 flag): GEMM and conv2d within the f32 bound, same bits on 1 and 2 threads', () => {
  const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--import', 'tsx', child], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { precision: { used: string }; checks: Array<{ what: string; worst: number; bits: number[] }> };
  assert.equal(out.precision.used, 'fast');
  assert.equal(out.checks.length, 19);
  for (const c of out.checks) {
    assert.ok(c.worst <= 1, `${c.what}: error ${c.worst.toFixed(3)}× the bound`);
    assert.ok(c.bits.every((b) => b === 1), `${c.what}: 1 and 2 threads differ`);
  }
});

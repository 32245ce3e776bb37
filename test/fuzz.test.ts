// Fuzzing: mutated IDX (plain and gzip), CIFAR and checkpoint files (bytes damaged at random,
// and checkpoint JSON crafted value by value, ./fuzz-crafted.ts), each case ending in a correct
// load or a typed error: no crash, no uncaught exception, no hang (a case that runs longer
// than CASE_LIMIT_MS stops the worker and fails the test, naming the case); then every reader
// on special files (./fuzz-special.ts). Fixed seed; GAAF_FUZZ_CASES=<cases per format> runs
// more (default 2000 per format), GAAF_FUZZ_SEED another seed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';

const CASES = Number(process.env.GAAF_FUZZ_CASES ?? 2000);
const SEED = Number(process.env.GAAF_FUZZ_SEED ?? 7);
const CASE_LIMIT_MS = 10_000;

interface Msg { type: 'case' | 'fail' | 'done'; format?: string; i?: number; how?: string; error?: string; counts?: Record<string, { cases: number; loaded: number; refused: number; failed: number; maxMs: number; ms: number }> }

test(`fuzz: ${CASES} cases per format (seed ${SEED}): every case loads correctly or is refused with a typed error`, { timeout: 30 * 60_000 }, async (t) => {
  assert.ok(Number.isInteger(CASES) && CASES > 0, `GAAF_FUZZ_CASES must be a positive integer, got ${process.env.GAAF_FUZZ_CASES}`);
  const worker = new Worker(new URL('./fuzz-worker-entry.mjs', import.meta.url), { workerData: { cases: CASES, seed: SEED } });
  const failures: Msg[] = [];
  let last: Msg | null = null;
  let lastAt = performance.now();
  let counts: Msg['counts'];
  await new Promise<void>((resolve, reject) => {
    const watchdog = setInterval(() => {
      if (performance.now() - lastAt > CASE_LIMIT_MS) {
        clearInterval(watchdog);
        void worker.terminate();
        reject(new Error(`fuzz case hung for over ${CASE_LIMIT_MS} ms: ${last?.format} case ${last?.i} (${last?.how}), seed ${SEED}`));
      }
    }, 250);
    worker.on('message', (m: Msg) => {
      lastAt = performance.now();
      if (m.type === 'case') last = m;
      else if (m.type === 'fail') failures.push(m);
      else if (m.type === 'done') counts = m.counts;
    });
    worker.on('error', (e) => {
      clearInterval(watchdog);
      reject(new Error(`uncaught exception in the fuzz worker during ${last?.format} case ${last?.i} (${last?.how}): ${e.stack ?? e}`));
    });
    worker.on('exit', (code) => {
      clearInterval(watchdog);
      if (code !== 0 && !counts) reject(new Error(`fuzz worker exited with code ${code} during ${last?.format} case ${last?.i} (${last?.how})`));
      else resolve();
    });
  });
  assert.ok(counts, 'the worker reported its counts');
  let total = 0;
  for (const [name, c] of Object.entries(counts!)) {
    total += c.loaded + c.refused + c.failed;
    t.diagnostic(`${name}: ${c.loaded} loaded, ${c.refused} refused with a typed error, ${c.failed} failed; ${(c.ms / 1000).toFixed(1)} s in all, slowest case ${c.maxMs.toFixed(0)} ms`);
    assert.equal(c.loaded + c.refused + c.failed, c.cases);
    if (!/special files/.test(name)) assert.equal(c.cases, CASES);
  }
  t.diagnostic(`${total} cases`);
  assert.deepEqual(failures.slice(0, 5).map((f) => `${f.format} case ${f.i} (${f.how}): ${f.error}`), [], `${failures.length} cases failed`);
  // the valid files load, and the bomb is refused: the table's entries mean what they say
  for (const [name, c] of Object.entries(counts!)) {
    if (/bomb|special files/.test(name)) assert.equal(c.loaded, 0, `${name}: nothing loads`);
    else assert.ok(c.loaded >= 1, `${name}: the valid file loads`);
  }
});

// Runs the fuzz cases in a worker thread, so the test's main thread can stop a case that
// hangs. Posts 'case' before each case, 'fail' for a case that crashed or loaded garbage, 'done' at the end.
import { parentPort, workerData } from 'node:worker_threads';
import { init } from '../src/index.js';
import { Rng, deriveSeed } from '../src/rng.js';
import { FORMATS } from './fuzz-formats.js';
import { mutate } from './fuzz-mutate.js';
import { specialCases } from './fuzz-special.js';

await init({ threads: 1 }); // the checkpoint formats build a model
const { cases, seed } = workerData as { cases: number; seed: number };
const post = (m: unknown): void => parentPort!.postMessage(m);
const counts: Record<string, { cases: number; loaded: number; refused: number; failed: number; maxMs: number; ms: number }> = {};
const describe = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e));

for (const [fi, f] of FORMATS.entries()) {
  const c = (counts[f.name] = { cases, loaded: 0, refused: 0, failed: 0, maxMs: 0, ms: 0 });
  const valid = new Uint8Array(await f.valid()); // a private copy
  for (let i = 0; i < cases; i++) {
    // case 0 is the valid file itself: the loader must accept it (or, for the bomb, refuse it)
    const m = i === 0 ? { bytes: valid.slice(), how: 'valid file' } : (f.mutate ?? mutate)(valid, new Rng(deriveSeed(seed, fi, i)));
    post({ type: 'case', format: f.name, i, how: m.how });
    const t0 = performance.now();
    try {
      await f.parse(m.bytes);
      c.loaded++;
    } catch (e) {
      if (f.errors.some((E) => e instanceof E)) c.refused++;
      else {
        c.failed++;
        post({ type: 'fail', format: f.name, i, how: m.how, error: describe(e) });
      }
    }
    c.maxMs = Math.max(c.maxMs, performance.now() - t0);
    c.ms += performance.now() - t0;
  }
}

// Special files: each must be refused with a typed error naming its path, without its memory growing.
const SPECIAL = 'special files (pipe, /dev/zero, directory, links, empty, over the cap)';
const special = specialCases();
const c = (counts[SPECIAL] = { cases: special.length, loaded: 0, refused: 0, failed: 0, maxMs: 0, ms: 0 });
for (const [i, s] of special.entries()) {
  post({ type: 'case', format: SPECIAL, i, how: s.name });
  const rss = process.memoryUsage().rss;
  const t0 = performance.now();
  let problem: string | null = null;
  try {
    await s.run();
    problem = 'it loaded without an error';
  } catch (e) {
    if (!s.errors.some((E) => e instanceof E)) problem = describe(e);
    else if (!(e as Error).message.includes(s.path)) problem = `the error does not name ${s.path}: ${(e as Error).message}`;
    else c.refused++;
  }
  const grew = process.memoryUsage().rss - rss;
  if (!problem && grew > 256 << 20) problem = `memory grew by ${(grew / 2 ** 20).toFixed(0)} MiB`;
  if (problem) {
    c.failed++;
    post({ type: 'fail', format: SPECIAL, i, how: s.name, error: problem });
  }
  c.maxMs = Math.max(c.maxMs, performance.now() - t0);
  c.ms += performance.now() - t0;
}
post({ type: 'done', counts });

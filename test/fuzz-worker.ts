// Runs the fuzz cases in a worker thread, so the test's main thread can stop a case that
// hangs. Posts 'case' before each case, 'fail' for a case that crashed or loaded garbage, 'done' at the end.
import { parentPort, workerData } from 'node:worker_threads';
import { init } from '../src/index.js';
import { Rng, deriveSeed } from '../src/rng.js';
import { FORMATS } from './fuzz-formats.js';
import { mutate } from './fuzz-mutate.js';

await init({ threads: 1 }); // the checkpoint formats build a model
const { cases, seed } = workerData as { cases: number; seed: number };
const post = (m: unknown): void => parentPort!.postMessage(m);
const counts: Record<string, { loaded: number; refused: number; failed: number; maxMs: number }> = {};

for (const [fi, f] of FORMATS.entries()) {
  const c = (counts[f.name] = { loaded: 0, refused: 0, failed: 0, maxMs: 0 });
  const valid = new Uint8Array(await f.valid()); // a private copy
  for (let i = 0; i < cases; i++) {
    // case 0 is the valid file itself: the loader must accept it (or, for the bomb, refuse it)
    const m = i === 0 ? { bytes: valid.slice(), how: 'valid file' } : mutate(valid, new Rng(deriveSeed(seed, fi, i)));
    post({ type: 'case', format: f.name, i, how: m.how });
    const t0 = performance.now();
    try {
      await f.parse(m.bytes);
      c.loaded++;
    } catch (e) {
      if (f.errors.some((E) => e instanceof E)) c.refused++;
      else {
        c.failed++;
        post({ type: 'fail', format: f.name, i, how: m.how, error: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e) });
      }
    }
    c.maxMs = Math.max(c.maxMs, performance.now() - t0);
  }
}
post({ type: 'done', counts });

// Soak: many epochs with validation and a checkpoint at every epoch end. After the first
// epoch, Wasm memory and the live buffers must not change at all, the JS heap (after a full
// GC) must show no upward trend, and no file handles or other resources may pile up; after
// dispose() every Wasm buffer of the run is released.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { init, Adam, loadBundledDigits, memoryStats, paperMlp, subset } from '../src/node.js';

await init(); // importing gaaf loads nothing; init() loads the Wasm module and starts the threads

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const dir = mkdtempSync(join(tmpdir(), 'gaaf-soak-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const EPOCHS = 40;
const fdCount = (): number => {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return -1; // no /proc: the resource check below still runs
  }
};
const resources = (): string => process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').sort().join(',');

/** Least-squares slope of y over x. */
function slope(y: number[]): number {
  const n = y.length;
  const mx = (n - 1) / 2;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  y.forEach((v, i) => {
    num += (i - mx) * (v - my);
    den += (i - mx) ** 2;
  });
  return num / den;
}

test(`soak: ${EPOCHS} epochs with validation and checkpoints: memory flat, nothing leaked`, { timeout: 300_000 }, async (t) => {
  const { train, test: testSet } = loadBundledDigits();
  const data = subset(train, { start: 0, end: 1000 });
  const val = subset(testSet, { start: 0, end: 200 });
  // warm up the lazily allocated kernel scratch buffers, so the before/after comparison is exact
  const warm = paperMlp({ hidden: [8] });
  await warm.fit(subset(train, { start: 0, end: 20 }), { epochs: 1, batchSize: 10, seed: 1 });
  warm.dispose();
  gc();
  const liveBefore = memoryStats().liveBytes;

  const model = paperMlp({ hidden: [64, 32], dropout: 0.3, gaaf: true });
  const optimizer = new Adam({ lr: 1e-3 });
  const rows: Array<{ memory: number; live: number; heap: number; fds: number; res: string }> = [];
  const history = await model.fit(data, {
    epochs: EPOCHS, batchSize: 50, seed: 5, optimizer, validationData: val,
    checkpoint: { to: join(dir, 'ck') },
    callbacks: {
      onEpochEnd: () => {
        gc();
        rows.push({ memory: memoryStats().memoryBytes, live: memoryStats().liveBytes, heap: process.memoryUsage().heapUsed, fds: fdCount(), res: resources() });
      },
    },
  });
  assert.equal(history.epochs.length, EPOCHS);
  // Epoch 1 lays everything out (and the first checkpoint is written after it): compare from epoch 2.
  const ref = rows[1];
  rows.slice(2).forEach((r, i) => {
    assert.equal(r.memory, ref.memory, `Wasm memory changed at epoch ${i + 3}`);
    assert.equal(r.live, ref.live, `live Wasm buffers changed at epoch ${i + 3}`);
    assert.equal(r.fds, ref.fds, `open file descriptors changed at epoch ${i + 3}: ${ref.fds} → ${r.fds}`);
    assert.equal(r.res, ref.res, `active resources changed at epoch ${i + 3}`);
  });
  const heaps = rows.slice(4).map((r) => r.heap);
  const perEpoch = slope(heaps);
  const spread = Math.max(...heaps) - Math.min(...heaps);
  t.diagnostic(`Wasm memory ${ref.memory} bytes at every epoch from 2 to ${EPOCHS}; JS heap after GC: slope ${(perEpoch / 1024).toFixed(1)} KiB/epoch, spread ${(spread / 1024).toFixed(0)} KiB over epochs 5-${EPOCHS}; ${ref.fds} fds throughout`);
  // History grows by one small record per epoch (under 1 KiB) and V8 keeps compiling for a
  // while (a 150-epoch run measured 1.7 KiB/epoch); a leaked batch (50 × 784 floats, 157 KiB)
  // or checkpoint (about 200 KiB) per epoch would be far above the limit.
  assert.ok(perEpoch < 32 * 1024, `JS heap grows by ${(perEpoch / 1024).toFixed(1)} KiB per epoch`);
  assert.ok(spread < 4 * 1024 * 1024, `JS heap spread ${(spread / 1024).toFixed(0)} KiB`);
  assert.equal(readdirSync(join(dir, 'ck')).filter((n) => n.startsWith('ckpt-')).length, 2, 'only the newest two checkpoints are kept');

  model.dispose();
  optimizer.dispose();
  assert.equal(memoryStats().liveBytes, liveBefore, 'dispose() releases every Wasm buffer of the run');
});

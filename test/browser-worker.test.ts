// gaaf/worker in real Chromium (test/fixtures/worker/page.js, served as the demo is: COOP/COEP
// and the strict CSP): the paper's MLP trains through createTrainer in a module worker of the
// app's own (workerUrl) while the page's main thread keeps ticking; the fit's progress events
// arrive; a pause holds the steps (and a request is answered meanwhile) and resume continues;
// an aborted signal cancels the next step promptly; predict, getWeights and save move their
// results (the worker's arrays are detached after the reply); errors arrive with the library's
// name and message; and the weights are, bit for bit, those of the same fit on the page's main
// thread and in Node. The same fit on the main thread is the control that shows the gaps
// measure a blocked thread.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type DemoServer, startDemoServer } from '../scripts/serve-demo.js';
import { loadBundledDigits, paperMlp } from '../src/node.js';
import { type Browser, WAIT_MS, launchChromium, missingChromium, openPage } from './browser.js';
import { testNeeds } from './requirements.js';

const RUN = { epochs: 1, batchSize: 128, lr: 0.05, seed: 7 } as const; // page.js's RUN
const STEPS = Math.ceil(8000 / RUN.batchSize);
/**
 * The main thread's gaps between 5 ms ticks while the worker trains: 99% under 40 ms and none
 * over 100 ms (measured on 2 loaded cores: p99 13-23 ms, largest 23-60 ms; the same fit on the
 * main thread: p99 153-222 ms). The p99 bound is the firm one: a loaded machine can delay one
 * tick by its scheduling alone, while a blocked thread delays them all.
 */
const P99_GAP_MS = 40;
const MAX_GAP_MS = 100;

interface Timing { ms: number; maxGap: number; p99: number; ticks: number; frames: number; maxFrameGap: number }
interface Err { name: string; message: string; diverged: boolean; step?: number }
interface Result {
  done: boolean; error?: string; init: { threads: number };
  upload: { detached: boolean; testKept: number; ref: { count: number; name: string } };
  worker: Timing; main: Timing;
  events: { counts: Record<string, number>; trainBegin: { layers?: string[] }; first: { batch: number; step: number; epoch: number; loss: number; gradInfo?: number }; last: { batch: number; step: number }; batches: number };
  pause: { latencyMs: number; heldMs: number; pausedStep: number; resumedStep: number; stepsWhilePaused: number; evaluate: { loss: number; accuracy: number } };
  history: { steps: number; epochs: number; valAccuracy: number; layers: string[] };
  hash: string; mainHash: string; weights: { count: number; allF32: boolean; hash: string };
  predict: { isF32: boolean; length: number; ownBuffer: boolean; hash: string }; mainPredict: string; saved: { hash: string };
  badOption: { worker: Err; main: Err }; early: { worker: number; main: number }; badCallback: Err; diverged: { worker: Err; main: Err }; badLayer: Err; badTrainerOption: Err;
  cancel: { error: Err; ms: number; stepAtCancel: number; stepAfter: number; before: number }; afterCancel: number;
  moves: Array<{ result: string; moved: number; detached: boolean }>; terminated: Err;
}

const sha = (a: ArrayBufferView): string => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');

let browser: Browser;
let server: DemoServer;
before(async () => {
  if (missingChromium) return;
  [browser, server] = await Promise.all([launchChromium(), startDemoServer({ mounts: [['/worker-test/', fileURLToPath(new URL('fixtures/worker', import.meta.url))]] })]);
}, { timeout: 60_000 });
after(async () => {
  await browser?.close();
  await server?.close();
});

testNeeds(missingChromium, 'gaaf/worker: trains off the main thread, pauses, resumes, cancels, moves its results, and matches the main thread and Node bit for bit', { timeout: 180_000 }, async () => {
  // Node's reference first, so that it does not compete with the page for the CPU.
  const { train, test } = loadBundledDigits();
  const ref = paperMlp({ gaaf: true });
  await ref.fit(train, { ...RUN, validationData: test });
  const nodeHash = await ref.weightsSha256();
  const nodePredict = sha(ref.predict(test.x.subarray(0, 10 * 784)));
  ref.dispose();

  const { page, problems } = await openPage(browser);
  await page.goto(new URL('worker-test/', server.url).href, { timeout: WAIT_MS });
  await page.waitForFunction(() => (window as unknown as { __worker: { done: boolean } }).__worker?.done, null, { timeout: 150_000, polling: 250 });
  const r: Result = await page.evaluate(() => (window as unknown as { __worker: Result }).__worker);
  assert.equal(r.error, undefined, r.error);

  // the training set moved (detached on the page), the test set was copied
  assert.deepEqual([r.upload.detached, r.upload.testKept, r.upload.ref.count], [true, 2000 * 784, 8000]);

  // progress: every hook, in TF.js's terms (0-based indices, 1-based epoch and batch in the logs)
  assert.deepEqual(r.events.counts, { trainBegin: 1, epochBegin: 1, batchBegin: STEPS, batchEnd: STEPS, epochEnd: 1, trainEnd: 1, paused: 1, resumed: 1 });
  assert.deepEqual([r.events.first.batch, r.events.first.step, r.events.first.epoch, r.events.first.gradInfo], [0, 1, 1, 4]);
  assert.ok(Number.isFinite(r.events.first.loss) && r.events.first.loss > 0, `first batch loss ${r.events.first.loss}`);
  assert.deepEqual([r.events.last.batch, r.events.last.step, r.events.batches], [STEPS - 1, STEPS, STEPS]);
  assert.deepEqual(r.events.trainBegin.layers, ['dense_1', 'dense_2', 'dense_3', 'dense_4']);
  assert.deepEqual([r.history.steps, r.history.epochs, r.history.layers], [STEPS, 1, ['dense_1', 'dense_2', 'dense_3', 'dense_4']]);
  assert.ok(r.history.valAccuracy > 0.8, `validation accuracy ${r.history.valAccuracy} after one epoch`);

  // pause after step 10: it held (no step for 600 ms), answered an evaluate meanwhile, and resumed where it stopped
  assert.ok(r.pause.pausedStep >= 10 && r.pause.pausedStep < STEPS, `paused at step ${r.pause.pausedStep}`);
  assert.equal(r.pause.resumedStep, r.pause.pausedStep);
  assert.equal(r.pause.stepsWhilePaused, 0, 'steps were taken while paused');
  assert.ok(r.pause.heldMs >= 600, `held ${r.pause.heldMs} ms`);
  assert.ok(r.pause.evaluate.accuracy > 0.1 && Number.isFinite(r.pause.evaluate.loss), JSON.stringify(r.pause.evaluate));
  assert.ok(r.pause.latencyMs < 1000, `pause took ${r.pause.latencyMs} ms to hold`);

  // the page stayed responsive while the worker trained; the same fit on the page's thread did not
  assert.ok(r.worker.p99 < P99_GAP_MS, `the main thread's 99th-percentile gap while the worker trained was ${r.worker.p99.toFixed(1)} ms (budget ${P99_GAP_MS})`);
  assert.ok(r.worker.maxGap < MAX_GAP_MS, `the main thread's largest gap while the worker trained was ${r.worker.maxGap.toFixed(1)} ms (budget ${MAX_GAP_MS})`);
  assert.ok(r.worker.frames >= 20, `${r.worker.frames} animation frames in ${r.worker.ms.toFixed(0)} ms of training`);
  assert.ok(r.main.p99 >= MAX_GAP_MS, `control: training on the main thread left p99 gaps of only ${r.main.p99.toFixed(1)} ms: the measure would not see a blocked thread`);

  // the same bits: worker = page's main thread = Node; weights, predictions and the saved checkpoint
  assert.equal(r.hash, nodeHash, "the worker's weights differ from Node's");
  assert.equal(r.mainHash, nodeHash, "the page's main-thread weights differ from Node's");
  assert.deepEqual([r.weights.count, r.weights.allF32, r.weights.hash], [8, true, nodeHash]);
  assert.deepEqual(r.predict, { isF32: true, length: 100, ownBuffer: true, hash: nodePredict });
  assert.equal(r.mainPredict, nodePredict);
  assert.equal(r.saved.hash, nodeHash, 'the checkpoint from trainer.save() loads to other weights');

  // results moved, not copied: after each reply, the worker's buffers were detached
  const moved = (what: string): { result: string; moved: number; detached: boolean } | undefined => r.moves.find((m) => m.result === what);
  assert.deepEqual(moved('Float32Array(100)'), { result: 'Float32Array(100)', moved: 1, detached: true });
  assert.deepEqual(moved('Float32Array[8]'), { result: 'Float32Array[8]', moved: 8, detached: true });
  assert.deepEqual(moved('CheckpointBytes'), { result: 'CheckpointBytes', moved: 2, detached: true });

  // errors: the worker's, with the main thread's name and message
  assert.match(r.badOption.main.message, /unknown option 'epochz'/);
  assert.deepEqual(r.badOption.worker, r.badOption.main);
  assert.match(r.diverged.main.message, /training diverged at epoch 1, step \d+/);
  assert.equal(r.diverged.main.diverged, true);
  assert.deepEqual(r.diverged.worker, r.diverged.main);
  assert.deepEqual(r.early, { worker: 2, main: 2 }, 'EarlyStopping by name in the worker');
  assert.equal(r.badCallback.name, 'TypeError');
  assert.match(r.badCallback.message, /^gaaf\/worker: fit: callbacks\[0\]: callbacks run in the worker, so they are named/);
  assert.match(r.badLayer.message, /createTrainer: model\.layers\[0\]: unknown layer class 'Nope'/);
  assert.deepEqual([r.badTrainerOption.name, r.badTrainerOption.message], ['RangeError', "gaaf/worker: createTrainer: unknown option 'threads' (expected model, workerUrl, init, transfer)"]);
  assert.equal(r.terminated.message, 'gaaf/worker: the trainer was terminated');

  // cancel: the fit ends before its next step, promptly, and the model stays usable
  assert.equal(r.cancel.error.name, 'AbortError');
  assert.match(r.cancel.error.message, /^gaaf\/worker: fit cancelled before epoch 1, batch \d+ \(after step \d+\)/);
  assert.ok(r.cancel.stepAfter - r.cancel.stepAtCancel <= 1, `${r.cancel.stepAfter - r.cancel.stepAtCancel} steps after the abort`);
  assert.equal(r.cancel.error.step, r.cancel.stepAfter);
  assert.ok(r.cancel.ms < 1000, `the cancelled fit took ${r.cancel.ms.toFixed(0)} ms to end`);
  assert.equal(r.afterCancel, 10);

  assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), [], 'CSP violations');
  assert.deepEqual(problems, [], 'the page reported problems');
  await page.close();
  console.log(`# gaaf/worker: ${STEPS} steps in ${r.worker.ms.toFixed(0)} ms in the worker (${r.init.threads} threads), main thread's largest gap ${r.worker.maxGap.toFixed(1)} ms ` +
    `(p99 ${r.worker.p99.toFixed(1)}, ${r.worker.frames} frames, largest frame gap ${r.worker.maxFrameGap.toFixed(1)} ms); the same fit on the main thread: ` +
    `${r.main.ms.toFixed(0)} ms, largest gap ${r.main.maxGap.toFixed(1)} ms (p99 ${r.main.p99.toFixed(1)}, ${r.main.frames} frames); pause held after ${r.pause.latencyMs.toFixed(0)} ms; ` +
    `cancel ended the fit in ${r.cancel.ms.toFixed(0)} ms; weights sha256 ${nodeHash} (worker = main thread = Node)`);
});

// The demo page (web/) in real Chromium, served as `npm run demo` serves it (COOP/COEP, a CSP of
// 'self' + 'wasm-unsafe-eval'): it loads without errors, trains base tanh and GAAF tanh in two
// Web Workers while the main thread keeps drawing frames, pauses and resumes, predicts a drawn
// digit, and ends with weights byte-identical to the same training in Node. A screenshot
// goes to test-results/demo.png (and to docs/browser-demo.png with GAAF_UPDATE_DOCS=1).
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { type DemoServer, startDemoServer } from '../scripts/serve-demo.js';
import { loadBundledDigits, paperMlp } from '../src/node.js';
import { type Browser, DEMO_RUN, WAIT_MS, launchChromium, missingChromium, openPage } from './browser.js';
import { testNeeds } from './requirements.js';

const root = (p: string): string => fileURLToPath(new URL(`../${p}`, import.meta.url));

interface RunState { state: string; step: number; epoch: number; accuracy: number | null; hash: string | null; error: string | null; evals: number; gradPoints: number }
interface DemoState { ready: boolean; frames: number; runs: Record<'base' | 'gaaf', RunState>; errors: string[]; prediction?: Record<string, { digit: number; probs: number[] }> }
const demoState = (page: Page): Promise<DemoState> => page.evaluate(() => (window as unknown as { __demo: DemoState }).__demo);

/** What Node gets from the same model, data, seed and steps (the demo calls model.fit the same way). */
async function nodeHashes(): Promise<Record<'base' | 'gaaf', string>> {
  const { train, test } = loadBundledDigits();
  const out = {} as Record<'base' | 'gaaf', string>;
  for (const key of ['base', 'gaaf'] as const) {
    const model = paperMlp({ gaaf: key === 'gaaf' });
    await model.fit(train, { ...DEMO_RUN, validationData: test });
    out[key] = await model.weightsSha256();
    model.dispose();
  }
  return out;
}

let browser: Browser;
let server: DemoServer;
before(async () => {
  if (missingChromium) return;
  [browser, server] = await Promise.all([launchChromium(), startDemoServer()]);
  loadBundledDigits(); // parsed (and cached) now, so it does not hold up the page's commands later
}, { timeout: 60_000 });
after(async () => {
  await browser?.close();
  await server?.close();
});

testNeeds(missingChromium, 'demo page: trains both runs in workers, stays responsive, and matches Node bit for bit', { timeout: 90_000 }, async () => {
  const { page, problems } = await openPage(browser);
  await page.goto(server.url, { timeout: WAIT_MS });
  await page.waitForFunction(() => (window as unknown as { __demo?: { ready: boolean } }).__demo?.ready === true, null, { timeout: WAIT_MS });
  assert.equal(await page.evaluate(() => self.crossOriginIsolated), true, 'COOP/COEP should make the page cross-origin isolated');

  // A bad setting is named on the page, and nothing starts.
  await page.fill('#batch', '0');
  await page.click('#start');
  assert.match((await page.locator('#config-error').textContent({ timeout: WAIT_MS }))!, /Batch size must be an integer in \[1, 1024\], got '0'/);
  assert.equal((await demoState(page)).runs.base.state, 'idle');

  await page.fill('#epochs', String(DEMO_RUN.epochs));
  await page.fill('#lr', String(DEMO_RUN.lr));
  await page.fill('#batch', String(DEMO_RUN.batchSize));
  await page.fill('#seed', String(DEMO_RUN.seed));
  // Node's reference weights first: training them here while Chromium trains would block this
  // process long enough, on a loaded machine, for the page's runs to finish before Pause is tested.
  const expected = nodeHashes();
  await page.click('#start');

  // Both runs are stepping: count frames from here on, and press Pause from inside the page as
  // soon as both have taken 10 steps. (Waited for from here, on a loaded machine this process can
  // be scheduled so late that the runs have finished, and Pause is disabled, before it clicks.)
  // (An unnamed predicate: tsx would wrap a named function in a helper the page does not have.)
  const framesAtStart = await (await page.waitForFunction(() => {
    const d = (window as unknown as { __demo: DemoState }).__demo;
    if (!(d.runs.base.step >= 10 && d.runs.gaaf.step >= 10)) return false;
    (document.querySelector('#pause') as HTMLButtonElement).click();
    return d.frames;
  }, null, { timeout: WAIT_MS, polling: 5 })).jsonValue() as number;

  // Pause (pressed above): the step counters stop; Resume: they go on.
  await page.waitForFunction(() => Object.values((window as unknown as { __demo: DemoState }).__demo.runs).every((r) => r.state === 'paused'), null, { timeout: WAIT_MS });
  await page.waitForTimeout(300); // a step already under way may still report
  const pausedAt = (await demoState(page)).runs;
  await page.waitForTimeout(500);
  const stillAt = (await demoState(page)).runs;
  assert.deepEqual([stillAt.base.step, stillAt.gaaf.step], [pausedAt.base.step, pausedAt.gaaf.step], 'training went on while paused');
  const totalSteps = DEMO_RUN.epochs * Math.ceil(8000 / DEMO_RUN.batchSize);
  assert.ok(pausedAt.base.step < totalSteps && pausedAt.gaaf.step < totalSteps, 'paused too late to test pausing');
  await page.click('#pause'); // now labelled Resume

  await page.waitForFunction(() => Object.values((window as unknown as { __demo: DemoState }).__demo.runs).every((r) => r.state === 'done' || r.state === 'failed'), null, { timeout: WAIT_MS, polling: 100 });
  const done = await demoState(page);
  const frames = done.frames - framesAtStart;
  for (const key of ['base', 'gaaf'] as const) {
    const r = done.runs[key];
    assert.equal(r.error, null, `${key}: ${r.error}`);
    assert.equal(r.state, 'done');
    assert.equal(r.step, totalSteps, `${key}: steps`);
    assert.ok(r.accuracy! > 0.85, `${key}: test accuracy ${r.accuracy} after ${totalSteps} steps, expected > 0.85`);
    assert.ok(r.evals >= 5 && r.gradPoints >= 20, `${key}: charts got ${r.evals} accuracy and ${r.gradPoints} gradient points`);
  }
  assert.ok(frames >= 20, `only ${frames} animation frames while training: the main thread was blocked`);

  // Node and Chromium: the same bits.
  const node = await expected;
  assert.equal(done.runs.base.hash, node.base, 'base tanh: Chromium and Node weights differ');
  assert.equal(done.runs.gaaf.hash, node.gaaf, 'GAAF tanh: Chromium and Node weights differ');
  assert.notEqual(node.base, node.gaaf);
  console.log(`# demo: ${totalSteps} steps per run; test accuracy base ${done.runs.base.accuracy}, GAAF ${done.runs.gaaf.accuracy}; ` +
    `${frames} frames while training; weights sha256 base ${node.base}, GAAF ${node.gaaf} (Node = Chromium)`);

  // Draw a "1" and read both predictions.
  const pad = (await page.locator('#pad').boundingBox())!;
  await page.mouse.move(pad.x + pad.width * 0.5, pad.y + pad.height * 0.2);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(pad.x + pad.width * 0.5, pad.y + pad.height * (0.2 + 0.06 * i));
  await page.mouse.up();
  await page.waitForFunction(() => {
    const p = (window as unknown as { __demo: DemoState }).__demo.prediction;
    return p?.base && p?.gaaf;
  }, null, { timeout: WAIT_MS });
  const pred = (await demoState(page)).prediction!;
  for (const key of ['base', 'gaaf']) {
    const sum = pred[key]!.probs.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-4, `${key}: probabilities sum to ${sum}`);
    assert.equal(pred[key]!.digit, 1, `${key}: a drawn vertical stroke was read as ${pred[key]!.digit}`);
  }

  // Screenshot: saved, and not blank.
  mkdirSync(root('test-results'), { recursive: true });
  const png = await page.screenshot({ fullPage: true, timeout: WAIT_MS });
  writeFileSync(root('test-results/demo.png'), png);
  if (process.env.GAAF_UPDATE_DOCS === '1') copyFileSync(root('test-results/demo.png'), root('docs/browser-demo.png'));
  // Decoded in a blank page: the demo's CSP rightly refuses data: images.
  const blank = await browser.context.newPage();
  const pixels = await blank.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = new OffscreenCanvas(img.width, img.height);
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, img.width, img.height).data;
    const colours = new Set<number>();
    let inked = 0;
    for (let i = 0; i < d.length; i += 4) {
      colours.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
      if (d[i]! + d[i + 1]! + d[i + 2]! < 600) inked++;
    }
    return { colours: colours.size, inked: inked / (d.length / 4), width: img.width, height: img.height };
  }, png.toString('base64'));
  await blank.close();
  assert.ok(pixels.colours > 100 && pixels.inked > 0.05, `the screenshot looks blank: ${JSON.stringify(pixels)}`);

  // Reset clears the runs.
  await page.click('#reset');
  await page.waitForFunction(() => {
    const d = (window as unknown as { __demo: DemoState }).__demo;
    return d.runs.base.state === 'idle' && d.runs.gaaf.state === 'idle' && d.runs.base.step === 0 && Object.keys(d.prediction ?? {}).length === 0;
  }, null, { timeout: WAIT_MS });

  assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), [], 'CSP violations');
  assert.deepEqual(problems, [], 'the page reported problems');
  assert.deepEqual(done.errors, []);
  await page.close();
});

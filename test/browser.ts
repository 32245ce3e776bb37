// Shared by the Chromium tests: launch Debian's Chromium through playwright-core with a fresh
// profile, collect everything a page or its workers report as an error, and the training
// configuration that the page and Node both run.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { missingPath } from './requirements.js';

/** Debian's Chromium; GAAF_CHROMIUM points elsewhere (a missing path shows the skip, or the CI failure). */
export const CHROMIUM = process.env.GAAF_CHROMIUM ?? '/usr/bin/chromium';

/** false when Chromium is there; otherwise what is missing, for testNeeds (skipped, or failed under CI=true). */
export const missingChromium = missingPath(CHROMIUM, 'Chromium', 'apt-get install -y chromium; .ci/run does this');

/** Every wait in these tests has a timeout; this is the longest one. */
export const WAIT_MS = 45_000;

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'gaaf-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  context.setDefaultTimeout(WAIT_MS);
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Opens a page that records console errors, uncaught exceptions, failed requests, HTTP errors
 * and CSP violations (in the page and in its workers) into the returned list.
 */
export async function openPage(b: Browser): Promise<{ page: Page; problems: string[] }> {
  const page = await b.context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.on('worker', (w) => w.on('console', (m) => {
    if (m.type() === 'error') problems.push(`worker console error: ${m.text()}`);
  }));
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective}: ${e.blockedURI}`));
  });
  return { page, problems };
}

/** The demo's training run that the test also repeats in Node. */
export const DEMO_RUN = { epochs: 2, lr: 0.05, batchSize: 128, seed: 7 } as const;

/** What the fixture app (test/fixtures/app, trainTiny in train.js) leaves in its page. */
export interface TinyResult { accuracy: number; loss: number; firstLoss: number; steps: number; hash: string; error?: string }
export interface DigitsResult { url: string; train: number; test: number; trainX: string; testY: string; error?: string }
/** What the fixture app's worker.js (Vite only) leaves: the tiny model trained through gaaf/worker. */
export interface WorkerFixtureResult { steps: number; batches: number; hash: string; error?: string }
export type FixtureResult = TinyResult & { digits?: DigitsResult; worker?: WorkerFixtureResult };

/**
 * Opens the fixture app at `url` and returns its trainTiny result (and, with `digits`, what
 * its digits.js read and what its worker.js trained through gaaf/worker), failing on any
 * error, CSP violation or problem the page reported.
 */
export async function runFixturePage(b: Browser, url: string, digits = false): Promise<FixtureResult> {
  const { page, problems } = await openPage(b);
  await page.goto(url, { timeout: WAIT_MS });
  await page.waitForFunction(() => (window as unknown as { __fixture?: unknown }).__fixture !== undefined, null, { timeout: WAIT_MS });
  const r: FixtureResult = await page.evaluate(() => (window as unknown as { __fixture: TinyResult }).__fixture);
  assert.equal(r.error, undefined, r.error);
  if (digits) {
    await page.waitForFunction(() => (window as unknown as { __digits?: unknown }).__digits !== undefined, null, { timeout: WAIT_MS });
    r.digits = await page.evaluate(() => (window as unknown as { __digits: DigitsResult }).__digits);
    assert.equal(r.digits.error, undefined, r.digits.error);
    await page.waitForFunction(() => (window as unknown as { __workerFixture?: unknown }).__workerFixture !== undefined, null, { timeout: WAIT_MS });
    r.worker = await page.evaluate(() => (window as unknown as { __workerFixture: WorkerFixtureResult }).__workerFixture);
    assert.equal(r.worker.error, undefined, r.worker.error);
  }
  assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), [], 'CSP violations');
  assert.deepEqual(problems, [], 'the page reported problems');
  await page.close();
  return r;
}

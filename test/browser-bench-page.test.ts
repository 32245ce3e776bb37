// The demo site's bench page (web/bench.html): gaaf's kernel suites run in the browser from the
// bundled gaaf/bench (dist/bundle/gaaf-bench.js), under the demo's CSP, and print their table.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { type DemoServer, startDemoServer } from '../scripts/serve-demo.js';
import { type Browser, WAIT_MS, launchChromium, missingChromium, openPage } from './browser.js';
import { testNeeds } from './requirements.js';

let browser: Browser;
let server: DemoServer;
before(async () => {
  if (missingChromium) return;
  [browser, server] = await Promise.all([launchChromium(), startDemoServer()]);
}, { timeout: 60_000 });
after(async () => {
  await browser?.close();
  await server?.close();
});

testNeeds(missingChromium, 'demo bench page: the kernel suites run in Chromium and print SIMD against scalar and % of peak', { timeout: 90_000 }, async () => {
  const { page, problems } = await openPage(browser);
  await page.goto(new URL('bench.html?mode=smoke&autorun=1', server.url).href, { timeout: WAIT_MS });
  await page.waitForFunction(() => {
    const s = (window as unknown as { __bench?: { done: boolean; error: string | null } }).__bench;
    return s?.done === true || !!s?.error;
  }, null, { timeout: WAIT_MS, polling: 100 });
  const state = await page.evaluate(() => (window as unknown as { __bench: { error: string | null; records: number } }).__bench);
  assert.equal(state.error, null);
  const table = (await page.locator('#table').textContent({ timeout: WAIT_MS }))!;
  for (const want of [/SIMD peak/, /gemm\s+A·B/, /tanh fwd/, /gaaf tanh fwd/, /% of peak/]) assert.match(table, want);
  assert.ok(state.records > 10, `${state.records} records`);
  assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), [], 'CSP violations');
  assert.deepEqual(problems, []);
});

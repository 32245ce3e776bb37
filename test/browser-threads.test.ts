// Threads in Chromium (issue #8). On a cross-origin-isolated page (COOP/COEP, the demo
// server's headers) gaaf loads the threaded build: a GEMM on the page's main thread (spinning
// waits) and training in a module worker on 1, 2 and 4 threads give the bits Node gives. On
// the same page served without COOP/COEP it falls back to the single-threaded build, says so
// in one console line per context (page, worker) with the headers to set, never throws, and
// gives the same bits.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';
import { type DemoServer, csp, startDemoServer } from '../scripts/serve-demo.js';
import * as gaafNode from '../src/node.js';
import { type Browser, WAIT_MS, launchChromium, missingChromium, openPage } from './browser.js';
import { testNeeds } from './requirements.js';
// @ts-expect-error: plain JS fixture, shared with the page
import { matmulHash, trainHash } from './fixtures/threads/work.js';

const fixture = fileURLToPath(new URL('./fixtures/threads/', import.meta.url));
const dist = fileURLToPath(new URL('../dist/', import.meta.url));

interface Run { n: number; got: number; matmul: string; train: string }
interface PageResult {
  isolated: boolean;
  hardwareConcurrency: number;
  error?: string;
  main: { threads: number; support: { available: boolean; reason: string | null }; matmul: string };
  worker: { error?: string; initial: number; support: { available: boolean; reason: string | null }; runs: Run[] };
}

let browser: Browser;
let isolated: DemoServer;
let noWorker: DemoServer;
let plain: { url: string; close(): Promise<void> };
let node: { matmul: string; train: string };

before(async () => {
  if (missingChromium) return;
  await gaafNode.init();
  node = { matmul: await matmulHash(gaafNode), train: await trainHash(gaafNode) };
  isolated = await startDemoServer({ mounts: [['/threads/', fixture]] });
  // isolated, but the kernel worker's script is missing (a deployment that forgot the file)
  const empty = mkdtempSync(join(tmpdir(), 'gaaf-empty-'));
  noWorker = await startDemoServer({ mounts: [['/threads/', fixture], ['/dist/bundle/gaaf-worker.js', empty]] });
  // the same files with the same CSP, but no COOP/COEP: not cross-origin isolated
  const serve = [['/threads/', sirv(fixture, { dev: true })], ['/dist/', sirv(dist, { dev: true })]] as const;
  const server = createServer((req, res) => {
    res.setHeader('Content-Security-Policy', csp());
    const hit = serve.find(([p]) => req.url?.startsWith(p));
    if (!hit) { res.statusCode = 404; res.end(); return; }
    req.url = '/' + req.url!.slice(hit[0].length);
    hit[1](req, res, () => { res.statusCode = 404; res.end(); });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  plain = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await isolated?.close();
  await noWorker?.close();
  await plain?.close();
});

async function load(base: string): Promise<{ result: PageResult; problems: string[]; pageLines: string[]; workerLines: string[] }> {
  const { page, problems } = await openPage(browser);
  const pageLines: string[] = [];
  const workerLines: string[] = [];
  // page.on('console') also hears workers; m.worker() says which context spoke
  page.on('console', (m) => { if (m.text().startsWith('gaaf:')) (m.worker() ? workerLines : pageLines).push(m.text()); });
  await page.goto(`${base}threads/index.html`);
  await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, null, { timeout: WAIT_MS });
  const result = await page.evaluate(() => (window as unknown as { __result: PageResult }).__result);
  await page.close();
  return { result, problems, pageLines, workerLines };
}

testNeeds(missingChromium, 'cross-origin isolated: threads in the page and a worker, 1, 2 and 4 threads give the bits Node gives', { timeout: 120_000 }, async () => {
  const { result, problems, pageLines, workerLines } = await load(isolated.url);
  assert.equal(result.error, undefined, result.error);
  assert.equal(result.worker.error, undefined, result.worker.error);
  assert.equal(result.isolated, true);
  assert.deepEqual(result.main.support, { available: true, reason: null });
  assert.deepEqual(result.worker.support, { available: true, reason: null });
  // the default: the hardware concurrency (at most 16), in the page and in the worker
  assert.equal(result.main.threads, Math.min(16, result.hardwareConcurrency));
  assert.equal(result.worker.initial, Math.min(16, result.hardwareConcurrency));
  assert.equal(result.main.matmul, node.matmul, 'page main thread GEMM (default threads) vs Node');
  for (const r of result.worker.runs) {
    assert.equal(r.got, r.n, `the worker got ${r.got} threads for ${r.n}`);
    assert.equal(r.matmul, node.matmul, `GEMM on ${r.n} threads vs Node`);
    assert.equal(r.train, node.train, `training on ${r.n} threads vs Node`);
  }
  assert.deepEqual(pageLines, []);
  assert.deepEqual(workerLines, []);
  assert.deepEqual(problems, []);
});

testNeeds(missingChromium, 'without COOP/COEP: single-threaded, one line per context saying why and how, never throws, the same bits', { timeout: 120_000 }, async () => {
  const { result, problems, pageLines, workerLines } = await load(plain.url);
  assert.equal(result.error, undefined, result.error);
  assert.equal(result.worker.error, undefined, result.worker.error);
  assert.equal(result.isolated, false);
  for (const s of [result.main.support, result.worker.support]) {
    assert.equal(s.available, false);
    assert.match(s.reason!, /not cross-origin isolated/);
  }
  assert.equal(result.main.threads, 1);
  assert.equal(result.main.matmul, node.matmul);
  for (const r of result.worker.runs) {
    assert.equal(r.got, 1);
    assert.equal(r.matmul, node.matmul);
    assert.equal(r.train, node.train);
  }
  const expected = /^gaaf: running single-threaded instead of \d+ threads: this page is not cross-origin isolated.*'Cross-Origin-Opener-Policy: same-origin'.*'Cross-Origin-Embedder-Policy: require-corp'/;
  // hardware concurrency 1 asks for no threads, so nothing is said
  const quiet = result.main.support.available === false && result.worker.initial === 1 && pageLines.length === 0;
  if (!quiet) {
    assert.equal(pageLines.length, 1, `page: ${pageLines.join('\n')}`);
    assert.match(pageLines[0], expected);
  }
  // the worker asks for 2 and 4 threads: still one line
  assert.equal(workerLines.length, 1, `worker: ${workerLines.join('\n')}`);
  assert.match(workerLines[0], expected);
  assert.deepEqual(problems, []);
});

testNeeds(missingChromium, 'isolated but the kernel worker cannot start: it says so in one line per context, runs on one thread, the same bits', { timeout: 120_000 }, async () => {
  const { result, problems, pageLines, workerLines } = await load(noWorker.url);
  assert.equal(result.error, undefined, result.error);
  assert.equal(result.worker.error, undefined, result.worker.error);
  assert.equal(result.isolated, true);
  assert.equal(result.main.support.available, true);
  assert.equal(result.main.matmul, node.matmul);
  for (const r of result.worker.runs) {
    assert.equal(r.got, 1, `setThreads(${r.n}) with no worker script`);
    assert.equal(r.matmul, node.matmul);
    assert.equal(r.train, node.train);
  }
  for (const l of [...pageLines, ...workerLines]) assert.match(l, /^gaaf: using 1 of \d+ threads: a worker failed to start/);
  if (result.hardwareConcurrency > 1) assert.equal(pageLines.length, 1, pageLines.join('\n'));
  assert.ok(workerLines.length >= 1);
  // the only problems: the missing file, as requests for it
  for (const p of problems) assert.match(p, /gaaf-worker\.js|404/, p);
});

// A user's app in real Chromium, importing `gaaf` by name from the built dist/: once bundled by
// Vite (package.json's browser condition, the Wasm picked up through new URL(…, import.meta.url)),
// once as a plain page with an import map and no bundler. Both train a tiny model under the
// strict CSP and end with the same weights as Node; the Vite app also trains it in a Web Worker
// through gaaf/worker (Vite bundling the package's worker module), to the same weights.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type DemoServer, startDemoServer } from '../scripts/serve-demo.js';
import { loadBundledDigits } from '../src/node.js';
import { type Browser, type FixtureResult, type TinyResult, launchChromium, missingChromium, runFixturePage } from './browser.js';
import { testNeeds } from './requirements.js';
// @ts-expect-error: plain JS fixture, shared with the page
import { trainTiny } from './fixtures/app/train.js';


const root = fileURLToPath(new URL('..', import.meta.url));
const fixture = join(root, 'test/fixtures/app');

let browser: Browser;
let server: DemoServer;
let work: string;
let nodeResult: TinyResult;

before(async () => {
  if (missingChromium) return;
  work = mkdtempSync(join(tmpdir(), 'gaaf-app-'));
  // A user's project: their sources, and gaaf installed in node_modules (here: a link to this package).
  const app = join(work, 'app');
  cpSync(fixture, app, { recursive: true });
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(root, join(app, 'node_modules/gaaf'), 'dir');
  const { build } = await import('vite');
  await build({
    root: app, base: '/vite/', configFile: false, logLevel: 'error',
    build: { outDir: join(work, 'out'), emptyOutDir: true }, // Vite's default targets: gaaf has no top-level await
  });
  const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(readFileSync(join(fixture, 'plain.html'), 'utf8'))![1]!;
  [browser, server] = await Promise.all([
    launchChromium(),
    startDemoServer({
      mounts: [['/vite/', join(work, 'out')], ['/plain/', fixture], ['/node_modules/gaaf/dist/', join(root, 'dist')]],
      scriptHashes: [`sha256-${createHash('sha256').update(importMap).digest('base64')}`],
    }),
  ]);
  nodeResult = await trainTiny(await import('gaaf'));
}, { timeout: 90_000 });
after(async () => {
  await browser?.close();
  await server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const bytes = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

// an absolute URL replaces server.url
const runPage = (path: string, digits = false): Promise<FixtureResult> => runFixturePage(browser, new URL(path, server.url).href, digits);

function checkTrained(r: TinyResult, where: string): void {
  assert.equal(r.steps, 100, `${where}: steps`);
  assert.ok(r.loss < r.firstLoss / 4 && r.accuracy > 0.95, `${where}: did not learn: ${JSON.stringify(r)}`);
  assert.equal(r.hash, nodeResult.hash, `${where}: weights differ from Node's`);
}

testNeeds(missingChromium, 'a Vite app that imports gaaf trains a tiny model in Chromium, as in Node', { timeout: 60_000 }, async () => {
  const assets = readdirSync(join(work, 'out/assets'));
  assert.ok(assets.some((f) => /^gaaf-.*\.wasm$/.test(f)), `Vite did not emit the Wasm: ${assets.join(', ')}`);
  const js = assets.filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(work, 'out/assets', f), 'utf8')).join('\n');
  assert.doesNotMatch(js, /mnist\/package\.json|readFileSync/, 'Vite bundled the Node entry instead of the browser one');
  assert.match(js, /fetchBundledDigits|Sequential/, 'the app bundle does not contain gaaf');
  assert.ok(assets.some((f) => /^gaaf-trainer-worker-[\w-]+\.js$/.test(f)), `Vite did not bundle gaaf/worker's worker module: ${assets.join(', ')}`);
  const r = await runPage('vite/', true);
  checkTrained(r, 'Vite app');
  // gaaf/worker, its worker bundled by Vite: the same weights, trained off the main thread
  assert.deepEqual(r.worker, { steps: 100, batches: 100, hash: nodeResult.hash });
  // The digits through `import url from 'gaaf/digits.bin.gz?url'`: Node's split, bit for bit.
  const { train, test: testSet } = loadBundledDigits();
  const sha = (a: ArrayBufferView): string => createHash('sha256').update(bytes(a)).digest('hex');
  assert.match(r.digits!.url, /^\/vite\/assets\/digits\.bin-[\w-]+\.gz$/);
  assert.deepEqual(r.digits, { url: r.digits!.url, train: 8000, test: 2000, trainX: sha(train.x), testY: sha(testSet.y) });
  console.log(`# fixture: Vite build (${assets.join(', ')}); tiny model weights sha256 ${nodeResult.hash} in Chromium and Node`);
});

testNeeds(missingChromium, 'the same app under the Vite dev server trains the same model', { timeout: 60_000 }, async () => {
  const { createServer } = await import('vite');
  const dev = await createServer({
    root: join(work, 'app'), configFile: false, logLevel: 'error',
    // fs.allow: the package is a link out of the app here; an installed one lies under the root
    server: { port: 0, host: '127.0.0.1', strictPort: false, fs: { allow: [work, root] } },
  });
  try {
    await dev.listen();
    const r = await runPage(dev.resolvedUrls!.local[0]!, true);
    checkTrained(r, 'Vite dev server');
    assert.deepEqual(r.worker, { steps: 100, batches: 100, hash: nodeResult.hash });
    assert.equal(r.digits!.trainX, createHash('sha256').update(bytes(loadBundledDigits().train.x)).digest('hex'));
  } finally {
    await dev.close();
  }
});

testNeeds(missingChromium, 'a plain page with an import map imports gaaf from dist/ and trains the same model', { timeout: 60_000 }, async () => {
  checkTrained(await runPage('plain/plain.html'), 'plain page');
});

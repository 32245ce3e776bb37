// The browser checkpoint handlers in headless Chromium (playwright-core, /usr/bin/chromium):
// a checkpoint saved to IndexedDB survives closing the page and is read back byte for byte,
// the download handler offers both files with the same bytes, and the upload handler reads
// them back; the safetensors reader validates in the browser too. Skips without Chromium
// (fails under CI=true). Uses the compiled dist/checkpoint/{format,browser}.js (built by npm test)
// and the modules they import (dist/sha256.js), none with a Node import; the page gets only
// dist/*.js and dist/checkpoint/*.js.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, missingChromium } from './browser.js';
import { missingPath, testNeeds } from './requirements.js';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const missing = missingChromium || missingPath(join(dist, 'checkpoint/browser.js'), 'dist/checkpoint/browser.js', 'run npm run build');

testNeeds(missing, 'browser: IndexedDB, download and upload handlers round-trip checkpoint bytes', { timeout: 120_000 }, async (t) => {
  const { chromium } = await import('playwright-core');
  const server = createServer((req, res) => {
    const name = (req.url ?? '/').replace(/^\/+/, '');
    if (name === '' || name === 'index.html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>gaaf</title>');
      return;
    }
    if (!/^(checkpoint\/)?[a-z0-9-]+\.js$/.test(name) || !existsSync(join(dist, name))) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/javascript' });
    res.end(readFileSync(join(dist, name)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const profile = mkdtempSync(join(tmpdir(), 'gaaf-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    // 1. save to IndexedDB in one page, close it
    const page = await context.newPage();
    await page.goto(url);
    const saved = await page.evaluate(async () => {
      const f = (await import('/checkpoint/format.js' as string)) as typeof import('../src/checkpoint/format.js');
      const b = (await import('/checkpoint/browser.js' as string)) as typeof import('../src/checkpoint/browser.js');
      const w = f.encodeSafetensors([
        { name: 'dense_1/kernel', shape: [3, 2], data: Float32Array.from([1, -2, 3.5, 0, -0, 1e-30]) },
        { name: 'optimizer/dense_1/kernel/m', shape: [3, 2], data: new Float32Array(6).fill(0.25) },
      ], { format: 'gaaf' });
      const config = new TextEncoder().encode(JSON.stringify({ hello: 'checkpoint' }));
      const h = b.indexedDBHandler('run-1');
      await h.save({ weights: new Uint8Array(8), config: new Uint8Array(1) }); // an older checkpoint, replaced next
      await h.save({ weights: w, config });
      return { weights: Array.from(w), config: Array.from(config) };
    });
    await page.close();

    // 2. a new page reads it back and validates it in the browser
    const page2 = await context.newPage();
    await page2.goto(url);
    const loaded = await page2.evaluate(async () => {
      const f = (await import('/checkpoint/format.js' as string)) as typeof import('../src/checkpoint/format.js');
      const b = (await import('/checkpoint/browser.js' as string)) as typeof import('../src/checkpoint/browser.js');
      const got = await b.indexedDBHandler('run-1').load();
      const st = f.parseSafetensors(got.weights, got.weightsName);
      let missing = '';
      try {
        await b.indexedDBHandler('no-such-run').load();
      } catch (e) {
        missing = `${(e as Error).name}: ${(e as Error).message}`;
      }
      let truncated = '';
      try {
        f.parseSafetensors(got.weights.subarray(0, 20), 'x.safetensors');
      } catch (e) {
        truncated = (e as Error).message;
      }
      return {
        weights: Array.from(got.weights), config: Array.from(got.config), name: got.weightsName,
        kernel: Array.from(st.tensors.get('dense_1/kernel')!.data), missing, truncated,
      };
    });
    assert.deepEqual(loaded.weights, saved.weights, 'IndexedDB returns the weights byte for byte');
    assert.deepEqual(loaded.config, saved.config);
    assert.equal(loaded.name, 'indexeddb:gaaf-checkpoints/run-1/model.safetensors');
    assert.deepEqual(loaded.kernel, [1, -2, 3.5, 0, -0, Math.fround(1e-30)]);
    assert.match(loaded.missing, /^CheckpointError: indexeddb:gaaf-checkpoints\/no-such-run: no checkpoint is stored under this key/);
    assert.match(loaded.truncated, /^x\.safetensors: byte 0: header length \d+ exceeds the file: 20 bytes leave room for at most 12/);

    // 3. download handler: two downloads with the same bytes; upload handler reads them back
    const downloads: Array<{ name: string; bytes: number[] }> = [];
    page2.on('download', async (d) => {
      const p = await d.path();
      downloads.push({ name: d.suggestedFilename(), bytes: Array.from(readFileSync(p)) });
    });
    await page2.evaluate(async () => {
      const b = (await import('/checkpoint/browser.js' as string)) as typeof import('../src/checkpoint/browser.js');
      const got = await b.indexedDBHandler('run-1').load();
      await b.downloadHandler('mnist-mlp').save({ weights: got.weights, config: got.config });
    });
    for (let i = 0; i < 100 && downloads.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    downloads.sort((a, b) => a.name.localeCompare(b.name));
    assert.deepEqual(downloads.map((d) => d.name), ['mnist-mlp.checkpoint.json', 'mnist-mlp.safetensors']);
    assert.deepEqual(downloads[1].bytes, saved.weights);
    assert.deepEqual(downloads[0].bytes, saved.config);
    const uploaded = await page2.evaluate(async ({ w, c }) => {
      const b = (await import('/checkpoint/browser.js' as string)) as typeof import('../src/checkpoint/browser.js');
      const files = [new File([new Uint8Array(c)], 'mnist-mlp.checkpoint.json'), new File([new Uint8Array(w)], 'mnist-mlp.safetensors')];
      const got = await b.uploadedFilesHandler(files).load();
      let one = '';
      try {
        await b.uploadedFilesHandler(files.slice(0, 1)).load();
      } catch (e) {
        one = (e as Error).message;
      }
      return { weights: Array.from(got.weights), config: Array.from(got.config), one };
    }, { w: downloads[1].bytes, c: downloads[0].bytes });
    assert.deepEqual(uploaded.weights, saved.weights);
    assert.deepEqual(uploaded.config, saved.config);
    assert.match(uploaded.one, /expected one \.safetensors file and one \.json file, got 0 and 1/);
    t.diagnostic(`Chromium ${context.browser()?.version() ?? ''}: IndexedDB, download and upload round trips of a ${saved.weights.length}-byte safetensors file`);
  } finally {
    await context.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

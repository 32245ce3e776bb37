// ONNX export in Chromium: a page loads gaaf's universal bundle (dist/bundle/gaaf.js) and
// onnxruntime-web (its Wasm build, single-threaded), exports a CNN with BatchNorm and pooling
// and a functional model of two inputs with toOnnx() in the page, runs them in onnxruntime-web
// and compares with gaaf's predictOutputs there: to 1e-5. Skips without Chromium (fails under
// CI=true); needs npm run build (the bundle).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, missingChromium, openPage } from './browser.js';
import { missingPath, testNeeds } from './requirements.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const MOUNTS: Record<string, string> = { '/gaaf/': join(root, 'dist/bundle'), '/ort/': join(root, 'node_modules/onnxruntime-web/dist') };
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
const missing = missingChromium || missingPath(join(root, 'dist/bundle/gaaf.js'), 'dist/bundle/gaaf.js', 'run npm run build') ||
  missingPath(join(root, 'node_modules/onnxruntime-web/dist/ort.wasm.min.mjs'), 'onnxruntime-web', 'npm install (a devDependency)');

testNeeds(missing, 'browser: toOnnx in the page, run by onnxruntime-web, gives gaaf\'s outputs to 1e-5', { timeout: 180_000 }, async () => {
  const server = createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>gaaf onnx</title>');
      return;
    }
    if (url === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    const mount = Object.keys(MOUNTS).find((m) => url.startsWith(m));
    const file = mount ? normalize(join(MOUNTS[mount], url.slice(mount.length))) : '';
    if (!mount || !file.startsWith(MOUNTS[mount]) || !existsSync(file)) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const b = await launchChromium();
  try {
    const { page, problems } = await openPage(b);
    await page.addInitScript({ content: 'globalThis.__name = (f) => f;' }); // tsx names the page function's inner functions with this helper
    await page.goto(base);
    const r = await page.evaluate(async () => {
      type G = typeof import('../src/index.js');
      const g = (await import('/gaaf/gaaf.js' as string)) as G;
      const ort = (await import('/ort/ort.wasm.min.mjs' as string)) as typeof import('onnxruntime-web');
      ort.env.wasm.numThreads = 1;
      ort.env.wasm.wasmPaths = '/ort/';
      await g.init();
      const rng = new g.Rng(11);
      const randn = (n: number, s = 1): Float32Array => Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * s);
      const scramble = (m: InstanceType<G['Model']>): void => {
        m.setWeights(m.getWeights().map((w) => randn(w.length, 0.8)));
        for (const l of m.layers) for (const s of l.stateTensors()) s.value.write(s.name.endsWith('variance') ? Float32Array.from({ length: s.value.length }, () => 0.5 + rng.next()) : randn(s.value.length, 0.3));
      };
      const run = async (m: InstanceType<G['Model']>, xs: Float32Array[], n: number): Promise<{ d: number; dims: number[]; bytes: number }> => {
        const bytes = m.toOnnx();
        const s = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
        const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
        m.inputShapes.forEach((sh, i) => (feeds[s.inputNames[i]] = new ort.Tensor('float32', xs[i], [n, ...sh])));
        const out = (await s.run(feeds))[s.outputNames[0]];
        const want = m.predictOutputs(xs.length === 1 ? xs[0] : xs)[0];
        const got = out.data as Float32Array;
        let d = got.length === want.length ? 0 : Infinity;
        for (let i = 0; i < got.length; i++) d = Math.max(d, Math.abs(got[i] - want[i]));
        return { d, dims: [...out.dims], bytes: bytes.length };
      };
      const cnn = new g.Sequential([
        new g.Conv2D(4, 3, { inputShape: [8, 8, 2], padding: 'same', activation: 'relu' }), new g.BatchNorm(), new g.MaxPool2D(2),
        new g.Conv2D(3, 3, { activation: 'gelu' }), new g.AveragePooling2D(2, { padding: 'same' }), new g.Flatten(), new g.Dropout(0.4), new g.Dense(5),
      ]);
      cnn.build();
      scramble(cnn);
      const a = await run(cnn, [randn(3 * 128)], 3);
      const x1 = g.input({ shape: [5] });
      const x2 = g.input({ shape: [5] });
      const d = new g.Dense(4, { activation: 'tanh' });
      const act = new g.Activation('relu', { gaaf: { K: 100 } });
      const y = new g.Dense(3).apply(new g.Concatenate().apply([act.apply(new g.Add().apply([d.apply(x1), d.apply(x2)])), new g.LayerNormalization().apply(d.apply(x1))]));
      const fm = new g.Model({ inputs: [x1, x2], outputs: y });
      fm.build();
      scramble(fm);
      const f = await run(fm, [randn(4 * 5), randn(4 * 5)], 4);
      return { cnn: a, functional: f };
    });
    console.log(`# onnxruntime-web in Chromium: cnn max |ort - gaaf| = ${r.cnn.d.toExponential(2)} (${r.cnn.bytes} bytes), functional ${r.functional.d.toExponential(2)}`);
    assert.deepEqual(r.cnn.dims, [3, 5]);
    assert.deepEqual(r.functional.dims, [4, 3]);
    assert.ok(r.cnn.d < 1e-5, `cnn ${r.cnn.d}`);
    assert.ok(r.functional.d < 1e-5, `functional ${r.functional.d}`);
    assert.deepEqual(problems, []);
  } finally {
    await b.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

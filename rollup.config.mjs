// The universal ESM bundle for browsers and bundlers: dist/bundle/gaaf.js (and a minified copy,
// dist/cjs/node.cjs: the Node entry for require(); dist/bundle/gaaf-bench.js: the kernel benchmark for pages,
// dist/bundle/gaaf.min.js, and dist/bundle/gaaf.wasm, gaaf-mt.wasm and gaaf-worker.js beside them;
// `gaaf/worker`: dist/bundle/gaaf-trainer.js and gaaf-trainer-worker.js, which import the bundle), from tsc's output dist/index.js. Node uses tsc's per-file output
// through dist/node.js (package.json's `node` condition).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import terser from '@rollup/plugin-terser';

/**
 * Rollup 4 leaves `new URL('…', import.meta.url)` alone and does not copy the file it names.
 * This plugin emits the two Wasm builds (build/gaaf.wasm, single-threaded, and
 * build/gaaf-mt.wasm, threaded on shared memory) as dist/bundle/gaaf.wasm and
 * dist/bundle/gaaf-mt.wasm and points wasm/instance.js's URLs at them, and writes the kernel worker
 * (dist/threads-worker.js's BROWSER_WORKER_SOURCE) as dist/bundle/gaaf-worker.js for
 * threads.js's URL, so the bundle loads them from beside itself, and Vite or webpack, meeting
 * the same `new URL('./…', import.meta.url)` in the bundle, copy the files into an app's build.
 */
const { BROWSER_WORKER_SOURCE } = await import('./dist/threads-worker.js');
// tsc's output used directly (dist/threads.js) finds the worker beside it too
writeFileSync(new URL('./dist/gaaf-worker.js', import.meta.url), BROWSER_WORKER_SOURCE);
const ASSETS = {
  '/dist/wasm/instance.js': [
    ["new URL('../../build/gaaf.wasm', import.meta.url)", 'gaaf.wasm', () => readFileSync(new URL('./build/gaaf.wasm', import.meta.url))],
    ["new URL('../../build/gaaf-mt.wasm', import.meta.url)", 'gaaf-mt.wasm', () => readFileSync(new URL('./build/gaaf-mt.wasm', import.meta.url))],
  ],
  '/dist/threads.js': [
    ["new URL('./gaaf-worker.js', import.meta.url)", 'gaaf-worker.js', () => BROWSER_WORKER_SOURCE],
  ],
};

function wasmAsset() {
  return {
    name: 'gaaf-wasm-asset',
    transform(code, id) {
      const key = Object.keys(ASSETS).find((k) => id.endsWith(k));
      if (!key) return null;
      for (const [from, fileName, source] of ASSETS[key]) {
        if (!code.includes(from)) this.error(`gaaf-wasm-asset: ${id} no longer contains ${from}; update rollup.config.mjs`);
        this.emitFile({ type: 'asset', fileName, source: source() });
        code = code.replace(from, `new URL('./${fileName}', import.meta.url)`);
      }
      return { code, map: null };
    },
  };
}

const onwarn = (warning) => {
  // Any warning (an unresolved import, a circular dependency) fails the build.
  throw new Error(`rollup: ${warning.code}: ${warning.message}`);
};

/** Resolves the bench module's one package import, tinybench, to its ESM file, so it is bundled in. */
function tinybenchBundled() {
  return {
    name: 'gaaf-tinybench',
    resolveId(id) {
      return id === 'tinybench' ? fileURLToPath(new URL('./node_modules/tinybench/dist/index.js', import.meta.url)) : null;
    },
  };
}

/** Resolves the library's one runtime package import, pbf (the ONNX export's protobuf writer), to its ESM file, so it is bundled in. */
function pbfBundled() {
  return {
    name: 'gaaf-pbf',
    resolveId(id) {
      return id === 'pbf' ? fileURLToPath(new URL('./node_modules/pbf/index.js', import.meta.url)) : null;
    },
  };
}

/**
 * `gaaf/worker` beside the bundle: dist/bundle/gaaf-trainer.js (createTrainer, the page's side)
 * and dist/bundle/gaaf-trainer-worker.js (the module worker it starts). Both import the bundle,
 * ./gaaf.js, rather than carry their own copy of gaaf (a page that imports both names gets one
 * instance); the worker module imports ./gaaf-trainer.js for serveTrainer. trainer.js's
 * `new Worker(new URL('./entry.js', import.meta.url), ...)` is pointed at the worker module, so
 * Vite and webpack, meeting the same pattern in the bundle, bundle the worker into an app.
 */
function trainerBundle(map) {
  return {
    name: 'gaaf-trainer',
    resolveId(source, importer) {
      const to = importer && importer.includes('/dist/worker/') ? map[source] : undefined;
      return to ? { id: `gaaf-bundle:${to}`, external: true } : null;
    },
    transform(code, id) {
      if (!id.endsWith('/dist/worker/trainer.js')) return null;
      const from = "new URL('./entry.js', import.meta.url)";
      if (!code.includes(from)) this.error(`gaaf-trainer: ${id} no longer contains ${from}; update rollup.config.mjs`);
      return { code: code.replace(from, "new URL('./gaaf-trainer-worker.js', import.meta.url)"), map: null };
    },
  };
}
const bundlePaths = (id) => (id.startsWith('gaaf-bundle:') ? id.slice('gaaf-bundle:'.length) : id);

export default [
  {
    input: 'dist/index.js',
    plugins: [wasmAsset(), pbfBundled()],
    output: [
      { file: 'dist/bundle/gaaf.js', format: 'es', sourcemap: true },
      { file: 'dist/bundle/gaaf.min.js', format: 'es', sourcemap: true, plugins: [terser({ module: true, ecma: 2022 })] },
    ],
    onwarn,
  },
  // `require('gaaf')` on a Node that cannot require ES modules (before 20.19, or with
  // --no-experimental-require-module; package.json's `require` condition, after `module-sync`,
  // which gives newer Nodes the ES module itself, so import and require share one instance):
  // the Node entry as one CommonJS file. Its packages and node: imports stay external, and its
  // Wasm URLs stay as tsc wrote them (../../build/ from dist/cjs/ is the package's build/).
  {
    input: 'dist/node.js',
    plugins: [pbfBundled()], // pbf is an ES module only: inside, so require() works on every Node
    external: (id) => id !== 'pbf' && !id.startsWith('.') && !id.startsWith('/'),
    output: { file: 'dist/cjs/node.cjs', format: 'cjs', exports: 'named', inlineDynamicImports: true },
    onwarn,
  },
  // `gaaf/bench` for pages without a bundler or an import map (the demo's bench page):
  // the kernel suites and the ceiling, with tinybench inside, beside the same Wasm files.
  {
    input: 'dist/bench/index.js',
    plugins: [wasmAsset(), tinybenchBundled(), pbfBundled()],
    output: { file: 'dist/bundle/gaaf-bench.js', format: 'es', sourcemap: true },
    onwarn,
  },
  {
    input: 'dist/worker/index.js',
    plugins: [trainerBundle({ '../index.js': './gaaf.js' })],
    output: { file: 'dist/bundle/gaaf-trainer.js', format: 'es', sourcemap: true, paths: bundlePaths },
    onwarn,
  },
  {
    input: 'dist/worker/entry.js',
    plugins: [trainerBundle({ './index.js': './gaaf-trainer.js' })],
    output: { file: 'dist/bundle/gaaf-trainer-worker.js', format: 'es', sourcemap: true, paths: bundlePaths },
    onwarn,
  },
];

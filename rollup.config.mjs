// The universal ESM bundle for browsers and bundlers: dist/bundle/gaaf.js (and a minified copy,
// dist/bundle/gaaf.min.js, and dist/bundle/gaaf.wasm beside them), from tsc's output dist/index.js. Node uses tsc's per-file output
// through dist/node.js (package.json's `node` condition).
import { readFileSync } from 'node:fs';
import terser from '@rollup/plugin-terser';

/**
 * Rollup 4 leaves `new URL('…', import.meta.url)` alone and does not copy the file it names.
 * This plugin emits build/gaaf.wasm as dist/bundle/gaaf.wasm and points binding.js's URL at it, so
 * the bundle loads its Wasm from beside itself, and Vite or webpack, meeting the same
 * `new URL('./gaaf.wasm', import.meta.url)` in the bundle, copy the file into an app's build.
 */
function wasmAsset() {
  const from = "new URL('../build/gaaf.wasm', import.meta.url)";
  return {
    name: 'gaaf-wasm-asset',
    transform(code, id) {
      if (!id.endsWith('/dist/binding.js')) return null;
      if (!code.includes(from)) this.error(`gaaf-wasm-asset: ${id} no longer contains ${from}; update rollup.config.mjs`);
      this.emitFile({ type: 'asset', fileName: 'gaaf.wasm', source: readFileSync(new URL('./build/gaaf.wasm', import.meta.url)) });
      return { code: code.replace(from, "new URL('./gaaf.wasm', import.meta.url)"), map: null };
    },
  };
}

export default {
  input: 'dist/index.js',
  plugins: [wasmAsset()],
  output: [
    { file: 'dist/bundle/gaaf.js', format: 'es', sourcemap: true },
    { file: 'dist/bundle/gaaf.min.js', format: 'es', sourcemap: true, plugins: [terser({ module: true, ecma: 2022 })] },
  ],
  onwarn(warning, warn) {
    // Any warning (an unresolved import, a circular dependency) fails the build.
    throw new Error(`rollup: ${warning.code}: ${warning.message}`);
  },
};

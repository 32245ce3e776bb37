// vega and vega-lite are optional peer dependencies of `gaaf reproduce`'s charts: loadVega tells
// "not installed" (null) from a broken install (thrown), and renders with them when present.
// The run without them (results.json and REPORT.md, one line on how to get the charts) is
// checked on the installed tarball by test/package.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHARTS_HINT, loadVega, renderSvg } from '../src/reproduce/render-svg.js';

const notFound = (pkg: string, from: string): Error =>
  Object.assign(new Error(`Cannot find package '${pkg}' imported from ${from}`), { code: 'ERR_MODULE_NOT_FOUND' });

test('loadVega: null when vega or vega-lite is not installed, the error when either is broken', async () => {
  const loaded: string[] = [];
  const missing = (gone: string) => async (name: string): Promise<unknown> => {
    loaded.push(name);
    if (name === gone) throw notFound(name, '/app/node_modules/gaaf/dist/reproduce/render-svg.js');
    return {};
  };
  assert.equal(await loadVega(missing('vega')), null);
  assert.equal(await loadVega(missing('vega-lite')), null);
  assert.deepEqual(loaded, ['vega', 'vega', 'vega-lite']);
  // vega is there but one of its own dependencies is not: that is a broken install, not "optional"
  const broken = async (name: string): Promise<unknown> => {
    if (name === 'vega') throw notFound('vega-util', '/app/node_modules/vega/build/vega.module.js');
    return {};
  };
  await assert.rejects(loadVega(broken), /Cannot find package 'vega-util'/);
  await assert.rejects(loadVega(async () => { throw new SyntaxError('Unexpected token'); }), SyntaxError);
  assert.match(CHARTS_HINT, /^SVG charts skipped: .*npm install vega@6 vega-lite@6/);
  assert.doesNotMatch(CHARTS_HINT, /\n/);
});

test('renderSvg: renders with the installed vega (a devDependency here)', async () => {
  const lib = await loadVega();
  assert.ok(lib, 'vega and vega-lite are devDependencies and must load in the repository');
  const svg = await renderSvg({ data: { values: [{ a: 1, b: 2 }, { a: 2, b: 3 }] }, mark: 'line', encoding: { x: { field: 'a', type: 'quantitative' }, y: { field: 'b', type: 'quantitative' } } }, lib);
  assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.ok(svg.includes('<path'));
});

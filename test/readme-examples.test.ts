// The README's examples are tests: every fenced ts/js block of README.md runs as written
// (scripts/readme-examples.ts finds them and their marks): Node blocks in a scratch project
// where `gaaf` is this package installed, browser blocks (`<!-- example: browser -->`) as a
// module in a page in Chromium, served as the demo is (COOP/COEP, the strict CSP) with the
// README's import map (gaaf → /node_modules/gaaf/dist/bundle/gaaf.js, gaaf/worker → gaaf-trainer.js beside it). Each block is one test
// named by its line, so a block that stops working fails naming README.md:LINE. New blocks are
// picked up by reading the README when this file loads.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { type Example, exampleName, exampleSource, extractExamples, runExample, scratchProject } from '../scripts/readme-examples.js';
import { type DemoServer, startDemoServer } from '../scripts/serve-demo.js';
import { type Browser, WAIT_MS, launchChromium, missingChromium, openPage } from './browser.js';
import { missingPath, testNeeds } from './requirements.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const examples = extractExamples(readFileSync(join(root, 'README.md'), 'utf8'));
/** Seconds one block may take (the longest, the conv example, trains 2 epochs of Fashion-MNIST). */
const TIMEOUT_S = 240;

/** What a block needs from the machine: the data sets it names by path. */
function missingFor(e: Example): false | string {
  const fashion = '/usr/share/datasets/fashion-mnist';
  if (e.code.includes(fashion)) return missingPath(fashion, "Debian's Fashion-MNIST", 'apt-get install -y dataset-fashion-mnist; .ci/run does this');
  return e.browser ? missingChromium : false;
}

test('the README has examples, and the extractor reads marks, preludes and lines as documented', () => {
  assert.ok(examples.length >= 7 && examples.some((e) => e.browser) && examples.some((e) => !e.browser), `${examples.length} examples found`);
  const md = [
    '# A', '```ts', 'one();', '```', '## B', '<!-- example prelude', 'const x = 1;', '-->', '', '```js', 'two(x);', '```',
    '<!-- example: browser -->', '```javascript', 'three();', '```', '```sh', 'not code', '```',
  ].join('\n');
  const got = extractExamples(md).map((e) => ({ line: e.line, lang: e.lang, heading: e.heading, prelude: e.prelude, browser: e.browser, code: e.code }));
  assert.deepEqual(got, [
    { line: 2, lang: 'ts', heading: 'A', prelude: '', browser: false, code: 'one();' },
    { line: 10, lang: 'js', heading: 'B', prelude: 'const x = 1;', browser: false, code: 'two(x);' },
    { line: 14, lang: 'js', heading: 'B', prelude: '', browser: true, code: 'three();' },
  ]);
  assert.throws(() => extractExamples('<!-- example: browsr -->\n```js\nx\n```'), /README\.md:1: unknown word 'browsr' in an example mark/);
  assert.throws(() => extractExamples('<!-- example: browser -->\n\ntext\n```js\nx\n```'), /README\.md:1: an example mark that is not directly above/);
  assert.throws(() => extractExamples('```ts\nx\n'), /README\.md:1: the code block is never closed/);
});

let project = '';
after(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

test('a failing block is reported with its README line and its error', () => {
  project ||= scratchProject(root);
  const r = runExample({ line: 999, lang: 'ts', heading: 'x', code: "import { ops } from 'gaaf';\nops.matmul(new Float32Array(1), new Float32Array(1), 2, 2, 2);", prelude: '', browser: false }, project, 60);
  assert.equal(r.ok, false);
  assert.match(r.detail, /Error/, r.output);
});

for (const e of examples.filter((x) => !x.browser)) {
  testNeeds(missingFor(e), `${exampleName(e)} runs in Node as written`, { timeout: (TIMEOUT_S + 10) * 1000 }, () => {
    project ||= scratchProject(root);
    const r = runExample(e, project, TIMEOUT_S);
    assert.ok(r.ok, `${exampleName(e)} failed: ${r.detail}\n--- its output:\n${r.output.slice(-4000)}`);
    console.log(`# ${exampleName(e)}: ok in ${r.seconds.toFixed(1)} s`);
  });
}

// ---- browser blocks: one page per block, the block as a module file (the CSP admits no inline
// script but the import map, by its hash), started by a harness that records how it ended.
const IMPORT_MAP = JSON.stringify({ imports: { gaaf: '/node_modules/gaaf/dist/bundle/gaaf.js', 'gaaf/worker': '/node_modules/gaaf/dist/bundle/gaaf-trainer.js' } });
const browserExamples = examples.filter((x) => x.browser);
let pages = '';
let browser: Browser | undefined;
let server: DemoServer | undefined;
async function pageServer(): Promise<{ browser: Browser; server: DemoServer }> {
  if (!browser || !server) {
    pages = mkdtempSync(join(tmpdir(), 'gaaf-readme-pages-'));
    [browser, server] = await Promise.all([launchChromium(), startDemoServer({
      mounts: [['/readme/', pages], ['/node_modules/gaaf/dist/', join(root, 'dist')]],
      scriptHashes: [`sha256-${createHash('sha256').update(IMPORT_MAP).digest('base64')}`],
    })]);
  }
  return { browser, server };
}
after(async () => {
  await browser?.close();
  await server?.close();
  if (pages) rmSync(pages, { recursive: true, force: true });
});

function writePage(e: Example): string {
  const src = exampleSource(e);
  const js = e.lang === 'ts' ? ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText : src;
  writeFileSync(join(pages, `example-${e.line}.js`), js);
  writeFileSync(join(pages, `harness-${e.line}.js`), `const r = (window.__example = { done: false });
import('./example-${e.line}.js').then(() => Object.assign(r, { done: true, ok: true }),
  (err) => Object.assign(r, { done: true, ok: false, error: String((err && err.stack) || err) }));
`);
  writeFileSync(join(pages, `example-${e.line}.html`), `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>README.md:${e.line}</title><link rel="icon" href="/favicon.svg">
<script type="importmap">${IMPORT_MAP}</script>
<script type="module" src="./harness-${e.line}.js"></script></head><body></body></html>
`);
  return `readme/example-${e.line}.html`;
}

for (const e of browserExamples) {
  testNeeds(missingFor(e), `${exampleName(e)} runs in Chromium as written`, { timeout: (TIMEOUT_S + 30) * 1000 }, async () => {
    const { browser: b, server: s } = await pageServer();
    assert.ok(existsSync(join(root, 'dist/bundle/gaaf.js')), 'dist/bundle/gaaf.js is missing: run npm run build');
    const { page, problems } = await openPage(b);
    const logs: string[] = [];
    page.on('console', (m) => logs.push(m.text()));
    const t0 = performance.now();
    try {
      await page.goto(new URL(writePage(e), s.url).href, { timeout: WAIT_MS });
      await page.waitForFunction(() => (window as unknown as { __example: { done: boolean } }).__example?.done, null, { timeout: TIMEOUT_S * 1000, polling: 250 });
      const r = await page.evaluate(() => (window as unknown as { __example: { ok: boolean; error?: string } }).__example);
      const out = `\n--- its console:\n${logs.join('\n').slice(-4000)}`;
      assert.ok(r.ok, `${exampleName(e)} failed in Chromium: ${r.error}${out}`);
      assert.deepEqual(problems, [], `${exampleName(e)}: the page reported problems${out}`);
      assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), [], `${exampleName(e)}: CSP violations`);
    } finally {
      await page.close();
    }
    console.log(`# ${exampleName(e)}: ok in Chromium in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  });
}

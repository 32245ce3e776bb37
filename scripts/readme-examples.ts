// The README's code examples, extracted and run as written: every fenced ```ts and ```js block
// (also ```typescript, ```javascript, ```mjs), each as its own ES module. `npm test` runs them
// all (test/readme-examples.test.ts): Node blocks in a scratch project where `gaaf` is this
// checkout as an installed package would be (node_modules/gaaf, resolved through package.json's
// exports), browser blocks as a module in a page in Chromium.
//
// Marks, in an HTML comment right above a block (blank lines between are allowed), which a
// reader of the rendered README does not see:
//
//   <!-- example: browser -->          the block runs in a page (import map: gaaf → the bundle)
//   <!-- example prelude               setup the reader does not need to see, run before the block
//   const a = new Float32Array(6);
//   -->
//   <!-- example: browser prelude      both
//   ...
//   -->
//
// A comment that starts `<!-- example` with any other word is an error naming its line, so a
// typo cannot quietly turn a mark off. Without a mark a block runs in Node.
//
//   node --import tsx scripts/readme-examples.ts [--only LINE] [--timeout SECONDS]
// runs the Node blocks here and prints one line per block; the test runs the browser ones too.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Example {
  /** 1-based line of the opening fence. */
  line: number;
  lang: 'ts' | 'js';
  heading: string;
  code: string;
  prelude: string;
  browser: boolean;
}

const LANGS: Record<string, 'ts' | 'js'> = { ts: 'ts', typescript: 'ts', js: 'js', javascript: 'js', mjs: 'js' };
const MARK_WORDS = new Set(['browser', 'node', 'prelude']);

/** Where an example is, for every message about it: `README.md:LINE (heading, lang)`. */
export const exampleName = (e: Example, file = 'README.md'): string => `${file}:${e.line} (${e.heading || 'top'}, ${e.lang}${e.browser ? ', browser' : ''})`;

/** Every ts/js block of `markdown`, with the nearest heading above it and its marks. */
export function extractExamples(markdown: string, file = 'README.md'): Example[] {
  const lines = markdown.split('\n');
  const out: Example[] = [];
  let heading = '';
  const marks = new Set<number>(); // lines of the marks not yet used by a block
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^#{1,6} /.test(l)) heading = l.replace(/^#+ /, '');
    if (/^<!--\s*example\b/.test(l.trim())) {
      checkMark(l.trim(), `${file}:${i + 1}`);
      marks.add(i);
    }
    const open = /^```(\w*)\s*$/.exec(l);
    if (!open) continue;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    if (end === lines.length) throw new Error(`${file}:${i + 1}: the code block is never closed`);
    const lang = LANGS[open[1]!];
    if (lang) {
      const { prelude, browser, mark } = markAbove(lines, i, file);
      marks.delete(mark);
      out.push({ line: i + 1, lang, heading, code: lines.slice(i + 1, end).join('\n'), prelude, browser });
    }
    i = end;
  }
  for (const m of marks) throw new Error(`${file}:${m + 1}: an example mark that is not directly above a ts or js code block`);
  return out;
}

/** The words of a mark's first line; an unknown one is an error. */
function checkMark(first: string, where: string): Set<string> {
  const words = first.replace(/^<!--\s*example:?/, '').replace(/-->$/, '').trim().split(/[\s,]+/).filter(Boolean);
  for (const w of words) {
    if (!MARK_WORDS.has(w)) throw new Error(`${where}: unknown word '${w}' in an example mark (known: ${[...MARK_WORDS].join(', ')})`);
  }
  if (words.includes('browser') && words.includes('node')) throw new Error(`${where}: an example runs in Node or in a browser, not both`);
  return new Set(words);
}

/** The mark in the HTML comment directly above the fence at `fence`, if any. */
function markAbove(lines: string[], fence: number, file: string): { prelude: string; browser: boolean; mark: number } {
  const none = { prelude: '', browser: false, mark: -1 };
  let j = fence - 1;
  while (j >= 0 && lines[j]!.trim() === '') j--;
  if (j < 0 || !lines[j]!.trim().endsWith('-->')) return none;
  let k = j;
  while (k >= 0 && !lines[k]!.trim().startsWith('<!--')) k--;
  if (k < 0 || !/^<!--\s*example\b/.test(lines[k]!.trim())) return none;
  const words = checkMark(lines[k]!.trim(), `${file}:${k + 1}`);
  if (words.has('prelude') && k === j) throw new Error(`${file}:${k + 1}: a prelude mark holds its code on the lines below it, up to a closing -->`);
  return { prelude: words.has('prelude') ? lines.slice(k + 1, j).join('\n') : '', browser: words.has('browser'), mark: k };
}

/** The module an example runs as: its prelude, then the block as written. */
export const exampleSource = (e: Example): string => `${e.prelude}\n${e.code}\n`;

export interface ExampleRun { example: Example; ok: boolean; detail: string; output: string; seconds: number }

/** Runs one Node example as an ES module in `project` (which has node_modules/gaaf). */
export function runExample(e: Example, project: string, timeoutS: number): ExampleRun {
  const file = join(project, `example-${e.line}.${e.lang === 'ts' ? 'mts' : 'mjs'}`);
  writeFileSync(file, exampleSource(e));
  const t0 = performance.now();
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), file], { cwd: project, env, encoding: 'utf8', timeout: timeoutS * 1000 });
  const seconds = (performance.now() - t0) / 1000;
  const output = `${r.stdout}${r.stderr}`;
  if (r.status === 0) return { example: e, ok: true, detail: 'ok', output, seconds };
  const why = r.signal ? `killed by ${r.signal} after ${timeoutS} s` : (r.stderr.split('\n').find((x) => /Error|error/.test(x)) ?? r.stderr.split('\n')[0] ?? '').trim();
  return { example: e, ok: false, detail: why, output, seconds };
}

/** A scratch project whose node_modules/gaaf is the checkout at `root`. */
export function scratchProject(root: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gaaf-readme-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'readme-examples', private: true, type: 'module' }));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules/gaaf'), 'dir');
  return dir;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const only = arg('--only');
  const timeoutS = Number(arg('--timeout') ?? 120);
  const examples = extractExamples(readFileSync(join(root, 'README.md'), 'utf8')).filter((e) => !only || e.line === Number(only));
  const project = scratchProject(root);
  let failed = 0;
  try {
    for (const e of examples) {
      if (e.browser) {
        console.log(`browser  ${exampleName(e)}: run by node --import tsx --test test/readme-examples.test.ts`);
        continue;
      }
      const r = runExample(e, project, timeoutS);
      if (!r.ok) failed++;
      console.log(`${r.ok ? 'ok     ' : 'FAILED '}  ${exampleName(e)}, ${r.seconds.toFixed(1)} s${r.ok ? '' : `: ${r.detail}`}`);
    }
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
  console.log(`${examples.length} examples, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

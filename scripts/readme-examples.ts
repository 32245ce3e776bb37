// The README's code examples, extracted and run as written: every fenced ```ts and ```js block,
// each as its own ES module in a scratch project where `gaaf` is this checkout (as an installed
// package would be: node_modules/gaaf, resolved through package.json's exports), in Node.
// A block may be given setup that the reader does not need to see, in an HTML comment right
// above it:
//
//   <!-- example prelude
//   const a = new Float32Array(6), b = new Float32Array(6);
//   -->
//
// and `<!-- example: browser -->` marks a block that runs in a page, not in Node (listed, not
// run here yet). Prints one line per block: ok, or the first line of its error.
//
//   node --import tsx scripts/readme-examples.ts [--only LINE] [--timeout SECONDS]
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

/** Every ```ts and ```js block of `markdown`, with the nearest heading above it and its marks. */
export function extractExamples(markdown: string): Example[] {
  const lines = markdown.split('\n');
  const out: Example[] = [];
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^#{1,6} /.test(l)) heading = l.replace(/^#+ /, '');
    const open = /^```(\w*)\s*$/.exec(l);
    if (!open) continue;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    const lang = open[1];
    if (lang === 'ts' || lang === 'js') {
      // marks: the HTML comments directly above the fence (blank lines between are allowed)
      let prelude = '';
      let browser = false;
      let j = i - 1;
      while (j >= 0 && lines[j]!.trim() === '') j--;
      if (j >= 0 && lines[j]!.trim() === '-->') {
        let k = j;
        while (k >= 0 && !lines[k]!.startsWith('<!--')) k--;
        const head = lines[k] ?? '';
        if (/^<!-- example prelude\s*$/.test(head)) prelude = lines.slice(k + 1, j).join('\n');
      } else if (j >= 0 && /^<!-- example: browser -->$/.test(lines[j]!.trim())) {
        browser = true;
      }
      out.push({ line: i + 1, lang, heading, code: lines.slice(i + 1, end).join('\n'), prelude, browser });
    }
    i = end;
  }
  return out;
}

export interface ExampleRun { example: Example; ok: boolean; detail: string; seconds: number }

/** Runs one Node example as an ES module in `project` (which has node_modules/gaaf). */
export function runExample(e: Example, project: string, timeoutS: number): ExampleRun {
  const file = join(project, `example-${e.line}.${e.lang === 'ts' ? 'mts' : 'mjs'}`);
  writeFileSync(file, `${e.prelude}\n${e.code}\n`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), file], { cwd: project, encoding: 'utf8', timeout: timeoutS * 1000 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status === 0) return { example: e, ok: true, detail: 'ok', seconds };
  const why = r.signal ? `killed by ${r.signal} after ${timeoutS} s` : (r.stderr.split('\n').find((x) => /Error|error/.test(x)) ?? r.stderr.split('\n')[0] ?? '').trim();
  return { example: e, ok: false, detail: why, seconds };
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
      const where = `README.md:${e.line} (${e.heading}, ${e.lang})`;
      if (e.browser) {
        console.log(`browser  ${where}: not run in Node`);
        continue;
      }
      const r = runExample(e, project, timeoutS);
      if (!r.ok) failed++;
      console.log(`${r.ok ? 'ok     ' : 'FAILED '}  ${where}, ${r.seconds.toFixed(1)} s${r.ok ? '' : `: ${r.detail}`}`);
    }
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
  console.log(`${examples.length} examples, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

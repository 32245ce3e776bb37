// The import scanner the structure tests share: test/bundle.test.ts (the universal entry
// reaches no node: module and no package) and test/layering.test.ts (imports point down the
// layers; files stay small). It reads sources as text with the comments taken out, so it
// needs no compiler, and reports every import with the names it brings in, so a rule about
// who may import what (a module, or one name from it) is a filter over its output.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface ImportRef {
  /** The specifier as written: './model.js', 'node:fs', 'tinybench'. */
  spec: string;
  /** For a relative specifier, the absolute path of the .ts source it names; else null. */
  file: string | null;
  /** The names imported or re-exported ('default', '*' for a namespace or `export *`); empty for a side-effect or dynamic import. */
  names: string[];
  /** `import type` / `export type` (the names are types only and vanish at run time). */
  typeOnly: boolean;
  kind: 'import' | 'export' | 'side-effect' | 'dynamic';
}

/** The source with block comments and whole-line comments removed. */
export function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

/** The names of an import or export clause: `type A, { b as c, type D }`, `* as ns`, `{ x }`. */
function clauseNames(clause: string): string[] {
  const names: string[] = [];
  const braces = /\{([^}]*)\}/.exec(clause);
  const outside = clause.replace(/\{[^}]*\}/, '').replace(/^\s*type\s+/, '');
  if (/\*/.test(outside)) names.push('*');
  const def = outside.replace(/\*\s*(as\s+\w+)?/, '').replace(/,/g, ' ').trim();
  if (def) names.push('default');
  if (braces) {
    for (const part of braces[1].split(',')) {
      const name = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0].trim();
      if (name) names.push(name);
    }
  }
  return names;
}

/** Every import and re-export of `src` (a file's text), resolving relative ones against `file`. */
export function importsOf(src: string, file: string): ImportRef[] {
  const text = stripComments(src);
  const local = (spec: string): string | null => (spec.startsWith('.') ? resolve(dirname(file), spec.replace(/\.js$/, '.ts')) : null);
  const out: ImportRef[] = [];
  for (const m of text.matchAll(/(?:^|[^\w.])(import|export)\s+([^'";]*?)\s*from\s*['"]([^'"]+)['"]/gm)) {
    const clause = m[2];
    out.push({ spec: m[3], file: local(m[3]), names: clauseNames(clause), typeOnly: /^type\s/.test(clause), kind: m[1] as 'import' | 'export' });
  }
  for (const m of text.matchAll(/^import\s+['"]([^'"]+)['"]/gm)) out.push({ spec: m[1], file: local(m[1]), names: [], typeOnly: false, kind: 'side-effect' });
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push({ spec: m[1], file: local(m[1]), names: [], typeOnly: false, kind: 'dynamic' });
  return out;
}

/** The imports of one file on disk. */
export function importsOfFile(file: string): ImportRef[] {
  return importsOf(readFileSync(file, 'utf8'), file);
}

/**
 * Every module reachable from `entry` through relative imports, each with its non-relative
 * specifiers (packages, node: built-ins).
 */
export function moduleGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const todo = [entry];
  while (todo.length) {
    const file = todo.pop()!;
    if (graph.has(file)) continue;
    const refs = importsOfFile(file);
    graph.set(file, refs.filter((r) => !r.file).map((r) => r.spec));
    for (const r of refs) if (r.file) todo.push(r.file);
  }
  return graph;
}

/** Every .ts file under `dir`, as paths relative to `root` with forward slashes, sorted. */
export function sourceFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(relative(root, p).split('\\').join('/'));
    }
  };
  walk(join(root, dir));
  return out.sort();
}

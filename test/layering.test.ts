// The architecture, enforced: every src/ module belongs to one layer, and imports only point
// down (or stay within a layer); the layers below checkpoints import no package and nothing
// of Node (they know no files); and no src/ file is over the line limit. The table below is
// the map a newcomer reads (README "Layout").
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type ImportRef, importsOfFile, sourceFiles } from './module-graph.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Bottom to top. A path ending in '/' is a folder; the longest matching entry wins, so one
 * file can sit in another layer than its folder (src/data/dataset.ts).
 */
const LAYERS: ReadonlyArray<{ name: string; paths: readonly string[]; why: string }> = [
  { name: 'binding', paths: ['src/binding.ts', 'src/wasm/', 'src/threads.ts', 'src/threads-worker.ts', 'src/threads-layout.ts'], why: 'the Wasm instance, memory, allocator and every address; the kernel table' },
  {
    name: 'layers', paths: ['src/layers/', 'src/gaaf.ts', 'src/init.ts', 'src/rng.ts', 'src/ops.ts'],
    why: 'layers and what they are made of: GAAF parameters, initialisers, the counter-based RNG, and ops (kernels on plain arrays)',
  },
  {
    name: 'model', paths: ['src/model.ts', 'src/graph/', 'src/training-slot.ts', 'src/head.ts', 'src/heads/', 'src/memory.ts', 'src/sha256.ts', 'src/data/dataset.ts'],
    why: "Network, its output head (targets, loss, metric), its memory estimate and weights hash; Dataset, the in-memory samples a network evaluates and trains on (the loaders above produce it, so it sits here and not with them)",
  },
  {
    name: 'training', paths: ['src/fit.ts', 'src/fit-logs.ts', 'src/fit-data.ts', 'src/train-batch.ts', 'src/training-callbacks.ts', 'src/callbacks.ts', 'src/gradient-info.ts', 'src/optimizers.ts', 'src/optimizers/'],
    why: 'the training loop, its callbacks (the gradient statistic is one), the optimizers and their learning-rate schedules',
  },
  { name: 'io', paths: ['src/io/'], why: 'reading input files (Node): regular files only, their size known and capped before reading, typed errors naming the path' },
  { name: 'checkpoints', paths: ['src/checkpoint/'], why: 'saving and loading models and training state; the checkpoint callback' },
  {
    name: 'interop', paths: ['src/interop/errors.ts', 'src/interop/torch/', 'src/interop/onnx/'],
    why: "other frameworks' files: PyTorch / Hugging Face safetensors weights in (names, layouts, dtypes), ONNX out (operators, layouts, protobuf)",
  },
  {
    name: 'api', paths: ['src/sequential.ts', 'src/paper-models.ts', 'src/resnet.ts', 'src/interop/tfjs/'],
    why: 'the user-facing model classes and the paper builders that make them; the TF.js Layers format in and out (it makes those classes, and Model.saveTfjs writes it)',
  },
  { name: 'data', paths: ['src/data/'], why: 'the file and asset loaders (IDX, CIFAR, the bundled digits)' },
  {
    name: 'app', paths: ['src/cli.ts', 'src/cli/', 'src/reproduce/', 'src/bench/', 'src/machine.ts', 'src/index.ts', 'src/node.ts', 'src/worker/'],
    why: 'the command line, the paper reproductions, the benchmarks, training in a Web Worker (gaaf/worker) and the package entries',
  },
];

/** Layers whose modules may import no package and nothing of Node. */
const NO_OUTSIDE_IMPORTS = ['layers', 'model', 'training'];

const LINE_LIMIT = 400;
/** Files over the limit that another change splits; the test fails once one is no longer over, so the list only shrinks. */
const OVER_LIMIT_FOR_NOW: Readonly<Record<string, string>> = {
};

/** The layer index of a src/-relative path, or -1 if no entry covers it. */
function layerOf(path: string): number {
  let best = -1;
  let bestLen = -1;
  LAYERS.forEach((l, i) => {
    for (const p of l.paths) {
      const hit = p.endsWith('/') ? path.startsWith(p) : path === p;
      if (hit && p.length > bestLen) {
        best = i;
        bestLen = p.length;
      }
    }
  });
  return best;
}

/** Every import that points to a higher layer, as "importer → imported (its layer > the importer's)". */
function upwardImports(graph: ReadonlyMap<string, readonly ImportRef[]>): string[] {
  const out: string[] = [];
  for (const [file, refs] of graph) {
    const from = layerOf(file);
    for (const r of refs) {
      if (!r.file) continue;
      const target = r.file.slice(root.length).split('\\').join('/');
      const to = layerOf(target);
      if (to > from) out.push(`${file} (${LAYERS[from]?.name}) imports ${target} (${LAYERS[to].name})${r.typeOnly ? ' [type only]' : ''}`);
    }
  }
  return out;
}

const files = sourceFiles(root, 'src');
const graph = new Map(files.map((f) => [f, importsOfFile(join(root, f))]));

test('every src/ module is assigned to a layer', () => {
  assert.ok(files.length > 50, `only ${files.length} files found: the scan is broken`);
  assert.deepEqual(files.filter((f) => layerOf(f) < 0), [], 'add these to LAYERS in test/layering.test.ts');
  for (const l of LAYERS) assert.ok(files.some((f) => LAYERS[layerOf(f)] === l), `layer '${l.name}' has no module: a stale entry?`);
});

test('imports point down the layers: binding < layers < model < training < checkpoints < interop < api < data < app', () => {
  assert.deepEqual(upwardImports(graph), []);
});

test('the check sees an upward import (the model importing a checkpoint module)', () => {
  const fake = new Map(graph);
  fake.set('src/model.ts', [...graph.get('src/model.ts')!, {
    spec: './checkpoint/checkpoint.js', file: join(root, 'src/checkpoint/checkpoint.ts'), names: ['snapshot'], typeOnly: false, kind: 'import',
  }]);
  assert.deepEqual(upwardImports(fake), ['src/model.ts (model) imports src/checkpoint/checkpoint.ts (checkpoints)']);
});

test('the layers below checkpoints import no package and nothing of Node: they know no files', () => {
  const bad = [...graph].filter(([f]) => NO_OUTSIDE_IMPORTS.includes(LAYERS[layerOf(f)].name))
    .flatMap(([f, refs]) => refs.filter((r) => !r.file).map((r) => `${f}: ${r.spec}`));
  assert.deepEqual(bad, []);
});

test(`no src/ file is over ${LINE_LIMIT} lines`, () => {
  const lines = (f: string): number => readFileSync(join(root, f), 'utf8').split('\n').length - 1;
  const over = files.filter((f) => lines(f) > LINE_LIMIT && !(f in OVER_LIMIT_FOR_NOW)).map((f) => `${f}: ${lines(f)} lines`);
  assert.deepEqual(over, [], `split these by what they hold (at most ${LINE_LIMIT} lines)`);
  const stale = Object.keys(OVER_LIMIT_FOR_NOW).filter((f) => !files.includes(f) || lines(f) <= LINE_LIMIT);
  assert.deepEqual(stale, [], 'these are within the limit now: remove them from OVER_LIMIT_FOR_NOW');
});

// Only the binding modules in src/wasm/ may see an address: Buf's accessor (addrOf), the views on
// the whole memory and the raw instance (whose exports take addresses). Everything else, in src/,
// bench/, scripts/ and test/, uses Bufs.
test('only src/wasm/ sees an address: no other module imports the address accessor, the memory views or the instance', () => {
  const exposing = new Set(['src/wasm/memory.ts', 'src/wasm/instance.ts'].map((f) => join(root, f)));
  const forbidden = ['addrOf', 'views', 'instance'];
  const bad: string[] = [];
  const inside: string[] = [];
  const all = ['src', 'bench', 'scripts', 'test'].flatMap((d) => sourceFiles(root, d)).filter((f) => !f.startsWith('test/fixtures/'));
  for (const f of all) {
    for (const r of importsOfFile(join(root, f))) {
      const whole = r.file !== null && exposing.has(r.file) && (r.kind === 'dynamic' || r.names.includes('*'));
      const takes = whole ? ['*'] : r.names.filter((n) => forbidden.includes(n));
      if (!takes.length) continue;
      if (f.startsWith('src/wasm/')) inside.push(f);
      else bad.push(`${f}: imports ${takes.join(', ')} from '${r.spec}'`);
    }
  }
  assert.deepEqual(bad, [], 'modules outside src/wasm/ that reach an address');
  // the scan does see the binding modules' own imports of the accessor
  for (const f of ['src/wasm/kernel.ts', 'src/wasm/parallel.ts']) assert.ok(inside.includes(f), `the scan missed ${f}'s import of addrOf`);
});

// Explicit start (issue 12): importing gaaf (the package, src/index.ts, src/node.ts; import or
// require) compiles no Wasm and starts no worker; a Buf or a kernel before init() is an error
// that says to call it; init() loads and starts, and is harmless to call again; setThreads and
// the async entry points (fit) start gaaf by themselves. This file's first tests run before
// its own init().
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { allocF32, gemm } from '../src/binding.js';
import { init, memoryStats, ops, paperMlp, threadSupport, threads } from '../src/node.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const HOOK = './test/fixtures/count-wasm.mjs';

interface Counts { compile: number; instantiate: number; worker: number }

/** Runs `node [flags] --import HOOK -e code` in the checkout; its stdout and the hook's counts. */
function counted(code: string, flags: string[] = []): { counts: Counts; stdout: string } {
  const r = spawnSync(process.execPath, [...flags, '--import', HOOK, '-e', code],
    { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, GAAF_THREADS: '2' } });
  assert.equal(r.status, 0, `node -e ${code}: ${r.stderr}`);
  const line = r.stderr.split('\n').find((l) => l.startsWith('gaaf-counts '));
  assert.ok(line, `the counting hook printed nothing: ${r.stderr}`);
  return { counts: JSON.parse(line.slice('gaaf-counts '.length)), stdout: r.stdout.trim() };
}

const NONE: Counts = { compile: 0, instantiate: 0, worker: 0 };

test("import('gaaf'), require('gaaf') and importing the src entries compile no Wasm and start no worker", () => {
  assert.deepEqual(counted("import('gaaf')").counts, NONE, "import('gaaf')");
  assert.deepEqual(counted("require('gaaf')").counts, NONE, "require('gaaf') (the ES module, through require(esm))");
  assert.deepEqual(counted("require('gaaf')", ['--no-experimental-require-module']).counts, NONE, "require('gaaf') (the CommonJS build)");
  for (const entry of ['src/index.ts', 'src/node.ts']) {
    assert.deepEqual(counted(`import('./${entry}')`, ['--import', 'tsx']).counts, NONE, entry);
  }
  // and the hook does see them: init() compiles, instantiates and starts GAAF_THREADS − 1 = 1 worker
  assert.deepEqual(counted("import('gaaf').then((g) => g.init())").counts, { compile: 1, instantiate: 1, worker: 1 });
});

test('a Buf, a kernel or the memory before init() is an error that says to call `await init()`', () => {
  const says = /needs the WebAssembly module, which is not loaded yet: call `await init\(\)`/;
  assert.throws(() => allocF32(4, 'early'), says);
  assert.throws(() => allocF32(4, 'early'), /allocating buffer 'early'/);
  assert.throws(() => ops.matmul(new Float32Array(4), new Float32Array(4), 2, 2, 2), says);
  assert.throws(() => memoryStats(), says);
  assert.throws(() => threadSupport(), says);
  assert.throws(() => paperMlp().build(), says);
  assert.equal(threads(), 1);
});

test('init() loads the module and starts the threads; again it changes nothing, with threads it sets the count', async () => {
  const info = await init();
  assert.deepEqual(info.threadSupport, { available: true, reason: null });
  assert.ok(info.threads >= 1 && info.threads === threads());
  assert.deepEqual(await Promise.all([init(), init()]), [info, info], 'concurrent calls share the one start');
  assert.equal((await init({ threads: 1 })).threads, 1);
  assert.equal((await init()).threads, 1, 'a later init() keeps the count');
  assert.equal((await init({ threads: info.threads })).threads, info.threads);
  await assert.rejects(init({ thread: 2 } as never), /gaaf.init: unknown option 'thread' \(expected: threads, precision\)/);
  await assert.rejects(init({ threads: 0 }), /setThreads: the thread count must be an integer in \[1, 64\], got 0/);
  const A = allocF32(4), C = allocF32(4);
  A.write([1, 2, 3, 4]);
  gemm(false, false, 2, 2, 2, 1, A, 2, A, 2, 0, C, 2);
  assert.deepEqual([...C.read()], [7, 10, 15, 22]);
  A.free();
  C.free();
});

test('setThreads before init() and fit() without it start gaaf by themselves', () => {
  const { counts, stdout } = counted(`import('gaaf').then(async (g) => {
    const n = await g.setThreads(2);
    const m = new g.Sequential([new g.Dense(3)], { inputShape: [2] });
    const h = await m.fit(g.makeDataset(new Float32Array([0, 1, 1, 0]), new Int32Array([0, 1]), [2], 3, 'two'), { epochs: 1 });
    console.log(JSON.stringify({ n, steps: h.steps }));
  })`);
  assert.deepEqual(JSON.parse(stdout), { n: 2, steps: 1 });
  assert.deepEqual(counts, { compile: 1, instantiate: 1, worker: 1 });
  const fitOnly = counted(`import('gaaf').then(async (g) => {
    const m = new g.Sequential([new g.Dense(3)], { inputShape: [2] });
    await m.fit(g.makeDataset(new Float32Array([0, 1, 1, 0]), new Int32Array([0, 1]), [2], 3, 'two'), { epochs: 1 });
    console.log(g.threads());
  })`);
  assert.equal(fitOnly.stdout, '2', 'fit() started the default threads (GAAF_THREADS=2)');
});

test("require('gaaf'): the same module as import on this Node; the CommonJS build where require(esm) is off; same bits", () => {
  const work = `(g) => g.init().then(() => {
    const r = new g.Rng(5), a = Float32Array.from({ length: 96 * 80 }, () => r.next() - 0.5);
    return require('node:crypto').createHash('sha256').update(g.ops.matmul(a, a, 96, 80, 96, { transposeB: true })).digest('hex');
  })`;
  const esm = counted(`import('gaaf').then(${work}).then(console.log)`).stdout;
  assert.match(esm, /^[0-9a-f]{64}$/);
  const same = counted("const a = require('gaaf'); import('gaaf').then((b) => console.log(a.init === b.init && a.Buf === b.Buf))");
  assert.equal(same.stdout, 'true', 'require and import share one instance (package.json module-sync)');
  const cjs = counted(`const g = require('gaaf'); if (!require.resolve('gaaf').endsWith('node.cjs')) throw new Error(require.resolve('gaaf')); Promise.resolve(g).then(${work}).then(console.log)`,
    ['--no-experimental-require-module']);
  assert.equal(cjs.stdout, esm, 'the CommonJS build computes the same bits');
  assert.deepEqual(cjs.counts, { compile: 1, instantiate: 1, worker: 1 });
});

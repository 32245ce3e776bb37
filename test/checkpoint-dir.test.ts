// A checkpoint directory is shared ground: one writer at a time (a lock naming its holder,
// stale locks of dead holders taken over), a save touches only names it made itself, failed
// saves clean up after themselves and name the file, and a directory that cannot be written
// or numbered is refused before the first epoch. The disk-full and read-only cases use small
// tmpfs mounts where the test runs as root (it does in CI) and skip with a message elsewhere,
// or fail under CI=true.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { testNeeds } from './requirements.js';
import { fileURLToPath } from 'node:url';
import {
  init,
  CheckpointError, CheckpointLockedError, Sequential, checkpointDir, loadBundledDigits, loadTrainTest, paperMlp, subset,
} from '../src/node.js';

await init(); // importing gaaf loads nothing; init() loads the Wasm module and starts the threads

const root = mkdtempSync(join(tmpdir(), 'gaaf-ckdir-'));
const mounts: string[] = [];
after(() => {
  for (const m of mounts) spawnSync('umount', [m]);
  rmSync(root, { recursive: true, force: true });
});
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const small = subset(loadBundledDigits().train, { start: 0, end: 200 });
const mlp = () => paperMlp({ hidden: [8] });
let n = 0;
const fresh = (name: string): string => join(root, `${name}-${n++}`);

/** Expects `p` to reject with an error of class `E` whose message matches `re`. */
async function rejectsWith(p: Promise<unknown>, E: abstract new (...a: never[]) => Error, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof E, `expected ${E.name}, got ${String(e)}`);
    assert.match((e as Error).message, re);
    return true;
  });
}

/** Fits 1 epoch with checkpoints into `to`; returns the epochs that began (none, when refused before training). */
async function fitInto(to: string | ReturnType<typeof checkpointDir>, m = mlp()): Promise<{ began: number[]; run: Promise<unknown> }> {
  const began: number[] = [];
  const run = m.fit(small, { epochs: 1, batchSize: 50, seed: 1, checkpoint: { to, everySteps: 2 }, callbacks: { onEpochBegin: (e) => { began.push(e + 1); } } })
    .finally(() => m.dispose());
  return { began, run };
}

/** The pid of a process that has exited. */
const deadPid = (): number => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);

describe('one writer at a time', () => {
  test('a second writer is refused at once, naming the holder; the lock goes with the writer', async () => {
    const d = fresh('two');
    const a = checkpointDir(d);
    await a.open();
    assert.equal(JSON.parse(readFileSync(join(d, 'lock'), 'utf8')).pid, process.pid);
    const b = checkpointDir(d);
    await rejectsWith(b.open(), CheckpointLockedError, new RegExp(`lock: .* is being written by this process on host '${hostname()}' \\(since .*\\): one writer at a time`));
    const m = mlp().build(undefined, { seed: 1 });
    await rejectsWith(m.save(d), CheckpointLockedError, /is being written by this process/);
    const f = await fitInto(d);
    await rejectsWith(f.run, CheckpointLockedError, /is being written by this process/);
    assert.deepEqual(f.began, [], 'refused before the first epoch');
    await a.close();
    assert.ok(!existsSync(join(d, 'lock')), 'close() releases the lock');
    await m.save(d); // a plain save takes the lock for itself, and releases it
    assert.ok(!existsSync(join(d, 'lock')));
    const g = await fitInto(d);
    await g.run;
    assert.deepEqual(g.began, [1]);
    assert.ok(!existsSync(join(d, 'lock')), 'fit releases the lock when it ends');
    const failing = mlp();
    await rejectsWith(failing.fit(small, { epochs: 1, batchSize: 50, seed: 1, checkpoint: { to: d }, callbacks: { onEpochBegin: () => { throw new Error('stop'); } } }), Error, /^stop$/);
    failing.dispose();
    assert.ok(!existsSync(join(d, 'lock')), 'a fit that fails releases its lock too');
    m.dispose();
  });

  test('two gaaf train runs on one directory: the second is refused at once, the first is untouched', { timeout: 120_000 }, async () => {
    const d = fresh('cli');
    const args = ['train', '--hidden', '8', '--epochs', '2', '--json', '--checkpoint', d, '--checkpoint-every', '1'];
    const first = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const started = new Promise<void>((resolve) => first.stdout.on('data', (b: Buffer) => {
      out += b;
      if (out.includes('"type":"checkpoint"')) resolve();
    }));
    const done = new Promise<number | null>((resolve) => first.on('exit', (code) => resolve(code)));
    await started; // the first run holds the lock and is saving
    const second = spawnSync(process.execPath, [cli, ...args, '--seed', '2'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(second.status, 1);
    assert.match(second.stderr, new RegExp(`gaaf: error: ${d}/lock: ${d} is being written by process ${first.pid} on host '${hostname()}'`));
    assert.equal(second.stdout, '', 'refused before loading data or training');
    assert.equal(await done, 0, 'the first run ends normally');
    const summary = JSON.parse(out.trim().split('\n').at(-1)!);
    const l = await Sequential.load(d);
    assert.equal(await l.weightsSha256(), summary.weightsSha256, 'the directory holds the first run');
    l.dispose();
    assert.deepEqual(readdirSync(d).filter((f) => !/^ckpt-\d{12}$/.test(f)).sort(), ['latest']);
  });

  test('a stale lock (its holder is dead) is taken over, and the dead writer\'s temporaries go with it, nothing else', async () => {
    const d = fresh('stale');
    mkdirSync(d);
    const pid = deadPid();
    const token = '0123456789abcdef';
    writeFileSync(join(d, 'lock'), JSON.stringify({ pid, host: hostname(), since: '2026-01-01T00:00:00.000Z', token }));
    mkdirSync(join(d, `.tmp-ckpt-000000000004-${pid}-${token}`));
    writeFileSync(join(d, `.tmp-ckpt-000000000004-${pid}-${token}`, 'model.safetensors'), 'half');
    writeFileSync(join(d, `latest.tmp-${pid}-${token}`), 'half');
    // it died taking over an earlier stale lock: the break file holds its own lock record
    writeFileSync(join(d, 'lock.break-aaaaaaaaaaaaaaaa'), JSON.stringify({ pid, host: hostname(), since: '2026-01-01T00:00:00.000Z', token }));
    const keep = [`.tmp-ckpt-000000000004-${pid}-fedcba9876543210`, '.tmp-notes', 'latest.tmp-mine', 'notes.txt', 'lock.break-notes'];
    for (const k of keep) writeFileSync(join(d, k), 'mine');
    const m = mlp().build(undefined, { seed: 1 });
    await m.save(d);
    assert.deepEqual(readdirSync(d).sort(), ['ckpt-000000000001', 'latest', ...keep].sort());
    // a lock under our own pid recorded by a process that started earlier: a previous process with the same pid (a restarted container)
    writeFileSync(join(d, 'lock'), JSON.stringify({ pid: process.pid, host: hostname(), since: '2026-01-01T00:00:00.000Z', token, processStart: 0 }));
    await m.save(d);
    assert.ok(!existsSync(join(d, 'lock')));
    m.dispose();
  });

  test('writers racing for a stale lock: never two at once', { timeout: 120_000 }, async () => {
    // Child processes released at the same instant each try to take the lock, hold it 300 ms and release it; the
    // intervals in which they held it must not overlap. (A takeover that left DIR/lock missing for a moment let a third
    // writer in beside the second.)
    const child = `import { checkpointDir } from ${JSON.stringify(new URL('../dist/node.js', import.meta.url).href)};
      const [dir, start] = process.argv.slice(1);
      while (Date.now() < Number(start)) {}
      const h = checkpointDir(dir);
      try {
        await h.open();
        const t1 = performance.timeOrigin + performance.now();
        await new Promise((r) => setTimeout(r, 300));
        const t2 = performance.timeOrigin + performance.now();
        await h.close();
        console.log(JSON.stringify([t1, t2]));
      } catch (e) { console.log(JSON.stringify(e.name)); }`;
    for (let round = 0; round < 3; round++) {
      const d = fresh('race');
      mkdirSync(d);
      writeFileSync(join(d, 'lock'), JSON.stringify({ pid: deadPid(), host: hostname(), since: 'then', token: '0123456789abcdef' }));
      const start = String(Date.now() + 1500);
      const outs = await Promise.all(Array.from({ length: 5 }, () => new Promise<unknown>((resolve) => {
        const c = spawn(process.execPath, ['--input-type=module', '-e', child, d, start], { stdio: ['ignore', 'pipe', 'inherit'] });
        let o = '';
        c.stdout.on('data', (b: Buffer) => { o += b; });
        c.on('exit', () => resolve(JSON.parse(o)));
      })));
      const held = outs.filter((o): o is [number, number] => Array.isArray(o)).sort((a, b) => a[0] - b[0]);
      assert.ok(held.length >= 1 && outs.every((o) => Array.isArray(o) || o === 'CheckpointLockedError'), JSON.stringify(outs));
      for (let i = 1; i < held.length; i++) assert.ok(held[i][0] >= held[i - 1][1], `two writers held the lock at once: ${JSON.stringify(held)}`);
      assert.deepEqual(readdirSync(d), [], 'no lock, break file or temporary is left');
    }
  });

  test('worker threads of one process are one writer each: the second is refused', async () => {
    const d = fresh('threads');
    const { Worker } = await import('node:worker_threads');
    const url = new URL('../dist/node.js', import.meta.url).href;
    const code = `const { workerData, parentPort } = require('node:worker_threads');
      import(${JSON.stringify(url)}).then(async ({ checkpointDir }) => {
        const h = checkpointDir(workerData);
        try { await h.open(); parentPort.postMessage('held'); await new Promise((r) => parentPort.once('message', r)); await h.close(); parentPort.postMessage('released'); }
        catch (e) { parentPort.postMessage(e.name + ': ' + e.message); }
      });`;
    const run = (): { msgs: string[]; done: Promise<void>; first: Promise<string>; release: () => void } => {
      const w = new Worker(code, { eval: true, workerData: d });
      const msgs: string[] = [];
      let firstResolve: (m: string) => void;
      const first = new Promise<string>((r) => { firstResolve = r; });
      w.on('message', (m: string) => { msgs.push(m); if (msgs.length === 1) firstResolve(m); });
      return { msgs, first, done: new Promise((r) => w.on('exit', () => r())), release: () => w.postMessage('release') };
    };
    const a = run();
    assert.equal(await a.first, 'held');
    const b = run(); // while a holds the lock, however long b takes to start
    assert.match(await b.first, /^CheckpointLockedError: .*lock: .* is being written by this process on host/);
    a.release();
    await Promise.all([a.done, b.done]);
    assert.deepEqual(a.msgs, ['held', 'released']);
  });

  test('a live holder, a holder on another host, or a lock that is not gaaf\'s is never taken over', async () => {
    const d = fresh('live');
    mkdirSync(d);
    const m = mlp().build(undefined, { seed: 1 });
    const token = '0123456789abcdef';
    writeFileSync(join(d, 'lock'), JSON.stringify({ pid: 1, host: hostname(), since: 'then', token })); // pid 1 is alive
    await rejectsWith(m.save(d), CheckpointLockedError, /is being written by process 1 on host .* \(since then\): one writer at a time\. Wait for it to end or give another directory$/);
    writeFileSync(join(d, 'lock'), JSON.stringify({ pid: deadPid(), host: 'elsewhere', since: 'then', token }));
    await rejectsWith(m.save(d), CheckpointLockedError, new RegExp(`by process \\d+ on host 'elsewhere' .* gaaf cannot check a process on another host: if it is gone, remove ${d}/lock$`));
    await assert.rejects(m.save(d), (e: unknown) => e instanceof CheckpointLockedError && e.holder?.host === 'elsewhere');
    writeFileSync(join(d, 'lock'), 'my own notes');
    await rejectsWith(m.save(d), CheckpointLockedError, new RegExp(`${d}/lock: exists but is not a gaaf lock file; if no gaaf run writes to ${d}, remove it`));
    assert.equal(readFileSync(join(d, 'lock'), 'utf8'), 'my own notes');
    assert.deepEqual(readdirSync(d), ['lock'], 'nothing was written');
    m.dispose();
  });

  test('a save checks that its lock is still its own', async () => {
    const d = fresh('taken');
    const h = checkpointDir(d);
    await h.open();
    const m = mlp().build(undefined, { seed: 1 });
    writeFileSync(join(d, 'lock'), JSON.stringify({ pid: 1, host: hostname(), since: 'now', token: 'ffffffffffffffff' }));
    await rejectsWith(m.save(h), CheckpointLockedError, /lock: is now held by process 1 on host .*, not by this run: the save is refused/);
    rmSync(join(d, 'lock'));
    await rejectsWith(m.save(h), CheckpointLockedError, /lock: was removed while this run held it/);
    await h.close();
    assert.deepEqual(readdirSync(d), [], 'nothing was written, and close() removed no one else\'s lock');
    m.dispose();
  });
});

describe('a save touches only what it made', () => {
  test('gaaf train --checkpoint in a working directory keeps the user\'s files (.tmp-notes, latest.tmp-mine)', { timeout: 60_000 }, () => {
    const d = fresh('work');
    mkdirSync(join(d, '.tmp-notes'), { recursive: true });
    writeFileSync(join(d, '.tmp-notes', 'a'), 'x');
    writeFileSync(join(d, 'latest.tmp-mine'), 'y');
    const r = spawnSync(process.execPath, [cli, 'train', '--epochs', '1', '--hidden', '8', '--checkpoint', d], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(d).sort(), ['.tmp-notes', 'ckpt-000000000001', 'latest', 'latest.tmp-mine']);
    assert.equal(readFileSync(join(d, '.tmp-notes', 'a'), 'utf8'), 'x');
  });

  test('a stray ckpt-999999999999 is refused before training, naming it; nothing is written', async () => {
    const d = fresh('numbers');
    mkdirSync(join(d, 'ckpt-999999999999'), { recursive: true });
    const f = await fitInto(d);
    await rejectsWith(f.run, CheckpointError, new RegExp(`${d}/ckpt-999999999999: is numbered 999999999999, the largest a 12-digit checkpoint name can carry`));
    assert.deepEqual(f.began, []);
    assert.deepEqual(readdirSync(d), ['ckpt-999999999999']);
  });

  test('an empty path is an error, never "no checkpoint" or the bundled digits', async () => {
    assert.throws(() => checkpointDir(''), /checkpointDir: the directory must be a non-empty path, got ""/);
    await assert.rejects(mlp().fit(small, { epochs: 1, checkpoint: { to: '' } }), /checkpointDir: the directory must be a non-empty path/);
    assert.throws(() => loadTrainTest('', { image: false }), /loadDataDir: the data directory path is an empty string/);
  });
});

// --- file systems that are full or read-only -----------------------------------------------

const isRoot = process.getuid?.() === 0;
/** What the disk-full and read-only cases need: root, to mount a tmpfs (a skip on a laptop, a failure under CI=true). */
const missingTmpfs = isRoot ? false : 'root (to mount a tmpfs for the disk-full and read-only cases)';
// As root the permissions case runs the CLI as the user nobody, who must be able to read the checkout.
const nobodyReadsCli = (): boolean =>
  spawnSync(process.execPath, ['-e', 'require("fs").accessSync(process.argv[1], require("fs").constants.R_OK)', cli], { uid: 65534, gid: 65534 }).status === 0;
const missingNobody = !isRoot || nobodyReadsCli() ? false
  : `a checkout the user nobody can read (${cli} is not: a parent directory is not world-searchable, as a 0700 mktemp -d makes it; clone into a 0755 directory) for the root run of the permissions case`;

/** Mounts a tmpfs of `size` at a fresh directory (as root; a failed mount fails the test). */
function tmpfs(size: string): string {
  const dir = fresh('tmpfs');
  mkdirSync(dir);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, `mount -t tmpfs failed: ${r.stderr.trim() || r.error}`);
  mounts.unshift(dir);
  return dir;
}

/** Runs `body` on a tmpfs of `size`. */
function onTmpfs(name: string, size: string, body: (dir: string) => Promise<void>): void {
  testNeeds(missingTmpfs, name, {}, async () => {
    await body(tmpfs(size));
  });
}

describe('full and read-only file systems', () => {
  onTmpfs('disk full: the save names the file, removes its own unfinished checkpoint, and the previous one stays loadable', '160k', async (mnt) => {
    const d = join(mnt, 'ck');
    const m = paperMlp({ hidden: [32] }).build(undefined, { seed: 1 }); // weights ≈ 102 KB: one fits, two do not
    await m.save(d);
    const before = readdirSync(d).sort();
    const sha = await m.weightsSha256();
    m.setWeights(m.getWeights().map((w) => w.map((v) => v / 2)));
    await assert.rejects(m.save(d), (e: unknown) => {
      assert.ok(e instanceof CheckpointError, String(e));
      assert.match(e.message, new RegExp(`^${d}/\\.tmp-ckpt-000000000002-${process.pid}-[0-9a-f]{16}/model\\.safetensors: cannot write it \\(ENOSPC: no space left on device\\); ` +
        `the unfinished checkpoint was removed, the previous one \\(${d}/ckpt-000000000001\\) is intact$`));
      assert.equal((e as { code?: string }).code, 'ENOSPC');
      return true;
    });
    assert.deepEqual(readdirSync(d).sort(), before, 'nothing of the failed save is left');
    const l = await Sequential.load(d);
    assert.equal(await l.weightsSha256(), sha);
    l.dispose();
    m.dispose();
  });

  onTmpfs('read-only: fit and gaaf train --resume fail before the first epoch, naming the directory', '4m', async (mnt) => {
    const d = join(mnt, 'ck');
    const r0 = spawnSync(process.execPath, [cli, 'train', '--epochs', '1', '--hidden', '8', '--checkpoint', d], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r0.status, 0, r0.stderr);
    assert.equal(spawnSync('mount', ['-o', 'remount,ro', mnt]).status, 0);
    const f = await fitInto(join(mnt, 'new', 'deeper'));
    await rejectsWith(f.run, CheckpointError, new RegExp(`^${mnt}/new: cannot create the directory \\(EROFS: read-only file system\\)$`));
    const g = await fitInto(d);
    await rejectsWith(g.run, CheckpointError, new RegExp(`^${d}: cannot write checkpoints into this directory \\(EROFS: read-only file system\\)$`));
    assert.deepEqual([f.began, g.began], [[], []], 'no epoch began');
    const r = spawnSync(process.execPath, [cli, 'train', '--epochs', '2', '--resume', d], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `gaaf: error: ${d}: cannot write checkpoints into this directory (EROFS: read-only file system)\n`);
    assert.doesNotMatch(r.stdout, /epoch/);
  });

  // Root ignores permissions, so as root the case runs as the unprivileged user nobody, through the CLI.
  testNeeds(missingNobody, 'an unwritable directory (permissions) fails before the first epoch', {}, async () => {
    const d = fresh('perm');
    mkdirSync(d);
    chmodSync(d, 0o555);
    try {
      if (isRoot) {
        chmodSync(root, 0o755); // mkdtemp made it 0700: nobody must reach d inside it
        const r = spawnSync(process.execPath, [cli, 'train', '--epochs', '1', '--hidden', '8', '--checkpoint', d],
          { encoding: 'utf8', timeout: 60_000, uid: 65534, gid: 65534 });
        assert.equal(r.status, 1, r.stderr);
        assert.equal(r.stderr, `gaaf: error: ${d}: cannot write checkpoints into this directory (EACCES: permission denied)\n`);
        assert.doesNotMatch(r.stdout, /epoch/);
      } else {
        const f = await fitInto(d);
        await rejectsWith(f.run, CheckpointError, new RegExp(`^${d}: cannot write checkpoints into this directory \\(EACCES: permission denied\\)$`));
        assert.deepEqual(f.began, []);
      }
    } finally {
      chmodSync(d, 0o755);
    }
  });
});

// Checkpoints on disk in Node, written so that a crash at any moment leaves the previous
// checkpoint intact and never pairs a weights file with another checkpoint's config.
//
// Layout of a checkpoint directory DIR:
//   DIR/ckpt-000000000007/model.safetensors   weights, optimizer slots, layer state
//   DIR/ckpt-000000000007/checkpoint.json     architecture, optimizer, training state, SHA-256 of the weights
//   DIR/latest                                {"checkpoint": "ckpt-000000000007", "sha256": <of checkpoint.json>}
//   DIR/lock                                  the writer's lock, while one writes (./lock.ts)
//
// The directory is shared ground: it may be a user's working directory, and other gaaf runs
// may point at it. One process writes it at a time, holding its lock (a second writer is
// refused at once, naming the holder); any number may read it. A writer touches only names it
// made itself: its temporaries carry its pid and its lock's random token
// (DIR/.tmp-ckpt-<n>-<pid>-<token>, DIR/latest.tmp-<pid>-<token>), a failed save removes its
// own, and the leftovers of a writer killed mid-save are removed when its stale lock is taken
// over (./lock.ts). Nothing else in DIR is ever deleted except checkpoints beyond the newest
// `keep`.
//
// A save writes both files into its temporary directory (each written, fsynced and closed),
// fsyncs it, renames it to DIR/ckpt-<n> and fsyncs DIR; only then does it replace DIR/latest
// by the same write-fsync-rename-fsync dance. rename() is atomic, so `latest` always names a
// complete directory, and the hashes chain latest → config → weights: a pair that does not
// belong together is refused on load. A crash before the last rename leaves `latest` on the
// previous checkpoint.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readInputFile } from '../io/read-input.js';
import { CONFIG_FILE, type CheckpointBytes, CheckpointError, type CheckpointHandler, type LoadedBytes, WEIGHTS_FILE, parseJson, sha256Hex } from './format.js';
import { registerDirectoryHandler } from './checkpoint.js';
import { fsStep, fsyncPath, writeDurable, writeFileAtomic } from './fs.js';
import { acquireLock, checkLock, releaseLock } from './lock.js';

export { writeFileAtomic } from './fs.js';

const LATEST = 'latest';
const PREFIX = 'ckpt-';
const DIGITS = 12;
const NAME_RE = /^ckpt-(\d{12})$/;
/** The largest checkpoint number a name (and so `latest`) can carry. */
const MAX_NUMBER = 10 ** DIGITS - 1;

/** Whether DIR holds a checkpoint to load (its `latest` file; a directory that does not exist holds none). */
export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, LATEST));
}
/** Caps on what a load reads: `latest` is one line; checkpoint.json holds the history too; wasm32 bounds the weights. */
const MAX_LATEST_BYTES = 4096;
const MAX_CONFIG_BYTES = 256 << 20;
const MAX_WEIGHTS_BYTES = 2 ** 31 - 1;

/** Stages of a save, for fault-injection tests: a hook that throws there simulates a crash at that point. */
export type SaveStage = 'weights' | 'config' | 'rename' | 'latest';

export interface CheckpointDirOptions {
  /** How many checkpoints to keep (≥ 1). Default 2. */
  keep?: number;
  /** Called before each stage of a save; tests throw from it to simulate a crash. */
  beforeStage?: (stage: SaveStage) => void;
}

function listCheckpoints(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => NAME_RE.test(n)).sort();
}

/** The name of the next checkpoint in `dir`; refuses when the newest already has the largest number a name can carry. */
function nextName(dir: string): string {
  const last = listCheckpoints(dir).at(-1);
  const n = last ? Number(NAME_RE.exec(last)![1]) : 0;
  if (n >= MAX_NUMBER) {
    throw new CheckpointError(join(dir, last!), `is numbered ${n}, the largest a ${DIGITS}-digit checkpoint name can carry, so no later checkpoint can be named: move it away or give another directory`);
  }
  return `${PREFIX}${String(n + 1).padStart(DIGITS, '0')}`;
}

/**
 * A checkpoint directory handler (Node). See the comment at the top of this file for the
 * layout and guarantees. open() (fit calls it before the first epoch) takes the directory's
 * lock, which is also the check that it can be written; close() releases it. A save outside an
 * open()/close() pair takes the lock for itself.
 */
export type CheckpointDirHandler = CheckpointHandler & { readonly dir: string; list(): string[]; open(): Promise<void>; close(): Promise<void> };

export function checkpointDir(dir: string, opts: CheckpointDirOptions = {}): CheckpointDirHandler {
  if (typeof dir !== 'string' || dir === '') throw new RangeError(`gaaf: checkpointDir: the directory must be a non-empty path, got ${JSON.stringify(dir)}`);
  const keep = opts.keep ?? 2;
  if (!Number.isInteger(keep) || keep < 1) throw new RangeError(`gaaf: checkpointDir: keep must be an integer ≥ 1, got ${keep}`);
  const hook = opts.beforeStage ?? (() => {});
  let held: { token: string; depth: number } | null = null;

  function open(): void {
    if (held) {
      held.depth++;
      return;
    }
    const token = acquireLock(dir);
    try {
      nextName(dir); // a directory that cannot number another checkpoint is refused now, not at the first save
    } catch (e) {
      releaseLock(dir, token);
      throw e;
    }
    held = { token, depth: 1 };
  }

  function close(): void {
    if (!held || --held.depth > 0) return;
    releaseLock(dir, held.token);
    held = null;
  }

  /** Writes a complete ckpt-<n> directory under the lock `token`; returns its name. */
  function writeCheckpoint(c: CheckpointBytes, token: string): string {
    checkLock(dir, token);
    const name = nextName(dir);
    const tmp = join(dir, `.tmp-${name}-${process.pid}-${token}`);
    try {
      fsStep(tmp, 'create the temporary directory', () => mkdirSync(tmp));
      hook('weights');
      writeDurable(join(tmp, WEIGHTS_FILE), c.weights);
      hook('config');
      writeDurable(join(tmp, CONFIG_FILE), c.config);
      fsyncPath(tmp);
      hook('rename');
      fsStep(join(dir, name), 'rename the new checkpoint into place', () => renameSync(tmp, join(dir, name)));
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true }); // our own, and only ours
      if (!(e instanceof CheckpointError)) throw e;
      const prev = listCheckpoints(dir).at(-1);
      throw Object.assign(new CheckpointError(e.file, `${e.detail}; the unfinished checkpoint was removed${prev ? `, the previous one (${join(dir, prev)}) is intact` : ''}`),
        { code: (e as { code?: string }).code, cause: e });
    }
    fsyncPath(dir);
    return name;
  }

  return {
    dir,
    description: dir,
    list: () => listCheckpoints(dir),
    async open() {
      open();
    },
    async close() {
      close();
    },
    async save(c: CheckpointBytes): Promise<void> {
      const configSha = await sha256Hex(c.config);
      const own = held === null;
      if (own) open();
      try {
        const token = held!.token;
        const name = writeCheckpoint(c, token);
        hook('latest');
        writeFileAtomic(join(dir, LATEST), new TextEncoder().encode(JSON.stringify({ checkpoint: name, sha256: configSha }) + '\n'), dir, `${process.pid}-${token}`);
        const all = listCheckpoints(dir);
        for (const old of all.slice(0, Math.max(0, all.length - keep))) {
          fsStep(join(dir, old), `remove this old checkpoint (${name} itself was saved)`, () => rmSync(join(dir, old), { recursive: true, force: true }));
        }
      } finally {
        if (own) close();
      }
    },
    async load(): Promise<LoadedBytes> {
      return loadCheckpointDir(dir);
    },
  };
}

/** Reads one file of a checkpoint directory through the shared input reader, with CheckpointErrors. */
function readCheckpointFile(path: string, maxBytes: number): Uint8Array {
  return readInputFile(path, { maxBytes, error: (p, detail, offset) => new CheckpointError(p, detail, offset) });
}

/**
 * Reads the checkpoint DIR/latest names (checking its hash), or, for a directory that holds
 * checkpoint.json itself (one ckpt-… directory, copied elsewhere), that one.
 */
export async function loadCheckpointDir(dir: string): Promise<LoadedBytes> {
  if (dir === '') throw new CheckpointError(dir, 'the checkpoint directory path is an empty string');
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new CheckpointError(dir, 'no such checkpoint directory');
  }
  if (!st.isDirectory()) throw new CheckpointError(dir, 'not a directory: give the checkpoint directory (with a latest file, or with checkpoint.json and model.safetensors)');
  let ckdir = dir;
  let expectSha: string | null = null;
  const latestPath = join(dir, LATEST);
  const latest = readInputFile(latestPath, { maxBytes: MAX_LATEST_BYTES, optional: true, error: (p, detail, offset) => new CheckpointError(p, detail, offset) });
  if (latest !== null) {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(latest);
    } catch {
      throw new CheckpointError(latestPath, 'is not valid UTF-8', 0);
    }
    const rec = parseJson(text, latestPath, 0, 'latest') as { checkpoint?: unknown; sha256?: unknown };
    if (typeof rec?.checkpoint !== 'string' || !NAME_RE.test(rec.checkpoint) || typeof rec.sha256 !== 'string') {
      throw new CheckpointError(latestPath, `expected {"checkpoint": "ckpt-<12 digits>", "sha256": "<hex>"}, got ${text.slice(0, 120)}`);
    }
    ckdir = join(dir, rec.checkpoint);
    expectSha = rec.sha256;
  } else if (listCheckpoints(dir).length > 0) {
    throw new CheckpointError(latestPath, `is missing, but ${dir} holds ${listCheckpoints(dir).join(', ')}: give one of those directories to load it`);
  }
  const configPath = join(ckdir, CONFIG_FILE);
  const weightsPath = join(ckdir, WEIGHTS_FILE);
  const config = readCheckpointFile(configPath, MAX_CONFIG_BYTES);
  if (expectSha !== null) {
    const sha = await sha256Hex(config);
    if (sha !== expectSha) throw new CheckpointError(configPath, `SHA-256 ${sha} does not match ${expectSha} recorded in ${latestPath}: the file is damaged`);
  }
  const weights = readCheckpointFile(weightsPath, MAX_WEIGHTS_BYTES);
  return { weights, config, weightsName: weightsPath, configName: configPath };
}

// Directory paths become usable as save/load targets once this Node-only module is loaded
// (src/node.ts loads it; see registerDirectoryHandler).
registerDirectoryHandler((dir) => checkpointDir(dir));

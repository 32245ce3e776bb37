// Checkpoints on disk in Node, written so that a crash at any moment leaves the previous
// checkpoint intact and never pairs a weights file with another checkpoint's config.
//
// Layout of a checkpoint directory DIR:
//   DIR/ckpt-000000000007/model.safetensors   weights, optimizer slots, layer state
//   DIR/ckpt-000000000007/checkpoint.json     architecture, optimizer, training state, SHA-256 of the weights
//   DIR/latest                                {"checkpoint": "ckpt-000000000007", "sha256": <of checkpoint.json>}
//
// A save writes both files into a fresh DIR/.tmp-… directory (each file written, fsynced and
// closed), fsyncs that directory, renames it to DIR/ckpt-<n> and fsyncs DIR; only then does
// it replace DIR/latest by the same write-fsync-rename-fsync dance. rename() is atomic, so
// `latest` always names a complete directory, and the hashes chain latest → config → weights:
// a pair that does not belong together is refused on load. A crash before the last rename
// leaves `latest` on the previous checkpoint; stale .tmp-… entries are removed by the next
// save. The newest `keep` checkpoints are kept (default 2). One process writes a directory
// at a time (a second writer's save would remove the first's temporary directory); any
// number may read it.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_FILE, type CheckpointBytes, CheckpointError, type CheckpointHandler, type LoadedBytes, WEIGHTS_FILE, sha256Hex } from './format.js';
import { registerDirectoryHandler } from './checkpoint.js';

const LATEST = 'latest';
const PREFIX = 'ckpt-';
const NAME_RE = /^ckpt-(\d{12})$/;

/** Stages of a save, for fault-injection tests: a hook that throws there simulates a crash at that point. */
export type SaveStage = 'weights' | 'config' | 'rename' | 'latest';

export interface CheckpointDirOptions {
  /** How many checkpoints to keep (≥ 1). Default 2. */
  keep?: number;
  /** Called before each stage of a save; tests throw from it to simulate a crash. */
  beforeStage?: (stage: SaveStage) => void;
}

function fsyncPath(path: string): void {
  // Windows cannot open a directory to fsync it; the renames stay atomic, only their durability after a power cut is not forced.
  if (process.platform === 'win32' && statSync(path).isDirectory()) return;
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `bytes` to `path` (which must not be the live file) and fsyncs it before closing. */
function writeDurable(path: string, bytes: Uint8Array): void {
  const fd = openSync(path, 'wx', 0o644);
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `path` atomically: writes a temporary file beside it, fsyncs it, renames it over
 * `path` and fsyncs the directory. Readers see the old or the new content, never a mix.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array, dir: string): void {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    writeDurable(tmp, bytes);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  fsyncPath(dir);
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

const rel = (dir: string, f: string): string => join(dir, f);

/** A checkpoint directory handler (Node). See the comment at the top of this file for the layout and guarantees. */
export function checkpointDir(dir: string, opts: CheckpointDirOptions = {}): CheckpointHandler & { readonly dir: string; list(): string[] } {
  const keep = opts.keep ?? 2;
  if (!Number.isInteger(keep) || keep < 1) throw new RangeError(`gaaf: checkpointDir: keep must be an integer ≥ 1, got ${keep}`);
  const hook = opts.beforeStage ?? (() => {});

  /** Writes a complete ckpt-<n> directory; returns its name. */
  function writeCheckpoint(c: CheckpointBytes): string {
    mkdirSync(dir, { recursive: true });
    // Leftovers of an interrupted save (ours or a crashed process's): nothing refers to them.
    for (const n of readdirSync(dir)) if (n.startsWith('.tmp-') || n.startsWith(`${LATEST}.tmp-`)) rmSync(join(dir, n), { recursive: true, force: true });
    const existing = listCheckpoints(dir);
    const next = existing.length ? Number(NAME_RE.exec(existing[existing.length - 1])![1]) + 1 : 1;
    const name = `${PREFIX}${String(next).padStart(12, '0')}`;
    const tmp = join(dir, `.tmp-${name}-${process.pid}`);
    mkdirSync(tmp);
    hook('weights');
    writeDurable(join(tmp, WEIGHTS_FILE), c.weights);
    hook('config');
    writeDurable(join(tmp, CONFIG_FILE), c.config);
    fsyncPath(tmp);
    hook('rename');
    renameSync(tmp, join(dir, name));
    fsyncPath(dir);
    return name;
  }

  return {
    dir,
    description: dir,
    list: () => listCheckpoints(dir),
    async save(c: CheckpointBytes): Promise<void> {
      const configSha = await sha256Hex(c.config);
      const name = writeCheckpoint(c);
      hook('latest');
      writeFileAtomic(join(dir, LATEST), new TextEncoder().encode(JSON.stringify({ checkpoint: name, sha256: configSha }) + '\n'), dir);
      const all = listCheckpoints(dir);
      for (const old of all.slice(0, Math.max(0, all.length - keep))) rmSync(join(dir, old), { recursive: true, force: true });
    },
    async load(): Promise<LoadedBytes> {
      return loadCheckpointDir(dir);
    },
  };
}

/** Node's readFileSync reads at most 2 GiB. */
const MAX_READ_BYTES = 2 ** 31 - 1;

function readOr(path: string, what: string): Uint8Array {
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new CheckpointError(path, `${what} is not a regular file`);
    if (st.size > MAX_READ_BYTES) throw new CheckpointError(path, `${what} is ${st.size} bytes, over the ${MAX_READ_BYTES}-byte limit of this reader`);
    return readFileSync(path);
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new CheckpointError(path, code === 'ENOENT' ? `${what} is missing` : `cannot read ${what}: ${(e as Error).message}`);
  }
}

/**
 * Reads the checkpoint DIR/latest names (checking its hash), or, for a directory that holds
 * checkpoint.json itself (one ckpt-… directory, copied elsewhere), that one.
 */
export async function loadCheckpointDir(dir: string): Promise<LoadedBytes> {
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
  let latestText: string | null = null;
  try {
    latestText = statSync(latestPath).isFile() && statSync(latestPath).size < 4096 ? readFileSync(latestPath, 'utf8') : null;
  } catch {
    latestText = null;
  }
  if (latestText !== null) {
    let l: unknown;
    try {
      l = JSON.parse(latestText);
    } catch (e) {
      throw new CheckpointError(latestPath, `not well-formed JSON (${(e as Error).message})`, 0);
    }
    const rec = l as { checkpoint?: unknown; sha256?: unknown };
    if (typeof rec?.checkpoint !== 'string' || !NAME_RE.test(rec.checkpoint) || typeof rec.sha256 !== 'string') {
      throw new CheckpointError(latestPath, `expected {"checkpoint": "ckpt-<12 digits>", "sha256": "<hex>"}, got ${latestText.slice(0, 120)}`);
    }
    ckdir = join(dir, rec.checkpoint);
    expectSha = rec.sha256;
  } else if (listCheckpoints(dir).length > 0) {
    throw new CheckpointError(latestPath, `is missing, but ${dir} holds ${listCheckpoints(dir).join(', ')}: give one of those directories to load it`);
  }
  const configPath = rel(ckdir, CONFIG_FILE);
  const weightsPath = rel(ckdir, WEIGHTS_FILE);
  const config = readOr(configPath, CONFIG_FILE);
  if (expectSha !== null) {
    const sha = await sha256Hex(config);
    if (sha !== expectSha) throw new CheckpointError(configPath, `SHA-256 ${sha} does not match ${expectSha} recorded in ${latestPath}: the file is damaged`);
  }
  const weights = readOr(weightsPath, WEIGHTS_FILE);
  return { weights, config, weightsName: weightsPath, configName: configPath };
}

// Directory paths become usable as save/load targets once this Node-only module is loaded
// (src/node.ts loads it; see registerDirectoryHandler).
registerDirectoryHandler((dir) => checkpointDir(dir));

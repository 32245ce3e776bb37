// The writer's lock on a checkpoint directory (Node). One process writes a directory at a
// time; any number may read it. The lock is the file DIR/lock:
//   {"pid": 1234, "host": "build-7", "since": "2026-01-01T00:00:00.000Z", "token": "<16 hex>"}
// It is written whole to DIR/lock.tmp-<pid>-<token> and hard-linked to DIR/lock, which fails
// if the lock exists, so the lock never exists half-written and two writers never both get it
// (where the file system has no hard links, an exclusive create takes the link's place).
// Creating it is also the check that the directory can be written at all.
//
// A lock is stale when its holder is gone: on this host, its pid is not alive (or is ours
// under a token we never issued: a restarted container reusing the pid). A stale lock is
// taken over by renaming it aside (only one renamer can win) and checking that what was
// renamed is the stale lock that was read; if a live writer took the lock in between, it is
// put back. The dead holder's own temporaries (names carrying its pid and token) are removed
// then, and nothing else. A holder on another host cannot be checked: the error says so.
// Every save checks that its lock is still in place with its token before it writes.
import { closeSync, linkSync, lstatSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describeErrno, readInputFile } from '../io/read-input.js';
import { CheckpointError, CheckpointLockedError, parseJson } from './format.js';
import { fsStep, fsyncPath, makeDirectory, randomTag, writeDurable } from './fs.js';

export const LOCK_FILE = 'lock';

interface Holder {
  pid: number;
  host: string;
  since: string;
  token: string;
}

/** Tokens of the locks this process holds, to tell our own live locks from a previous process's with the same pid. */
const ownTokens = new Set<string>();

const TOKEN_RE = /^[0-9a-f]{16}$/;

/** The holder recorded in the lock file at `path`; undefined if there is none, null if the file is not a gaaf lock. */
function readHolder(path: string): Holder | null | undefined {
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  if (!st.isFile()) return null; // gaaf's locks are regular files, never links, pipes or directories
  const bytes = readInputFile(path, { maxBytes: 4096, optional: true, error: (p, detail) => new CheckpointLockedError(p, detail, null) });
  if (bytes === null) return undefined;
  let h: Partial<Holder>;
  try {
    h = parseJson(new TextDecoder().decode(bytes), path, 0, 'lock') as Partial<Holder>;
  } catch {
    return null;
  }
  const ok = typeof h === 'object' && h !== null && Number.isSafeInteger(h.pid) && (h.pid as number) > 0 &&
    typeof h.host === 'string' && typeof h.since === 'string' && typeof h.token === 'string' && TOKEN_RE.test(h.token);
  return ok ? (h as Holder) : null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // it exists, it is just not ours to signal
  }
}

function isStale(h: Holder): boolean {
  if (h.host !== hostname()) return false;
  return h.pid === process.pid ? !ownTokens.has(h.token) : !alive(h.pid);
}

const describe = (h: Holder): string =>
  `${h.pid === process.pid && h.host === hostname() ? 'this process' : `process ${h.pid}`} on host '${h.host}' (since ${h.since})`;

function lockedError(lockPath: string, dir: string, h: Holder | null): CheckpointLockedError {
  if (!h) return new CheckpointLockedError(lockPath, `exists but is not a gaaf lock file; if no gaaf run writes to ${dir}, remove it`, null);
  const remote = h.host !== hostname();
  return new CheckpointLockedError(lockPath,
    `${dir} is being written by ${describe(h)}: one writer at a time. Wait for it to end or give another directory` +
    (remote ? `; gaaf cannot check a process on another host: if it is gone, remove ${lockPath}` : ''),
    { pid: h.pid, host: h.host, since: h.since });
}

/** Links `tmp` to `lockPath`; false if a lock is already there. */
function linkLock(tmp: string, lockPath: string, content: Uint8Array): boolean {
  try {
    linkSync(tmp, lockPath);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
  }
  // no hard links here: an exclusive create (the lock is briefly empty, which readers take for a foreign lock)
  let fd: number;
  try {
    fd = openSync(lockPath, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Removes the temporaries a writer made under `h` (its pid and token in the name): a dead writer's leftovers. */
function removeTemporariesOf(dir: string, h: Holder): void {
  const theirs = new RegExp(`^(\\.tmp-ckpt-\\d{12}|latest\\.tmp|${LOCK_FILE}\\.tmp)-${h.pid}-${h.token}$`);
  for (const n of readdirSync(dir)) if (theirs.test(n)) rmSync(join(dir, n), { recursive: true, force: true });
}

/** Takes over the stale lock read as `h`, unless another writer replaced it meanwhile. */
function breakStale(dir: string, lockPath: string, h: Holder): void {
  const aside = join(dir, `${LOCK_FILE}.stale-${process.pid}-${randomTag()}`);
  try {
    renameSync(lockPath, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // another writer took it over first
    throw e;
  }
  const moved = readHolder(aside);
  if (moved?.token === h.token) {
    rmSync(aside, { force: true });
    removeTemporariesOf(dir, h);
    return;
  }
  // a live writer's lock, taken between our read and the rename: put it back
  try {
    linkSync(aside, lockPath);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') renameSync(aside, lockPath);
  }
  rmSync(aside, { force: true });
}

/**
 * Takes the lock of `dir` (creating the directory if needed) and returns its token. Refuses at
 * once, with a CheckpointLockedError naming the holder, when a live writer holds it; a
 * directory that cannot be written is a CheckpointError naming the path.
 */
export function acquireLock(dir: string): string {
  makeDirectory(dir);
  const lockPath = join(dir, LOCK_FILE);
  const token = randomTag();
  const content = new TextEncoder().encode(JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString(), token }) + '\n');
  const tmp = join(dir, `${LOCK_FILE}.tmp-${process.pid}-${token}`);
  try {
    try {
      writeDurable(tmp, content);
    } catch (e) {
      // the first write into the directory: where it fails, no checkpoint could be written either
      const cause = (e as { cause?: NodeJS.ErrnoException }).cause;
      if (!(e instanceof CheckpointError) || !cause) throw e;
      throw Object.assign(new CheckpointError(dir, `cannot write checkpoints into this directory (${describeErrno(cause)})`), { code: cause.code, cause });
    }
    for (let attempt = 0; attempt < 8; attempt++) {
      if (fsStep(lockPath, 'create the lock file', () => linkLock(tmp, lockPath, content))) {
        ownTokens.add(token);
        fsyncPath(dir);
        return token;
      }
      const h = readHolder(lockPath);
      if (h === undefined) continue; // released meanwhile
      if (h === null || !isStale(h)) throw lockedError(lockPath, dir, h);
      fsStep(lockPath, 'take over the stale lock', () => breakStale(dir, lockPath, h));
    }
    throw new CheckpointLockedError(lockPath, 'could not take the lock: other writers kept taking it', null);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Throws unless the lock of `dir` still holds `token` (a save's check before it writes). */
export function checkLock(dir: string, token: string): void {
  const lockPath = join(dir, LOCK_FILE);
  const h = readHolder(lockPath);
  if (h?.token === token) return;
  throw new CheckpointLockedError(lockPath,
    h === undefined ? 'was removed while this run held it, so another writer may be using the directory: the save is refused'
      : h === null ? 'was replaced by a file that is not a gaaf lock: the save is refused'
        : `is now held by ${describe(h)}, not by this run: the save is refused`,
    h ? { pid: h.pid, host: h.host, since: h.since } : null);
}

/** Releases the lock of `dir` if it still holds `token`; never throws (a release that fails leaves a stale lock, which the next writer takes over). */
export function releaseLock(dir: string, token: string): void {
  ownTokens.delete(token);
  try {
    const lockPath = join(dir, LOCK_FILE);
    if (readHolder(lockPath)?.token === token) rmSync(lockPath, { force: true });
  } catch {
    // see above
  }
}

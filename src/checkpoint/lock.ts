// The writer's lock on a checkpoint directory (Node). One process writes a directory at a
// time; any number may read it. The lock is the file DIR/lock:
//   {"pid": 1234, "host": "build-7", "since": "2026-01-01T00:00:00.000Z", "token": "<16 hex>"}
// It is written whole to DIR/lock.tmp-<pid>-<token> and hard-linked to DIR/lock, which fails
// if the lock exists, so the lock never exists half-written and two writers never both get it
// (where the file system has no hard links, an exclusive create takes the link's place).
// Creating it is also the check that the directory can be written at all.
//
// A lock is stale when its holder is gone: on this host, its pid is not alive, or is ours but
// was recorded by a process that started at another time (a restarted container reusing the
// pid; worker threads of one process share its pid and start time, so they never take over
// one another's lock). A stale lock is taken
// over in one step, so that there is never a moment without a lock for a third writer to slip
// into: the writer that wins DIR/lock.break-<stale token> (hard-linked like the lock, so only
// one wins) checks that DIR/lock still holds that token and renames its own lock file over it.
// The others wait for it briefly, then find its live lock and are refused. The dead holder's
// own temporaries (names carrying its pid and token) are removed then, and nothing else. A
// holder on another host cannot be checked: the error says so. After taking the lock, and
// before every save, a writer checks that the lock holds its token.
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
  /** When the holder's process started (ms since the epoch), to tell it from a later process with the same pid. */
  processStart?: number;
}

/** When this process started, as every thread of it computes it. */
const processStart = (): number => Math.round(Date.now() - process.uptime() * 1000);

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
  // our pid: stale only if recorded by an earlier process (start times more than 2 s apart)
  return h.pid === process.pid ? h.processStart !== undefined && Math.abs(h.processStart - processStart()) > 2000 : !alive(h.pid);
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

/**
 * Removes what a dead writer made under `h`: the temporaries with its pid and token in the
 * name, and a break file it left while taking over an earlier lock (which holds its lock record).
 */
function removeTemporariesOf(dir: string, h: Holder): void {
  const theirs = new RegExp(`^(\\.tmp-ckpt-\\d{12}|latest\\.tmp|${LOCK_FILE}\\.tmp)-${h.pid}-${h.token}$`);
  const breaks = new RegExp(`^${LOCK_FILE}\\.break-[0-9a-f]{16}$`);
  for (const n of readdirSync(dir)) {
    if (theirs.test(n) || (breaks.test(n) && readHolder(join(dir, n))?.token === h.token)) rmSync(join(dir, n), { recursive: true, force: true });
  }
}

const pause = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Takes over the stale lock read as `h` by renaming `tmp` (our lock) over it, if this writer
 * wins the right to break that lock and the lock still is `h`. Returns whether it did.
 */
function takeOver(dir: string, lockPath: string, h: Holder, tmp: string, content: Uint8Array): boolean {
  const breakPath = join(dir, `${LOCK_FILE}.break-${h.token}`);
  if (!linkLock(tmp, breakPath, content)) {
    // another writer is taking it over; one that died doing so leaves a stale break file, removed for the next try
    const b = readHolder(breakPath);
    if (b && isStale(b)) rmSync(breakPath, { force: true });
    return false;
  }
  try {
    if (readHolder(lockPath)?.token !== h.token) return false; // taken over, or released, meanwhile
    renameSync(tmp, lockPath); // replaces the stale lock: DIR/lock never goes missing
    removeTemporariesOf(dir, h);
    return true;
  } finally {
    rmSync(breakPath, { force: true });
  }
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
  const content = new TextEncoder().encode(JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString(), token, processStart: processStart() }) + '\n');
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
    for (let attempt = 0; attempt < 100; attempt++) {
      let won = fsStep(lockPath, 'create the lock file', () => linkLock(tmp, lockPath, content));
      if (!won) {
        const h = readHolder(lockPath);
        if (h === undefined) continue; // released meanwhile
        if (h === null || !isStale(h)) throw lockedError(lockPath, dir, h);
        won = fsStep(lockPath, 'take over the stale lock', () => takeOver(dir, lockPath, h, tmp, content));
        if (!won) {
          pause(2); // another writer is taking it over: its lock appears within milliseconds
          continue;
        }
      }
      checkLock(dir, token);
      fsyncPath(dir);
      return token;
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
  try {
    const lockPath = join(dir, LOCK_FILE);
    if (readHolder(lockPath)?.token === token) rmSync(lockPath, { force: true });
  } catch {
    // see above
  }
}

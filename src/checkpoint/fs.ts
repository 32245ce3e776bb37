// Durable writes for checkpoint directories (Node): every file written, fsynced and closed
// before it is renamed into place, and every file-system error turned into a CheckpointError
// that names the path it happened on (ENOSPC on a full disk, EROFS, EACCES, ...).
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { describeErrno } from '../io/read-input.js';
import { CheckpointError } from './format.js';

/** A random hex tag for temporary names: with the pid, it makes a name no other writer (or run) uses. */
export const randomTag = (): string => randomBytes(8).toString('hex');

/**
 * Runs one file-system step on `path`; an error from the file system becomes a CheckpointError
 * naming `path` and the step (`what`, e.g. "write it"), with the errno code kept as `code`.
 * Anything else (a CheckpointError, a test's simulated crash) passes through unchanged.
 */
export function fsStep<T>(path: string, what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (e instanceof CheckpointError || typeof err?.code !== 'string' || err.syscall === undefined) throw e;
    throw Object.assign(new CheckpointError(path, `cannot ${what} (${describeErrno(err)})`), { code: err.code, cause: e });
  }
}

/**
 * Creates `dir` and any missing parents. Unlike mkdirSync's recursive mode, which reports
 * ENOENT for a parent it could not create on a read-only file system, the error names the
 * level that failed and its real cause (EROFS, EACCES, EEXIST for a file in the way).
 */
export function makeDirectory(dir: string): void {
  try {
    if (statSync(dir).isDirectory()) return;
  } catch {
    // missing (or unreadable): create it below, which reports the real error
  }
  const parent = dirname(dir);
  if (parent !== dir) makeDirectory(parent);
  fsStep(dir, 'create the directory', () => {
    try {
      mkdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(dir).isDirectory()) throw e;
    }
  });
}

export function fsyncPath(path: string): void {
  fsStep(path, 'fsync it', () => {
    // Windows cannot open a directory to fsync it; the renames stay atomic, only their durability after a power cut is not forced.
    if (process.platform === 'win32' && statSync(path).isDirectory()) return;
    const fd = openSync(path, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  });
}

/** Writes `bytes` to the new file `path` (never an existing one) and fsyncs it before closing. */
export function writeDurable(path: string, bytes: Uint8Array): void {
  fsStep(path, 'write it', () => {
    const fd = openSync(path, 'wx', 0o644);
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  });
}

/**
 * Replaces `path` atomically: writes `path.tmp-<tag>` beside it (tag: the pid and a random
 * part unless given), fsyncs it, renames it over `path` and fsyncs `dir`. Readers see the old
 * or the new content, never a mix. A failure removes the temporary file and nothing else.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array, dir: string, tag = `${process.pid}-${randomTag()}`): void {
  const tmp = `${path}.tmp-${tag}`;
  try {
    writeDurable(tmp, bytes);
    fsStep(path, 'rename the new version into place', () => renameSync(tmp, path));
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  fsyncPath(dir);
}

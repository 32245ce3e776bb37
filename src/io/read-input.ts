// The one way gaaf opens an input file (Node): IDX and gzip data, CIFAR batches, checkpoint
// files and the `latest` pointer, and any format added later. Only a regular file is read:
// a FIFO would block for ever, /dev/zero never ends, a directory is no data. Its size is
// known before any byte is read and is checked against the reader's cap, and the read is
// of exactly that size, so memory never grows past the cap. Every refusal is the caller's
// typed error (DataFormatError, CheckpointError) naming the path.
import { type Stats, closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';

export interface ReadInputOptions {
  /** The largest file accepted, in bytes. */
  readonly maxBytes: number;
  /** Makes the caller's typed error from the path, what is wrong, and a byte offset where one applies. */
  readonly error: (path: string, detail: string, offset?: number) => Error;
  /** When the path does not exist: return null instead of an error (for optional files such as `latest`). */
  readonly optional?: boolean;
  /** Why the cap is what it is, appended to the over-the-cap message (e.g. "raise maxBytes if genuine"). */
  readonly capHint?: string;
}

/** What a path that is not a regular file is, in words. */
export function fileKind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}

/** An errno error in words without the path it names (the caller's message names it): "ENOSPC: no space left on device". */
export const describeErrno = (e: NodeJS.ErrnoException): string =>
  (e.code ? `${e.code}: ${e.message.replace(/^\w+: /, '').replace(/, \w+( '.*')?$/, '')}` : e.message);

// O_NONBLOCK: should the path turn into a FIFO between the stat and the open, opening it does not wait for a writer.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Reads the regular file at `path` whole, or throws `opts.error(path, ...)`: when it is
 * missing (unless `optional`, then null), not a regular file, over `maxBytes`, unreadable, or
 * changes size while it is read.
 */
export function readInputFile(path: string, opts: ReadInputOptions & { optional: true }): Uint8Array | null;
export function readInputFile(path: string, opts: ReadInputOptions): Uint8Array;
export function readInputFile(path: string, opts: ReadInputOptions): Uint8Array | null {
  const fail = (detail: string, offset?: number): never => {
    throw opts.error(path, detail, offset);
  };
  if (path === '') fail('the path is an empty string');
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') {
      if (opts.optional) return null;
      return fail('no such file');
    }
    return fail(`cannot read it (${describeErrno(err)})`);
  }
  // Not opened at all unless it is a regular file: opening a device can have effects of its own.
  if (!st.isFile()) fail(`is ${fileKind(st)}, not a regular file`);
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (e) {
    return fail(`cannot open it (${describeErrno(e as NodeJS.ErrnoException)})`);
  }
  try {
    const now = fstatSync(fd);
    if (!now.isFile()) fail(`is ${fileKind(now)}, not a regular file`);
    if (now.ino !== st.ino || now.dev !== st.dev) fail('was replaced by another file while being opened');
    const size = now.size;
    if (size > opts.maxBytes) fail(`file is ${size} bytes, over the cap of ${opts.maxBytes} bytes${opts.capHint ? ` (${opts.capHint})` : ''}`, opts.maxBytes);
    const out = new Uint8Array(size);
    let off = 0;
    try {
      while (off < size) {
        const n = readSync(fd, out, off, size - off, off);
        if (n === 0) fail(`the file shrank while it was read: it had ${size} bytes, ${off} could be read`, off);
        off += n;
      }
      if (readSync(fd, new Uint8Array(1), 0, 1, size) !== 0) fail(`the file grew while it was read (it had ${size} bytes when opened)`, size);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).syscall === undefined) throw e;
      fail(`cannot read it (${describeErrno(e as NodeJS.ErrnoException)})`, off);
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

// The errors of checkpoint files and directories. Pure: shared by Node and browsers.

/** A checkpoint file is malformed or does not match the model. Names the file and, where it applies, the byte offset and tensor. */
export class CheckpointError extends Error {
  override readonly name: string = 'CheckpointError';
  constructor(
    readonly file: string,
    /** What is wrong, without the file/offset prefix. */
    readonly detail: string,
    readonly offset?: number,
    readonly tensor?: string,
  ) {
    super(`${file}: ${offset !== undefined ? `byte ${offset}: ` : ''}${detail}`);
  }
}

/** Another writer holds the checkpoint directory's lock. Names the lock file and the holder. */
export class CheckpointLockedError extends CheckpointError {
  override readonly name = 'CheckpointLockedError';
  constructor(
    file: string,
    detail: string,
    /** The holder as its lock file records it. */
    readonly holder: { readonly pid: number; readonly host: string; readonly since: string } | null,
  ) {
    super(file, detail);
  }
}

/** Where a DataFormatError's byte offset points: into the file as stored, or into its gunzipped payload. */
export type OffsetSpace = 'file' | 'decompressed';

/**
 * A data file is malformed. The message names the file, the byte offset and
 * what was expected vs found, e.g.
 * `train-images-idx3-ubyte.gz: decompressed byte 0: bad magic 0x00000000, expected 0x00000803 (IDX3, unsigned byte)`.
 */
export class DataFormatError extends Error {
  override readonly name = 'DataFormatError';
  constructor(
    readonly file: string,
    readonly offset: number,
    /** What is wrong, without the file/offset prefix. */
    readonly detail: string,
    readonly offsetIn: OffsetSpace = 'file',
  ) {
    super(`${file}: ${offsetIn === 'decompressed' ? 'decompressed byte' : 'byte'} ${offset}: ${detail}`);
  }
}

/** Required data files are missing from a directory. */
export class MissingDataFilesError extends Error {
  override readonly name = 'MissingDataFilesError';
  constructor(
    readonly dir: string,
    /** One entry per missing file: the names that were tried. */
    readonly missing: readonly (readonly string[])[],
    reason = 'missing data files',
  ) {
    super(
      `${dir}: ${reason}; looked for:\n` +
        missing.map((names) => `  ${names.join(' | ')}`).join('\n'),
    );
  }
}

// Reading a data file (IDX, gzip, CIFAR) from disk: the shared input-file reader with the data
// readers' cap and DataFormatError. Node only.
import { readInputFile } from '../io/read-input.js';
import { DataFormatError } from './errors.js';

/** Default cap on a data file's size, and on its size after decompression: 1 GiB. */
export const DEFAULT_MAX_BYTES = 1 << 30;

/** The bytes of the regular file at `path`, at most `maxBytes` of them; anything else is a DataFormatError naming the path. */
export function readDataFile(path: string, maxBytes = DEFAULT_MAX_BYTES): Uint8Array {
  return readInputFile(path, {
    maxBytes,
    capHint: 'raise maxBytes if genuine',
    error: (p, detail, offset) => new DataFormatError(p, offset ?? 0, detail),
  });
}

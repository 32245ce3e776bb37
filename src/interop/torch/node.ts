// Node: lets loadWeights take a path. The file is read by src/io/'s one reader (a regular file
// only, its size capped before reading), its refusals as WeightsFileError naming the path.
import { readInputFile } from '../../io/read-input.js';
import { WeightsFileError } from '../errors.js';
import { registerWeightsFileReader } from './load.js';

/** The largest weights file read (4 GiB: what one ArrayBuffer holds in V8). */
export const MAX_WEIGHTS_BYTES = 2 ** 32 - 1;

registerWeightsFileReader((path) => readInputFile(path, {
  maxBytes: MAX_WEIGHTS_BYTES,
  error: (p, detail, offset) => new WeightsFileError(p, detail, offset),
}));

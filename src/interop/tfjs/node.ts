// The TF.js Layers format on disk (Node; gaaf's Node entry imports this file, the browser
// bundle never does): reading model.json at a path and its shards beside it, and writing a
// model's directory. Reading goes through readInputFile (regular files only, the size known
// before a byte is read): model.json is capped at 256 MiB, and each shard at the bytes its
// manifest group still needs, so a shard that is too long is refused before it is read and one
// too short is named with the tensor and the offset where its data runs out. Writing:
// weights.bin, then model.json, each replaced atomically (a temporary file, fsync, rename).
import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { makeDirectory, writeFileAtomic } from '../../checkpoint/fs.js';
import { readInputFile } from '../../io/read-input.js';
import { type Shard, type TfjsArtifacts, type TfjsModelJson, parseModelJson } from './artifacts.js';
import { TfjsFormatError } from './errors.js';
import { type ReadModelFiles, groupBytes, registerTfjsPathReader } from './load.js';
import { registerTfjsDirectoryWriter } from './save.js';

const MODEL_JSON_CAP = 256 * 2 ** 20;
export const WEIGHTS_FILE = 'weights.bin';
export const MODEL_FILE = 'model.json';

const fileError = (path: string, detail: string, offset?: number): Error => new TfjsFormatError(path, detail, offset === undefined ? {} : { offset });

/** Reads model.json at `path` (or DIR/model.json for a directory) and its shards. */
export function readTfjsFiles(path: string): ReadModelFiles {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    // missing or unreadable: readInputFile names the problem
  }
  const file = isDir ? join(path, MODEL_FILE) : path;
  const json: TfjsModelJson = parseModelJson(readInputFile(file, { maxBytes: MODEL_JSON_CAP, error: fileError }), file);
  const dir = dirname(resolve(file));
  const groups: Shard[][] = json.weightsManifest.map((g) => {
    let left = groupBytes(g);
    return g.paths.map((p) => {
      const at = join(dir, p);
      const bytes = readInputFile(at, {
        maxBytes: left, error: fileError,
        capHint: `the manifest's weights ${g.weights.map((w) => `'${w.name}'`).slice(0, 3).join(', ')}${g.weights.length > 3 ? ', ...' : ''} need no more`,
      });
      left -= bytes.length;
      return { name: at, bytes };
    });
  });
  return { json, file, groups };
}

/** Writes artifacts as DIR/weights.bin and DIR/model.json (created if missing); returns the two paths. */
export function writeTfjsDirectory(dir: string, a: TfjsArtifacts): string[] {
  makeDirectory(dir);
  const weights = join(dir, WEIGHTS_FILE);
  const model = join(dir, MODEL_FILE);
  const { weightSpecs, weightData, ...rest } = a;
  const json = { ...rest, weightsManifest: [{ paths: [WEIGHTS_FILE], weights: weightSpecs ?? [] }] };
  writeFileAtomic(weights, new Uint8Array(weightData as ArrayBuffer), dir);
  writeFileAtomic(model, new TextEncoder().encode(JSON.stringify(json)), dir);
  return [model, weights];
}

registerTfjsPathReader(readTfjsFiles);
registerTfjsDirectoryWriter(writeTfjsDirectory);

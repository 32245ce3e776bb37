// Checkpoint byte formats and their validation. Pure: no Node or browser APIs, so the same
// code checks files in Node, in a browser, and in the fuzz tests.
//
// A checkpoint is two byte strings:
//  - weights: a safetensors file (./safetensors.ts).
//    It holds the model's parameters under their names ("dense_1/kernel"), non-trainable
//    layer state ("batchnorm_1/moving_mean") and the optimizer's slots under
//    "optimizer/<parameter>/<slot>" (e.g. "optimizer/dense_1/kernel/m"), so other tools can
//    read the weights.
//  - config: checkpoint.json (CheckpointConfig below): the architecture (and the builder that
//    made it, if one did), the optimizer's configuration and scalar state, the training
//    position, the history so far and the training callbacks' states, and the SHA-256 of the
//    weights file, which ties the two together.
import type { TrainingState } from '../callbacks.js';
import type { GradientInfoState } from '../gradient-info.js';
import type { GraphConfig } from '../graph/config.js';
import type { BuilderRecord } from '../model.js';
import { CheckpointError } from './errors.js';
import { isCount, isObject, parseJson, decodeUtf8, preview } from './json.js';

export type { TrainingState } from '../callbacks.js';

export { CheckpointError, CheckpointLockedError } from './errors.js';
export { MAX_JSON_DEPTH, parseJson, preview } from './json.js';
export { MAX_HEADER_BYTES, type SafetensorsFile, type Tensor, checkFinite, checkTensors, encodeSafetensors, parseSafetensors } from './safetensors.js';

// ---------------------------------------------------------------------------------------
// checkpoint.json

export const CHECKPOINT_FORMAT = 'gaaf-checkpoint';
export const WEIGHTS_FILE = 'model.safetensors';
export const CONFIG_FILE = 'checkpoint.json';
/**
 * Version 2 records the builder (model.builder) and keeps the training callbacks' states under
 * training.callbacks. Version 1 (no builder; the gradient information's sums as
 * training.epochGradSum and gradTotal, which fit() then computed itself) is still read:
 * parseCheckpointConfig turns it into version 2 with no builder and those sums as the
 * GradientInfo callback's state.
 */
export const CHECKPOINT_VERSION = 2;
const READABLE_VERSIONS: readonly number[] = [1, 2];

export interface LayerSpec {
  className: string;
  config: Record<string, unknown>;
  /** The layer's trainable flag (false: frozen). Absent in checkpoints written before it was recorded: trainable. */
  trainable?: boolean;
}

export interface CheckpointConfig {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  /** The weights file and its SHA-256 (hex), written first; a mismatch means the two files do not belong together. */
  weights: { file: string; bytes: number; sha256: string };
  /** builder: what made the layers (paperMlp, svhnCnn, ...) with its options; null for plain layers. */
  /** loss: the model's loss when it is not the default sparse softmax cross-entropy (absent in older checkpoints). */
  model: { inputShape: number[]; layers: LayerSpec[]; builder: BuilderRecord | null; loss?: { name: string; options: Record<string, number> };
    /** A model of several outputs: each output's loss and its weight in the total. */
    losses?: Array<{ name: string; options: Record<string, number> }>; lossWeights?: number[]; graph?: GraphConfig };
  /**
   * config: the optimizer's config(); its lr is a number, a named schedule's config
   * ({ schedule: 'exponentialDecay', ... }), or { schedule: 'function' } for a function of the
   * step, which the checkpoint cannot hold (loadCheckpoint then needs it again). state holds
   * the optimizer's own step count (iterations), which need not equal training.step: a model
   * trained by several fit calls, each with its own optimizer, has more steps than its
   * latest optimizer.
   */
  optimizer: { config: Record<string, unknown>; state: Record<string, number>; slots: string[] } | null;
  /**
   * Random state. Training draws no sequential random numbers: initial weights, the shuffle
   * of epoch e and the dropout masks of step t are functions of (seed, e) and (seed, layer, t)
   * (src/rng.ts deriveSeed), so the seed and the position fix every later draw.
   */
  rng: { seed: number; scheme: string } | null;
  training: TrainingState | null;
  savedAt: string;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isNumArray = (v: unknown): v is number[] => Array.isArray(v) && v.every(isNum);

const isSeed = (v: unknown): v is number => isCount(v) && v < 2 ** 32;
const isNonNegative = (v: unknown): v is number => isNum(v) && v >= 0;
type Bad = (field: string, expected: string, got: unknown) => never;

/**
 * Checks checkpoint.json's training state field by field and against itself: the position
 * (epoch, batch, step) must be one fit() can have saved for that data size and batch size, and
 * the running sums and the history must be those of that position. fit() saves at the start
 * of batch `batch` of `epoch` (1 ≤ epoch ≤ epochs + 1, 0 ≤ batch < batches, batch 0 after
 * the last epoch), with epoch − 1 finished epochs of `batches` steps each in the history.
 */
function checkTraining(t: Record<string, unknown>, bad: Bad): void {
  for (const k of ['step', 'historySteps', 'epochCorrect'] as const) if (!isCount(t[k])) bad(`training.${k}`, 'an integer ≥ 0', t[k]);
  for (const k of ['epoch', 'epochs', 'batchSize', 'dataCount'] as const) if (!isCount(t[k]) || t[k] < 1) bad(`training.${k}`, 'an integer ≥ 1', t[k]);
  if (!isSeed(t.seed)) bad('training.seed', 'an integer in [0, 2^32)', t.seed);
  for (const k of ['epochLossSum', 'epochSeconds', 'historySeconds'] as const) if (!isNonNegative(t[k])) bad(`training.${k}`, 'a finite number ≥ 0', t[k]);
  if (typeof t.shuffle !== 'boolean') bad('training.shuffle', 'true or false', t.shuffle);
  if (typeof t.dataSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(t.dataSha256)) bad('training.dataSha256', 'a hex SHA-256', t.dataSha256);
  const { epoch, epochs, batch, batchSize, dataCount, step } = t as unknown as TrainingState;
  const batches = Math.ceil(dataCount / batchSize);
  const of = `${dataCount} samples in batches of ${batchSize} make ${batches} per epoch`;
  if (epoch > epochs + 1) bad('training.epoch', `at most training.epochs + 1 (${epochs + 1})`, epoch);
  if (!isCount(batch) || batch >= batches) bad('training.batch', `an integer in [0, ${batches - 1}] (${of})`, batch);
  if (epoch === epochs + 1 && batch !== 0) bad('training.batch', `0 after the last epoch (training.epoch ${epoch} of ${epochs})`, batch);
  const initialEpoch = (t.initialEpoch ?? 0) as number;
  if (!isCount(initialEpoch) || initialEpoch >= epochs) bad('training.initialEpoch', `an integer in [0, ${epochs - 1}] (below training.epochs)`, t.initialEpoch);
  if (epoch <= initialEpoch) bad('training.epoch', `above training.initialEpoch (${initialEpoch})`, epoch);
  if (t.epochMetricSums !== undefined && !(isNumArray(t.epochMetricSums) && t.epochMetricSums.every((v) => v >= 0))) {
    bad('training.epochMetricSums', 'a list of finite numbers ≥ 0', t.epochMetricSums);
  }
  const done = (epoch - 1 - initialEpoch) * batches;
  if (step < done + batch) bad('training.step', `at least ${done + batch}, the steps before epoch ${epoch}, batch ${batch} (${of})`, step);
  if (t.historySteps !== done) bad('training.historySteps', `${done}, the steps of the ${epoch - 1 - initialEpoch} finished epoch(s)`, t.historySteps);
  const seen = Math.min(batch * batchSize, dataCount);
  if ((t.epochCorrect as number) > seen) bad('training.epochCorrect', `at most ${seen}, the samples trained on so far this epoch`, t.epochCorrect);
  const h = t.history;
  if (!Array.isArray(h) || h.length !== epoch - 1 - initialEpoch) return bad('training.history', `a list of the ${epoch - 1 - initialEpoch} finished epochs' logs`, h);
  h.forEach((l: unknown, i) => {
    const at = `training.history[${i}]`;
    if (!isObject(l)) return bad(at, 'an epoch log', l);
    if (l.epoch !== initialEpoch + i + 1) bad(`${at}.epoch`, `${initialEpoch + i + 1}`, l.epoch);
    if (l.steps !== batches) bad(`${at}.steps`, `${batches} (${of})`, l.steps);
    for (const k of ['loss', 'seconds']) if (!isNonNegative(l[k])) bad(`${at}.${k}`, 'a finite number ≥ 0', l[k]);
    // samplesPerSec is Infinity (saved as null) for an epoch too short for the clock
    if (l.samplesPerSec !== null && !isNonNegative(l.samplesPerSec)) bad(`${at}.samplesPerSec`, 'a finite number ≥ 0 or null', l.samplesPerSec);
    for (const k of ['accuracy', 'valAccuracy']) if (k in l && !(isNum(l[k]) && l[k] >= 0 && l[k] <= 1)) bad(`${at}.${k}`, 'a number in [0, 1]', l[k]);
    if ('valLoss' in l && !isNonNegative(l.valLoss)) bad(`${at}.valLoss`, 'a finite number ≥ 0', l.valLoss);
    if ('gradInfo' in l && !isNumArray(l.gradInfo)) bad(`${at}.gradInfo`, 'a list of finite numbers', l.gradInfo);
  });
}

/**
 * Checks the training state's per-layer entries against the architecture: the gradient
 * information (GradientInfo's state, and each epoch log's gradInfo where it was attached) has
 * one entry per Dense layer.
 */
export function checkTrainingLayers(t: TrainingState, denseLayers: number, file: string): void {
  const gi = t.callbacks.gradInfo as Partial<GradientInfoState> | undefined;
  const lists: Array<[string, unknown]> = [
    ...(gi === undefined ? [] : [['training.callbacks.gradInfo.epochSum', gi?.epochSum], ['training.callbacks.gradInfo.total', gi?.total]] as Array<[string, unknown]>),
    ...t.history.flatMap((l, i): Array<[string, unknown]> => ('gradInfo' in l ? [[`training.history[${i}].gradInfo`, l.gradInfo]] : []))];
  for (const [field, v] of lists) {
    if (!Array.isArray(v) || v.length !== denseLayers) {
      throw new CheckpointError(file, `field '${field}' must have one entry per Dense layer (${denseLayers}), got ${Array.isArray(v) ? v.length : preview(v)}`);
    }
  }
}

/** Parses and validates checkpoint.json, naming the first field that is missing or of the wrong type. */
export function parseCheckpointConfig(bytes: Uint8Array, file: string): CheckpointConfig {
  if (bytes.length === 0) throw new CheckpointError(file, 'empty file, expected a gaaf checkpoint.json', 0);
  const c = parseJson(decodeUtf8(bytes, file, 0, 'config'), file, 0, 'config');
  const bad = (field: string, expected: string, got: unknown): never => {
    throw new CheckpointError(file, `field '${field}' must be ${expected}, got ${preview(got)}`);
  };
  if (!isObject(c)) return bad('(top level)', 'an object', c);
  if (c.format !== CHECKPOINT_FORMAT) bad('format', `"${CHECKPOINT_FORMAT}"`, c.format);
  if (!READABLE_VERSIONS.includes(c.version as number)) bad('version', `${READABLE_VERSIONS.join(' or ')} (this gaaf reads versions ${READABLE_VERSIONS.join(' and ')})`, c.version);
  const v1 = c.version === 1;
  const w = c.weights;
  if (!isObject(w)) return bad('weights', 'an object', w);
  if (typeof w.file !== 'string') bad('weights.file', 'a string', w.file);
  if (!isCount(w.bytes)) bad('weights.bytes', 'a byte count', w.bytes);
  if (typeof w.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(w.sha256)) bad('weights.sha256', 'a hex SHA-256', w.sha256);
  const m = c.model;
  if (!isObject(m)) return bad('model', 'an object', m);
  if (!Array.isArray(m.inputShape) || m.inputShape.length === 0 || !m.inputShape.every((d) => isCount(d) && d > 0)) {
    bad('model.inputShape', 'a list of positive integers', m.inputShape);
  }
  if (!Array.isArray(m.layers) || m.layers.length === 0) return bad('model.layers', 'a non-empty list', m.layers);
  m.layers.forEach((l, i) => {
    if (!isObject(l) || typeof l.className !== 'string' || !isObject(l.config)) bad(`model.layers[${i}]`, 'an object {className, config}', l);
    if (isObject(l) && l.trainable !== undefined && typeof l.trainable !== 'boolean') bad(`model.layers[${i}].trainable`, 'true or false', l.trainable);
  });
  if (v1) m.builder = null;
  else if (m.builder !== null && (!isObject(m.builder) || typeof m.builder.name !== 'string' || !isObject(m.builder.options))) {
    bad('model.builder', 'null or an object {name, options}', m.builder);
  }
  const isLoss = (l: unknown): boolean => isObject(l) && typeof l.name === 'string' && isObject(l.options) && Object.values(l.options).every(isNum);
  if (m.loss !== undefined && !isLoss(m.loss)) bad('model.loss', 'an object {name, options} (options numbers)', m.loss);
  if (m.losses !== undefined) {
    if (!Array.isArray(m.losses) || m.losses.length < 2 || !m.losses.every(isLoss)) bad('model.losses', 'a list of {name, options}, one per output (two or more)', m.losses);
    if (!isNumArray(m.lossWeights) || m.lossWeights.length !== (m.losses as unknown[]).length || !m.lossWeights.every((w) => w >= 0)) {
      bad('model.lossWeights', `a list of ${(m.losses as unknown[]).length} finite numbers ≥ 0, one per output`, m.lossWeights);
    }
    if (m.loss !== undefined) bad('model.loss', 'absent beside model.losses', m.loss);
  }
  const o = c.optimizer;
  if (o !== null) {
    if (!isObject(o)) return bad('optimizer', 'an object or null', o);
    if (!isObject(o.config) || typeof o.config.name !== 'string') bad('optimizer.config', 'an object with a name', o.config);
    if (!isObject(o.state) || !Object.values(o.state).every(isNum)) bad('optimizer.state', 'an object of numbers', o.state);
    if (!Array.isArray(o.slots) || !o.slots.every((s) => typeof s === 'string')) bad('optimizer.slots', 'a list of slot names', o.slots);
  }
  const r = c.rng;
  if (r !== null && (!isObject(r) || !isSeed(r.seed) || typeof r.scheme !== 'string')) bad('rng', 'null or {seed, scheme} with a seed in [0, 2^32)', r);
  const t = c.training;
  if (t !== null) {
    if (!isObject(t)) return bad('training', 'an object or null', t);
    if (v1) {
      // version 1 kept the gradient information's sums itself: they become GradientInfo's state
      for (const k of ['epochGradSum', 'gradTotal'] as const) if (!isNumArray(t[k]) || !t[k].every((g) => g >= 0)) bad(`training.${k}`, 'a list of finite numbers ≥ 0', t[k]);
      const gradInfo: GradientInfoState = { epochSum: t.epochGradSum as number[], total: t.gradTotal as number[] };
      t.callbacks = { gradInfo };
      delete t.epochGradSum;
      delete t.gradTotal;
    } else if (!isObject(t.callbacks)) {
      bad('training.callbacks', "an object of the training callbacks' states", t.callbacks);
    }
    checkTraining(t, bad);
    if (r !== null && (r as { seed: number }).seed !== t.seed) bad('rng.seed', `training.seed (${t.seed as number})`, (r as { seed: number }).seed);
  }
  if (typeof c.savedAt !== 'string') bad('savedAt', 'a string', c.savedAt);
  c.version = CHECKPOINT_VERSION; // what it now holds
  return c as unknown as CheckpointConfig;
}

// ---------------------------------------------------------------------------------------
// Where checkpoints go: a handler stores and returns the two byte strings. Node's atomic
// directory handler is in ./node.ts, the browser's IndexedDB and download/upload handlers
// in ./browser.ts; memoryHandler serves tests and in-process snapshots.

export interface CheckpointBytes {
  weights: Uint8Array;
  config: Uint8Array;
}

export interface LoadedBytes extends CheckpointBytes {
  /** Names for error messages, e.g. the full paths of the two files. */
  weightsName: string;
  configName: string;
}

export interface CheckpointHandler {
  /** Where the checkpoints go, for messages. */
  readonly description: string;
  /** Stores a checkpoint; when it resolves, it is complete and durable (as far as the medium allows). */
  save(c: CheckpointBytes): Promise<void>;
  /**
   * Begins a run of saves; fit() calls it before the first epoch and close() when training
   * ends. A handler checks here that it can write and takes what it needs to write alone (a
   * Node directory: its lock), so that a read-only target or a second writer is refused
   * before any training. Pairs may nest. Optional.
   */
  open?(): Promise<void>;
  /** Ends the run of saves that open() began. Never throws. */
  close?(): Promise<void>;
  /** The latest complete checkpoint. */
  load(): Promise<LoadedBytes>;
}

/** Keeps checkpoints in memory (the last `keep`); load() returns the newest. */
export function memoryHandler(name = 'memory'): CheckpointHandler & { readonly saved: CheckpointBytes[] } {
  const saved: CheckpointBytes[] = [];
  return {
    description: name,
    saved,
    async save(c) {
      saved.push({ weights: c.weights.slice(), config: c.config.slice() });
    },
    async load() {
      const c = saved[saved.length - 1];
      if (!c) throw new CheckpointError(name, 'no checkpoint has been saved');
      return { weights: c.weights, config: c.config, weightsName: `${name}/${WEIGHTS_FILE}`, configName: `${name}/${CONFIG_FILE}` };
    },
  };
}

export { sha256Hex } from '../sha256.js';

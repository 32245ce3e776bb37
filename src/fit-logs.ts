// The names training logs go by. fit() logs gaaf's camelCase keys (loss, accuracy, mse,
// valLoss, valAccuracy, valMse, ...); a TF.js or Keras user reads logs.acc, logs.val_loss,
// logs.val_acc, or a metric under the name they gave it in `metrics`. Those keys are added
// beside the camelCase ones as non-enumerable aliases, so a TF.js callback reads what it
// expects while JSON output (the CLI's --json lines) and checkpoints keep one copy of each
// value. History.history, TF.js's per-metric arrays, is built from the same logs.
import type { EpochLogs } from './callbacks.js';

/** A metric as `metrics` names it and the head's metric whose value it is. */
export interface MetricName {
  readonly name: string;
  readonly key: string;
}

// What TF.js and Keras call each metric the heads report (src/head.ts metricNames).
const SPELLINGS: ReadonlyArray<[readonly string[], readonly string[]]> = [
  [['accuracy', 'acc'], ['accuracy', 'binaryAccuracy']],
  [['categoricalAccuracy', 'categorical_accuracy', 'sparseCategoricalAccuracy', 'sparse_categorical_accuracy'], ['accuracy']],
  [['binaryAccuracy', 'binary_accuracy'], ['binaryAccuracy']],
  [['mse', 'meanSquaredError', 'mean_squared_error'], ['mse']],
  [['mae', 'meanAbsoluteError', 'mean_absolute_error'], ['mae']],
];

/**
 * compile's or fit's `metrics` resolved against the loss's metrics: each name must be one the
 * loss reports (every one of them is always logged; `metrics` adds the names to log them under).
 */
export function resolveMetrics(names: unknown, headMetrics: readonly string[], lossName: string): MetricName[] {
  if (names === undefined) return [];
  const list = typeof names === 'string' ? [names] : names;
  if (!Array.isArray(list) || !list.every((n) => typeof n === 'string')) {
    throw new TypeError(`gaaf: fit: metrics must be a list of metric names, got ${JSON.stringify(names)}`);
  }
  return list.map((name: string) => {
    const row = SPELLINGS.find(([spell]) => spell.includes(name));
    const key = row?.[1].find((k) => headMetrics.includes(k)) ?? (headMetrics.includes(name) ? name : undefined);
    if (key === undefined) {
      throw new RangeError(`gaaf: fit: metrics: '${name}' is not a metric of the loss '${lossName}', which reports ${headMetrics.join(', ')} ` +
        `(as TF.js names them: ${SPELLINGS.filter(([, ks]) => ks.some((k) => headMetrics.includes(k))).flatMap(([s]) => s).join(', ')})`);
    }
    return { name, key };
  });
}

const lowerFirst = (s: string): string => s[0].toLowerCase() + s.slice(1);

function alias(logs: Record<string, unknown>, name: string, value: unknown): void {
  if (value === undefined || Object.hasOwn(logs, name)) return;
  Object.defineProperty(logs, name, { value, enumerable: false, writable: true, configurable: true });
}

/** Adds TF.js's keys to an epoch's logs: acc, val_loss, val_<metric>, val_acc, and the `metrics` names. */
export function addTfjsKeys(logs: EpochLogs, metrics: readonly MetricName[]): EpochLogs {
  const l = logs as Record<string, unknown>;
  alias(l, 'acc', l.accuracy);
  for (const k of Object.keys(l)) {
    if (/^val[A-Z]/.test(k)) alias(l, `val_${lowerFirst(k.slice(3))}`, l[k]);
  }
  alias(l, 'val_acc', l.valAccuracy);
  for (const { name, key } of metrics) {
    alias(l, name, l[key]);
    alias(l, `val_${name}`, l[`val${key[0].toUpperCase()}${key.slice(1)}`]);
  }
  return logs;
}

const NOT_METRICS = new Set(['epoch', 'seconds', 'samplesPerSec', 'steps']);

/** TF.js's History.history: each metric's value per epoch, under TF.js's keys and gaaf's metric names (not the camelCase val keys). */
export function historyOf(epochs: readonly EpochLogs[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const logs of epochs) {
    for (const k of Object.getOwnPropertyNames(logs)) {
      const v = (logs as Record<string, unknown>)[k];
      if (NOT_METRICS.has(k) || /^val[A-Z]/.test(k) || typeof v !== 'number') continue;
      (out[k] ??= []).push(v);
    }
  }
  return out;
}

/** One line per epoch for fit's `verbose` (Keras's verbose=2 form). */
export function epochLine(logs: EpochLogs, epochs: number): string {
  const parts = Object.keys(logs)
    .filter((k) => !NOT_METRICS.has(k) && typeof (logs as Record<string, unknown>)[k] === 'number')
    .map((k) => `${k} ${((logs as Record<string, unknown>)[k] as number).toFixed(4)}`);
  return `Epoch ${logs.epoch}/${epochs} - ${logs.seconds.toFixed(1)}s - ${parts.join(' - ')}`;
}

// The messages between a Trainer (./trainer.ts, the page's side) and serveTrainer (./serve.ts,
// in the module worker), and what both sides share: datasets on the wire, the buffers a message
// may transfer, and errors as data. Every request carries an id and gets one reply; a fit also
// sends its progress as events under its id. Control messages (pause, resume, cancel) get no
// reply: the worker reads them between training steps.
import type { Dataset, InitOptions } from '../index.js';
import type { ModelSource } from './describe.js';

/** What a fit reports, in order: the hooks of fit's callbacks (TF.js names), and the pauses. */
export type FitEventType = 'trainBegin' | 'epochBegin' | 'batchBegin' | 'batchEnd' | 'epochEnd' | 'trainEnd' | 'paused' | 'resumed';
export const FIT_EVENT_TYPES: readonly FitEventType[] = ['trainBegin', 'epochBegin', 'batchBegin', 'batchEnd', 'epochEnd', 'trainEnd', 'paused', 'resumed'];

/** A dataset in the worker, uploaded once (Trainer.upload) and named by its ref in fit, evaluate and validationData. */
export interface DatasetRef { readonly ref: number }

/** A dataset as sent: its fields, or the ref of one uploaded before. */
export type WireData = Dataset | DatasetRef;

/** x and y as fit(x, y) takes them (nested arrays, typed arrays; a tensor goes as its shape and values). */
export interface WireArrays { arrays: [WireArray, WireArray] }
export type WireArray = ArrayLike<number> | readonly unknown[] | { tensor: { shape: number[]; values: Float32Array } };

const isTensorLike = (v: unknown): v is { shape: readonly number[]; dataSync(): ArrayLike<number> } =>
  typeof v === 'object' && v !== null && Array.isArray((v as { shape?: unknown }).shape) && typeof (v as { dataSync?: unknown }).dataSync === 'function';

/** x or y for the wire: a tensor-like (whose dataSync does not survive postMessage) as its shape and values. */
export function wireArray(v: unknown): WireArray {
  if (isTensorLike(v)) return { tensor: { shape: [...v.shape], values: Float32Array.from(v.dataSync()) } };
  return v as WireArray;
}

/** The worker's side of wireArray: a tensor-like again. */
export function unwireArray(v: WireArray): unknown {
  if (typeof v === 'object' && v !== null && 'tensor' in v) {
    const { shape, values } = v.tensor;
    return { shape, dataSync: () => values };
  }
  return v;
}

// fit's logs carry TF.js's keys (acc, val_loss, ...) as non-enumerable aliases (src/fit-logs.ts),
// which postMessage drops: they travel under this key and are made non-enumerable again.
const HIDDEN = '__nonEnumerable';

/** `o`'s own fields, its non-enumerable ones (the aliases) under HIDDEN. */
export function packLogs(o: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...o };
  const hidden: Record<string, unknown> = {};
  for (const k of Object.getOwnPropertyNames(o)) if (!Object.prototype.propertyIsEnumerable.call(o, k)) hidden[k] = (o as Record<string, unknown>)[k];
  if (Object.keys(hidden).length) out[HIDDEN] = hidden;
  return out;
}

/** packLogs undone, in place. */
export function unpackLogs<T extends object>(o: T): T {
  const r = o as Record<string, unknown>;
  const hidden = r[HIDDEN] as Record<string, unknown> | undefined;
  if (hidden) {
    delete r[HIDDEN];
    for (const [k, v] of Object.entries(hidden)) Object.defineProperty(r, k, { value: v, enumerable: false, writable: true, configurable: true });
  }
  return o;
}

export type Request =
  | { op: 'init'; id: number; model: ModelSource; init: InitOptions; control: Int32Array | null }
  | { op: 'fit'; id: number; data: WireData | WireArrays; opts: Record<string, unknown> }
  | { op: 'evaluate'; id: number; data: WireData | WireArrays; opts: Record<string, unknown> }
  | { op: 'predict'; id: number; x: Float32Array | Float32Array[]; opts: Record<string, unknown> }
  | { op: 'upload'; id: number; data: Dataset }
  | { op: 'release'; id: number; ref: number }
  | { op: 'setWeights'; id: number; weights: Float32Array[] }
  | { op: 'getWeights' | 'weightsSha256' | 'save'; id: number };

/** cancel: every fit whose request id is at most `through`. */
export type Control = { op: 'pause' | 'resume' } | { op: 'cancel'; through: number };

/**
 * Where SharedArrayBuffer is allowed (a cross-origin isolated page), pause and cancel are also
 * written to a shared control word, so the worker sees them at the very next step rather than
 * when it next reads its messages (fit reads them every 50 ms of work). Its slots:
 */
export const CONTROL_PAUSED = 0; // 1 while paused
export const CONTROL_CANCEL = 1; // fits with a request id up to this are cancelled

export type ToWorker = Request | Control;

/** An error as data: the worker's name, message and stack, and its own fields (epoch, step, layer, file, ...). */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  props: Record<string, unknown>;
}

export type FromWorker =
  | { kind: 'ready' }
  | { kind: 'reply'; id: number; ok: true; result: unknown; step: number }
  | { kind: 'reply'; id: number; ok: false; error: WireError; step: number }
  | { kind: 'event'; id: number; type: FitEventType; index: number | null; logs: Record<string, unknown>; step: number };

/** The part of a worker (or of the worker's global scope) both sides use. */
export interface Port {
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  addEventListener(type: 'message', listener: (e: { data: unknown }) => void): void;
}

const isTransferable = (b: ArrayBufferLike): b is ArrayBuffer =>
  // a SharedArrayBuffer is shared, not moved; a detached buffer cannot move again
  !(typeof SharedArrayBuffer === 'function' && b instanceof SharedArrayBuffer) && b.byteLength > 0;

/** The distinct buffers under `arrays` that can move to another thread (no SharedArrayBuffer, none twice). */
export function buffersOf(arrays: ReadonlyArray<ArrayBufferView | undefined | null>): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const a of arrays) if (a && isTransferable(a.buffer)) out.add(a.buffer);
  return [...out];
}

/** The arrays of a dataset sent by value. */
export function datasetArrays(d: WireData | WireArrays): ArrayBufferView[] {
  if ('ref' in d) return [];
  if ('arrays' in d) return d.arrays.map((a) => (ArrayBuffer.isView(a) ? a : 'tensor' in (a as object) ? (a as { tensor: { values: Float32Array } }).tensor.values : null)).filter((a): a is Float32Array => a !== null);
  return [d.x, d.y, d.targets].filter((a): a is Float32Array | Int32Array => ArrayBuffer.isView(a));
}

/** A dataset's fields as a plain object (a frozen Dataset or one with getters clones the same). */
export function plainDataset(d: Dataset): Dataset {
  const o: Record<string, unknown> = {};
  for (const k of ['x', 'y', 'targets', 'targetSize', 'count', 'sampleShape', 'numClasses', 'name'] as const) if (d[k] !== undefined) o[k] = d[k];
  if (Array.isArray(o.sampleShape)) o.sampleShape = [...(o.sampleShape as number[])];
  return o as unknown as Dataset;
}

/** `e` as data that survives postMessage: the fields that clone, and the rest as their String(). */
export function encodeError(e: unknown): WireError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e), props: {} };
  const props: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (k === 'name' || k === 'message' || k === 'stack') continue;
    try {
      props[k] = structuredClone(v);
    } catch {
      props[k] = String(v);
    }
  }
  return { name: e.name, message: e.message, stack: e.stack, props };
}

/** Thrown in the worker by Trainer.cancel() (and an aborted signal): the fit stopped before its next step. */
export class FitCancelledError extends Error {
  override readonly name = 'AbortError';
  constructor(message: string, readonly step: number) {
    super(message);
  }
}

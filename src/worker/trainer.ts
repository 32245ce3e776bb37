// The page's side of training in a Web Worker: createTrainer() starts the package's module
// worker (./entry.ts, which runs serveTrainer), sends it the model (./describe.ts) and returns a
// Trainer whose fit, evaluate and predict run there, so the page's main thread only sends
// requests and receives results. Data goes by value, or moves (`transfer: true`: the caller's
// arrays are detached); results (predictions, weights, checkpoint bytes) always move. A
// dataset used more than once is best uploaded once (upload) and named by its ref.
import {
  type ArrayData, type CheckpointBytes, type CheckpointHandler, CheckpointError, CheckpointLockedError, DataFormatError, type Dataset, type Evaluation, type History,
  type InitInfo, type InitOptions, MemoryLimitError, type Optimizer, type TrainOptions, TrainingDivergedError,
} from '../index.js';
import { type ModelInput, modelSource } from './describe.js';
import { FitRun } from './fit-run.js';
import {
  CONTROL_CANCEL, CONTROL_PAUSED, type Control, type DatasetRef, FitCancelledError, type FromWorker, type Port, type Request, type WireArrays, type WireData, type WireError,
  buffersOf, datasetArrays, plainDataset, unpackLogs, wireArray,
} from './protocol.js';

export interface TrainerOptions {
  /** The model to train: a model (built: its weights go along; not built: fit builds it from the seed there), its spec, or checkpoint bytes. */
  model: ModelInput;
  /** Your own worker module (it calls serveTrainer() from 'gaaf/worker', after registering custom layers or callbacks). Default: the package's. */
  workerUrl?: string | URL;
  /** init() options for the worker's gaaf (threads, precision). */
  init?: InitOptions;
  /** Move checkpoint bytes given as `model` instead of copying them. */
  transfer?: boolean;
}

/** Moves the data's buffers to the worker instead of copying them (they are detached here), and an AbortSignal that cancels. */
export interface SendOptions { transfer?: boolean }

/** A callback that runs in the worker, by class name: { className: 'GradientInfo' }. */
export interface CallbackSpec { className: string; config?: Record<string, unknown> }

/** Trainer.fit's options: fit's (TrainOptions), with data that can be sent and callbacks by name. */
export interface WorkerFitOptions extends Omit<TrainOptions, 'optimizer' | 'callbacks' | 'validationData' | 'resume'>, SendOptions {
  /** A name, or an optimizer made here (not yet used): its config() goes, and the worker makes the same one. */
  optimizer?: TrainOptions['optimizer'];
  /** A dataset (or an uploaded one), or [xVal, yVal] when fit is given x and y. */
  validationData?: Dataset | WorkerDataset | readonly [ArrayData, ArrayData];
  callbacks?: CallbackSpec | readonly CallbackSpec[];
  signal?: AbortSignal;
}

/** A dataset held by the worker (Trainer.upload): pass it wherever a dataset goes, without sending it again. */
export interface WorkerDataset extends DatasetRef {
  readonly name: string;
  readonly count: number;
  readonly sampleShape: readonly number[];
  readonly numClasses: number;
}

type WorkerCtor = new (url: string | URL, opts: { type: 'module' }) => Port & { terminate(): void; addEventListener(type: 'error', l: (e: { message?: string }) => void): void };

const TRAINER_OPTIONS: ReadonlySet<string> = new Set(['model', 'workerUrl', 'init', 'transfer']);
const ERRORS: Record<string, object> = {
  Error: Error.prototype, RangeError: RangeError.prototype, TypeError: TypeError.prototype, AbortError: FitCancelledError.prototype,
  TrainingDivergedError: TrainingDivergedError.prototype, CheckpointError: CheckpointError.prototype, CheckpointLockedError: CheckpointLockedError.prototype,
  MemoryLimitError: MemoryLimitError.prototype, DataFormatError: DataFormatError.prototype,
};

/** The worker's error as the same class (where gaaf has it), with its name, message, fields and the worker's stack. */
function decodeError(w: WireError): Error {
  const e = Object.create(ERRORS[w.name] ?? Error.prototype) as Error;
  Object.assign(e, w.props);
  for (const [k, v] of [['name', w.name], ['message', w.message], ['stack', w.stack ?? `${w.name}: ${w.message}`]] as const) {
    Object.defineProperty(e, k, { value: v, writable: true, configurable: true, enumerable: false });
  }
  return e;
}

// As Model.fit tells a dataset (or an uploaded one) from x given as an array or a tensor.
const isDataset = (v: unknown): v is Dataset | WorkerDataset =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) && (('sampleShape' in v && 'count' in v) || 'ref' in v);

/** Starts a worker that holds `opts.model`, and resolves to its Trainer once gaaf is loaded there and the model is made. */
export async function createTrainer(opts: TrainerOptions): Promise<Trainer> {
  const unknown = Object.keys(opts ?? {}).filter((k) => !TRAINER_OPTIONS.has(k));
  if (unknown.length) throw new RangeError(`gaaf/worker: createTrainer: unknown option ${unknown.map((k) => `'${k}'`).join(', ')} (expected ${[...TRAINER_OPTIONS].join(', ')})`);
  if (opts?.model === undefined) throw new TypeError('gaaf/worker: createTrainer: `model` is required');
  const Worker = (globalThis as { Worker?: WorkerCtor }).Worker;
  if (typeof Worker !== 'function') {
    throw new Error('gaaf/worker: this runtime has no Web Worker (globalThis.Worker): train on this thread with model.fit, or in a worker of your own');
  }
  const { source, transfer } = await modelSource(opts.model, opts.transfer === true);
  // The literal `new Worker(new URL(...), { type: 'module' })` is what Vite and webpack recognise and bundle.
  const worker = opts.workerUrl !== undefined ? new Worker(opts.workerUrl, { type: 'module' }) : new Worker(new URL('./entry.js', import.meta.url), { type: 'module' });
  const trainer = new Trainer(worker);
  try {
    await trainer.ready;
    const r = (await trainer.request({ op: 'init', id: 0, model: source, init: opts.init ?? {}, control: trainer.control }, transfer)) as { info: InitInfo };
    trainer.initInfo = r.info;
  } catch (e) {
    trainer.terminate();
    throw e;
  }
  return trainer;
}

/** A model in a Web Worker: fit, evaluate and predict run there. Made by createTrainer. */
export class Trainer {
  /** What init() reported in the worker (threads, precision, ...). */
  initInfo: InitInfo | null = null;
  /** @internal resolves when the worker is listening */
  readonly ready: Promise<void>;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private readonly runs = new Map<number, FitRun>();
  private readonly refs = new WeakSet<WorkerDataset>();
  private nextId = 1;
  private lastStep = 0;
  private isPaused = false;
  private dead: Error | null = null;
  /** @internal the shared control word (./protocol.ts), where SharedArrayBuffer is allowed */
  readonly control: Int32Array | null =
    typeof SharedArrayBuffer === 'function' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false ? new Int32Array(new SharedArrayBuffer(8)) : null;

  /** @internal use createTrainer */
  constructor(private readonly worker: Port & { terminate(): void; addEventListener(type: 'error', l: (e: { message?: string }) => void): void }) {
    let ready!: () => void;
    let failed!: (e: unknown) => void;
    this.ready = new Promise<void>((res, rej) => {
      ready = res;
      failed = rej;
    });
    worker.addEventListener('message', (e) => {
      const m = e.data as FromWorker;
      if (m.kind === 'ready') return ready();
      this.lastStep = m.step;
      if (m.kind === 'event') {
        this.runs.get(m.id)?.emit({ type: m.type, index: m.index, logs: unpackLogs(m.logs) });
        return;
      }
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.ok) p?.resolve(m.result);
      else p?.reject(decodeError(m.error));
    });
    worker.addEventListener('error', (e) => {
      const err = new Error(`gaaf/worker: the trainer's worker failed${e.message ? `: ${e.message}` : ' to load (check its URL and that it is served as JavaScript)'}`);
      failed(err);
      this.fail(err);
    });
  }

  /** The model's global step, as of the latest reply or event from the worker. */
  get step(): number {
    return this.lastStep;
  }

  /** @internal */
  request(r: Request, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    const id = r.op === 'init' ? 0 : r.id > 0 ? r.id : this.nextId++;
    const msg = { ...r, id };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        this.worker.postMessage(msg, transfer);
      } catch (e) {
        this.pending.delete(id);
        reject(new TypeError(`gaaf/worker: ${r.op}: cannot send this to the worker (${(e as Error).message}); send datasets, typed arrays and plain options`));
      }
    });
  }

  private send(m: Control): void {
    if (!this.dead) this.worker.postMessage(m);
  }

  private wire(data: Dataset | WorkerDataset | readonly [ArrayData, ArrayData], transfer: boolean | undefined, where: string): { data: WireData | WireArrays; transfer: ArrayBuffer[] } {
    if (Array.isArray(data)) {
      const w: WireArrays = { arrays: [wireArray(data[0]), wireArray(data[1])] };
      return { data: w, transfer: transfer ? buffersOf(datasetArrays(w)) : [] };
    }
    if (data && typeof data === 'object' && 'ref' in data) {
      if (!this.refs.has(data)) throw new RangeError(`gaaf/worker: ${where}: this dataset was uploaded to another trainer`);
      return { data: { ref: data.ref }, transfer: [] };
    }
    const d = data && typeof data === 'object' ? plainDataset(data as Dataset) : (data as Dataset);
    return { data: d, transfer: transfer && d ? buffersOf(datasetArrays(d)) : [] };
  }

  /**
   * Trains the worker's model, as model.fit does (the same options and results; callbacks are
   * named specs that run there), and returns the run: await it for the History, and follow it
   * with run.on('batchEnd', (batch, logs) => ...) or `for await (const e of run)`.
   */
  fit(data: Dataset | WorkerDataset, opts?: WorkerFitOptions): FitRun;
  fit(x: ArrayData, y: ArrayData, opts?: WorkerFitOptions): FitRun;
  fit(a: Dataset | WorkerDataset | ArrayData, b?: WorkerFitOptions | ArrayData, c?: WorkerFitOptions): FitRun {
    const arrays = !isDataset(a);
    const opts = ((arrays ? c : b) ?? {}) as WorkerFitOptions;
    const { transfer, signal, optimizer, validationData, ...rest } = opts;
    let history: Promise<History>;
    const id = this.nextId++; // its events come under its request's id
    const control = { pause: () => this.pause(), resume: () => this.resume(), cancel: () => this.cancel() };
    try {
      const main = this.wire(arrays ? [a as ArrayData, b as ArrayData] : (a as Dataset), transfer, 'fit');
      const val = validationData === undefined ? null : this.wire(validationData, transfer, 'fit: validationData');
      const sent: Record<string, unknown> = { ...rest };
      if (optimizer !== undefined) sent.optimizer = typeof optimizer === 'object' && optimizer !== null ? optimizerName(optimizer) : optimizer;
      if (val) sent.validationData = val.data;
      const specs = rest.callbacks === undefined ? [] : Array.isArray(rest.callbacks) ? rest.callbacks : [rest.callbacks];
      const bad = specs.findIndex((c) => !c || typeof c.className !== 'string' || Object.values(c).some((v) => typeof v === 'function'));
      if (bad >= 0) {
        throw new TypeError(`gaaf/worker: fit: callbacks[${bad}]: callbacks run in the worker, so they are named, { className, config } ` +
          "(GradientInfo, EarlyStopping, ReduceLROnPlateau, or one registerWorkerCallback added there); follow the fit here with run.on('batchEnd', (batch, logs) => ...)");
      }
      if (signal?.aborted) throw new FitCancelledError('gaaf/worker: fit: the signal was aborted before the fit began', this.lastStep);
      history = (this.request({ op: 'fit', id, data: main.data, opts: sent }, [...new Set([...main.transfer, ...(val?.transfer ?? [])])]) as Promise<History>)
        .then((h) => ({ ...h, epochs: h.epochs.map(unpackLogs) }));
      if (signal) {
        const abort = (): void => this.cancel();
        signal.addEventListener('abort', abort, { once: true });
        history.then(() => signal.removeEventListener('abort', abort), () => signal.removeEventListener('abort', abort));
      }
    } catch (e) {
      history = Promise.reject(e);
    }
    const run = new FitRun(history, control);
    this.runs.set(id, run);
    history.then(() => this.runs.delete(id), () => this.runs.delete(id));
    return run;
  }

  /** The model's loss and metrics over `data` (model.evaluate in the worker; between two steps when a fit is running). */
  evaluate(data: Dataset | WorkerDataset, opts?: { batchSize?: number } & SendOptions): Promise<Evaluation>;
  evaluate(x: ArrayData, y: ArrayData, opts?: { batchSize?: number } & SendOptions): Promise<Evaluation>;
  async evaluate(a: Dataset | WorkerDataset | ArrayData, b?: ({ batchSize?: number } & SendOptions) | ArrayData, c?: { batchSize?: number } & SendOptions): Promise<Evaluation> {
    const arrays = !isDataset(a);
    const { transfer, ...rest } = ((arrays ? c : b) ?? {}) as { batchSize?: number } & SendOptions;
    const w = this.wire(arrays ? [a as ArrayData, b as ArrayData] : (a as Dataset), transfer, 'evaluate');
    return this.request({ op: 'evaluate', id: 0, data: w.data, opts: rest }, w.transfer) as Promise<Evaluation>;
  }

  /** model.predict in the worker: resolves to a Float32Array moved from it (not copied). */
  async predict(x: Float32Array | readonly Float32Array[], opts: { batchSize?: number } & SendOptions = {}): Promise<Float32Array> {
    const { transfer, ...rest } = opts;
    const xs = Array.isArray(x) ? [...x] : (x as Float32Array);
    return this.request({ op: 'predict', id: 0, x: xs, opts: rest }, transfer ? buffersOf(Array.isArray(xs) ? xs : [xs]) : []) as Promise<Float32Array>;
  }

  /** Sends a dataset to the worker once; the returned ref stands for it in fit, evaluate and validationData. */
  async upload(data: Dataset, opts: SendOptions = {}): Promise<WorkerDataset> {
    const w = this.wire(data, opts.transfer, 'upload');
    const d = w.data as Dataset;
    const ref = (await this.request({ op: 'upload', id: 0, data: d }, w.transfer)) as number;
    const out: WorkerDataset = Object.freeze({ ref, name: d.name, count: d.count, sampleShape: Object.freeze([...(d.sampleShape ?? [])]), numClasses: d.numClasses });
    this.refs.add(out);
    return out;
  }

  /** Frees an uploaded dataset in the worker. */
  async release(data: WorkerDataset): Promise<void> {
    if (!this.refs.has(data)) throw new RangeError('gaaf/worker: release: this dataset was not uploaded to this trainer');
    this.refs.delete(data);
    await this.request({ op: 'release', id: 0, ref: data.ref });
  }

  /** Copies of the model's parameters (params() order), moved from the worker. */
  async getWeights(): Promise<Float32Array[]> {
    return this.request({ op: 'getWeights', id: 0 }) as Promise<Float32Array[]>;
  }

  async setWeights(weights: readonly Float32Array[], opts: SendOptions = {}): Promise<void> {
    await this.request({ op: 'setWeights', id: 0, weights: [...weights] }, opts.transfer ? buffersOf(weights) : []);
  }

  /** The model's weightsSha256() in the worker. */
  async weightsSha256(): Promise<string> {
    return this.request({ op: 'weightsSha256', id: 0 }) as Promise<string>;
  }

  /**
   * The model's checkpoint bytes (architecture, weights, layer state), moved from the worker;
   * with a handler (indexedDBHandler, memoryHandler, ...) also saved through it. Sequential.load
   * or Model.load rebuild the model from them on any thread.
   */
  async save(target?: CheckpointHandler): Promise<CheckpointBytes> {
    const b = (await this.request({ op: 'save', id: 0 })) as CheckpointBytes;
    if (target) await target.save(b);
    return b;
  }

  /** Holds the fit in progress (and any fit started later) between two steps until resume(). */
  pause(): void {
    this.isPaused = true;
    if (this.control) Atomics.store(this.control, CONTROL_PAUSED, 1);
    this.send({ op: 'pause' });
  }

  resume(): void {
    this.isPaused = false;
    if (this.control) Atomics.store(this.control, CONTROL_PAUSED, 0);
    this.send({ op: 'resume' });
  }

  get paused(): boolean {
    return this.isPaused;
  }

  /** Stops the fit in progress before its next step: its run rejects with an AbortError (FitCancelledError). */
  cancel(): void {
    const through = Math.max(0, ...this.runs.keys());
    if (this.control) Atomics.store(this.control, CONTROL_CANCEL, Math.max(through, Atomics.load(this.control, CONTROL_CANCEL)));
    this.send({ op: 'cancel', through });
  }

  /** Stops the worker; pending requests reject. */
  terminate(): void {
    this.worker.terminate();
    this.fail(new Error('gaaf/worker: the trainer was terminated'));
  }

  private fail(e: Error): void {
    this.dead ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}

/** An optimizer made on this thread, as the name and options the worker makes it from (its config()). */
function optimizerName(o: Optimizer): { name: string } & Record<string, number | string> {
  if (o.iterations > 0) throw new RangeError(`gaaf/worker: fit: the optimizer has taken ${o.iterations} steps here; pass a new one (its config goes to the worker, not its state)`);
  return o.config() as { name: string } & Record<string, number | string>;
}

// The trainer's worker side: serveTrainer() answers a Trainer's requests (./trainer.ts) in a
// module worker. It loads gaaf (init), makes the model (./describe.ts), and runs the model's own
// fit, evaluate and predict on it, so the results are those of the same calls on any thread.
// A fit sends each callback hook as an event; pause and cancel are read between steps (a paused
// fit awaits a promise that resume settles: the worker's event loop stays free, nothing spins,
// and predict or evaluate requests are still answered); cancel throws before the next step,
// so the model keeps the weights of the last one. Results are transferred, not copied.
import { type Callback, type Dataset, EarlyStopping, GradientInfo, type History, ReduceLROnPlateau, type InitOptions, type Model, type OptimizerName, init, makeOptimizer, snapshot } from '../index.js';
import { type ModelSource, modelFromSource } from './describe.js';
import { CONTROL_CANCEL, CONTROL_PAUSED, FitCancelledError, type FitEventType, type FromWorker, type Port, type Request, type ToWorker, type WireArrays, type WireData, encodeError, packLogs, unwireArray } from './protocol.js';

/** Makes a callback that runs in the worker from its spec's config (Trainer.fit's `callbacks: [{ className, config }]`). */
export type WorkerCallbackFactory = (config: Record<string, unknown>) => Callback;

const CALLBACKS = new Map<string, WorkerCallbackFactory>([
  ['GradientInfo', (c) => {
    if (Object.keys(c).length) throw new RangeError(`gaaf/worker: fit: GradientInfo takes no config, got ${Object.keys(c).map((k) => `'${k}'`).join(', ')}`);
    return new GradientInfo();
  }],
  ['EarlyStopping', (c) => new EarlyStopping(c)],
  ['ReduceLROnPlateau', (c) => new ReduceLROnPlateau(c)],
]);

/** Lets fits in this worker use a callback class by name (call it in your own worker module before serveTrainer()). */
export function registerWorkerCallback(className: string, factory: WorkerCallbackFactory): void {
  CALLBACKS.set(className, factory);
}

/**
 * fit's yield (src/fit.ts) uses setImmediate where there is one, else setTimeout(0), which
 * browsers clamp to 4 ms once nested: up to 8% of a worker's time at one yield per 50 ms. In
 * the trainer's own worker a MessageChannel gives the same yield unclamped.
 */
function installSetImmediate(): void {
  const g = globalThis as { setImmediate?: (f: () => void) => void; MessageChannel?: typeof MessageChannel };
  if (typeof g.setImmediate === 'function' || typeof g.MessageChannel !== 'function') return;
  const ch = new g.MessageChannel();
  const queue: Array<() => void> = [];
  ch.port1.onmessage = () => queue.shift()?.();
  g.setImmediate = (f) => {
    queue.push(f);
    ch.port2.postMessage(0);
  };
}

interface FitState { id: number; epoch: number }

/** Serves a Trainer from this worker (`scope`: the worker's global scope). The package's worker module calls it; a worker of your own may register layers and callbacks first. */
export function serveTrainer(scope: Port = globalThis as unknown as Port): void {
  let model: Model | null = null;
  const datasets = new Map<number, Dataset>();
  let nextRef = 1;
  let paused = false;
  let cancelThrough = 0;
  let control: Int32Array | null = null;
  let wake: (() => void) | null = null;
  const isPaused = (): boolean => paused || (control !== null && Atomics.load(control, CONTROL_PAUSED) === 1);
  const isCancelled = (f: FitState): boolean => f.id <= cancelThrough || (control !== null && f.id <= Atomics.load(control, CONTROL_CANCEL));
  const post = (m: FromWorker, transfer: ArrayBuffer[] = []): void => scope.postMessage(m, transfer);
  const step = (): number => model?.step ?? 0;

  const need = (): Model => {
    if (!model) throw new Error('gaaf/worker: the trainer has no model yet');
    return model;
  };
  /** fit's and evaluate's leading arguments: a dataset, or x and y. */
  const dataArgs = (d: WireData | WireArrays, where: string): [Dataset] | [unknown, unknown] =>
    d && typeof d === 'object' && 'arrays' in d ? [unwireArray(d.arrays[0]), unwireArray(d.arrays[1])] : [dataset(d, where)];
  const dataset = (d: WireData, where: string): Dataset => {
    if (d && typeof d === 'object' && 'ref' in d) {
      const got = datasets.get(d.ref);
      if (!got) throw new RangeError(`gaaf/worker: ${where}: dataset ref ${d.ref} is not in this worker (released, or uploaded to another trainer)`);
      return got;
    }
    return d;
  };

  /** Between steps: stop here if cancelled; wait here while paused. */
  async function gate(f: FitState, batch: number): Promise<void> {
    const stop = (): never => {
      throw new FitCancelledError(`gaaf/worker: fit cancelled before epoch ${f.epoch + 1}, batch ${batch + 1} (after step ${step()}); the model keeps the weights of step ${step()}`, step());
    };
    if (isCancelled(f)) stop();
    if (!isPaused()) return;
    post({ kind: 'event', id: f.id, type: 'paused', index: null, logs: { step: step() }, step: step() });
    // no spinning: resume and cancel arrive as messages, and settle this promise
    while (isPaused() && !isCancelled(f)) await new Promise<void>((r) => (wake = r));
    wake = null;
    if (isCancelled(f)) stop();
    post({ kind: 'event', id: f.id, type: 'resumed', index: null, logs: { step: step() }, step: step() });
  }

  async function fit(id: number, data: WireData | WireArrays, opts: Record<string, unknown>): Promise<unknown> {
    const m = need();
    const f: FitState = { id, epoch: 0 };
    const specs = opts.callbacks === undefined ? [] : Array.isArray(opts.callbacks) ? opts.callbacks : [opts.callbacks];
    const callbacks = specs.map((s: { className?: unknown; config?: Record<string, unknown> }, i) => {
      const make = typeof s?.className === 'string' ? CALLBACKS.get(s.className) : undefined;
      if (!make) {
        throw new RangeError(`gaaf/worker: fit: callbacks[${i}]: unknown callback ${typeof s?.className === 'string' ? `'${s.className}'` : JSON.stringify(s)} ` +
          `(a callback runs in the worker, named { className, config }: ${[...CALLBACKS.keys()].join(', ')}; follow training with run.on('batchEnd', ...))`);
      }
      return make(s.config ?? {});
    });
    const grad = callbacks.find((c): c is GradientInfo => c instanceof GradientInfo);
    const event = (type: FitEventType, index: number | null, logs: object): void =>
      post({ kind: 'event', id, type, index, logs: packLogs(logs), step: step() });
    const reporter: Callback = {
      // with GradientInfo attached, the names of the Dense layers its values are of (as History.layers)
      onTrainBegin: (logs) => event('trainBegin', null, grad ? { ...logs, layers: [...grad.layers] } : logs ?? {}),
      onEpochBegin: (epoch, logs) => {
        f.epoch = epoch;
        event('epochBegin', epoch, logs ?? {});
      },
      onBatchBegin: async (batch, logs) => {
        await gate(f, batch);
        event('batchBegin', batch, logs ?? {});
      },
      // with GradientInfo attached, each step's mean |dE/dW| per Dense kernel (its `last`) rides along
      onBatchEnd: (batch, logs) => event('batchEnd', batch, grad ? { ...logs, gradInfo: [...grad.last] } : logs ?? {}),
      onEpochEnd: (epoch, logs) => event('epochEnd', epoch, logs ?? {}),
      onTrainEnd: (logs) => event('trainEnd', null, logs ?? {}),
    };
    const validation = opts.validationData as WireData | WireArrays | undefined;
    const full: Record<string, unknown> = { ...opts, callbacks: [...callbacks, reporter] };
    if (validation) {
      const v = dataArgs(validation, 'fit: validationData');
      full.validationData = v.length === 1 ? v[0] : v;
    }
    // an optimizer made on the page arrives as its config(): the same optimizer, made here
    if (typeof opts.optimizer === 'object' && opts.optimizer !== null) {
      const { name, ...rest } = opts.optimizer as { name: OptimizerName } & Record<string, number>;
      full.optimizer = makeOptimizer(name, rest);
    }
    const h = await (m.fit as (...a: unknown[]) => Promise<History>)(...dataArgs(data, 'fit'), full);
    return { ...h, epochs: h.epochs.map(packLogs) };
  }

  async function handle(r: Request): Promise<{ result: unknown; transfer?: ArrayBuffer[] }> {
    switch (r.op) {
      case 'init': {
        if (model) throw new Error('gaaf/worker: this trainer already has its model');
        control = r.control;
        const info = await init(r.init as InitOptions);
        model = await modelFromSource(r.model as ModelSource);
        return { result: { info, built: model.built } };
      }
      case 'fit':
        return { result: await fit(r.id, r.data, r.opts) };
      case 'evaluate':
        return { result: (need().evaluate as (...a: unknown[]) => unknown)(...dataArgs(r.data, 'evaluate'), r.opts) };
      case 'predict': {
        const out = need().predict(r.x, r.opts);
        return { result: out, transfer: [out.buffer as ArrayBuffer] };
      }
      case 'upload': {
        const ref = nextRef++;
        datasets.set(ref, r.data);
        return { result: ref };
      }
      case 'release':
        return { result: datasets.delete(r.ref) };
      case 'getWeights': {
        const ws = need().getWeights();
        return { result: ws, transfer: ws.map((w) => w.buffer as ArrayBuffer) };
      }
      case 'setWeights':
        need().setWeights(r.weights);
        return { result: null };
      case 'weightsSha256':
        return { result: await need().weightsSha256() };
      case 'save': {
        const b = await snapshot(need());
        return { result: b, transfer: [b.weights.buffer as ArrayBuffer, b.config.buffer as ArrayBuffer] };
      }
    }
  }

  installSetImmediate();
  scope.addEventListener('message', (e) => {
    const m = e.data as ToWorker;
    if (m.op === 'pause') paused = true;
    else if (m.op === 'resume') {
      paused = false;
      wake?.();
    } else if (m.op === 'cancel') {
      cancelThrough = Math.max(cancelThrough, m.through);
      wake?.();
    } else {
      const r = m as Request;
      handle(r).then(
        ({ result, transfer }) => post({ kind: 'reply', id: r.id, ok: true, result, step: step() }, transfer),
        (err: unknown) => post({ kind: 'reply', id: r.id, ok: false, error: encodeError(err), step: step() }),
      );
    }
  });
  post({ kind: 'ready' });
}

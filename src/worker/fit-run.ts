// FitRun: what Trainer.fit returns for one fit in the worker. It is a promise of the History
// (await it, or run.history), an emitter of the fit's progress (run.on('batchEnd', (batch,
// logs) => ...), the TF.js callback names and arguments), and an async iterable of the same
// events (for await (const e of run)), and it pauses, resumes and cancels its fit.
import type { EpochLogs, History } from '../index.js';
import { FIT_EVENT_TYPES, type FitEventType } from './protocol.js';

/** One progress event: its type, the 0-based epoch or batch index (null for train and pause events), and its logs. */
export interface FitEvent {
  type: FitEventType;
  index: number | null;
  logs: Record<string, unknown>;
}

/** A batch's logs as fit's callbacks get them (epoch and batch 1-based, step, loss, size, ...), and, with GradientInfo attached, that step's gradInfo. */
export type BatchLogs = Record<string, unknown> & { step?: number; loss?: number; gradInfo?: number[] };

export interface FitListeners {
  trainBegin: (logs: Record<string, unknown>) => void;
  epochBegin: (epoch: number, logs: Record<string, unknown>) => void;
  batchBegin: (batch: number, logs: BatchLogs) => void;
  batchEnd: (batch: number, logs: BatchLogs) => void;
  epochEnd: (epoch: number, logs: EpochLogs) => void;
  trainEnd: (logs: Record<string, unknown>) => void;
  /** The fit stopped between steps (Trainer.pause) after step `logs.step`; resumed: it goes on. */
  paused: (logs: { step: number }) => void;
  resumed: (logs: { step: number }) => void;
}

export interface FitControl {
  pause(): void;
  resume(): void;
  cancel(): void;
}

export class FitRun implements PromiseLike<History>, AsyncIterable<FitEvent> {
  /** Resolves to the fit's History when it ends; rejects with the worker's error (the same name, message and fields). */
  readonly history: Promise<History>;
  private readonly listeners = new Map<FitEventType, Set<(...args: never[]) => void>>();
  private readonly iterators = new Set<{ queue: FitEvent[]; wake: (() => void) | null }>();
  private ended: { ok: boolean; error?: unknown } | null = null;

  /** @internal made by Trainer.fit */
  constructor(history: Promise<History>, private readonly control: FitControl) {
    this.history = history;
    const end = (e: { ok: boolean; error?: unknown }): void => {
      this.ended = e;
      for (const it of this.iterators) it.wake?.();
    };
    history.then(() => end({ ok: true }), (error: unknown) => end({ ok: false, error }));
  }

  /** Calls `listener` on each event of `type` (the arguments of the callback hook of that name). */
  on<K extends keyof FitListeners>(type: K, listener: FitListeners[K]): this {
    if (!FIT_EVENT_TYPES.includes(type)) throw new RangeError(`gaaf/worker: FitRun.on: unknown event '${String(type)}' (expected ${FIT_EVENT_TYPES.join(', ')})`);
    if (typeof listener !== 'function') throw new TypeError(`gaaf/worker: FitRun.on('${type}'): the listener must be a function`);
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener as (...args: never[]) => void);
    return this;
  }

  off<K extends keyof FitListeners>(type: K, listener: FitListeners[K]): this {
    this.listeners.get(type)?.delete(listener as (...args: never[]) => void);
    return this;
  }

  /** @internal an event from the worker */
  emit(e: FitEvent): void {
    for (const it of this.iterators) {
      it.queue.push(e);
      it.wake?.();
    }
    const set = this.listeners.get(e.type);
    if (!set) return;
    const args = e.index === null ? [e.logs] : [e.index, e.logs];
    for (const f of set) {
      try {
        (f as (...a: unknown[]) => void)(...args);
      } catch (err) {
        // a listener's error is reported (window.onerror) and does not stop the fit or the other listeners
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  then<A = History, B = never>(onFulfilled?: ((h: History) => A | PromiseLike<A>) | null, onRejected?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.history.then(onFulfilled, onRejected);
  }

  catch<B = never>(onRejected?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<History | B> {
    return this.history.catch(onRejected);
  }

  /** Stops the fit between two steps until resume() (Trainer.pause). */
  pause(): void {
    this.control.pause();
  }

  resume(): void {
    this.control.resume();
  }

  /** Stops the fit before its next step: the run rejects with an AbortError; the model keeps the weights of the last step. */
  cancel(): void {
    this.control.cancel();
  }

  /** The events from now on, until the fit ends (then it returns, or throws the fit's error). */
  [Symbol.asyncIterator](): AsyncIterator<FitEvent> {
    const it = { queue: [] as FitEvent[], wake: null as (() => void) | null };
    this.iterators.add(it);
    const next = async (): Promise<IteratorResult<FitEvent>> => {
      for (;;) {
        if (it.queue.length) return { value: it.queue.shift()!, done: false };
        if (this.ended) {
          this.iterators.delete(it);
          if (!this.ended.ok) throw this.ended.error;
          return { value: undefined, done: true };
        }
        await new Promise<void>((r) => (it.wake = r));
        it.wake = null;
      }
    };
    return {
      next,
      return: async () => {
        this.iterators.delete(it);
        return { value: undefined, done: true };
      },
    };
  }
}

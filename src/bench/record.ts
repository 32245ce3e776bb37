// One benchmark measurement, as written to bench/results/*.json and printed by `gaaf bench --json`.
// The first eight fields are the original record shape (kept so older results files still
// read); everything after them is optional.
import type { MachineInfo } from '../machine.js';

export type { MachineInfo } from '../machine.js';

/** What a case's one call does, so its median time becomes a rate. */
export interface Work {
  /** Floating-point operations (multiply and add counted separately). */
  flop?: number;
  /** Bytes read plus bytes written. */
  bytes?: number;
  /** Elements processed (activations, optimizers). */
  elements?: number;
  /** Training samples (one step of a batch). */
  samples?: number;
}

/** The figure a record is judged by; ratios and regressions use it. */
export type Metric = 'gflops' | 'gbps' | 'samplesPerSec';

export interface BenchRecord {
  suite: string;
  /** Kernel or model, e.g. 'A·B', 'tanh fwd', 'mlp-base'. */
  name: string;
  /** Column in the report: 'simd', 'scalar', 'tfjs-wasm', 'tfjs-cpu', 'chromium-simd', ... */
  engine: string;
  /** Problem size: N for square GEMM, elements for elementwise kernels, batch for training. */
  size: number;
  /** GFLOP/s at the median time; 0 where the kernel's flops are not counted (see `metric`). */
  gflops: number;
  medianMs: number;
  /** Median absolute deviation of the per-call times. */
  madMs: number;
  samples: number;

  /** The figure to compare (default 'gflops'). */
  metric?: Metric;
  /** GB/s moved at the median time (memory-bound kernels). */
  gbps?: number;
  /** Elements per second at the median time. */
  elementsPerSec?: number;
  /** Training samples per second at the median step time. */
  samplesPerSec?: number;
  /** What exactly ran: the build and library, e.g. 'gaaf simd (build/gaaf.wasm)', 'tfjs 4.22.0 wasm, simd'. */
  impl?: string;
  /** Where it ran: 'node' (default) or 'chromium'. */
  host?: string;
  /** Set instead of timings when the engine has no such kernel or the case failed. */
  error?: string;
  /** Case details, e.g. { K: 512, batch: 128 }. */
  params?: Record<string, number | string | boolean>;
}

/** Timings of one case: per-call latencies in milliseconds, as tinybench reports them. */
export interface Timing {
  medianMs: number;
  madMs: number;
  samples: number;
}

export interface CaseKey {
  suite: string;
  name: string;
  engine: string;
  size: number;
  impl?: string;
  host?: string;
  params?: Record<string, number | string | boolean>;
}

/** Default metric for a piece of work: GFLOP/s where flops are counted, else GB/s, else samples/s. */
export function metricFor(w: Work): Metric {
  if (w.samples) return 'samplesPerSec';
  if (w.flop) return 'gflops';
  return 'gbps';
}

/** A record from a case's timing and work. */
export function makeRecord(key: CaseKey, work: Work, t: Timing, metric: Metric = metricFor(work)): BenchRecord {
  const s = t.medianMs / 1000;
  const r: BenchRecord = {
    suite: key.suite,
    name: key.name,
    engine: key.engine,
    size: key.size,
    gflops: work.flop ? work.flop / s / 1e9 : 0,
    medianMs: t.medianMs,
    madMs: t.madMs,
    samples: t.samples,
    metric,
  };
  if (work.bytes) r.gbps = work.bytes / s / 1e9;
  if (work.elements) r.elementsPerSec = work.elements / s;
  if (work.samples) r.samplesPerSec = work.samples / s;
  if (key.impl) r.impl = key.impl;
  if (key.host) r.host = key.host;
  if (key.params) r.params = key.params;
  return r;
}

/** A record for a case that has no kernel in this engine, or that failed: no timings. */
export function errorRecord(key: CaseKey, error: string, metric: Metric = 'gflops'): BenchRecord {
  const r: BenchRecord = { suite: key.suite, name: key.name, engine: key.engine, size: key.size, gflops: 0, medianMs: 0, madMs: 0, samples: 0, metric, error };
  if (key.impl) r.impl = key.impl;
  if (key.host) r.host = key.host;
  if (key.params) r.params = key.params;
  return r;
}

/** The value of a record's metric (NaN for error records). */
export function metricValue(r: BenchRecord): number {
  if (r.error) return NaN;
  const m = r.metric ?? 'gflops';
  const v = m === 'gflops' ? r.gflops : m === 'gbps' ? r.gbps : r.samplesPerSec;
  return typeof v === 'number' ? v : NaN;
}

export const METRIC_UNITS: Readonly<Record<Metric, string>> = { gflops: 'GFLOP/s', gbps: 'GB/s', samplesPerSec: 'samples/s' };

/** A results file: every record of one run with the machine it ran on. */
export interface BenchResults {
  date: string;
  quick: boolean;
  /** 'full', 'quick' or 'smoke' (see runner.ts). */
  mode?: string;
  command?: string;
  machine: MachineInfo;
  records: BenchRecord[];
}

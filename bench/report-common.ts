// What the report's parts share: which engines are ours and in what order they appear, their
// chart colours, the suites' titles, a record's column label and its size label.
import type { TopLevelSpec } from 'vega-lite';
import type { BenchRecord } from '../src/bench/record.js';

/** Engines that are ours (a regression in them is a bug); the first is the one ratios are taken from. */
export const OUR_ENGINES = ['simd', 'relaxed', 'scalar'];
export const ENGINE_ORDER = ['simd', 'relaxed', 'scalar', 'tfjs-wasm', 'tfjs-cpu'];
export const ENGINE_COLORS: Record<string, string> = {
  simd: '#4c78a8', relaxed: '#72b7b2', scalar: '#9d755d', 'tfjs-wasm': '#f58518', 'tfjs-cpu': '#e45756',
  'chromium-simd': '#54a24b', 'chromium-scalar': '#b279a2',
};
export const SUITE_TITLES: Record<string, string> = {
  gemm: 'GEMM', conv: 'conv2d', act: 'Activations, GAAF, dropout and softmax cross-entropy', optim: 'Optimizer updates', train: 'Whole training (MLP 784-512-256-256-10)',
  threads: 'Threads: speedup of 2 and 4 threads over 1 (same run)', pairs: 'Against TF.js, call against call (the figures to quote)',
  fast: 'The fast (relaxed-SIMD) build against the deterministic build, call against call',
};

export interface ReportChart {
  file: string;
  title: string;
  caption: string;
  spec: TopLevelSpec;
}

/** Column label of a record: its engine, or engine prefixed with the host for browser runs. */
export function engineOf(r: BenchRecord): string {
  return r.host && r.host !== 'node' && !r.engine.startsWith(`${r.host}-`) ? `${r.host}-${r.engine}` : r.engine;
}

export const rank = (e: string): number => {
  const base = e.replace(/^chromium-/, '');
  return (e.startsWith('chromium-') ? 10 : 0) + (ENGINE_ORDER.includes(base) ? ENGINE_ORDER.indexOf(base) : ENGINE_ORDER.length);
};
export const sortEngines = (es: Iterable<string>): string[] => [...new Set(es)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));

export const sizeLabel = (r: BenchRecord): string => {
  if (r.suite === 'gemm') return `${r.size}`;
  if (r.suite === 'train' || (r.suite === 'threads' && r.params?.batch !== undefined)) return `batch ${r.size}`;
  if (r.suite === 'threads') return `${r.size}`;
  if (r.params?.B !== undefined && r.params?.C !== undefined) return `${r.params.B}×${r.params.C}`;
  return r.size >= 1 << 20 && r.size % (1 << 20) === 0 ? `${r.size >> 20}M` : r.size >= 1024 && r.size % 1024 === 0 ? `${r.size >> 10}K` : `${r.size}`;
};

/** The ceiling measured just before `suite` (newer runs measure it before each suite), if any. */
export function peakFor(records: readonly BenchRecord[], suite: string): BenchRecord | undefined {
  return records.find((r) => r.suite === 'peak' && !r.error && r.params?.before === suite && !r.host);
}

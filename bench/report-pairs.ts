// The report's call-against-call table (the pairs suite, bench/pairs.ts): per kernel and size,
// ours and each peer's median, the median of the per-round ratios ours ÷ peer with its
// interquartile range, the median per-round % of the peak loop, and the machine's state in
// that case (the peak loop's median GFLOP/s and the cores the process got).
import { type BenchRecord, METRIC_UNITS, metricValue } from '../src/bench/record.js';

/**
 * Flops of one training sample of the paper's MLP (784-512-256-256-10): the forward GEMMs, the
 * weight gradients and the input gradients of every layer but the first (2·in·out each).
 */
const MLP_SIZES = [784, 512, 256, 256, 10];
export const MLP_FLOP_PER_SAMPLE = MLP_SIZES.slice(1).reduce((f, out, l) => f + 2 * MLP_SIZES[l] * out * (l === 0 ? 2 : 3), 0);

/** The MLP step's peer (bench/pairs.ts) that is our own GEMM A·B at N = 512, interleaved with it. */
export const STEP_GEMM_PEER = 'gaaf gemm A·B 512';

const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);
const f = (v: number): string => (!Number.isFinite(v) ? '–' : Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));
const x = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(2)}×` : '–');

/** "1.23× (IQR 1.10–1.30)" from a peer record of the pairs suite. */
export function pairRatioText(r: BenchRecord): string {
  const p = r.params ?? {};
  return `**${x(num(p.ratio))}** (IQR ${num(p.ratioQ1).toFixed(2)}–${num(p.ratioQ3).toFixed(2)})`;
}

/** The markdown table of a call-against-call suite ('pairs' or 'fast'), one row per (host, kernel, size, peer). */
export function pairsTable(records: readonly BenchRecord[], suite = 'pairs'): string {
  const recs = records.filter((r) => r.suite === suite);
  const hosts = new Set(recs.map((r) => r.host ?? 'node'));
  const head = [...(hosts.size > 1 ? ['host'] : []), 'kernel', 'size', 'unit', 'ours', 'peer', 'peer’s', '**ours ÷ peer**, median of the rounds (IQR)', '% of peak (IQR)', 'peak GFLOP/s', 'cores got', 'rounds'];
  const rows: string[][] = [];
  const notes: string[] = [];
  // ours: 'simd' (pairs), 'relaxed' (fast), 'simd-2t' (threads-pairs); a peer carries vs (in the fast suite the peer is 'simd')
  for (const ours of recs.filter((r) => ['simd', 'relaxed', 'simd-2t'].includes(r.engine) && r.params?.vs === undefined)) {
    const same = (q: BenchRecord): boolean => q.name === ours.name && q.size === ours.size && q !== ours && (q.host ?? 'node') === (ours.host ?? 'node');
    const peers = recs.filter((q) => same(q) && q.params?.vs === ours.engine);
    const missing = recs.filter((q) => same(q) && q.error);
    const host = hosts.size > 1 ? [ours.host ?? 'node'] : [];
    const p = ours.params ?? {};
    const unit = METRIC_UNITS[ours.metric ?? 'gflops'];
    const pct = Number.isFinite(num(p.peakPct)) ? `${num(p.peakPct).toFixed(0)}% (${num(p.peakPctQ1).toFixed(0)}–${num(p.peakPctQ3).toFixed(0)})` : '–';
    const state = [f(num(p.peakGflops)), Number.isFinite(num(p.cpuPerWall)) ? num(p.cpuPerWall).toFixed(2) : '–', String(p.rounds ?? '–')];
    if (ours.error) {
      rows.push([...host, ours.name, String(ours.size), unit, `(${ours.error})`, '', '', '', '', '', '', '']);
      continue;
    }
    // a peer with work of its own (our GEMM beside the MLP step) is in its own unit
    const peerValue = (q: BenchRecord): string => f(metricValue(q)) + (q.metric !== ours.metric ? ` ${METRIC_UNITS[q.metric ?? 'gflops']}` : '');
    for (const q of peers) rows.push([...host, ours.name, String(ours.size), unit, f(metricValue(ours)), q.engine, peerValue(q), pairRatioText(q), pct, ...state]);
    for (const q of missing) notes.push(`${ours.name} ${ours.size}, ${q.engine}: ${q.error}`);
    if (!peers.length) rows.push([...host, ours.name, String(ours.size), unit, f(metricValue(ours)), '', '', '', pct, ...state]);
  }
  const o = hosts.size > 1 ? 1 : 0;
  const align = head.map((_, i) => (i >= 3 + o && i !== 4 + o ? '---:' : '---'));
  return [head, align, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n') + (notes.length ? `\n\nNo figure: ${notes.join('; ')}.` : '');
}

export const PAIRS_EXPLAINED = 'Call against call: in one process our call, the peer\'s call and the peak loop alternate on the same operands ' +
  '(the order reversed every other round) after warm-up rounds; **ours ÷ peer** is the median over the rounds of each round\'s ratio, with ' +
  'its interquartile range, and % of peak is each round\'s GFLOP/s ÷ that round\'s peak loop. "ours" and "peer’s" are the medians of ' +
  'their own calls; "peak GFLOP/s" is the peak loop\'s median in that case and "cores got" the process\'s CPU time ÷ wall time over ' +
  'the rounds (everything runs on this one thread: 1.00 is a free core, less means it was descheduled). Wall-clock time. ' +
  `The MLP step's peer "${STEP_GEMM_PEER}" is our own GEMM A·B at N = 512: its ratio is of GFLOP/s (the step's ${(MLP_FLOP_PER_SAMPLE / 1e6).toFixed(2)} MFLOP a sample), ` +
  'the share of GEMM\'s speed the step gets.';

export const THREADS_PAIRS_EXPLAINED = 'Here "ours" (simd-2t) is the call on 2 threads and the peer (simd-1t) the same call with splitting switched off, ' +
  'in the same pool, process and operands: ours ÷ peer is the speedup of 2 threads over 1. Unlike the tables above, the 2-thread calls use two cores: ' +
  '"cores got" is the process\'s CPU time ÷ wall time over both kinds of call (about 1.5 when each had the cores it asked for).';

export const FAST_EXPLAINED = 'Here "ours" (relaxed) is the fast build (init({ precision: \'fast\' }): f32x4.relaxed_madd, fused where the CPU has FMA) and ' +
  'the peer (simd) the deterministic build (f32x4.mul then f32x4.add), both instantiated side by side on the same operands; "% of peak" is ' +
  'against the deterministic build\'s peak loop, and the peak-loop row compares the two builds\' peak loops (the same 64 flops an iteration). ' +
  'The training rows run each build in its own child process, asked in turn (no peak loop there; "cores got" is the fast child\'s CPU time ÷ wall time).';

/** The targets measured call against call: the medians of the per-round figures, over the cases. */
export function pairTargets(records: readonly BenchRecord[]): Array<{ target: string; values: number[]; want: number; unit?: string }> {
  const recs = records.filter((r) => r.suite === 'pairs' && !r.error);
  const gemm = (engine: string) => recs.filter((r) => r.suite === 'pairs' && r.name.startsWith('gemm') && r.size >= 256 && r.size <= 1024 && r.engine === engine);
  const ours = gemm('simd');
  const fast = records.filter((r) => !r.error && r.suite === 'fast' && r.name.startsWith('gemm') && r.engine === 'simd' && r.host === 'chromium');
  const mlp = mlpShare(recs);
  return [
    { target: 'GEMM, every variant, N 256–1024: ≥ 90% of the peak loop, call against call', values: ours.map((r) => num(r.params?.peakPct)), want: 90, unit: '%' },
    { target: 'GEMM A·B, N 256–1024: ≥ 1.2× tfjs-wasm (same B), call against call', values: gemm('tfjs-wasm').filter((r) => r.name === 'gemm A·B').map((r) => num(r.params?.ratio)), want: 1.2 },
    { target: 'GEMM A·B, N 256–1024: ≥ 1.2× tfjs-wasm (new B each call), call against call', values: gemm('tfjs-wasm new B').filter((r) => r.name === 'gemm A·B').map((r) => num(r.params?.ratio)), want: 1.2 },
    { target: 'GEMM, every variant, N 256–1024, in Chromium: the fast (relaxed-SIMD) build ≥ 1.4× the deterministic build, call against call', values: fast.map((r) => num(r.params?.ratio)), want: 1.4 },
    { target: 'sigmoid forward: ≥ 1× tfjs-wasm, call against call', values: recs.filter((r) => r.name === 'act sigmoid fwd' && r.engine === 'tfjs-wasm').map((r) => num(r.params?.ratio)), want: 1 },
    { target: 'svhn conv1 (one input channel) forward: ≥ 50% of the peak loop, call against call', values: recs.filter((r) => /^conv svhn conv1 .*forward$/.test(r.name) && r.engine === 'simd').map((r) => num(r.params?.peakPct)), want: 50, unit: '%' },
    { target: `MLP training step, batch 128: ≥ 90% of what GEMM's speed allows (samples/s × ${(MLP_FLOP_PER_SAMPLE / 1e6).toFixed(2)} MFLOP ÷ GEMM A·B's GFLOP/s at N = 512, ${mlp.how})`, values: mlp.values, want: 90, unit: '%' },
  ];
}


/**
 * The MLP step's flop rate as a % of GEMM A·B's at N = 512, from one run's pairs records: the
 * median of the per-round ratios where the two ran interleaved (the step's STEP_GEMM_PEER
 * record). Results files from before that peer existed: the two cases ran a minute or so apart,
 * so each rate is first taken relative to the peak loop interleaved with it (params.peakGflops),
 * which cancels part of the machine's drift between them.
 */
function mlpShare(recs: readonly BenchRecord[]): { values: number[]; how: string } {
  const step = recs.find((r) => r.name === 'train mlp-base step' && r.engine === 'simd');
  const paired = recs.find((r) => r.name === 'train mlp-base step' && r.engine === STEP_GEMM_PEER && r.params?.vs === 'simd');
  if (paired) return { values: [100 * num(paired.params?.ratio)], how: 'the two interleaved call against call' };
  const how = 'each relative to its own interleaved peak loop, same run';
  const gemm = recs.find((r) => r.name === 'gemm A·B' && r.size === 512 && r.engine === 'simd');
  if (!step || !gemm) return { values: [], how };
  const stepOfPeak = (step.samplesPerSec! * MLP_FLOP_PER_SAMPLE) / 1e9 / num(step.params?.peakGflops);
  const gemmOfPeak = gemm.gflops / num(gemm.params?.peakGflops);
  return { values: [(100 * stepOfPeak) / gemmOfPeak], how };
}

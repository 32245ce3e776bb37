// REPORT.md and its charts from a results file: a table per suite with every engine's median
// and spread, the ratio ours ÷ peer measured in the same run, each kernel's GFLOP/s as a
// percentage of the measured SIMD peak, the issue's targets, and the kernels that got slower
// than in a baseline results file. Charts are Vega-Lite specs rendered to SVG in Node
// (src/reproduce/render-svg.ts's renderSvg).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peakRecord } from '../src/bench/index.js';
import { type BenchRecord, type BenchResults, METRIC_UNITS, type Metric, metricValue } from '../src/bench/record.js';
import { renderSvg } from '../src/reproduce/render-svg.js';
import { buildCharts } from './report-charts.js';
import { OUR_ENGINES, type ReportChart, SUITE_TITLES, engineOf, peakFor, rank, sizeLabel, sortEngines } from './report-common.js';
import { FAST_EXPLAINED, PAIRS_EXPLAINED, THREADS_PAIRS_EXPLAINED, pairTargets, pairsTable } from './report-pairs.js';

export { OUR_ENGINES, engineOf, buildCharts, peakFor, type ReportChart };


export interface ReportOptions {
  baseline?: BenchResults;
  /** A record of ours slower than the baseline by more than this fraction is flagged (default 0.1). */
  regressionThreshold?: number;
  /** Lines placed under the title (how it was measured, caveats). */
  notes?: string[];
}


export interface Regression {
  record: BenchRecord;
  baseline: number;
  now: number;
  /** now ÷ baseline − 1 (negative: slower). */
  change: number;
}

export interface Report {
  markdown: string;
  charts: ReportChart[];
  regressions: Regression[];
}


export function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
}

const fmtRatio = (v: number): string => (Number.isFinite(v) ? `${v >= 10 ? v.toFixed(0) : v.toFixed(1)}×` : '–');

const key = (r: BenchRecord): string => `${r.suite}\u0000${r.name}\u0000${r.size}\u0000${engineOf(r)}`;

/** The record of `engine` for the same suite, kernel and size as r. */
function peer(records: readonly BenchRecord[], r: BenchRecord, engine: string): BenchRecord | undefined {
  return records.find((q) => q.suite === r.suite && q.name === r.name && q.size === r.size && engineOf(q) === engine);
}

/** ours ÷ peer on the record's metric, from the same run; NaN when either is missing. */
export function ratio(records: readonly BenchRecord[], r: BenchRecord, peerEngine: string): number {
  const p = peer(records, r, peerEngine);
  return p ? metricValue(r) / metricValue(p) : NaN;
}

function table(head: string[], rows: string[][], rightFrom: number): string {
  const align = head.map((_, i) => (i >= rightFrom ? '---:' : '---'));
  return [head, align, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}


/** Ratio columns of a suite: ours (simd, or chromium-simd in a browser-only run) ÷ each other engine present. */
function ratioColumns(engines: string[]): Array<{ ours: string; peer: string }> {
  const cols: Array<{ ours: string; peer: string }> = [];
  // Node's SIMD against every Node peer and against itself in the browser (not the browser's scalar)
  if (engines.includes('simd')) for (const e of engines) if (e !== 'simd' && (!e.startsWith('chromium-') || e === 'chromium-simd')) cols.push({ ours: 'simd', peer: e });
  if (engines.includes('chromium-simd')) {
    for (const e of ['chromium-scalar']) if (engines.includes(e)) cols.push({ ours: 'chromium-simd', peer: e });
  }
  // the threads suite: N threads ÷ 1 thread, the speedup
  if (engines.includes('simd-1t')) for (const e of engines) if (/^simd-\d+t$/.test(e) && e !== 'simd-1t') cols.push({ ours: e, peer: 'simd-1t' });
  return cols;
}


/** The markdown table of one suite, and its footnotes (engines without the kernel). */
export function suiteTable(records: readonly BenchRecord[], suite: string, peak?: BenchRecord): string {
  const recs = records.filter((r) => r.suite === suite);
  const engines = sortEngines(recs.map(engineOf));
  const cols = ratioColumns(engines);
  const rowsKeyed = new Map<string, BenchRecord[]>();
  for (const r of recs) {
    const k = `${r.name}\u0000${r.size}`;
    if (!rowsKeyed.has(k)) rowsKeyed.set(k, []);
    rowsKeyed.get(k)!.push(r);
  }
  const metrics = new Set(recs.map((r) => r.metric ?? 'gflops'));
  const showPeak = peak && metrics.has('gflops') && suite !== 'train';
  const head = ['kernel', 'size', 'unit', ...engines, ...cols.map((c) => `**${c.ours} ÷ ${c.peer}**`), ...(showPeak ? ['% of peak (simd)'] : [])];
  const notes = new Map<string, string>();
  const rows: string[][] = [];
  const ordered = [...rowsKeyed.values()].sort((a, b) => (suite === 'train' ? a[0].name.localeCompare(b[0].name) || a[0].size - b[0].size : 0));
  for (const group of ordered) {
    const first = group[0];
    const m: Metric = first.metric ?? 'gflops';
    const cells = engines.map((e) => {
      const r = group.find((q) => engineOf(q) === e);
      if (!r) return '';
      if (r.error) {
        const n = notes.get(r.error) ?? `n/a${'¹²³⁴⁵⁶⁷⁸⁹'[notes.size] ?? '*'}`;
        notes.set(r.error, n);
        return n;
      }
      const spread = r.medianMs > 0 ? ` ±${Math.round((100 * r.madMs) / r.medianMs)}%` : '';
      return `${fmtNum(metricValue(r))}<sub>${spread}</sub>`;
    });
    const ours = (e: string) => group.find((q) => engineOf(q) === e);
    const ratios = cols.map((c) => {
      const o = ours(c.ours);
      const p = ours(c.peer);
      return o && p && !o.error && !p.error ? `**${fmtRatio(metricValue(o) / metricValue(p))}**` : '–';
    });
    const simd = ours('simd');
    const pk = showPeak ? [simd && !simd.error && m === 'gflops' ? `${(100 * simd.gflops / peak!.gflops).toFixed(0)}%` : ''] : [];
    rows.push([first.name, sizeLabel(first), METRIC_UNITS[m], ...cells, ...ratios, ...pk]);
  }
  let out = table(head, rows, 3);
  if (notes.size) out += '\n\n' + [...notes].map(([err, n]) => `${n}: ${err}`).join('; ') + '.';
  return out;
}

export interface TargetRow {
  target: string;
  measured: string;
  met: boolean | null;
}

const minMax = (xs: number[]): [number, number] => [Math.min(...xs), Math.max(...xs)];

/** The issue's targets for this machine kind, checked against the run's ratios. */
export function targets(records: readonly BenchRecord[]): TargetRow[] {
  const rows: TargetRow[] = [];
  const peak = peakFor(records, 'gemm') ?? peakRecord(records);
  const gemm = records.filter((r) => r.suite === 'gemm' && engineOf(r) === 'simd' && !r.error && r.size >= 256 && r.size <= 1024);
  const check = (target: string, xs: number[], want: number, unit = '×'): void => {
    const ok = xs.filter(Number.isFinite);
    if (!ok.length) {
      rows.push({ target, measured: 'not measured in this run', met: null });
      return;
    }
    const [lo, hi] = minMax(ok);
    const f = (v: number) => (unit === '%' ? `${v.toFixed(0)}%` : fmtRatio(v));
    rows.push({ target, measured: lo === hi ? f(lo) : `${f(lo)} to ${f(hi)}`, met: lo >= want });
  };
  const wasmAB = (r: BenchRecord) => {
    const p = records.find((q) => q.suite === 'gemm' && q.name === 'A·B' && q.size === r.size && engineOf(q) === 'tfjs-wasm');
    return p ? metricValue(r) / metricValue(p) : NaN;
  };
  check('GEMM, every variant, N 256–1024: ≥ 1.2× tfjs-wasm\'s plain A·B', gemm.map(wasmAB), 1.2);
  if (peak) check('GEMM, every variant, N 256–1024: ≥ 85% of the SIMD peak (aim)', gemm.map((r) => (100 * r.gflops) / peak.gflops), 85, '%');
  check('Transposed GEMM (A·Bᵀ, Aᵀ·B), N 256–1024: ≥ 10× tfjs-wasm\'s same variant', gemm.filter((r) => r.name !== 'A·B').map((r) => ratio(records, r, 'tfjs-wasm')), 10);
  const train = records.filter((r) => r.suite === 'train' && engineOf(r) === 'simd' && r.size === 128 && !r.error);
  check('MLP training, batch 128: ≥ 8× tfjs-wasm samples/s', train.map((r) => ratio(records, r, 'tfjs-wasm')), 8);
  check('MLP training, batch 128: ≥ 20× tfjs-cpu samples/s', train.map((r) => ratio(records, r, 'tfjs-cpu')), 20);
  for (const t of pairTargets(records)) check(t.target, t.values, t.want, t.unit);
  return rows;
}

const relMad = (r: BenchRecord): number => (r.medianMs > 0 ? r.madMs / r.medianMs : 0);

/** Records of ours that got slower than in the baseline by more than `threshold`. */
export function regressions(now: BenchResults, baseline: BenchResults, threshold = 0.1): Regression[] {
  const base = new Map(baseline.records.filter((r) => !r.error).map((r) => [key(r), r]));
  const out: Regression[] = [];
  for (const r of now.records) {
    if (r.error || !OUR_ENGINES.includes(engineOf(r).replace(/^chromium-/, ''))) continue;
    const b = base.get(key(r));
    if (!b) continue;
    const bv = metricValue(b);
    const nv = metricValue(r);
    // slower by more than the threshold, and by more than twice the two runs' spreads
    // together, so that one noisy measurement is not called a regression
    const spread = 2 * (relMad(b) + relMad(r));
    if (Number.isFinite(bv) && Number.isFinite(nv) && nv < bv * (1 - threshold) && 1 - nv / bv > spread) out.push({ record: r, baseline: bv, now: nv, change: nv / bv - 1 });
  }
  return out;
}


function machineLine(r: BenchResults): string {
  const m = r.machine;
  const wasm = Object.entries(m.wasm ?? {}).map(([k, v]) => `${k} ${v ? 'yes' : 'no'}`).join(', ');
  const extra = Object.entries(m).filter(([k]) => !['cpu', 'cores', 'memoryGiB', 'node', 'platform', 'arch', 'wasm'].includes(k))
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return [`${m.cpu ?? 'unknown CPU'}, ${m.cores ?? '?'} cores${m.memoryGiB ? `, ${m.memoryGiB} GiB` : ''}`, m.node ? `Node ${m.node}` : '',
    [m.platform, m.arch].filter(Boolean).join(' '), wasm ? `Wasm: ${wasm}` : '', ...extra].filter(Boolean).join('; ');
}

/** The report: markdown (with links to the charts) and the chart specs. */
export function buildReport(results: BenchResults, opts: ReportOptions = {}): Report {
  const recs = results.records;
  const peak = peakRecord(recs);
  const charts = buildCharts(results);
  const regs = opts.baseline ? regressions(results, opts.baseline, opts.regressionThreshold ?? 0.1) : [];
  const md: string[] = [];
  md.push('# SIMD benchmark report', '');
  md.push(`Measured ${results.date}${results.mode ? ` (${results.mode} run)` : results.quick ? ' (quick run)' : ''}.`, '');
  if (results.command) md.push(`Command: \`${results.command}\``, '');
  md.push(`Machine: ${machineLine(results)}.`, '');
  for (const n of opts.notes ?? []) md.push(n, '');
  const present = new Set(recs.map((r) => r.suite));
  const interleaved = ['pairs', 'fast', 'threads-pairs'].filter((x) => present.has(x));
  const tinybench = [...present].some((x) => !['peak', ...interleaved].includes(x));
  md.push([
    ...(tinybench ? ['In the per-suite tables each figure is the median of tinybench\'s timed calls after a warm-up, with the median absolute deviation as ±% of the median; ' +
      'their **bold ratio columns** (ours ÷ peer, same kernel and size, measured moments apart in the same process) compare engines run one after another.'] : []),
    ...(interleaved.length ? [`The call-against-call sections alternate the contenders round by round${tinybench ? ' instead' : ''} (see there): their ratios are the figures to quote.`] : []),
    'Absolute rates depend on the machine and its load.',
    ((multi) => (multi.length ? `Everything runs on one thread except ${multi.join(' and ')}.` : 'Everything runs on one thread.'))([
      ...(present.has('threads') ? ['the threads suite'] : []),
      ...[...new Set(recs.filter((r) => /-\dt$/.test(r.engine)).map((r) => `the ${r.engine} rows (${r.engine.match(/(\d)t$/)![1]} threads)`))],
    ]),
  ].join(' '), '');
  md.push('## The ceiling', '');
  md.push(peak
    ? `Register-only loop of independent f32x4 multiply-adds (\`assembly/peak.ts\`, no memory traffic; plain Wasm SIMD has no fused multiply-add): **${peak.gflops.toFixed(1)} GFLOP/s** (±${Math.round((100 * peak.madMs) / peak.medianMs)}%). Every GFLOP/s figure below is also shown as a percentage of it.`
    : 'The SIMD peak was not measured in this run.', '');
  for (const p of recs.filter((r) => r.suite === 'peak' && !r.error && r !== peak)) {
    const where = p.host ? `in ${p.host}` : p.params?.before ? `just before the ${p.params.before} suite` : 'again';
    md.push(`The same loop ${where}: ${p.gflops.toFixed(1)} GFLOP/s (±${Math.round((100 * p.madMs) / p.medianMs)}%)${p.params?.before && !p.host ? '; that suite\'s % of peak uses this one' : ''}.`, '');
  }
  const tg = targets(recs);
  if (tg.some((t) => t.met !== null)) {
    md.push('## Targets', '');
    md.push(table(['target', 'measured (min to max over the cases)', 'met'], tg.map((t) => [t.target, t.measured, t.met === null ? '–' : t.met ? 'yes' : '**no**']), 3), '');
  }
  if (opts.baseline) {
    md.push('## Regressions', '');
    md.push(`Against the baseline measured ${opts.baseline.date}: ${regs.length === 0 ? 'none of our kernels is' : `**${regs.length} of our records ${regs.length === 1 ? 'is' : 'are'}**`} slower by more than ${Math.round(100 * (opts.regressionThreshold ?? 0.1))}% and by more than twice the two measurements' spreads (MAD ÷ median) together.`, '');
    if (regs.length) {
      md.push(table(['suite', 'kernel', 'size', 'engine', 'baseline', 'now', 'change'], regs.map((g) => [g.record.suite, g.record.name, sizeLabel(g.record), engineOf(g.record), fmtNum(g.baseline), fmtNum(g.now), `**${(100 * g.change).toFixed(0)}%**`]), 4), '');
    }
  }
  const suites = [...new Set(recs.map((r) => r.suite))].filter((s) => s !== 'peak');
  for (const s of suites) {
    md.push(`## ${SUITE_TITLES[s] ?? s}`, '');
    md.push(...(s === 'pairs' || s === 'fast' || s === 'threads-pairs'
      ? [PAIRS_EXPLAINED, ...(s === 'fast' ? ['', FAST_EXPLAINED] : s === 'threads-pairs' ? ['', THREADS_PAIRS_EXPLAINED] : []), '', pairsTable(recs, s)]
      : [suiteTable(recs, s, peakFor(recs, s) ?? peak)]), '');
    for (const c of charts.filter((c) => c.file.startsWith(`${s}-`))) md.push(`![${c.title}](${c.file})`, '', c.caption, '');
  }
  const impls = new Map<string, Set<string>>();
  for (const r of recs) {
    if (!r.impl) continue;
    const k = `${engineOf(r)}\u0000${r.impl}`;
    if (!impls.has(k)) impls.set(k, new Set());
    impls.get(k)!.add(r.suite);
  }
  if (impls.size) {
    md.push('## Engines', '', ...[...impls].sort(([a], [b]) => rank(a.split('\u0000')[0]) - rank(b.split('\u0000')[0]))
      .map(([k, suites]) => `- **${k.split('\u0000')[0]}** (${[...suites].join(', ')}): ${k.split('\u0000')[1]}`), '');
  }
  return { markdown: md.join('\n').replace(/\n{3,}/g, '\n\n'), charts, regressions: regs };
}

/** Writes REPORT.md and the SVG charts into `dir` (each file written whole, then renamed). */
export async function writeReport(results: BenchResults, dir: string, opts: ReportOptions = {}): Promise<Report> {
  const report = buildReport(results, opts);
  mkdirSync(dir, { recursive: true });
  const put = (file: string, text: string): void => {
    const tmp = join(dir, `.${file}.tmp`);
    writeFileSync(tmp, text);
    renameSync(tmp, join(dir, file));
  };
  for (const c of report.charts) put(c.file, await renderSvg(c.spec));
  put('REPORT.md', report.markdown + '\n');
  return report;
}

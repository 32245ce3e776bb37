// Median thread speedups over several runs of the threads suite, as a markdown table:
//   node --import tsx bench/threads-summary.ts RESULTS.json... > SUMMARY.md
// For each kernel, size and thread count n: the median over the files of (rate on n threads ÷
// rate on 1 thread, both from the same file, so measured moments apart), its range, and the
// median of params.cpuPerWall (the process's CPU time ÷ wall time: the cores it actually got);
// then the interleaved 2-against-1 cases (suite 'threads-pairs'), each run's per-round median.
import { readFileSync } from 'node:fs';
import { type BenchRecord, type BenchResults, metricValue } from '../src/bench/record.js';

const files = process.argv.slice(2);
if (!files.length) {
  process.stderr.write('usage: node --import tsx bench/threads-summary.ts RESULTS.json...\n');
  process.exit(2);
}
const runs = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as BenchResults);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const threadsOf = (r: BenchRecord): number => Number(r.params?.threads ?? /^simd-(\d+)t$/.exec(r.engine)?.[1]);
const unit = (r: BenchRecord): string => (r.metric === 'samplesPerSec' ? 'samples/s' : 'GFLOP/s');

const rows: string[][] = [];
const first = runs[0].records.filter((r) => r.suite === 'threads' && !r.error);
const keys = [...new Map(first.map((r) => [`${r.name}\u0000${r.size}\u0000${threadsOf(r)}`, r])).values()];
for (const k of keys) {
  const speedups: number[] = [];
  const rates: number[] = [];
  const cores: number[] = [];
  for (const run of runs) {
    const recs = run.records.filter((r) => r.suite === 'threads' && !r.error && r.name === k.name && r.size === k.size);
    const one = recs.find((r) => threadsOf(r) === 1);
    const n = recs.find((r) => threadsOf(r) === threadsOf(k));
    if (!one || !n) continue;
    speedups.push(metricValue(n) / metricValue(one));
    rates.push(metricValue(n));
    if (typeof n.params?.cpuPerWall === 'number') cores.push(n.params.cpuPerWall);
  }
  if (!speedups.length) continue;
  rows.push([k.name, String(k.size), String(threadsOf(k)), `${median(rates).toFixed(1)} ${unit(k)}`,
    `**${median(speedups).toFixed(2)}×**`, `${Math.min(...speedups).toFixed(2)} to ${Math.max(...speedups).toFixed(2)}`,
    cores.length ? median(cores).toFixed(2) : '-']);
}
const m = runs[0].machine;
console.log(`Median over ${runs.length} runs of \`npm run bench -- threads\` (${m.cpu ?? 'cpu?'}, ${m.cores ?? '?'} cores, Node ${m.node ?? '?'}; ${runs.map((r) => r.date).join(', ')}).\n`);
const probes = runs.flatMap((r) => r.records.filter((q) => q.suite === 'threads' && typeof q.params?.coresAvailableBefore === 'number').slice(0, 1)
  .map((q) => `${q.params!.coresAvailableBefore} / ${q.params!.coresAvailableAfter}`));
if (probes.length) {
  const p = runs[0].records.find((q) => q.params?.probeThreads)?.params?.probeThreads;
  console.log(`Cores available to the process (${p} threads spinning on plain JS, CPU time ÷ wall time; before / after each run's cases): ${probes.join(', ')}.\n`);
}
const fp = runs.flatMap((r) => r.records.filter((q) => q.suite === 'threads' && typeof q.params?.peakScaling2Before === 'number').slice(0, 1)
  .map((q) => `${q.params!.peakScaling2Before}× / ${q.params!.peakScaling2After}×`));
if (fp.length) {
  console.log('The peak loop on 2 threads ÷ on 1 (each thread its own instance, all at once: whether the cores\' FP units were free; ' +
    `before / after each run's cases): ${fp.join(', ')}.\n`);
}
console.log('| kernel | size | threads | median rate | median speedup ÷ 1 thread | range | cores used (CPU ÷ wall) |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);

// 2 threads against 1, call against call (the threads-pairs cases): each run's median of the per-round ratios
const pairKeys = [...new Map(runs.flatMap((r) => r.records).filter((r) => r.suite === 'threads-pairs' && !r.error && r.params?.vs !== undefined)
  .map((r) => [`${r.name}\u0000${r.size}`, r])).values()];
if (pairKeys.length) {
  console.log('\nCall against call: the pool at 2 threads, each round one 2-thread call and the same call with splitting off (1 thread), ' +
    'alternating; a run\'s figure is the median of its rounds\' ratios, and the table gives the median over the runs with their range ' +
    'and the first run\'s interquartile range over its rounds.\n');
  console.log('| kernel | size | median speedup, 2 threads ÷ 1 | range over the runs | first run\'s IQR | rounds |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const k of pairKeys) {
    const per = runs.map((run) => run.records.find((r) => r.suite === 'threads-pairs' && !r.error && r.name === k.name && r.size === k.size && r.params?.vs !== undefined))
      .filter((r): r is BenchRecord => r !== undefined);
    const ratios = per.map((r) => Number(r.params!.ratio));
    const p0 = per[0].params!;
    console.log(`| ${k.name} | ${k.size} | **${median(ratios).toFixed(2)}×** | ${Math.min(...ratios).toFixed(2)} to ${Math.max(...ratios).toFixed(2)} | ` +
      `${Number(p0.ratioQ1).toFixed(2)}–${Number(p0.ratioQ3).toFixed(2)} | ${p0.rounds} |`);
  }
}

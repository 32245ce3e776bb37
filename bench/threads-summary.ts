// Median thread speedups over several runs of the threads suite, as a markdown table:
//   node --import tsx bench/threads-summary.ts RESULTS.json... > SUMMARY.md
// For each kernel, size and thread count n: the median over the files of (rate on n threads ÷
// rate on 1 thread, both from the same file, so measured moments apart), its range, and the
// median of params.cpuPerWall (the process's CPU time ÷ wall time: the cores it actually got).
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
console.log('| kernel | size | threads | median rate | median speedup ÷ 1 thread | range | cores used (CPU ÷ wall) |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);

// npm run bench [-- SUITE ...] [-- --quick]: runs the benchmark suites with tinybench and
// writes every record, with machine info, to bench/results/<timestamp>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { cnnTrainSuite } from './cnn-train.js';
import { convSuite } from './conv.js';
import { gemmSuite } from './gemm.js';
import type { BenchRecord, SuiteOptions } from './record.js';

const SUITES: Record<string, (o: SuiteOptions) => Promise<BenchRecord[]>> = { gemm: gemmSuite, conv: convSuite, 'cnn-train': cnnTrainSuite };
// suites that print their own comparison table (against a peer engine) instead of the one below
const OWN_TABLE = new Set(['conv', 'cnn-train']);

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const names = args.filter((a) => !a.startsWith('--'));
for (const n of names) {
  if (!SUITES[n]) {
    process.stderr.write(`bench: unknown suite '${n}' (available: ${Object.keys(SUITES).join(', ')})\n`);
    process.exit(2);
  }
}
const chosen = names.length ? names : Object.keys(SUITES);

const records: BenchRecord[] = [];
for (const s of chosen) {
  process.stderr.write(`bench: running ${s}${quick ? ' (quick)' : ''}\n`);
  records.push(...(await SUITES[s]({ quick, progress: (r) => r && process.stderr.write(`  ${r.engine.padEnd(6)} ${r.name.padEnd(5)} ${String(r.size).padStart(5)}  ${r.gflops.toFixed(2).padStart(7)} GFLOP/s\n`) })));
}

// ratio of each SIMD record to the scalar reference of the same kernel and size, and to the
// SIMD peak, all measured in this run
const peak = records.find((r) => r.name === 'peak');
const table = records.filter((r) => r.engine === 'simd' && r !== peak && !OWN_TABLE.has(r.suite)).map((r) => {
  const ref = records.find((q) => q.engine === 'scalar' && q.suite === r.suite && q.name === r.name && q.size === r.size);
  return {
    suite: r.suite, kernel: r.name, N: r.size, 'SIMD GFLOP/s': +r.gflops.toFixed(2),
    'scalar GFLOP/s': ref ? +ref.gflops.toFixed(2) : '-', 'SIMD ÷ scalar': ref ? +(r.gflops / ref.gflops).toFixed(1) : '-',
    '% of peak': peak ? +(100 * r.gflops / peak.gflops).toFixed(1) : '-',
    'median ms': +r.medianMs.toFixed(3),
  };
});
if (table.length && peak) console.log(`SIMD peak (register-only f32x4 mul+add, no loads): ${peak.gflops.toFixed(1)} GFLOP/s`);
if (table.length) console.table(table);

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
const out = new URL(`${stamp}.json`, dir);
const machine = { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, platform: `${process.platform} ${process.arch}` };
writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), quick, machine, records }, null, 2) + '\n');
process.stderr.write(`bench: wrote ${out.pathname}\n`);

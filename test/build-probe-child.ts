// Child of test/build-probe.test.ts, run with --experimental-wasm-relaxed-simd: the fast suite
// at smoke size, as JSON on the last line.
import { init, setThreads } from '../src/binding.js';
import { precisionPairCases, runPrecisionPairs } from '../src/bench/precision.js';

await init();
await setThreads(1);
const records = await runPrecisionPairs('smoke');
// a later run with larger operands opens larger probes (the smoke run's hold N = 17 only)
const big = precisionPairCases('quick').find((c) => c.size === 512)!;
const bigPrepared = await Promise.resolve(big.prepare()).then(() => true, (e: Error) => e.message);
process.stdout.write(JSON.stringify({ bigPrepared, records: records.map((r) => ({ name: r.name, engine: r.engine, error: r.error ?? null, params: r.params ?? {} })) }) + '\n');

// Child of test/build-probe.test.ts, run with --experimental-wasm-relaxed-simd: the fast suite
// at smoke size, as JSON on the last line.
import { init, setThreads } from '../src/binding.js';
import { runPrecisionPairs } from '../src/bench/precision.js';

await init();
await setThreads(1);
const records = await runPrecisionPairs('smoke');
process.stdout.write(JSON.stringify(records.map((r) => ({ name: r.name, engine: r.engine, error: r.error ?? null, params: r.params ?? {} }))) + '\n');

// Child process of threads.test.ts: loads gaaf where SharedArrayBuffer does not exist (as on a
// page without cross-origin isolation), so the single-threaded build must be chosen.
// Prints one JSON line: what setThreads gave and the bytes of a GEMM and a short training run.
delete (globalThis as { SharedArrayBuffer?: unknown }).SharedArrayBuffer;
const { allocF32, gemm, init, setThreads, threads, threadSupport } = await import('../src/binding.js');
const { fixedGemm, shortTraining } = await import('./threads-cases.js');
await init();
const support = threadSupport();
const got = await setThreads(4);
process.stdout.write(JSON.stringify({ support, got, threads: threads(), gemm: fixedGemm(allocF32, gemm), training: await shortTraining() }) + '\n');

#!/usr/bin/env bash
# Makes docs/benchmarks/: every suite in Node (full mode, the bundled training digits; about
# 20 minutes on a busy 2-core machine), the kernel suites in headless Chromium, then
# REPORT.md and its charts from both. `--report-only` only rewrites the report from the
# committed node.json and chromium.json. Edit the notes below to match a new run.
set -euo pipefail
cd "$(dirname "$0")/../.."
D=docs/benchmarks
if [ "${1:-}" != "--report-only" ]; then
  npm run bench -- --results "$D/node.json" --out "$D"
  npm run bench:browser -- --out "$D/chromium.json"
fi
npm run bench -- --from "$D/node.json" --from "$D/chromium.json" --out "$D" \
  --note "**Provisional.** Measured on a shared 2-core machine while four other engineers were building and testing on it (load average 5 to 9 during the run): absolute rates are low and noisy. Our GEMM reached 45 to 47 GFLOP/s at every size in quieter moments (N = 128 and 256 here, and Chromium's run), but only about 17.5 GFLOP/s at N = 512 and 1024, measured at the height of the load; the peak was measured before it, so the 30% of peak there is the load, not the kernel. The ratio columns compare measurements taken moments apart and are the figures to use (simd ÷ tfjs-wasm's A·B stayed at 1.6 to 1.8× throughout), but they too are disturbed by the load. To be rerun on a quiet machine with \`docs/benchmarks/make-report.sh\`; newer runs also measure the ceiling again before each suite." \
  --note "Made with \`docs/benchmarks/make-report.sh\`: \`npm run bench -- --results docs/benchmarks/node.json --out docs/benchmarks\` (every suite, full mode, the bundled 8,000 training digits; 20 minutes here), \`npm run bench:browser -- --out docs/benchmarks/chromium.json\` (the kernel suites in headless Chromium), then \`npm run bench -- --from docs/benchmarks/node.json --from docs/benchmarks/chromium.json --out docs/benchmarks\` with these notes." \
  --note "Findings: relu fwd runs at 0.3× and sigmoid fwd at 0.6 to 0.7× tfjs-wasm; every other kernel is faster than both TF.js backends. A likely cause for relu, not yet checked: it is f32x4.max, whose NaN and −0 rules V8 lowers to several instructions on x64, where f32x4.pmax(x, 0) is one instruction and still passes NaN through. GAAF's forward pass moves 1 to 2 GB/s (an exp and a floor per element), 1.3 to 1.7× slower than tanh's, and the +GAAF MLP trains as fast as the base one within this run's noise." \
  --note "Threads: \`npm run bench -- threads\` (part of a full run) measures 1, 2 and 4 threads; the medians over several runs, with the cores the process could get, are in [threads/SUMMARY.md](threads/SUMMARY.md) (\`docs/benchmarks/make-threads.sh\`)." \
  --note "Not measured: a relaxed-SIMD build (the kernels have no relaxed variant yet; Node 20 detects relaxed SIMD only with --experimental-wasm-relaxed-simd, Chromium has it), conv2d (its suite lands with the conv kernels), training on Fashion-MNIST (\`--data /usr/share/datasets/fashion-mnist\`; same model and batch, so the same cost per step)."

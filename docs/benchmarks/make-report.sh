#!/usr/bin/env bash
# Makes docs/benchmarks/: every suite in Node (full mode, the bundled training digits; about
# 13 minutes on this 2-core machine), the kernel suites in headless Chromium, then
# REPORT.md and its charts from both. `--report-only` only rewrites the report from the
# committed node.json and chromium.json. Edit the notes below to match a new run.
set -euo pipefail
cd "$(dirname "$0")/../.."
D=docs/benchmarks
if [ "${1:-}" != "--report-only" ]; then
  # every suite but the conv ones in full mode, then conv and cnn-train (process CPU time), then Chromium
  npm run bench -- gemm act optim train --results "$D/node.json" --out "$D"
  npm run bench -- conv cnn-train --results "$D/node-conv.json" --out "$D"
  npm run bench:browser -- --out "$D/chromium.json"
fi
npm run bench -- --from "$D/node.json" --from "$D/node-conv.json" --from "$D/chromium.json" --out "$D" \
  --note "Measured on this 2-core machine kind (AMD EPYC/Zen5 vCPUs, Node 20.20.2, Chromium 156) with one other engineer's work running beside it (load average about 2): the ratio columns compare measurements taken moments apart and are the figures to quote. The gemm, act, optim and train suites time wall-clock medians; conv and cnn-train time this process's CPU time (see bench/conv.ts), which leaves out time the process spent descheduled." \
  --note "Made with \`docs/benchmarks/make-report.sh\`: \`npm run bench -- gemm act optim train --results docs/benchmarks/node.json --out docs/benchmarks\` (full mode, the bundled 8,000 training digits; 9 minutes here), \`npm run bench -- conv cnn-train --results docs/benchmarks/node-conv.json --out docs/benchmarks\` (2 minutes), \`npm run bench:browser -- --out docs/benchmarks/chromium.json\` (the kernel suites in headless Chromium, 2 minutes), then \`npm run bench -- --from docs/benchmarks/node.json --from docs/benchmarks/node-conv.json --from docs/benchmarks/chromium.json --out docs/benchmarks\` with these notes." \
  --note "Findings: every kernel is faster than both TF.js backends except sigmoid forward (0.4× tfjs-wasm, whose XNNPACK sigmoid uses a cheaper rational approximation than our Cephes exp and division) and the first SVHN conv layer's forward pass (1 input channel: 1.0×). relu forward, at 0.3× tfjs-wasm before, is now 1.4 to 1.5×: binaryen had merged the per-kind activation loops into one that tested the kind per vector; relu has its own loop now. GEMM runs at 76 to 80% of the measured peak, short of the 85% aim (see the README: V8 does not fold loads into the multiply-adds, and larger register tiles spill). The conv passes reach 37 to 43 GFLOP/s except on the 1-channel first layer; tfjs-wasm has no conv2d filter gradient, so it cannot train the CNN at all." \
  --note "Threads: \`npm run bench -- threads\` measures GEMM, conv2d and an MLP training step on 1, 2 and 4 threads; the medians over several runs, with the cores the process could get, are in [threads/SUMMARY.md](threads/SUMMARY.md) (\`docs/benchmarks/make-threads.sh\`)." \
  --note "Not measured: a relaxed-SIMD build (the kernels have no relaxed variant; Node 20 detects relaxed SIMD only with --experimental-wasm-relaxed-simd, Chromium has it), training on Fashion-MNIST (\`--data /usr/share/datasets/fashion-mnist\`; same model and batch, so the same cost per step). tfjs-cpu trains the CNN at batch 4 (a batch-32 step takes about 100 s of CPU), so its ratio is against our batch 4."

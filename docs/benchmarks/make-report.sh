#!/usr/bin/env bash
# Makes docs/benchmarks/: every suite in Node (full mode, the bundled training digits; about
# 15 minutes on this 2-core machine), the call-against-call pairs against TF.js, the kernel
# suites in headless Chromium, then REPORT.md and its charts from all of them. `--report-only` only rewrites the report from the
# committed node.json and chromium.json. Edit the notes below to match a new run.
set -euo pipefail
cd "$(dirname "$0")/../.."
D=docs/benchmarks
if [ "${1:-}" != "--report-only" ]; then
  # every suite but the conv ones in full mode, then conv and cnn-train (process CPU time), then Chromium
  npm run bench -- gemm act optim train --results "$D/node.json" --out "$D"
  npm run bench -- conv cnn-train --results "$D/node-conv.json" --out "$D"
  npm run bench -- pairs --results "$D/node-pairs.json" --out "$D"
  npm run bench:browser -- --out "$D/chromium.json"
fi
npm run bench -- --from "$D/node.json" --from "$D/node-conv.json" --from "$D/node-pairs.json" --from "$D/chromium.json" --out "$D" \
  --note "Measured on this 2-core machine kind (AMD EPYC vCPUs, Node 20, headless Chromium): the per-suite tables put engines measured moments apart side by side; the call-against-call section alternates our call, the peer's and the peak loop in one process and is the one to quote (the README does). The gemm, act, optim, train and pairs suites time wall-clock medians; conv and cnn-train time this process's CPU time (see bench/conv.ts), which leaves out time the process spent descheduled. Every call-against-call row carries the machine's state in it: the peak loop's median and the cores the process got." \
  --note "Made with \`docs/benchmarks/make-report.sh\`: \`npm run bench -- gemm act optim train --results docs/benchmarks/node.json --out docs/benchmarks\` (full mode, the bundled 8,000 training digits), \`npm run bench -- conv cnn-train --results docs/benchmarks/node-conv.json --out docs/benchmarks\`, \`npm run bench -- pairs --results docs/benchmarks/node-pairs.json --out docs/benchmarks\`, \`npm run bench:browser -- --out docs/benchmarks/chromium.json\` (the kernel suites in headless Chromium), then \`npm run bench -- --from\` the four files with these notes." \
  --note "Threads: \`npm run bench -- threads\` measures GEMM, conv2d and an MLP training step on 1, 2 and 4 threads; the medians over several runs, with the cores the process could get, are in [threads/SUMMARY.md](threads/SUMMARY.md) (\`docs/benchmarks/make-threads.sh\`). The opt-in fast (relaxed-SIMD) build against the deterministic build, call against call in Node and Chromium: [fast/REPORT.md](fast/REPORT.md) (\`docs/benchmarks/make-fast.sh\`)." \
  --note "Not measured here: training on Fashion-MNIST (\`--data /usr/share/datasets/fashion-mnist\`; same model and batch, so the same cost per step). tfjs-cpu trains the CNN at batch 4 (its JavaScript kernels take too long at batch 32), so its ratio is against our batch 4."

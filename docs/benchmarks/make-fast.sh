#!/usr/bin/env bash
# Makes docs/benchmarks/fast/: the opt-in fast build (init({ precision: 'fast' }), relaxed SIMD)
# against the deterministic build, call against call (the bench's `fast` suite): in Node, with
# V8's --experimental-wasm-relaxed-simd, the two peak loops, GEMM (A·B, A·Bᵀ, Aᵀ·B at N 256,
# 512, 1024) and the MLP and CNN training steps; in headless Chromium, the peak loops and GEMM.
# About 3 minutes. `--report-only` only rewrites REPORT.md from the committed node.json and
# chromium.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
D=docs/benchmarks/fast
mkdir -p "$D"
if [ "${1:-}" != "--report-only" ]; then
  node --experimental-wasm-relaxed-simd --import tsx bench/run.ts fast --results "$D/node.json" --out "$D"
  npm run bench:browser -- --fast --out "$D/chromium.json"
fi
npm run bench -- --from "$D/node.json" --from "$D/chromium.json" --out "$D"

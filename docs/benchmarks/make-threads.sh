#!/usr/bin/env bash
# Makes docs/benchmarks/threads/: RUNS (default 5) runs of the threads suite (GEMM A·B at N =
# 256, 512, 1024 and a training step of the paper's MLP at batch 128, on 1, 2 and 4 threads,
# each run with a probe of the cores the process could get and of the peak loop on 2 threads, and
# 2 threads against 1 call against call), then SUMMARY.md with the median
# speedups over the runs (bench/threads-summary.ts). About 20 s a run.
set -euo pipefail
cd "$(dirname "$0")/../.."
D=docs/benchmarks/threads
RUNS=${RUNS:-5}
rm -f "$D"/run-*.json
tmp=$(mktemp -d)
for i in $(seq 1 "$RUNS"); do
  npm run bench -- threads --results "$D/run-$i.json" --out "$tmp/report-$i"
done
rm -rf "$tmp"
node --import tsx bench/threads-summary.ts "$D"/run-*.json > "$D/SUMMARY.md"
cat "$D/SUMMARY.md"

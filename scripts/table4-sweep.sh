#!/usr/bin/env bash
# Runs the Table 4 sweep's job files with GNU parallel, stage by stage, and commits each finished
# job's result as it completes (the sweep takes hours; it may span several sittings: rerunning
# this skips the jobs already done). Usage:
#   scripts/table4-sweep.sh [-j JOBS] DIR...      (each DIR holds plan.jsonl, from `gaaf reproduce cnn --plan DIR/plan.jsonl`)
# Environment: GAAF (default: node dist/cli.js), NICE (default 0), COMMIT=0 to not commit.
set -euo pipefail
jobs=2
if [ "${1:-}" = "-j" ]; then jobs=$2; shift 2; fi
[ $# -ge 1 ] || { echo "usage: $0 [-j JOBS] DIR..." >&2; exit 2; }
gaaf=${GAAF:-node dist/cli.js}
nice=${NICE:-0}
commit=${COMMIT:-1}
cd "$(git rev-parse --show-toplevel)"
# one job: run it, then commit its result file (flock: parallel jobs finish at the same time)
run_one() {
  local dir=$1 line=$2
  nice -n "$nice" $gaaf reproduce cnn --job "$dir/plan.jsonl:$line" --out "$dir" --threads 1 --quiet
  if [ "$commit" = 1 ]; then
    local id
    id=$(sed -n "${line}p" "$dir/plan.jsonl" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).id))')
    flock "$dir/.commit.lock" sh -c "git add '$dir/plan.jsonl' '$dir/jobs/$id.json' && { git diff --cached --quiet -- '$dir' || git commit -q -m 'table4 sweep: job $id of $dir finished (line $line)' -- '$dir/plan.jsonl' '$dir/jobs/$id.json'; }"
  fi
}
export -f run_one
export gaaf nice commit
for dir in "$@"; do
  n=$(wc -l < "$dir/plan.jsonl")
  checks=$(grep -c '"stage":"lr-check"' "$dir/plan.jsonl" || true)
  echo "$dir: stage 1, lines 1-$checks"
  parallel --halt never -j "$jobs" --joblog "$dir/.joblog-stage1" run_one "$dir" {} ::: $(seq 1 "$checks")
  if [ "$n" -gt "$checks" ]; then
    echo "$dir: stage 2, lines $((checks + 1))-$n"
    parallel --halt never -j "$jobs" --joblog "$dir/.joblog-stage2" run_one "$dir" {} ::: $(seq $((checks + 1)) "$n")
  fi
done

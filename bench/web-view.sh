#!/usr/bin/env bash
# The sweep view of a 2,000-trial sweep in headless Chromium (tests/Backprop.Lab.Web.Tests/Bench/SweepViewBench.cs):
# navigation to the first chart and to every chart drawn (cold and cached), a trial line appended to trials.jsonl to
# the open page showing it, and `lab report` wall time; medians over REPS repetitions.
#   bench/web-view.sh [BASELINE_REF] [REPS]     e.g. bench/web-view.sh main 5
# With BASELINE_REF, that commit's lab is built too (Release, in a temporary worktree) and the two builds are measured
# alternately in one run, so the figures compare under the same machine load.
set -euo pipefail
cd "$(dirname "$0")/.."
baseline=${1:-}
reps=${2:-3}
work=$(mktemp -d)
trap 'git worktree remove --force "$work/baseline" 2>/dev/null || true; rm -rf "$work"' EXIT
dotnet build src/Backprop.Lab.Cli -c Release -o "$work/this" -v q -nologo > "$work/build.log" || { cat "$work/build.log"; exit 1; }
labs="this=$work/this/lab.dll"
if [ -n "$baseline" ]; then
  git worktree add --detach "$work/baseline" "$baseline" > /dev/null
  dotnet build "$work/baseline/src/Backprop.Lab.Cli" -c Release -o "$work/base" -v q -nologo > "$work/build.log" || { cat "$work/build.log"; exit 1; }
  labs="baseline=$work/base/lab.dll;$labs"
fi
LAB_WEB_BENCH=1 LAB_WEB_BENCH_LABS="$labs" LAB_WEB_BENCH_REPS="$reps" LAB_WEB_BENCH_OUT="$work/figures.txt" \
  dotnet test tests/Backprop.Lab.Web.Tests -p:WebBench=true --filter Category=Bench -nologo -v q > "$work/test.log" || { cat "$work/test.log"; exit 1; }
cat "$work/figures.txt"

#!/usr/bin/env bash
# Memory of a sweep's own bookkeeping: runs `lab sweep --allow-large` on a grid of N^3 trials of a network too small to
# train, lets three trials through the trial gate, interrupts it, and prints the managed heap in use at the end of the
# run (log.jsonl, after a full collection) and the process's peak resident memory.
#   bench/large-sweep.sh [LAB_DLL] [N ...]     e.g. bench/large-sweep.sh src/Backprop.Lab.Cli/bin/Debug/net10.0/lab.dll 100 1000
# Set DOTNET_GCHeapHardLimit (e.g. 0x10000000) to run under a heap ceiling.
set -euo pipefail
set -m  # background jobs keep SIGINT (a non-interactive shell would start them ignoring it)
lab=${1:-src/Backprop.Lab.Cli/bin/Debug/net10.0/lab.dll}
shift || true
sizes=("${@:-100 1000}")
for n in ${sizes[@]}; do
  dir=$(mktemp -d)
  mkdir -p "$dir/gate"
  touch "$dir/gate/1" "$dir/gate/2" "$dir/gate/3"
  cat > "$dir/sweep.json" <<JSON
{ "name": "large", "base": { "width": 2, "depth": 1, "dataset": "gaussian", "samples": 4, "batch_size": 4, "steps": 0 },
  "grid": { "learning_rate": { "log": [1e-6, 1], "count": $n }, "sigma_w2": { "linear": [0.5, 4], "count": $n },
            "sigma_b": { "linear": [0, 1], "count": $n } } }
JSON
  LAB_TRIAL_GATE="$dir/gate" dotnet "$lab" sweep "$dir/sweep.json" --allow-large --out "$dir/out" --parallel 2 > "$dir/stdout" 2>&1 &
  pid=$!
  peak=0
  # Poll until the third trial is reported (or the process ends, e.g. out of memory), keeping the peak RSS.
  while kill -0 $pid 2>/dev/null && ! grep -q '^\[3/' "$dir/stdout"; do
    hwm=$(awk '/VmHWM/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0)
    peak=$(( hwm > peak ? hwm : peak ))
    sleep 0.5
  done
  hwm=$(awk '/VmHWM/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0)
  peak=$(( hwm > peak ? hwm : peak ))
  kill -INT $pid 2>/dev/null || true
  status=0; wait $pid || status=$?
  heap=$(grep -o '"ManagedHeapBytes":[0-9]*' "$dir/out/log.jsonl" 2>/dev/null | tail -1 | cut -d: -f2 || true)
  echo "N^3=$((n*n*n)) trials: exit $status, saved $(cat "$dir/out/trials.jsonl" 2>/dev/null | wc -l), managed heap ${heap:-n/a} bytes, peak RSS $((peak/1024)) MB"
  [ $status -eq 130 ] || tail -3 "$dir/stdout"
  rm -rf "$dir"
done

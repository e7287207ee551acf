#!/usr/bin/env bash
# Trials per second on experiments/bench-sweep.json (the cluster benchmark of docs/benchmarks.md):
#   in process, the embedded silo, 1 silo process pinned to core 0, and 2 silo processes pinned to cores 0 and 1
#   (one trial at a time each), with Redis membership; prints the scaling efficiency from 1 to 2 silo processes.
# Rates count the trial phase only (from the client's "submitted" event to its last saved trial, read from the
# run's log.jsonl), so process start-up and the report are left out; whole-command wall times are printed too.
# Usage: bench/cluster.sh [ROUNDS]   (needs redis-server and taskset; builds Release once)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-1}"
sweep=experiments/bench-sweep.json
dotnet build -c Release src/Backprop.Lab.Cli -v q -nologo >/dev/null
lab=(dotnet src/Backprop.Lab.Cli/bin/Release/net10.0/lab.dll)
work="$(mktemp -d)"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# Trial phase seconds of a results folder: the "submitted" event (in process: "starting") to the last saved trial.
phase() {
  python3 - "$1" <<'PY'
import json, sys
from datetime import datetime
t = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
starting = submitted = end = None
for line in open(sys.argv[1] + "/log.jsonl"):
    e = json.loads(line); m = e.get("@mt", "")
    if starting is None and "starting:" in m: starting = t(e["@t"])
    if submitted is None and "submitted {Count}" in m: submitted = t(e["@t"])
    if "saved:" in m or "finished: {Outcome}" in m or m.startswith("Trial {TrialKey} of sweep {SweepId} finished"): end = t(e["@t"])
# On a cluster the phase starts once the trials are submitted (silo start-up excluded); in process, at the start.
print(f"{end - (submitted or starting):.2f}")
PY
}

# CPU seconds (user + system) a process has used so far, from /proc.
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }

run() { # name, then the command
  local name="$1"; shift
  local out="$work/$name-$RANDOM"
  local t0 t1 r0 r1
  r0=$(cpu_of "$redis_pid")
  t0=$(date +%s.%N); /usr/bin/time -f "%U %S" -o "$work/client.cpu" "$@" --out "$out" >/dev/null; t1=$(date +%s.%N)
  r1=$(cpu_of "$redis_pid")
  local secs; secs=$(phase "$out")
  # The client's and Redis' CPU share the silos' cores on a 2-core machine: printed so their weight is known.
  printf '%-26s trial phase %6.2f s  %5.2f trials/s   (whole command %6.2f s; CPU: client %5.2f s, redis %4.2f s)\n' \
    "$name" "$secs" "$(echo "48 / $secs" | bc -l)" "$(echo "$t1 - $t0" | bc -l)" \
    "$(awk '{ print $1 + $2 }' "$work/client.cpu")" "$(echo "$r1 - $r0" | bc -l)"
  echo "$secs" >> "$work/$name.secs"
}

redis_port=$(port)
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work" --appendonly yes --save "" --daemonize no --logfile "$work/redis.log" &
pids+=($!)
redis_pid=$!
sleep 0.5

ids=""
silo_pids=()
start_silos() { # count; sets ids (no subshell, so the pids are kept)
  ids="bench-$RANDOM"; local i
  for ((i = 0; i < $1; i++)); do
    : > "$work/silo-$ids-$i.out"
    taskset -c "$i" "${lab[@]}" silo --redis "127.0.0.1:$redis_port" --cluster-id "$ids" --parallel 1 \
      --silo-port "$(port)" --gateway-port "$(port)" > "$work/silo-$ids-$i.out" 2>&1 &
    silo_pids+=($!); pids+=($!)
  done
  for ((i = 0; i < $1; i++)); do
    until grep -q "silo up:" "$work/silo-$ids-$i.out"; do sleep 0.2; done
  done
}

stop_silos() {
  for p in "${silo_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${silo_pids[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.2; done; done
  silo_pids=()
}

for ((r = 1; r <= rounds; r++)); do
  echo "round $r"
  run in-process "${lab[@]}" sweep "$sweep" --in-process
  run embedded "${lab[@]}" sweep "$sweep"
  start_silos 1; run "1-silo-process" "${lab[@]}" sweep "$sweep" --redis "127.0.0.1:$redis_port" --cluster-id "$ids"; stop_silos
  start_silos 2; run "2-silo-processes" "${lab[@]}" sweep "$sweep" --redis "127.0.0.1:$redis_port" --cluster-id "$ids"; stop_silos
done
median() { sort -n "$work/$1.secs" | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
one=$(median 1-silo-process); two=$(median 2-silo-processes)
printf 'scaling 1 -> 2 silo processes: %.2fx faster, efficiency %.0f%%\n' "$(echo "$one / $two" | bc -l)" "$(echo "50 * $one / $two" | bc -l)"
printf 'embedded / in process (trial phase): %.3f\n' "$(echo "$(median embedded) / $(median in-process)" | bc -l)"

#!/usr/bin/env bash
# Peak memory of `lab grad` and `lab train --steps 1` on a large batch file, as a multiple of the file's size.
# Generates a batch of EXAMPLES XOR examples (about 10 bytes of JSON each) for NETWORK, then runs each command under
# /usr/bin/time and prints its peak resident set (VmHWM) divided by the file size. Give several lab.dll paths to compare
# builds in the same run (each is measured on the same file); the default is this tree's Release build.
# The network's own buffers (activations, deltas and gradients for every example of a chunk of Mlp.ChunkRows examples)
# come on top of the data: the bench prints them too, estimated from the network's widths, so the multiple left for
# reading can be seen.
# Usage: bench/batch-memory.sh [EXAMPLES] [NETWORK.json] [LAB.dll ...]   (needs python3 and /usr/bin/time: Debian package time)
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-3000000}"
network="${2:-experiments/networks/linear-2-2-1.json}"
shift $(( $# < 2 ? $# : 2 ))
labs=("$@")
if [ ${#labs[@]} -eq 0 ]; then
  dotnet build -c Release src/Backprop.Lab.Cli -v q -nologo >/dev/null
  labs=(src/Backprop.Lab.Cli/bin/Release/net10.0/lab.dll)
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
batch="$work/batch.json"
python3 - "$examples" "$batch" <<'PY'
import random, sys
n, path = int(sys.argv[1]), sys.argv[2]
rng = random.Random(1)
rows = [(rng.randint(0, 1), rng.randint(0, 1)) for _ in range(n)]
with open(path, "w") as f:
    f.write('{"inputs":[')
    f.write(",".join(f"[{a},{b}]" for a, b in rows))
    f.write('],"targets":[')
    f.write(",".join(f"[{a ^ b}]" for a, b in rows))
    f.write("]}\n")
PY
size=$(stat -c %s "$batch")
# Doubles the network holds per example of a chunk (Mlp's and DenseLayer's buffers): z, a, delta and the gradient of
# the activation for every unit (and the kept derivative, counted here for every layer), the input and dJ/dx, and dJ/dy
# of the output. A chunk is Mlp.ChunkRows (8192) examples, or the whole batch when it is smaller.
chunk=$(( examples < 8192 ? examples : 8192 ))
buffers=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); u=sum(l["units"] for l in d["layers"]); print(int(sys.argv[2]) * 8 * (5 * u + 2 * d["inputs"] + d["layers"][-1]["units"]))' "$network" "$chunk")
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
echo "batch: $examples examples, $(mb "$size") MB of JSON; as doubles $(mb $((examples * 24))) MB; network buffers about $(mb "$buffers") MB for a chunk of $chunk ($network)"
for lab in "${labs[@]}"; do
  # A build without --max-output prints without a limit anyway.
  unlimited=()
  if dotnet "$lab" grad --help 2>/dev/null | grep -q -- --max-output; then unlimited=(--max-output none); fi
  for command in grad train; do
    extra=(--json "${unlimited[@]}")
    [ "$command" = train ] && extra=(--steps 1)
    if /usr/bin/time -f '%M %e' -o "$work/time" dotnet "$lab" "$command" "$network" --data "$batch" "${extra[@]}" >/dev/null 2>"$work/err"; then
      read -r kb seconds < "$work/time"
      printf '%-60s %-34s peak %8s MB = %5s x the file, %6s s\n' "$lab" "lab $command ${extra[*]}" "$(mb $((kb * 1024)))" \
        "$(awk -v k="$kb" -v s="$size" 'BEGIN { printf "%.1f", k * 1024 / s }')" "$seconds"
    else
      echo "$lab lab $command failed: $(head -c 300 "$work/err")"
    fi
  done
done

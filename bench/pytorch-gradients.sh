#!/usr/bin/env bash
# PyTorch float64 autograd against `lab grad` on random networks of every activation and architecture: plain, residual
# (pre and post form, block depth 1 and 2, scaled branches) and layernorm. Each network is trained 3 SGD steps by
# `lab train` first, so weights, biases and norm gains are all away from their initial values, then written with
# explicit weights and compared tensor by tensor by bench/pytorch_gradients.py (tolerance 1e-12 of each tensor's
# largest entry). Needs python3 with torch (Debian: apt-get install python3-torch). Prints one line per network and
# exits 1 if any differs.
set -euo pipefail
cd "$(dirname "$0")/.."
lab=${LAB:-"dotnet run --no-build --project src/Backprop.Lab.Cli --"}
# The first python3 with torch: $PYTHON, the one on PATH, or Debian's (a pyenv python3 may shadow it).
python=""
for candidate in ${PYTHON:-} python3 /usr/bin/python3; do
  if "$candidate" -c 'import torch' 2>/dev/null; then python=$candidate; break; fi
done
[ -n "$python" ] || { echo "no python3 with torch (Debian: apt-get install python3-torch)" >&2; exit 2; }
dotnet build src/Backprop.Lab.Cli -v q -nologo >/dev/null
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/batch.json" <<'JSON'
{ "inputs": [[0.3, -1.2, 0.8], [1.1, 0.4, -0.6], [-0.7, 0.9, 1.5], [0.2, -0.3, -1.1]],
  "targets": [[0.5, -0.2], [-0.4, 0.9], [0.1, 0.3], [-0.8, -0.5]] }
JSON
architectures=(
  '"architecture": "plain"'
  '"norm": "layernorm"'
  '"architecture": "residual", "block_depth": 1, "residual_scale": 0.7'
  '"architecture": "residual", "block_depth": 2'
  '"architecture": "residual", "block_depth": 2, "block_form": "post", "residual_scale": "1/sqrt(L)"'
  '"architecture": "residual", "block_depth": 2, "norm": "layernorm"'
  '"architecture": "residual", "block_depth": 1, "block_form": "post", "norm": "layernorm", "residual_scale": "0.5/L"'
)
failed=0
for phi in identity sigmoid tanh relu "leaky_relu(0.1)" "elu(1.3)" softplus gelu abs; do
  for arch in "${architectures[@]}"; do
    layer="{ \"units\": 6, \"activation\": \"$phi\" }"
    cat > "$dir/net.json" <<JSON
{ "inputs": 3, $arch, "loss": "mse", "seed": 7, "init": { "weights": "gaussian", "sigma_w": 1.2, "sigma_b": 0.3 },
  "layers": [ $layer, $layer, $layer, $layer, $layer, { "units": 2, "activation": "identity" } ] }
JSON
    $lab train "$dir/net.json" --data "$dir/batch.json" --steps 3 --lr 0.002 --save "$dir/trained.json" --force >/dev/null
    $lab grad "$dir/trained.json" --data "$dir/batch.json" --json > "$dir/lab.json"
    if result=$("$python" bench/pytorch_gradients.py "$dir/trained.json" "$dir/batch.json" "$dir/lab.json" | tail -1); then
      echo "ok    $phi, {$arch}: $result"
    else
      echo "FAIL  $phi, {$arch}: $result"
      failed=1
    fi
  done
done
exit $failed

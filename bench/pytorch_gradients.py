#!/usr/bin/env python3
"""PyTorch float64 autograd against `lab grad --json`: the same network file, the same batch, every gradient.

    python3 bench/pytorch_gradients.py NET_FILE BATCH_FILE LAB_GRAD_JSON

NET_FILE must give every layer's weights (as `lab train --save` writes them); plain, residual (pre and post form, any
block depth and scale) and layernorm networks are built from the definitions in docs/networks.md, written here
independently of the engine. Prints the largest relative difference per tensor (|lab - torch| over the tensor's
largest |torch| entry) and exits 1 if any exceeds --tolerance (default 1e-12). bench/pytorch-gradients.sh runs it on
random networks of every activation and architecture. Measurement only: not a dependency, not run in CI.
"""
import argparse
import json
import math
import re
import sys

import torch

EPS = 1e-5  # DenseLayer.NormEpsilon, PyTorch's LayerNorm default


def activation(name):
    m = re.fullmatch(r"(\w+)(?:\(([-0-9.eE+]+)\))?", name)
    kind, param = m.group(1), m.group(2)
    p = float(param) if param else None
    return {
        "identity": lambda z: z,
        "linear": lambda z: z,
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, 0.01 if p is None else p),
        "elu": lambda z: torch.nn.functional.elu(z, 1.0 if p is None else p),
        "softplus": torch.nn.functional.softplus,
        "gelu": lambda z: torch.nn.functional.gelu(z, approximate="tanh"),
        "abs": torch.abs,
    }[kind]


def scale(text, blocks):
    text = str(text).replace(" ", "")
    m = re.fullmatch(r"([0-9.eE+-]+)(?:/(sqrt\(L\)|L))?", text)
    c = float(m.group(1))
    if m.group(2) is None or blocks == 0:
        return c
    return c / (blocks if m.group(2) == "L" else math.sqrt(blocks))


def load(net_file, batch_file):
    net = json.load(open(net_file))
    batch = json.load(open(batch_file))
    t = lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True)
    layers = []
    for spec in net["layers"]:
        if "weights" not in spec:
            sys.exit(f"{net_file}: every layer needs explicit weights (write them with lab train --steps 0 --save)")
        units = spec["units"]
        layers.append({
            "phi": activation(spec.get("activation", "identity")),
            "W": t(spec["weights"]),
            "b": t(spec.get("biases", [0.0] * units)),
            "gamma": t(spec.get("norm_gain", [1.0] * units)),
            "beta": t(spec.get("norm_bias", [0.0] * units)),
        })
    x = t(batch["inputs"])
    if "targets" in batch:
        y = torch.tensor(batch["targets"], dtype=torch.float64)
    else:
        y = torch.nn.functional.one_hot(torch.tensor(batch["labels"]), layers[-1]["W"].shape[0]).double()
    return net, layers, x, y


def forward(net, layers, x):
    """The network of docs/networks.md: a stem, blocks of block_depth layers, the output layer; norms on hidden layers."""
    hidden = len(layers) - 1
    residual = net.get("architecture", "plain") == "residual"
    k = net.get("block_depth", 2)
    post = net.get("block_form", "pre") == "post"
    norm = net.get("norm", "none") == "layernorm"
    blocks = (hidden - 1) // k if residual and hidden > 1 else 0
    alpha = scale(net.get("residual_scale", 1), blocks)
    h = x
    stream = None
    for l, layer in enumerate(layers):
        in_block = residual and 1 <= l <= blocks * k
        first = in_block and (l - 1) % k == 0
        last = in_block and (l - 1) % k == k - 1
        if first:
            stream = h
        z = h @ layer["W"].T + layer["b"]
        if norm and l < hidden:
            z = torch.nn.functional.layer_norm(z, (z.shape[1],), layer["gamma"], layer["beta"], EPS)
        if last and post:
            h = layer["phi"](stream + alpha * z)  # the block's last layer is linear; phi after the sum
        elif last:
            h = stream + alpha * layer["phi"](z)
        else:
            h = layer["phi"](z)
    return h


def loss(name, out, y):
    m = out.shape[0]
    if name == "mse":
        return ((y - out) ** 2).sum() / m
    if name == "softmax_cross_entropy":
        return -(y * torch.log_softmax(out, dim=1)).sum() / m
    return (y * out).sum() / m  # linear


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("net")
    ap.add_argument("batch")
    ap.add_argument("lab_json")
    ap.add_argument("--tolerance", type=float, default=1e-12)
    args = ap.parse_args()
    net, layers, x, y = load(args.net, args.batch)
    j = loss(net.get("loss", "mse"), forward(net, layers, x), y)
    j.backward()
    lab = json.load(open(args.lab_json))
    worst = 0.0
    f64 = lambda v: torch.tensor(v, dtype=torch.float64)  # torch.tensor of Python floats would be float32
    rows = [("J", f64(lab["J"]), j.detach())]
    for l, (layer, got) in enumerate(zip(layers, lab["layers"]), start=1):
        rows += [(f"dW{l}", f64(got["dW"]), layer["W"].grad), (f"db{l}", f64(got["db"]), layer["b"].grad)]
        if "dgamma" in got:
            rows += [(f"dgamma{l}", f64(got["dgamma"]), layer["gamma"].grad), (f"dbeta{l}", f64(got["dbeta"]), layer["beta"].grad)]
    rows.append(("dx", f64(lab["dx"]), x.grad))
    for name, ours, theirs in rows:
        ours = ours.reshape(theirs.shape)
        scale_ = max(theirs.abs().max().item(), 1e-300)
        rel = (ours - theirs).abs().max().item() / scale_
        worst = max(worst, rel)
        print(f"{name:10s} {rel:.2e}")
    print(f"worst {worst:.2e} (tolerance {args.tolerance:.0e}), torch {torch.__version__}")
    sys.exit(0 if worst <= args.tolerance else 1)


if __name__ == "__main__":
    main()

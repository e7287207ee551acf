#!/usr/bin/env python3
"""PyTorch baseline for `lab bench --pytorch`: ms per training step of a float64 tanh MLP (or residual/layernorm net).

One step = forward, MSE loss, backward, SGD update (torch.optim.SGD), the same work as Backprop.Lab's
Mlp.ComputeGradients + Sgd.Step. Shapes match `lab bench`: depth layers of width x width, batch rows.
Threads: torch.set_num_threads(n); set OPENBLAS_NUM_THREADS to the same n in the environment (the caller does).
Prints one JSON object per line: {"shape", "depth", "width", "batch", "threads", "ms", "gflops", "torch", "blas"}.
Measurement only: not a dependency of the project and not run in CI.
"""
import argparse
import json
import time

import torch


def blas_info():
    """The BLAS library this process actually loaded, and OpenBLAS's kernel (core) name when it is OpenBLAS."""
    path = "unknown"
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                if "blas" in line and ".so" in line:
                    path = line.split()[-1]
                    break
    except OSError:
        pass
    core = None
    if "openblas" in path:
        try:
            import ctypes
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            core = lib.openblas_get_corename().decode()
        except Exception:  # noqa: BLE001 - informational only
            core = None
    return path + (f" ({core})" if core else "")


class Block(torch.nn.Module):
    """Two tanh layers with an identity skip: pre form x + tanh(L2 tanh(L1 x)), post form tanh(x + L2 tanh(L1 x))."""

    def __init__(self, width, post, norm):
        super().__init__()
        self.post = post
        self.first = Layer(width, norm, torch.nn.Tanh())
        self.second = Layer(width, norm, None if post else torch.nn.Tanh())

    def forward(self, x):
        return torch.tanh(x + self.second(self.first(x))) if self.post else x + self.second(self.first(x))


class Layer(torch.nn.Sequential):
    """Linear, then LayerNorm when asked, then the activation (none for a post-form block's last layer)."""

    def __init__(self, width, norm, activation):
        parts = [torch.nn.Linear(width, width).double()]
        if norm:
            parts.append(torch.nn.LayerNorm(width, eps=1e-5).double())
        if activation is not None:
            parts.append(activation)
        super().__init__(*parts)


def network(depth, width, architecture):
    """plain: depth tanh layers (the lab bench rows). The others, as `lab bench`'s architecture rows and docs/networks.md:
    depth hidden layers (a stem and blocks of 2) and a linear readout; plain-readout is the plain net they are compared with."""
    if architecture == "plain":
        layers = []
        for _ in range(depth):
            layers += [torch.nn.Linear(width, width).double(), torch.nn.Tanh()]
        return torch.nn.Sequential(*layers)
    residual = architecture.startswith("residual")
    norm = architecture.endswith("layernorm")
    post = architecture == "residual-post"
    parts = [Layer(width, norm, torch.nn.Tanh())]
    if residual:
        parts += [Block(width, post, norm) for _ in range((depth - 1) // 2)]
    else:
        parts += [Layer(width, norm, torch.nn.Tanh()) for _ in range(depth - 1)]
    parts.append(torch.nn.Linear(width, width).double())
    return torch.nn.Sequential(*parts)


def step_ms(depth, width, batch, threads, seconds, architecture="plain"):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    net = network(depth, width, architecture)
    opt = torch.optim.SGD(net.parameters(), lr=1e-3)
    x = torch.randn(batch, width, dtype=torch.float64)
    y = torch.randn(batch, width, dtype=torch.float64)
    loss_fn = torch.nn.MSELoss()

    def step():
        opt.zero_grad(set_to_none=False)
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    # Repeat rounds of >= 0.2 s and keep the fastest round: the machine is shared, the minimum is the least disturbed.
    best = float("inf")
    deadline = time.perf_counter() + seconds
    while True:
        n = 0
        start = time.perf_counter()
        while True:
            step()
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= 0.2:
                break
        best = min(best, elapsed / n)
        if time.perf_counter() >= deadline:
            break
    return best * 1000.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shape", action="append", required=True, help="name:depth:width:batch")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--architecture", default="plain",
                        choices=["plain", "plain-readout", "residual", "residual-post", "layernorm", "residual-layernorm"])
    args = parser.parse_args()
    for spec in args.shape:
        name, depth, width, batch = spec.split(":")
        depth, width, batch = int(depth), int(width), int(batch)
        ms = step_ms(depth, width, batch, args.threads, args.seconds, args.architecture)
        flops = 6.0 * batch * width * width * depth
        print(json.dumps({
            "shape": name, "depth": depth, "width": width, "batch": batch, "threads": args.threads,
            "ms": ms, "gflops": flops / (ms * 1e6), "torch": torch.__version__, "blas": blas_info(),
        }), flush=True)


if __name__ == "__main__":
    main()

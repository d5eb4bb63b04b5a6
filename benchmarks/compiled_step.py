"""The compiled moons step (autograd.compile) against PyTorch's batched float64 step and micrograd.

Same model, data and loss as benchmarks/moons_step.py: MLP(2, [16, 16, 1]) on 100
two-moons points, hinge loss averaged plus 1e-4 * sum(p * p), plain SGD. The L2
term is applied as its gradient, 2e-4 * p, in the update (SGD's weight decay),
by all three: it has no per-sample part to vectorise. Then how the cost grows
with the batch size and with the width, against PyTorch (one thread each).

Run: python benchmarks/compiled_step.py   (needs the `bench` and `parity` extras)
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import numpy as np
import torch
from micrograd.engine import Value as MgValue
from micrograd.nn import MLP as MgMLP

import autograd
from nn import MLP
from nn.data import make_moons

ALPHA, LR = 1e-4, 0.1


def compiled_step(width: int):
    model = MLP(2, [width, width, 1], rng=random.Random(1))
    params = model.parameters()

    step = autograd.compile(lambda x, y: (1 - y * model(x)).relu())

    def run(X, Y):
        model.zero_grad()
        step(X, Y)
        for p in params:  # SGD; weight decay 2 * ALPHA is the gradient of the L2 term
            p.data -= LR * (p.grad + 2 * ALPHA * p.data)

    return run


def torch_step(width: int):
    torch.manual_seed(1)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, width),
        torch.nn.ReLU(),
        torch.nn.Linear(width, width),
        torch.nn.ReLU(),
        torch.nn.Linear(width, 1),
    ).double()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, weight_decay=2 * ALPHA)

    def run(X, Y):
        scores = model(X).squeeze(1)
        loss = torch.relu(1 - Y * scores).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return run


def micrograd_step():
    random.seed(1)
    model = MgMLP(2, [16, 16, 1])

    def run(X, Y):
        inputs = [list(map(MgValue, row)) for row in X]
        scores = list(map(model, inputs))
        losses = [(1 + -y * s).relu() for y, s in zip(Y, scores)]
        loss = sum(losses) * (1.0 / len(losses))
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= LR * (p.grad + 2 * ALPHA * p.data)

    return run


def median_ms(run, args, repeats: int) -> float:
    run(*args)  # warm up (and trace)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run(*args)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def data(n: int):
    X, y = make_moons(n, noise=0.1, seed=0)
    Y = [2.0 * v - 1.0 for v in y]
    f64 = torch.float64
    return X, Y, np.array(X), np.array(Y), torch.tensor(X, dtype=f64), torch.tensor(Y, dtype=f64)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # one core each, like our numpy replay

    X, Y, Xn, Yn, Xt, Yt = data(100)
    ours = median_ms(compiled_step(16), (Xn, Yn), args.repeats)
    theirs = median_ms(torch_step(16), (Xt, Yt), args.repeats)
    micro = median_ms(micrograd_step(), (X, Y), 3)
    print("moons step, MLP(2, [16, 16, 1]), 100 points, hinge + L2, SGD (median ms):")
    print(f"  micrograd            {micro:9.3f} ms")
    print(f"  valuegrad compiled   {ours:9.3f} ms   {micro / ours:6.0f}x faster than micrograd")
    print(f"  PyTorch float64      {theirs:9.3f} ms   compiled / PyTorch = {ours / theirs:.2f}")

    print("\nbatch size (width 16): compiled ms, PyTorch ms, ratio")
    for n in (1, 10, 100, 1000, 10000):
        _, _, Xn, Yn, Xt, Yt = data(max(n, 2))
        Xn, Yn, Xt, Yt = Xn[:n], Yn[:n], Xt[:n], Yt[:n]
        a = median_ms(compiled_step(16), (Xn, Yn), max(args.repeats // 5, 5))
        b = median_ms(torch_step(16), (Xt, Yt), max(args.repeats // 5, 5))
        print(f"  B={n:<6d} {a:9.3f} {b:9.3f} {a / b:7.2f}")

    print("\nwidth (batch 100): compiled ms, PyTorch ms, ratio")
    _, _, Xn, Yn, Xt, Yt = data(100)
    for width in (16, 64, 256):
        a = median_ms(compiled_step(width), (Xn, Yn), max(args.repeats // 5, 5))
        b = median_ms(torch_step(width), (Xt, Yt), max(args.repeats // 5, 5))
        print(f"  width {width:<4d} {a:9.3f} {b:9.3f} {a / b:7.2f}")
    return {"compiled_ms": ours, "torch_ms": theirs, "micrograd_ms": micro}


if __name__ == "__main__":
    main()

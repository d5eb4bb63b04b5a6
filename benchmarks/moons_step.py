"""One full-batch training step on two moons: valuegrad against micrograd, in one process.

The model is MLP(2, [16, 16, 1]) on 100 points; the loss is the hinge loss
relu(1 - y * score) averaged over the batch plus 1e-4 * sum(p * p); the update
is plain SGD. Each engine builds it its own idiomatic way (micrograd as in its
README demo). The steps run interleaved so that both see the same machine load.

Also measured with tracemalloc: bytes per graph node, on the step's graph and on
an identical expression graph built from the same elementary ops in both.

Run: python benchmarks/moons_step.py [--repeats N]   (needs the `bench` extra)
"""

from __future__ import annotations

import argparse
import gc
import platform
import random
import statistics
import time
import tracemalloc

from micrograd.engine import Value as MgValue
from micrograd.nn import MLP as MgMLP

import autograd
from autograd import Value
from nn import MLP
from nn.data import make_moons

ALPHA = 1e-4
LR = 0.1


def ours_loss(model, X, Y, params):
    scores = [model(x) for x in X]
    data_loss = autograd.sum([(1 - y * s).relu() for y, s in zip(Y, scores)]) / len(X)
    return data_loss + ALPHA * autograd.sum([p * p for p in params])


def micrograd_loss(model, X, Y, params):
    inputs = [list(map(MgValue, row)) for row in X]
    scores = list(map(model, inputs))
    losses = [(1 + -y * s).relu() for y, s in zip(Y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    return data_loss + ALPHA * sum(p * p for p in params)


def step(loss_fn, model, X, Y, params):
    loss = loss_fn(model, X, Y, params)
    model.zero_grad()
    loss.backward()
    for p in params:
        p.data -= LR * p.grad
    return loss.data


def count_nodes(root, parents_of):
    seen, stack = {id(root)}, [root]
    while stack:
        for p in parents_of(stack.pop()):
            if id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    return len(seen)


def graph_bytes(build, parents_of, n_params):
    """Bytes allocated while building the graph, and the number of nodes it made."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    root = build()
    allocated = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return allocated, count_nodes(root, parents_of) - n_params


def expression(V, n):
    """The same elementwise expression graph in either engine: n layers of + * relu."""
    x = V(0.5)
    for _ in range(n):
        x = (x * 0.999 + 0.001).relu()
    return x


def moons_setup():
    """The step's data and models, shared by the benchmarks: (X, Y, valuegrad's MLP,
    micrograd's MLP), both models drawn after random.seed(1)."""
    X, y = make_moons(100, noise=0.1, seed=0)
    Y = [2.0 * label - 1.0 for label in y]
    random.seed(1)
    ours = MLP(2, [16, 16, 1])
    random.seed(1)
    theirs = MgMLP(2, [16, 16, 1])
    return X, Y, ours, theirs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)

    X, Y, ours, theirs = moons_setup()
    ours_params, their_params = ours.parameters(), theirs.parameters()

    times = {"valuegrad": [], "micrograd": []}
    for _ in range(args.repeats):
        for name, loss_fn, model, params in (
            ("valuegrad", ours_loss, ours, ours_params),
            ("micrograd", micrograd_loss, theirs, their_params),
        ):
            t0 = time.perf_counter()
            step(loss_fn, model, X, Y, params)
            times[name].append(time.perf_counter() - t0)

    ours_ms = statistics.median(times["valuegrad"]) * 1e3
    theirs_ms = statistics.median(times["micrograd"]) * 1e3
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print(f"moons step, MLP(2, [16, 16, 1]), 100 points, median of {args.repeats}:")
    print(f"  micrograd  {theirs_ms:8.1f} ms")
    print(f"  valuegrad  {ours_ms:8.1f} ms")
    print(f"  speed-up   {theirs_ms / ours_ms:8.1f}x")

    ours_bytes, ours_nodes = graph_bytes(
        lambda: ours_loss(ours, X, Y, ours_params), lambda v: v.parents, len(ours_params)
    )
    their_bytes, their_nodes = graph_bytes(
        lambda: micrograd_loss(theirs, X, Y, their_params), lambda v: v._prev, len(their_params)
    )
    print("moons step graph (tracemalloc):")
    for name, size, nodes in (
        ("micrograd", their_bytes, their_nodes),
        ("valuegrad", ours_bytes, ours_nodes),
    ):
        print(f"  {name}  {nodes:7d} nodes  {size / 1e6:6.2f} MB  {size / nodes:5.0f} B/node")
    print(f"  graph memory ratio  {their_bytes / ours_bytes:.1f}x smaller")

    n = 20_000
    ours_bytes, ours_nodes = graph_bytes(lambda: expression(Value, n), lambda v: v.parents, 0)
    their_bytes, their_nodes = graph_bytes(lambda: expression(MgValue, n), lambda v: v._prev, 0)
    print(f"same elementwise graph, {n} x (x * c + c).relu() (tracemalloc):")
    print(f"  micrograd  {their_nodes:7d} nodes  {their_bytes / their_nodes:5.0f} B/node")
    print(f"  valuegrad  {ours_nodes:7d} nodes  {ours_bytes / ours_nodes:5.0f} B/node")
    print(f"  bytes per node ratio  {ours_bytes / ours_nodes / (their_bytes / their_nodes):.2f}")
    return {"speedup": theirs_ms / ours_ms, "valuegrad_ms": ours_ms, "micrograd_ms": theirs_ms}


if __name__ == "__main__":
    main()

"""The pure-Python floor: valuegrad's eager moons step against a minimal tape engine.

The tape engine (`Tape`, benchmarks/minimal_engines.py, the same floor the
transformer benchmark uses) is the least a scalar reverse-mode engine can do:
each node stores its inputs and their local gradients, computed during the
forward pass, and is appended to a tape; backward walks the tape in reverse (no
topological sort, no modes, no checks, no higher order). It builds the same
fused graph as valuegrad's MLP (one dot node per neuron, relu, one sum), so the
ratio is the price of valuegrad's semantics (no_grad, anomaly detection,
create_graph, hooks, transforms, the error checks) on the moons step of
benchmarks/moons_step.py.
The two run interleaved in one process; medians and ranges are printed.

Run: python benchmarks/floor.py [--repeats N]
"""

from __future__ import annotations

import argparse
import statistics
import time

from minimal_engines import Tape
from moons_step import moons_setup, ours_loss, step

ALPHA, LR = 1e-4, 0.1


def dot(ws, xs, b):
    return Tape(
        sum(w.data * x.data for w, x in zip(ws, xs)) + b.data,
        (*ws, *xs, b),
        (*(x.data for x in xs), *(w.data for w in ws), 1.0),
    )


def total(values, scale=1.0):
    return Tape(sum(v.data for v in values) * scale, tuple(values), (scale,) * len(values))


def floor_step(layers, X, Y, params):
    """One step of the same model: forward, backward, SGD, on the tape engine."""
    scores = []
    for x in X:
        h = [Tape(v) for v in x]
        for k, layer in enumerate(layers):
            h = [dot(ws, h, b) for ws, b in layer]
            if k < len(layers) - 1:
                h = [v.relu() for v in h]
        scores.append(h[0])
    margins = []
    for y, s in zip(Y, scores):
        m = Tape(1.0 - y * s.data, (s,), (-y,))
        margins.append(m.relu())
    data_loss = total(margins, 1.0 / len(X))
    penalty = total([Tape(p.data * p.data, (p,), (2.0 * p.data,)) for p in params], ALPHA)
    loss = total([data_loss, penalty])
    for p in params:
        p.grad = 0.0
    loss.backward()
    for p in params:
        p.data -= LR * p.grad
    return loss.data


def tape_model(model):
    """The tape engine's copy of valuegrad's MLP weights: [(weights, bias) per neuron]."""
    layers = [
        [([Tape(w.data) for w in n.w], Tape(n.b.data)) for n in layer.neurons]
        for layer in model.layers
    ]
    params = [p for layer in layers for ws, b in layer for p in (*ws, b)]
    return layers, params


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    X, Y, model, _ = moons_setup()
    params = model.parameters()
    layers, tape_params = tape_model(model)
    first = (floor_step(layers, X, Y, tape_params), step(ours_loss, model, X, Y, params))
    assert abs(first[0] - first[1]) < 1e-12, first  # the same numbers
    times = {"tape": [], "valuegrad": []}
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        floor_step(layers, X, Y, tape_params)
        times["tape"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        step(ours_loss, model, X, Y, params)
        times["valuegrad"].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"moons step, median (range) of {args.repeats}:")
    for name, ts in times.items():
        print(f"  {name:10s} {med[name] * 1e3:7.1f} ms ({min(ts) * 1e3:.1f}-{max(ts) * 1e3:.1f})")
    print(f"  valuegrad / minimal tape engine: {med['valuegrad'] / med['tape']:.2f}x")


if __name__ == "__main__":
    main()

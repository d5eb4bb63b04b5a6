"""Limits, measured: the deepest chain and widest fan-in differentiated, time and memory per node.

A chain: y = y * c repeated (each node has one computed parent). A fan-in:
one `autograd.sum` node over n leaves. For each size: forward time, backward
time, the peak memory while both ran (tracemalloc), per node.

Run: python benchmarks/limits.py [--sizes 1000 100000 1000000]
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import time
import tracemalloc

import autograd
from autograd import Value


def chain(n: int):
    x, c = Value(0.5), Value(0.999999)
    y = x
    for _ in range(n):
        y = y * c
    return y, [x, c], n  # n computed nodes


def fan_in(n: int):
    leaves = [Value(float(i % 7)) for i in range(n)]
    return autograd.sum(leaves), leaves, n  # n edges into one node


def measure(build, n: int) -> dict:
    """Times from a plain run; the peak memory from a second run under tracemalloc.

    The cycle collector is paused while timing: graphs have no cycles (reference
    counting frees them), and its passes over a million live objects would be
    timed instead of the engine.
    """
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        root, leaves, nodes = build(n)
        t1 = time.perf_counter()
        root.backward()
        t2 = time.perf_counter()
        assert all(leaf.grad != 0.0 for leaf in leaves[:3])  # it really differentiated
        del root, leaves
    finally:
        gc.enable()
    gc.collect()
    tracemalloc.start()
    root, leaves, nodes = build(n)
    root.backward()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del root, leaves
    return {
        "forward_ns": (t1 - t0) / nodes * 1e9,
        "backward_ns": (t2 - t1) / nodes * 1e9,
        "peak_bytes": peak / nodes,
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args(argv)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    results = {}
    measure(chain, 1000)  # warm up: the first run pays for imports and caches
    for name, build in (("chain", chain), ("fan-in", fan_in)):
        print(f"{name}:")
        for n in args.sizes:
            r = measure(build, n)
            results[(name, n)] = r
            print(
                f"  n={n:>9,}  forward {r['forward_ns']:5.0f} ns/node  backward "
                f"{r['backward_ns']:5.0f} ns/node  peak memory {r['peak_bytes']:4.0f} B/node"
            )
    return results


if __name__ == "__main__":
    main()

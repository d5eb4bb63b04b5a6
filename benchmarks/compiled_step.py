"""The compiled training step against PyTorch float64 (and JAX's jit, where installed).

Same model and data as benchmarks/moons_step.py: MLP(2, [width, width, 1]) on
two-moons points, the hinge loss relu(1 - y * score) averaged over the batch.
Each system runs the loop its users write, optimizer included:

- valuegrad: `optimizer.zero_grad(); loss = step(X, Y); optimizer.step()` with
  `step = autograd.compile(...)` and `nn.optim.Adam(model.parameters())`;
- PyTorch: `optimizer.zero_grad(); loss = ...; loss.backward(); optimizer.step()`
  with `torch.optim.Adam`, float64, one thread (`torch.set_num_threads(1)`);
- JAX (if importable): one `jax.jit`-ed function doing value_and_grad and the same
  Adam update, float64, with XLA's CPU thread pool limited to one thread.

numpy's BLAS is held to one thread as well (OPENBLAS_NUM_THREADS=1, set here
before numpy is imported), so that each system uses one core.

The systems run interleaved, cell by cell, so that they see the same machine
load. Printed: each system's median ms (and range), and the ratios of medians.
The first table is the moons step of moons_step.py (width 16, batch 100) with
micrograd beside them.

Run: python benchmarks/compiled_step.py [--repeats N] [--widths ...] [--batches ...]
(needs the `bench` and `parity` extras; JAX only if importable)
"""

from __future__ import annotations

import os

os.environ.setdefault(  # before JAX starts: one thread, as the others
    "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)
for _threads in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")  # before numpy starts: its BLAS on one thread too

import argparse  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from micrograd.engine import Value as MgValue  # noqa: E402
from micrograd.nn import MLP as MgMLP  # noqa: E402

import autograd  # noqa: E402
from nn import MLP  # noqa: E402
from nn.data import make_moons  # noqa: E402
from nn.optim import Adam  # noqa: E402

try:
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
except ImportError:
    jax = None

LR = 1e-3


def ours(width: int):
    model = MLP(2, [width, width, 1], rng=random.Random(1))
    optimizer = Adam(model.parameters(), lr=LR)
    step = autograd.compile(lambda x, y: (1 - y * model(x)).relu())

    def run(X, Y):
        optimizer.zero_grad()
        loss = step(X, Y)
        optimizer.step()
        return loss

    return run, model


def pytorch(model: MLP):
    net = model.to_torch()  # the same initial weights
    optimizer = torch.optim.Adam(net.parameters(), lr=LR)

    def run(X, Y):
        optimizer.zero_grad()
        loss = torch.relu(1 - Y * net(X).squeeze(1)).mean()
        loss.backward()
        optimizer.step()
        return loss.item()

    return run


def jax_step(model: MLP):
    layers = [
        (
            jnp.array([[w.data for w in n.w] for n in layer.neurons]),
            jnp.array([n.b.data for n in layer.neurons]),
        )
        for layer in model.layers
    ]
    state = {"params": layers, "m": jax.tree.map(jnp.zeros_like, layers)}
    state["v"] = jax.tree.map(jnp.zeros_like, layers)
    state["t"] = jnp.zeros((), dtype=jnp.float64)

    def loss_fn(params, X, Y):
        h = X
        for i, (W, b) in enumerate(params):
            h = h @ W.T + b
            if i < len(params) - 1:
                h = jax.nn.relu(h)
        return jax.nn.relu(1 - Y * h[:, 0]).mean()

    @jax.jit
    def update(state, X, Y):
        loss, g = jax.value_and_grad(loss_fn)(state["params"], X, Y)
        t = state["t"] + 1
        m = jax.tree.map(lambda m, g: 0.9 * m + 0.1 * g, state["m"], g)
        v = jax.tree.map(lambda v, g: 0.999 * v + 0.001 * g * g, state["v"], g)
        c1, c2 = 1 - 0.9**t, 1 - 0.999**t
        params = jax.tree.map(
            lambda p, m, v: p - LR / c1 * m / (jnp.sqrt(v) / jnp.sqrt(c2) + 1e-8),
            state["params"],
            m,
            v,
        )
        return {"params": params, "m": m, "v": v, "t": t}, loss

    box = [state]

    def run(X, Y):
        box[0], loss = update(box[0], X, Y)
        return float(loss)  # waits for the result

    return run


def data(n: int):
    X, y = make_moons(max(n, 2), noise=0.1, seed=0)
    X, Y = np.array(X)[:n], (2.0 * np.array(y) - 1.0)[:n]
    return X, Y


def interleaved(runs: dict, args: dict, repeats: int) -> dict[str, list[float]]:
    """ms per step of each system, alternating systems within every round."""
    for name, run in runs.items():
        run(*args[name])  # warm up (trace, jit)
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            t0 = time.perf_counter()
            run(*args[name])
            times[name].append((time.perf_counter() - t0) * 1e3)
    return times


def cell(width: int, n: int, budget: float) -> dict[str, list[float]]:
    run, model = ours(width)
    runs = {"valuegrad": run, "pytorch": pytorch(model)}
    if jax is not None:
        runs["jax"] = jax_step(model)
    X, Y = data(n)
    f64 = torch.float64
    args = {
        "valuegrad": (X, Y),
        "pytorch": (torch.tensor(X, dtype=f64), torch.tensor(Y, dtype=f64)),
        "jax": (jnp.array(X), jnp.array(Y)) if jax is not None else None,
    }
    t0 = time.perf_counter()
    interleaved(runs, args, 1)
    once = time.perf_counter() - t0
    repeats = int(min(max(budget / max(once, 1e-6), 3), 200))
    return interleaved(runs, args, repeats)


def micrograd_step(X, Y):
    random.seed(1)
    model = MgMLP(2, [16, 16, 1])

    def run():
        inputs = [list(map(MgValue, row)) for row in X]
        losses = [(1 + -y * s).relu() for y, s in zip(Y, map(model, inputs))]
        loss = sum(losses) * (1.0 / len(losses))
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= LR * p.grad

    return run


def show(times: list[float]) -> str:
    return f"{statistics.median(times):9.3f} ({min(times):.3f}-{max(times):.3f})"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=1.0, help="seconds per cell")
    parser.add_argument("--widths", type=int, nargs="+", default=[16, 64, 256, 1024])
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 100, 1000, 10000])
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # one core each, like our numpy replay
    print(f"numpy BLAS: {_blas()}; torch threads: {torch.get_num_threads()}")
    print("JAX:", jax.__version__ if jax is not None else "not installed (column left out)")

    X, Y = data(100)
    grid = cell(16, 100, args.budget)
    t0 = time.perf_counter()
    micrograd_step(X.tolist(), Y.tolist())()
    micro = (time.perf_counter() - t0) * 1e3
    ours_ms = statistics.median(grid["valuegrad"])
    print("\nmoons step, MLP(2, [16, 16, 1]), 100 points, hinge loss, Adam (median ms, range):")
    print(f"  micrograd (one step, eager)  {micro:9.3f}")
    for name, times in grid.items():
        print(f"  {name:<28s} {show(times)}")
    print(f"  valuegrad compiled is {micro / ours_ms:.0f}x faster than micrograd")

    print("\ncompiled step with Adam, ms per step: median (range); ratio = valuegrad / other")
    header = f"  {'width':>5} {'batch':>6} {'valuegrad':>26} {'PyTorch':>26} {'ratio':>6}"
    if jax is not None:
        header += f" {'JAX jit':>26} {'ratio':>6}"
    print(header)
    results = {}
    for width in args.widths:
        for n in args.batches:
            times = cell(width, n, args.budget)
            mine = statistics.median(times["valuegrad"])
            line = f"  {width:>5} {n:>6} {show(times['valuegrad']):>26}"
            for other in ("pytorch", "jax") if jax is not None else ("pytorch",):
                ratio = mine / statistics.median(times[other])
                line += f" {show(times[other]):>26} {ratio:6.2f}"
            print(line, flush=True)
            results[width, n] = {k: statistics.median(v) for k, v in times.items()}
    return results


def _blas() -> str:
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return f"{blas['name']} {blas.get('version', '')}".strip()
    except Exception:  # noqa: BLE001 - an older numpy: not worth failing for
        return "unknown"


if __name__ == "__main__":
    main()

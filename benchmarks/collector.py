"""What Python's cycle collector costs a training step, on and paused (autograd.gc_paused).

The moons step of benchmarks/moons_step.py (MLP(2, [16, 16, 1]), 100 points, hinge
loss, SGD), valuegrad's and micrograd's, each with the collector on and paused,
all four interleaved in one process. valuegrad's graphs hold no cycles, so pausing
costs no memory; micrograd's closures make cycles, which pile up until it resumes.
Then an unfused graph: one training step of benchmarks/transformer_step.py's
character transformer written op by op on valuegrad (16 names, about 94,000
nodes), the collector on and paused, alternating.

Run: python benchmarks/collector.py [--repeats N]   (needs the `bench` extra and numpy)
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

from moons_step import micrograd_loss, moons_setup, ours_loss, step
from transformer_step import Eager, OpByOp, initial_weights, make_batches, pseudo_names

from autograd import Value, gc_paused


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--transformer-repeats", type=int, default=3)
    args = parser.parse_args(argv)
    X, Y, ours, theirs = moons_setup()
    engines = {
        "valuegrad": (ours_loss, ours, ours.parameters()),
        "micrograd": (micrograd_loss, theirs, theirs.parameters()),
    }
    times: dict[tuple[str, bool], list[float]] = {}
    gc.enable()
    for _ in range(args.repeats):
        for name, (loss, model, params) in engines.items():
            for paused in (False, True):
                t0 = time.perf_counter()
                if paused:
                    with gc_paused():
                        step(loss, model, X, Y, params)
                else:
                    step(loss, model, X, Y, params)
                times.setdefault((name, paused), []).append(time.perf_counter() - t0)
        gc.collect()  # micrograd's cycles from the paused steps, outside the timings
    print(f"moons step, median (range) of {args.repeats}, collector on and paused:")
    for name in engines:
        on, off = times[(name, False)], times[(name, True)]
        print(
            f"  {name}  on {statistics.median(on) * 1e3:7.1f} ms ({min(on) * 1e3:.1f}-"
            f"{max(on) * 1e3:.1f})   paused {statistics.median(off) * 1e3:7.1f} ms "
            f"({min(off) * 1e3:.1f}-{max(off) * 1e3:.1f})   "
            f"{statistics.median(on) / statistics.median(off):.2f}x"
        )

    batch = make_batches(pseudo_names(2000, 0), 16, 0)[0]
    way = Eager(Value, OpByOp(), initial_weights(0))
    steps: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(args.transformer_repeats):
        for paused in (False, True):
            t0 = time.perf_counter()
            if paused:
                with gc_paused():
                    way.step(batch)
            else:
                way.step(batch)
            steps[paused].append(time.perf_counter() - t0)
    on, off = steps[False], steps[True]
    print(
        f"transformer written op by op, one step of 16 names (T = {batch.length}), "
        f"median (range) of {args.transformer_repeats}:\n"
        f"  valuegrad  on {statistics.median(on):6.2f} s ({min(on):.2f}-{max(on):.2f})   "
        f"paused {statistics.median(off):6.2f} s ({min(off):.2f}-{max(off):.2f})   "
        f"{statistics.median(on) / statistics.median(off):.2f}x"
    )


if __name__ == "__main__":
    main()

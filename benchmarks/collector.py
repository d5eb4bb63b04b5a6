"""What Python's cycle collector costs a training step, on and paused (autograd.gc_paused).

The moons step of benchmarks/moons_step.py (MLP(2, [16, 16, 1]), 100 points, hinge
loss, SGD), valuegrad's and micrograd's, each with the collector on and paused,
all four interleaved in one process. valuegrad's graphs hold no cycles, so pausing
costs no memory; micrograd's closures make cycles, which pile up until it resumes.

Run: python benchmarks/collector.py [--repeats N]   (needs the `bench` extra)
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

from moons_step import micrograd_loss, moons_setup, ours_loss, step

from autograd import gc_paused


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
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


if __name__ == "__main__":
    main()

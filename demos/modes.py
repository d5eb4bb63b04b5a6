"""Forward against reverse mode: why training uses backpropagation.

For a loss f: R^n -> R, one reverse pass (grad) gives all n partial derivatives,
where forward mode (jacfwd) needs one pass per input: n passes. For g: R -> R^m
it is the other way round: one forward pass gives all m derivatives, where
reverse mode (jacrev) needs one pass per output. A network's loss has one
output and thousands of inputs (its weights), so training runs in reverse.
"""

from __future__ import annotations

import time
from pathlib import Path

from autograd import grad, jacfwd, jacrev, ops
from demos._common import parser, pyplot, save


def loss(*xs):
    """f: R^n -> R, a chain through every input, as a network's loss is."""
    total = 0.0
    for a, b in zip(xs, xs[1:] + xs[:1]):
        total = total + ops.tanh(a * b + 0.1) ** 2
    return total


def curves(m):
    """g: R -> R^m: a shared trunk of 50 steps, then m outputs read from it."""

    def g(t):
        z = t
        for _ in range(50):
            z = ops.tanh(z * 0.9 + 0.1)
        return [ops.sin(z * k) for k in range(1, m + 1)]

    return g


def _best_time(fn, repeats):
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def measure(n: int, repeats: int) -> tuple:
    """(n, f by reverse, f by forward, g by forward, g by reverse, largest difference)."""
    xs = [0.1 * ((i * 7) % 11) - 0.5 for i in range(n)]
    reverse, by_reverse = _best_time(lambda: grad(loss, tuple(range(n)))(*xs), repeats)
    forward, by_forward = _best_time(lambda: jacfwd(loss)(*xs), repeats)
    g = curves(n)
    g_forward, columns = _best_time(lambda: jacfwd(g)(0.7), repeats)
    g_reverse, rows = _best_time(lambda: jacrev(g)(0.7), repeats)
    differences = [a - b for a, b in zip(by_reverse, by_forward)]
    differences += [a[0] - b[0] for a, b in zip(columns, rows)]
    return n, reverse, forward, g_forward, g_reverse, max(map(abs, differences))


def main(argv: list[str] | None = None) -> dict:
    p = parser(__doc__, epochs=3)  # --epochs: timing repeats (the best is kept)
    p.add_argument("--sizes", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32, 64, 128])
    args = p.parse_args(argv)
    rows = [measure(n, args.epochs) for n in args.sizes]
    print("      f: R^n -> R: reverse (1 pass), forward (n passes)")
    print("      g: R -> R^m: forward (1 pass), reverse (m passes)")
    print("  n = m    f reverse    f forward    g forward    g reverse")
    for n, *times, _ in rows:
        print(f"  {n:5d}" + "".join(f" {t * 1e3:9.2f} ms" for t in times))
    largest = max(r[5] for r in rows)
    print(f"forward and reverse derivatives agree to {largest:.1e}")
    if not args.no_plot:
        print(f"plot: {plot(rows, args.out)}")
    return {"sizes": [r[0] for r in rows], "rows": rows, "largest_difference": largest}


def plot(rows, out: Path) -> Path:
    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    sizes = [r[0] for r in rows]
    left.loglog(sizes, [r[1] * 1e3 for r in rows], "o-", label="reverse: grad, 1 pass")
    left.loglog(sizes, [r[2] * 1e3 for r in rows], "s-", label="forward: jacfwd, n passes")
    left.set(title="a loss f: R^n -> R (training)", xlabel="inputs n", ylabel="ms")
    right.loglog(sizes, [r[3] * 1e3 for r in rows], "s-", label="forward: jacfwd, 1 pass")
    right.loglog(sizes, [r[4] * 1e3 for r in rows], "o-", label="reverse: jacrev, m passes")
    right.set(title="a curve g: R -> R^m", xlabel="outputs m", ylabel="ms")
    for ax in (left, right):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    return save(fig, out, "modes.png")


if __name__ == "__main__":
    main()

"""Mini-batches: full-batch gradient descent against mini-batches of several sizes.

A full batch takes one careful step per epoch; mini-batches take many noisy
ones, so per epoch they get further, and per second of computing too.
Writes out/minibatch.png (loss against epochs and against wall time).
"""

from __future__ import annotations

import random
import time

from demos._common import parser, pyplot, save
from nn import MLP, fit
from nn.data import make_moons
from nn.losses import binary_cross_entropy
from nn.optim import SGD

BATCH_SIZES = (None, 64, 16, 4)  # None: the full batch


class Stopwatch(list):
    """Seconds since it was made, appended at every lap (a fit callback: once per epoch)."""

    def __init__(self) -> None:
        super().__init__()
        self.start = time.perf_counter()

    def lap(self, history: object) -> None:
        self.append(time.perf_counter() - self.start)


def main(argv: list[str] | None = None) -> dict:
    args = parser(__doc__, epochs=25, seed=0).parse_args(argv)
    X, y = make_moons(200, noise=0.1, seed=args.seed)
    runs = {}
    for size in BATCH_SIZES:
        model = MLP(2, [16, 16, 1], rng=random.Random(args.seed))
        clock = Stopwatch()
        history = fit(
            model,
            X,
            y,
            binary_cross_entropy,
            SGD(model.parameters(), lr=0.2),
            args.epochs,
            batch_size=size,
            seed=args.seed,
            callbacks=[clock.lap],
        )
        runs[size] = (history, clock)
        name = "full batch" if size is None else f"batch size {size}"
        print(
            f"{name:>14}: final loss {history.loss[-1]:.4f} after {clock[-1]:.2f} s, "
            f"accuracy {history.metrics['accuracy'][-1]:.0%}"
        )
    if not args.no_plot:
        plt = pyplot()
        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
        for size, (history, clock) in runs.items():
            label = "full batch" if size is None else f"batch size {size}"
            left.plot(range(1, history.epochs + 1), history.loss, label=label)
            right.plot(clock, history.loss, label=label)
        left.set(
            title="Loss per epoch", xlabel="epoch", ylabel="binary cross-entropy", yscale="log"
        )
        right.set(title="Loss against wall time", xlabel="seconds")
        left.legend(fontsize=8)
        fig.tight_layout()
        print(f"wrote {save(fig, args.out, 'minibatch.png')}")
    return {
        ("full_batch" if size is None else f"batch_{size}"): {
            "final_loss": history.loss[-1],
            "seconds": clock[-1],
        }
        for size, (history, clock) in runs.items()
    }


if __name__ == "__main__":
    main()

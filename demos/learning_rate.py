"""The learning rate: the same model and data at a too-small, a good and a too-large step size.

Too small, the loss creeps down; good, it drops fast and settles; too large,
each step overshoots the valley and the loss jumps around or blows up.
Writes out/learning_rate.png (the three loss curves on one plot).
"""

from __future__ import annotations

import random
import warnings

from demos._common import parser, pyplot, save
from nn import MLP, fit
from nn.data import make_moons
from nn.losses import binary_cross_entropy
from nn.optim import SGD
from nn.train import GradientHealthWarning

RATES = {"too small": 0.005, "good": 0.5, "too large": 8.0}


def main(argv: list[str] | None = None) -> dict:
    args = parser(__doc__, epochs=60, seed=0).parse_args(argv)
    X, y = make_moons(100, noise=0.1, seed=args.seed)
    histories = {}
    for name, lr in RATES.items():
        model = MLP(2, [16, 16, 1], rng=random.Random(args.seed))  # the same start each time
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GradientHealthWarning)  # the large rate may blow up
            histories[name] = fit(
                model,
                X,
                y,
                binary_cross_entropy,
                SGD(model.parameters(), lr=lr),
                args.epochs,
                batch_size=20,
                seed=args.seed,
            )
        h = histories[name]
        end = f"stopped: {h.stopped.split(';')[0]}" if h.stopped else f"final loss {h.loss[-1]:.4f}"
        print(f"learning rate {lr:g} ({name}): {end}")
    if not args.no_plot:
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(6.5, 4))
        for (name, h), color in zip(histories.items(), ("C0", "C2", "C3")):
            ax.plot(
                range(1, h.epochs + 1), h.loss, color=color, label=f"lr {RATES[name]:g} ({name})"
            )
        ax.set(
            title="One model, three learning rates",
            xlabel="epoch",
            ylabel="binary cross-entropy (log scale)",
            yscale="log",
        )
        ax.legend(fontsize=8)
        print(f"wrote {save(fig, args.out, 'learning_rate.png')}")
    return {
        f"final_loss_{name.replace(' ', '_')}": h.loss[-1] if h.loss else float("nan")
        for name, h in histories.items()
    }


if __name__ == "__main__":
    main()

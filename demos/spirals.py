"""Three interleaved spirals: softmax cross-entropy, AdamW and mini-batches, tested on new points.

A problem no straight line can split: the MLP has to bend its regions around
each arm. Writes out/spirals_regions.png (decision regions over training and
test points).
"""

from __future__ import annotations

import random

from demos._common import decision_regions, parser, pyplot, save
from nn import MLP, fit
from nn.data import make_spirals, train_test_split
from nn.losses import cross_entropy
from nn.optim import AdamW, StepLR
from nn.train import accuracy


def main(argv: list[str] | None = None) -> dict:
    p = parser(__doc__, epochs=80, seed=0)
    p.add_argument("--samples", type=int, default=400)
    p.add_argument("--batch-size", type=int, default=32)
    args = p.parse_args(argv)

    X, y = make_spirals(args.samples, n_classes=3, noise=0.1, seed=args.seed)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=args.seed)
    model = MLP(2, [32, 32, 3], init="kaiming", rng=random.Random(args.seed))
    optimizer = AdamW(model.parameters(), lr=0.02, weight_decay=1e-3)
    schedule = StepLR(optimizer, step_size=max(args.epochs // 3, 1), gamma=0.3)
    history = fit(
        model,
        X_train,
        y_train,
        cross_entropy,
        optimizer,
        args.epochs,
        batch_size=args.batch_size,
        scheduler=schedule,
        seed=args.seed,
    )

    def logits(points):
        return [[v.data for v in model(x)] for x in points]

    result = {
        "train_accuracy": accuracy(logits(X_train), y_train),
        "test_accuracy": accuracy(logits(X_test), y_test),
        "final_loss": history.loss[-1] if history.loss else float("nan"),
    }
    print(
        f"spirals: {history.epochs} epochs, train accuracy {result['train_accuracy']:.1%}, "
        f"test accuracy {result['test_accuracy']:.1%}"
    )
    if not args.no_plot:
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(5.5, 5))

        def classify(x):
            scores = [v.data for v in model(x)]
            return scores.index(max(scores))

        decision_regions(ax, classify, X_train + X_test, y_train + y_test)
        ax.scatter(
            [x[0] for x in X_test],
            [x[1] for x in X_test],
            s=40,
            facecolors="none",
            edgecolors="k",
            linewidths=0.8,
            label="held-out test points",
        )
        ax.legend(loc="lower left", fontsize=8)
        ax.set_title(f"Three spirals: test accuracy {result['test_accuracy']:.0%}")
        print(f"wrote {save(fig, args.out, 'spirals_regions.png')}")
    return result


if __name__ == "__main__":
    main()

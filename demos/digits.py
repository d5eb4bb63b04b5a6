"""Handwritten digits: 1,797 real 8x8 images, an MLP 64-32-10 trained with autograd.compile.

scikit-learn's bundled images (no download), cross-entropy and Adam over mini-batches.
The per-sample graph is traced once and replayed over each batch with numpy,
which is what makes real data practical for a scalar engine. Writes
out/digits_confusion.png (the confusion matrix on the test set) and
out/digits_mistakes.png (test digits the network got wrong).
"""

from __future__ import annotations

import random

import autograd
from demos._common import parser, pyplot, save
from nn import MLP, fit
from nn.data import train_test_split
from nn.losses import cross_entropy
from nn.optim import Adam, StepLR


def load_digits() -> tuple[list[list[float]], list[int], list[list[float]]]:
    from sklearn.datasets import load_digits as sklearn_digits

    digits = sklearn_digits()
    X = [[v / 16.0 for v in row] for row in digits.data.tolist()]  # pixels 0..16 -> 0..1
    return X, digits.target.tolist(), digits.images.tolist()


def main(argv: list[str] | None = None) -> dict:
    p = parser(__doc__, epochs=20, seed=0)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--limit", type=int, default=None, help="use only this many images")
    args = p.parse_args(argv)

    X, y, images = load_digits()
    if args.limit:
        X, y, images = X[: args.limit], y[: args.limit], images[: args.limit]
    index = list(range(len(X)))
    train_i, test_i, _, _ = train_test_split(index, y, test_size=0.2, seed=args.seed)
    X_train, y_train = [X[i] for i in train_i], [y[i] for i in train_i]
    model = MLP(64, [32, 10], init="kaiming", rng=random.Random(args.seed))
    optimizer = Adam(model.parameters(), lr=0.01)
    schedule = StepLR(optimizer, step_size=max(args.epochs // 2, 1), gamma=0.3)
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
        compile=True,
    )

    import numpy as np

    logits = autograd.compile(lambda x: model(x)).forward(np.array([X[i] for i in test_i]))
    predicted = logits.argmax(axis=1).tolist()
    truth = [y[i] for i in test_i]
    test_accuracy = sum(a == b for a, b in zip(predicted, truth)) / len(truth)
    print(
        f"digits: {len(model.parameters())} parameters, {history.epochs} epochs, "
        f"train accuracy {history.metrics['accuracy'][-1]:.1%}, "
        f"test accuracy {test_accuracy:.1%} on {len(truth)} images"
    )
    if not args.no_plot:
        wrong = [(images[i], t, p) for i, t, p in zip(test_i, truth, predicted) if t != p]
        for path in plot(truth, predicted, wrong, args.out):
            print(f"wrote {path}")
    return {"test_accuracy": test_accuracy, "train_accuracy": history.metrics["accuracy"][-1]}


def plot(truth, predicted, wrong, out):
    plt = pyplot()
    counts = [[0] * 10 for _ in range(10)]
    for t, p in zip(truth, predicted):
        counts[t][p] += 1
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.imshow(counts, cmap="Blues")
    for t in range(10):
        for p in range(10):
            if counts[t][p]:
                color = "white" if counts[t][p] > max(map(max, counts)) / 2 else "black"
                ax.text(p, t, counts[t][p], ha="center", va="center", fontsize=8, color=color)
    ax.set(
        xticks=range(10),
        yticks=range(10),
        xlabel="predicted",
        ylabel="true digit",
        title="Digits: confusion matrix (test set)",
    )
    yield save(fig, out, "digits_confusion.png")

    shown = wrong[:24] or []
    cols = 8
    rows = max((len(shown) + cols - 1) // cols, 1)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.1, rows * 1.3), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, (image, t, p) in zip(axes.flat, shown):
        ax.imshow(image, cmap="gray_r")
        ax.set_title(f"{t} as {p}", fontsize=8, color="C3")
    fig.suptitle(f"Test digits the network got wrong ({len(wrong)})", fontsize=10)
    yield save(fig, out, "digits_mistakes.png")


if __name__ == "__main__":
    main()

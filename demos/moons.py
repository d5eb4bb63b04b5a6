"""Train MLP(2, [16, 16, 1]) on two moons with the hinge loss and SGD, printing each step."""

from __future__ import annotations

import argparse
import random

import autograd
from nn import MLP
from nn.data import make_moons


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=200, help="full-batch SGD steps")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    args = parser.parse_args(argv)

    X, labels = make_moons(args.samples, noise=0.1, seed=args.seed)
    Y = [2.0 * label - 1.0 for label in labels]  # hinge loss wants labels -1 / +1
    model = MLP(2, [16, 16, 1], rng=random.Random(args.seed))
    params = model.parameters()

    for step in range(args.epochs):
        # Feed forward, then the loss: hinge per point, averaged, plus L2 regularisation.
        scores = [model(x) for x in X]
        data_loss = autograd.sum([(1 - y * s).relu() for y, s in zip(Y, scores)]) / len(X)
        loss = data_loss + 1e-4 * autograd.sum([p * p for p in params])
        accuracy = sum((s.data > 0) == (y > 0) for s, y in zip(scores, Y)) / len(Y)

        # Backward, then a gradient-descent step with a decaying learning rate.
        model.zero_grad()
        loss.backward()
        lr = 1.0 - 0.9 * step / args.epochs
        for p in params:
            p.data -= lr * p.grad
        if not args.quiet:
            print(f"step {step:3d}  loss {loss.data:.4f}  accuracy {accuracy:.0%}  lr {lr:.3f}")

    with autograd.no_grad():
        scores = [model(x) for x in X]
        loss = autograd.sum([(1 - y * s).relu() for y, s in zip(Y, scores)]) / len(X)
    accuracy = sum((s.data > 0) == (y > 0) for s, y in zip(scores, Y)) / len(Y)
    print(
        f"moons: {len(params)} parameters, {args.epochs} steps, "
        f"hinge loss {loss.data:.4f}, training accuracy {accuracy:.0%}"
    )
    return {"train_accuracy": accuracy, "final_loss": loss.data}


if __name__ == "__main__":
    main()

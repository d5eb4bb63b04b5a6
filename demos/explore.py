"""Backpropagation step by step in a browser: explorer pages for a neuron and a small MLP.

Builds the neuron tanh(x1*w1 + x2*w2 + b) and the hinge loss of MLP(2, [3, 1])
on two points (after --epochs steps of SGD, 0 by default), prints the neuron's
backward pass as text (autograd.explain), and writes out/explore_neuron.html and
out/explore_mlp.html (autograd.explore): open either in a browser and step
with the buttons or the arrow keys. No network needed to view them.
"""

from __future__ import annotations

import random

import autograd
from autograd import Value
from demos._common import parser
from nn import MLP
from nn.losses import hinge
from nn.optim import SGD

X, Y = [[0.5, -1.0], [-1.5, 0.25]], [1.0, -1.0]


def neuron() -> Value:
    """o = tanh(x1*w1 + x2*w2 + b), every Value labelled."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1.label, x2w2.label = "x1*w1", "x2*w2"
    n = x1w1 + x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def mlp_loss(seed: int, epochs: int) -> Value:
    """The hinge loss of MLP(2, [3, 1]) on two points, after `epochs` steps of SGD."""
    model = MLP(2, [3, 1], rng=random.Random(seed))
    optimizer = SGD(model.parameters(), lr=0.1)
    for _ in range(epochs):
        optimizer.zero_grad()
        _loss(model).backward()
        optimizer.step()
    return _loss(model)


def _loss(model: MLP) -> Value:
    inputs = [[Value(v, label=f"x{i}") for i, v in enumerate(x)] for x in X]
    loss = hinge([model(x) for x in inputs], Y)
    loss.label = "loss"
    return loss


def main(argv: list[str] | None = None) -> dict:
    p = parser(__doc__, epochs=0)
    args = p.parse_args(argv)
    o, loss = neuron(), mlp_loss(args.seed, args.epochs)
    autograd.explain(o)
    pages = []
    if not args.no_plot:
        pages = [
            autograd.explore(o, args.out / "explore_neuron.html"),
            autograd.explore(loss, args.out / "explore_mlp.html"),
        ]
        for path in pages:
            print(f"wrote {path} (open it in a browser)")
    return {"pages": pages, "neuron": o, "mlp_loss": loss}


if __name__ == "__main__":
    main()

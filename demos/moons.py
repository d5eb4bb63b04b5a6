"""Two moons: an MLP learns a curved boundary with the hinge loss, L2 and SGD, to 100% accuracy.

Each epoch feeds the 100 points forward, takes the mean hinge loss plus L2
regularisation (SGD's weight decay), backpropagates, and steps with a learning
rate that decays from 1.0 to 0.1. Writes out/moons_boundary.png (the decision
boundary over the data), out/moons_curves.png (loss and accuracy per epoch)
and out/moons_neuron.svg (one neuron's computation graph after backward).
"""

from __future__ import annotations

import random

from autograd import Value, to_svg
from demos._common import decision_regions, parser, pyplot, save, write_text
from nn import MLP, fit
from nn.data import make_moons
from nn.losses import hinge
from nn.optim import SGD, CosineAnnealingLR
from nn.train import accuracy


def main(argv: list[str] | None = None) -> dict:
    p = parser(__doc__, epochs=150, seed=1)
    p.add_argument("--samples", type=int, default=100)
    args = p.parse_args(argv)

    X, labels = make_moons(args.samples, noise=0.1, seed=args.seed)
    Y = [2.0 * label - 1.0 for label in labels]  # the hinge loss wants -1 / +1
    model = MLP(2, [16, 16, 1], rng=random.Random(args.seed))
    # L2 of 1e-4 * sum(p^2) has gradient 2e-4 * p: SGD's weight decay.
    optimizer = SGD(model.parameters(), lr=1.0, weight_decay=2e-4)
    schedule = CosineAnnealingLR(optimizer, T_max=max(args.epochs, 1), eta_min=0.1)
    history = fit(model, X, Y, hinge, optimizer, args.epochs, scheduler=schedule)

    scores = [model(x).data for x in X]
    train_accuracy = accuracy(scores, Y)
    final_loss = history.loss[-1] if history.loss else hinge(scores, Y).data
    print(
        f"moons: {len(model.parameters())} parameters, {history.epochs} epochs, "
        f"loss {final_loss:.4f}, training accuracy {train_accuracy:.0%}"
    )
    if not args.no_plot:
        for path in plot(model, X, labels, history, args.out):
            print(f"wrote {path}")
    return {"train_accuracy": train_accuracy, "final_loss": final_loss}


def plot(model, X, labels, history, out):
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    decision_regions(ax, lambda x: int(model(x).data > 0), X, labels)
    ax.set_title("Two moons: the MLP's decision boundary")
    yield save(fig, out, "moons_boundary.png")

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    epochs = range(1, history.epochs + 1)
    left.plot(epochs, history.loss, color="C0")
    left.set(title="Hinge loss (training)", xlabel="epoch", yscale="log")
    right.plot(epochs, history.metrics["accuracy"], color="C2")
    right.set(title="Accuracy (training)", xlabel="epoch", ylim=(0.4, 1.02))
    fig.tight_layout()
    yield save(fig, out, "moons_curves.png")

    # One neuron of the first layer on one point, after backward: the fused
    # dot node (w . x + b) then the ReLU, with every gradient written in. The
    # inputs are labelled x0, x1, so x0 goes with the weight w0 and x1 with w1.
    neuron = model.layers[0].neurons[0]
    x = [Value(v, label=f"x{i}") for i, v in enumerate(X[0])]
    out_value = neuron(x)
    (pre_activation,) = out_value.parents
    pre_activation.label = "w0*x0 + w1*x1 + b"
    out_value.label = "relu(w0*x0 + w1*x1 + b)"
    out_value.backward()
    yield write_text(out, "moons_neuron.svg", to_svg(out_value, params=neuron.parameters()))


if __name__ == "__main__":
    main()

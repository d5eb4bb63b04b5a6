"""Vanishing and exploding gradients, made visible: activations, initialisation and clipping.

1. Vanishing: a 9-layer sigmoid MLP with naive U(-1, 1) weights against the same
   depth with ReLU and Kaiming initialisation. Each sigmoid multiplies the
   backward signal by at most 0.25, so the first layers of the sigmoid net get
   gradients thousands of times smaller than the last: they barely learn.
2. Exploding: a deep ReLU net with huge initial weights, trained with and
   without gradient clipping. Unclipped, one step throws the weights so far
   that the loss overflows and fit stops; clip_grad_norm_ keeps every step small.
3. A heat map of one small deep sigmoid net's gradients (draw(color_by="grad")),
   every weight, bias and output labelled with its layer and neuron (L2.n0.w0:
   layer 2, neuron 0, weight 0), laid out top to bottom.

Epochs are counted from 1 everywhere, as fit's progress bar and warnings count.

Writes out/gradients_vanishing.png, out/gradients_exploding.png and
out/gradients_heat.svg.
"""

from __future__ import annotations

import random
import warnings

from autograd import Value, to_svg
from demos._common import parser, pyplot, save, write_text
from nn import MLP, fit
from nn.data import make_moons
from nn.losses import binary_cross_entropy
from nn.optim import SGD
from nn.train import GradientHealthWarning

DEPTH = [8] * 8 + [1]


def stopped_at(history) -> int:
    """The epoch (from 1) in which fit stopped: the one after the last it finished."""
    return history.epochs + 1


def label_layers(model) -> None:
    """Name every parameter by layer and neuron: L2.n0.w0 is layer 2, neuron 0, weight 0."""
    for k, layer in enumerate(model.layers):
        for j, neuron in enumerate(layer.neurons):
            for i, w in enumerate(neuron.w):
                w.label = f"L{k}.n{j}.w{i}"
            neuron.b.label = f"L{k}.n{j}.b"


def train(model, X, y, epochs, seed, lr, batch_size=None, clip_norm=None):
    """fit with SGD, printing its gradient-health warnings as part of the lesson."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", GradientHealthWarning)
        history = fit(
            model,
            X,
            y,
            binary_cross_entropy,
            SGD(model.parameters(), lr=lr),
            epochs,
            batch_size=batch_size,
            clip_norm=clip_norm,
            seed=seed,
        )
    for w in caught:
        print(f"  fit warned: {w.message}")
    return history


def ratio(history) -> float:
    """First layer's gradient norm over the last layer's, averaged over training."""
    firsts = history.layer_series("grad_norm", 0)
    lasts = history.layer_series("grad_norm", len(history.grad_norm[0]) - 1)
    return sum(firsts) / sum(lasts)


def main(argv: list[str] | None = None) -> dict:
    args = parser(__doc__, epochs=30, seed=0).parse_args(argv)
    X, y = make_moons(100, noise=0.1, seed=args.seed)

    print("1. vanishing gradients: 9 layers of sigmoid (naive init) vs ReLU (Kaiming init)")
    nets = {
        "sigmoid, U(-1, 1) init": MLP(2, DEPTH, "sigmoid", random.Random(args.seed), "uniform"),
        "ReLU, Kaiming init": MLP(2, DEPTH, "relu", random.Random(args.seed), "kaiming"),
    }
    # Mini-batches: with the full batch, a symmetric start makes even the last
    # layer's mean gradient cancel out, which would hide the layer-by-layer decay.
    vanishing = {
        name: train(net, X, y, args.epochs, args.seed, lr=0.1, batch_size=16)
        for name, net in nets.items()
    }
    for name, history in vanishing.items():
        print(
            f"  {name}: first/last layer gradient norm {ratio(history):.2e}, "
            f"final loss {history.loss[-1]:.3f}, accuracy {history.metrics['accuracy'][-1]:.0%}"
        )

    print("2. exploding gradients: deep ReLU net with huge init, without and with clipping")
    exploding = {}
    for clip in (None, 1.0):
        net = MLP(2, [16] * 6 + [1], "relu", random.Random(args.seed), "uniform")
        for p in net.parameters():
            p.data *= 3
        exploding[clip] = train(net, X, y, args.epochs, args.seed, lr=0.01, clip_norm=clip)
        final = exploding[clip].loss[-1] if exploding[clip].loss else float("nan")
        status = (
            f"stopped at epoch {stopped_at(exploding[clip])}, "
            f"{exploding[clip].epochs} epochs finished"
            if exploding[clip].stopped
            else (f"trained {exploding[clip].epochs} epochs")
        )
        last = "last finite loss" if exploding[clip].stopped else "last loss"
        print(f"  clip_norm={clip}: {status}, {last} {final:.3g}")

    result = {
        "sigmoid_first_over_last": ratio(vanishing["sigmoid, U(-1, 1) init"]),
        "relu_kaiming_first_over_last": ratio(vanishing["ReLU, Kaiming init"]),
        "unclipped_stopped": exploding[None].stopped is not None,
        "unclipped_epochs": exploding[None].epochs,
        "unclipped_stopped_at": stopped_at(exploding[None]) if exploding[None].stopped else None,
        "clipped_first_loss": exploding[1.0].loss[0] if exploding[1.0].loss else float("nan"),
        "clipped_final_loss": exploding[1.0].loss[-1] if exploding[1.0].loss else float("nan"),
    }
    if not args.no_plot:
        for path in plot(vanishing, exploding, args):
            print(f"wrote {path}")
    return result


def plot(vanishing, exploding, args):
    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for (name, history), color in zip(vanishing.items(), ("C3", "C0")):
        layers = range(1, len(history.grad_norm[0]) + 1)
        left.semilogy(layers, history.grad_norm[0], "o-", color=color, label=f"{name}, epoch 1")
        left.semilogy(
            layers,
            history.grad_norm[-1],
            "o--",
            color=color,
            alpha=0.5,
            label=f"{name}, epoch {history.epochs}",
        )
        right.plot(range(1, history.epochs + 1), history.loss, color=color, label=name)
    left.set(
        title="Gradient norm per layer (input layer = 1)",
        xlabel="layer",
        ylabel="mean gradient norm (log scale)",
    )
    left.legend(fontsize=7)
    right.set(title="Training loss", xlabel="epoch", ylabel="binary cross-entropy")
    right.legend(fontsize=8)
    fig.tight_layout()
    yield save(fig, args.out, "gradients_vanishing.png")

    # Two panels: the unclipped loss climbs past 1e100, so on its axis the clipped
    # run would be a flat line; the right panel gives the clipped run its own axis.
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for clip, color in ((None, "C3"), (1.0, "C2")):
        history = exploding[clip]
        label = "no clipping" if clip is None else f"clip_grad_norm_ at {clip:g}"
        if history.stopped:
            label += f" (loss overflowed: stopped at epoch {stopped_at(history)})"
        epochs = range(1, history.epochs + 1)
        left.semilogy(epochs, history.loss, "o-", ms=3, color=color, label=label)
        if history.stopped:
            left.axvline(stopped_at(history), color=color, ls=":", lw=1)
    left.set(
        title="Huge initial weights: unclipped, the loss explodes",
        xlabel="epoch",
        ylabel="binary cross-entropy (log scale)",
    )
    left.legend(fontsize=8)
    clipped = exploding[1.0]
    epochs = range(1, clipped.epochs + 1)
    right.plot(epochs, clipped.loss, "o-", ms=3, color="C2", label="loss (left axis)")
    right.set(
        title="The clipped run on its own axis: it learns",
        xlabel="epoch",
        ylabel="binary cross-entropy",
        ylim=(0, None),
    )
    twin = right.twinx()
    twin.plot(epochs, clipped.metrics["accuracy"], "--", color="C0", label="accuracy (right axis)")
    twin.set(ylabel="training accuracy", ylim=(0, 1))
    lines = right.get_lines() + twin.get_lines()
    right.legend(lines, [line.get_label() for line in lines], fontsize=8, loc="lower left")
    fig.tight_layout()
    yield save(fig, args.out, "gradients_exploding.png")

    small = MLP(1, [1] * 6 + [1], "sigmoid", random.Random(args.seed), "uniform")
    label_layers(small)
    x = [Value(0.5, label="x0")]
    for k, layer in enumerate(small.layers):
        x = layer(x)
        for j, value in enumerate(x):
            value.label = f"L{k}.n{j}"
    (out,) = x
    out.backward()
    yield write_text(
        args.out, "gradients_heat.svg", to_svg(out, params=small.parameters(), color_by="grad")
    )


if __name__ == "__main__":
    main()

"""The training loop: feed forward, loss, backward, step, over epochs and mini-batches.

`fit` also watches gradient health, layer by layer, and says so when gradients
vanish or explode, the two ways deep networks stop learning:

- gradient norm: the L2 norm of the layer's parameter gradients, averaged over
  the epoch's steps (before clipping);
- weight norm: the L2 norm of the layer's parameters at the end of the epoch;
- update ratio: |change of the weights| / |weights| per step, averaged (around
  1e-3 is healthy; far below, the layer barely learns; far above, it thrashes);
- dead ReLUs: the fraction of the layer's ReLU neurons that output 0 for every
  one of up to 256 training samples at the end of the epoch (None for layers
  without ReLU).

A warning (GradientHealthWarning) fires, once per kind, when gradients vanish:
the first layer's gradient norm is below VANISHING_RATIO times the last
layer's (unless that one explodes), or below VANISHING_NORM while the loss is
still above LOSS_FLOOR (a deep sigmoid net can shrink every layer's gradient
alike); or when they explode: any layer's gradient norm is above
EXPLODING_NORM. A loss or gradient that is nan or inf stops training before
the optimizer step, so the parameters keep their last finite values, with a
warning saying so. The thresholds are autograd.health's (draw(color_by="grad")
reads the same ones). Epochs are counted from 1, as the progress bar counts:
the warnings name epoch n for History entry n - 1.
"""

from __future__ import annotations

import builtins
import math
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tqdm.auto import tqdm

from autograd import Value, gc_paused, no_grad, ops, packing
from autograd.extras import missing
from autograd.health import EXPLODING_NORM, LOSS_FLOOR, VANISHING_NORM, VANISHING_RATIO
from nn.checks import data_of, describe, integer, real
from nn.data import batches, check_seed, check_sequence
from nn.init import ACTIVATIONS
from nn.losses import PER_SAMPLE, cross_entropy
from nn.modules import Layer, Module, Neuron
from nn.optim import clip_grad_norm_

PROBE_SAMPLES = 256


class GradientHealthWarning(RuntimeWarning):
    """Gradients vanish or explode, or training stopped on a non-finite loss."""


@dataclass
class History:
    """What `fit` measured, one entry per epoch; layer series are lists over layers."""

    loss: list[float] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    lr: list[float] = field(default_factory=list)
    grad_norm: list[list[float]] = field(default_factory=list)
    weight_norm: list[list[float]] = field(default_factory=list)
    update_ratio: list[list[float]] = field(default_factory=list)
    dead_relu: list[list[float | None]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stopped: str | None = None

    @property
    def epochs(self) -> int:
        """The number of epochs recorded."""
        return len(self.loss)

    def layer_series(self, name: str, layer: int) -> list[Any]:
        """One layer's values of `name` ("grad_norm", "weight_norm", ...) over the epochs."""
        return [epoch[layer] for epoch in getattr(self, name)]


def accuracy(preds: Sequence[Any], targets: Sequence[Any]) -> float:
    """Fraction right: the sign of one score (labels 0/1 or -1/+1), or the argmax of several."""
    right = 0
    for pred, target in zip(preds, targets):
        if isinstance(pred, (list, tuple)):
            scores = [float(p) for p in pred]
            right += scores.index(max(scores)) == target
        else:
            right += (float(pred) > 0) == (target > 0)
    return right / len(preds)


METRICS: dict[str, Callable[[Sequence[Any], Sequence[Any]], float]] = {"accuracy": accuracy}


def _groups(model: Module) -> list[list[Value]]:
    layers = getattr(model, "layers", None)
    if isinstance(layers, list) and all(isinstance(layer, Module) for layer in layers):
        return [layer.parameters() for layer in layers]
    return [model.parameters()]


def _norm(xs: Sequence[float]) -> float:
    return math.sqrt(math.fsum(x * x for x in xs))


class _Layers:
    """The layers' parameters, for the health figures: their gradients' norms and the
    steps' update ratios. A layer whose parameters a compiled step has packed is read
    as a slice of the packing's arrays (autograd.packing); the others Value by Value."""

    def __init__(self, groups: list[list[Value]]):
        self.groups = groups
        self.generation = -1
        self.located: list[Any] = []

    def _located(self) -> list[Any]:
        if self.generation != packing.generation():  # a compiled step has just packed them
            self.generation = packing.generation()
            self.located = []
            for group in self.groups:
                found = packing.locate(group)
                if found is not None:
                    at = packing.span(found[1])
                    found = (found[0], at if at is not None else found[1])
                self.located.append(found)
        return self.located

    def grad_norms(self) -> list[float]:
        norms = []
        for group, found in zip(self.groups, self._located()):
            if found is None or found[0].odd:
                norms.append(_norm([data_of(p.grad) for p in group]))
            else:
                g = found[0].grad[found[1]]
                norms.append(math.sqrt(float(g @ g)))
        return norms

    def data(self) -> list[Any]:
        """Each layer's parameters now (a copy), to compare with after the step."""
        return [
            [p.data for p in group] if found is None else found[0].data[found[1]].copy()
            for group, found in zip(self.groups, self._located())
        ]

    def update_ratios(self, before: list[Any]) -> list[float]:
        """|change| / |before| for each layer since `before` (from data())."""
        ratios = []
        for old, new in zip(before, self.data()):
            if isinstance(old, list):
                change, size = _norm([b - a for a, b in zip(old, new)]), _norm(old)
            else:
                change, size = math.sqrt(float((new - old) @ (new - old))), math.sqrt(old @ old)
            ratios.append(change / (size or 1.0))
        return ratios

    def weight_norms(self) -> list[float]:
        return [_norm(x) if isinstance(x, list) else math.sqrt(float(x @ x)) for x in self.data()]


# Each activation on a float (nn.init.ACTIVATIONS holds Value methods for the common ones)
_ON_FLOATS: dict[str, Callable[[Any], Any]] = {
    **ACTIVATIONS,
    "relu": ops.relu,
    "tanh": ops.tanh,
    "sigmoid": ops.sigmoid,
    "leaky_relu": ops.leaky_relu,
}


def _every_output(layers: list[Any]) -> Callable[[list[Value]], list[Value]]:
    """The function from one sample to the outputs of every layer, one list."""

    def every_output(x: list[Value]) -> list[Value]:
        outputs: list[Value] = []
        for layer in layers:
            x = layer(x)
            outputs += x
        return outputs

    return every_output


def _dead_relus(model: Module, X: Sequence[Any], probe: Any = None) -> list[float | None]:
    """Per layer, the fraction of ReLU neurons silent on every probe sample.

    `probe`, when given, is `autograd.compile(_every_output(model.layers))`: the probe
    samples then go through it as one batch (fit(..., compile=True)); otherwise the
    layers run sample by sample, on floats.
    """
    layers = getattr(model, "layers", None)
    if not isinstance(layers, list) or not all(hasattr(layer, "neurons") for layer in layers):
        return [None] * len(_groups(model))
    alive = [[False] * len(layer.neurons) for layer in layers]
    own = [
        type(layer) is Layer and {type(n) for n in layer.neurons} == {Neuron} for layer in layers
    ]
    if probe is not None:
        lit = (probe.forward(X[:PROBE_SAMPLES]) > 0).any(axis=0).tolist()
        start = 0
        for k, layer in enumerate(layers):
            alive[k], start = lit[start : start + len(layer.neurons)], start + len(layer.neurons)
    elif all(own):  # nn's own layers: the same arithmetic as their forward, on floats (no nodes)
        for x in X[:PROBE_SAMPLES]:
            h = [v.data if isinstance(v, Value) else float(v) for v in x]
            for k, layer in enumerate(layers):
                act = _ON_FLOATS[layer.neurons[0].activation]
                h = [
                    act(builtins.sum([w.data * v for w, v in zip(n.w, h)], 0.0) + _bias(n))
                    for n in layer.neurons
                ]
                alive[k] = [a or v > 0 for a, v in zip(alive[k], h)]
    else:
        with no_grad():
            for x in X[:PROBE_SAMPLES]:
                for k, layer in enumerate(layers):
                    x = layer(x)
                    for j, out in enumerate(x):
                        alive[k][j] = alive[k][j] or out.data > 0
    return [
        alive[k].count(False) / len(alive[k]) if layer.neurons[0].activation == "relu" else None
        for k, layer in enumerate(layers)
    ]


def _stop(history: History, message: str) -> None:
    history.stopped = message
    history.warnings.append(message)
    warnings.warn(message, GradientHealthWarning, stacklevel=3)


def _warn_once(history: History, kind: str, message: str) -> None:
    if not any(w.startswith(kind) for w in history.warnings):
        history.warnings.append(message)
        warnings.warn(message, GradientHealthWarning, stacklevel=3)


def _check_health(history: History) -> None:
    """Warn (once per kind) if the epoch just recorded, epoch history.epochs, is unhealthy."""
    epoch = history.epochs  # counted from 1
    norms = history.grad_norm[-1]
    worst = max(norms)
    if (
        2 <= len(norms)
        and 0 < norms[-1] <= EXPLODING_NORM
        and norms[0] < VANISHING_RATIO * norms[-1]
    ):
        why = f"{norms[0] / norms[-1]:.1e} of the last layer's {norms[-1]:.3g}"
    elif norms[0] < VANISHING_NORM and history.loss[-1] > LOSS_FLOOR:
        why = f"tiny while the loss is still {history.loss[-1]:.3g}"
    else:
        why = ""
    if why:
        _warn_once(
            history,
            "vanishing",
            f"vanishing gradients at epoch {epoch}: the first layer's gradient norm "
            f"{norms[0]:.3g} is {why}; early layers barely learn (try ReLU and Kaiming "
            "initialisation)",
        )
    if worst > EXPLODING_NORM:
        _warn_once(
            history,
            "exploding",
            f"exploding gradients at epoch {epoch}: layer {norms.index(worst)} has gradient "
            f"norm {worst:.3g} (> {EXPLODING_NORM:g}); try a smaller learning rate, smaller "
            "initial weights or clip_norm=...",
        )


def _loss_of(loss: Callable, preds: list, targets: Sequence[Any]) -> Value:
    """loss(preds, targets), which must be a Value: a TypeError naming the loss otherwise."""
    value = loss(preds, targets)
    if not isinstance(value, Value):
        name = getattr(loss, "__name__", None) or repr(loss)
        raise TypeError(
            f"fit: the loss {name} returned {describe(value)}; it must return a Value, the "
            "batch's loss (as nn.losses do), for backward() to start from"
        )
    return value


def _eager(model: Module, loss: Callable) -> Callable:
    """One batch through the engine: (loss, predictions as numbers); gradients in .grad."""

    def run(Xb: Sequence[Any], yb: Sequence[Any]) -> tuple[float, list]:
        preds = [model(x) for x in Xb]
        value = _loss_of(loss, preds, yb)
        if math.isfinite(value.data):
            value.backward()
        return value.data, [[v.data for v in p] if isinstance(p, list) else p.data for p in preds]

    return run


def _compiled(model: Module, loss: Callable, X: Sequence[Any], y: Sequence[Any]) -> Callable:
    """The same as _eager, with the model's graph traced once and replayed over batches.

    One of nn.losses (PER_SAMPLE: a mean of per-sample losses) is compiled with the
    model, one sample's graph; its targets, checked once here by the loss itself on
    stand-in predictions, become arrays (class indices one-hot: cross_entropy takes
    class probabilities too, with the same numbers). Any other loss runs eagerly on
    the compiled model's outputs, and its gradient with respect to them is pulled
    back through the model: a loss that couples the samples gives eager's numbers.
    """
    try:
        import numpy as np
    except ModuleNotFoundError as error:
        raise missing(error, "fit(..., compile=True)") from None

    import autograd

    if loss in PER_SAMPLE:
        with no_grad():
            first = model(X[0])
        width = len(first) if isinstance(first, list) else 1
        with no_grad():  # the loss's own checks of every target, on stand-in predictions
            loss([0.0] * len(y) if width == 1 else [[0.0] * width] * len(y), y)
        one_hot = loss is cross_entropy and np.ndim(y[0]) == 0  # class indices, not rows
        eye = np.eye(width)

        def sample(x: list[Value], t: Any) -> list[Value]:
            out = model(x)
            outs = out if isinstance(out, list) else [out]
            if one_hot:  # cross_entropy's logsumexp(z) - z[t], exactly: a one-hot dot picks z[t]
                return [autograd.logsumexp(outs) - autograd.dot(t, outs), *outs]
            return [loss([out], [t]), *outs]

        step = autograd.compile(sample)

        def run_compiled(Xb: Sequence[Any], yb: Sequence[Any]) -> tuple[float, list]:
            targets = eye[list(yb)] if one_hot else np.asarray(yb, dtype=float)
            outputs, pull_back = step.vjp(np.asarray(Xb, dtype=float), targets)
            value = float(outputs[:, 0].sum() / len(outputs))
            if math.isfinite(value):
                seeds = np.zeros(outputs.shape)
                seeds[:, 0] = 1.0 / len(outputs)
                pull_back(seeds)
            preds = outputs[:, 1:] if width > 1 else outputs[:, 1]
            return value, preds.tolist()

        return run_compiled

    predict = autograd.compile(lambda x: model(x))

    def run(Xb: Sequence[Any], yb: Sequence[Any]) -> tuple[float, list]:
        outputs, pull_back = predict.vjp(np.asarray(Xb, dtype=float))
        preds = [Value(o) for o in outputs.ravel().tolist()]
        if outputs.ndim == 1:
            batch: list = preds
        else:
            k = outputs.shape[1]
            batch = [preds[i : i + k] for i in range(0, len(preds), k)]
        value = _loss_of(loss, batch, yb)
        if math.isfinite(value.data):
            value.backward()  # into the outputs (and whatever else the loss uses, as eager)
            pull_back(np.array([p.grad for p in preds]).reshape(outputs.shape))
        return value.data, outputs.tolist()

    return run


def _listed(data: Any, name: str) -> Any:
    """A numpy array as nested lists of Python numbers (fit's own currency); else data."""
    numpy = sys.modules.get("numpy")  # not imported: data cannot be an array
    if numpy is None or not isinstance(data, numpy.ndarray):
        return data
    if data.ndim == 0:
        raise TypeError(f"fit: {name} must be a sequence, got a 0-d numpy array")
    if data.dtype.kind not in "biuf":  # bool, int, unsigned, float
        raise TypeError(
            f"fit: {name} must hold real numbers, got a numpy array of dtype {data.dtype}"
        )
    return data.tolist()


def _check_fit(
    model: Any, X: Any, y: Any, loss: Any, optimizer: Any, scheduler: Any, callbacks: Any
) -> list[Callable]:
    """fit's objects checked for type before any training starts; returns the callbacks."""
    if not isinstance(model, Module):
        raise TypeError(f"fit: model must be an nn Module, got {describe(model)}")
    check_sequence(X, "X", "fit")
    check_sequence(y, "y", "fit")
    if not callable(loss):
        raise TypeError(f"fit: loss must be callable, got {describe(loss)}")
    if not hasattr(optimizer, "param_groups") or not callable(getattr(optimizer, "step", None)):
        raise TypeError(
            f"fit: optimizer must have param_groups and step() (an nn.optim optimizer), "
            f"got {describe(optimizer)}"
        )
    if scheduler is not None and not callable(getattr(scheduler, "step", None)):
        raise TypeError(f"fit: scheduler must have step() or be None, got {describe(scheduler)}")
    try:
        callbacks = list(callbacks)
    except TypeError:
        raise TypeError(
            f"fit: callbacks must be a list of callables, got {describe(callbacks)}"
        ) from None
    for i, callback in enumerate(callbacks):
        if not callable(callback):
            raise TypeError(f"fit: callbacks[{i}] must be callable, got {describe(callback)}")
    return callbacks


def _check_overlap(params: list[Value], optimizer: Any) -> None:
    """A ValueError if the optimizer updates none of the model's parameters.

    Some of them (fine-tuning the last layers) is fine, and so are parameters of
    its own besides (a learnable scale the loss uses): PyTorch allows both.
    """
    theirs = {id(p) for group in optimizer.param_groups for p in group["params"]}
    if not theirs & {id(p) for p in params}:
        raise ValueError(
            f"fit: the optimizer updates none of the model's {len(params)} parameters "
            f"(it holds {len(theirs)} others), so training would change nothing; "
            "build it over model.parameters()"
        )


@gc_paused()  # the collector would walk each step's graph for nothing (autograd.collector)
def fit(
    model: Module,
    X: Sequence[Any],
    y: Sequence[Any],
    loss: Callable[[list[Any], Sequence[Any]], Value],
    optimizer: Any,
    epochs: int,
    batch_size: int | None = None,
    scheduler: Any = None,
    clip_norm: float | None = None,
    metrics: Sequence[str] | dict[str, Callable] | None = None,
    progress: bool = True,
    callbacks: Sequence[Callable[[History], Any]] = (),
    seed: int | None = 0,
    compile: bool = False,  # noqa: A002 - the name users know from torch.compile
) -> History:
    """Train `model` on (X, y) and return the History of every epoch.

    `X` and `y` are sequences or numpy arrays; `optimizer` must hold some of the
    model's parameters. `loss(preds, targets)` returns a Value: one of `nn.losses`
    (or alike). `batch_size=None` trains on the full batch; `scheduler.step()` runs
    after every epoch; `clip_norm` clips the gradient norm before each step;
    `metrics` defaults to accuracy, except for the mse loss. A callback gets the
    History after each epoch and may return True to stop. `compile=True` runs each batch
    through `autograd.compile` (needs numpy): the same numbers, much faster.
    """
    X, y = _listed(X, "X"), _listed(y, "y")
    callbacks = _check_fit(model, X, y, loss, optimizer, scheduler, callbacks)
    if len(X) != len(y) or not X:
        raise ValueError(f"fit: X and y must be non-empty and equally long, got {len(X)}, {len(y)}")
    integer(epochs, "fit: epochs", 0, kind=int)
    if batch_size is not None:
        integer(batch_size, "fit: batch_size", 1)
    if clip_norm is not None and not real(clip_norm, "fit: clip_norm") >= 0:
        raise ValueError(f"fit: clip_norm must be >= 0 or None, got {clip_norm!r}")
    check_seed(seed, "fit")
    if metrics is None:
        metrics = [] if getattr(loss, "__name__", "") == "mse" else ["accuracy"]
    if isinstance(metrics, (str, bytes)):
        raise TypeError(
            f"fit: metrics must be a list of metric names or a dict of callables, "
            f"got {describe(metrics)}"
        )
    if not isinstance(metrics, dict):
        unknown = [m for m in metrics if m not in METRICS]
        if unknown:
            raise ValueError(f"fit: unknown metrics {unknown}; known: {', '.join(METRICS)}")
        metrics = {name: METRICS[name] for name in metrics}
    params = model.parameters()
    _check_overlap(params, optimizer)
    groups = _groups(model)
    layers = _Layers(groups)
    history = History(metrics={name: [] for name in metrics})
    run = _compiled(model, loss, X, y) if compile else _eager(model, loss)
    probe = None
    if compile and _dead_relus(model, X[:1]) != [None] * len(groups):  # it has layers to probe
        import autograd

        probe = autograd.compile(_every_output(model.layers))  # type: ignore[attr-defined]

    bar = tqdm(range(epochs), desc="fit", disable=not progress, leave=False)
    for epoch in bar:
        lr = optimizer.param_groups[0]["lr"]
        total, seen, preds_all, targets_all = 0.0, 0, [], []
        grad_norms, ratios, steps = [0.0] * len(groups), [0.0] * len(groups), 0
        for Xb, yb in batches(
            X,
            y,
            batch_size or len(X),
            shuffle=batch_size is not None,
            seed=None if seed is None else seed + epoch,
        ):
            optimizer.zero_grad()
            value, preds = run(Xb, yb)
            if not math.isfinite(value):
                _stop(
                    history,
                    f"loss is {value} at epoch {history.epochs + 1}; training stopped before "
                    "the step, so the parameters keep their last finite values. Try a smaller "
                    "learning rate, clip_norm=..., or check the data.",
                )
                break
            norms = layers.grad_norms()
            if not all(math.isfinite(n) for n in norms):
                _stop(
                    history,
                    f"gradients are not finite at epoch {history.epochs + 1}; training stopped "
                    "before the step, so the parameters keep their last finite values.",
                )
                break
            if clip_norm is not None:
                clip_grad_norm_(params, clip_norm)
            before = layers.data()
            optimizer.step()
            for k, ratio in enumerate(layers.update_ratios(before)):
                ratios[k] += ratio
                grad_norms[k] += norms[k]
            steps += 1
            total += value * len(Xb)
            seen += len(Xb)
            preds_all += preds
            targets_all += yb
        if history.stopped or not steps:
            break
        history.loss.append(total / seen)
        for name, metric in metrics.items():
            history.metrics[name].append(metric(preds_all, targets_all))
        history.lr.append(lr)
        history.grad_norm.append([n / steps for n in grad_norms])
        history.update_ratio.append([r / steps for r in ratios])
        history.weight_norm.append(layers.weight_norms())
        history.dead_relu.append(_dead_relus(model, X, probe))
        _check_health(history)
        if scheduler is not None:
            scheduler.step()
        shown = {"loss": f"{history.loss[-1]:.4f}", "lr": f"{lr:.3g}"}
        shown.update({name: f"{series[-1]:.3f}" for name, series in history.metrics.items()})
        bar.set_postfix(shown)
        if any(callback(history) is True for callback in callbacks):
            break
    bar.close()
    return history


def _bias(neuron: Neuron) -> float:
    """A neuron's bias as a number: 0 for one made with bias=False."""
    return 0.0 if neuron.b is None else neuron.b.data

"""Loss functions over a batch, each the mean of per-sample losses, built from Value ops.

Every loss is made of operators and `autograd.ops` functions only, so its gradient
can itself be differentiated (`backward(create_graph=True)`, `autograd.hessian`).
Where PyTorch has the same loss, the docstring names it: values and gradients match
it with reduction="mean".
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import autograd
from autograd import Value, ops
from nn.checks import data_of, describe, scalar

__all__ = ["binary_cross_entropy", "cross_entropy", "hinge", "mse", "softmax"]

Scalar = Value | float
Entry = Value | float | Sequence[Value | float]


def _is_scalar(x: Any) -> bool:
    return isinstance(x, (Value, numbers.Real))


def _batch(xs: Any, fn: str, what: str) -> list:
    """The samples of a batch as a list; an empty batch has no mean."""
    if isinstance(xs, (str, bytes)) or not isinstance(xs, Iterable) or _is_scalar(xs):
        raise TypeError(
            f"{fn}: {what} must be a sequence with one entry per sample, got {describe(xs)}"
        )
    xs = list(xs)
    if not xs:
        raise ValueError(f"{fn}: empty batch ({what} has no samples)")
    return xs


def _pair(a: Any, b: Any, fn: str, names: tuple[str, str]) -> tuple[list, list]:
    a, b = _batch(a, fn, names[0]), _batch(b, fn, names[1])
    if len(a) != len(b):
        raise ValueError(f"{fn}: {len(a)} {names[0]} but {len(b)} {names[1]}")
    return a, b


def _vector(x: Any, fn: str, where: str) -> list[Scalar]:
    """One sample's entries (a non-empty sequence of numbers or Values) as a list."""
    if isinstance(x, (str, bytes)) or not isinstance(x, Iterable) or _is_scalar(x):
        raise TypeError(f"{fn}: {where} must be a sequence of numbers or Values, got {describe(x)}")
    entries = [scalar(v, f"{fn}: {where}[{j}]") for j, v in enumerate(x)]
    if not entries:
        raise ValueError(f"{fn}: {where} is empty")
    return entries


def _entries(x: Any, fn: str, where: str) -> list[Scalar]:
    """A sample that is one number/Value or a sequence of them, as a list."""
    return [scalar(x, f"{fn}: {where}")] if _is_scalar(x) else _vector(x, fn, where)


def _one(x: Any, fn: str, where: str) -> Scalar:
    """A per-sample score: a number/Value, or a list holding exactly one (a 1-output model)."""
    entries = _entries(x, fn, where)
    if len(entries) != 1:
        raise ValueError(f"{fn}: {where} must be one score, got {len(entries)} values")
    return entries[0]


def _same_width(widths: list[int], fn: str, what: str, unit: str) -> None:
    for i, w in enumerate(widths):
        if w != widths[0]:
            raise ValueError(f"{fn}: {what}[{i}] has {w} {unit} but {what}[0] has {widths[0]}")


def _mean(terms: Sequence[Scalar]) -> Value:
    return autograd.sum(terms) / len(terms)


def mse(preds: Sequence[Entry], targets: Sequence[Entry]) -> Value:
    """Mean squared error over every output of every sample (torch's mse_loss).

    Each sample is one number/Value or a sequence of them (a multi-output model);
    its target has the same shape.
    """
    preds, targets = _pair(preds, targets, "mse", ("preds", "targets"))
    terms: list[Scalar] = []
    widths = []
    for i, (p, t) in enumerate(zip(preds, targets)):
        ps, ts = _entries(p, "mse", f"preds[{i}]"), _entries(t, "mse", f"targets[{i}]")
        if len(ps) != len(ts):
            raise ValueError(
                f"mse: preds[{i}] has {len(ps)} outputs but targets[{i}] has {len(ts)}"
            )
        widths.append(len(ps))
        for a, b in zip(ps, ts):
            d = a - b
            terms.append(d * d)
    _same_width(widths, "mse", "preds", "outputs")
    return _mean(terms)


def hinge(scores: Sequence[Entry], labels: Sequence[Value | float]) -> Value:
    """Mean of relu(1 - y * s), the SVM hinge loss, for labels y of -1 or +1."""
    scores, labels = _pair(scores, labels, "hinge", ("scores", "labels"))
    terms = []
    for i, (s, y) in enumerate(zip(scores, labels)):
        s = _one(s, "hinge", f"scores[{i}]")
        y = scalar(y, f"hinge: labels[{i}]")
        if data_of(y) not in (-1.0, 1.0):
            raise ValueError(f"hinge: labels[{i}] must be -1 or +1, got {describe(y)}")
        terms.append(ops.relu(1.0 - y * s))
    return _mean(terms)


def binary_cross_entropy(logits: Sequence[Entry], labels: Sequence[Value | float]) -> Value:
    """Mean binary cross-entropy from logits (torch's binary_cross_entropy_with_logits).

    Labels are 0 or 1, or probabilities in [0, 1]. Takes logits, not probabilities:
    softplus(z) - y * z never evaluates log(sigmoid(z)), which underflows for large |z|.
    """
    logits, labels = _pair(logits, labels, "binary_cross_entropy", ("logits", "labels"))
    terms = []
    for i, (z, y) in enumerate(zip(logits, labels)):
        z = _one(z, "binary_cross_entropy", f"logits[{i}]")
        y = scalar(y, f"binary_cross_entropy: labels[{i}]")
        if not 0.0 <= data_of(y) <= 1.0:  # written so that nan fails too
            raise ValueError(
                f"binary_cross_entropy: labels[{i}] must be in [0, 1], got {describe(y)}"
            )
        terms.append(ops.softplus(z, threshold=math.inf) - y * z)  # exact, not x past 20
    return _mean(terms)


def cross_entropy(
    logits: Sequence[Sequence[Value | float]], targets: Sequence[int | Sequence[Any]]
) -> Value:
    """Mean of logsumexp(z) - z[t] over samples (torch's cross_entropy with class indices).

    `logits` holds one sequence of class scores per sample; `targets` one int per
    sample, or, as torch also accepts, one sequence of class probabilities p per
    sample: then the sample's loss is -sum_j p_j * (z_j - logsumexp(z)), which for
    a one-hot p is exactly the class index's.
    """
    logits, targets = _pair(logits, targets, "cross_entropy", ("logits", "targets"))
    terms = []
    widths = []
    for i, (z, t) in enumerate(zip(logits, targets)):
        zs = _vector(z, "cross_entropy", f"logits[{i}]")
        widths.append(len(zs))
        if isinstance(t, Iterable) and not isinstance(t, (str, bytes, Value)):
            ps = _vector(t, "cross_entropy", f"targets[{i}]")
            if len(ps) != len(zs):
                raise ValueError(
                    f"cross_entropy: targets[{i}] has {len(ps)} probabilities for {len(zs)} classes"
                )
            lse = autograd.logsumexp(zs)
            terms.append(-autograd.dot(ps, [z - lse for z in zs]))
            continue
        if isinstance(t, bool) or not isinstance(t, numbers.Integral):
            raise TypeError(
                f"cross_entropy: targets[{i}] must be an int class index or a sequence of "
                f"class probabilities, got {describe(t)}"
            )
        k = int(t)
        if not 0 <= k < len(zs):
            raise ValueError(
                f"cross_entropy: targets[{i}] = {t} is out of range for {len(zs)} classes"
            )
        terms.append(autograd.logsumexp(zs) - zs[k])  # logsumexp: stable, one node
    _same_width(widths, "cross_entropy", "logits", "classes")
    return _mean(terms)


PER_SAMPLE = (mse, hinge, binary_cross_entropy, cross_entropy)
"""The losses above, each the mean over samples of a loss of one sample alone: so
`fit(..., compile=True)` compiles the loss with the model, one sample's graph."""


def softmax(logits: Sequence[Value | float]) -> list[Value]:
    """Softmax of one sample's logits: exp(z_i) / sum_j exp(z_j), without overflow."""
    zs = _vector(logits, "softmax", "logits")
    lse = autograd.logsumexp(zs)
    return [ops.exp(z - lse) for z in zs]  # exp(z - logsumexp) <= 1: no overflow

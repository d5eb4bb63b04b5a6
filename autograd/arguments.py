"""Argument checks shared by autograd's modules: a number, or an error that names where."""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any


def real(x: Any, where: str) -> float:
    """`x` as a float, or a TypeError naming `where` and the offending type."""
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real):
        try:
            return float(x)
        except OverflowError:
            raise OverflowError(f"{where}: {short(x)} is outside the range of a float") from None
    raise TypeError(
        f"{where}: expected a real number (int, float or numpy scalar), "
        f"got {type(x).__name__} {short(x)}"
    )


def short(x: Any) -> str:
    """repr(x) for an error message, cut at 60 characters."""
    try:
        text = repr(x)
    except ValueError:  # an int too long to print
        return f"<{type(x).__name__} too large to print>"
    return text if len(text) <= 60 else text[:57] + "..."


def function(f: Any, where: str) -> Callable:
    """`f` itself, or a TypeError naming `where` when it cannot be called."""
    if not callable(f):
        raise TypeError(f"{where}: f must be callable, got {type(f).__name__} {short(f)}")
    return f


def order(n: Any, where: str) -> int:
    """A derivative's order: an int >= 0 (TypeError for another type, ValueError below 0)."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{where}: the order n must be an int, got {type(n).__name__} {short(n)}")
    if n < 0:
        raise ValueError(f"{where}: the order n must be >= 0, got {short(n)}")
    return int(n)


def bounds(low: Any, high: Any, where: str) -> tuple:
    """clamp's and hardtanh's (min, max): numbers (not nan), or None, one at least."""
    if low is None and high is None:
        raise ValueError(f"{where}: give min, max or both")
    checked = []
    for name, bound in (("min", low), ("max", high)):
        value = None if bound is None else real(bound, f"{where}: {name}")
        if value is not None and value != value:
            raise ValueError(f"{where}: {name} must not be nan")
        checked.append(value)
    return tuple(checked)


def lambd(value: Any, where: str) -> float:
    """A shrink's threshold: a number >= 0."""
    value = real(value, f"{where}: lambd")
    if not value >= 0:
        raise ValueError(f"{where}: lambd must be >= 0, got {value!r}")
    return value


def logit_eps(eps: Any) -> float | None:
    """logit's eps: None, or a number in [2**-53, 0.5], so that 1 - eps is below 1."""
    if eps is None:
        return None
    eps = real(eps, "logit: eps")
    if not 2.0**-53 <= eps <= 0.5:
        raise ValueError(f"logit: eps must be in [2**-53, 0.5] (or None), got {eps!r}")
    return eps

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

"""Argument checks shared across nn: each returns the value checked, or raises naming `where`.

`where` opens the message ("make_circles: noise", "SGD: param group 0: betas[1]").
A wrong type is a TypeError, a bad value a ValueError; a bool is never taken for a number.
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Collection, Iterable
from typing import Any

from autograd import Value


def describe(x: Any) -> str:
    """`x` for an error message: its type and its repr, cut at 60 characters."""
    return f"{type(x).__name__} {x!r:.60}"


def real(x: Any, where: str) -> float:
    """`x` as a float (nan and inf included)."""
    # bool is an int to Python, but lr=True is a bug, not a 1.0
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{where} must be a real number, got {describe(x)}")
    try:
        return float(x)
    except OverflowError:  # an int of 400 digits, say: no repr, which could be long
        raise ValueError(f"{where} is too large for a float") from None


def finite(x: Any, where: str) -> float:
    """`x` as a float that is neither nan nor infinite."""
    x = real(x, where)
    if not math.isfinite(x):
        raise ValueError(f"{where} must be finite, got {x!r}")
    return x


def nonnegative(x: Any, where: str) -> float:
    """`x` as a finite float >= 0."""
    x = finite(x, where)
    if x < 0:
        raise ValueError(f"{where} must be >= 0, got {x!r}")
    return x


def integer(x: Any, where: str, minimum: int = 1, *, kind: type[Any] = numbers.Integral) -> int:
    """`x` as an int >= `minimum`; `kind` is the type it must be (any Integral by default)."""
    if isinstance(x, bool) or not isinstance(x, kind):
        raise TypeError(f"{where} must be an int, got {describe(x)}")
    if x < minimum:
        raise ValueError(f"{where} must be at least {minimum}, got {x!r}")
    return int(x)


def boolean(x: Any, where: str) -> bool:
    """`x` if it is True or False (not merely truthy)."""
    if not isinstance(x, bool):
        raise TypeError(f"{where} must be a bool, got {describe(x)}")
    return x


def choice(x: Any, where: str, choices: Collection[str], *, str_only: bool = True) -> Any:
    """`x` if it is one of `choices`, else a ValueError; a non-str is a TypeError unless
    `str_only` is False (then it is simply not among them)."""
    if str_only and not isinstance(x, str):
        raise TypeError(f"{where} must be a str, got {describe(x)}")
    if x not in choices:
        raise ValueError(f"{where} must be one of {', '.join(choices)}; got {x!r}")
    return x


def scalar(x: Any, where: str) -> Value | float:
    """`x` as a Value (kept, with its graph) or a float."""
    if isinstance(x, Value):
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return float(x)
    raise TypeError(f"{where} must be a number or a Value, got {describe(x)}")


def data_of(x: Any) -> Any:
    """`x.data` for a Value (a gradient left by create_graph, say), `x` itself otherwise."""
    return x.data if isinstance(x, Value) else x


def generator(x: Any, where: str) -> random.Random | None:
    """`x` if it is a random.Random or None."""
    if x is not None and not isinstance(x, random.Random):
        raise TypeError(f"{where} must be a random.Random or None, got {describe(x)}")
    return x


def sample_error(x: Any, where: str) -> TypeError | None:
    """The TypeError for an input sample `x` that is not a sequence of numbers or Values.

    None when no fault is found (a one-shot iterator already consumed, say): the
    caller then lets its original error stand. Called only after something failed.
    """
    if isinstance(x, (str, bytes)) or not isinstance(x, Iterable):
        return TypeError(f"{where}: expected a sequence of numbers or Values, got {describe(x)}")
    for i, v in enumerate(x):
        if not isinstance(v, (Value, numbers.Real)):
            return TypeError(f"{where}: input {i} must be a number or a Value, got {describe(v)}")
    return None

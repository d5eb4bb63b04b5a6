"""Functions of a float, a Value or a numpy array, so that one formula serves all three.

An op's forward and derivatives are written once: backward runs them on floats,
`create_graph=True` on Values (so the derivative is itself a graph), and
`autograd.compile` on numpy arrays (a lane per sample). These helpers are what
such a formula calls: on a float they use `math` and follow IEEE where `math`
raises (overflow is inf; nan or inf in gives what PyTorch gives), on a Value
they call its method (a node), and on an array numpy's function.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any


def numpy() -> Any:
    """numpy, imported on first use: only compiled code hands an op arrays."""
    import numpy

    return numpy


def is_array(x: Any) -> bool:
    """Whether x is a numpy array or scalar (what compiled code hands an op)."""
    return type(x).__module__ == "numpy"


def is_bool(x: Any) -> bool:
    """Whether x is a bool, Python's or numpy's."""
    return type(x) is bool or (is_array(x) and type(x).__name__ in ("bool", "bool_"))


def is_number(x: Any) -> bool:
    """Whether x is a Python float or int (not a bool, not a Value, not an array)."""
    return type(x) is float or type(x) is int


def data(x: Any) -> Any:
    """The number of a Value; a float or an array as it is."""
    return x if is_number(x) or is_array(x) else x.data


def elementwise(
    x: Any, on_float: Callable[[float], float], on_array: str | Callable[[Any], Any]
) -> Any:
    """A forward of one input: `on_float` on a float; on an array numpy's function of that
    name, or `on_array` itself when it is a function."""
    if type(x) is float:
        return on_float(x)
    return on_array(x) if callable(on_array) else getattr(numpy(), on_array)(x)


def refuse(bad: Any, error: type[Exception], message: str, *values: Any) -> None:
    """Raise `error` where `bad` holds; the message shows the values there (the first lane)."""
    if type(bad) is bool:
        if not bad:
            return
        if all(type(v) is float for v in values):
            raise error(message.format(*map(repr, values)))
    np = numpy()
    if np.any(bad):
        at = np.broadcast_to(np.asarray(bad), np.broadcast_shapes(*map(np.shape, (bad, *values))))
        first = [float(np.broadcast_to(v, at.shape)[at][0]) for v in values]
        raise error(message.format(*map(repr, first)) + " (in the batch)")


def exp(x: Any) -> Any:
    """e ** x."""
    if type(x) is float:
        try:
            return math.exp(x)
        except OverflowError:
            return math.inf
    return numpy().exp(x) if is_array(x) else x.exp()


def log(x: Any) -> Any:
    """The natural log of x: -inf at 0, nan below."""
    if type(x) is float:
        return math.log(x) if x > 0 else -math.inf if x == 0 else math.nan
    return numpy().log(x) if is_array(x) else x.log()


def sqrt(x: Any) -> Any:
    """The square root of x: nan below 0."""
    if type(x) is float:
        return math.sqrt(x) if x >= 0 else math.nan
    return numpy().sqrt(x) if is_array(x) else x.sqrt()


def tanh(x: Any) -> Any:
    """The hyperbolic tangent of x."""
    if type(x) is float:
        return math.tanh(x)
    return numpy().tanh(x) if is_array(x) else x.tanh()


def sigmoid(x: Any) -> Any:
    """1 / (1 + e ** -x), computed so that exp cannot overflow."""
    if type(x) is float:
        if x >= 0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)  # the same value, written so that exp cannot overflow
        return e / (1.0 + e)
    if not is_array(x):
        return x.sigmoid()
    np = numpy()
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sin(x: Any) -> Any:
    """The sine of x: nan at +-inf."""
    if type(x) is float:
        return math.sin(x) if math.isfinite(x) else math.nan
    return numpy().sin(x) if is_array(x) else x.sin()


def cos(x: Any) -> Any:
    """The cosine of x: nan at +-inf."""
    if type(x) is float:
        return math.cos(x) if math.isfinite(x) else math.nan
    return numpy().cos(x) if is_array(x) else x.cos()


def where(condition: Any, a: Any, b: Any) -> Any:
    """a where condition holds, else b: a branch on numbers and Values, np.where on arrays."""
    if type(condition) is bool:
        return a if condition else b
    return numpy().where(condition, a, b)


def sign(x: Any) -> Any:
    """-1, 0 or 1; 0 at nan, as PyTorch's abs has it."""
    if not is_array(x):
        return 1.0 if x > 0 else -1.0 if x < 0 else 0.0
    np = numpy()
    return np.where(np.isnan(x), 0.0, np.sign(x))


def power(x: Any, y: Any) -> Any:
    """x ** y; on floats 0 ** negative raises ZeroDivisionError, and overflow is a signed inf."""
    if not (is_number(x) or is_array(x)) or not (is_number(y) or is_array(y)):
        return x**y
    if type(x) is float and type(y) is float:
        try:
            return math.pow(x, y)
        except OverflowError:
            odd = y.is_integer() and y % 2 == 1
            return math.copysign(math.inf, x) if odd else math.inf
        except ValueError:  # the callers let only 0 ** negative through
            raise ZeroDivisionError(f"0.0 raised to the negative power {y!r}") from None
    np = numpy()  # C's pow, which numpy's x ** 0.5 (a square root) is not at -inf
    at = (x == -np.inf) & (np.abs(y) == 0.5)
    return np.where(at, np.where(y > 0, np.inf, 0.0), np.power(x, y))


def power_const(x: Any, n: float) -> Any:
    """x ** n for a constant n; as PyTorch, x ** 0.5 is sqrt(x): nan at -inf (C's pow: inf)."""
    if not (type(x) is float or is_array(x)):
        return x**n
    if type(x) is float:
        return math.nan if x == -math.inf and (n == 0.5 or n == -0.5) else power(x, n)
    np = numpy()
    return np.where((x == -np.inf) & (abs(n) == 0.5), np.nan, np.power(x, n))


def torch_stack(torch: Any, xs: Any) -> Any:
    """Tensors broadcast to one shape and stacked on a new first axis: the inputs of an
    n-ary op's torch form (autograd.export), some per sample and some lane-independent."""
    return torch.stack(torch.broadcast_tensors(*xs))

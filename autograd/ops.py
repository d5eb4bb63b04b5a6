"""Functions that take a float (and return a float) or a Value (and return a Value).

One formula then serves numbers and graphs: a derivative written with these
functions and the arithmetic operators can itself be differentiated. User ops
are made the same way with `primitive`.
"""

from __future__ import annotations

import builtins
import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

from autograd.arguments import real, short
from autograd.engine import CBRT, Op, Value

Real = float | Value


def _float_or_value(method: Callable[..., Value], name: str) -> Callable[..., Any]:
    def op(x: Real, *args: Any) -> Real:
        if isinstance(x, Value):
            return method(x, *args)
        return method(Value(real(x, name)), *args).data

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"{name} of a number (a float) or of a Value (a Value)."
    return op


exp = _float_or_value(Value.exp, "exp")
log = _float_or_value(Value.log, "log")
sqrt = _float_or_value(Value.sqrt, "sqrt")
tanh = _float_or_value(Value.tanh, "tanh")
sigmoid = _float_or_value(Value.sigmoid, "sigmoid")
relu = _float_or_value(Value.relu, "relu")
leaky_relu = _float_or_value(Value.leaky_relu, "leaky_relu")
sin = _float_or_value(Value.sin, "sin")
cos = _float_or_value(Value.cos, "cos")
abs = _float_or_value(Value.__abs__, "abs")  # noqa: A001 - the dual of builtins.abs
expm1 = _float_or_value(Value.expm1, "expm1")
log1p = _float_or_value(Value.log1p, "log1p")
exp2 = _float_or_value(Value.exp2, "exp2")
log2 = _float_or_value(Value.log2, "log2")
log10 = _float_or_value(Value.log10, "log10")
square = _float_or_value(Value.square, "square")
reciprocal = _float_or_value(Value.reciprocal, "reciprocal")
rsqrt = _float_or_value(Value.rsqrt, "rsqrt")


def cbrt(x: Real) -> Real:
    """The real cube root of a number (a float) or of a Value (a Value): cbrt(-8) is -2."""
    if isinstance(x, Value):
        return CBRT.node((x,))
    return CBRT.forward(None, real(x, "cbrt"))


class Primitive(Op):
    """A user-defined op: a forward on floats and one partial derivative per input.

    Each partial receives the op's inputs (floats, or Values when a gradient is
    itself being differentiated) and returns the derivative with respect to its
    input; written with operators and `autograd.ops`, higher orders follow. It is an
    `Op` like the built-in ones, so it draws, checks and compiles as they do.
    """

    fn: Callable[..., float]
    partials: tuple[Callable, ...]
    numpy_fn: Callable | None
    numpy_partials: Sequence[Callable] | None

    def __new__(
        cls,
        fn: Callable[..., float],
        partials: tuple[Callable, ...],
        name: str,
        numpy_fn: Callable | None = None,
        numpy_partials: Sequence[Callable] | None = None,
    ) -> Primitive:
        op = super().__new__(
            cls,
            name,
            functools.partial(_forward, fn, name),
            functools.partial(_partials, tuple(partials)),
            None if numpy_fn is None else functools.partial(_vectorized, numpy_fn),
            None if numpy_partials is None else functools.partial(_partials, tuple(numpy_partials)),
            vectorized=False,
        )
        op.fn, op.partials = fn, tuple(partials)
        op.numpy_fn, op.numpy_partials = numpy_fn, numpy_partials
        op.__doc__ = fn.__doc__
        return op

    @property
    def name(self) -> str:
        return str(self)

    def __call__(self, *inputs: Real) -> Real:
        if len(inputs) != len(self.partials):
            raise TypeError(f"{self.name}: takes {len(self.partials)} input(s), got {len(inputs)}")
        if not any(isinstance(x, Value) for x in inputs):
            return self.forward(None, *[real(x, self.name) for x in inputs])
        values = tuple(x if isinstance(x, Value) else Value(real(x, self.name)) for x in inputs)
        return self.node(values)

    def __reduce__(self) -> Any:
        return Primitive, (self.fn, self.partials, self.name, self.numpy_fn, self.numpy_partials)


def _forward(fn: Callable[..., float], name: str, ctx: Any, *xs: float) -> float:
    out = fn(*xs)
    if isinstance(out, Value):
        raise TypeError(f"{name}: the forward function must return a number, got a Value")
    return real(out, f"{name}: forward result")


def _partials(partials: tuple[Callable, ...], ctx: Any, out: Any, *xs: Any) -> tuple:
    return tuple(partial(*xs) for partial in partials)


def _vectorized(numpy_fn: Callable, ctx: Any, *xs: Any) -> Any:
    return numpy_fn(*xs)


def primitive(
    fn: Callable[..., float],
    *partials: Callable,
    name: str | None = None,
    numpy_fn: Callable | None = None,
    numpy_partials: Sequence[Callable] | None = None,
) -> Primitive:
    """Make an op from `fn` (floats to a float) and its partial derivatives, one per input.

    `numpy_fn` and `numpy_partials` (optional) are the same on numpy arrays,
    lane by lane; `autograd.compile` needs them to vectorise the op.
    """
    for what, f in (("fn", fn), *((f"partial {i}", p) for i, p in enumerate(partials))):
        if not callable(f):
            raise TypeError(
                f"primitive: fn and every partial must be callable; "
                f"{what} is {type(f).__name__} {short(f)}"
            )
    if not partials:
        raise TypeError("primitive: give one partial derivative per input (at least one)")
    if (numpy_fn is None) != (numpy_partials is None):
        raise TypeError("primitive: give numpy_fn and numpy_partials together, or neither")
    if numpy_partials is not None and len(numpy_partials) != len(partials):
        raise TypeError(
            f"primitive: {len(partials)} partials but {len(numpy_partials)} numpy_partials"
        )
    if name is None:
        name = getattr(fn, "__name__", "primitive")
    if not isinstance(name, str):
        raise TypeError(f"primitive: name must be a str, got {type(name).__name__}")
    if not name:
        raise ValueError("primitive: name must not be empty (a node shows it)")
    return Primitive(fn, partials, name, numpy_fn, numpy_partials)


def _softplus(x: float) -> float:
    """log(1 + exp(x)), computed without overflow; its derivative is sigmoid(x)."""
    return max(x, 0.0) + math.log1p(math.exp(-builtins.abs(x)))


def _np_softplus(x: Any) -> Any:
    import numpy as np  # only autograd.compile calls this

    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def _np_sigmoid(x: Any) -> Any:
    import numpy as np

    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


softplus = primitive(
    _softplus, sigmoid, name="softplus", numpy_fn=_np_softplus, numpy_partials=[_np_sigmoid]
)

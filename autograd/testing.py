"""Hypothesis strategies for testing derivatives in your own suite.

    from hypothesis import given
    from autograd import gradcheck
    from autograd.testing import expressions

    @given(expressions())
    def test_my_engine_use(e):
        assert gradcheck(e.fn, e.inputs)

`expressions()` draws random programs over shared subexpressions whose every
op is applied inside its domain and away from kinks, so a failure is a wrong
derivative, not a bad point. This module imports hypothesis (the `testing` extra).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeGuard

from autograd.extras import missing

try:
    from hypothesis import strategies as st
except ModuleNotFoundError as error:
    raise missing(error, "autograd.testing") from None

from autograd import ops
from autograd.arguments import real, short
from autograd.engine import Value

Real = float | Value

BOUND = 1e3  # operands stay within +-BOUND, so no op overflows
MARGIN = 1e-2  # distance kept from kinks and from the edges of domains


@dataclass(frozen=True)
class Op:
    """An op the strategy may use: how many operands, the function, where it is defined."""

    arity: int
    apply: Callable[..., Real]
    defined: Callable[..., bool] = lambda *xs: True


def _away(*points: float) -> Callable[[float], bool]:
    return lambda a: all(abs(a - p) > MARGIN for p in points)


def _off_grid(step: float, offset: float = 0.0) -> Callable[[float], bool]:
    """Away from offset + k * step (where floor, round and fmod jump)."""
    return lambda a: abs((a - offset) / step - round((a - offset) / step)) * step > MARGIN


def _inside(low: float, high: float) -> Callable[[float], bool]:
    return lambda a: low + 0.1 < a < high - 0.1


_POSITIVE = _inside(0.0, math.inf)

OPS: dict[str, Op] = {
    # arithmetic
    "add": Op(2, lambda a, b: a + b),
    "sub": Op(2, lambda a, b: a - b),
    "mul": Op(2, lambda a, b: a * b),
    "div": Op(2, lambda a, b: a / b, lambda a, b: abs(b) > 0.1),
    "pow": Op(2, lambda a, b: a**b, lambda a, b: 0.1 < a < 10 and abs(b) < 3),
    "square": Op(1, lambda a: a**2),
    "neg": Op(1, lambda a: -a),
    "abs": Op(1, ops.abs, _away(0.0)),
    "reciprocal": Op(1, ops.reciprocal, lambda a: abs(a) > 0.1),
    "sqrt": Op(1, ops.sqrt, _POSITIVE),
    "rsqrt": Op(1, ops.rsqrt, _POSITIVE),
    "cbrt": Op(1, ops.cbrt, lambda a: abs(a) > 0.1),
    "hypot": Op(2, ops.hypot, lambda a, b: a * a + b * b > 0.01),
    # exponentials and logs
    "exp": Op(1, ops.exp, lambda a: a < 5),
    "expm1": Op(1, ops.expm1, lambda a: a < 5),
    "exp2": Op(1, ops.exp2, lambda a: a < 5),
    "log": Op(1, ops.log, _POSITIVE),
    "log2": Op(1, ops.log2, _POSITIVE),
    "log10": Op(1, ops.log10, _POSITIVE),
    "log1p": Op(1, ops.log1p, _inside(-1.0, math.inf)),
    "logaddexp": Op(2, ops.logaddexp),
    "logaddexp2": Op(2, ops.logaddexp2),
    "xlogy": Op(2, ops.xlogy, lambda a, b: b > 0.1),
    "xlog1py": Op(2, ops.xlog1py, lambda a, b: b > -0.9),
    "logit": Op(1, ops.logit, _inside(0.0, 1.0)),
    # trigonometric and hyperbolic
    "sin": Op(1, ops.sin),
    "cos": Op(1, ops.cos),
    "tan": Op(1, ops.tan, lambda a: abs(math.cos(a)) > 0.1),
    "asin": Op(1, ops.asin, _inside(-1.0, 1.0)),
    "acos": Op(1, ops.acos, _inside(-1.0, 1.0)),
    "atan": Op(1, ops.atan),
    "atan2": Op(2, ops.atan2, lambda a, b: a * a + b * b > 0.01 and (b > 0.1 or abs(a) > 0.1)),
    "sinh": Op(1, ops.sinh, lambda a: abs(a) < 5),
    "cosh": Op(1, ops.cosh, lambda a: abs(a) < 5),
    "tanh": Op(1, ops.tanh),
    "asinh": Op(1, ops.asinh),
    "acosh": Op(1, ops.acosh, _inside(1.0, math.inf)),
    "atanh": Op(1, ops.atanh, _inside(-1.0, 1.0)),
    "sinc": Op(1, ops.sinc),
    "degrees": Op(1, ops.degrees),
    "radians": Op(1, ops.radians),
    # special functions
    "erf": Op(1, ops.erf),
    "erfc": Op(1, ops.erfc),
    "erfinv": Op(1, ops.erfinv, _inside(-1.0, 1.0)),
    "gamma": Op(1, ops.gamma, _inside(0.0, 5.0)),
    "lgamma": Op(1, ops.lgamma, _POSITIVE),
    "digamma": Op(1, ops.digamma, _POSITIVE),
    "polygamma": Op(1, lambda a: ops.polygamma(1, a), _POSITIVE),
    "ndtr": Op(1, ops.ndtr),
    "log_ndtr": Op(1, ops.log_ndtr),
    "i0": Op(1, ops.i0, lambda a: abs(a) < 5),
    "i1": Op(1, ops.i1, lambda a: abs(a) < 5),
    # piecewise, away from their jumps and kinks
    "floor": Op(1, ops.floor, _off_grid(1.0)),
    "ceil": Op(1, ops.ceil, _off_grid(1.0)),
    "trunc": Op(1, ops.trunc, _off_grid(1.0)),
    "round": Op(1, ops.round, _off_grid(1.0, 0.5)),
    "sign": Op(1, ops.sign, _away(0.0)),
    "frac": Op(1, ops.frac, _off_grid(1.0)),
    "copysign": Op(2, ops.copysign, lambda a, b: abs(a) > MARGIN and abs(b) > MARGIN),
    "fmod": Op(2, ops.fmod, lambda a, b: abs(b) > 0.1 and _off_grid(1.0)(a / b)),
    "remainder": Op(2, ops.remainder, lambda a, b: abs(b) > 0.1 and _off_grid(1.0)(a / b)),
    "maximum": Op(2, ops.maximum, lambda a, b: abs(a - b) > MARGIN),
    "minimum": Op(2, ops.minimum, lambda a, b: abs(a - b) > MARGIN),
    "fmax": Op(2, ops.fmax, lambda a, b: abs(a - b) > MARGIN),
    "fmin": Op(2, ops.fmin, lambda a, b: abs(a - b) > MARGIN),
    "clamp": Op(1, lambda a: ops.clamp(a, -1.0, 1.0), _away(-1.0, 1.0)),
    "where": Op(3, ops.where, lambda c, a, b: c != 0),
    # activations
    "relu": Op(1, ops.relu, _away(0.0)),
    "leaky_relu": Op(1, lambda a: ops.leaky_relu(a, 0.1), _away(0.0)),
    "sigmoid": Op(1, ops.sigmoid),
    "softplus": Op(1, ops.softplus),
    "gelu": Op(1, ops.gelu),
    "gelu_tanh": Op(1, lambda a: ops.gelu(a, approximate="tanh")),
    "silu": Op(1, ops.silu),
    "mish": Op(1, ops.mish),
    "elu": Op(1, ops.elu, _away(0.0)),
    "selu": Op(1, ops.selu, _away(0.0)),
    "celu": Op(1, ops.celu, _away(0.0)),
    "relu6": Op(1, ops.relu6, _away(0.0, 6.0)),
    "hardtanh": Op(1, ops.hardtanh, _away(-1.0, 1.0)),
    "hardsigmoid": Op(1, ops.hardsigmoid, _away(-3.0, 3.0)),
    "hardswish": Op(1, ops.hardswish, _away(-3.0, 3.0)),
    "softsign": Op(1, ops.softsign, _away(0.0)),
    "log_sigmoid": Op(1, ops.log_sigmoid),
    "tanhshrink": Op(1, ops.tanhshrink),
    "softshrink": Op(1, ops.softshrink, _away(-0.5, 0.5)),
    "hardshrink": Op(1, ops.hardshrink, _away(-0.5, 0.5)),
    "threshold": Op(1, lambda a: ops.threshold(a, 0.5, -1.0), _away(0.5)),
    # n-ary
    "prod": Op(3, lambda a, b, c: ops.prod([a, b, c])),
    "mean": Op(3, lambda a, b, c: ops.mean([a, b, c])),
}


def reals(low: float = -3.0, high: float = 3.0, avoid: Sequence[float] = ()) -> st.SearchStrategy:
    """Finite floats in [low, high], kept at least 1e-2 away from each point in `avoid`."""
    low, high = real(low, "reals: low"), real(high, "reals: high")
    if not low < high:
        raise ValueError(f"reals: low must be below high, got {low!r} and {high!r}")
    if not isinstance(avoid, Iterable):
        raise TypeError(
            f"reals: avoid must be a sequence of numbers, got {type(avoid).__name__} {short(avoid)}"
        )
    avoid = tuple(real(a, "reals: avoid") for a in avoid)
    return st.floats(low, high, allow_nan=False, allow_infinity=False).filter(
        lambda x: all(abs(x - a) > MARGIN for a in avoid)
    )


@dataclass(frozen=True)
class Expression:
    """A random program: `inputs` to evaluate at, `steps` of (op, operand indices).

    `fn(*xs)` replays it on numbers or Values; its repr is the program as text.
    """

    inputs: tuple[float, ...]
    steps: tuple[tuple[str, tuple[int, ...]], ...]

    def fn(self, *xs: Real) -> Real:
        """The program on `xs` (numbers or Values): the value of its last step."""
        values = list(xs)
        for name, operands in self.steps:
            values.append(OPS[name].apply(*[values[i] for i in operands]))
        return values[-1]

    def __repr__(self) -> str:
        """The program as text, one step a line."""
        names = [f"x{i}" for i in range(len(self.inputs))]
        lines = [f"Expression at {names and ', '.join(names)} = {self.inputs}:"]
        for k, (name, operands) in enumerate(self.steps):
            lines.append(f"  v{k} = {name}({', '.join(names[i] for i in operands)})")
            names.append(f"v{k}")
        return "\n".join(lines)


def expressions(
    n_inputs: int | tuple[int, int] = (1, 3),
    max_ops: int = 8,
    ops: Sequence[str] | None = None,
    inputs: st.SearchStrategy | None = None,
) -> st.SearchStrategy:
    """Random expression programs over shared subexpressions, every op inside its domain.

    `n_inputs` is a count or a (min, max) range, `ops` a subset of the names in
    `OPS` (default: all), `inputs` the strategy for input values (default
    reals(-2, 2)). Every step may reuse any earlier value, so graphs share nodes.
    """
    if isinstance(ops, str) or not (ops is None or isinstance(ops, Iterable)):
        raise TypeError(
            f"expressions: ops must be a sequence of op names, got {type(ops).__name__} "
            f"{short(ops)}"
        )
    names = list(OPS) if ops is None else list(ops)
    unknown = [name for name in names if name not in OPS]
    if unknown or not names:
        raise ValueError(f"expressions: unknown ops {unknown}; choose from {', '.join(OPS)}")
    low, high = (n_inputs, n_inputs) if _is_int(n_inputs) else _pair(n_inputs)
    if not _is_int(max_ops):
        raise TypeError(
            f"expressions: max_ops must be an int, got {type(max_ops).__name__} {short(max_ops)}"
        )
    if not 1 <= low <= high or max_ops < 1:
        raise ValueError(
            f"expressions: need 1 <= n_inputs and max_ops >= 1, got {n_inputs!r}, {max_ops!r}"
        )
    return _programs(low, high, max_ops, names, inputs or reals(-2.0, 2.0))


def _is_int(x: object) -> TypeGuard[int]:
    return isinstance(x, int) and not isinstance(x, bool)


def _pair(n_inputs: object) -> tuple[int, int]:
    """n_inputs given as a (min, max) range: two ints, else a TypeError."""
    if isinstance(n_inputs, (tuple, list)) and len(n_inputs) == 2 and all(map(_is_int, n_inputs)):
        return n_inputs[0], n_inputs[1]
    raise TypeError(
        f"expressions: n_inputs must be an int or a (min, max) pair of ints, "
        f"got {type(n_inputs).__name__} {short(n_inputs)}"
    )


@st.composite
def _programs(
    draw: st.DrawFn,
    low: int,
    high: int,
    max_ops: int,
    names: list[str],
    inputs: st.SearchStrategy[float],
) -> Expression:
    count = draw(st.integers(low, high))
    xs = tuple(draw(st.lists(inputs, min_size=count, max_size=count)))
    values = list(xs)
    steps = []
    for _ in range(draw(st.integers(1, max_ops))):
        name = draw(st.sampled_from(names))
        op = OPS[name]
        usable = [i for i, v in enumerate(values) if abs(v) < BOUND]
        if not usable:
            break
        operands = tuple(draw(st.sampled_from(usable)) for _ in range(op.arity))
        point = [values[i] for i in operands]
        if not op.defined(*point):
            continue  # outside this op's domain here: draw another step
        result = op.apply(*point)  # a float: the op is applied to floats
        assert isinstance(result, float)
        if not math.isfinite(result):
            continue
        values.append(result)
        steps.append((name, operands))
    if not steps:  # every draw fell outside a domain: fall back to an op defined everywhere
        steps.append(("tanh", (0,)))
    return Expression(xs, tuple(steps))

"""Hypothesis strategies for testing derivatives in your own suite.

    from hypothesis import given
    from autograd import gradcheck
    from autograd.testing import expressions

    @given(expressions())
    def test_my_engine_use(e):
        assert gradcheck(e.fn, e.inputs)

`expressions()` draws random programs over shared subexpressions whose every
op is applied inside its domain and away from kinks, so a failure is a wrong
derivative, not a bad point. This module imports hypothesis (the `dev` extra).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from hypothesis import strategies as st

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


OPS: dict[str, Op] = {
    "add": Op(2, lambda a, b: a + b),
    "sub": Op(2, lambda a, b: a - b),
    "mul": Op(2, lambda a, b: a * b),
    "div": Op(2, lambda a, b: a / b, lambda a, b: abs(b) > 0.1),
    "pow": Op(2, lambda a, b: a**b, lambda a, b: 0.1 < a < 10 and abs(b) < 3),
    "square": Op(1, lambda a: a**2),
    "neg": Op(1, lambda a: -a),
    "abs": Op(1, ops.abs, lambda a: abs(a) > MARGIN),
    "exp": Op(1, ops.exp, lambda a: a < 5),
    "log": Op(1, ops.log, lambda a: a > 0.1),
    "sqrt": Op(1, ops.sqrt, lambda a: a > 0.1),
    "tanh": Op(1, ops.tanh),
    "sigmoid": Op(1, ops.sigmoid),
    "softplus": Op(1, ops.softplus),
    "relu": Op(1, ops.relu, lambda a: abs(a) > MARGIN),
    "leaky_relu": Op(1, lambda a: ops.leaky_relu(a, 0.1), lambda a: abs(a) > MARGIN),
    "sin": Op(1, ops.sin),
    "cos": Op(1, ops.cos),
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
        values = list(xs)
        for name, operands in self.steps:
            values.append(OPS[name].apply(*[values[i] for i in operands]))
        return values[-1]

    def __repr__(self) -> str:
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


def _is_int(x: object) -> bool:
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
def _programs(draw, low, high, max_ops, names, inputs) -> Expression:
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
        result = op.apply(*point)
        if not math.isfinite(result):
            continue
        values.append(result)
        steps.append((name, operands))
    if not steps:  # every draw fell outside a domain: fall back to an op defined everywhere
        steps.append(("tanh", (0,)))
    return Expression(xs, tuple(steps))

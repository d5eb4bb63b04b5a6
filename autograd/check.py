"""Numerical gradient checking: analytic derivatives against central differences."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from autograd.arguments import function, real, short
from autograd.engine import Value, topological_order
from autograd.functional import gradient_of, hessian_of
from autograd.mode import no_grad
from autograd.ops import Primitive

KINKS = ("relu", "abs", "leaky_relu")


class GradcheckError(AssertionError):
    """Analytic and numeric derivatives disagree; the message is a table of both."""


def _number(x: Any, where: str) -> float:
    """A derivative as a float: a transform returns a Value when f captured one."""
    return x.data if isinstance(x, Value) else real(x, where)


def _evaluate(f: Callable, xs: Sequence[float], where: str = "gradcheck") -> Any:
    with no_grad():
        out = f(*[Value(x) for x in xs])
    return _number(out, f"{where}: f's result")


def _central(f: Callable, xs: list[float], eps: float) -> list:
    """d f / d x_i by central differences; f returns a number or a list of numbers."""
    columns = []
    for i, x in enumerate(xs):
        up, down = list(xs), list(xs)
        up[i], down[i] = x + eps, x - eps
        hi, lo = f(up), f(down)
        if isinstance(hi, list):
            columns.append([(a - b) / (2 * eps) for a, b in zip(hi, lo)])
        else:
            columns.append((hi - lo) / (2 * eps))
    return columns


def _kink_signs(f: Callable, xs: Sequence[float]) -> list[tuple[str, bool]]:
    """For each relu/abs/leaky_relu node of f's graph, in order: (op, its input > 0)."""
    out = f(*[Value(x) for x in xs])
    if not isinstance(out, Value):
        return []
    return [(n.op, n.parents[0].data > 0) for n in topological_order(out) if n.op in KINKS]


def _kinks_crossed(f: Callable, xs: list[float], eps: float) -> list[str]:
    """Kink ops whose input changes sign within +-eps of xs: numeric slopes mean nothing there."""
    base = _kink_signs(f, xs)
    crossed = set()
    for i in range(len(xs)):
        for step in (eps, -eps):
            moved = list(xs)
            moved[i] += step
            for (op, sign), (_, other) in zip(base, _kink_signs(f, moved)):
                if sign != other:
                    crossed.add(op)
    return sorted(crossed)


def _wrong_primitives(
    f: Callable[..., Any], xs: list[float], eps: float, atol: float, rtol: float
) -> list[str]:
    """Names (and details) of user primitives in f's graph whose partials disagree numerically."""
    out = f(*[Value(x) for x in xs])
    if not isinstance(out, Value):
        return []
    found: list[str] = []
    for node in topological_order(out):
        op = node.op
        if not isinstance(op, Primitive):
            continue
        at = [p.data for p in node.parents]
        analytic = [real(partial(*at), f"{op.name}: partial") for partial in op.partials]
        numeric = _central(lambda ys, op=op: op.fn(*ys), at, eps)
        for i, (a, n) in enumerate(zip(analytic, numeric)):
            if abs(a - n) > atol + rtol * abs(n):
                found.append(
                    f"primitive {op.name!r}: partial {i} at {tuple(at)} gives {a:.6g}, "
                    f"numerically {n:.6g}"
                )
    return found


def _table(rows: list[tuple[str, float, float]], atol: float, rtol: float) -> tuple[str, bool]:
    lines = [f"  {'derivative':<14}{'analytic':>16}{'numeric':>16}{'error':>12}"]
    ok = True
    for name, a, n in rows:
        error = abs(a - n)
        bad = not error <= atol + rtol * abs(n)  # a nan fails too
        ok = ok and not bad
        mark = "  <- wrong" if bad else ""
        lines.append(f"  {name:<14}{a:>16.8g}{n:>16.8g}{error:>12.3g}{mark}")
    return "\n".join(lines), ok


def _points(inputs: Sequence[Any], where: str) -> list[float]:
    if isinstance(inputs, (int, float, Value)):
        inputs = [inputs]
    try:
        listed = list(inputs)
    except TypeError:
        raise TypeError(
            f"{where}: inputs must be a number or a sequence of numbers, "
            f"got {type(inputs).__name__} {short(inputs)}"
        ) from None
    return [x.data if isinstance(x, Value) else real(x, f"{where}: input") for x in listed]


def _arguments(
    f: Any, inputs: Any, eps: Any, atol: Any, rtol: Any, where: str
) -> tuple[list[float], float, float, float]:
    """gradcheck's arguments checked up front: (points, eps, atol, rtol)."""
    function(f, where)
    xs = _points(inputs, where)
    eps = real(eps, f"{where}: eps")
    if not (eps > 0 and math.isfinite(eps)):
        raise ValueError(f"{where}: eps must be a positive finite number, got {eps!r}")
    atol, rtol = real(atol, f"{where}: atol"), real(rtol, f"{where}: rtol")
    for name, tol in (("atol", atol), ("rtol", rtol)):
        if not tol >= 0:  # nan fails too
            raise ValueError(f"{where}: {name} must be >= 0, got {tol!r}")
    return xs, eps, atol, rtol


def _fail(
    what: str,
    f: Callable[..., Any],
    xs: list[float],
    table: str,
    eps: float,
    atol: float,
    rtol: float,
    check_fn: Callable[..., Any],
) -> NoReturn:
    message = [f"{what} failed for {getattr(f, '__name__', f)!r} at inputs {tuple(xs)}:", table]
    message += _wrong_primitives(check_fn, xs, eps, atol, rtol)
    crossed = _kinks_crossed(f, xs, eps)
    if crossed:
        message.append(
            f"inconclusive: within eps={eps:g} of a kink of {', '.join(crossed)} "
            "(its input changes sign), where central differences are meaningless"
        )
    raise GradcheckError("\n".join(message))


def gradcheck(
    f: Callable, inputs: Sequence[Any], *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3
) -> bool:
    """True when backward's gradient of scalar f matches central differences at `inputs`.

    Otherwise raises GradcheckError with a table of analytic and numeric
    derivatives, naming any `primitive` whose partial derivative is wrong and
    any relu/abs kink within `eps` of the point.
    """
    xs, eps, atol, rtol = _arguments(f, inputs, eps, atol, rtol, "gradcheck")
    everything = tuple(range(len(xs)))
    analytic = gradient_of(f, everything, "gradcheck")(*xs)
    numeric = _central(lambda ys: _evaluate(f, ys), xs, eps)
    rows = [
        (f"d/dx{i}", _number(a, "gradcheck"), n) for i, (a, n) in enumerate(zip(analytic, numeric))
    ]
    table, ok = _table(rows, atol, rtol)
    if not ok:
        _fail("gradcheck", f, xs, table, eps, atol, rtol, f)
    return True


def gradgradcheck(
    f: Callable, inputs: Sequence[Any], *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3
) -> bool:
    """True when second derivatives (the Hessian) match central differences of the gradient."""
    xs, eps, atol, rtol = _arguments(f, inputs, eps, atol, rtol, "gradgradcheck")
    everything = tuple(range(len(xs)))
    analytic = hessian_of(f, None, "gradgradcheck")(*xs)
    first = gradient_of(f, everything, "gradgradcheck")
    numeric = _central(lambda ys: [_number(g, "gradgradcheck") for g in first(*ys)], xs, eps)
    rows = [
        (f"d2/dx{i}dx{j}", _number(analytic[i][j], "gradgradcheck"), numeric[j][i])
        for i in everything
        for j in everything
    ]
    table, ok = _table(rows, atol, rtol)
    if not ok:
        # A primitive whose second derivatives are wrong has a wrong partial's derivative.
        def partials_graph(*vs: Value) -> Value:
            return _sum_of_partials(f(*vs))

        _fail("gradgradcheck", f, xs, table, eps, atol, rtol, partials_graph)
    return True


def _sum_of_partials(out: Any) -> Any:
    """A graph in which each primitive's partials appear as ops, for locating wrong ones."""
    if not isinstance(out, Value):
        return out
    terms: list[Any] = []
    for node in topological_order(out):
        if isinstance(node.op, Primitive):
            terms.extend(p(*node.parents) for p in node.op.partials)
    return sum(terms, Value(0.0))

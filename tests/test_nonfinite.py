"""One rule for numbers that are not finite, op by op, eager and compiled.

The rule (docs/engine.md, "Numbers that are not finite"):
- a finite input outside an op's domain is an error naming the op and the value
  (log of 0 or -1, sqrt of -1, division by zero, 0 ** negative, a negative base
  with a fractional exponent, asin(2), atanh(1), logit(0), erfinv(1), fmod by 0;
  a pole at a finite point counts, as log's 0 does: gamma and its kin at 0 and the
  negative integers);
- so is a derivative that is infinite at a finite point, when a gradient flows
  through it (sqrt at 0, x ** 0.5 at 0, 0 ** Value(0.5), asin at 1, acosh at 1,
  atan2 and hypot at (0, 0), xlogy's slope in y at (0, 0));
- everything else follows IEEE as PyTorch does: nan and inf data propagate,
  overflow is inf, and nothing flows through a zero local derivative.

PyTorch float64 is the oracle for every other case (marker `parity`), except at the
points where it is wrong (`differs`, each with its reason): there the answer is the
exact one, from the limits, exact fractions or mpmath at 40 digits. The compiled path
must give what eager gives, errors included.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import pytest

import autograd
from autograd import Value, ops

inf, nan = math.inf, math.nan
SPECIAL = [
    *(nan, inf, -inf, 0.0, -0.0, 1.0, -1.0, -2.0, 0.5, -0.5),
    *(3.0, -3.0, 6.0),  # the kinks of hardsigmoid, hardswish and relu6; poles of gamma
    *(800.0, -800.0, 1e200, -1e200, 1e-200),
]


@dataclass(frozen=True)
class Case:
    ours: Callable  # on Values (or numpy arrays, for the compiled check)
    theirs: Callable  # on torch tensors
    error: Callable[..., bool] = lambda *xs: False  # a finite input outside the domain
    undefined: Callable[..., bool] = lambda *xs: False  # an infinite derivative there
    differs: Callable[..., bool] = lambda *xs: False  # where PyTorch is wrong (reason given)
    exact: Callable | None = None  # there: (mpmath, *xs) -> (value, [gradients])


def _finite_negative(x: float) -> bool:
    return math.isfinite(x) and x < 0


def _outside(low: float, high: float, closed: bool = True) -> Callable[[float], bool]:
    """Finite x outside [low, high] (or outside (low, high) when not closed)."""
    if closed:
        return lambda x: math.isfinite(x) and not low <= x <= high
    return lambda x: math.isfinite(x) and not low < x < high


def _pole(x: float) -> bool:
    """0 or a negative integer: the poles of gamma, lgamma, digamma and polygamma."""
    return math.isfinite(x) and x <= 0 and x.is_integer()


def _torch_gamma(t, x):
    """PyTorch has no gamma: exp(lgamma) for x > 0 (and nan, inf), the reflection formula below
    (the poles never get here: they are errors)."""
    if not x.item() < 0:
        return t.exp(t.lgamma(x))
    return math.pi / (t.sin(math.pi * x) * t.exp(t.lgamma(1 - x)))


def _torch_heaviside(t, x, values):
    """PyTorch's heaviside has no derivative: the same step, with `values` taken at x == 0
    through where (slope 1 in values there, 0 elsewhere; 0 in x), as ours."""
    return t.where(x == 0, values, t.heaviside(x.detach(), values.detach()))


def _torch_hardsigmoid(t, x):
    """PyTorch's hardsigmoid, whose float64 backward uses float32's 1/6 (0.1666666716...):
    the same function, x / 6 + 1/2 strictly between -3 and 3, flat elsewhere and at nan."""
    inside = (x > -3) & (x < 3)
    return t.where(inside, x / 6 + 0.5, t.nn.functional.hardsigmoid(x.detach()))


def _infinite(x: float) -> bool:
    return math.isinf(x)


def _sinc_differs(x: float) -> bool:
    """Where pi x^2 overflows or underflows, PyTorch's slope (pi x cos(pi x) - sin(pi x)) /
    (pi x^2) is 0 (it masks the 0 / 0): the slope is about cos(pi x) / x, or -pi^2 x / 3."""
    return math.isfinite(x) and x != 0 and not 0 < math.pi * x * x < inf


def _sinc_exact(mp, x):
    """Both take sinc(x) = sin(u) / u at u = pi * x rounded to a float; its slope is
    (cos(u) - sin(u) / u) / x (in enough digits for the cancellation near 0)."""
    with mp.workdps(1000):
        u = mp.mpf(math.pi * x)
        return float(mp.sin(u) / u), [float((mp.cos(u) - mp.sin(u) / u) / x)]


def _polygamma_exact(n: int) -> Callable:
    """psi_n at x and its slope psi_(n+1). PyTorch's trigamma (n = 1) is good to about 1e-9
    only, and at +-inf its polygamma gives nan at inf (the limit is 0) and -inf at -inf
    (there is no limit: the poles pile up)."""

    def exact(mp, x):
        if math.isinf(x):
            return (0.0, [0.0]) if x > 0 else (nan, [nan])
        return float(mp.polygamma(n, x)), [float(mp.polygamma(n + 1, x))]

    return exact


def _atan2_exact(mp, y, x):
    """Where y^2 + x^2 underflows to 0 PyTorch's slopes x / (y^2 + x^2), -y / (y^2 + x^2) are
    nan or inf; they are finite there (only (0, 0) is undefined): exact, in fractions."""
    r = Fraction(y) ** 2 + Fraction(x) ** 2
    return math.atan2(y, x), [float(Fraction(x) / r), float(-Fraction(y) / r)]


def _squares_underflow(y: float, x: float) -> bool:
    return math.isfinite(y) and math.isfinite(x) and not y == x == 0 and y * y + x * x == 0


UNARY: dict[str, Case] = {
    "exp": Case(lambda x: x.exp(), lambda t, x: t.exp(x)),
    "log": Case(lambda x: x.log(), lambda t, x: t.log(x), lambda x: math.isfinite(x) and x <= 0),
    "sqrt": Case(lambda x: x.sqrt(), lambda t, x: t.sqrt(x), _finite_negative, lambda x: x == 0),
    "tanh": Case(lambda x: x.tanh(), lambda t, x: t.tanh(x)),
    "sigmoid": Case(lambda x: x.sigmoid(), lambda t, x: t.sigmoid(x)),
    "softplus": Case(ops.softplus, lambda t, x: t.nn.functional.softplus(x)),
    "relu": Case(lambda x: x.relu(), lambda t, x: t.relu(x)),
    "leaky_relu": Case(
        lambda x: x.leaky_relu(0.1), lambda t, x: t.nn.functional.leaky_relu(x, 0.1)
    ),
    "sin": Case(lambda x: x.sin(), lambda t, x: t.sin(x)),
    "cos": Case(lambda x: x.cos(), lambda t, x: t.cos(x)),
    "abs": Case(abs, lambda t, x: t.abs(x)),
    "neg": Case(lambda x: -x, lambda t, x: -x),
    "square": Case(lambda x: x**2, lambda t, x: x**2),
    "cube": Case(lambda x: x**3, lambda t, x: x**3),
    "inverse": Case(lambda x: x**-1, lambda t, x: x**-1, lambda x: x == 0),
    "pow 0": Case(lambda x: x**0, lambda t, x: x**0),
    "pow 2.5": Case(lambda x: x**2.5, lambda t, x: x**2.5, _finite_negative),
    "pow 0.5": Case(
        lambda x: x**0.5,
        lambda t, x: x**0.5,
        _finite_negative,
        lambda x: x == 0,
    ),
    "2 ** x": Case(lambda x: 2.0**x, lambda t, x: 2.0**x),
    "expm1": Case(lambda x: x.expm1(), lambda t, x: t.expm1(x)),
    "log1p": Case(
        lambda x: x.log1p(), lambda t, x: t.log1p(x), lambda x: math.isfinite(x) and x <= -1
    ),
    "exp2": Case(lambda x: x.exp2(), lambda t, x: t.exp2(x)),
    "log2": Case(lambda x: x.log2(), lambda t, x: t.log2(x), lambda x: math.isfinite(x) and x <= 0),
    "log10": Case(
        lambda x: x.log10(), lambda t, x: t.log10(x), lambda x: math.isfinite(x) and x <= 0
    ),
    "square()": Case(lambda x: x.square(), lambda t, x: t.square(x)),
    "reciprocal": Case(lambda x: x.reciprocal(), lambda t, x: t.reciprocal(x), lambda x: x == 0),
    "rsqrt": Case(
        lambda x: x.rsqrt(), lambda t, x: t.rsqrt(x), lambda x: _finite_negative(x) or x == 0
    ),
    "cbrt": Case(  # PyTorch has no cbrt: the same function, written with sign and abs
        ops.cbrt, lambda t, x: t.sign(x) * t.abs(x) ** (1 / 3), undefined=lambda x: x == 0
    ),
    # ---- the scalar math library ----
    "tan": Case(lambda x: x.tan(), lambda t, x: t.tan(x)),
    "asin": Case(
        lambda x: x.asin(), lambda t, x: t.asin(x), _outside(-1, 1), lambda x: abs(x) == 1
    ),
    "acos": Case(
        lambda x: x.acos(), lambda t, x: t.acos(x), _outside(-1, 1), lambda x: abs(x) == 1
    ),
    "atan": Case(lambda x: x.atan(), lambda t, x: t.atan(x)),
    "sinh": Case(lambda x: x.sinh(), lambda t, x: t.sinh(x)),
    "cosh": Case(lambda x: x.cosh(), lambda t, x: t.cosh(x)),
    "asinh": Case(lambda x: x.asinh(), lambda t, x: t.asinh(x)),
    "acosh": Case(lambda x: x.acosh(), lambda t, x: t.acosh(x), _outside(1, inf), lambda x: x == 1),
    "atanh": Case(lambda x: x.atanh(), lambda t, x: t.atanh(x), _outside(-1, 1, closed=False)),
    "sinc": Case(
        lambda x: x.sinc(),
        lambda t, x: t.sinc(x),
        differs=_sinc_differs,
        exact=_sinc_exact,
    ),
    "degrees": Case(ops.degrees, lambda t, x: t.rad2deg(x)),
    "radians": Case(ops.radians, lambda t, x: t.deg2rad(x)),
    "rad2deg": Case(lambda x: x.rad2deg(), lambda t, x: t.rad2deg(x)),
    "deg2rad": Case(lambda x: x.deg2rad(), lambda t, x: t.deg2rad(x)),
    "logit": Case(lambda x: x.logit(), lambda t, x: t.logit(x), _outside(0, 1, closed=False)),
    "logit eps 1e-6": Case(lambda x: ops.logit(x, 1e-6), lambda t, x: t.logit(x, 1e-6)),
    "logit eps 0.5": Case(lambda x: x.logit(0.5), lambda t, x: t.logit(x, 0.5)),
    "erf": Case(lambda x: x.erf(), lambda t, x: t.erf(x)),
    "erfc": Case(lambda x: x.erfc(), lambda t, x: t.erfc(x)),
    "erfinv": Case(lambda x: x.erfinv(), lambda t, x: t.erfinv(x), _outside(-1, 1, closed=False)),
    "gamma": Case(ops.gamma, _torch_gamma, _pole),
    "lgamma": Case(lambda x: x.lgamma(), lambda t, x: t.lgamma(x), _pole),
    "digamma": Case(  # its slope is trigamma: see _polygamma_exact
        lambda x: x.digamma(),
        lambda t, x: t.digamma(x),
        _pole,
        differs=math.isfinite,
        exact=lambda mp, x: (float(mp.digamma(x)), [float(mp.polygamma(1, x))]),
    ),
    "polygamma 1": Case(
        lambda x: x.polygamma(1),
        lambda t, x: t.polygamma(1, x),
        _pole,
        differs=lambda x: x == x,
        exact=_polygamma_exact(1),
    ),
    "polygamma 2": Case(
        lambda x: ops.polygamma(2, x),
        lambda t, x: t.polygamma(2, x),
        _pole,
        differs=_infinite,
        exact=_polygamma_exact(2),
    ),
    "ndtr": Case(ops.ndtr, lambda t, x: t.special.ndtr(x)),
    "log_ndtr": Case(ops.log_ndtr, lambda t, x: t.special.log_ndtr(x)),
    # The limits at +-inf, as special.py's I0(inf) = inf: I0 is inf there, I1 +-inf and
    # I1' = I0 - I1 / x inf; PyTorch gives nan. Its I1' is 0.5 at nan (it takes nan for tiny x).
    "i0": Case(
        lambda x: x.i0(),
        lambda t, x: t.special.i0(x),
        differs=_infinite,
        exact=lambda mp, x: (inf, [math.copysign(inf, x)]),
    ),
    "i1": Case(
        ops.i1,
        lambda t, x: t.special.i1(x),
        differs=lambda x: not math.isfinite(x),
        exact=lambda mp, x: (x, [x if x != x else inf]),
    ),
    "floor": Case(lambda x: x.floor(), lambda t, x: t.floor(x)),
    "ceil": Case(lambda x: x.ceil(), lambda t, x: t.ceil(x)),
    "trunc": Case(lambda x: x.trunc(), lambda t, x: t.trunc(x)),
    "round": Case(lambda x: x.round(), lambda t, x: t.round(x)),
    "sign": Case(lambda x: x.sign(), lambda t, x: t.sign(x)),
    "frac": Case(lambda x: x.frac(), lambda t, x: t.frac(x)),
    "clamp -1 3": Case(lambda x: x.clamp(-1.0, 3.0), lambda t, x: t.clamp(x, -1.0, 3.0)),
    "clamp min 0.5": Case(lambda x: ops.clamp(x, min=0.5), lambda t, x: t.clamp(x, min=0.5)),
    "clamp max -2": Case(lambda x: ops.clamp(x, max=-2.0), lambda t, x: t.clamp(x, max=-2.0)),
    "clamp 3 -1": Case(  # low > high: high wins, as PyTorch
        lambda x: ops.clamp(x, 3.0, -1.0), lambda t, x: t.clamp(x, 3.0, -1.0)
    ),
    "gelu": Case(ops.gelu, lambda t, x: t.nn.functional.gelu(x)),
    "gelu tanh": Case(
        lambda x: ops.gelu(x, "tanh"), lambda t, x: t.nn.functional.gelu(x, approximate="tanh")
    ),
    "silu": Case(ops.silu, lambda t, x: t.nn.functional.silu(x)),
    "mish": Case(ops.mish, lambda t, x: t.nn.functional.mish(x)),
    "elu": Case(ops.elu, lambda t, x: t.nn.functional.elu(x)),
    "elu 0.5": Case(lambda x: ops.elu(x, 0.5), lambda t, x: t.nn.functional.elu(x, 0.5)),
    "selu": Case(ops.selu, lambda t, x: t.nn.functional.selu(x)),
    "celu": Case(ops.celu, lambda t, x: t.nn.functional.celu(x)),
    "celu 2": Case(lambda x: ops.celu(x, 2.0), lambda t, x: t.nn.functional.celu(x, 2.0)),
    "relu6": Case(ops.relu6, lambda t, x: t.nn.functional.relu6(x)),
    "hardtanh": Case(ops.hardtanh, lambda t, x: t.nn.functional.hardtanh(x)),
    "hardtanh -2 3": Case(
        lambda x: ops.hardtanh(x, -2.0, 3.0), lambda t, x: t.nn.functional.hardtanh(x, -2.0, 3.0)
    ),
    "hardsigmoid": Case(ops.hardsigmoid, _torch_hardsigmoid),
    "hardswish": Case(ops.hardswish, lambda t, x: t.nn.functional.hardswish(x)),
    "softsign": Case(ops.softsign, lambda t, x: t.nn.functional.softsign(x)),
    "log_sigmoid": Case(ops.log_sigmoid, lambda t, x: t.nn.functional.logsigmoid(x)),
    "softplus beta 2 threshold 6": Case(
        lambda x: ops.softplus(x, 2.0, 6.0), lambda t, x: t.nn.functional.softplus(x, 2.0, 6.0)
    ),
    "softplus beta -1": Case(
        lambda x: ops.softplus(x, -1.0), lambda t, x: t.nn.functional.softplus(x, -1.0)
    ),
    "tanhshrink": Case(ops.tanhshrink, lambda t, x: t.nn.functional.tanhshrink(x)),
    "softshrink": Case(ops.softshrink, lambda t, x: t.nn.functional.softshrink(x)),
    "softshrink 1": Case(
        lambda x: ops.softshrink(x, 1.0), lambda t, x: t.nn.functional.softshrink(x, 1.0)
    ),
    "hardshrink": Case(lambda x: x.hardshrink(), lambda t, x: t.nn.functional.hardshrink(x)),
    "hardshrink 1": Case(
        lambda x: ops.hardshrink(x, 1.0), lambda t, x: t.nn.functional.hardshrink(x, 1.0)
    ),
    "threshold 1 6": Case(
        lambda x: ops.threshold(x, 1.0, 6.0), lambda t, x: t.nn.functional.threshold(x, 1.0, 6.0)
    ),
    "threshold 0 -2": Case(
        lambda x: ops.threshold(x, 0.0, -2.0),
        lambda t, x: t.nn.functional.threshold(x, 0.0, -2.0),
    ),
}

BINARY: dict[str, Case] = {
    "add": Case(lambda a, b: a + b, lambda t, a, b: a + b),
    "sub": Case(lambda a, b: a - b, lambda t, a, b: a - b),
    "mul": Case(lambda a, b: a * b, lambda t, a, b: a * b),
    "div": Case(lambda a, b: a / b, lambda t, a, b: a / b, lambda a, b: b == 0),
    "pow": Case(
        lambda a, b: a**b,
        lambda t, a, b: a**b,
        lambda a, b: (
            (_finite_negative(a) and math.isfinite(b) and not b.is_integer()) or (a == 0 and b < 0)
        ),
        lambda a, b: a == 0 and 0 < b < 1,
    ),
    "pow()": Case(
        ops.pow,
        lambda t, a, b: t.pow(a, b),
        lambda a, b: (
            (_finite_negative(a) and math.isfinite(b) and not b.is_integer()) or (a == 0 and b < 0)
        ),
        lambda a, b: a == 0 and 0 < b < 1,
    ),
    # ---- the scalar math library ----
    "atan2": Case(
        lambda a, b: a.atan2(b),
        lambda t, a, b: t.atan2(a, b),
        undefined=lambda a, b: a == b == 0,
        differs=_squares_underflow,
        exact=_atan2_exact,
    ),
    "hypot": Case(
        lambda a, b: a.hypot(b), lambda t, a, b: t.hypot(a, b), undefined=lambda a, b: a == b == 0
    ),
    "logaddexp": Case(lambda a, b: a.logaddexp(b), lambda t, a, b: t.logaddexp(a, b)),
    "logaddexp2": Case(  # PyTorch's a + 1 at a == b is an ulp of 1 off: -4.8e-17 at (-1, -1)
        ops.logaddexp2,
        lambda t, a, b: t.logaddexp2(a, b),
        differs=lambda a, b: math.isfinite(a) and a == b,
        exact=lambda mp, a, b: (a + 1.0, [0.5, 0.5]),
    ),
    "xlogy": Case(  # a nan x with y <= 0 too: x * log(0), as nan / 0 is an error
        lambda a, b: a.xlogy(b),
        lambda t, a, b: t.xlogy(a, b),
        lambda a, b: a != 0 and math.isfinite(b) and b <= 0,
        lambda a, b: a == 0 and b == 0,
    ),
    "xlog1py": Case(
        ops.xlog1py,
        lambda t, a, b: t.special.xlog1py(a, b),
        lambda a, b: a != 0 and math.isfinite(b) and b <= -1,
        lambda a, b: a == 0 and b == -1,
    ),
    "copysign": Case(  # PyTorch's slope in a is out / a: nan at a = +-inf, where it is +-1
        lambda a, b: a.copysign(b),
        lambda t, a, b: t.copysign(a, b),
        differs=lambda a, b: math.isinf(a),
        exact=lambda mp, a, b: (
            math.copysign(a, b),
            [math.copysign(1.0, a) * math.copysign(1.0, b), 0.0],
        ),
    ),
    "fmod": Case(  # at an infinite a fmod is nan: so is its slope in b (PyTorch: -trunc(a / b))
        lambda a, b: a.fmod(b),
        lambda t, a, b: t.fmod(a, b),
        lambda a, b: b == 0,
        differs=lambda a, b: math.isinf(a),
        exact=lambda mp, a, b: (nan, [1.0, nan]),
    ),
    "remainder": Case(
        lambda a, b: a.remainder(b), lambda t, a, b: t.remainder(a, b), lambda a, b: b == 0
    ),
    "%": Case(lambda a, b: a % b, lambda t, a, b: t.remainder(a, b), lambda a, b: b == 0),
    "heaviside": Case(  # nan data propagate (numpy's heaviside too); PyTorch's step is 0 at nan
        lambda a, b: a.heaviside(b),
        _torch_heaviside,
        differs=lambda a, b: a != a,
        exact=lambda mp, a, b: (nan, [0.0, 0.0]),
    ),
    "maximum": Case(lambda a, b: a.maximum(b), lambda t, a, b: t.maximum(a, b)),
    "minimum": Case(lambda a, b: a.minimum(b), lambda t, a, b: t.minimum(a, b)),
    "fmax": Case(lambda a, b: a.fmax(b), lambda t, a, b: t.fmax(a, b)),
    "fmin": Case(lambda a, b: a.fmin(b), lambda t, a, b: t.fmin(a, b)),
    # torch.prod's backward divides the product by each input (nan at an infinite one, where
    # the derivative is the other input): the product of two, written as a product
    "prod": Case(lambda a, b: ops.prod([a, b]), lambda t, a, b: a * b),
    "mean": Case(lambda a, b: ops.mean([a, b]), lambda t, a, b: t.stack([a, b]).mean()),
}

TERNARY: dict[str, Case] = {  # the first input is a branch: it is the one compiled code scales
    "where": Case(lambda a, c, b: ops.where(c, a, b), lambda t, a, c, b: t.where(c != 0, a, b)),
    "where()": Case(lambda a, c, b: a.where(c, b), lambda t, a, c, b: t.where(c != 0, a, b)),
    "prod": Case(lambda a, b, c: ops.prod([a, b, c]), lambda t, a, b, c: a * b * c),
    "mean": Case(lambda a, b, c: ops.mean([a, b, c]), lambda t, a, b, c: t.stack([a, b, c]).mean()),
}
TERNARY_POINTS = [nan, inf, -inf, 0.0, -0.0, 2.0, 1e200, -1e200]


def _ours(case: Case, xs: tuple[float, ...]):
    """(value, grads) or the exception raised, by the eager engine."""
    vs = [Value(x) for x in xs]
    try:
        out = case.ours(*vs)
    except (ArithmeticError, ValueError) as error:
        return error
    try:
        out.backward()
    except (ArithmeticError, ValueError) as error:
        return error
    return out.data, [v.grad for v in vs]


def _same(a: float, b: float) -> bool:
    """Equal as IEEE values: nan matches nan, and the sign of zero does not matter."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):  # (inf - 1.0 <= 1e-12 * inf would hold)
        return a == b
    return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b))


def _points(arity: int) -> list[tuple[float, ...]]:
    if arity == 1:
        return [(x,) for x in SPECIAL]
    if arity == 2:
        return [(a, b) for a in SPECIAL for b in SPECIAL]
    return list(itertools.product(TERNARY_POINTS, repeat=3))


ALL = [
    (name, case, xs)
    for arity, cases in ((1, UNARY), (2, BINARY), (3, TERNARY))
    for name, case in cases.items()
    for xs in _points(arity)
]


def test_errors_exactly_where_the_rule_says():
    for name, case, xs in ALL:
        result = _ours(case, xs)
        raised = isinstance(result, Exception)
        domain = case.error(*xs)
        undefined = not domain and case.undefined(*xs)
        assert raised == (domain or undefined), (name, xs, result)
        if raised:
            message = str(result)
            assert any(repr(x) in message for x in xs), (name, xs, message)  # names the value


@pytest.mark.parity
def test_every_other_case_agrees_with_torch(torch):
    checked = 0
    for name, case, xs in ALL:
        result = _ours(case, xs)
        if isinstance(result, Exception) or case.differs(*xs):
            continue
        ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
        out = case.theirs(torch, *ts)
        out.backward()
        theirs = [0.0 if t.grad is None else t.grad.item() for t in ts]
        value, grads = result
        assert _same(value, out.item()), (name, xs, value, out.item())
        for ours_g, their_g in zip(grads, theirs):
            assert _same(ours_g, their_g), (name, xs, grads, theirs)
        checked += 1
    assert checked > 500


def test_where_pytorch_is_not_the_oracle(mpmath):
    checked = 0
    for name, case, xs in ALL:
        if not case.differs(*xs) or case.error(*xs) or case.undefined(*xs):
            continue  # (errors: see test_errors_exactly_where_the_rule_says)
        result = _ours(case, xs)
        assert not isinstance(result, Exception), (name, xs, result)
        value, grads = result
        want, want_grads = case.exact(mpmath, *xs)
        assert _same(value, want), (name, xs, value, want)
        assert all(_same(g, w) for g, w in zip(grads, want_grads)), (name, xs, grads, want_grads)
        checked += 1
    assert checked > 100


def test_overflow_is_inf():
    assert Value(1000.0).exp().data == inf
    assert (Value(1e200) ** 2).data == inf
    assert (Value(-1e200) ** 3).data == -inf
    assert (Value(1e200) * 1e200).data == inf
    assert ops.exp(1000.0) == inf
    x = Value(1e-200)
    (x**-1).backward()  # -1 / x^2 overflows: -inf, not an error
    assert x.grad == -inf


def test_nan_and_inf_data_propagate():
    for op in ("log", "sqrt", "exp", "tanh", "sigmoid", "sin", "cos"):
        assert math.isnan(getattr(Value(nan), op)().data), op
    assert Value(inf).log().data == inf and Value(inf).sqrt().data == inf
    assert math.isnan(Value(-inf).log().data) and math.isnan(Value(inf).sin().data)


def test_logsumexp_with_infinite_entries():
    lse = autograd.logsumexp
    cases = [([-inf, -inf], -inf), ([inf, 0.0], inf), ([-inf, 0.0], 0.0), ([inf, inf], inf)]
    for xs, want in cases:
        assert lse(xs).data == want, xs
    assert math.isnan(lse([nan, 1.0]).data) and math.isnan(lse([-inf, nan]).data)
    a, b = Value(inf), Value(0.0)
    lse([a, b]).backward()
    assert math.isnan(a.grad) and b.grad == 0.0  # PyTorch's gradients


@pytest.mark.parity
def test_logsumexp_with_infinite_entries_agrees_with_torch(torch):
    for xs in ([-inf, -inf], [inf, 0.0], [-inf, 0.0], [inf, inf], [-inf, inf], [nan, 0.0]):
        vs = [Value(x) for x in xs]
        out = autograd.logsumexp(vs)
        out.backward()
        t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
        theirs = torch.logsumexp(t, 0)
        theirs.backward()
        assert _same(out.data, theirs.item()), xs
        assert all(_same(v.grad, g) for v, g in zip(vs, t.grad.tolist())), xs


def test_nothing_flows_through_a_zero_derivative():
    x = Value(-1.0)
    y = x.relu() * 1e308 * 10  # the gradient reaching relu is inf; relu' is 0 here
    y.backward()
    assert x.grad == 0.0  # PyTorch gives 0 too (it was nan)


@pytest.mark.parity
def test_zero_derivative_against_inf_agrees_with_torch(torch):
    x = Value(-1.0)
    (x.relu() * 1e308 * 10).backward()
    t = torch.tensor(-1.0, dtype=torch.float64, requires_grad=True)
    (torch.relu(t) * 1e308 * 10).backward()
    assert x.grad == t.grad.item() == 0.0


def test_powers_of_zero_follow_pytorch():
    for y, grads in ((2.0, (0.0, 0.0)), (1.0, (1.0, 0.0)), (0.0, (0.0, 0.0))):
        base, exponent = Value(0.0), Value(y)
        out = base**exponent
        out.backward()
        assert out.data == (1.0 if y == 0 else 0.0)
        assert (base.grad, exponent.grad) == grads, y
    assert (0 ** Value(3.0)).data == 0.0
    with pytest.raises(ZeroDivisionError, match="pow"):
        Value(0.0) ** Value(-1.0)
    half = Value(0.0) ** Value(0.5)
    with pytest.raises(ValueError, match=r"\*\*: derivative is undefined"):
        half.backward()  # infinite, as sqrt at 0


# ---- the compiled path gives what eager gives ----------------------------------------------


def _step(case: Case, sample: list[float], compiled: bool, numpy):
    """(loss, d loss/d w) for loss = case(w * x0, x1, ...) at w = 1, or the error's type.

    Eagerly, the sample's entries are Values, as the trace sees them.
    """
    w = Value(1.0)

    def loss(v):
        return case.ours(w * v[0], *v[1:])

    try:
        if compiled:
            value = autograd.compile(loss, reduction="sum")(numpy.array([sample]))
        else:
            out = loss([Value(x) for x in sample])
            out.backward()
            value = out.data
    except (ArithmeticError, ValueError) as error:
        return type(error)
    return value, w.grad


def _compare(cases: dict[str, Case], samples: list[list[float]], numpy) -> int:
    """Eager against compiled on every case and sample; the number of finished pairs."""
    compared = 0
    for name, case in cases.items():
        for sample in samples:
            eager = _step(case, sample, False, numpy)
            fast = _step(case, sample, True, numpy)
            if isinstance(eager, type) or isinstance(fast, type):
                assert eager == fast, (name, sample, eager, fast)
                continue
            assert _same(eager[0], fast[0]) and _same(eager[1], fast[1]), (
                name,
                sample,
                eager,
                fast,
            )
            compared += 1
    return compared


def test_compiled_unary_ops_follow_the_same_rule(numpy):
    assert _compare(UNARY, [[x] for x in SPECIAL], numpy) > 150


def test_compiled_binary_ops_and_logsumexp_follow_the_same_rule(numpy):
    cases = dict(BINARY)
    cases["logsumexp"] = Case(lambda a, b: autograd.logsumexp([a, b]), None)
    samples = [[a, b] for a in SPECIAL[::2] for b in SPECIAL[1::2]]
    assert _compare(cases, samples, numpy) > 100


def test_compiled_ternary_ops_follow_the_same_rule(numpy):
    assert _compare(TERNARY, [list(xs) for xs in _points(3)], numpy) > 100


def test_compiled_layers_let_nothing_through_a_zero_derivative(numpy):
    import random

    from nn import MLP

    model = MLP(2, [3, 1], rng=random.Random(0))  # at (-5, -5), ReLUs 0 and 2 are off

    def loss(x):
        return model(x) * 1e308 * 10  # gradients of inf reach the hidden layer

    loss([-5.0, -5.0]).backward()
    eager = [p.grad for p in model.parameters()]
    model.zero_grad()
    autograd.compile(loss, reduction="sum")(numpy.array([[-5.0, -5.0]]))
    compiled = [p.grad for p in model.parameters()]
    assert 0.0 in eager and not any(math.isnan(g) for g in eager)  # inf * 0 gave nan before
    assert all(_same(a, b) for a, b in zip(eager, compiled)), (eager, compiled)


def test_compiled_layers_round_each_product_as_eager_does(numpy):
    from nn import Layer

    layer = Layer(2, 2, activation="relu")
    for neuron in layer.neurons:
        (neuron.w[0].data, neuron.w[1].data), neuron.b.data = (-1.0, 1e300), 0.0

    def f(x):
        return autograd.sum(layer(x))

    x = [inf, 1e10]  # -inf + (1e300 * 1e10 = inf) is nan; a fused multiply-add gives -inf
    compiled = autograd.compile(f, reduction="sum")(numpy.array([x, x])) / 2
    assert math.isnan(f(x).data) and math.isnan(compiled)


def test_compiled_pow_with_a_value_exponent_is_cs_pow(numpy):
    p = Value(0.5)  # the same exponent for every sample: numpy would take a square root
    eager = (Value(-inf) ** p).data
    compiled = autograd.compile(lambda x: x**p, reduction="sum")(numpy.array([-inf]))
    assert eager == compiled == inf  # PyTorch's value too


def test_compiled_gradients_that_cancel_over_the_batch_still_flow(numpy):
    w = Value(0.0)

    def g(x):
        return x * w.sqrt()  # d/dw is infinite, and the two samples' gradients cancel

    with pytest.raises(ValueError, match="sqrt: derivative is undefined"):
        autograd.sum([g(Value(1.0)), g(Value(-1.0))]).backward()
    with pytest.raises(ValueError, match="sqrt: derivative is undefined"):
        autograd.compile(g, reduction="sum")(numpy.array([1.0, -1.0]))
    w = Value(nan)
    autograd.compile(lambda x: x * w.sin(), reduction="sum")(numpy.array([1.0, -1.0]))
    assert math.isnan(w.grad)  # nan times a sum that cancels is still nan, as eager


def test_compiled_errors_name_the_op_of_a_fused_activation(numpy):
    from nn import Layer

    layer = Layer(1, 2, activation="relu")
    for neuron in layer.neurons:
        neuron.w[0].data, neuron.b.data = 1.0, 0.0

    def f(x):
        return autograd.sum([h.sqrt() for h in layer(x)])  # sqrt over the layer, fused

    with pytest.raises(ValueError, match=r"^sqrt: derivative is undefined"):
        f([0.0]).backward()
    with pytest.raises(ValueError, match=r"^sqrt: derivative is undefined"):
        autograd.compile(f, reduction="sum")(numpy.array([[0.0]]))


def test_compiled_code_leaves_a_grad_of_none_it_does_not_reach(numpy):
    used, unused = Value(2.0), Value(3.0)
    used.grad = unused.grad = None
    autograd.compile(lambda x: x * used + 0 * unused.relu(), reduction="sum")(
        numpy.array([1.0, 2.0])
    )
    assert used.grad == 3.0 and unused.grad is None

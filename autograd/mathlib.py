"""The scalar math library: the ops beyond the engine's own, in the same table form.

Each op is one `Op` line (or a few): its forward, which refuses a finite input
outside its domain and otherwise follows IEEE (what `math` gives, with overflow
as inf and nan or inf in as PyTorch has it), and its local derivatives, written
once in arithmetic that runs on floats, on Values and on numpy arrays, so that
every order of derivative follows and `autograd.compile` runs the same rules, and
its torch form (PyTorch's own function where there is one), for autograd.export.
A derivative that needs another op (lgamma's is digamma) calls it through
`_apply`, which gives a number for a number and a node for a Value.

`Value`'s methods (`x.tan()`) and `autograd.ops` (`ops.tan(2.0)`) read these ops;
nothing else defines them. At kinks and ties the gradient is PyTorch's: ties of
maximum and minimum split it half and half, clamp passes it at its bounds, and
the rounding functions have a derivative of 0.
"""

from __future__ import annotations

import builtins
import functools
import math
import operator
import sys
from collections.abc import Callable
from typing import Any

from autograd import numeric as num
from autograd import special
from autograd.engine import LOG, Op, Value, register_builtins

inf, nan, pi = math.inf, math.nan, math.pi
_LN2, _LN10 = math.log(2.0), math.log(10.0)


def _apply(op: Op, x: Any, ctx: Any = None) -> Any:
    """op at x: a node for a Value; for a float or an array, the op's forward."""
    return op.node((x,), ctx) if isinstance(x, Value) else op.forward(ctx, x)


def _ieee(f: Callable[[float], float], odd: bool = False) -> Callable[[float], float]:
    """f on a float, with overflow as inf (signed as x for an odd f) and nan or inf in as IEEE."""

    def on_float(x: float) -> float:
        try:
            return f(x)
        except OverflowError:
            return math.copysign(inf, x) if odd else inf
        except ValueError:  # the forwards check the domain first: only nan and inf get here
            return nan

    return on_float


def _lanes(f: Callable[[float], float]) -> Callable[[Any], Any]:
    """f lane by lane over an array (for the special functions numpy does not have)."""
    return lambda x: num.numpy().vectorize(f, otypes=[float])(x)


def _math2(a: Any, b: Any, on_floats: Callable[[float, float], float], on_arrays: Any) -> Any:
    """A forward of two inputs: `on_floats` on floats; on arrays numpy's function named
    `on_arrays` (or `on_arrays` itself, when it is a function)."""
    if type(a) is float and type(b) is float:
        return on_floats(a, b)
    return on_arrays(a, b) if callable(on_arrays) else getattr(num.numpy(), on_arrays)(a, b)


def _unary(
    name: str,
    on_float: Callable[[float], float],
    on_array: str | Callable[[Any], Any],
    derivative: Callable[..., tuple],
    check: Callable[[Any], None] | None = None,
    **rules: Any,
) -> Op:
    """An op of one input whose forward is a function of the number alone: `on_float` on a
    float; on an array numpy's function named `on_array` (or `on_array` itself)."""

    def forward(ctx: Any, x: Any) -> Any:
        if check is not None:
            check(x)
        return num.elementwise(x, on_float, on_array)

    return Op(name, forward, derivative, **rules)


def _inside(name: str, low: float, high: float, closed: bool = True) -> Callable[[Any], None]:
    """A domain check: finite x must lie in [low, high] (or (low, high) when not closed)."""
    shown = f"[{low}, {high}]" if closed else f"({low}, {high})"

    def check(x: Any) -> None:
        outside = (x < low) | (x > high) if closed else (x <= low) | (x >= high)
        num.refuse(
            outside & (x > -inf) & (x < inf),
            ValueError,
            f"{name}: input must be in {shown}, got {{}}",
            x,
        )

    return check


def _poles(name: str) -> Callable[[Any], None]:
    """A domain check for gamma and its kin: 0 and the negative integers are poles."""

    def check(x: Any) -> None:
        if type(x) is float:
            bad = x <= 0 and x.is_integer()
        else:
            np = num.numpy()
            bad = (x <= 0) & (np.floor(x) == x) & (x > -inf)
        num.refuse(
            bad, ValueError, f"{name}: input must not be 0 or a negative integer, got {{}}", x
        )

    return check


# ---- powers, exponentials and logs -------------------------------------------------------


def _polynomial(coefficients: list[float], t: Any) -> Any:
    """c0 + c1 t + c2 t^2 + ... by Horner's rule (on a float, a Value or an array)."""
    total = 0.0
    for coefficient in reversed(coefficients):
        total = total * t + coefficient
    return total


def _positive(name: str) -> Callable[[Any], None]:
    def check(x: Any) -> None:
        num.refuse(
            (x <= 0) & (x > -inf), ValueError, f"{name}: input must be positive, got {{}}", x
        )

    return check


def _log_of(f: Callable[[float], float]) -> Callable[[float], float]:
    return lambda x: f(x) if x > 0 else nan  # -inf (after the check) and nan give nan


def _reciprocal_forward(ctx: Any, x: Any) -> Any:
    num.refuse(x == 0, ZeroDivisionError, "reciprocal: 1 / {} divides by zero", x)
    return 1.0 / x


def _rsqrt_forward(ctx: Any, x: Any) -> Any:
    num.refuse((x < 0) & (x > -inf), ValueError, "rsqrt: input must be non-negative, got {}", x)
    num.refuse(x == 0, ZeroDivisionError, "rsqrt: 1 / sqrt({}) divides by zero", x)
    return 1.0 / num.sqrt(x)


EXPM1 = _unary(
    "expm1",
    _ieee(math.expm1),
    "expm1",
    lambda c, out, x: (out + 1.0,),
    torch_forward=lambda t, c, x: t.expm1(x),
)
LOG1P = _unary(
    "log1p",
    lambda x: math.log1p(x) if x > -1 else nan,
    "log1p",
    lambda c, out, x: (1.0 / (1.0 + x),),
    _inside("log1p", -1.0, inf, closed=False),
    torch_forward=lambda t, c, x: t.log1p(x),
)
EXP2 = Op(
    "exp2",
    lambda c, x: num.power(2.0, x),
    lambda c, out, x: (out * _LN2,),
    torch_forward=lambda t, c, x: t.exp2(x),
)
LOG2 = _unary(
    "log2",
    _log_of(math.log2),
    "log2",
    lambda c, out, x: (1.0 / (x * _LN2),),
    _positive("log2"),
    torch_forward=lambda t, c, x: t.log2(x),
)
LOG10 = _unary(
    "log10",
    _log_of(math.log10),
    "log10",
    lambda c, out, x: (1.0 / (x * _LN10),),
    _positive("log10"),
    torch_forward=lambda t, c, x: t.log10(x),
)
SQUARE = Op(
    "square",
    lambda c, x: x * x,
    lambda c, out, x: (2.0 * x,),
    torch_forward=lambda t, c, x: t.square(x),
)
RECIPROCAL = Op(
    "reciprocal",
    _reciprocal_forward,
    lambda c, out, x: (-out * out,),
    torch_forward=lambda t, c, x: t.reciprocal(x),
)
RSQRT = Op(
    "rsqrt",
    _rsqrt_forward,
    lambda c, out, x: (-0.5 * out * out * out,),
    torch_forward=lambda t, c, x: t.rsqrt(x),
)
if sys.version_info >= (3, 11):
    _cbrt = math.cbrt
else:  # Python 3.10 has no math.cbrt: |x| ** (1/3), signed, then a Newton step to round it

    def _cbrt(x: float) -> float:
        y = math.copysign(abs(x) ** (1.0 / 3.0), x)
        if y == 0.0 or not math.isfinite(y):
            return y
        return y - (y - x / (y * y)) / 3.0


CBRT = _unary(  # real for negative x, unlike x ** (1/3); torch has no cbrt: |x|^(1/3), signed
    "cbrt",
    _cbrt,
    "cbrt",
    lambda c, out, x: (1.0 / (3.0 * out * out),),
    torch_forward=lambda t, c, x: t.sign(x) * t.abs(x).pow(1.0 / 3.0),
)
HYPOT = Op(  # sqrt(x^2 + y^2) without overflow; its slope is undefined at (0, 0)
    "hypot",
    lambda c, x, y: _math2(x, y, math.hypot, "hypot"),
    lambda c, out, x, y: (x / out, y / out),
    torch_forward=lambda t, c, x, y: t.hypot(x, y),
)


# ---- trigonometric and hyperbolic ---------------------------------------------------


def _d_atan2(c: Any, out: Any, y: Any, x: Any) -> tuple[Any, ...]:
    # out = atan2(y, x); undefined at (0, 0)
    r = x * x + y * y
    if num.is_array(r):
        np = num.numpy()
        tiny = (r == 0) & ((x != 0) | (y != 0))
        if np.any(tiny):
            h = np.where(tiny, np.hypot(x, y), 1.0)
            return np.where(tiny, (x / h) / h, x / r), np.where(tiny, (-y / h) / h, -y / r)
    elif num.data(r) == 0 and not (num.data(x) == 0 and num.data(y) == 0):
        h = HYPOT.node((y, x)) if isinstance(y, Value) else math.hypot(y, x)
        return (x / h) / h, (-y / h) / h
    return x / r, -y / r


def _sinc(x: float) -> float:
    return 1.0 if x == 0 else num.sin(pi * x) / (pi * x)


# sinc's slope near 0 by its Taylor series, sum of c_k x^(2k-1): the formula
# (cos(pi x) - sinc(x)) / x cancels there, and its own derivatives cancel worse.
_SINC_SERIES = [(-1) ** k * 2 * k * pi ** (2 * k) / math.factorial(2 * k + 1) for k in range(1, 9)]


def _d_sinc(c: Any, out: Any, x: Any) -> tuple[Any, ...]:
    # (cos(pi x) - sinc(x)) / x, and the series below |x| = 0.1
    def series(v: Any) -> Any:
        return v * _polynomial(_SINC_SERIES, v * v)

    if num.is_array(x):
        np = num.numpy()
        near = np.abs(x) < 0.1
        safe = np.where(near, 1.0, x)
        return (np.where(near, series(x), (np.cos(pi * safe) - out) / safe),)
    if abs(num.data(x)) < 0.1:
        return (series(x),)
    return ((num.cos(pi * x) - out) / x,)


TAN = _unary(
    "tan",
    _ieee(math.tan),
    "tan",
    lambda c, out, x: (1.0 + out * out,),
    torch_forward=lambda t, c, x: t.tan(x),
)
ASIN = _unary(
    "asin",
    _ieee(math.asin),
    "arcsin",
    lambda c, out, x: (1.0 / num.sqrt(1.0 - x * x),),
    _inside("asin", -1.0, 1.0),
    torch_forward=lambda t, c, x: t.asin(x),
)
ACOS = _unary(
    "acos",
    _ieee(math.acos),
    "arccos",
    lambda c, out, x: (-1.0 / num.sqrt(1.0 - x * x),),
    _inside("acos", -1.0, 1.0),
    torch_forward=lambda t, c, x: t.acos(x),
)
ATAN = _unary(
    "atan",
    math.atan,
    "arctan",
    lambda c, out, x: (1.0 / (1.0 + x * x),),
    torch_forward=lambda t, c, x: t.atan(x),
)
ATAN2 = Op(
    "atan2",
    lambda c, y, x: _math2(y, x, math.atan2, "arctan2"),
    _d_atan2,
    torch_forward=lambda t, c, y, x: t.atan2(y, x),
)
SINH = _unary(
    "sinh",
    _ieee(math.sinh, odd=True),
    "sinh",
    lambda c, out, x: (_apply(COSH, x),),
    torch_forward=lambda t, c, x: t.sinh(x),
)
COSH: Op = _unary(
    "cosh",
    _ieee(math.cosh),
    "cosh",
    lambda c, out, x: (_apply(SINH, x),),
    torch_forward=lambda t, c, x: t.cosh(x),
)
ASINH = _unary(
    "asinh",
    math.asinh,
    "arcsinh",
    lambda c, out, x: (1.0 / num.sqrt(x * x + 1.0),),
    torch_forward=lambda t, c, x: t.asinh(x),
)
ACOSH = _unary(
    "acosh",
    _ieee(math.acosh),
    "arccosh",
    lambda c, out, x: (1.0 / num.sqrt(x * x - 1.0),),
    _inside("acosh", 1.0, inf),
    torch_forward=lambda t, c, x: t.acosh(x),
)
ATANH = _unary(
    "atanh",
    _ieee(math.atanh),
    "arctanh",
    lambda c, out, x: (1.0 / (1.0 - x * x),),
    _inside("atanh", -1.0, 1.0, closed=False),
    torch_forward=lambda t, c, x: t.atanh(x),
)
SINC = _unary("sinc", _sinc, "sinc", _d_sinc, torch_forward=lambda t, c, x: t.sinc(x))
DEGREES = _unary(
    "degrees",
    lambda x: x * (180.0 / pi),
    lambda x: x * (180.0 / pi),
    lambda c, out, x: (180.0 / pi,),
    torch_forward=lambda t, c, x: t.rad2deg(x),
)
RADIANS = _unary(
    "radians",
    lambda x: x * (pi / 180.0),
    lambda x: x * (pi / 180.0),
    lambda c, out, x: (pi / 180.0,),
    torch_forward=lambda t, c, x: t.deg2rad(x),
)


# ---- logs of sums and products ------------------------------------------------------


def _logaddexp(base_log: Callable, base_log1p_exp: Callable, numpy_name: str) -> Callable:
    """log(e^a + e^b) (or log2(2^a + 2^b)) without overflow: max plus a correction."""

    def on_floats(a: float, b: float) -> float:
        if a == b:  # inf and inf, -inf and -inf: no inf - inf
            return a + base_log(2.0) if math.isfinite(a) else a
        top = max(a, b) if a == a and b == b else nan
        return top + base_log1p_exp(-abs(a - b)) if math.isfinite(top) else top

    return lambda c, a, b: _math2(a, b, on_floats, numpy_name)


def _d_logaddexp(c: Any, out: Any, a: Any, b: Any) -> tuple[Any, ...]:
    # the softmax of the two: 1/2 each at a tie, exactly
    return num.sigmoid(a - b), num.sigmoid(b - a)


def _d_logaddexp2(c: Any, out: Any, a: Any, b: Any) -> tuple[Any, ...]:  # 2^a / (2^a + 2^b)
    return num.sigmoid((a - b) * _LN2), num.sigmoid((b - a) * _LN2)


def _xlogy(log: Op, shift: float) -> tuple[Callable, Callable]:
    """x * log(y + shift), 0 where x is 0 (nan where y is), as PyTorch's xlogy and xlog1py."""
    need = f"{log}(y) needs y > {0.0 - shift:g}"

    def forward(c: Any, x: Any, y: Any) -> Any:
        num.refuse(
            (x != 0) & (y + shift <= 0) & (y > -inf),
            ValueError,
            f"x{log}y: {{}} * {need}, got y = {{}}",
            x,
            y,
        )
        if type(x) is float and type(y) is float:
            return (0.0 if y == y else nan) if x == 0 else x * log.forward(None, y)
        np = num.numpy()
        zero = x == 0
        return np.where(
            zero, np.where(y == y, 0.0, nan), x * log.forward(None, np.where(zero, 1.0, y))
        )

    def derivatives(c: Any, out: Any, x: Any, y: Any) -> tuple:  # log(y + shift), x / (y + shift)
        # d/dx is log(y + shift) wherever that is defined; where it is not, x is 0 (the
        # forward refused the rest) and the slope is 0 (nan at a nan y), as PyTorch's.
        if num.is_array(x) or num.is_array(y):
            np = num.numpy()
            defined = (y + shift > 0) | (x != 0)
            logs = log.forward(None, np.where(defined, y, 1.0 - shift))
            dx = np.where(defined, logs, np.where(y == y, 0.0, nan))
        elif num.data(y) + shift > 0 or num.data(x) != 0:
            dx = _apply(log, y)
        else:
            dx = 0.0 if num.data(y) == num.data(y) else nan
        return dx, x / (y + shift)

    return forward, derivatives


def _logit_forward(eps: Any, x: Any) -> Any:
    if eps is None:
        num.refuse(
            ((x <= 0) | (x >= 1)) & (x > -inf) & (x < inf),
            ValueError,
            "logit: input must be in (0, 1), got {}",
            x,
        )
    else:
        x = CLAMP.forward((eps, 1.0 - eps), x)
    return num.log(x / (1.0 - x))


def _d_logit(eps: Any, out: Any, x: Any) -> tuple[Any, ...]:
    # 1 / (x (1 - x)); with eps, 0 outside [eps, 1 - eps], as PyTorch
    if eps is None:  # nan at +-inf, where logit is nan, as PyTorch
        if num.is_array(x):
            return (num.numpy().where(num.numpy().isinf(x), nan, 1.0 / (x * (1.0 - x))),)
        return (nan if abs(num.data(x)) == inf else 1.0 / (x * (1.0 - x)),)
    if num.is_array(x):
        np = num.numpy()
        inside = (x >= eps) & (x <= 1.0 - eps)
        safe = np.where(inside, x, 0.5)
        return (np.where(inside, 1.0 / (safe * (1.0 - safe)), np.where(x == x, 0.0, nan)),)
    if eps <= num.data(x) <= 1.0 - eps:
        return (1.0 / (x * (1.0 - x)),)
    return (0.0 if num.data(x) == num.data(x) else nan,)


LOGADDEXP = Op(
    "logaddexp",
    _logaddexp(math.log, lambda t: math.log1p(math.exp(t)), "logaddexp"),
    _d_logaddexp,
    torch_forward=lambda t, c, a, b: t.logaddexp(a, b),
)
LOGADDEXP2 = Op(
    "logaddexp2",
    _logaddexp(math.log2, lambda t: math.log1p(2.0**t) / math.log(2.0), "logaddexp2"),
    _d_logaddexp2,
    torch_forward=lambda t, c, a, b: t.logaddexp2(a, b),
)
XLOGY = Op("xlogy", *_xlogy(LOG, 0.0), torch_forward=lambda t, c, x, y: t.special.xlogy(x, y))
XLOG1PY = Op(
    "xlog1py", *_xlogy(LOG1P, 1.0), torch_forward=lambda t, c, x, y: t.special.xlog1py(x, y)
)
LOGIT = Op(
    "logit", _logit_forward, _d_logit, torch_forward=lambda t, eps, x: t.special.logit(x, eps)
)


# ---- special functions ----------------------------------------------------------------

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * pi)


def _polygamma_forward(n: int, x: Any) -> Any:
    _poles(f"polygamma({n}, x)")(x)

    def on_float(v: float) -> float:
        try:
            return special.polygamma(n, v)
        except OverflowError:  # n! beyond a float (n > 170): the signed inf, (-1)^(n+1)
            return inf if n % 2 else -inf

    return num.elementwise(x, on_float, _lanes(on_float))


def _torch_gamma(t: Any, c: Any, x: Any) -> Any:  # torch has no gamma: exp(lgamma), signed
    magnitude = t.exp(t.lgamma(x))  # gamma < 0 on (-1, 0), (-3, -2), ...
    negative = (x < 0) & (t.remainder(t.floor(x), 2.0) == 1.0)
    return t.where(negative, -magnitude, magnitude)


ERF = _unary(
    "erf",
    math.erf,
    _lanes(math.erf),
    lambda c, out, x: (_TWO_OVER_SQRT_PI * num.exp(-x * x),),
    torch_forward=lambda t, c, x: t.special.erf(x),
)
ERFC = _unary(
    "erfc",
    math.erfc,
    _lanes(math.erfc),
    lambda c, out, x: (-_TWO_OVER_SQRT_PI * num.exp(-x * x),),
    torch_forward=lambda t, c, x: t.special.erfc(x),
)
ERFINV = _unary(  # +-1 are poles, as log's 0
    "erfinv",
    special.erfinv,
    _lanes(special.erfinv),
    lambda c, out, x: (0.5 * math.sqrt(pi) * num.exp(out * out),),
    _inside("erfinv", -1.0, 1.0, closed=False),
    torch_forward=lambda t, c, x: t.special.erfinv(x),
)
GAMMA = _unary(
    "gamma",
    _ieee(math.gamma),
    _lanes(_ieee(math.gamma)),
    lambda c, out, x: (out * _apply(DIGAMMA, x),),
    _poles("gamma"),
    torch_forward=_torch_gamma,
)
LGAMMA = _unary(
    "lgamma",
    _ieee(math.lgamma),
    _lanes(_ieee(math.lgamma)),
    lambda c, out, x: (_apply(DIGAMMA, x),),
    _poles("lgamma"),
    torch_forward=lambda t, c, x: t.special.gammaln(x),
)
DIGAMMA: Op = _unary(
    "digamma",
    special.digamma,
    _lanes(special.digamma),
    lambda c, out, x: (_apply(POLYGAMMA, x, 1),),
    _poles("digamma"),
    torch_forward=lambda t, c, x: t.special.digamma(x),
)
POLYGAMMA: Op = Op(  # ctx: the order n
    "polygamma",
    _polygamma_forward,
    lambda n, out, x: (_apply(POLYGAMMA, x, n + 1),),
    torch_forward=lambda t, n, x: t.special.polygamma(n, x),
)
NDTR = _unary(
    "ndtr",
    special.ndtr,
    _lanes(special.ndtr),
    lambda c, out, x: (_INV_SQRT_2PI * num.exp(-0.5 * x * x),),
    torch_forward=lambda t, c, x: t.special.ndtr(x),
)
LOG_NDTR = _unary(  # the normal density over its CDF, taken in logs (no 0 / 0 in the tail)
    "log_ndtr",
    special.log_ndtr,
    _lanes(special.log_ndtr),
    lambda c, out, x: (_INV_SQRT_2PI * num.exp(-0.5 * x * x - out),),
    torch_forward=lambda t, c, x: t.special.log_ndtr(x),
)
I0 = _unary(
    "i0",
    special.i0,
    _lanes(special.i0),
    lambda c, out, x: (_apply(I1, x),),
    torch_forward=lambda t, c, x: t.special.i0(x),
)


# I1' by its series below |x| = 1, sum of (2k+1)/2 (x/2)^(2k) / (k! (k+1)!): the formula
# I0 - I1 / x cancels near 0, and its derivatives worse.
_I1_SLOPE_SERIES = [
    (2 * k + 1) / 2 / 4**k / (math.factorial(k) * math.factorial(k + 1)) for k in range(12)
]


def _d_i1(c: Any, out: Any, x: Any) -> tuple[Any, ...]:  # I1' = I0 - I1 / x
    def series(v: Any) -> Any:
        return _polynomial(_I1_SLOPE_SERIES, v * v)

    if num.is_array(x):
        np = num.numpy()
        near = np.abs(x) < 1.0
        safe = np.where(near, 1.0, x)
        slope = np.where(np.isinf(x), inf, _apply(I0, x) - out / safe)
        return (np.where(near, series(x), slope),)
    if abs(num.data(x)) < 1.0:
        return (series(x),)
    if abs(num.data(x)) == inf:  # I0 - I1 / x is inf - inf / inf there; its limit is inf
        return (inf,)
    return (_apply(I0, x) - out / x,)


I1: Op = _unary(
    "i1", special.i1, _lanes(special.i1), _d_i1, torch_forward=lambda t, c, x: t.special.i1(x)
)


# ---- piecewise --------------------------------------------------------------------------


def _rounding(name: str, f: Callable[[float], Any]) -> Op:
    """floor, ceil, trunc, round: flat wherever they are continuous, so a derivative of 0.
    Each is torch's function of the same name (round: half to even, as ours)."""
    return _unary(
        name,
        lambda x: math.copysign(float(f(x)), x) if math.isfinite(x) else x,  # -0.0 stays
        name if name != "round" else "rint",
        lambda c, out, x: (0.0,),
        torch_forward=lambda t, c, x: getattr(t, name)(x),
    )


def _d_copysign(c: Any, out: Any, a: Any, b: Any) -> tuple[Any, ...]:
    # |a| takes b's sign: slope +-1, and 0 at a = 0, as PyTorch
    if num.is_array(a) or num.is_array(b):
        np = num.numpy()
        return np.where(a == 0, 0.0, np.where(a != a, nan, np.sign(out) * np.sign(a))), 0.0
    if num.data(a) != num.data(a):
        return nan, 0.0
    return (
        0.0
        if num.data(a) == 0
        else math.copysign(1.0, num.data(out)) * math.copysign(1.0, num.data(a))
    ), 0.0


def _modulo(name: str, on_floats: Callable, numpy_name: str, torch_forward: Callable) -> Op:
    """fmod (the sign of a) and remainder (the sign of b, Python's %): a - b * q, q an integer.

    d/db is -q, read from the result, (a - out) / b rounded: exact, where quotient(a / b)
    rounds a / b first (1.0 % 0.1 is 0.0999..., so q is 9, though 1.0 / 0.1 is 10.0)."""

    def forward(c: Any, a: Any, b: Any) -> Any:
        num.refuse(b == 0, ZeroDivisionError, f"{name}: {{}} modulo {{}} divides by zero", a, b)
        return _math2(
            a, b, lambda x, y: on_floats(x, y) if math.isfinite(x) and y == y else nan, numpy_name
        )

    def derivatives(c: Any, out: Any, a: Any, b: Any) -> tuple:
        a, b, out = num.data(a), num.data(b), num.data(out)
        q = (a - out) / b
        # an infinite b: out is a (q = 0) or, for remainder with the signs apart, b (q = -1)
        q = num.where(((b == inf) | (b == -inf)) & (a - a == 0), num.where(out == a, 0.0, -1.0), q)
        q = num.where(a != a, nan, q) if num.is_array(q) else (nan if a != a else q)
        return 1.0, -(
            num.numpy().round(q) if num.is_array(q) else round(q) if math.isfinite(q) else q
        )

    return Op(name, forward, derivatives, torch_forward=torch_forward)


def _remainder(a: float, b: float) -> float:
    if math.isinf(b):  # numpy's and PyTorch's: a, or b when the signs differ (Python: the same)
        return a if a == 0 or (a < 0) == (b < 0) else b
    return a % b


def _heaviside_forward(c: Any, x: Any, at_zero: Any) -> Any:
    if type(x) is float:
        return at_zero if x == 0 else 1.0 if x > 0 else 0.0 if x < 0 else nan
    return num.numpy().heaviside(x, at_zero)


def _torch_heaviside(t: Any, c: Any, x: Any, at_zero: Any) -> Any:
    # not torch.heaviside, which has no derivative (and is 0 at nan): our slopes, 0 in x
    # and 1 in at_zero where x is 0, come from where's
    steps = t.where(x > 0, 1.0, t.where(x < 0, 0.0, x.detach()))
    return t.where(x == 0, at_zero, steps)


def _clamp(bounds: tuple, x: Any) -> Any:
    """x within [low, high] (either may be None); high wins when low > high, as PyTorch."""
    low, high = bounds
    if type(x) is float:
        if x != x:
            return x
        if low is not None and x < low:
            x = low
        return high if high is not None and x > high else x
    np = num.numpy()
    if low is not None:
        x = np.where(x < low, low, x)
    return x if high is None else np.where(x > high, high, x)


def _d_clamp(bounds: Any, out: Any, x: Any) -> tuple[Any, ...]:
    # 1 inside the bounds, ends included; 0 at nan, as PyTorch
    low, high = bounds
    x = num.data(x)  # (a Value's == is identity: compare numbers)
    inside = x == x
    if low is not None:
        inside = inside & (x >= low)
    if high is not None:
        inside = inside & (x <= high)
    return (num.where(inside, 1.0, 0.0),)


def _extremum(
    name: str, pick: Callable, numpy_name: str, larger: bool, torch_forward: Callable
) -> Op:
    """maximum and minimum: nan wins; a tie splits the gradient half and half."""

    def on_arrays(a: Any, b: Any) -> Any:  # at a tie a itself, as max and min give (-0.0, 0.0)
        np = num.numpy()
        wins = (b > a) if larger else (b < a)
        return np.where((a != a) | (b != b), nan, np.where(wins, b, a))

    def forward(c: Any, a: Any, b: Any) -> Any:
        return _math2(a, b, lambda x, y: nan if x != x or y != y else pick(x, y), on_arrays)

    def derivatives(c: Any, out: Any, a: Any, b: Any) -> tuple:
        a, b = num.data(a), num.data(b)  # (a Value's == is identity: compare numbers)
        nan_ = (a != a) | (b != b)  # PyTorch passes the whole gradient to both
        wins = (a > b) if larger else (a < b)
        da = num.where(nan_, 1.0, num.where(wins, 1.0, num.where(a == b, 0.5, 0.0)))
        return da, num.where(nan_, 1.0, 1.0 - da)

    return Op(name, forward, derivatives, torch_forward=torch_forward)


def _nan_ignoring(name: str, pick: Callable, numpy_name: str, torch_forward: Callable) -> Op:
    """fmax and fmin: a nan loses to a number; a tie's gradient goes to a, as PyTorch."""

    def forward(c: Any, a: Any, b: Any) -> Any:
        return _math2(a, b, lambda x, y: y if x != x else x if y != y else pick(x, y), numpy_name)

    def derivatives(c: Any, out: Any, a: Any, b: Any) -> tuple:
        a, b, out = num.data(a), num.data(b), num.data(out)
        takes_a = (a == out) | (b != b)  # b's gradient is whatever a does not take
        return num.where(takes_a, 1.0, 0.0), num.where(takes_a, 0.0, 1.0)

    return Op(name, forward, derivatives, torch_forward=torch_forward)


def _where_forward(c: Any, condition: Any, a: Any, b: Any) -> Any:
    if type(condition) is float:
        return a if condition != 0 else b
    return num.numpy().where(condition != 0, a, b)


def _d_where(c: Any, out: Any, condition: Any, a: Any, b: Any) -> tuple[Any, ...]:
    chosen = (
        num.where(num.data(condition) != 0, 1.0, 0.0)
        if not num.is_array(condition)
        else (condition != 0) * 1.0
    )
    return 0.0, chosen, 1.0 - chosen


FLOOR = _rounding("floor", math.floor)
CEIL = _rounding("ceil", math.ceil)
TRUNC = _rounding("trunc", math.trunc)
ROUND = _rounding("round", round)  # half to even, as PyTorch and numpy
SIGN = Op(  # 0 at nan, as PyTorch
    "sign",
    lambda c, x: num.sign(x),
    lambda c, out, x: (0.0,),
    torch_forward=lambda t, c, x: t.sign(x),
)
FRAC = Op(
    "frac",
    lambda c, x: x - TRUNC.forward(None, x),
    lambda c, out, x: (1.0,),
    torch_forward=lambda t, c, x: t.frac(x),
)
COPYSIGN = Op(
    "copysign",
    lambda c, a, b: _math2(a, b, math.copysign, "copysign"),
    _d_copysign,
    torch_forward=lambda t, c, a, b: t.copysign(a, b),
)
FMOD = _modulo("fmod", math.fmod, "fmod", lambda t, c, a, b: t.fmod(a, b))
REMAINDER = _modulo("remainder", _remainder, "remainder", lambda t, c, a, b: t.remainder(a, b))
HEAVISIDE = Op(  # a step: flat in x; `values`, its value at 0, has a slope of 1 there
    "heaviside",
    _heaviside_forward,
    lambda c, out, x, at_zero: (0.0, num.where(num.data(x) == 0, 1.0, 0.0)),
    torch_forward=_torch_heaviside,
)
WHERE = Op(
    "where",
    _where_forward,
    _d_where,
    torch_forward=lambda t, c, condition, a, b: t.where(condition != 0, a, b),
)
CLAMP = Op("clamp", _clamp, _d_clamp, torch_forward=lambda t, c, x: t.clamp(x, *c))
MAXIMUM = _extremum("maximum", max, "maximum", True, lambda t, c, a, b: t.maximum(a, b))
MINIMUM = _extremum("minimum", min, "minimum", False, lambda t, c, a, b: t.minimum(a, b))
FMAX = _nan_ignoring("fmax", max, "fmax", lambda t, c, a, b: t.fmax(a, b))
FMIN = _nan_ignoring("fmin", min, "fmin", lambda t, c, a, b: t.fmin(a, b))


# ---- activations ------------------------------------------------------------------------


def _piece(x: Any, condition: Callable, then: Callable, otherwise: Callable) -> Any:
    """then(x) where condition(x) holds, else otherwise(x): one branch evaluated on a number
    or a Value (so a graph holds no dead branch), both and np.where on an array."""
    if num.is_array(x):
        return num.numpy().where(condition(x), then(x), otherwise(x))
    return then(x) if condition(num.data(x)) else otherwise(x)


_SQRT_2_OVER_PI = math.sqrt(2.0 / pi)
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _d_gelu_tanh(c: Any, out: Any, x: Any) -> tuple[Any, ...]:
    # out = x/2 (1 + tanh(k (x + 0.044715 x^3)))
    t = num.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))
    slope = _SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * x * x)
    return (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * slope,)


def _mish(c: Any, x: Any) -> Any:
    return x * num.tanh(SOFTPLUS.forward(_SOFTPLUS, x))


def _d_mish(c: Any, out: Any, x: Any) -> tuple[Any, ...]:
    t = num.tanh(_apply(SOFTPLUS, x, _SOFTPLUS))
    return (t + x * (1.0 - t * t) * num.sigmoid(x),)


def _softplus(ctx: tuple, x: Any) -> Any:  # log(1 + e^(beta x)) / beta; x past the threshold
    beta, threshold = ctx
    if type(x) is float:
        z = beta * x
        return x if z > threshold else (max(z, 0.0) + math.log1p(math.exp(-abs(z)))) / beta
    np = num.numpy()
    z = beta * x
    return np.where(z > threshold, x, (np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))) / beta)


def _d_softplus(ctx: Any, out: Any, x: Any) -> tuple[Any, ...]:
    beta, threshold = ctx
    return (
        _piece(x, lambda v: beta * v > threshold, lambda v: 1.0, lambda v: num.sigmoid(beta * v)),
    )


def _elu(alpha: float, scale: float, x: Any) -> Any:
    """scale * (x if x > 0 else alpha (e^x - 1)): elu (scale 1) and selu."""
    return _piece(
        x, lambda v: v > 0, lambda v: scale * v, lambda v: scale * alpha * EXPM1.forward(None, v)
    )


def _d_elu(alpha: float, scale: float, x: Any) -> tuple:  # nan takes the x > 0 branch
    return (_piece(x, lambda v: v <= 0, lambda v: scale * alpha * num.exp(v), lambda v: scale),)


def _celu(alpha: float, x: Any) -> Any:
    return _piece(x, lambda v: v > 0, lambda v: v, lambda v: alpha * EXPM1.forward(None, v / alpha))


def _d_celu(alpha: Any, out: Any, x: Any) -> tuple[Any, ...]:
    return (_piece(x, lambda v: v <= 0, lambda v: num.exp(v / alpha), lambda v: 1.0),)


def _d_hardtanh(bounds: tuple, out: Any, x: Any) -> tuple:
    """1 strictly inside (low, high), 0 at and beyond the ends (1 at nan, as PyTorch)."""
    low, high = bounds
    return (num.where((x <= low) | (x >= high), 0.0, 1.0),)


def _shrink(soft: bool) -> Callable:
    def forward(lambd: float, x: Any) -> Any:
        def inside(v: Any) -> Any:
            return (v >= -lambd) & (v <= lambd)

        if soft:
            return _piece(
                x, inside, lambda v: 0.0 * v, lambda v: num.where(v > 0, v - lambd, v + lambd)
            )
        return _piece(x, inside, lambda v: 0.0, lambda v: v)  # a plain 0, as PyTorch's

    return forward


def _d_shrink(lambd: Any, out: Any, x: Any) -> tuple[Any, ...]:
    # 1 outside [-lambd, lambd] (and at nan, as PyTorch)
    return (num.where((x >= -lambd) & (x <= lambd), 0.0, 1.0),)


_SOFTPLUS = (1.0, 20.0)  # PyTorch's defaults: beta 1, threshold 20

GELU = Op(
    "gelu",
    lambda c, x: x * NDTR.forward(None, x),
    lambda c, out, x: (_apply(NDTR, x) + x * _INV_SQRT_2PI * num.exp(-0.5 * x * x),),
    torch_forward=lambda t, c, x: t.nn.functional.gelu(x),
)
GELU_TANH = Op(
    "gelu_tanh",
    lambda c, x: 0.5 * x * (1.0 + num.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))),
    _d_gelu_tanh,
    torch_forward=lambda t, c, x: t.nn.functional.gelu(x, approximate="tanh"),
)
SILU = Op(
    "silu",
    lambda c, x: x * num.sigmoid(x),
    lambda c, out, x: (num.sigmoid(x) * (1.0 + x * (1.0 - num.sigmoid(x))),),
    torch_forward=lambda t, c, x: t.nn.functional.silu(x),
)
SOFTPLUS = Op(  # ctx: (beta, threshold)
    "softplus",
    _softplus,
    _d_softplus,
    torch_forward=lambda t, c, x: t.nn.functional.softplus(x, beta=c[0], threshold=c[1]),
)
MISH = Op("mish", _mish, _d_mish, torch_forward=lambda t, c, x: t.nn.functional.mish(x))
ELU = Op(  # ctx: alpha
    "elu",
    lambda a, x: _elu(a, 1.0, x),
    lambda a, out, x: _d_elu(a, 1.0, x),
    torch_forward=lambda t, a, x: t.nn.functional.elu(x, alpha=a),
)
SELU = Op(
    "selu",
    lambda c, x: _elu(_SELU_ALPHA, _SELU_SCALE, x),
    lambda c, out, x: _d_elu(_SELU_ALPHA, _SELU_SCALE, x),
    torch_forward=lambda t, c, x: t.nn.functional.selu(x),
)
CELU = Op(  # ctx: alpha
    "celu", _celu, _d_celu, torch_forward=lambda t, a, x: t.nn.functional.celu(x, alpha=a)
)
HARDTANH = Op(  # ctx: (min_val, max_val)
    "hardtanh",
    _clamp,
    _d_hardtanh,
    torch_forward=lambda t, c, x: t.nn.functional.hardtanh(x, min_val=c[0], max_val=c[1]),
)
RELU6 = Op(
    "relu6",
    lambda c, x: _clamp((0.0, 6.0), x),
    lambda c, out, x: _d_hardtanh((0.0, 6.0), out, x),
    torch_forward=lambda t, c, x: t.nn.functional.relu6(x),
)
HARDSIGMOID = Op(  # torch's own: its slope is float32(1/6), ours 1/6
    "hardsigmoid",
    lambda c, x: _clamp((0.0, 1.0), x / 6.0 + 0.5),
    lambda c, out, x: (num.where((x > -3.0) & (x < 3.0), 1.0 / 6.0, 0.0),),
    torch_forward=lambda t, c, x: t.nn.functional.hardsigmoid(x),
)
HARDSWISH = Op(
    "hardswish",
    lambda c, x: x * _clamp((0.0, 6.0), x + 3.0) / 6.0,
    lambda c, out, x: (num.where(x <= -3.0, 0.0, num.where(x < 3.0, (2.0 * x + 3.0) / 6.0, 1.0)),),
    torch_forward=lambda t, c, x: t.nn.functional.hardswish(x),
)
SOFTSIGN = Op(
    "softsign",
    lambda c, x: x / (1.0 + abs(x)),
    lambda c, out, x: (
        num.where(abs(num.data(x)) == inf, nan, 1.0 / ((1.0 + abs(x)) * (1.0 + abs(x)))),
    ),
    torch_forward=lambda t, c, x: t.nn.functional.softsign(x),
)
LOG_SIGMOID = Op(  # -softplus(-x); its slope is sigmoid(-x)
    "log_sigmoid",
    lambda c, x: -_softplus(_SOFTPLUS[:1] + (inf,), -x),
    lambda c, out, x: (num.sigmoid(-x),),
    torch_forward=lambda t, c, x: t.nn.functional.logsigmoid(x),
)
TANHSHRINK = Op(
    "tanhshrink",
    lambda c, x: x - num.tanh(x),
    lambda c, out, x: (num.tanh(x) * num.tanh(x),),
    torch_forward=lambda t, c, x: t.nn.functional.tanhshrink(x),
)
SOFTSHRINK = Op(  # ctx: lambd
    "softshrink",
    _shrink(soft=True),
    _d_shrink,
    torch_forward=lambda t, lambd, x: t.nn.functional.softshrink(x, lambd),
)
HARDSHRINK = Op(  # ctx: lambd
    "hardshrink",
    _shrink(soft=False),
    _d_shrink,
    torch_forward=lambda t, lambd, x: t.nn.functional.hardshrink(x, lambd),
)
THRESHOLD = Op(  # ctx (threshold, value): x above the threshold, else value (nan stays nan)
    "threshold",
    lambda c, x: _piece(x, lambda v: v <= c[0], lambda v: c[1], lambda v: v),
    lambda c, out, x: (num.where(x <= c[0], 0.0, 1.0),),
    torch_forward=lambda t, c, x: t.nn.functional.threshold(x, c[0], c[1]),
)


# ---- n-ary ---------------------------------------------------------------------------------


def _d_prod(c: Any, out: Any, *xs: Any) -> tuple[Any, ...]:
    # the product of the others: prefix times suffix, no division by 0
    before, after = [1.0], [1.0]
    for x in xs[:-1]:
        before.append(before[-1] * x)
    for x in reversed(xs[1:]):
        after.append(after[-1] * x)
    return tuple(b * a for b, a in zip(before, reversed(after)))


PROD = Op(
    "prod",
    lambda c, *xs: functools.reduce(operator.mul, xs, 1.0),
    _d_prod,
    torch_forward=lambda t, c, *xs: num.torch_stack(t, xs).prod(0),
)
MEAN = Op(
    "mean",
    lambda c, *xs: builtins.sum(xs, 0.0) / len(xs),
    lambda c, out, *xs: (1.0 / len(xs),) * len(xs),
    torch_forward=lambda t, c, *xs: num.torch_stack(t, xs).mean(0),
)

register_builtins(globals())

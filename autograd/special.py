"""Special functions on floats, in pure Python, for the ops that `math` does not cover.

`math` has erf, erfc, gamma and lgamma. These are the rest of what the scalar math
library needs: the inverse error function, the normal distribution's CDF and its
log, the digamma and polygamma functions (the derivatives of lgamma), and the
modified Bessel functions I0 and I1 (I1 is I0's derivative). Each follows
PyTorch's value at the edges (poles, +-1, nan), is accurate to about 1e-13 or
better (`tests/test_special.py` checks against mpmath at 40 digits; several of
torch.special's are less accurate: its trigamma to 1e-9, its ndtr below -8),
and, unlike torch's, gives I0(inf) = inf rather than nan.

Not yet ops: the scalar math library (issue 12) will make them so.
"""

from __future__ import annotations

import math

_SQRT2 = math.sqrt(2.0)
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


# ---- the normal distribution -------------------------------------------------------


def ndtr(x: float) -> float:
    """P(Z <= x) for a standard normal Z."""
    return 0.5 * math.erfc(-x / _SQRT2)


def log_ndtr(x: float) -> float:
    """log P(Z <= x), without underflow far in the left tail."""
    if x > 0:
        return math.log1p(-0.5 * math.erfc(x / _SQRT2))  # ndtr(x) = 1 - ndtr(-x), near 1
    if x > -20:
        return math.log(0.5 * math.erfc(-x / _SQRT2))
    # The asymptotic series of the Mills ratio: ndtr(x) ~ phi(x) / -x * (1 - 1/x^2 + 3/x^4 ...)
    z = 1.0 / (x * x)
    series, term = 1.0, 1.0
    for k in range(1, 12):
        term *= -(2 * k - 1) * z
        series += term
    return -0.5 * x * x - math.log(-x) - _HALF_LOG_2PI + math.log(series)


# ---- the inverse error function ------------------------------------------------------


def erfinv(y: float) -> float:
    """The x with erf(x) = y, for y in [-1, 1] (+-inf at +-1, nan outside)."""
    if not -1.0 <= y <= 1.0:
        return math.nan
    if y == 1.0 or y == -1.0:
        return math.copysign(math.inf, y)
    if y == 0.0:
        return y  # keeps the sign of -0.0
    # A first guess from Giles's single-precision approximation, then Newton's method,
    # on erf near 0 and on erfc near +-1 (where 1 - |y| is exact and erf saturates).
    w = -math.log((1.0 - y) * (1.0 + y))
    if w < 5.0:
        w -= 2.5
        p = 2.81022636e-08
        for c in (
            3.43273939e-07,
            -3.5233877e-06,
            -4.39150654e-06,
            0.00021858087,
            -0.00125372503,
            -0.00417768164,
            0.246640727,
            1.50140941,
        ):
            p = c + p * w
    else:
        w = math.sqrt(w) - 3.0
        p = -0.000200214257
        for c in (
            0.000100950558,
            0.00134934322,
            -0.00367342844,
            0.00573950773,
            -0.0076224613,
            0.00943887047,
            1.00167406,
            2.83297682,
        ):
            p = c + p * w
    x = p * y
    a, sign = abs(y), math.copysign(1.0, y)
    for _ in range(8):
        slope = 2.0 / math.sqrt(math.pi) * math.exp(-x * x)
        if a < 0.5:
            miss = math.erf(x) - y
        else:  # in erfc: 1 - |y| carries the digits that erf(x) - y would lose
            miss = sign * ((1.0 - a) - math.erfc(abs(x)))
        step = miss / slope
        x -= step / (1.0 + x * step)  # Halley's correction, since erf'' = -2x erf'
        if abs(step) <= 1e-17 * abs(x):
            break
    return x


# ---- digamma and polygamma -------------------------------------------------------------

# Bernoulli numbers B_2, B_4, ..., B_20, for the asymptotic series.
_BERNOULLI = (
    1 / 6,
    -1 / 30,
    1 / 42,
    -1 / 30,
    5 / 66,
    -691 / 2730,
    7 / 6,
    -3617 / 510,
    43867 / 798,
    -174611 / 330,
)
_LARGE = 20.0  # shift x up to here by recurrence; the asymptotic series is exact beyond


def digamma(x: float) -> float:
    """psi(x) = d/dx lgamma(x): -inf at 0, nan at the negative integers, as PyTorch."""
    if math.isnan(x) or x == -math.inf:
        return math.nan
    if x == math.inf:
        return math.inf
    if x <= 0 and x == math.floor(x):
        return -math.inf if x == 0 else math.nan
    if x < -1e5:  # reflection: psi(x) = psi(1 - x) - pi / tan(pi x)
        return digamma(1.0 - x) - math.pi / math.tan(math.pi * (x - math.floor(x)))
    shift = 0.0
    while x < _LARGE:  # psi(x) = psi(x + 1) - 1 / x
        shift -= 1.0 / x
        x += 1.0
    z = 1.0 / (x * x)
    series = 0.0
    for k in range(len(_BERNOULLI), 0, -1):
        series = series * z + _BERNOULLI[k - 1] / (2 * k)
    return shift + math.log(x) - 0.5 / x - series * z


def polygamma(n: int, x: float) -> float:
    """The n-th derivative of digamma (n >= 0); at the poles, inf for odd n, as PyTorch."""
    if n == 0:
        return digamma(x)
    if math.isnan(x):
        return math.nan
    if x == math.inf:
        return 0.0
    if x == -math.inf:
        return math.nan
    if x <= 0 and x == math.floor(x):  # a pole: PyTorch's -inf for even n at 0
        return math.inf if n % 2 else (-math.inf if x == 0 else math.nan)
    sign = 1.0 if n % 2 else -1.0  # (-1)^(n+1)
    factorial = math.factorial(n)
    shift = 0.0
    while x < _LARGE:  # psi_n(x) = psi_n(x + 1) + (-1)^(n+1) n! / x^(n+1)
        shift += sign * factorial * _reciprocal_power(x, n + 1)
        x += 1.0
    # (-1)^(n+1) [ (n-1)!/x^n + n!/(2 x^(n+1)) + sum_k B_2k (2k+n-1)!/((2k)! x^(2k+n)) ]
    t = 1.0 / x
    total = math.factorial(n - 1) * t**n + factorial / 2.0 * t ** (n + 1)
    for k, b in enumerate(_BERNOULLI, start=1):
        total += b * math.factorial(2 * k + n - 1) / math.factorial(2 * k) * t ** (2 * k + n)
    return shift + sign * total


def _reciprocal_power(x: float, m: int) -> float:
    """1 / x^m, a signed inf when it overflows (x near 0)."""
    try:
        return (1.0 / x) ** m
    except (OverflowError, ZeroDivisionError):
        return math.copysign(math.inf, x) if m % 2 else math.inf


# ---- modified Bessel functions of the first kind -------------------------------------------


def _bessel_series(x: float, order: int) -> float:
    """The sum over k of (x/2)^(2k + order) / (k! (k + order)!): positive terms, no cancellation."""
    half = 0.5 * abs(x)
    term = half**order / math.factorial(order)
    total, k, q = term, 0, half * half
    while term > 1e-17 * total:
        k += 1
        term *= q / (k * (k + order))
        total += term
        if total == math.inf:
            break
    return total


def i0(x: float) -> float:
    """The modified Bessel function I0 (even in x); inf once it overflows, past about 713.9."""
    if math.isnan(x):
        return math.nan
    if abs(x) > 720.0:  # far past overflow: no need to sum the series
        return math.inf
    return _bessel_series(x, 0)


def i1(x: float) -> float:
    """The modified Bessel function I1 = I0' (odd in x); +-inf once it overflows."""
    if math.isnan(x):
        return math.nan
    if abs(x) > 720.0:
        return math.copysign(math.inf, x)
    return math.copysign(_bessel_series(x, 1), x)

"""autograd.special against mpmath at 40 digits, and PyTorch's values at the edges."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import special

inf, nan = math.inf, math.nan
many = settings(max_examples=300, deadline=None)


def close(ours: float, exact, rel: float = 1e-13, abs_: float = 0.0) -> bool:
    exact = float(exact)  # past the float range: +-inf, which ours must then be too
    if math.isinf(exact):
        return ours == exact
    return abs(ours - exact) <= rel * abs(exact) + abs_


@given(st.floats(-1.0, 1.0, exclude_min=True, exclude_max=True))
@many
def test_erfinv(mpmath, y):
    x = special.erfinv(y)
    assert close(x, mpmath.erfinv(y), rel=1e-14, abs_=1e-300), (y, x)


def test_erfinv_near_one_and_at_the_edges(mpmath):
    for k in range(1, 17):
        for y in (1 - 10.0**-k, -(1 - 10.0**-k), 1 - 2.0**-52, 1e-300):
            assert close(special.erfinv(y), mpmath.erfinv(y), rel=1e-14), y
    assert special.erfinv(1.0) == inf and special.erfinv(-1.0) == -inf
    assert math.isnan(special.erfinv(1.5)) and math.isnan(special.erfinv(nan))
    assert math.copysign(1.0, special.erfinv(-0.0)) == -1.0


def log_ncdf(mpmath, x: float):
    """log P(Z <= x), exact: near 1 through log1p, so that p's digits are not lost."""
    return mpmath.log(mpmath.ncdf(x)) if x < 0 else mpmath.log1p(-mpmath.ncdf(-x))


@given(st.floats(-60.0, 60.0))
@many
def test_ndtr_and_log_ndtr(mpmath, x):
    # erfc(-x / sqrt 2): the rounding of the argument costs about x^2 ulps in the tails
    assert close(special.ndtr(x), mpmath.ncdf(x), rel=1e-15 * (4 + x * x), abs_=1e-300)
    assert close(special.log_ndtr(x), log_ncdf(mpmath, x), rel=1e-15 * (4 + x * x), abs_=1e-300)


def test_log_ndtr_in_both_tails(mpmath):
    for x in (-1e3, -200.0, -38.5, -20.0001, -19.9999, 10.0, 37.0):
        exact = log_ncdf(mpmath, x)
        assert close(special.log_ndtr(x), exact, rel=1e-15 * (4 + min(x * x, 2e3))), x
    assert special.log_ndtr(inf) == 0.0 and special.log_ndtr(-inf) == -inf


@given(st.floats(-40.0, 40.0).filter(lambda x: x > 0 or abs(x - round(x)) > 1e-3))
@many
def test_digamma(mpmath, x):
    exact = mpmath.digamma(x)
    # near its zeros digamma is a difference of larger terms: absolute error of ~1e-13 there
    assert close(special.digamma(x), exact, rel=1e-13, abs_=1e-13 * (1 + abs(x))), x


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_polygamma(mpmath, n):
    points = [1e-3, 0.3, 1.183, 2.0, 7.5, 19.99, 20.0, 55.5, 1e4, -0.5, -2.3, -17.75]
    for x in points:
        assert close(special.polygamma(n, x), mpmath.polygamma(n, x), rel=1e-13), (n, x)
    assert special.polygamma(0, 2.5) == special.digamma(2.5)


def test_digamma_and_polygamma_at_poles_follow_pytorch():
    assert special.digamma(0.0) == -inf and math.isnan(special.digamma(-3.0))
    assert special.digamma(inf) == inf and math.isnan(special.digamma(-inf))
    assert special.polygamma(1, 0.0) == inf and special.polygamma(2, 0.0) == -inf
    assert special.polygamma(3, -2.0) == inf and special.polygamma(1, inf) == 0.0
    assert special.polygamma(1, 1e-300) == inf  # 1/x^2 overflows: inf, not an error
    big = -1e6 - 0.25  # far left: by reflection, not a million steps
    assert close(special.digamma(big), 13.815510 + math.pi, rel=1e-6)


@given(st.floats(-700.0, 700.0))
@many
def test_i0_and_i1(mpmath, x):
    assert close(special.i0(x), mpmath.besseli(0, x), rel=1e-13)
    assert close(special.i1(x), mpmath.besseli(1, x), rel=1e-13, abs_=1e-300)


def test_bessel_edges():
    assert special.i0(0.0) == 1.0 and special.i1(-0.0) == 0.0
    assert special.i0(714.0) == inf and special.i0(-inf) == inf  # torch: nan at inf
    assert special.i1(-800.0) == -inf and math.isnan(special.i0(nan))


@pytest.mark.parity
def test_pytorch_agrees_where_it_is_accurate(torch):
    t = lambda f, x: f(torch.tensor(x, dtype=torch.float64)).item()  # noqa: E731
    for x in (-3.0, -0.5, 0.0, 0.7, 5.0):
        assert close(special.ndtr(x), t(torch.special.ndtr, x), rel=1e-15, abs_=1e-16)
        assert close(special.log_ndtr(x), t(torch.special.log_ndtr, x), rel=1e-14)
        assert close(special.i0(x), t(torch.special.i0, x), rel=1e-14)
        assert close(special.i1(x), t(torch.special.i1, x), rel=1e-14)
    for y in (-0.9, -0.2, 0.0, 0.5, 0.999):
        assert close(special.erfinv(y), t(torch.special.erfinv, y), rel=1e-14)
    for x in (-2.5, 0.25, 1.0, 6.0, 30.0):
        assert close(special.digamma(x), t(torch.digamma, x), rel=1e-13)

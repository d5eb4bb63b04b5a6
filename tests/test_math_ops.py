"""The scalar math library's ops: value and first to third derivatives against PyTorch.

Each op is one line of `CASES`: our function (through `autograd.ops`), PyTorch's on
tensors, one hypothesis strategy per input (domains kept off kinks, piecewise where an
op has them), and the Value method where there is one. At points drawn from the
domains, every partial derivative up to the third (mixed ones included, for ops of two
or more inputs) must agree with PyTorch float64, through `autograd.ops` and through
the method; a float in gives a float, a Value in a Value with the same number. Where
PyTorch itself is inaccurate (trigamma, sinc and i1 near 0), mpmath is the oracle.

`EDGES` then holds the kinks, ties and zeros, where value and first derivative must be
PyTorch's exactly. Points where our engine raises instead (a finite input outside the
domain, a derivative dividing by zero) and nan, inf and overflow are in
tests/test_nonfinite.py, with the compiled path.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import example, find, given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, grad, mathlib, ops
from autograd.engine import Op, topological_order

REL, ABS = 1e-10, 1e-12


def R(low: float, high: float) -> st.SearchStrategy:
    """A float in [low, high]."""
    return st.floats(low, high)


def U(*intervals: tuple[float, float]) -> st.SearchStrategy:
    """A float in one of the intervals: a piecewise domain, off the kinks between them."""
    return st.one_of(*(st.floats(low, high) for low, high in intervals))


def K(*values: float) -> st.SearchStrategy:
    """One of these values (integer exponents, conditions)."""
    return st.sampled_from(values)


def T(path: str, **kwargs) -> Callable:
    """PyTorch's function at `path` (under torch), on tensors, with keyword arguments."""
    return lambda t, *xs: operator.attrgetter(path)(t)(*xs, **kwargs)


def M(name: str, *extra) -> Callable:
    """The Value method `name`: x.name(*other inputs, *extra)."""
    return lambda x, *rest: getattr(x, name)(*rest, *extra)


AWAY0 = U((-3.0, -0.01), (0.01, 3.0))  # a kink (or a jump of a higher derivative) at 0
NONZERO = U((-3.0, -0.5), (0.5, 3.0))  # a divisor


def _gamma_sign(x: float) -> float:  # gamma < 0 on (-1, 0), (-3, -2), ...
    return 1.0 if x > 0 or math.floor(x) % 2 == 0 else -1.0


@dataclass(frozen=True)
class Case:
    ours: Callable  # through autograd.ops: floats in, a float out; a Value in, a Value out
    theirs: Callable  # PyTorch's: (torch, *tensors) -> tensor (with `exact`: in EDGES only)
    args: tuple  # one strategy per input
    method: Callable | None = None  # the Value method, where there is one
    wrt: Callable[[tuple], bool] = lambda index: True  # the partials to compare
    rel: float = REL
    exact: Callable | None = None  # (mpmath, x) -> f(x): the oracle instead, where torch is off
    at: tuple = ()  # points always checked, before the drawn ones


def C(ours, theirs, *args, method=None, **kwargs) -> Case:
    return Case(ours, theirs, args, method, **kwargs)


F = "nn.functional."
CASES: dict[str, Case] = {
    # the first ops of the library (engine ops)
    "expm1": C(ops.expm1, T("expm1"), R(-5.0, 5.0), method=M("expm1")),
    "log1p": C(ops.log1p, T("log1p"), R(-0.9, 5.0), method=M("log1p")),
    "exp2": C(ops.exp2, T("exp2"), R(-5.0, 5.0), method=M("exp2")),
    "log2": C(ops.log2, T("log2"), R(0.1, 10.0), method=M("log2")),
    "log10": C(ops.log10, T("log10"), R(0.1, 10.0), method=M("log10")),
    "square": C(ops.square, T("square"), R(-5.0, 5.0), method=M("square")),
    "reciprocal": C(ops.reciprocal, T("reciprocal"), R(0.2, 5.0), method=M("reciprocal")),
    "rsqrt": C(ops.rsqrt, T("rsqrt"), R(0.2, 5.0), method=M("rsqrt")),
    "cbrt": C(ops.cbrt, lambda t, x: t.sign(x) * t.abs(x) ** (1 / 3), U((-5, -0.2), (0.2, 5))),
    # trigonometric and hyperbolic
    "tan": C(ops.tan, T("tan"), R(-1.4, 1.4), method=M("tan")),
    "asin": C(ops.asin, T("asin"), R(-0.95, 0.95), method=M("asin")),
    "acos": C(ops.acos, T("acos"), R(-0.95, 0.95), method=M("acos")),
    "atan": C(ops.atan, T("atan"), R(-5.0, 5.0), method=M("atan")),
    "atan2": C(ops.atan2, T("atan2"), R(-3.0, 3.0), NONZERO, method=M("atan2")),
    "atan2 (y off 0)": C(ops.atan2, T("atan2"), NONZERO, R(-3.0, 3.0), method=M("atan2")),
    "sinh": C(ops.sinh, T("sinh"), R(-5.0, 5.0), method=M("sinh")),
    "cosh": C(ops.cosh, T("cosh"), R(-5.0, 5.0), method=M("cosh")),
    "asinh": C(ops.asinh, T("asinh"), R(-5.0, 5.0), method=M("asinh")),
    "acosh": C(ops.acosh, T("acosh"), R(1.05, 6.0), method=M("acosh")),
    "atanh": C(ops.atanh, T("atanh"), R(-0.95, 0.95), method=M("atanh")),
    # torch's sinc slope, (pi x cos(pi x) - sin(pi x)) / (pi x^2), cancels near 0 (its third
    # derivative is 1.9e-9 off at 0.0117, 2e3 times off at 1e-5; nan at 0): mpmath's, there
    "sinc": C(
        ops.sinc,
        T("sinc"),
        R(-3.0, 3.0),
        method=M("sinc"),
        exact=lambda mp, x: mp.sinc(mp.pi * x),
        at=[(0.0,), (1e-5,), (0.0117,), (0.1,)],
    ),
    "degrees": C(ops.degrees, T("rad2deg"), R(-5.0, 5.0), method=M("rad2deg")),
    "radians": C(ops.radians, T("deg2rad"), R(-500.0, 500.0), method=M("deg2rad")),
    # exponentials and logs
    "logaddexp": C(ops.logaddexp, T("logaddexp"), R(-5, 5), R(-5, 5), method=M("logaddexp")),
    "logaddexp2": C(ops.logaddexp2, T("logaddexp2"), R(-5, 5), R(-5, 5), method=M("logaddexp2")),
    "xlogy": C(
        ops.xlogy, T("xlogy"), R(-3.0, 3.0), R(0.1, 5.0), method=M("xlogy"), at=[(0.0, 2.0)]
    ),
    "xlog1py": C(ops.xlog1py, T("special.xlog1py"), R(-3.0, 3.0), R(-0.9, 5.0), at=[(0.0, 2.0)]),
    "logit": C(ops.logit, T("logit"), R(0.02, 0.98), method=M("logit")),
    "logit(eps)": C(
        lambda x: ops.logit(x, 0.1),
        T("logit", eps=0.1),
        # torch's second derivative is nan at 0 and 1 exactly (flat there): off them
        U((-0.5, -0.01), (0.01, 0.09), (0.11, 0.89), (0.91, 0.99), (1.01, 1.5)),
        method=M("logit", 0.1),
    ),
    "log(x, base)": C(
        ops.log, lambda t, x, b: t.log(x) / t.log(b), R(0.1, 10.0), U((0.1, 0.9), (1.1, 10.0))
    ),
    # powers
    "hypot": C(ops.hypot, T("hypot"), NONZERO, R(-3.0, 3.0), method=M("hypot")),
    "pow (negative base)": C(  # d/dexponent: nan (no real log), as PyTorch, at first order
        ops.pow,
        lambda t, x, n: x**n,
        R(-3.0, -0.2),
        K(-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0),
        method=operator.pow,
        wrt=lambda index: index.count(1) == 0 or index == (1,),
    ),
    # special functions
    "erf": C(ops.erf, T("erf"), R(-3.0, 3.0), method=M("erf")),
    "erfc": C(ops.erfc, T("erfc"), R(-3.0, 3.0), method=M("erfc")),
    "erfinv": C(ops.erfinv, T("erfinv"), R(-0.95, 0.95), method=M("erfinv")),
    # torch's trigamma (polygamma(1), the derivative of digamma) is accurate to ~1e-9 only
    # (1.6449340676383375 at 1 for pi^2/6 = 1.6449340668482264): mpmath is the oracle for
    # the ops whose derivatives reach it; polygamma(2) and (3) (torch: zeta) are torch's
    "gamma": C(
        ops.gamma,
        lambda t, x: t.lgamma(x).exp() * _gamma_sign(x.item()),
        U((0.1, 6.0), (-0.9, -0.1), (-2.9, -2.1)),
        exact=lambda mp, x: mp.gamma(x),
    ),
    "lgamma": C(
        ops.lgamma,
        T("lgamma"),
        U((0.1, 8.0), (-2.9, -2.1)),
        method=M("lgamma"),
        exact=lambda mp, x: mp.log(abs(mp.gamma(x))),
    ),
    "digamma": C(
        ops.digamma,
        T("digamma"),
        U((0.1, 8.0), (-2.9, -2.1)),
        method=M("digamma"),
        exact=lambda mp, x: mp.digamma(x),
    ),
    **{
        f"polygamma({n})": C(
            lambda x, n=n: ops.polygamma(n, x),
            lambda t, x, n=n: t.polygamma(n, x),
            U((0.1, 8.0), (-2.9, -2.1)),
            method=M("polygamma", n),
            exact=(lambda mp, x, n=n: mp.polygamma(n, x)) if n < 2 else None,
        )
        for n in range(4)
    },
    "ndtr": C(ops.ndtr, T("special.ndtr"), R(-5.0, 5.0)),
    "log_ndtr": C(ops.log_ndtr, T("special.log_ndtr"), R(-4.0, 5.0)),
    # the third derivative in the left tail is a difference of terms ~x^2 larger than it:
    # both ours and torch's lose digits there (at -10, mpmath: 1.78640039212e-3; ours
    # 4.6e-9 below it, torch 3.7e-9 above), so the two differ by up to 8.3e-9
    "log_ndtr (left tail)": C(ops.log_ndtr, T("special.log_ndtr"), R(-10.0, -4.0), rel=2e-8),
    # torch's i1 slope, i0 - i1 / x, cancels near 0 (at 6e-8, i1's third derivative is 0.75
    # for 0.375): mpmath's
    "i0": C(
        ops.i0,
        T("special.i0"),
        R(-8.0, 8.0),
        method=M("i0"),
        exact=lambda mp, x: mp.besseli(0, x),
        at=[(0.0,), (1e-3,), (-1e-5,)],
    ),
    "i1": C(
        ops.i1,
        T("special.i1"),
        R(-8.0, 8.0),
        exact=lambda mp, x: mp.besseli(1, x),
        at=[(0.0,), (1e-3,), (-1e-5,)],
    ),
    # piecewise (the rounding functions: flat, so every derivative is 0)
    "floor": C(ops.floor, T("floor"), R(-5.0, 5.0), method=M("floor")),
    "ceil": C(ops.ceil, T("ceil"), R(-5.0, 5.0), method=M("ceil")),
    "trunc": C(ops.trunc, T("trunc"), R(-5.0, 5.0), method=M("trunc")),
    "round": C(ops.round, T("round"), R(-5.0, 5.0), method=M("round")),
    "sign": C(ops.sign, T("sign"), R(-5.0, 5.0), method=M("sign")),
    "frac": C(ops.frac, T("frac"), R(-5.0, 5.0), method=M("frac")),
    "abs": C(ops.abs, T("abs"), AWAY0, method=M("abs")),
    "abs()": C(abs, T("abs"), AWAY0),
    "copysign": C(ops.copysign, T("copysign"), AWAY0, R(-3, 3), method=M("copysign")),
    "fmod": C(ops.fmod, T("fmod"), R(-10.0, 10.0), NONZERO, method=M("fmod")),
    "remainder": C(
        ops.remainder,
        T("remainder"),
        R(-10.0, 10.0),
        NONZERO,
        method=M("remainder"),
        at=[(-7.0, 3.0), (7.5, -2.0)],
    ),
    "%": C(operator.mod, T("remainder"), R(-10.0, 10.0), NONZERO, method=operator.mod),
    "where": C(
        ops.where,
        lambda t, c, x, y: t.where(c != 0, x, y),
        K(0.0, 1.0, -2.0),
        R(-3.0, 3.0),
        R(-3.0, 3.0),
        method=lambda c, x, y: x.where(c, y),
    ),
    **{
        f"where({b})": C(
            lambda x, y, b=b: ops.where(b, x, y),
            lambda t, x, y, b=b: t.where(t.tensor(b), x, y),
            R(-3.0, 3.0),
            R(-3.0, 3.0),
            method=lambda x, y, b=b: x.where(b, y),
        )
        for b in (True, False)
    },
    "clamp": C(
        lambda x: ops.clamp(x, -1.0, 2.0),
        T("clamp", min=-1.0, max=2.0),
        U((-3.0, -1.01), (-0.99, 1.99), (2.01, 4.0)),
        method=M("clamp", -1.0, 2.0),
    ),
    "clamp(min)": C(
        lambda x: ops.clamp(x, min=0.5),
        T("clamp", min=0.5),
        U((-3.0, 0.49), (0.51, 4.0)),
        method=lambda x: x.clamp(min=0.5),
    ),
    "clamp(max)": C(
        lambda x: ops.clamp(x, max=0.5),
        T("clamp", max=0.5),
        U((-3.0, 0.49), (0.51, 4.0)),
        method=lambda x: x.clamp(max=0.5),
    ),
    "clamp(min > max)": C(
        lambda x: ops.clamp(x, 2.0, 1.0),
        T("clamp", min=2.0, max=1.0),
        R(-3.0, 4.0),
        method=M("clamp", 2.0, 1.0),
    ),
    "maximum": C(ops.maximum, T("maximum"), R(-3, 3), R(-3, 3), method=M("maximum")),
    "minimum": C(ops.minimum, T("minimum"), R(-3, 3), R(-3, 3), method=M("minimum")),
    "fmax": C(ops.fmax, T("fmax"), R(-3, 3), R(-3, 3), method=M("fmax")),
    "fmin": C(ops.fmin, T("fmin"), R(-3, 3), R(-3, 3), method=M("fmin")),
    # activations
    "gelu": C(ops.gelu, T(F + "gelu"), R(-5.0, 5.0)),
    "gelu(tanh)": C(
        lambda x: ops.gelu(x, approximate="tanh"), T(F + "gelu", approximate="tanh"), R(-5, 5)
    ),
    "silu": C(ops.silu, T(F + "silu"), R(-8.0, 8.0)),
    "mish": C(ops.mish, T(F + "mish"), R(-8.0, 8.0)),
    "elu": C(ops.elu, T(F + "elu"), AWAY0),
    "elu(0.5)": C(lambda x: ops.elu(x, 0.5), T(F + "elu", alpha=0.5), AWAY0),
    "selu": C(ops.selu, T(F + "selu"), AWAY0),
    "celu": C(ops.celu, T(F + "celu"), AWAY0),
    "celu(2)": C(lambda x: ops.celu(x, 2.0), T(F + "celu", alpha=2.0), AWAY0),
    "relu6": C(ops.relu6, T(F + "relu6"), U((-3.0, -0.01), (0.01, 5.99), (6.01, 9.0))),
    "hardtanh": C(ops.hardtanh, T(F + "hardtanh"), U((-3, -1.01), (-0.99, 0.99), (1.01, 3))),
    "hardtanh(-2, 3)": C(
        lambda x: ops.hardtanh(x, -2.0, 3.0),
        T(F + "hardtanh", min_val=-2.0, max_val=3.0),
        U((-4.0, -2.01), (-1.99, 2.99), (3.01, 5.0)),
    ),
    # PyTorch's own hardsigmoid has a slope of float32(1/6): compare with its formula
    "hardsigmoid": C(
        ops.hardsigmoid,
        lambda t, x: t.clamp(x / 6.0 + 0.5, 0.0, 1.0),
        U((-5.0, -3.01), (-2.99, 2.99), (3.01, 5.0)),
    ),
    "hardswish": C(ops.hardswish, T(F + "hardswish"), U((-5, -3.01), (-2.99, 2.99), (3.01, 5))),
    "softsign": C(ops.softsign, T(F + "softsign"), AWAY0),
    "log_sigmoid": C(ops.log_sigmoid, T(F + "logsigmoid"), R(-30.0, 30.0)),
    "softplus": C(ops.softplus, T(F + "softplus"), U((-30.0, 19.9), (20.1, 30.0))),
    "softplus(2, 5)": C(
        lambda x: ops.softplus(x, beta=2.0, threshold=5.0),
        T(F + "softplus", beta=2.0, threshold=5.0),
        U((-10.0, 2.49), (2.51, 6.0)),
    ),
    "tanhshrink": C(ops.tanhshrink, T(F + "tanhshrink"), R(-5.0, 5.0)),
    "softshrink": C(ops.softshrink, T(F + "softshrink"), U((-3, -0.51), (-0.49, 0.49), (0.51, 3))),
    "softshrink(1)": C(
        lambda x: ops.softshrink(x, 1.0),
        T(F + "softshrink", lambd=1.0),
        U((-3.0, -1.01), (-0.99, 0.99), (1.01, 3.0)),
    ),
    "hardshrink": C(
        ops.hardshrink,
        T(F + "hardshrink"),
        U((-3, -0.51), (-0.49, 0.49), (0.51, 3)),
        method=M("hardshrink"),
    ),
    "hardshrink(1)": C(
        lambda x: ops.hardshrink(x, 1.0),
        T(F + "hardshrink", lambd=1.0),
        U((-3.0, -1.01), (-0.99, 0.99), (1.01, 3.0)),
        method=M("hardshrink", 1.0),
    ),
    "threshold": C(
        lambda x: ops.threshold(x, 0.5, -2.0),
        T(F + "threshold", threshold=0.5, value=-2.0),
        U((-3.0, 0.49), (0.51, 3.0)),
    ),
    # n-ary
    # torch's prod backward divides the product by each input: with an input of 1e-200 its
    # third derivatives are 0 / 0 (nan). Zeros are in EDGES, exactly
    "prod": C(lambda *xs: ops.prod(xs), lambda t, *xs: t.stack(xs).prod(), *[NONZERO] * 3),
    "mean": C(lambda *xs: ops.mean(xs), lambda t, *xs: t.stack(xs).mean(), *[R(-3, 3)] * 3),
}

# Kinks, ties and zeros: value (the sign of a zero included) and first derivative exactly
# PyTorch's, nan matching nan. A different PyTorch function where the table's is a formula.
EDGES: dict[str, list[tuple]] = {
    "relu6": [(0.0,), (6.0,), (-0.0,)],
    "hardtanh": [(-1.0,), (1.0,)],
    "hardtanh(-2, 3)": [(-2.0,), (3.0,)],
    "clamp": [(-1.0,), (2.0,)],
    "clamp(min)": [(0.5,)],
    "clamp(max)": [(0.5,)],
    "clamp(min > max)": [(1.0,), (1.5,), (2.0,)],
    "softshrink": [(-0.5,), (0.5,), (0.0,)],
    "softshrink(1)": [(-1.0,), (1.0,)],
    "hardshrink": [(-0.5,), (0.5,), (0.0,), (-0.3,)],
    "hardshrink(1)": [(-1.0,), (1.0,)],
    "threshold": [(0.5,)],
    "hardsigmoid": [(-3.0,), (3.0,)],
    "hardswish": [(-3.0,), (3.0,), (0.0,)],
    "elu": [(0.0,)],
    "elu(0.5)": [(0.0,)],
    "selu": [(0.0,)],
    "celu": [(0.0,)],
    "celu(2)": [(0.0,)],
    "softplus": [(20.0,)],
    "softplus(2, 5)": [(2.5,)],
    "softsign": [(0.0,)],
    "abs": [(0.0,), (-0.0,)],
    "sign": [(0.0,), (-0.0,)],
    "floor": [(2.0,), (-2.0,), (-0.0,)],
    "ceil": [(2.0,), (-2.0,), (-0.5,)],
    "trunc": [(-0.5,), (2.0,), (-0.0,)],
    "round": [(0.5,), (1.5,), (2.5,), (-0.5,), (-2.5,), (-0.4,)],
    "frac": [(-2.0,), (-2.5,)],
    "maximum": [(1.0, 1.0), (0.0, -0.0), (-0.0, 0.0)],
    "minimum": [(1.0, 1.0), (0.0, -0.0), (-0.0, 0.0)],
    "fmax": [(1.0, 1.0), (0.0, -0.0), (-0.0, 0.0)],
    "fmin": [(1.0, 1.0), (0.0, -0.0), (-0.0, 0.0)],
    "sinc": [(0.0,), (1.0,), (-2.0,)],
    "i1": [(0.0,)],
    "copysign": [(0.0, -1.0), (-0.0, 1.0), (2.0, -0.0), (-2.0, 0.0), (0.0, 0.0)],
    "prod": [(2.0, 0.0, 3.0), (0.0, 0.0, 3.0), (0.0, -2.0, 0.0), (0.0, 0.0, 0.0)],
    "remainder": [(-7.0, 3.0), (7.0, -3.0), (-7.0, -3.0), (-6.0, 3.0), (-1e-20, 3.0), (1.0, 0.1)],
    "%": [(-7.0, 3.0), (7.0, -3.0), (-0.0, 3.0), (6.0, -3.0)],
    "fmod": [(-7.0, 3.0), (7.0, -3.0), (-6.0, 3.0)],  # (1.0, 0.1): see the test below
    "atan2": [(0.0, -1.0), (-0.0, -1.0), (0.0, 2.0), (1.0, 0.0)],
    "hypot": [(0.0, 3.0), (-4.0, 0.0)],
    "logaddexp": [(1.0, 1.0)],
    "logaddexp2": [(1.0, 1.0)],
    "xlogy": [(0.0, 2.0), (0.0, -1.0)],
    "xlog1py": [(0.0, 2.0), (0.0, -2.0)],
    "logit(eps)": [(0.1,), (0.9,), (0.0,), (1.0,)],
    "where": [(0.0, 1.0, 1.0)],
}
EDGE_THEIRS = {"hardsigmoid": T(F + "hardsigmoid")}  # at ±3 the formula's clamp passes 1/6
# Where the branch is what is tested and the formulas round differently: within 2 ulps
# (softplus's sigmoid(z) against torch's e^z / (e^z + 1))
EDGE_ULPS = {"softplus", "softplus(2, 5)"}
# remainder's zero takes b's sign, as Python's % and numpy.remainder; torch's takes a's
# (-6 % 3: ours 0.0, torch -0.0): the value is compared without the sign of zero
EDGE_SIGNLESS = {"remainder", "%"}


def _number(y) -> float:
    return y.data if isinstance(y, Value) else y


def _as_method(method: Callable) -> Callable:
    """The method with every input a Value (grad passes numbers for the other inputs)."""
    return lambda *xs: method(*(x if isinstance(x, Value) else Value(x) for x in xs))


def _indices(n: int, orders: int = 3) -> list[tuple]:
    """The partial derivatives up to `orders`: nondecreasing tuples of input positions."""
    out, level = [()], [()]
    for _ in range(orders):
        level = [i + (k,) for i in level for k in range(i[-1] if i else 0, n)]
        out += level
    return out


def ours_partials(f: Callable, xs: tuple) -> dict[tuple, float]:
    functions = {(): f}
    for index in _indices(len(xs))[1:]:
        functions[index] = grad(functions[index[:-1]], index[-1])
    return {index: _number(g(*xs)) for index, g in functions.items()}


def torch_partials(torch, g: Callable, xs: tuple) -> dict[tuple, float]:
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    results = {(): g(torch, *ts)}
    for index in _indices(len(xs))[1:]:
        y = results[index[:-1]]
        d = None
        if y.requires_grad:
            (d,) = torch.autograd.grad(y, ts[index[-1]], create_graph=True, allow_unused=True)
        results[index] = torch.zeros((), dtype=torch.float64) if d is None else d
    return {index: y.item() for index, y in results.items()}


@pytest.mark.parity
@pytest.mark.parametrize("name", list(CASES))
def test_value_and_three_derivatives_agree_with_torch(torch, request, name):
    case = CASES[name]
    mp = request.getfixturevalue("mpmath") if case.exact else None
    variants = {"ops": case.ours}
    if case.method is not None:
        variants["method"] = _as_method(case.method)

    @settings(max_examples=25, deadline=None)
    @given(st.tuples(*case.args))
    def check(xs):
        if mp is None:
            expected = torch_partials(torch, case.theirs, xs)
        else:
            f = lambda x: case.exact(mp, x)  # noqa: E731
            expected = {(0,) * k: float(mp.diff(f, xs[0], k)) for k in range(4)}
        plain = case.ours(*xs)
        assert isinstance(plain, float) or name in ("prod", "mean")  # a float in, a float out
        on_values = case.ours(*map(Value, xs))
        assert isinstance(on_values, Value) and on_values.data == _number(plain)
        for variant, f in variants.items():
            got = ours_partials(f, xs)
            for index, want in expected.items():
                if case.wrt(index):
                    close = pytest.approx(want, rel=case.rel, abs=ABS, nan_ok=True)
                    assert got[index] == close, (name, variant, xs, index, got[index], want)

    for xs in case.at:
        check = example(xs)(check)
    check()


def _same(a: float, b: float) -> bool:
    return (a != a and b != b) or (a == b and math.copysign(1.0, a) == math.copysign(1.0, b))


def _equal(a: float, b: float) -> bool:
    return (a != a and b != b) or a == b


@pytest.mark.parity
@pytest.mark.parametrize(
    "name, xs", [(name, xs) for name, points in EDGES.items() for xs in points]
)
def test_kinks_ties_and_zeros_are_torch_s_exactly(torch, name, xs):
    case = CASES[name]
    theirs = EDGE_THEIRS.get(name, case.theirs)
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    y = theirs(torch, *ts)
    slopes = torch.autograd.grad(y, ts, allow_unused=True)
    want = [y.item()] + [0.0 if s is None else s.item() for s in slopes]
    for f in (case.ours, *(() if case.method is None else (_as_method(case.method),))):
        values = [Value(x) for x in xs]
        out = f(*values)
        out.backward()
        got = [out.data] + [v.grad for v in values]
        if name in EDGE_ULPS:
            assert got == pytest.approx(want, rel=3e-16, abs=0.0), (name, xs, got, want)
            continue
        same = _equal if name in EDGE_SIGNLESS else _same
        assert same(got[0], want[0]), (name, xs, "value", got, want)
        assert all(map(_equal, got[1:], want[1:])), (name, xs, "slopes", got, want)


@pytest.mark.parity
def test_heaviside_value_is_torch_s_and_flat_in_x(torch):
    # PyTorch has no derivative for heaviside; ours is 0 in x and 1 in `values` at x = 0
    for x in (-2.0, -0.0, 0.0, 1e-300, 3.0):
        for at_zero in (0.0, 0.5, 1.0, -2.0):
            pair = (torch.tensor(v, dtype=torch.float64) for v in (x, at_zero))
            want = torch.heaviside(*pair).item()
            for f in (ops.heaviside, lambda x, v: x.heaviside(v)):
                a, v = Value(x), Value(at_zero)
                out = f(a, v)
                out.backward()
                assert out.data == want == ops.heaviside(x, at_zero), (x, at_zero)
                assert a.grad == 0.0 and v.grad == (1.0 if x == 0 else 0.0), (x, at_zero)
                assert grad(grad(ops.heaviside, 1), 1)(x, at_zero) == 0.0


def test_every_op_of_the_math_library_is_in_the_table():
    seen: set[str] = set()
    for case in CASES.values():
        xs = find(st.tuples(*case.args), lambda xs: True)  # a point of the domain
        for f in (case.ours, case.method):
            if f is not None:
                out = f(*map(Value, xs))
                seen.update(str(node.op) for node in topological_order(out))
    library = {str(op) for op in vars(mathlib).values() if type(op) is Op}
    assert library - {"heaviside"} <= seen, library - seen  # heaviside: its own test


def test_numerically_careful_forwards():
    assert ops.expm1(1e-10) == 1.00000000005e-10  # exp(x) - 1 gives 1.000000082740371e-10
    assert ops.log1p(1e-12) == 9.999999999995e-13  # log(1 + x) gives 1.000088900581841e-12
    assert ops.cbrt(-8.0) == -2.0  # (-8) ** (1/3) is complex in Python, an error for a Value
    assert ops.log2(2.0**-1074) == -1074.0 and ops.exp2(1024.0) == math.inf
    assert Value(9.0).rsqrt().data == 1 / 3 and Value(4.0).reciprocal().op == "reciprocal"


def test_modulo_slopes_use_the_true_quotient():
    # 1.0 % 0.1 is 0.09999999999999995: 1.0 = 9 * 0.1 + that, so d/db is -9. The quotient
    # rounded first, trunc(1.0 / 0.1) = 10, gives -10 (torch's fmod does, its remainder not)
    for f in (ops.fmod, ops.remainder):
        assert grad(f, 1)(1.0, 0.1) == -9.0 and grad(f, 0)(1.0, 0.1) == 1.0
    assert grad(ops.remainder, 1)(-7.0, 3.0) == 3.0 and grad(ops.fmod, 1)(-7.0, 3.0) == 2.0


def test_the_docs_table_lists_every_op_and_which_are_methods():
    import pathlib
    import re

    page = (pathlib.Path(__file__).parent.parent / "docs" / "engine.md").read_text()
    table = page[page.index("| kind | ops |") : page.index("Each forward is numerically")]
    listed = {}  # name: marked * (no Value method)
    for cell in re.findall(r"`([^`]*)`", table):
        for item in re.split(r",\s*(?![^()]*\))", cell):  # commas outside parentheses
            name, _, star = re.fullmatch(r"\s*(\w+)(\([^)]*\))?(\*?)\s*", item).groups()
            listed[name] = listed.get(name, False) or star == "*"
    functions = {  # every function autograd.ops offers
        name
        for name, f in vars(ops).items()
        if callable(f)
        and not isinstance(f, type)
        and getattr(f, "__module__", "") in ("autograd.ops", "autograd.engine")
        and not name.startswith("_")
        and name not in ("primitive", "apply")  # the two that are not ops
    }
    assert functions == set(listed) - {"rad2deg", "deg2rad"}, functions ^ set(listed)
    n_ary = {"sum", "dot", "logsumexp", "prod", "mean"}
    for name, starred in listed.items():
        if name not in n_ary | {"log"}:  # log(x) is a method, log(x, base) is not
            assert starred != hasattr(Value, name), (name, "marked *" if starred else "no *")


def test_review_findings_stay_fixed(numpy):
    from autograd.engine import backpropagate

    v = Value(math.inf)  # softsign's slope at inf is nan on Values too (== was identity)
    slope = backpropagate(ops.softsign(v), 1.0, True)[1][v]
    assert math.isnan(float(slope))
    with pytest.raises(ValueError, match=r"logit: eps must be in \[2\*\*-53, 0.5\]"):
        ops.logit(1.0, eps=1e-20)  # 1 - eps would round to 1: a division by zero
    with pytest.raises(ValueError, match="logit: eps"):
        Value(0.3).logit(eps=float("nan"))
    assert (Value(-2.0) ** Value(math.inf)).data == math.inf == (Value(-2.0) ** math.inf).data
    assert ops.polygamma(170, 2.0) == -math.inf and ops.polygamma(171, 2.0) == math.inf
    with pytest.raises(ValueError, match="hardshrink: lambd must be >= 0"):
        Value(1.0).hardshrink(-1.0)
    with pytest.raises(TypeError, match="polygamma: the order n must be an int, got str"):
        ops.polygamma("1", 2.0)
    with pytest.raises(ValueError, match="clamp: min must not be nan"):
        ops.clamp(0.5, min=math.nan)
    assert ops.where(numpy.bool_(False), 1.0, 2.0) == 2.0
    assert Value(1.0).where(numpy.bool_(True), 2.0).data == 1.0
    x = Value(0.0)
    (ops.pow(x, Value(math.nan))).backward(create_graph=True)  # was log(0) on a Value
    for a, b in ((-0.0, 0.0), (0.0, -0.0)):  # a tie gives a, -0.0 or not, eager and compiled
        for f in (ops.maximum, ops.minimum):
            eager = f(a, b)
            fast = autograd.compile(lambda s, f=f, b=b: f(s[0], b), reduction="sum")
            compiled = float(fast.forward(numpy.array([[a]]))[0])
            assert math.copysign(1, eager) == math.copysign(1, compiled) == math.copysign(1, a)


@pytest.mark.parity
def test_from_torch_takes_equal_parameters_written_otherwise(torch):
    from nn import MLP

    nn = torch.nn
    for module, name in (
        (nn.ReLU(inplace=True), "relu"),
        (nn.LeakyReLU(0.01, inplace=True), "leaky_relu"),
        (nn.Hardtanh(-1, 1), "hardtanh"),
        (nn.ELU(alpha=1), "elu"),
        (nn.GELU(approximate="tanh"), "gelu_tanh"),
    ):
        model = MLP.from_torch(nn.Sequential(nn.Linear(2, 3), module, nn.Linear(3, 1)))
        assert model.layers[0].neurons[0].activation == name
    with pytest.raises(ValueError, match=r"module 1: ELU\(alpha=2.0\) must have the parameters"):
        MLP.from_torch(nn.Sequential(nn.Linear(2, 3), nn.ELU(alpha=2.0), nn.Linear(3, 1)))

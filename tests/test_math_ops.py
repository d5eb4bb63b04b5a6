"""The scalar math library's ops: value and first to third derivatives against PyTorch.

Each op is checked at points of its domain drawn by hypothesis, as a method (where
PyTorch has a tensor method of that name) and through `autograd.ops`, on floats and
on Values. Edges, nan and inf are in tests/test_nonfinite.py, with the compiled path.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, grad, ops

# name: (our function, PyTorch's on a tensor, the domain to draw from)
OPS = {
    "expm1": (ops.expm1, lambda t, x: t.expm1(x), (-5.0, 5.0)),
    "log1p": (ops.log1p, lambda t, x: t.log1p(x), (-0.9, 5.0)),
    "exp2": (ops.exp2, lambda t, x: t.exp2(x), (-5.0, 5.0)),
    "log2": (ops.log2, lambda t, x: t.log2(x), (0.1, 10.0)),
    "log10": (ops.log10, lambda t, x: t.log10(x), (0.1, 10.0)),
    "square": (ops.square, lambda t, x: t.square(x), (-5.0, 5.0)),
    "reciprocal": (ops.reciprocal, lambda t, x: t.reciprocal(x), (0.2, 5.0)),
    "rsqrt": (ops.rsqrt, lambda t, x: t.rsqrt(x), (0.2, 5.0)),
    "cbrt": (ops.cbrt, lambda t, x: t.sign(x) * t.abs(x) ** (1 / 3), (0.2, 5.0)),
}


def test_numerically_careful_forwards():
    assert ops.expm1(1e-10) == 1.00000000005e-10  # exp(x) - 1 gives 1.000000082740371e-10
    assert ops.log1p(1e-12) == 9.999999999995e-13  # log(1 + x) gives 1.000088900581841e-12
    assert ops.cbrt(-8.0) == -2.0  # (-8) ** (1/3) is complex in Python, an error for a Value
    assert ops.log2(2.0**-1074) == -1074.0 and ops.exp2(1024.0) == math.inf
    assert Value(9.0).rsqrt().data == 1 / 3 and Value(4.0).reciprocal().op == "reciprocal"


@pytest.mark.parity
@pytest.mark.parametrize("name", list(OPS))
def test_value_and_three_derivatives_agree_with_torch(torch, name):
    ours, theirs, (low, high) = OPS[name]

    @given(st.floats(low, high))
    @settings(max_examples=25, deadline=None)
    def check(x):
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        y = theirs(torch, t)
        expected = [y.item()]
        for _ in range(3):
            (y,) = torch.autograd.grad(y, t, create_graph=True)
            expected.append(y.item())
        f = ours
        got = []
        for _ in range(4):
            got.append(f(x))
            f = grad(f)
        for order, (a, b) in enumerate(zip(got, expected)):
            assert a == pytest.approx(b, rel=1e-10, abs=1e-12), (name, x, order, got, expected)
        assert ours(Value(x)).data == got[0]  # a Value in, the same number out

    check()

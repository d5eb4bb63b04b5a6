"""gradcheck, gradgradcheck, primitive errors, and the hypothesis strategies users get."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings

from autograd import GradcheckError, Value, gradcheck, gradgradcheck, ops, primitive
from autograd.testing import OPS, Expression, expressions, reals

good_sin = primitive(math.sin, ops.cos, name="good_sin")
bad_sin = primitive(math.sin, ops.sin, name="bad_sin")  # wrong: d sin = cos
bad_cos = primitive(math.cos, ops.sin, name="bad_cos")  # wrong: d cos = -sin
sin_with_bad_second = primitive(math.sin, bad_cos, name="sin_with_bad_second")


def test_gradcheck_passes_correct_functions_and_primitives():
    assert gradcheck(lambda x, y: good_sin(x) * ops.exp(y), [0.3, 0.5]) is True
    assert gradcheck(lambda x: x**3, 1.5) is True
    assert gradgradcheck(lambda x, y: (x * y).tanh() + x.log(), [0.5, 2.0]) is True
    assert gradgradcheck(lambda x: good_sin(x) * x, [0.7]) is True


def test_gradcheck_fails_a_wrong_primitive_and_names_it():
    with pytest.raises(GradcheckError) as failure:
        gradcheck(lambda x, y: bad_sin(x) * ops.exp(y), [0.3, 0.5])
    message = str(failure.value)
    assert "primitive 'bad_sin': partial 0" in message
    assert "analytic" in message and "numeric" in message and "<- wrong" in message
    d_dx0 = next(line for line in message.splitlines() if line.strip().startswith("d/dx0"))
    assert f"{math.sin(0.3) * math.exp(0.5):.8g}" in d_dx0  # the wrong analytic value
    assert f"{math.cos(0.3) * math.exp(0.5):.8g}"[:6] in d_dx0  # the numeric one


def test_gradgradcheck_finds_a_wrong_second_derivative():
    assert gradcheck(sin_with_bad_second, [0.7])  # first order is right
    with pytest.raises(GradcheckError, match="primitive 'bad_cos'"):
        gradgradcheck(lambda x: sin_with_bad_second(x) * x, [0.7])


def test_kinks_are_reported_not_silently_failed():
    with pytest.raises(GradcheckError, match="kink of abs, relu"):
        gradcheck(lambda x: abs(x) * 3 + (x * 2).relu(), [1e-7])
    assert gradcheck(lambda x: x.relu(), [0.5])  # away from the kink: fine


def test_primitive_bad_use_is_a_clear_error():
    with pytest.raises(TypeError, match="good_sin: takes 1 input"):
        good_sin(1.0, 2.0)
    with pytest.raises(TypeError, match="callable"):
        primitive(math.sin, 3)
    with pytest.raises(TypeError, match="one partial derivative per input"):
        primitive(math.sin)
    returns_text = primitive(lambda x: "no", lambda x: 1.0, name="text")
    with pytest.raises(TypeError, match="text: forward result.*str"):
        returns_text(Value(1.0))
    with pytest.raises(TypeError, match="good_sin.*str"):
        good_sin("1")


@settings(max_examples=100, deadline=None)
@given(expressions())
def test_expressions_strategy_gives_checkable_programs(e):
    assert isinstance(e, Expression) and e.steps
    assert isinstance(e.fn(*e.inputs), float)  # the same program on plain numbers
    assert gradcheck(e.fn, e.inputs)


@settings(max_examples=60, deadline=None)
@given(expressions(n_inputs=2, max_ops=5, ops=["mul", "sin", "log", "div", "relu"]))
def test_expressions_at_second_order(e):
    assert {name for name, _ in e.steps} <= {"mul", "sin", "log", "div", "relu", "tanh"}
    assert gradgradcheck(e.fn, e.inputs)


@given(reals(-1, 1, avoid=[0.0, 0.5]))
def test_reals_avoid(x):
    assert -1 <= x <= 1 and abs(x) > 1e-2 and abs(x - 0.5) > 1e-2


def test_expressions_rejects_unknown_ops_and_shows_its_program():
    with pytest.raises(ValueError, match="unknown ops"):
        expressions(ops=["tangent"])
    with pytest.raises(ValueError, match="n_inputs"):
        expressions(n_inputs=0)
    e = Expression((0.5, 2.0), (("mul", (0, 1)), ("log", (2,))))
    assert e.fn(0.5, 2.0) == 0.0
    assert "v0 = mul(x0, x1)" in repr(e) and "v1 = log(v0)" in repr(e)
    assert set(OPS) >= {"add", "log", "relu", "softplus"}

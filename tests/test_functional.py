"""Higher-order gradients: create_graph, backward(inputs=...), and the function transforms."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, grad, hessian, hvp, jacobian, ops, value_and_grad
from autograd.testing import reals


def f(x):
    return (
        ops.sin(x) * x
    )  # f' = sin x + x cos x, f'' = 2 cos x - x sin x, f''' = -3 sin x - x cos x


def closed_forms(x):
    return (
        math.sin(x) + x * math.cos(x),
        2 * math.cos(x) - x * math.sin(x),
        -3 * math.sin(x) - x * math.cos(x),
    )


@settings(max_examples=50, deadline=None)
@given(reals(-5, 5))
def test_grad_composes_to_third_order(x):
    first, second, third = closed_forms(x)
    assert grad(f)(x) == pytest.approx(first, rel=1e-12, abs=1e-12)
    assert grad(grad(f))(x) == pytest.approx(second, rel=1e-12, abs=1e-12)
    assert grad(grad(grad(f)))(x) == pytest.approx(third, rel=1e-12, abs=1e-12)


def test_create_graph_writes_gradients_as_values():
    x = Value(0.7)
    y = f(x)
    y.backward(create_graph=True)
    first = x.grad
    assert isinstance(first, Value)
    x.grad = 0.0
    first.backward(create_graph=True)
    second = x.grad
    x.grad = 0.0
    second.backward()
    assert [first.data, second.data, x.grad] == pytest.approx(closed_forms(0.7), rel=1e-12)


def test_create_graph_accumulates_like_pytorch():
    # In PyTorch, x.grad.backward() after backward(create_graph=True) adds the
    # second derivative on top of the first one: the same here.
    x = Value(2.0)
    (x**3).backward(create_graph=True)
    x.grad.backward()
    assert x.grad.data == pytest.approx(3 * 4 + 6 * 2)


def test_backward_inputs_leaves_other_leaves_alone():
    a, b = Value(2.0), Value(3.0)
    b.grad = 10.0
    (a * b).backward(inputs=[a])
    assert (a.grad, b.grad) == (3.0, 10.0)
    c = Value(1.0)
    c.backward(inputs=[a])  # a leaf root that is not among inputs
    assert c.grad == 0.0


def test_transforms_return_numbers_for_numbers_and_leave_grads_alone():
    value, g = value_and_grad(lambda x: 3.0 * x * x)(2.0)
    assert (value, g) == (12.0, 12.0)
    assert type(value) is float and type(g) is float
    x = Value(2.0)
    x.grad = 5.0
    assert grad(lambda v: v * v)(x).data == 4.0
    assert x.grad == 5.0


def test_argnums():
    def h(x, y, z):
        return x * y + ops.exp(z)

    assert grad(h, argnums=1)(2.0, 3.0, 0.0) == 2.0
    assert grad(h, argnums=(0, 2))(2.0, 3.0, 0.0) == (3.0, 1.0)
    assert grad(h, argnums=-1)(2.0, 3.0, 0.0) == 1.0
    assert value_and_grad(h, argnums=(1,))(2.0, 3.0, 0.0) == (7.0, (2.0,))
    with pytest.raises(ValueError, match="argnums 3 is out of range for 3"):
        grad(h, argnums=3)(2.0, 3.0, 0.0)
    with pytest.raises(TypeError, match="argnums must be ints"):
        grad(h, argnums="x")(2.0, 3.0, 0.0)
    with pytest.raises(TypeError, match="grad: f must return a Value or a number"):
        grad(lambda x: [x])(1.0)
    with pytest.raises(TypeError, match="argument 0"):
        grad(f)("1.0")


def test_mixed_partials_by_nested_grad():
    def f(a, b):
        return a * b * b

    assert grad(grad(f, 0), 1)(2.0, 3.0) == 6.0  # d/db (b^2) = 2b
    assert grad(grad(f, 1), 0)(2.0, 3.0) == 6.0  # d/da (2ab) = 2b
    assert grad(grad(grad(f, 1), 1), 0)(2.0, 3.0) == 2.0


def test_constant_and_identity_functions():
    assert grad(lambda x: 3.0)(1.0) == 0.0
    assert grad(lambda x: x)(1.0) == 1.0
    assert grad(grad(lambda x: x))(1.0) == 0.0
    assert grad(grad(lambda x: 2 * x * x))(5.0) == 4.0


def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


@settings(max_examples=50, deadline=None)
@given(reals(-2, 2), reals(-2, 2))
def test_hessian_of_rosenbrock_matches_closed_form(x, y):
    expected = [[2 - 400 * (y - 3 * x * x), -400 * x], [-400 * x, 200.0]]
    got = hessian(rosenbrock)(x, y)
    for row, want in zip(got, expected):
        assert row == pytest.approx(want, rel=1e-12, abs=1e-9)
    v = [0.3, -1.2]
    product = [sum(h * vi for h, vi in zip(row, v)) for row in expected]
    assert hvp(rosenbrock)((x, y), v) == pytest.approx(product, rel=1e-9, abs=1e-9)


def test_hessian_argnums_selects_variables():
    got = hessian(lambda x, y, z: x * x * y + z, argnums=(0, 1))(1.0, 2.0, 3.0)
    assert got == [[4.0, 2.0], [2.0, 0.0]]


@given(st.tuples(reals(0.1, 3), reals(-3, 3)))
def test_jacobian_of_a_vector_function(point):
    x, y = point
    got = jacobian(lambda a, b: [a * b, ops.log(a) + b, ops.sin(b)])(x, y)
    expected = [[y, x], [1 / x, 1.0], [0.0, math.cos(y)]]
    for row, want in zip(got, expected):
        assert row == pytest.approx(want, rel=1e-12)
    assert jacobian(lambda a: a * a)(x) == [pytest.approx(2 * x)]  # scalar f: one row


def test_ops_accept_numbers_and_values():
    for name in ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos", "abs", "softplus"]:
        op = getattr(ops, name)
        number = op(0.5)
        node = op(Value(0.5))
        assert type(number) is float and isinstance(node, Value)
        assert node.data == number
    assert ops.leaky_relu(-2.0, 0.1) == pytest.approx(-0.2)
    assert ops.softplus(1000.0) == 1000.0 and ops.softplus(-1000.0) == 0.0
    with pytest.raises(ValueError, match="log.*-1"):
        ops.log(-1.0)
    with pytest.raises(TypeError, match="exp.*str"):
        ops.exp("1")


def test_primitive_is_differentiable_to_higher_order():
    cube = autograd.primitive(lambda x: x**3, lambda x: 3 * x**2, name="cube")
    assert cube(2.0) == 8.0
    assert grad(cube)(2.0) == 12.0
    assert grad(grad(cube))(2.0) == 12.0
    assert grad(grad(grad(cube)))(2.0) == 6.0
    node = cube(Value(2.0))
    assert node.op == "cube" and node.parents[0].data == 2.0
    hypot = autograd.primitive(
        math.hypot,
        lambda x, y: x / ops.sqrt(x * x + y * y),
        lambda x, y: y / ops.sqrt(x * x + y * y),
    )
    assert grad(hypot, argnums=(0, 1))(3.0, 4.0) == pytest.approx((0.6, 0.8))
    assert hypot(Value(3.0), 4).op == "hypot"

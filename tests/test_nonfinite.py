"""One rule for numbers that are not finite, op by op, eager and compiled.

The rule (README, "Numbers that are not finite"):
- a finite input outside an op's domain is an error naming the op and the value
  (log of 0 or -1, sqrt of -1, division by zero, 0 ** negative, a negative base
  with a fractional exponent, or with a Value exponent);
- so is a derivative that is infinite at a finite point, when a gradient flows
  through it (sqrt at 0, x ** 0.5 at 0, 0 ** Value(0.5));
- everything else follows IEEE as PyTorch does: nan and inf data propagate,
  overflow is inf, and nothing flows through a zero local derivative.

PyTorch float64 is the oracle for every other case (marker `parity`); the compiled
path must give what eager gives, errors included.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pytest

import autograd
from autograd import Value, ops

inf, nan = math.inf, math.nan
SPECIAL = [nan, inf, -inf, 0.0, -0.0, 1.0, -2.0, 0.5, 800.0, -800.0, 1e200, -1e200, 1e-200]


@dataclass(frozen=True)
class Case:
    ours: Callable  # on Values (or numpy arrays, for the compiled check)
    theirs: Callable  # on torch tensors
    error: Callable[..., bool] = lambda *xs: False  # a finite input outside the domain
    undefined: Callable[..., bool] = lambda *xs: False  # an infinite derivative there


def _finite_negative(x: float) -> bool:
    return math.isfinite(x) and x < 0


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
}

BINARY: dict[str, Case] = {
    "add": Case(lambda a, b: a + b, lambda t, a, b: a + b),
    "sub": Case(lambda a, b: a - b, lambda t, a, b: a - b),
    "mul": Case(lambda a, b: a * b, lambda t, a, b: a * b),
    "div": Case(lambda a, b: a / b, lambda t, a, b: a / b, lambda a, b: b == 0),
    "pow": Case(
        lambda a, b: a**b,
        lambda t, a, b: a**b,
        lambda a, b: (_finite_negative(a) and not b.is_integer()) or (a == 0 and b < 0),
        lambda a, b: a == 0 and 0 < b < 1,
    ),
}


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
    return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b))


def _points(arity: int) -> list[tuple[float, ...]]:
    if arity == 1:
        return [(x,) for x in SPECIAL]
    return [(a, b) for a in SPECIAL for b in SPECIAL]


ALL = [(name, case, xs) for name, case in UNARY.items() for xs in _points(1)] + [
    (name, case, xs) for name, case in BINARY.items() for xs in _points(2)
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
        if isinstance(result, Exception):
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

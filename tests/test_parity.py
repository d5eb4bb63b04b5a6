"""Parity with PyTorch: values and gradients of every op, composites, an MLP, accumulation.

Everything runs in float64 on both sides. Where our engine and torch perform the same
floating-point operations in the same order the tolerance is ~1 ulp (REL/ABS below);
it is loosened only where the two sum the same terms in a different order.
"""

import operator
import random

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value
from nn.init import ACTIVATIONS
from nn.modules import MLP

pytestmark = pytest.mark.parity
REL, ABS = 1e-12, 1e-12
fast = settings(max_examples=50, deadline=None)


def floats(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


nonzero = floats(-10, 10).filter(lambda x: abs(x) > 1e-6)  # away from the kinks at 0


def close(ours, theirs, rel=REL, abs_=ABS):
    assert ours == pytest.approx(theirs, rel=rel, abs=abs_)


def check(torch, fn, *xs, rel=REL, abs_=ABS):
    """Run `fn` on Value leaves and on float64 tensors: compare the output and each grad."""
    ours = [Value(x) for x in xs]
    theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out, ref = fn(*ours), fn(*theirs)
    out.backward()
    ref.backward()
    close(out.data, ref.item(), rel, abs_)
    for v, t in zip(ours, theirs):
        close(v.grad, 0.0 if t.grad is None else t.grad.item(), rel, abs_)
    return out, ours


# ---- 1. micrograd's README example ------------------------------------------------


def micrograd_example(a, b):
    c = a + b
    d = a * b + b**3
    c = c + (c + 1)
    c = c + (1 + c + (-a))
    d = d + (d * 2 + (b + a).relu())
    d = d + (3 * d + (b - a).relu())
    e = c - d
    f = e**2
    g = f / 2.0
    return g + 10.0 / f


def test_micrograd_readme_example(torch):
    g, (a, b) = check(torch, micrograd_example, -4.0, 2.0)
    assert g.data == pytest.approx(24.7041, abs=1e-4)
    assert a.grad == pytest.approx(138.8338, abs=1e-4)
    assert b.grad == pytest.approx(645.5773, abs=1e-4)


# ---- 2. every op, one at a time -----------------------------------------------------

UNARY = {
    "neg": (operator.neg, floats(-10, 10)),
    "abs": (abs, nonzero),
    "exp": (lambda x: x.exp(), floats(-30, 30)),
    "log": (lambda x: x.log(), floats(1e-3, 1e3)),
    "sqrt": (lambda x: x.sqrt(), floats(1e-3, 1e3)),
    "tanh": (lambda x: x.tanh(), floats(-20, 20)),
    "sigmoid": (lambda x: x.sigmoid(), floats(-40, 40)),
    "relu": (lambda x: x.relu(), nonzero),
    "sin": (lambda x: x.sin(), floats(-10, 10)),
    "cos": (lambda x: x.cos(), floats(-10, 10)),
}


@pytest.mark.parametrize("name", UNARY)
@fast
@given(data=st.data())
def test_unary_op(torch, name, data):
    fn, domain = UNARY[name]
    check(torch, fn, data.draw(domain))


@fast
@given(x=nonzero, slope=floats(0.0, 0.5))
def test_leaky_relu(torch, x, slope):
    theirs = torch.nn.functional.leaky_relu
    check(torch, lambda v: v.leaky_relu(slope) if isinstance(v, Value) else theirs(v, slope), x)


@pytest.mark.parametrize("op", [operator.add, operator.sub, operator.mul, operator.truediv])
@fast
@given(a=floats(-10, 10), b=floats(-10, 10))
def test_binary_op(torch, op, a, b):
    assume(op is not operator.truediv or abs(b) > 1e-3)
    check(torch, op, a, b)  # Value op Value
    check(torch, lambda x: op(x, b), a)  # Value op number
    assume(op is not operator.truediv or abs(a) > 1e-3)
    check(torch, lambda y: op(a, y), b)  # number op Value


@fast
@given(x=floats(0.1, 5), n=floats(-3, 3))
def test_pow_constant_exponent_positive_base(torch, x, n):
    check(torch, lambda v: v**n, x)


@fast
@given(x=floats(-5, 5).filter(lambda x: abs(x) > 0.1), n=st.integers(-3, 4))
def test_pow_integer_exponent_any_base(torch, x, n):
    check(torch, lambda v: v**n, x)
    check(torch, lambda v: v ** float(n), x)


@fast
@given(x=floats(0.1, 5), y=floats(-3, 3), k=st.sampled_from([2, 0.5, 3.7]))
def test_pow_value_exponent(torch, x, y, k):
    check(torch, operator.pow, x, y)  # Value ** Value
    check(torch, lambda v: k**v, y)  # number ** Value, e.g. 2 ** x


# torch.stack(...).sum() adds in its own order, builtins.sum left to right: the values may
# differ by a few ulps of the sum of |terms|, so the absolute tolerance scales with it.
@fast
@given(xs=st.lists(floats(-10, 10), min_size=1, max_size=10))
def test_sum(torch, xs):
    def fn(*v):
        return autograd.sum(v) if isinstance(v[0], Value) else torch.stack(v).sum()

    check(torch, fn, *xs, abs_=ABS * max(1.0, sum(abs(x) for x in xs)))


@fast
@given(data=st.data(), n=st.integers(1, 8), with_bias=st.booleans())
def test_dot(torch, data, n, with_bias):
    xs = data.draw(st.lists(floats(-10, 10), min_size=2 * n + 1, max_size=2 * n + 1))
    scale = sum(abs(w * x) for w, x in zip(xs[:n], xs[n : 2 * n])) + abs(xs[-1])

    def fn(*v):
        bias = v[-1] if with_bias else None
        if isinstance(v[0], Value):
            return autograd.dot(v[:n], v[n : 2 * n], bias)
        out = torch.dot(torch.stack(v[:n]), torch.stack(v[n : 2 * n]))
        return out if bias is None else out + bias

    check(torch, fn, *xs, abs_=ABS * max(1.0, scale))  # summation order, as in test_sum


@pytest.mark.parametrize("x", [0.0, -0.0])
def test_kinks_at_zero_match_torch(torch, x):
    theirs = torch.nn.functional.leaky_relu
    check(torch, lambda v: v.relu(), x)  # torch: 0
    check(torch, abs, x)  # torch: 0
    check(torch, lambda v: v.leaky_relu(0.1) if isinstance(v, Value) else theirs(v, 0.1), x)


# ---- 2-3. composites, every op and shared subexpressions -------------------------------


def every_op(a, b, c, lrelu):
    p, q = a * a + 1, b * b + 0.5  # positive, for log, sqrt and Value exponents
    return (
        (a + b) * (c - a) / (1 + q)
        + p**1.5 + q**-2 + b**3 + p**q + 2**c + (-b)
        + abs(a - c) + p.log() + q.sqrt() + (a * b / 4).exp()
        + (a - b).tanh() * (b + c).sigmoid() + (a * c).relu() + lrelu(b - c)
        + c.sin() * b.cos()
    )  # fmt: skip


def shared(a, b, c, lrelu):
    s = a * b + c  # s, t and u feed several nodes each
    t = s.tanh() * a
    u = t * s - b / (1 + s * s)
    return u * u + (s + t).sigmoid() * u + (s * s + 1).log() + t.exp() - lrelu(u - s)


@pytest.mark.parametrize("fn", [every_op, shared])
@fast
@given(a=floats(-2, 2), b=floats(-2, 2), c=floats(-2, 2))
def test_composite(torch, fn, a, b, c):
    assume(abs(a - c) > 1e-6 and abs(a * c) > 1e-6 and abs(b - c) > 1e-6)  # no kinks

    def lrelu(x):
        return x.leaky_relu(0.2) if isinstance(x, Value) else torch.nn.functional.leaky_relu(x, 0.2)

    check(torch, lambda *v: fn(*v, lrelu), a, b, c)


# ---- 4. an MLP --------------------------------------------------------------------------


@pytest.mark.parametrize("activation", [a for a in ACTIVATIONS if a != "linear"])
def test_mlp_matches_torch(torch, activation):
    rng = random.Random(1234)
    model = MLP(3, [8, 8, 2], activation=activation, rng=rng)
    batch = [[rng.uniform(-2, 2) for _ in range(3)] for _ in range(5)]
    outs = [o for x in batch for o in model(x)]
    loss = autograd.sum([o * o for o in outs]) / len(batch)
    loss.backward()

    def leaf(rows):
        return torch.tensor(rows, dtype=torch.float64, requires_grad=True)

    weights = [leaf([[w.data for w in n.w] for n in layer.neurons]) for layer in model.layers]
    biases = [leaf([n.b.data for n in layer.neurons]) for layer in model.layers]
    act = model.to_torch()[1]  # the activation's torch module (nn.modules names each)
    if activation == "hardsigmoid":  # torch's slope is float32's 1/6: the same function
        act = lambda h: torch.clamp(h / 6 + 0.5, 0, 1)  # noqa: E731
    h = torch.tensor(batch, dtype=torch.float64)
    for i, (w, b) in enumerate(zip(weights, biases)):
        h = h @ w.T + b
        h = h if i == len(weights) - 1 else act(h)
    ref = (h * h).sum() / len(batch)
    ref.backward()

    # The matmuls and torch's sum may add in another order than our dot and sum, but with
    # 3-8 terms per sum the results agree to an ulp or two, well inside REL/ABS.
    close(loss.data, ref.item())
    names = dict(model.named_parameters())
    assert len(names) == sum(w.numel() + b.numel() for w, b in zip(weights, biases))
    for name, p in names.items():  # "layers.L.neurons.j.w.i" or "layers.L.neurons.j.b"
        _, layer, _, j, kind, *i = name.split(".")
        grad = (weights if kind == "w" else biases)[int(layer)].grad[int(j)]
        close(p.grad, (grad[int(i[0])] if kind == "w" else grad).item())


# ---- 5. gradient accumulation -------------------------------------------------------------


def test_gradients_accumulate_like_torch(torch):
    ours = [Value(0.7), Value(-1.3)]
    theirs = [torch.tensor(x.data, dtype=torch.float64, requires_grad=True) for x in ours]

    def compare():
        for v, t in zip(ours, theirs):
            close(v.grad, t.grad.item())

    y_ours, y_theirs = ours[0] * ours[1] + ours[0].exp(), theirs[0] * theirs[1] + theirs[0].exp()
    (y_ours * 3).backward()  # a first loss through the shared intermediate y ...
    (y_theirs * 3).backward(retain_graph=True)
    compare()
    (y_ours.tanh() - ours[1] ** 2).backward()  # ... a second, different one, adds to .grad
    (y_theirs.tanh() - theirs[1] ** 2).backward()
    compare()
    (ours[0] * ours[1]).backward(2.5)  # a seed gradient scales what is added
    (theirs[0] * theirs[1]).backward(torch.tensor(2.5, dtype=torch.float64))
    compare()

"""The Value engine: derivatives against finite differences, backward semantics, bad input."""

from __future__ import annotations

import gc
import math
import tracemalloc

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, gradcheck, gradgradcheck
from autograd.testing import expressions


def assert_grads_match(fn, xs, rel=1e-4, abs_=1e-6):
    """Backward through fn agrees with central differences (autograd.gradcheck)."""
    assert gradcheck(fn, xs, atol=abs_, rtol=rel)


def reals(lo, hi, away_from=None):
    s = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    if away_from is not None:
        s = s.filter(lambda x: abs(x - away_from) > 1e-3)
    return s


UNARY = {
    "neg": (lambda x: -x, reals(-10, 10)),
    "abs": (abs, reals(-10, 10, away_from=0.0)),
    "exp": (lambda x: x.exp(), reals(-10, 10)),
    "log": (lambda x: x.log(), reals(0.01, 100)),
    "sqrt": (lambda x: x.sqrt(), reals(0.01, 100)),
    "tanh": (lambda x: x.tanh(), reals(-5, 5)),
    "sigmoid": (lambda x: x.sigmoid(), reals(-20, 20)),
    "relu": (lambda x: x.relu(), reals(-10, 10, away_from=0.0)),
    "leaky_relu": (lambda x: x.leaky_relu(0.2), reals(-10, 10, away_from=0.0)),
    "sin": (lambda x: x.sin(), reals(-10, 10)),
    "cos": (lambda x: x.cos(), reals(-10, 10)),
    "pow3": (lambda x: x**3, reals(-5, 5)),
    "pow-2": (lambda x: x**-2, reals(0.1, 5)),
    "pow0.5": (lambda x: x**0.5, reals(0.01, 5)),
    "rpow": (lambda x: 2.5**x, reals(-5, 5)),
    "radd": (lambda x: 3 + x, reals(-5, 5)),
    "rsub": (lambda x: 3 - x, reals(-5, 5)),
    "rmul": (lambda x: 3 * x, reals(-5, 5)),
    "rdiv": (lambda x: 3 / x, reals(0.1, 5)),
}


@pytest.mark.parametrize("name", UNARY)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_unary_op_gradients_match_finite_differences(name, data):
    fn, domain = UNARY[name]
    assert_grads_match(fn, [data.draw(domain)])


BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
}


@pytest.mark.parametrize("op", BINARY)
@settings(max_examples=40, deadline=None)
@given(a=reals(0.1, 5), b=reals(-3, 3))
def test_binary_op_gradients_match_finite_differences(op, a, b):
    assume(op != "/" or abs(b) > 0.1)
    assert_grads_match(BINARY[op], [a, b])


@settings(max_examples=40, deadline=None)
@given(xs=st.lists(reals(-3, 3), min_size=2, max_size=6))
def test_sum_and_dot_gradients_match_finite_differences(xs):
    n = len(xs) // 2
    assert_grads_match(lambda *v: autograd.sum(v), xs)
    assert_grads_match(lambda *v: autograd.dot(v[:n], v[n : 2 * n], v[-1]), xs)
    assert_grads_match(lambda *v: autograd.dot(v[:n], v[n : 2 * n]), xs)


@settings(max_examples=200, deadline=None)
@given(expressions(n_inputs=(1, 4), max_ops=12))
def test_random_expressions_with_shared_subexpressions(e):
    assert gradcheck(e.fn, e.inputs)


# ---- the public attributes ------------------------------------------------------


def test_attributes_of_leaves_and_results():
    x = Value(3, label="x")
    assert x.data == 3.0 and type(x.data) is float
    assert (x.grad, x.label, x.op, x.parents) == (0.0, "x", "", ())
    y = 2 - x
    assert y.op == "-" and len(y.parents) == 2
    assert y.parents[1] is x and y.parents[0].data == 2.0  # argument order kept
    z = x * x
    assert z.parents == (x, x)
    assert float(z) == 9.0 and z.item() == 9.0
    assert repr(x) == "Value(data=3.0, grad=0.0, label='x')"
    z.label = "z"
    assert repr(z) == "Value(data=9.0, grad=0.0, op='*', label='z')"  # a computed Value: its op


def test_values_hash_and_compare_by_identity():
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a
    assert len({a, b}) == 2
    assert a < Value(2.0) and b >= 1 and not a > 1  # ordering compares data


def test_numpy_scalars_are_accepted(numpy):
    assert Value(numpy.float32(1.5)).data == 1.5
    assert Value(numpy.int64(3)).data == 3.0
    y = numpy.float64(2.0) * Value(3.0)
    assert isinstance(y, Value) and y.data == 6.0


# ---- backward semantics -------------------------------------------------------


def test_backward_twice_accumulates_leaves_but_not_intermediates():
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    d = c.tanh() + c
    d.backward()
    first = (a.grad, b.grad, c.grad, d.grad)
    d.backward()
    assert (a.grad, b.grad) == (2 * first[0], 2 * first[1])
    assert (c.grad, d.grad) == first[2:]  # recomputed, not piled up


def test_gradient_accumulation_over_minibatches_equals_full_batch():
    w = Value(0.5)
    xs = [1.0, -2.0, 3.0, 0.5]
    full = autograd.sum([(w * x - 1) ** 2 for x in xs])
    full.backward()
    expected = w.grad
    w.grad = 0.0
    for batch in (xs[:2], xs[2:]):
        autograd.sum([(w * x - 1) ** 2 for x in batch]).backward()
    assert w.grad == pytest.approx(expected, rel=1e-15)


def test_backward_gradient_argument_and_leaf_root():
    x = Value(3.0)
    (x * x).backward(gradient=2.0)
    assert x.grad == 12.0
    x.backward()
    assert x.grad == 13.0


def test_no_grad_builds_no_graph_and_restores_mode():
    x = Value(2.0)
    with autograd.no_grad():
        assert not autograd.is_grad_enabled()
        y = x * 3 + 1
    assert y.parents == () and y.op == "+" and y.data == 7.0  # a leaf that knows its op
    assert autograd.is_grad_enabled()

    @autograd.no_grad()
    def f(v):
        return v.exp()

    assert f(x).parents == ()
    with pytest.raises(RuntimeError), autograd.no_grad():
        raise RuntimeError("boom")
    assert autograd.is_grad_enabled()
    after = x * 3
    assert after.op == "*" and after.parents[0] is x


def test_a_no_grad_object_can_be_reused_and_nested():
    off = autograd.no_grad()
    with off:
        with off:
            assert not autograd.is_grad_enabled()
        assert not autograd.is_grad_enabled()
    assert autograd.is_grad_enabled()
    with off:
        assert (Value(1.0) * 2).parents == ()
    assert autograd.is_grad_enabled()


def test_nan_data_stays_nan():
    assert math.isnan(Value(float("nan")).relu().data)
    assert math.isnan(abs(Value(float("nan"))).data)


def test_no_grad_does_not_leak_into_other_threads():
    import threading

    inside, outside = threading.Event(), threading.Event()
    seen = {}

    def worker():
        inside.wait()
        seen["enabled"] = autograd.is_grad_enabled()
        seen["parents"] = len((Value(1.0) * 2).parents)
        outside.set()

    thread = threading.Thread(target=worker)
    thread.start()
    with autograd.no_grad():
        inside.set()
        outside.wait()
    thread.join()
    assert seen == {"enabled": True, "parents": 2}


def test_no_grad_does_not_leak_between_asyncio_tasks():
    import asyncio

    async def under_no_grad(started, release):
        with autograd.no_grad():
            started.set()
            await release.wait()
            return autograd.is_grad_enabled()

    async def plain(started, release):
        await started.wait()
        enabled = autograd.is_grad_enabled()
        release.set()
        return enabled

    async def main():
        started, release = asyncio.Event(), asyncio.Event()
        return await asyncio.gather(under_no_grad(started, release), plain(started, release))

    assert asyncio.run(main()) == [False, True]


def test_detach_cuts_the_graph():
    x = Value(2.0, label="x")
    y = x * x
    z = y.detach() * x
    assert z.parents[0].parents == () and z.parents[0].data == 4.0
    z.backward()
    assert x.grad == 4.0  # only through the second factor


@pytest.mark.slow
def test_deep_chain_of_a_million_nodes():
    x, c = Value(0.0), Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + c
    y.backward()
    assert y.data == 1e6 and x.grad == 1.0 and c.grad == 1e6
    del y  # freeing a million-deep chain must not overflow the C stack either


def test_graphs_are_freed_by_reference_counting():
    from nn import MLP

    model = MLP(2, [8, 8, 1])
    params = model.parameters()

    def train_step():
        loss = autograd.sum([(model([0.5, -1.0]) - 1) ** 2, model([1.0, 2.0]) ** 2])
        model.zero_grad()
        loss.backward()
        for p in params:
            p.data -= 0.01 * p.grad

    gc.collect()
    gc.disable()
    try:
        tracemalloc.start()
        for _ in range(5):
            train_step()
        warm = tracemalloc.get_traced_memory()[0]
        for _ in range(200):
            train_step()
        grown = tracemalloc.get_traced_memory()[0] - warm
        tracemalloc.stop()
        assert grown < 20_000, f"memory grew by {grown} bytes over 200 steps"
        assert gc.collect() == 0  # nothing was left for the cycle collector
    finally:
        gc.enable()


# ---- bad input ------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, type_name", [("3", "str"), (None, "NoneType"), ([1.0], "list"), (1j, "complex")]
)
def test_value_rejects_non_real_data(data, type_name):
    with pytest.raises(TypeError, match=type_name):
        Value(data)


def test_arithmetic_with_a_non_number_is_a_type_error():
    with pytest.raises(TypeError, match="str"):
        Value(1.0) + "a"
    with pytest.raises(TypeError, match="str"):
        "a" - Value(1.0)
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)
    with pytest.raises(TypeError, match="negative_slope"):
        Value(1.0).leaky_relu("x")
    with pytest.raises(TypeError, match="backward"):
        Value(1.0).backward(gradient="1")


@pytest.mark.parametrize(
    "expr, error, message",
    [
        (lambda: Value(0.0).log(), ValueError, r"log.*0\.0"),
        (lambda: Value(-1.0).log(), ValueError, r"log.*-1\.0"),
        (lambda: Value(-1.0).sqrt(), ValueError, r"sqrt.*-1\.0"),
        (lambda: Value(1.0) / 0, ZeroDivisionError, r"division: 1\.0 / 0\.0 divides by zero"),
        (lambda: 1 / Value(0.0), ZeroDivisionError, r"division: 1\.0 / 0\.0 divides by zero"),
        (lambda: Value(0.0) ** -1, ZeroDivisionError, r"pow: 0\.0 raised to the negative power -1"),
        (lambda: Value(-8.0) ** (1 / 3), ValueError, r"pow.*-8\.0"),
        (lambda: Value(-2.0) ** Value(2.5), ValueError, r"pow: a negative base -2\.0 .* 2\.5"),
        (lambda: 0 ** Value(-2.0), ZeroDivisionError, r"pow: 0\.0 raised to the negative power"),
        (lambda: (-1) ** Value(0.5), ValueError, r"pow: a negative base -1\.0 needs an integer"),
        (lambda: Value(2.0) ** 10**400, OverflowError, r"pow: exponent: 1000"),
        (lambda: Value(10**5000), OverflowError, r"Value: <int too large to print>"),
        (lambda: autograd.dot([1, 2], [3]), ValueError, r"dot.*2.*1"),
    ],
)
def test_out_of_domain_inputs_raise_naming_op_and_value(expr, error, message):
    with pytest.raises(error, match=message):
        expr()


def test_infinite_derivative_raises_instead_of_returning_inf():
    x = Value(0.0)
    y = x.sqrt()
    with pytest.raises(ValueError, match=r"sqrt.*0\.0"):
        y.backward()
    z = Value(0.0) ** 0.5
    with pytest.raises(ValueError, match=r"\*\*.*0\.0"):
        z.backward()


def test_derivatives_at_kinks_follow_pytorch():
    for fn, expected in [
        (lambda v: v.relu(), 0.0),
        (abs, 0.0),
        (lambda v: v.leaky_relu(0.1), 0.1),
    ]:
        x = Value(0.0)
        fn(x).backward()
        assert x.grad == expected
    x = Value(0.0)
    (x**0).backward()
    assert x.grad == 0.0 and math.isfinite(x.grad)


@settings(max_examples=40, deadline=None)
@given(xs=st.lists(reals(-30, 30), min_size=1, max_size=5))
def test_logsumexp_value_and_gradients(xs):
    out = autograd.logsumexp([Value(x) for x in xs])
    assert out.data == pytest.approx(math.log(math.fsum(math.exp(x) for x in xs)), rel=1e-12)
    assert_grads_match(lambda *v: autograd.logsumexp(v), xs)
    assert gradgradcheck(lambda *v: autograd.logsumexp(v), xs)


def test_logsumexp_does_not_overflow():
    big = [Value(1000.0), Value(-1000.0), Value(999.0)]
    out = autograd.logsumexp(big)
    out.backward()
    assert out.data == pytest.approx(1000.0 + math.log1p(math.exp(-1.0)))
    assert [v.grad for v in big] == pytest.approx([1 / (1 + math.exp(-1)), 0.0, 1 / (1 + math.e)])


# ---- a Value where Python wants a number (the traps a learner falls into) -----------------


def test_truthiness_follows_the_data():
    assert not Value(0.0) and Value(2.0) and Value(-0.5)
    assert bool(Value(math.nan))  # as bool(float("nan"))


def test_formatting_rounding_and_conversions_use_the_data():
    v = Value(2.71828, label="e")
    assert f"{v:.3f}" == "2.718" and f"{v:>8.2f}" == "    2.72"
    assert f"{v}" == str(v) == repr(v)  # no format spec: the Value itself
    assert round(v) == 3 and round(v, 2) == 2.72 and type(round(v)) is int
    assert int(v) == 2 and math.floor(v) == 2 and math.ceil(v) == 3 and math.trunc(-v) == -2
    assert float(v) == 2.71828


def test_equality_is_identity_and_ordering_compares_data():
    x, y = Value(1.0), Value(1.0)
    assert x <= y and x >= y and x != y and x == x  # documented: == is `is`
    assert len({x, y}) == 2 and {x: 1}[x] == 1


def test_backward_from_a_no_grad_result_is_an_error():
    w = Value(3.0)
    with autograd.no_grad():
        loss = (w * 2).exp()
    with pytest.raises(RuntimeError, match=r"exp = .* no_grad\(\) and has no graph"):
        loss.backward()
    assert w.grad == 0.0
    Value(1.0).backward()  # a leaf you made is fine: its gradient is 1
    w.detach().backward()  # and so is a detached one


def test_a_grad_of_none_means_no_gradient_yet():
    x = Value(3.0)
    x.grad = None
    (x * x).backward()
    assert x.grad == 6.0
    x.grad = None
    (x * x).backward(create_graph=True)
    assert x.grad.data == 6.0


def test_a_failed_backward_changes_no_grad():
    a, b = Value(4.0), Value(0.0)
    a.grad, b.grad = 5.0, 1.0
    out = b.sqrt() + a * 2  # backward reaches a (through *) before sqrt, which raises at 0
    with pytest.raises(ValueError, match="sqrt"):
        out.backward()
    assert (a.grad, b.grad) == (5.0, 1.0)


def test_enable_grad_records_inside_no_grad():
    x = Value(2.0)
    with autograd.no_grad():
        with autograd.enable_grad():
            y = x * x
        z = x * x
    assert y.parents == (x, x) and z.parents == ()
    assert autograd.is_grad_enabled()


def test_a_value_named_twice_in_inputs_counts_once():
    x, w = Value(2.0), Value(3.0)
    ((x * w) ** 2).backward(inputs=[x, x])
    assert x.grad == 2 * 6.0 * 3.0 and w.grad == 0.0  # as PyTorch: 36, not 72


# ---- ops are objects: one per op, read by every consumer -----------------------------------


def test_every_node_holds_its_op_object_and_constant():
    from autograd.engine import DOT, LEAKY_RELU, MUL, POW, POW_CONST

    x, y = Value(2.0), Value(3.0)
    assert (x * y).op is MUL and (x * y).op == "*"  # an Op is the string of its name
    assert (x**2).op is POW_CONST and (x**2).ctx == 2.0
    assert (x**y).op is POW and (x**y).op == "**"  # two ops may show the same name
    assert x.leaky_relu(0.2).op is LEAKY_RELU and x.leaky_relu(0.2).ctx == 0.2
    assert autograd.dot([x], [y]).op is DOT and autograd.dot([x], [y]).ctx == 1
    assert isinstance(MUL, autograd.Op) and MUL.forward(None, 2.0, 3.0) == 6.0
    assert MUL.derivatives(None, 6.0, 2.0, 3.0) == (3.0, 2.0)


def test_an_op_makes_nodes_and_its_rules_run_on_arrays(numpy):
    from autograd.engine import LOG, SIGMOID

    v = LOG.node((Value(1.0),))
    assert v.op is LOG and v.data == 0.0
    xs = numpy.array([-800.0, 0.0, 800.0])
    assert SIGMOID.numpy_forward(None, xs).tolist() == [0.0, 0.5, 1.0]  # no overflow
    with pytest.raises(ValueError, match=r"log: input must be positive, got -1.0 \(in the batch\)"):
        LOG.numpy_forward(None, numpy.array([1.0, -1.0]))


def test_graphs_pickle_with_their_ops():
    import pickle

    from autograd.engine import MUL

    x = Value(2.0)
    y = pickle.loads(pickle.dumps(x * x + x.relu()))
    assert y.parents[0].op is MUL  # a built-in op comes back as itself
    y.backward()
    assert y.parents[0].parents[0].grad == 5.0


def test_a_primitive_is_an_op_like_the_built_in_ones():
    import pickle

    from autograd import ops

    sine = autograd.primitive(math.sin, ops.cos)
    out = sine(Value(0.5))
    assert isinstance(sine, autograd.Op) and out.op is sine and out.op == "sin"
    assert pickle.loads(pickle.dumps(sine)).fn is math.sin  # module-level parts pickle
    out.backward()
    assert out.parents[0].grad == math.cos(0.5)


def test_ops_are_equal_only_to_themselves_and_to_their_name():
    import copy

    from autograd import ops

    first, second = (autograd.primitive(math.sin, ops.cos) for _ in range(2))
    assert first != second and len({first, second}) == 2 and first == "sin"
    square = autograd.Op("square", lambda c, x: x * x, lambda c, out, x: (2 * x,))
    assert copy.deepcopy(square.node((Value(3.0),))).op == "square"  # an Op of your own copies
    with autograd.no_grad():
        leaf = autograd.primitive(lambda x: x, lambda x: 1.0, name="same")(Value(1.0))
    assert type(leaf.op) is str and leaf.op == "same"  # a no_grad leaf keeps the name only
    with pytest.raises(ValueError, match="primitive: name must not be empty"):
        autograd.primitive(math.sin, ops.cos, name="")

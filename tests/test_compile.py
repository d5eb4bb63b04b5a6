"""autograd.compile: the batched replay gives the eager engine's numbers."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, primitive
from autograd.testing import expressions
from nn import MLP, fit
from nn.data import make_moons, make_spirals
from nn.init import ACTIVATIONS
from nn.losses import binary_cross_entropy, cross_entropy, hinge, mse
from nn.optim import SGD


@pytest.fixture
def np(numpy):
    return numpy


def assert_close(ours, theirs, rel=1e-9):
    assert ours == pytest.approx(theirs, rel=rel, abs=1e-12)


def eager_grads(model, loss_of_batch):
    model.zero_grad()
    value = loss_of_batch()
    value.backward()
    return value.data, [p.grad for p in model.parameters()]


def compiled_grads(model, step, *arrays):
    model.zero_grad()
    value = step(*arrays)
    return value, [p.grad for p in model.parameters()]


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("loss_name", ["hinge", "mse", "binary_cross_entropy"])
def test_mlp_scalar_losses_match_eager(np, activation, loss_name):
    loss = {"hinge": hinge, "mse": mse, "binary_cross_entropy": binary_cross_entropy}[loss_name]
    X, labels = make_moons(30, noise=0.2, seed=1)
    y = [2.0 * v - 1 for v in labels] if loss is hinge else [float(v) for v in labels]
    model = MLP(2, [6, 5, 1], activation=activation, rng=random.Random(2))
    step = autograd.compile(lambda x, t: loss([model(x)], [t]))
    expected = eager_grads(model, lambda: loss([model(x) for x in X], y))
    got = compiled_grads(model, step, np.array(X), np.array(y))
    assert_close(got[0], expected[0])
    assert_close(got[1], expected[1])


def test_cross_entropy_with_one_hot_targets_matches_eager(np):
    X, y = make_spirals(45, n_classes=3, seed=0)
    model = MLP(2, [8, 3], activation="tanh", rng=random.Random(0))

    def per_sample(x, onehot):
        z = model(x)
        return autograd.logsumexp(z) - autograd.dot(onehot, z)

    expected = eager_grads(model, lambda: cross_entropy([model(x) for x in X], y))
    got = compiled_grads(model, autograd.compile(per_sample), np.array(X), np.eye(3)[y])
    assert_close(got[0], expected[0])
    assert_close(got[1], expected[1])


def test_sum_reduction_and_gradient_accumulation(np):
    w = Value(0.5)
    step = autograd.compile(lambda x: (w * x - 1) ** 2, reduction="sum")
    xs = np.array([1.0, 2.0, 3.0])
    assert step(xs) == pytest.approx(sum((0.5 * x - 1) ** 2 for x in xs))
    assert w.grad == pytest.approx(sum(2 * (0.5 * x - 1) * x for x in xs))
    step(xs)  # like backward: adds up until zero_grad
    assert w.grad == pytest.approx(2 * sum(2 * (0.5 * x - 1) * x for x in xs))


@settings(max_examples=60, deadline=None)
@given(
    expressions(n_inputs=(2, 4), max_ops=10),
    st.lists(st.floats(-1e-3, 1e-3), min_size=4, max_size=4),
)
def test_random_programs_match_eager(e, jitter):
    import numpy  # the fixture cannot reach a hypothesis test; numpy comes with the extras

    # The first input is a captured parameter; the others are batched, each lane a
    # small step from the drawn point (inside every op's domain by construction).
    param = Value(e.inputs[0])
    lanes = [[x + d * (k + 1) for x in e.inputs[1:]] for k, d in enumerate(jitter)]
    param.grad = 0.0
    total = autograd.sum([e.fn(param, *map(Value, lane)) for lane in lanes]) / len(lanes)
    total.backward()
    expected = param.grad
    param.grad = 0.0
    step = autograd.compile(lambda xs: e.fn(param, *xs))
    assert_close(step(numpy.array(lanes)), total.data, rel=1e-9)
    assert_close(param.grad, expected, rel=1e-7)


def test_forward_equals_eager_per_sample(np):
    model = MLP(3, [5, 4], activation="tanh", rng=random.Random(0))
    X = [[0.1, -0.2, 0.3], [1.0, 0.5, -1.5], [0.0, 0.0, 2.0]]
    out = autograd.compile(lambda x: model(x)).forward(np.array(X))
    assert out.shape == (3, 4)
    for row, x in zip(out, X):
        assert_close(list(row), [v.data for v in model(x)])
    single = autograd.compile(lambda x: model(x)[0] * 2).forward(np.array(X))
    assert single.shape == (3,)
    assert all(p.grad == 0.0 for p in model.parameters())  # forward computes no gradient


def test_parameters_are_read_at_every_call(np):
    w = Value(2.0)
    step = autograd.compile(lambda x: w * x)
    assert step(np.array([1.0, 3.0])) == 4.0
    w.data = 10.0
    assert step(np.array([1.0, 3.0])) == 20.0


def test_retraces_when_shapes_change_not_when_the_batch_does(np):
    step = autograd.compile(lambda xs: autograd.sum(xs))
    assert step.forward(np.ones((4, 2))).tolist() == [2.0] * 4
    assert step.forward(np.ones((7, 2))).tolist() == [2.0] * 7
    assert len(step.programs) == 1
    assert step.forward(np.ones((2, 5))).tolist() == [5.0, 5.0]
    assert len(step.programs) == 2


def test_no_parameters_is_fine(np):
    step = autograd.compile(lambda x: x.tanh() * x)
    xs = np.array([0.5, -1.0])
    assert_close(step(xs), sum(math.tanh(x) * x for x in xs) / 2)


def test_ops_without_a_vectorised_rule_raise_at_trace(np):
    mine = primitive(math.sin, lambda x: autograd.ops.cos(x), name="my_sin")
    with pytest.raises(TypeError, match="op 'my_sin' has no vectorised rule"):
        autograd.compile(lambda x: mine(x))(np.array([0.1, 0.2]))
    vectorised = primitive(
        math.sin, autograd.ops.cos, name="v_sin", numpy_fn=np.sin, numpy_partials=[np.cos]
    )
    w = Value(1.5)
    assert_close(
        autograd.compile(lambda x: vectorised(w * x))(np.array([0.2, 0.4])),
        (math.sin(0.3) + math.sin(0.6)) / 2,
    )
    assert_close(w.grad, (0.2 * math.cos(0.3) + 0.4 * math.cos(0.6)) / 2)


def test_bad_use_is_a_clear_error(np):
    with pytest.raises(ValueError, match="reduction"):
        autograd.compile(lambda x: x, reduction="max")
    with pytest.raises(TypeError, match="returning one Value"):
        autograd.compile(lambda x: [x, x])(np.array([1.0]))
    with pytest.raises(ValueError, match="batch sizes differ"):
        autograd.compile(lambda a, b: a * b)(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="1-D or 2-D"):
        autograd.compile(lambda a: a)(np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="log: input must be positive, got -1.0"):
        autograd.compile(lambda a: a.log())(np.array([1.0, -1.0]))


def test_data_dependent_python_branches_are_frozen_at_trace(np):
    # Documented behaviour, as torch.jit.trace: the first sample picks the branch.
    step = autograd.compile(lambda x: x if x.data > 0 else -x)
    assert step.forward(np.array([1.0, -2.0])).tolist() == [1.0, -2.0]
    relu = autograd.compile(lambda x: x.relu())  # a branch inside an op is vectorised
    assert relu.forward(np.array([1.0, -2.0])).tolist() == [1.0, 0.0]


@pytest.mark.parametrize(
    "loss_name", ["hinge", "cross_entropy", "soft cross_entropy", "mse", "bce", "own loss"]
)
def test_fit_compiled_matches_eager(loss_name, np):
    # nn's losses compile with the model; any other runs eagerly on its outputs
    X, labels = make_moons(60, noise=0.1, seed=0)
    y, outs = [2 * v - 1 for v in labels], 1
    loss = {"hinge": hinge, "mse": mse, "bce": binary_cross_entropy}.get(loss_name)
    if loss_name == "bce":
        y = labels
    elif loss_name == "own loss":
        loss = lambda preds, ys: mse(preds, ys) * 0.5  # noqa: E731
    elif "cross_entropy" in loss_name:
        X, y = make_spirals(60, n_classes=3, seed=0)
        loss, outs = cross_entropy, 3
        if loss_name.startswith("soft"):
            y = np.array([[0.8 if j == k else 0.1 for j in range(3)] for k in y])  # numpy rows
    histories = []
    for compiled in (False, True):
        model = MLP(2, [12, 12, outs], rng=random.Random(0))
        optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
        metrics = ["accuracy"] if loss_name in ("hinge", "cross_entropy") else []
        histories.append(
            fit(
                model,
                X,
                y,
                loss,
                optimizer,
                25,
                batch_size=16,
                progress=False,
                compile=compiled,
                metrics=metrics,
            )
        )
    eager, compiled = histories
    assert compiled.metrics == eager.metrics
    assert_close(compiled.loss, eager.loss, rel=1e-6)
    for ours, theirs in zip(compiled.grad_norm, eager.grad_norm):  # a list per epoch
        assert_close(ours, theirs, rel=1e-6)
    assert eager.dead_relu == compiled.dead_relu
    if loss_name == "hinge":
        assert compiled.metrics["accuracy"][-1] >= 0.95


def test_fit_compiled_checks_every_target_first(np):
    X, labels = make_moons(20, noise=0.1, seed=0)
    model = MLP(2, [4, 1], rng=random.Random(0))
    optimizer = SGD(model.parameters(), lr=0.1)
    labels[-1] = 0  # hinge wants -1 or +1: the last batch's last label is not
    y = [2 * v - 1 for v in labels[:-1]] + [0]
    with pytest.raises(ValueError, match=r"hinge: labels\[19\] must be -1 or \+1"):
        fit(model, X, y, hinge, optimizer, 1, batch_size=8, progress=False, compile=True)


def test_regressions_found_in_review(np):
    w = [Value(0.5), Value(-1.5)]
    xs = np.array([1.0, 2.0, 3.0, 4.0])
    # An L2-like term of parameters only, after per-sample work: summed once, not B times.
    autograd.compile(lambda x: x + 0.1 * autograd.dot(w, w))(xs)
    assert_close([p.grad for p in w], [0.1, -0.3])
    # logsumexp over a per-sample value and a constant.
    got = autograd.compile(lambda x: autograd.logsumexp([x * w[0], 0.0])).forward(xs)
    assert_close(list(got), [math.log(math.exp(0.5 * x) + 1) for x in xs])
    # A dot that is not part of a layer, next to one that is, with the same inputs.
    X, T = np.array([[0.5, -1.0], [2.0, 0.3]]), np.eye(2)
    both = autograd.compile(lambda x, t: [autograd.dot(t, x), autograd.dot(w, x)]).forward(X, T)
    assert_close(both.ravel().tolist(), [0.5, 1.75, 0.3, 0.55])
    # An infinite derivative where no gradient flows contributes nothing, as in the engine.
    v = Value(1.0)
    autograd.compile(lambda x: (x - 1).relu() * (v * x).sqrt())(np.array([0.0, 4.0]))
    assert v.grad == pytest.approx(1.5)  # the lane x=4: d/dv 3 * sqrt(4v) = 3 at v=1; mean of 2
    with pytest.raises(ValueError, match="sqrt: derivative is undefined at input 0.0"):
        autograd.compile(lambda x: (v * x).sqrt())(np.array([0.0, 4.0]))


def test_one_compiled_function_serves_several_threads(np):
    from concurrent.futures import ThreadPoolExecutor

    model = MLP(2, [8, 1], activation="tanh", rng=random.Random(0))
    predict = autograd.compile(lambda x: model(x))
    batches = [np.full((50 + 10 * k, 2), 0.1 * k) for k in range(12)]
    sequential = [predict.forward(b).tolist() for b in batches]
    with ThreadPoolExecutor(max_workers=6) as pool:  # each call keeps its own values
        threaded = [r.tolist() for r in pool.map(predict.forward, batches)]
    assert threaded == sequential


def test_compiled_relu_gives_eager_numbers_at_every_edge(np):
    xs = [-0.0, 0.0, math.nan, math.inf, -math.inf, -1.5, 2.5, 5e-324]
    step = autograd.compile(lambda x: x.relu(), reduction="sum")
    got = step.forward(np.array(xs)).tolist()
    for x, y in zip(xs, got):
        want = Value(x).relu().data
        assert (math.isnan(want) and math.isnan(y)) or (
            y == want and math.copysign(1, y) == math.copysign(1, want)
        ), (x, y, want)
    w = Value(1.0)
    autograd.compile(lambda x: (w * x).relu(), reduction="sum")(np.array(xs[:3] + xs[5:]))
    eager = Value(1.0)
    autograd.sum([(eager * x).relu() for x in xs[:3] + xs[5:]]).backward()
    assert (math.isnan(w.grad) and math.isnan(eager.grad)) or w.grad == eager.grad

"""Packed parameters (autograd.packing): Values as views into flat arrays, and the
optimizers' whole-array path, which must give the per-Value path's numbers exactly."""

from __future__ import annotations

import copy
import math
import pickle
import random

import pytest

np = pytest.importorskip("numpy")

import autograd  # noqa: E402
from autograd import Value, packing  # noqa: E402
from autograd.packing import PackedValue, pack, span, strided  # noqa: E402
from nn import MLP  # noqa: E402
from nn.optim import (  # noqa: E402
    SGD,
    Adam,
    AdamW,
    CosineAnnealingLR,
    clip_grad_norm_,
    clip_grad_value_,
)


def test_a_packed_value_reads_and_writes_the_arrays():
    a, b = Value(1.5, "a"), Value(-2.0)
    b.grad = 4.0
    where, positions = pack([a, b])
    assert type(a) is PackedValue and a.label == "a"
    assert where.data[positions].tolist() == [1.5, -2.0]
    assert where.grad[positions].tolist() == [0.0, 4.0]  # gradients move in too
    a.data = 3.0
    assert where.data[positions[0]] == 3.0 and a.data == 3.0
    where.data[positions[1]] = 7.0
    assert b.data == 7.0 and type(b.data) is float
    (a * b + a).backward()  # the eager engine works on packed Values as on any
    assert (a.grad, b.grad) == (8.0, 7.0)
    assert where.grad[positions].tolist() == [8.0, 7.0]
    assert a.ctx is None and not a.parents


def test_a_gradient_that_is_not_a_number_is_kept_aside():
    a, b = Value(1.0), Value(2.0)
    where, positions = pack([a, b])
    a.grad = None
    assert a.grad is None and where.odd == {int(positions[0]): None}
    g = Value(5.0)
    b.grad = g
    assert b.grad is g and where.grad[positions[1]] == 0.0
    b.grad = 2
    assert b.grad == 2.0 and int(positions[1]) not in where.odd


def test_copies_and_pickles_of_packed_values_are_plain_values():
    a = Value(2.5, "w")
    a.grad = 1.25
    pack([a])
    for other in (copy.copy(a), copy.deepcopy(a), pickle.loads(pickle.dumps(a))):
        assert type(other) is Value
        assert (other.data, other.grad, other.label, other.ctx) == (2.5, 1.25, "w", None)
        other.data = 9.0
        assert a.data == 2.5


def test_packing_again_merges_without_leaving_anyone_behind():
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    pack([a, b])
    before = packing.generation()
    where, positions = pack([b, c])  # b's packing comes along, a included
    assert packing.generation() > before
    assert packing.locate([a, b, c])[0] is where
    assert [a.data, b.data, c.data] == [1.0, 2.0, 3.0]
    assert pack([b, c])[0] is where and packing.generation() == before + 1  # no move


def test_only_plain_leaves_are_packed():
    class Mine(Value):
        pass

    x = Value(1.0)
    with pytest.raises(TypeError, match="pack: cannot pack"):
        pack([x * 2])
    with pytest.raises(TypeError, match="pack: cannot pack"):
        pack([Mine(1.0)])


def test_span_and_strided_views():
    assert span(np.array([3, 5, 4])) == slice(3, 6)
    assert span(np.array([3, 5])) is None
    assert span(np.array([3, 3, 4])) is None
    a = np.arange(20.0)
    rows = np.array([[1, 2, 3], [5, 6, 7]])  # each row's weights, with a bias between
    view = strided(a, rows)
    assert view.tolist() == [[1, 2, 3], [5, 6, 7]]
    view += 100
    assert a[5] == 105 and a[4] == 4  # writes go to the array, the gap untouched
    assert strided(a, np.array([4, 8, 12])).tolist() == [4, 8, 12]
    assert strided(a, np.array([[1, 2], [2, 3]])) is None  # overlapping rows
    assert strided(a, np.array([3, 2, 1])) is None  # backwards
    assert strided(a, np.array([1, 2, 4])) is None  # uneven


# ---- the optimizers' whole-array path against the per-Value path ------------------------


def _twin_params(n: int, seed: int) -> tuple[list[Value], list[Value]]:
    rng = random.Random(seed)
    numbers = [rng.uniform(-2, 2) for _ in range(n)]
    plain = [Value(x) for x in numbers]
    packed = [Value(x) for x in numbers]
    # packed in another order than the optimizer's: the group still fills one stretch
    pack(list(reversed(packed)))
    return plain, packed


OPTIMIZERS = {
    "sgd": lambda ps: SGD(ps, lr=0.1),
    "sgd momentum, decay": lambda ps: SGD(ps, lr=0.05, momentum=0.9, weight_decay=0.01),
    "sgd dampening": lambda ps: SGD(ps, lr=0.05, momentum=0.5, dampening=0.3),
    "sgd nesterov": lambda ps: SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
    "adam": lambda ps: Adam(ps, lr=0.01),
    "adam l2": lambda ps: Adam(ps, lr=0.01, betas=(0.3, 0.99), weight_decay=0.1),
    "adamw": lambda ps: AdamW(ps, lr=0.01, weight_decay=0.1),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_packed_steps_give_exactly_the_per_value_numbers(name):
    n = 70_000  # more than one chunk of the packed update
    plain, packed = _twin_params(n, 1)
    one, other = OPTIMIZERS[name](plain), OPTIMIZERS[name](packed)
    scheduler = CosineAnnealingLR(other, T_max=3)
    scheduler_too = CosineAnnealingLR(one, T_max=3)
    rng = random.Random(2)
    for step in range(5):
        grads = [rng.gauss(0, 1) for _ in range(n)]
        for opt, params in ((one, plain), (other, packed)):
            opt.zero_grad()
            for p, g in zip(params, grads):
                p.grad = p.grad + g
            opt.step()
        scheduler.step()
        scheduler_too.step()
        if step == 2:  # reading the state hands it back one dict per parameter
            assert other.state.get(packed[7]) == one.state.get(plain[7])
    assert [p.data for p in packed] == [p.data for p in plain]
    assert other.state_dict() == one.state_dict()


def test_a_packed_optimizer_loads_a_per_value_state_and_goes_on_alike():
    plain, packed = _twin_params(100, 3)
    one, other = Adam(plain, lr=0.1), Adam(packed, lr=0.1)
    for p, q in zip(plain, packed):
        p.grad = q.grad = p.data / 3
    one.step()
    other.load_state_dict(one.state_dict())
    for p, q in zip(plain, packed):
        q.data = p.data
        p.grad = q.grad = math.sin(p.data)
    one.step()
    other.step()
    assert [p.data for p in packed] == [p.data for p in plain]
    assert other.state_dict() == one.state_dict()


def test_a_packed_group_with_a_none_gradient_steps_one_value_at_a_time():
    plain, packed = _twin_params(10, 4)
    one, other = Adam(plain, lr=0.1), Adam(packed, lr=0.1)
    for _ in range(3):
        for p, q in zip(plain, packed):
            p.grad = q.grad = p.data + 1
        plain[3].grad = packed[3].grad = None  # skipped, as in torch
        one.step()
        other.step()
    assert [p.data for p in packed] == [p.data for p in plain]
    assert other.state_dict() == one.state_dict()
    other.zero_grad()
    assert [q.grad for q in packed] == [0.0] * 10


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
def test_packed_clipping_gives_the_per_value_numbers(norm_type):
    plain, packed = _twin_params(1000, 5)
    rng = random.Random(6)
    for p, q in zip(plain, packed):
        p.grad = q.grad = rng.gauss(0, 1)
    assert clip_grad_norm_(packed, 1.0, norm_type) == clip_grad_norm_(plain, 1.0, norm_type)
    assert [q.grad for q in packed] == [p.grad for p in plain]
    clip_grad_value_(plain, 0.01)
    clip_grad_value_(packed, 0.01)
    assert [q.grad for q in packed] == [p.grad for p in plain]


# ---- compiled steps and packed parameters ----------------------------------------------


def _moons(n: int = 32):
    rng = random.Random(0)
    X = np.array([[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(n)])
    Y = np.sign(X[:, 0] * X[:, 1]) + (X[:, 0] * X[:, 1] == 0)
    return X, Y


def test_a_compiled_training_loop_gives_the_eager_numbers(monkeypatch):
    X, Y = _moons()
    eager = MLP(2, [8, 8, 1], rng=random.Random(1))
    model = MLP(2, [8, 8, 1], rng=random.Random(1))
    step = autograd.compile(lambda x, y: (1 - y * model(x)).relu())
    opt, opt_eager = Adam(model.parameters(), lr=0.05), Adam(eager.parameters(), lr=0.05)
    one_at_a_time = Adam._update

    def only_eager(self, p, *args):  # the packed model must never step one Value at a time
        assert self is opt_eager
        one_at_a_time(self, p, *args)

    monkeypatch.setattr(Adam, "_update", only_eager)
    for _ in range(5):
        opt.zero_grad()
        loss = step(X, Y)
        opt.step()
        opt_eager.zero_grad()
        eager_loss = autograd.sum(
            [(1 - y * eager(x)).relu() for x, y in zip(X.tolist(), Y.tolist())]
        ) / len(X)
        eager_loss.backward()
        opt_eager.step()
        assert loss == pytest.approx(eager_loss.data, rel=1e-12)
    assert all(type(p) is PackedValue for p in model.parameters())
    assert [p.data for p in model.parameters()] == pytest.approx(
        [p.data for p in eager.parameters()], rel=1e-9, abs=1e-12
    )


def test_a_parameter_changed_by_hand_is_what_the_compiled_step_uses():
    model = MLP(2, [3, 1], rng=random.Random(2))
    predict = autograd.compile(lambda x: model(x))
    X = np.array([[0.5, -1.0]])
    predict.forward(X)  # traced and packed
    model.layers[0].neurons[1].w[0].data = 10.0
    model.load_state_dict({k: v * 2 for k, v in model.state_dict().items()})
    assert predict.forward(X)[0] == pytest.approx(model([0.5, -1.0]).data, rel=1e-14)


def test_two_compiled_steps_share_parameters():
    model = MLP(2, [4, 1], rng=random.Random(3))
    first = autograd.compile(lambda x: model.layers[0](x)[0])
    second = autograd.compile(lambda x: model(x))
    X = np.array([[1.0, 2.0], [-1.0, 0.5]])
    a = first.forward(X)
    b = second.forward(X)  # packs the rest of the model: the first step's plan moves
    model.zero_grad()
    first(X)
    second(X)
    grads = [p.grad for p in model.parameters()]
    eager = MLP(2, [4, 1], rng=random.Random(3))
    for x in X.tolist():
        (autograd.sum([eager.layers[0](x)[0], eager(x)]) / len(X)).backward()
    assert grads == pytest.approx([p.grad for p in eager.parameters()], rel=1e-12)
    assert first.forward(X).tolist() == a.tolist() and second.forward(X).tolist() == b.tolist()


def test_a_value_subclass_parameter_compiles_unpacked():
    class Mine(Value):
        pass

    w = Mine(2.0)
    step = autograd.compile(lambda x: w * x, reduction="sum")
    assert step(np.array([1.0, 3.0])) == 8.0
    assert w.grad == 4.0 and type(w) is Mine


def test_cleared_gradients_read_zero_and_a_step_writes_them_all():
    X, Y = _moons(8)
    model = MLP(2, [4, 1], rng=random.Random(5))
    params = model.parameters()
    step = autograd.compile(lambda x, y: (1 - y * model(x)).relu())
    opt = SGD(params, lr=0.1)
    step(X, Y)
    where, _ = packing.locate(params)
    assert len(where) == len(params)  # `1` is a constant of the function, not packed
    opt.zero_grad()
    assert where.cleared and [p.grad for p in params] == [0.0] * len(params)
    params[3].grad = 2.0  # a write first writes the zeros
    assert not where.cleared and params[3].grad == 2.0 and params[4].grad == 0.0
    opt.zero_grad()
    step(X, Y)
    once = [p.grad for p in params]
    opt.zero_grad()
    where.grad[:] = 0.0  # the same, with the zeros written: the step adds
    step(X, Y)
    assert [p.grad for p in params] == once
    eager = MLP(2, [4, 1], rng=random.Random(5))
    loss = autograd.sum([(1 - y * eager(x)).relu() for x, y in zip(X.tolist(), Y.tolist())])
    (loss / len(X)).backward()
    assert once == pytest.approx([p.grad for p in eager.parameters()], rel=1e-12, abs=1e-15)


def test_leaves_made_by_the_function_are_constants_of_the_program():
    w = Value(2.0)
    made = []

    def f(x):
        c = Value(3.0)  # made while tracing: its number is part of the program
        made.append(c)
        return w * x * c

    step = autograd.compile(f, reduction="sum")
    assert step(np.array([1.0, 2.0])) == 18.0
    assert w.grad == 9.0 and type(w) is PackedValue
    assert type(made[0]) is Value and made[0].grad == 0.0  # neither packed nor given a gradient


def test_a_step_that_writes_only_some_gradients_adds_to_written_zeros():
    X = np.array([[0.5, -1.0], [2.0, 0.25]])
    model = MLP(2, [3, 1], rng=random.Random(6))
    whole = autograd.compile(lambda x: model(x))
    part = autograd.compile(lambda x: model.layers[0](x)[1])  # the first layer's only
    whole(X)  # packs every parameter
    part(X)
    opt = SGD(model.parameters(), lr=0.1)
    for p in model.parameters():
        p.grad = 123.0  # stale numbers a cleared packing must not show
    opt.zero_grad()
    part(X)
    eager = MLP(2, [3, 1], rng=random.Random(6))
    (autograd.sum([eager.layers[0](x)[1] for x in X.tolist()]) / len(X)).backward()
    assert [p.grad for p in model.parameters()] == pytest.approx(
        [p.grad for p in eager.parameters()], rel=1e-12, abs=1e-15
    )


# ---- found in review ---------------------------------------------------------------------


def test_a_group_packed_by_a_later_group_still_steps():
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    autograd.compile(lambda x: a * x + b * x, reduction="sum")(np.array([1.0]))
    c.grad = 1.0  # c is not packed: the second group brings it in, moving a's packing
    opt = SGD([{"params": [a]}, {"params": [b, c]}], lr=0.1)
    opt.step()
    assert (a.data, b.data, c.data) == (0.9, 1.9, 2.9)


def test_a_pull_back_after_the_parameters_moved_still_lands():
    X = np.array([[0.5, -1.0], [2.0, 0.25]])
    model = MLP(2, [3, 1], rng=random.Random(0))
    first = autograd.compile(lambda x: model.layers[0](x)[0])
    _, pull_back = first.vjp(X)
    autograd.compile(lambda x: model(x)).forward(X)  # packs the rest: a new packing
    pull_back(np.ones(len(X)))
    eager = MLP(2, [3, 1], rng=random.Random(0))
    autograd.sum([eager.layers[0](x)[0] for x in X.tolist()]).backward()
    assert [p.grad for p in model.parameters()] == [p.grad for p in eager.parameters()]


@pytest.mark.parametrize("copy_of", [copy.deepcopy, lambda x: pickle.loads(pickle.dumps(x))])
def test_a_copied_model_and_optimizer_train_the_copy(copy_of):
    model = MLP(2, [3, 1], rng=random.Random(1))
    opt = Adam(model.parameters(), lr=0.1)
    step = autograd.compile(lambda x: model(x))
    opt.zero_grad()
    step(np.array([[1.0, 2.0]]))
    opt.step()
    twin, twin_opt = copy_of((model, opt))
    assert twin_opt.state_dict() == opt.state_dict()
    before = [p.data for p in twin.parameters()]
    twin_opt.zero_grad()
    twin([1.0, 2.0]).backward()
    twin_opt.step()
    assert [p.data for p in twin.parameters()] != before
    assert [p.data for p in model.parameters()] == before  # the original is untouched


def test_state_reads_keep_the_per_value_order_of_entries():
    plain, packed = _twin_params(4, 7)
    one, other = Adam(plain, lr=0.1), Adam(packed, lr=0.1)
    for p, q in zip(plain, packed):
        p.grad = q.grad = 1.0
    one.step()
    other.step()
    order = ["step", "exp_avg", "exp_avg_sq"]
    assert list(other.state[packed[0]]) == list(one.state[plain[0]]) == order

"""autograd.export.to_torch: a compiled program as a torch.nn.Module, checked in float64.

The module must give the compiled step's outputs (an MLP per sample, and every op of
the table in a function of its own, lane by lane and over a block), the compiled
step's gradients through PyTorch's autograd, and the same training when SGD carries
on in torch. Ops without a torch form, and steps with no program to choose, are
errors that say so.
"""

from __future__ import annotations

import copy
import io
import math
import pickle
import random
from collections.abc import Callable
from dataclasses import dataclass

import pytest

import autograd
import autograd.compiler
from autograd import Op, Value, engine, mathlib, ops, primitive
from autograd.export import to_torch
from autograd.testing import OPS
from nn import MLP
from nn.data import make_moons
from nn.optim import SGD

pytestmark = pytest.mark.parity

REL = 1e-12  # forward values: the same formulas, rounded alike or within an ulp or two


@pytest.fixture
def np(numpy):
    return numpy


def _close(got, want, rel=REL, abs_=1e-14):
    assert got.shape == want.shape
    assert got.ravel().tolist() == pytest.approx(want.ravel().tolist(), rel=rel, abs=abs_)


# ---- an MLP, per sample -------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "gelu", "silu", "elu", "mish"])
@pytest.mark.parametrize("batch", [1, 5, 64])
def test_an_mlp_exports_with_the_compiled_outputs_and_gradients(torch, np, activation, batch):
    rng = np.random.default_rng(batch)
    model = MLP(3, [8, 6, 2], activation=activation, rng=random.Random(batch))
    step = autograd.compile(lambda x: model(x))
    X = rng.normal(size=(batch, 3))
    net = to_torch(step, X, parameters=model)
    assert net.names == [name for name, _ in model.named_parameters()]
    assert net.theta.dtype == torch.float64 and net.constants.numel() == 0

    out = net(torch.tensor(X))
    want, pull_back = step.vjp(X)
    assert out.shape == want.shape == (batch, 2)
    _close(out.detach().numpy(), want)

    cotangents = rng.normal(size=want.shape)  # d(loss)/d(outputs), for a loss of any kind
    (out * torch.tensor(cotangents)).sum().backward()
    model.zero_grad()
    pull_back(cotangents)
    ours = np.array([p.grad for p in model.parameters()])
    _close(net.theta.grad.numpy(), ours, rel=1e-10, abs_=1e-13)


def test_by_default_every_captured_leaf_is_a_parameter_in_program_order(torch, np):
    model = MLP(2, [4, 1], activation="tanh", rng=random.Random(0))
    step = autograd.compile(lambda x: 2.0 * model(x))  # the 2.0: a leaf the function made
    X = np.linspace(-1.0, 1.0, 10).reshape(5, 2)
    step.forward(X)
    net = to_torch(step)  # the only program traced
    (program,) = step.programs.values()
    assert net.theta.tolist() == [p.data for p in program.params]
    assert net.names == [p.label for p in program.params]
    out = net(torch.tensor(X))
    assert out.shape == (5,)  # one output: (B,), as step.forward
    _close(out.detach().numpy(), step.forward(X))
    # with the model's parameters named, the 2.0 is a constant: a buffer, not trained
    net = to_torch(step, parameters=model.named_parameters())
    assert net.constants.tolist() == [2.0] and [p.numel() for p in net.parameters()] == [17]
    _close(net(torch.tensor(X)).detach().numpy(), step.forward(X))


def test_the_module_moves_pickles_and_changes_dtype(torch, np):
    model = MLP(3, [5, 2], activation="silu", rng=random.Random(1))
    step = autograd.compile(lambda x, s: [y * s for y in model(x)])
    X, S = np.random.default_rng(0).normal(size=(4, 3)), np.array([1.0, 2.0, -1.0, 0.5])
    net = to_torch(step, X, S)
    want = step.forward(X, S)
    for again in (
        copy.deepcopy(net),
        pickle.loads(pickle.dumps(net)),
        _saved_and_loaded(torch, net),
    ):
        _close(again(torch.tensor(X), torch.tensor(S)).detach().numpy(), want)
    meta = copy.deepcopy(net).to("meta")  # nothing in forward stays on the CPU
    x = torch.empty(4, 3, dtype=torch.float64, device="meta")
    assert meta(x, torch.empty(4, dtype=torch.float64, device="meta")).device.type == "meta"
    single = copy.deepcopy(net).float()
    out = single(X, S)  # arrays are read as tensors of the module's dtype
    assert out.dtype == torch.float32
    _close(out.detach().double().numpy(), want, rel=1e-5, abs_=1e-6)
    assert "inputs (B, 3), (B,)" in repr(net)


def _saved_and_loaded(torch, net):
    buffer = io.BytesIO()
    torch.save(net, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=False)


# ---- every op ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    arity: int
    fn: Callable
    defined: Callable = lambda *xs: True
    points: tuple = ()  # each input's choices, where drawing from [-2, 2] will not do
    rel: float = 1e-9  # the input gradients, torch's autograd against our derivatives


def _pos(a: float) -> bool:
    return a > 0.1


EXTRA = {  # beyond autograd.testing.OPS: the rest of the table, and constants of every kind
    "square op": Case(1, ops.square),
    "pow const": Case(1, lambda a: a**-1.5, lambda a: a > 0.1),
    "sum": Case(3, lambda a, b, c: autograd.sum([a, b, c])),
    "dot": Case(5, lambda a, b, c, d, e: autograd.dot([a, b], [c, d], e)),
    "dot (no bias)": Case(4, lambda a, b, c, d: autograd.dot([a, b], [c, d])),
    "logsumexp": Case(3, lambda a, b, c: autograd.logsumexp([a, b, c])),
    "heaviside": Case(2, ops.heaviside, points=((-1.5, 0.0, 0.0, 2.0), (0.5, -2.0))),
    "where (0)": Case(3, ops.where, points=((0.0, 1.0, -2.0), (1.5, -0.5), (0.25, 3.0))),
    "log(x, base)": Case(2, ops.log, lambda x, b: x > 0.1 and 0.1 < b and abs(b - 1) > 0.1),
    "logit(eps)": Case(1, lambda a: ops.logit(a, 0.1), lambda a: abs(a - 0.1) > 0.01),
    "clamp(min)": Case(1, lambda a: ops.clamp(a, min=0.5), lambda a: abs(a - 0.5) > 0.01),
    "softplus(2, 1)": Case(1, lambda a: ops.softplus(a, 2.0, 1.0), lambda a: abs(a - 0.5) > 0.01),
    "elu(0.5)": Case(1, lambda a: ops.elu(a, 0.5), lambda a: abs(a) > 0.01),
    "celu(2)": Case(1, lambda a: ops.celu(a, 2.0), lambda a: abs(a) > 0.01),
    "hardtanh(-2, 1)": Case(1, lambda a: ops.hardtanh(a, -2.0, 1.0), lambda a: abs(a - 1) > 0.01),
    "softshrink(1)": Case(1, lambda a: ops.softshrink(a, 1.0), lambda a: abs(abs(a) - 1) > 0.01),
    "hardshrink(1)": Case(1, lambda a: ops.hardshrink(a, 1.0), lambda a: abs(abs(a) - 1) > 0.01),
    **{f"polygamma({n})": Case(1, lambda a, n=n: ops.polygamma(n, a), _pos) for n in (0, 2, 3)},
}
CASES = {name: Case(op.arity, op.apply, op.defined) for name, op in OPS.items()} | EXTRA
# torch's trigamma (polygamma(1), digamma's derivative) is good to about 1e-9 only
CASES["digamma"] = Case(1, ops.digamma, _pos, rel=1e-7)
CASES["polygamma"] = Case(1, lambda a: ops.polygamma(1, a), _pos, rel=1e-7)
CASES["polygamma(0)"] = Case(1, lambda a: ops.polygamma(0, a), _pos, rel=1e-7)
CASES["hardsigmoid"] = Case(1, ops.hardsigmoid, OPS["hardsigmoid"].defined, rel=1e-7)  # f32(1/6)
FORWARD_REL = {"polygamma": 1e-8}  # trigamma, the values themselves


def _inputs(case: Case, rng: random.Random, batch: int = 6) -> list[list[float]]:
    """`batch` points of the op's domain, one list per input."""
    points = []
    while len(points) < batch:
        if case.points:
            xs = tuple(choices[len(points) % len(choices)] for choices in case.points)
        else:
            xs = tuple(rng.uniform(-2.0, 2.0) for _ in range(case.arity))
        if case.defined(*xs) and math.isfinite(case.fn(*xs)):
            points.append(xs)
    return [list(column) for column in zip(*points)]


def _ops_of(step) -> set:
    return {s.op for program in step.programs.values() for s in program.steps if s.kind != "layer"}


@pytest.mark.parametrize("name", list(CASES))
def test_every_op_exports_with_the_compiled_values_and_our_derivatives(torch, np, name):
    case = CASES[name]
    columns = _inputs(case, random.Random(name))
    arrays = [np.array(c) for c in columns]
    step = autograd.compile(case.fn)
    net = to_torch(step, *arrays)
    tensors = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = net(*tensors)
    _close(out.detach().numpy(), step.forward(*arrays), rel=FORWARD_REL.get(name, REL))
    out.sum().backward()  # torch's autograd differentiates every torch form (heaviside too)
    slopes = autograd.grad(case.fn, argnums=tuple(range(case.arity)))
    for lane, xs in enumerate(zip(*columns)):
        want = slopes(*xs)
        # an input torch's graph does not reach (where's condition) has no gradient: 0
        got = [0.0 if t.grad is None else t.grad[lane].item() for t in tensors]
        assert got == pytest.approx(list(want), rel=case.rel, abs=1e-12), (name, xs)
    if case.arity == 1:  # the op over a block of rows: one call on a (3, B) matrix
        a = arrays[0]
        rows = np.stack([a, a[::-1], np.roll(a, 1)], axis=1)  # each lane a point of the domain
        block = autograd.compile(lambda v: [case.fn(x) for x in v])
        net = to_torch(block, rows)
        assert any(s.kind == "map" for s in next(iter(block.programs.values())).steps)
        want = block.forward(rows)
        _close(net(torch.tensor(rows)).detach().numpy(), want, rel=FORWARD_REL.get(name, REL))


def test_the_op_cases_cover_every_op_and_every_op_has_a_torch_form(np):
    table = {v for m in (engine, mathlib) for v in vars(m).values() if type(v) is Op}
    assert len(table) > 90 and all(op.torch_forward is not None for op in table)
    seen = set()
    for case in CASES.values():
        step = autograd.compile(case.fn)
        step.forward(*[np.array(c) for c in _inputs(case, random.Random(0), batch=2)])
        seen |= _ops_of(step)
    assert {str(op) for op in table} == {str(op) for op in seen}
    assert table == {op for op in seen if isinstance(op, Op)}


def test_a_layer_fed_by_single_nodes_and_lane_independent_values(torch, np):
    w = [Value(0.5), Value(-1.5), Value(2.0)]
    b = Value(0.25)

    def fn(x, y):  # a layer of two neurons (w repeated, b shared) over no block of rows
        inputs = [x * y, ops.sin(x), w[0] * w[1]]  # the last lane-independent
        hidden = [autograd.dot(w, inputs, b), autograd.dot(w[::-1], inputs, b)]
        lone = w[2] * 3.0  # lane-independent: one number for the whole batch
        return [hidden[0] * hidden[1], lone, ops.tanh(x) + lone]

    step = autograd.compile(fn)
    X, Y = np.linspace(-1, 1, 7), np.linspace(2, 0, 7)
    net = to_torch(step, X, Y)
    out = net(torch.tensor(X), torch.tensor(Y))
    _close(out.detach().numpy(), step.forward(X, Y))
    cotangents = np.random.default_rng(0).normal(size=out.shape)
    (out * torch.tensor(cotangents)).sum().backward()
    for p in (*w, b):
        p.grad = 0.0
    step.vjp(X, Y)[1](cotangents)
    (program,) = step.programs.values()
    _close(net.theta.grad.numpy(), np.array([p.grad for p in program.params]), rel=1e-10)


# ---- training carries on in torch ---------------------------------------------------------


def test_five_sgd_steps_in_torch_are_five_sgd_steps_here(torch, np):
    X, labels = make_moons(40, noise=0.1, seed=0)
    X, Y = np.array(X), np.array([2.0 * v - 1.0 for v in labels])
    model = MLP(2, [8, 8, 1], activation="tanh", rng=random.Random(3))
    step = autograd.compile(lambda x, y: (1 - y * model(x)).relu())  # the hinge loss
    net = to_torch(step, X, Y, parameters=model)  # the model's weights now; the 1 a constant
    assert net.constants.tolist() == [1.0]

    optimizer = torch.optim.SGD(net.parameters(), lr=0.2)
    theirs = []
    for _ in range(5):
        optimizer.zero_grad()
        loss = net(torch.tensor(X), torch.tensor(Y)).mean()
        loss.backward()
        optimizer.step()
        theirs.append(loss.item())

    sgd = SGD(model.parameters(), lr=0.2)
    ours = []
    for _ in range(5):
        sgd.zero_grad()
        ours.append(step(X, Y))
        sgd.step()

    assert theirs == pytest.approx(ours, rel=1e-12)
    weights = np.array([p.data for p in model.parameters()])
    _close(net.theta.detach().numpy(), weights, rel=1e-11, abs_=1e-14)
    assert net.constants.tolist() == [1.0]  # not trained


def test_the_method_form_is_the_function(torch, np):
    model = MLP(2, [3, 1], rng=random.Random(0))
    step = autograd.compile(lambda x: model(x))
    X = np.array([[0.5, -1.0], [2.0, 0.25]])
    net = step.to_torch(X, parameters=model)
    assert net.names == to_torch(step, X, parameters=model).names
    _close(net(torch.tensor(X)).detach().numpy(), step.forward(X))


# ---- errors -------------------------------------------------------------------------------


def _twice(x):
    return 2.0 * x


def _two(x):
    return 0.0 * x + 2.0


def test_a_primitive_without_a_torch_form_is_refused_by_name(torch, np):
    rules = {"numpy_fn": _twice, "numpy_partials": [_two]}
    twice = primitive(_twice, _two, name="twice", **rules)
    step = autograd.compile(lambda x: twice(ops.sin(x)))
    X = np.array([0.5, 1.0])
    with pytest.raises(TypeError, match="to_torch: op 'twice' has no torch form.*torch_fn="):
        to_torch(step, X)
    own = Op("twice", lambda c, x: 2.0 * x, lambda c, out, x: (2.0,))
    with pytest.raises(TypeError, match="op 'twice' has no torch form"):
        to_torch(autograd.compile(lambda x: own.node((x,))), X)
    exported = primitive(_twice, _two, name="twice", torch_fn=_twice, **rules)
    step = autograd.compile(lambda x: exported(ops.sin(x)))
    _close(to_torch(step, X)(torch.tensor(X)).detach().numpy(), step.forward(X))
    again = pickle.loads(pickle.dumps(exported))
    assert again.torch_fn is _twice and again.torch_forward is not None
    with pytest.raises(TypeError, match="primitive: torch_fn must be callable, got int"):
        primitive(_twice, _two, torch_fn=3)


def test_a_step_with_no_program_or_several_is_refused(torch, np):
    step = autograd.compile(lambda x: [v * 2.0 for v in x] if isinstance(x, list) else x * 2.0)
    with pytest.raises(ValueError, match="to_torch: the step has no traced program yet"):
        to_torch(step)
    step.forward(np.array([1.0, 2.0]))
    step.forward(np.array([[1.0, 2.0]]))  # traced again: a list of two per sample
    with pytest.raises(ValueError, match=r"2 argument shapes \(\(B,\); \(B, 2\)\): pass example"):
        to_torch(step)
    net = to_torch(step, np.array([[3.0, 4.0]]))  # chosen by the example's shape
    assert net(torch.tensor([[3.0, 4.0], [1.0, 0.0]])).tolist() == [[6.0, 8.0], [2.0, 0.0]]
    assert to_torch(step, torch.tensor([1.0, 5.0]))(torch.tensor([4.0])).tolist() == [8.0]
    with pytest.raises(TypeError, match="to_torch: expected a step made by autograd.compile"):
        to_torch(lambda x: x)
    with pytest.raises(TypeError, match="to_torch: parameters must hold Values"):
        to_torch(step, np.array([1.0]), parameters=[1.0])
    with pytest.raises(TypeError, match="to_torch: parameters must be a model"):
        to_torch(step, np.array([1.0]), parameters=Value(1.0))
    with pytest.raises(ValueError, match=r"argument 0 must have shape \(B,\), got \(2, 1\)"):
        net = to_torch(step, np.array([1.0]))
        net(torch.ones(2, 1))
    with pytest.raises(TypeError, match="takes 1 batched argument"):
        net(torch.ones(2), torch.ones(2))


def test_ops_of_ones_own_pickle_with_their_torch_form():
    op = Op("mine", max, min, torch_forward=abs)  # module-level rules pickle
    again = pickle.loads(pickle.dumps(op))
    assert again == "mine" and again.torch_forward is abs and again.forward is max
    # a pickle made before torch forms (six arguments to Op) still loads, without one
    assert Op("mine", max, min, None, None, True).torch_forward is None

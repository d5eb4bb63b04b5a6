"""Optimizers, schedulers and clipping: trajectories against torch.optim, state_dict, errors.

Parity runs in float64. Each side takes gradients from its own engine, which agree to
an ulp or two; over 25 steps of a smooth problem that stays far below TOL.
"""

import json
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value
from nn.optim import (
    SGD,
    Adam,
    AdamW,
    CosineAnnealingLR,
    ExponentialLR,
    Optimizer,
    StepLR,
    clip_grad_norm_,
    clip_grad_value_,
)

TOL = 1e-9
STEPS = 25
parity = pytest.mark.parity

# ---- a small problem that works on Values and on 0-dim tensors alike --------------------------

DATA = [((0.5, -1.0), 0.3), ((-1.5, 0.25), -0.7), ((1.0, 2.0), 1.1), ((-0.3, -0.8), 0.0)]
N_PARAMS = 9


def loss_fn(w):
    """A 2-2-1 tanh network's squared error on DATA, plus a quadratic pull on w[8]."""
    total = 0.0
    for (x1, x2), y in DATA:
        h1 = (w[0] * x1 + w[1] * x2 + w[2]).tanh()
        h2 = (w[3] * x1 + w[4] * x2 + w[5]).tanh()
        out = w[6] * h1 + w[7] * h2 + w[8]
        total = total + (out - y) ** 2
    return total / len(DATA) + 0.1 * (w[8] - 0.5) ** 2


def initial(seed=0):
    rng = random.Random(seed)
    return [rng.uniform(-1, 1) for _ in range(N_PARAMS)]


def run_ours(opt, params, steps):
    """`steps` optimizer steps; the parameters' data after each."""
    path = []
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(params).backward()
        opt.step()
        path.append([p.data for p in params])
    return path


def groups_of(params, spec):
    """`spec` is None (all params, one group) or a list of (start, stop, overrides)."""
    if spec is None:
        return params
    return [{"params": params[a:b], **over} for a, b, over in spec]


# (name, our class, torch class name, kwargs, group spec)
TWO_GROUPS = [(0, 6, {"lr": 0.05}), (6, 9, {})]
CONFIGS = [
    ("sgd", SGD, "SGD", {"lr": 0.1}, None),
    ("sgd-momentum", SGD, "SGD", {"lr": 0.1, "momentum": 0.9}, None),
    ("sgd-dampening", SGD, "SGD", {"lr": 0.1, "momentum": 0.8, "dampening": 0.3}, None),
    ("sgd-nesterov", SGD, "SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}, None),
    ("sgd-weight-decay", SGD, "SGD", {"lr": 0.1, "weight_decay": 0.05}, None),
    (
        "sgd-all",
        SGD,
        "SGD",
        {"lr": 0.1, "momentum": 0.7, "nesterov": True, "weight_decay": 0.02},
        None,
    ),
    (
        "sgd-groups",
        SGD,
        "SGD",
        {"lr": 0.1, "momentum": 0.9},
        [(0, 4, {"lr": 0.05, "dampening": 0.5}), (4, 9, {"momentum": 0.3, "weight_decay": 0.1})],
    ),
    ("adam", Adam, "Adam", {"lr": 0.05}, None),
    ("adam-betas-eps", Adam, "Adam", {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-3}, None),
    ("adam-weight-decay", Adam, "Adam", {"lr": 0.05, "weight_decay": 0.1}, None),
    ("adam-groups", Adam, "Adam", {"lr": 0.02}, [(0, 6, {"betas": (0.5, 0.9)}), (6, 9, {})]),
    ("adamw-default-decay", AdamW, "AdamW", {"lr": 0.05}, None),
    ("adamw", AdamW, "AdamW", {"lr": 0.05, "weight_decay": 0.3}, TWO_GROUPS),
]


@parity
@pytest.mark.parametrize("config", CONFIGS, ids=[c[0] for c in CONFIGS])
def test_trajectory_matches_torch(torch, config):
    _, ours_cls, torch_name, kwargs, spec = config
    start = initial()
    params = [Value(x) for x in start]
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in start]
    ours = ours_cls(groups_of(params, spec), **kwargs)
    theirs = getattr(torch.optim, torch_name)(groups_of(tensors, spec), **kwargs)
    moved = False
    for step in range(STEPS):
        ours.zero_grad()
        loss_fn(params).backward()
        ours.step()
        theirs.zero_grad()
        loss_fn(tensors).backward()
        theirs.step()
        for p, t in zip(params, tensors):
            assert p.data == pytest.approx(t.item(), rel=0, abs=TOL), f"step {step}"
        moved = moved or any(abs(p.data - x) > 1e-3 for p, x in zip(params, start))
    assert moved  # the comparison means something only if the parameters went somewhere


# ---- schedulers ---------------------------------------------------------------------------------

SCHEDULERS = [
    ("step", StepLR, {"step_size": 3, "gamma": 0.5}),
    ("step-default-gamma", StepLR, {"step_size": 4}),
    ("exponential", ExponentialLR, {"gamma": 0.9}),
    ("cosine", CosineAnnealingLR, {"T_max": 10}),  # 30 epochs: down, up, down again
    ("cosine-eta-min", CosineAnnealingLR, {"T_max": 7, "eta_min": 0.01}),
]


@parity
@pytest.mark.parametrize("config", SCHEDULERS, ids=[c[0] for c in SCHEDULERS])
def test_scheduler_lrs_match_torch(torch, config):
    _, cls, kwargs = config
    lrs = (0.1, 0.03)
    ours_opt = SGD([{"params": [Value(0.0)], "lr": lr} for lr in lrs], lr=1.0)
    tensors = [torch.zeros((), dtype=torch.float64, requires_grad=True) for _ in lrs]
    theirs_opt = torch.optim.SGD([{"params": [t], "lr": lr} for t, lr in zip(tensors, lrs)], lr=1.0)
    ours, theirs = (
        cls(ours_opt, **kwargs),
        getattr(torch.optim.lr_scheduler, cls.__name__)(theirs_opt, **kwargs),
    )
    assert ours.get_last_lr() == theirs.get_last_lr()
    seen = set()
    for epoch in range(30):
        ours_opt.step()
        theirs_opt.step()
        ours.step()
        theirs.step()
        expected = theirs.get_last_lr()
        assert ours.get_last_lr() == pytest.approx(expected, rel=1e-13, abs=1e-17), epoch
        assert [g["lr"] for g in ours_opt.param_groups] == ours.get_last_lr()
        seen.add(round(expected[0], 12))
    assert len(seen) > 3  # the schedule did change the lr


# ---- clipping -----------------------------------------------------------------------------------

# torch's norm underflows below ~1e-154 (see test_clip_grad_norm_neither_underflows_nor_overflows)
grads = st.lists(
    st.floats(-10, 10).filter(lambda g: g == 0 or abs(g) > 1e-100), min_size=1, max_size=8
)
norms = st.sampled_from([1.0, 2.0, 3.0, 0.5, math.inf])


@parity
@settings(max_examples=30, deadline=None)
@given(gs=grads, max_norm=st.floats(0.01, 20), norm_type=norms, as_value=st.booleans())
def test_clip_grad_norm_matches_torch(torch, gs, max_norm, norm_type, as_value):
    params = [Value(1.0) for _ in gs]
    for p, g in zip(params, gs):
        p.grad = Value(g) if as_value else g  # a create_graph gradient is read by its data
    tensors = [torch.ones((), dtype=torch.float64, requires_grad=True) for _ in gs]
    for t, g in zip(tensors, gs):
        t.grad = torch.tensor(g, dtype=torch.float64)
    total = clip_grad_norm_(params, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(tensors, max_norm, norm_type)
    assert isinstance(total, float)
    assert total == pytest.approx(expected.item(), rel=1e-12, abs=1e-300)
    for p, t in zip(params, tensors):
        g = p.grad.data if isinstance(p.grad, Value) else p.grad
        assert g == pytest.approx(t.grad.item(), rel=1e-12, abs=1e-15)


@parity
@settings(max_examples=30, deadline=None)
@given(gs=grads, clip=st.floats(0, 5))
def test_clip_grad_value_matches_torch(torch, gs, clip):
    params = [Value(1.0) for _ in gs]
    tensors = [torch.ones((), dtype=torch.float64, requires_grad=True) for _ in gs]
    for p, t, g in zip(params, tensors, gs):
        p.grad, t.grad = g, torch.tensor(g, dtype=torch.float64)
    assert clip_grad_value_(params, clip) is None
    torch.nn.utils.clip_grad_value_(tensors, clip)
    assert [p.grad for p in params] == [t.grad.item() for t in tensors]


def test_clip_grad_norm_by_hand():
    a, b = Value(0.0), Value(0.0)
    a.grad, b.grad = 3.0, -4.0
    assert clip_grad_norm_([a, b], 1.0) == 5.0
    scale = 1.0 / (5.0 + 1e-6)
    assert (a.grad, b.grad) == (3.0 * scale, -4.0 * scale)
    a.grad, b.grad = 0.3, -0.4
    assert clip_grad_norm_([a, b], 1.0) == pytest.approx(0.5)
    assert (a.grad, b.grad) == (0.3, -0.4)  # under max_norm: untouched
    assert clip_grad_norm_(a, 0.1, norm_type=math.inf) == 0.3  # one Value, the inf norm
    assert a.grad == pytest.approx(0.1, rel=1e-5)
    assert clip_grad_norm_([], 1.0) == 0.0


@pytest.mark.parametrize("norm_type", [0.5, 1.0, 2.0, 3.0, math.inf])
@pytest.mark.parametrize("scale", [1e-200, 1.0, 1e200])
def test_clip_grad_norm_neither_underflows_nor_overflows(norm_type, scale):
    ps = [Value(0.0) for _ in range(3)]
    for param, g in zip(ps, (3.0, -4.0, 0.0)):
        param.grad = g * scale
    expected = {0.5: 3 + 4 + 2 * math.sqrt(12), 1.0: 7.0, 2.0: 5.0, 3.0: 91 ** (1 / 3)}
    total = clip_grad_norm_(ps, 1e300, norm_type)  # torch: 0.0 and inf at the extremes
    assert total == pytest.approx(expected.get(norm_type, 4.0) * scale, rel=1e-14)
    assert [param.grad for param in ps] == [3.0 * scale, -4.0 * scale, 0.0]  # no clipping
    clip_grad_norm_(ps, total * 0.5, norm_type)  # clips to half, never to zero
    assert ps[0].grad == pytest.approx(1.5 * scale, rel=1e-5)


def test_clip_grad_norm_propagates_nan_like_torch():
    a, b = Value(0.0), Value(0.0)
    a.grad, b.grad = math.nan, 1.0
    assert math.isnan(clip_grad_norm_([a, b], 1.0, math.inf))
    assert math.isnan(b.grad)


def test_clip_grad_value_by_hand():
    ps = [Value(0.0) for _ in range(3)]
    ps[0].grad, ps[1].grad, ps[2].grad = 2.0, -3.0, Value(0.5)
    clip_grad_value_(ps, 1.0)
    assert [ps[0].grad, ps[1].grad] == [1.0, -1.0]
    assert isinstance(ps[2].grad, Value)  # inside the range: left as it was


# ---- update rules by hand (these hold without torch) -----------------------------------------


def one_step(opt_cls, g, x=1.0, steps=1, **kwargs):
    p = Value(x)
    opt = opt_cls([p], **kwargs)
    for _ in range(steps):
        p.grad = g
        opt.step()
    return p.data


def test_sgd_rules_by_hand():
    assert one_step(SGD, 2.0, lr=0.1) == pytest.approx(0.8)
    assert one_step(SGD, 2.0, lr=0.1, weight_decay=0.5) == pytest.approx(1 - 0.1 * 2.5)
    # momentum: buffer = g on the first step, then 0.9 * buf + (1 - 0.5) * g
    assert one_step(SGD, 2.0, steps=2, lr=0.1, momentum=0.9, dampening=0.5) == pytest.approx(
        1 - 0.1 * 2.0 - 0.1 * (0.9 * 2.0 + 0.5 * 2.0)
    )
    # nesterov: the step is g + momentum * buf
    assert one_step(SGD, 2.0, lr=0.1, momentum=0.9, nesterov=True) == pytest.approx(
        1 - 0.1 * (2.0 + 0.9 * 2.0)
    )
    # torch's positional order: lr, momentum, dampening, weight_decay, nesterov
    q = Value(1.0)
    opt = SGD([q], 0.1, 0.9, 0.0, 0.5, True)
    assert opt.param_groups[0]["weight_decay"] == 0.5 and opt.param_groups[0]["nesterov"]


def test_adam_rules_by_hand():
    # After one step the bias-corrected ratio is g / |g|: the step is lr, whatever g's size.
    assert one_step(Adam, 1e-3, lr=0.1, eps=0.0) == pytest.approx(0.9)
    assert one_step(Adam, -50.0, lr=0.1, eps=0.0) == pytest.approx(1.1)
    # L2 decay is part of the gradient: a zero gradient still moves the parameter by lr.
    assert one_step(Adam, 0.0, lr=0.1, weight_decay=0.1, eps=0.0) == pytest.approx(0.9)
    # decoupled decay shrinks the parameter, then a zero gradient adds nothing
    assert one_step(AdamW, 0.0, lr=0.1, weight_decay=0.1) == pytest.approx(1 - 0.01)


def test_a_value_gradient_steps_like_its_data():
    for cls, kwargs in [(SGD, {"lr": 0.1, "momentum": 0.9}), (Adam, {"lr": 0.1})]:
        a, b = Value(0.3), Value(0.3)
        opt_a, opt_b = cls([a], **kwargs), cls([b], **kwargs)
        for _ in range(3):
            (a * a * a).backward(create_graph=True)
            assert isinstance(a.grad, Value)
            b.grad = a.grad.data
            opt_a.step()
            opt_b.step()
            opt_a.zero_grad()
            assert a.grad == 0.0
            assert a.data == b.data


def test_step_returns_the_closure_loss():
    p = Value(2.0)
    opt = SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = p * p
        loss.backward()
        return loss

    assert opt.step(closure).data == 4.0
    assert p.data == 1.0  # 2 - 0.25 * 4


def test_training_with_losses_and_schedulers_reduces_the_loss():
    from nn.losses import cross_entropy
    from nn.modules import MLP

    model = MLP(2, [6, 3], activation="tanh", rng=random.Random(3))
    xs = [[0.0, 1.0], [1.0, 0.0], [-1.0, -1.0], [0.5, -0.5]]
    ys = [0, 1, 2, 1]
    opt = AdamW(model.parameters(), lr=0.05)
    sched = CosineAnnealingLR(opt, T_max=40)
    losses = []
    for _ in range(40):
        loss = cross_entropy([model(x) for x in xs], ys)
        opt.zero_grad()
        loss.backward()
        clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        sched.step()
        losses.append(loss.data)
    assert losses[-1] < 0.5 * losses[0]


# ---- state_dict ---------------------------------------------------------------------------------

ROUND_TRIP = [c for c in CONFIGS if c[0] in ("sgd-groups", "sgd-all", "adam-groups", "adamw")]


@pytest.mark.parametrize("config", ROUND_TRIP, ids=[c[0] for c in ROUND_TRIP])
def test_state_dict_round_trip_continues_the_same_trajectory(config):
    _, cls, _, kwargs, spec = config
    params = [Value(x) for x in initial(1)]
    opt = cls(groups_of(params, spec), **kwargs)
    run_ours(opt, params, 10)
    saved = json.loads(json.dumps(opt.state_dict()))  # through a file: int keys become str

    # A fresh optimizer on copies of the parameters, made with other hyperparameters:
    # loading brings back the saved ones along with the state.
    copies = [Value(p.data) for p in params]
    fresh = cls(groups_of(copies, spec), **{**kwargs, "lr": 0.5})
    fresh.load_state_dict(saved)
    assert fresh.state_dict() == opt.state_dict()
    assert run_ours(fresh, copies, 15) == run_ours(opt, params, 15)  # bit for bit


def test_state_dict_layout_is_torch_like_and_json_able():
    params = [Value(1.0), Value(2.0), Value(3.0)]
    opt = SGD([{"params": params[:2]}, {"params": [params[2]], "lr": 0.5}], lr=0.1, momentum=0.9)
    for p in params:
        p.grad = 1.0
    opt.step()
    d = opt.state_dict()
    assert [g["params"] for g in d["param_groups"]] == [[0, 1], [2]]
    assert [g["lr"] for g in d["param_groups"]] == [0.1, 0.5]
    assert d["state"] == {
        0: {"momentum_buffer": 1.0},
        1: {"momentum_buffer": 1.0},
        2: {"momentum_buffer": 1.0},
    }
    json.dumps(d)
    adam = Adam(params, betas=(0.8, 0.9))
    adam.step()
    d = adam.state_dict()
    assert d["param_groups"][0]["betas"] == [0.8, 0.9]
    assert d["state"][2] == {
        "step": 1,
        "exp_avg": pytest.approx(0.2),
        "exp_avg_sq": pytest.approx(0.1),
    }
    assert SGD(params, lr=0.1).state_dict()["state"] == {}


def corrupt(path, value):
    """A function that sets (or, for value DELETE, removes) d[path...] in a state dict."""

    def apply(d):
        *parents, last = path
        for key in parents:
            d = d[key]
        if value is DELETE:
            del d[last]
        else:
            d[last] = value

    return apply


DELETE = object()
CORRUPTIONS = [
    ("no-state", corrupt(["state"], DELETE), r"keys"),
    ("extra-key", corrupt(["extra"], 1), r"keys"),
    ("groups-not-list", corrupt(["param_groups"], {}), r"param groups"),
    ("one-group-less", lambda d: d["param_groups"].pop(), r"2 param groups, the state dict 1"),
    (
        "group-size",
        lambda d: d["param_groups"][1]["params"].pop(),
        r"param_groups\[1\] has 2 parameters, the optimizer's group 3",
    ),
    ("param-not-int", corrupt(["param_groups", 1, "params", 0], "x"), r"list of int indices"),
    ("param-twice", corrupt(["param_groups", 1, "params", 0], 0), r"index 0 appears twice"),
    ("lr-negative", corrupt(["param_groups", 1, "lr"], -0.1), r"learning rate.*-0\.1"),
    ("lr-string", corrupt(["param_groups", 1, "lr"], "fast"), r"lr.*str 'fast'"),
    ("beta-too-big", corrupt(["param_groups", 1, "betas"], [0.9, 1.0]), r"beta.*index 1: 1\.0"),
    ("betas-length", corrupt(["param_groups", 1, "betas"], [0.9]), r"betas must be a pair"),
    ("missing-eps", corrupt(["param_groups", 1, "eps"], DELETE), r"missing 'eps'"),
    ("state-key", corrupt(["state", 42], {}), r"state key 42 is not a parameter index"),
    ("state-key-twice", corrupt(["state", "2"], {}), r"parameter index 2 appears twice"),
    ("state-not-dict", corrupt(["state", 2], 1.0), r"state\[2\] must be a dict"),
    ("state-unknown", corrupt(["state", 2, "momentum"], 0.0), r"unknown entries \['momentum'\]"),
    ("state-missing", corrupt(["state", 2, "exp_avg"], DELETE), r"missing entries \['exp_avg'\]"),
    ("step-negative", corrupt(["state", 2, "step"], -1), r"'step'\] must be an int >= 0"),
    ("step-fraction", corrupt(["state", 2, "step"], 2.5), r"'step'\] must be an int"),
    ("sq-negative", corrupt(["state", 2, "exp_avg_sq"], -1.0), r"'exp_avg_sq'\]: invalid .*-1"),
    ("avg-none", corrupt(["state", 2, "exp_avg"], None), r"'exp_avg'\] must be a real number"),
]


@pytest.mark.parametrize("name, damage, message", CORRUPTIONS, ids=[c[0] for c in CORRUPTIONS])
def test_load_state_dict_rejects_a_corrupted_dict_and_changes_nothing(name, damage, message):
    def make():
        params = [Value(x) for x in initial(2)]
        opt = Adam(groups_of(params, TWO_GROUPS), lr=0.03)
        run_ours(opt, params, 4)
        return opt, params

    opt, params = make()
    twin, twin_params = make()
    good = opt.state_dict()
    other_params = [Value(0.0) for _ in range(N_PARAMS)]
    other = Adam(groups_of(other_params, TWO_GROUPS), lr=0.03, eps=0.5)
    run_ours(other, other_params, 1)
    bad = json.loads(json.dumps(other.state_dict()))  # valid for opt, with other numbers ...
    bad = {**bad, "state": {int(k): v for k, v in bad["state"].items()}}
    damage(bad)  # ... until damaged
    with pytest.raises(ValueError, match=message):
        opt.load_state_dict(bad)
    assert opt.state_dict() == good
    assert run_ours(opt, params, 5) == run_ours(twin, twin_params, 5)


def test_load_state_dict_rejects_a_non_dict():
    opt = SGD([Value(1.0)], lr=0.1)
    with pytest.raises(TypeError, match=r"SGD.load_state_dict: expected a dict, got list"):
        opt.load_state_dict([])


@pytest.mark.parametrize("config", SCHEDULERS, ids=[c[0] for c in SCHEDULERS])
def test_scheduler_state_dict_round_trip(config):
    _, cls, kwargs = config
    opt = SGD([{"params": [Value(0.0)], "lr": 0.1}, {"params": [Value(0.0)], "lr": 0.2}], lr=0.1)
    sched = cls(opt, **kwargs)
    for _ in range(8):
        sched.step()
    saved_opt = json.loads(json.dumps(opt.state_dict()))
    saved = json.loads(json.dumps(sched.state_dict()))

    fresh_opt = SGD([{"params": [Value(0.0)]}, {"params": [Value(0.0)]}], lr=0.7)
    fresh = cls(fresh_opt, **kwargs)
    fresh_opt.load_state_dict(saved_opt)
    fresh.load_state_dict(saved)
    assert fresh.get_last_lr() == sched.get_last_lr()
    for _ in range(20):
        sched.step()
        fresh.step()
        assert fresh.get_last_lr() == sched.get_last_lr()


def test_scheduler_load_state_dict_rejects_corruption_and_changes_nothing():
    opt = SGD([Value(0.0)], lr=0.1)
    sched = StepLR(opt, step_size=2)
    sched.step()
    good = sched.state_dict()
    for key, value, message in [
        ("step_size", 0, r"step_size must be at least 1"),
        ("gamma", -1.0, r"invalid gamma -1\.0"),
        ("last_epoch", -3, r"last_epoch must be an int >= 0"),
        ("base_lrs", [0.1, 0.2], r"base_lrs must be a list of 1 lrs"),
        ("_last_lr", ["x"], r"_last_lr.*str 'x'"),
        ("extra", 1, r"expected the keys"),
    ]:
        with pytest.raises(ValueError, match=message):
            sched.load_state_dict({**good, key: value})
        assert sched.state_dict() == good


# ---- bad hyperparameters and inputs -------------------------------------------------------------


def one_param():
    return [Value(1.0)]


BAD_ARGUMENTS = [
    (lambda: SGD(one_param(), lr=-0.1), ValueError, r"SGD: invalid learning rate \(lr\) -0\.1"),
    (lambda: SGD(one_param(), lr=math.nan), ValueError, r"learning rate \(lr\) nan"),
    (
        lambda: SGD(one_param(), lr="0.1"),
        TypeError,
        r"SGD: learning rate \(lr\) must be a real number, got str '0\.1'",
    ),
    (lambda: SGD(one_param(), lr=0.1, momentum=-0.5), ValueError, r"invalid momentum -0\.5"),
    (lambda: SGD(one_param(), lr=0.1, weight_decay=-1), ValueError, r"invalid weight_decay -1\.0"),
    (lambda: SGD(one_param(), lr=0.1, nesterov=True), ValueError, r"Nesterov.*momentum=0\.0"),
    (
        lambda: SGD(one_param(), lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
        ValueError,
        r"Nesterov momentum requires a momentum and zero dampening.*dampening=0\.1",
    ),
    (lambda: SGD(one_param(), lr=0.1, nesterov=1), TypeError, r"nesterov must be a bool"),
    (lambda: SGD([{"params": one_param(), "lr": -2}], lr=0.1), ValueError, r"param group 0.*-2\.0"),
    (
        lambda: Adam(one_param(), lr=-1e-3),
        ValueError,
        r"Adam: invalid learning rate \(lr\) -0\.001",
    ),
    (lambda: Adam(one_param(), eps=-1e-8), ValueError, r"invalid epsilon value \(eps\) -1e-08"),
    (lambda: Adam(one_param(), betas=(1.0, 0.999)), ValueError, r"beta parameter at index 0: 1\.0"),
    (lambda: Adam(one_param(), betas=(0.9, -0.1)), ValueError, r"beta parameter at index 1: -0\.1"),
    (lambda: Adam(one_param(), betas=(0.9,)), ValueError, r"betas must be a pair"),
    (lambda: Adam(one_param(), betas=0.9), TypeError, r"betas must be a pair"),
    (lambda: Adam(one_param(), weight_decay=-0.1), ValueError, r"invalid weight_decay -0\.1"),
    (
        lambda: AdamW(one_param(), weight_decay=-0.1),
        ValueError,
        r"AdamW: invalid weight_decay -0\.1",
    ),
    (lambda: SGD([1.0], lr=0.1), TypeError, r"SGD: param group 0: parameter 0 must be a Value"),
    (lambda: Adam([Value(1.0), "w"], lr=0.1), TypeError, r"parameter 1 must be a Value, got str"),
    (lambda: SGD([], lr=0.1), ValueError, r"SGD: got an empty parameter list"),
    (lambda: SGD(Value(1.0), lr=0.1), TypeError, r"params must be an iterable"),
    (lambda: SGD({Value(1.0)}, lr=0.1), TypeError, r"params must be an iterable.*set"),
    (lambda: SGD([Value(1.0) * 2], lr=0.1), ValueError, r"parameter 0 is not a leaf"),
    (lambda: SGD([{"lr": 0.1}], lr=0.1), ValueError, r"needs a 'params' entry"),
    (lambda: SGD(one_param() * 2, lr=0.1), ValueError, r"parameter 1 .* appears twice"),
    (
        lambda: StepLR(SGD(one_param(), lr=0.1), step_size=0),
        ValueError,
        r"step_size must be at least 1",
    ),
    (
        lambda: StepLR(SGD(one_param(), lr=0.1), step_size=2.0),
        TypeError,
        r"step_size must be an int",
    ),
    (
        lambda: ExponentialLR(SGD(one_param(), lr=0.1), gamma=-0.5),
        ValueError,
        r"invalid gamma -0\.5",
    ),
    (
        lambda: CosineAnnealingLR(SGD(one_param(), lr=0.1), T_max=0),
        ValueError,
        r"T_max must be at least",
    ),
    (
        lambda: CosineAnnealingLR(SGD(one_param(), lr=0.1), T_max=5, eta_min=-1),
        ValueError,
        r"invalid eta_min -1\.0",
    ),
    (lambda: StepLR("opt", step_size=1), TypeError, r"StepLR: expected an Optimizer, got str"),
    (
        lambda: clip_grad_norm_(one_param(), -1.0),
        ValueError,
        r"clip_grad_norm_: invalid max_norm -1\.0",
    ),
    (lambda: clip_grad_norm_(one_param(), 1.0, norm_type=0), ValueError, r"norm_type must be > 0"),
    (lambda: clip_grad_norm_([1.0], 1.0), TypeError, r"parameter 0 must be a Value"),
    (lambda: clip_grad_value_(one_param(), -1.0), ValueError, r"invalid clip_value -1\.0"),
]


@pytest.mark.parametrize("call, error, message", BAD_ARGUMENTS)
def test_bad_arguments_raise_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_a_bad_gradient_raises_before_any_parameter_moves():
    a, b = Value(1.0), Value(2.0)
    opt = SGD([a, b], lr=0.1, momentum=0.9)
    a.grad, b.grad = 1.0, "oops"
    with pytest.raises(TypeError, match=r"SGD.step: param group 0, parameter 1: \.grad"):
        opt.step()
    assert (a.data, b.data) == (1.0, 2.0)
    assert opt.state == {}


def test_zero_grad_and_repr():
    a = Value(1.0)
    a.grad = Value(3.0)
    opt = SGD([a], lr=0.1)
    opt.zero_grad()
    assert a.grad == 0.0
    assert "SGD (" in repr(opt) and "lr: 0.1" in repr(opt)
    assert isinstance(opt, Optimizer)


def test_a_grad_of_none_is_skipped_as_in_pytorch():
    a, b = Value(1.0), Value(2.0)
    a.grad, b.grad = None, 0.5
    SGD([a, b], lr=0.1).step()
    assert (a.data, b.data) == (1.0, 1.95)
    assert clip_grad_norm_([a, b], 0.1) == pytest.approx(0.5)
    assert a.grad is None and b.grad == pytest.approx(0.1 * 0.5 / (0.5 + 1e-6))
    clip_grad_value_([a, b], 0.01)
    assert a.grad is None and b.grad == 0.01

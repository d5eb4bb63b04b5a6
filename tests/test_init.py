"""nn.init: sample statistics against the published formulas, torch parity, reproducibility."""

from __future__ import annotations

import math
import random
from types import SimpleNamespace

import pytest

from autograd import Value
from nn import MLP, Layer, Neuron, init
from nn.init import ACTIVATIONS

FAN_IN, FAN_OUT = 300, 100  # not square, so a swapped fan_in/fan_out changes the variance
N = FAN_IN * FAN_OUT
SQRT2 = math.sqrt(2.0)
LEAKY_GAIN = math.sqrt(2 / (1 + 0.01**2))  # leaky_relu at its default slope


def fake_layer(fan_in: int = FAN_IN, fan_out: int = FAN_OUT, bias: float = 0.5):
    """A duck-typed layer: only `.neurons`, each with `.w` (Values) and `.b`."""
    neurons = [
        SimpleNamespace(w=[Value(0.0) for _ in range(fan_in)], b=Value(bias))
        for _ in range(fan_out)
    ]
    return SimpleNamespace(neurons=neurons)


def weights(layer) -> list[float]:
    neurons = layer.neurons if hasattr(layer, "neurons") else [layer]
    return [v.data for n in neurons for v in n.w]


def biases(layer) -> list[float]:
    return [n.b.data for n in layer.neurons]


def mean_var(xs: list[float]) -> tuple[float, float]:
    m = sum(xs) / len(xs)
    return m, sum((x - m) ** 2 for x in xs) / (len(xs) - 1)


def check_stats(xs: list[float], mean: float, var: float, bound: float | None = None) -> None:
    m, v = mean_var(xs)
    # 5 standard errors of the mean; the variance within 5% (its standard error is < 1% here).
    assert abs(m - mean) < 5 * math.sqrt(var / len(xs)), (m, mean)
    assert v == pytest.approx(var, rel=0.05)
    if bound is not None:
        assert max(abs(x - mean) for x in xs) <= bound
        assert max(abs(x - mean) for x in xs) > 0.99 * bound  # the whole range is used


# (function, kwargs, expected mean, expected variance, uniform half-width or None),
# every expectation written out from the formula rather than computed by nn.init.
XAVIER_VAR = 2.0 / (FAN_IN + FAN_OUT)
CASES = [
    (init.uniform_, {}, 0.5, 1 / 12, 0.5),
    (init.uniform_, {"a": -3.0, "b": 1.0}, -1.0, 16 / 12, 2.0),
    (init.normal_, {}, 0.0, 1.0, None),
    (init.normal_, {"mean": 0.5, "std": 2.0}, 0.5, 4.0, None),
    (init.xavier_uniform_, {}, 0.0, XAVIER_VAR, math.sqrt(6 / (FAN_IN + FAN_OUT))),
    (init.xavier_uniform_, {"gain": 5 / 3}, 0.0, 25 / 9 * XAVIER_VAR, None),
    (init.xavier_normal_, {}, 0.0, XAVIER_VAR, None),
    (init.xavier_normal_, {"gain": SQRT2}, 0.0, 2 * XAVIER_VAR, None),
    # torch's defaults: leaky_relu with a=0, i.e. gain sqrt(2), mode fan_in.
    (init.kaiming_uniform_, {}, 0.0, 2 / FAN_IN, math.sqrt(6 / FAN_IN)),
    (init.kaiming_uniform_, {"mode": "fan_out", "nonlinearity": "relu"}, 0.0, 2 / FAN_OUT, None),
    (init.kaiming_uniform_, {"nonlinearity": "tanh"}, 0.0, 25 / 9 / FAN_IN, None),
    # nn.Linear's own default: a=sqrt(5) makes the bound exactly 1/sqrt(fan_in).
    (init.kaiming_uniform_, {"a": math.sqrt(5)}, 0.0, 1 / 3 / FAN_IN, 1 / math.sqrt(FAN_IN)),
    (init.kaiming_normal_, {}, 0.0, 2 / FAN_IN, None),
    (init.kaiming_normal_, {"a": 0.5}, 0.0, 2 / 1.25 / FAN_IN, None),
    (init.kaiming_normal_, {"mode": "fan_out", "nonlinearity": "sigmoid"}, 0.0, 1 / FAN_OUT, None),
    (init.kaiming_normal_, {"nonlinearity": "linear"}, 0.0, 1 / FAN_IN, None),
]


@pytest.mark.parametrize(
    "fn, kwargs, mean, var, bound", CASES, ids=[f"{c[0].__name__}{c[1]}" for c in CASES]
)
def test_weights_follow_the_formula_and_biases_are_left_alone(fn, kwargs, mean, var, bound):
    layer = fake_layer()
    assert fn(layer, **kwargs, rng=random.Random(1)) is layer
    check_stats(weights(layer), mean, var, bound)
    assert biases(layer) == [0.5] * FAN_OUT


def test_constant_sets_every_weight_and_no_bias():
    layer = fake_layer(3, 4)
    assert init.constant_(layer, -2) is layer
    assert weights(layer) == [-2.0] * 12 and biases(layer) == [0.5] * 4


def test_a_lone_neuron_has_fan_out_one():
    neuron = Neuron(20000)
    b = neuron.b.data
    assert init.xavier_uniform_(neuron, rng=random.Random(2)) is neuron
    check_stats(weights(neuron), 0.0, 2 / 20001, math.sqrt(6 / 20001))
    init.kaiming_normal_(neuron, mode="fan_out", nonlinearity="relu", rng=random.Random(3))
    check_stats(weights(neuron), 0.0, 2.0)  # fan_out = 1
    assert neuron.b.data == b


def test_real_layers_work_and_the_model_still_runs():
    model = MLP(3, [4, 1], activation="tanh")
    for layer in model.layers:
        assert init.xavier_normal_(layer, init.calculate_gain("tanh")) is layer
    assert isinstance(model([1.0, 2.0, 3.0]), Value)


def test_reproducible_through_rng_and_through_random_seed():
    a, b, c = fake_layer(5, 4), fake_layer(5, 4), fake_layer(5, 4)
    init.kaiming_uniform_(a, rng=random.Random(7))
    init.kaiming_uniform_(b, rng=random.Random(7))
    init.kaiming_uniform_(c, rng=random.Random(8))
    assert weights(a) == weights(b) != weights(c)
    random.seed(11)
    init.normal_(a)
    random.seed(11)
    init.normal_(b)
    assert weights(a) == weights(b)


def test_initialise_default_matches_the_layer_constructor():
    # torch nn.Linear's default, drawn in the order the Neuron constructor draws it.
    built = Layer(6, 5, rng=random.Random(4))
    layer = init.initialise(Layer(6, 5, rng=random.Random(0)), "default", "relu", random.Random(4))
    assert weights(layer) == weights(built) and biases(layer) == biases(built)
    assert max(map(abs, weights(layer) + biases(layer))) <= 1 / math.sqrt(6)


def test_initialise_uniform_is_micrograds():
    layer = init.initialise(fake_layer(), "uniform", "relu", random.Random(5))
    check_stats(weights(layer), 0.0, 1 / 3, 1.0)
    assert biases(layer) == [0.0] * FAN_OUT


GAINS = {"relu": SQRT2, "tanh": 5 / 3, "sigmoid": 1.0, "linear": 1.0, "leaky_relu": LEAKY_GAIN}
GAINS["selu"] = 3 / 4  # torch.nn.init.calculate_gain("selu")


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("scheme", ["xavier", "xavier_normal", "kaiming", "kaiming_normal"])
def test_initialise_scales_by_the_activations_gain_and_zeroes_biases(scheme, activation):
    layer = init.initialise(fake_layer(200, 50), scheme, activation, random.Random(6))
    gain = GAINS[init.GAIN_OF.get(activation, activation)]  # another's gain, if torch has none
    fan = 250 / 2 if scheme.startswith("xavier") else 200  # xavier's variance is 2 / (in + out)
    check_stats(weights(layer), 0.0, gain**2 / fan)
    assert biases(layer) == [0.0] * 50


@pytest.mark.parametrize(
    "scheme, activation, call",
    [
        ("xavier", "tanh", lambda L, r: init.xavier_uniform_(L, 5 / 3, r)),
        ("xavier_normal", "leaky_relu", lambda L, r: init.xavier_normal_(L, LEAKY_GAIN, r)),
        ("kaiming", "relu", lambda L, r: init.kaiming_uniform_(L, 0, "fan_in", "relu", r)),
        ("kaiming", "leaky_relu", lambda L, r: init.kaiming_uniform_(L, 0.01, rng=r)),
        (
            "kaiming_normal",
            "sigmoid",
            lambda L, r: init.kaiming_normal_(L, 0, "fan_in", "sigmoid", r),
        ),
        (
            "kaiming_normal",
            "linear",
            lambda L, r: init.kaiming_normal_(L, 0, "fan_in", "linear", r),
        ),
    ],
)
def test_initialise_calls_the_documented_initialiser(scheme, activation, call):
    got = init.initialise(fake_layer(7, 3), scheme, activation, random.Random(9))
    want = call(fake_layer(7, 3), random.Random(9))
    assert weights(got) == pytest.approx(weights(want), rel=1e-12)


@pytest.mark.parity
def test_calculate_gain_matches_torch(torch):
    cases = [(name, None) for name in init.NONLINEARITIES]
    cases += [("leaky_relu", p) for p in (0.2, 0, -0.5, 1, 3.0)] + [("relu", 0.3), ("tanh", 2.0)]
    for name, param in cases:
        want = torch.nn.init.calculate_gain(name, param)
        assert init.calculate_gain(name, param) == pytest.approx(want, rel=1e-15), (name, param)


@pytest.mark.parity
@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("xavier_uniform_", {"gain": 1.5}),
        ("xavier_normal_", {}),
        ("kaiming_uniform_", {"a": 0.3, "mode": "fan_out"}),
        ("kaiming_normal_", {"nonlinearity": "relu"}),
        ("kaiming_uniform_", {"a": math.sqrt(5)}),
    ],
)
def test_variance_matches_torch_on_the_same_shape(torch, name, kwargs):
    # torch's Linear weight has shape (fan_out, fan_in): the same fans as our layer.
    t = torch.empty(FAN_OUT, FAN_IN, dtype=torch.float64)
    getattr(torch.nn.init, name)(t, **kwargs, generator=torch.Generator().manual_seed(0))
    layer = getattr(init, name)(fake_layer(), **kwargs, rng=random.Random(0))
    assert mean_var(weights(layer))[1] == pytest.approx(t.var().item(), rel=0.06)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda L: init.calculate_gain("softplus"), ValueError, "softplus"),
        (lambda L: init.calculate_gain(3), TypeError, "nonlinearity"),
        (lambda L: init.calculate_gain("leaky_relu", True), TypeError, "bool"),
        (lambda L: init.calculate_gain("leaky_relu", "0.1"), TypeError, "str"),
        (lambda L: init.uniform_(L, 1.0, 0.0), ValueError, "a <= b"),
        (lambda L: init.uniform_(L, float("nan")), ValueError, "nan"),
        (lambda L: init.normal_(L, std=-1.0), ValueError, "-1.0"),
        (lambda L: init.constant_(L, "1"), TypeError, "constant_"),
        (lambda L: init.xavier_uniform_(L, gain=-1), ValueError, "gain"),
        (lambda L: init.xavier_normal_(L, rng=42), TypeError, "rng"),
        (lambda L: init.kaiming_uniform_(L, mode="fan_avg"), ValueError, "fan_avg"),
        (lambda L: init.kaiming_normal_(L, nonlinearity="gelu"), ValueError, "gelu"),
        (lambda L: init.kaiming_normal_(L, a=float("inf")), ValueError, "inf"),
        (lambda L: init.initialise(L, "orthogonal", "relu"), ValueError, "kaiming_normal"),
        (lambda L: init.initialise(L, "xavier", "softmax"), ValueError, "softmax"),
        (lambda L: init.initialise(L, None, "relu"), TypeError, "scheme"),
    ],
)
def test_bad_arguments_raise_and_change_nothing(call, error, match):
    layer = fake_layer(3, 2)
    before = weights(layer) + biases(layer)
    with pytest.raises(error, match=match):
        call(layer)
    assert weights(layer) + biases(layer) == before


def test_bad_layers_raise():
    with pytest.raises(TypeError, match="layers"):
        init.xavier_uniform_(MLP(2, [3, 1]))  # the hint: initialise each layer
    with pytest.raises(TypeError, match="expected a layer"):
        init.normal_([Value(1.0)])
    with pytest.raises(ValueError, match="no neurons"):
        init.normal_(SimpleNamespace(neurons=[]))
    with pytest.raises(ValueError, match="fan_in 0"):
        init.kaiming_uniform_(SimpleNamespace(w=[], b=Value(0.0)))
    with pytest.raises(TypeError, match="list of Values"):
        init.uniform_(SimpleNamespace(w=[0.5], b=Value(0.0)))
    with pytest.raises(TypeError, match="must have .b"):
        init.initialise(SimpleNamespace(w=[Value(0.5)], b=0.0), "default", "relu")


def test_mlp_init_option_selects_the_scheme():
    import statistics

    model = MLP(400, [300, 1], init="kaiming", rng=random.Random(0))
    weights = [w.data for n in model.layers[0].neurons for w in n.w]
    assert statistics.pvariance(weights) == pytest.approx(2 / 400, rel=0.05)  # He: gain^2 / fan_in
    assert all(n.b.data == 0.0 for layer in model.layers for n in layer.neurons)
    with pytest.raises(ValueError, match="init must be one of"):
        MLP(2, [1], init="he")

"""In-place weight initialisers for our scalar layers, after torch.nn.init.

Each initialiser takes a layer (anything with `.neurons`, each neuron with a
list of Values `.w`) or a single neuron (anything with `.w` and `.b`), sets the
weights' `.data` and returns what it was given. fan_in is a neuron's number of
weights, fan_out the layer's number of neurons (1 for a lone neuron), which is
what torch computes for an nn.Linear weight of shape (fan_out, fan_in).
Biases are left alone, except by `initialise`. Random draws come from `rng`,
or from the `random` module when it is None, so `random.seed(...)` reproduces them.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any, TypeVar

from autograd import Value, ops
from nn.checks import choice, finite, nonnegative

T = TypeVar("T")

# Every activation a layer may name: the function of a Value it applies, from the op
# table (a Value method where there is one: the fast path of the common ones). Kept here
# rather than in nn.modules, which imports this module.
ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "linear": lambda v: v,
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "leaky_relu": Value.leaky_relu,
    "gelu": ops.gelu,
    "gelu_tanh": lambda v: ops.gelu(v, approximate="tanh"),
    "silu": ops.silu,
    "mish": ops.mish,
    "elu": ops.elu,
    "selu": ops.selu,
    "celu": ops.celu,
    "relu6": ops.relu6,
    "hardtanh": ops.hardtanh,
    "hardsigmoid": ops.hardsigmoid,
    "hardswish": ops.hardswish,
    "softsign": ops.softsign,
    "log_sigmoid": ops.log_sigmoid,
    "softplus": ops.softplus,
    "tanhshrink": ops.tanhshrink,
    "softshrink": ops.softshrink,
    "hardshrink": ops.hardshrink,
}
# The nonlinearity whose gain (calculate_gain) the xavier and kaiming schemes use for an
# activation PyTorch has no gain for: the one it most resembles.
GAIN_OF = {
    **{
        name: "relu"
        for name in ("gelu", "gelu_tanh", "silu", "mish", "elu", "celu", "relu6", "hardswish")
    },
    "softplus": "relu",
    **{name: "tanh" for name in ("hardtanh", "softsign")},
    **{name: "sigmoid" for name in ("hardsigmoid", "log_sigmoid")},
    **{name: "linear" for name in ("tanhshrink", "softshrink", "hardshrink")},
}
NONLINEARITIES = ("linear", "sigmoid", "tanh", "relu", "leaky_relu", "selu")
MODES = ("fan_in", "fan_out")
SCHEMES = ("default", "uniform", "xavier", "xavier_normal", "kaiming", "kaiming_normal")


def _neurons(layer: Any, where: str) -> list[Any]:
    """The neurons of `layer` (or [layer] for a neuron), checked before anything is changed."""
    if hasattr(layer, "neurons"):
        try:
            neurons = list(layer.neurons)
        except TypeError:
            raise TypeError(f"{where}: layer.neurons must be a list of neurons") from None
        if not neurons:
            raise ValueError(f"{where}: the layer has no neurons")
    elif hasattr(layer, "w") and hasattr(layer, "b"):
        neurons = [layer]
    else:
        hint = " (initialise each of its .layers)" if hasattr(layer, "layers") else ""
        raise TypeError(
            f"{where}: expected a layer (with .neurons) or a neuron (with .w and .b), "
            f"got {type(layer).__name__}{hint}"
        )
    for i, neuron in enumerate(neurons):
        w = getattr(neuron, "w", None)
        if not isinstance(w, (list, tuple)) or not all(isinstance(v, Value) for v in w):
            raise TypeError(f"{where}: neuron {i} must have .w, a list of Values")
        if not w:
            raise ValueError(f"{where}: neuron {i} has no weights (fan_in 0)")
    return neurons


def _sampler(rng: Any, where: str) -> Any:
    if rng is None:
        return random
    if not isinstance(rng, random.Random):
        raise TypeError(f"{where}: rng must be a random.Random or None, got {type(rng).__name__}")
    return rng


def _fill(neurons: list[Any], draw: Callable[[int, int], float]) -> None:
    """Set each weight to `draw(fan_in, fan_out)`; neurons in order, then weights in order."""
    fan_out = len(neurons)
    for neuron in neurons:
        fan_in = len(neuron.w)
        for v in neuron.w:
            v.data = float(draw(fan_in, fan_out))


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity, as torch.nn.init.calculate_gain.

    `param` is leaky_relu's negative slope (default 0.01); other nonlinearities ignore it.
    """
    where = "calculate_gain"
    choice(nonlinearity, f"{where}: nonlinearity", NONLINEARITIES)
    if nonlinearity in ("linear", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "selu":
        return 3.0 / 4.0
    slope = 0.01 if param is None else finite(param, f"{where}: param (negative slope)")
    return math.sqrt(2.0 / (1.0 + slope**2))


def uniform_(layer: T, a: float = 0.0, b: float = 1.0, rng: random.Random | None = None) -> T:
    """Weights from U(a, b)."""
    where = "uniform_"
    a, b = finite(a, f"{where}: a"), finite(b, f"{where}: b")
    if a > b:
        raise ValueError(f"uniform_: need a <= b, got a={a!r} > b={b!r}")
    neurons, sample = _neurons(layer, where), _sampler(rng, where)
    _fill(neurons, lambda fan_in, fan_out: sample.uniform(a, b))
    return layer


def normal_(layer: T, mean: float = 0.0, std: float = 1.0, rng: random.Random | None = None) -> T:
    """Weights from N(mean, std^2)."""
    where = "normal_"
    mean, std = finite(mean, f"{where}: mean"), nonnegative(std, f"{where}: std")
    neurons, sample = _neurons(layer, where), _sampler(rng, where)
    _fill(neurons, lambda fan_in, fan_out: sample.gauss(mean, std))
    return layer


def constant_(layer: T, value: float) -> T:
    """Every weight set to `value`."""
    value = finite(value, "constant_: value")
    _fill(_neurons(layer, "constant_"), lambda fan_in, fan_out: value)
    return layer


def xavier_uniform_(layer: T, gain: float = 1.0, rng: random.Random | None = None) -> T:
    """Glorot: weights from U(-bound, bound), bound = gain * sqrt(6 / (fan_in + fan_out))."""
    where = "xavier_uniform_"
    gain = nonnegative(gain, f"{where}: gain")
    neurons, sample = _neurons(layer, where), _sampler(rng, where)

    def draw(fan_in: int, fan_out: int) -> float:
        # sqrt(3) turns a standard deviation into the bound of a uniform with that deviation.
        bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / (fan_in + fan_out))
        return sample.uniform(-bound, bound)

    _fill(neurons, draw)
    return layer


def xavier_normal_(layer: T, gain: float = 1.0, rng: random.Random | None = None) -> T:
    """Glorot: weights from N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    where = "xavier_normal_"
    gain = nonnegative(gain, f"{where}: gain")
    neurons, sample = _neurons(layer, where), _sampler(rng, where)

    def draw(fan_in: int, fan_out: int) -> float:
        return sample.gauss(0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))

    _fill(neurons, draw)
    return layer


def _kaiming_std(a: Any, mode: Any, nonlinearity: Any, where: str) -> Callable[[int, int], float]:
    """fan_in, fan_out -> gain / sqrt(fan), with every argument checked first."""
    a = finite(a, f"{where}: a")
    choice(mode, f"{where}: mode", MODES)
    choice(nonlinearity, f"{where}: nonlinearity", NONLINEARITIES)
    gain = calculate_gain(nonlinearity, a)
    return lambda fan_in, fan_out: gain / math.sqrt(fan_in if mode == "fan_in" else fan_out)


def kaiming_uniform_(
    layer: T,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    rng: random.Random | None = None,
) -> T:
    """He: weights from U(-bound, bound), bound = gain * sqrt(3 / fan); `a`: leaky_relu slope."""
    where = "kaiming_uniform_"
    std = _kaiming_std(a, mode, nonlinearity, where)
    neurons, sample = _neurons(layer, where), _sampler(rng, where)

    def draw(fan_in: int, fan_out: int) -> float:
        bound = math.sqrt(3.0) * std(fan_in, fan_out)
        return sample.uniform(-bound, bound)

    _fill(neurons, draw)
    return layer


def kaiming_normal_(
    layer: T,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    rng: random.Random | None = None,
) -> T:
    """He: weights from N(0, std^2), std = gain / sqrt(fan); `a` is leaky_relu's slope."""
    where = "kaiming_normal_"
    std = _kaiming_std(a, mode, nonlinearity, where)
    neurons, sample = _neurons(layer, where), _sampler(rng, where)
    _fill(neurons, lambda fan_in, fan_out: sample.gauss(0.0, std(fan_in, fan_out)))
    return layer


def initialise(layer: T, scheme: str, activation: str, rng: random.Random | None = None) -> T:
    """Initialise weights and biases by a named scheme suited to the layer's `activation`.

    default: torch nn.Linear's U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and
    biases, drawn in the same order as Neuron's constructor; uniform: micrograd's
    U(-1, 1) weights. xavier(_normal) uses calculate_gain(activation); kaiming(_normal)
    uses mode fan_in and nonlinearity=activation, with slope 0.01 for leaky_relu, so
    relu gets sqrt(2), tanh 5/3, sigmoid and linear 1; an activation PyTorch has no gain
    for takes the gain of the one it resembles (GAIN_OF: gelu, silu, elu... that of relu).
    All but default zero the biases.
    """
    where = "initialise"
    choice(scheme, f"{where}: scheme", SCHEMES)
    choice(activation, f"{where}: activation", ACTIVATIONS)
    neurons, sample = _neurons(layer, where), _sampler(rng, where)
    for i, neuron in enumerate(neurons):
        if neuron.b is not None and not isinstance(neuron.b, Value):
            raise TypeError(f"{where}: neuron {i} must have .b, a Value (or None: no bias)")
    if scheme == "default":
        for neuron in neurons:
            bound = 1.0 / math.sqrt(len(neuron.w))
            for v in neuron.w:
                v.data = sample.uniform(-bound, bound)
            if neuron.b is not None:
                neuron.b.data = sample.uniform(-bound, bound)
        return layer
    if scheme == "uniform":
        uniform_(layer, -1.0, 1.0, rng)
    elif scheme in ("xavier", "xavier_normal"):
        fill = xavier_uniform_ if scheme == "xavier" else xavier_normal_
        fill(layer, calculate_gain(GAIN_OF.get(activation, activation)), rng)
    else:
        kaiming = kaiming_uniform_ if scheme == "kaiming" else kaiming_normal_
        slope = 0.01 if activation == "leaky_relu" else 0.0
        kaiming(layer, slope, "fan_in", GAIN_OF.get(activation, activation), rng)
    for neuron in neurons:
        if neuron.b is not None:
            neuron.b.data = 0.0
    return layer

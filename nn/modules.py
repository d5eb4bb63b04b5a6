"""Neurons, layers and multi-layer perceptrons, built only from Value ops."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from typing import Any

from autograd import Value, dot

ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "linear")

Input = Sequence[Value | float]


class Module:
    """Base class: parameters found by walking attributes, PyTorch-style names."""

    def forward(self, *args: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any) -> Any:
        return self.forward(*args)

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Value]]:
        """(dotted name, parameter) pairs in a stable order, e.g. `layers.0.neurons.3.w.1`.

        Parameters are found in attributes that are Values, Modules, or lists,
        tuples and dicts of them; one shared by two attributes is listed once.
        """
        seen: set[int] = set()
        for name, attr in vars(self).items():
            for full_name, p in _named(attr, prefix + name):
                if id(p) not in seen:
                    seen.add(id(p))
                    yield full_name, p

    def parameters(self) -> list[Value]:
        """Every parameter Value, in the order of `named_parameters()`."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's gradient to zero."""
        for p in self.parameters():
            p.grad = 0.0

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.parameters())} parameters)"


def _named(attr: Any, name: str) -> Iterator[tuple[str, Value]]:
    if isinstance(attr, Value):
        yield name, attr
    elif isinstance(attr, Module):
        yield from attr.named_parameters(name + ".")
    elif isinstance(attr, (list, tuple)):
        for i, item in enumerate(attr):
            yield from _named(item, f"{name}.{i}")
    elif isinstance(attr, dict):
        for key, item in attr.items():
            yield from _named(item, f"{name}.{key}")


def _check_activation(activation: str) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}; got {activation!r}")
    return activation


def _check_size(n: Any, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{what} must be an int, got {type(n).__name__} {n!r}")
    if n < 1:
        raise ValueError(f"{what} must be at least 1, got {n}")
    return n


class Neuron(Module):
    """activation(w . x + b).

    Initialisation, as PyTorch's nn.Linear: weights and bias drawn from
    U(-1/sqrt(nin), 1/sqrt(nin)), using `rng` (a `random.Random`) or, when it is
    None, the `random` module, so `random.seed(...)` makes a model reproducible.
    """

    def __init__(self, nin: int, activation: str = "relu", rng: random.Random | None = None):
        _check_size(nin, "Neuron: nin")
        self.activation = _check_activation(activation)
        bound = 1.0 / math.sqrt(nin)
        uniform = (rng or random).uniform
        self.w = [Value(uniform(-bound, bound), f"w{i}") for i in range(nin)]
        self.b = Value(uniform(-bound, bound), "b")

    def forward(self, x: Input) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"Neuron: expected {len(self.w)} inputs, got {len(x)}")
        out = dot(self.w, x, self.b)
        if self.activation == "linear":
            return out
        return getattr(out, self.activation)()

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, activation={self.activation!r})"


class Layer(Module):
    """`nout` neurons reading the same inputs; returns a list of `nout` Values."""

    def __init__(
        self, nin: int, nout: int, activation: str = "relu", rng: random.Random | None = None
    ):
        _check_size(nout, "Layer: nout")
        self.neurons = [Neuron(nin, activation, rng) for _ in range(nout)]

    def forward(self, x: Input) -> list[Value]:
        # Lift numbers to Values once here rather than once per neuron.
        x = [v if isinstance(v, Value) else Value(v) for v in x]
        return [n(x) for n in self.neurons]

    def __repr__(self) -> str:
        n = self.neurons[0]
        return f"Layer({len(n.w)} -> {len(self.neurons)}, activation={n.activation!r})"


class MLP(Module):
    """Layers of sizes `nouts`; every layer uses `activation` but the last, which is linear.

    Called on one sample (a sequence of numbers or Values): returns a Value
    when the last layer has one output, otherwise a list, as micrograd's MLP.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        rng: random.Random | None = None,
    ):
        _check_size(nin, "MLP: nin")
        if not isinstance(nouts, Sequence) or not nouts:
            raise TypeError(f"MLP: nouts must be a non-empty list of layer sizes, got {nouts!r}")
        _check_activation(activation)
        sizes = [nin, *nouts]
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activation if i < len(nouts) - 1 else "linear", rng)
            for i in range(len(nouts))
        ]

    def forward(self, x: Input) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)
        return x[0] if len(x) == 1 else x

    def __repr__(self) -> str:
        lines = [f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers)]
        return "MLP(\n" + "\n".join(lines) + "\n)"

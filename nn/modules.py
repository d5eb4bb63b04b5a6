"""Neurons, layers and multi-layer perceptrons, built only from Value ops."""

from __future__ import annotations

import itertools
import math
import numbers
import os
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from autograd import Value, dot
from autograd.extras import missing
from nn.checks import boolean, choice, generator, integer, sample_error
from nn.files import dump_model, read_model
from nn.init import ACTIVATIONS, SCHEMES, initialise

Input = Sequence[Value | float]
_ASSIGNMENTS = itertools.count(1)  # stamps for Module.structure_version: each one new


class Module:
    """Base class: parameters found by walking attributes, PyTorch-style names."""

    _assigned = 0  # the stamp of the last assignment to an attribute of any Module

    def __setattr__(self, name: str, value: Any) -> None:
        """Set an attribute, and stamp the assignment (see `structure_version`)."""
        object.__setattr__(self, name, value)
        Module._assigned = next(_ASSIGNMENTS)

    @staticmethod
    def structure_version() -> int:
        """A stamp that moves whenever an attribute of any Module is assigned: a compiled
        step that captured a model compares its attributes only when it has moved."""
        return Module._assigned

    def forward(self, *args: Any) -> Any:
        """The module's computation: subclasses define it (calling the module calls it)."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any) -> Any:
        """self.forward(*args)."""
        return self.forward(*args)

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Value]]:
        """(dotted name, parameter) pairs in a stable order, e.g. `layers.0.neurons.3.w.1`.

        Parameters are found in attributes that are Values, Modules, or lists,
        tuples and dicts of them; one shared by two attributes is listed once.
        Two parameters with one name (dict keys 1 and "1", say) raise ValueError:
        state_dict and save would keep only one of them.
        """
        found: list = []
        seen: set[int] = set()
        for key, value in vars(self).items():
            _walk(value, prefix + key, found, seen, named=True)
        names: set[str] = set()
        for name, _ in found:
            if name in names:
                raise ValueError(
                    f"{type(self).__name__}.named_parameters: two parameters are named "
                    f"{name!r:.80} (keys such as 1 and '1' print alike); a name must identify "
                    "one parameter"
                )
            names.add(name)
        return iter(found)

    def parameters(self) -> list[Value]:
        """Every parameter Value, in the order of `named_parameters()`."""
        found: list = []
        _walk(self, "", found, set(), named=False)
        return found

    def zero_grad(self) -> None:
        """Set every parameter's gradient to zero."""
        for p in self.parameters():
            p.grad = 0.0

    def __repr__(self) -> str:
        """The class name and the number of parameters."""
        return f"{type(self).__name__}({len(self.parameters())} parameters)"

    def state_dict(self) -> dict[str, float]:
        """{dotted name: value} for every parameter, in the order of `named_parameters()`."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Set every parameter from `state`; on any mismatch raise and change nothing.

        The names must be exactly this model's; every value a finite real number.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict: expected a mapping, got {type(state).__name__}")
        params = dict(self.named_parameters())
        for name in params:
            if name not in state:
                raise ValueError(f"load_state_dict: missing parameter {name!r}")
        for name in state:
            if name not in params:
                raise ValueError(f"load_state_dict: unexpected parameter {name!r}")
        values = {}
        for name, value in state.items():
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise TypeError(
                    f"load_state_dict: {name!r} must be a number, got {type(value).__name__}"
                )
            try:
                number = float(value)
            except OverflowError:  # an int of 400 digits, say
                raise ValueError(f"load_state_dict: {name!r} is too large for a float") from None
            if not math.isfinite(number):
                raise ValueError(f"load_state_dict: {name!r} is {value!r}, not a finite number")
            values[name] = number
        for name, p in params.items():  # only now, when everything has been checked
            p.data = values[name]

    def save(self, path: str | os.PathLike) -> None:
        """Write the parameters to a JSON file, atomically (a temporary file, then a rename)."""
        dump_model(path, type(self).__name__, self.state_dict())

    def load(self, path: str | os.PathLike) -> None:
        """Read parameters saved by `save`; a broken or mismatched file raises ValueError
        and leaves the model unchanged."""
        parameters = read_model(path, type(self).__name__)
        try:
            self.load_state_dict(parameters)
        except (TypeError, ValueError) as error:
            raise ValueError(f"load: {path}: {error}") from None


def _walk(attr: Any, name: str, found: list, seen: set[int], named: bool) -> None:
    """Append the parameters in `attr` (with their dotted names when `named`) to `found`.

    One walk serves named_parameters() and parameters(), so both list the same
    parameters in the same order; parameters() skips building the names, which
    matters for wide models.
    """
    if isinstance(attr, Value):
        if id(attr) not in seen:
            seen.add(id(attr))
            found.append((name, attr) if named else attr)
    elif isinstance(attr, Module):
        for key, value in vars(attr).items():
            _walk(value, f"{name}.{key}", found, seen, named)
    elif isinstance(attr, (list, tuple)):
        for i, item in enumerate(attr):
            if type(item) is Value and not named and id(item) not in seen:  # the common case
                seen.add(id(item))
                found.append(item)
            else:
                _walk(item, f"{name}.{i}", found, seen, named)
    elif isinstance(attr, dict):
        for key, item in attr.items():
            _walk(item, f"{name}.{key}", found, seen, named)


class Neuron(Module):
    """activation(w . x + b), or activation(w . x) with bias=False (then `b` is None).

    Initialisation, as PyTorch's nn.Linear: weights and bias drawn from
    U(-1/sqrt(nin), 1/sqrt(nin)), using `rng` (a `random.Random`) or, when it is
    None, the `random` module, so `random.seed(...)` makes a model reproducible.
    """

    def __init__(
        self,
        nin: int,
        activation: str = "relu",
        rng: random.Random | None = None,
        bias: bool = True,
    ):
        """A neuron of `nin` inputs: weights, a bias (unless bias=False), an activation."""
        # Sizes must be true ints (not numpy's).
        integer(nin, "Neuron: nin", kind=int)
        self.activation = choice(activation, "Neuron: activation", ACTIVATIONS)
        generator(rng, "Neuron: rng")
        boolean(bias, "Neuron: bias")
        self.w = [Value(0.0, f"w{i}") for i in range(nin)]
        self.b = Value(0.0, "b") if bias else None
        initialise(self, "default", activation, rng)

    def forward(self, x: Input) -> Value:
        """activation(w . x + b) for one input vector x."""
        try:  # costs nothing until something raises: the diagnosis waits for a failure
            if len(x) != len(self.w):
                raise ValueError(f"Neuron: expected {len(self.w)} inputs, got {len(x)}")
            out = dot(self.w, x, self.b)
        except TypeError as error:
            raise (sample_error(x, "Neuron") or error) from None
        return ACTIVATIONS[self.activation](out)

    def __repr__(self) -> str:
        """The activation, the number of inputs and whether there is a bias."""
        bias = "" if self.b is not None else ", bias=False"
        return f"Neuron({len(self.w)}, activation={self.activation!r}{bias})"


class Layer(Module):
    """`nout` neurons reading the same inputs; returns a list of `nout` Values.

    bias=False makes every neuron's `b` None: activation(w . x).
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "relu",
        rng: random.Random | None = None,
        bias: bool = True,
    ):
        """`nout` neurons of `nin` inputs each, with one activation."""
        where = type(self).__name__  # Linear, a Layer, names itself in errors
        integer(nin, f"{where}: nin", kind=int)
        integer(nout, f"{where}: nout", kind=int)
        choice(activation, f"{where}: activation", ACTIVATIONS)
        generator(rng, f"{where}: rng")
        boolean(bias, f"{where}: bias")
        self.neurons = [Neuron(nin, activation, rng, bias) for _ in range(nout)]

    def forward(self, x: Input) -> list[Value]:
        """The layer's outputs for one input vector x, one Value per neuron."""
        return self._forward(x, type(self).__name__)

    def _forward(self, x: Input, where: str) -> list[Value]:
        """forward(), with input errors naming `where` (Layer, or the MLP it belongs to)."""
        # Lift numbers to Values once here rather than once per neuron.
        try:
            x = [v if isinstance(v, Value) else Value(v) for v in x]
        except TypeError as error:
            raise (sample_error(x, where) or error) from None
        nin = len(self.neurons[0].w)
        if len(x) != nin:
            raise ValueError(f"{where}: expected {nin} inputs, got {len(x)}")
        return [n(x) for n in self.neurons]

    def __repr__(self) -> str:
        """The layer's sizes and activation."""
        n = self.neurons[0]
        bias = "" if n.b is not None else ", bias=False"
        return f"Layer({len(n.w)} -> {len(self.neurons)}, activation={n.activation!r}{bias})"


class MLP(Module):
    """Layers of sizes `nouts`; every layer uses `activation` but the last, which is linear.

    `init` picks the initialisation (see `nn.init.initialise`): "default" (as
    PyTorch's nn.Linear), "uniform" (micrograd's U(-1, 1)), "xavier",
    "xavier_normal", "kaiming" or "kaiming_normal", each with the gain of the
    layer's activation; all but "default" start biases at zero.

    Called on one sample (a sequence of numbers or Values): returns a Value
    when the last layer has one output, otherwise a list, as micrograd's MLP.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        rng: random.Random | None = None,
        init: str = "default",
    ):
        """Layers of sizes `nouts` after `nin` inputs; the last layer is linear."""
        integer(nin, "MLP: nin", kind=int)
        if not isinstance(nouts, Sequence) or isinstance(nouts, str):
            raise TypeError(f"MLP: nouts must be a non-empty list of layer sizes, got {nouts!r}")
        if not nouts:
            raise ValueError(f"MLP: nouts must be a non-empty list of layer sizes, got {nouts!r}")
        for i, nout in enumerate(nouts):
            integer(nout, f"MLP: nouts[{i}]", kind=int)
        choice(activation, "MLP: activation", ACTIVATIONS)
        choice(init, "MLP: init", SCHEMES)
        generator(rng, "MLP: rng")
        sizes = [nin, *nouts]
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activation if i < len(nouts) - 1 else "linear", rng)
            for i in range(len(nouts))
        ]
        if init != "default":
            for layer in self.layers:
                initialise(layer, init, layer.neurons[0].activation, rng)

    def forward(self, x: Input) -> Value | list[Value]:
        """The output for one input vector x: a Value, or a list when the last layer has several."""
        out = self.layers[0]._forward(x, "MLP")  # only the first layer sees the caller's input
        for layer in self.layers[1:]:
            out = layer(out)
        return out[0] if len(out) == 1 else out

    def __repr__(self) -> str:
        """The layers, one a line."""
        lines = [f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers)]
        return "MLP(\n" + "\n".join(lines) + "\n)"

    def to_torch(self) -> Any:
        """An equivalent float64 `torch.nn.Sequential` holding copies of these weights."""
        torch = _torch("MLP.to_torch")

        f64 = torch.float64  # a plain torch.tensor of floats would be float32
        modules = []
        for layer in self.layers:
            neurons = layer.neurons
            linear = torch.nn.Linear(len(neurons[0].w), len(neurons), dtype=f64)
            with torch.no_grad():
                linear.weight.copy_(
                    torch.tensor([[w.data for w in n.w] for n in neurons], dtype=f64)
                )
                biases = [0.0 if n.b is None else n.b.data for n in neurons]  # None: no bias
                linear.bias.copy_(torch.tensor(biases, dtype=f64))
            modules.append(linear)
            activation = neurons[0].activation
            if activation != "linear":
                modules.append(_TORCH_ACTIVATIONS[activation](torch))
        return torch.nn.Sequential(*modules)

    @classmethod
    def from_torch(cls, sequential: Any) -> MLP:
        """The MLP equivalent to a `torch.nn.Sequential` of Linear layers and one activation."""
        torch = _torch("MLP.from_torch")

        defaults = {name: f(torch) for name, f in _TORCH_ACTIVATIONS.items()}
        kinds = {type(default) for default in defaults.values()}
        linears: list[Any] = []  # torch.nn.Linear modules
        activations: list[str] = []
        for i, module in enumerate(sequential):
            if isinstance(module, torch.nn.Linear) and len(linears) == len(activations):
                if module.bias is None:
                    raise ValueError(f"from_torch: module {i}: Linear without a bias")
                if linears and module.in_features != linears[-1].out_features:
                    raise ValueError(
                        f"from_torch: module {i}: {module!r} takes {module.in_features} inputs, "
                        f"but the Linear before it gives {linears[-1].out_features}"
                    )
                _check_finite(torch, module, i)
                linears.append(module)
            elif type(module) in kinds and len(linears) == len(activations) + 1:
                activations.append(_activation_of(module, defaults, i))
            else:
                raise ValueError(
                    f"from_torch: module {i} ({type(module).__name__}) does not fit "
                    "Linear, activation, Linear, ..., Linear"
                )
        if not linears or len(activations) != len(linears) - 1 or len(set(activations)) > 1:
            raise ValueError(
                "from_torch: expected Linear layers with the same activation between them "
                "and none after the last"
            )
        model = cls(
            linears[0].in_features,
            [m.out_features for m in linears],
            activations[0] if activations else "relu",
        )
        for layer, linear in zip(model.layers, linears):
            weight, bias = linear.weight.detach().double(), linear.bias.detach().double()
            for j, neuron in enumerate(layer.neurons):
                for i, w in enumerate(neuron.w):
                    w.data = float(weight[j, i])
                assert neuron.b is not None  # cls(...) gave every neuron a bias
                neuron.b.data = float(bias[j])
        return model


def _check_finite(torch: Any, linear: Any, i: int) -> None:
    """A ValueError naming module `i` and the entry if `linear` holds a nan or an inf."""
    for name in ("weight", "bias"):
        tensor = getattr(linear, name).detach()
        bad = (~torch.isfinite(tensor)).nonzero().tolist()  # indices of nan and inf entries
        if bad:
            at = tuple(bad[0])
            raise ValueError(
                f"from_torch: module {i}: {linear!r} has {name}[{', '.join(map(str, at))}] = "
                f"{tensor[at].item()!r}, not a finite number"
            )


def _activation_of(module: Any, defaults: dict, i: int) -> str:
    """The name of our activation that torch `module` (module i) is: its parameters are
    compared as numbers, `inplace` aside; a ValueError if they are not ours."""
    kinds = [name for name, default in defaults.items() if type(default) is type(module)]
    for name in kinds:
        default = defaults[name]
        fields = [
            k for k in vars(default) if not k.startswith("_") and k not in ("training", "inplace")
        ]
        if all(getattr(module, k) == getattr(default, k) for k in fields):
            return name
    wanted = " or ".join(repr(defaults[name]) for name in kinds)
    raise ValueError(f"from_torch: module {i}: {module!r} must have the parameters of {wanted}")


# each activation's torch module, with the same parameters
_TORCH_ACTIVATIONS: dict[str, Callable[[Any], Any]] = {
    "relu": lambda torch: torch.nn.ReLU(),
    "tanh": lambda torch: torch.nn.Tanh(),
    "sigmoid": lambda torch: torch.nn.Sigmoid(),
    "leaky_relu": lambda torch: torch.nn.LeakyReLU(0.01),
    "gelu": lambda torch: torch.nn.GELU(),
    "gelu_tanh": lambda torch: torch.nn.GELU(approximate="tanh"),
    "silu": lambda torch: torch.nn.SiLU(),
    "mish": lambda torch: torch.nn.Mish(),
    "elu": lambda torch: torch.nn.ELU(),
    "selu": lambda torch: torch.nn.SELU(),
    "celu": lambda torch: torch.nn.CELU(),
    "relu6": lambda torch: torch.nn.ReLU6(),
    "hardtanh": lambda torch: torch.nn.Hardtanh(),
    "hardsigmoid": lambda torch: torch.nn.Hardsigmoid(),
    "hardswish": lambda torch: torch.nn.Hardswish(),
    "softsign": lambda torch: torch.nn.Softsign(),
    "log_sigmoid": lambda torch: torch.nn.LogSigmoid(),
    "softplus": lambda torch: torch.nn.Softplus(),
    "tanhshrink": lambda torch: torch.nn.Tanhshrink(),
    "softshrink": lambda torch: torch.nn.Softshrink(),
    "hardshrink": lambda torch: torch.nn.Hardshrink(),
}


def _torch(feature: str) -> Any:
    """PyTorch, imported for `feature`; an ImportError naming the extra if it is missing."""
    try:
        import torch
    except ModuleNotFoundError as error:
        raise missing(error, feature) from None
    return torch

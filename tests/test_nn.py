"""nn: modules, parameters and their names, micrograd compatibility, training on moons."""

from __future__ import annotations

import random

import pytest

import autograd
from autograd import Value
from nn import MLP, Layer, Module, Neuron
from nn.data import make_moons
from nn.init import ACTIVATIONS


def test_mlp_shapes_parameter_count_and_output_types():
    model = MLP(3, [4, 4, 1])
    assert len(model.parameters()) == (3 + 1) * 4 + (4 + 1) * 4 + (4 + 1) * 1
    assert isinstance(model([1.0, 2.0, 3.0]), Value)
    out = MLP(3, [4, 2])([1.0, 2.0, 3.0])
    assert isinstance(out, list) and len(out) == 2
    assert all(isinstance(v, Value) for v in Layer(3, 5)([Value(1.0), 2.0, 3]))


def test_named_parameters_are_stable_dotted_names():
    model = MLP(2, [3, 1])
    names = [name for name, _ in model.named_parameters()]
    assert names[:4] == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0",
    ]
    assert names[-1] == "layers.1.neurons.0.b"
    assert len(set(names)) == len(names) == len(model.parameters())
    assert [p for _, p in model.named_parameters()] == model.parameters()


def test_last_layer_is_linear_and_hidden_layers_use_the_activation():
    model = MLP(2, [3, 3, 1], activation="tanh")
    assert [layer.neurons[0].activation for layer in model.layers] == ["tanh", "tanh", "linear"]
    neuron = Neuron(2, activation="sigmoid")
    out = neuron([0.3, -0.2])
    assert out.op == "sigmoid" and out.parents[0].op == "dot"
    expected = neuron.w[0].data * 0.3 - neuron.w[1].data * 0.2 + neuron.b.data
    assert out.parents[0].data == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_every_activation_gives_correct_gradients(activation):
    neuron = Neuron(2, activation=activation, rng=random.Random(3))
    x = [Value(0.7), Value(-1.1)]
    # a pre-activation of 0.7, where every activation passes a gradient on (relu's is
    # positive, hardtanh's below 1, the shrinks' above 0.5)
    neuron.b.data = 0.7 - autograd.dot(neuron.w, x).data
    assert autograd.dot(neuron.w, x, neuron.b).data == pytest.approx(0.7)
    neuron(x).backward()
    assert all(p.grad != 0 for p in [*neuron.w, neuron.b, *x])
    h = 1e-6
    for p in [*neuron.w, neuron.b, *x]:
        p.data += h
        up = neuron(x).data
        p.data -= 2 * h
        down = neuron(x).data
        p.data += h
        assert p.grad == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-8)


def test_initialisation_is_reproducible_and_bounded():
    def weights(**kwargs):
        return [p.data for p in MLP(4, [8, 1], **kwargs).parameters()]

    random.seed(7)
    first = weights()
    random.seed(7)
    assert weights() == first
    assert weights(rng=random.Random(5)) == weights(rng=random.Random(5))
    assert weights(rng=random.Random(5)) != weights(rng=random.Random(6))
    neuron = Neuron(16)
    assert all(abs(p.data) <= 0.25 for p in neuron.parameters())  # U(-1/sqrt(16), 1/sqrt(16))


def test_zero_grad_and_repr():
    model = MLP(2, [3, 1])
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())
    assert repr(model) == (
        "MLP(\n"
        "  (0): Layer(2 -> 3, activation='relu')\n"
        "  (1): Layer(3 -> 1, activation='linear')\n"
        ")"
    )
    assert repr(Neuron(3, "tanh")) == "Neuron(3, activation='tanh')"


def test_shared_and_dict_parameters_and_default_repr():
    class Tied(Module):
        def __init__(self):
            self.a = Value(1.0)
            self.b = self.a  # the same parameter under two names: listed once
            self.table = {"x": Value(2.0), "y": [Value(3.0)]}

    model = Tied()
    assert [name for name, _ in model.named_parameters()] == ["a", "table.x", "table.y.0"]
    assert repr(model) == "Tied(3 parameters)"


def test_module_subclasses_find_their_parameters():
    class Affine(Module):
        def __init__(self):
            self.scale = Value(2.0)
            self.inner = Neuron(1, "linear")

        def forward(self, x):
            return self.scale * self.inner([x])

    model = Affine()
    assert [name for name, _ in model.named_parameters()] == ["scale", "inner.w.0", "inner.b"]
    assert isinstance(model(1.5), Value)


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="activation.*'softmax'"):
        MLP(2, [3, 1], activation="softmax")
    with pytest.raises(TypeError, match="nin.*float"):
        Neuron(2.5)
    with pytest.raises(ValueError, match="nout.*0"):
        Layer(2, 0)
    with pytest.raises(TypeError, match="nouts"):
        MLP(2, 3)
    with pytest.raises(ValueError, match="expected 2 inputs, got 3"):
        Neuron(2)([1.0, 2.0, 3.0])


def test_code_written_for_micrograd_runs_with_our_imports():
    # micrograd's README demo loop, unchanged but for the imports at the top.
    random.seed(1337)
    X, y = make_moons(60, noise=0.1, seed=3)
    y = [2 * label - 1 for label in y]
    model = MLP(2, [16, 16, 1])
    accuracy = 0.0
    for k in range(60):
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = sum((yi > 0) == (si.data > 0) for yi, si in zip(y, scores)) / len(y)
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 60
        for p in model.parameters():
            p.data -= learning_rate * p.grad
    assert accuracy >= 0.95


def test_make_moons_is_deterministic_and_balanced():
    X, y = make_moons(101, noise=0.05, seed=4)
    assert (X, y) == make_moons(101, noise=0.05, seed=4)
    assert make_moons(101, noise=0.05, seed=5) != (X, y)
    assert len(X) == len(y) == 101 and sum(y) == 51
    assert all(len(p) == 2 for p in X)
    with pytest.raises(ValueError, match="n_samples"):
        make_moons(1)
    with pytest.raises(TypeError, match="n_samples.*str"):
        make_moons("100")


def test_fused_dot_graph_is_small():
    loss = MLP(2, [16, 16, 1])([0.5, -0.5])
    seen, stack = set(), [loss]
    while stack:
        node = stack.pop()
        if node.parents and node not in seen:
            seen.add(node)
            stack.extend(node.parents)
    # one dot node per neuron plus one activation per hidden neuron
    assert len(seen) == 16 * 2 + 16 * 2 + 1
    assert autograd.is_grad_enabled()

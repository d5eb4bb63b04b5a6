"""Issue 17, training: losses that return no Value, numpy data, optimizers of other parameters."""

from __future__ import annotations

import random

import pytest

from nn import MLP
from nn.data import make_moons
from nn.losses import cross_entropy, hinge, mse
from nn.optim import SGD, Adam
from nn.train import fit


def data():
    X, y = make_moons(24, noise=0.1, seed=0)
    return X, [2 * label - 1 for label in y]


def train(X, y, loss, *, compiled=False, outputs=1, epochs=3, batch_size=8):
    """The model's weights after training from a fixed start, and fit's History."""
    model = MLP(2, [6, outputs], rng=random.Random(0))
    history = fit(
        model,
        X,
        y,
        loss,
        SGD(model.parameters(), lr=0.1),
        epochs,
        batch_size,
        progress=False,
        compile=compiled,
    )
    return [p.data for p in model.parameters()], history


# ---- a loss that returns no Value ---------------------------------------------------------


def constant_loss(preds, targets):
    return 1.0


@pytest.mark.parametrize(
    "returned, shown",
    [(1.0, "float 1.0"), (None, "NoneType None"), ("loss", "str 'loss'")],
)
def test_a_loss_returning_no_value_is_named_with_what_it_returned(returned, shown):
    def my_loss(preds, targets):
        return returned

    X, y = data()
    model = MLP(2, [4, 1], rng=random.Random(0))
    before = [p.data for p in model.parameters()]
    with pytest.raises(TypeError) as error:
        fit(model, X, y, my_loss, SGD(model.parameters(), lr=0.1), 1, progress=False)
    message = str(error.value)  # was AttributeError: 'float' object has no attribute 'data'
    assert message.startswith("fit: the loss my_loss returned ")
    assert shown in message and "Value" in message
    assert [p.data for p in model.parameters()] == before  # nothing trained


def test_a_loss_returning_a_numpy_float_is_named(numpy):
    def np_loss(preds, targets):
        return numpy.float64(0.5)

    X, y = data()
    model = MLP(2, [4, 1], rng=random.Random(0))
    # was TypeError: must be real number, not memoryview
    with pytest.raises(TypeError, match=r"fit: the loss np_loss returned float64 .*0\.5"):
        fit(model, X, y, np_loss, SGD(model.parameters(), lr=0.1), 1, progress=False)


def test_a_lambda_or_a_list_of_values_is_named_too():
    X, y = data()
    model = MLP(2, [4, 1], rng=random.Random(0))
    with pytest.raises(TypeError, match=r"fit: the loss <lambda> returned list \["):
        fit(model, X, y, lambda p, t: p, SGD(model.parameters(), lr=0.1), 1, progress=False)


def test_a_loss_returning_no_value_is_named_when_compiled(numpy):
    X, y = data()
    model = MLP(2, [4, 1], rng=random.Random(0))
    with pytest.raises(TypeError, match="fit: the loss constant_loss returned float 1.0"):
        fit(
            model,
            X,
            y,
            constant_loss,
            SGD(model.parameters(), lr=0.1),
            1,
            progress=False,
            compile=True,
        )


# ---- numpy arrays for X and y -------------------------------------------------------------


@pytest.mark.parametrize("compiled", [False, True])
def test_numpy_x_and_1d_y_train_as_their_lists_do(numpy, compiled):
    X, y = data()
    # was ValueError: The truth value of an array with more than one element is ambiguous
    got, history = train(numpy.array(X), numpy.array(y), hinge, compiled=compiled)
    expected, lists = train(X, y, hinge, compiled=compiled)
    assert got == expected and history.loss == lists.loss and history.epochs == 3
    assert history.metrics["accuracy"] == lists.metrics["accuracy"]


@pytest.mark.parametrize("compiled", [False, True])
def test_numpy_2d_y_for_several_outputs(numpy, compiled):
    X, labels = data()
    Y = [[float(v), -float(v)] for v in labels]  # two regression targets per sample
    got, history = train(numpy.array(X), numpy.array(Y), mse, compiled=compiled, outputs=2)
    expected, lists = train(X, Y, mse, compiled=compiled, outputs=2)
    assert got == expected and history.loss == lists.loss


@pytest.mark.parametrize("compiled", [False, True])
def test_numpy_class_indices_and_float32_x(numpy, compiled):
    X, labels = data()
    classes = [(v + 1) // 2 for v in labels]
    X32 = numpy.array(X, dtype=numpy.float32)
    y64 = numpy.array(classes, dtype=numpy.int64)
    got, history = train(X32, y64, cross_entropy, compiled=compiled, outputs=2)
    expected, _ = train(X32.tolist(), classes, cross_entropy, compiled=compiled, outputs=2)
    assert got == expected and 0.0 <= history.metrics["accuracy"][-1] <= 1.0


def test_numpy_arrays_that_hold_no_real_numbers_are_refused(numpy):
    model = MLP(2, [4, 1], rng=random.Random(0))
    optimizer = SGD(model.parameters(), lr=0.1)
    X, y = data()
    for bad in (numpy.array([["1", "2"]] * 24), numpy.array(X, dtype=complex)):
        with pytest.raises(TypeError, match=f"fit: X must hold real numbers, got .*{bad.dtype}"):
            fit(model, bad, y, hinge, optimizer, 1, progress=False)
    with pytest.raises(TypeError, match="fit: y must hold real numbers, got .*object"):
        fit(model, X, numpy.array(y, dtype=object), hinge, optimizer, 1, progress=False)
    with pytest.raises(TypeError, match="fit: X must be a sequence, got a 0-d numpy array"):
        fit(model, numpy.array(1.0), y, hinge, optimizer, 1, progress=False)
    with pytest.raises(ValueError, match="fit: X and y must be non-empty and equally long"):
        fit(model, numpy.zeros((0, 2)), numpy.zeros(0), hinge, optimizer, 1, progress=False)


# ---- an optimizer of other parameters -----------------------------------------------------


def test_an_optimizer_of_another_models_parameters_is_refused():
    X, y = data()
    model, other = MLP(2, [4, 1], rng=random.Random(0)), MLP(2, [4, 1], rng=random.Random(1))
    before = [p.data for p in model.parameters()]
    for optimizer in (SGD(other.parameters(), lr=0.1), Adam(other.parameters(), lr=0.1)):
        # was: trained nothing, silently, and returned a History
        with pytest.raises(ValueError) as error:
            fit(model, X, y, hinge, optimizer, 1, progress=False)
        message = str(error.value)
        assert "fit: the optimizer updates none of the model's 17 parameters" in message
        assert "17 others" in message and "model.parameters()" in message
    assert [p.data for p in model.parameters()] == before


def test_an_optimizer_of_some_of_the_models_parameters_fine_tunes_them():
    X, y = data()
    model = MLP(2, [4, 1], rng=random.Random(0))
    first, last = model.layers[0].parameters(), model.layers[1].parameters()
    frozen = [p.data for p in first]
    tuned = [p.data for p in last]
    fit(model, X, y, hinge, SGD(last, lr=0.1), 2, progress=False)
    assert [p.data for p in first] == frozen  # not the optimizer's: untouched
    assert [p.data for p in last] != tuned  # the optimizer's: trained


def test_an_optimizer_with_extra_parameters_of_its_own_trains_them_too():
    from autograd import Value

    X, y = data()
    model = MLP(2, [4, 1], rng=random.Random(0))
    scale = Value(1.0, label="scale")  # a learnable temperature the loss closes over

    def scaled_hinge(preds, targets):
        return hinge([p * scale for p in preds], targets)

    fit(model, X, y, scaled_hinge, SGD([*model.parameters(), scale], lr=0.1), 2, progress=False)
    assert scale.data != 1.0

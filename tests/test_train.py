"""fit: training to 100% on moons, what History records, and the gradient-health warnings."""

from __future__ import annotations

import math
import random
import warnings

import pytest

import autograd
from nn import MLP, Layer
from nn.data import make_moons, make_spirals
from nn.losses import cross_entropy, hinge, mse
from nn.optim import SGD, Adam, StepLR
from nn.train import GradientHealthWarning, History, accuracy, fit


def moons(n=100):
    X, y = make_moons(n, noise=0.1, seed=0)
    return X, [2 * label - 1 for label in y]


def quiet_fit(*args, **kwargs):
    """fit, failing the test on any warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fit(*args, progress=False, **kwargs)


def test_fit_reaches_full_accuracy_on_moons_and_records_every_epoch():
    X, Y = moons()
    model = MLP(2, [16, 16, 1], rng=random.Random(1))
    history = quiet_fit(model, X, Y, hinge, SGD(model.parameters(), lr=0.1, momentum=0.9), 100)
    assert history.metrics["accuracy"][-1] == 1.0
    assert history.epochs == 100 and history.loss[-1] < 0.05 < history.loss[0]
    assert len(history.grad_norm) == len(history.weight_norm) == len(history.dead_relu) == 100
    assert all(len(epoch) == 3 for epoch in history.update_ratio)
    assert history.dead_relu[-1][2] is None  # the linear output layer has no ReLUs
    assert 0 <= history.dead_relu[-1][0] <= 1
    assert history.warnings == [] and history.stopped is None
    assert history.layer_series("grad_norm", 0) == [epoch[0] for epoch in history.grad_norm]


def test_minibatches_scheduler_and_multiclass():
    X, y = make_spirals(90, n_classes=3, noise=0.1, seed=1)
    model = MLP(2, [12, 12, 3], rng=random.Random(0))
    optimizer = Adam(model.parameters(), lr=0.02)
    history = quiet_fit(
        model,
        X,
        y,
        cross_entropy,
        optimizer,
        6,
        batch_size=16,
        scheduler=StepLR(optimizer, step_size=2, gamma=0.5),
    )
    assert history.lr == pytest.approx([0.02, 0.02, 0.01, 0.01, 0.005, 0.005])
    assert history.loss[-1] < history.loss[0]
    assert 0 < history.metrics["accuracy"][-1] <= 1


def test_regression_has_no_accuracy_and_custom_metrics_work():
    X = [[x / 10] for x in range(-10, 11)]
    y = [math.sin(x[0]) for x in X]
    model = MLP(1, [8, 1], activation="tanh", rng=random.Random(0))
    history = quiet_fit(model, X, y, mse, Adam(model.parameters(), lr=0.05), 5)
    assert history.metrics == {}
    history = quiet_fit(
        model,
        X,
        y,
        mse,
        Adam(model.parameters(), lr=0.05),
        3,
        metrics={"max_error": lambda p, t: max(abs(a - b) for a, b in zip(p, t))},
    )
    assert len(history.metrics["max_error"]) == 3


def test_vanishing_gradients_warn_on_a_deep_sigmoid_net_with_tiny_init():
    X, Y = moons(40)
    model = MLP(2, [8] * 8 + [1], activation="sigmoid", rng=random.Random(0))
    for p in model.parameters():
        p.data *= 0.1
    with pytest.warns(GradientHealthWarning, match="vanishing gradients at epoch 1:"):
        history = fit(model, X, Y, hinge, SGD(model.parameters(), lr=0.1), 3, progress=False)
    assert history.grad_norm[0][0] < 1e-6 and history.loss[0] > 0.5
    assert len(history.warnings) == 1  # once, not every epoch


def test_vanishing_is_also_seen_as_a_ratio_between_first_and_last_layer():
    from nn.train import _check_health

    history = History(loss=[0.5], grad_norm=[[1e-5, 0.1, 0.5]])
    with pytest.warns(GradientHealthWarning, match="2.0e-05 of the last layer's 0.5"):
        _check_health(history)


def deep_relu_net(scale):
    model = MLP(2, [16] * 6 + [1], init="uniform", rng=random.Random(0))
    for p in model.parameters():
        p.data *= scale
    return model


def test_exploding_gradients_warn_on_a_net_with_huge_init():
    X, Y = moons(40)
    model = deep_relu_net(3)
    with pytest.warns(GradientHealthWarning, match="exploding gradients at epoch 1:"):
        history = fit(model, X, Y, hinge, SGD(model.parameters(), lr=1e-6), 2, progress=False)
    assert max(history.grad_norm[0]) > 1e3


def test_warnings_count_epochs_from_1_as_the_progress_bar_does():
    from nn.train import _check_health

    X, Y = moons(40)
    history = History(loss=[0.5, 0.5, 0.5], grad_norm=[[0.1, 0.1]] * 2 + [[2e3, 0.1]])
    with pytest.warns(GradientHealthWarning, match="exploding gradients at epoch 3:"):
        _check_health(history)  # the third epoch recorded
    # the gradients overflow during the fifth epoch, after four finished ones
    model = deep_relu_net(3)
    with pytest.warns(GradientHealthWarning) as caught:
        history = fit(model, X, Y, hinge, SGD(model.parameters(), lr=0.01), 30, progress=False)
    assert history.epochs == 4
    assert history.stopped.startswith("gradients are not finite at epoch 5;")
    assert [str(w.message).split(":")[0].split(";")[0] for w in caught] == [
        "exploding gradients at epoch 1",
        "gradients are not finite at epoch 5",
    ]


def test_a_healthy_net_gets_no_warning():
    X, Y = moons(60)
    model = MLP(2, [16, 16, 1], activation="relu", init="kaiming", rng=random.Random(0))
    history = quiet_fit(model, X, Y, hinge, SGD(model.parameters(), lr=0.05), 10)
    assert history.warnings == []


def test_non_finite_loss_stops_training_and_keeps_finite_parameters():
    X, Y = moons(20)
    model = MLP(2, [4, 1], rng=random.Random(0))
    for p in model.parameters():
        p.data *= 1e160  # scores overflow to inf
    before = model.state_dict()
    with pytest.warns(GradientHealthWarning, match="loss is (inf|nan) at epoch 1;"):
        history = fit(model, X, Y, hinge, SGD(model.parameters(), lr=0.1), 5, progress=False)
    assert history.stopped is not None and history.epochs == 0
    assert model.state_dict() == before


def test_clipping_keeps_a_huge_init_net_training():
    X, Y = moons(40)
    histories = {}
    for clip in (None, 1.0):
        model = deep_relu_net(3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GradientHealthWarning)
            histories[clip] = fit(
                model,
                X,
                Y,
                hinge,
                SGD(model.parameters(), lr=0.01),
                30,
                clip_norm=clip,
                progress=False,
            )
        assert all(math.isfinite(p.data) for p in model.parameters())
    unclipped, clipped = histories[None], histories[1.0]
    assert unclipped.stopped is not None  # diverged to a non-finite loss and stopped
    assert clipped.stopped is None and clipped.epochs == 30
    assert clipped.loss[-1] < clipped.loss[0]


def test_callbacks_can_stop_and_the_progress_bar_shows_loss(capsys):
    X, Y = moons(30)
    model = MLP(2, [4, 1], rng=random.Random(0))
    seen = []

    def stop_after_three(history: History):
        seen.append(history.epochs)
        return history.epochs == 3

    history = fit(
        model, X, Y, hinge, SGD(model.parameters(), lr=0.1), 10, callbacks=[stop_after_three]
    )
    assert seen == [1, 2, 3] and history.epochs == 3
    assert "loss=" in capsys.readouterr().err


def test_accuracy_rules_and_bad_arguments():
    assert accuracy([0.3, -2.0, 1.0], [1, -1, -1]) == pytest.approx(2 / 3)
    assert accuracy([0.3, -2.0], [1, 0]) == 1.0  # 0/1 labels
    assert accuracy([[0.1, 0.9, 0.0], [2.0, 1.0, 0.0]], [1, 2]) == 0.5
    model = MLP(2, [1])
    optimizer = SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="equally long"):
        fit(model, [[0.0, 1.0]], [1, -1], hinge, optimizer, 1)
    with pytest.raises(ValueError, match="epochs"):
        fit(model, [[0.0, 1.0]], [1], hinge, optimizer, -1)
    with pytest.raises(ValueError, match="unknown metrics"):
        fit(model, [[0.0, 1.0]], [1], hinge, optimizer, 1, metrics=["f1"])


def test_compiled_fit_computes_exactly_what_eager_computes_for_any_loss(numpy):
    # An RMSE couples the samples: it is not a mean of per-sample losses (this was
    # 1.2417 eager and 1.0693 compiled).
    def rmse(preds, targets):
        return (autograd.sum([(p - t) ** 2 for p, t in zip(preds, targets)]) / len(preds)).sqrt()

    X = [[0.1 * i, -0.2 * i + 1.0] for i in range(12)]
    y = [math.sin(3 * a) + b for a, b in X]
    histories, weights = [], []
    for compiled in (False, True):
        model = MLP(2, [8, 1], rng=random.Random(0))
        history = fit(
            model,
            X,
            y,
            rmse,
            SGD(model.parameters(), lr=0.05),
            3,
            5,
            metrics=[],
            progress=False,
            compile=compiled,
        )
        histories.append(history.loss)
        weights.append([p.data for p in model.parameters()])
    assert histories[1] == pytest.approx(histories[0], rel=1e-12)
    assert weights[1] == pytest.approx(weights[0], rel=1e-12, abs=1e-15)


def test_the_dead_relu_probe_on_floats_counts_as_the_layers_forward_does():
    from nn.data import make_moons
    from nn.train import _dead_relus

    X, _ = make_moons(300, noise=0.2, seed=0)
    model = MLP(2, [8, 8, 1], activation="relu", rng=random.Random(3))
    for layer in model.layers:  # silence three neurons of each layer
        for neuron in layer.neurons[:3]:
            neuron.b.data = -50.0
    fast = _dead_relus(model, X)

    class CustomLayer(Layer):  # not nn's own Layer: the probe runs its forward
        pass

    for layer in model.layers:
        layer.__class__ = CustomLayer
    assert fast == _dead_relus(model, X) == [0.375, 0.625, None]


def test_the_compiled_dead_relu_probe_counts_as_the_float_one(numpy):
    import autograd
    from nn.data import make_moons
    from nn.train import _dead_relus, _every_output

    X, _ = make_moons(300, noise=0.2, seed=0)
    model = MLP(2, [8, 8, 1], activation="relu", rng=random.Random(3))
    for layer in model.layers:
        for neuron in layer.neurons[:3]:
            neuron.b.data = -50.0
    probe = autograd.compile(_every_output(model.layers))
    assert _dead_relus(model, X, probe) == _dead_relus(model, X) == [0.375, 0.625, None]


def test_fit_trains_layers_without_bias():
    # bias=False layers: the dead-ReLU probe reads no bias where there is none
    from nn import Layer, Module

    class Net(Module):
        def __init__(self):
            self.layers = [
                Layer(2, 4, bias=False, rng=random.Random(0)),
                Layer(4, 1, activation="linear", bias=False, rng=random.Random(1)),
            ]

        def __call__(self, x):
            h = self.layers[0](x)
            return self.layers[1](h)[0]

    net = Net()
    X, y = [[0.5, -1.0], [1.0, 2.0], [-1.5, 0.5]], [1.0, -1.0, 0.5]
    history = fit(net, X, y, mse, SGD(net.parameters(), lr=0.05), epochs=3, progress=False)
    assert len(history.loss) == 3 and history.loss[-1] < history.loss[0]
    assert all(n.b is None for n in net.layers[0].neurons)

"""Every demo runs in-process with tiny settings and writes real pictures."""

from __future__ import annotations

import importlib
import math
import xml.etree.ElementTree as ET

import pytest

PNG = b"\x89PNG\r\n\x1a\n"


def run(name, tmp_path, *args):
    module = importlib.import_module(f"demos.{name}")
    return module.main(["--out", str(tmp_path), *args])


def assert_png(path):
    data = path.read_bytes()
    assert data.startswith(PNG) and len(data) > 5_000, path


def assert_svg(path):
    root = ET.fromstring(path.read_text())
    assert root.tag.endswith("svg")


def svg_texts(path):
    root = ET.fromstring(path.read_text())
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


def png_size(path):
    """(width, height) from the PNG's IHDR chunk."""
    data = path.read_bytes()
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_moons(tmp_path, capsys):
    metrics = run("moons", tmp_path, "--epochs", "30", "--samples", "40")
    assert metrics["train_accuracy"] >= 0.9 and 0 <= metrics["final_loss"] < 0.5
    assert_png(tmp_path / "moons_boundary.png")
    assert_png(tmp_path / "moons_curves.png")
    assert_svg(tmp_path / "moons_neuron.svg")
    assert "dot" in (tmp_path / "moons_neuron.svg").read_text()  # the fused neuron node
    # every input of the neuron is labelled, so x0 goes with w0 and x1 with w1
    texts = svg_texts(tmp_path / "moons_neuron.svg")
    assert {"w0", "w1", "x0", "x1", "b", "relu(w0*x0 + w1*x1 + b)"} <= set(texts)
    assert "training accuracy" in capsys.readouterr().out


@pytest.mark.slow
def test_moons_at_default_settings_reaches_full_accuracy(tmp_path):
    assert run("moons", tmp_path, "--no-plot")["train_accuracy"] == 1.0


def test_spirals(tmp_path):
    metrics = run("spirals", tmp_path, "--epochs", "3", "--samples", "60")
    assert 0 < metrics["test_accuracy"] <= 1 and 0 < metrics["train_accuracy"] <= 1
    assert_png(tmp_path / "spirals_regions.png")


def test_regression(tmp_path):
    metrics = run("regression", tmp_path, "--epochs", "20", "--samples", "40")
    assert metrics["test_mse"] < 0.5  # sin(x) has variance 0.5: the fit beats a constant
    assert_png(tmp_path / "regression_fit.png")


def test_gradients(tmp_path, capsys):
    metrics = run("gradients", tmp_path, "--epochs", "6")
    assert metrics["sigmoid_first_over_last"] < 1e-3 < metrics["relu_kaiming_first_over_last"]
    assert metrics["unclipped_stopped"] and math.isfinite(metrics["clipped_final_loss"])
    assert_png(tmp_path / "gradients_vanishing.png")
    assert_png(tmp_path / "gradients_exploding.png")
    width, height = png_size(tmp_path / "gradients_exploding.png")
    assert width > 2 * height  # two panels: the clipped run has an axis of its own
    assert "log scale" in (tmp_path / "gradients_heat.svg").read_text()
    out = capsys.readouterr().out
    assert "fit warned: vanishing gradients at epoch 1:" in out
    assert "fit warned: exploding gradients at epoch 1:" in out
    # one numbering (from 1, as the progress bar): console, fit's warning and the legend
    stopped = metrics["unclipped_stopped_at"]
    assert stopped == metrics["unclipped_epochs"] + 1 == 6
    assert f"fit warned: loss is nan at epoch {stopped};" in out
    assert f"clip_norm=None: stopped at epoch {stopped}, 5 epochs finished" in out
    # the heat map: a page, not a strip, and every weight and bias named apart
    heat = tmp_path / "gradients_heat.svg"
    root = ET.fromstring(heat.read_text())
    width, height = (float(root.get(k).removesuffix("pt")) for k in ("width", "height"))
    assert width < 900 < height
    texts = svg_texts(heat)
    names = [t for t in texts if t.startswith("L") and (".w" in t or t.endswith(".b"))]
    assert len(names) == len(set(names)) == 7 * 2  # one weight and one bias per layer
    assert {"L0.n0.w0", "L6.n0.b", "x0"} <= set(texts)


def test_learning_rate(tmp_path):
    metrics = run("learning_rate", tmp_path, "--epochs", "8")
    assert metrics["final_loss_good"] < metrics["final_loss_too_small"]
    assert_png(tmp_path / "learning_rate.png")


def test_minibatch(tmp_path):
    metrics = run("minibatch", tmp_path, "--epochs", "3")
    assert metrics["batch_4"]["final_loss"] < metrics["full_batch"]["final_loss"]
    assert all(m["seconds"] > 0 for m in metrics.values())
    assert_png(tmp_path / "minibatch.png")


def test_newton(tmp_path, capsys):
    metrics = run("newton", tmp_path, "--epochs", "200")
    assert metrics["newton_iterations"] <= 10 and metrics["newton_loss"] < 1e-10
    assert metrics["gd_iterations"] == 200 and metrics["gd_loss"] > 1e-10  # still crawling
    assert_png(tmp_path / "newton.png")
    assert "Newton" in capsys.readouterr().out


def test_modes(tmp_path, capsys):
    metrics = run("modes", tmp_path, "--epochs", "1", "--sizes", "1", "4", "16")
    assert metrics["sizes"] == [1, 4, 16] and metrics["largest_difference"] < 1e-12
    assert_png(tmp_path / "modes.png")
    assert "forward and reverse derivatives agree" in capsys.readouterr().out


def test_no_plot_writes_nothing(tmp_path):
    run("learning_rate", tmp_path, "--epochs", "2", "--no-plot")
    assert not any(tmp_path.iterdir())


def test_python_m_demos_lists_every_demo(capsys):
    from demos.__main__ import main

    main()
    out = capsys.readouterr().out
    for name in [
        "moons",
        "spirals",
        "regression",
        "gradients",
        "learning_rate",
        "modes",
        "minibatch",
        "newton",
    ]:
        assert f"  {name} " in out


def test_digits(tmp_path):
    metrics = run("digits", tmp_path, "--epochs", "3", "--limit", "300")
    assert metrics["test_accuracy"] > 0.5  # ten classes: chance is 0.1
    assert_png(tmp_path / "digits_confusion.png")
    assert_png(tmp_path / "digits_mistakes.png")


@pytest.mark.slow
def test_digits_at_default_settings_reaches_95_percent(tmp_path):
    assert run("digits", tmp_path, "--no-plot")["test_accuracy"] >= 0.95

"""Demos run in-process and return their final metrics."""

import pytest

from demos import moons


def test_moons_demo_trains(capsys):
    metrics = moons.main(["--epochs", "40", "--samples", "40", "--quiet"])
    assert metrics["train_accuracy"] >= 0.9
    assert 0 <= metrics["final_loss"] < 0.5
    assert "training accuracy" in capsys.readouterr().out


@pytest.mark.slow
def test_moons_demo_at_default_settings_reaches_full_accuracy(capsys):
    metrics = moons.main(["--quiet"])
    assert metrics["train_accuracy"] == 1.0


def test_newton_demo_converges_in_few_steps_and_plots(tmp_path, capsys):
    from demos import newton

    metrics = newton.main(["--epochs", "200", "--out", str(tmp_path)])
    assert metrics["newton_iterations"] <= 10 and metrics["newton_loss"] < 1e-10
    assert metrics["gd_iterations"] == 200 and metrics["gd_loss"] > 1e-10  # still crawling
    png = (tmp_path / "newton.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    assert "Newton" in capsys.readouterr().out

"""Demos run in-process and return their final metrics."""

from demos import moons


def test_moons_demo_trains(capsys):
    metrics = moons.main(["--epochs", "40", "--samples", "40", "--quiet"])
    assert metrics["train_accuracy"] >= 0.9
    assert 0 <= metrics["final_loss"] < 0.5
    assert "training accuracy" in capsys.readouterr().out


def test_moons_demo_at_default_settings_reaches_full_accuracy(capsys):
    metrics = moons.main(["--quiet"])
    assert metrics["train_accuracy"] == 1.0

"""demos/gpt.py: the character GPT learns names and makes some up, eager and compiled."""

from __future__ import annotations

import math
import random
import re

import pytest

from demos import gpt

PNG = b"\x89PNG\r\n\x1a\n"


def run(tmp_path, *args):
    return gpt.main(["--out", str(tmp_path), "--no-plot", *args])


def assert_names(samples, count):
    assert len(samples) == count
    for name in samples:
        assert re.fullmatch("[a-z]{1,15}", name), name


def test_the_names_file_is_30000_lowercase_names():
    names = gpt.load_names()
    assert len(names) == len(set(names)) == 30_000
    assert names[:3] == ["james", "john", "robert"]  # most frequent first (demos/NAMES.md)
    assert all(re.fullmatch("[a-z]{2,14}", name) for name in names)


def test_eager_training_lowers_the_loss_and_samples_names(tmp_path, capsys):
    metrics = run(tmp_path, "--steps", "12", "--batch", "8", "--samples", "6")
    first, final = metrics["first_loss"], metrics["final_loss"]
    assert abs(first - math.log(27)) < 0.3  # small initial weights: close to a uniform guess
    assert final < first - 0.25  # the mean over all 12 steps, the first included
    assert len(metrics["losses"]) == metrics["steps"] == 12
    assert final == pytest.approx(sum(metrics["losses"]) / 12, rel=1e-15)
    assert_names(metrics["samples"], 6)
    out = capsys.readouterr().out
    assert "4,240 parameters" in out and "eager" in out
    assert all(name in out for name in metrics["samples"])


def test_compiled_training_lowers_the_loss_and_samples_names(tmp_path):
    metrics = run(tmp_path, "--steps", "80", "--compile", "--samples", "8")
    assert metrics["final_loss"] < metrics["first_loss"] - 0.6  # the mean of steps 31-80
    assert metrics["final_loss"] == pytest.approx(sum(metrics["losses"][-50:]) / 50, rel=1e-15)
    assert_names(metrics["samples"], 8)


def test_eager_and_compiled_give_the_same_losses(tmp_path):
    eager = run(tmp_path, "--steps", "3", "--batch", "4", "--samples", "2", "--seed", "5")
    compiled = run(
        tmp_path, "--steps", "3", "--batch", "4", "--samples", "2", "--seed", "5", "--compile"
    )
    assert compiled["first_loss"] == pytest.approx(eager["first_loss"], rel=1e-9)
    assert compiled["losses"] == pytest.approx(eager["losses"], rel=1e-9)  # after Adam steps too


def test_a_step_is_the_mean_cross_entropy_of_its_names():
    """Trainer.step's loss, recomputed by hand from the logits of the model before the step."""
    model = gpt.GPT(random.Random(1))
    batch = ["ann", "bob"]
    expected = 0.0
    for name in batch:
        tokens = gpt.encode(name)
        logits = model(tokens[:-1])
        terms = []
        for z, target in zip(logits, tokens[1:]):
            zs = [v.data for v in z]
            terms.append(math.log(sum(math.exp(v) for v in zs)) - zs[target])
        expected += sum(terms) / len(terms) / len(batch)
    assert gpt.Trainer(model, 10, compiled=False).step(batch) == pytest.approx(expected, rel=1e-12)


def test_batches_hold_names_of_one_length():
    names = gpt.load_names()
    batches = gpt.epoch_batches(names, 16, random.Random(0))
    assert all(len(b) == 16 and len({len(n) for n in b}) == 1 for b in batches)
    assert len({n for b in batches for n in b}) == 16 * len(batches) > 29_800


def test_the_plot_is_written(tmp_path):
    gpt.main(["--out", str(tmp_path), "--steps", "2", "--batch", "2", "--samples", "1"])
    data = (tmp_path / "gpt_loss.png").read_bytes()
    assert data.startswith(PNG) and len(data) > 5_000


def test_an_epoch_is_a_pass_over_the_names(tmp_path, monkeypatch):
    names = ["ann", "bob", "eve", "amy", "jo", "al", "cy", "ed", "kim", "ida"]  # 6 of 3, 4 of 2
    monkeypatch.setattr(gpt, "load_names", lambda: names)
    metrics = run(tmp_path, "--epochs", "2", "--batch", "2", "--samples", "1")
    assert metrics["steps"] == len(metrics["losses"]) == 2 * 5  # 3 + 2 batches a pass


def test_steps_and_epochs_are_exclusive(tmp_path):
    with pytest.raises(SystemExit):
        run(tmp_path, "--steps", "3", "--epochs", "1")


def test_python_m_demos_lists_gpt(capsys):
    from demos.__main__ import main

    main()
    assert "  gpt " in capsys.readouterr().out

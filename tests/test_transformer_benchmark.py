"""benchmarks/transformer_step.py, on a very short run: all the ways agree on real numbers."""

from __future__ import annotations

import importlib
import math
import sys
from pathlib import Path

import pytest

from autograd import Value

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
WAYS = {"minimal", "tape", "valuegrad", "tape_fused", "fused", "compiled"}


@pytest.fixture(scope="module")
def bench(numpy):
    """The benchmark module, imported as the benchmarks import each other (benchmarks/ on
    sys.path); it needs numpy for autograd.compile."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        return importlib.import_module("transformer_step")
    finally:
        sys.path.remove(str(BENCHMARKS))


@pytest.fixture(scope="module")
def result(bench):
    # two steps of two short names each (two lengths, so two traced programs)
    return bench.main(["--steps", "2", "--batch", "2", "--names", "200", "--longest", "6"])


def test_main_returns_the_documented_keys(result):
    assert set(result) == {
        "ms",
        "ms_range",
        "floor",
        "ms_per_sequence",
        "speedup",
        "check_losses",
        "check_grad_errors",
        "final_losses",
        "parameters",
        "batch",
        "steps",
        "lengths",
        "trace_s",
    }
    for key in ("ms", "ms_range", "ms_per_sequence", "check_losses", "check_grad_errors"):
        assert set(result[key]) == WAYS, key
    assert set(result["speedup"]) == {
        "valuegrad_vs_minimal",
        "fused_vs_minimal",
        "compiled_vs_fused",
        "tape_vs_minimal",
        "tape_fused_vs_minimal",
    }
    assert set(result["floor"]) == {"valuegrad_over_tape", "fused_over_tape_fused"}
    assert all(ms > 0 for ms in result["ms"].values())
    assert all(low <= result["ms"][way] <= high for way, (low, high) in result["ms_range"].items())
    assert result["parameters"] == 4192  # about 4,000, as the issue asks
    assert (result["batch"], result["steps"], len(result["lengths"])) == (2, 2, 2)


def test_the_ways_give_the_same_loss_and_gradients(result):
    losses = result["check_losses"]
    reference = losses["minimal"]
    # a cross-entropy over 27 tokens from small random weights: close to log(27)
    assert abs(reference - math.log(27)) < 0.5
    for way in WAYS:
        assert losses[way] == pytest.approx(reference, rel=1e-9), way
        assert 0.0 <= result["check_grad_errors"][way] <= 1e-9, way
    assert result["check_grad_errors"]["minimal"] == 0.0  # the reference itself


def test_the_ways_follow_the_same_trajectory(result):
    # after an Adam step (plain Python in the eager ways, nn.optim.Adam compiled), the
    # last step's losses still agree to rounding
    final = result["final_losses"]
    assert set(final) == WAYS
    for way in WAYS:
        assert final[way] == pytest.approx(final["minimal"], rel=1e-9), way


def test_the_minimal_engine_agrees_with_valuegrad(bench):
    def f(x, y):
        return ((x * y + 1.5) ** 2 / (y.exp() + 2.0) - x).relu() + (x * x + 0.5).log()

    grads = []
    for V in (bench.Scalar, bench.Tape, Value):
        x, y = V(0.7), V(-0.4)
        out = f(x, y)
        out.backward()
        grads.append((out.data, x.grad, y.grad))
    for minimal, tape, ours in zip(*grads):
        assert minimal == tape == pytest.approx(ours, rel=1e-12)


def test_one_hot_embedding_is_the_lookup(bench):
    weights = bench.initial_weights(0)
    model, _ = bench.make_model(Value, weights)
    token = 5
    one_hot = [Value(1.0 if i == token else 0.0) for i in range(bench.VOCAB)]
    looked_up = bench.Fused().embed(model["wte"], token)
    multiplied = bench.OneHot().embed(model["wte"], one_hot)
    assert [v.data for v in multiplied] == [v.data for v in looked_up]

"""Model files and state dicts: round trips, and every broken file leaves the model as it was."""

from __future__ import annotations

import json
import random

import pytest

from nn import MLP
from nn.init import ACTIVATIONS


def model(seed: int = 0) -> MLP:
    return MLP(3, [4, 2], activation="tanh", rng=random.Random(seed))


def test_state_dict_round_trip_is_exact():
    a, b = model(0), model(1)
    assert a.state_dict() != b.state_dict()
    b.load_state_dict(a.state_dict())
    assert b.state_dict() == a.state_dict()
    assert list(a.state_dict())[:2] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1"]


def test_save_and_load_round_trip(tmp_path):
    a, b = model(0), model(1)
    path = tmp_path / "model.json"
    a.save(path)
    b.load(path)
    assert b.state_dict() == a.state_dict()  # floats survive JSON exactly
    payload = json.loads(path.read_text())
    assert payload["format"] == "valuegrad.model" and payload["model"] == "MLP"
    assert not [p for p in tmp_path.iterdir() if p.name != "model.json"]  # no temporary left


def test_save_is_atomic_and_refuses_non_finite(tmp_path, monkeypatch):
    a = model(0)
    path = tmp_path / "model.json"
    a.save(path)
    before = path.read_text()
    a.parameters()[0].data = float("nan")
    with pytest.raises(ValueError, match="layers.0.neurons.0.w.0.*nan"):
        a.save(path)
    assert path.read_text() == before

    import nn.files

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(nn.files.os, "replace", broken_replace)
    a.parameters()[0].data = 1.0
    with pytest.raises(OSError, match="disk full"):
        a.save(path)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


def broken_files(good: dict) -> dict[str, str]:
    text = json.dumps(good)
    wrong_type = dict(good, parameters=dict(good["parameters"], **{"layers.0.neurons.0.b": "x"}))
    missing = dict(good, parameters=dict(list(good["parameters"].items())[1:]))
    extra = dict(good, parameters=dict(good["parameters"], bogus=1.0))
    nested = dict(good, parameters=dict(good["parameters"], **{"layers.0.neurons.0.b": [1.0]}))
    return {
        "empty": "",
        "truncated": text[: len(text) // 2],
        "not json": "hello, world",
        "a list": "[1, 2, 3]",
        "no format": json.dumps({"parameters": good["parameters"]}),
        "other version": json.dumps(dict(good, version=99)),
        "other model": json.dumps(dict(good, model="Layer")),
        "parameters not an object": json.dumps(dict(good, parameters=[1, 2])),
        "a value of the wrong type": json.dumps(wrong_type),
        "a list where a number goes": json.dumps(nested),
        "a missing parameter": json.dumps(missing),
        "an unexpected parameter": json.dumps(extra),
        "nan": text.replace(str(good["parameters"]["layers.0.neurons.0.b"]), "NaN", 1),
        "bool": text.replace(str(good["parameters"]["layers.0.neurons.0.b"]), "true", 1),
    }


CASES = list(broken_files({"model": "MLP", "parameters": model().state_dict()}))


@pytest.mark.parametrize("case", CASES)
def test_broken_files_raise_value_error_and_change_nothing(tmp_path, case):
    a = model(0)
    path = tmp_path / "model.json"
    a.save(path)
    good = json.loads(path.read_text())
    path.write_text(broken_files(good)[case])
    b = model(1)
    before = b.state_dict()
    with pytest.raises(ValueError, match=r"^load: "):
        b.load(path)
    assert b.state_dict() == before


def test_binary_garbage_and_missing_files(tmp_path):
    path = tmp_path / "model.bin"
    path.write_bytes(b"\x80\x04\x95 pickled? \xff\xfe")
    with pytest.raises(ValueError, match="not a text model file"):
        model().load(path)
    with pytest.raises(FileNotFoundError):
        model().load(tmp_path / "absent.json")


def test_load_state_dict_errors_name_the_key():
    a = model(0)
    before = a.state_dict()
    state = dict(before)
    state["layers.1.neurons.1.b"] = "0.5"
    with pytest.raises(TypeError, match="'layers.1.neurons.1.b' must be a number, got str"):
        a.load_state_dict(state)
    state = dict(before)
    del state["layers.1.neurons.0.w.3"]
    with pytest.raises(ValueError, match="missing parameter 'layers.1.neurons.0.w.3'"):
        a.load_state_dict(state)
    with pytest.raises(ValueError, match="unexpected parameter 'x'"):
        a.load_state_dict(dict(before, x=1.0))
    with pytest.raises(TypeError, match="mapping"):
        a.load_state_dict([1.0, 2.0])
    assert a.state_dict() == before


@pytest.mark.parity
@pytest.mark.parametrize("activation", [a for a in ACTIVATIONS if a != "linear"])
def test_to_torch_and_back_agree(torch, activation):
    ours = MLP(3, [5, 4, 2], activation=activation, rng=random.Random(3))
    theirs = ours.to_torch()
    for x in ([0.1, -0.5, 2.0], [1.5, 0.3, -0.7]):
        expected = theirs(torch.tensor(x, dtype=torch.float64)).tolist()
        assert [v.data for v in ours(x)] == pytest.approx(expected, rel=1e-12, abs=1e-12)
    back = MLP.from_torch(theirs)
    assert back.state_dict() == ours.state_dict()
    assert [layer.neurons[0].activation for layer in back.layers][:-1] == [activation] * 2


@pytest.mark.parity
def test_from_torch_rejects_what_an_mlp_cannot_hold(torch):
    nn = torch.nn
    with pytest.raises(ValueError, match="module 1"):
        MLP.from_torch(nn.Sequential(nn.Linear(2, 3), nn.Softmax(dim=0), nn.Linear(3, 1)))
    with pytest.raises(ValueError, match="same activation"):
        MLP.from_torch(
            nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 1))
        )
    with pytest.raises(ValueError, match="none after the last"):
        MLP.from_torch(nn.Sequential(nn.Linear(2, 3), nn.ReLU()))
    with pytest.raises(ValueError, match="without a bias"):
        MLP.from_torch(nn.Sequential(nn.Linear(2, 3, bias=False)))

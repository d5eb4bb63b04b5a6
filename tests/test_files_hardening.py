"""Model and optimizer files under attack (issue 17): crafted JSON, killed saves, modes,
long names, symlinks, colliding names, FIFOs and devices, and from_torch's inputs."""

from __future__ import annotations

import json
import os
import random
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import nn.files
from autograd import Value
from nn import MLP
from nn.modules import Module
from nn.optim import SGD, Adam, StepLR

ROOT = Path(__file__).resolve().parents[1]
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes, FIFOs, signals")


def model(seed: int = 0) -> MLP:
    return MLP(3, [4, 2], activation="tanh", rng=random.Random(seed))


def load_fails(path: Path, match: str) -> None:
    """Loading `path` raises a ValueError matching `match` and leaves the model as it was."""
    b = model(1)
    before = b.state_dict()
    with pytest.raises(ValueError, match=match):
        b.load(path)
    assert b.state_dict() == before


def saved(tmp_path: Path) -> tuple[Path, dict]:
    path = tmp_path / "model.json"
    model(0).save(path)
    return path, json.loads(path.read_text())


def nested(depth: int) -> list:
    x: list = []
    for _ in range(depth):
        x = [x]
    return x


# ---- crafted JSON ------------------------------------------------------------------------


def test_deeply_nested_json_is_a_value_error(tmp_path):
    path, good = saved(tmp_path)
    path.write_text("[" * 10**5)  # RecursionError before
    load_fails(path, r"^load: .* is nested more than 32 deep$")
    # shallow enough for json, too deep for a model file
    text = json.dumps(good).replace(
        '"parameters": {', '"extra": ' + "[" * 40 + "]" * 40 + ', "parameters": {'
    )
    path.write_text(text)
    load_fails(path, r"^load: .* is nested more than 32 deep$")


def test_huge_integers_are_a_value_error(tmp_path):
    path, good = saved(tmp_path)
    name = "layers.0.neurons.0.b"
    for digits in (400, 5000):  # OverflowError before; 5000 digits passes int's str limit
        text = json.dumps(dict(good, parameters=dict(good["parameters"], **{name: 0})))
        path.write_text(text.replace(f'"{name}": 0', f'"{name}": ' + "9" * digits))
        load_fails(path, r"^load: ")
    with pytest.raises(ValueError, match=rf"load_state_dict: '{name}' is too large for a float"):
        model().load_state_dict(dict(model().state_dict(), **{name: 10**400}))


def test_unknown_and_duplicate_keys_are_refused(tmp_path):
    path, good = saved(tmp_path)
    path.write_text(json.dumps(dict(good, comment="hi")))  # loaded silently before
    load_fails(path, r"^load: .* has unknown keys \['comment'\]")
    text = json.dumps(good)
    path.write_text(text[:-1] + ', "model": "MLP"}')  # the last one won before
    load_fails(path, r"^load: .*: the key 'model' appears twice in one object$")
    name = "layers.1.neurons.1.b"
    path.write_text(text.replace(f'"{name}": ', f'"{name}": 5.0, "{name}": '))
    load_fails(path, rf"the key '{name}' appears twice")


def test_optimizer_state_dicts_refuse_deep_nesting_and_huge_numbers():
    p = Value(1.0)
    for make in (lambda: SGD([p], lr=0.1, momentum=0.9), lambda: Adam([p], lr=0.1)):
        opt = make()
        p.grad = 1.0
        opt.step()
        good = opt.state_dict()
        for where in ("lr", "extra"):  # RecursionError before (deepcopy, repr)
            bad = make().state_dict()
            bad["param_groups"][0][where] = nested(10**5)
            with pytest.raises(ValueError, match=r"load_state_dict: the state dict is nested"):
                opt.load_state_dict(bad)
        bad = opt.state_dict()
        bad["state"][0] = {k: nested(10**5) for k in bad["state"][0]}
        with pytest.raises(ValueError, match=r"load_state_dict: the state dict is nested"):
            opt.load_state_dict(bad)
        bad = opt.state_dict()
        bad["param_groups"][0]["lr"] = 10**400  # OverflowError before
        with pytest.raises(ValueError, match=r"learning rate \(lr\) is too large for a float"):
            opt.load_state_dict(bad)
        assert opt.state_dict() == good
    scheduler = StepLR(SGD([p], lr=0.1), step_size=2)
    bad = scheduler.state_dict()
    bad["base_lrs"] = nested(10**5)
    with pytest.raises(ValueError, match=r"StepLR.load_state_dict: the state dict is nested"):
        scheduler.load_state_dict(bad)


# ---- files that are not model files ----------------------------------------------------


@posix_only
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "model.json"
    os.mkfifo(fifo)
    outcome: list = []

    def load() -> None:
        try:
            model().load(fifo)
        except Exception as error:  # the test reads it below
            outcome.append(error)

    reader = threading.Thread(target=load, daemon=True)
    reader.start()
    reader.join(timeout=10)
    if reader.is_alive():  # blocked in open(): a writer lets it go before we fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join()
        pytest.fail(f"load blocked on a FIFO (then got {outcome!r})")
    assert isinstance(outcome[0], ValueError)
    assert str(outcome[0]) == f"load: {fifo} is not a regular file"


@posix_only
@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero"])
def test_devices_and_folders_are_refused(tmp_path, device):
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    load_fails(Path(device), rf"^load: {device} is not a regular file$")  # /dev/zero: no end
    load_fails(tmp_path, r"^load: .* is not a regular file$")


def test_files_over_the_size_limit_are_refused_unread(tmp_path, monkeypatch):
    path, _ = saved(tmp_path)
    size = path.stat().st_size
    monkeypatch.setattr(nn.files, "MAX_FILE_BYTES", size)
    model(1).load(path)  # exactly at the limit: fine
    monkeypatch.setattr(nn.files, "MAX_FILE_BYTES", size - 1)
    load_fails(path, rf"is larger than nn.files.MAX_FILE_BYTES \({size - 1} bytes\)")
    monkeypatch.undo()
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as f:  # sparse: no disk used, and never read
        f.truncate(nn.files.MAX_FILE_BYTES + 1)
    load_fails(huge, r"is larger than nn.files.MAX_FILE_BYTES \(268435456 bytes\)")


# ---- saving ----------------------------------------------------------------------------


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@posix_only
def test_a_later_save_removes_what_killed_saves_left(tmp_path):
    path = tmp_path / "model.json"
    gone, alive = dead_pid(), os.getppid()
    stale = tmp_path / f".model.json.{gone}.0badf00d.tmp"
    live = tmp_path / f".model.json.{alive}.1badf00d.tmp"  # another process saving now
    other = tmp_path / f".model.json.1.{gone}.2badf00d.tmp"  # a save to "model.json.1"
    for p in (stale, live, other):
        p.write_text("half a model")
    model(0).save(path)
    assert not stale.exists()
    assert live.exists() and other.exists()
    model(1).load(path)


SAVE_FOREVER = """
import os, random, sys, time
import nn.files
from nn import MLP

def stall(fd):  # the data is written: signal the parent, then wait to be killed
    print("writing", flush=True)
    time.sleep(60)

nn.files.os.fsync = stall
MLP(20, [200, 200, 1], rng=random.Random(0)).save(sys.argv[1])
"""


@posix_only
def test_sigkill_during_save_leaves_no_pile_of_temporary_files(tmp_path):
    path = tmp_path / "model.json"
    model(0).save(path)
    before = path.read_text()
    for _ in range(3):  # each kill lands mid-save: the temporary file is written, not renamed
        child = subprocess.Popen(
            [sys.executable, "-c", SAVE_FOREVER, str(path)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        assert child.stdout.readline() == "writing\n"
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
    assert len(leftovers(tmp_path)) == 3  # each about 2 MB
    assert path.read_text() == before  # the old file, whole
    model(1).save(path)
    assert leftovers(tmp_path) == []
    model(0).load(path)


@posix_only
def test_save_keeps_an_existing_mode_and_follows_the_umask(tmp_path):
    path = tmp_path / "model.json"
    old = os.umask(0o027)
    try:
        model(0).save(path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o640  # 0600 before
        for mode in (0o644, 0o600, 0o664):
            path.chmod(mode)
            model(1).save(path)
            assert stat.S_IMODE(path.stat().st_mode) == mode
    finally:
        os.umask(old)


def test_save_to_the_longest_legal_name(tmp_path):
    for n in (200, 250, 255):  # "File name too long" from 224 characters before
        path = tmp_path / ("m" * (n - 5) + ".json")
        model(0).save(path)
        model(0).save(path)
        b = model(1)
        b.load(path)
        assert b.state_dict() == model(0).state_dict()
    assert leftovers(tmp_path) == []


@posix_only
def test_save_through_a_symlink_updates_its_target(tmp_path):
    target = tmp_path / "models" / "model.json"
    target.parent.mkdir()
    model(0).save(target)
    link = tmp_path / "current.json"
    link.symlink_to(Path("models") / "model.json")  # relative, as `ln -s` makes them
    model(1).save(link)
    assert link.is_symlink()  # replaced by a file before
    assert json.loads(target.read_text())["parameters"] == model(1).state_dict()
    assert leftovers(tmp_path) == [] and leftovers(target.parent) == []


# ---- what a model holds ----------------------------------------------------------------


class Clash(Module):
    def __init__(self) -> None:
        self.d = {1: Value(1.0), "1": Value(2.0)}


def test_colliding_parameter_names_raise(tmp_path):
    m = Clash()
    message = r"Clash.named_parameters: two parameters are named 'd.1'"
    with pytest.raises(ValueError, match=message):
        m.state_dict()  # {'d.1': 2.0} before: one parameter lost
    with pytest.raises(ValueError, match=message):
        m.save(tmp_path / "clash.json")
    assert not list(tmp_path.iterdir())
    with pytest.raises(ValueError, match=message):
        m.load_state_dict({"d.1": 3.0})
    assert [p.data for p in m.parameters()] == [1.0, 2.0]


@pytest.mark.parity
def test_from_torch_refuses_layers_that_do_not_chain(torch):
    nn = torch.nn
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(4, 1))  # the 4th input: dropped
    with pytest.raises(ValueError, match=r"module 2: Linear\(in_features=4.* takes 4 inputs, but "):
        MLP.from_torch(seq)


@pytest.mark.parity
def test_from_torch_refuses_nan_and_inf_weights(torch):
    nn = torch.nn
    seq = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)).double()
    with torch.no_grad():
        seq[0].weight[1, 0] = float("nan")
    with pytest.raises(ValueError, match=r"module 0: Linear.* has weight\[1, 0\] = nan, not a fin"):
        MLP.from_torch(seq)
    with torch.no_grad():
        seq[0].weight[1, 0] = 0.5
        seq[2].bias[0] = float("-inf")
    with pytest.raises(ValueError, match=r"module 2: Linear.* has bias\[0\] = -inf"):
        MLP.from_torch(seq)
    with torch.no_grad():
        seq[2].bias[0] = 0.25
    assert MLP.from_torch(seq).layers[1].neurons[0].b.data == 0.25

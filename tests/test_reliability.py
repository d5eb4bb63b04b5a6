"""Anomaly detection, threads and asyncio, copying and pickling."""

from __future__ import annotations

import asyncio
import copy
import math
import pickle
import random
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

import autograd
from autograd import Value, detect_anomaly, no_grad
from nn import MLP

THIS_FILE = __file__


def test_anomaly_names_the_op_the_value_and_the_users_line_in_forward():
    x = Value(1e200, label="x")
    with detect_anomaly(), pytest.raises(FloatingPointError) as failure:
        x * x  # the line the message must point at
    message = str(failure.value)
    assert message.startswith("*: the forward value is inf")
    assert "1e+200 ('x')" in message
    assert f"{THIS_FILE}:" in message and "x * x  # the line the message must point at" in message


def test_anomaly_in_backward_points_at_the_node_that_made_the_gradient():
    with detect_anomaly():
        c = Value(1e-200, label="c")
        d = 1 / c  # the gradient -1/c^2 overflows
        d.label = "d"
        with pytest.raises(FloatingPointError) as failure:
            d.backward()
    message = str(failure.value)
    assert "/: the gradient flowing to input 1 ('c') is -inf" in message
    assert "('d')" in message and "d = 1 / c  # the gradient -1/c^2 overflows" in message


def test_anomaly_sites_come_from_user_code_not_the_library():
    with detect_anomaly():
        out = MLP(2, [3, 1], rng=random.Random(0))([1.0, 2.0])
    assert out.site.startswith(THIS_FILE)  # made inside nn/ and autograd/, reported here


def test_a_library_built_on_values_can_hide_its_frames_too(tmp_path, monkeypatch):
    import importlib

    import autograd.mode

    library = tmp_path / "valuegrad_test_library"
    library.mkdir()
    (library / "__init__.py").write_text("def double(v):\n    return v * 2\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, library.name, raising=False)
    mylib = importlib.import_module(library.name)

    with detect_anomaly():
        inside = mylib.double(Value(1.0))
    assert inside.site.startswith(str(library))  # not hidden: the library's own line
    monkeypatch.setattr(autograd.mode, "_hidden", autograd.mode._hidden)  # undone after
    autograd.mode.hide_frames_from(mylib.__file__)  # a module's file stands for its folder
    with detect_anomaly():
        outside = mylib.double(Value(1.0))
    assert outside.site.startswith(THIS_FILE)  # hidden: the line that called it
    with pytest.raises(TypeError, match="hide_frames_from: directory must be a path"):
        autograd.mode.hide_frames_from(None)


def test_compile_traces_without_anomaly_checks_and_reports_at_the_replay(numpy):
    step = autograd.compile(lambda x: x * 1e308 * 10)
    with detect_anomaly():  # the trace's first sample overflows: data, not the trace's error
        with pytest.raises(FloatingPointError, match=r"^\*: the forward value is inf.*sample 0"):
            step(numpy.array([1.0, 2.0]))  # the replay reports it, as eager would
    assert len(step.programs) == 1 and step(numpy.array([1.0, 2.0])) == math.inf


def test_anomaly_reports_a_numpy_scalar_derivative(numpy):
    f = autograd.primitive(lambda x: float(numpy.cos(x)), lambda x: -numpy.sin(x))
    x = Value(0.5)
    with detect_anomaly():
        (f(x) * 2).backward()
    assert x.grad == pytest.approx(-2 * math.sin(0.5))


def test_anomaly_is_off_by_default_and_nan_flows_as_in_pytorch():
    assert not hasattr(Value(1.0) * 2, "site")
    y = Value(1e200) * Value(1e200)
    assert y.data == math.inf
    z = Value(float("nan")) + 1
    z.backward()  # no anomaly mode: no error, as in PyTorch


def test_anomaly_as_a_decorator_and_with_no_grad():
    @detect_anomaly()
    def blow_up(v):
        return v.exp() * v.exp()

    with pytest.raises(FloatingPointError, match=r"\*: the forward value is inf"):
        blow_up(Value(400.0))
    with detect_anomaly(), no_grad():
        assert not autograd.is_grad_enabled()
        with pytest.raises(FloatingPointError):
            Value(1e300) * 1e300
    assert autograd.is_grad_enabled()


def loss_and_grads(seed: int) -> tuple[float, list[float]]:
    model = MLP(3, [8, 8, 1], activation="tanh", rng=random.Random(seed))
    rng = random.Random(seed + 100)
    X = [[rng.uniform(-1, 1) for _ in range(3)] for _ in range(20)]
    loss = autograd.sum([(model(x) - 0.5) ** 2 for x in X]) / len(X)
    loss.backward()
    return loss.data, [p.grad for p in model.parameters()]


def test_graphs_in_many_threads_give_the_sequential_gradients():
    seeds = list(range(16))
    sequential = [loss_and_grads(s) for s in seeds]
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(loss_and_grads, seeds))
    assert threaded == sequential  # bit for bit


def test_modes_do_not_leak_between_threads():
    inside = threading.Barrier(2)
    seen = {}

    def in_modes():
        with no_grad(), detect_anomaly():
            inside.wait()
            inside.wait()

    def plain():
        inside.wait()  # the other thread is inside both modes now
        y = Value(1e200) * 1e200  # no anomaly here: no error
        seen["grad"] = autograd.is_grad_enabled()
        seen["parents"] = len(y.parents)
        seen["site"] = hasattr(y, "site")
        inside.wait()

    threads = [threading.Thread(target=in_modes), threading.Thread(target=plain)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"grad": True, "parents": 2, "site": False}


def test_modes_do_not_leak_between_asyncio_tasks():
    async def anomalous(started, release):
        with detect_anomaly():
            started.set()
            await release.wait()
            try:
                Value(1e200) * 1e200
            except FloatingPointError:
                return "raised"
            return "silent"

    async def plain(started, release):
        await started.wait()
        y = Value(1e200) * 1e200
        release.set()
        return "silent" if y.data == math.inf else "?"

    async def main():
        started, release = asyncio.Event(), asyncio.Event()
        return await asyncio.gather(anomalous(started, release), plain(started, release))

    assert asyncio.run(main()) == ["raised", "silent"]


def test_models_and_leaves_deepcopy_and_pickle():
    model = MLP(2, [4, 1], rng=random.Random(0))
    for clone in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert clone.state_dict() == model.state_dict()
        assert clone.parameters()[0] is not model.parameters()[0]
        x = [0.3, -0.7]
        assert clone(x).data == model(x).data
    leaf = Value(2.5, label="w")
    leaf.grad = 1.5
    back = pickle.loads(pickle.dumps(leaf))
    assert (back.data, back.grad, back.label, back.parents) == (2.5, 1.5, "w", ())
    graph = (leaf * 3).tanh()  # built-in ops pickle too: their derivatives are module functions
    again = pickle.loads(pickle.dumps(graph))
    again.backward()
    assert again.parents[0].parents[0].grad == pytest.approx(1.5 + 3 * (1 - math.tanh(7.5) ** 2))


def test_a_graph_with_a_local_primitive_refuses_pickling_clearly():
    local = autograd.primitive(lambda x: x * 2, lambda x: 2.0, name="double")
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError), match="lambda|local"):
        pickle.dumps(local(Value(1.0)))

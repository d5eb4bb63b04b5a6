"""gc_paused: the cycle collector off inside, and as the caller had it after."""

from __future__ import annotations

import gc
import threading

import pytest

import autograd
from autograd import gc_paused, grad, ops


@pytest.fixture
def collector():
    was = gc.isenabled()
    yield
    (gc.enable if was else gc.disable)()


def test_paused_inside_and_restored_after_even_on_error(collector):
    gc.enable()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block still holds it
    assert gc.isenabled()
    with pytest.raises(KeyError):
        with gc_paused():
            raise KeyError
    assert gc.isenabled()
    gc.disable()  # a caller who had it off keeps it off
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_our_loops_pause_it_and_restore_the_callers_setting(collector):
    seen = []

    def f(x):
        seen.append(gc.isenabled())
        return ops.sin(x) * x

    gc.enable()
    grad(f)(1.0)
    autograd.jvp(f, (1.0,), (1.0,))
    assert seen == [False, False] and gc.isenabled()
    gc.disable()
    grad(f)(1.0)
    assert not gc.isenabled()


def test_a_decorated_function_and_threads(collector):
    gc.enable()

    @gc_paused()
    def work():
        return gc.isenabled()

    assert work() is False and gc.isenabled()
    inside, release = threading.Event(), threading.Event()

    def other():
        with gc_paused():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=other)
    thread.start()
    inside.wait(5)
    with gc_paused():
        pass
    assert not gc.isenabled()  # the other thread's block is still open
    release.set()
    thread.join()
    assert gc.isenabled()

"""Grad mode and anomaly detection: the switches the engine reads when it makes a node.

The mode is a few bits in one context variable, read once per op: whether ops
record the graph (`no_grad`, `enable_grad`) and whether anomaly detection is
on (`detect_anomaly`). Each thread and asyncio task has its own.

Anomaly detection records where each node was made (`Value.site`: the first
line of code outside the libraries that declared themselves with
`hide_frames_from`) and raises FloatingPointError at the first forward value or
backward gradient that is nan or inf.
"""

from __future__ import annotations

import linecache
import math
import os
import sys
import warnings
from contextlib import ContextDecorator
from contextvars import ContextVar, Token
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing_extensions import Self

# BIRTHS: every node records its moment (see checkpoint); TRACING: autograd.compile is tracing
GRAD, ANOMALY, BIRTHS, TRACING = 1, 2, 4, 8
MODE: ContextVar[int] = ContextVar("valuegrad_mode", default=GRAD)
# The blocks entered and not yet left in this thread or task, innermost first: each
# (switch, the mode before it). A context variable, so one switch can be entered by
# several threads and tasks at once, each leaving its own block; a task started
# inside a block inherits the stack, and leaves only the blocks it entered itself.
_ENTERED: ContextVar[tuple[tuple[object, int], ...]] = ContextVar("valuegrad_entered", default=())


class _ModeSwitch(ContextDecorator):
    """A context manager (and decorator) that sets or clears mode bits, and can be re-entered,
    nested, and shared by threads and asyncio tasks."""

    _set, _clear = 0, 0

    def __init__(self, *args: object, **kwargs: object) -> None:
        if args or kwargs:  # name the class the user called, not this base
            raise TypeError(f"{type(self).__name__}() takes no arguments, got {args or kwargs}")

    def __enter__(self) -> None:
        before = MODE.get()
        _ENTERED.set(((self, before), *_ENTERED.get()))
        MODE.set(before & ~self._clear | self._set)

    def __exit__(self, *exc_info: object) -> None:
        entered = _ENTERED.get()
        # this switch's innermost block here (the top one, unless blocks were left out of order)
        at = next((i for i, (switch, _) in enumerate(entered) if switch is self), None)
        if at is None:
            raise RuntimeError(
                f"{type(self).__name__}: left in a thread or task that did not enter it"
            )
        _ENTERED.set(entered[:at] + entered[at + 1 :])
        MODE.set(entered[at][1])

    def _recreate_cm(self) -> _ModeSwitch:
        return type(self)()  # each call of a decorated function gets its own tokens


class no_grad(_ModeSwitch):  # noqa: N801 - named like the function it replaces in PyTorch
    """Within this block (or decorated function, `@no_grad()`), ops build no graph.

    The mode lives in a context variable: other threads and asyncio tasks keep
    their own. An instance can be entered again, and nested.
    """

    _clear = GRAD


class enable_grad(_ModeSwitch):  # noqa: N801 - as torch.enable_grad
    """Within this block (or decorated function), ops record the graph, even inside no_grad."""

    _set = GRAD


class set_grad_enabled(_ModeSwitch):  # noqa: N801 - as torch.set_grad_enabled
    """Ops record the graph if `mode` is True, not if False, as torch.set_grad_enabled.

    Called alone, it sets the mode at once for the current thread or task; as a
    context manager (or decorator) it sets it for the block, and restores it after.
    """

    def __init__(self, mode: bool) -> None:
        """Set the mode now (True: ops record the graph); see the class."""
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled: mode must be a bool, got {type(mode).__name__}")
        super().__init__()
        self._set, self._clear = (GRAD, 0) if mode else (0, GRAD)
        self._value = MODE.get() & ~self._clear | self._set
        self._now: Token[int] | None = MODE.set(self._value)

    def __enter__(self) -> None:
        """Enter the block: the mode set at the call holds until it ends."""
        # Entered straight after the call (`with set_grad_enabled(False):`), the block
        # ends where the call began; entered later, where the block began.
        now, self._now = self._now, None
        if now is not None and MODE.get() == self._value:
            try:
                MODE.reset(now)
            except ValueError:  # made in another thread or task: nothing of ours to undo
                pass
        super().__enter__()

    def __call__(self, fn: Any) -> Any:  # as a decorator: the mode is set per call only
        """Decorate `fn`: the mode is set for each call of it only."""
        if self._now is not None:
            MODE.reset(self._now)
            self._now = None
        return super().__call__(fn)

    def _recreate_cm(self) -> Self:
        switch = _ModeSwitch.__new__(type(self))
        switch._now = None
        switch._set, switch._clear = self._set, self._clear
        return switch


class inference_mode(_ModeSwitch):  # noqa: N801 - as torch.inference_mode
    """no_grad by PyTorch's other name (with mode=False, it changes nothing).

    PyTorch's inference mode also skips its tensors' bookkeeping; a valuegrad
    result made under no_grad is already a bare leaf, so the two are one here.
    """

    def __init__(self, mode: bool = True) -> None:
        """no_grad when `mode` is True; when False, a block that changes nothing."""
        if not isinstance(mode, bool):
            raise TypeError(f"inference_mode: mode must be a bool, got {type(mode).__name__}")
        super().__init__()
        self._clear = GRAD if mode else 0

    def _recreate_cm(self) -> Self:
        return type(self)(bool(self._clear))


class detect_anomaly(_ModeSwitch):  # noqa: N801 - as torch.autograd.detect_anomaly
    """Within this block (or decorated function), find where nan and inf come from.

    Every node records the line of your code that made it, and the first
    forward value or backward gradient that is nan or inf raises
    FloatingPointError naming the op, the node's label, the value and that line.
    Off by default; when off it costs nothing.
    """

    _set = ANOMALY


class tracing(_ModeSwitch):  # noqa: N801 - a mode, as the others
    """Ops record the graph and anomaly detection is off: what a trace (autograd.compile) needs.

    A Value's number read as a Python float or bool, or compared, in the meantime warns
    (TracerWarning): see `traced`.
    """

    _set, _clear = GRAD | TRACING, ANOMALY


class births(_ModeSwitch):  # noqa: N801 - a mode, as the others
    """Ops record the graph, and every node its moment of birth: what checkpoint needs to
    tell the Values its function made from those it found."""

    _set = GRAD | BIRTHS


def is_grad_enabled() -> bool:
    """Whether ops record the graph in the current thread or task."""
    return bool(MODE.get() & GRAD)


def is_anomaly_enabled() -> bool:
    """Whether detect_anomaly() is on in the current thread or task."""
    return bool(MODE.get() & ANOMALY)


class TracerWarning(UserWarning):
    """A traced function read a Value's number (float(v), `if v:`, v < w, max(...)).

    As torch.jit.trace's warning of that name: the trace records one sample's graph,
    so what Python decides from that number holds for every sample of every batch.
    """


def traced(what: str) -> None:
    """Warn (TracerWarning) that `what` reads a Value's number while a function is traced.

    Called by Value's conversions and comparisons when the mode has TRACING; the
    warning points at the line of your code that asked (libraries that declared
    themselves with `hide_frames_from` are passed over; their own reads do not warn).
    """
    frame = sys._getframe(2)  # the caller of the Value's method
    if frame.f_code.co_filename.startswith(_hidden):
        return
    warnings.warn_explicit(
        f"autograd.compile: {what} reads a Value's number while tracing, so what it decides "
        "is the first sample's, for every sample; use ops for what depends on the data "
        "(v.maximum(w), ops.where(v, a, b), relu, abs)",
        TracerWarning,
        frame.f_code.co_filename,
        frame.f_lineno,
        module=frame.f_globals.get("__name__"),
        registry=frame.f_globals.setdefault("__warningregistry__", {}),
    )


# ---- anomaly detection ------------------------------------------------------------

_hidden: tuple[str, ...] = ()


def hide_frames_from(directory: str) -> None:
    """Leave code under `directory` out of anomaly reports: a library built on autograd.

    A node's site is then the line of *your* code that called the library.
    """
    global _hidden
    if not isinstance(directory, (str, os.PathLike)):
        raise TypeError(
            f"hide_frames_from: directory must be a path, got {type(directory).__name__} "
            f"{directory!r:.60}"
        )
    path = os.path.abspath(directory)
    if os.path.isfile(path):  # a module's __file__: its folder
        path = os.path.dirname(path)
    path = os.path.join(path, "")
    if path not in _hidden:
        _hidden = (*_hidden, path)


hide_frames_from(os.path.dirname(__file__))


def _site() -> str:
    """file:line and source of the innermost frame outside the hidden libraries."""
    frame: FrameType | None = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_hidden):
        frame = frame.f_back
    if frame is None:
        return "an unknown place"
    filename, line = frame.f_code.co_filename, frame.f_lineno
    code = linecache.getline(filename, line).strip()
    return f"{filename}:{line}" + (f": {code}" if code else "")


def _named(node: Any) -> str:
    return f" ({node.label!r})" if node.label else ""


def _number(x: Any) -> Any:
    from autograd.engine import Value  # here, not above: the engine imports this module

    return x.data if isinstance(x, Value) else x


def check_forward(out: Any, op: str, parents: tuple) -> None:
    """Record where `out` was made; raise if its value is nan or inf."""
    out.site = _site()
    if not math.isfinite(out.data):
        inputs = ", ".join(f"{p.data!r}{_named(p)}" for p in parents)
        raise FloatingPointError(
            f"{op}: the forward value is {out.data!r} (inputs {inputs}), made at {out.site}"
        )


def check_backward(node: Any, local: tuple, g: Any) -> None:
    """Raise if a gradient that `node` passes to one of its inputs is nan or inf."""
    for i, (parent, d) in enumerate(zip(node.parents, local)):
        flow = _number(d * g)
        if not math.isfinite(flow):
            site = getattr(node, "site", "a place made before detect_anomaly() was on")
            raise FloatingPointError(
                f"{node.op}: the gradient flowing to input {i}{_named(parent)} is {flow!r} "
                f"(local derivative {_number(d)!r}, incoming gradient {_number(g)!r}) at the node"
                f"{_named(node)} made at {site}"
            )

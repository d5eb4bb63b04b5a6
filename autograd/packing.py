"""Parameters packed into flat float64 arrays, for whole-array training steps.

A wide network has a million scalar parameters; touching each one from Python
costs far more than the arithmetic on them. So the parameters a compiled step
captures are packed: their numbers move into one float64 array (`Packing.data`)
and their gradients into another (`Packing.grad`), and each Value becomes a
view into them. `p.data` and `p.grad` read and write the arrays, so anything
that uses Values one at a time (the eager engine, a user's loop, `state_dict`)
sees the same numbers as the compiled step and the optimizers, which work on
the whole arrays.

A packed Value is a `PackedValue` (a Value subclass that changes only how data
and grad are stored). It keeps its place in the arrays in its `ctx` slot, which
a leaf does not use. A `.grad` that is not a number (None, "no gradient yet",
or a Value left by `backward(create_graph=True)`) is kept aside in
`Packing.odd`, and the array holds 0 there. Copies and pickles of a packed
Value are plain Values.

Packing happens once, when a step is traced (or when an optimizer meets
parameters of which some are packed): `pack` moves Values in, merging the
packings they were in, and `generation()` changes, so that whoever cached
positions knows to look again. Nothing is ever unpacked.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from autograd.engine import Value

_lock = threading.Lock()
_generation = 0
_RAW_CTX = Value.__dict__["ctx"]  # the slot itself (Value.ctx), under the properties below


class Packing:
    """The arrays of one set of packed parameters: data, grad, and the odd gradients."""

    def __init__(self, params: list[Value], data: Any) -> None:
        """Pack `params` (position -> Value) with their numbers `data`."""
        import numpy as np

        self.params = params  # position -> Value
        self.data = np.array(data, dtype=np.float64)
        self.odd: dict[int, Any] = {}  # position -> a .grad that is None or a Value
        # After clear(), every gradient is 0 but the zeros are not written yet: a compiled
        # step that writes every gradient writes them in place of adding (no memset first).
        self.cleared = False
        self._grad = np.zeros(len(params))

    @property
    def grad(self) -> Any:
        """The gradients' array (its zeros written first, if clear() left them unwritten)."""
        if self.cleared:
            self._grad.fill(0.0)
            self.cleared = False
        return self._grad

    def clear(self) -> None:
        """Set every gradient to 0, lazily (see `cleared`)."""
        self.odd.clear()
        self.cleared = True

    def overwrite(self) -> Any:
        """For a writer that sets every gradient: the array when it was cleared (its
        contents stale, every entry to be written), else None (add to `grad` instead)."""
        if not self.cleared:
            return None
        self.cleared = False
        return self._grad

    def __len__(self) -> int:
        """The number of parameters packed."""
        return len(self.params)

    def __repr__(self) -> str:
        """Packing(n parameters)."""
        return f"Packing({len(self)} parameters)"


class PackedValue(Value):
    """A leaf Value whose data and grad live in a Packing's arrays."""

    __slots__ = ()

    @property
    def data(self) -> float:
        """The number, read from the packing's array."""
        packing, i = _RAW_CTX.__get__(self)
        return packing.data.item(i)

    @data.setter
    def data(self, x: Any) -> None:
        packing, i = _RAW_CTX.__get__(self)
        packing.data[i] = x

    @property
    def grad(self) -> Any:
        """The gradient: the packing's array's, or a None or Value kept aside."""
        packing, i = _RAW_CTX.__get__(self)
        if packing.odd and i in packing.odd:
            return packing.odd[i]
        return 0.0 if packing.cleared else packing.grad.item(i)

    @grad.setter
    def grad(self, g: Any) -> None:
        packing, i = _RAW_CTX.__get__(self)
        if g is None or isinstance(g, Value):
            packing.odd[i] = g
            packing.grad[i] = 0.0
        else:
            packing.grad[i] = g
            if packing.odd:
                packing.odd.pop(i, None)

    @property
    def ctx(self) -> None:
        """None: a packed parameter is a leaf, with no op constant."""
        return None  # a leaf's: where it is packed is not a constant of an op

    @ctx.setter
    def ctx(self, value: Any) -> None:
        if value is not None:
            raise ValueError("a packed parameter is a leaf: it has no op constant")

    def __getstate__(self) -> dict[str, Any]:
        """A plain Value's state (where it was packed is not kept)."""
        state = super().__getstate__()
        state["ctx"] = None
        return state

    def __reduce_ex__(self, protocol: Any) -> Any:  # copies and pickles are plain Values
        """Copy or pickle as a plain Value, holding the same numbers."""
        return _plain, (self.__getstate__(),)


def _plain(state: dict[str, Any]) -> Value:
    v = Value.__new__(Value)
    v.__setstate__(state)
    return v


def generation() -> int:
    """A number that changes whenever a parameter is packed or moves to another packing."""
    return _generation


def packable(v: Any) -> bool:
    """Whether `v` can be packed: a leaf of the Value class itself (not a user's subclass)."""
    return (type(v) is Value and not v.parents and v.ctx is None) or type(v) is PackedValue


def locate(params: Sequence[Value]) -> tuple[Packing, Any] | None:
    """(packing, positions) when every one of `params` is packed in the same packing."""
    import numpy as np

    if not params or type(params[0]) is not PackedValue:
        return None
    packing = _RAW_CTX.__get__(params[0])[0]
    positions = np.empty(len(params), dtype=np.intp)
    for k, p in enumerate(params):
        if type(p) is not PackedValue:
            return None
        where, positions[k] = _RAW_CTX.__get__(p)
        if where is not packing:
            return None
    return packing, positions


def pack(params: Sequence[Value]) -> tuple[Packing, Any]:
    """Pack `params` (packable Values, no repeats) into one packing: (packing, positions).

    Values already packed elsewhere bring their whole packing along (in its order),
    so that no other packed Value is left behind; new ones follow, in the given order.
    """
    global _generation
    with _lock:
        found = locate(params)
        if found is not None:
            return found
        packings: dict[int, Packing] = {}
        for p in params:
            if not packable(p):
                raise TypeError(f"pack: cannot pack {p!r:.60}: not a leaf Value")
            if type(p) is PackedValue:
                packing = _RAW_CTX.__get__(p)[0]
                packings.setdefault(id(packing), packing)
        members: list[Value] = [q for packing in packings.values() for q in packing.params]
        members += [p for p in params if type(p) is Value]
        data = [p.data for p in members]
        grads = [p.grad for p in members]
        packing = Packing(members, data)
        for i, (p, g) in enumerate(zip(members, grads)):
            p.__class__ = PackedValue
            _RAW_CTX.__set__(p, (packing, i))
            p.grad = g  # into the new arrays (or among the odd ones)
        _generation += 1
        found = locate(params)
        assert found is not None
        return found


def span(positions: Any) -> slice | None:
    """The slice a:b when `positions` are exactly a, a+1, ..., b-1 in some order."""
    if len(positions) == 0:
        return None
    a, b = int(positions.min()), int(positions.max()) + 1
    if b - a != len(positions):
        return None
    import numpy as np

    if len(np.unique(positions)) != len(positions):
        return None
    return slice(a, b)


def strided(array: Any, positions: Any) -> Any:
    """A view of `array` at `positions` (a 1-D or 2-D array of indices), or None.

    The view exists when the positions are evenly spaced along each axis, with
    positive steps and no position twice (the rows of a layer's weights, say,
    with each neuron's bias between them); writing into it writes `array`.
    """
    import numpy as np

    if positions.size == 0:
        return None
    start = int(positions.flat[0])
    steps = []
    for axis, n in enumerate(positions.shape):
        step = int(np.take(positions, 1, axis=axis).flat[0]) - start if n > 1 else 1
        if step <= 0:
            return None
        steps.append(step)
    grid = start + sum(
        np.arange(n).reshape([-1 if a == axis else 1 for a in range(positions.ndim)]) * step
        for axis, (n, step) in enumerate(zip(positions.shape, steps))
    )
    if not np.array_equal(grid, positions):
        return None
    if len(np.unique(positions)) != positions.size:
        return None
    item = array.itemsize
    return np.lib.stride_tricks.as_strided(
        array[start:], shape=positions.shape, strides=tuple(s * item for s in steps)
    )

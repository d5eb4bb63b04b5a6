"""Optimizers, learning-rate schedulers and gradient clipping, with torch.optim's rules.

Each update is written in plain float arithmetic on `Value.data` and follows the
order of operations of PyTorch's single-tensor implementation, so trajectories
agree with it to rounding. A gradient that is a Value (left by
`backward(create_graph=True)`) is read through its `.data`.

Parameters that a compiled step has packed into flat arrays (autograd.packing)
are updated a whole group at a time, with numpy doing the same arithmetic in
the same order: the same numbers, with no Python per parameter. The state of
such a group is kept as arrays too, and written back into one dict per
parameter when `state` or `state_dict()` is read: a change made to those dicts
before the next step counts, but a dict held across steps shows its numbers
as of the last read of `state`, not live as in PyTorch.

`state_dict()` is JSON-able, as PyTorch's is picklable: parameters are referred to
by their position across the groups, state is keyed by that index, tuples become
lists. `load_state_dict` checks everything before it changes anything.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable
from typing import Any

from autograd import Value, packing
from nn.checks import boolean, data_of, describe, integer, real, scalar
from nn.files import check_depth

__all__ = [
    "SGD",
    "Adam",
    "AdamW",
    "CosineAnnealingLR",
    "ExponentialLR",
    "LRScheduler",
    "Optimizer",
    "StepLR",
    "clip_grad_norm_",
    "clip_grad_value_",
]


# ---- validation helpers ------------------------------------------------------------


def _at_least_zero(x: Any, where: str, what: str) -> float:
    x = real(x, f"{where}: {what}")
    if not x >= 0.0:  # written so that nan fails too
        raise ValueError(f"{where}: invalid {what} {x!r}, must be >= 0")
    return x


def _finite_at_least_zero(x: Any, where: str, what: str) -> float:
    x = _at_least_zero(x, where, what)
    if x == math.inf:
        raise ValueError(f"{where}: invalid {what} {x!r}, must be finite")
    return x


def _grad(p: Value, where: str) -> float | None:
    """A parameter's gradient as a float; a Value gradient (create_graph) is read as its data.

    None when `.grad` is None (no gradient yet): as in PyTorch, such a parameter is skipped.
    """
    return None if p.grad is None else data_of(scalar(p.grad, f"{where}: .grad"))


def _plain(x: Any) -> Any:
    """A JSON-able copy: tuples become lists, as JSON would make them anyway."""
    if isinstance(x, (tuple, list)):
        return [_plain(v) for v in x]
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    return copy.deepcopy(x)


def _index(key: Any) -> int | None:
    """A state key as an int: JSON turns the int keys of a state dict into strings."""
    if isinstance(key, bool):
        return None
    if isinstance(key, int):
        return key
    if isinstance(key, str) and key.isdecimal():
        return int(key)
    return None


# ---- optimizers ------------------------------------------------------------------------


class Optimizer:
    """Base class: parameter groups, per-parameter state, zero_grad, step, state_dict.

    `params` is an iterable of Values, or a list of dicts each with "params" and any
    hyperparameters that override the defaults for that group, as in PyTorch.
    Subclasses define `_check_group` (validate and normalise hyperparameters),
    `_check_state` (one parameter's saved state) and `_update` (one parameter's step).
    """

    def __init__(self, params: Iterable[Value] | Iterable[dict], defaults: dict[str, Any]):
        """An optimizer of `params` (Values, or dicts of param groups), with `defaults`."""
        self.defaults = self._check_group(dict(defaults), type(self).__name__)
        self.param_groups: list[dict[str, Any]] = []
        self._state: dict[Value, dict[str, Any]] = {}
        self._flat: dict[int, _Flat] = {}  # group index -> its packed parameters and state
        name = type(self).__name__
        # A set has no order, and the order is how state_dict names parameters.
        if isinstance(params, (Value, set, frozenset, dict, str)) or not isinstance(
            params, Iterable
        ):
            raise TypeError(
                f"{name}: params must be an iterable of Values or of dicts, got {describe(params)}"
            )
        groups: list[Any] = list(params)  # Values, or dicts
        if not groups:
            raise ValueError(f"{name}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters; hyperparameters it does not set come from the defaults."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: a param group must be a dict, got {describe(param_group)}")
        if "params" not in param_group:
            raise ValueError(f"{name}: a param group needs a 'params' entry")
        params = param_group["params"]
        if isinstance(params, Value):
            params = [params]
        elif isinstance(params, (set, frozenset, dict, str)) or not isinstance(params, Iterable):
            raise TypeError(
                f"{name}: a group's params must be a Value or a sequence of Values, "
                f"got {describe(params)}"
            )
        params = list(params)
        where = f"{name}: param group {len(self.param_groups)}"
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        for i, p in enumerate(params):
            if not isinstance(p, Value):
                raise TypeError(f"{where}: parameter {i} must be a Value, got {describe(p)}")
            if p.parents:  # its data is recomputed from its inputs: updating it means nothing
                raise ValueError(f"{where}: parameter {i} is not a leaf ({p.op!r} of other Values)")
            if id(p) in seen:
                raise ValueError(
                    f"{where}: parameter {i} ({p!r:.60}) appears twice among the parameters"
                )
            seen.add(id(p))
        group = {**self.defaults, **{k: v for k, v in param_group.items() if k != "params"}}
        group = self._check_group(group, where)
        group["params"] = params
        self.param_groups.append(group)

    def __getstate__(self) -> dict[str, Any]:
        """Copies and pickles keep the state one dict per parameter, not the arrays of
        packed groups (a copy's parameters are plain Values)."""
        kept = dict(vars(self))
        kept["_state"], kept["_flat"] = self.state, {}
        return kept

    @property
    def state(self) -> dict[Value, dict[str, Any]]:
        """{parameter: its state}, e.g. Adam's {"step", "exp_avg", "exp_avg_sq"}."""
        for flat in self._flat.values():
            flat.unpack(self._state)
        return self._state

    @state.setter
    def state(self, state: dict[Value, dict[str, Any]]) -> None:
        for flat in self._flat.values():
            flat.state = None
        self._state = state

    def _packed(self, k: int) -> _Flat | None:
        """Group k's packed parameters, when a compiled step has packed them all."""
        params = self.param_groups[k]["params"]
        flat = self._flat.get(k)
        if flat is not None and flat.fits(params):
            return flat if flat.packed else None
        if flat is not None:
            flat.unpack(self._state)
        found = packing.locate(params)
        if found is None and any(type(p) is packing.PackedValue for p in params):
            if all(packing.packable(p) for p in params):  # bring the others in with them
                found = packing.pack(params)
        self._flat[k] = flat = _Flat(params, found)
        return flat if found is not None else None

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0.0."""
        for k, group in enumerate(self.param_groups):
            flat = self._packed(k)
            if flat is not None:
                where = flat.packing
                if isinstance(flat.where, slice) and flat.where == slice(0, len(where)):
                    where.clear()  # the whole packing: its zeros are written when needed
                    continue
                where.grad[flat.where] = 0.0
                if where.odd:
                    for i in flat.positions.tolist():
                        where.odd.pop(i, None)
                continue
            for p in group["params"]:
                p.grad = 0.0

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter once from its .grad; returns closure() when one is given.

        Every gradient is read before any parameter changes: a bad .grad leaves all as it was.
        """
        loss = closure() if closure is not None else None
        name = type(self).__name__
        grads: list[_Flat | list[Any]] = []
        flats: list[_Flat | None] = []
        while not flats or any(f is not None and not f.fits(f.params) for f in flats):
            # packing one group's parameters may move another's: look again until none moved
            flats = [self._packed(k) for k in range(len(self.param_groups))]
        for i, group in enumerate(self.param_groups):
            flat = flats[i]
            if flat is not None and flat.ready(self._state, self._scalars):
                grads.append(flat)  # all numbers, in the packing's array
                continue
            if flat is not None:
                flat.unpack(self._state)
            gs = []
            for j, p in enumerate(group["params"]):
                g = p.grad
                if type(g) is not float:  # a float needs no check: the common case, fast
                    g = _grad(p, f"{name}.step: param group {i}, parameter {j}")
                gs.append(g)
            grads.append(gs)
        for group, found in zip(self.param_groups, grads):
            if isinstance(found, _Flat):
                self._step_flat(found, group)
                continue
            for p, g in zip(group["params"], found):
                if g is None:
                    continue
                state = self._state.get(p, {})
                self._update(p, g, group, state)
                if state:  # plain SGD keeps none: no empty entries, as in torch
                    self._state[p] = state
        return loss

    def _step_flat(self, flat: _Flat, group: dict[str, Any]) -> None:
        """One step of a packed group, a chunk at a time.

        The arrays of a wide model outgrow the processor's caches, and each of an
        update's dozen array operations would stream them from memory again; a chunk
        stays in cache through all of them.
        """
        import numpy as np

        data, grad, at = flat.packing.data, flat.packing.grad, flat.where
        state = flat.state
        assert state is not None
        x, g = data[at], grad[at]  # views, when the group fills a stretch of the packing
        n, tmp = len(x), flat.scratch()
        made: dict[str, Any] = {}
        for a in range(0, n, _CHUNK):
            b = min(a + _CHUNK, n)
            part = {k: v[a:b] if hasattr(v, "shape") else v for k, v in state.items()}
            self._update_flat(x[a:b], g[a:b], group, part, tmp[: b - a])
            for k, v in part.items():
                if not hasattr(v, "shape"):
                    made[k] = v  # a number for the whole group (the step count)
                elif k not in state:  # an array the update has just made
                    if k not in made:
                        made[k] = np.empty(n)
                    made[k][a:b] = v
        state.update(made)
        if not isinstance(at, slice):
            data[at] = x

    def state_dict(self) -> dict[str, Any]:
        """{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}, JSON-able."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: _plain(v) for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: _plain(s) for p, s in self.state.items() if id(p) in index}
        return {"state": dict(sorted(state.items())), "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and state saved by `state_dict()` (maybe through JSON).

        Raises ValueError naming the problem if the dict does not fit this optimizer;
        then nothing has changed.
        """
        where = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict):
            raise TypeError(f"{where}: expected a dict, got {describe(state_dict)}")
        check_depth(state_dict, f"{where}: the state dict")  # before any repr or deepcopy of it
        keys = set(state_dict)
        if keys != {"state", "param_groups"}:
            raise ValueError(
                f"{where}: expected the keys 'param_groups' and 'state', "
                f"got {sorted(map(str, keys))}"
            )
        saved_groups = state_dict["param_groups"]
        if not isinstance(saved_groups, list) or len(saved_groups) != len(self.param_groups):
            count = len(saved_groups) if isinstance(saved_groups, list) else describe(saved_groups)
            raise ValueError(
                f"{where}: the optimizer has {len(self.param_groups)} param groups, "
                f"the state dict {count}"
            )
        params: dict[int, Value] = {}
        new_groups = []
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            at = f"{where}: param_groups[{i}]"
            if not isinstance(saved, dict):
                raise ValueError(f"{at} must be a dict, got {describe(saved)}")
            ids = saved.get("params")
            if not isinstance(ids, list) or any(_index(k) is None or k != _index(k) for k in ids):
                raise ValueError(f"{at}['params'] must be a list of int indices, got {ids!r:.60}")
            if len(ids) != len(group["params"]):
                raise ValueError(
                    f"{at} has {len(ids)} parameters, the optimizer's group {len(group['params'])}"
                )
            for k, p in zip(ids, group["params"]):
                if k in params:
                    raise ValueError(f"{at}: parameter index {k} appears twice")
                params[k] = p
            missing = [k for k in self.defaults if k not in saved]
            if missing:
                raise ValueError(f"{at} is missing {', '.join(map(repr, missing))}")
            hyper = {k: copy.deepcopy(v) for k, v in saved.items() if k != "params"}
            try:
                hyper = self._check_group(hyper, at)
            except TypeError as error:  # a wrong type in a file is a bad value of the file
                raise ValueError(str(error)) from None
            new_groups.append(hyper)
        saved_state = state_dict["state"]
        if not isinstance(saved_state, dict):
            raise ValueError(f"{where}: 'state' must be a dict, got {describe(saved_state)}")
        new_state = {}
        for key, entry in saved_state.items():
            k = _index(key)
            if k is None or k not in params:
                raise ValueError(f"{where}: state key {key!r:.60} is not a parameter index")
            if params[k] in new_state:  # both 3 and "3"
                raise ValueError(f"{where}: state for parameter index {k} appears twice")
            at = f"{where}: state[{key!r}]"
            if not isinstance(entry, dict):
                raise ValueError(f"{at} must be a dict, got {describe(entry)}")
            try:
                new_state[params[k]] = self._check_state(dict(entry), at)
            except TypeError as error:
                raise ValueError(str(error)) from None
        # Everything checked: only now change the optimizer.
        for group, hyper in zip(self.param_groups, new_groups):
            ps = group["params"]
            group.clear()
            group.update(hyper)
            group["params"] = ps
        self.state = new_state

    def __repr__(self) -> str:
        """The optimizer's name and each param group's hyperparameters."""
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines + [")"])

    # ---- what a subclass defines ----

    def _check_group(self, group: dict[str, Any], where: str) -> dict[str, Any]:
        """The group's hyperparameters validated and normalised; raises naming the bad one."""
        raise NotImplementedError

    def _check_state(self, entry: dict[str, Any], where: str) -> dict[str, Any]:
        """One parameter's saved state validated and normalised."""
        raise NotImplementedError

    def _update(self, p: Value, g: float, group: dict[str, Any], state: dict[str, Any]) -> None:
        """Apply one step to `p` with gradient `g`, reading and updating `state`."""
        raise NotImplementedError

    # State entries that are one number for a whole packed group (Adam's step count).
    _scalars: tuple[str, ...] = ()

    def _update_flat(
        self, x: Any, g: Any, group: dict[str, Any], state: dict[str, Any], tmp: Any
    ) -> None:
        """`_update` on arrays, in place: x the parameters, g (read only) their gradients,
        `state` the group's state, tmp an array of x's size to work in.

        Each array operation is the float operation of `_update`, in the same order,
        so the numbers are the same (numpy rounds each one, with no fused multiply-add).
        """
        raise NotImplementedError


_CHUNK = 65536  # numbers per chunk of a packed update: 512 KB per array


class _Flat:
    """An optimizer group whose parameters are all packed, and its state as arrays.

    `where` picks the group's parameters out of the packing's arrays: a slice when
    they fill one stretch of it (in any order), else their positions. The state
    arrays follow the order of `packing.data[where]`; `state` is None while the
    state is kept one dict per parameter (before the first packed step, or after
    someone has read `Optimizer.state`).
    """

    def __init__(self, params: list[Value], found: tuple[Any, Any] | None):
        self.params, self.count = params, len(params)
        self.generation = packing.generation()
        self.state: dict[str, Any] | None = None
        self.packed = found is not None
        if found is None:
            return
        self.packing, self.positions = found
        span = packing.span(self.positions)
        self.where: Any = span if span is not None else self.positions
        self.order = self.positions - span.start if span is not None else range(self.count)

    def fits(self, params: list[Value]) -> bool:
        """Still right for the group: no parameter has moved and the list is the same.

        (A list changed in place, one parameter swapped for another, goes unnoticed:
        give the optimizer a new group instead.)
        """
        return (
            params is self.params
            and len(params) == self.count
            and self.generation == packing.generation()
        )

    def ready(self, per_value: dict[Value, dict[str, Any]], scalars: tuple[str, ...]) -> bool:
        """Whether the group can step as arrays: every .grad a number, state alike."""
        if self.packing.odd and any(i in self.packing.odd for i in self.positions.tolist()):
            return False
        if self.state is not None:
            return True
        import numpy as np

        entries = [per_value.get(p, {}) for p in self.params]
        keys = {frozenset(e) for e in entries}
        if len(keys) > 1:
            return False  # some have state and some not: one at a time
        state: dict[str, Any] = {}
        for key in entries[0]:  # in the per-Value dicts' order, as state_dict() shows it
            values = [e[key] for e in entries]
            if key in scalars:
                if len(set(values)) > 1:
                    return False
                state[key] = values[0]
            else:
                array = np.empty(self.count)
                array[self.order] = values
                state[key] = array
        self.state = state  # the dicts stay, refreshed by unpack() when state is read
        return True

    def scratch(self) -> Any:
        """An array of the group's size to compute in, kept from step to step."""
        if getattr(self, "_scratch", None) is None:
            import numpy as np

            self._scratch = np.empty(min(self.count, _CHUNK))
        return self._scratch

    def unpack(self, per_value: dict[Value, dict[str, Any]]) -> None:
        """Hand the state back as one dict per parameter."""
        if self.state is None:
            return
        columns = {
            key: value[self.order].tolist() if hasattr(value, "tolist") else value
            for key, value in self.state.items()
        }
        if columns:
            for k, p in enumerate(self.params):  # into the same dict, if someone holds it
                per_value.setdefault(p, {}).update(
                    {key: col[k] if isinstance(col, list) else col for key, col in columns.items()}
                )
        self.state = None


def _check_keys(entry: dict[str, Any], allowed: set[str], required: set[str], where: str) -> None:
    unknown = sorted(map(str, set(entry) - allowed))
    if unknown:
        raise ValueError(f"{where}: unknown entries {unknown}")
    missing = sorted(required - set(entry))
    if missing:
        raise ValueError(f"{where}: missing entries {missing}")


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (or Nesterov) and L2 weight decay.

    With momentum, the buffer starts as the first gradient and then becomes
    momentum * buf + (1 - dampening) * grad, as in PyTorch.
    """

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict],
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ):
        """SGD over `params`; the hyperparameters are PyTorch's (see the class)."""
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any], where: str) -> dict[str, Any]:
        group["lr"] = _at_least_zero(group["lr"], where, "learning rate (lr)")
        group["momentum"] = _at_least_zero(group["momentum"], where, "momentum")
        group["dampening"] = real(group["dampening"], f"{where}: dampening")
        group["weight_decay"] = _at_least_zero(group["weight_decay"], where, "weight_decay")
        boolean(group["nesterov"], f"{where}: nesterov")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"{where}: Nesterov momentum requires a momentum and zero dampening, "
                f"got momentum={group['momentum']!r}, dampening={group['dampening']!r}"
            )
        return group

    def _check_state(self, entry: dict[str, Any], where: str) -> dict[str, Any]:
        _check_keys(entry, {"momentum_buffer"}, {"momentum_buffer"}, where)
        entry["momentum_buffer"] = real(entry["momentum_buffer"], f"{where}['momentum_buffer']")
        return entry

    def _update(self, p: Value, g: float, group: dict[str, Any], state: dict[str, Any]) -> None:
        momentum, weight_decay = group["momentum"], group["weight_decay"]
        if weight_decay != 0:
            g = g + weight_decay * p.data
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = g
            else:
                buf = buf * momentum + (1 - group["dampening"]) * g
            state["momentum_buffer"] = buf
            g = g + momentum * buf if group["nesterov"] else buf
        p.data = p.data + -group["lr"] * g

    def _update_flat(
        self, x: Any, g: Any, group: dict[str, Any], state: dict[str, Any], tmp: Any
    ) -> None:
        import numpy as np  # only packed parameters come here, and packing needs numpy

        momentum, weight_decay = group["momentum"], group["weight_decay"]
        if weight_decay != 0:
            g = g + weight_decay * x
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.copy()
            else:
                buf *= momentum
                buf += np.multiply(1 - group["dampening"], g, out=tmp)
            g = g + momentum * buf if group["nesterov"] else buf
        x += np.multiply(-group["lr"], g, out=tmp)


class Adam(Optimizer):
    """Adam with PyTorch's bias corrections; weight decay is L2 (added to the gradient).

    `decoupled_weight_decay=True` shrinks the parameter instead, which is AdamW.
    """

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        *,
        decoupled_weight_decay: bool = False,
    ):
        """Adam over `params`; the hyperparameters are PyTorch's (see the class)."""
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any], where: str) -> dict[str, Any]:
        group["lr"] = _at_least_zero(group["lr"], where, "learning rate (lr)")
        group["eps"] = _at_least_zero(group["eps"], where, "epsilon value (eps)")
        betas = group["betas"]
        if isinstance(betas, (str, bytes)) or not isinstance(betas, Iterable):
            raise TypeError(f"{where}: betas must be a pair of numbers, got {describe(betas)}")
        betas = tuple(betas)
        if len(betas) != 2:
            raise ValueError(f"{where}: betas must be a pair of numbers, got {betas!r}")
        for i, beta in enumerate(betas):
            beta = real(beta, f"{where}: betas[{i}]")
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"{where}: invalid beta parameter at index {i}: {beta!r}")
        group["betas"] = (float(betas[0]), float(betas[1]))
        group["weight_decay"] = _at_least_zero(group["weight_decay"], where, "weight_decay")
        boolean(group["decoupled_weight_decay"], f"{where}: decoupled_weight_decay")
        return group

    def _check_state(self, entry: dict[str, Any], where: str) -> dict[str, Any]:
        keys = {"step", "exp_avg", "exp_avg_sq"}
        _check_keys(entry, keys, keys, where)
        step = entry["step"]
        # torch keeps the step count as a float tensor: accept 3.0 as well as 3
        if isinstance(step, float) and step.is_integer():
            step = int(step)
        if isinstance(step, bool) or not isinstance(step, int) or step < 0:
            raise ValueError(f"{where}['step'] must be an int >= 0, got {describe(step)}")
        entry["step"] = step
        entry["exp_avg"] = real(entry["exp_avg"], f"{where}['exp_avg']")
        entry["exp_avg_sq"] = _at_least_zero(entry["exp_avg_sq"], f"{where}['exp_avg_sq']", "value")
        return entry

    def _update(self, p: Value, g: float, group: dict[str, Any], state: dict[str, Any]) -> None:
        lr, weight_decay, eps = group["lr"], group["weight_decay"], group["eps"]
        beta1, beta2 = group["betas"]
        step = state.get("step", 0) + 1
        m, v = state.get("exp_avg", 0.0), state.get("exp_avg_sq", 0.0)
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                p.data = p.data * (1 - lr * weight_decay)
            else:
                g = g + weight_decay * p.data
        m = _lerp(m, g, 1 - beta1)
        v = v * beta2 + (1 - beta2) * g * g
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        step_size = lr / bias_correction1
        denom = math.sqrt(v) / bias_correction2**0.5 + eps
        p.data = p.data + -step_size * (m / denom)
        state.update(step=step, exp_avg=m, exp_avg_sq=v)

    _scalars = ("step",)

    def _update_flat(
        self, x: Any, g: Any, group: dict[str, Any], state: dict[str, Any], tmp: Any
    ) -> None:
        import numpy as np

        lr, weight_decay, eps = group["lr"], group["weight_decay"], group["eps"]
        beta1, beta2 = group["betas"]
        step = state["step"] = state.get("step", 0) + 1  # first, as _update orders the dict
        if "exp_avg" not in state:
            state["exp_avg"], state["exp_avg_sq"] = np.zeros(len(x)), np.zeros(len(x))
        m, v = state["exp_avg"], state["exp_avg_sq"]
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                x *= 1 - lr * weight_decay
            else:
                g = g + weight_decay * x
        weight = 1 - beta1  # m = _lerp(m, g, weight)
        if abs(weight) < 0.5:
            m += np.multiply(weight, np.subtract(g, m, out=tmp), out=tmp)
        else:
            np.subtract(g, np.multiply(np.subtract(g, m, out=tmp), 1 - weight, out=tmp), out=m)
        v *= beta2  # v = v * beta2 + (1 - beta2) * g * g
        v += np.multiply(np.multiply(1 - beta2, g, out=tmp), g, out=tmp)
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        step_size = lr / bias_correction1
        denom = np.sqrt(v, out=tmp)  # sqrt(v) / bias_correction2**0.5 + eps
        denom /= bias_correction2**0.5
        denom += eps
        x += np.multiply(-step_size, np.divide(m, denom, out=tmp), out=tmp)


def _lerp(start: Any, end: Any, weight: float) -> Any:
    # torch.lerp's two forms: each is exact at its own end (weight 0, or weight 1)
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


class AdamW(Adam):
    """Adam with decoupled weight decay: p *= 1 - lr * weight_decay before each step."""

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ):
        """Adam over `params` with decoupled weight decay (PyTorch's AdamW defaults)."""
        super().__init__(params, lr, betas, eps, weight_decay, decoupled_weight_decay=True)


# ---- learning-rate schedulers -------------------------------------------------------------


class LRScheduler:
    """Base class: sets each group's "lr" once per epoch, from the lrs at construction.

    Like PyTorch's, the rules are chainable: each step scales the group's current lr.
    Subclasses define `get_lr` and list their hyperparameters in `_hyper`.
    """

    _hyper: tuple[str, ...] = ()

    def __init__(self, optimizer: Optimizer):
        """A scheduler of `optimizer`'s learning rates, from their values now."""
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__}: expected an Optimizer, got {describe(optimizer)}"
            )
        self.optimizer = optimizer
        self.base_lrs = [group["lr"] for group in optimizer.param_groups]
        self.last_epoch = 0
        self._last_lr = list(self.base_lrs)

    def get_lr(self) -> list[float]:
        """The lrs for epoch `last_epoch`, from the current ones; step() calls it."""
        raise NotImplementedError

    def step(self) -> None:
        """Move to the next epoch and set each group's lr (call after optimizer.step())."""
        groups = self.optimizer.param_groups
        if len(groups) != len(self.base_lrs):
            raise ValueError(
                f"{type(self).__name__}.step: the optimizer has {len(groups)} param groups, "
                f"the scheduler was made for {len(self.base_lrs)}"
            )
        self.last_epoch += 1
        for group, lr in zip(groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in groups]

    def get_last_lr(self) -> list[float]:
        """The lr of each group as set by the last step (or at construction)."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """base_lrs, last_epoch, _last_lr and the hyperparameters, JSON-able."""
        state = {k: getattr(self, k) for k in self._hyper}
        state.update(
            base_lrs=list(self.base_lrs), last_epoch=self.last_epoch, _last_lr=list(self._last_lr)
        )
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what `state_dict()` saved; a ValueError naming the problem changes nothing."""
        where = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict):
            raise TypeError(f"{where}: expected a dict, got {describe(state_dict)}")
        check_depth(state_dict, f"{where}: the state dict")  # before any repr or deepcopy of it
        expected = {"base_lrs", "last_epoch", "_last_lr", *self._hyper}
        if set(state_dict) != expected:
            raise ValueError(
                f"{where}: expected the keys {sorted(expected)}, got {sorted(map(str, state_dict))}"
            )
        n = len(self.optimizer.param_groups)
        lists = {}
        for key in ("base_lrs", "_last_lr"):
            lrs = state_dict[key]
            if not isinstance(lrs, list) or len(lrs) != n:
                raise ValueError(f"{where}: {key} must be a list of {n} lrs, got {lrs!r:.60}")
            try:
                lists[key] = [_at_least_zero(lr, f"{where}: {key}", "lr") for lr in lrs]
            except TypeError as error:
                raise ValueError(str(error)) from None
        last_epoch = state_dict["last_epoch"]
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, int) or last_epoch < 0:
            raise ValueError(f"{where}: last_epoch must be an int >= 0, got {describe(last_epoch)}")
        try:
            hyper = self._check_hyper({k: state_dict[k] for k in self._hyper}, where)
        except TypeError as error:
            raise ValueError(str(error)) from None
        for k, v in hyper.items():
            setattr(self, k, v)
        self.base_lrs, self._last_lr = lists["base_lrs"], lists["_last_lr"]
        self.last_epoch = last_epoch

    def _check_hyper(self, hyper: dict[str, Any], where: str) -> dict[str, Any]:
        """The hyperparameters validated and normalised."""
        raise NotImplementedError

    def _init_hyper(self, **hyper: Any) -> None:
        for k, v in self._check_hyper(hyper, type(self).__name__).items():
            setattr(self, k, v)


class StepLR(LRScheduler):
    """Multiply each group's lr by `gamma` every `step_size` epochs."""

    _hyper = ("step_size", "gamma")
    step_size: int
    gamma: float

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1):
        """Multiply the lrs by `gamma` every `step_size` epochs."""
        super().__init__(optimizer)
        self._init_hyper(step_size=step_size, gamma=gamma)

    def _check_hyper(self, hyper: dict[str, Any], where: str) -> dict[str, Any]:
        return {
            "step_size": integer(hyper["step_size"], f"{where}: step_size"),
            "gamma": _finite_at_least_zero(hyper["gamma"], where, "gamma"),
        }

    def get_lr(self) -> list[float]:
        """Each group's lr for the current epoch."""
        lrs = [group["lr"] for group in self.optimizer.param_groups]
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return lrs
        return [lr * self.gamma for lr in lrs]


class ExponentialLR(LRScheduler):
    """Multiply each group's lr by `gamma` every epoch."""

    _hyper = ("gamma",)
    gamma: float

    def __init__(self, optimizer: Optimizer, gamma: float):
        """Multiply the lrs by `gamma` every epoch."""
        super().__init__(optimizer)
        self._init_hyper(gamma=gamma)

    def _check_hyper(self, hyper: dict[str, Any], where: str) -> dict[str, Any]:
        return {"gamma": _finite_at_least_zero(hyper["gamma"], where, "gamma")}

    def get_lr(self) -> list[float]:
        """Each group's lr for the current epoch."""
        lrs = [group["lr"] for group in self.optimizer.param_groups]
        if self.last_epoch == 0:
            return lrs
        return [lr * self.gamma for lr in lrs]


class CosineAnnealingLR(LRScheduler):
    """Anneal each lr from its base to `eta_min` along half a cosine over `T_max` epochs.

    Past T_max the cosine continues, climbing back to the base lr by 2 * T_max, as in
    PyTorch (which computes it recursively, epoch from epoch, as done here).
    """

    _hyper = ("T_max", "eta_min")
    T_max: int
    eta_min: float

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0):  # noqa: N803
        """Anneal the lrs to `eta_min` over `T_max` epochs (see the class)."""
        super().__init__(optimizer)
        self._init_hyper(T_max=T_max, eta_min=eta_min)

    def _check_hyper(self, hyper: dict[str, Any], where: str) -> dict[str, Any]:
        return {
            "T_max": integer(hyper["T_max"], f"{where}: T_max"),
            "eta_min": _finite_at_least_zero(hyper["eta_min"], where, "eta_min"),
        }

    def get_lr(self) -> list[float]:
        """Each group's lr for the current epoch."""
        groups = self.optimizer.param_groups
        epoch, t_max, eta_min = self.last_epoch, self.T_max, self.eta_min
        if epoch == 0:
            return [group["lr"] for group in groups]
        if (epoch - 1 - t_max) % (2 * t_max) == 0:
            # at the bottom of the cosine the ratio below divides by zero: climb from eta_min
            return [
                group["lr"] + (base - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
                for base, group in zip(self.base_lrs, groups)
            ]
        ratio = (1 + math.cos(math.pi * epoch / t_max)) / (
            1 + math.cos(math.pi * (epoch - 1) / t_max)
        )
        return [ratio * (group["lr"] - eta_min) + eta_min for group in groups]


# ---- gradient clipping ----------------------------------------------------------------------


def _params(params: Value | Iterable[Value], where: str) -> list[Value]:
    if isinstance(params, Value):
        return [params]
    if isinstance(params, (str, bytes, dict)) or not isinstance(params, Iterable):
        raise TypeError(
            f"{where}: params must be a Value or an iterable of Values, got {describe(params)}"
        )
    params = list(params)
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"{where}: parameter {i} must be a Value, got {describe(p)}")
    return params


def _located(params: list[Value]) -> tuple[Any, Any, Any] | None:
    """(packing.grad, positions, where) when `params` are all packed, every .grad a number.

    `where` picks them out of the array as a slice when it can, else it is `positions`.
    """
    found = packing.locate(params)
    if found is None:
        return None
    where, positions = found
    if where.odd and any(i in where.odd for i in positions.tolist()):
        return None
    span = packing.span(positions)
    return where.grad, positions, span if span is not None else positions


def _norm(mags: list[float], p: float) -> float:
    """The p-norm of the non-negative `mags`, without squares that underflow or overflow.

    torch sums |g| ** p as they come, so its norm of [1e-200, 1e-200] is 0.0 and of
    [1e200, 1e200] inf (which then zeroes every gradient); here both come out right.
    Elsewhere the two agree to rounding.
    """
    if any(math.isnan(m) for m in mags):
        return math.nan  # max() would drop a nan; a norm keeps it, as torch's does
    largest = max(mags)
    if p == math.inf or largest in (0.0, math.inf):
        return largest
    if p == 1.0:
        return sum(mags)
    if p == 2.0:
        return math.hypot(*mags)
    try:  # each ratio is at most 1; only a sum raised to 1/p > 1 can overflow
        return largest * sum((m / largest) ** p for m in mags) ** (1.0 / p)
    except OverflowError:
        return math.inf


def clip_grad_norm_(
    params: Value | Iterable[Value], max_norm: float, norm_type: float = 2.0
) -> float:
    """Scale the gradients so that their joint norm is at most max_norm; return the norm before.

    As PyTorch: the factor is max_norm / (total_norm + 1e-6), applied when below 1.
    `norm_type` is p > 0 or math.inf (the largest |grad|). A gradient that is a Value
    is read through its data, and replaced by a float when it is scaled. Unlike
    torch's, the norm neither underflows nor overflows for tiny or huge gradients.
    """
    where = "clip_grad_norm_"
    params = _params(params, where)
    max_norm = _at_least_zero(max_norm, where, "max_norm")
    p = real(norm_type, f"{where}: norm_type")
    if not p > 0:
        raise ValueError(f"{where}: norm_type must be > 0 or math.inf, got {norm_type!r}")
    packed = _located(params)
    if packed is not None:  # the same arithmetic on the packing's gradient array
        grad, positions, at = packed
        total = _norm(abs(grad[positions]).tolist(), p)  # summed in the caller's order
        coef = max_norm / (total + 1e-6)
        if not coef >= 1.0:
            grad[at] = grad[at] * coef
        return total
    found = [_grad(param, f"{where}: parameter {i}") for i, param in enumerate(params)]
    params = [param for param, g in zip(params, found) if g is not None]
    grads = [g for g in found if g is not None]
    if not grads:
        return 0.0
    total = _norm([abs(g) for g in grads], p)
    coef = max_norm / (total + 1e-6)
    if not coef >= 1.0:  # a nan norm makes nan gradients, as in torch
        for param, g in zip(params, grads):
            param.grad = g * coef
    return total


def clip_grad_value_(params: Value | Iterable[Value], clip_value: float) -> None:
    """Clamp every gradient into [-clip_value, clip_value]."""
    where = "clip_grad_value_"
    params = _params(params, where)
    c = _at_least_zero(clip_value, where, "clip_value")
    packed = _located(params)
    if packed is not None:
        grad, _, at = packed
        g = grad[at]
        grad[at] = g.clip(-c, c)  # nan stays nan, as below
        return
    grads = [_grad(param, f"{where}: parameter {i}") for i, param in enumerate(params)]
    for param, g in zip(params, grads):
        if g is None:
            continue
        clipped = min(max(g, -c), c)  # nan compares false both times and stays nan
        if clipped != g or clipped != clipped:
            param.grad = clipped

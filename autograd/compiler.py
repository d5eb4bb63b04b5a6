"""autograd.compile: trace a per-sample function once, replay it over a batch with numpy.

A scalar engine rebuilds the same graph for every sample of every step. Here
the graph of one sample is recorded once (as torch.jit.trace records a
function) and turned into a flat program: one numpy operation per node, each
working on an array with one lane per sample (the idea of jax.vmap). The
forward values and the local derivatives are each op's own (`Op.numpy_forward`
and `Op.numpy_derivatives`, which for the built-in ops are the very formulas
the engine runs on floats): this module has no table of ops.

Two rewrites make it fast: the dot nodes of a layer (same inputs, one neuron
each) become a single matrix product, and the same element-wise op applied to
every row of such a block (the layer's activation) becomes one call.

Python control flow that depends on `.data` is frozen at trace time (the
first sample takes the branch for every sample); branches inside an op, as in
relu, are vectorised correctly. A Value converted to a number or compared while
tracing warns (TracerWarning); a `.data` read cannot be seen. What the function
reaches from outside (its closure, the globals it names, a model's layers) is
fingerprinted at each trace and checked at each call: rebound, it is traced again.
"""

from __future__ import annotations

import functools
import math
import numbers
import types
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd.extras import missing

try:
    import numpy as np
except ModuleNotFoundError as error:
    raise missing(error, "autograd.compile") from None

from autograd import packing
from autograd.arguments import short
from autograd.collector import gc_paused
from autograd.engine import DOT, Op, Value, born_before, tick, topological_order
from autograd.mode import detect_anomaly, is_anomaly_enabled, no_grad, tracing


@dataclass
class _Step:
    """One instruction: out = forward(ctx, *ins); kind 'node', 'layer' or 'map' (over a block)."""

    kind: str
    forward: Callable
    derivative: Callable
    ctx: Any
    ins: tuple[int, ...]  # slots read (for 'layer': the input slots X)
    out: int  # slot written; for 'layer' and 'map', a block id
    weights: Any = None  # 'layer': K x n indices of the weights among the parameters
    biases: Any = None  # 'layer': K indices of the biases, or None
    in_block: int = -1  # 'map': the block it reads
    op: Any = None  # node and map steps: the Op (export reads it; errors show its name)


@dataclass
class _Run:
    """One call's values: a program is shared by every call (and thread), its runs are not."""

    vals: list  # slot -> array (B,), or a float for lane-independent slots
    mats: dict[int, np.ndarray]  # block id -> (rows, B) matrix
    plan: _Plan  # where the parameters' numbers are, for this call
    batch: tuple[int]  # (B,)
    theta: np.ndarray  # every parameter's number (at plan.positions)


@dataclass
class _Plan:
    """Where a program's parameters live: a packing's arrays (autograd.packing), mostly.

    `theta` holds every parameter's number at `positions` (parameter i at
    positions[i]); `grad` is where their gradients go. When every parameter is
    packed, they are the packing's own arrays, and a layer's weights and biases
    are views into them (`weights[k]`, `biases[k]`, for the layer of step k; None
    when the layout allows no view). Otherwise (a parameter of a Value subclass)
    theta is gathered for each call and the gradients go to `.grad` one by one.
    """

    generation: int
    packing: packing.Packing | None
    positions: np.ndarray
    loose: list[tuple[int, int]]  # (slot, position) of parameters read one by one
    weights: dict[int, tuple[Any, Any]]  # step -> (data view, grad view) or (None, None)
    biases: dict[int, tuple[Any, Any]]
    grad_views: list = field(default_factory=list)  # every layer's gradient views
    # the positions of the parameters read one by one
    loose_positions: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    covers: bool = False  # the layers' views and the loose positions are the whole packing

    def theta(self, params: list[Value]) -> np.ndarray:
        if self.packing is not None:
            return self.packing.data
        return np.array([p.data for p in params], dtype=float)


class Program:
    """A traced graph as a flat list of steps over slots (arrays) and blocks (matrices)."""

    def __init__(self, fn: Callable, shapes: tuple[int | None, ...], first: list[np.ndarray]):
        """Trace `fn` once, on placeholders shaped as `shapes` (numbers as in `first`)."""
        # the trace needs the graph, whatever the mode, and no anomaly checks (nor the
        # cycle collector, walking the trace's thousands of new objects for nothing)
        with tracing(), gc_paused():
            placeholders = [
                Value(float(a)) if n is None else [Value(float(v)) for v in a]
                for n, a in zip(shapes, first)
            ]
            moment = tick()  # a leaf made from here on is a constant of the function
            result = fn(*placeholders)
        outputs = result if isinstance(result, (list, tuple)) else [result]
        for i, v in enumerate(outputs):
            if not isinstance(v, Value):
                raise TypeError(
                    f"compile: the function must return Values, output {i} is {type(v).__name__}"
                )
        self.single = not isinstance(result, (list, tuple))
        self.returned = f"{type(result).__name__} of {len(outputs)} Values"

        slot: dict[int, int] = {}
        self.input_slots: list[list[int] | int] = []
        for ph in placeholders:
            if isinstance(ph, Value):  # a number (shape None), else a vector
                self.input_slots.append(self._new(slot, ph))
            else:
                self.input_slots.append([self._new(slot, v) for v in ph])
        self.n_inputs = len(slot)
        order: list[Value] = []
        seen: set[int] = set()
        for out in outputs:
            for node in topological_order(out):
                if id(node) not in seen:
                    seen.add(id(node))
                    order.append(node)
        # The leaves: parameters (made before the trace: the model's, a closure's) and
        # constants (made by the function itself, as `1` in `1 - y * s`), whose numbers
        # are part of the program, as jax.jit and torch.jit.trace make them.
        self.params: list[Value] = []
        made: list[Value] = []
        known: set[int] = set(slot)
        for node in [*order, *outputs]:
            for leaf in node.parents if node.parents else (node,):
                if not leaf.parents and id(leaf) not in known:
                    known.add(id(leaf))
                    (self.params if born_before(leaf, moment) else made).append(leaf)
        for leaf in self.params:
            self._new(slot, leaf)
        self.constants = [(self._new(slot, leaf), leaf.data) for leaf in made]
        nodes = []
        for node in order:
            assert isinstance(node.op, Op)  # a node with parents holds its Op
            fwd, der = node.op.numpy_forward, node.op.numpy_derivatives
            if fwd is None or der is None:
                raise TypeError(
                    f"compile: op {str(node.op)!r} has no vectorised rule (a primitive "
                    "compiles when given numpy_fn=... and numpy_partials=...; custom_jvp, "
                    "custom_vjp and checkpoint do not compile)"
                )
            nodes.append((node, fwd, der, self._new(slot, node)))
        self.n_slots = len(slot)
        self.outputs = [slot[id(v)] for v in outputs]
        # Slots that no input reaches (parameters, constants, an L2 penalty) hold the
        # same value in every lane: they stay scalars, and their gradients are summed.
        self.uniform = set(range(self.n_inputs, self.n_inputs + len(self.params) + len(made)))
        for node, _, _, out in nodes:
            if all(slot[id(p)] in self.uniform for p in node.parents):
                self.uniform.add(out)
        self.blocks: dict[int, tuple[int, ...]] = {}  # block id -> its row slots
        self.row_of: dict[int, tuple[int, int]] = {}  # slot -> (block id, row)
        for rows in self.input_slots:
            if isinstance(rows, list):
                self._block(tuple(rows))
        self.steps = self._schedule(nodes, slot)
        # Slots read one at a time: by single nodes, as outputs, or by a layer whose
        # inputs are not one block. Only these rows of a block get a view of their own.
        read = {s for step in self.steps if step.kind == "node" for s in step.ins}
        read.update(self.outputs)
        for step in self.steps:
            if step.kind == "layer" and self.block_of(step.ins) is None:
                read.update(step.ins)
        self.rows_read = {
            bid: [(r, s) for r, s in enumerate(rows) if s in read]
            for bid, rows in self.blocks.items()
        }
        self.loose_slots = sorted(s for s in read if self._is_param(s))
        self.plan: _Plan | None = None

    def _new(self, slot: dict[int, int], v: Value) -> int:
        slot[id(v)] = len(slot)
        return slot[id(v)]

    def _block(self, rows: tuple[int, ...]) -> int:
        bid = len(self.blocks)
        self.blocks[bid] = rows
        for r, s in enumerate(rows):
            self.row_of[s] = (bid, r)
        return bid

    def _is_param(self, s: int) -> bool:
        return self.n_inputs <= s < self.n_inputs + len(self.params)

    def _schedule(self, nodes: list, slot: dict[int, int]) -> list[_Step]:
        """Steps in graph order, with layers of dot nodes and maps over blocks fused."""
        ins_of = {out: tuple(slot[id(p)] for p in node.parents) for node, _, _, out in nodes}
        layers: dict[tuple, list[int]] = {}  # (input slots, has bias) -> dot nodes reading them
        for node, _, _, out in nodes:
            n, ins = node.ctx, ins_of[out]
            if (
                node.op is DOT
                and n > 0
                and out not in self.uniform  # per-sample lanes, with parameters as weights
                and all(self._is_param(s) for s in ins[:n] + ins[2 * n :])
            ):
                layers.setdefault((ins[n : 2 * n], len(ins) > 2 * n), []).append(out)
        steps: list[_Step] = []
        done: set[int] = set()
        # (op, ctx, block) already found not to cover a block
        unfusable: set[tuple[Any, ...] | None] = set()
        for k, (node, fwd, der, out) in enumerate(nodes):
            if out in done:
                continue
            ins, n = ins_of[out], node.ctx
            key = (ins[n : 2 * n], len(ins) > 2 * n) if node.op is DOT else None
            if key in layers and out in layers[key]:  # a layer's neurons: one matrix product
                members = layers.pop(key)
                first = self.n_inputs  # parameter i lives in slot first + i
                weights = np.array([ins_of[m][:n] for m in members], dtype=np.intp) - first
                biases = (
                    np.array([ins_of[m][2 * n] for m in members], dtype=np.intp) - first
                    if key[1]
                    else None
                )
                bid = self._block(tuple(members))
                steps.append(_Step("layer", fwd, der, n, key[0], bid, weights, biases))
                done.update(members)
                continue
            mkey = (id(node.op), node.ctx, self.row_of.get(ins[0], (-1,))[0]) if ins else None
            if len(ins) == 1 and ins[0] in self.row_of and mkey not in unfusable:
                bid = self.row_of[ins[0]][0]  # the same op on every row of a block?
                members = [
                    o
                    for other, _, _, o in nodes[k:]
                    if other.op is node.op
                    and other.ctx == node.ctx
                    and len(ins_of[o]) == 1
                    and self.row_of.get(ins_of[o][0], (-1,))[0] == bid
                ]
                if tuple(ins_of[o][0] for o in members) == self.blocks[bid]:
                    new = self._block(tuple(members))
                    steps.append(
                        _Step("map", fwd, der, node.ctx, (), new, in_block=bid, op=node.op)
                    )
                    done.update(members)
                    continue
                unfusable.add(mkey)
            steps.append(_Step("node", fwd, der, node.ctx, ins, out, op=node.op))
            done.add(out)
        return steps

    # ---- running ---------------------------------------------------------------

    def _plan(self) -> _Plan:
        """The parameters' places, worked out again only when some parameter has moved."""
        plan = self.plan
        if plan is not None and plan.generation == packing.generation():
            return plan
        # Pack the layers' parameters first, so that a model's parameters (an
        # optimizer's group) fill one stretch of the arrays, then the others.
        in_layers = [i for st in self.steps if st.kind == "layer" for i in _members(st)]
        order = list(dict.fromkeys([*in_layers, *range(len(self.params))]))
        where = None
        if all(packing.packable(p) for p in self.params) and self.params:
            where, positions = packing.pack([self.params[i] for i in order])
            positions = positions[np.argsort(order)]
            theta, grad = where.data, where.grad
        else:
            positions = np.arange(len(self.params))
        weights, biases = {}, {}
        for k, st in enumerate(self.steps):
            if st.kind == "layer":
                views = [(None, None), (None, None)]
                for j, at in enumerate((st.weights, st.biases)):
                    if where is not None and at is not None:
                        view = packing.strided(theta, positions[at])
                        if view is not None:
                            views[j] = (view, packing.strided(grad, positions[at]))
                weights[k], biases[k] = views
        first = self.n_inputs
        loose = [(s, int(positions[s - first])) for s in self.loose_slots]
        plan = _Plan(packing.generation(), where, positions, loose, weights, biases)
        plan.loose_positions = np.array([at for _, at in loose], dtype=np.intp)
        if where is not None:  # does a backward pass write every gradient of the packing?
            layers = [(k, st) for k, st in enumerate(self.steps) if st.kind == "layer"]
            parts = [(weights[k][1], st.weights) for k, st in layers]
            parts += [(biases[k][1], st.biases) for k, st in layers if st.biases is not None]
            plan.grad_views = [view for view, _ in parts if view is not None]
            every = np.concatenate(
                [positions[at].ravel() for _, at in parts] + [plan.loose_positions]
            )
            plan.covers = (
                len(plan.grad_views) == len(parts)
                and len(every) == len(where)
                and len(np.unique(every)) == len(where)
            )
        self.plan = plan
        return plan

    def _load(self, arrays: list[np.ndarray]) -> _Run:
        plan = self._plan()
        theta = plan.theta(self.params)
        run = _Run([None] * self.n_slots, {}, plan, arrays[0].shape[:1], theta)
        for rows, a in zip(self.input_slots, arrays):
            if isinstance(rows, list):
                self._store(self.row_of[rows[0]][0], np.ascontiguousarray(a.T), run)
            else:
                run.vals[rows] = a
        for s, x in self.constants:
            run.vals[s] = x
        if plan.loose:
            numbers = run.theta[[at for _, at in plan.loose]].tolist()
            for (s, _), x in zip(plan.loose, numbers):
                run.vals[s] = x
        return run

    def _weights(self, k: int, step: _Step, run: _Run) -> np.ndarray:
        view = run.plan.weights[k][0]
        return view if view is not None else run.theta[run.plan.positions[step.weights]]

    def _biases(self, k: int, step: _Step, run: _Run) -> np.ndarray:
        view = run.plan.biases[k][0]
        return view if view is not None else run.theta[run.plan.positions[step.biases]]

    def block_of(self, slots: Sequence[int]) -> int | None:
        """The block whose rows are exactly `slots`, in order, if there is one."""
        first = self.row_of.get(slots[0])
        if first is not None and first[1] == 0 and self.blocks[first[0]] == tuple(slots):
            return first[0]
        return None

    def _matrix(self, slots: Sequence[int], run: _Run) -> np.ndarray:
        """The values of `slots` as rows of a matrix, without copying when they are a block."""
        bid = self.block_of(slots)
        if bid is not None:
            return run.mats[bid]
        return np.stack([np.broadcast_to(run.vals[s], run.batch) for s in slots])

    def forward(self, arrays: list[np.ndarray]) -> _Run:
        """Run the steps over a batch (`arrays`, one per argument); the run's values."""
        run = self._load(arrays)
        vals = run.vals
        for k, step in enumerate(self.steps):
            if step.kind == "node":
                vals[step.out] = step.forward(step.ctx, *[vals[s] for s in step.ins])
            elif step.kind == "layer":
                out = _product(self._weights(k, step, run), self._matrix(step.ins, run), False)
                if step.biases is not None:
                    out += self._biases(k, step, run)[:, None]
                self._store(step.out, out, run)
            else:
                self._store(step.out, step.forward(step.ctx, run.mats[step.in_block]), run)
        return run

    def _store(self, bid: int, block: np.ndarray, run: _Run) -> None:
        run.mats[bid] = block
        for r, s in self.rows_read[bid]:
            run.vals[s] = block[r]

    def first_nonfinite(self, run: _Run) -> tuple[int, str] | None:
        """The first sample (row) with a value that is nan or inf, and what made it there
        first (the op, the value, its inputs), as eager finds it running the samples one
        by one; None when every value is finite."""
        first = None  # (row, step index)
        for k, step in enumerate(self.steps):
            out = run.vals[step.out] if step.kind == "node" else run.mats[step.out]
            bad = np.logical_not(np.isfinite(out))
            if np.any(bad):
                rows = bad.any(axis=0) if bad.ndim == 2 else np.broadcast_to(bad, run.batch)
                row = int(np.argmax(rows))
                if first is None or row < first[0]:
                    first = (row, k)
        if first is None:
            return None
        row, k = first
        step = self.steps[k]
        if step.kind == "node":
            value = np.broadcast_to(run.vals[step.out], run.batch)[row]
            inputs = [np.broadcast_to(run.vals[s], run.batch)[row] for s in step.ins]
            made = ""
        else:  # a row of a block: one neuron of a layer, or one entry of a map over a block
            column = run.mats[step.out][:, row]
            r = int(np.argmax(np.logical_not(np.isfinite(column))))
            value = column[r]
            ins = self._matrix(step.ins, run) if step.kind == "layer" else run.mats[step.in_block]
            inputs = list(ins[:, row]) if step.kind == "layer" else [ins[r, row]]
            made = f" of neuron {r} of a layer" if step.kind == "layer" else f", entry {r}"
        shown = short([float(x) for x in inputs]).strip("[]")
        return (
            row,
            f"{step.op or DOT}: the forward value{made} is {float(value)!r} (inputs {shown})",
        )

    def backward(self, run: _Run, seeds: list[np.ndarray], anomaly: bool = False) -> _Gradients:
        """d(sum of seeds * outputs) / d(each captured parameter), ready to add to `.grad`.

        With `anomaly` (detect_anomaly() on), a gradient that is nan or inf raises
        FloatingPointError naming the op, its input and the sample, as eager does.
        """
        vals, mats = run.vals, run.mats
        grads: list[Any] = [None] * self.n_slots
        gmats: dict[int, np.ndarray] = {}
        found = _Gradients(self, run.plan)

        def add_block(bid: int, G: np.ndarray) -> None:  # G: a new array, nobody else's
            if bid in gmats:
                gmats[bid] += G
            else:
                gmats[bid] = G

        # A lane-independent node's gradient is summed over the batch; whether any lane
        # sent a nonzero one is kept beside it, so a sum that cancels to 0 still flows.
        flowing: dict[int, bool] = {}

        def add(s: int, g: Any) -> None:
            if s < self.n_inputs:
                return  # inputs are data: no gradient wanted
            if self._is_param(s):  # a leaf: sum over the batch right away
                found.add(s, g if type(g) is float else float(_total(g)))
            elif s in self.row_of:
                bid, r = self.row_of[s]
                if bid not in gmats:
                    gmats[bid] = np.zeros((len(self.blocks[bid]), *run.batch))
                gmats[bid][r] += g
            elif s in self.uniform:
                grads[s] = float(_total(g)) + (grads[s] or 0.0)
                moving = g != 0 if type(g) is float else bool(_any(g != 0, axis=None))
                flowing[s] = flowing.get(s, False) or moving
            elif grads[s] is None:  # a copy: it is added to in place
                same = type(g) is np.ndarray and g.shape == run.batch
                grads[s] = g.copy() if same else np.array(np.broadcast_to(g, run.batch))
            else:
                grads[s] += g

        def grad_of(s: int) -> Any:
            if s in self.row_of:
                bid, r = self.row_of[s]
                return gmats[bid][r] if bid in gmats else None
            return grads[s]

        for s, seed in zip(self.outputs, seeds):
            add(s, seed)
        for k in range(len(self.steps) - 1, -1, -1):
            step = self.steps[k]
            if step.kind == "node":
                g = grad_of(step.out)
                if g is None:
                    continue
                ins = [vals[s] for s in step.ins]
                moving = flowing.get(step.out, False) if step.out in self.uniform else None
                try:
                    local = step.derivative(step.ctx, vals[step.out], *ins)
                except (ArithmeticError, ValueError) as error:  # on floats, as eager raises
                    if moving is False or (moving is None and not np.any(g != 0)):
                        continue  # nothing flows: the engine would skip this node too
                    raise _undefined(step, ins, error) from None
                for i, (s, d) in enumerate(zip(step.ins, local)):
                    flow = _flow(d, g, step, vals[step.out], ins, moving)
                    if anomaly:
                        _check_gradient(step, i, flow, d, g)
                    add(s, flow)
            elif step.kind == "layer":
                G = gmats.get(step.out)
                if G is None:
                    continue
                X = self._matrix(step.ins, run)
                if anomaly:  # what flows to the weights: G times X, sample by sample
                    flows = np.where(G[:, None, :] == 0, 0.0, G[:, None, :] * X[None, :, :])
                    _check_gradient(step, 0, flows, X, G)
                if any(s >= self.n_inputs for s in step.ins):
                    dX = _product(self._weights(k, step, run).T, G)
                    if anomaly:
                        _check_gradient(step, 1, dX, None, G)
                    bid = self.block_of(step.ins)
                    if bid is not None:
                        add_block(bid, dX)
                    else:
                        for s, row in zip(step.ins, dX):
                            add(s, row)
                found.layer(run.plan.weights[k][1], step.weights, G, X.T)
                if step.biases is not None:
                    found.layer(run.plan.biases[k][1], step.biases, G, None)
            else:
                G = gmats.get(step.out)
                if G is None:
                    continue
                (local,) = step.derivative(step.ctx, mats[step.out], mats[step.in_block])
                ins = [mats[step.in_block]]
                flow = _flow(local, G, step, mats[step.out], ins)
                if anomaly:
                    _check_gradient(step, 0, flow, local, G)
                add_block(step.in_block, flow)
        return found


class _Gradients:
    """A backward pass's parameter gradients, held until it has finished without error.

    `commit` then adds them into the parameters' gradients: whole arrays into a
    packing's `grad` (views of a layer's block, or its positions), or `.grad` one by
    one for what is not packed, or where a `.grad` is None or a Value.
    """

    def __init__(self, program: Program, plan: _Plan):
        self.program, self.plan = program, plan
        self.single: dict[int, float] = {}  # parameter index -> gradient, from single nodes
        # (grad view, indices, G, X.T or None): see layer
        self.blocks: list[tuple[Any, Any, np.ndarray, np.ndarray | None]] = []

    def add(self, slot: int, g: float) -> None:
        i = slot - self.program.n_inputs
        self.single[i] = self.single.get(i, 0.0) + g

    def layer(self, view: Any, indices: Any, G: np.ndarray, XT: np.ndarray | None) -> None:
        """A layer's weight gradients G @ X.T (or, XT None, its biases' G summed over
        the batch), to be added into `view` (a view of the gradients) or at `indices`."""
        self.blocks.append((view, indices, G, XT))

    def commit(self) -> None:
        plan, params = self.plan, self.program.params
        where = plan.packing
        moved = plan.generation != packing.generation()  # packed again since the forward
        if where is not None and not where.odd and not moved:  # the common case: whole arrays
            fresh = where.overwrite() if plan.covers else None
            if fresh is not None:  # all zeros, not yet written: write, do not add
                written = set()
                for view, _, G, XT in self.blocks:
                    _layer_gradient(G, XT, view)
                    written.add(id(view))
                for view in plan.grad_views:
                    if id(view) not in written:
                        view.fill(0.0)  # a layer that no gradient reached
                fresh[plan.loose_positions] = 0.0
            else:
                where.grad  # noqa: B018 - writes the zeros a clear() left unwritten, under the views
                for view, indices, G, XT in self.blocks:
                    if view is not None:
                        view += _layer_gradient(G, XT)
                    else:  # a weight may repeat: add.at sums every use
                        at = plan.positions[indices]
                        np.add.at(where.grad, at, _layer_gradient(G, XT))
            if self.single:
                at = plan.positions[list(self.single)]
                np.add.at(where.grad, at, list(self.single.values()))
            return
        total = np.zeros(len(params))  # one number per parameter, then one by one
        for _, indices, G, XT in self.blocks:
            np.add.at(total, indices, _layer_gradient(G, XT))
        for i, g in self.single.items():
            total[i] += g
        for p, g in zip(params, total.tolist()):
            if p.grad is not None:
                p.grad = p.grad + g
            elif g != 0:  # unreached, as eager leaves it: None stays None
                p.grad = g


def _layer_gradient(G: np.ndarray, XT: np.ndarray | None, out: Any = None) -> np.ndarray:
    """G @ XT as the engine sums it (or G's rows summed, XT None), into `out` if given."""
    if XT is None:
        return np.sum(G, axis=1, out=out)
    if out is None:
        return _product(G, XT)
    if G.shape[1] == 1:
        np.multiply(G, XT, out=out)
    else:
        np.matmul(G, XT, out=out)
    if not math.isfinite(out.sum()) and not np.all(np.isfinite(out)):
        out[...] = _product(G, XT)  # the rare non-finite case, term by term
    return out


def _members(step: _Step) -> list[int]:
    """The parameter indices of a layer step: each neuron's weights, then its bias."""
    rows = step.weights.tolist()
    if step.biases is not None:
        rows = [[*row, b] for row, b in zip(rows, step.biases.tolist())]
    return [i for row in rows for i in row]


def _total(x: Any) -> Any:
    """The sum of every entry of x (a float, or an array of any shape), without np.sum's
    Python wrapper: the compiled backward takes thousands of these on small arrays."""
    return x if type(x) is float else _add_reduce(x, axis=None)


_add_reduce, _any = np.add.reduce, np.logical_or.reduce


def _flow(d: Any, g: Any, step: _Step, out: Any, ins: list, moving: Any = None) -> Any:
    """d * g, lane by lane, as the engine's backward computes it.

    Nothing flows where g is 0 (the engine skips the node) or d is 0 (even against
    inf); a derivative that is infinite at a finite point (sqrt at 0: its formula
    divides by zero) is an error where something flows, as there. Otherwise IEEE.
    `moving` says where a gradient arrived, when g is a sum over lanes that may cancel.
    """
    flow = d * g
    if math.isfinite(_total(flow)) or np.all(np.isfinite(flow)):  # a finite sum: all finite
        return flow
    moving = g != 0 if moving is None else moving
    flow = np.where((d == 0) | np.logical_not(moving), 0.0, flow)
    suspect = np.broadcast_to(~np.isfinite(d) & moving, np.shape(flow))
    if np.any(suspect):  # compute those lanes again, this time stopping at a division by 0
        at = [np.broadcast_to(x, suspect.shape)[suspect] for x in ins]
        outs = np.broadcast_to(out, suspect.shape)[suspect]
        try:
            with np.errstate(divide="raise"):
                step.derivative(step.ctx, outs, *at)
        except (FloatingPointError, ZeroDivisionError):
            raise _undefined(step, at, "in the batch") from None
        for lane in range(outs.size):  # on floats, as the engine: 0 / 0 raises there too
            try:
                step.derivative(step.ctx, float(outs[lane]), *[float(a[lane]) for a in at])
            except (ArithmeticError, ValueError):
                raise _undefined(step, [a[lane : lane + 1] for a in at], "in the batch") from None
    return flow


def _check_gradient(step: _Step, i: int, flow: Any, d: Any, g: Any) -> None:
    """Under detect_anomaly(): raise if a gradient flowing to input `i` of `step` (an
    array whose last axis is the batch, or a float summed over it) is nan or inf."""
    if math.isfinite(_total(flow)):
        return
    bad = np.logical_not(np.isfinite(flow))
    at: tuple[Any, ...] = ()  # the sample's index in flow, d and g
    if bad.ndim == 0:
        where = "summed over the batch"
    else:
        lanes = bad.reshape(-1, bad.shape[-1]).any(axis=0)
        row = int(np.argmax(lanes))
        where, at = f"at sample {row} of the batch", (..., row)
        flow = np.ravel(flow[at])[np.argmax(np.logical_not(np.isfinite(np.ravel(flow[at]))))]
    parts = [f"local derivative {_at(d, at)!r}"] if d is not None and step.kind != "layer" else []
    parts.append(f"incoming gradient {_at(g, at)!r}")
    name = step.op or DOT
    what = ("the weights" if i == 0 else "the inputs") if step.kind == "layer" else f"input {i}"
    raise FloatingPointError(
        f"{name}: the gradient flowing to {what} is {float(flow)!r} "
        f"({', '.join(parts)}); {where} (compiled)"
    )


def _at(x: Any, at: tuple) -> Any:
    """x's first number at sample `at` (a float when x is the same for every sample)."""
    if not at or np.ndim(x) == 0:
        return float(np.ravel(x)[0]) if np.ndim(x) else float(x)
    return float(np.ravel(np.asarray(x)[at])[0])


def _undefined(step: _Step, inputs: list, why: Any) -> ValueError:
    """The engine's error for a derivative undefined at its inputs (their first lane)."""
    shown = ", ".join(repr(float(np.ravel(x)[0])) for x in inputs)
    return ValueError(f"{step.op or 'op'}: derivative is undefined at input {shown} ({why})")


def _product(A: np.ndarray, B: np.ndarray, backward: bool = True) -> np.ndarray:
    """A @ B as the engine sums it, where something is not finite.

    BLAS may fuse a multiply and an add (no overflow in between) where the engine
    rounds each product; and going backward, a term with a zero factor is 0, even
    against inf or nan, as nothing flows through a zero derivative.
    """
    out = A * B if A.shape[1] == 1 else A @ B  # one term each: the products alone, faster
    if math.isfinite(out.sum()) or np.all(np.isfinite(out)):  # a finite sum: all finite
        return out
    for i in range(A.shape[0]):  # the rare non-finite case: term by term, one row at a time
        terms = A[i][:, None] * B
        if backward:
            terms[(A[i][:, None] == 0) | (B == 0)] = 0.0
        out[i] = terms.sum(axis=0)
    return out


class Captured:
    """What a traced function reached from outside, to tell at each call whether it changed.

    Walked once, at the trace: the function's closure and the globals it names (for a
    callable object, the object; for a bound method, its object too), and inside them
    every model (an object with a `parameters` method), list, tuple and dict, down to
    the Values. Kept: each container, live (a model's attributes as `vars(model).values()`),
    with a snapshot of its contents. `changed()` compares them again, one tuple per
    container, in C (an element that is the same object is equal; Values equal only
    themselves): replacing `model.layers`, a layer, a neuron, a neuron's weight list or
    bias, or a closed-over Value is seen, for a cost of a few C calls per container (a
    model's modules and lists; a list of Values is not looked into, as that would be a
    look at every parameter, as costly as the step itself at width 1024), so one Value
    swapped inside a list (`neuron.w[0] = Value(...)`) is not seen. A model whose class
    counts the assignments to its attributes (`structure_version()`, as nn's Module
    does) has its attributes compared only when that count has moved since the last
    look: a wide model's thousands of neurons then cost one call, not one tuple each.
    """

    def __init__(self, fn: Callable):
        """Walk what `fn` reaches (see the class), and take the snapshot."""
        code = getattr(fn, "__code__", None)
        roots: list[Any] = [getattr(fn, "__self__", None)]
        if isinstance(code, types.CodeType):
            roots.append(_Cells(getattr(fn, "__closure__", None) or ()))
            names = getattr(fn, "__globals__", {})
            roots.append(_Named(names, [n for n in code.co_names if n in names]))
        else:  # a callable object: a model, a functools.partial
            roots.append(fn)
        self.containers: list[Any] = []
        self.models: list[Any] = []  # attributes of models that count their assignments
        self.version: Callable[[], int] | None = None
        seen: set[int] = set()
        stack = roots
        while stack:
            x = stack.pop()
            if isinstance(x, Value) or type(x) in _PLAIN or id(x) in seen:
                continue
            seen.add(id(x))
            if isinstance(x, list) and x and isinstance(x[0], (numbers.Number, Value)):
                # numbers (data, say) are constants of the trace, and a list of Values (a
                # neuron's weights) is watched as a whole by its holder: a per-call look at
                # each parameter would cost as much as the step at width 1024
                continue
            if isinstance(x, (_Cells, _Named, list)):
                self.containers.append(x)
                stack += x
            elif isinstance(x, tuple):
                stack += x
            elif isinstance(x, dict):
                self.containers.append(x.values())
                stack += x.values()
            elif callable(getattr(type(x), "parameters", None)) and hasattr(x, "__dict__"):
                version = getattr(type(x), "structure_version", None)
                if callable(version) and self.version in (None, version):
                    self.version = version
                    self.models.append(vars(x).values())
                else:
                    self.containers.append(vars(x).values())
                stack += vars(x).values()
            elif isinstance(x, types.FunctionType):  # a helper it calls: what that captured
                stack.append(_Cells(x.__closure__ or ()))
            elif isinstance(x, functools.partial):
                stack += [x.func, *x.args, *x.keywords.values()]
        self.contents = list(map(tuple, self.containers))
        self.model_contents = list(map(tuple, self.models))
        self.seen = self.version() if self.version is not None else 0

    def changed(self) -> bool:
        """Whether some container now holds other objects than at the snapshot."""
        try:
            if list(map(tuple, self.containers)) != self.contents:
                return True
            now = self.version() if self.version is not None else self.seen
            if now != self.seen:  # attributes were assigned somewhere: look at ours
                if list(map(tuple, self.models)) != self.model_contents:
                    return True
                self.seen = now
            return False
        except Exception:  # noqa: BLE001 - an object whose == gives no bool (an array): changed
            return True


class _Cells:
    """A closure's contents, read anew at each iteration (a cell can be rebound)."""

    def __init__(self, cells: tuple):
        self.cells = cells

    def __iter__(self) -> Iterator[Any]:
        return (c.cell_contents if _full(c) else None for c in self.cells)


class _Named:
    """The globals a function names, read anew at each iteration."""

    def __init__(self, names: dict[str, Any], keys: list[str]):
        self.names, self.keys = names, keys

    def __iter__(self) -> Iterator[Any]:
        return (self.names.get(k) for k in self.keys)


def _full(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018 - an empty cell (a name not yet bound) raises
    except ValueError:
        return False
    return True


_PLAIN = {str, int, float, bool, type(None)}


class Compiled:
    """A per-sample function compiled for batches: call it for a step, `.forward` to predict."""

    def __init__(self, fn: Callable, reduction: str = "mean"):
        """Compile `fn`, a function of one sample; a step reduces by `reduction`."""
        if not callable(fn):
            raise TypeError(f"compile: expected a function, got {type(fn).__name__}")
        if not isinstance(reduction, str):
            raise TypeError(
                f"compile: reduction must be 'mean' or 'sum', "
                f"got {type(reduction).__name__} {reduction!r}"
            )
        if reduction not in ("mean", "sum"):
            raise ValueError(f"compile: reduction must be 'mean' or 'sum', got {reduction!r}")
        self.fn = fn
        self.reduction = reduction
        self.programs: dict[tuple, Program] = {}
        self.captured: Captured | None = None  # what fn reached at the last trace

    def _program(self, args: tuple) -> tuple[Program, list[np.ndarray]]:
        if not args:
            raise TypeError("compile: the compiled function needs at least one batched argument")
        arrays = []
        for i, a in enumerate(args):
            if a is None or isinstance(a, (str, bytes)):
                raise TypeError(
                    f"compile: argument {i} must be a numeric batch, "
                    f"got {type(a).__name__} {short(a)}"
                )
            try:
                x = np.asarray(a)
                if x.dtype.kind not in "biuf" and not (  # real numbers only, as Value takes
                    x.dtype.kind == "O" and all(isinstance(v, numbers.Real) for v in x.flat)
                ):
                    raise TypeError(f"its entries are {x.dtype} (real numbers only)")
                x = x.astype(float)
            except (TypeError, ValueError) as error:
                raise TypeError(
                    f"compile: argument {i} must be a numeric batch, "
                    f"got {type(a).__name__} {short(a)} ({error})"
                ) from None
            if x.ndim not in (1, 2) or 0 in x.shape:
                raise ValueError(
                    f"compile: argument {i} must be a non-empty 1-D or 2-D batch, "
                    f"got shape {x.shape}"
                )
            arrays.append(x)
        if len({a.shape[0] for a in arrays}) > 1:
            raise ValueError(f"compile: batch sizes differ: {[a.shape[0] for a in arrays]}")
        shapes = tuple(None if a.ndim == 1 else a.shape[1] for a in arrays)
        if self.captured is not None and self.captured.changed():
            self.programs = {}  # something it captured was rebound: trace again (as jax.jit)
        if shapes not in self.programs:  # trace once per shape of the arguments
            self.programs[shapes] = Program(self.fn, shapes, [a[0] for a in arrays])
            self.captured = Captured(self.fn)
        return self.programs[shapes], arrays

    def __call__(self, *batched_args: Any) -> float:
        """The reduced loss over the batch; adds d(loss)/d(parameter) into each `.grad`."""
        program, arrays = self._program(batched_args)
        if not program.single:
            raise TypeError(
                "compile: a training step needs a function returning one Value, "
                f"got a {program.returned}"
            )
        per_sample, backward = self._vjp(program, arrays)
        scale = 1.0 / per_sample.shape[0] if self.reduction == "mean" else 1.0
        backward(np.full(per_sample.shape, scale))
        return float(per_sample.sum() * scale)

    def vjp(self, *batched_args: Any) -> tuple[np.ndarray, Callable[[Any], None]]:
        """Per-sample outputs (as `forward`), and a function that pulls a gradient back.

        Given d(loss)/d(outputs), an array of the outputs' shape, the function adds
        d(loss)/d(parameter) into every captured parameter's `.grad`, as `backward()`
        would through the eager graph of the whole batch. So a loss that couples the
        samples (a root mean square, say) can be computed eagerly on the outputs.
        """
        return self._vjp(*self._program(batched_args))

    def _vjp(
        self, program: Program, arrays: list[np.ndarray]
    ) -> tuple[np.ndarray, Callable[[Any], None]]:
        with np.errstate(all="ignore"):  # nan, inf and overflow follow IEEE, as in the engine
            run = program.forward(arrays)
        anomaly = is_anomaly_enabled()  # read at the call, as eager ops read it
        found = program.first_nonfinite(run) if anomaly else None
        if found is not None:
            row, what = found
            eager = self._eager_anomaly([a[row] for a in arrays])  # the same, with the line
            raise FloatingPointError(f"{eager or what}; at sample {row} of the batch (compiled)")
        columns = [np.broadcast_to(run.vals[s], run.batch) for s in program.outputs]
        outputs = columns[0].copy() if program.single else np.stack(columns, axis=1)

        def backward(cotangents: Any) -> None:
            seeds = np.asarray(cotangents, dtype=float)
            if seeds.shape != outputs.shape:
                raise ValueError(
                    f"compile: the gradient has shape {seeds.shape}, the outputs {outputs.shape}"
                )
            per_output = [seeds] if program.single else list(seeds.T)
            with np.errstate(all="ignore"):
                found = program.backward(run, per_output, anomaly)
                found.commit()

        return outputs, backward

    def _eager_anomaly(self, sample: list[np.ndarray]) -> str | None:
        """detect_anomaly()'s report on one sample, run eagerly: it names the line of code."""
        values = [Value(float(x)) if x.ndim == 0 else [Value(float(v)) for v in x] for x in sample]
        try:
            with no_grad(), detect_anomaly():
                self.fn(*values)
        except FloatingPointError as error:
            return str(error)
        except Exception:  # noqa: BLE001 - the compiled report stands; this only adds the line
            return None
        return None

    def forward(self, *batched_args: Any) -> np.ndarray:
        """Per-sample outputs, no gradients: shape (B,), or (B, k) when fn returns k Values."""
        return self.vjp(*batched_args)[0]

    def to_torch(self, *example_args: Any, parameters: Any = None) -> Any:
        """This step as a torch.nn.Module: see autograd.export.to_torch."""
        from autograd.export import to_torch

        return to_torch(self, *example_args, parameters=parameters)


def compile(fn: Callable, reduction: str = "mean") -> Compiled:  # noqa: A001 - as torch.compile
    """Compile per-sample `fn` (Values in, a Value out) into a batched numpy step."""
    return Compiled(fn, reduction)

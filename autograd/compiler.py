"""autograd.compile: trace a per-sample function once, replay it over a batch with numpy.

A scalar engine rebuilds the same graph for every sample of every step. Here
the graph of one sample is recorded once (as torch.jit.trace records a
function) and turned into a flat program: one numpy operation per node, each
working on an array with one lane per sample (the idea of jax.vmap). The
forward values and the local derivatives are the engine's own: most
derivative functions are plain arithmetic and run on arrays unchanged; the few
with a branch inside (relu, abs, leaky_relu) or a math call (sin, cos, pow,
logsumexp) have a numpy twin here.

Two rewrites make it fast: the dot nodes of a layer (same inputs, one neuron
each) become a single matrix product, and the same element-wise op applied to
every row of such a block (the layer's activation) becomes one call.

Python control flow that depends on `.data` is frozen at trace time (the
first sample takes the branch for every sample); branches inside an op, as in
relu, are vectorised correctly.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd import engine as E
from autograd.arguments import short
from autograd.engine import Value, topological_order
from autograd.mode import tracing
from autograd.ops import Primitive, _d_primitive, _np_sigmoid


def _check(bad: Any, op: str, what: str, x: Any, error: type = ValueError) -> None:
    """The engine's domain errors, for a whole batch: name the first offending value."""
    if np.any(bad):
        first = float(np.broadcast_to(x, np.shape(bad))[np.asarray(bad)][0])
        raise error(f"{op}: {what}, got {first!r} in the batch")


# As in the engine, only a finite input outside an op's domain is an error: nan and
# inf data, and overflow, follow IEEE (numpy's warnings about them are silenced).
def _negative(x: Any) -> Any:
    return (x < 0) & (x > -np.inf)


# numpy computes x ** 0.5 as sqrt(x) for some exponents and not others; at -inf the
# engine has PyTorch's nan for a constant exponent of +-0.5, and C's pow for a Value one.
def _pow_by_constant(x: Any, y: Any) -> Any:
    return np.where((x == -np.inf) & (np.abs(y) == 0.5), np.nan, x**y)


def _pow_by_value(x: Any, y: Any) -> Any:
    at = (x == -np.inf) & (np.abs(y) == 0.5)
    return np.where(at, np.where(y > 0, np.inf, 0.0), x**y)


def _pow_const(n, x):
    if np.isfinite(n) and not float(n).is_integer():
        _check(_negative(x), "pow", "negative base with a non-integer exponent", x)
    if n < 0:
        _check(x == 0, "pow", "0.0 raised to a negative power", x, ZeroDivisionError)
    return _pow_by_constant(x, n)


def _pow(n, x, y):
    _check(_negative(x), "pow", "the base must be non-negative when the exponent is a Value", x)
    _check((x == 0) & (y < 0), "pow", "0.0 raised to a negative power", y, ZeroDivisionError)
    return _pow_by_value(x, y)


def _log(n, x):
    _check(_negative(x) | (x == 0), "log", "input must be positive", x)
    return np.log(x)


def _sqrt(n, x):
    _check(_negative(x), "sqrt", "input must be non-negative", x)
    return np.sqrt(x)


def _div(n, a, b):
    _check(b == 0, "division", "division by zero", b, ZeroDivisionError)
    return a / b


def _logsumexp(n, *xs):
    top = functools.reduce(np.maximum, xs)  # pairwise: lanes and lane-independent values mix
    finite = np.isfinite(top)  # inf, all -inf or a nan: the answer is top itself
    shift = np.where(finite, top, 0.0)
    return np.where(finite, shift + np.log(sum(np.exp(x - shift) for x in xs)), top)


def _d_pow(n, out, x, y):  # the engine's rule, lane by lane
    at_zero = x == 0
    dx = np.where(y == 0, 0.0, y * _pow_by_value(x, np.where(y == 0, 1.0, y - 1.0)))
    log = np.where(at_zero, -np.inf, np.log(np.where(at_zero, 1.0, x)))  # no division by 0
    return dx, np.where(at_zero & (y >= 0), 0.0, out * log)


def _sum(n, *xs):
    return sum(xs)


def _dot(n, *args):
    data = sum(w * x for w, x in zip(args[:n], args[n : 2 * n]))
    return data + args[2 * n] if len(args) > 2 * n else data


# The forward of each op on arrays, keyed by the engine's derivative function
# (which identifies the op); and the numpy twins of derivatives that branch.
FORWARD: dict[Callable, Callable] = {
    E._d_add: lambda n, a, b: a + b,
    E._d_sub: lambda n, a, b: a - b,
    E._d_mul: lambda n, a, b: a * b,
    E._d_div: _div,
    E._d_pow_const: _pow_const,
    E._d_pow: _pow,
    E._d_neg: lambda n, x: -x,
    E._d_abs: lambda n, x: np.abs(x),
    E._d_exp: lambda n, x: np.exp(x),
    E._d_log: _log,
    E._d_sqrt: _sqrt,
    E._d_tanh: lambda n, x: np.tanh(x),
    E._d_sigmoid: lambda n, x: _np_sigmoid(x),  # the engine's two branches, lane by lane
    E._d_relu: lambda n, x: np.where(x <= 0, 0.0, x),
    E._d_leaky_relu: lambda slope, x: np.where(x > 0, x, slope * x),
    E._d_sin: lambda n, x: np.sin(x),
    E._d_cos: lambda n, x: np.cos(x),
    E._d_sum: _sum,
    E._d_dot: _dot,
    E._d_logsumexp: _logsumexp,
}
DERIVATIVE: dict[Callable, Callable] = {
    E._d_abs: lambda n, out, x: (np.where(np.isnan(x), 0.0, np.sign(x)),),  # 0 at nan
    E._d_relu: lambda n, out, x: (np.where(x <= 0, 0.0, 1.0),),
    E._d_pow_const: lambda n, out, x: (n * _pow_by_constant(x, n - 1.0) if n else 0.0,),
    E._d_leaky_relu: lambda slope, out, x: (np.where(x > 0, 1.0, slope),),
    E._d_sin: lambda n, out, x: (np.cos(x),),
    E._d_cos: lambda n, out, x: (-np.sin(x),),
    E._d_pow: _d_pow,
    E._d_logsumexp: lambda n, out, *xs: tuple(np.exp(x - out) for x in xs),
}


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
    name: str = ""  # the op, for error messages


@dataclass
class _Run:
    """One call's values: a program is shared by every call (and thread), its runs are not."""

    vals: list  # slot -> array (B,), or a float for lane-independent slots
    mats: dict[int, np.ndarray]  # block id -> (rows, B) matrix
    theta: np.ndarray  # the parameters' data, as one vector
    batch: tuple[int]  # (B,)


class Program:
    """A traced graph as a flat list of steps over slots (arrays) and blocks (matrices)."""

    def __init__(self, fn: Callable, shapes: tuple[int | None, ...], first: list[np.ndarray]):
        with tracing():  # the trace needs the graph, whatever the mode, and no anomaly checks
            placeholders = [
                Value(float(a)) if n is None else [Value(float(v)) for v in a]
                for n, a in zip(shapes, first)
            ]
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
        for n, ph in zip(shapes, placeholders):
            if n is None:
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
        self.params: list[Value] = []
        for node in [*order, *outputs]:
            for leaf in node.parents if node.parents else (node,):
                if not leaf.parents and id(leaf) not in slot:
                    self._new(slot, leaf)
                    self.params.append(leaf)
        nodes = []
        for node in order:
            if node._deriv is _d_primitive:
                fwd, der = _primitive_rules(node._ctx)
            elif node._deriv in FORWARD:
                fwd, der = FORWARD[node._deriv], DERIVATIVE.get(node._deriv, node._deriv)
            else:
                raise TypeError(f"compile: op {node.op!r} has no vectorised rule")
            nodes.append((node, fwd, der, self._new(slot, node)))
        self.n_slots = len(slot)
        self.outputs = [slot[id(v)] for v in outputs]
        # Slots that no input reaches (parameters, constants, an L2 penalty) hold the
        # same value in every lane: they stay scalars, and their gradients are summed.
        self.uniform = set(range(self.n_inputs, self.n_inputs + len(self.params)))
        for node, _, _, out in nodes:
            if all(slot[id(p)] in self.uniform for p in node.parents):
                self.uniform.add(out)
        self.blocks: dict[int, tuple[int, ...]] = {}  # block id -> its row slots
        self.row_of: dict[int, tuple[int, int]] = {}  # slot -> (block id, row)
        for rows in self.input_slots:
            if isinstance(rows, list):
                self._block(tuple(rows))
        self.steps = self._schedule(nodes, slot)

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
            n, ins = node._ctx, ins_of[out]
            if (
                node._deriv is E._d_dot
                and n > 0
                and out not in self.uniform  # per-sample lanes, with parameters as weights
                and all(self._is_param(s) for s in ins[:n] + ins[2 * n :])
            ):
                layers.setdefault((ins[n : 2 * n], len(ins) > 2 * n), []).append(out)
        steps: list[_Step] = []
        done: set[int] = set()
        unfusable: set[tuple] = set()  # (op, ctx, block) already found not to cover a block
        for k, (node, fwd, der, out) in enumerate(nodes):
            if out in done:
                continue
            ins, n = ins_of[out], node._ctx
            key = (ins[n : 2 * n], len(ins) > 2 * n) if node._deriv is E._d_dot else None
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
            mkey = (node._deriv, node._ctx, self.row_of.get(ins[0], (-1,))[0]) if ins else None
            if len(ins) == 1 and ins[0] in self.row_of and mkey not in unfusable:
                bid = self.row_of[ins[0]][0]  # the same op on every row of a block?
                members = [
                    o
                    for other, _, _, o in nodes[k:]
                    if other._deriv is node._deriv
                    and other._ctx == node._ctx
                    and len(ins_of[o]) == 1
                    and self.row_of.get(ins_of[o][0], (-1,))[0] == bid
                ]
                if tuple(ins_of[o][0] for o in members) == self.blocks[bid]:
                    new = self._block(tuple(members))
                    steps.append(
                        _Step("map", fwd, der, node._ctx, (), new, in_block=bid, name=node.op)
                    )
                    done.update(members)
                    continue
                unfusable.add(mkey)
            steps.append(_Step("node", fwd, der, node._ctx, ins, out, name=node.op))
            done.add(out)
        return steps

    # ---- running ---------------------------------------------------------------

    def _load(self, arrays: list[np.ndarray]) -> _Run:
        run = _Run([None] * self.n_slots, {}, np.empty(0), arrays[0].shape[:1])
        for rows, a in zip(self.input_slots, arrays):
            if isinstance(rows, list):
                self._store(self.row_of[rows[0]][0], np.ascontiguousarray(a.T), run)
            else:
                run.vals[rows] = a
        data = [p.data for p in self.params]
        run.vals[self.n_inputs : self.n_inputs + len(data)] = data
        run.theta = np.array(data)  # the same, as one vector for the layers' matrices
        return run

    def _block_of(self, slots: Sequence[int]) -> int | None:
        """The block whose rows are exactly `slots`, in order, if there is one."""
        first = self.row_of.get(slots[0])
        if first is not None and first[1] == 0 and self.blocks[first[0]] == tuple(slots):
            return first[0]
        return None

    def _matrix(self, slots: Sequence[int], run: _Run) -> np.ndarray:
        """The values of `slots` as rows of a matrix, without copying when they are a block."""
        bid = self._block_of(slots)
        if bid is not None:
            return run.mats[bid]
        return np.stack([np.broadcast_to(run.vals[s], run.batch) for s in slots])

    def forward(self, arrays: list[np.ndarray]) -> _Run:
        run = self._load(arrays)
        vals = run.vals
        for step in self.steps:
            if step.kind == "node":
                vals[step.out] = step.forward(step.ctx, *[vals[s] for s in step.ins])
            elif step.kind == "layer":
                out = _product(run.theta[step.weights], self._matrix(step.ins, run), False)
                if step.biases is not None:
                    out += run.theta[step.biases][:, None]
                self._store(step.out, out, run)
            else:
                self._store(step.out, step.forward(step.ctx, run.mats[step.in_block]), run)
        return run

    def _store(self, bid: int, block: np.ndarray, run: _Run) -> None:
        run.mats[bid] = block
        for r, s in enumerate(self.blocks[bid]):
            run.vals[s] = block[r]

    def backward(self, run: _Run, seeds: list[np.ndarray]) -> list[float]:
        """d(sum of seeds * outputs) / d(each captured parameter)."""
        vals, mats = run.vals, run.mats
        grads: list[Any] = [None] * self.n_slots
        gmats: dict[int, np.ndarray] = {}

        def add_block(bid: int, G: np.ndarray) -> None:
            if bid in gmats:
                gmats[bid] += G
            else:
                gmats[bid] = G.copy()

        totals = [0.0] * len(self.params)  # from single nodes
        # A lane-independent node's gradient is summed over the batch; whether any lane
        # sent a nonzero one is kept beside it, so a sum that cancels to 0 still flows.
        flowing: dict[int, bool] = {}
        layer_totals = np.zeros(len(self.params))  # from layers' matrix products

        def add(s: int, g: Any) -> None:
            if s < self.n_inputs:
                return  # inputs are data: no gradient wanted
            if self._is_param(s):  # a leaf: sum over the batch right away
                totals[s - self.n_inputs] += g if type(g) is float else float(np.sum(g))
            elif s in self.row_of:
                bid, r = self.row_of[s]
                if bid not in gmats:
                    gmats[bid] = np.zeros((len(self.blocks[bid]), *run.batch))
                gmats[bid][r] += g
            elif s in self.uniform:
                grads[s] = float(np.sum(g)) + (grads[s] or 0.0)
                moving = g != 0 if type(g) is float else bool(np.any(g != 0))
                flowing[s] = flowing.get(s, False) or moving
            elif grads[s] is None:
                grads[s] = np.array(np.broadcast_to(g, run.batch))
            else:
                grads[s] += g

        def grad_of(s: int) -> Any:
            if s in self.row_of:
                bid, r = self.row_of[s]
                return gmats[bid][r] if bid in gmats else None
            return grads[s]

        for s, seed in zip(self.outputs, seeds):
            add(s, seed)
        for step in reversed(self.steps):
            if step.kind == "node":
                g = grad_of(step.out)
                if g is None:
                    continue
                ins = [vals[s] for s in step.ins]
                local = step.derivative(step.ctx, vals[step.out], *ins)
                moving = flowing.get(step.out, False) if step.out in self.uniform else None
                for s, d in zip(step.ins, local):
                    add(s, _flow(d, g, step, vals[step.out], ins, moving))
            elif step.kind == "layer":
                G = gmats.get(step.out)
                if G is None:
                    continue
                X = self._matrix(step.ins, run)
                if any(s >= self.n_inputs for s in step.ins):
                    dX = _product(run.theta[step.weights].T, G)
                    bid = self._block_of(step.ins)
                    if bid is not None:
                        add_block(bid, dX)
                    else:
                        for s, row in zip(step.ins, dX):
                            add(s, row)
                np.add.at(layer_totals, step.weights, _product(G, X.T))  # a weight may repeat
                if step.biases is not None:
                    np.add.at(layer_totals, step.biases, G.sum(axis=1))
            else:
                G = gmats.get(step.out)
                if G is None:
                    continue
                (local,) = step.derivative(step.ctx, mats[step.out], mats[step.in_block])
                ins = [mats[step.in_block]]
                add_block(step.in_block, _flow(local, G, step, mats[step.out], ins))
        return [a + b for a, b in zip(totals, layer_totals.tolist())]


def _flow(d: Any, g: Any, step: _Step, out: Any, ins: list, moving: Any = None) -> Any:
    """d * g, lane by lane, as the engine's backward computes it.

    Nothing flows where g is 0 (the engine skips the node) or d is 0 (even against
    inf); a derivative that is infinite at a finite point (sqrt at 0: its formula
    divides by zero) is an error where something flows, as there. Otherwise IEEE.
    `moving` says where a gradient arrived, when g is a sum over lanes that may cancel.
    """
    flow = d * g
    if np.all(np.isfinite(flow)):
        return flow
    moving = g != 0 if moving is None else moving
    flow = np.where((d == 0) | np.logical_not(moving), 0.0, flow)
    suspect = np.broadcast_to(~np.isfinite(d) & moving, np.shape(flow))
    if np.any(suspect):  # compute those lanes again, this time stopping at a division by 0
        at = [np.broadcast_to(x, suspect.shape)[suspect] for x in ins]
        try:
            with np.errstate(divide="raise"):
                step.derivative(step.ctx, np.broadcast_to(out, suspect.shape)[suspect], *at)
        except (FloatingPointError, ZeroDivisionError):
            name = step.name or "op"
            raise ValueError(
                f"{name}: derivative is undefined at input "
                f"{', '.join(repr(float(x[0])) for x in at)} (in the batch)"
            ) from None
    return flow


def _product(A: np.ndarray, B: np.ndarray, backward: bool = True) -> np.ndarray:
    """A @ B as the engine sums it, where something is not finite.

    BLAS may fuse a multiply and an add (no overflow in between) where the engine
    rounds each product; and going backward, a term with a zero factor is 0, even
    against inf or nan, as nothing flows through a zero derivative.
    """
    out = A @ B
    if np.all(np.isfinite(out)):
        return out
    for i in range(A.shape[0]):  # the rare non-finite case: term by term, one row at a time
        terms = A[i][:, None] * B
        if backward:
            terms[(A[i][:, None] == 0) | (B == 0)] = 0.0
        out[i] = terms.sum(axis=0)
    return out


def _primitive_rules(op: Primitive) -> tuple[Callable, Callable]:
    if op.numpy_fn is None or op.numpy_partials is None:
        raise TypeError(
            f"compile: primitive {op.name!r} has no vectorised rule; give primitive(..., "
            "numpy_fn=..., numpy_partials=...) to compile it"
        )
    return (
        lambda ctx, *xs: op.numpy_fn(*xs),
        lambda ctx, out, *xs: tuple(p(*xs) for p in op.numpy_partials),
    )


class Compiled:
    """A per-sample function compiled for batches: call it for a step, `.forward` to predict."""

    def __init__(self, fn: Callable, reduction: str = "mean"):
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
                x = np.asarray(a, dtype=float)
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
        if shapes not in self.programs:  # trace once per shape of the arguments
            self.programs[shapes] = Program(self.fn, shapes, [a[0] for a in arrays])
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
                grads = program.backward(run, per_output)
            for p, g in zip(program.params, grads):
                if p.grad is not None:
                    p.grad = p.grad + g
                elif g != 0:  # unreached, as eager leaves it: None stays None
                    p.grad = g

        return outputs, backward

    def forward(self, *batched_args: Any) -> np.ndarray:
        """Per-sample outputs, no gradients: shape (B,), or (B, k) when fn returns k Values."""
        return self.vjp(*batched_args)[0]


def compile(fn: Callable, reduction: str = "mean") -> Compiled:  # noqa: A001 - as torch.compile
    """Compile per-sample `fn` (Values in, a Value out) into a batched numpy step."""
    return Compiled(fn, reduction)

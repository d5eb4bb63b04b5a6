"""Derivative rules of your own, and recomputation: custom_jvp, custom_vjp, checkpoint.

Each turns a function into an `Op` made for it, so the rest of the engine treats it
as any op: backward, the transforms (forward and reverse mode, at every order),
gradcheck and drawings read its local derivatives from the node.

- custom_jvp(f), then f.defjvp(rule): rule(primals, tangents) returns
  (f(*primals), the tangent of the output), as jax.custom_jvp.
- custom_vjp(f), then f.defvjp(fwd, bwd): fwd(*args) returns (output, residuals),
  the values bwd needs (as torch.autograd.Function's ctx.save_for_backward);
  bwd(residuals, g) returns one cotangent per argument, as jax.custom_vjp. It
  must be linear in g (a vector-Jacobian product, as JAX asks): the engine calls
  it with g = 1 for the local derivatives and multiplies, so a bwd that clips g
  (a trick some JAX code plays) does not clip here.
- checkpoint(f): f's graph is not kept; backward runs f again to differentiate it,
  trading time for memory, as torch.utils.checkpoint.

A rule written with operators and `autograd.ops` works on Values too, so its own
derivatives follow: the local derivatives of the node are the rule evaluated on
the node's inputs (on Values when a gradient is itself differentiated).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from autograd.arguments import function, real, short
from autograd.engine import (
    Op,
    Value,
    backpropagate,
    captured,
    tick,
    topological_order,
)
from autograd.engine import sum as value_sum
from autograd.mode import births, enable_grad, is_grad_enabled, no_grad
from autograd.ops import apply


class _Custom:
    """A function with a rule of its own: called with numbers, a number; with Values, a node."""

    kind = ""
    op: Op | None = None

    def __init__(self, f: Callable) -> None:
        self.f = function(f, self.kind)
        functools.update_wrapper(self, f)
        self.name = getattr(f, "__name__", self.kind)

    def __call__(self, *args: Any) -> Any:
        if self.op is None:  # no rule yet: f itself, as JAX does
            return self.f(*args)
        return apply(self.op, args, self.new_ctx())

    def new_ctx(self) -> Any:
        """The constant a new node of this rule's op holds (custom_vjp: a place for residuals)."""
        return None


def _number(out: Any, where: str) -> float:
    if isinstance(out, Value):
        out = out.data
    return real(out, where)


def _plain(out: Any, name: str, kind: str) -> float:
    """f's output for numbers: a number. A Value means f used one from outside, whose
    gradient the rule cannot give: an error, rather than a silent zero."""
    if isinstance(out, Value):
        raise TypeError(
            f"{name}: a {kind} function must not use Values from outside (it returned a "
            "Value for numbers): pass them as arguments"
        )
    return real(out, f"{name}: output")


class custom_jvp(_Custom):  # noqa: N801 - as jax.custom_jvp
    """f with a forward-mode rule of your own: `f.defjvp(rule)` (see the module docstring)."""

    kind = "custom_jvp"

    def defjvp(self, rule: Callable) -> Callable:
        """Give f its forward-mode rule: rule(primals, tangents) -> (out, tangent)."""
        rule = function(rule, "custom_jvp: defjvp")
        name, f = self.name, self.f

        def forward(ctx: Any, *xs: float) -> float:
            return _plain(f(*xs), name, "custom_jvp")

        def derivatives(ctx: Any, out: Any, *xs: Any) -> tuple:
            # the tangent is linear in the tangents: the i-th unit tangent gives d out/d x_i
            units = [[float(i == j) for j in range(len(xs))] for i in range(len(xs))]
            return tuple(_pair(rule(tuple(xs), tuple(u)), name, "defjvp's rule")[1] for u in units)

        self.op = Op(name, forward, derivatives, vectorized=False)
        return rule


class custom_vjp(_Custom):  # noqa: N801 - as jax.custom_vjp
    """f with a reverse-mode rule of your own: `f.defvjp(fwd, bwd)` (see the module docstring)."""

    kind = "custom_vjp"

    def defvjp(self, fwd: Callable, bwd: Callable) -> None:
        """Give f its rule: fwd(*xs) -> (out, residuals), bwd(residuals, g) -> cotangents."""
        fwd, bwd = function(fwd, "custom_vjp: defvjp fwd"), function(bwd, "custom_vjp: defvjp bwd")
        name = self.name

        def forward(saved: dict, *xs: float) -> float:
            out, saved["residuals"] = _pair(fwd(*xs), name, "fwd")
            return _plain(out, name, "custom_vjp")

        def derivatives(saved: dict, out: Any, *xs: Any) -> tuple:
            # the cotangent of a scalar output is linear in g: g = 1 gives d out/d x_i. On
            # Values (a gradient differentiated again) the residuals are recomputed from them.
            on_values = any(isinstance(x, Value) for x in xs)
            residuals = _pair(fwd(*xs), name, "fwd")[1] if on_values else saved["residuals"]
            cotangents = bwd(residuals, 1.0)
            if not isinstance(cotangents, (tuple, list)) or len(cotangents) != len(xs):
                raise TypeError(
                    f"{name}: bwd must return a tuple of {len(xs)} cotangent(s), one per "
                    f"argument, got {short(cotangents)}"
                )
            for i, c in enumerate(cotangents):
                if not isinstance(c, Value):
                    real(c, f"{name}: bwd's cotangent {i}")
            return tuple(cotangents)

        self.op = Op(name, forward, derivatives, vectorized=False)

    def new_ctx(self) -> Any:
        """A new node's own dict, where fwd's residuals are kept for bwd."""
        return {}  # the node's own place for fwd's residuals


def _pair(result: Any, name: str, what: str) -> tuple:
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise TypeError(f"{name}: {what} must return a pair, got {short(result)}")
    return tuple(result)


def checkpoint(f: Callable) -> Callable:
    """f, recomputed during backward instead of kept: its graph is dropped once f returns.

    The result is one node whose parents are f's arguments and the Values made
    outside that f used (a model's parameters, say, or a node it closed over);
    backward runs f again, on a graph that lives only while that node's local
    derivatives are taken. Memory for a chain of checkpointed blocks is one
    block's graph, not the chain's. f must return a scalar and compute the same
    function each time it runs.
    """
    f = function(f, "checkpoint")
    name = f"checkpoint({getattr(f, '__name__', 'f')})"

    def checkpointed(*args: Any) -> Any:
        if not is_grad_enabled():
            return f(*args)
        with births():  # one run with a graph, its nodes stamped, to find what f captured
            moment = tick()
            points = [Value(_number(a, f"{name}: argument")) for a in args]
            out = f(*points)
            if not isinstance(out, Value):
                return _number(out, f"{name}: f must return a Value or a number; output")
            outside = [v for v in captured(out, moment) if v not in points]
            data = out.data
        del out  # f's graph goes here
        saved = {"n": len(args), "captured": outside, "data": data}
        parents = tuple(a if isinstance(a, Value) else Value(real(a, name)) for a in args)
        if not parents and not outside:
            return Value(data)  # f of nothing: a constant
        return _checkpoint_op(f, name).node((*parents, *outside), saved)

    return checkpointed


def _checkpoint_op(f: Callable, name: str) -> Op:
    def forward(saved: dict, *xs: float) -> float:
        if "data" in saved:  # the first run's value
            return saved.pop("data")
        with no_grad():
            return _number(f(*xs[: saved["n"]]), f"{name}: output")

    def derivatives(saved: dict, out: Any, *xs: Any) -> tuple:
        n, outside = saved["n"], saved["captured"]
        on_values = any(isinstance(x, Value) for x in xs)
        with enable_grad():
            # the arguments as nodes of their own, so that the gradient stops at them
            points = [value_sum([x]) if isinstance(x, Value) else Value(x) for x in xs[:n]]
            result = f(*points)
            if not isinstance(result, Value):
                return (0.0,) * len(xs)
            # the gradient stops at the arguments and at the Values from outside: the
            # outer backward carries it on from there (and runs their hooks, once)
            stop = {*points, *outside}
            order = [v for v in topological_order(result) if v not in stop]
            inner, reached = backpropagate(result, 1.0, on_values, order, hooks=False)
            grads = {**dict(zip(order, inner)), **reached}
        return tuple(grads.get(p, 0.0) for p in points) + tuple(grads.get(v, 0.0) for v in outside)

    return Op(name, forward, derivatives, vectorized=False)

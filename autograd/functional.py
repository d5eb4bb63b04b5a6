"""Function transforms, as in JAX: grad, value_and_grad, jacobian (jacrev), jacfwd, jvp,
vjp, linearize, hessian, hvp.

Reverse mode (grad, vjp, jacrev) walks the graph f recorded from its output back
(`backpropagate`); forward mode (jvp, jacfwd, linearize) walks it from the inputs
on, carrying tangents (`push_tangents`). Both read each op's one set of local
derivatives, so they compose in any nesting: hessian is jacfwd of grad, and hvp
is jvp of grad (forward over reverse).

Each takes a function of scalars and returns a new function. Called with
numbers, and touching no Value made outside, they return numbers. When any
Value made outside takes part (an argument, a Value the function captured, a
model's parameter, an outer transform's variable), they return Values
connected to it, differentiated with `create_graph=True`: so `grad(grad(f))`
is the second derivative, and `grad(lambda x: x * grad(lambda y: x * y)(2.0))`
sees the inner result depend on `x` (no perturbation confusion).

Gradients are collected in a mapping of their own (`backpropagate`), never in
`.grad`: every `.grad` stays as it was. A transform computes its gradients
even inside `no_grad()`, as `torch.func.grad` does; there it returns numbers, or
Values without a graph.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from autograd.arguments import function, real, short
from autograd.collector import gc_paused
from autograd.engine import (
    Value,
    backpropagate,
    captures,
    push_tangents,
    tick,
    topological_order,
)
from autograd.engine import sum as value_sum
from autograd.mode import enable_grad, is_grad_enabled

Argnums = int | Sequence[int] | None


def _positions(argnums: Argnums, nargs: int, where: str) -> tuple[int, ...]:
    if argnums is None:
        return tuple(range(nargs))
    picked = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for i in picked:
        if isinstance(i, bool) or not isinstance(i, int):
            raise TypeError(f"{where}: argnums must be ints, got {type(i).__name__} {i!r}")
        if not -nargs <= i < nargs:
            raise ValueError(f"{where}: argnums {i} is out of range for {nargs} argument(s)")
    return tuple(i % nargs for i in picked)


class _Trace:
    """One call of a transform: f's output, the Values it differentiates by, and how to answer.

    `linked`: some Value made before the call takes part, so the answer is a Value;
    `nested`: and the caller records graphs, so the answer keeps its graph (create_graph).
    """

    def __init__(
        self,
        f: Callable,
        args: tuple,
        argnums: Argnums,
        where: str,
        recording: bool,
        has_aux: bool = False,
        links: Sequence[Any] = (),
    ):
        self.where = where
        positions = _positions(argnums, len(args), where)
        moment = tick()  # every leaf made from here on belongs to this call
        call_args = list(args)
        for i in positions:
            if isinstance(args[i], Value):
                # A node of its own: differentiate by this argument, not by every use of
                # the Value passed (grad(lambda y: x * y)(x) is x, not 2x).
                call_args[i] = value_sum([args[i]])
            else:
                call_args[i] = Value(real(args[i], f"{where}: argument {i}"))
        self.wrt = [call_args[i] for i in positions]
        self.out = f(*call_args)
        if has_aux:
            if not (isinstance(self.out, tuple) and len(self.out) == 2):
                raise TypeError(
                    f"{where}: with has_aux=True, f must return a pair (output, aux), "
                    f"got {type(self.out).__name__} {short(self.out)}"
                )
            self.out, self.aux = self.out
        outs = self.out if isinstance(self.out, (list, tuple)) else [self.out]
        for y in outs:
            if not isinstance(y, Value):
                real(y, f"{where}: f must return a Value or a number, and it returned")
        self.outputs = [y for y in outs if isinstance(y, Value)]
        aux = _values_in(self.aux) if has_aux else []
        self.order = topological_order(*self.outputs, *aux) if self.outputs or aux else []
        self.linked = any(isinstance(x, Value) for x in links) or captures(
            [*self.outputs, *aux], moment, self.order
        )
        self.nested = self.linked and recording
        self.cache: dict[Value, tuple] = {}  # local derivatives, for repeated forward passes
        self.orders: dict[int, list[Value]] = {}  # each output's own order, when asked for

    def derivatives(self, out: Any) -> list[Any]:
        """d(out)/d(v) for each v in wrt; no `.grad` is touched."""
        return [self.answer(g) for g in self.pullback(out, 1.0)]

    def pullback(self, out: Any, cotangent: Any) -> list[Any]:
        """Reverse mode: cotangent * d(out)/d(v) for each v in wrt, as they come."""
        if not isinstance(out, Value):  # a number; a list is not a scalar output
            real(out, f"{self.where}: f must return a Value or a number, and it returned")
            return [0.0] * len(self.wrt)
        if id(out) not in self.orders:
            self.orders[id(out)] = topological_order(out)
        order = self.orders[id(out)]
        inner, leaves = backpropagate(out, cotangent, self.nested, order)
        grads = {**dict(zip(order, inner)), **leaves}  # wrt holds leaves and inner nodes
        return [grads.get(v, 0.0) for v in self.wrt]

    def pullback_all(self, cotangents: dict[Value, Any]) -> list[Any]:
        """Reverse mode from every output at once: sum of c * d(y)/d(v) for each v in wrt."""
        inner, leaves = backpropagate(
            self.outputs[0], 0.0, self.nested, self.order, seeds=cotangents
        )
        grads = {**dict(zip(self.order, inner)), **leaves}
        return [grads.get(v, 0.0) for v in self.wrt]

    def push(self, tangents: Sequence[Any]) -> Any:
        """Forward mode: the tangent of f's output(s) for these tangents of wrt, answered."""
        seeds = {v: t for v, t in zip(self.wrt, tangents) if isinstance(t, Value) or t != 0}
        cache = None if self.nested else self.cache  # a graph of Values is made afresh
        tangent = push_tangents(self.order, seeds, self.nested, cache)
        linked = self.linked or any(isinstance(t, Value) for t in tangents)
        return self.shaped(lambda y: tangent.get(y, 0.0) if isinstance(y, Value) else 0.0, linked)

    def shaped(self, each: Callable[[Any], Any], linked: bool | None = None) -> Any:
        """each(y), answered, for f's output, or for each of its outputs (list or tuple)."""
        if isinstance(self.out, (list, tuple)):
            return type(self.out)(self.answer(each(y), linked) for y in self.out)
        return self.answer(each(self.out), linked)

    def answer_aux(self, aux: Any) -> Any:
        """aux with each Value in it answered (a number when nothing outside took part)."""
        if isinstance(aux, Value):
            return self.answer(aux)
        if isinstance(aux, (list, tuple)):
            return type(aux)(self.answer_aux(a) for a in aux)
        if isinstance(aux, dict):
            return {k: self.answer_aux(a) for k, a in aux.items()}
        return aux

    def answer(self, x: Any, linked: bool | None = None) -> Any:
        """A number when nothing outside took part; a Value (with its graph if nested) if so.

        `linked` says so for one answer, when a tangent or cotangent was a Value."""
        if linked is None:
            linked = self.linked
        elif linked and not self.linked:
            return x  # connected to the Value tangent or cotangent, not to f's inputs
        if not linked:
            return x.data if isinstance(x, Value) else x
        if self.nested and isinstance(x, Value):
            return x
        return Value(x.data if isinstance(x, Value) else x)


def _values_in(aux: Any) -> list[Value]:
    """The Values in aux (a Value, or lists, tuples and dicts of them), for has_aux."""
    if isinstance(aux, Value):
        return [aux]
    if isinstance(aux, dict):
        aux = list(aux.values())
    if isinstance(aux, (list, tuple)):
        return [v for a in aux for v in _values_in(a)]
    return []


def _argnums(argnums: Any, where: str) -> Argnums:
    """`argnums` checked for type when the transform is made (the range waits for the call)."""
    if argnums is None or (isinstance(argnums, int) and not isinstance(argnums, bool)):
        return argnums
    if isinstance(argnums, (bool, str, bytes)):
        picked: tuple = (argnums,)
    else:
        try:
            picked = tuple(argnums)
        except TypeError:
            raise TypeError(
                f"{where}: argnums must be an int or a sequence of ints, "
                f"got {type(argnums).__name__} {short(argnums)}"
            ) from None
    for i in picked:
        if isinstance(i, bool) or not isinstance(i, int):
            raise TypeError(f"{where}: argnums must be ints, got {type(i).__name__} {short(i)}")
    return picked


def _value_and_grad(f: Callable, argnums: Argnums, where: str, has_aux: bool = False) -> Callable:
    f = function(f, where)
    single = isinstance(argnums, int) and not isinstance(argnums, bool)
    argnums = _argnums(argnums, where)
    if not isinstance(has_aux, bool):
        raise TypeError(f"{where}: has_aux must be a bool, got {type(has_aux).__name__}")

    def value_and_grad_f(*args: Any) -> tuple[Any, Any]:
        recording = is_grad_enabled()
        # as torch.func, an outer no_grad does not stop a transform; the collector pauses
        with enable_grad(), gc_paused():
            trace = _Trace(f, args, argnums, where, recording, has_aux)
            grads = trace.derivatives(trace.out)
            value = trace.answer(trace.out)
            if has_aux:
                value = (value, trace.answer_aux(trace.aux))
        return value, (grads[0] if single else tuple(grads))

    return value_and_grad_f


def gradient_of(f: Callable, argnums: Argnums, where: str, has_aux: bool = False) -> Callable:
    """grad(f, argnums), its errors naming `where` (gradcheck uses it)."""
    value_and_grad_f = _value_and_grad(f, argnums, where, has_aux)

    def grad_f(*args: Any) -> Any:
        value, gradient = value_and_grad_f(*args)
        return (gradient, value[1]) if has_aux else gradient

    return grad_f


def value_and_grad(
    f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False
) -> Callable:
    """A function returning (f(*args), gradient); the gradient is a tuple when argnums is.

    With has_aux=True, f returns a pair (output, aux) and the function ((value, aux),
    gradient), as JAX's.
    """
    return _value_and_grad(f, argnums, "value_and_grad", has_aux)


def grad(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """The gradient of scalar-valued f with respect to argument(s) `argnums`.

    With has_aux=True, f returns a pair (output, aux) and the function (gradient, aux).
    """
    return gradient_of(f, argnums, "grad", has_aux)


def _jacobian(f: Callable, argnums: Argnums, where: str, forward: bool = False) -> Callable:
    f = function(f, where)
    argnums = _argnums(argnums, where)

    def jacobian_f(*args: Any) -> list:
        recording = is_grad_enabled()
        with enable_grad(), gc_paused():
            trace = _Trace(f, args, argnums, where, recording)
            n = len(trace.wrt)
            if not forward:  # a row per output, by one reverse pass each
                if isinstance(trace.out, (list, tuple)):
                    return [trace.derivatives(y) for y in trace.out]
                return trace.derivatives(trace.out)
            # a column per input, by one forward pass each over the one recorded graph
            columns = [trace.push([float(k == j) for k in range(n)]) for j in range(n)]
            if isinstance(trace.out, (list, tuple)):
                return [[column[i] for column in columns] for i in range(len(trace.out))]
            return columns

    return jacobian_f


def jacobian(f: Callable, argnums: Argnums = None) -> Callable:
    """The m x n matrix (list of lists) of d f_i / d x_j for f returning m values.

    Differentiates with respect to every positional argument unless `argnums`
    selects some; when f returns a single Value the result is one row (a list).
    Reverse mode: one backward pass per output (`jacrev` is the same function).
    """
    return _jacobian(f, argnums, "jacobian")


def jacrev(f: Callable, argnums: Argnums = None) -> Callable:
    """jacobian, by its JAX name: reverse mode, one backward pass per output."""
    return _jacobian(f, argnums, "jacrev")


def jacfwd(f: Callable, argnums: Argnums = None) -> Callable:
    """jacobian in forward mode: one tangent pass per input (cheaper for few inputs)."""
    return _jacobian(f, argnums, "jacfwd", forward=True)


def hessian_of(f: Callable, argnums: Argnums, where: str) -> Callable:
    """hessian(f, argnums), its errors naming `where` (gradgradcheck uses it)."""
    f = function(f, where)
    argnums = _argnums(argnums, where)

    def hessian_f(*args: Any) -> list[list]:
        positions = _positions(argnums, len(args), where)
        first = gradient_of(f, positions, where)
        return _jacobian(lambda *a: list(first(*a)), positions, where, forward=True)(*args)

    return hessian_f


def hessian(f: Callable, argnums: Argnums = None) -> Callable:
    """The n x n matrix (list of lists) of second derivatives of scalar-valued f.

    Forward over reverse, as JAX's: one reverse pass records the gradient's graph,
    and one forward pass over it per input gives a column.
    """
    return hessian_of(f, argnums, "hessian")


def _numbers(xs: Any, name: str, where: str) -> Sequence[Any]:
    """primals, tangents or cotangents: a sized sequence of Values or numbers, else a TypeError."""
    kind = type(xs)
    if isinstance(xs, (str, bytes)) or not (hasattr(kind, "__len__") and hasattr(kind, "__iter__")):
        raise TypeError(
            f"{where}: {name} must be a sequence of numbers, got {kind.__name__} {short(xs)}"
        )
    for i, x in enumerate(xs):
        if not isinstance(x, Value):
            real(x, f"{where}: {name}[{i}]")
    return xs


def _paired(primals: Any, tangents: Any, where: str) -> tuple[Sequence, Sequence]:
    primals, tangents = _numbers(primals, "primals", where), _numbers(tangents, "tangents", where)
    if len(primals) != len(tangents):
        raise ValueError(f"{where}: {len(primals)} primals but {len(tangents)} tangents")
    return primals, tangents


def jvp(f: Callable, primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """(f(*primals), the derivative of f at primals in the direction tangents), as jax.jvp.

    Forward mode: one pass from the inputs on, carrying a tangent with each value.
    For f returning a list or tuple, the tangent is one of the same length.
    """
    primals, tangents = _paired(primals, tangents, "jvp")
    trace, value = _recorded(f, tuple(primals), "jvp", links=tangents)
    with enable_grad(), gc_paused():
        return value, trace.push(tangents)


def _recorded(f: Callable, primals: tuple, where: str, links: Sequence[Any] = ()) -> tuple:
    """(f's trace at primals, with respect to all of them; f's output, answered)."""
    f = function(f, where)
    _numbers(primals, "primals", where)
    recording = is_grad_enabled()
    with enable_grad(), gc_paused():
        trace = _Trace(f, primals, None, where, recording, links=links)
        return trace, trace.shaped(lambda y: y)


def linearize(f: Callable, *primals: Any) -> tuple[Any, Callable]:
    """(f(*primals), f_jvp): f_jvp(*tangents) is jvp's tangent, from the graph recorded once.

    As jax.linearize: f runs once; each call of f_jvp is one forward pass over its
    graph, the local derivatives computed on the first and kept.
    """
    trace, value = _recorded(f, primals, "linearize")

    def f_jvp(*tangents: Any) -> Any:
        _paired(primals, tangents, "linearize: f_jvp")
        with enable_grad(), gc_paused():
            return trace.push(tangents)

    return value, f_jvp


def vjp(f: Callable, *primals: Any) -> tuple[Any, Callable]:
    """(f(*primals), f_vjp), as jax.vjp: f_vjp(cotangent) is the cotangent times f's Jacobian.

    Reverse mode. The cotangent has f's output's shape (a number, or a sequence as
    long as the list f returns); f_vjp returns a tuple, one entry per primal.
    """
    trace, value = _recorded(f, primals, "vjp")

    def f_vjp(cotangent: Any) -> tuple:
        many = isinstance(trace.out, (list, tuple))
        outs = list(trace.out) if many else [trace.out]
        cts = _numbers(cotangent if many else [cotangent], "cotangent", "vjp: f_vjp")
        if len(cts) != len(outs):
            raise ValueError(f"vjp: f_vjp: f has {len(outs)} outputs but {len(cts)} cotangents")
        seeds: dict[Value, Any] = {}
        for y, c in zip(outs, cts):  # one reverse pass from every output at once
            if isinstance(y, Value) and (isinstance(c, Value) or c != 0):
                seeds[y] = seeds[y] + c if y in seeds else c
        linked = trace.linked or any(isinstance(c, Value) for c in cts)
        with enable_grad(), gc_paused():
            total = trace.pullback_all(seeds) if seeds else [0.0] * len(trace.wrt)
            return tuple(trace.answer(g, linked) for g in total)

    return value, f_vjp


def hvp(f: Callable) -> Callable:
    """(primals, tangents) -> the Hessian of f at primals times the vector tangents.

    Forward over reverse, without forming the Hessian: jvp of grad f, one reverse
    pass and one forward pass.
    """
    f = function(f, "hvp")

    def hvp_f(primals: Sequence[Any], tangents: Sequence[Any]) -> list:
        primals, tangents = _paired(primals, tangents, "hvp")
        first = gradient_of(f, tuple(range(len(primals))), "hvp")
        return list(jvp(lambda *xs: list(first(*xs)), primals, tangents)[1])

    return hvp_f

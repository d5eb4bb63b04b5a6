"""Function transforms, as in JAX: grad, value_and_grad, jacobian, hessian, hvp.

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
from autograd.engine import (
    Value,
    backpropagate,
    captures,
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

    def __init__(self, f: Callable, args: tuple, argnums: Argnums, where: str, recording: bool):
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
        outs = self.out if isinstance(self.out, (list, tuple)) else [self.out]
        self.orders = {id(y): topological_order(y) for y in outs if isinstance(y, Value)}
        self.linked = any(
            captures(y, moment, self.orders[id(y)]) for y in outs if id(y) in self.orders
        )
        self.nested = self.linked and recording

    def derivatives(self, out: Any) -> list[Any]:
        """d(out)/d(v) for each v in wrt; no `.grad` is touched."""
        if not isinstance(out, Value):
            real(out, f"{self.where}: f must return a Value or a number, and it returned")
            return [self.answer(0.0)] * len(self.wrt)
        order = self.orders[id(out)]
        inner, leaves = backpropagate(out, 1.0, self.nested, order)
        grads = {**dict(zip(order, inner)), **leaves}  # wrt holds leaves and inner nodes
        return [self.answer(grads.get(v, 0.0)) for v in self.wrt]

    def answer(self, x: Any) -> Any:
        """A number when nothing outside took part; a Value (with its graph if nested) if so."""
        if not self.linked:
            return x.data if isinstance(x, Value) else x
        if self.nested and isinstance(x, Value):
            return x
        return Value(x.data if isinstance(x, Value) else x)


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


def _value_and_grad(f: Callable, argnums: Argnums, where: str) -> Callable:
    f = function(f, where)
    single = isinstance(argnums, int) and not isinstance(argnums, bool)
    argnums = _argnums(argnums, where)

    def value_and_grad_f(*args: Any) -> tuple[Any, Any]:
        recording = is_grad_enabled()
        with enable_grad():  # as torch.func: an outer no_grad does not stop a transform
            trace = _Trace(f, args, argnums, where, recording)
            grads = trace.derivatives(trace.out)
            value = trace.answer(trace.out)
        return value, (grads[0] if single else tuple(grads))

    return value_and_grad_f


def gradient_of(f: Callable, argnums: Argnums, where: str) -> Callable:
    """grad(f, argnums), its errors naming `where` (gradcheck uses it)."""
    value_and_grad_f = _value_and_grad(f, argnums, where)

    def grad_f(*args: Any) -> Any:
        return value_and_grad_f(*args)[1]

    return grad_f


def value_and_grad(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """A function returning (f(*args), gradient); the gradient is a tuple when argnums is."""
    return _value_and_grad(f, argnums, "value_and_grad")


def grad(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """The gradient of scalar-valued f with respect to argument(s) `argnums`."""
    return gradient_of(f, argnums, "grad")


def _jacobian(f: Callable, argnums: Argnums, where: str) -> Callable:
    f = function(f, where)
    argnums = _argnums(argnums, where)

    def jacobian_f(*args: Any) -> list:
        recording = is_grad_enabled()
        with enable_grad():
            trace = _Trace(f, args, argnums, where, recording)
            if isinstance(trace.out, (list, tuple)):
                return [trace.derivatives(y) for y in trace.out]
            return trace.derivatives(trace.out)

    return jacobian_f


def jacobian(f: Callable, argnums: Argnums = None) -> Callable:
    """The m x n matrix (list of lists) of d f_i / d x_j for f returning m values.

    Differentiates with respect to every positional argument unless `argnums`
    selects some; when f returns a single Value the result is one row (a list).
    """
    return _jacobian(f, argnums, "jacobian")


def hessian_of(f: Callable, argnums: Argnums, where: str) -> Callable:
    """hessian(f, argnums), its errors naming `where` (gradgradcheck uses it)."""
    f = function(f, where)
    argnums = _argnums(argnums, where)

    def hessian_f(*args: Any) -> list[list]:
        positions = _positions(argnums, len(args), where)
        first = gradient_of(f, positions, where)
        return _jacobian(lambda *a: list(first(*a)), positions, where)(*args)

    return hessian_f


def hessian(f: Callable, argnums: Argnums = None) -> Callable:
    """The n x n matrix (list of lists) of second derivatives of scalar-valued f."""
    return hessian_of(f, argnums, "hessian")


def _numbers(xs: Any, name: str) -> Sequence[Any]:
    """hvp's primals or tangents: a sized sequence of Values or numbers, else a TypeError."""
    kind = type(xs)
    if isinstance(xs, (str, bytes)) or not (hasattr(kind, "__len__") and hasattr(kind, "__iter__")):
        raise TypeError(
            f"hvp: {name} must be a sequence of numbers, got {kind.__name__} {short(xs)}"
        )
    for i, x in enumerate(xs):
        if not isinstance(x, Value):
            real(x, f"hvp: {name}[{i}]")
    return xs


def hvp(f: Callable) -> Callable:
    """(primals, tangents) -> the Hessian of f at primals times the vector tangents.

    Two reverse passes, without forming the Hessian: the gradient of
    sum(grad f(x) * v).
    """
    f = function(f, "hvp")

    def hvp_f(primals: Sequence[Any], tangents: Sequence[Any]) -> list:
        primals, tangents = _numbers(primals, "primals"), _numbers(tangents, "tangents")
        if len(primals) != len(tangents):
            raise ValueError(f"hvp: {len(primals)} primals but {len(tangents)} tangents")
        everything = tuple(range(len(primals)))
        first = gradient_of(f, everything, "hvp")

        def directional(*xs: Any) -> Any:
            return value_sum([g * v for g, v in zip(first(*xs), tangents)])

        return list(gradient_of(directional, everything, "hvp")(*primals))

    return hvp_f

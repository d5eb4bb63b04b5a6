"""Function transforms, as in JAX: grad, value_and_grad, jacobian, hessian, hvp.

Each takes a function of scalars and returns a new function. Called with
numbers they return numbers. Called with Values (as happens when transforms
are nested) they differentiate with `create_graph=True` and return Values
connected to those inputs, so `grad(grad(f))` is the second derivative.

They leave every `.grad` as they found it: only the returned numbers carry the
derivatives (`backward(inputs=...)` keeps other leaves untouched).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from autograd.engine import Value, _real
from autograd.engine import sum as value_sum

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


def _derivatives(out: Any, wrt: list[Value], nested: bool, where: str) -> list[Any]:
    """d(out)/d(v) for each v in `wrt`, leaving every `.grad` as it was."""
    if not isinstance(out, Value):
        _real(out, f"{where}: f must return a Value or a number, and it returned")
        return [0.0] * len(wrt)
    saved = [v.grad for v in wrt]
    for v in wrt:
        v.grad = 0.0
    out.backward(create_graph=nested, inputs=wrt)
    grads = [v.grad for v in wrt]
    for v, grad in zip(wrt, saved):
        v.grad = grad
    return grads


def _trace(f: Callable, args: tuple, argnums: Argnums, where: str):
    """Call f with the selected arguments as Values; return (out, those Values, nested)."""
    positions = _positions(argnums, len(args), where)
    # Any Value among the arguments means an outer transform may differentiate
    # through this one (grad(grad(f, 0), 1)): keep the graph.
    nested = any(isinstance(a, Value) for a in args)
    call_args = list(args)
    for i in positions:
        if not isinstance(args[i], Value):
            call_args[i] = Value(_real(args[i], f"{where}: argument {i}"))
    return f(*call_args), [call_args[i] for i in positions], nested


def _plain(x: Any, nested: bool) -> Any:
    return x if nested or not isinstance(x, Value) else x.data


def value_and_grad(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """A function returning (f(*args), gradient); the gradient is a tuple when argnums is."""

    def value_and_grad_f(*args: Any) -> tuple[Any, Any]:
        out, wrt, nested = _trace(f, args, argnums, "grad")
        grads = _derivatives(out, wrt, nested, "grad")
        value = _plain(out, nested)
        return value, (tuple(grads) if not isinstance(argnums, int) else grads[0])

    return value_and_grad_f


def grad(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """The gradient of scalar-valued f with respect to argument(s) `argnums`."""
    value_and_grad_f = value_and_grad(f, argnums)

    def grad_f(*args: Any) -> Any:
        return value_and_grad_f(*args)[1]

    return grad_f


def jacobian(f: Callable, argnums: Argnums = None) -> Callable:
    """The m x n matrix (list of lists) of d f_i / d x_j for f returning m values.

    Differentiates with respect to every positional argument unless `argnums`
    selects some; when f returns a single Value the result is one row (a list).
    """

    def jacobian_f(*args: Any) -> list:
        out, wrt, nested = _trace(f, args, argnums, "jacobian")
        if isinstance(out, (list, tuple)):
            return [_derivatives(y, wrt, nested, "jacobian") for y in out]
        return _derivatives(out, wrt, nested, "jacobian")

    return jacobian_f


def hessian(f: Callable, argnums: Argnums = None) -> Callable:
    """The n x n matrix (list of lists) of second derivatives of scalar-valued f."""

    def hessian_f(*args: Any) -> list[list]:
        positions = _positions(argnums, len(args), "hessian")
        return jacobian(lambda *a: list(grad(f, positions)(*a)), positions)(*args)

    return hessian_f


def hvp(f: Callable) -> Callable:
    """(primals, tangents) -> the Hessian of f at primals times the vector tangents.

    Two reverse passes, without forming the Hessian: the gradient of
    sum(grad f(x) * v).
    """

    def hvp_f(primals: Sequence[Any], tangents: Sequence[Any]) -> list:
        if len(primals) != len(tangents):
            raise ValueError(f"hvp: {len(primals)} primals but {len(tangents)} tangents")
        everything = tuple(range(len(primals)))

        def directional(*xs: Any) -> Any:
            return value_sum([g * v for g, v in zip(grad(f, everything)(*xs), tangents)])

        return list(grad(directional, everything)(*primals))

    return hvp_f

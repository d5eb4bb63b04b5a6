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

from autograd.engine import Value, _real, _short
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


def _function(f: Any, where: str) -> Callable:
    """`f` itself, or a TypeError naming `where` when it cannot be called."""
    if not callable(f):
        raise TypeError(f"{where}: f must be callable, got {type(f).__name__} {_short(f)}")
    return f


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
                f"got {type(argnums).__name__} {_short(argnums)}"
            ) from None
    for i in picked:
        if isinstance(i, bool) or not isinstance(i, int):
            raise TypeError(f"{where}: argnums must be ints, got {type(i).__name__} {_short(i)}")
    return picked


def _value_and_grad(f: Callable, argnums: Argnums, where: str) -> Callable:
    f = _function(f, where)
    single = isinstance(argnums, int) and not isinstance(argnums, bool)
    argnums = _argnums(argnums, where)

    def value_and_grad_f(*args: Any) -> tuple[Any, Any]:
        out, wrt, nested = _trace(f, args, argnums, where)
        grads = _derivatives(out, wrt, nested, where)
        value = _plain(out, nested)
        return value, (grads[0] if single else tuple(grads))

    return value_and_grad_f


def _grad(f: Callable, argnums: Argnums, where: str) -> Callable:
    value_and_grad_f = _value_and_grad(f, argnums, where)

    def grad_f(*args: Any) -> Any:
        return value_and_grad_f(*args)[1]

    return grad_f


def value_and_grad(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """A function returning (f(*args), gradient); the gradient is a tuple when argnums is."""
    return _value_and_grad(f, argnums, "value_and_grad")


def grad(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """The gradient of scalar-valued f with respect to argument(s) `argnums`."""
    return _grad(f, argnums, "grad")


def _jacobian(f: Callable, argnums: Argnums, where: str) -> Callable:
    f = _function(f, where)
    argnums = _argnums(argnums, where)

    def jacobian_f(*args: Any) -> list:
        out, wrt, nested = _trace(f, args, argnums, where)
        if isinstance(out, (list, tuple)):
            return [_derivatives(y, wrt, nested, where) for y in out]
        return _derivatives(out, wrt, nested, where)

    return jacobian_f


def jacobian(f: Callable, argnums: Argnums = None) -> Callable:
    """The m x n matrix (list of lists) of d f_i / d x_j for f returning m values.

    Differentiates with respect to every positional argument unless `argnums`
    selects some; when f returns a single Value the result is one row (a list).
    """
    return _jacobian(f, argnums, "jacobian")


def _hessian(f: Callable, argnums: Argnums, where: str) -> Callable:
    f = _function(f, where)
    argnums = _argnums(argnums, where)

    def hessian_f(*args: Any) -> list[list]:
        positions = _positions(argnums, len(args), where)
        first = _grad(f, positions, where)
        return _jacobian(lambda *a: list(first(*a)), positions, where)(*args)

    return hessian_f


def hessian(f: Callable, argnums: Argnums = None) -> Callable:
    """The n x n matrix (list of lists) of second derivatives of scalar-valued f."""
    return _hessian(f, argnums, "hessian")


def _numbers(xs: Any, name: str) -> Sequence[Any]:
    """hvp's primals or tangents: a sized sequence of Values or numbers, else a TypeError."""
    kind = type(xs)
    if isinstance(xs, (str, bytes)) or not (hasattr(kind, "__len__") and hasattr(kind, "__iter__")):
        raise TypeError(
            f"hvp: {name} must be a sequence of numbers, got {kind.__name__} {_short(xs)}"
        )
    for i, x in enumerate(xs):
        if not isinstance(x, Value):
            _real(x, f"hvp: {name}[{i}]")
    return xs


def hvp(f: Callable) -> Callable:
    """(primals, tangents) -> the Hessian of f at primals times the vector tangents.

    Two reverse passes, without forming the Hessian: the gradient of
    sum(grad f(x) * v).
    """
    f = _function(f, "hvp")

    def hvp_f(primals: Sequence[Any], tangents: Sequence[Any]) -> list:
        primals, tangents = _numbers(primals, "primals"), _numbers(tangents, "tangents")
        if len(primals) != len(tangents):
            raise ValueError(f"hvp: {len(primals)} primals but {len(tangents)} tangents")
        everything = tuple(range(len(primals)))
        first = _grad(f, everything, "hvp")

        def directional(*xs: Any) -> Any:
            return value_sum([g * v for g, v in zip(first(*xs), tangents)])

        return list(_grad(directional, everything, "hvp")(*primals))

    return hvp_f

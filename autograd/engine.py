"""The Value engine: scalar nodes, their local derivatives, and backward().

Every op below is written as one unit: the forward value, then the name of a
derivative function. A derivative function receives the op's constant (`ctx`),
the output and the inputs, and returns d(output)/d(input) for each input. It is
written in plain arithmetic, so it works on floats (what `backward` feeds it)
and on Values alike. The chain rule itself lives in exactly one loop, in
`backpropagate`, which collects gradients in a dict; `Value.backward` stores
them in `.grad`, and the function transforms read them without touching `.grad`.

A node holds its parents and a module-level derivative function, never a
closure over itself: there are no reference cycles, so a graph is freed by
reference counting the moment its output is dropped.
"""

from __future__ import annotations

import builtins
import itertools
import math
import numbers
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from autograd.arguments import real, short
from autograd.mode import ANOMALY, GRAD, MODE, check_backward, check_forward

Number = int | float

# The current moment, which every leaf records at its birth. A transform starts a new
# moment (tick) before it makes its variables: a leaf older than that was captured from
# outside, so the transform's result must stay connected to it.
_clock = 0
_ticks = itertools.count(1)
_clock_lock = threading.Lock()


class Value:
    """A scalar in a computation graph: its data, its gradient, and how it was made."""

    # site (where the node was made) is set only under detect_anomaly(): unset, it costs nothing.
    # _born is a leaf's moment of birth (see `tick`), so transforms can tell captured Values.
    __slots__ = ("data", "grad", "label", "op", "parents", "_deriv", "_ctx", "site", "_born")
    __array_ufunc__ = None  # numpy defers to our reflected operators: 2.0 * x stays a Value

    def __init__(self, data: Number, label: str = "") -> None:
        self.data = real(data, "Value")
        if not isinstance(label, str):
            raise TypeError(f"Value: label must be a str, got {type(label).__name__}")
        self.grad: Any = 0.0
        self.label = label
        self.op = ""
        self.parents: tuple[Value, ...] = ()
        self._deriv: Callable[..., tuple] | None = None
        self._ctx: Any = None
        self._born = _clock

    # copy and pickle keep everything but the moment of birth: a copy is born when made.
    def __getstate__(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in Value.__slots__ if k != "_born" and hasattr(self, k)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for k, v in state.items():
            setattr(self, "site" if k == "_site" else k, v)  # _site: an older file's name
        self._born = _clock

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # A Value stands in for its number wherever Python asks for one: float(v), int(v),
    # round(v), math.floor(v), f"{v:.3f}", and `if v:` (true when the data is nonzero,
    # as for a PyTorch scalar tensor).
    def __float__(self) -> float:
        return self.data

    def __int__(self) -> int:
        return int(self.data)

    def __bool__(self) -> bool:
        return bool(self.data)

    def __round__(self, ndigits: int | None = None) -> Any:
        return round(self.data, ndigits)

    def __trunc__(self) -> int:
        return math.trunc(self.data)

    def __floor__(self) -> int:
        return math.floor(self.data)

    def __ceil__(self) -> int:
        return math.ceil(self.data)

    def __format__(self, spec: str) -> str:
        return format(self.data, spec) if spec else str(self)

    def item(self) -> float:
        """The data as a Python float."""
        return self.data

    def detach(self) -> Value:
        """A new leaf with the same data (and label), cut off from the graph."""
        return Value(self.data, self.label)

    # Ordering compares data, as a scalar tensor does. Equality stays identity (`==` is
    # `is`), so that Values can live in sets and dicts, as graphs and optimizers need:
    # compare numbers with `a.data == b.data`.
    def __lt__(self, other: Any) -> bool:
        return self.data < _data(other)

    def __le__(self, other: Any) -> bool:
        return self.data <= _data(other)

    def __gt__(self, other: Any) -> bool:
        return self.data > _data(other)

    def __ge__(self, other: Any) -> bool:
        return self.data >= _data(other)

    # ---- arithmetic -------------------------------------------------------

    def __add__(self, other: Any) -> Value:
        other = _operand(other)
        if other is None:
            return NotImplemented
        return _result(self.data + other.data, (self, other), "+", _d_add)

    def __radd__(self, other: Any) -> Value:
        other = _operand(other)
        if other is None:
            return NotImplemented
        return _result(other.data + self.data, (other, self), "+", _d_add)

    def __sub__(self, other: Any) -> Value:
        other = _operand(other)
        if other is None:
            return NotImplemented
        return _result(self.data - other.data, (self, other), "-", _d_sub)

    def __rsub__(self, other: Any) -> Value:
        other = _operand(other)
        if other is None:
            return NotImplemented
        return _result(other.data - self.data, (other, self), "-", _d_sub)

    def __mul__(self, other: Any) -> Value:
        other = _operand(other)
        if other is None:
            return NotImplemented
        return _result(self.data * other.data, (self, other), "*", _d_mul)

    def __rmul__(self, other: Any) -> Value:
        other = _operand(other)
        if other is None:
            return NotImplemented
        return _result(other.data * self.data, (other, self), "*", _d_mul)

    def __truediv__(self, other: Any) -> Value:
        other = _operand(other)
        if other is None:
            return NotImplemented
        return _divide(self, other)

    def __rtruediv__(self, other: Any) -> Value:
        other = _operand(other)
        if other is None:
            return NotImplemented
        return _divide(other, self)

    def __pow__(self, other: Any) -> Value:
        if isinstance(other, Value):
            return _power(self, other)
        if not isinstance(other, numbers.Real):
            return NotImplemented
        n = real(other, "pow: exponent")
        x = self.data
        if x == 0 and n < 0:
            raise ZeroDivisionError(f"pow: {x!r} raised to the negative power {n!r}")
        if x < 0 and math.isfinite(x) and math.isfinite(n) and not n.is_integer():
            raise ValueError(f"pow: negative base {x!r} with non-integer exponent {n!r}")
        return _result(_pow_const(x, n), (self,), "**", _d_pow_const, n)

    def __rpow__(self, other: Any) -> Value:
        other = _operand(other)
        if other is None:
            return NotImplemented
        return _power(other, self)

    def __neg__(self) -> Value:
        return _result(-self.data, (self,), "neg", _d_neg)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _result(abs(self.data), (self,), "abs", _d_abs)

    # ---- functions ----------------------------------------------------------

    def exp(self) -> Value:
        try:
            data = math.exp(self.data)
        except OverflowError:  # IEEE: an overflow is inf
            data = math.inf
        return _result(data, (self,), "exp", _d_exp)

    def log(self) -> Value:
        x = self.data
        if -math.inf < x <= 0:
            raise ValueError(f"log: input must be positive, got {x!r}")
        return _result(_log(x), (self,), "log", _d_log)

    def sqrt(self) -> Value:
        x = self.data
        if -math.inf < x < 0:
            raise ValueError(f"sqrt: input must be non-negative, got {x!r}")
        return _result(math.sqrt(x) if x >= 0 else math.nan, (self,), "sqrt", _d_sqrt)

    def tanh(self) -> Value:
        return _result(math.tanh(self.data), (self,), "tanh", _d_tanh)

    def sigmoid(self) -> Value:
        x = self.data
        if x >= 0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:  # the same value, written so that exp cannot overflow
            e = math.exp(x)
            s = e / (1.0 + e)
        return _result(s, (self,), "sigmoid", _d_sigmoid)

    def relu(self) -> Value:
        x = self.data
        return _result(0.0 if x <= 0 else x, (self,), "relu", _d_relu)  # nan stays nan

    def leaky_relu(self, negative_slope: float = 0.01) -> Value:
        slope = real(negative_slope, "leaky_relu: negative_slope")
        x = self.data
        return _result(x if x > 0 else slope * x, (self,), "leaky_relu", _d_leaky_relu, slope)

    def sin(self) -> Value:
        return _result(_sin(self.data), (self,), "sin", _d_sin)

    def cos(self) -> Value:
        return _result(_cos(self.data), (self,), "cos", _d_cos)

    # ---- backpropagation ----------------------------------------------------

    def backward(
        self,
        gradient: Number = 1.0,
        create_graph: bool = False,
        inputs: Iterable[Value] | None = None,
    ) -> None:
        """Add d(self)/d(leaf) * gradient into every leaf's `.grad`.

        Leaf gradients accumulate across calls, as in PyTorch (a `.grad` of None
        counts as none yet); the gradients of intermediate nodes are recomputed
        from zero and stay readable. `create_graph=True` writes gradients as
        Values with a graph of their own, so they can be differentiated again.
        `inputs`, as in PyTorch, limits accumulation to those Values: every other
        leaf keeps its `.grad`. If a derivative raises, no `.grad` has changed.
        """
        gradient = real(gradient, "backward: gradient")
        if self.op and not self.parents:
            raise RuntimeError(
                f"backward: this Value ({self.op} = {self.data!r}) was computed under "
                "no_grad() and has no graph; compute it with gradients enabled"
            )
        order = topological_order(self)
        inner, leaves = backpropagate(self, gradient, create_graph, order)
        for node, g in zip(order, inner):  # intermediate gradients: recomputed, not accumulated
            node.grad = g
        if inputs is None:
            reached: Iterable[tuple[Value, Any]] = leaves.items()
        else:
            reached = [(v, leaves[v]) for v in dict.fromkeys(_inputs(inputs)) if v in leaves]
        for leaf, g in reached:  # leaf gradients accumulate
            leaf.grad = g if leaf.grad is None else leaf.grad + g


def backpropagate(
    root: Value,
    gradient: Any = 1.0,
    create_graph: bool = False,
    order: list[Value] | None = None,
) -> tuple[list[Any], dict[Value, Any]]:
    """d(root)/d(node) * gradient for everything behind root: (inner, leaves).

    The chain rule, the one place it lives: walk outputs before inputs and pass
    each node's gradient to its parents, scaled by the local derivative. `inner`
    holds the gradient of each node of `order` (root's topological order, its
    non-leaf nodes: pass it if you have it), `leaves` the gradient of each leaf
    reached. Nothing is written into `.grad`: `Value.backward` stores them there,
    and the transforms read them.
    """
    if order is None:
        order = topological_order(root)
    anomaly = MODE.get() & ANOMALY
    pending = {root: gradient}  # gradients still adding up; at the end, the leaves'
    take, get = pending.pop, pending.get
    inner = []  # each inner node's final gradient, from the last node to the first
    for node in reversed(order):
        g = take(node, 0.0)  # complete: every node that uses this one came before it
        inner.append(g)
        if g == 0.0:
            continue  # nothing flows from here: skip the derivative work
        parents = node.parents
        try:
            if create_graph:  # the same derivative formulas, on Values
                local = node._deriv(node._ctx, node, *parents)
            else:
                local = node._deriv(node._ctx, node.data, *[p.data for p in parents])
        except (ArithmeticError, ValueError) as error:
            inputs_ = ", ".join(repr(p.data) for p in parents)
            raise ValueError(
                f"{node.op}: derivative is undefined at input {inputs_} ({error})"
            ) from None
        if anomaly:
            check_backward(node, local, g)
        for parent, d in zip(parents, local):
            if d == 0.0:
                continue  # nothing flows through a zero derivative, not even inf * 0
            pending[parent] = get(parent, 0.0) + d * g
    inner.reverse()
    return inner, pending


def _data(x: Any) -> Any:
    return x.data if isinstance(x, Value) else x


def _operand(x: Any) -> Value | None:
    """The other operand of a binary op as a Value; None when it is not a number."""
    if isinstance(x, Value):
        return x
    if type(x) is float or type(x) is int or isinstance(x, numbers.Real):
        return Value(x)
    return None


_new = object.__new__


def _result(data: float, parents: tuple, op: str, deriv: Callable, ctx: Any = None) -> Value:
    """The output node of an op; under no_grad, a leaf that remembers nothing."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    mode = MODE.get()
    if mode & GRAD:
        out.op = op
        out.parents = parents
        out._deriv = deriv
        out._ctx = ctx
    else:  # a leaf, which remembers the op that made it only to refuse backward()
        out.op = op
        out.parents = ()
        out._deriv = None
        out._ctx = None
        out._born = _clock
    if mode & ANOMALY:
        check_forward(out, op, parents)
    return out


def _divide(a: Value, b: Value) -> Value:
    if b.data == 0:
        raise ZeroDivisionError(f"division: {a.data!r} / {b.data!r} divides by zero")
    return _result(a.data / b.data, (a, b), "/", _d_div)


def _power(base: Value, exponent: Value) -> Value:
    x, y = base.data, exponent.data
    if -math.inf < x < 0:  # the derivative by the exponent, out * log(x), is undefined
        raise ValueError(
            f"pow: the base must be non-negative when the exponent is a Value, got {x!r}"
        )
    if x == 0 and y < 0:
        raise ZeroDivisionError(f"pow: {x!r} raised to the negative power {y!r}")
    return _result(_pow(x, y), (base, exponent), "**", _d_pow)


def _values(values: Any, where: str) -> list[Value]:
    """`values` as Values, numbers made constant leaves; a TypeError naming `where` otherwise."""
    try:
        items = iter(values)
    except TypeError:
        raise TypeError(
            f"{where}: expected an iterable of Values or numbers, "
            f"got {type(values).__name__} {short(values)}"
        ) from None
    return [v if isinstance(v, Value) else Value(real(v, where)) for v in items]


def _inputs(inputs: Any) -> list[Value]:
    """backward's `inputs` as a list of Values: a TypeError for anything else."""
    if isinstance(inputs, Value):
        return [inputs]
    try:
        listed = list(inputs)
    except TypeError:
        raise TypeError(
            f"backward: inputs must be an iterable of Values, "
            f"got {type(inputs).__name__} {short(inputs)}"
        ) from None
    for v in listed:
        if not isinstance(v, Value):
            raise TypeError(
                f"backward: inputs must contain only Values, got {type(v).__name__} {short(v)}"
            )
    return listed


def sum(values: Iterable[Value | Number]) -> Value:  # noqa: A001 - mirrors torch.sum
    """One n-ary sum node over `values` (numbers become constant leaves)."""
    parents = tuple(_values(values, "sum"))
    if not parents:
        return Value(0.0)
    return _result(builtins.sum([p.data for p in parents]), parents, "sum", _d_sum)


def dot(
    weights: Iterable[Value | Number],
    inputs: Iterable[Value | Number],
    bias: Value | Number | None = None,
) -> Value:
    """One node for sum(w * x for w, x in zip(weights, inputs)) + bias.

    A neuron's weighted sum as a single node: a fraction of the graph that
    separate `*` and `+` nodes would make, and one box in a drawing.
    """
    ws, xs = _values(weights, "dot"), _values(inputs, "dot")
    if len(ws) != len(xs):
        raise ValueError(f"dot: {len(ws)} weights but {len(xs)} inputs")
    data = builtins.sum([w.data * x.data for w, x in zip(ws, xs)], 0.0)
    if bias is None:
        if not ws:
            return Value(0.0)  # as sum([]): a constant, not a node without inputs
        return _result(data, (*ws, *xs), "dot", _d_dot, len(ws))
    if not isinstance(bias, Value):
        bias = Value(real(bias, "dot: bias"))
    return _result(data + bias.data, (*ws, *xs, bias), "dot", _d_dot, len(ws))


def logsumexp(values: Iterable[Value | Number]) -> Value:
    """One node for log(sum(exp(v) for v in values)), computed without overflow."""
    parents = tuple(_values(values, "logsumexp"))
    if not parents:
        raise ValueError("logsumexp: needs at least one value")
    xs = [p.data for p in parents]
    top = max(xs)  # shift by the largest, so exp cannot overflow
    if math.isfinite(top):
        data = top + math.log(builtins.sum([math.exp(x - top) for x in xs]))
    else:  # inf, or every entry -inf (the log of a sum of zeros), unless a nan is there
        data = math.nan if any(x != x for x in xs) else top
    return _result(data, parents, "logsumexp", _d_logsumexp)


def topological_order(root: Value) -> list[Value]:
    """The non-leaf nodes behind `root`, each after all of its parents.

    An iterative depth-first search: no recursion limit, whatever the depth.
    Leaves are left out: backward only adds into them.
    """
    if not root.parents:
        return []
    order = []
    seen = {root}
    stack: list[tuple[Value, Iterator[Value]]] = [(root, iter(root.parents))]
    while stack:
        node, parents = stack[-1]
        for p in parents:
            if p.parents and p not in seen:
                seen.add(p)
                stack.append((p, iter(p.parents)))
                break
        else:
            stack.pop()
            order.append(node)
    return order


# ---- local derivatives: (ctx, out, *inputs) -> d(out)/d(input) for each input ----


def _d_add(ctx, out, a, b):
    return 1.0, 1.0


def _d_sub(ctx, out, a, b):
    return 1.0, -1.0


def _d_mul(ctx, out, a, b):
    return b, a


def _d_div(ctx, out, a, b):  # out = a / b
    return 1.0 / b, -out / b


def _d_pow_const(n, out, x):  # out = x ** n, n a constant
    return (n * _pow_const(x, n - 1.0) if n else 0.0,)


def _d_pow(ctx, out, x, y):  # out = x ** y, x >= 0
    # As PyTorch: x ** 0 is flat in x (even at 0 or nan), and 0 ** y (y >= 0) flat in y; at
    # 0 ** y with 0 < y < 1 the slope in x is infinite, and raises.
    dx = y * _pow(x, y - 1.0) if _data(y) != 0 else 0.0
    return dx, (0.0 if _data(x) == 0 and _data(y) >= 0 else out * _log(x))


def _d_neg(ctx, out, x):
    return (-1.0,)


def _d_abs(ctx, out, x):
    return (1.0 if x > 0 else -1.0 if x < 0 else 0.0,)


def _d_exp(ctx, out, x):
    return (out,)


def _d_log(ctx, out, x):
    return (1.0 / x,)


def _d_sqrt(ctx, out, x):
    return (0.5 / out,)


def _d_tanh(ctx, out, x):
    return (1.0 - out * out,)


def _d_sigmoid(ctx, out, x):
    return (out * (1.0 - out),)


def _d_relu(ctx, out, x):
    return (0.0 if x <= 0 else 1.0,)  # 1 at nan, as PyTorch


def _d_leaky_relu(slope, out, x):
    return (1.0 if x > 0 else slope,)


def _d_sin(ctx, out, x):
    return (_cos(x),)


def _d_cos(ctx, out, x):
    return (-_sin(x),)


def _d_sum(ctx, out, *xs):
    return (1.0,) * len(xs)


def _d_dot(n, out, *args):  # args = weights, inputs[, bias]
    ws, xs = args[:n], args[n : 2 * n]
    return xs + ws + (1.0,) * (len(args) - 2 * n)


def _d_logsumexp(ctx, out, *xs):  # d/dx_i = softmax(x)_i = exp(x_i - out)
    return tuple(_exp(x - out) for x in xs)


# Functions that take a float or a Value, so one derivative formula serves both. On
# floats they follow IEEE where `math` raises: overflow is inf, and nan or inf in gives
# what PyTorch gives.


def _exp(x):
    if isinstance(x, Value):
        return x.exp()
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _log(x):
    if isinstance(x, Value):
        return x.log()
    return math.log(x) if x > 0 else -math.inf if x == 0 else math.nan


def _pow(x, y):
    """x ** y; on floats 0 ** negative raises ZeroDivisionError, and overflow is a signed inf."""
    if isinstance(x, Value) or isinstance(y, Value):
        return x**y
    try:
        return math.pow(x, y)
    except OverflowError:
        odd = y.is_integer() and y % 2 == 1
        return math.copysign(math.inf, x) if odd else math.inf
    except ValueError:  # the callers let only 0 ** negative through
        raise ZeroDivisionError(f"0.0 raised to the negative power {y!r}") from None


def _pow_const(x, n):
    """x ** n for a constant n; as PyTorch, x ** 0.5 is sqrt(x): nan at -inf (C's pow: inf)."""
    if x == -math.inf and (n == 0.5 or n == -0.5):
        return math.nan
    return _pow(x, n)


def _sin(x):
    if isinstance(x, Value):
        return x.sin()
    return math.sin(x) if math.isfinite(x) else math.nan


def _cos(x):
    if isinstance(x, Value):
        return x.cos()
    return math.cos(x) if math.isfinite(x) else math.nan


# ---- moments: which leaves a function captured ----------------------------------------


def tick() -> int:
    """Start a new moment and return it: leaves made from now on are born at it or later."""
    global _clock
    with _clock_lock:  # moments only move forward, whichever thread starts one
        moment = next(_ticks)
        _clock = max(_clock, moment)
    return moment


def captures(root: Value, moment: int, order: list[Value] | None = None) -> bool:
    """Whether the graph behind `root` reaches a leaf born before `moment` (see `tick`)."""
    if order is None:
        order = topological_order(root)
    leaves = [p for node in order for p in node.parents if not p.parents] if order else [root]
    return any(getattr(leaf, "_born", 0) < moment for leaf in leaves)

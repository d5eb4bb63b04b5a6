"""The Value engine: scalar nodes, the ops that make them, and backward().

Read it top to bottom: a `Value` holds a number, its gradient, its parents and
the `Op` that made it; each op (the table below) is one object holding its
forward, its local derivatives and its torch form (autograd.export), side by side.
A derivative receives the op's constant (`ctx`), the output and the inputs, and
returns d(output)/d(input) for each input, in arithmetic that works on floats
(what `backward` feeds it), on Values (create_graph) and on numpy arrays
(autograd.compile) alike. The chain rule itself lives in exactly one loop, in
`backpropagate`, which collects gradients in a dict; `Value.backward` stores
them in `.grad`, and the function transforms read them without touching `.grad`.
Forward mode is the same rule the other way round, in `push_tangents`. The ops
beyond the engine's own (tan, erf, gelu, clamp...) are in autograd/mathlib.py,
in the same table form.

A node holds its parents, its op and the op's constant, never a closure over
itself: there are no reference cycles, so a graph is freed by reference
counting the moment its output is dropped.
"""

from __future__ import annotations

import builtins
import copy
import copyreg
import functools
import itertools
import math
import numbers
import operator
import threading
from collections.abc import Callable, Container, Iterable, Iterator
from typing import TYPE_CHECKING, Any, cast

from autograd import arguments
from autograd import numeric as num
from autograd.arguments import real, short
from autograd.collector import gc_paused
from autograd.mode import (
    ANOMALY,
    BIRTHS,
    GRAD,
    MODE,
    TRACING,
    check_backward,
    check_forward,
    traced,
)

if TYPE_CHECKING:
    from typing_extensions import Self

Number = int | float

# The current moment, which every leaf records at its birth. A transform starts a new
# moment (tick) before it makes its variables: a leaf older than that was captured from
# outside, so the transform's result must stay connected to it.
_clock = 0
_ticks = itertools.count(1)
_clock_lock = threading.Lock()


class Value:
    """A scalar in a computation graph: its data, its gradient, and how it was made."""

    # op is the Op that made the node ("" for a leaf you made) and ctx its constant.
    # site (where the node was made) is set only under detect_anomaly(): unset, it costs nothing.
    # _born is a leaf's moment of birth (see `tick`), so transforms can tell captured Values;
    # inside checkpoint (mode BIRTHS) every node records it. Unset, it counts as 0: before all.
    # hooks (register_hook) is set only on a Value that has some: unset, it costs nothing.
    __slots__ = ("data", "grad", "label", "op", "parents", "ctx", "site", "hooks", "_born")
    __array_ufunc__ = None  # numpy defers to our reflected operators: 2.0 * x stays a Value

    def __init__(self, data: Number | numbers.Real, label: str = "") -> None:
        """A leaf holding `data` (a real number, kept as a float), with an optional label."""
        self.data = real(data, "Value")
        if not isinstance(label, str):
            raise TypeError(f"Value: label must be a str, got {type(label).__name__}")
        self.grad: Any = 0.0
        self.label = label
        self.op: str = ""
        self.parents: tuple[Value, ...] = ()
        self.ctx: Any = None
        self._born = _clock

    # copy and pickle keep every slot but the moment of birth (a copy is born when made) and
    # the hooks (functions). A graph copies and pickles without recursion, however deep:
    # a node lists the nodes behind it not yet done, in topological order, ahead of its own
    # parents, so each of them finds its parents done already and pickles its own slots
    # only; deepcopy copies the nodes in that order, each after its parents.
    def __getstate__(self) -> dict[str, Any]:
        """What copy and pickle keep: every slot but the moment of birth and hooks."""
        return dict(zip(_KEPT, self._kept()))

    def _kept(self) -> tuple:
        site = getattr(self, "site", None)  # set only under detect_anomaly()
        kept = (self.data, self.grad, self.label, self.op, self.parents, self.ctx)
        return kept if site is None else (*kept, site)

    def __setstate__(self, state: dict[str, Any] | tuple) -> None:
        """Restore a copied or unpickled Value (files of older versions too)."""
        if isinstance(state, tuple):  # _kept()
            self.data, self.grad, self.label, self.op, self.parents, self.ctx = state[:6]
            if len(state) > 6:
                self.site = state[6]
        else:  # a dict: a root's, and older files'
            for k, v in state.items():
                if k[0] != "_":
                    setattr(self, k, v)
                elif k in _RENAMED:  # older files (leaves; not graphs of old ops)
                    setattr(self, _RENAMED[k], v)
                # else: older files' derivative function (the op holds it now), pickle's lists
        self._born = _clock

    def __reduce__(self) -> Any:
        """Pickle this Value; a node lists the graph behind it first (see above)."""
        state: Any = self._kept()
        if self.parents:
            me, listed, done = id(self), _pickling.listed, _pickling.done
            if me in done or len(done) > 1 << 18:  # pickled before: so this is another pickle
                done.clear()
            done.add(me)
            if me in listed:  # listed by a node being pickled: its parents come first
                listed.discard(me)
            else:
                ahead = _behind(self, done)
                if ahead:
                    listed.update(map(id, ahead))
                    # the last key unlists those the pickle had already (memo), when all are done
                    state = {"_ahead": ahead, **dict(zip(_KEPT, state)), "_done": _Unlist(ahead)}
        return copyreg.__newobj__, _VALUE, state  # type: ignore[attr-defined]  # (not in typeshed)

    def __copy__(self) -> Value:
        """copy.copy: a new Value with the same slots (the same parents)."""
        new = _new(Value)
        new.__setstate__(self._kept())
        return new

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        """copy.deepcopy: a copy of this Value and of the graph behind it, node by node."""
        keep = memo.setdefault(id(memo), [])  # as copy's own: ids in memo stay valid
        with gc_paused():  # a million new objects, and no cycle among them
            for node in (*_behind(self, memo), self):
                if id(node) in memo:  # copied meanwhile, as part of a gradient's graph
                    continue
                new = memo[id(node)] = _new(Value)
                keep.append(node)
                data, grad, label, op, parents, ctx, *site = node._kept()
                inner = tuple(
                    memo[id(p)] if id(p) in memo else copy.deepcopy(p, memo) for p in parents
                )
                if type(grad) is not float:  # a Value with create_graph
                    grad = _deep(grad, memo)
                kept = (_deep(data, memo), grad, _deep(label, memo), _deep(op, memo))
                new.__setstate__((*kept, inner, ctx if ctx is None else _deep(ctx, memo), *site))
        return memo[id(self)]

    def __repr__(self) -> str:
        """Value(data=..., grad=...), then the op that made it (as PyTorch shows grad_fn)
        and the label, when there are."""
        op = f", op={str(self.op)!r}" if self.op else ""
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{op}{label})"

    # A Value stands in for its number wherever Python asks for one: float(v), int(v),
    # round(v), math.floor(v), f"{v:.3f}", and `if v:` (true when the data is nonzero,
    # as for a PyTorch scalar tensor). While autograd.compile traces, these and the
    # comparisons below warn (mode.traced): the trace would freeze what Python decides.
    def __float__(self) -> float:
        """float(v): the data."""
        if MODE.get() & TRACING:
            traced("float(v)")
        return self.data

    def __int__(self) -> int:
        """int(v): the data truncated toward 0."""
        if MODE.get() & TRACING:
            traced("int(v)")
        return int(self.data)

    def __bool__(self) -> bool:
        """True when the data is nonzero, as for a PyTorch scalar tensor."""
        if MODE.get() & TRACING:
            traced("bool(v) (an if or while on a Value)")
        return bool(self.data)

    def __round__(self, ndigits: int | None = None) -> Any:
        """round(v) or round(v, ndigits), of the data (a number, not a node)."""
        if MODE.get() & TRACING:
            traced("round(v)")
        return round(self.data, ndigits)

    def __trunc__(self) -> int:
        """math.trunc(v), of the data."""
        if MODE.get() & TRACING:
            traced("math.trunc(v)")
        return math.trunc(self.data)

    def __floor__(self) -> int:
        """math.floor(v), of the data."""
        if MODE.get() & TRACING:
            traced("math.floor(v)")
        return math.floor(self.data)

    def __ceil__(self) -> int:
        """math.ceil(v), of the data."""
        if MODE.get() & TRACING:
            traced("math.ceil(v)")
        return math.ceil(self.data)

    def __format__(self, spec: str) -> str:
        """format(v, spec): the data formatted (f"{v:.3f}"); with no spec, str(v)."""
        return format(self.data, spec) if spec else str(self)

    def item(self) -> float:
        """The data as a Python float."""
        if MODE.get() & TRACING:
            traced("v.item()")
        return self.data

    def detach(self) -> Value:
        """A new leaf with the same data (and label), cut off from the graph."""
        return Value(self.data, self.label)

    # Ordering compares data, as a scalar tensor does. Equality stays identity (`==` is
    # `is`), so that Values can live in sets and dicts, as graphs and optimizers need:
    # compare numbers with `a.data == b.data`.
    def __lt__(self, other: Any) -> bool:
        """self.data < other (a Value or a number)."""
        if MODE.get() & TRACING:
            traced("a < comparison (or min, max, sorted)")
        return self.data < _data(other)

    def __le__(self, other: Any) -> bool:
        """self.data <= other (a Value or a number)."""
        if MODE.get() & TRACING:
            traced("a <= comparison")
        return self.data <= _data(other)

    def __gt__(self, other: Any) -> bool:
        """self.data > other (a Value or a number)."""
        if MODE.get() & TRACING:
            traced("a > comparison (or min, max, sorted)")
        return self.data > _data(other)

    def __ge__(self, other: Any) -> bool:
        """self.data >= other (a Value or a number)."""
        if MODE.get() & TRACING:
            traced("a >= comparison")
        return self.data >= _data(other)

    # ---- arithmetic: each makes a node with an op from the table below ----------
    # +, -, *, unary - and relu, the hot path of every network, write their op's forward
    # formula out inline (one Python call fewer per node); the others call op.forward.

    def __add__(self, other: Any) -> Value:
        """self + other."""
        other = _operand(other)
        if other is None:
            return NotImplemented
        return _result(self.data + other.data, (self, other), ADD)

    def __radd__(self, other: Any) -> Value:
        """other + self."""
        other = _operand(other)
        if other is None:
            return NotImplemented
        return _result(other.data + self.data, (other, self), ADD)

    def __sub__(self, other: Any) -> Value:
        """self - other."""
        other = _operand(other)
        if other is None:
            return NotImplemented
        return _result(self.data - other.data, (self, other), SUB)

    def __rsub__(self, other: Any) -> Value:
        """other - self."""
        other = _operand(other)
        if other is None:
            return NotImplemented
        return _result(other.data - self.data, (other, self), SUB)

    def __mul__(self, other: Any) -> Value:
        """self * other."""
        other = _operand(other)
        if other is None:
            return NotImplemented
        return _result(self.data * other.data, (self, other), MUL)

    def __rmul__(self, other: Any) -> Value:
        """other * self."""
        other = _operand(other)
        if other is None:
            return NotImplemented
        return _result(other.data * self.data, (other, self), MUL)

    def __truediv__(self, other: Any) -> Value:
        """self / other."""
        other = _operand(other)
        if other is None:
            return NotImplemented
        return _result(DIV.forward(None, self.data, other.data), (self, other), DIV)

    def __rtruediv__(self, other: Any) -> Value:
        """other / self."""
        other = _operand(other)
        if other is None:
            return NotImplemented
        return _result(DIV.forward(None, other.data, self.data), (other, self), DIV)

    def __pow__(self, other: Any) -> Value:
        """self ** other: other a constant (a number) or a Value."""
        if isinstance(other, Value):
            return _result(POW.forward(None, self.data, other.data), (self, other), POW)
        if not isinstance(other, numbers.Real):
            return NotImplemented
        return _unary(POW_CONST, self, real(other, "pow: exponent"))

    def __rpow__(self, other: Any) -> Value:
        """other ** self."""
        other = _operand(other)
        if other is None:
            return NotImplemented
        return _result(POW.forward(None, other.data, self.data), (other, self), POW)

    def pow(self, exponent: Value | Number) -> Value:
        """self ** exponent, as torch.pow."""
        return self**exponent

    def __neg__(self) -> Value:
        """-self."""
        return _result(-self.data, (self,), NEG)

    def __pos__(self) -> Value:
        """+self: self itself."""
        return self

    def __abs__(self) -> Value:
        """abs(self): |self|."""
        return _unary(ABS, self)

    # ---- functions ----------------------------------------------------------

    def exp(self) -> Value:
        """e ** self."""
        return _unary(EXP, self)

    def log(self) -> Value:
        """The natural logarithm of self (self > 0)."""
        return _unary(LOG, self)

    def sqrt(self) -> Value:
        """The square root of self (self >= 0)."""
        return _unary(SQRT, self)

    def tanh(self) -> Value:
        """The hyperbolic tangent of self: (e ** 2x - 1) / (e ** 2x + 1)."""
        return _unary(TANH, self)

    def sigmoid(self) -> Value:
        """1 / (1 + e ** -self), the logistic function."""
        return _unary(SIGMOID, self)

    def relu(self) -> Value:
        """max(self, 0); its slope is 0 at 0, and nan stays nan, as in PyTorch."""
        return _result(0.0 if (x := self.data) <= 0 else x, (self,), RELU)

    def leaky_relu(self, negative_slope: float = 0.01) -> Value:
        """self for self > 0, negative_slope * self otherwise."""
        return _unary(LEAKY_RELU, self, real(negative_slope, "leaky_relu: negative_slope"))

    def sin(self) -> Value:
        """The sine of self (in radians)."""
        return _unary(SIN, self)

    def cos(self) -> Value:
        """The cosine of self (in radians)."""
        return _unary(COS, self)

    def expm1(self) -> Value:
        """e ** self - 1, accurate for self near 0."""
        return _unary(mathlib.EXPM1, self)

    def log1p(self) -> Value:
        """log(1 + self), accurate for self near 0."""
        return _unary(mathlib.LOG1P, self)

    def exp2(self) -> Value:
        """2 ** self."""
        return _unary(mathlib.EXP2, self)

    def log2(self) -> Value:
        """The base-2 logarithm of self."""
        return _unary(mathlib.LOG2, self)

    def log10(self) -> Value:
        """The base-10 logarithm of self."""
        return _unary(mathlib.LOG10, self)

    def square(self) -> Value:
        """self ** 2."""
        return _unary(mathlib.SQUARE, self)

    def reciprocal(self) -> Value:
        """1 / self."""
        return _unary(mathlib.RECIPROCAL, self)

    def rsqrt(self) -> Value:
        """1 / sqrt(self)."""
        return _unary(mathlib.RSQRT, self)

    # ---- the math library (autograd/mathlib.py holds these ops) --------------

    def abs(self) -> Value:
        """|self|; its slope at 0 is 0, as in PyTorch."""
        return _unary(ABS, self)

    def deg2rad(self) -> Value:
        """self, an angle in degrees, in radians: self * pi / 180."""
        return _unary(mathlib.RADIANS, self)

    def rad2deg(self) -> Value:
        """self, an angle in radians, in degrees: self * 180 / pi."""
        return _unary(mathlib.DEGREES, self)

    def tan(self) -> Value:
        """The tangent of self (in radians)."""
        return _unary(mathlib.TAN, self)

    def asin(self) -> Value:
        """The arcsine of self, in [-pi/2, pi/2] (self in [-1, 1])."""
        return _unary(mathlib.ASIN, self)

    def acos(self) -> Value:
        """The arccosine of self, in [0, pi] (self in [-1, 1])."""
        return _unary(mathlib.ACOS, self)

    def atan(self) -> Value:
        """The arctangent of self, in (-pi/2, pi/2)."""
        return _unary(mathlib.ATAN, self)

    def sinh(self) -> Value:
        """The hyperbolic sine of self: (e ** self - e ** -self) / 2."""
        return _unary(mathlib.SINH, self)

    def cosh(self) -> Value:
        """The hyperbolic cosine of self: (e ** self + e ** -self) / 2."""
        return _unary(mathlib.COSH, self)

    def asinh(self) -> Value:
        """The inverse hyperbolic sine of self."""
        return _unary(mathlib.ASINH, self)

    def acosh(self) -> Value:
        """The inverse hyperbolic cosine of self (self >= 1)."""
        return _unary(mathlib.ACOSH, self)

    def atanh(self) -> Value:
        """The inverse hyperbolic tangent of self (self in (-1, 1))."""
        return _unary(mathlib.ATANH, self)

    def sinc(self) -> Value:
        """The normalised sinc: sin(pi * self) / (pi * self), and 1 at 0."""
        return _unary(mathlib.SINC, self)

    def erf(self) -> Value:
        """The error function of self: 2 / sqrt(pi) times the integral of e ** -t**2 from 0."""
        return _unary(mathlib.ERF, self)

    def erfc(self) -> Value:
        """1 - erf(self), accurate where erf(self) is near 1."""
        return _unary(mathlib.ERFC, self)

    def erfinv(self) -> Value:
        """The inverse of erf: the y with erf(y) = self (self in (-1, 1))."""
        return _unary(mathlib.ERFINV, self)

    def lgamma(self) -> Value:
        """log |gamma(self)|."""
        return _unary(mathlib.LGAMMA, self)

    def digamma(self) -> Value:
        """The logarithmic derivative of gamma: lgamma'(self)."""
        return _unary(mathlib.DIGAMMA, self)

    def i0(self) -> Value:
        """The modified Bessel function of the first kind, of order 0."""
        return _unary(mathlib.I0, self)

    def floor(self) -> Value:
        """The largest integer <= self, as a float (slope 0)."""
        return _unary(mathlib.FLOOR, self)

    def ceil(self) -> Value:
        """The smallest integer >= self, as a float (slope 0)."""
        return _unary(mathlib.CEIL, self)

    def trunc(self) -> Value:
        """self rounded toward 0, as a float (slope 0)."""
        return _unary(mathlib.TRUNC, self)

    def round(self) -> Value:
        """self rounded to the nearest integer, half to even, as a float (slope 0)."""
        return _unary(mathlib.ROUND, self)

    def sign(self) -> Value:
        """-1, 0 or 1 as self is negative, zero or positive; 0 at nan (slope 0)."""
        return _unary(mathlib.SIGN, self)

    def frac(self) -> Value:
        """The fractional part of self: self - trunc(self)."""
        return _unary(mathlib.FRAC, self)

    def atan2(self, other: Value | Number) -> Value:
        """The angle of the point (other, self): atan(self / other) in the right quadrant."""
        return _binary(mathlib.ATAN2, self, other)

    def hypot(self, other: Value | Number) -> Value:
        """sqrt(self ** 2 + other ** 2), without overflow."""
        return _binary(mathlib.HYPOT, self, other)

    def logaddexp(self, other: Value | Number) -> Value:
        """log(e ** self + e ** other), without overflow."""
        return _binary(mathlib.LOGADDEXP, self, other)

    def logaddexp2(self, other: Value | Number) -> Value:
        """log2(2 ** self + 2 ** other), without overflow."""
        return _binary(mathlib.LOGADDEXP2, self, other)

    def xlogy(self, other: Value | Number) -> Value:
        """self * log(other), and 0 where self is 0 (as torch.special.xlogy)."""
        return _binary(mathlib.XLOGY, self, other)

    def copysign(self, other: Value | Number) -> Value:
        """|self| with the sign of other."""
        return _binary(mathlib.COPYSIGN, self, other)

    def fmod(self, other: Value | Number) -> Value:
        """The remainder of self / other with the sign of self (C's fmod, torch.fmod)."""
        return _binary(mathlib.FMOD, self, other)

    def remainder(self, other: Value | Number) -> Value:
        """The remainder of self / other with the sign of other (Python's %)."""
        return _binary(mathlib.REMAINDER, self, other)

    def maximum(self, other: Value | Number) -> Value:
        """The larger of self and other (nan if either is); a tie splits the gradient."""
        return _binary(mathlib.MAXIMUM, self, other)

    def minimum(self, other: Value | Number) -> Value:
        """The smaller of self and other (nan if either is); a tie splits the gradient."""
        return _binary(mathlib.MINIMUM, self, other)

    def fmax(self, other: Value | Number) -> Value:
        """The larger of self and other, ignoring a nan (as torch.fmax)."""
        return _binary(mathlib.FMAX, self, other)

    def fmin(self, other: Value | Number) -> Value:
        """The smaller of self and other, ignoring a nan (as torch.fmin)."""
        return _binary(mathlib.FMIN, self, other)

    def __mod__(self, other: Any) -> Value:  # Python's %, PyTorch's remainder: b's sign
        """self % other, with the sign of other (Python's %, torch.remainder)."""
        if _operand(other) is None:
            return NotImplemented
        return _binary(mathlib.REMAINDER, self, other)

    def __rmod__(self, other: Any) -> Value:
        """other % self, with the sign of self (Python's %, torch.remainder)."""
        if _operand(other) is None:
            return NotImplemented
        return _binary(mathlib.REMAINDER, other, self)

    def polygamma(self, n: int) -> Value:
        """The n-th derivative of digamma (n = 0 is digamma itself), as torch.polygamma(n, x)."""
        return _unary(mathlib.POLYGAMMA, self, arguments.order(n, "polygamma"))

    def logit(self, eps: float | None = None) -> Value:
        """log(x / (1 - x)); with eps, x is first clamped to [eps, 1 - eps], as PyTorch."""
        return _unary(mathlib.LOGIT, self, arguments.logit_eps(eps))

    def heaviside(self, values: Value | Number) -> Value:
        """0 below 0, 1 above, and `values` at 0, as torch.heaviside."""
        return _binary(mathlib.HEAVISIDE, self, values)

    def where(self, condition: Any, other: Value | Number) -> Value:
        """self where condition (a bool, or a Value: true when nonzero) holds, else other."""
        return _ternary(mathlib.WHERE, condition, self, other)

    def clamp(self, min: Number | None = None, max: Number | None = None) -> Value:  # noqa: A002
        """self within [min, max] (either may be None), as torch.clamp."""
        return _unary(mathlib.CLAMP, self, arguments.bounds(min, max, "clamp"))

    def hardshrink(self, lambd: float = 0.5) -> Value:
        """self outside [-lambd, lambd], 0 inside."""
        return _unary(mathlib.HARDSHRINK, self, arguments.lambd(lambd, "hardshrink"))

    # ---- backpropagation ----------------------------------------------------

    def register_hook(self, hook: Callable[[Any], Any]) -> HookHandle:
        """Call hook(gradient) whenever backward (or a transform) computes this Value's
        gradient; a value it returns replaces the gradient, as in PyTorch. For a leaf,
        before it is added to `.grad`; for a node, before it flows on to the parents.
        Returns a handle whose `.remove()` takes the hook off."""
        if not callable(hook):
            raise TypeError(
                f"register_hook: hook must be callable, got {type(hook).__name__} {short(hook)}"
            )
        with _hooks.lock:
            if not getattr(self, "hooks", None):
                self.hooks: list[Callable] = []
                _hooks.count += 1
            self.hooks.append(hook)
        return HookHandle(self, hook)

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
        leaf keeps its `.grad`. All or nothing: if anything raises (a derivative, a
        hook, a sum under detect_anomaly), every `.grad` is as it was before the call.
        """
        gradient = real(gradient, "backward: gradient")
        if self.op and not self.parents:
            raise RuntimeError(
                f"backward: this Value ({self.op} = {self.data!r}) was computed under "
                "no_grad() and has no graph; compute it with gradients enabled"
            )
        wanted = None if inputs is None else dict.fromkeys(_inputs(inputs))
        order = topological_order(self)
        inner, leaves = backpropagate(self, gradient, create_graph, order)
        # every new .grad computed first (a sum may raise), then all stored at once
        sums = [
            (leaf, g if leaf.grad is None else leaf.grad + g)  # leaf gradients accumulate
            for leaf, g in leaves.items()
            if wanted is None or leaf in wanted
        ]
        for node, g in zip(order, inner):  # intermediate gradients: recomputed, not accumulated
            node.grad = g
        for leaf, g in sums:
            leaf.grad = g


_KEPT = ("data", "grad", "label", "op", "parents", "ctx", "site")  # Value._kept()'s order
_RENAMED = {"_site": "site", "_ctx": "ctx"}  # slots of older versions
_ATOMIC = {float, int, str, bool, type(None)}  # what deepcopy returns as it is


def _deep(v: Any, memo: dict[int, Any]) -> Any:
    """copy.deepcopy(v, memo), without the call for a number, a str or a built-in op."""
    if type(v) in _ATOMIC or (type(v) is Op and id(v) in _BUILTIN_NAMES):
        return v
    return copy.deepcopy(v, memo)


def _behind(root: Value, done: Container[int]) -> list[Value]:
    """The nodes behind `root` (not root, not leaves) whose id is not in `done`, nor
    behind one that is, each after its parents."""
    order: list[Value] = []
    if root.parents:
        _depth_first(root, _Done(done), order)
        order.pop()  # root
    return order


class _Done(set):
    """A set of Values that also holds those whose ids are in `ids`."""

    def __init__(self, ids: Container[int]) -> None:
        self.ids = ids

    def __contains__(self, v: object) -> bool:
        return id(v) in self.ids or set.__contains__(self, v)


class _Pickling(threading.local):
    """In this thread: the ids of the nodes listed ahead by a node being pickled, and of
    the nodes pickled since the last pickle began (as far as can be told: see __reduce__)."""

    def __init__(self) -> None:
        self.listed: set[int] = set()
        self.done: set[int] = set()


_pickling = _Pickling()
_VALUE = (Value,)  # one tuple for every Value pickled: pickle writes it once


class _Unlist:
    """Pickled after a node's list: forgets the nodes of it that the pickle had already."""

    def __init__(self, nodes: list[Value]) -> None:
        self.nodes = nodes

    def __reduce__(self) -> Any:
        _pickling.listed.difference_update(map(id, self.nodes))
        return bool, ()  # loads as False, which __setstate__ ignores


def backpropagate(
    root: Value,
    gradient: Any = 1.0,
    create_graph: bool = False,
    order: list[Value] | None = None,
    hooks: bool = True,
    seeds: dict[Value, Any] | None = None,
) -> tuple[list[Any], dict[Value, Any]]:
    """d(root)/d(node) * gradient for everything behind root: (inner, leaves).

    The chain rule, the one place it lives: walk outputs before inputs and pass
    each node's gradient to its parents, scaled by the local derivative. `inner`
    holds the gradient of each node of `order` (root's topological order, its
    non-leaf nodes: pass it if you have it), `leaves` the gradient of each leaf
    reached. Nothing is written into `.grad`: `Value.backward` stores them there,
    and the transforms read them. `seeds` ({output: gradient}) starts from several
    outputs at once (then `order` must cover them all); `hooks=False` runs no hook.
    """
    if order is None:
        order = topological_order(root)
    anomaly = MODE.get() & ANOMALY
    # gradients still adding up; at the end, the leaves'
    pending = {root: gradient} if seeds is None else dict(seeds)
    take, get = pending.pop, pending.get
    hooks = hooks and _hooks.count > 0
    if hooks:  # some Value has hooks: each sees (and may replace) its gradient
        take = functools.partial(_hooked, pending.pop)
    inner = []  # each inner node's final gradient, from the last node to the first
    for node in reversed(order):
        g = take(node, 0.0)  # complete: every node that uses this one came before it
        inner.append(g)
        if g == 0.0:
            continue  # nothing flows from here: skip the derivative work
        parents = node.parents
        # a node with parents holds its Op (only a leaf's op is a plain str); no cast() here,
        # a call per node on the hot path
        op: Op = node.op  # type: ignore[assignment]
        if op is ADD and not anomaly:  # the commonest ops, their derivatives written out
            a, b = parents
            pending[a] = get(a, 0.0) + g
            pending[b] = get(b, 0.0) + g
            continue
        try:
            if create_graph:  # the same derivative formulas, on Values
                local = op.derivatives(node.ctx, node, *parents)
            elif op is MUL:
                local = (parents[1].data, parents[0].data)
            elif op is DOT and not anomaly:  # d/dw is x and d/dx is w: no tuples built
                n = node.ctx
                ws, xs = parents[:n], parents[n : 2 * n]
                for w, x in zip(ws, xs):
                    d = x.data
                    if d != 0.0:
                        pending[w] = get(w, 0.0) + d * g
                for w, x in zip(ws, xs):
                    d = w.data
                    if d != 0.0:
                        pending[x] = get(x, 0.0) + d * g
                if len(parents) > 2 * n:
                    b = parents[-1]
                    pending[b] = get(b, 0.0) + g
                continue
            elif len(parents) == 1:  # a unary op: no list of one number to build
                local = op.derivatives(node.ctx, node.data, parents[0].data)
            else:
                local = op.derivatives(node.ctx, node.data, *[p.data for p in parents])
        except (ArithmeticError, ValueError) as error:
            raise _undefined(node, error) from None
        if anomaly:
            check_backward(node, local, g)
        for parent, d in zip(parents, local):
            if d == 0.0:
                continue  # nothing flows through a zero derivative, not even inf * 0
            pending[parent] = get(parent, 0.0) + d * g
    inner.reverse()
    if hooks:
        for leaf in pending:
            if getattr(leaf, "hooks", None):
                pending[leaf] = _run_hooks(leaf, pending[leaf])
    return inner, pending


# ---- hooks: functions that see a Value's gradient in backward ------------------------------


class _HookCount:
    count = 0  # Values with hooks: while 0, backpropagate runs as if hooks did not exist
    lock = threading.Lock()  # registering and removing, from any thread


_hooks = _HookCount()


def _hooked(pop: Callable, node: Value, default: Any) -> Any:
    return (
        _run_hooks(node, pop(node, default)) if getattr(node, "hooks", None) else pop(node, default)
    )


def _run_hooks(node: Value, g: Any) -> Any:
    for hook in list(node.hooks):
        replaced = hook(g)
        if replaced is not None:
            g = (
                replaced
                if isinstance(replaced, Value)
                else real(replaced, "hook: the gradient it returned")
            )
    return g


class HookHandle:
    """What register_hook returns: `.remove()` takes the hook off again."""

    def __init__(self, value: Value, hook: Callable) -> None:
        """The handle of `hook`, registered on `value`."""
        self.value, self.hook = value, hook

    def remove(self) -> None:
        """Take the hook off the Value (nothing happens if it is off already)."""
        with _hooks.lock:
            hooks = getattr(self.value, "hooks", None)
            if hooks and self.hook in hooks:
                hooks.remove(self.hook)
                if not hooks:
                    del self.value.hooks
                    _hooks.count -= 1


def push_tangents(
    order: list[Value],
    seeds: dict[Value, Any],
    create_graph: bool = False,
    cache: dict[Value, tuple] | None = None,
) -> dict[Value, Any]:
    """Forward mode: d(node)/dt for every node of `order`, given the tangents of `seeds`.

    The chain rule the other way round: walk inputs before outputs and give each node
    the sum of its parents' tangents, each scaled by the same local derivative that
    backward uses (one formula per op). `order` must hold every inner node the seeds
    reach, each after its parents (a topological order); a seeded node keeps its seed.
    Nothing flows where no parent has a tangent, and its derivatives are not evaluated.
    `cache` (node -> local derivatives) lets repeated passes over one graph skip them.
    """
    tangent = dict(seeds)
    get = tangent.get
    for node in order:
        if node in seeds:
            continue
        parents = node.parents
        ts = [get(p, 0.0) for p in parents]
        if all(type(t) is float and t == 0.0 for t in ts):
            continue  # no tangent reaches this node
        local = None if cache is None else cache.get(node)
        if local is None:
            local = local_derivatives(node, create_graph)
            if cache is not None:
                cache[node] = local
        total: Any = 0.0
        for d, t in zip(local, ts):
            if (type(t) is float and t == 0.0) or (type(d) is float and d == 0.0):
                continue  # nothing flows through a zero, not even inf * 0
            total = d * t if type(total) is float and total == 0.0 else total + d * t
        tangent[node] = total
    return tangent


def local_derivatives(node: Value, create_graph: bool = False) -> tuple:
    """node's op's local derivatives, on Values (create_graph) or floats; errors named."""
    parents = node.parents
    op = cast(Op, node.op)  # a node with parents holds its Op
    try:
        if create_graph:
            return op.derivatives(node.ctx, node, *parents)
        return op.derivatives(node.ctx, node.data, *[p.data for p in parents])
    except (ArithmeticError, ValueError) as error:
        raise _undefined(node, error) from None


def _undefined(node: Value, error: Exception) -> ValueError:
    inputs = ", ".join(repr(p.data) for p in node.parents)
    return ValueError(f"{node.op}: derivative is undefined at input {inputs} ({error})")


def _data(x: Any) -> Any:
    return x.data if isinstance(x, Value) else x


def _operand(x: Any) -> Value | None:
    """The other operand of a binary op as a Value; None when it is not a number."""
    if isinstance(x, Value):
        return x
    if type(x) is float:  # a constant leaf, made without Value()'s checks: a float passes
        v = _new(Value)
        v.data, v.grad, v.label, v.op, v.parents, v.ctx, v._born = x, 0.0, "", "", (), None, _clock
        return v
    if type(x) is int or isinstance(x, numbers.Real):
        return Value(x)
    return None


_new = object.__new__


def _result(data: float, parents: tuple, op: Op, ctx: Any = None) -> Value:
    """The output node of an op; under no_grad, a leaf that keeps only the op's name."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out.op = op
    mode = MODE.get()
    if mode == GRAD:  # the common case: record the graph, nothing more
        out.parents = parents
        out.ctx = ctx
        return out
    if mode & GRAD:
        out.parents = parents
        out.ctx = ctx
        if mode & BIRTHS:  # inside checkpoint: the node says when it was made
            out._born = _clock
    else:  # a leaf, which keeps the op's name only to refuse backward()
        out.op = str(op)
        out.parents = ()
        out.ctx = None
        out._born = _clock
    if mode & ANOMALY:
        check_forward(out, op, parents)
    return out


def _unary(op: Op, x: Value, ctx: Any = None) -> Value:
    return _result(op.forward(ctx, x.data), (x,), op, ctx)


def _binary(op: Op, a: Any, b: Any, ctx: Any = None) -> Value:
    """op of two operands, numbers made constant leaves; a TypeError naming op otherwise."""
    x, y = _operand(a), _operand(b)
    if x is None or y is None:
        bad = b if x is not None else a
        raise TypeError(
            f"{op}: expected a Value or a number, got {type(bad).__name__} {short(bad)}"
        )
    return _result(op.forward(ctx, x.data, y.data), (x, y), op, ctx)


def _ternary(op: Op, condition: Any, a: Any, b: Any) -> Value:
    """where's three operands: a bool condition becomes a constant 1.0 or 0.0."""
    if num.is_bool(condition):  # numpy's bool too
        condition = Value(float(condition))
    parents: list[Value] = []
    for v in (condition, a, b):
        p = _operand(v)
        if p is None:
            raise TypeError(
                f"{op}: expected a Value, a number or a bool, got {type(v).__name__} {short(v)}"
            )
        parents.append(p)
    return _result(op.forward(None, *[p.data for p in parents]), tuple(parents), op)


def as_values(values: Any, where: str) -> list[Value]:
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
    parents = tuple(as_values(values, "sum"))
    if not parents:
        return Value(0.0)
    return _result(SUM.forward(None, *[p.data for p in parents]), parents, SUM)


def dot(
    weights: Iterable[Value | Number],
    inputs: Iterable[Value | Number],
    bias: Value | Number | None = None,
) -> Value:
    """One node for sum(w * x for w, x in zip(weights, inputs)) + bias.

    A neuron's weighted sum as a single node: a fraction of the graph that
    separate `*` and `+` nodes would make, and one box in a drawing.
    """
    ws, xs = as_values(weights, "dot"), as_values(inputs, "dot")
    if len(ws) != len(xs):
        raise ValueError(f"dot: {len(ws)} weights but {len(xs)} inputs")
    if bias is None and not ws:
        return Value(0.0)  # as sum([]): a constant, not a node without inputs
    if bias is not None and not isinstance(bias, Value):
        bias = Value(real(bias, "dot: bias"))
    # DOT.forward's sum, read straight from the Values (no list of their numbers first)
    total = builtins.sum([w.data * x.data for w, x in zip(ws, xs)], 0.0)
    if bias is None:
        return _result(total, (*ws, *xs), DOT, len(ws))
    return _result(total + bias.data, (*ws, *xs, bias), DOT, len(ws))


def logsumexp(values: Iterable[Value | Number]) -> Value:
    """One node for log(sum(exp(v) for v in values)), computed without overflow."""
    parents = tuple(as_values(values, "logsumexp"))
    if not parents:
        raise ValueError("logsumexp: needs at least one value")
    return _result(LOGSUMEXP.forward(None, *[p.data for p in parents]), parents, LOGSUMEXP)


def topological_order(root: Value, *more: Value) -> list[Value]:
    """The non-leaf nodes behind `root` (and the `more` roots), each after its parents.

    An iterative depth-first search: no recursion limit, whatever the depth.
    Leaves are left out: backward only adds into them.
    """
    order: list[Value] = []
    seen: set[Value] = set()
    for top in (root, *more):
        if top.parents and top not in seen:
            seen.add(top)
            _depth_first(top, seen, order)
    return order


def _depth_first(root: Value, seen: set[Value], order: list[Value]) -> None:
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


# ---- ops: one object each --------------------------------------------------------------


class Op(str):
    """An op: the name it shows (an Op *is* that string: `node.op == "exp"`) and its rules.

    - forward(ctx, *xs): the output from the inputs' numbers; it raises for a finite
      input outside the op's domain (nan, inf and overflow follow IEEE).
    - derivatives(ctx, out, *xs): d(out)/d(x) for each input. It is written once, in
      arithmetic that runs on floats (backward's fast path) and on Values (with
      create_graph=True), so every order of derivative follows.

    `ctx` is the op's constant (the exponent of `x ** 2`, leaky_relu's slope). The
    helpers both use (autograd/numeric.py: exp, where, ...) also take numpy arrays,
    so `autograd.compile` runs the same rules over a batch; `numpy_forward` and
    `numpy_derivatives` replace them where an array needs another formula, and are
    None for an op that cannot be compiled.

    - torch_forward(torch, ctx, *tensors): the forward in PyTorch's functions (torch is
      passed in: autograd never imports it), elementwise over tensors that broadcast
      (one lane per sample, or a block of them), for autograd.export; PyTorch's autograd
      differentiates it. None where an op has no torch form (export then refuses it).
    """

    forward: Callable[..., Any]
    derivatives: Callable[..., tuple]
    numpy_forward: Callable[..., Any] | None
    numpy_derivatives: Callable[..., tuple] | None
    torch_forward: Callable[..., Any] | None

    def __new__(
        cls,
        name: str,
        forward: Callable[..., Any],
        derivatives: Callable[..., tuple],
        numpy_forward: Callable[..., Any] | None = None,
        numpy_derivatives: Callable[..., tuple] | None = None,
        vectorized: bool = True,
        torch_forward: Callable[..., Any] | None = None,
    ) -> Self:
        """An op named `name`, with its rules (see the class docstring)."""
        op = str.__new__(cls, name)
        op.forward, op.derivatives = forward, derivatives
        op.numpy_forward = numpy_forward or (forward if vectorized else None)
        op.numpy_derivatives = numpy_derivatives or (derivatives if vectorized else None)
        op.torch_forward = torch_forward
        return op

    def node(self, parents: tuple[Value, ...], ctx: Any = None) -> Value:
        """The Value this op makes from `parents` (a node, or under no_grad a leaf)."""
        return _result(self.forward(ctx, *[p.data for p in parents]), parents, self, ctx)

    # Two ops are equal only if they are the same op, but an op equals its name as a plain
    # string (`node.op == "**"`), so it hashes as that string does.
    def __eq__(self, other: object) -> bool:
        """True for the same op, or for a plain str equal to its name."""
        return self is other or (type(other) is str and str.__eq__(self, other))

    def __ne__(self, other: object) -> bool:
        """The negation of ==."""
        return not self == other

    __hash__ = str.__hash__

    def __reduce__(self) -> Any:  # a built-in op pickles as the name of its constant
        """Pickle a built-in op by the name of its constant, another by its rules."""
        name = _BUILTIN_NAMES.get(id(self))
        if name is not None:
            return _builtin_op, (name,)
        rules = (self.forward, self.derivatives, self.numpy_forward, self.numpy_derivatives)
        # torch_forward last: a pickle made before it existed (six arguments) still loads
        return Op, (str(self), *rules, self.numpy_forward is not None, self.torch_forward)


def _builtin_op(name: str) -> Op:
    return _BUILTINS[name]


def _pow_forward(n: float, x: Any) -> Any:  # x ** n, n a constant
    num.refuse(
        (x == 0) & (n < 0), ZeroDivisionError, "pow: {} raised to the negative power {}", x, n
    )
    if math.isfinite(n) and not n.is_integer():
        num.refuse(
            (x < 0) & (x > -math.inf),
            ValueError,
            "pow: negative base {} with non-integer exponent {}",
            x,
            n,
        )
    return num.power_const(x, n)


def _d_pow_const(n: float, out: Any, x: Any) -> tuple[Any]:
    return (n * num.power_const(x, n - 1.0) if n else 0.0,)


def _power_forward(ctx: Any, x: Any, y: Any) -> Any:  # x ** y, y a Value
    num.refuse(  # a negative base takes integer exponents only (inf and nan are not integers)
        (x < 0) & (x > -math.inf) & (y % 1.0 != 0) & (y > -math.inf) & (y < math.inf),
        ValueError,
        "pow: a negative base {} needs an integer exponent, got {}",
        x,
        y,
    )
    num.refuse(
        (x == 0) & (y < 0), ZeroDivisionError, "pow: {} raised to the negative power {}", x, y
    )
    return num.power(x, y)


def _d_pow(ctx: Any, out: Any, x: Any, y: Any) -> tuple[Any, Any]:
    # out = x ** y; x < 0 only with an integer y
    # As PyTorch: x ** 0 is flat in x (even at 0 or nan), and 0 ** y (y >= 0) flat in y; at
    # 0 ** y with 0 < y < 1 the slope in x is infinite, and raises. A negative base has
    # no real log: the slope in y is nan there, as PyTorch's.
    dx = y * num.power(x, y - 1.0) if num.data(y) != 0 else 0.0
    if num.data(x) < 0:
        return dx, math.nan
    if num.data(x) == 0:  # 0 ** y: flat in y for y >= 0; nan for a nan y (log 0 times nan)
        return dx, (0.0 if num.data(y) >= 0 else math.nan)
    return dx, out * num.log(x)


def _np_d_pow(ctx: Any, out: Any, x: Any, y: Any) -> tuple[Any, Any]:
    # the same, lane by lane (no branch may divide by zero)
    np = num.numpy()
    at_zero = x == 0
    dx = np.where(y == 0, 0.0, y * num.power(x, np.where(y == 0, 1.0, y - 1.0)))
    log = np.where(at_zero, -np.inf, np.log(np.where(at_zero, 1.0, x)))
    return dx, np.where(at_zero & (y >= 0), 0.0, out * log)


def _divide(ctx: Any, a: Any, b: Any) -> Any:
    num.refuse(b == 0, ZeroDivisionError, "division: {} / {} divides by zero", a, b)
    return a / b


def _sqrt_forward(ctx: Any, x: Any) -> Any:
    num.refuse((x < 0) & (x > -math.inf), ValueError, "sqrt: input must be non-negative, got {}", x)
    return num.sqrt(x)


def _dot_forward(n: int, *args: Any) -> Any:  # args = weights, inputs[, bias]
    total = builtins.sum(map(operator.mul, args[:n], args[n : 2 * n]), 0.0)
    return total + args[2 * n] if len(args) > 2 * n else total


def _d_dot(n: int, out: Any, *args: Any) -> tuple[Any, ...]:
    ws, xs = args[:n], args[n : 2 * n]
    return xs + ws + (1.0,) * (len(args) - 2 * n)


def _logsumexp_forward(ctx: Any, *xs: Any) -> Any:
    top = max(xs)  # shift by the largest, so exp cannot overflow
    if math.isfinite(top):
        return top + math.log(builtins.sum([math.exp(x - top) for x in xs]))
    return math.nan if any(x != x for x in xs) else top  # inf, all -inf, or a nan


def _np_logsumexp(ctx: Any, *xs: Any) -> Any:
    np = num.numpy()
    top = functools.reduce(np.maximum, xs)  # pairwise: lanes and lane-independent values mix
    finite = np.isfinite(top)  # inf, all -inf or a nan: the answer is top itself
    shift = np.where(finite, top, 0.0)
    return np.where(finite, shift + np.log(builtins.sum(np.exp(x - shift) for x in xs)), top)


def _relu(ctx: Any, x: Any) -> Any:  # nan stays nan, and its slope there is 1, as in PyTorch
    if type(x) is float:  # the hot path of every ReLU network: no helper call
        return 0.0 if x <= 0 else x
    if num.is_array(x):  # the same numbers, several times faster than np.where
        out = num.numpy().maximum(x, 0.0)  # nan stays nan
        out += 0.0  # and -0.0 becomes 0.0
        return out
    return num.where(x <= 0, 0.0, x)


def _d_relu(ctx: Any, out: Any, x: Any) -> tuple[Any]:
    if type(x) is float:  # the hot path of every ReLU network: no helper call
        return (0.0 if x <= 0 else 1.0,)
    if num.is_array(x):
        return (1.0 - (x <= 0),)  # 1 at nan, as below
    return (num.where(x <= 0, 0.0, 1.0),)


def _log_forward(ctx: Any, x: Any) -> Any:
    num.refuse((x <= 0) & (x > -math.inf), ValueError, "log: input must be positive, got {}", x)
    return num.elementwise(x, lambda v: math.log(v) if v > 0 else math.nan, "log")


def _torch_dot(t: Any, n: int, *xs: Any) -> Any:  # xs = weights, inputs[, bias]
    rows = num.torch_stack(t, xs)
    total = (rows[:n] * rows[n : 2 * n]).sum(0)
    return total + rows[2 * n] if len(xs) > 2 * n else total


# The table: every op, its forward, its local derivatives and its torch form, side by side.
ADD = Op(
    "+",
    lambda c, a, b: a + b,
    lambda c, out, a, b: (1.0, 1.0),
    torch_forward=lambda t, c, a, b: a + b,
)
SUB = Op(
    "-",
    lambda c, a, b: a - b,
    lambda c, out, a, b: (1.0, -1.0),
    torch_forward=lambda t, c, a, b: a - b,
)
MUL = Op(
    "*",
    lambda c, a, b: a * b,
    lambda c, out, a, b: (b, a),
    torch_forward=lambda t, c, a, b: a * b,
)
DIV = Op(
    "/",
    _divide,
    lambda c, out, a, b: (1.0 / b, -out / b),
    torch_forward=lambda t, c, a, b: a / b,
)
POW_CONST = Op("**", _pow_forward, _d_pow_const, torch_forward=lambda t, n, x: t.pow(x, n))
POW = Op(
    "**",
    _power_forward,
    _d_pow,
    numpy_derivatives=_np_d_pow,
    torch_forward=lambda t, c, x, y: t.pow(x, y),
)
NEG = Op("neg", lambda c, x: -x, lambda c, out, x: (-1.0,), torch_forward=lambda t, c, x: -x)
ABS = Op(
    "abs",
    lambda c, x: abs(x),
    lambda c, out, x: (num.sign(x),),
    torch_forward=lambda t, c, x: t.abs(x),
)
EXP = Op(
    "exp",
    lambda c, x: num.exp(x),
    lambda c, out, x: (out,),
    torch_forward=lambda t, c, x: t.exp(x),
)
LOG = Op(
    "log",
    _log_forward,
    lambda c, out, x: (1.0 / x,),
    torch_forward=lambda t, c, x: t.log(x),
)
SQRT = Op(
    "sqrt",
    _sqrt_forward,
    lambda c, out, x: (0.5 / out,),
    torch_forward=lambda t, c, x: t.sqrt(x),
)
TANH = Op(
    "tanh",
    lambda c, x: num.tanh(x),
    lambda c, out, x: (1.0 - out * out,),
    torch_forward=lambda t, c, x: t.tanh(x),
)
SIGMOID = Op(
    "sigmoid",
    lambda c, x: num.sigmoid(x),
    lambda c, out, x: (out * (1.0 - out),),
    torch_forward=lambda t, c, x: t.sigmoid(x),
)
RELU = Op("relu", _relu, _d_relu, torch_forward=lambda t, c, x: t.relu(x))
LEAKY_RELU = Op(
    "leaky_relu",
    lambda slope, x: num.where(x > 0, x, slope * x),
    lambda slope, out, x: (num.where(x > 0, 1.0, slope),),
    torch_forward=lambda t, slope, x: t.nn.functional.leaky_relu(x, slope),
)
SIN = Op(
    "sin",
    lambda c, x: num.sin(x),
    lambda c, out, x: (num.cos(x),),
    torch_forward=lambda t, c, x: t.sin(x),
)
COS = Op(
    "cos",
    lambda c, x: num.cos(x),
    lambda c, out, x: (-num.sin(x),),
    torch_forward=lambda t, c, x: t.cos(x),
)
SUM = Op(
    "sum",
    lambda c, *xs: builtins.sum(xs, 0.0),
    lambda c, out, *xs: (1.0,) * len(xs),
    torch_forward=lambda t, c, *xs: num.torch_stack(t, xs).sum(0),
)
DOT = Op("dot", _dot_forward, _d_dot, torch_forward=_torch_dot)
LOGSUMEXP = Op(  # d/dx_i = softmax(x)_i = exp(x_i - out)
    "logsumexp",
    _logsumexp_forward,
    lambda c, out, *xs: tuple(num.exp(x - out) for x in xs),
    numpy_forward=_np_logsumexp,
    torch_forward=lambda t, c, *xs: t.logsumexp(num.torch_stack(t, xs), 0),
)

_BUILTINS: dict[str, Op] = {}  # a built-in op pickles as its name here
_BUILTIN_NAMES: dict[int, str] = {}


def register_builtins(namespace: dict[str, Any]) -> None:
    """Make the ops of a table module (engine, mathlib) pickle by name, as built-ins."""
    for name, op in list(namespace.items()):
        if type(op) is Op:
            _BUILTINS[name] = op
            _BUILTIN_NAMES[id(op)] = name


register_builtins(globals())


# ---- moments: which leaves a function captured ----------------------------------------


def tick() -> int:
    """Start a new moment and return it: leaves made from now on are born at it or later."""
    global _clock
    with _clock_lock:  # moments only move forward, whichever thread starts one
        moment = next(_ticks)
        _clock = max(_clock, moment)
    return moment


def born_before(v: Value, moment: int) -> bool:
    """Whether leaf `v` was made before `moment` (see `tick`)."""
    return getattr(v, "_born", 0) < moment


def captures(roots: list[Value], moment: int, order: list[Value] | None = None) -> bool:
    """Whether the graphs behind `roots` reach a leaf born before `moment` (see `tick`).

    `order` is their topological order (topological_order(*roots)), if you have it.
    """
    if order is None:
        order = topological_order(*roots) if roots else []
    leaves = [p for node in order for p in node.parents if not p.parents]
    leaves += [root for root in roots if not root.parents]
    return any(getattr(leaf, "_born", 0) < moment for leaf in leaves)


def captured(root: Value, moment: int) -> list[Value]:
    """The Values born before `moment` (see `tick`) that the graph behind `root` reaches
    first, each once: leaves or nodes made outside, and nothing behind them."""
    found: dict[Value, None] = {}
    seen, stack = {root}, [root]
    while stack:
        v = stack.pop()
        if getattr(v, "_born", 0) < moment:
            found[v] = None
            continue
        for p in v.parents:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return list(found)


# The math library's ops, which Value's methods above use (a module that imports this one).
from autograd import mathlib  # noqa: E402

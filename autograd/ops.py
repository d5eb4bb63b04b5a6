"""Functions that take a float (and return a float) or a Value (and return a Value).

One formula then serves numbers and graphs: a derivative written with these
functions and the arithmetic operators can itself be differentiated. User ops
are made the same way with `primitive`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, cast, overload

from autograd import arguments, engine, mathlib, numeric
from autograd.arguments import real, short
from autograd.engine import Op, Value

Real = float | Value


def apply(op: Op, inputs: Sequence[Any], ctx: Any = None) -> Real:
    """op at `inputs`: a float for numbers, a Value (a node) when any input is a Value.

    The one dispatch behind every function here, `primitive`s and autograd.rules."""
    if not any(isinstance(x, Value) for x in inputs):
        return op.forward(ctx, *[real(x, str(op)) for x in inputs])
    return op.node(
        tuple(x if isinstance(x, Value) else Value(real(x, str(op))) for x in inputs), ctx
    )


class Unary(Protocol):
    """The type of a function of one input here: a float for a number, a Value for a Value."""

    @overload
    def __call__(self, x: Value, /) -> Value: ...
    @overload
    def __call__(self, x: float, /) -> float: ...


class Binary(Protocol):
    """The type of a function of two inputs here: a Value when either is a Value, else a float."""

    @overload
    def __call__(self, a: Value, b: Real, /) -> Value: ...
    @overload
    def __call__(self, a: Real, b: Value, /) -> Value: ...
    @overload
    def __call__(self, a: float, b: float, /) -> float: ...


def _function(op: Op, name: str | None = None) -> Unary:
    """The function of one input for `op`: a float for a number, a Value for a Value."""
    name = name or str(op)

    def function(x: Real) -> Real:
        return apply(op, (x,))

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"{name} of a number (a float) or of a Value (a Value)."
    return cast(Unary, function)  # its overloads say what apply does


def _function2(op: Op) -> Binary:
    """The function of two inputs for `op`: a Value when either is a Value, else a float."""

    def function(a: Real, b: Real) -> Real:
        return apply(op, (a, b))

    function.__name__ = function.__qualname__ = str(op)
    function.__doc__ = f"{op}(a, b): a float for numbers, a Value when either is a Value."
    return cast(Binary, function)  # its overloads say what apply does


# exponentials and logs
exp = _function(engine.EXP)
expm1 = _function(mathlib.EXPM1)
exp2 = _function(mathlib.EXP2)
log2 = _function(mathlib.LOG2)
log10 = _function(mathlib.LOG10)
log1p = _function(mathlib.LOG1P)
logaddexp = _function2(mathlib.LOGADDEXP)
logaddexp2 = _function2(mathlib.LOGADDEXP2)
xlogy = _function2(mathlib.XLOGY)
xlog1py = _function2(mathlib.XLOG1PY)


@overload
def log(x: Value, base: Real | None = ...) -> Value: ...
@overload
def log(x: float, base: float | None = ...) -> float: ...
@overload
def log(x: Real, base: Value) -> Value: ...
def log(x: Real, base: Real | None = None) -> Real:
    """The natural log of x, or its log to `base` (log(x) / log(base), as math.log)."""
    if base is None:
        return apply(engine.LOG, (x,))
    return apply(engine.DIV, (apply(engine.LOG, (x,)), apply(engine.LOG, (base,))))


@overload
def logit(x: Value, eps: float | None = ...) -> Value: ...
@overload
def logit(x: float, eps: float | None = ...) -> float: ...
def logit(x: Real, eps: float | None = None) -> Real:
    """log(x / (1 - x)); with eps, x is first clamped to [eps, 1 - eps], as torch.logit."""
    return apply(mathlib.LOGIT, (x,), arguments.logit_eps(eps))


# powers
sqrt = _function(engine.SQRT)
cbrt = _function(mathlib.CBRT)
rsqrt = _function(mathlib.RSQRT)
square = _function(mathlib.SQUARE)
reciprocal = _function(mathlib.RECIPROCAL)
hypot = _function2(mathlib.HYPOT)
pow = _function2(engine.POW)  # noqa: A001 - the dual of builtins.pow, with a Value exponent

# trigonometric and hyperbolic
sin = _function(engine.SIN)
cos = _function(engine.COS)
tan = _function(mathlib.TAN)
asin = _function(mathlib.ASIN)
acos = _function(mathlib.ACOS)
atan = _function(mathlib.ATAN)
atan2 = _function2(mathlib.ATAN2)
sinh = _function(mathlib.SINH)
cosh = _function(mathlib.COSH)
tanh = _function(engine.TANH)
asinh = _function(mathlib.ASINH)
acosh = _function(mathlib.ACOSH)
atanh = _function(mathlib.ATANH)
sinc = _function(mathlib.SINC)
degrees = _function(mathlib.DEGREES)
radians = _function(mathlib.RADIANS)

# special functions
erf = _function(mathlib.ERF)
erfc = _function(mathlib.ERFC)
erfinv = _function(mathlib.ERFINV)
gamma = _function(mathlib.GAMMA)
lgamma = _function(mathlib.LGAMMA)
digamma = _function(mathlib.DIGAMMA)
ndtr = _function(mathlib.NDTR)
log_ndtr = _function(mathlib.LOG_NDTR)
i0 = _function(mathlib.I0)
i1 = _function(mathlib.I1)


@overload
def polygamma(n: int, x: Value) -> Value: ...
@overload
def polygamma(n: int, x: float) -> float: ...
def polygamma(n: int, x: Real) -> Real:
    """The n-th derivative of digamma at x (n = 0: digamma), as torch.polygamma(n, x)."""
    return apply(mathlib.POLYGAMMA, (x,), arguments.order(n, "polygamma"))


# piecewise
abs = _function(engine.ABS)  # noqa: A001 - the dual of builtins.abs
floor = _function(mathlib.FLOOR)
ceil = _function(mathlib.CEIL)
trunc = _function(mathlib.TRUNC)
round = _function(mathlib.ROUND)  # noqa: A001 - half to even, as builtins.round and PyTorch
sign = _function(mathlib.SIGN)
frac = _function(mathlib.FRAC)
copysign = _function2(mathlib.COPYSIGN)
fmod = _function2(mathlib.FMOD)
remainder = _function2(mathlib.REMAINDER)
heaviside = _function2(mathlib.HEAVISIDE)
maximum = _function2(mathlib.MAXIMUM)
minimum = _function2(mathlib.MINIMUM)
fmax = _function2(mathlib.FMAX)
fmin = _function2(mathlib.FMIN)


@overload
def where(condition: Any, x: Value, y: Real) -> Value: ...
@overload
def where(condition: Any, x: Real, y: Value) -> Value: ...
@overload
def where(condition: Value, x: Real, y: Real) -> Value: ...
@overload
def where(condition: bool | float, x: float, y: float) -> float: ...
def where(condition: Any, x: Real, y: Real) -> Real:
    """x where condition (a bool, or a Value: true when nonzero) holds, else y.

    Under autograd.compile a bool condition is fixed when the function is traced
    (`x > 0` is a Python bool): give a Value condition for one that varies per sample.
    """
    if numeric.is_bool(condition):  # numpy's bool too
        condition = float(condition)
    return apply(mathlib.WHERE, (condition, x, y))


@overload
def clamp(x: Value, min: float | None = ..., max: float | None = ...) -> Value: ...  # noqa: A002
@overload
def clamp(x: float, min: float | None = ..., max: float | None = ...) -> float: ...  # noqa: A002
def clamp(x: Real, min: float | None = None, max: float | None = None) -> Real:  # noqa: A002
    """x within [min, max] (either may be None), as torch.clamp."""
    return apply(mathlib.CLAMP, (x,), arguments.bounds(min, max, "clamp"))


# activations
relu = _function(engine.RELU)
sigmoid = _function(engine.SIGMOID)
silu = _function(mathlib.SILU)
mish = _function(mathlib.MISH)
selu = _function(mathlib.SELU)
relu6 = _function(mathlib.RELU6)
hardsigmoid = _function(mathlib.HARDSIGMOID)
hardswish = _function(mathlib.HARDSWISH)
softsign = _function(mathlib.SOFTSIGN)
log_sigmoid = _function(mathlib.LOG_SIGMOID)
tanhshrink = _function(mathlib.TANHSHRINK)


@overload
def leaky_relu(x: Value, negative_slope: float = ...) -> Value: ...
@overload
def leaky_relu(x: float, negative_slope: float = ...) -> float: ...
def leaky_relu(x: Real, negative_slope: float = 0.01) -> Real:
    """x for x > 0, negative_slope * x otherwise."""
    return apply(engine.LEAKY_RELU, (x,), real(negative_slope, "leaky_relu: negative_slope"))


@overload
def gelu(x: Value, approximate: str = ...) -> Value: ...
@overload
def gelu(x: float, approximate: str = ...) -> float: ...
def gelu(x: Real, approximate: str = "none") -> Real:
    """x * Phi(x) (Phi the normal CDF); approximate="tanh" is the tanh formula, as PyTorch."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {short(approximate)}")
    return apply(mathlib.GELU if approximate == "none" else mathlib.GELU_TANH, (x,))


@overload
def softplus(x: Value, beta: float = ..., threshold: float = ...) -> Value: ...
@overload
def softplus(x: float, beta: float = ..., threshold: float = ...) -> float: ...
def softplus(x: Real, beta: float = 1.0, threshold: float = 20.0) -> Real:
    """log(1 + exp(beta x)) / beta, computed without overflow; x itself where beta x > threshold."""
    beta = real(beta, "softplus: beta")
    if beta == 0:
        raise ValueError("softplus: beta must not be 0")
    return apply(mathlib.SOFTPLUS, (x,), (beta, real(threshold, "softplus: threshold")))


@overload
def elu(x: Value, alpha: float = ...) -> Value: ...
@overload
def elu(x: float, alpha: float = ...) -> float: ...
def elu(x: Real, alpha: float = 1.0) -> Real:
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    return apply(mathlib.ELU, (x,), real(alpha, "elu: alpha"))


@overload
def celu(x: Value, alpha: float = ...) -> Value: ...
@overload
def celu(x: float, alpha: float = ...) -> float: ...
def celu(x: Real, alpha: float = 1.0) -> Real:
    """x for x > 0, alpha * (exp(x / alpha) - 1) otherwise (alpha nonzero)."""
    alpha = real(alpha, "celu: alpha")
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0")
    return apply(mathlib.CELU, (x,), alpha)


@overload
def hardtanh(x: Value, min_val: float = ..., max_val: float = ...) -> Value: ...
@overload
def hardtanh(x: float, min_val: float = ..., max_val: float = ...) -> float: ...
def hardtanh(x: Real, min_val: float = -1.0, max_val: float = 1.0) -> Real:
    """x clamped to [min_val, max_val], with a slope of 1 strictly inside, as PyTorch."""
    return apply(mathlib.HARDTANH, (x,), arguments.bounds(min_val, max_val, "hardtanh"))


@overload
def softshrink(x: Value, lambd: float = ...) -> Value: ...
@overload
def softshrink(x: float, lambd: float = ...) -> float: ...
def softshrink(x: Real, lambd: float = 0.5) -> Real:
    """x - lambd above lambd, x + lambd below -lambd, 0 between."""
    return apply(mathlib.SOFTSHRINK, (x,), arguments.lambd(lambd, "softshrink"))


@overload
def hardshrink(x: Value, lambd: float = ...) -> Value: ...
@overload
def hardshrink(x: float, lambd: float = ...) -> float: ...
def hardshrink(x: Real, lambd: float = 0.5) -> Real:
    """x outside [-lambd, lambd], 0 inside."""
    return apply(mathlib.HARDSHRINK, (x,), arguments.lambd(lambd, "hardshrink"))


@overload
def threshold(x: Value, threshold: float, value: float) -> Value: ...
@overload
def threshold(x: float, threshold: float, value: float) -> float: ...
def threshold(x: Real, threshold: float, value: float) -> Real:
    """x above `threshold`, `value` otherwise, as torch.nn.functional.threshold."""
    return apply(
        mathlib.THRESHOLD,
        (x,),
        (real(threshold, "threshold: threshold"), real(value, "threshold: value")),
    )


# n-ary: one node over many inputs
sum = engine.sum  # noqa: A001 - as autograd.sum
dot = engine.dot
logsumexp = engine.logsumexp


@overload
def prod(values: Iterable[Value]) -> Value: ...
@overload
def prod(values: Iterable[float]) -> float: ...
@overload
def prod(values: Iterable[Real]) -> Real: ...
def prod(values: Iterable[Real]) -> Real:
    """The product of `values` as one node (1.0 for none); its gradient is exact at zeros."""
    return _reduce(mathlib.PROD, values, "prod")


@overload
def mean(values: Iterable[Value]) -> Value: ...
@overload
def mean(values: Iterable[float]) -> float: ...
@overload
def mean(values: Iterable[Real]) -> Real: ...
def mean(values: Iterable[Real]) -> Real:
    """The mean of `values` as one node (an error for none)."""
    return _reduce(mathlib.MEAN, values, "mean")


def _reduce(op: Op, values: Iterable[Real], where: str) -> Real:
    """op over `values`: a float for numbers, a Value (one node) when any is a Value."""
    items: Sequence[Real]
    try:
        items = list(values)
    except TypeError:
        items = engine.as_values(values, where)  # raises the TypeError that names `where`
    if not items:
        if op is mathlib.MEAN:
            raise ValueError("mean: needs at least one value")
        return 1.0
    return apply(op, items)


class Primitive(Op):
    """A user-defined op: a forward on floats and one partial derivative per input.

    Each partial receives the op's inputs (floats, or Values when a gradient is
    itself being differentiated) and returns the derivative with respect to its
    input; written with operators and `autograd.ops`, higher orders follow. It is an
    `Op` like the built-in ones, so it draws, checks and compiles as they do.
    """

    fn: Callable[..., float]
    partials: tuple[Callable, ...]
    numpy_fn: Callable | None
    numpy_partials: Sequence[Callable] | None
    torch_fn: Callable | None

    def __new__(
        cls,
        fn: Callable[..., float],
        partials: tuple[Callable, ...],
        name: str,
        numpy_fn: Callable | None = None,
        numpy_partials: Sequence[Callable] | None = None,
        torch_fn: Callable | None = None,
    ) -> Primitive:
        """The op of `fn` and its `partials` (see `primitive`, which checks them)."""
        op = super().__new__(
            cls,
            name,
            functools.partial(_forward, fn, name),
            functools.partial(_checked_partials, tuple(partials), name),
            None if numpy_fn is None else functools.partial(_vectorized, numpy_fn),
            None if numpy_partials is None else functools.partial(_partials, tuple(numpy_partials)),
            vectorized=False,
            torch_forward=None if torch_fn is None else functools.partial(_on_tensors, torch_fn),
        )
        op.fn, op.partials = fn, tuple(partials)
        op.numpy_fn, op.numpy_partials, op.torch_fn = numpy_fn, numpy_partials, torch_fn
        op.__doc__ = fn.__doc__
        return op

    @property
    def name(self) -> str:
        """The op's name, as nodes show it."""
        return str(self)

    @overload
    def __call__(self, x: Value, /, *inputs: Real) -> Value: ...
    @overload
    def __call__(self, *inputs: float) -> float: ...
    @overload
    def __call__(self, *inputs: Real) -> Real: ...
    def __call__(self, *inputs: Real) -> Real:
        """fn at `inputs`: a float for numbers, a Value (a node) when any is a Value."""
        if len(inputs) != len(self.partials):
            raise TypeError(f"{self.name}: takes {len(self.partials)} input(s), got {len(inputs)}")
        return apply(self, inputs)

    def __reduce__(self) -> Any:
        """Pickle the op as its functions and name."""
        rules = (self.numpy_fn, self.numpy_partials, self.torch_fn)
        return Primitive, (self.fn, self.partials, self.name, *rules)


def _forward(fn: Callable[..., float], name: str, ctx: Any, *xs: float) -> float:
    out = fn(*xs)
    if isinstance(out, Value):
        raise TypeError(f"{name}: the forward function must return a number, got a Value")
    return real(out, f"{name}: forward result")


def _checked_partials(
    partials: tuple[Callable, ...], name: str, ctx: Any, out: Any, *xs: Any
) -> tuple:
    """Each partial at xs, checked as the forward's result is: a real number (a float), or a
    Value when the inputs are Values (a gradient being differentiated)."""
    on_values = any(isinstance(x, Value) for x in xs)
    checked = []
    for i, partial in enumerate(partials):
        d = partial(*xs)
        if type(d) is not float and not (on_values and isinstance(d, Value)):
            if isinstance(d, Value):
                raise TypeError(f"{name}: partial {i} must return a number, got a Value")
            d = real(d, f"{name}: partial {i} returned")
        checked.append(d)
    return tuple(checked)


def _partials(partials: tuple[Callable, ...], ctx: Any, out: Any, *xs: Any) -> tuple:
    return tuple(partial(*xs) for partial in partials)


def _vectorized(numpy_fn: Callable, ctx: Any, *xs: Any) -> Any:
    return numpy_fn(*xs)


def _on_tensors(torch_fn: Callable, torch: Any, ctx: Any, *xs: Any) -> Any:
    return torch_fn(*xs)


def primitive(
    fn: Callable[..., float],
    *partials: Callable,
    name: str | None = None,
    numpy_fn: Callable | None = None,
    numpy_partials: Sequence[Callable] | None = None,
    torch_fn: Callable | None = None,
) -> Primitive:
    """Make an op from `fn` (floats to a float) and its partial derivatives, one per input.

    `numpy_fn` and `numpy_partials` (optional) are the same on numpy arrays,
    lane by lane; `autograd.compile` needs them to vectorise the op. `torch_fn`
    (optional) is fn on torch tensors, elementwise; autograd.export needs it.
    """
    if torch_fn is not None and not callable(torch_fn):
        raise TypeError(
            f"primitive: torch_fn must be callable, got {type(torch_fn).__name__} {short(torch_fn)}"
        )
    for what, f in (("fn", fn), *((f"partial {i}", p) for i, p in enumerate(partials))):
        if not callable(f):
            raise TypeError(
                f"primitive: fn and every partial must be callable; "
                f"{what} is {type(f).__name__} {short(f)}"
            )
    if not partials:
        raise TypeError("primitive: give one partial derivative per input (at least one)")
    if (numpy_fn is None) != (numpy_partials is None):
        raise TypeError("primitive: give numpy_fn and numpy_partials together, or neither")
    if numpy_partials is not None and len(numpy_partials) != len(partials):
        raise TypeError(
            f"primitive: {len(partials)} partials but {len(numpy_partials)} numpy_partials"
        )
    if name is None:
        name = getattr(fn, "__name__", "primitive")
    if not isinstance(name, str):
        raise TypeError(f"primitive: name must be a str, got {type(name).__name__}")
    if not name:
        raise ValueError("primitive: name must not be empty (a node shows it)")
    return Primitive(fn, partials, name, numpy_fn, numpy_partials, torch_fn)

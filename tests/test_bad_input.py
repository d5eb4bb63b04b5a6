"""Bad input to every public function: wrong types and out-of-domain values.

DESIGN.md: a wrong type is a TypeError, a bad value (or one outside an op's domain) a
ValueError, and the message names the function or op and shows the offending value or
type. Each case below gives the error it must raise and the pieces of text its message
must contain: first the function's (or op's) name, then the offending value or type.

Where the library falls short today, the case is a strict xfail whose reason says what
happens instead; it turns into a failure once the library is fixed, so the mark can go.
Division by zero and 0 ** negative raise ZeroDivisionError (an ArithmeticError), as
Python does; float overflow is not bad input but inf, as IEEE and PyTorch have it
(test_nonfinite.py pins that down).
"""

from __future__ import annotations

import json
import math
import random

import pytest

import autograd
from autograd import (
    Value,
    dot,
    draw,
    grad,
    gradcheck,
    gradgradcheck,
    hessian,
    hvp,
    is_grad_enabled,
    jacobian,
    logsumexp,
    no_grad,
    ops,
    primitive,
    to_svg,
    value_and_grad,
)
from autograd.testing import expressions, reals
from nn import MLP, Layer, Module, Neuron, draw_network, fit
from nn.data import (
    batches,
    make_blobs,
    make_circles,
    make_moons,
    make_spirals,
    make_xor,
    train_test_split,
)
from nn.init import (
    calculate_gain,
    constant_,
    initialise,
    kaiming_normal_,
    kaiming_uniform_,
    normal_,
    uniform_,
    xavier_normal_,
    xavier_uniform_,
)
from nn.losses import binary_cross_entropy, cross_entropy, hinge, mse, softmax
from nn.optim import (
    SGD,
    Adam,
    AdamW,
    CosineAnnealingLR,
    ExponentialLR,
    StepLR,
    clip_grad_norm_,
    clip_grad_value_,
)

NAN, INF = math.nan, math.inf


def case(name, call, error, *shown, defect=None):
    """One row: `call()` must raise `error` whose message contains every string in `shown`.

    `defect` (what the library does instead) marks the row as a strict xfail.
    """
    marks = () if defect is None else pytest.mark.xfail(strict=True, reason=defect)
    return pytest.param(call, error, shown, id=name, marks=marks)


def check(call, error, shown, *args):
    with pytest.raises(error) as info:
        call(*args)
    message = str(info.value)
    for text in shown:
        assert text in message, f"{text!r} not in the {type(info.value).__name__}: {message!r}"


# ---- small things to be wrong about ----------------------------------------------


def leaf(x=1.0):
    return Value(x)


def node():
    """A non-leaf Value: x * 2."""
    return Value(1.0) * 2


def params(n=2):
    return [Value(float(i + 1)) for i in range(n)]


def with_grad(g):
    p = Value(1.0)
    p.grad = g
    return [p]


def square(x):
    return x * x


def sgd():
    return SGD(params(), lr=0.1)


def layer():
    return Layer(2, 3, rng=random.Random(0))


def mlp():
    return MLP(2, [3, 2], rng=random.Random(0))


def state_with(**changes):
    model = Neuron(2, rng=random.Random(0))
    state = model.state_dict()
    state.update(changes)
    return model, state


def hypot():
    """A primitive without numpy rules (so autograd.compile cannot vectorise it)."""
    return primitive(
        math.hypot,
        lambda x, y: x / ops.sqrt(x * x + y * y),
        lambda x, y: y / ops.sqrt(x * x + y * y),
        name="hypot",
    )


def big_graph():
    x = Value(1.0)
    for _ in range(10):
        x = x + 1
    return x


X4 = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
Y4 = [0, 1, 1, 0]


def fit_with(**overrides):
    """fit on four XOR points for one epoch, with some arguments replaced."""
    model = mlp()
    args = {
        "model": model,
        "X": X4,
        "y": Y4,
        "loss": cross_entropy,
        "optimizer": SGD(model.parameters(), lr=0.1),
        "epochs": 1,
        "progress": False,
    }
    args.update(overrides)
    return fit(**args)


NAMES_HELPER = "names an internal helper, not the function called"

# ---- autograd: Value, its ops and methods -------------------------------------------

ENGINE = [
    case("Value: str data", lambda: Value("3"), TypeError, "Value", "str '3'"),
    case("Value: None data", lambda: Value(None), TypeError, "Value", "NoneType"),
    case("Value: list data", lambda: Value([1.0]), TypeError, "Value", "list [1.0]"),
    case("Value: complex data", lambda: Value(1 + 2j), TypeError, "Value", "complex"),
    case("Value: int label", lambda: Value(1.0, label=3), TypeError, "Value", "label", "int"),
    case("Value: int beyond float", lambda: Value(10**400), OverflowError, "Value", "1000"),
    case("+: Value + str", lambda: leaf() + "a", TypeError, "+", "'str'"),
    case("-: str - Value", lambda: "a" - leaf(), TypeError, "-", "'str'"),
    case("*: Value * None", lambda: leaf() * None, TypeError, "*", "'NoneType'"),
    case("/: Value / list", lambda: leaf() / [1.0], TypeError, "/", "'list'"),
    case("**: Value ** str", lambda: leaf() ** "2", TypeError, "**", "'str'"),
    case("**: Value ** complex", lambda: leaf() ** 1j, TypeError, "**", "'complex'"),
    case("/: divide by 0", lambda: leaf() / 0, ZeroDivisionError, "division", "1.0 / 0.0"),
    case("**: 0 ** -1", lambda: leaf(0.0) ** -1, ZeroDivisionError, "pow", "-1"),
    case("**: -8 ** 0.5", lambda: leaf(-8.0) ** 0.5, ValueError, "pow", "-8.0", "0.5"),
    case("**: -2 ** Value", lambda: leaf(-2.0) ** leaf(0.5), ValueError, "pow", "-2.0"),
    case("log: 0", lambda: leaf(0.0).log(), ValueError, "log", "0.0"),
    case("log: -1", lambda: leaf(-1.0).log(), ValueError, "log", "-1.0"),
    case("sqrt: -1", lambda: leaf(-1.0).sqrt(), ValueError, "sqrt", "-1.0"),
    case("sqrt: backward at 0", lambda: leaf(0.0).sqrt().backward(), ValueError, "sqrt", "0.0"),
    case("**: 0 ** Value(-1)", lambda: 0 ** leaf(-1.0), ZeroDivisionError, "pow", "-1.0"),
    case(
        "leaky_relu: str slope",
        lambda: leaf().leaky_relu("x"),
        TypeError,
        "leaky_relu",
        "str 'x'",
    ),
    case(
        "leaky_relu: None slope",
        lambda: leaf().leaky_relu(None),
        TypeError,
        "leaky_relu",
        "NoneType",
    ),
    case("tanh: an argument", lambda: leaf().tanh(2), TypeError, "tanh", "2 were given"),
    case("detach: an argument", lambda: leaf().detach(1), TypeError, "detach", "2 were given"),
    case(
        "backward: str gradient",
        lambda: node().backward(gradient="1"),
        TypeError,
        "backward",
        "str '1'",
    ),
    case(
        "backward: None gradient",
        lambda: node().backward(None),
        TypeError,
        "backward",
        "NoneType",
    ),
    case(
        "backward: inputs=5",
        lambda: node().backward(inputs=5),
        TypeError,
        "backward",
        "int",
    ),
    case(
        "backward: inputs of str",
        lambda: node().backward(inputs=["x"]),
        TypeError,
        "backward",
        "str",
    ),
    case(
        "sum: str entry",
        lambda: autograd.sum([1.0, "a"]),
        TypeError,
        "sum",
        "str 'a'",
    ),
    case(
        "sum: int, not iterable",
        lambda: autograd.sum(5),
        TypeError,
        "sum",
        "int",
    ),
    case("dot: 2 weights, 1 input", lambda: dot([1, 2], [3]), ValueError, "dot", "2 weights"),
    case(
        "dot: str input",
        lambda: dot([1.0], ["x"]),
        TypeError,
        "dot",
        "str 'x'",
    ),
    case(
        "dot: str bias",
        lambda: dot([1.0], [2.0], "b"),
        TypeError,
        "dot",
        "str 'b'",
    ),
    case(
        "dot: int weights",
        lambda: dot(5, [1.0]),
        TypeError,
        "dot",
        "int",
    ),
    case("logsumexp: empty", lambda: logsumexp([]), ValueError, "logsumexp", "at least one"),
    case(
        "logsumexp: str entry",
        lambda: logsumexp(["a"]),
        TypeError,
        "logsumexp",
        "str 'a'",
    ),
    case(
        "logsumexp: int, not iterable",
        lambda: logsumexp(5),
        TypeError,
        "logsumexp",
        "int",
    ),
    case(
        "no_grad: an argument",
        lambda: no_grad(True),
        TypeError,
        "no_grad",
        "True",
    ),
    case(
        "is_grad_enabled: an argument",
        lambda: is_grad_enabled(1),
        TypeError,
        "is_grad_enabled",
        "1 was given",
    ),
]

# ---- autograd.ops and primitive ---------------------------------------------------------

OPS = [
    case("ops.exp: str", lambda: ops.exp("x"), TypeError, "exp", "str 'x'"),
    case("ops.log: None", lambda: ops.log(None), TypeError, "log", "NoneType"),
    case("ops.sqrt: list", lambda: ops.sqrt([4.0]), TypeError, "sqrt", "list [4.0]"),
    case("ops.tanh: complex", lambda: ops.tanh(1j), TypeError, "tanh", "complex"),
    case("ops.sigmoid: str", lambda: ops.sigmoid("x"), TypeError, "sigmoid", "str 'x'"),
    case("ops.relu: None", lambda: ops.relu(None), TypeError, "relu", "NoneType"),
    case("ops.sin: bytes", lambda: ops.sin(b"x"), TypeError, "sin", "bytes"),
    case("ops.cos: dict", lambda: ops.cos({}), TypeError, "cos", "dict"),
    case("ops.abs: str", lambda: ops.abs("x"), TypeError, "abs", "str 'x'"),
    case(
        "ops.leaky_relu: str slope",
        lambda: ops.leaky_relu(1.0, "s"),
        TypeError,
        "leaky_relu",
        "str 's'",
    ),
    case("ops.softplus: str", lambda: ops.softplus("x"), TypeError, "softplus", "str 'x'"),
    case(
        "ops.softplus: beta str", lambda: ops.softplus(1.0, "b"), TypeError, "softplus", "str 'b'"
    ),
    case("ops.softplus: beta 0", lambda: ops.softplus(1.0, 0), ValueError, "softplus", "beta"),
    case("ops.log: -1", lambda: ops.log(-1.0), ValueError, "log", "-1.0"),
    case("ops.log: 0", lambda: ops.log(0), ValueError, "log", "0.0"),
    case("ops.sqrt: -4", lambda: ops.sqrt(-4.0), ValueError, "sqrt", "-4.0"),
    case("ops.log: -0.0", lambda: ops.log(-0.0), ValueError, "log", "-0.0"),
    case(
        "ops.exp: no argument",
        lambda: ops.exp(),
        TypeError,
        "exp",
        "missing",
    ),
    case(
        "primitive: int fn",
        lambda: primitive(5, math.cos),
        TypeError,
        "primitive",
        "int",
    ),
    case(
        "primitive: str partial",
        lambda: primitive(math.sin, "cos"),
        TypeError,
        "primitive",
        "str",
    ),
    case("primitive: no partials", lambda: primitive(math.sin), TypeError, "primitive", "partial"),
    case(
        "primitive: int name",
        lambda: primitive(math.sin, math.cos, name=3),
        TypeError,
        "primitive",
        "int",
    ),
    case(
        "primitive: numpy_fn alone",
        lambda: primitive(math.sin, math.cos, numpy_fn=math.sin),
        TypeError,
        "primitive",
        "numpy_partials",
    ),
    case(
        "primitive: 2 numpy_partials for 1 input",
        lambda: primitive(math.sin, math.cos, numpy_fn=abs, numpy_partials=[abs, abs]),
        TypeError,
        "primitive",
        "1 partials but 2 numpy_partials",
    ),
    case("Primitive(): 1 input of 2", lambda: hypot()(1.0), TypeError, "hypot", "got 1"),
    case("Primitive(): str input", lambda: hypot()("a", 1.0), TypeError, "hypot", "str 'a'"),
    case(
        "Primitive(): None beside a Value",
        lambda: hypot()(leaf(), None),
        TypeError,
        "hypot",
        "NoneType",
    ),
    case(
        "Primitive(): forward returns str",
        lambda: primitive(lambda x: "s", lambda x: 1.0, name="bad")(1.0),
        TypeError,
        "bad",
        "str 's'",
    ),
    case(
        "Primitive(): forward returns a Value",
        lambda: primitive(lambda x: Value(x), lambda x: 1.0, name="bad")(1.0),
        TypeError,
        "bad",
        "Value",
    ),
]

# ---- autograd.functional ----------------------------------------------------------------

FUNCTIONAL = [
    case("grad: str argument", lambda: grad(square)("x"), TypeError, "grad", "str 'x'"),
    case("grad: None argument", lambda: grad(square)(None), TypeError, "grad", "NoneType"),
    case(
        "grad: argnums out of range",
        lambda: grad(square, argnums=1)(1.0),
        ValueError,
        "grad",
        "argnums 1",
    ),
    case(
        "grad: float argnums",
        lambda: grad(square, argnums=1.0)(1.0),
        TypeError,
        "grad",
        "float 1.0",
    ),
    case(
        "grad: bool argnums",
        lambda: grad(square, argnums=True)(1.0),
        TypeError,
        "grad",
        "bool True",
    ),
    case(
        "grad: str among argnums",
        lambda: grad(lambda a, b: a * b, argnums=[0, "1"])(1.0, 2.0),
        TypeError,
        "grad",
        "str '1'",
    ),
    case(
        "grad: f returns str",
        lambda: grad(lambda x: "s")(1.0),
        TypeError,
        "grad",
        "str 's'",
    ),
    case(
        "grad: f returns a list",
        lambda: grad(lambda x: [x, x])(1.0),
        TypeError,
        "grad",
        "list",
    ),
    case(
        "grad: f is an int",
        lambda: grad(5)(1.0),
        TypeError,
        "grad",
        "int",
    ),
    case(
        "value_and_grad: str argument",
        lambda: value_and_grad(square)("x"),
        TypeError,
        "value_and_grad",
        "str 'x'",
    ),
    case(
        "value_and_grad: argnums out of range",
        lambda: value_and_grad(square, argnums=2)(1.0),
        ValueError,
        "value_and_grad",
        "argnums 2",
    ),
    case("jacobian: str argument", lambda: jacobian(square)("x"), TypeError, "jacobian", "'x'"),
    case(
        "jacobian: argnums out of range",
        lambda: jacobian(lambda a, b: [a, b], argnums=3)(1.0, 2.0),
        ValueError,
        "jacobian",
        "argnums 3",
    ),
    case(
        "jacobian: f returns a str entry",
        lambda: jacobian(lambda x: [x, "s"])(1.0),
        TypeError,
        "jacobian",
        "str 's'",
    ),
    case(
        "hessian: argnums out of range",
        lambda: hessian(square, argnums=5)(1.0),
        ValueError,
        "hessian",
        "argnums 5",
    ),
    case(
        "hessian: str argnums",
        lambda: hessian(square, argnums="0")(1.0),
        TypeError,
        "hessian",
        "str '0'",
    ),
    case(
        "hessian: str argument",
        lambda: hessian(square)("x"),
        TypeError,
        "hessian",
        "str 'x'",
    ),
    case(
        "hvp: 1 primal, 2 tangents",
        lambda: hvp(square)((1.0,), (1.0, 2.0)),
        ValueError,
        "hvp",
        "1 primals but 2 tangents",
    ),
    case(
        "hvp: floats, not sequences",
        lambda: hvp(square)(1.0, 1.0),
        TypeError,
        "hvp",
        "float",
    ),
    case(
        "hvp: str primal",
        lambda: hvp(square)(("x",), (1.0,)),
        TypeError,
        "hvp",
        "str 'x'",
    ),
    case(
        "hvp: str tangent",
        lambda: hvp(square)((1.0,), ("x",)),
        TypeError,
        "hvp",
        "str",
    ),
]

# ---- gradcheck, draw, autograd.testing ------------------------------------------------------

CHECKS = [
    case("gradcheck: str input", lambda: gradcheck(square, ["a"]), TypeError, "gradcheck", "'a'"),
    case(
        "gradcheck: None inputs",
        lambda: gradcheck(square, None),
        TypeError,
        "gradcheck",
        "NoneType",
    ),
    case(
        "gradcheck: f is an int",
        lambda: gradcheck(5, [1.0]),
        TypeError,
        "gradcheck",
        "int",
    ),
    case(
        "gradcheck: eps=0",
        lambda: gradcheck(square, [1.0], eps=0.0),
        ValueError,
        "gradcheck",
        "eps",
    ),
    case(
        "gradcheck: str eps",
        lambda: gradcheck(square, [1.0], eps="x"),
        TypeError,
        "gradcheck",
        "str",
    ),
    case(
        "gradcheck: atol=-1",
        lambda: gradcheck(square, [1.0], atol=-1.0),
        ValueError,
        "gradcheck",
        "atol",
    ),
    case(
        "gradcheck: f returns str",
        lambda: gradcheck(lambda x: "s", [1.0]),
        TypeError,
        "gradcheck",
        "str 's'",
    ),
    case(
        "gradgradcheck: str input",
        lambda: gradgradcheck(square, ["a"]),
        TypeError,
        "gradgradcheck",
        "'a'",
    ),
    case(
        "gradgradcheck: eps=0",
        lambda: gradgradcheck(square, [1.0], eps=0.0),
        ValueError,
        "gradgradcheck",
        "eps",
    ),
    case("draw: int root", lambda: draw(5), TypeError, "draw", "int"),
    case("draw: rankdir XY", lambda: draw(node(), rankdir="XY"), ValueError, "draw", "'XY'"),
    case(
        "draw: color_by data",
        lambda: draw(node(), color_by="data"),
        ValueError,
        "draw",
        "'data'",
    ),
    case("draw: precision 0", lambda: draw(node(), precision=0), ValueError, "draw", "0"),
    case(
        "draw: str precision",
        lambda: draw(node(), precision="4"),
        TypeError,
        "draw",
        "'4'",
    ),
    case(
        "draw: graph over max_nodes",
        lambda: draw(big_graph(), max_nodes=3),
        ValueError,
        "draw",
        "max_nodes=3",
    ),
    case(
        "draw: str max_nodes",
        lambda: draw(node(), max_nodes="10"),
        TypeError,
        "draw",
        "str",
    ),
    case(
        "draw: int params",
        lambda: draw(node(), params=5),
        TypeError,
        "draw",
        "int",
    ),
    case(
        "draw: unknown option",
        lambda: draw(node(), colour="red"),
        TypeError,
        "draw",
        "colour",
    ),
    case(
        "to_svg: str root",
        lambda: to_svg("x"),
        TypeError,
        "to_svg",
        "str",
    ),
    case("reals: low > high", lambda: reals(1.0, 0.0), ValueError, "reals", "1.0", "0.0"),
    case("reals: low == high", lambda: reals(0.0, 0.0), ValueError, "reals", "0.0"),
    case(
        "reals: str low",
        lambda: reals("a", 1.0),
        TypeError,
        "reals",
        "str",
    ),
    case(
        "reals: int avoid",
        lambda: reals(avoid=5),
        TypeError,
        "reals",
        "int",
    ),
    case(
        "expressions: unknown op",
        lambda: expressions(ops=["nope"]),
        ValueError,
        "expressions",
        "nope",
    ),
    case("expressions: no ops", lambda: expressions(ops=[]), ValueError, "expressions", "[]"),
    case(
        "expressions: ops as a str",
        lambda: expressions(ops="add"),
        TypeError,
        "expressions",
        "str 'add'",
    ),
    case(
        "expressions: n_inputs=0",
        lambda: expressions(n_inputs=0),
        ValueError,
        "expressions",
        "0",
    ),
    case(
        "expressions: n_inputs (3, 1)",
        lambda: expressions(n_inputs=(3, 1)),
        ValueError,
        "expressions",
        "(3, 1)",
    ),
    case(
        "expressions: max_ops=0",
        lambda: expressions(max_ops=0),
        ValueError,
        "expressions",
        "0",
    ),
    case(
        "expressions: str max_ops",
        lambda: expressions(max_ops="3"),
        TypeError,
        "expressions",
        "str",
    ),
    case(
        "expressions: float n_inputs",
        lambda: expressions(n_inputs=2.5),
        TypeError,
        "expressions",
        "float",
    ),
]


@pytest.mark.parametrize("call, error, shown", ENGINE + OPS + FUNCTIONAL + CHECKS)
def test_autograd_rejects_bad_input(call, error, shown):
    check(call, error, shown)


# ---- autograd.compile (numpy) ---------------------------------------------------------------

COMPILE = [
    case("compile: int fn", lambda np: autograd.compile(5), TypeError, "compile", "int"),
    case(
        "compile: reduction avg",
        lambda np: autograd.compile(square, reduction="avg"),
        ValueError,
        "compile",
        "'avg'",
    ),
    case(
        "compile: None reduction",
        lambda np: autograd.compile(square, reduction=None),
        TypeError,
        "compile",
        "None",
    ),
    case(
        "compile(): no arguments",
        lambda np: autograd.compile(square)(),
        TypeError,
        "compile",
        "at least one",
    ),
    case(
        "compile(): 3-D batch",
        lambda np: autograd.compile(square)(np.zeros((2, 2, 2))),
        ValueError,
        "compile",
        "(2, 2, 2)",
    ),
    case(
        "compile(): empty batch",
        lambda np: autograd.compile(square)(np.array([])),
        ValueError,
        "compile",
        "(0,)",
    ),
    case(
        "compile(): batch sizes 3 and 4",
        lambda np: autograd.compile(lambda a, b: a * b)(np.zeros(3), np.zeros(4)),
        ValueError,
        "compile",
        "[3, 4]",
    ),
    case(
        "compile(): batch of str",
        lambda np: autograd.compile(square)(["a", "b"]),
        TypeError,
        "compile",
        "'a'",
    ),
    case(
        "compile(): None batch",
        lambda np: autograd.compile(square)(None),
        TypeError,
        "compile",
        "NoneType",
    ),
    case(
        "compile(): fn returns a list",
        lambda np: autograd.compile(lambda x: [x, x])(np.zeros(2)),
        TypeError,
        "compile",
        "list",
    ),
    case(
        "compile.forward: fn returns str",
        lambda np: autograd.compile(lambda x: "s").forward(np.zeros(2)),
        TypeError,
        "compile",
        "str",
    ),
    case(
        "compile(): primitive without numpy rules",
        lambda np: autograd.compile(lambda x: hypot()(x, x))(np.ones(2)),
        TypeError,
        "compile",
        "'hypot'",
    ),
    case(
        "compile(): log of -2 in the batch",
        lambda np: autograd.compile(lambda x: x.log())(np.array([1.0, -2.0])),
        ValueError,
        "log",
        "-2.0",
    ),
    case(
        "compile(): sqrt of -1 in the batch",
        lambda np: autograd.compile(lambda x: x.sqrt())(np.array([1.0, -1.0])),
        ValueError,
        "sqrt",
        "-1.0",
    ),
    case(
        "compile(): divide by 0 in the batch",
        lambda np: autograd.compile(lambda x: 1 / x)(np.array([1.0, 0.0])),
        ZeroDivisionError,
        "division",
        "0.0",
    ),
]


@pytest.mark.parametrize("call, error, shown", COMPILE)
def test_compile_rejects_bad_input(call, error, shown, numpy):
    check(call, error, shown, numpy)


# ---- nn: modules, state dicts, drawing -----------------------------------------------------

MODULES = [
    case("Neuron: str nin", lambda: Neuron("2"), TypeError, "Neuron", "str '2'"),
    case("Neuron: float nin", lambda: Neuron(2.0), TypeError, "Neuron", "float 2.0"),
    case("Neuron: bool nin", lambda: Neuron(True), TypeError, "Neuron", "bool True"),
    case("Neuron: nin 0", lambda: Neuron(0), ValueError, "Neuron", "0"),
    case("Neuron: nin -3", lambda: Neuron(-3), ValueError, "Neuron", "-3"),
    case(
        "Neuron: activation swish",
        lambda: Neuron(2, "swish"),
        ValueError,
        "Neuron",
        "'swish'",
    ),
    case(
        "Neuron: None activation",
        lambda: Neuron(2, None),
        TypeError,
        "Neuron",
        "NoneType",
    ),
    case(
        "Neuron: int rng",
        lambda: Neuron(2, rng=5),
        TypeError,
        "Neuron",
        "int",
    ),
    case(
        "Neuron(): 1 input of 2",
        lambda: Neuron(2)([1.0]),
        ValueError,
        "Neuron",
        "expected 2 inputs, got 1",
    ),
    case(
        "Neuron(): int input",
        lambda: Neuron(2)(5),
        TypeError,
        "Neuron",
        "int",
    ),
    case(
        "Neuron(): str entry",
        lambda: Neuron(2)(["a", 1.0]),
        TypeError,
        "Neuron",
        "str 'a'",
    ),
    case("Layer: nout 0", lambda: Layer(2, 0), ValueError, "Layer", "0"),
    case("Layer: str nout", lambda: Layer(2, "3"), TypeError, "Layer", "str '3'"),
    case(
        "Layer: nin 0",
        lambda: Layer(0, 2),
        ValueError,
        "Layer",
        "0",
    ),
    case(
        "Layer(): 1 input of 2",
        lambda: layer()([1.0]),
        ValueError,
        "Layer",
        "got 1",
    ),
    case(
        "Layer(): None input",
        lambda: layer()(None),
        TypeError,
        "Layer",
        "NoneType",
    ),
    case("MLP: str nin", lambda: MLP("2", [1]), TypeError, "MLP", "str '2'"),
    case("MLP: int nouts", lambda: MLP(2, 3), TypeError, "MLP", "3"),
    case("MLP: None nouts", lambda: MLP(2, None), TypeError, "MLP", "None"),
    case(
        "MLP: empty nouts",
        lambda: MLP(2, []),
        ValueError,
        "MLP",
        "[]",
    ),
    case(
        "MLP: layer size 0",
        lambda: MLP(2, [3, 0]),
        ValueError,
        "MLP",
        "0",
    ),
    case("MLP: init he", lambda: MLP(2, [1], init="he"), ValueError, "MLP", "'he'"),
    case(
        "MLP: None init",
        lambda: MLP(2, [1], init=None),
        TypeError,
        "MLP",
        "None",
    ),
    case(
        "MLP: activation swish",
        lambda: MLP(2, [1], activation="swish"),
        ValueError,
        "MLP",
        "'swish'",
    ),
    case(
        "MLP(): 3 inputs for 2",
        lambda: mlp()([1.0, 2.0, 3.0]),
        ValueError,
        "MLP",
        "got 3",
    ),
    case(
        "MLP(): str sample",
        lambda: mlp()("ab"),
        TypeError,
        "MLP",
        "str",
    ),
    case(
        "Module(): no forward",
        lambda: Module()([1.0]),
        NotImplementedError,
        "Module",
        "forward",
    ),
    case(
        "load_state_dict: a list",
        lambda: mlp().load_state_dict([1.0]),
        TypeError,
        "load_state_dict",
        "list",
    ),
    case(
        "load_state_dict: empty dict",
        lambda: mlp().load_state_dict({}),
        ValueError,
        "load_state_dict",
        "missing parameter",
    ),
    case(
        "load_state_dict: unexpected name",
        lambda: (lambda m, s: m.load_state_dict(s))(*state_with(extra=1.0)),
        ValueError,
        "load_state_dict",
        "'extra'",
    ),
    case(
        "load_state_dict: str value",
        lambda: (lambda m, s: m.load_state_dict(s))(*state_with(b="1")),
        TypeError,
        "load_state_dict",
        "'b'",
        "str",
    ),
    case(
        "load_state_dict: bool value",
        lambda: (lambda m, s: m.load_state_dict(s))(*state_with(b=True)),
        TypeError,
        "load_state_dict",
        "bool",
    ),
    case(
        "load_state_dict: nan value",
        lambda: (lambda m, s: m.load_state_dict(s))(*state_with(b=NAN)),
        ValueError,
        "load_state_dict",
        "nan",
    ),
    case("draw_network: str", lambda: draw_network("x"), TypeError, "draw_network", "str"),
    case(
        "draw_network: a Neuron",
        lambda: draw_network(Neuron(2)),
        TypeError,
        "draw_network",
        "Neuron",
    ),
    case(
        "draw_network: str precision",
        lambda: draw_network(mlp(), precision="2"),
        TypeError,
        "draw_network",
        "str",
    ),
    case(
        "draw_network: precision -1",
        lambda: draw_network(mlp(), precision=-1),
        ValueError,
        "draw_network",
        "-1",
    ),
]


@pytest.mark.parametrize("call, error, shown", MODULES)
def test_modules_reject_bad_input(call, error, shown):
    check(call, error, shown)


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def model_file(tmp, **changes):
    """A valid model file for Neuron(2), with top-level fields changed."""
    payload = {
        "format": "valuegrad.model",
        "version": 1,
        "model": "Neuron",
        "parameters": Neuron(2, rng=random.Random(0)).state_dict(),
    }
    payload.update(changes)
    return write(tmp / "model.json", json.dumps(payload))


def nan_neuron():
    model = Neuron(2)
    model.b.data = NAN
    return model


FILES = [
    case(
        "save: None path",
        lambda tmp: Neuron(2).save(None),
        TypeError,
        "save",
        "NoneType",
    ),
    case(
        "save: nan parameter",
        lambda tmp: nan_neuron().save(tmp / "m.json"),
        ValueError,
        "save",
        "nan",
    ),
    case(
        "load: None path",
        lambda tmp: Neuron(2).load(None),
        TypeError,
        "load",
        "NoneType",
    ),
    case(
        "load: missing file",
        lambda tmp: Neuron(2).load(tmp / "missing.json"),
        FileNotFoundError,
        "missing.json",
    ),
    case(
        "load: empty file",
        lambda tmp: Neuron(2).load(write(tmp / "m.json", "")),
        ValueError,
        "load",
        "empty",
    ),
    case(
        "load: not JSON",
        lambda tmp: Neuron(2).load(write(tmp / "m.json", "{oops")),
        ValueError,
        "load",
        "not valid JSON",
    ),
    case(
        "load: foreign JSON",
        lambda tmp: Neuron(2).load(write(tmp / "m.json", "[1, 2]")),
        ValueError,
        "load",
        "not a valuegrad model file",
    ),
    case(
        "load: version 2",
        lambda tmp: Neuron(2).load(model_file(tmp, version=2)),
        ValueError,
        "load",
        "version 2",
    ),
    case(
        "load: a Layer's file into a Neuron",
        lambda tmp: Neuron(2).load(model_file(tmp, model="Layer")),
        ValueError,
        "load",
        "'Layer'",
    ),
    case(
        "load: str parameter value",
        lambda tmp: Neuron(2).load(model_file(tmp, parameters={"w.0": "x", "w.1": 0, "b": 0})),
        ValueError,
        "load",
        "'w.0'",
    ),
]


@pytest.mark.parametrize("call, error, shown", FILES)
def test_model_files_reject_bad_input(call, error, shown, tmp_path):
    check(call, error, shown, tmp_path)


# ---- nn.losses -----------------------------------------------------------------------------

LOSSES = [
    case("mse: int preds", lambda: mse(5, [1.0]), TypeError, "mse", "int 5"),
    case("mse: str preds", lambda: mse("ab", [1.0, 2.0]), TypeError, "mse", "str 'ab'"),
    case("mse: empty batch", lambda: mse([], []), ValueError, "mse", "empty batch"),
    case("mse: 2 preds, 1 target", lambda: mse([1.0, 2.0], [1.0]), ValueError, "mse", "2 preds"),
    case("mse: str pred", lambda: mse(["a"], [1.0]), TypeError, "mse", "str 'a'"),
    case("mse: None target", lambda: mse([1.0], [None]), TypeError, "mse", "NoneType"),
    case("mse: bool pred", lambda: mse([True], [1.0]), TypeError, "mse", "bool True"),
    case(
        "mse: 2 outputs, 1 target",
        lambda: mse([[1.0, 2.0]], [[1.0]]),
        ValueError,
        "mse",
        "2 outputs",
    ),
    case(
        "mse: ragged outputs",
        lambda: mse([[1.0], [1.0, 2.0]], [[1.0], [1.0, 2.0]]),
        ValueError,
        "mse",
        "preds[1] has 2",
    ),
    case("hinge: label 0", lambda: hinge([1.0], [0]), ValueError, "hinge", "0.0"),
    case("hinge: str label", lambda: hinge([1.0], ["1"]), TypeError, "hinge", "str '1'"),
    case("hinge: two scores", lambda: hinge([[1.0, 2.0]], [1]), ValueError, "hinge", "2 values"),
    case(
        "binary_cross_entropy: label 2",
        lambda: binary_cross_entropy([0.5], [2.0]),
        ValueError,
        "binary_cross_entropy",
        "2.0",
    ),
    case(
        "binary_cross_entropy: nan label",
        lambda: binary_cross_entropy([0.5], [NAN]),
        ValueError,
        "binary_cross_entropy",
        "nan",
    ),
    case(
        "binary_cross_entropy: None logits",
        lambda: binary_cross_entropy(None, [1.0]),
        TypeError,
        "binary_cross_entropy",
        "NoneType",
    ),
    case(
        "cross_entropy: target 3 of 2 classes",
        lambda: cross_entropy([[1.0, 2.0]], [3]),
        ValueError,
        "cross_entropy",
        "3",
    ),
    case(
        "cross_entropy: target -1",
        lambda: cross_entropy([[1.0, 2.0]], [-1]),
        ValueError,
        "cross_entropy",
        "-1",
    ),
    case(
        "cross_entropy: str target",
        lambda: cross_entropy([[1.0, 2.0]], ["1"]),
        TypeError,
        "cross_entropy",
        "str '1'",
    ),
    case(
        "cross_entropy: float target",
        lambda: cross_entropy([[1.0, 2.0]], [1.0]),
        TypeError,
        "cross_entropy",
        "float 1.0",
    ),
    case(
        "cross_entropy: empty logits",
        lambda: cross_entropy([[]], [0]),
        ValueError,
        "cross_entropy",
        "empty",
    ),
    case(
        "cross_entropy: ragged logits",
        lambda: cross_entropy([[1.0, 2.0], [1.0]], [0, 0]),
        ValueError,
        "cross_entropy",
        "logits[1] has 1",
    ),
    case("softmax: empty", lambda: softmax([]), ValueError, "softmax", "empty"),
    case("softmax: int", lambda: softmax(5), TypeError, "softmax", "int 5"),
    case("softmax: str entry", lambda: softmax(["a"]), TypeError, "softmax", "str 'a'"),
]

# ---- nn.optim ---------------------------------------------------------------------------

OPTIM = [
    case("SGD: lr -1", lambda: SGD(params(), lr=-1.0), ValueError, "SGD", "-1.0"),
    case("SGD: str lr", lambda: SGD(params(), lr="0.1"), TypeError, "SGD", "str '0.1'"),
    case("SGD: bool lr", lambda: SGD(params(), lr=True), TypeError, "SGD", "bool True"),
    case("SGD: nan lr", lambda: SGD(params(), lr=NAN), ValueError, "SGD", "nan"),
    case("SGD: no lr", lambda: SGD(params()), TypeError, "SGD", "lr"),
    case(
        "SGD: momentum -0.5",
        lambda: SGD(params(), lr=0.1, momentum=-0.5),
        ValueError,
        "SGD",
        "-0.5",
    ),
    case(
        "SGD: weight_decay -1",
        lambda: SGD(params(), lr=0.1, weight_decay=-1),
        ValueError,
        "SGD",
        "-1",
    ),
    case(
        "SGD: str nesterov",
        lambda: SGD(params(), lr=0.1, nesterov="yes"),
        TypeError,
        "SGD",
        "str 'yes'",
    ),
    case(
        "SGD: nesterov without momentum",
        lambda: SGD(params(), lr=0.1, nesterov=True),
        ValueError,
        "SGD",
        "momentum=0.0",
    ),
    case("SGD: no params", lambda: SGD([], lr=0.1), ValueError, "SGD", "empty"),
    case("SGD: a Value as params", lambda: SGD(leaf(), lr=0.1), TypeError, "SGD", "Value"),
    case("SGD: a set of params", lambda: SGD(set(params()), lr=0.1), TypeError, "SGD", "set"),
    case("SGD: str param", lambda: SGD(["a"], lr=0.1), TypeError, "SGD", "str 'a'"),
    case(
        "SGD: a param twice",
        lambda: (lambda p: SGD([p, p], lr=0.1))(leaf()),
        ValueError,
        "SGD",
        "twice",
    ),
    case("SGD: non-leaf param", lambda: SGD([node()], lr=0.1), ValueError, "SGD", "'*'"),
    case("Adam: one beta", lambda: Adam(params(), betas=(0.9,)), ValueError, "Adam", "(0.9,)"),
    case(
        "Adam: beta 1.0",
        lambda: Adam(params(), betas=(1.0, 0.999)),
        ValueError,
        "Adam",
        "1.0",
    ),
    case("Adam: str betas", lambda: Adam(params(), betas="ab"), TypeError, "Adam", "str 'ab'"),
    case(
        "Adam: str beta",
        lambda: Adam(params(), betas=(0.9, "x")),
        TypeError,
        "Adam",
        "str 'x'",
    ),
    case("Adam: eps -1", lambda: Adam(params(), eps=-1.0), ValueError, "Adam", "-1.0"),
    case(
        "Adam: str decoupled_weight_decay",
        lambda: Adam(params(), decoupled_weight_decay="no"),
        TypeError,
        "Adam",
        "str 'no'",
    ),
    case("AdamW: lr -1", lambda: AdamW(params(), lr=-1.0), ValueError, "AdamW", "-1.0"),
    case(
        "AdamW: weight_decay None",
        lambda: AdamW(params(), weight_decay=None),
        TypeError,
        "AdamW",
        "NoneType",
    ),
    case(
        "SGD.step: str grad",
        lambda: SGD(with_grad("x"), lr=0.1).step(),
        TypeError,
        "SGD.step",
        "str 'x'",
    ),
    case(
        "SGD.add_param_group: int",
        lambda: sgd().add_param_group(5),
        TypeError,
        "SGD",
        "int 5",
    ),
    case(
        "SGD.add_param_group: no params",
        lambda: sgd().add_param_group({"lr": 0.1}),
        ValueError,
        "SGD",
        "'params'",
    ),
    case(
        "SGD.load_state_dict: int",
        lambda: sgd().load_state_dict(5),
        TypeError,
        "SGD.load_state_dict",
        "int 5",
    ),
    case(
        "SGD.load_state_dict: empty dict",
        lambda: sgd().load_state_dict({}),
        ValueError,
        "SGD.load_state_dict",
        "[]",
    ),
    case("StepLR: str optimizer", lambda: StepLR("sgd", 1), TypeError, "StepLR", "str 'sgd'"),
    case("StepLR: step_size 0", lambda: StepLR(sgd(), 0), ValueError, "StepLR", "0"),
    case("StepLR: float step_size", lambda: StepLR(sgd(), 1.5), TypeError, "StepLR", "float 1.5"),
    case("StepLR: gamma -1", lambda: StepLR(sgd(), 1, gamma=-1.0), ValueError, "StepLR", "-1.0"),
    case("StepLR: gamma inf", lambda: StepLR(sgd(), 1, gamma=INF), ValueError, "StepLR", "inf"),
    case(
        "ExponentialLR: str gamma",
        lambda: ExponentialLR(sgd(), "x"),
        TypeError,
        "ExponentialLR",
        "str 'x'",
    ),
    case(
        "ExponentialLR: nan gamma",
        lambda: ExponentialLR(sgd(), NAN),
        ValueError,
        "ExponentialLR",
        "nan",
    ),
    case(
        "CosineAnnealingLR: T_max 0",
        lambda: CosineAnnealingLR(sgd(), 0),
        ValueError,
        "CosineAnnealingLR",
        "0",
    ),
    case(
        "CosineAnnealingLR: None T_max",
        lambda: CosineAnnealingLR(sgd(), None),
        TypeError,
        "CosineAnnealingLR",
        "NoneType",
    ),
    case(
        "CosineAnnealingLR: eta_min -1",
        lambda: CosineAnnealingLR(sgd(), 10, eta_min=-1.0),
        ValueError,
        "CosineAnnealingLR",
        "-1.0",
    ),
    case(
        "StepLR.load_state_dict: list",
        lambda: StepLR(sgd(), 1).load_state_dict([]),
        TypeError,
        "StepLR.load_state_dict",
        "list",
    ),
    case(
        "StepLR.load_state_dict: empty dict",
        lambda: StepLR(sgd(), 1).load_state_dict({}),
        ValueError,
        "StepLR.load_state_dict",
        "[]",
    ),
    case(
        "clip_grad_norm_: str params",
        lambda: clip_grad_norm_("p", 1.0),
        TypeError,
        "clip_grad_norm_",
        "str 'p'",
    ),
    case(
        "clip_grad_norm_: float param",
        lambda: clip_grad_norm_([1.0], 1.0),
        TypeError,
        "clip_grad_norm_",
        "float 1.0",
    ),
    case(
        "clip_grad_norm_: max_norm -1",
        lambda: clip_grad_norm_(params(), -1.0),
        ValueError,
        "clip_grad_norm_",
        "-1.0",
    ),
    case(
        "clip_grad_norm_: str max_norm",
        lambda: clip_grad_norm_(params(), "1"),
        TypeError,
        "clip_grad_norm_",
        "str '1'",
    ),
    case(
        "clip_grad_norm_: norm_type 0",
        lambda: clip_grad_norm_(params(), 1.0, norm_type=0),
        ValueError,
        "clip_grad_norm_",
        "0",
    ),
    case(
        "clip_grad_norm_: str norm_type",
        lambda: clip_grad_norm_(params(), 1.0, norm_type="inf"),
        TypeError,
        "clip_grad_norm_",
        "str 'inf'",
    ),
    case(
        "clip_grad_norm_: str grad",
        lambda: clip_grad_norm_(with_grad("g"), 1.0),
        TypeError,
        "clip_grad_norm_",
        "str 'g'",
    ),
    case(
        "clip_grad_value_: clip_value -1",
        lambda: clip_grad_value_(params(), -1.0),
        ValueError,
        "clip_grad_value_",
        "-1.0",
    ),
    case(
        "clip_grad_value_: nan clip_value",
        lambda: clip_grad_value_(params(), NAN),
        ValueError,
        "clip_grad_value_",
        "nan",
    ),
    case(
        "clip_grad_value_: None clip_value",
        lambda: clip_grad_value_(params(), None),
        TypeError,
        "clip_grad_value_",
        "NoneType",
    ),
    case(
        "clip_grad_value_: int params",
        lambda: clip_grad_value_(5, 1.0),
        TypeError,
        "clip_grad_value_",
        "int 5",
    ),
]

# ---- nn.init --------------------------------------------------------------------------------


class NoNeurons:
    neurons: list = []


INIT = [
    case(
        "calculate_gain: gelu",
        lambda: calculate_gain("gelu"),
        ValueError,
        "calculate_gain",
        "'gelu'",
    ),
    case("calculate_gain: int", lambda: calculate_gain(5), TypeError, "calculate_gain", "int 5"),
    case(
        "calculate_gain: str slope",
        lambda: calculate_gain("leaky_relu", "x"),
        TypeError,
        "calculate_gain",
        "str 'x'",
    ),
    case(
        "calculate_gain: nan slope",
        lambda: calculate_gain("leaky_relu", NAN),
        ValueError,
        "calculate_gain",
        "nan",
    ),
    case("uniform_: a > b", lambda: uniform_(layer(), 2.0, 1.0), ValueError, "uniform_", "2.0"),
    case("uniform_: str a", lambda: uniform_(layer(), "0"), TypeError, "uniform_", "str '0'"),
    case("uniform_: int layer", lambda: uniform_(5), TypeError, "uniform_", "int"),
    case("uniform_: an MLP", lambda: uniform_(mlp()), TypeError, "uniform_", "MLP"),
    case("uniform_: int rng", lambda: uniform_(layer(), rng=5), TypeError, "uniform_", "int"),
    case(
        "uniform_: layer without neurons",
        lambda: uniform_(NoNeurons()),
        ValueError,
        "uniform_",
        "no neurons",
    ),
    case("normal_: std -1", lambda: normal_(layer(), std=-1.0), ValueError, "normal_", "-1.0"),
    case("normal_: mean inf", lambda: normal_(layer(), mean=INF), ValueError, "normal_", "inf"),
    case("constant_: None", lambda: constant_(layer(), None), TypeError, "constant_", "NoneType"),
    case("constant_: nan", lambda: constant_(layer(), NAN), ValueError, "constant_", "nan"),
    case(
        "xavier_uniform_: gain -1",
        lambda: xavier_uniform_(layer(), gain=-1.0),
        ValueError,
        "xavier_uniform_",
        "-1.0",
    ),
    case(
        "xavier_normal_: str gain",
        lambda: xavier_normal_(layer(), gain="1"),
        TypeError,
        "xavier_normal_",
        "str '1'",
    ),
    case(
        "kaiming_uniform_: mode fan",
        lambda: kaiming_uniform_(layer(), mode="fan"),
        ValueError,
        "kaiming_uniform_",
        "'fan'",
    ),
    case(
        "kaiming_uniform_: nonlinearity gelu",
        lambda: kaiming_uniform_(layer(), nonlinearity="gelu"),
        ValueError,
        "kaiming_uniform_",
        "'gelu'",
    ),
    case(
        "kaiming_normal_: str a",
        lambda: kaiming_normal_(layer(), a="x"),
        TypeError,
        "kaiming_normal_",
        "str 'x'",
    ),
    case(
        "kaiming_normal_: int mode",
        lambda: kaiming_normal_(layer(), mode=1),
        TypeError,
        "kaiming_normal_",
        "int 1",
    ),
    case(
        "initialise: scheme he",
        lambda: initialise(layer(), "he", "relu"),
        ValueError,
        "initialise",
        "'he'",
    ),
    case(
        "initialise: activation swish",
        lambda: initialise(layer(), "kaiming", "swish"),
        ValueError,
        "initialise",
        "'swish'",
    ),
    case(
        "initialise: object()",
        lambda: initialise(object(), "kaiming", "relu"),
        TypeError,
        "initialise",
        "object",
    ),
]

# ---- nn.data ----------------------------------------------------------------------------

DATA = [
    case("make_moons: 0 samples", lambda: make_moons(0), ValueError, "make_moons", "0"),
    case("make_moons: str n", lambda: make_moons("100"), TypeError, "make_moons", "str '100'"),
    case("make_moons: float n", lambda: make_moons(1.5), TypeError, "make_moons", "float 1.5"),
    case("make_moons: bool n", lambda: make_moons(True), TypeError, "make_moons", "bool True"),
    case("make_moons: noise -1", lambda: make_moons(noise=-1), ValueError, "make_moons", "-1"),
    case("make_moons: str noise", lambda: make_moons(noise="x"), TypeError, "make_moons", "str"),
    case("make_moons: nan noise", lambda: make_moons(noise=NAN), ValueError, "make_moons", "nan"),
    case(
        "make_moons: inf noise",
        lambda: make_moons(noise=INF),
        ValueError,
        "make_moons",
        "inf",
    ),
    case(
        "make_moons: str seed",
        lambda: make_moons(seed="abc"),
        TypeError,
        "make_moons",
        "str",
    ),
    case(
        "make_moons: list seed",
        lambda: make_moons(seed=[1]),
        TypeError,
        "make_moons",
        "list",
    ),
    case("make_circles: 1 sample", lambda: make_circles(1), ValueError, "make_circles", "1"),
    case(
        "make_circles: factor 1",
        lambda: make_circles(factor=1.0),
        ValueError,
        "make_circles",
        "1.0",
    ),
    case(
        "make_circles: str factor",
        lambda: make_circles(factor="x"),
        TypeError,
        "make_circles",
        "str 'x'",
    ),
    case(
        "make_circles: inf noise",
        lambda: make_circles(noise=INF),
        ValueError,
        "make_circles",
        "inf",
    ),
    case(
        "make_circles: float seed",
        lambda: make_circles(seed=1.5),
        TypeError,
        "make_circles",
        "float",
    ),
    case(
        "make_spirals: 0 classes",
        lambda: make_spirals(n_classes=0),
        ValueError,
        "make_spirals",
        "0",
    ),
    case(
        "make_spirals: 2 samples, 3 classes",
        lambda: make_spirals(2, n_classes=3),
        ValueError,
        "make_spirals",
        "2",
    ),
    case(
        "make_spirals: str n_classes",
        lambda: make_spirals(n_classes="3"),
        TypeError,
        "make_spirals",
        "str '3'",
    ),
    case(
        "make_spirals: noise -0.1",
        lambda: make_spirals(noise=-0.1),
        ValueError,
        "make_spirals",
        "-0.1",
    ),
    case("make_xor: -5 samples", lambda: make_xor(-5), ValueError, "make_xor", "-5"),
    case("make_xor: None noise", lambda: make_xor(noise=None), TypeError, "make_xor", "NoneType"),
    case("make_xor: bool seed", lambda: make_xor(seed=True), TypeError, "make_xor", "bool"),
    case("make_blobs: 0 centers", lambda: make_blobs(centers=0), ValueError, "make_blobs", "0"),
    case(
        "make_blobs: bool centers",
        lambda: make_blobs(centers=True),
        TypeError,
        "make_blobs",
        "bool",
    ),
    case(
        "make_blobs: float centers",
        lambda: make_blobs(centers=2.5),
        TypeError,
        "make_blobs",
        "float",
    ),
    case(
        "make_blobs: str centers",
        lambda: make_blobs(centers="abc"),
        TypeError,
        "make_blobs",
        "str",
    ),
    case(
        "make_blobs: no centers",
        lambda: make_blobs(centers=[]),
        ValueError,
        "make_blobs",
        "empty",
    ),
    case(
        "make_blobs: 3-D center, 2 features",
        lambda: make_blobs(centers=[[1.0, 2.0, 3.0]]),
        ValueError,
        "make_blobs",
        "3 coordinates",
    ),
    case(
        "make_blobs: str coordinate",
        lambda: make_blobs(centers=[[1.0, "a"]]),
        TypeError,
        "make_blobs",
        "str 'a'",
    ),
    case(
        "make_blobs: nan coordinate",
        lambda: make_blobs(centers=[[1.0, NAN]]),
        ValueError,
        "make_blobs",
        "nan",
    ),
    case(
        "make_blobs: int center",
        lambda: make_blobs(centers=[5]),
        TypeError,
        "make_blobs",
        "int",
    ),
    case(
        "make_blobs: cluster_std -1",
        lambda: make_blobs(cluster_std=-1.0),
        ValueError,
        "make_blobs",
        "-1.0",
    ),
    case(
        "make_blobs: 0 features",
        lambda: make_blobs(n_features=0),
        ValueError,
        "make_blobs",
        "0",
    ),
    case(
        "make_blobs: 2 samples, 3 centers",
        lambda: make_blobs(2, centers=3),
        ValueError,
        "make_blobs",
        "2",
    ),
    case(
        "train_test_split: 4 X, 3 y",
        lambda: train_test_split(X4, Y4[:3]),
        ValueError,
        "train_test_split",
        "4 and 3",
    ),
    case(
        "train_test_split: str X",
        lambda: train_test_split("abcd", Y4),
        TypeError,
        "train_test_split",
        "str",
    ),
    case(
        "train_test_split: 1 sample",
        lambda: train_test_split([[0.0]], [0]),
        ValueError,
        "train_test_split",
        "1",
    ),
    case(
        "train_test_split: test_size 0",
        lambda: train_test_split(X4, Y4, test_size=0),
        ValueError,
        "train_test_split",
        "0",
    ),
    case(
        "train_test_split: test_size 1.0",
        lambda: train_test_split(X4, Y4, test_size=1.0),
        ValueError,
        "train_test_split",
        "1.0",
    ),
    case(
        "train_test_split: test_size 10 of 4",
        lambda: train_test_split(X4, Y4, test_size=10),
        ValueError,
        "train_test_split",
        "10",
    ),
    case(
        "train_test_split: nan test_size",
        lambda: train_test_split(X4, Y4, test_size=NAN),
        ValueError,
        "train_test_split",
        "nan",
    ),
    case(
        "train_test_split: str test_size",
        lambda: train_test_split(X4, Y4, test_size="0.2"),
        TypeError,
        "train_test_split",
        "str",
    ),
    case(
        "train_test_split: bool test_size",
        lambda: train_test_split(X4, Y4, test_size=True),
        TypeError,
        "train_test_split",
        "bool",
    ),
    case(
        "train_test_split: str shuffle",
        lambda: train_test_split(X4, Y4, shuffle="yes"),
        TypeError,
        "train_test_split",
        "str 'yes'",
    ),
    case(
        "train_test_split: float seed",
        lambda: train_test_split(X4, Y4, seed=1.5),
        TypeError,
        "train_test_split",
        "float",
    ),
    case("batches: batch_size 0", lambda: batches(X4, Y4, 0), ValueError, "batches", "0"),
    case(
        "batches: float batch_size",
        lambda: batches(X4, Y4, 2.0),
        TypeError,
        "batches",
        "float 2.0",
    ),
    case(
        "batches: None batch_size",
        lambda: batches(X4, Y4, None),
        TypeError,
        "batches",
        "NoneType",
    ),
    case("batches: int X", lambda: batches(5, Y4, 2), TypeError, "batches", "int"),
    case("batches: dict y", lambda: batches(X4, {}, 2), TypeError, "batches", "dict"),
    case("batches: 4 X, 2 y", lambda: batches(X4, Y4[:2], 2), ValueError, "batches", "4 and 2"),
    case(
        "batches: int shuffle",
        lambda: batches(X4, Y4, 2, shuffle=1),
        TypeError,
        "batches",
        "int 1",
    ),
    case(
        "batches: str drop_last",
        lambda: batches(X4, Y4, 2, drop_last="no"),
        TypeError,
        "batches",
        "str 'no'",
    ),
    case("batches: str seed", lambda: batches(X4, Y4, 2, seed="x"), TypeError, "batches", "str"),
]

# ---- nn.train.fit -----------------------------------------------------------------------------

FIT = [
    case("fit: empty data", lambda: fit_with(X=[], y=[]), ValueError, "fit", "0, 0"),
    case("fit: 4 X, 3 y", lambda: fit_with(y=Y4[:3]), ValueError, "fit", "4, 3"),
    case("fit: epochs -1", lambda: fit_with(epochs=-1), ValueError, "fit", "-1"),
    case("fit: unknown metric", lambda: fit_with(metrics=["f1"]), ValueError, "fit", "'f1'"),
    case(
        "fit: str epochs",
        lambda: fit_with(epochs="3"),
        TypeError,
        "fit",
        "'3'",
    ),
    case(
        "fit: None X",
        lambda: fit_with(X=None),
        TypeError,
        "fit",
        "NoneType",
    ),
    case(
        "fit: str model",
        lambda: fit_with(model="mlp"),
        TypeError,
        "fit",
        "str",
    ),
    case(
        "fit: str loss",
        lambda: fit_with(loss="mse"),
        TypeError,
        "fit",
        "str",
    ),
    case(
        "fit: str optimizer",
        lambda: fit_with(optimizer="sgd"),
        TypeError,
        "fit",
        "str",
    ),
    case(
        "fit: str scheduler",
        lambda: fit_with(scheduler="step"),
        TypeError,
        "fit",
        "str",
    ),
    case(
        "fit: batch_size 0",
        lambda: fit_with(batch_size=0),
        ValueError,
        "fit",
        "0",
    ),
    case(
        "fit: batch_size -1",
        lambda: fit_with(batch_size=-1),
        ValueError,
        "fit",
        "-1",
    ),
    case(
        "fit: clip_norm -1",
        lambda: fit_with(clip_norm=-1.0),
        ValueError,
        "fit",
        "-1.0",
    ),
    case(
        "fit: metrics as a str",
        lambda: fit_with(metrics="accuracy"),
        TypeError,
        "fit",
        "str 'accuracy'",
    ),
    case(
        "fit: str seed",
        lambda: fit_with(seed="s", batch_size=2),
        TypeError,
        "fit",
        "str",
    ),
    case(
        "fit: int callback",
        lambda: fit_with(callbacks=[5]),
        TypeError,
        "fit",
        "int",
    ),
]


@pytest.mark.parametrize("call, error, shown", LOSSES + OPTIM + INIT + DATA + FIT)
def test_training_helpers_reject_bad_input(call, error, shown):
    check(call, error, shown)

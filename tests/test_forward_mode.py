"""Forward mode and the JAX-style transforms (issue 13): jvp, jacfwd, jacrev, linearize,
vjp, hessian (forward over reverse), has_aux, against torch.func in float64.

1. random programs from autograd.testing.expressions, each transform against its
   torch.func twin, and jacfwd against jacrev;
2. nestings (jvp of jvp, jvp of grad, grad of jvp, vjp of jvp) against torch.func and
   against finite differences of the inner transform;
3. Values the function captures, and a Value reaching jvp from an outer transform;
4. has_aux; 5. bad arguments; 6. every `.grad` left as it was.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from test_parity_higher import REL, replay, torch_ops

import autograd
from autograd import (
    Value,
    grad,
    hessian,
    hvp,
    jacfwd,
    jacrev,
    jvp,
    linearize,
    ops,
    value_and_grad,
    vjp,
)
from autograd.testing import OPS, expressions, reals

few = settings(max_examples=40, deadline=None)
OURS = {name: op.apply for name, op in OPS.items()}
GAMMA = {"lgamma", "digamma", "polygamma", "gamma"}


def leaves(x):
    """The entries of nested dicts, lists and tuples, in order."""
    if isinstance(x, dict):
        x = list(x.values())
    if isinstance(x, (list, tuple)):
        return [v for item in x for v in leaves(item)]
    return [x]


def flat(x):
    """Nested numbers, Values or tensors as one list of floats."""
    out = []
    for v in leaves(x):
        if hasattr(v, "reshape"):  # a tensor
            out.extend(v.reshape(-1).clone().tolist())  # (torch.func's zeros have no storage)
        else:
            out.append(float(v.data if isinstance(v, Value) else v))
    return out


def near(got, want, scale, rel):
    """Entry by entry to `rel`, and to rel * scale absolute (cancellations; see REL)."""
    got, want = flat(got), flat(want)
    assert len(got) == len(want), (got, want)
    for i, (a, b) in enumerate(zip(got, want)):
        assert a == pytest.approx(b, rel=rel, abs=rel * max(1.0, scale)), (i, got, want)


# ---- 1. random programs: every transform against torch.func --------------------------------


def programs(e, torch, outputs):
    """(ours, theirs): e's program returning its last value, or (outputs=2) its last two."""
    table = torch_ops(torch)
    if outputs == 1:
        return (lambda *xs: replay(OURS, e.steps, xs)[-1]), (
            lambda *ts: replay(table, e.steps, ts)[-1]
        )
    return (lambda *xs: replay(OURS, e.steps, xs)[-2:]), (
        lambda *ts: torch.stack(replay(table, e.steps, ts)[-2:])
    )


def screened(e):
    """The assume() filters of test_expression_hessians, and its tolerance for e."""
    values = replay(OURS, e.steps, e.inputs)
    # torch zeroes d(a**b)/da where b == 0 exactly (and so the mixed second derivative)
    assume(all(values[i[1]] != 0 for name, i in e.steps if name == "pow"))
    # torch's sinc and i1 slopes cancel near 0; its trigamma is accurate to ~1e-9 only
    assume(all(abs(values[i[0]]) > 0.1 for name, i in e.steps if name in ("sinc", "i1")))
    return 1e-7 if {name for name, _ in e.steps} & GAMMA else REL


def _jvp(f, ft, xs, ts, tf, d):
    t = d["t1"]
    value, tangent = jvp(f, xs, t)
    want_value, want_tangent = tf.jvp(ft, ts, d["tt1"])
    return [value, tangent], [want_value, want_tangent], d["J"] * sum(map(abs, t))


def _linearize(f, ft, xs, ts, tf, d):
    value, f_jvp = linearize(f, *xs)
    got = [value, f_jvp(*d["t1"]), f_jvp(*d["t2"]), f_jvp(*d["t1"])]  # cached pass again
    want = [ft(*ts), tf.jvp(ft, ts, d["tt1"])[1], tf.jvp(ft, ts, d["tt2"])[1]]
    weight = max(sum(map(abs, d["t1"])), sum(map(abs, d["t2"])))
    return got, want + [want[1]], d["J"] * weight


def _vjp(f, ft, xs, ts, tf, d):
    value, f_vjp = vjp(f, *xs)
    want_value, t_vjp = tf.vjp(ft, *ts)
    cotangent = d["c"] if d["m"] == 2 else d["c"][0]
    got = f_vjp(cotangent)
    assert isinstance(got, tuple) and len(got) == len(xs)
    want = t_vjp(d["torch"].tensor(cotangent, dtype=d["torch"].float64))
    return [value, got], [want_value, want], d["J"] * sum(map(abs, d["c"]))


def _jacobian(ours, theirs):
    def check(f, ft, xs, ts, tf, d):
        got = ours(f)(*xs)
        want = getattr(tf, theirs)(ft, argnums=tuple(range(len(xs))))(*ts)
        return got, d["torch"].stack(want, dim=-1), d["J"]  # m x n, rows of outputs

    return check


def _hessian(f, ft, xs, ts, tf, d):
    want = tf.hessian(ft, argnums=tuple(range(len(xs))))(*ts)
    return hessian(f)(*xs), want, max(map(abs, flat(want)), default=1.0)


TRANSFORMS = {
    "jvp": _jvp,
    "linearize": _linearize,
    "vjp": _vjp,
    "jacfwd": _jacobian(jacfwd, "jacfwd"),
    "jacrev": _jacobian(jacrev, "jacrev"),
    "hessian": _hessian,
}
CASES = [(name, m) for name in TRANSFORMS for m in (1, 2) if (name, m) != ("hessian", 2)]


@pytest.mark.parity
@pytest.mark.parametrize(("name", "outputs"), CASES)
@few
@given(e=expressions(max_ops=6), data=st.data())
def test_expression_transforms_against_torch_func(torch, name, outputs, e, data):
    rel = screened(e)
    n, tf = len(e.inputs), torch.func
    f, ft = programs(e, torch, outputs)
    ts = tuple(torch.tensor(x, dtype=torch.float64) for x in e.inputs)
    vector = st.lists(reals(-2, 2), min_size=n, max_size=n)
    t1, t2 = data.draw(vector), data.draw(vector)
    jac = tf.jacrev(ft, argnums=tuple(range(n)))(*ts)
    d = {
        "torch": torch,
        "m": outputs,
        "t1": tuple(t1),
        "t2": t2,
        "tt1": tuple(torch.tensor(t, dtype=torch.float64) for t in t1),
        "tt2": tuple(torch.tensor(t, dtype=torch.float64) for t in t2),
        "c": data.draw(st.lists(reals(-2, 2), min_size=outputs, max_size=outputs)),
        "J": max(map(abs, flat(jac))),  # the largest first derivative, for the scale
    }
    got, want, scale = TRANSFORMS[name](f, ft, e.inputs, ts, tf, d)
    near(got, want, scale, rel)


@pytest.mark.parametrize("outputs", [1, 2])
@settings(max_examples=50, deadline=None)
@given(e=expressions(max_ops=8))
def test_forward_and_reverse_jacobians_agree(outputs, e):
    f = (lambda *xs: e.fn(*xs)) if outputs == 1 else (lambda *xs: replay(OURS, e.steps, xs)[-2:])
    forward, reverse = jacfwd(f)(*e.inputs), jacrev(f)(*e.inputs)
    assert reverse == autograd.jacobian(f)(*e.inputs)
    near(forward, reverse, max(map(abs, flat(reverse))), 1e-10)
    # the tangent of jvp is the Jacobian times the tangent, column by column
    for j in range(len(e.inputs)):
        column = jvp(f, e.inputs, [float(k == j) for k in range(len(e.inputs))])[1]
        near(column, [row[j] for row in forward] if outputs == 2 else forward[j], 1.0, 0.0)


# ---- 2. nestings: jvp of jvp, jvp of grad, grad of jvp, vjp of jvp -------------------------

FIXED = {  # f(L, x, y) with L the library
    "sin(x)*y": lambda L, x, y: L.sin(x) * y,
    "exp(x*y)": lambda L, x, y: L.exp(x * y),
    "x**3*y": lambda L, x, y: x**3 * y,
    "tanh(x-y)*x": lambda L, x, y: L.tanh(x - y) * x,
}
POINTS = [(0.7, -1.3), (-0.4, 0.9), (1.1, 0.5)]
U, V, C = (0.3, -1.1), (-0.8, 0.6), 1.7  # inner tangent, outer tangent, cotangent


def nestings(L, jvp_, grad_, vjp_):
    """name: (inner(f) -> g(x, y), outer(g, p) -> result), in one library's spelling."""
    return {
        "jvp of jvp": (
            lambda f: lambda x, y: jvp_(f, (x, y), L.vec(U))[1],
            lambda g, p: jvp_(g, p, L.vec(V))[1],
        ),
        "jvp of grad": (
            lambda f: lambda x, y: L.pack(grad_(f, argnums=(0, 1))(x, y)),
            lambda g, p: jvp_(g, p, L.vec(V))[1],
        ),
        "grad of jvp": (
            lambda f: lambda x, y: jvp_(f, (x, y), L.vec(U))[1],
            lambda g, p: grad_(g, argnums=(0, 1))(*p),
        ),
        "vjp of jvp": (
            lambda f: lambda x, y: jvp_(f, (x, y), L.vec(U))[1],
            lambda g, p: vjp_(g, *p)[1](L.num(C)),
        ),
    }


@pytest.mark.parity
@pytest.mark.parametrize("fname", FIXED)
@pytest.mark.parametrize("nest", ["jvp of jvp", "jvp of grad", "grad of jvp", "vjp of jvp"])
def test_nested_transforms(torch, fname, nest):
    t64 = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    ours_lib = SimpleNamespace(sin=ops.sin, exp=ops.exp, tanh=ops.tanh, vec=tuple, pack=list)
    ours_lib.num = float
    their_lib = SimpleNamespace(sin=torch.sin, exp=torch.exp, tanh=torch.tanh)
    their_lib.vec = lambda u: tuple(map(t64, u))
    their_lib.pack, their_lib.num = torch.stack, t64
    inner, outer = nestings(ours_lib, jvp, grad, vjp)[nest]
    t_inner, t_outer = nestings(their_lib, torch.func.jvp, torch.func.grad, torch.func.vjp)[nest]
    f = lambda x, y: FIXED[fname](ours_lib, x, y)  # noqa: E731
    ft = lambda x, y: FIXED[fname](their_lib, x, y)  # noqa: E731
    g = inner(f)
    for p in POINTS:
        got = outer(g, p)
        want = t_outer(t_inner(ft), tuple(map(t64, p)))
        near(got, want, 1.0, 1e-12)

        # finite differences of the inner transform (numbers in, numbers out), outer by hand
        def slope(direction, p=p, h=1e-5):
            plus = flat(g(*[a + h * b for a, b in zip(p, direction)]))
            minus = flat(g(*[a - h * b for a, b in zip(p, direction)]))
            return [(a - b) / (2 * h) for a, b in zip(plus, minus)]

        if nest.startswith("jvp"):
            fd = slope(V)
        else:  # grad / vjp of scalar g: its gradient (times C), one partial per argument
            scale = C if nest.startswith("vjp") else 1.0
            fd = [scale * slope(e)[0] for e in ((1.0, 0.0), (0.0, 1.0))]
        near(got, fd, 1.0, 1e-7)


def test_second_directional_derivative_closed_form():
    # f = x**3 * y: u^T H v with H = [[6xy, 3x^2], [3x^2, 0]]
    for x, y in POINTS:
        inner = lambda a, b: jvp(lambda s, t: s**3 * t, (a, b), U)[1]  # noqa: E731
        got = jvp(inner, (x, y), V)[1]
        want = 6 * x * y * U[0] * V[0] + 3 * x * x * (U[0] * V[1] + U[1] * V[0])
        assert got == pytest.approx(want, rel=1e-13)
        assert hvp(lambda s, t: s**3 * t)((x, y), V) == pytest.approx(
            [6 * x * y * V[0] + 3 * x * x * V[1], 3 * x * x * V[0]], rel=1e-13
        )


# ---- 3. captured Values, and Values from an outer transform --------------------------------


@pytest.mark.parity
@pytest.mark.parametrize(
    "transform", ["jvp", "jvp value", "linearize", "vjp", "jacfwd", "jacrev", "hessian"]
)
def test_captured_value_keeps_its_link(torch, transform):
    w = Value(0.8)
    tw = torch.tensor(0.8, dtype=torch.float64, requires_grad=True)
    x, t = 1.3, 0.5
    tx, tt = (torch.tensor(v, dtype=torch.float64) for v in (x, t))
    f = lambda a: ops.sin(w * a) * a + w * a * a  # noqa: E731
    ft = lambda a: torch.sin(tw * a) * a + tw * a * a  # noqa: E731
    tf = torch.func
    ours, theirs = {
        "jvp": (lambda: jvp(f, (x,), (t,))[1], lambda: tf.jvp(ft, (tx,), (tt,))[1]),
        "jvp value": (lambda: jvp(f, (x,), (t,))[0], lambda: ft(tx)),
        "linearize": (lambda: linearize(f, x)[1](t), lambda: tf.jvp(ft, (tx,), (tt,))[1]),
        "vjp": (lambda: vjp(f, x)[1](t)[0], lambda: tf.vjp(ft, tx)[1](tt)[0]),
        "jacfwd": (lambda: jacfwd(f)(x)[0], lambda: tf.jacfwd(ft)(tx)),
        "jacrev": (lambda: jacrev(f)(x)[0], lambda: tf.jacrev(ft)(tx)),
        "hessian": (lambda: hessian(f)(x)[0][0], lambda: tf.hessian(ft)(tx)),
    }[transform]
    got, want = ours(), theirs()
    assert isinstance(got, Value) and got.data == pytest.approx(want.item(), rel=1e-13)
    got.backward()
    want.backward()
    assert w.grad == pytest.approx(tw.grad.item(), rel=1e-13)
    assert w.grad != 0.0


def test_jvp_of_a_value_argument_and_tangent():
    x, u = Value(0.6), Value(2.0)
    value, tangent = jvp(lambda a: a * a * a, (x,), (u,))  # tangent 3 x^2 u
    assert isinstance(tangent, Value) and tangent.data == pytest.approx(3 * 0.36 * 2.0)
    tangent.backward()
    assert (x.grad, u.grad) == pytest.approx((6 * 0.6 * 2.0, 3 * 0.36))
    assert isinstance(value, Value) and value.data == pytest.approx(0.216)


PERTURBATION = {  # name: (function of x, its derivative at x = 1), by grad, jvp and jacfwd
    "x * jvp(x*y)": (lambda x: x * jvp(lambda y: x * y, (2.0,), (1.0,))[1], 2.0),
    "x * jvp(x+y)": (lambda x: x * jvp(lambda y: x + y, (2.0,), (1.0,))[1], 1.0),
    "x * linearize(x*y)": (lambda x: x * linearize(lambda y: x * y, 2.0)[1](1.0), 2.0),
    "x * vjp(x*y)": (lambda x: x * vjp(lambda y: x * y, 2.0)[1](1.0)[0], 2.0),
    "x * jacfwd(x*y*y)": (lambda x: x * jacfwd(lambda y: x * y * y)(3.0)[0], 12.0),
}


@pytest.mark.parametrize("name", PERTURBATION)
def test_no_perturbation_confusion(name):
    f, slope = PERTURBATION[name]
    assert grad(f)(1.0) == slope
    assert jvp(f, (1.0,), (1.0,))[1] == slope  # and forward over it
    assert jacfwd(f)(1.0) == [slope]


def test_jvp_over_grad_closure():
    # d/dx [x * d/dy (x * y)] = 2x, forward over reverse; and three deep, 24 x^2 at x = 1
    assert jvp(lambda x: x * grad(lambda y: x * y)(2.0), (1.0,), (1.0,))[1] == 2.0

    def g(a):  # a * d/db [a b * d/dc (a b c^2) at c = 1] at b = 2 = 8 a^3
        return a * jvp(lambda b: a * b * grad(lambda c: a * b * c * c)(1.0), (2.0,), (1.0,))[1]

    assert jvp(g, (1.0,), (1.0,))[1] == pytest.approx(24.0, rel=1e-14)


# ---- 4. has_aux ------------------------------------------------------------------------------


def with_aux(x, y):
    aux = {"loss": x * y, "parts": [x + 1, ("tag", y * 3)], "count": 5}
    return x * x * y, aux


def test_grad_has_aux():
    gradient, aux = grad(with_aux, argnums=(0, 1), has_aux=True)(2.0, 3.0)
    assert gradient == (12.0, 4.0)
    assert aux == {"loss": 6.0, "parts": [3.0, ("tag", 9.0)], "count": 5}
    assert type(aux["loss"]) is float and type(aux["parts"][1]) is tuple
    assert type(aux["parts"]) is list and type(aux["parts"][1][1]) is float
    gradient, aux = grad(with_aux, has_aux=True)(2.0, 3.0)
    assert gradient == 12.0 and aux["loss"] == 6.0


def test_value_and_grad_has_aux():
    (value, aux), gradient = value_and_grad(with_aux, argnums=1, has_aux=True)(2.0, 3.0)
    assert (value, gradient) == (12.0, 4.0) and type(value) is float
    assert aux == {"loss": 6.0, "parts": [3.0, ("tag", 9.0)], "count": 5}


@pytest.mark.parity
def test_has_aux_agrees_with_torch_func(torch):
    ft = lambda x: (torch.sin(x) * x, torch.cos(x))  # noqa: E731
    g, aux = torch.func.grad(ft, has_aux=True)(torch.tensor(0.9, dtype=torch.float64))
    ours = grad(lambda x: (ops.sin(x) * x, ops.cos(x)), has_aux=True)(0.9)
    assert ours == pytest.approx((g.item(), aux.item()), rel=1e-14)


def test_has_aux_with_a_captured_value_and_nested():
    w = Value(1.5)
    gradient, aux = grad(lambda x: (w * x * x, w * x), has_aux=True)(2.0)
    assert isinstance(aux, Value) and aux.data == 3.0 and gradient.data == 6.0
    # inside an outer grad the gradient still depends on x: d/dx (2 x y at y = x) * x = 6 x^2
    assert grad(lambda x: grad(lambda y: (x * y * y, y), has_aux=True)(x)[0] * x)(2.0) == 24.0


@pytest.mark.parametrize("transform", [grad, value_and_grad])
@pytest.mark.parametrize(
    "ret", [lambda x: x * x, lambda x: (x, x, x), lambda x: [x, x], lambda x: (x,)]
)
def test_has_aux_needs_a_pair(transform, ret):
    with pytest.raises(TypeError, match=rf"^{transform.__name__}: with has_aux=True.*pair"):
        transform(ret, has_aux=True)(2.0)


def test_has_aux_must_be_a_bool():
    with pytest.raises(TypeError, match="grad: has_aux must be a bool, got int"):
        grad(lambda x: x, has_aux=1)


# ---- 5. bad arguments ------------------------------------------------------------------------


def sq(x, y=1.0):
    return x * x * y


BAD = [  # (call, error, message)
    (lambda: jvp(sq, (1.0, 2.0), (1.0,)), ValueError, "jvp: 2 primals but 1 tangents"),
    (lambda: jvp(sq, (1.0,), (1.0, 2.0)), ValueError, "jvp: 1 primals but 2 tangents"),
    (lambda: jvp(3, (1.0,), (1.0,)), TypeError, "jvp: f must be callable, got int 3"),
    (lambda: jacfwd("f"), TypeError, "jacfwd: f must be callable, got str 'f'"),
    (lambda: jacrev(None), TypeError, "jacrev: f must be callable, got NoneType None"),
    (lambda: vjp(2.5, 1.0), TypeError, "vjp: f must be callable, got float 2.5"),
    (lambda: linearize([], 1.0), TypeError, r"linearize: f must be callable, got list \[\]"),
    (lambda: jvp(sq, 1.0, (1.0,)), TypeError, "jvp: primals must be a sequence.*got float 1.0"),
    (lambda: jvp(sq, "ab", (1.0,)), TypeError, "jvp: primals must be a sequence.*got str 'ab'"),
    (lambda: jvp(sq, (1.0,), 1.0), TypeError, "jvp: tangents must be a sequence.*float 1.0"),
    (lambda: jvp(sq, (1.0,), ("a",)), TypeError, "jvp: tangents\\[0\\].*got str 'a'"),
    (lambda: jvp(sq, (None,), (1.0,)), TypeError, "jvp: primals\\[0\\].*got NoneType None"),
    (lambda: linearize(sq, "x"), TypeError, "linearize: primals\\[0\\].*got str 'x'"),
    (lambda: vjp(sq, 1.0, "y"), TypeError, "vjp: primals\\[1\\].*got str 'y'"),
    (lambda: linearize(sq, 1.0, 2.0)[1](1.0), ValueError, "linearize: f_jvp: 2 primals but 1"),
    (lambda: linearize(sq, 1.0)[1](1.0, 2.0), ValueError, "linearize: f_jvp: 1 primals but 2"),
    (lambda: linearize(sq, 1.0)[1]("t"), TypeError, "linearize: f_jvp: tangents\\[0\\].*'t'"),
    (
        lambda: vjp(lambda x: [x, x * x], 1.0)[1]([1.0]),
        ValueError,
        "vjp: f_vjp: f has 2 outputs but 1 cotangents",
    ),
    (
        lambda: vjp(lambda x: [x, x * x], 1.0)[1](1.0),
        TypeError,
        "vjp: f_vjp: cotangent must be a sequence.*got float 1.0",
    ),
    (lambda: vjp(sq, 1.0)[1]([1.0, 2.0]), TypeError, r"vjp: f_vjp: cotangent\[0\].*list"),
    (lambda: vjp(sq, 1.0)[1]("c"), TypeError, r"vjp: f_vjp: cotangent\[0\].*str 'c'"),
    (lambda: jacfwd(sq, argnums="a"), TypeError, "jacfwd: argnums must be ints, got str 'a'"),
    (lambda: jacfwd(sq, argnums=5)(1.0), ValueError, "jacfwd: argnums 5 is out of range"),
    (lambda: jacfwd(sq)(1.0, "y"), TypeError, "jacfwd: argument 1.*got str 'y'"),
    (lambda: jacrev(sq, argnums=(0, 2.0)), TypeError, "jacrev: argnums must be ints.*2.0"),
    (lambda: hvp(sq)((1.0, 2.0), (1.0,)), ValueError, "hvp: 2 primals but 1 tangents"),
    # f must return numbers: as grad, jacrev, vjp and hessian already check
    (lambda: vjp(lambda x: "y", 1.0)[1](1.0), TypeError, "vjp: f must return a Value or a"),
    (lambda: jvp(lambda x: "y", (1.0,), (1.0,)), TypeError, "jvp: f must return a Value or a"),
    (lambda: jvp(lambda x: [x, None], (1.0,), (1.0,)), TypeError, "jvp: f must return a Val"),
    (lambda: jacfwd(lambda x: "y")(1.0), TypeError, "jacfwd: f must return a Value or a"),
    (lambda: linearize(lambda x: "y", 1.0)[1](1.0), TypeError, "linearize: f must return a"),
]


@pytest.mark.parametrize(("call", "error", "message"), BAD, ids=[m for _, _, m in BAD])
def test_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_jvp_accepts_any_sized_sequence_of_ints_and_fractions():
    import fractions

    value, tangent = jvp(sq, [3, fractions.Fraction(1, 2)], range(1, 3))  # ints, a Fraction
    assert (value, tangent) == (4.5, 2 * 3 * 0.5 * 1 + 9 * 2)


# ---- 6. every .grad stays as it was ----------------------------------------------------------

UNTOUCHED = {
    "jvp": lambda f, x, y: jvp(f, (x, y), (1.0, -2.0)),
    "jvp Value tangent": lambda f, x, y: jvp(f, (x, 1.0), (y, 0.5)),
    "jacfwd": lambda f, x, y: jacfwd(f)(x, y),
    "jacrev": lambda f, x, y: jacrev(f)(x, y),
    "linearize": lambda f, x, y: linearize(f, x, y)[1](0.5, y),
    "vjp": lambda f, x, y: vjp(f, x, y)[1](y),
    "hessian": lambda f, x, y: hessian(f)(x, y),
    "hvp": lambda f, x, y: hvp(f)((x, y), (1.0, y)),
    "grad has_aux": lambda f, x, y: grad(lambda a, b: (f(a, b), a), has_aux=True)(x, y),
    "value_and_grad has_aux": lambda f, x, y: value_and_grad(
        lambda a, b: (f(a, b), [b]), argnums=(0, 1), has_aux=True
    )(x, y),
}


@pytest.mark.parametrize("name", UNTOUCHED)
def test_transforms_leave_grad_untouched(name):
    w = Value(0.4)
    x, y, z = Value(1.2), Value(-0.7), w * 1.0  # z: a captured inner node
    for v, g in ((w, 0.25), (x, -3.0), (y, 7.5), (z, 1.5)):
        v.grad = g
    f = lambda a, b: ops.tanh(a * b * z) + a * a * w  # noqa: E731
    result = UNTOUCHED[name](f, x, y)
    assert (w.grad, x.grad, y.grad, z.grad) == (0.25, -3.0, 7.5, 1.5)
    assert any(isinstance(v, Value) for v in leaves(result))  # linked to x, y, w
    # numbers in, numbers out: the same with floats and nothing captured
    g = lambda a, b: ops.tanh(a * b * 0.4) + a * a * 0.4  # noqa: E731
    if "Value" not in name:
        plain = UNTOUCHED[name](g, x.data, y.data)
        assert not any(isinstance(v, Value) for v in leaves(plain))
        near(leaves(plain), leaves(result), 1.0, 1e-14)


@pytest.mark.parity
def test_value_tangents_and_cotangents_carry_their_graph(torch):
    # as torch.func: a cotangent (or tangent) that is a variable makes the result one of it
    def f(a, b):
        return [a * b, ops.sin(a) + b]

    got = grad(lambda c: vjp(f, 2.0, 3.0)[1]([c, 2.0 * c])[0])(1.5)
    got_t = grad(lambda t: linearize(f, 2.0, 3.0)[1](t, 0.5 * t)[1])(1.5)
    x = torch.tensor([2.0, 3.0], dtype=torch.float64)

    def tf(v):
        return torch.stack([v[0] * v[1], torch.sin(v[0]) + v[1]])

    c = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    (row,) = torch.autograd.grad(torch.func.vjp(tf, x)[1](torch.stack([c, 2 * c]))[0][0], c)
    t = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    (col,) = torch.autograd.grad(torch.func.jvp(tf, (x,), (torch.stack([t, 0.5 * t]),))[1][1], t)
    assert got == pytest.approx(row.item(), rel=1e-14) and got_t == pytest.approx(
        col.item(), rel=1e-14
    )

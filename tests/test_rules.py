"""Hooks, grad-mode switches, custom derivative rules and checkpoint (issue 13)."""

from __future__ import annotations

import math
import pickle

import pytest

import autograd
from autograd import (
    Value,
    checkpoint,
    custom_jvp,
    custom_vjp,
    grad,
    hessian,
    inference_mode,
    is_grad_enabled,
    jvp,
    no_grad,
    ops,
    set_grad_enabled,
)

# ---- hooks -------------------------------------------------------------------------------


def _graph(V):
    """A small graph in either engine: returns (x, y, h, z) with z = 3 * h, h = x * y + x."""
    x, y = V(2.0), V(-1.5)
    h = x * y + x
    return x, y, h, h * 3.0


@pytest.mark.parity
def test_hooks_see_and_replace_gradients_as_in_pytorch(torch):
    def run(V, hooked):
        x, y, h, z = _graph(V)
        seen = []
        hooked(h).register_hook(lambda g: seen.append(float(g)) or g * 10.0)
        x.register_hook(lambda g: seen.append(float(g)))  # sees, returns None: unchanged
        z.backward()
        return seen, float(x.grad), float(y.grad)

    def tensor(v):
        return torch.tensor(v, dtype=torch.float64, requires_grad=True)

    ours = run(Value, lambda h: h)
    theirs = run(tensor, lambda h: h)
    assert ours == theirs == ([3.0, -15.0], -15.0, 60.0)


def test_a_removed_hook_is_not_called_and_hooks_stay_out_of_pickles():
    x, y, h, z = _graph(Value)
    calls = []
    handle = h.register_hook(lambda g: calls.append(g))
    handle.remove()
    handle.remove()  # twice is harmless
    z.backward()
    assert calls == [] and x.grad == -1.5
    h.register_hook(lambda g: calls.append(g))
    copy = pickle.loads(pickle.dumps(z))  # a lambda hook would not pickle: hooks are left out
    assert copy.data == z.data


def test_hooks_fire_in_transforms_and_with_create_graph():
    seen = []

    def f(x):
        h = x * x
        h.register_hook(lambda g: seen.append(g))
        return h * 3

    assert grad(f)(2.0) == 12.0 and seen == [3.0]
    x = Value(2.0)
    y = x * x
    y.register_hook(lambda g: g * 2)
    (y * 3).backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 24.0


def test_register_hook_rejects_what_it_cannot_call():
    with pytest.raises(TypeError, match="register_hook: hook must be callable, got int 3"):
        Value(1.0).register_hook(3)
    x = Value(1.0)
    y = x * 2
    y.register_hook(lambda g: "no")
    with pytest.raises(TypeError, match="hook"):
        y.backward()


# ---- grad-mode switches ------------------------------------------------------------------


def test_set_grad_enabled_as_call_block_and_decorator():
    x = Value(1.0)
    with set_grad_enabled(False):
        assert not is_grad_enabled() and (x * 2).parents == ()
    assert is_grad_enabled()
    with no_grad(), set_grad_enabled(True):
        assert (x * 2).parents[0] is x

    @set_grad_enabled(False)
    def off():
        return is_grad_enabled()

    assert is_grad_enabled() and off() is False and off() is False and is_grad_enabled()
    set_grad_enabled(False)  # called alone: at once, as torch.set_grad_enabled
    try:
        assert not is_grad_enabled()
    finally:
        set_grad_enabled(True)
    with pytest.raises(TypeError, match="set_grad_enabled: mode must be a bool"):
        set_grad_enabled(1)


def test_inference_mode_is_no_grad():
    x = Value(1.0)
    with inference_mode():
        assert (x * 2).parents == () and not is_grad_enabled()
    with inference_mode(False):
        assert is_grad_enabled()

    @inference_mode()
    def predict(v):
        return v * 2

    assert predict(x).parents == () and is_grad_enabled()
    with pytest.raises(TypeError, match="inference_mode: mode must be a bool"):
        inference_mode("yes")


# ---- custom rules ------------------------------------------------------------------------


@custom_jvp
def softclip(x):
    """x for small x, bending to +-1: tanh, with its derivative given by hand."""
    return ops.tanh(x)


@softclip.defjvp
def _softclip_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    y = ops.tanh(x)
    return y, (1 - y * y) * t


@custom_vjp
def logexp(x, y):
    """log(e^x + e^y) with a hand-written backward that saves the softmax."""
    return ops.logaddexp(x, y)


def _logexp_fwd(x, y):
    out = ops.logaddexp(x, y)
    return out, (ops.exp(x - out), ops.exp(y - out))


def _logexp_bwd(saved, g):
    px, py = saved
    return g * px, g * py


logexp.defvjp(_logexp_fwd, _logexp_bwd)


def test_custom_rules_agree_with_the_functions_they_replace_at_every_order():
    x = 0.7
    for f, plain in ((softclip, ops.tanh),):
        for order in range(4):
            assert _nth(f, order)(x) == pytest.approx(_nth(plain, order)(x), rel=1e-12)
        assert jvp(f, (x,), (2.0,))[1] == pytest.approx(2 * grad(plain)(x), rel=1e-12)
    assert logexp(0.3, -0.4) == pytest.approx(ops.logaddexp(0.3, -0.4), rel=1e-15)
    ours = hessian(logexp)(0.3, -0.4)
    plain = hessian(ops.logaddexp)(0.3, -0.4)
    assert ours == [pytest.approx(row, rel=1e-12) for row in plain]
    tangent = jvp(logexp, (0.3, -0.4), (1.0, 2.0))[1]  # forward mode reads the vjp rule too
    assert tangent == pytest.approx(jvp(ops.logaddexp, (0.3, -0.4), (1.0, 2.0))[1], rel=1e-12)


def _nth(f, order):
    for _ in range(order):
        f = grad(f)
    return f


def test_the_rule_is_what_is_used():
    @custom_vjp
    def scaled_identity(x):  # the identity, whose gradient is declared twice as large
        return x * 1.0

    scaled_identity.defvjp(lambda x: (x * 1.0, None), lambda saved, g: (2.0 * g,))
    x = Value(3.0)
    (scaled_identity(x) * 5.0).backward()
    assert x.grad == 10.0 and scaled_identity(2.0) == 2.0
    assert scaled_identity(Value(2.0)).op == "scaled_identity"
    assert jvp(scaled_identity, (1.0,), (1.0,)) == (1.0, 2.0)


def test_custom_rules_reject_bad_rules():
    @custom_vjp
    def f(x):
        return x * 2

    f.defvjp(lambda x: (x * 2, None), lambda saved, g: g * 2)  # not a tuple
    with pytest.raises(TypeError, match="f: bwd must return a tuple of 1 cotangent"):
        grad(f)(1.0)
    with pytest.raises(TypeError, match="custom_jvp: f must be callable, got int 3"):
        custom_jvp(3)
    g = custom_jvp(lambda x: x * 2)
    g.defjvp(lambda primals, tangents: 5.0)
    with pytest.raises(TypeError, match="defjvp's rule must return a pair"):
        grad(g)(1.0)


# ---- checkpoint ----------------------------------------------------------------------------


def _chain(n_blocks, ws):
    def block(x, w):
        return ops.tanh(x * w + 0.1) * ops.exp(-x * x * w)

    def kept(x):
        for w in ws[:n_blocks]:
            x = block(x, w)
        return x

    def checkpointed(x):
        for w in ws[:n_blocks]:
            x = checkpoint(lambda v, w=w: block(v, w))(x)
        return x

    return kept, checkpointed


def test_checkpoint_gives_identical_gradients_to_arguments_and_captured_values():
    ws = [Value(0.5 + 0.1 * k) for k in range(6)]
    kept, checkpointed = _chain(6, ws)
    results = []
    for f in (kept, checkpointed):
        for w in ws:
            w.grad = 0.0
        x = Value(0.8)
        out = f(x)
        out.backward()
        results.append((out.data, x.grad, [w.grad for w in ws]))
    assert results[0][0] == results[1][0]
    assert results[1][1] == pytest.approx(results[0][1], rel=1e-14)
    assert results[1][2] == pytest.approx(results[0][2], rel=1e-14)
    assert all(g != 0 for g in results[1][2])


def test_checkpoint_keeps_no_inner_graph_and_composes_with_transforms():
    w = Value(0.7)
    block = checkpoint(lambda v: ops.sin(v * w) * v)
    out = block(Value(1.2))
    assert len(out.parents) == 2 and w in out.parents  # the argument and the captured w
    assert all(not p.parents for p in out.parents)  # none of f's inner nodes was kept
    plain = lambda v: ops.sin(v * w) * v  # noqa: E731
    assert grad(grad(block))(1.2).data == pytest.approx(grad(grad(plain))(1.2).data, rel=1e-13)
    assert jvp(block, (1.2,), (1.0,))[1].data == pytest.approx(grad(plain)(1.2).data, rel=1e-13)
    with no_grad():
        assert block(1.2).data == pytest.approx(plain(1.2).data)
    assert math.isclose(checkpoint(lambda v: v * 2.0)(3.0), 6.0)


def test_checkpoint_names_itself_in_errors():
    with pytest.raises(TypeError, match="checkpoint: f must be callable"):
        checkpoint(None)
    with pytest.raises(TypeError, match=r"checkpoint\(<lambda>\): argument"):
        checkpoint(lambda v: v)("x")
    assert autograd.checkpoint is checkpoint


def test_a_primitives_partials_feed_forward_mode():
    decay = autograd.primitive(
        lambda x, k: x * math.exp(-k),
        lambda x, k: ops.exp(-k),
        lambda x, k: -x * ops.exp(-k),
        name="decay",
    )
    assert jvp(decay, (3.0, 0.5), (1.0, 2.0))[1] == pytest.approx(
        math.exp(-0.5) - 2 * 3.0 * math.exp(-0.5), rel=1e-15
    )
    assert autograd.jacfwd(decay)(3.0, 0.5) == autograd.jacrev(decay)(3.0, 0.5)


@pytest.mark.parity
def test_checkpoint_of_a_closure_over_nodes_and_transform_variables(torch):
    x2 = Value(2.0)
    cases = [  # (ours, torch.func's): a captured transform variable, or inner node
        (grad(lambda x: checkpoint(lambda y: y * x)(3.0))(x2).data, 3.0),
        (grad(lambda x: checkpoint(lambda y: y * x)(x))(x2).data, 4.0),
        (grad(grad(lambda x: checkpoint(lambda y: y * x * x)(1.0)))(2.0), 2.0),
        (hessian(lambda x: checkpoint(lambda y: y * x * x)(1.0))(2.0)[0][0], 2.0),
        (jvp(lambda x: checkpoint(lambda y: y * x)(3.0), (x2,), (1.0,))[1].data, 3.0),
    ]
    th = torch.func.hessian(lambda x: torch.tanh(x * x * x) * x * x)(
        torch.tensor(0.6, dtype=torch.float64)
    )
    ours = hessian(lambda x: checkpoint(lambda y: ops.tanh(y * x) * y)(x * x))(0.6)[0][0]
    cases.append((ours, th.item()))
    for got, want in cases:
        assert got == pytest.approx(want, rel=1e-12)
    w = Value(1.5)
    c = w * 2  # an inner node made outside: its gradient passes through it
    calls = []
    c.register_hook(lambda g: calls.append(g))
    checkpoint(lambda y: y * c)(3.0).backward()
    assert (c.grad, w.grad, calls) == (3.0, 6.0, [3.0])


def test_a_hook_on_a_captured_value_runs_once_through_checkpoint():
    w = Value(0.5)
    calls = []
    w.register_hook(lambda g: calls.append(g) or g * 2)
    checkpoint(lambda v: ops.tanh(v * w))(Value(1.0)).backward()
    assert len(calls) == 1 and w.grad == pytest.approx(2 * (1 - math.tanh(0.5) ** 2))


def test_custom_rules_refuse_values_from_outside():
    w = Value(2.0)

    @custom_jvp
    def f(a):
        return a * w

    f.defjvp(lambda p, t: (p[0] * w, t[0] * w))
    with pytest.raises(TypeError, match="f: a custom_jvp function must not use Values from"):
        f(Value(3.0))


def test_set_grad_enabled_made_earlier_sets_the_mode_when_entered():
    switch = set_grad_enabled(True)  # sets at once, as torch's; entered later it sets again
    with no_grad():
        with switch:
            assert is_grad_enabled()
        assert not is_grad_enabled()


def test_has_aux_keeps_an_aux_that_depends_on_an_outer_variable():
    inner = lambda x: grad(lambda y: (y * y, y * x), has_aux=True)(1.0)[1]  # noqa: E731
    assert grad(inner)(2.0) == 1.0  # torch.func: 1.0 (it was 0: the aux lost its link)


def test_vjp_of_repeated_and_input_outputs_in_one_pass():
    out, f_vjp = autograd.vjp(lambda a, b: [a, a * b, a], 2.0, 3.0)
    assert out == [2.0, 6.0, 2.0] and f_vjp([1.0, 1.0, 1.0]) == (5.0, 2.0)

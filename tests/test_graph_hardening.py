"""Issue 17, gradients and graphs: each test reproduces an attack of the adversarial pass.

backward that raises part way, graphs too deep to copy or pickle, a primitive's partial
of a wrong type, sin and cos at infinity, and one mode switch shared by threads and tasks.
"""

import asyncio
import contextvars
import copy
import math
import pickle
import threading

import pytest

import autograd
from autograd import Value, detect_anomaly, ops, primitive
from autograd.collector import gc_paused
from autograd.mode import (
    enable_grad,
    inference_mode,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)

# ---- backward and the transforms: all or nothing ---------------------------------------


def test_backward_that_raises_part_way_changes_no_grad():
    # the attack: under detect_anomaly, with create_graph, the second leaf's accumulated
    # gradient overflows after the first leaf's was stored (a.grad went 5.0 -> 8.0)
    a, b = Value(2.0, "a"), Value(1.0, "b")
    a.grad, b.grad = 5.0, math.inf
    y = b * 10.0 + a * 3.0
    y.grad = 7.0
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"\+: the forward value"):
        y.backward(create_graph=True)
    assert (a.grad, b.grad, y.grad) == (5.0, math.inf, 7.0)


def test_backward_with_a_bad_grad_or_bad_inputs_changes_no_grad():
    a, b = Value(2.0), Value(3.0)
    y = a * 3.0 + b
    a.grad, b.grad, y.grad = 5.0, "junk", 7.0  # a .grad that cannot be added to
    with pytest.raises(TypeError):
        y.backward()
    assert (a.grad, b.grad, y.grad) == (5.0, "junk", 7.0)
    b.grad = 0.0
    with pytest.raises(TypeError, match="backward: inputs must contain only Values, got int 3"):
        y.backward(inputs=[a, 3])  # checked before anything is stored, the node's too
    assert (a.grad, b.grad, y.grad) == (5.0, 0.0, 7.0)
    y.backward(inputs=[a])
    assert (a.grad, b.grad, y.grad) == (8.0, 0.0, 1.0)


def test_backward_whose_hook_raises_changes_no_grad():
    a, b = Value(2.0), Value(3.0)
    a.grad, b.grad = 5.0, 1.0
    y = a * 3.0 + b * b
    b.register_hook(lambda g: "not a number")
    with pytest.raises(TypeError, match="hook: the gradient it returned"):
        y.backward()
    assert (a.grad, b.grad) == (5.0, 1.0)


def _transforms(w):
    """Each transform, called so that it raises part way: f captures `w`, and sqrt's
    slope is undefined at 0 (the second output, at x = 1)."""

    def f(x, y):
        return [x * y * w, (x * w - 3.0).sqrt() * y]

    def second(x, y):
        return f(x, y)[1]

    return {
        "grad": lambda: autograd.grad(second)(1.0, 2.0),
        "value_and_grad": lambda: autograd.value_and_grad(second)(1.0, 2.0),
        "jacobian": lambda: autograd.jacobian(f)(1.0, 2.0),
        "jacrev": lambda: autograd.jacrev(f)(1.0, 2.0),
        "jacfwd": lambda: autograd.jacfwd(f)(1.0, 2.0),
        "hessian": lambda: autograd.hessian(second)(1.0, 2.0),
        "hvp": lambda: autograd.hvp(second)([1.0, 2.0], [1.0, 0.0]),
        "jvp": lambda: autograd.jvp(f, (1.0, 2.0), (1.0, 0.0)),
        "vjp": lambda: autograd.vjp(f, 1.0, 2.0)[1]([1.0, 1.0]),
        "linearize": lambda: autograd.linearize(f, 1.0, 2.0)[1](1.0, 0.0),
    }


@pytest.mark.parametrize("name", list(_transforms(None)))
def test_a_transform_that_raises_part_way_changes_no_grad(name):
    w = Value(3.0, "w")  # a parameter the function captures, with a gradient of its own
    w.grad = 5.0
    with pytest.raises(ValueError, match="sqrt: derivative is undefined"):
        _transforms(w)[name]()
    assert w.grad == 5.0


# ---- copy and pickle: graphs of any depth ----------------------------------------------


def test_a_loss_summed_with_pythons_sum_copies_and_pickles():
    xs = [Value(float(i), f"x{i}") for i in range(300)]
    loss = sum(x * x for x in xs)  # 300 nodes deep: deepcopy failed from 99, pickle from 199
    for again in (copy.deepcopy(loss), pickle.loads(pickle.dumps(loss))):
        assert again.data == loss.data == sum(i * i for i in range(300))
        again.backward()
        node, grads = again, {}
        while node.parents:  # down the chain of +, collecting each x's gradient
            node, square = node.parents
            grads[square.parents[0].label] = square.parents[0].grad
        assert grads == {f"x{i}": 2.0 * i for i in range(300)}
        assert all(x.grad == 0.0 for x in xs)  # the originals are untouched


def test_copies_keep_what_is_shared():
    a = Value(2.0, "a")
    m = a * 3.0
    r = m + m.exp()  # m used twice
    for m2, r2 in (copy.deepcopy((m, r)), pickle.loads(pickle.dumps((m, r)))):
        assert r2.parents[0] is m2 and r2.parents[1].parents[0] is m2
        assert m2.parents[0] is not a and m2.parents[0].label == "a"
        assert (m2.data, r2.data) == (6.0, 6.0 + math.exp(6.0))
    (b, s) = copy.copy(a), copy.copy(r)  # shallow: the same parents
    assert b.data == 2.0 and b is not a and s.parents == r.parents


@gc_paused()  # a million objects, none in a cycle: the collector would only slow it down
def test_a_million_deep_chain_copies_and_pickles():
    depth = 10**6
    x = Value(1.0, "x")
    y = x
    for _ in range(depth):
        y = -y
    for again in (copy.deepcopy(y), pickle.loads(pickle.dumps(y, pickle.HIGHEST_PROTOCOL))):
        node = again
        for _ in range(depth):
            assert node.op == "neg" and node.data == -node.parents[0].data
            node = node.parents[0]
        assert (node.label, node.data, node.parents) == ("x", 1.0, ())
        assert node is not x
        del again, node  # one copy alive at a time


def test_a_graph_whose_gradient_is_a_graph_copies_and_pickles():
    x = Value(0.5, "x")
    y = x.exp() * x
    y.backward(create_graph=True)  # x.grad is a Value whose graph holds y's nodes
    for x2 in (copy.deepcopy(x), pickle.loads(pickle.dumps(x))):
        assert isinstance(x2.grad, Value)
        assert x2.grad.data == pytest.approx(math.exp(0.5) * 1.5)


# ---- a primitive's partials are checked as its forward is ------------------------------


@pytest.mark.parametrize(
    ("returned", "shown"),
    [
        (lambda x, k: __import__("numpy").array([x * x]), r"ndarray array\(\[1\.\]\)"),
        (lambda x, k: 6j, "complex 6j"),
        (lambda x, k: "6", "str '6'"),
        (lambda x, k: None, "NoneType None"),
    ],
    ids=["ndarray", "complex", "str", "None"],
)
def test_a_partial_of_a_wrong_type_is_an_error_naming_the_primitive(returned, shown):
    square = primitive(lambda x, k: x * x * k, lambda x, k: 2.0 * x * k, returned, name="sq")
    x = Value(3.0)
    out = square(Value(1.0), x)
    with pytest.raises(TypeError, match=rf"sq: partial 1 returned: .*got {shown}"):
        out.backward()
    assert x.grad == 0.0
    with pytest.raises(TypeError, match=rf"sq: partial 1 returned: .*got {shown}"):
        autograd.grad(lambda k: square(Value(1.0), k))(3.0)


def test_a_partial_returning_a_number_type_or_a_value_where_one_belongs_is_fine():
    numpy = pytest.importorskip("numpy")
    cube = primitive(lambda x: x**3, lambda x: numpy.float64(3.0) * x * x, name="cube")
    x = Value(2.0)
    cube(x).backward()
    assert type(x.grad) is float and x.grad == 12.0
    assert autograd.grad(autograd.grad(lambda v: cube(v)))(2.0) == pytest.approx(12.0)
    on_floats = primitive(lambda x: x, lambda x: Value(1.0), name="ident")
    with pytest.raises(TypeError, match="ident: partial 0 must return a number, got a Value"):
        on_floats(Value(2.0)).backward()


# ---- sin and cos at infinity follow the non-finite rule -------------------------------


@pytest.mark.parametrize("name", ["sin", "cos"])
@pytest.mark.parametrize("x", [math.inf, -math.inf])
def test_sin_and_cos_of_infinity_are_nan_as_ieee(name, x):
    f = getattr(ops, name)
    assert math.isnan(f(x)) and math.isnan(getattr(Value(x), name)().data)
    v = Value(x)
    getattr(v, name)().backward()
    assert math.isnan(v.grad)
    assert math.isnan(autograd.grad(f)(x)) and math.isnan(autograd.jvp(f, (x,), (1.0,))[1])
    assert math.isnan(autograd.hessian(f)(x)[0][0])
    with detect_anomaly(), pytest.raises(FloatingPointError, match=rf"^{name}: the forward value"):
        f(Value(x))


# ---- one mode switch, shared by threads and asyncio tasks ------------------------------


def _switches():
    """One instance of every mode switch, made without touching this thread's mode."""
    made = contextvars.Context().run(
        lambda: [no_grad(), enable_grad(), set_grad_enabled(False), inference_mode()]
    )
    return [*made, detect_anomaly()]


def _mode():
    return is_grad_enabled(), is_anomaly_enabled()


@pytest.mark.parametrize("switch", _switches(), ids=lambda s: type(s).__name__)
def test_one_switch_entered_by_two_overlapping_threads(switch):
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen, errors = {}, []

    def first():
        try:
            with switch:
                first_in.set()
                second_in.wait(5)
                seen["first inside"] = _mode()
            first_out.set()  # left while the second thread is still inside
            seen["first after"] = _mode()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
            first_out.set()

    def second():
        try:
            first_in.wait(5)
            with switch:
                second_in.set()
                first_out.wait(5)
                seen["second inside"] = _mode()
            seen["second after"] = _mode()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
            second_in.set()

    with enable_grad():
        inside = _inside(switch)
    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert errors == []
    assert seen == {
        "first inside": inside,
        "second inside": inside,
        "first after": (True, False),
        "second after": (True, False),
    }
    assert _mode() == (True, False)


def _inside(switch):
    """The mode inside `switch`, entered from the default mode in a context of its own."""

    def probe():
        with switch:
            return _mode()

    return contextvars.Context().run(probe)


@pytest.mark.parametrize("switch", _switches(), ids=lambda s: type(s).__name__)
def test_one_switch_entered_by_two_overlapping_asyncio_tasks(switch):
    inside = _inside(switch)

    async def task(start, stay):
        await asyncio.sleep(start)
        with switch:
            await asyncio.sleep(stay)
            during = _mode()
        return during, _mode()

    async def main():
        # the first task leaves while the second is inside
        return await asyncio.gather(task(0.0, 0.02), task(0.01, 0.03))

    assert asyncio.run(main()) == [(inside, (True, False))] * 2
    assert _mode() == (True, False)


def test_a_shared_switch_still_nests_and_is_re_entered():
    off = no_grad()
    with off:
        with off:
            assert not is_grad_enabled()
            with enable_grad():
                assert is_grad_enabled()
            assert not is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()
    with pytest.raises(RuntimeError, match="no_grad: left in a thread or task that did not"):
        off.__exit__(None, None, None)


def test_a_list_of_the_nodes_of_a_chain_copies_and_pickles_in_linear_time():
    x = Value(1.0, "x")
    nodes = [-x]
    for _ in range(3999):
        nodes.append(-nodes[-1])
    pickled = pickle.dumps(nodes)
    assert len(pickled) < 100 * len(nodes)  # each node once: no list of those behind it
    for again in (pickle.loads(pickled), copy.deepcopy(nodes), copy.deepcopy(nodes[::-1])[::-1]):
        assert all(b.parents == (a,) for a, b in zip(again, again[1:]))
        assert again[0].parents[0].label == "x" and again[-1].data == 1.0


def test_a_node_pickled_again_is_pickled_whole():
    x = Value(2.0, "x")
    y = x
    for _ in range(3000):
        y = y * 1.0
    z = y + 1.0
    for _ in range(2):  # the second pickle of the same graph lists it again
        assert pickle.loads(pickle.dumps(y)).data == 2.0
        assert pickle.loads(pickle.dumps(z)).data == 3.0
        assert pickle.loads(pickle.dumps([z, y]))[0].parents[0].data == 2.0


def test_a_gradients_graph_that_shares_the_nodes_copies_them_once():
    x = Value(0.5, "x")
    e = x.exp()
    y = e * e
    y.backward(create_graph=True)  # x.grad's graph holds e and y
    x2, e2, y2 = copy.deepcopy((x, e, y))
    assert y2.parents == (e2, e2) and e2.parents == (x2,)
    behind = [x2.grad]
    seen = set()
    while behind:
        v = behind.pop()
        seen.add(id(v))
        behind += v.parents
    assert id(e2) in seen and id(e) not in seen and id(x) not in seen

"""A hypothesis state machine: graphs built op by op, checked against a reference model.

The machine builds Values one op at a time (new leaves, unary, binary and n-ary ops on
existing Values, so shared subexpressions arise by themselves), detaches, computes under
`no_grad()`, calls `backward()` from random roots (leaves too, with or without a
`gradient`, `create_graph` or `inputs`), and zeroes leaf gradients as `Module.zero_grad`
does, in random orders. Next to every Value it keeps a pure-Python reference: the op and
its operands, so the value can be recomputed from the leaves, and the gradients the
docs/engine.md's "Gradients behave as in PyTorch" promises:

- leaf gradients accumulate across `backward()` calls, by `gradient * d root / d leaf`,
  here estimated by central differences on the reference;
- gradients of intermediate nodes are recomputed on every `backward()`: a second call
  leaves them as the first one did;
- a detached Value and a `no_grad()` result are new leaves: no gradient flows through
  them to what they were made from.

After every step, every Value's data and gradient is checked against the model. The
parity variant also rebuilds a root's graph in PyTorch (float64) now and then and
compares every gradient behind it with PyTorch's.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, event, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

import autograd
from autograd import Value, is_grad_enabled, no_grad

BOUND = 4.0  # every Value stays within +-BOUND: no op overflows, derivatives stay moderate
MARGIN = 0.5  # divisors and the bases of a ** b stay this far from zero
DATA_TOL = 1e-12  # engine data against the reference: the same float arithmetic
GRAD_TOL = 1e-5  # engine gradients against central differences
TORCH_TOL = 1e-9  # engine gradients against PyTorch's: the same derivatives in float64
FD_STEP = 1e-3  # central differences at FD_STEP and FD_STEP / 2, Richardson-extrapolated


@dataclass(frozen=True)
class Op:
    """One op: how the engine, the reference and PyTorch compute it, and where it is safe.

    Every function takes the operands as a list and the op's constant `c` (which most
    ops ignore).
    """

    arity: int  # 0: any number of operands
    symbol: str  # the engine's Value.op for the result
    engine: Callable[[list[Value], Any], Value]
    ref: Callable[[list[float], float], float]
    torch: Callable[[Any, list[Any], float], Any]
    ok: Callable[[list[float], float], bool] = lambda xs, c: True


def _dot_split(items: list) -> tuple[list, list, Any]:
    """dot's operands as weights, inputs and a bias (the odd one out, or None)."""
    n = len(items) // 2
    return items[:n], items[n : 2 * n], items[2 * n] if len(items) % 2 else None


def _engine_dot(vs: list[Value], c: Any) -> Value:
    ws, xs, bias = _dot_split(vs)
    return autograd.dot(ws, xs, bias)


def _ref_dot(xs: list[float], c: float) -> float:
    ws, ins, bias = _dot_split(xs)
    total = 0.0
    for w, x in zip(ws, ins):
        total += w * x
    return total if bias is None else total + bias


def _torch_dot(torch: Any, ts: list[Any], c: float) -> Any:
    ws, xs, bias = _dot_split(ts)
    total = torch.zeros((), dtype=torch.float64)
    for w, x in zip(ws, xs):
        total = total + w * x
    return total if bias is None else total + bias


def _ref_sum(xs: list[float], c: float) -> float:
    total = 0.0
    for x in xs:
        total += x
    return total


UNARY = {
    "neg": Op(1, "neg", lambda v, c: -v[0], lambda x, c: -x[0], lambda T, t, c: -t[0]),
    "tanh": Op(
        1,
        "tanh",
        lambda v, c: v[0].tanh(),
        lambda x, c: math.tanh(x[0]),
        lambda T, t, c: t[0].tanh(),
    ),
    "sigmoid": Op(
        1,
        "sigmoid",
        lambda v, c: v[0].sigmoid(),
        lambda x, c: 1.0 / (1.0 + math.exp(-x[0])),
        lambda T, t, c: T.sigmoid(t[0]),
    ),
    "sin": Op(
        1, "sin", lambda v, c: v[0].sin(), lambda x, c: math.sin(x[0]), lambda T, t, c: t[0].sin()
    ),
    "cos": Op(
        1, "cos", lambda v, c: v[0].cos(), lambda x, c: math.cos(x[0]), lambda T, t, c: t[0].cos()
    ),
    "exp": Op(
        1, "exp", lambda v, c: v[0].exp(), lambda x, c: math.exp(x[0]), lambda T, t, c: t[0].exp()
    ),
    "square": Op(
        1, "**", lambda v, c: v[0] ** 2, lambda x, c: x[0] * x[0], lambda T, t, c: t[0] ** 2
    ),
    "cube": Op(
        1, "**", lambda v, c: v[0] ** 3, lambda x, c: x[0] * x[0] * x[0], lambda T, t, c: t[0] ** 3
    ),
    "mul_const": Op(1, "*", lambda v, c: v[0] * c, lambda x, c: x[0] * c, lambda T, t, c: t[0] * c),
    "rmul_const": Op(
        1, "*", lambda v, c: c * v[0], lambda x, c: c * x[0], lambda T, t, c: c * t[0]
    ),
    "add_const": Op(1, "+", lambda v, c: v[0] + c, lambda x, c: x[0] + c, lambda T, t, c: t[0] + c),
    "rsub_const": Op(
        1, "-", lambda v, c: c - v[0], lambda x, c: c - x[0], lambda T, t, c: c - t[0]
    ),
    "div_const": Op(
        1,
        "/",
        lambda v, c: v[0] / c,
        lambda x, c: x[0] / c,
        lambda T, t, c: t[0] / c,
        lambda x, c: abs(c) >= MARGIN,
    ),
    "rdiv_const": Op(
        1,
        "/",
        lambda v, c: c / v[0],
        lambda x, c: c / x[0],
        lambda T, t, c: c / t[0],
        lambda x, c: abs(x[0]) >= MARGIN,
    ),
}

BINARY = {
    "add": Op(
        2, "+", lambda v, c: v[0] + v[1], lambda x, c: x[0] + x[1], lambda T, t, c: t[0] + t[1]
    ),
    "sub": Op(
        2, "-", lambda v, c: v[0] - v[1], lambda x, c: x[0] - x[1], lambda T, t, c: t[0] - t[1]
    ),
    "mul": Op(
        2, "*", lambda v, c: v[0] * v[1], lambda x, c: x[0] * x[1], lambda T, t, c: t[0] * t[1]
    ),
    "div": Op(
        2,
        "/",
        lambda v, c: v[0] / v[1],
        lambda x, c: x[0] / x[1],
        lambda T, t, c: t[0] / t[1],
        lambda x, c: abs(x[1]) >= MARGIN,
    ),
    "pow": Op(
        2,
        "**",
        lambda v, c: v[0] ** v[1],
        lambda x, c: math.pow(x[0], x[1]),
        lambda T, t, c: t[0] ** t[1],
        lambda x, c: x[0] >= MARGIN and abs(x[1]) <= 2.0,
    ),
}

NARY = {
    "sum": Op(0, "sum", lambda v, c: autograd.sum(v), _ref_sum, lambda T, t, c: T.stack(t).sum()),
    "logsumexp": Op(
        0,
        "logsumexp",
        lambda v, c: autograd.logsumexp(v),
        lambda x, c: math.log(_ref_sum([math.exp(xi) for xi in x], c)),
        lambda T, t, c: T.logsumexp(T.stack(t), 0),
    ),
    "dot": Op(0, "dot", _engine_dot, _ref_dot, _torch_dot),
}

OPS = {**UNARY, **BINARY, **NARY}

LEAF_KINDS = ("input", "detach", "nograd")  # what the engine holds as leaves


@dataclass
class Node:
    """One Value the machine made, and the model's view of it."""

    value: Value
    kind: str  # "input" (a new leaf), "detach", "nograd" (an op under no_grad) or "op"
    op: str = ""  # a key of OPS, for "op" and "nograd"
    args: tuple[int, ...] = ()  # operand indices ("detach": the detached node)
    const: float = 0.0  # the op's constant, as a float
    base: float = 0.0  # a leaf's value, as a variable of the graph behind it
    expected: float | None = 0.0  # the model's .grad; None: not pinned down (see backward)
    slack: float = 0.0  # how far .grad may be from `expected` (finite-difference error)

    @property
    def is_leaf(self) -> bool:
        return self.kind in LEAF_KINDS


def _num(grad: Any) -> float:
    """A gradient as a float (create_graph=True leaves Values in .grad)."""
    return grad.data if isinstance(grad, Value) else grad


def _close(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


# An existing node, counted from the newest (see _pick): mostly recent ones, for deep graphs.
INDEX = st.one_of(st.integers(0, 4), st.integers(0, 2**16))
LEAF_DATA = st.one_of(st.floats(-2.0, 2.0), st.integers(-2, 2))
CONST = st.one_of(st.floats(-2.0, 2.0), st.integers(-2, 2))
GRADIENT = st.one_of(st.none(), st.floats(-3.0, 3.0), st.integers(-2, 2))


class EngineMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[Node] = []

    # ---- the reference model ------------------------------------------------------

    def _reference(self) -> list[float]:
        """Every node's value, recomputed from the inputs' data alone.

        A detached node's value is its source's; a no_grad result is its op on its
        operands' values, as if the graph had been recorded.
        """
        vals: list[float] = []
        for node in self.nodes:
            if node.kind == "input":
                vals.append(node.base)
            elif node.kind == "detach":
                vals.append(vals[node.args[0]])
            else:
                vals.append(OPS[node.op].ref([vals[j] for j in node.args], node.const))
        return vals

    def _recompute(self, vals: list[float], start: int, stop: int) -> None:
        """Nodes start..stop recomputed as the graph sees them: every leaf a variable."""
        for i in range(start, stop + 1):
            node = self.nodes[i]
            if node.is_leaf:
                vals[i] = node.base
            else:
                vals[i] = OPS[node.op].ref([vals[j] for j in node.args], node.const)

    def _derivative(self, root: int, k: int, vals: list[float]) -> tuple[float, float]:
        """d root / d node k (node k's value moved, its own operands held) by central
        differences, Richardson-extrapolated, and an estimate of the error."""

        def f(t: float) -> float:
            w = list(vals)
            w[k] = t
            self._recompute(w, k + 1, root)
            return w[root]

        x = vals[k]

        def central(h: float) -> float:
            return (f(x + h) - f(x - h)) / (2 * h)

        try:
            coarse, fine = central(FD_STEP), central(FD_STEP / 2)
        except (ArithmeticError, ValueError):  # a step left an op's domain: no estimate
            event("finite differences: a step left the domain")
            return 0.0, math.inf
        best = (4 * fine - coarse) / 3
        if abs(best - fine) > GRAD_TOL:
            event("finite differences: error estimate above GRAD_TOL")
        return best, abs(best - fine)

    def _behind(self, root: int) -> set[int]:
        """The nodes the graph reaches from `root`: it, and every operand of a non-leaf."""
        seen = {root}
        stack = [root]
        while stack:
            node = self.nodes[stack.pop()]
            if node.is_leaf:
                continue
            for j in node.args:
                if j not in seen:
                    seen.add(j)
                    stack.append(j)
        return seen

    def _pick(self, p: int) -> int:
        """A node's index, counted from the newest: small draws give deep graphs."""
        return len(self.nodes) - 1 - p % len(self.nodes)

    def _root(self, p: int) -> int:
        """A root for backward(): four times in five a non-leaf (if any), else any node."""
        inner = [i for i, node in enumerate(self.nodes) if not node.is_leaf]
        if inner and p % 5:
            return inner[-1 - p // 5 % len(inner)]
        return self._pick(p // 5)

    def _grads(self) -> list[float]:
        return [_num(node.value.grad) for node in self.nodes]

    def _describe(self, i: int) -> str:
        node = self.nodes[i]
        if node.kind == "input":
            return f"v{i} = Value({node.base!r})"
        if node.kind == "detach":
            return f"v{i} = v{node.args[0]}.detach()"
        operands = ", ".join(f"v{j}" for j in node.args)
        made = f"{node.op}({operands}; c={node.const!r})"
        return f"v{i} = {made} under no_grad" if node.kind == "nograd" else f"v{i} = {made}"

    # ---- building graphs ----------------------------------------------------------

    @initialize(xs=st.lists(LEAF_DATA, min_size=1, max_size=3))
    def first_leaves(self, xs: list[float]) -> None:
        for x in xs:
            self.new_leaf(x)

    @rule(x=LEAF_DATA)
    def new_leaf(self, x: float) -> None:
        i = len(self.nodes)
        v = Value(x, label=f"x{i}")
        assert v.parents == () and v.op == "" and v.grad == 0.0
        self.nodes.append(Node(v, "input", base=float(x)))
        note(self._describe(i))

    def _apply(self, name: str, picks: list[int], c: Any, grad_mode: bool) -> None:
        op = OPS[name]
        args = [self._pick(p) for p in picks]
        vals = self._reference()
        xs = [vals[j] for j in args]
        if not op.ok(xs, float(c)):
            event(f"skipped: {name} outside its safe domain")
            return
        want = op.ref(xs, float(c))
        if not abs(want) <= BOUND:
            event("skipped: result out of bounds")
            return
        operands = [self.nodes[j].value for j in args]
        if grad_mode:
            out = op.engine(operands, c)
            assert out.op == op.symbol
            assert all(any(p is v for p in out.parents) for v in operands)
        else:
            with no_grad():
                assert not is_grad_enabled()
                out = op.engine(operands, c)
            assert is_grad_enabled()
            assert out.parents == () and out.op == op.symbol  # a leaf that knows its op
        assert all(out is not node.value for node in self.nodes)
        assert out.grad == 0.0
        kind = "op" if grad_mode else "nograd"
        self.nodes.append(Node(out, kind, name, tuple(args), float(c), base=want))
        note(self._describe(len(self.nodes) - 1))

    @rule(name=st.sampled_from(sorted(UNARY)), a=INDEX, c=CONST)
    def unary(self, name: str, a: int, c: Any) -> None:
        self._apply(name, [a], c, grad_mode=True)

    @rule(name=st.sampled_from(sorted(BINARY)), a=INDEX, b=INDEX)
    def binary(self, name: str, a: int, b: int) -> None:
        self._apply(name, [a, b], 0.0, grad_mode=True)

    @rule(name=st.sampled_from(sorted(NARY)), picks=st.lists(INDEX, min_size=1, max_size=5))
    def nary(self, name: str, picks: list[int]) -> None:
        self._apply(name, picks, 0.0, grad_mode=True)

    @rule(
        steps=st.lists(
            st.tuples(st.sampled_from(sorted(OPS)), INDEX, CONST), min_size=2, max_size=5
        )
    )
    def chain(self, steps: list[tuple[str, int, Any]]) -> None:
        """Ops in a row, each on the newest Value (and another): deep graphs."""
        for name, other, c in steps:
            picks = [0] if OPS[name].arity == 1 else [0, other]
            self._apply(name, picks, c, grad_mode=True)

    @rule(name=st.sampled_from(sorted(OPS)), picks=st.lists(INDEX, min_size=2, max_size=3), c=CONST)
    def under_no_grad(self, name: str, picks: list[int], c: Any) -> None:
        arity = OPS[name].arity
        self._apply(name, picks[:arity] if arity else picks, c, grad_mode=False)

    @rule(a=INDEX)
    def detach(self, a: int) -> None:
        a = self._pick(a)
        source = self.nodes[a].value
        out = source.detach()
        assert out is not source
        assert out.parents == () and out.op == "" and out.grad == 0.0
        assert out.data == source.data and out.label == source.label
        self.nodes.append(Node(out, "detach", args=(a,), base=self._reference()[a]))
        note(self._describe(len(self.nodes) - 1))

    # ---- gradients ----------------------------------------------------------------

    def _backward(
        self,
        r: int,
        gradient: Any,
        create_graph: bool = False,
        inputs: list[int] | None = None,
        times: int = 1,
    ) -> tuple[list[float], list[list[float]]]:
        """`times` backward() calls from node r; checks them, updates the model, and
        returns the gradients before and after each call."""
        kwargs: dict[str, Any] = {}
        if gradient is not None:
            kwargs["gradient"] = gradient
        if create_graph:
            kwargs["create_graph"] = True
        if inputs is not None:
            kwargs["inputs"] = [self.nodes[i].value for i in inputs]
        g = 1.0 if gradient is None else float(gradient)
        root = self.nodes[r]
        note(f"v{r}.backward({', '.join(f'{k}={v!r}' for k, v in kwargs.items())}) x{times}")

        behind = self._behind(r)
        vals = self._reference()
        derivative = {k: self._derivative(r, k, vals) for k in behind if k != r}
        derivative[r] = (1.0, 0.0)

        before = self._grads()
        if root.kind == "nograd":  # no graph to go back through: an error, nothing changed
            with pytest.raises(RuntimeError, match="no_grad"):
                root.value.backward(**kwargs)
            assert self._grads() == before
            return before, [before] * times
        after = []
        for _ in range(times):
            root.value.backward(**kwargs)
            after.append(self._grads())

        for i, node in enumerate(self.nodes):
            accumulates = node.is_leaf and (inputs is None or i in inputs)
            if i not in behind or (node.is_leaf and not accumulates):
                # Not reached, or a leaf left out of `inputs`: its .grad is untouched.
                assert all(grads[i] == before[i] for grads in after), (i, before[i], after)
                continue
            d, err = derivative[i]
            step = g * d
            if accumulates:  # leaves accumulate
                node.expected += times * step
                node.slack += times * (GRAD_TOL * max(1.0, abs(step)) + abs(g) * err)
            elif inputs is not None:
                node.expected = None  # not promised either way when `inputs` is given
            else:  # non-leaves are recomputed, and hold g * d root / d node
                node.expected = step
                node.slack = GRAD_TOL * max(1.0, abs(step)) + abs(g) * err
        if not root.is_leaf and inputs is None:
            assert all(grads[r] == g for grads in after), (g, [grads[r] for grads in after])
        return before, after

    @rule(root=INDEX, gradient=GRADIENT, create_graph=st.booleans())
    def backward(self, root: int, gradient: Any, create_graph: bool) -> None:
        self._backward(self._root(root), gradient, create_graph)

    @rule(root=INDEX, gradient=GRADIENT, picks=st.lists(INDEX, min_size=1, max_size=3))
    def backward_with_inputs(self, root: int, gradient: Any, picks: list[int]) -> None:
        leaves = [i for i, node in enumerate(self.nodes) if node.is_leaf]
        inputs = sorted({leaves[-1 - p % len(leaves)] for p in picks})
        self._backward(self._root(root), gradient, inputs=inputs)

    @rule(root=INDEX, gradient=GRADIENT)
    def backward_twice(self, root: int, gradient: Any) -> None:
        before, (first, second) = self._backward(self._root(root), gradient, times=2)
        for i, node in enumerate(self.nodes):
            if node.is_leaf:  # the second call adds the same again
                once, twice = first[i] - before[i], second[i] - before[i]
                tol = 1e-12 * (1.0 + abs(before[i]) + abs(twice))
                assert abs(twice - 2 * once) <= tol, (i, before[i], first[i], second[i])
            else:  # intermediate gradients are recomputed, not doubled
                assert second[i] == first[i], (i, first[i], second[i])

    @rule()
    def zero_grad(self) -> None:
        note("zero_grad()")
        for node in self.nodes:
            if node.is_leaf:
                node.value.grad = 0.0  # as Module.zero_grad and Optimizer.zero_grad do
                node.expected, node.slack = 0.0, 0.0

    # ---- invariants ---------------------------------------------------------------

    @invariant()
    def grad_mode_is_on(self) -> None:
        assert is_grad_enabled()

    @invariant()
    def structure_matches(self) -> None:
        for node in self.nodes:
            v = node.value
            if node.is_leaf:  # a no_grad result remembers its op, and only that
                made = OPS[node.op].symbol if node.kind == "nograd" else ""
                assert v.parents == () and v.op == made, node
            else:
                assert v.parents and v.op == OPS[node.op].symbol, node

    @invariant()
    def data_matches_reference(self) -> None:
        for i, (node, want) in enumerate(zip(self.nodes, self._reference())):
            assert _close(node.value.data, want, DATA_TOL), (i, node.value.data, want)

    @invariant()
    def grads_match_model(self) -> None:
        for i, node in enumerate(self.nodes):
            if node.expected is None:
                continue
            got = _num(node.value.grad)
            if node.slack == 0.0:  # never reached by backward() since created or zeroed
                assert got == node.expected, (i, got, node.expected)
            else:
                tol = node.slack + GRAD_TOL * max(1.0, abs(node.expected))
                assert abs(got - node.expected) <= tol, (i, got, node.expected, tol)


class TorchEngineMachine(EngineMachine):
    """The machine with one more rule: backward() checked against PyTorch as well."""

    torch: Any = None  # the torch module, set by the test that runs this machine

    @rule(root=INDEX, gradient=GRADIENT)
    def backward_against_torch(self, root: int, gradient: Any) -> None:
        """backward() from node r, and the same graph rebuilt in PyTorch: every gradient
        behind r (the leaves' increments, the intermediates' values) agrees."""
        torch = self.torch
        r = self._root(root)
        if self.nodes[r].kind == "nograd":  # an error, as torch's for a tensor without grad
            self._backward(r, gradient)
            return
        tensors: dict[int, Any] = {}
        for i in sorted(self._behind(r)):
            node = self.nodes[i]
            if node.is_leaf:
                t = torch.tensor(node.value.data, dtype=torch.float64, requires_grad=True)
            else:
                t = OPS[node.op].torch(torch, [tensors[j] for j in node.args], node.const)
                t.retain_grad()
            tensors[i] = t
        assert _close(tensors[r].item(), self.nodes[r].value.data, DATA_TOL)
        g = 1.0 if gradient is None else float(gradient)
        tensors[r].backward(torch.tensor(g, dtype=torch.float64))

        before, (after,) = self._backward(r, gradient)
        for i, t in tensors.items():
            theirs = 0.0 if t.grad is None else t.grad.item()
            ours = after[i] - before[i] if self.nodes[i].is_leaf else after[i]
            tol = TORCH_TOL * max(1.0, abs(theirs)) + 1e-12 * abs(before[i])
            assert abs(ours - theirs) <= tol, (i, ours, theirs)


MACHINE_SETTINGS = settings(max_examples=60, stateful_step_count=25, deadline=None)

TestEngineStateMachine = EngineMachine.TestCase
TestEngineStateMachine.settings = MACHINE_SETTINGS


@pytest.mark.parity
def test_engine_state_machine_agrees_with_torch(torch):
    """The same machine, with a rule that rebuilds a root's graph in PyTorch."""
    machine = type("TorchEngineMachine", (TorchEngineMachine,), {"torch": torch})
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )

"""Backpropagation, step by step: `explain` tells it as text, `explore` as a web page.

Both replay what `Value.backward()` does, one node at a time, in the order it
visits them (outputs before inputs): the gradient arriving at a node is complete,
and the chain rule sends it on to each parent, scaled by the local derivative, to
be added to what that parent has received so far. The numbers are the engine's
own: the same local derivatives (`engine.local_derivatives`), added in the same
order, so the last step shows exactly the `.grad` that one `backward()` from zero
gives every Value (hooks are not run). Neither changes the graph or any `.grad`.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from xml.dom import minidom

from autograd.engine import Value, local_derivatives, topological_order
from autograd.viz import MAX_NODES, check_precision, to_svg, walk


@dataclass
class Term:
    """One chain-rule product: the gradient sent from a node to one of its parents."""

    parent: int  # the parent's index (its data-node)
    local: float  # d(node)/d(parent)
    product: float  # the node's gradient times local
    total: float  # the parent's gradient so far, this product included


@dataclass
class Step:
    """Backward at one node: its complete gradient, and what it sends to each parent."""

    node: int
    grad: float
    terms: list[Term] = field(default_factory=list)


@dataclass
class Story:
    """A graph's Values (index 0 the root, numbered as `draw` numbers them), the order
    the forward pass computes them in, and the backward pass, step by step."""

    nodes: list[Value]
    forward: list[int]  # the computed Values, each after its inputs
    backward: list[Step]  # one step per computed Value, root first
    grads: list[float]  # each Value's gradient after the last step
    index: dict[int, int]  # id(Value) -> its index in nodes (its data-node on the page)

    def inputs(self, i: int) -> list[int]:
        """The indices of Value i's inputs, in argument order."""
        return [self.index[id(p)] for p in self.nodes[i].parents]

    def name(self, i: int) -> str:
        """A Value's label, or v<index> if it has none."""
        return self.nodes[i].label or f"v{i}"

    def expression(self, i: int) -> str:
        """How Value i was computed from its inputs, by name: "a * b", "tanh(n)"."""
        node = self.nodes[i]
        args = [self.name(j) for j in self.inputs(i)]
        op = str(node.op)
        if len(args) == 2 and op in ("+", "-", "*", "/", "**"):
            return f"{args[0]} {op} {args[1]}"
        if op == "**" and len(args) == 1:
            return f"{args[0]} ** {node.ctx:g}"
        if len(args) > 8:
            return f"{op}({', '.join(args[:3])}, ..., {args[-1]}: {len(args)} inputs)"
        return f"{op}({', '.join(args)})"


def story(root: Value, max_nodes: int | None = MAX_NODES, where: str = "explain") -> Story:
    """The forward and backward passes behind `root`, one node at a time."""
    if not isinstance(root, Value):
        raise TypeError(f"{where}: root must be a Value, got {type(root).__name__}")
    if root.op and not root.parents:
        raise RuntimeError(
            f"{where}: this Value ({root.op} = {root.data!r}) was computed under no_grad() "
            "and has no graph; compute it with gradients enabled"
        )
    nodes = walk(root, max_nodes, where)
    index = {id(v): i for i, v in enumerate(nodes)}
    order = topological_order(root)
    pending: dict[int, float] = {0: 1.0}
    steps = []
    for node in reversed(order):  # as backpropagate: outputs before inputs
        i = index[id(node)]
        step = Step(i, pending.pop(i, 0.0))
        steps.append(step)
        if step.grad == 0.0:
            continue  # nothing flows from here
        for parent, d in zip(node.parents, local_derivatives(node)):
            j = index[id(parent)]
            product = d * step.grad
            if d != 0.0:  # nothing flows through a zero derivative, not even inf * 0
                pending[j] = pending.get(j, 0.0) + product
            step.terms.append(Term(j, d, product, pending.get(j, 0.0)))
    if not order:  # the root is a leaf: its gradient is the seed
        steps.append(Step(0, pending.pop(0)))
    grads = [0.0] * len(nodes)
    for step in steps:
        grads[step.node] = step.grad
    for j, g in pending.items():  # the leaves, whose sums are complete only now
        grads[j] = g
    return Story(nodes, [index[id(v)] for v in order], steps, grads, index)


def _number(x: float, precision: int) -> str:
    return f"{x:.{precision}g}"


def _term(name: str) -> str:
    """A name as it reads in d(out)/d(in): bare if it is one word, else in parentheses."""
    return name if name.isidentifier() else f"({name})"


def explain(root: Value, *, precision: int = 4, file: IO[str] | None = None) -> None:
    """Print the backward pass behind `root` as text, one line per chain-rule step.

    Each node, from the root back to the inputs, gets a line with its complete
    gradient, then one line per parent: the gradient times the local derivative,
    and the parent's gradient so far. The last line of a leaf is its `.grad`.
    """
    check_precision(precision, "explain")
    s = story(root, where="explain")
    out = file if file is not None else sys.stdout
    p = precision
    for step in s.backward:
        name, node = _term(s.name(step.node)), s.nodes[step.node]
        how = f" = {s.expression(step.node)}" if node.parents else ""
        seed = " (the seed)" if step.node == 0 else ""
        print(f"{s.name(step.node)}{how}: {name}.grad = {_number(step.grad, p)}{seed}", file=out)
        for t in step.terms:
            parent = _term(s.name(t.parent))
            print(
                f"  {parent}.grad += {_number(step.grad, p)} * d{name}/d{parent} "
                f"{_number(t.local, p)} = {_number(t.product, p)}   "
                f"({parent}.grad so far {_number(t.total, p)})",
                file=out,
            )


# ---- the web page ---------------------------------------------------------------------


def explore(
    root: Value,
    path: str | os.PathLike[str],
    *,
    precision: int = 4,
    max_nodes: int | None = MAX_NODES,
) -> Path:
    """Write a web page that plays the forward and backward passes behind `root`.

    One self-contained HTML file (no network, nothing to install): the graph as
    `draw` lays it out, and a player that steps through the nodes (buttons, or
    the arrow keys), highlighting each node and its edges and showing the chain
    rule with the numbers. Returns the path written. Hooks for scripts: a Value's
    box has `data-node` (0 the root) and `data-label`; an element in it with
    `data-grad` holds the gradient shown (empty until backward reaches it); the
    controls are buttons with `data-action="next"`, `"prev"`, `"first"`, `"last"`
    and `data-view="forward"` / `"backward"`.
    """
    check_precision(precision, "explore")
    s = story(root, max_nodes, where="explore")
    svg = _svg(s, to_svg(root, precision=precision, max_nodes=None))
    data = _page_data(s, precision)
    before, rest = _PAGE.split("{{svg}}")  # split, not replace: a label may say "{{data}}"
    between, after = rest.split("{{data}}")
    page = before + svg + between + _script_json(data) + after
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(page, encoding="utf-8")
    os.replace(temporary, target)  # a reader never sees half a page
    return target


def _page_data(s: Story, precision: int) -> dict[str, Any]:
    """What the player needs, numbers both exact (repr) and as shown."""

    def num(x: float) -> list[str]:
        return [repr(float(x)), _number(x, precision)]

    return {
        "names": [s.name(i) for i in range(len(s.nodes))],
        "data": [num(v.data) for v in s.nodes],
        "leaf": [not v.parents for v in s.nodes],
        "expression": [s.expression(i) if v.parents else "" for i, v in enumerate(s.nodes)],
        "inputs": [s.inputs(i) for i in range(len(s.nodes))],
        "forward": s.forward,
        "backward": [
            {
                "node": step.node,
                "grad": num(step.grad),
                "terms": [
                    {
                        "parent": t.parent,
                        "local": num(t.local),
                        "product": num(t.product),
                        "total": num(t.total),
                    }
                    for t in step.terms
                ],
            }
            for step in s.backward
        ],
        "grads": [num(g) for g in s.grads],
    }


def _script_json(data: Any) -> str:
    """JSON that cannot end the <script> element it sits in, whatever the labels say."""
    text = json.dumps(data, allow_nan=True)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escape)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _svg(s: Story, svg: str) -> str:
    """draw's SVG with the page's hooks: data-node and data-label on each Value's box,
    data-data and data-grad on its number cells, data-op on op nodes, data-from/data-into
    on the edges into an op and data-out on the edge out of it."""
    doc = minidom.parseString(svg)
    for group in doc.getElementsByTagName("g"):
        kind = group.getAttribute("class")
        titles = group.getElementsByTagName("title")
        if kind not in ("node", "edge") or not titles:
            continue
        title = "".join(t.data for t in titles[0].childNodes if t.nodeType == t.TEXT_NODE)
        if kind == "node" and title.endswith("_op"):
            group.setAttribute("data-op", title[1:-3])
        elif kind == "node":
            i = int(title[1:])
            group.setAttribute("data-node", str(i))
            group.setAttribute("data-label", s.nodes[i].label)
            texts = group.getElementsByTagName("text")
            _mark(texts, "data ", "data-data")
            _mark(texts, "grad ", "data-grad")
        else:
            tail, head = title.split("->")
            if head.endswith("_op"):
                group.setAttribute("data-from", tail[1:])
                group.setAttribute("data-into", head[1:-3])
            else:
                group.setAttribute("data-out", head[1:])
    root = doc.documentElement
    assert root is not None  # parseString returns a document with its root element
    return root.toxml()


def _mark(texts: Any, prefix: str, attribute: str) -> None:
    """Give the last text starting with `prefix` (the cell after any label) the attribute."""
    for text in reversed(texts):
        content = "".join(t.data for t in text.childNodes if t.nodeType == t.TEXT_NODE)
        if content.startswith(prefix):
            text.setAttribute(attribute, "")
            return


# The page around the graph: its style, its player and two slots, read once.
_PAGE = Path(__file__).with_name("explorer.html").read_text(encoding="utf-8")

"""Draw a computation graph with Graphviz: one box per Value, one small node per op.

The drawing reads a finished graph and never changes it. Node names follow a
traversal from the root, so the same graph always gives the same DOT source,
and every piece of user text goes through HTML escaping: nothing a label says
can change the drawing's structure.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable

import graphviz

from autograd.arguments import short
from autograd.engine import Value

MAX_NODES = 2000

FILL = {"leaf": "#dbeafe", "param": "#fde68a", "value": "#ffffff"}  # input, parameter, result
# |grad| from small (blue) to large (red), light enough for black text on top
HEAT = ["#6f8fce", "#8fb0dc", "#b3cde8", "#d9e8f3", "#fde6b0", "#fcc589", "#f79d6e", "#ea6f58"]
NO_GRADIENT = "#e5e7eb"


def _text(s: str) -> str:
    """User text as literal HTML-label text: escaped, control characters shown, lines kept."""
    shown = "".join(c if c == "\n" or c.isprintable() else repr(c)[1:-1] for c in s)
    return "<BR/>".join(html.escape(line, quote=True) for line in shown.split("\n"))


def _number(x: object, precision: int) -> str:
    if x is None:  # a .grad of None: no gradient yet
        return "None"
    if isinstance(x, Value):  # a gradient made with create_graph=True
        x = x.data
    return html.escape(f"{x:.{precision}g}")


def walk(root: Value, max_nodes: int | None = MAX_NODES, where: str = "draw") -> list[Value]:
    """Every Value behind root, root first, then depth-first in argument order.

    The drawing's numbering: the i-th Value is node `v{i}` of `draw`'s graph (and
    `data-node` i in `explore`'s page). More than `max_nodes` Values raise a
    ValueError naming `where`.
    """
    order, seen, stack = [], set(), [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        if max_nodes is not None and len(order) > max_nodes:
            raise ValueError(
                f"{where}: the graph has more than max_nodes={max_nodes} Values "
                f"(counted {_count(root)}); Graphviz would take minutes to lay it out. "
                "Pass max_nodes=None to draw it anyway, or draw a smaller graph."
            )
        stack.extend(reversed(node.parents))
    return order


def _count(root: Value) -> int:
    seen, stack = set(), [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            stack.extend(node.parents)
    return len(seen)


def _op_text(node: Value) -> str:
    if node.op == "**" and len(node.parents) == 1:
        return f"** {node.ctx:g}"
    if node.op == "leaky_relu":
        return f"leaky_relu({node.ctx:g})"
    return node.op


def _heat(grads: list[float]) -> tuple[float, float] | None:
    """The log10 range of the nonzero finite |gradients|, for the heat map."""
    logs = [math.log10(abs(g)) for g in grads if g and math.isfinite(g)]
    return (min(logs), max(logs)) if logs else None


def _heat_color(g: float, scale: tuple[float, float] | None) -> str:
    if not g or scale is None:
        return NO_GRADIENT
    if not math.isfinite(g):
        return HEAT[-1]
    low, high = scale
    t = 0.5 if high == low else (math.log10(abs(g)) - low) / (high - low)
    return HEAT[min(int(t * len(HEAT)), len(HEAT) - 1)]


def _legend(scale: tuple[float, float] | None) -> str:
    if scale is None:
        return "<<B>|grad|</B>: no nonzero gradients>"
    low, high = scale
    cells = []
    for i, color in enumerate(HEAT):
        exponent = low + (high - low) * (i + 0.5) / len(HEAT)
        cells.append(f'<TD BGCOLOR="{color}"><FONT POINT-SIZE="9">1e{exponent:.0f}</FONT></TD>')
    return (
        '<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">'
        f'<TR><TD COLSPAN="{len(HEAT)}"><B>|grad|, log scale</B> (blue: vanishing, '
        f"red: exploding)</TD></TR><TR>{''.join(cells)}</TR>"
        f'<TR><TD BGCOLOR="{NO_GRADIENT}" COLSPAN="{len(HEAT)}">grey: zero gradient</TD></TR>'
        "</TABLE>>"
    )


def draw(
    root: Value,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    precision: int = 4,
    params: Iterable[Value] | Value | None = None,
    color_by: str | None = None,
    max_nodes: int | None = MAX_NODES,
) -> graphviz.Digraph:
    """The computation graph behind `root` as a graphviz.Digraph.

    Inputs (leaves), parameters (`params`) and computed values are filled in
    different colours and the root has a double border; `color_by="grad"`
    shades each value by |grad| on a log scale instead, with a legend.
    """
    return _draw("draw", root, rankdir, show_grad, precision, params, color_by, max_nodes)


def _draw(
    where: str,
    root: Value,
    rankdir: str = "LR",
    show_grad: bool = True,
    precision: int = 4,
    params: Iterable[Value] | Value | None = None,
    color_by: str | None = None,
    max_nodes: int | None = MAX_NODES,
) -> graphviz.Digraph:
    """draw(), with errors naming `where` (draw or to_svg)."""
    if not isinstance(root, Value):
        raise TypeError(f"{where}: root must be a Value, got {type(root).__name__}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"{where}: rankdir must be LR, RL, TB or BT, got {rankdir!r}")
    if color_by not in (None, "grad"):
        raise ValueError(f"{where}: color_by must be None or 'grad', got {color_by!r}")
    if isinstance(precision, bool) or not isinstance(precision, int):
        raise TypeError(
            f"{where}: precision must be an int, got {type(precision).__name__} {precision!r}"
        )
    if not 1 <= precision <= 17:
        raise ValueError(f"{where}: precision must be an int from 1 to 17, got {precision!r}")
    if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, int)):
        raise TypeError(
            f"{where}: max_nodes must be an int or None, "
            f"got {type(max_nodes).__name__} {short(max_nodes)}"
        )
    if isinstance(params, Value):
        params = [params]
    try:
        param_ids = {id(p) for p in params or ()}
    except TypeError:
        raise TypeError(
            f"{where}: params must be a Value or an iterable of Values, "
            f"got {type(params).__name__} {short(params)}"
        ) from None

    nodes = walk(root, max_nodes, where)
    name = {id(node): f"v{i}" for i, node in enumerate(nodes)}
    grads = [g.data if isinstance(g, Value) else g for g in (n.grad for n in nodes)]
    scale = _heat(grads) if color_by == "grad" else None

    dot = graphviz.Digraph("computation_graph", format="svg")
    dot.attr(rankdir=rankdir, fontname="Helvetica", bgcolor="white")
    dot.attr("node", fontname="Helvetica", fontsize="11")
    dot.attr("edge", color="#6b7280", arrowsize="0.6")

    for node, g in zip(nodes, grads):
        kind = "param" if id(node) in param_ids else "leaf" if not node.parents else "value"
        fill = _heat_color(g, scale) if color_by == "grad" else FILL[kind]
        cells = []
        if node.label:
            cells.append(f"<TD><B>{_text(node.label)}</B></TD>")
        cells.append(f"<TD>data {_number(node.data, precision)}</TD>")
        if show_grad:
            cells.append(f"<TD>grad {_number(node.grad, precision)}</TD>")
        border = 'BORDER="3" COLOR="#111827"' if node is root else 'BORDER="0"'
        table = (
            f'<<TABLE {border} CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" '
            f'BGCOLOR="{fill}"><TR>{"".join(cells)}</TR></TABLE>>'
        )
        tooltip = {"param": "parameter", "leaf": "input (leaf)", "value": "computed value"}[kind]
        dot.node(name[id(node)], label=table, shape="plaintext", tooltip=tooltip)
        if node.parents:
            op_name = name[id(node)] + "_op"
            dot.node(
                op_name,
                label=f"<{_text(_op_text(node))}>",
                shape="ellipse",
                fontsize="10",
                style="filled",
                fillcolor="#f3f4f6",
                height="0.3",
                margin="0.04",
            )
            dot.edge(op_name, name[id(node)])
            ordered = node.op in ("-", "/", "**") and len(node.parents) == 2
            for i, parent in enumerate(node.parents):
                dot.edge(name[id(parent)], op_name, **({"taillabel": f"<{i}>"} if ordered else {}))
    if color_by == "grad":
        dot.node("legend", label=_legend(scale), shape="plaintext")
    return dot


_OPTIONS = ("rankdir", "show_grad", "precision", "params", "color_by", "max_nodes")


def to_svg(root: Value, **options: object) -> str:
    """The drawing of `draw(root, **options)` as SVG text (needs Graphviz's `dot` program)."""
    unknown = [name for name in options if name not in _OPTIONS]
    if unknown:
        raise TypeError(f"to_svg: unknown option {unknown[0]!r}; choose from {', '.join(_OPTIONS)}")
    dot = _draw("to_svg", root, **options)  # type: ignore[arg-type]
    try:
        return dot.pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound:
        raise RuntimeError(
            "to_svg: Graphviz's `dot` program is not installed (or not on PATH). Install it "
            "with `apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS) "
            "or `conda install -c conda-forge graphviz`; draw() still gives the DOT source."
        ) from None

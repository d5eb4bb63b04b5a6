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
from autograd.engine import Value, topological_order
from autograd.health import EXPLODING_NORM, VANISHING_RATIO

MAX_NODES = 2000
# Longer text (a label, a primitive's name) is drawn shortened: Graphviz refuses an HTML
# label over 16 KiB, and this many characters fit at ten bytes each once shown and escaped.
LABEL_CHARS = 1000
LONG_GRAPH = 6  # rankdir="auto": a graph more ops deep than this is laid out top to bottom

FILL = {"leaf": "#dbeafe", "param": "#fde68a", "value": "#ffffff"}  # input, parameter, result
KIND = {"leaf": "input", "param": "parameter", "value": "computed"}
# color_by="grad": healthy |grad|, by decade from small (pale blue) to large (pale orange);
# vanishing and exploding (autograd.health's definitions) in strong blue and red
HEAT = ["#a9c4e8", "#c9dbf0", "#e8eff7", "#fbf0d4", "#fad9a6", "#f6bd7f"]
VANISHING, EXPLODING = "#5b7fc7", "#e0533d"
NO_GRADIENT = "#e5e7eb"


def _text(s: str) -> str:
    """User text as literal HTML-label text: escaped, control characters shown, lines kept.

    Text over LABEL_CHARS characters keeps its start and its end around an ellipsis,
    followed by its length: "start…end (20,000 characters)".
    """
    if len(s) > LABEL_CHARS:
        half = LABEL_CHARS // 2
        s = f"{s[:half]}…{s[-half:]} ({len(s):,} characters)"
    shown = "".join(c if c == "\n" or c.isprintable() else repr(c)[1:-1] for c in s)
    return "<BR/>".join(html.escape(line, quote=True) for line in shown.split("\n"))


def check_precision(precision: object, where: str) -> None:
    """The significant digits numbers are shown with: an int from 1 to 17, or an error
    naming `where` (draw, to_svg, explain, explore)."""
    if isinstance(precision, bool) or not isinstance(precision, int):
        raise TypeError(
            f"{where}: precision must be an int, got {type(precision).__name__} {precision!r}"
        )
    if not 1 <= precision <= 17:
        raise ValueError(f"{where}: precision must be an int from 1 to 17, got {precision!r}")


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


def _sci(x: float) -> str:
    """x in two significant digits, as 1e-3, 7.1e-4 or 1 (a legend's bin edge)."""
    mantissa, exponent = f"{x:.1e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return mantissa if int(exponent) == 0 else f"{mantissa}e{int(exponent)}"


class HeatScale:
    """color_by="grad"'s colours: what |grad| each one stands for.

    A |grad| above EXPLODING_NORM (or nan, inf) is exploding; one below
    VANISHING_RATIO times the root's |grad| is vanishing (autograd.health: nn.fit
    warns on the same thresholds). The |grads| in between fall into bins of
    whole decades, [edges[i], edges[i + 1]), the lowest edge raised to the
    vanishing threshold: one bin per decade that holds a gradient, or per few
    decades when there are more decades than colours in HEAT.
    """

    def __init__(self, grads: list[float | None], root_grad: float | None):
        """The scale for `grads` (None: no gradient), given the root's gradient."""
        root = abs(root_grad) if root_grad and math.isfinite(root_grad) else None
        self.vanishing = VANISHING_RATIO * root if root else None  # None: nothing to compare with
        healthy = [abs(g) for g in grads if g and self.color(g) is None]
        self.edges: list[float] = []
        if healthy:
            low = math.floor(math.log10(min(healthy)))
            high = math.floor(math.log10(max(healthy))) + 1
            if 10.0 ** (high - 1) >= EXPLODING_NORM:  # |grad| == EXPLODING_NORM: the top bin
                high -= 1
            decades = max(high - low, 1)
            width = math.ceil(decades / len(HEAT))  # decades per bin
            bins = math.ceil(decades / width)
            self.edges = [10.0 ** (low + i * width) for i in range(bins + 1)]
            if self.vanishing and self.edges[0] < self.vanishing:
                self.edges[0] = self.vanishing
            if self.edges[-2] < EXPLODING_NORM < self.edges[-1]:
                self.edges[-1] = EXPLODING_NORM

    @property
    def colors(self) -> list[str]:
        """One colour per bin, spread over HEAT."""
        bins = len(self.edges) - 1
        if bins <= 1:
            return [HEAT[len(HEAT) // 2]] * bins
        return [HEAT[round(i * (len(HEAT) - 1) / (bins - 1))] for i in range(bins)]

    def color(self, g: float | None) -> str | None:
        """NO_GRADIENT, EXPLODING or VANISHING for such a gradient, else None."""
        if not g:
            return NO_GRADIENT
        if not math.isfinite(g) or abs(g) > EXPLODING_NORM:
            return EXPLODING
        if self.vanishing is not None and abs(g) < self.vanishing:
            return VANISHING
        return None

    def fill(self, g: float | None) -> str:
        """The colour of a Value whose gradient is g."""
        special = self.color(g)
        if special is not None:
            return special
        i = sum(edge <= abs(g) for edge in self.edges[1:-1])  # type: ignore[arg-type]
        return self.colors[i]

    def legend(self) -> str:
        """The legend: every colour and the |grad| it stands for, then the kinds of node."""
        cells = [
            (VANISHING, f"vanishing<BR/>&lt; {_sci(self.vanishing)}")
            if self.vanishing is not None
            else (VANISHING, "vanishing<BR/>(no root grad)")
        ]
        for (lo, hi), color in zip(zip(self.edges, self.edges[1:]), self.colors):
            cells.append((color, f"{_sci(lo)} to<BR/>{_sci(hi)}"))
        cells.append((EXPLODING, f"exploding<BR/>&gt; {_sci(EXPLODING_NORM)}"))
        row = "".join(
            f'<TD BGCOLOR="{color}"><FONT POINT-SIZE="9">{text}</FONT></TD>'
            for color, text in cells
        )
        span = len(cells)
        kinds = "".join(f'<TD BGCOLOR="{FILL[k]}">{KIND[k]}</TD>' for k in FILL)
        return (
            '<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">'
            f'<TR><TD COLSPAN="{span}"><B>grad cell: |grad|, log scale</B><BR/>'
            f"vanishing: below {_sci(VANISHING_RATIO)} of the root's |grad|; "
            f"exploding: above {_sci(EXPLODING_NORM)} (as nn.fit warns)</TD></TR>"
            f"<TR>{row}</TR>"
            f'<TR><TD BGCOLOR="{NO_GRADIENT}" COLSPAN="{span}">grey: zero gradient</TD></TR>'
            f'<TR><TD COLSPAN="{span}"><TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" '
            f'CELLPADDING="3"><TR><TD BORDER="0">other cells:</TD>{kinds}</TR></TABLE></TD></TR>'
            "</TABLE>>"
        )


def _depth(root: Value) -> int:
    """How many ops deep the graph behind root is: its longest chain of ops."""
    depth: dict[int, int] = {}
    for node in topological_order(root):
        depth[id(node)] = 1 + max(depth.get(id(p), 0) for p in node.parents)
    return depth.get(id(root), 0)


def draw(
    root: Value,
    *,
    rankdir: str = "auto",
    show_grad: bool = True,
    precision: int = 4,
    params: Iterable[Value] | Value | None = None,
    color_by: str | None = None,
    max_nodes: int | None = MAX_NODES,
) -> graphviz.Digraph:
    """The computation graph behind `root` as a graphviz.Digraph.

    Inputs (leaves), parameters (`params`) and computed values are filled in
    different colours and the root has a double border; `color_by="grad"`
    shades each value's grad cell by |grad| on a log scale (HeatScale), with a
    legend. `rankdir="auto"` lays a graph out left to right, or top to bottom
    when it is more than LONG_GRAPH ops deep (a long graph then reads on a page).
    """
    return _draw("draw", root, rankdir, show_grad, precision, params, color_by, max_nodes)


def _draw(
    where: str,
    root: Value,
    rankdir: str = "auto",
    show_grad: bool = True,
    precision: int = 4,
    params: Iterable[Value] | Value | None = None,
    color_by: str | None = None,
    max_nodes: int | None = MAX_NODES,
) -> graphviz.Digraph:
    """draw(), with errors naming `where` (draw or to_svg)."""
    if not isinstance(root, Value):
        raise TypeError(f"{where}: root must be a Value, got {type(root).__name__}")
    if rankdir not in ("auto", "LR", "RL", "TB", "BT"):
        raise ValueError(f"{where}: rankdir must be auto, LR, RL, TB or BT, got {rankdir!r}")
    if color_by not in (None, "grad"):
        raise ValueError(f"{where}: color_by must be None or 'grad', got {color_by!r}")
    check_precision(precision, where)
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
    root_grad = root.grad.data if isinstance(root.grad, Value) else root.grad
    scale = HeatScale(grads, root_grad) if color_by == "grad" else None
    if rankdir == "auto":
        rankdir = "TB" if _depth(root) > LONG_GRAPH else "LR"

    dot = graphviz.Digraph("computation_graph", format="svg")
    dot.attr(rankdir=rankdir, fontname="Helvetica", bgcolor="white")
    if rankdir in ("TB", "BT"):
        dot.attr(ranksep="0.3")  # a long graph: short steps down the page
    dot.attr("node", fontname="Helvetica", fontsize="11")
    dot.attr("edge", color="#6b7280", arrowsize="0.6")

    for node, g in zip(nodes, grads):
        kind = "param" if id(node) in param_ids else "leaf" if not node.parents else "value"
        fill = FILL[kind]
        heat = f' BGCOLOR="{scale.fill(g)}"' if scale is not None else ""
        cells = []
        if node.label:
            cells.append(f"<TD><B>{_text(node.label)}</B></TD>")
        cells.append(f"<TD>data {_number(node.data, precision)}</TD>")
        if show_grad:
            cells.append(f"<TD{heat}>grad {_number(node.grad, precision)}</TD>")
        elif heat:  # the |grad| colour alone
            cells.append(f'<TD{heat} WIDTH="14"></TD>')
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
    if scale is not None:  # the legend, over the graph
        dot.attr(label=scale.legend(), labelloc="t", labeljust="l")
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

"""The textbook picture of a network: layers of neurons, edges weighted by their weights."""

from __future__ import annotations

import html

import graphviz

from nn.checks import integer
from nn.modules import MLP, Layer

POSITIVE, NEGATIVE = "#2563eb", "#dc2626"  # blue and red, as in most textbook figures
# One edge per weight: Graphviz lays out 5,000 in half a second, 40,000 in most of a minute.
MAX_EDGES = 5000


def draw_network(
    model: MLP | Layer, *, precision: int = 2, max_edges: int | None = MAX_EDGES
) -> graphviz.Digraph:
    """Inputs, then each layer's neurons (activation and bias); an edge per weight.

    Edge colour gives the weight's sign (blue positive, red negative) and its
    width the weight's magnitude relative to the largest in the network, as the
    legend under the picture says. Inputs and neurons are in index order, x0
    and neuron 0 at the top. A network of more than `max_edges` weights raises a
    ValueError (None: no limit).
    """
    if isinstance(model, Layer):
        layers = [model]
    elif isinstance(model, MLP):
        layers = model.layers
    else:
        raise TypeError(f"draw_network: expected an MLP or a Layer, got {type(model).__name__}")
    integer(precision, "draw_network: precision", minimum=0, kind=int)
    if max_edges is not None:
        integer(max_edges, "draw_network: max_edges", minimum=0, kind=int)
    edges = sum(len(n.w) for layer in layers for n in layer.neurons)
    if max_edges is not None and edges > max_edges:
        raise ValueError(
            f"draw_network: the network has {edges:,} weights, an edge each, more than "
            f"max_edges={max_edges:,}; Graphviz would take minutes to lay it out. Pass "
            "max_edges=None to draw it anyway, or draw a smaller network."
        )
    largest = max((abs(w.data) for layer in layers for n in layer.neurons for w in n.w), default=0)
    largest = largest or 1.0

    dot = graphviz.Digraph("network", format="svg")
    dot.attr(
        rankdir="LR",
        splines="line",
        nodesep="0.1",
        ranksep="1.6",
        ordering="out",
        fontname="Helvetica",
    )
    dot.attr(
        "node",
        shape="circle",
        fontname="Helvetica",
        fontsize="8",
        width="0.62",
        fixedsize="true",
        style="filled",
    )
    dot.attr(label=_legend(largest, precision), labelloc="b", labeljust="l", fontsize="10")
    previous = [f"x{i}" for i in range(len(layers[0].neurons[0].w))]
    for name in previous:
        dot.node(name, label=name, fillcolor="#dbeafe")
    _column(dot, "inputs", previous)
    for k, layer in enumerate(layers):
        current = [f"l{k}n{j}" for j in range(len(layer.neurons))]
        activation = layer.neurons[0].activation
        for name, neuron in zip(current, layer.neurons):
            b = neuron.b  # None in a Layer made with bias=False
            bias = "no bias" if b is None else html.escape(f"b {b.data:.{precision}f}")
            dot.node(
                name,
                label=f"<{html.escape(activation)}<BR/>{bias}>",
                fillcolor="#fde68a" if activation != "linear" else "#fecaca",
            )
        _column(dot, f"layer {k}: {activation}", current)
        for name, neuron in zip(current, layer.neurons):
            for source, w in zip(previous, neuron.w):
                width = 0.3 + 3.5 * abs(w.data) / largest
                dot.edge(
                    source,
                    name,
                    color=POSITIVE if w.data >= 0 else NEGATIVE,
                    penwidth=f"{width:.2f}",
                    arrowsize="0.4",
                    tooltip=f"w = {w.data:.{precision + 2}g}",
                )
        previous = current
    return dot


def _column(dot: graphviz.Digraph, title: str, names: list[str]) -> None:
    """One column of nodes under a title, in this order from the top.

    A rank=same subgraph with invisible edges down the column fixes the order
    (clusters would lose it: Graphviz orders a cluster's nodes as it likes).
    """
    with dot.subgraph() as column:
        column.attr(rank="same")
        top = f"{names[0]}_title"
        column.node(top, label=title, shape="plaintext", fontsize="11", style="", fixedsize="false")
        for a, b in zip([top, *names], names):
            column.edge(a, b, style="invis")


def _legend(largest: float, precision: int) -> str:
    """What the edges mean: colour for the sign, width for the size of the weight."""

    def swatch(color: str, width: float) -> str:
        return (
            f'<TD FIXEDSIZE="TRUE" WIDTH="28" HEIGHT="{max(width * 1.4, 1):.0f}" '
            f'BGCOLOR="{color}"></TD>'
        )

    return (
        '<<TABLE BORDER="0" CELLSPACING="4" CELLPADDING="0"><TR>'
        f'{swatch(POSITIVE, 2)}<TD ALIGN="LEFT"> positive weight   </TD>'
        f'{swatch(NEGATIVE, 2)}<TD ALIGN="LEFT"> negative weight   </TD>'
        f"{swatch('#6b7280', 0.3)}<TD> small |w|   </TD>{swatch('#6b7280', 3.8)}"
        f"<TD> largest |w| ({html.escape(f'{largest:.{precision}f}')})   </TD>"
        "<TD>circle: activation, b: bias</TD></TR></TABLE>>"
    )

"""The textbook picture of a network: layers of neurons, edges weighted by their weights."""

from __future__ import annotations

import html

import graphviz

from nn.checks import integer
from nn.modules import MLP, Layer

POSITIVE, NEGATIVE = "#2563eb", "#dc2626"  # blue and red, as in most textbook figures


def draw_network(model: MLP | Layer, *, precision: int = 2) -> graphviz.Digraph:
    """Inputs, then each layer's neurons (activation and bias); an edge per weight.

    Edge colour gives the weight's sign (blue positive, red negative) and its
    width the weight's magnitude relative to the largest in the network.
    """
    if isinstance(model, Layer):
        layers = [model]
    elif isinstance(model, MLP):
        layers = model.layers
    else:
        raise TypeError(f"draw_network: expected an MLP or a Layer, got {type(model).__name__}")
    integer(precision, "draw_network: precision", minimum=0, kind=int)
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
    n_inputs = len(layers[0].neurons[0].w)
    with dot.subgraph(name="cluster_inputs") as inputs:
        inputs.attr(label="inputs", color="white")
        for i in range(n_inputs):
            inputs.node(f"x{i}", label=f"x{i}", fillcolor="#dbeafe")
    previous = [f"x{i}" for i in range(n_inputs)]
    for k, layer in enumerate(layers):
        current = [f"l{k}n{j}" for j in range(len(layer.neurons))]
        with dot.subgraph(name=f"cluster_layer{k}") as cluster:
            activation = layer.neurons[0].activation
            cluster.attr(label=f"layer {k}: {activation}", color="#d1d5db")
            for name, neuron in zip(current, layer.neurons):
                bias = html.escape(f"b {neuron.b.data:.{precision}f}")
                cluster.node(
                    name,
                    label=f"<{html.escape(activation)}<BR/>{bias}>",
                    fillcolor="#fde68a" if activation != "linear" else "#fecaca",
                )
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

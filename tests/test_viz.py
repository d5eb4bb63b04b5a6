"""Drawings: SVG content, hostile labels, determinism, the size guard, no `dot`, networks."""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET

import graphviz
import pytest

from autograd import Value, draw, to_svg
from autograd.viz import EXPLODING, FILL, VANISHING, HeatScale
from nn import MLP, Layer, draw_network


def neuron():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.label = "o"
    o.backward()
    return o, [w1, w2, b]


def svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)  # parses as XML, or raises
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_svg_shows_labels_data_grads_and_ops():
    o, params = neuron()
    texts = svg_texts(to_svg(o, params=params))
    for expected in ["x1", "w1", "b", "o", "data 0.7071", "grad 1", "grad 0.5", "grad -1.5"]:
        assert expected in texts
    assert {"*", "+", "tanh"} <= set(texts)  # op nodes
    assert texts.count("*") == 2 and texts.count("+") == 2


def test_kinds_of_node_are_distinct_and_the_root_is_marked():
    o, params = neuron()
    source = draw(o, params=params).source
    line = {
        name: next(ln for ln in source.splitlines() if f"<B>{name}</B>" in ln)
        for name in ["x1", "w1", "o"]
    }
    assert 'tooltip="input (leaf)"' in line["x1"] and "#dbeafe" in line["x1"]
    assert "tooltip=parameter" in line["w1"] and "#fde68a" in line["w1"]
    assert 'BORDER="3"' in line["o"] and 'tooltip="computed value"' in line["o"]
    assert draw(o, show_grad=False).source.count("grad ") == 0
    assert "data 0.71" in draw(o, precision=2).source


def test_hostile_labels_render_as_literal_text():
    hostile = 'a<b>c]; x [shape=box "q" {a|b} \\ &amp;\nnext line'
    x = Value(1.5, label=hostile)
    y = (x * 2).relu()
    y.label = "</TD></TR></TABLE>>]; evil [label=boom"
    y.backward()
    lines = draw(y).source.splitlines()
    # Nothing but our own statements: 4 values, 2 op nodes, 5 edges, and 5 header lines.
    statements = [ln for ln in lines if ln.startswith("\tv")]
    assert len(statements) == 4 + 2 + 5 and len(lines) == len(statements) + 5
    assert sum(" -> " in ln for ln in statements) == 5
    texts = svg_texts(to_svg(y))
    assert 'a<b>c]; x [shape=box "q" {a|b} \\ &amp;' in texts
    assert "next line" in texts
    assert "</TD></TR></TABLE>>]; evil [label=boom" in texts


def test_same_graph_gives_identical_source():
    def build():
        a, b = Value(1.0, label="a"), Value(2.0, label="b")
        c = a * b + a.exp()
        d = (c - b) / a
        d.backward()
        return d

    first, second = draw(build()).source, draw(build()).source
    assert first == second
    assert "0x" not in first  # no id()-based names


def test_argument_order_shown_for_non_commutative_ops():
    a, b = Value(5.0, label="a"), Value(2.0, label="b")
    source = draw(a - b).source
    assert "taillabel=<0>" in source and "taillabel=<1>" in source
    assert "** 3" in draw(a**3).source and "leaky_relu(0.2)" in draw(a.leaky_relu(0.2)).source


def test_size_guard():
    x = Value(1.0)
    for _ in range(2100):
        x = x * 1.0001
    with pytest.raises(ValueError, match=r"max_nodes=2000.*counted 4201"):
        draw(x)
    with pytest.raises(ValueError, match="max_nodes=10"):
        draw(x, max_nodes=10)
    assert isinstance(draw(x, max_nodes=None), graphviz.Digraph)


def grads_of(*gradients):
    """A root whose inputs a0, a1, ... get exactly these gradients (root.grad is 1)."""
    inputs = [Value(1.0, label=f"a{i}") for i in range(len(gradients))]
    root = inputs[0] * gradients[0]
    for a, g in zip(inputs[1:], gradients[1:]):
        root = root + a * g
    root.label = "root"
    root.backward()
    return root, inputs


def test_color_by_grad_bins_are_whole_decades_with_distinct_honest_labels():
    scale = HeatScale([0.01, 0.05, 0.1, 1.5, 1.0, 0.0, None], root_grad=1.0)
    assert scale.edges == [0.01, 0.1, 1.0, 10.0]
    assert len(set(scale.colors)) == 3  # a colour per bin, none repeated
    texts = svg_texts(to_svg(grads_of(0.01, 0.1, 1.5)[0], color_by="grad"))
    legend = texts[texts.index("vanishing") : texts.index("> 1e3") + 1]
    assert legend == [
        *("vanishing", "< 1e-3"),
        *("1e-2 to", "1e-1", "1e-1 to", "1", "1 to", "1e1"),  # 0.01, 0.1, 1 and 1.5
        *("exploding", "> 1e3"),
    ]
    # every gradient alike: one bin, named by its decade (no "1e-0" repeated)
    assert HeatScale([1.0, 1.0, 1.0], root_grad=1.0).edges == [1.0, 10.0]
    # more decades than colours: bins of several whole decades, still distinct
    wide = HeatScale([10.0**k for k in range(-12, 3)], root_grad=None)
    assert wide.edges == [1e-12, 1e-9, 1e-6, 1e-3, 1.0, 1e3]
    assert len(set(wide.colors)) == len(wide.colors) == 5
    legend = wide.legend()
    assert "1e-12 to<BR/>1e-9" in legend and "1 to<BR/>1e3" in legend


def test_exploding_and_vanishing_in_the_picture_are_what_fit_warns_about():
    from autograd import health
    from nn import train

    assert train.EXPLODING_NORM is health.EXPLODING_NORM == 1e3
    assert train.VANISHING_RATIO is health.VANISHING_RATIO
    scale = HeatScale([1.5, 2e3, 1e-5], root_grad=1.0)
    assert scale.fill(1.5) not in (EXPLODING, VANISHING)  # 1.5 is healthy
    assert scale.fill(-2e3) == scale.fill(float("nan")) == EXPLODING
    assert scale.fill(health.EXPLODING_NORM) != EXPLODING  # fit: "above EXPLODING_NORM"
    assert scale.fill(1e-5) == VANISHING and scale.fill(2e-3) != VANISHING
    assert HeatScale([1e-5], root_grad=0.1).fill(1e-5) == VANISHING  # below 1e-3 of the root's
    assert HeatScale([1e-5], root_grad=1e-3).fill(1e-5) != VANISHING
    with pytest.warns(train.GradientHealthWarning, match=r"\(> 1000\)"):
        train._check_health(train.History(loss=[1.0], grad_norm=[[1e-2, 1.01e3]]))
    legend = scale.legend()
    assert "exploding<BR/>&gt; 1e3" in legend and "vanishing<BR/>&lt; 1e-3" in legend


def test_color_by_grad_keeps_the_colours_of_inputs_and_parameters():
    root, (a0, a1, a2) = grads_of(1e-5, 0.5, 2e3)
    source = draw(root, params=[a1, a2], color_by="grad").source
    line = {
        name: next(ln for ln in source.splitlines() if f"<B>{name}</B>" in ln)
        for name in ["a0", "a1", "a2", "root"]
    }
    assert f'BGCOLOR="{FILL["leaf"]}"' in line["a0"] and f'BGCOLOR="{VANISHING}"' in line["a0"]
    assert f'BGCOLOR="{FILL["param"]}"' in line["a1"]
    assert f'BGCOLOR="{FILL["param"]}"' in line["a2"] and f'BGCOLOR="{EXPLODING}"' in line["a2"]
    assert f'BGCOLOR="{FILL["value"]}"' in line["root"]
    assert all(c not in line["a1"] for c in (EXPLODING, VANISHING))  # 0.5 is healthy
    texts = svg_texts(to_svg(root, params=[a1, a2], color_by="grad"))
    assert {"input", "parameter", "computed"} <= set(texts)  # the legend names the kinds
    no_grad_cell = draw(root, color_by="grad", show_grad=False).source
    assert not re.search(r">grad -?[0-9]", no_grad_cell)  # no grad cells, but their colour:
    assert f'BGCOLOR="{VANISHING}" WIDTH' in no_grad_cell


def svg_size(svg: str) -> tuple[float, float]:
    root = ET.fromstring(svg)
    return float(root.get("width").removesuffix("pt")), float(root.get("height").removesuffix("pt"))


def test_long_graphs_are_laid_out_top_to_bottom_and_short_ones_left_to_right():
    model = MLP(1, [1] * 6 + [1], activation="sigmoid", rng=random.Random(0))
    deep = model([0.5])
    deep.backward()
    assert "rankdir=TB" in draw(deep).source
    width, height = svg_size(to_svg(deep, color_by="grad"))
    assert width < 900 and height > width  # a page, not a 4,500-point strip
    o, params = neuron()
    assert "rankdir=LR" in draw(o).source
    assert "rankdir=LR" in draw(deep, rankdir="LR").source
    with pytest.raises(ValueError, match="auto, LR, RL, TB or BT"):
        draw(o, rankdir="XY")


def test_bad_options_are_clear_errors():
    with pytest.raises(TypeError, match="draw: root must be a Value"):
        draw(3.0)
    with pytest.raises(ValueError, match="rankdir"):
        draw(Value(1.0), rankdir="XY")
    with pytest.raises(ValueError, match="color_by"):
        draw(Value(1.0), color_by="data")


def test_without_dot_draw_works_and_to_svg_says_how_to_install(monkeypatch):
    monkeypatch.setenv("PATH", "")
    o, _ = neuron()
    assert draw(o).source.startswith("digraph")
    with pytest.raises(RuntimeError, match="apt-get install graphviz.*brew install graphviz"):
        to_svg(o)


def weight_edges(source: str) -> list[str]:
    return [ln for ln in source.splitlines() if "->" in ln and "style=invis" not in ln]


def centres(svg: str) -> dict[str, tuple[float, float]]:
    """Each node's centre in the SVG (y grows downwards), by node name."""
    ns = "{http://www.w3.org/2000/svg}"
    found = {}
    for g in ET.fromstring(svg).iter(f"{ns}g"):
        if g.get("class") == "node" and g.find(f"{ns}ellipse") is not None:
            e = g.find(f"{ns}ellipse")
            found[g.find(f"{ns}title").text] = (float(e.get("cx")), float(e.get("cy")))
    return found


def test_draw_network():
    model = MLP(3, [4, 2], rng=random.Random(1))
    dot = draw_network(model)
    source = dot.source
    assert len(weight_edges(source)) == 3 * 4 + 4 * 2
    assert "#2563eb" in source and "#dc2626" in source  # both signs of weight
    assert "layer 0: relu" in source and "layer 1: linear" in source
    texts = svg_texts(dot.pipe(format="svg", encoding="utf-8"))
    assert {"x0", "x1", "x2"} <= set(texts)
    assert len(weight_edges(draw_network(Layer(2, 3)).source)) == 6
    assert "no bias" in draw_network(Layer(2, 3, bias=False)).source  # it used to raise
    with pytest.raises(TypeError, match="MLP or a Layer"):
        draw_network(Value(1.0))


def test_draw_network_keeps_inputs_and_neurons_in_order_from_the_top():
    for seed in range(3):
        svg = draw_network(MLP(3, [5, 4, 1], rng=random.Random(seed))).pipe(
            format="svg", encoding="utf-8"
        )
        at = centres(svg)
        for column in (["x0", "x1", "x2"], [f"l0n{j}" for j in range(5)], ["l1n0", "l1n3"]):
            ys = [at[name][1] for name in column]
            assert ys == sorted(ys) and len(set(ys)) == len(ys), (seed, column, ys)
            assert len({at[name][0] for name in column}) == 1  # one column


def test_draw_network_has_a_legend_for_colour_and_width():
    model = MLP(2, [2, 1], rng=random.Random(0))
    model.layers[0].neurons[0].w[0].data = -1.25  # the largest |w|
    texts = svg_texts(draw_network(model).pipe(format="svg", encoding="utf-8"))
    for words in ["positive weight", "negative weight", "small |w|", "largest |w| (1.25)"]:
        assert any(words in t for t in texts), words
    source = draw_network(model).source
    assert 'BGCOLOR="#2563eb"' in source and 'BGCOLOR="#dc2626"' in source  # the swatches


def test_readme_figures_script_writes_both_pictures(tmp_path):
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "docs" / "make_figures.py"
    spec = importlib.util.spec_from_file_location("make_figures", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    neuron_svg, network_svg = module.main(tmp_path, demos=False)  # demos: tested elsewhere
    texts = svg_texts(neuron_svg.read_text())
    assert {"x1", "w1", "x1*w1", "n", "o", "tanh", "data 0.7071", "grad -1.5"} <= set(texts)
    assert "x2" in svg_texts(network_svg.read_text())
    assert not list(tmp_path.glob("*.tmp"))
    # the neuron picture shows no label that the README's snippet above it does not set
    ns = "{http://www.w3.org/2000/svg}"
    shown = {
        "".join(t.itertext())
        for t in ET.fromstring(neuron_svg.read_text()).iter(f"{ns}text")
        if t.get("font-weight") == "bold"
    }
    snippet = module.neuron_snippet()
    assert shown == {"x1", "x2", "w1", "w2", "b", "x1*w1", "x2*w2", "n", "o"}
    assert all(f'"{label}"' in snippet for label in shown)
    assert 'label="x1"' in snippet and 'n.label = "n"' in snippet

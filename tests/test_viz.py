"""Drawings: SVG content, hostile labels, determinism, the size guard, no `dot`, networks."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET

import graphviz
import pytest

from autograd import Value, draw, to_svg
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


def test_color_by_grad_shades_and_adds_a_legend():
    model = MLP(1, [1, 1, 1, 1], activation="sigmoid", rng=random.Random(0))
    y = model([0.5])
    y.backward()
    source = draw(y, params=model.parameters(), color_by="grad").source
    assert "log scale" in source and "legend" in source
    assert (
        len(
            {
                c
                for c in [
                    "#6f8fce",
                    "#8fb0dc",
                    "#b3cde8",
                    "#d9e8f3",
                    "#fde6b0",
                    "#fcc589",
                    "#f79d6e",
                    "#ea6f58",
                ]
                if c in source
            }
        )
        >= 4
    )


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


def test_draw_network():
    model = MLP(3, [4, 2], rng=random.Random(1))
    dot = draw_network(model)
    source = dot.source
    assert source.count("->") == 3 * 4 + 4 * 2
    assert "#2563eb" in source and "#dc2626" in source  # both signs of weight
    assert "layer 0: relu" in source and "layer 1: linear" in source
    texts = svg_texts(dot.pipe(format="svg", encoding="utf-8"))
    assert {"x0", "x1", "x2"} <= set(texts)
    assert draw_network(Layer(2, 3)).source.count("->") == 6
    with pytest.raises(TypeError, match="MLP or a Layer"):
        draw_network(Value(1.0))


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

"""Issue 17, drawings: labels longer than Graphviz accepts, and networks too big to lay out."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

import autograd
from autograd import Value, draw, to_svg
from autograd.viz import LABEL_CHARS
from nn import MLP, Layer, draw_network


def texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


@pytest.mark.parametrize(
    "label",
    [
        "x" * 20_000,  # 20 KB as it stands
        "<&" * 5_000,  # 10,000 characters, 45 KB escaped
        "\U000e0001" * 3_000,  # shown as \U000e0001: ten bytes each
        "line\n" * 4_000,  # 4,000 <BR/>s
        "é" * 9_000,  # two bytes each in UTF-8
    ],
)
def test_a_label_longer_than_graphviz_accepts_is_shortened_visibly(label):
    x = Value(1.0, label=label)
    y = x * 2.0
    y.label = "y"
    svg = to_svg(y)  # was CalledProcessError: "longer than 16384?"
    shown = texts(svg)
    assert "y" in shown and "data 2" in shown  # the rest of the drawing is intact
    note = f"({len(label):,} characters)"
    assert sum(note in t for t in shown) == 1  # the length, said once
    assert any("…" in t for t in shown)  # visibly cut


def test_the_shortened_label_keeps_its_start_and_end():
    label = "start-" + "m" * 30_000 + "-end"
    x = Value(1.0, label=label)
    source = draw(x * 2.0).source
    cell = next(line for line in source.splitlines() if "start-" in line)
    assert "start-mmm" in cell and "mmm-end (30,010 characters)" in cell and "…" in cell
    assert cell.count("m") < LABEL_CHARS + 50
    assert to_svg(x * 2.0)  # and Graphviz draws it


def test_labels_up_to_the_limit_are_drawn_whole():
    label = "a" * LABEL_CHARS
    source = draw(Value(1.0, label=label) * 2.0).source
    assert f"<B>{label}</B>" in source and "…" not in source


def test_a_long_primitive_name_is_shortened_too():
    name = "op" * 10_000
    twice = autograd.primitive(lambda a: 2.0 * a, lambda a: 2.0, name=name)
    y = twice(Value(1.5, label="x"))
    svg = to_svg(y)
    assert any(t.startswith("opop") and "(20,000 characters)" in t for t in texts(svg))


def test_explore_draws_a_long_label_and_keeps_it_whole_in_the_page(tmp_path):
    label = "L" * 40_000
    x = Value(2.0, label=label)
    page = autograd.explore(x * 3.0, tmp_path / "long.html").read_text(encoding="utf-8")
    data = page.split('<script type="application/json" id="story">')[1].split("</script>")[0]
    assert json.loads(data)["names"][1] == label  # the player's data: the label itself
    assert f'data-label="{label}"' in page  # the box's hook too
    assert "(40,000 characters)" in page  # the drawing: shortened


# ---- draw_network's size guard -----------------------------------------------------------


def test_draw_network_refuses_a_network_too_big_to_lay_out():
    model = MLP(784, [128, 10])  # 101,632 weights: Graphviz was still busy after a minute
    with pytest.raises(ValueError) as error:
        draw_network(model)
    message = str(error.value)
    assert "draw_network" in message and "101,632" in message
    assert "max_edges=5,000" in message and "max_edges=None" in message


def test_draw_network_limit_is_a_parameter():
    model = MLP(4, [3, 2])  # 12 + 6 = 18 weights
    assert draw_network(model, max_edges=18).source.count("penwidth") == 18
    with pytest.raises(ValueError, match=r"draw_network: the network has 18 weights.*max_edges=17"):
        draw_network(model, max_edges=17)
    assert draw_network(Layer(200, 30), max_edges=None).source.count("penwidth") == 6000
    with pytest.raises(ValueError, match="6,000 weights"):
        draw_network(Layer(200, 30))


@pytest.mark.parametrize("bad", ["5", 2.0, True])
def test_draw_network_max_edges_must_be_an_int_or_none(bad):
    with pytest.raises(TypeError, match="draw_network: max_edges must be an int"):
        draw_network(MLP(2, [1]), max_edges=bad)


def test_draw_network_max_edges_must_not_be_negative():
    with pytest.raises(ValueError, match="draw_network: max_edges must be at least 0, got -1"):
        draw_network(MLP(2, [1]), max_edges=-1)

"""Regenerate the README's pictures: `make figures` (or python -m docs.make_figures [DIR]).

The two graph drawings come from here; the demo pictures from running the
moons, gradients and spirals demos at their default settings with --out DIR.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from autograd import Value, to_svg
from nn import MLP, draw_network


def neuron_svg() -> str:
    """tanh(x1*w1 + x2*w2 + b) after backward, drawn as a computation graph."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    n = x1w1 + x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return to_svg(o, params=[w1, w2, b])


def network_svg() -> str:
    """The textbook picture of a small MLP, edges coloured by the sign of each weight."""
    return draw_network(MLP(3, [5, 4, 1], rng=random.Random(0))).pipe(
        format="svg", encoding="utf-8"
    )


DOCS = Path(__file__).resolve().parent


def main(out: Path = DOCS, demos: bool = True) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    if demos:
        from demos import gradients, moons, spirals

        for demo in (moons, gradients, spirals):
            demo.main(["--out", str(out)])
    for name, svg in (("neuron.svg", neuron_svg()), ("network.svg", network_svg())):
        path = out / name
        tmp = path.with_suffix(".svg.tmp")
        tmp.write_text(svg, encoding="utf-8")
        tmp.replace(path)  # written whole or not at all
        written.append(path)
    return written


if __name__ == "__main__":
    for path in main(*(Path(arg) for arg in sys.argv[1:2])):
        print(f"wrote {path}")

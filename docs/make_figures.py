"""Regenerate the README's pictures: `make figures` (or python -m docs.make_figures [DIR]).

The two graph drawings and the explorer's screenshot come from here (the
neuron by running the README's own snippet, so the picture is what the snippet
draws); the demo pictures from running the moons, gradients and spirals demos
at their default settings with --out DIR.
"""

from __future__ import annotations

import os
import random
import re
import sys
from pathlib import Path

from nn import MLP, draw_network

DOCS = Path(__file__).resolve().parent
README = DOCS.parent / "README.md"
NEURON_PICTURE = "](docs/neuron.svg)"


def neuron_snippet() -> str:
    """The README's ```python block just above its neuron picture."""
    text = README.read_text(encoding="utf-8")
    above = text[: text.index(NEURON_PICTURE)]
    return re.findall(r"```python\n(.*?)```", above, flags=re.S)[-1]


def neuron_svg() -> str:
    """tanh(x1*w1 + x2*w2 + b) after backward: the SVG text the README's snippet makes."""
    namespace: dict = {"__name__": "readme"}
    exec(compile(neuron_snippet(), f"<{README.name}: neuron snippet>", "exec"), namespace)
    return namespace["svg"]


def network_svg() -> str:
    """The textbook picture of a small MLP, edges coloured by the sign of each weight."""
    return draw_network(MLP(3, [5, 4, 1], rng=random.Random(0))).pipe(
        format="svg", encoding="utf-8"
    )


def explorer_png(path: Path, steps: int = 3) -> Path:
    """A screenshot of the explorer page of the neuron, `steps` into its backward pass.

    Needs Playwright (the dev extra) and Chromium (`make figures` installs Debian's)."""
    import shutil
    import tempfile

    from playwright.sync_api import sync_playwright

    from autograd import explore
    from demos.explore import neuron

    chromium = os.environ.get("VALUEGRAD_CHROMIUM") or shutil.which("chromium")
    if chromium is None:
        raise RuntimeError("explorer_png: no Chromium found: apt-get install chromium")
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        page_path = explore(neuron(), Path(folder) / "neuron.html")
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1000, "height": 380}, device_scale_factor=1.5)
        page.goto(page_path.as_uri())
        for _ in range(steps):
            page.click('[data-action="next"]')
        tmp = path.with_suffix(".png.tmp")
        page.screenshot(path=str(tmp), type="png")
        browser.close()
    tmp.replace(path)
    return path


def main(out: Path = DOCS, demos: bool = True) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    if demos:
        from demos import gradients, moons, spirals

        for demo in (moons, gradients, spirals):
            demo.main(["--out", str(out)])
        written.append(explorer_png(out / "explorer.png"))
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

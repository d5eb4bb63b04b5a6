"""What every demo shares: command-line flags, matplotlib set-up, the decision-region plot."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from autograd import no_grad

COLORS = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e"]  # one per class


def parser(
    doc: str, epochs: int | None, seed: int = 0, epochs_help: str = "training epochs"
) -> argparse.ArgumentParser:
    """The flags every demo takes: --out, --seed, --epochs, --no-plot."""
    p = argparse.ArgumentParser(description=doc.strip().splitlines()[0])
    p.add_argument("--out", type=Path, default=Path("out"), help="folder for the pictures")
    p.add_argument("--seed", type=int, default=seed, help="seed for data and weights")
    p.add_argument("--epochs", type=int, default=epochs, help=epochs_help)
    p.add_argument("--no-plot", action="store_true", help="train and report, draw nothing")
    return p


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend (files only, no window)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig: Any, out: Path, name: str) -> Path:
    """Write `fig` to out/name and close it."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    fig.savefig(path, dpi=110, bbox_inches="tight")
    pyplot().close(fig)
    return path


def write_text(out: Path, name: str, text: str) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    path.write_text(text, encoding="utf-8")
    return path


def decision_regions(
    ax: Any,
    classify: Callable[[list[float]], int],
    X: Sequence[Sequence[float]],
    y: Sequence[int],
    steps: int = 90,
) -> None:
    """Colour the plane by the class `classify` gives each point, then draw the data on top."""
    xs, ys = [p[0] for p in X], [p[1] for p in X]
    x0, x1 = min(xs) - 0.5, max(xs) + 0.5
    y0, y1 = min(ys) - 0.5, max(ys) + 0.5
    gx = [x0 + (x1 - x0) * i / (steps - 1) for i in range(steps)]
    gy = [y0 + (y1 - y0) * j / (steps - 1) for j in range(steps)]
    with no_grad():  # thousands of forward passes: no graph needed
        grid = [[classify([a, b]) for a in gx] for b in gy]
    n = max(max(y), max(max(row) for row in grid)) + 1
    ax.contourf(
        gx,
        gy,
        grid,
        levels=[c - 0.5 for c in range(n + 1)],
        colors=[COLORS[c % len(COLORS)] for c in range(n)],
        alpha=0.25,
    )
    ax.scatter(xs, ys, c=[COLORS[c % len(COLORS)] for c in y], s=14, edgecolors="k", linewidths=0.4)
    ax.set(xlim=(x0, x1), ylim=(y0, y1), aspect="equal")

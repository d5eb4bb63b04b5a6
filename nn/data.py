"""Toy datasets, generated deterministically from a seed in pure Python."""

from __future__ import annotations

import math
import numbers
import random


def make_moons(
    n_samples: int = 100, noise: float = 0.1, seed: int | None = 0
) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles: points `X` (n x 2) and labels `y` in {0, 1}.

    The outer moon (label 0) runs over the upper half circle, the inner moon
    (label 1) is shifted right and down; `noise` is the standard deviation of
    Gaussian noise added to each coordinate.
    """
    if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral):
        raise TypeError(f"make_moons: n_samples must be an int, got {type(n_samples).__name__}")
    if n_samples < 2:
        raise ValueError(f"make_moons: n_samples must be at least 2, got {n_samples!r}")
    if not isinstance(noise, numbers.Real):
        raise TypeError(f"make_moons: noise must be a real number, got {type(noise).__name__}")
    if not noise >= 0:
        raise ValueError(f"make_moons: noise must be >= 0, got {noise!r}")
    n_samples = int(n_samples)
    rng = random.Random(seed)
    n_outer = n_samples // 2
    n_inner = n_samples - n_outer
    X: list[list[float]] = []
    y: list[int] = []
    for label, n in ((0, n_outer), (1, n_inner)):
        for i in range(n):
            t = math.pi * i / (n - 1) if n > 1 else 0.0
            if label == 0:
                point = [math.cos(t), math.sin(t)]
            else:
                point = [1.0 - math.cos(t), 0.5 - math.sin(t)]
            X.append([c + rng.gauss(0.0, noise) for c in point])
            y.append(label)
    order = list(range(n_samples))
    rng.shuffle(order)
    return [X[i] for i in order], [y[i] for i in order]

"""Toy datasets, generated deterministically from a seed in pure Python."""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from nn.checks import boolean, finite, integer, nonnegative


def make_moons(
    n_samples: int = 100, noise: float = 0.1, seed: int | None = 0
) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles: points `X` (n x 2) and labels `y` in {0, 1}.

    The outer moon (label 0) runs over the upper half circle, the inner moon
    (label 1) is shifted right and down; `noise` is the standard deviation of
    Gaussian noise added to each coordinate.
    """
    n_samples = integer(n_samples, "make_moons: n_samples", 2)
    noise = nonnegative(noise, "make_moons: noise")
    rng = random.Random(check_seed(seed, "make_moons"))
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


Dataset = tuple[list[list[float]], list[int]]


def check_seed(seed: Any, where: str) -> int | None:
    """`seed` as an int, or None; a TypeError naming `where` for another type."""
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
        raise TypeError(f"{where}: seed must be an int or None, got {type(seed).__name__}")
    return None if seed is None else int(seed)


def check_sequence(data: Any, name: str, where: str) -> None:
    """A TypeError naming `where` unless `data` is indexable by position (not a str or dict)."""
    # A str or a dict has a length and [] too, but indexing it by position is meaningless.
    if (
        isinstance(data, (str, bytes, Mapping))
        or not hasattr(data, "__len__")
        or not hasattr(data, "__getitem__")
    ):
        raise TypeError(f"{where}: {name} must be a sequence, got {type(data).__name__}")


def _check_xy(X: Any, y: Any, where: str) -> int:
    check_sequence(X, "X", where)
    check_sequence(y, "y", where)
    if len(X) != len(y):
        raise ValueError(f"{where}: X and y must have the same length, got {len(X)} and {len(y)}")
    return len(X)


def _split(n: int, parts: int) -> list[int]:
    """`n` as `parts` counts that differ by at most one, the larger ones first (as sklearn)."""
    return [n // parts + (1 if i < n % parts else 0) for i in range(parts)]


def _shuffled(X: list[list[float]], y: list[int], rng: random.Random) -> Dataset:
    order = list(range(len(X)))
    rng.shuffle(order)
    return [X[i] for i in order], [y[i] for i in order]


def make_circles(
    n_samples: int = 100, noise: float = 0.05, factor: float = 0.5, seed: int | None = 0
) -> Dataset:
    """A large circle (label 0, radius 1) around a small one (label 1, radius `factor`)."""
    where = "make_circles"
    n_samples = integer(n_samples, f"{where}: n_samples", 2)
    noise = nonnegative(noise, f"{where}: noise")
    factor = finite(factor, f"{where}: factor")
    # factor == 1 would put both classes on the same circle (sklearn refuses it too).
    if not 0.0 <= factor < 1.0:
        raise ValueError(f"{where}: factor must be in [0, 1), got {factor!r}")
    rng = random.Random(check_seed(seed, where))
    X: list[list[float]] = []
    y: list[int] = []
    for label, (n, radius) in enumerate(
        ((n_samples // 2, 1.0), (n_samples - n_samples // 2, factor))
    ):
        for i in range(n):
            t = 2.0 * math.pi * i / n
            point = (radius * math.cos(t), radius * math.sin(t))
            X.append([c + rng.gauss(0.0, noise) for c in point])
            y.append(label)
    return _shuffled(X, y, rng)


def make_spirals(
    n_samples: int = 300, n_classes: int = 3, noise: float = 0.2, seed: int | None = 0
) -> Dataset:
    """`n_classes` interleaved spiral arms (CS231n): arm k at angle 2*pi*k/n_classes + 4r.

    Radius r runs evenly over [0, 1] along each arm; `noise` is the standard
    deviation of Gaussian noise on the angle. Class sizes differ by at most one.
    """
    where = "make_spirals"
    n_samples = integer(n_samples, f"{where}: n_samples", 1)
    n_classes = integer(n_classes, f"{where}: n_classes", 1)
    if n_samples < n_classes:
        raise ValueError(
            f"{where}: n_samples must be at least n_classes ({n_classes}), got {n_samples}"
        )
    noise = nonnegative(noise, f"{where}: noise")
    rng = random.Random(check_seed(seed, where))
    X: list[list[float]] = []
    y: list[int] = []
    for label, n in enumerate(_split(n_samples, n_classes)):
        for i in range(n):
            r = i / (n - 1) if n > 1 else 0.0
            t = 2.0 * math.pi * label / n_classes + 4.0 * r + rng.gauss(0.0, noise)
            X.append([r * math.cos(t), r * math.sin(t)])
            y.append(label)
    return _shuffled(X, y, rng)


def make_xor(n_samples: int = 100, noise: float = 0.1, seed: int | None = 0) -> Dataset:
    """Points around the corners (+-1, +-1); label 1 where the corner's signs differ.

    The label belongs to the corner a point was drawn around, so with enough
    noise some points cross an axis: `noise` sets how much the classes overlap.
    """
    where = "make_xor"
    n_samples = integer(n_samples, f"{where}: n_samples", 2)
    noise = nonnegative(noise, f"{where}: noise")
    rng = random.Random(check_seed(seed, where))
    # Going round the square alternates the labels, so the classes stay balanced.
    corners = ((1.0, 1.0), (1.0, -1.0), (-1.0, -1.0), (-1.0, 1.0))
    X: list[list[float]] = []
    y: list[int] = []
    for i in range(n_samples):
        cx, cy = corners[i % 4]
        X.append([cx + rng.gauss(0.0, noise), cy + rng.gauss(0.0, noise)])
        y.append(int((cx > 0) != (cy > 0)))
    return _shuffled(X, y, rng)


def make_blobs(
    n_samples: int = 100,
    centers: int | Sequence[Sequence[float]] = 3,
    n_features: int = 2,
    cluster_std: float = 1.0,
    seed: int | None = 0,
) -> Dataset:
    """Gaussian blobs, label i around center i; cluster sizes differ by at most one.

    `centers` is a count (centers then drawn uniformly from [-10, 10] in each
    feature) or a list of center coordinates, each of length `n_features`.
    """
    where = "make_blobs"
    n_samples = integer(n_samples, f"{where}: n_samples", 1)
    n_features = integer(n_features, f"{where}: n_features", 1)
    cluster_std = nonnegative(cluster_std, f"{where}: cluster_std")
    seed = check_seed(seed, where)
    fixed: list[list[float]] | None = None
    if isinstance(centers, bool):
        raise TypeError(f"{where}: centers must be an int or a list of points, got bool")
    if isinstance(centers, numbers.Integral):
        n_centers = integer(centers, f"{where}: centers", 1)
    elif isinstance(centers, Sequence) and not isinstance(centers, (str, bytes)):
        if not centers:
            raise ValueError(f"{where}: centers must not be empty")
        fixed = []
        for i, center in enumerate(centers):
            if not isinstance(center, Sequence) or isinstance(center, (str, bytes)):
                raise TypeError(
                    f"{where}: centers[{i}] must be a list of numbers, got {type(center).__name__}"
                )
            # Refuse rather than silently ignore an n_features that disagrees with the centers.
            if len(center) != n_features:
                raise ValueError(
                    f"{where}: centers[{i}] has {len(center)} coordinates, "
                    f"n_features is {n_features}"
                )
            fixed.append([finite(c, f"{where}: centers[{i}]") for c in center])
        n_centers = len(fixed)
    else:
        raise TypeError(
            f"{where}: centers must be an int or a list of points, got {type(centers).__name__}"
        )
    if n_samples < n_centers:
        raise ValueError(
            f"{where}: n_samples must be at least the number of centers ({n_centers}), "
            f"got {n_samples}"
        )
    rng = random.Random(seed)
    if fixed is None:
        fixed = [[rng.uniform(-10.0, 10.0) for _ in range(n_features)] for _ in range(n_centers)]
    X: list[list[float]] = []
    y: list[int] = []
    for label, (center, n) in enumerate(zip(fixed, _split(n_samples, n_centers))):
        for _ in range(n):
            X.append([c + rng.gauss(0.0, cluster_std) for c in center])
            y.append(label)
    return _shuffled(X, y, rng)


def train_test_split(
    X: Sequence[Any],
    y: Sequence[Any],
    test_size: float | int = 0.25,
    seed: int | None = 0,
    shuffle: bool = True,
) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
    """(X_train, X_test, y_train, y_test), as sklearn; rows are shared with X, not copied.

    `test_size` is a fraction in (0, 1) (the test set gets the count rounded up,
    as sklearn) or a count in [1, len(X) - 1]. Without `shuffle` the test set is
    the last samples.
    """
    where = "train_test_split"
    n = _check_xy(X, y, where)
    shuffle = boolean(shuffle, f"{where}: shuffle")
    seed = check_seed(seed, where)
    if n < 2:
        raise ValueError(f"{where}: need at least 2 samples to split, got {n}")
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
        raise TypeError(
            f"{where}: test_size must be a float fraction or an int count, "
            f"got {type(test_size).__name__}"
        )
    if isinstance(test_size, numbers.Integral):
        n_test = int(test_size)
        if not 1 <= n_test <= n - 1:
            raise ValueError(f"{where}: test_size as a count must be in [1, {n - 1}], got {n_test}")
    else:
        if not 0.0 < test_size < 1.0:
            raise ValueError(
                f"{where}: test_size as a fraction must be in (0, 1), got {test_size!r}"
            )
        n_test = math.ceil(test_size * n)
        if n_test >= n:
            raise ValueError(
                f"{where}: test_size={test_size!r} of {n} samples leaves no training samples"
            )
    order = list(range(n))
    if shuffle:
        random.Random(seed).shuffle(order)
        test, train = order[:n_test], order[n_test:]
    else:
        train, test = order[: n - n_test], order[n - n_test :]
    return (
        [X[i] for i in train],
        [X[i] for i in test],
        [y[i] for i in train],
        [y[i] for i in test],
    )


def batches(
    X: Sequence[Any],
    y: Sequence[Any],
    batch_size: int,
    shuffle: bool = True,
    seed: int | None = None,
    drop_last: bool = False,
) -> Iterator[tuple[list[Any], list[Any]]]:
    """(X_batch, y_batch) pairs covering every sample once; the last may be short.

    Shuffles with `random.Random(seed)` when `shuffle` (so seed=None differs per
    call); `drop_last` drops a final batch shorter than `batch_size`.
    """
    where = "batches"
    n = _check_xy(X, y, where)
    batch_size = integer(batch_size, f"{where}: batch_size", 1)
    shuffle = boolean(shuffle, f"{where}: shuffle")
    seed = check_seed(seed, where)
    drop_last = boolean(drop_last, f"{where}: drop_last")
    order = list(range(n))
    if shuffle:
        random.Random(seed).shuffle(order)
    stop = n - n % batch_size if drop_last else n
    # A separate generator, so that bad arguments raise at the call, not at the first next().
    return _batches(X, y, order, batch_size, stop)


def _batches(
    X: Sequence[Any], y: Sequence[Any], order: list[int], batch_size: int, stop: int
) -> Iterator[tuple[list[Any], list[Any]]]:
    for start in range(0, stop, batch_size):
        chunk = order[start : start + batch_size]
        yield [X[i] for i in chunk], [y[i] for i in chunk]

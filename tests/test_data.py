"""nn.data: toy datasets (determinism, shape, balance, geometry), splitting and batching."""

from __future__ import annotations

import math
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn.data import (
    batches,
    make_blobs,
    make_circles,
    make_moons,
    make_spirals,
    make_xor,
    train_test_split,
)

# (generator, kwargs for a small dataset, number of classes, number of features)
DATASETS = [
    (make_moons, {"n_samples": 41}, 2, 2),
    (make_circles, {"n_samples": 41}, 2, 2),
    (make_spirals, {"n_samples": 41, "n_classes": 4}, 4, 2),
    (make_xor, {"n_samples": 41}, 2, 2),
    (make_blobs, {"n_samples": 41, "centers": 3}, 3, 2),
    (make_blobs, {"n_samples": 41, "centers": 5, "n_features": 3}, 5, 3),
]
IDS = [f"{fn.__name__}-{kw}" for fn, kw, _, _ in DATASETS]


@pytest.mark.parametrize("fn, kwargs, k, d", DATASETS, ids=IDS)
def test_same_seed_same_data_other_seed_other_data(fn, kwargs, k, d):
    assert fn(**kwargs, seed=3) == fn(**kwargs, seed=3)
    assert fn(**kwargs, seed=3) != fn(**kwargs, seed=4)
    assert fn(**kwargs) == fn(**kwargs, seed=0)  # the documented default seed


@pytest.mark.parametrize("fn, kwargs, k, d", DATASETS, ids=IDS)
def test_shapes_types_and_balanced_labels(fn, kwargs, k, d):
    X, y = fn(**kwargs)
    assert len(X) == len(y) == kwargs["n_samples"]
    assert all(len(row) == d and all(type(c) is float for c in row) for row in X)
    counts = Counter(y)
    assert all(type(label) is int for label in y) and sorted(counts) == list(range(k))
    assert max(counts.values()) - min(counts.values()) <= 1


@pytest.mark.parametrize("fn, kwargs, k, d", DATASETS, ids=IDS)
def test_samples_are_shuffled(fn, kwargs, k, d):
    _, y = fn(**kwargs)
    assert y != sorted(y)


def test_make_moons_is_unchanged():
    # Values recorded before the other datasets were added: other code depends on them.
    X, y = make_moons(6, noise=0.1, seed=0)
    assert y == [1, 1, 1, 0, 0, 0]
    assert X[0] == pytest.approx([0.0179196, 0.4168901], abs=1e-6)
    assert X[2] == pytest.approx([2.0993250, 0.4353018], abs=1e-6)


def test_circles_lie_on_radius_one_and_factor():
    X, y = make_circles(50, noise=0.0, factor=0.3)
    for (a, b), label in zip(X, y):
        assert math.hypot(a, b) == pytest.approx(1.0 if label == 0 else 0.3)
    assert Counter(y) == {0: 25, 1: 25}
    X, y = make_circles(400, noise=0.05, factor=0.5, seed=1)
    mean_radius = [
        sum(math.hypot(*p) for p, lab in zip(X, y) if lab == c) / y.count(c) for c in (0, 1)
    ]
    assert mean_radius == pytest.approx([1.0, 0.5], abs=0.02)


def test_spiral_arms_follow_angle_2pi_k_over_n_plus_4r():
    n_classes = 3
    X, y = make_spirals(90, n_classes=n_classes, noise=0.0)
    radii = sorted(math.hypot(*p) for p, label in zip(X, y) if label == 1)
    assert radii[0] == pytest.approx(0.0, abs=1e-12) and radii[-1] == pytest.approx(1.0)
    for (a, b), label in zip(X, y):
        r = math.hypot(a, b)
        if r > 1e-9:
            want = 2 * math.pi * label / n_classes + 4 * r
            turn = (math.atan2(b, a) - want) / (2 * math.pi)
            assert turn == pytest.approx(round(turn), abs=1e-9)
    assert sorted(Counter(make_spirals(100, n_classes=3)[1]).values()) == [33, 33, 34]


def test_xor_points_sit_on_the_corners_and_labels_follow_the_sign_rule():
    X, y = make_xor(40, noise=0.0)
    assert all(abs(a) == 1.0 and abs(b) == 1.0 for a, b in X)
    assert all(label == int((a > 0) != (b > 0)) for (a, b), label in zip(X, y))
    assert Counter(map(tuple, X)) == {(1, 1): 10, (1, -1): 10, (-1, -1): 10, (-1, 1): 10}
    X, y = make_xor(400, noise=0.1, seed=2)  # 10 standard deviations from an axis: no crossings
    assert all(label == int((a > 0) != (b > 0)) for (a, b), label in zip(X, y))


def test_blobs_gather_around_their_centers():
    centers = [[0.0, 0.0], [5.0, 5.0], [-5.0, 10.0]]
    X, y = make_blobs(300, centers=centers, cluster_std=0.5, seed=1)
    for label, center in enumerate(centers):
        points = [p for p, lab in zip(X, y) if lab == label]
        mean = [sum(c) / len(points) for c in zip(*points)]
        assert mean == pytest.approx(center, abs=0.2)
        assert all(math.dist(p, center) < 3.0 for p in points)  # 6 standard deviations
    X, y = make_blobs(20, centers=4, n_features=3, cluster_std=0.0, seed=5)
    found = {tuple(p): label for p, label in zip(X, y)}
    assert len(found) == 4 and all(-10 <= c <= 10 for p in found for c in p)
    assert sorted(found.values()) == [0, 1, 2, 3]


def test_train_test_split_sizes_disjoint_coverage_and_pairing():
    X = [[float(i)] for i in range(10)]
    y = list(range(10))
    X_train, X_test, y_train, y_test = train_test_split(X, y)
    assert (len(X_train), len(X_test)) == (7, 3)  # the test count is rounded up, as sklearn
    assert sorted(y_train + y_test) == y and not set(y_train) & set(y_test)
    assert all(row == [float(label)] for row, label in zip(X_train + X_test, y_train + y_test))
    assert train_test_split(X, y, test_size=4)[3].__len__() == 4
    assert train_test_split(X, y, seed=1) == train_test_split(X, y, seed=1)
    assert train_test_split(X, y, seed=1) != train_test_split(X, y, seed=2)
    assert train_test_split(X, y, test_size=0.2, shuffle=False)[2:] == (y[:8], y[8:])


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 60),
    test_size=st.one_of(st.floats(0.01, 0.99), st.integers(1, 59)),
    seed=st.integers(0, 5),
)
def test_train_test_split_partitions_any_size(n, test_size, seed):
    y = list(range(n))
    n_test = test_size if isinstance(test_size, int) else math.ceil(test_size * n)
    if n_test >= n:
        with pytest.raises(ValueError, match="train_test_split"):
            train_test_split(y, y, test_size=test_size, seed=seed)
        return
    X_train, X_test, y_train, y_test = train_test_split(y, y, test_size=test_size, seed=seed)
    assert X_train == y_train and X_test == y_test
    assert len(y_test) == n_test and sorted(y_train + y_test) == y and y_train


@settings(max_examples=100, deadline=None)
@given(
    n=st.integers(0, 50),
    batch_size=st.integers(1, 60),
    shuffle=st.booleans(),
    seed=st.one_of(st.none(), st.integers(0, 10)),
)
def test_batches_cover_every_sample_once_per_call(n, batch_size, shuffle, seed):
    X = [[float(i)] for i in range(n)]
    y = list(range(n))
    for _ in range(2):  # each call is a fresh epoch
        got = list(batches(X, y, batch_size, shuffle=shuffle, seed=seed))
        assert sorted(label for _, yb in got for label in yb) == y
        assert all(xb == [[float(label)] for label in yb] for xb, yb in got)
        assert all(len(yb) == batch_size for _, yb in got[:-1])
        assert len(got) == math.ceil(n / batch_size)
    if not shuffle:
        assert [label for _, yb in got for label in yb] == y
    kept = list(batches(X, y, batch_size, shuffle=shuffle, seed=seed, drop_last=True))
    assert len(kept) == n // batch_size and all(len(yb) == batch_size for _, yb in kept)
    labels = [label for _, yb in kept for label in yb]
    assert len(set(labels)) == len(labels) == n - n % batch_size


def test_batches_shuffle_by_seed():
    y = list(range(30))
    first = list(batches(y, y, 7, seed=1))
    assert first == list(batches(y, y, 7, seed=1)) != list(batches(y, y, 7, seed=2))
    assert [label for _, yb in first for label in yb] != y


BAD = [
    (make_circles, {"n_samples": 1}, ValueError, "make_circles: n_samples must be at least 2"),
    (make_circles, {"n_samples": 10.0}, TypeError, "make_circles: n_samples must be an int"),
    (make_circles, {"noise": -0.1}, ValueError, "make_circles: noise must be >= 0"),
    (make_circles, {"factor": 1.0}, ValueError, r"make_circles: factor must be in \[0, 1\)"),
    (make_circles, {"seed": "a"}, TypeError, "make_circles: seed"),
    (make_spirals, {"n_samples": 2, "n_classes": 3}, ValueError, "make_spirals: n_samples .* 2"),
    (make_spirals, {"n_classes": 0}, ValueError, "make_spirals: n_classes .* 0"),
    (make_spirals, {"noise": float("nan")}, ValueError, "make_spirals: noise .* nan"),
    (make_spirals, {"noise": True}, TypeError, "make_spirals: noise .* bool"),
    (make_xor, {"n_samples": 0}, ValueError, "make_xor: n_samples .* 0"),
    (make_xor, {"noise": "0.1"}, TypeError, "make_xor: noise"),
    (make_blobs, {"n_samples": 2, "centers": 3}, ValueError, "make_blobs: n_samples .* 2"),
    (make_blobs, {"centers": 0}, ValueError, "make_blobs: centers .* 0"),
    (make_blobs, {"centers": []}, ValueError, "make_blobs: centers must not be empty"),
    (make_blobs, {"centers": [[0, 0], [1]]}, ValueError, r"make_blobs: centers\[1\] has 1"),
    (make_blobs, {"centers": [[0, "x"]]}, TypeError, r"make_blobs: centers\[0\]"),
    (make_blobs, {"centers": 2.5}, TypeError, "make_blobs: centers .* float"),
    (make_blobs, {"cluster_std": -1}, ValueError, "make_blobs: cluster_std .* -1"),
    (make_blobs, {"n_features": 0}, ValueError, "make_blobs: n_features .* 0"),
    (train_test_split, {"X": [1, 2], "y": [1]}, ValueError, "train_test_split: .* 2 and 1"),
    (train_test_split, {"X": [1], "y": [1]}, ValueError, "train_test_split: .* 1"),
    (train_test_split, {"X": "ab", "y": [1, 2]}, TypeError, "train_test_split: X"),
    (train_test_split, {"X": [1, 2], "y": [1, 2], "test_size": 1.0}, ValueError, "1.0"),
    (train_test_split, {"X": [1, 2], "y": [1, 2], "test_size": 2}, ValueError, "got 2"),
    (train_test_split, {"X": [1, 2], "y": [1, 2], "test_size": "a"}, TypeError, "test_size"),
    (train_test_split, {"X": [1, 2], "y": [1, 2], "shuffle": 1}, TypeError, "shuffle"),
    (batches, {"X": [1], "y": [1], "batch_size": 0}, ValueError, "batches: batch_size .* 0"),
    (batches, {"X": [1], "y": [1], "batch_size": 1.0}, TypeError, "batches: batch_size"),
    (batches, {"X": [1], "y": [1, 2], "batch_size": 1}, ValueError, "batches: .* 1 and 2"),
    (batches, {"X": {1: 1}, "y": [1], "batch_size": 1}, TypeError, "batches: X"),
    (batches, {"X": [1], "y": [1], "batch_size": 1, "seed": 1.5}, TypeError, "batches: seed"),
    (batches, {"X": [1], "y": [1], "batch_size": 1, "drop_last": None}, TypeError, "drop_last"),
]


@pytest.mark.parametrize("fn, kwargs, error, match", BAD, ids=[str(b[1]) for b in BAD])
def test_bad_arguments_raise_at_the_call_naming_function_and_value(fn, kwargs, error, match):
    with pytest.raises(error, match=match):
        fn(**kwargs)  # batches too: its checks run before the first next()

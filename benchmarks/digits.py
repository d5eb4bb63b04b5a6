"""The digits demo's training against the same training in PyTorch float64.

demos/digits.py trains MLP(64, [32, 10]) (Kaiming initialisation) on 1,437 of
scikit-learn's 8x8 digits with cross-entropy, Adam (lr 0.01) and StepLR over
mini-batches of 32, for 20 epochs, with `fit(..., compile=True)`. PyTorch runs
the same training: the same initial weights (`MLP.to_torch()`), the same
batches in the same order (nn.data.batches with fit's seeds), the same
optimizer and schedule, float64, one thread, in the loop its users write.
fit also measures gradient health every step and accuracy every epoch; that
is part of valuegrad's time. The two alternate, round after round, in one
process; medians and ranges of the whole training's seconds are printed, and
both final losses, which agree to rounding.

Run: python benchmarks/digits.py [--rounds N]   (needs the `demos`, `parity` extras)
"""

from __future__ import annotations

import os

for _threads in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")  # before numpy starts: one core each, as torch

import argparse  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402

from demos.digits import load_digits  # noqa: E402
from nn import MLP, fit  # noqa: E402
from nn.data import batches, train_test_split  # noqa: E402
from nn.losses import cross_entropy  # noqa: E402
from nn.optim import Adam, StepLR  # noqa: E402

EPOCHS, BATCH, LR, SEED = 20, 32, 0.01, 0


def data():
    X, y, _ = load_digits()
    index = list(range(len(X)))
    train_i, _, _, _ = train_test_split(index, y, test_size=0.2, seed=SEED)
    return [X[i] for i in train_i], [y[i] for i in train_i]


def ours(X, y) -> tuple[float, float]:
    model = MLP(64, [32, 10], init="kaiming", rng=random.Random(SEED))
    optimizer = Adam(model.parameters(), lr=LR)
    schedule = StepLR(optimizer, step_size=EPOCHS // 2, gamma=0.3)
    t0 = time.perf_counter()
    history = fit(
        model,
        X,
        y,
        cross_entropy,
        optimizer,
        EPOCHS,
        batch_size=BATCH,
        scheduler=schedule,
        seed=SEED,
        progress=False,
        compile=True,
    )
    return time.perf_counter() - t0, history.loss[-1]


def pytorch(X, y) -> tuple[float, float]:
    net = MLP(64, [32, 10], init="kaiming", rng=random.Random(SEED)).to_torch()
    optimizer = torch.optim.Adam(net.parameters(), lr=LR)
    schedule = torch.optim.lr_scheduler.StepLR(optimizer, step_size=EPOCHS // 2, gamma=0.3)
    f64 = torch.float64
    t0 = time.perf_counter()
    for epoch in range(EPOCHS):
        total = 0.0
        for Xb, yb in batches(X, y, BATCH, shuffle=True, seed=SEED + epoch):
            inputs, targets = torch.tensor(Xb, dtype=f64), torch.tensor(yb)
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(inputs), targets)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(Xb)
        schedule.step()
    return time.perf_counter() - t0, total / len(X)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    X, y = data()
    times: dict[str, list[float]] = {"valuegrad": [], "pytorch": []}
    losses = {}
    for _ in range(args.rounds):
        for name, train in (("valuegrad", ours), ("pytorch", pytorch)):
            seconds, losses[name] = train(X, y)
            times[name].append(seconds)
    steps = EPOCHS * -(-len(X) // BATCH)
    print(f"digits: MLP(64, [32, 10]), {len(X)} images, {EPOCHS} epochs, {steps} Adam steps")
    print("  whole training, seconds: median (range); final epoch's mean loss")
    for name, ts in times.items():
        print(
            f"  {name:<10} {statistics.median(ts):7.3f} ({min(ts):.3f}-{max(ts):.3f})"
            f"   loss {losses[name]:.10f}"
        )
    ratio = statistics.median(times["valuegrad"]) / statistics.median(times["pytorch"])
    print(f"  valuegrad / PyTorch = {ratio:.2f}")
    return {"ratio": ratio, "losses": losses, "times": times}


if __name__ == "__main__":
    main()

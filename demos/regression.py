"""Regression: a tanh MLP fits sin(x) from noisy samples with the mean squared error and Adam.

Writes out/regression_fit.png (the noisy training data, the true curve and
the network's fit).
"""

from __future__ import annotations

import math
import random

from demos._common import parser, pyplot, save
from nn import MLP, fit
from nn.data import train_test_split
from nn.losses import mse
from nn.optim import Adam, ExponentialLR


def main(argv: list[str] | None = None) -> dict:
    p = parser(__doc__, epochs=150, seed=0)
    p.add_argument("--samples", type=int, default=120)
    args = p.parse_args(argv)

    rng = random.Random(args.seed)
    X = [[rng.uniform(-math.pi, math.pi)] for _ in range(args.samples)]
    y = [math.sin(x[0]) + rng.gauss(0.0, 0.1) for x in X]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=args.seed)
    model = MLP(1, [16, 16, 1], activation="tanh", init="xavier", rng=rng)
    optimizer = Adam(model.parameters(), lr=0.02)
    history = fit(
        model,
        X_train,
        y_train,
        mse,
        optimizer,
        args.epochs,
        batch_size=16,
        scheduler=ExponentialLR(optimizer, gamma=0.98),
        seed=args.seed,
    )

    test_mse = mse([model(x) for x in X_test], y_test).data
    # Against the noise-free curve too: how close the fit is to sin itself.
    grid = [[-math.pi + 2 * math.pi * i / 199] for i in range(200)]
    fitted = [model(x).data for x in grid]
    truth_mse = sum((f - math.sin(x[0])) ** 2 for f, x in zip(fitted, grid)) / len(grid)
    print(
        f"regression: {history.epochs} epochs, test MSE {test_mse:.4f} "
        f"(noise variance 0.01), MSE against sin(x) {truth_mse:.4f}"
    )
    if not args.no_plot:
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(7, 4))
        ax.scatter(
            [x[0] for x in X_train], y_train, s=12, color="C0", alpha=0.6, label="training data"
        )
        ax.scatter([x[0] for x in X_test], y_test, s=14, color="C1", alpha=0.8, label="test data")
        ax.plot([x[0] for x in grid], [math.sin(x[0]) for x in grid], "k--", lw=1, label="sin(x)")
        ax.plot([x[0] for x in grid], fitted, color="C3", lw=2, label="MLP(1, [16, 16, 1])")
        ax.set(title=f"Fitting sin(x): test MSE {test_mse:.4f}", xlabel="x")
        ax.legend(fontsize=8)
        print(f"wrote {save(fig, args.out, 'regression_fit.png')}")
    return {"test_mse": test_mse, "truth_mse": truth_mse}


if __name__ == "__main__":
    main()

"""Newton's method (with autograd.hessian) against gradient descent on the Rosenbrock function.

Second derivatives tell Newton's method the curvature, so it takes a handful of
steps down the curved valley where gradient descent, with a learning rate small
enough to stay stable, crawls for thousands.
"""

from __future__ import annotations

from pathlib import Path

from tqdm import tqdm

from autograd import grad, hessian, value_and_grad
from demos._common import parser, pyplot, save


def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def newton_step(x: float, y: float) -> tuple[float, float]:
    """x - H^-1 g, solving the 2 x 2 system by hand."""
    gx, gy = grad(rosenbrock, argnums=(0, 1))(x, y)
    (a, b), (c, d) = hessian(rosenbrock)(x, y)
    det = a * d - b * c
    return x - (d * gx - b * gy) / det, y - (a * gy - c * gx) / det


def descend(step, start, max_iters, tol, progress=None):
    """Iterate `step` from `start` until the loss is below `tol`; the path and the losses."""
    path, losses = [start], [rosenbrock(*start)]
    for _ in range(max_iters):
        if losses[-1] < tol:
            break
        path.append(step(*path[-1]))
        losses.append(rosenbrock(*path[-1]))
        if progress:
            progress.update()
    return path, losses


def main(argv: list[str] | None = None) -> dict:
    p = parser(__doc__, epochs=100_000)  # --epochs: the iteration cap; --seed: unused here
    p.add_argument("--lr", type=float, default=1e-3, help="gradient descent's learning rate")
    p.add_argument("--tol", type=float, default=1e-10, help="stop when the loss is below this")
    args = p.parse_args(argv)
    start = (-1.2, 1.0)

    def gd_step(x, y):
        _, (gx, gy) = value_and_grad(rosenbrock, argnums=(0, 1))(x, y)
        return x - args.lr * gx, y - args.lr * gy

    newton_path, newton_losses = descend(newton_step, start, args.epochs, args.tol)
    with tqdm(total=args.epochs, desc="gradient descent", leave=False) as bar:
        gd_path, gd_losses = descend(gd_step, start, args.epochs, args.tol, bar)

    def report(name, losses):
        status = "converged" if losses[-1] < args.tol else "not converged"
        print(f"{name:>17}: {len(losses) - 1:6d} iterations, loss {losses[-1]:.3g} ({status})")

    print(f"Rosenbrock from {start}, stopping at loss < {args.tol:g}:")
    report("Newton", newton_losses)
    report(f"gradient descent (lr {args.lr:g})", gd_losses)
    if not args.no_plot:
        print(f"plot: {plot(newton_path, newton_losses, gd_path, gd_losses, args.out)}")
    return {
        "newton_iterations": len(newton_losses) - 1,
        "newton_loss": newton_losses[-1],
        "gd_iterations": len(gd_losses) - 1,
        "gd_loss": gd_losses[-1],
    }


def plot(newton_path, newton_losses, gd_path, gd_losses, out: Path) -> Path:
    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    xs = [-2 + 4 * i / 199 for i in range(200)]
    ys = [-3.5 + 7 * i / 199 for i in range(200)]
    zs = [[rosenbrock(x, y) for x in xs] for y in ys]
    left.contour(
        xs,
        ys,
        zs,
        levels=[2.0**k for k in range(-3, 13)],
        cmap="viridis",
        linewidths=0.7,
        alpha=0.5,
    )
    for path, style, name in (
        (gd_path, "C1-", "gradient descent"),
        (newton_path, "C3o-", "Newton"),
    ):
        left.plot([p[0] for p in path], [p[1] for p in path], style, ms=4, lw=1.2, label=name)
    left.plot([1], [1], "k*", ms=12, label="minimum (1, 1)")
    left.set(title="Paths on the Rosenbrock function", xlabel="x", ylabel="y")
    left.legend(loc="lower left")
    for losses, style, name in (
        (gd_losses, "C1-", "gradient descent"),
        (newton_losses, "C3o-", "Newton"),
    ):
        right.semilogy(
            range(len(losses)), [max(v, 1e-300) for v in losses], style, ms=4, label=name
        )
    right.set(
        title="Loss per iteration", xlabel="iteration", ylabel="loss (log scale)", xscale="symlog"
    )
    right.legend()
    fig.tight_layout()
    return save(fig, out, "newton.png")


if __name__ == "__main__":
    main()

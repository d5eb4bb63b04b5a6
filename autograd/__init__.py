"""valuegrad's autograd: a scalar reverse-mode automatic differentiation engine.

- Values and ops: Value (a scalar in a graph; `.backward()`), Op, primitive (an op
  of your own), ops (every op as a function), dot, sum, logsumexp (n-ary ops).
- Gradient modes: no_grad, enable_grad, set_grad_enabled, inference_mode,
  is_grad_enabled, detect_anomaly; TracerWarning (what autograd.compile warns).
- Transforms: grad, value_and_grad, vjp, jvp, linearize, jacobian, jacrev,
  jacfwd, hessian, hvp; custom_vjp, custom_jvp, checkpoint.
- Checking: gradcheck, gradgradcheck, GradcheckError; autograd.testing
  (hypothesis strategies; the `testing` extra).
- Pictures: draw, to_svg, explain, explore.
- Speed: compile (trace a function once, replay it over numpy batches; the
  `compile` extra), export (a compiled step as a torch module), gc_paused.

`sum` and `compile` are not in `__all__`, so that `from autograd import *` does
not hide Python's built-ins of those names: write `autograd.sum`, `autograd.compile`.
"""

__valuegrad__ = "0.1.0"  # valuegrad's version; also how `import nn` tells this autograd from HIPS's

from typing import TYPE_CHECKING

from autograd import ops
from autograd.check import GradcheckError, gradcheck, gradgradcheck
from autograd.collector import gc_paused
from autograd.engine import (
    Op,
    Value,
    dot,
    logsumexp,
)
from autograd.engine import sum as sum  # noqa: A004 - kept out of __all__; `as`: re-exported
from autograd.explorer import explain, explore
from autograd.functional import (
    grad,
    hessian,
    hvp,
    jacfwd,
    jacobian,
    jacrev,
    jvp,
    linearize,
    value_and_grad,
    vjp,
)
from autograd.mode import (
    TracerWarning,
    detect_anomaly,
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from autograd.ops import primitive
from autograd.rules import checkpoint, custom_jvp, custom_vjp
from autograd.viz import draw, to_svg

if TYPE_CHECKING:
    # made on first use, by __getattr__: type checkers see them here, and see no
    # __getattr__ (with one, they would take any misspelt name for a lazy one)
    from autograd import export as export
    from autograd.compiler import compile as compile  # noqa: A004
else:

    def __getattr__(name: str) -> object:
        # autograd.compile needs numpy: imported on first use, so `import autograd` does not.
        if name == "compile":
            from autograd.compiler import compile  # noqa: A004 - autograd.compile, as torch.compile

            return compile
        if name == "export":  # autograd.export.to_torch: numpy now, torch when a module is made
            import autograd.export

            return autograd.export
        raise AttributeError(f"module 'autograd' has no attribute {name!r}")


del TYPE_CHECKING  # read above only; not one of autograd's names


def __dir__() -> list[str]:
    return sorted({*globals(), "compile", "export"})  # the names made on first use, too


__all__ = [
    "gc_paused",
    "custom_vjp",
    "custom_jvp",
    "checkpoint",
    "set_grad_enabled",
    "inference_mode",
    "vjp",
    "linearize",
    "jvp",
    "jacrev",
    "jacfwd",
    "GradcheckError",
    "Op",
    "TracerWarning",
    "Value",
    "detect_anomaly",
    "dot",
    "draw",
    "explain",
    "explore",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "hessian",
    "hvp",
    "is_grad_enabled",
    "jacobian",
    "logsumexp",
    "no_grad",
    "ops",
    "primitive",
    "to_svg",
    "value_and_grad",
]

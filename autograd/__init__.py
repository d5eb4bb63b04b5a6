"""valuegrad's autograd: a scalar reverse-mode automatic differentiation engine."""

from autograd.engine import (
    Value,
    dot,
    is_grad_enabled,
    no_grad,
    sum,  # noqa: A004, F401 - autograd.sum, kept out of __all__
)

__all__ = ["Value", "dot", "is_grad_enabled", "no_grad"]

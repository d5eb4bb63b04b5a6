"""Optional dependencies: each is imported where a feature needs it, and a missing one
says which extra of the valuegrad package brings it:

    try:
        import numpy as np
    except ModuleNotFoundError as error:
        raise missing(error, "autograd.compile") from None
"""

from __future__ import annotations

# module -> the extra that installs it
EXTRAS = {"numpy": "compile", "hypothesis": "testing", "torch": "torch"}


def missing(error: ModuleNotFoundError, feature: str) -> ImportError:
    """The error to raise for `error`: an ImportError naming the extra to install when
    the missing module is one of ours to name, else `error` itself."""
    extra = EXTRAS.get(error.name or "")
    if extra is None:
        return error  # something else is missing: say so unchanged
    return ImportError(
        f'{feature} needs {error.name}, which is not installed: pip install "valuegrad[{extra}]"'
    )

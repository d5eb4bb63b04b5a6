"""valuegrad's `autograd` shares its import name with HIPS autograd (the pip package
`autograd`): installing one over the other breaks both. `import nn` checks that the
`autograd` it finds is valuegrad's and, if not, says what happened and what to do."""

from __future__ import annotations

from types import ModuleType

import autograd

VENV = "python -m venv .venv && . .venv/bin/activate && pip install valuegrad"


def check(found: ModuleType) -> None:
    """Raise ImportError unless `found` (the module `import autograd` gave) is valuegrad's."""
    if getattr(found, "__valuegrad__", None) is not None:
        return
    where = getattr(found, "__file__", None)
    if where is None:  # a namespace package: the folder is there, its __init__.py is not
        folders = ", ".join(getattr(found, "__path__", []))
        what = (
            f"the autograd folder at {folders} has no __init__.py: uninstalling HIPS "
            "autograd (the pip package `autograd`, which has the same import name) deletes "
            "valuegrad's"
        )
        fix = (
            "reinstall valuegrad: pip install --force-reinstall valuegrad "
            "(pip install -e . in a clone)"
        )
    elif hasattr(found, "elementwise_grad"):
        what = (
            f"the autograd at {where} is HIPS autograd (the pip package `autograd`), which "
            "has the same import name; installed together, one overwrites the other"
        )
        fix = (
            f"use a virtual environment without it ({VENV}), or pip uninstall autograd and "
            "then pip install --force-reinstall valuegrad"
        )
    else:
        what = (
            f"the autograd found at {where} is not valuegrad's: a file or folder named "
            "autograd in the working folder (or on sys.path) shadows it"
        )
        fix = "rename that file or folder, or run from another folder"
    raise ImportError(f"nn needs valuegrad's autograd, but {what}. To fix: {fix}.")


check(autograd)

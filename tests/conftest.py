"""Shared fixtures. `make test` sets VALUEGRAD_REQUIRE_EXTRAS=1: a missing extra then
fails the run instead of skipping the tests that need it."""

import importlib
import os

import pytest


def _extra(module: str):
    if os.environ.get("VALUEGRAD_REQUIRE_EXTRAS"):
        return importlib.import_module(module)
    return pytest.importorskip(module)


@pytest.fixture(scope="session")
def torch():
    """PyTorch (the parity extra), set to float64 comparisons."""
    return _extra("torch")


@pytest.fixture(scope="session")
def numpy():
    """NumPy (installed with the demos extra, through matplotlib)."""
    return _extra("numpy")


@pytest.fixture(scope="session")
def mpmath():
    """mpmath (the dev extra), at 40 significant digits: the oracle for special functions."""
    module = _extra("mpmath")
    module.mp.dps = 40
    return module

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


@pytest.fixture(scope="module")
def chromium():
    """A headless Chromium (Debian's package; `make test` installs it), driven by Playwright.

    Module-scoped: Playwright's sync API keeps an event loop running while it is open,
    and asyncio.run() in a later test would refuse to start beside it."""
    import shutil

    sync_api = _extra("playwright.sync_api")
    path = os.environ.get("VALUEGRAD_CHROMIUM") or next(
        filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None
    )
    if path is None:
        message = "no Chromium found: apt-get install chromium (or set VALUEGRAD_CHROMIUM)"
        if os.environ.get("VALUEGRAD_REQUIRE_EXTRAS"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield browser
        browser.close()

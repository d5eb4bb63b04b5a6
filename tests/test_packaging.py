"""The package around the code: optional extras named when missing, and the like."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_without(module: str, code: str) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter in which `module` cannot be imported."""
    blocker = f"import sys; sys.modules[{module!r}] = None\n"
    return subprocess.run(
        [sys.executable, "-c", blocker + textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "module, code, feature, extra",
    [
        (
            "numpy",
            "import autograd\nautograd.compile",
            "autograd.compile",
            "compile",
        ),
        (
            "numpy",
            "import autograd.export",
            "autograd.export",
            "compile",
        ),
        (
            "numpy",
            """
            import random
            from nn import MLP, fit
            from nn.losses import mse
            from nn.optim import SGD
            model = MLP(1, [1], rng=random.Random(0))
            fit(model, [[1.0]], [1.0], mse, SGD(model.parameters(), lr=0.1), 1, compile=True)
            """,
            "fit(..., compile=True)",
            "compile",
        ),
        (
            "hypothesis",
            "import autograd.testing",
            "autograd.testing",
            "testing",
        ),
        (
            "torch",
            "import random\nfrom nn import MLP\nMLP(1, [1], rng=random.Random(0)).to_torch()",
            "MLP.to_torch",
            "torch",
        ),
    ],
)
def test_a_missing_extra_is_named(module, code, feature, extra):
    result = run_without(module, code)
    assert result.returncode == 1
    message = f'{feature} needs {module}, which is not installed: pip install "valuegrad[{extra}]"'
    assert result.stderr.strip().splitlines()[-1] == f"ImportError: {message}"


def test_the_core_imports_without_any_extra():
    result = run_without(
        "numpy",
        "import sys; sys.modules['torch'] = sys.modules['hypothesis'] = None\n"
        "import autograd, nn\nprint((autograd.Value(2.0) * 3.0).data)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "6.0\n"


# ---- HIPS autograd, which has the same import name -----------------------------------------


@pytest.fixture(scope="module")
def hips_wheel(tmp_path_factory):
    """HIPS autograd's wheel, downloaded from the package index (never installed here)."""
    folder = tmp_path_factory.mktemp("hips")
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:"]
    result = subprocess.run(
        [*command, "-d", str(folder), "autograd==1.9.1"], capture_output=True, text=True
    )
    if result.returncode != 0:
        message = f"cannot download HIPS autograd: {result.stderr.strip()[-300:]}"
        if os.environ.get("VALUEGRAD_REQUIRE_EXTRAS"):
            pytest.fail(message)
        pytest.skip(message)
    return next(folder.glob("autograd-*.whl"))


def install(wheel: Path, into: Path) -> list[str]:
    """Install a wheel as pip does (unpack it over `into`); returns the files it wrote."""
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(into)
        return archive.namelist()


def import_nn(site: Path, cwd: Path, alone: bool = False) -> str:
    """The last line `import nn` prints to stderr with `site` first on the path.

    `alone`: `site` is the only valuegrad Python can find. The interpreter runs without
    the site module (-S), so the .pth files of this environment, through which its own
    editable install of valuegrad is found whatever its mode, are not read; its
    packages folder stays on the path for numpy, which HIPS autograd imports."""
    packages = sysconfig.get_paths()["purelib"]
    path = f"{site}{os.pathsep}{packages}" if alone else str(site)
    env = {**os.environ, "PYTHONPATH": path}
    command = [sys.executable, *(["-S"] if alone else []), "-c", "import nn"]
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    return result.stderr.strip().splitlines()[-1]


def test_hips_autograd_found_first_is_named(hips_wheel, tmp_path):
    # as when valuegrad is installed in editable mode and HIPS autograd in site-packages
    site = tmp_path / "site"
    install(hips_wheel, site)
    line = import_nn(site, tmp_path)
    assert line == (
        "ImportError: nn needs valuegrad's autograd, but the autograd at "
        f"{site / 'autograd' / '__init__.py'} is HIPS autograd (the pip package `autograd`), "
        "which has the same import name; installed together, one overwrites the other. "
        "To fix: use a virtual environment without it (python -m venv .venv && "
        ". .venv/bin/activate && pip install valuegrad), or pip uninstall autograd and then "
        "pip install --force-reinstall valuegrad."
    )


def test_hips_installed_over_valuegrad_and_uninstalled_again(hips_wheel, tmp_path):
    site = tmp_path / "site"
    for package in ("autograd", "nn"):  # valuegrad installed, as pip lays it out
        shutil.copytree(
            ROOT / package, site / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    written = install(hips_wheel, site)  # HIPS over it: its __init__.py replaces ours
    assert "HIPS autograd" in import_nn(site, tmp_path, alone=True)
    for name in written:  # pip uninstall autograd: what HIPS wrote goes, our __init__ too
        (site / name).unlink()
    line = import_nn(site, tmp_path, alone=True)
    assert line.startswith(
        f"ImportError: nn needs valuegrad's autograd, but the autograd folder at "
        f"{site / 'autograd'} has no __init__.py"
    )
    assert line.endswith(
        "To fix: reinstall valuegrad: pip install --force-reinstall valuegrad "
        "(pip install -e . in a clone)."
    )


def test_a_local_autograd_file_is_named(tmp_path):
    (tmp_path / "autograd.py").write_text("x = 1\n")
    line = import_nn(tmp_path / "empty", tmp_path)  # the working folder comes first
    assert line == (
        "ImportError: nn needs valuegrad's autograd, but the autograd found at "
        f"{tmp_path / 'autograd.py'} is not valuegrad's: a file or folder named autograd in "
        "the working folder (or on sys.path) shadows it. To fix: rename that file or folder, "
        "or run from another folder."
    )


def test_every_public_name_is_listed_and_documented():
    import pydoc

    import autograd

    names = set(dir(autograd))
    assert {"compile", "export", "sum", "Value", "explore"} <= names
    text = pydoc.render_doc(autograd, renderer=pydoc.plaintext)  # what help(autograd) shows
    assert "write `autograd.sum`, `autograd.compile`" in text  # the docstring, indented
    for name in [*autograd.__all__, "sum", "compile", "export"]:
        assert re.search(rf"\b{name}\b", autograd.__doc__), name
    assert not set(autograd.__all__) & {"sum", "compile"}  # star-imports keep the built-ins


# ---- the wheel and the sdist ----------------------------------------------------------------


def run(*command, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """The sdist and the wheel, built as `python -m build` builds them (the wheel from the
    sdist, so a file the sdist leaves out breaks the wheel too)."""
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        message = f"cannot build: {result.stderr.strip()[-500:]}"
        if os.environ.get("VALUEGRAD_REQUIRE_EXTRAS"):
            pytest.fail(message)
        pytest.skip(message)
    return next(out.glob("*.tar.gz")), next(out.glob("*.whl"))


def clean_venv(path: Path) -> Path:
    """A new virtual environment with nothing installed; returns its python."""
    run(sys.executable, "-m", "venv", path)
    return path / "bin" / "python"


USE = """
import autograd, nn, random
x = autograd.Value(2.0)
y = (x * x).tanh()
y.backward()
model = nn.MLP(2, [3, 1], rng=random.Random(0))
model([1.0, 2.0]).backward()
print(autograd.__file__, round(x.grad, 6), len(model.parameters()))
"""
EXPECTED = str(round(4.0 * (1 - math.tanh(4.0) ** 2), 6))  # d/dx tanh(x * x) at 2


def test_the_wheel_installs_into_a_clean_venv_with_what_it_needs(dist, tmp_path):
    sdist, wheel = dist
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert "autograd/explorer.html" in names and "autograd/py.typed" in names
    assert "nn/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert not [n for n in names if n.split("/")[0] in ("tests", "demos", "docs", "benchmarks")]
    python = clean_venv(tmp_path / "venv")
    run(python, "-m", "pip", "install", "--quiet", wheel)
    out = run(python, "-c", USE, cwd=tmp_path).stdout.split()
    assert out[0].startswith(str(tmp_path / "venv")) and out[1:] == [EXPECTED, "13"]
    # the extras are named when missing, in a real install
    result = subprocess.run(
        [python, "-c", "import autograd; autograd.compile"], capture_output=True, text=True
    )
    assert 'pip install "valuegrad[compile]"' in result.stderr


@pytest.mark.slow
def test_the_sdist_installs_and_its_own_tests_pass(dist, tmp_path):
    sdist, _ = dist
    python = clean_venv(tmp_path / "venv")
    run(python, "-m", "pip", "install", "--quiet", sdist)
    out = run(python, "-c", USE, cwd=tmp_path).stdout.split()
    assert out[0].startswith(str(tmp_path / "venv")) and out[1:] == [EXPECTED, "13"]
    # the sdist's own test suite, run on the sdist's code with this environment's extras
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path / "unpacked", filter="data")
    tree = next((tmp_path / "unpacked").iterdir())
    env = {**os.environ, "PYTHONPATH": str(tree)}
    where = run(
        sys.executable, "-c", "import autograd; print(autograd.__file__)", cwd=tree, env=env
    )
    assert where.stdout.strip() == str(tree / "autograd" / "__init__.py")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-x",
            "-p",
            "no:cacheprovider",
            "--ignore=tests/test_packaging.py",
        ],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )
    summary = result.stdout.strip().splitlines()[-1]
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in summary and "failed" not in summary and "error" not in summary

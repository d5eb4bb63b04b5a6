"""Type checking as a user sees it: the documented examples type-check against the
installed package, and an editable install is visible to type checkers.

mypy runs with a user's settings, not this repository's (pyproject.toml's [tool.mypy] is
stricter and checks our own code): an empty `[mypy]` config file in a folder outside the
repository, that is mypy's defaults, and the package seen as installed (in site-packages,
with its py.typed), not as source on MYPYPATH.
"""

import doctest
import os
import re
import shutil
import site
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("mypy", reason="mypy is in the dev extra")

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(python|pycon)\n(.*?)^```", flags=re.S | re.M)


def examples(page: Path) -> dict[str, str]:
    """The page's examples, each a module of its own, as each runs alone (tests/test_docs.py):
    a ```python block as it is, a ```pycon block as its `>>> ` and `... ` lines, as doctest
    reads them, less a statement shown raising (its output a traceback), meant to fail."""
    modules: dict[str, str] = {}
    stem = re.sub(r"\W", "_", page.stem.lower())
    for number, (kind, body) in enumerate(FENCE.findall(page.read_text(encoding="utf-8"))):
        if kind == "pycon":
            examples = doctest.DocTestParser().get_examples(body)
            body = "".join(e.source for e in examples if e.exc_msg is None)
        modules[f"{stem}_block{number}"] = body
    return modules


def user_python(tmp_path: Path) -> Path:
    """A Python whose site-packages hold valuegrad's packages as an install puts them
    (autograd/ and nn/, nothing else of the repository; here links to this tree, so the
    code under test) and, after them, this environment's (numpy, torch, hypothesis)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    installed = tmp_path / "installed"
    installed.mkdir()
    for package in ("autograd", "nn"):
        (installed / package).symlink_to(ROOT / package, target_is_directory=True)
    paths = [installed, *site.getsitepackages()]
    Path(purelib, "valuegrad.pth").write_text("".join(f"{p}\n" for p in paths))
    return python


def mypy(files: list[Path], python: Path, cwd: Path) -> subprocess.CompletedProcess:
    """mypy over `files` with mypy's defaults (an empty config), from outside the repository."""
    config = cwd / "user-mypy.ini"
    config.write_text("[mypy]\n")
    command = [sys.executable, "-m", "mypy", "--config-file", config, "--no-incremental"]
    command += ["--python-executable", python, *files]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True)


def test_every_documented_example_type_checks_against_the_installed_package(tmp_path):
    work = tmp_path / "examples"
    work.mkdir()
    files = []
    for page in PAGES:
        for name, source in examples(page).items():
            files.append(work / f"{name}.py")
            files[-1].write_text(source)
    assert len(files) >= 20, "the pages should keep their examples"
    result = mypy(files, user_python(tmp_path), work)
    errors = set(re.findall(r"^\w+\.py:\d+: error: (.*)$", result.stdout, flags=re.M))
    assert errors == set(KNOWN), result.stdout + result.stderr


# Errors the examples have today, each a fault of the example, to fix in the page (then
# drop it here: the test fails until the two agree).
KNOWN: set[str] = set()


def test_a_wrong_use_is_reported(tmp_path):
    """The check above can fail: a misuse of the package is an error, and the package's
    own types are read (not taken as Any)."""
    work = tmp_path / "examples"
    work.mkdir()
    wrong = work / "wrong.py"
    wrong.write_text(
        textwrap.dedent(
            """
            import autograd
            from autograd import Value, ops

            y: str = ops.exp(Value(1.0))
            z: float = ops.exp(2.0)
            autograd.Valeu(1.0)
            """
        )
    )
    result = mypy([wrong], user_python(tmp_path), work)
    assert result.returncode == 1
    assert 'expression has type "Value", variable has type "str"' in result.stdout
    assert 'Module has no attribute "Valeu"' in result.stdout
    assert "Found 2 errors" in result.stdout  # ops.exp(2.0) is a float


USER = """
import autograd
import nn
from autograd import Value

x = Value(2.0)
(x * x).tanh().backward()
model = nn.MLP(2, [3, 1])
reveal_type(model.parameters())
reveal_type(autograd.ops.exp(x))
"""


@pytest.mark.slow
def test_an_editable_install_is_visible_to_type_checkers(tmp_path):
    """The README's `pip install -e . --config-settings editable_mode=strict`, into a new
    venv, from a copy of the project: mypy, run outside it, finds autograd and nn. A module
    added later is found once the install is run again (strict mode links the files that
    exist at install time; setuptools' default mode, an import hook, no type checker sees)."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, project / name)
    for package in ("autograd", "nn"):
        shutil.copytree(
            ROOT / package, project / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    python = venv / "bin" / "python"
    install = [python, "-m", "pip", "install", "--quiet", "--no-deps", "-e", project]
    install += ["--config-settings", "editable_mode=strict"]

    def run(command: list) -> subprocess.CompletedProcess:
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0 and "install" in command:
            message = f"cannot install: {result.stderr.strip()[-500:]}"
            if os.environ.get("VALUEGRAD_REQUIRE_EXTRAS"):
                pytest.fail(message)
            pytest.skip(message)  # no setuptools to build with (no network, say)
        return result

    run(install)
    user = tmp_path / "user"
    user.mkdir()
    (user / "use.py").write_text(USER)
    result = mypy([user / "use.py"], python, user)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(
        r'Revealed type is "(builtins\.)?list\[autograd.engine.Value\]"', result.stdout
    )
    assert 'Revealed type is "autograd.engine.Value"' in result.stdout

    (project / "nn" / "later.py").write_text('"""Added after the install."""\n\nANSWER = 42\n')
    (user / "later.py").write_text("from nn.later import ANSWER\n\nreveal_type(ANSWER)\n")
    result = mypy([user / "later.py"], python, user)
    assert "nn.later" in result.stdout and result.returncode == 1  # not linked yet
    run(install)  # the install again: now it is
    result = mypy([user / "later.py"], python, user)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r'Revealed type is "(builtins\.)?int"', result.stdout)

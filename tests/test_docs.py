"""Every code example in README.md and docs/*.md runs alone, as a reader would paste it:
each ```pycon block is a doctest with fresh globals (its output is checked), and each
```python block runs in a fresh namespace (its `# -> ` comment lines, if any, are the
lines it must print). The documentation site builds in MkDocs' strict mode."""

from __future__ import annotations

import contextlib
import doctest
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def blocks(kind: str) -> list[tuple[Path, int, str]]:
    """(page, line, code) of every ```kind block of every page."""
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for m in re.finditer(rf"^```{kind}\n(.*?)^```", text, flags=re.S | re.M):
            found.append((page, text[: m.start()].count("\n") + 2, m.group(1)))
    return found


def where(block: tuple[Path, int, str]) -> str:
    page, line, _ = block
    return f"{page.relative_to(ROOT)}:{line}"


@pytest.mark.parametrize("block", blocks("pycon"), ids=where)
def test_each_session_alone_gives_the_output_shown(block):
    page, line, code = block
    parser = doctest.DocTestParser()
    test = parser.get_doctest(code, {"__name__": "docs"}, where(block), str(page), line - 1)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report = io.StringIO()
    runner.run(test, out=report.write)
    assert runner.failures == 0, report.getvalue()


@pytest.mark.parametrize("block", blocks("python"), ids=where)
def test_each_python_block_alone_runs_and_prints_what_it_says(block):
    _, _, code = block
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, where(block), "exec"), {"__name__": "docs"})
    promised = re.findall(r"^# -> (.*)$", code, flags=re.M)
    if promised:
        assert printed.getvalue().splitlines()[-len(promised) :] == promised


def test_the_examples_are_there():
    assert len(blocks("pycon")) >= 15 and len(blocks("python")) >= 8
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert 150 <= readme.count("\n") <= 260  # the front door; the rest is under docs/


def test_the_site_builds_in_strict_mode(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    api = (tmp_path / "api" / "index.html").read_text(encoding="utf-8")
    for name in ("autograd.Value", "autograd.explore", "nn.MLP", "nn.optim.Adam"):
        assert name in api, name

"""Every example in README.md runs: `>>>` sessions are checked with doctest, and
```python blocks are executed."""

import doctest
import importlib.util
import os
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_sessions_give_the_output_shown():
    result = doctest.testfile(str(README), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 20, "the README should keep its examples"
    assert result.failed == 0


def test_readme_python_blocks_run(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks
    # a block that needs PyTorch (autograd.export) runs when the parity extra is installed;
    # `make test` (VALUEGRAD_REQUIRE_EXTRAS=1) runs it always
    torch = importlib.util.find_spec("torch") or os.environ.get("VALUEGRAD_REQUIRE_EXTRAS")
    for number, block in enumerate(blocks):
        if "import torch" in block and not torch:
            continue
        exec(compile(block, f"<README.md python block {number}>", "exec"), {"__name__": "readme"})
    assert "accuracy" in capsys.readouterr().out

"""The design's seams, checked: no module reads another module's underscore names, and
the compiler keeps no table of ops of its own (it reads each node's Op)."""

from __future__ import annotations

import ast
import pathlib

ROOT = pathlib.Path(__file__).parent.parent
MODULES = sorted([*ROOT.glob("autograd/*.py"), *ROOT.glob("nn/*.py")])
PACKAGES = {"autograd", "nn"}


def _private_reads(path: pathlib.Path) -> list[str]:
    """`from autograd.x import _y` and `x._y` (x one of our modules) in the file at path."""
    tree = ast.parse(path.read_text())
    modules = {p.stem for p in MODULES}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in PACKAGES:
            found += [f"{node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules | {"num"}
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            found.append(f"{node.value.id}.{node.attr}")
    return found


def test_no_module_reads_another_modules_underscore_names():
    assert len(MODULES) > 20
    reads = {str(p.relative_to(ROOT)): _private_reads(p) for p in MODULES}
    assert {k: v for k, v in reads.items() if v} == {}


def test_the_compiler_reads_each_nodes_op_and_keeps_no_table():
    source = (ROOT / "autograd" / "compiler.py").read_text()
    assert "node.op.numpy_forward" in source and "node.op.numpy_derivatives" in source
    tree = ast.parse(source)
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    from autograd import engine, mathlib

    ops = {
        name for m in (engine, mathlib) for name, v in vars(m).items() if isinstance(v, engine.Op)
    }
    assert imported & ops <= {"DOT"}  # dot's layers are fused into matrix products

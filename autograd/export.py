"""autograd.export: a compiled program as a PyTorch module, `to_torch(step, *example_args)`.

`autograd.compile` traces one sample's graph into a flat program of steps over
slots (one lane per sample) and blocks (a layer's rows). `to_torch` replays that
program with torch instead of numpy: each op by its torch form (`Op.torch_forward`,
which every built-in op has), a layer as one matrix product, a map over a block
as one call, and the leaves the program captured (a model's parameters) as one
float64 `torch.nn.Parameter`. The module computes what `Compiled.forward` does,
and PyTorch's autograd differentiates it, so a model prototyped here goes on
training on PyTorch's devices, optimizers and distributed training.

This module imports numpy (through autograd.compiler); torch is imported when a
module is made, never by `import autograd`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from autograd.extras import missing

try:
    import numpy as np
except ModuleNotFoundError as error:
    raise missing(error, "autograd.export") from None

from autograd.arguments import short
from autograd.compiler import Compiled, Program
from autograd.engine import Op, Value


def to_torch(compiled: Compiled, *example_args: Any, parameters: Any = None) -> Any:
    """`compiled` (an `autograd.compile(fn)` step) as a `torch.nn.Module`, in float64.

    The module's `forward(*batched_tensors)` takes the arguments `compiled.forward`
    takes (as tensors, or anything `torch.as_tensor` reads) and returns the same
    per-sample outputs: shape (B,), or (B, k) when fn returns k Values.

    `example_args` (batched, as for `compiled.forward`) choose the program traced for
    their shapes, tracing it if need be; without them, the step must have traced
    exactly one. The parameters the program captured are copied, as they are now,
    into the Parameter `theta` (`names[i]` naming theta[i]), and the numbers the
    function wrote itself (the 1 in `1 - y * s`) into the buffer `constants`. With
    `parameters` (a model, Values, (name, Value) pairs as `model.named_parameters()`
    gives, or a {name: Value} mapping) theta holds exactly those, in that order, and
    any other leaf the program reads is a constant.
    """
    if not isinstance(compiled, Compiled):
        raise TypeError(
            "to_torch: expected a step made by autograd.compile, "
            f"got {type(compiled).__name__} {short(compiled)}"
        )
    program = _program(compiled, example_args)
    named = [(p.label, p) for p in program.params] if parameters is None else _named(parameters)
    return _module_class()(program, named)


def _program(compiled: Compiled, args: tuple) -> Program:
    """The program for the shapes of `args` (traced now if need be), or the only one."""
    if args:
        args = tuple(_as_array(a) for a in args)
        compiled.forward(*args)  # checks the arguments, and traces the program for their shapes
        arrays = [np.asarray(a, dtype=float) for a in args]
        return compiled.programs[tuple(None if a.ndim == 1 else a.shape[1] for a in arrays)]
    if len(compiled.programs) == 1:
        return next(iter(compiled.programs.values()))
    if not compiled.programs:
        raise ValueError(
            "to_torch: the step has no traced program yet: call it once, or pass example "
            "batched arguments (to_torch(step, X))"
        )
    shapes = "; ".join(
        ", ".join("(B,)" if n is None else f"(B, {n})" for n in key) for key in compiled.programs
    )
    raise ValueError(
        f"to_torch: the step has a program for each of {len(compiled.programs)} argument "
        f"shapes ({shapes}): pass example batched arguments to choose one"
    )


def _as_array(a: Any) -> Any:
    """A tensor (on any device, with a gradient or not) as a numpy array; the rest as it is."""
    if type(a).__module__.startswith("torch") and hasattr(a, "detach"):
        return a.detach().cpu().numpy()
    return a


def _named(parameters: Any) -> list[tuple[str, Value]]:
    """`parameters` as (name, Value) pairs, each Value once (the first name it has)."""
    if callable(getattr(parameters, "named_parameters", None)):
        items = list(parameters.named_parameters())
    elif isinstance(parameters, Mapping):
        items = list(parameters.items())
    elif isinstance(parameters, Iterable) and not isinstance(parameters, (str, bytes, Value)):
        items = list(parameters)
    else:
        raise TypeError(
            "to_torch: parameters must be a model, Values, (name, Value) pairs or a "
            f"mapping of names to Values, got {type(parameters).__name__} {short(parameters)}"
        )
    named: dict[int, tuple[str, Value]] = {}
    for item in items:
        if isinstance(item, Value):
            item = (item.label, item)
        if not (
            isinstance(item, tuple)
            and len(item) == 2
            and isinstance(item[0], str)
            and isinstance(item[1], Value)
        ):
            raise TypeError(
                "to_torch: parameters must hold Values or (name, Value) pairs, "
                f"got {type(item).__name__} {short(item)}"
            )
        named.setdefault(id(item[1]), item)
    return list(named.values())


def _torch_op(op: Any) -> Op:
    """The op of a node or map step, which must have a torch form."""
    if not isinstance(op, Op):
        raise TypeError(f"to_torch: a step of the program names no op ({short(op)})")
    if op.torch_forward is None:
        raise TypeError(
            f"to_torch: op {str(op)!r} has no torch form (a primitive exports when given "
            "torch_fn=..., an Op of your own when given torch_forward=...)"
        )
    return op


class _Plan:
    """A program's steps as plain data, with index arrays into the leaves (theta, then the
    constants): what a module keeps of the program, nothing of its Values."""

    def __init__(self, program: Program, named: list[tuple[str, Value]]):
        # The leaves, slot by slot after the inputs: the parameters (program.params), then
        # the numbers the function itself wrote (program.constants: (slot, number) pairs).
        first = program.n_inputs
        written = list(getattr(program, "constants", []))
        chosen = {id(p): k for k, (_, p) in enumerate(named)}
        others = [p for p in program.params if id(p) not in chosen]
        self.theta = [p.data for _, p in named]
        self.names = [name for name, _ in named]
        self.constants = [p.data for p in others] + [x for _, x in written]
        at_other = {id(p): len(named) + k for k, p in enumerate(others)}
        where = [chosen.get(id(p), at_other.get(id(p))) for p in program.params]
        where += range(len(named) + len(others), len(named) + len(self.constants))
        if [s for s, _ in written] != list(range(first + len(program.params), first + len(where))):
            raise RuntimeError("to_torch: the program's constants are not after its parameters")
        leaf_at = np.array(where, dtype=np.int64)  # leaf i (slot first + i): its position
        n_leaves = len(where)

        self.inputs: list[tuple[str, int, int | None]] = []  # (kind, slot or block, width)
        for rows in program.input_slots:
            if isinstance(rows, list):
                self.inputs.append(("block", program.row_of[rows[0]][0], len(rows)))
            else:
                self.inputs.append(("slot", rows, None))
        self.row_of = dict(program.row_of)
        self.outputs = list(program.outputs)
        self.single = program.single
        self.indices: dict[str, np.ndarray] = {}  # buffer name -> positions among the leaves
        self.steps: list[tuple] = []
        read: set[int] = set(self.outputs)  # slots read one at a time
        for step in program.steps:
            if step.kind == "node":
                op = _torch_op(step.op)
                self.steps.append(("node", op, step.ctx, tuple(step.ins), step.out))
                read.update(step.ins)
            elif step.kind == "layer":
                k = len(self.steps)
                self.indices[f"weights_{k}"] = leaf_at[np.asarray(step.weights)]
                bias = None
                if step.biases is not None:
                    bias = f"biases_{k}"
                    self.indices[bias] = leaf_at[np.asarray(step.biases)]
                block = program.block_of(tuple(step.ins))
                if block is None:
                    read.update(step.ins)
                ins = tuple(step.ins)
                self.steps.append(("layer", f"weights_{k}", bias, ins, block, step.out))
            else:
                op = _torch_op(step.op)
                self.steps.append(("map", op, step.ctx, step.in_block, step.out))
        # the leaves read one at a time (a node's inputs, say), gathered once per call
        loose = sorted(s for s in read if first <= s < first + n_leaves)
        self.loose = {s: j for j, s in enumerate(loose)}
        self.indices["loose_at"] = leaf_at[np.array([s - first for s in loose], dtype=np.int64)]


@functools.cache
def _module_class() -> type:
    """The module class, made on first use (so that torch is imported only then)."""
    try:
        import torch
    except ModuleNotFoundError as error:
        raise missing(error, "autograd.export.to_torch") from None

    class TorchProgram(torch.nn.Module):
        """A compiled valuegrad program as a torch module (made by autograd.export.to_torch).

        `theta` (a Parameter) holds the program's parameters, `names[i]` naming
        `theta[i]`; `constants` (a buffer) its other leaves. `forward(*batched)`
        computes what the compiled step's `forward` does, in torch.
        """

        theta: torch.nn.Parameter
        constants: torch.Tensor  # a buffer

        def __init__(self, program: Program, named: list[tuple[str, Value]]):
            super().__init__()
            plan = _Plan(program, named)
            f64 = torch.float64
            self.theta = torch.nn.Parameter(torch.tensor(plan.theta, dtype=f64).reshape(-1))
            self.names = plan.names
            self.register_buffer("constants", torch.tensor(plan.constants, dtype=f64).reshape(-1))
            for name, at in plan.indices.items():  # moved by .to(device), not saved
                self.register_buffer(name, torch.as_tensor(at, dtype=torch.long), persistent=False)
            self.inputs, self.steps, self.row_of = plan.inputs, plan.steps, plan.row_of
            self.outputs, self.single, self.loose = plan.outputs, plan.single, plan.loose

        def extra_repr(self) -> str:
            shapes = ", ".join("(B,)" if n is None else f"(B, {n})" for _, _, n in self.inputs)
            return (
                f"inputs {shapes}, {self.theta.numel()} parameters, "
                f"{self.constants.numel()} constants, {len(self.steps)} steps"
            )

        def forward(self, *batched: Any) -> Any:
            xs = self._arguments(batched)
            batch = xs[0].shape[0]
            theta = self.theta
            leaves = theta if self.constants.numel() == 0 else torch.cat([theta, self.constants])
            vals: dict[int, Any] = {}
            mats: dict[int, Any] = {}
            for (kind, where, _), x in zip(self.inputs, xs):
                if kind == "block":
                    mats[where] = x.T
                else:
                    vals[where] = x
            if self.loose:
                scalars = leaves[self.get_buffer("loose_at")]
                for s, j in self.loose.items():
                    vals[s] = scalars[j]

            def value(s: int) -> Any:
                v = vals.get(s)
                if v is None:
                    bid, r = self.row_of[s]
                    v = vals[s] = mats[bid][r]
                return v

            for step in self.steps:
                if step[0] == "node":
                    _, op, ctx, ins, out = step
                    vals[out] = op.torch_forward(torch, ctx, *[value(s) for s in ins])
                elif step[0] == "layer":
                    _, weights, biases, ins, block, out = step
                    if block is not None:
                        rows = mats[block]
                    else:
                        rows = torch.stack([value(s).expand(batch) for s in ins])
                    y = leaves[self.get_buffer(weights)] @ rows
                    if biases is not None:
                        y = y + leaves[self.get_buffer(biases)][:, None]
                    mats[out] = y
                else:
                    _, op, ctx, block, out = step
                    mats[out] = op.torch_forward(torch, ctx, mats[block])
            columns = [value(s).expand(batch) for s in self.outputs]
            return columns[0] if self.single else torch.stack(columns, dim=1)

        def _arguments(self, batched: tuple) -> list:
            """The batched arguments as tensors of theta's dtype and device, shapes checked."""
            if len(batched) != len(self.inputs):
                raise TypeError(
                    f"TorchProgram: takes {len(self.inputs)} batched argument(s), "
                    f"got {len(batched)}"
                )
            theta = self.theta
            xs = [torch.as_tensor(a, dtype=theta.dtype, device=theta.device) for a in batched]
            for i, ((_, _, width), x) in enumerate(zip(self.inputs, xs)):
                want = "(B,)" if width is None else f"(B, {width})"
                if x.ndim != (1 if width is None else 2) or (width and x.shape[1] != width):
                    raise ValueError(
                        f"TorchProgram: argument {i} must have shape {want}, got {tuple(x.shape)}"
                    )
            if len({x.shape[0] for x in xs}) > 1:
                raise ValueError(f"TorchProgram: batch sizes differ: {[x.shape[0] for x in xs]}")
            return xs

    TorchProgram.__module__ = __name__  # pickles as autograd.export.TorchProgram
    TorchProgram.__qualname__ = "TorchProgram"
    return TorchProgram


def __getattr__(name: str) -> Any:
    if name == "TorchProgram":  # the module class, made (and torch imported) on first use
        return _module_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""Two minimal scalar engines, the yardsticks of the eager benchmarks.

`Scalar` is a local-gradient engine in the style of the best-known single-file
scalar GPT (about 40 lines): each node stores its inputs and d(node)/d(input),
computed when the node is made; backward is a topological sort and one loop.
`Tape` is the same without the sort, the floor of a pure-Python engine: nodes
are appended to a tape as they are made and backward walks the tape backwards.
Neither has modes, checks or higher order. benchmarks/transformer_step.py runs
both on a transformer; benchmarks/floor.py runs `Tape` on the moons step.
"""

from __future__ import annotations

import math


class Scalar:
    """A minimal local-gradient engine: a number, its gradient, its inputs, and
    d(self)/d(input) for each input, computed when the node is made."""

    __slots__ = ("data", "grad", "inputs", "local")

    def __init__(self, data, inputs=(), local=()):
        self.data, self.grad, self.inputs, self.local = data, 0.0, inputs, local

    def __add__(self, other):
        other = other if isinstance(other, Scalar) else Scalar(other)
        return Scalar(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = other if isinstance(other, Scalar) else Scalar(other)
        return Scalar(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, k):  # k a number
        return Scalar(self.data**k, (self,), (k * self.data ** (k - 1),))

    def exp(self):
        e = math.exp(self.data)
        return Scalar(e, (self,), (e,))

    def log(self):
        return Scalar(math.log(self.data), (self,), (1.0 / self.data,))

    def relu(self):
        return Scalar(max(self.data, 0.0), (self,), (1.0 if self.data > 0 else 0.0,))

    __radd__, __rmul__ = __add__, __mul__

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + -other

    def __truediv__(self, other):
        return self * other**-1

    def backward(self):
        order, seen, stack = [], {self}, [(self, iter(self.inputs))]
        while stack:  # depth first: each node after everything it depends on
            node, inputs = stack[-1]
            for x in inputs:
                if x not in seen:
                    seen.add(x)
                    stack.append((x, iter(x.inputs)))
                    break
            else:
                stack.pop()
                order.append(node)
        self.grad = 1.0
        for node in reversed(order):
            for x, d in zip(node.inputs, node.local):
                x.grad += d * node.grad


class Tape(Scalar):
    """The floor: the minimal engine without its topological sort. A node made from
    inputs is appended to a tape when made; backward walks the tape backwards (the
    order the nodes were made in is an order in which each comes after its inputs).
    No modes, no checks, no higher order: the least a local-gradient engine can do,
    so no pure-Python engine's speed-up over `Scalar` can exceed this one's by much."""

    __slots__ = ()
    nodes: list = []  # the nodes made from inputs since the last backward

    def __init__(self, data, inputs=(), local=()):
        self.data, self.grad, self.inputs, self.local = data, 0.0, inputs, local
        if inputs:
            Tape.nodes.append(self)

    def __add__(self, other):
        other = other if isinstance(other, Scalar) else Tape(other)
        return Tape(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = other if isinstance(other, Scalar) else Tape(other)
        return Tape(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, k):
        return Tape(self.data**k, (self,), (k * self.data ** (k - 1),))

    def exp(self):
        e = math.exp(self.data)
        return Tape(e, (self,), (e,))

    def log(self):
        return Tape(math.log(self.data), (self,), (1.0 / self.data,))

    def relu(self):
        return Tape(max(self.data, 0.0), (self,), (1.0 if self.data > 0 else 0.0,))

    __radd__, __rmul__ = __add__, __mul__

    def backward(self):
        self.grad = 1.0
        for node in reversed(Tape.nodes):
            g = node.grad
            if g:
                for x, d in zip(node.inputs, node.local):
                    x.grad += d * g
        Tape.nodes = []

"""The pieces of a small transformer, built from Value ops: Linear, Embedding, RMSNorm and
causal self-attention, with PyTorch's names, shapes and default initialisations.

A vector is a list of Values and a sequence a list of vectors: `Linear`, `RMSNorm`
and `Embedding` work on one position, `CausalSelfAttention` on a whole sequence.
Everything is made of `autograd.dot`, `autograd.logsumexp` and arithmetic, so it
also runs under `autograd.compile`. A compiled function receives numbers, not
Python ints, so there a token is passed to `Embedding` as a one-hot row (see it).
"""

from __future__ import annotations

import math
import numbers
import random
import sys
from collections.abc import Sequence

from autograd import Value, dot, logsumexp
from nn.checks import boolean, describe, generator, integer, nonnegative, sample_error
from nn.modules import Input, Layer, Module

__all__ = ["CausalSelfAttention", "Embedding", "Linear", "RMSNorm"]


class Linear(Layer):
    """y = W x + b, as torch.nn.Linear: an nn `Layer` with no activation.

    `Linear(in_features, out_features, bias=True)` holds `out_features` neurons of
    `in_features` weights; bias=False leaves out b (each neuron's `b` is None).
    `weight` gives the weights as PyTorch's (out_features, in_features) rows and
    `bias` the biases (or None), as lists of the parameter Values; the parameters'
    names are the Layer's (`neurons.3.w.1`, `neurons.3.b`). Initialisation as
    PyTorch's: weights and biases drawn from U(-1/sqrt(in_features), 1/sqrt(in_features)),
    using `rng` (a `random.Random`) or the `random` module.

    Called on one vector of `in_features` numbers or Values, returns `out_features`
    Values, each one `autograd.dot` node (so autograd.compile makes the whole layer
    one matrix product).
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        rng: random.Random | None = None,
    ):
        """A layer of `out_features` outputs of `in_features` inputs (see the class)."""
        super().__init__(in_features, out_features, "linear", rng, bias)

    @property
    def in_features(self) -> int:
        """The number of inputs."""
        return len(self.neurons[0].w)

    @property
    def out_features(self) -> int:
        """The number of outputs."""
        return len(self.neurons)

    @property
    def weight(self) -> list[list[Value]]:
        """The weights, one row per output (PyTorch's `weight[j][i]`): the neurons' own lists."""
        return [n.w for n in self.neurons]

    @property
    def bias(self) -> list[Value] | None:
        """The biases, one per output, or None when the layer has none."""
        if self.neurons[0].b is None:
            return None
        return [n.b for n in self.neurons if n.b is not None]  # all have one, or none

    def __repr__(self) -> str:
        """Linear(in_features, out_features), and bias=False if there is none."""
        bias = "" if self.bias is not None else ", bias=False"
        return f"Linear({self.in_features}, {self.out_features}{bias})"


class Embedding(Module):
    """A table of `num_embeddings` rows of `embedding_dim` parameters, as torch.nn.Embedding.

    `weight[i]` is row i, a list of Values drawn from N(0, 1) as PyTorch does
    (parameter names `weight.i.j`). Called with:

    - an int i (0 <= i < num_embeddings): row i's own Values, in a new list. The
      gradient reaches only that row, as in PyTorch.
    - a sequence of `num_embeddings` numbers or Values, a one-hot row: the
      product of that row with the table, one `autograd.dot(column, one_hot)`
      per dimension. For an exact one-hot row this is row i's numbers with row
      i's gradients (the other rows get zeros), as `one_hot(i) @ weight` in
      PyTorch. This is the form for `autograd.compile`, whose arguments are
      numbers (a trace cannot pick a row by an int that differs between samples);
      compiled, the lookup of a whole batch is one matrix product.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, rng: random.Random | None = None):
        """A table of `num_embeddings` rows of `embedding_dim` Values drawn from N(0, 1)."""
        integer(num_embeddings, "Embedding: num_embeddings", kind=int)
        integer(embedding_dim, "Embedding: embedding_dim", kind=int)
        sample = generator(rng, "Embedding: rng") or random
        self.weight = [
            [Value(sample.gauss(0.0, 1.0)) for _ in range(embedding_dim)]
            for _ in range(num_embeddings)
        ]

    @property
    def num_embeddings(self) -> int:
        """The number of rows."""
        return len(self.weight)

    @property
    def embedding_dim(self) -> int:
        """The length of a row."""
        return len(self.weight[0])

    def forward(self, token: int | Input) -> list[Value]:
        """The row of `token`: an int index, or a one-hot row (see the class)."""
        n = len(self.weight)
        if isinstance(token, numbers.Integral) and not isinstance(token, bool):
            k = int(token)
            if not 0 <= k < n:
                raise ValueError(f"Embedding: index {token} is out of range for {n} rows")
            return list(self.weight[k])
        if isinstance(token, (str, bytes, bool)) or not isinstance(token, Sequence):
            raise TypeError(
                f"Embedding: expected an int index or a one-hot row of {n} numbers, "
                f"got {describe(token)}"
            )
        if len(token) != n:
            raise ValueError(f"Embedding: a one-hot row must have {n} entries, got {len(token)}")
        try:
            return [dot(column, token) for column in zip(*self.weight)]
        except TypeError as error:
            raise (sample_error(token, "Embedding") or error) from None

    def __repr__(self) -> str:
        """Embedding(num_embeddings, embedding_dim)."""
        return f"Embedding({self.num_embeddings}, {self.embedding_dim})"


class RMSNorm(Module):
    """x / sqrt(mean(x^2) + eps), times a learnable weight: torch.nn.RMSNorm(dim).

    As PyTorch's default (elementwise_affine=True), it has a learnable `weight`,
    one Value per dimension starting at 1.0 (parameter names `weight.i`);
    elementwise_affine=False leaves it out (`weight` is None: no parameters).
    eps=None is, as in PyTorch, the machine epsilon of the numbers' type: here
    float64's, 2.220446049250313e-16. Called on one vector of `dim` numbers or
    Values, returns `dim` Values.
    """

    def __init__(self, dim: int, eps: float | None = None, elementwise_affine: bool = True):
        """An RMSNorm of `dim`-vectors (see the class for eps and the weight)."""
        integer(dim, "RMSNorm: dim", kind=int)
        if eps is None:
            eps = sys.float_info.epsilon
        self.eps = nonnegative(eps, "RMSNorm: eps")
        boolean(elementwise_affine, "RMSNorm: elementwise_affine")
        self.dim = dim
        self.weight = [Value(1.0) for _ in range(dim)] if elementwise_affine else None

    def forward(self, x: Input) -> list[Value]:
        """x / sqrt(mean(x^2) + eps), times the weight if there is one."""
        if isinstance(x, (str, bytes)) or not isinstance(x, Sequence):
            raise TypeError(
                f"RMSNorm: expected a sequence of {self.dim} numbers or Values, got {describe(x)}"
            )
        if len(x) != self.dim:
            raise ValueError(f"RMSNorm: expected {self.dim} inputs, got {len(x)}")
        try:
            scale = (dot(x, x) * (1.0 / self.dim) + self.eps) ** -0.5  # one node per op
            if self.weight is None:
                return [v * scale for v in x]
            return [v * scale * w for v, w in zip(x, self.weight)]
        except TypeError as error:
            raise (sample_error(x, "RMSNorm") or error) from None

    def __repr__(self) -> str:
        """RMSNorm(dim, eps=...), and elementwise_affine=False without a weight."""
        affine = "" if self.weight is not None else ", elementwise_affine=False"
        return f"RMSNorm({self.dim}, eps={self.eps:g}{affine})"


class CausalSelfAttention(Module):
    """Multi-head self-attention in which each position sees only itself and those before.

    `CausalSelfAttention(embed_dim, num_heads)` has four `Linear(embed_dim,
    embed_dim, bias=False)` projections, `q_proj`, `k_proj`, `v_proj` and
    `out_proj`. Called on a sequence (a list of T vectors of `embed_dim`
    numbers or Values), it returns T vectors: for position t and each head h
    (a slice of head_dim = embed_dim / num_heads dimensions),

        scores_s = q_t[h] . k_s[h] / sqrt(head_dim)   for s = 0..t
        head_h   = sum_s softmax(scores)_s * v_s[h]

    and the heads, concatenated, go through `out_proj`. The same numbers as
    torch.nn.MultiheadAttention(embed_dim, num_heads, bias=False) with a causal
    mask, with q_proj, k_proj and v_proj stacked as its in_proj_weight.
    """

    def __init__(self, embed_dim: int, num_heads: int, rng: random.Random | None = None):
        """Attention over `embed_dim`-vectors in `num_heads` heads (which divide it)."""
        integer(embed_dim, "CausalSelfAttention: embed_dim", kind=int)
        integer(num_heads, "CausalSelfAttention: num_heads", kind=int)
        generator(rng, "CausalSelfAttention: rng")
        if embed_dim % num_heads:
            raise ValueError(
                f"CausalSelfAttention: embed_dim {embed_dim} is not divisible "
                f"by num_heads {num_heads}"
            )
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads
        self.q_proj = Linear(embed_dim, embed_dim, bias=False, rng=rng)
        self.k_proj = Linear(embed_dim, embed_dim, bias=False, rng=rng)
        self.v_proj = Linear(embed_dim, embed_dim, bias=False, rng=rng)
        self.out_proj = Linear(embed_dim, embed_dim, bias=False, rng=rng)

    def forward(self, xs: Sequence[Input]) -> list[list[Value]]:
        """The T output vectors for the sequence `xs` of T vectors (see the class)."""
        if isinstance(xs, (str, bytes)) or not isinstance(xs, Sequence) or not xs:
            raise TypeError(
                f"CausalSelfAttention: expected a non-empty sequence of vectors, got {describe(xs)}"
            )
        dim = self.num_heads * self.head_dim
        for t, x in enumerate(xs):
            if isinstance(x, (str, bytes)) or not isinstance(x, Sequence):
                raise TypeError(
                    f"CausalSelfAttention: position {t} must be a sequence of {dim} numbers "
                    f"or Values, got {describe(x)}"
                )
            if len(x) != dim:
                raise ValueError(
                    f"CausalSelfAttention: position {t} has {len(x)} entries, expected {dim}"
                )
        qs = [self.q_proj(x) for x in xs]
        ks = [self.k_proj(x) for x in xs]
        vs = [self.v_proj(x) for x in xs]
        scale = 1.0 / math.sqrt(self.head_dim)
        out = []
        for t, q in enumerate(qs):
            heads = []
            for h in range(self.num_heads):
                lo, hi = h * self.head_dim, (h + 1) * self.head_dim
                scores = [dot(q[lo:hi], k[lo:hi]) * scale for k in ks[: t + 1]]
                norm = logsumexp(scores)
                weights = [(s - norm).exp() for s in scores]  # softmax over positions 0..t
                heads += [dot(weights, [v[j] for v in vs[: t + 1]]) for j in range(lo, hi)]
            out.append(self.out_proj(heads))
        return out

    def __repr__(self) -> str:
        """CausalSelfAttention(embed_dim, num_heads=...)."""
        return f"CausalSelfAttention({len(self.q_proj.neurons)}, num_heads={self.num_heads})"

"""A character-level transformer trained three ways: op by op, with fused ops, and compiled.

The model is a small GPT in the style of the well-known single-file scalar GPT
("microgpt"): token and position embeddings (27 tokens: a-z and a boundary token
that starts and ends every name), rmsnorm, one layer of 4-head causal
self-attention (16 dimensions, head size 4), an MLP 16 -> 64 -> 16 with relu,
residual connections, a final linear layer to the 27 logits, and softmax
cross-entropy averaged over the positions of a sequence, then over the batch.
4,192 parameters, no biases, trained with Adam at a fixed learning rate.

The model is written once (`sequence_loss`), over a small namespace of ops
(`dot`, `softmax`, `cross_entropy`, `mean`, `embed`), and trained three ways:

1. op by op (`OpByOp`): every multiply, add, exp and log is a node, as in
   microgpt. This code never names an engine: the parameters are made by the
   engine's Value class and everything else is operators and methods. It runs on
   `Scalar`, a minimal local-gradient engine (benchmarks/minimal_engines.py, about
   40 lines, as microgpt's: each node stores its inputs and its local gradients;
   backward is a topological sort and one loop), and on valuegrad's
   `autograd.Value`: only the imported Value class differs.
2. fused (`Fused`): the same model with valuegrad's n-ary ops, a linear layer as
   one `autograd.dot(row, x)` per output, the attention softmax and the
   cross-entropy through `autograd.logsumexp`, and sums through `autograd.sum`.
3. compiled (`Compiled`): `step = autograd.compile(loss_of_one_sequence)`, over
   the fused model code, with the embedding lookups written as products of one-hot
   rows with the embedding's columns (`OneHot`), so that a sequence is numbers in
   (two arrays of shape (B, T * 27): one-hot inputs and one-hot targets) and a loss
   out. `nn.optim.Adam` then updates the parameters as whole arrays.

The floor: ways 1 and 2 also run on `Tape`, the minimal engine without its
topological sort (nodes appended to a tape as they are made, backward walks the
tape backwards; no modes, no checks), with `TapeFused` giving it the same n-ary
nodes as way 2. That is the least a pure-Python engine can do on those graphs,
so its speed-ups over the minimal engine bound what any engine can reach, and
valuegrad's time over the floor's is the price of its semantics.

Ways 1 and 2 update with Adam written in plain Python over the parameter list
(`PlainAdam`, the same code for both engines, in PyTorch's order of operations,
as `nn.optim.Adam`, so that all ways follow the same trajectory up to rounding);
way 3 uses `nn.optim.Adam`. The loss of a batch is the mean of its sequences'
losses: the eager ways build the graph of the whole batch and call backward once;
the compiled way replays one sequence's program over the batch (reduction "mean").

Data: 2,000 pseudo-names made of seeded random syllables (no download). A name
becomes the tokens boundary, letters, boundary: T = len(name) + 1 <= 16
next-token predictions. No padding: each batch holds B names of one length
(names are grouped by length, batches shuffled), because `autograd.compile`
traces one program per argument shape, so one is traced per sequence length.
Those traces happen before timing (their total time is printed), as do the
one-hot arrays (data loading). Every way sees the same batches in the same order.

Before timing, all six runs (ways 1 and 2 on valuegrad and on the floor, way 1
on the minimal engine, way 3) start from
identical weights and must give the same loss and the same gradients on the
first batch (to 1e-9, relative). Then one training step of each runs in turn,
interleaved, so that all see the same machine load, inside one
`autograd.gc_paused()` block: Python's cycle collector is paused for every way
alike, the minimal engine included (neither engine's graphs hold reference
cycles). Printed: the median and range of ms per step and per sequence, and the
ratios of medians against the issue's targets (op by op, valuegrad at least 1.5x
faster than the minimal engine; fused at least 20x; compiled faster again than
fused).

Run: python benchmarks/transformer_step.py [--steps N] [--batch B]   (needs numpy)
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import statistics
import time
from dataclasses import dataclass

import numpy as np
from minimal_engines import Scalar, Tape

import autograd
from autograd import Value, gc_paused
from nn.optim import Adam

VOCAB = 27  # a-z, then the boundary token
BOUNDARY = 26
EMBED = 16
HEADS = 4
HEAD_SIZE = EMBED // HEADS
ATTENTION_SCALE = HEAD_SIZE**-0.5  # scores are q . k / sqrt(head size)
BLOCK = 16  # the longest sequence: names of up to 15 letters
HIDDEN = 4 * EMBED
INIT_STD = 0.1
LR, BETAS, EPS = 1e-2, (0.9, 0.99), 1e-8
TOLERANCE = 1e-9  # the check: relative difference of losses and of gradients

# (speed-up, what it compares, target: at least this many times faster), on the medians
TARGETS = [
    ("valuegrad_vs_minimal", "valuegrad op by op vs minimal engine", 1.5),
    ("fused_vs_minimal", "valuegrad fused vs minimal engine", 20.0),
    ("compiled_vs_fused", "valuegrad compiled vs fused", 1.0),  # faster again
]


# ---- the model, written once over a namespace of ops --------------------------------------


class OpByOp:
    """Every multiply, add, exp and log a node of its own: works on any engine's Values."""

    def dot(self, u, v):
        return sum(a * b for a, b in zip(u, v))

    def softmax(self, scores):
        top = max(s.data for s in scores)  # shifted by a constant, so exp cannot overflow
        exps = [(s - top).exp() for s in scores]
        total = sum(exps)
        return [e / total for e in exps]

    def cross_entropy(self, logits, target):
        return -self.softmax(logits)[target].log()

    def mean(self, values):
        return sum(values) * (1.0 / len(values))

    def embed(self, table, token):
        return table[token]


class Fused(OpByOp):
    """valuegrad's n-ary ops: one node per dot product, sum and log-sum-exp."""

    def dot(self, u, v):
        return autograd.dot(u, v)

    def softmax(self, scores):
        norm = autograd.logsumexp(scores)
        return [(s - norm).exp() for s in scores]

    def cross_entropy(self, logits, target):
        return autograd.logsumexp(logits) - logits[target]

    def mean(self, values):
        return autograd.sum(values) * (1.0 / len(values))


class TapeFused(OpByOp):
    """The floor of the fused way: the same n-ary nodes as `Fused` (dot, log-sum-exp,
    mean), each one `Tape` node with its local gradients."""

    def dot(self, u, v):
        data = sum(a.data * b.data for a, b in zip(u, v))
        return Tape(data, (*u, *v), (*(b.data for b in v), *(a.data for a in u)))

    def logsumexp(self, xs):
        top = max(x.data for x in xs)
        exps = [math.exp(x.data - top) for x in xs]
        total = sum(exps)
        return Tape(top + math.log(total), tuple(xs), tuple(e / total for e in exps))

    def softmax(self, scores):
        norm = self.logsumexp(scores)
        return [(s - norm).exp() for s in scores]

    def cross_entropy(self, logits, target):
        return self.logsumexp(logits) - logits[target]

    def mean(self, values):
        n = len(values)
        return Tape(sum(v.data for v in values) / n, tuple(values), (1.0 / n,) * n)


class OneHot(Fused):
    """Fused ops on one-hot tokens (lists of 27 Values), for autograd.compile: a lookup
    is a dot product of the one-hot row with each column of the table."""

    def embed(self, table, token):
        return [autograd.dot(column, token) for column in zip(*table)]

    def cross_entropy(self, logits, target):
        return autograd.logsumexp(logits) - autograd.dot(target, logits)


def linear(ops, x, rows):
    return [ops.dot(row, x) for row in rows]


def rmsnorm(ops, x):
    scale = (ops.dot(x, x) * (1.0 / len(x)) + 1e-5) ** -0.5
    return [v * scale for v in x]


def add(u, v):
    return [a + b for a, b in zip(u, v)]


def sequence_loss(model, ops, inputs, targets):
    """The mean cross-entropy of one sequence: position t sees inputs[: t + 1] and
    predicts targets[t]."""
    keys, values, losses = [], [], []
    for t, token in enumerate(inputs):
        x = rmsnorm(ops, add(ops.embed(model["wte"], token), model["wpe"][t]))
        # causal self-attention: position t attends to the keys and values made so far
        residual = x
        x = rmsnorm(ops, x)
        query = linear(ops, x, model["wq"])
        keys.append(linear(ops, x, model["wk"]))
        values.append(linear(ops, x, model["wv"]))
        heads = []
        for h in range(HEADS):
            part = slice(h * HEAD_SIZE, (h + 1) * HEAD_SIZE)
            scores = [ops.dot(query[part], k[part]) * ATTENTION_SCALE for k in keys]
            weights = ops.softmax(scores)
            for j in range(h * HEAD_SIZE, (h + 1) * HEAD_SIZE):
                heads.append(ops.dot(weights, [v[j] for v in values]))
        x = add(linear(ops, heads, model["wo"]), residual)
        # the MLP
        residual = x
        hidden = [v.relu() for v in linear(ops, rmsnorm(ops, x), model["fc1"])]
        x = add(linear(ops, hidden, model["fc2"]), residual)
        losses.append(ops.cross_entropy(linear(ops, x, model["lm_head"]), targets[t]))
    return ops.mean(losses)


SHAPES = {  # name: (rows, columns) of each weight matrix
    "wte": (VOCAB, EMBED),
    "wpe": (BLOCK, EMBED),
    "wq": (EMBED, EMBED),
    "wk": (EMBED, EMBED),
    "wv": (EMBED, EMBED),
    "wo": (EMBED, EMBED),
    "fc1": (HIDDEN, EMBED),
    "fc2": (EMBED, HIDDEN),
    "lm_head": (VOCAB, EMBED),
}


def initial_weights(seed):
    """The initial weights as plain numbers, the same for every way."""
    rng = random.Random(seed)
    return {
        name: [[rng.gauss(0.0, INIT_STD) for _ in range(m)] for _ in range(n)]
        for name, (n, m) in SHAPES.items()
    }


def make_model(value_class, weights):
    """The model's matrices as lists of rows of `value_class` leaves, and its parameter list."""
    model = {
        name: [[value_class(w) for w in row] for row in rows] for name, rows in weights.items()
    }
    return model, [p for name in SHAPES for row in model[name] for p in row]


# ---- data -------------------------------------------------------------------------------

ONSETS = "b c d f g h j k l m n p r s t v w z br ch cl dr gr sh st th tr".split() + [""] * 4
VOWELS = "a e i o u a e i o u y ai ea ie oa ou".split()
CODAS = "n l r s m x th nd rt".split() + [""] * 9


def pseudo_names(n, seed, longest=BLOCK - 1):
    """n made-up names of 1 to 4 random syllables, of 2 to `longest` letters."""
    rng = random.Random(seed)
    names = []
    while len(names) < n:
        syllables = rng.choice((1, 2, 2, 2, 3, 3, 4))
        name = "".join(
            rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(syllables)
        )
        if 2 <= len(name) <= longest:
            names.append(name)
    return names


@dataclass
class Batch:
    """B sequences of one length T: token ids for the eager ways, one-hot arrays for the
    compiled one (B x T * VOCAB: row b holds sequence b's T one-hot rows, one after another)."""

    inputs: list[list[int]]
    targets: list[list[int]]
    X: np.ndarray
    Y: np.ndarray

    @property
    def length(self):
        return len(self.inputs[0])


def one_hot(sequences):
    rows = np.zeros((len(sequences), len(sequences[0]) * VOCAB))
    for b, tokens in enumerate(sequences):
        rows[b, np.arange(len(tokens)) * VOCAB + np.array(tokens)] = 1.0
    return rows


def make_batches(names, size, seed):
    """Batches of `size` names of one length each, shuffled; the leftovers of each length
    are dropped."""
    rng = random.Random(seed)
    by_length = {}
    for name in names:
        by_length.setdefault(len(name), []).append(name)
    batches = []
    for length in sorted(by_length):
        group = by_length[length]
        rng.shuffle(group)
        for i in range(0, len(group) - size + 1, size):
            tokens = [
                [BOUNDARY, *(ord(c) - ord("a") for c in name), BOUNDARY]
                for name in group[i : i + size]
            ]
            inputs, targets = [s[:-1] for s in tokens], [s[1:] for s in tokens]
            batches.append(Batch(inputs, targets, one_hot(inputs), one_hot(targets)))
    rng.shuffle(batches)
    return batches


# ---- the ways ---------------------------------------------------------------------------


class PlainAdam:
    """Adam over a list of parameters in plain Python, as nn.optim.Adam (PyTorch's order
    of operations) computes it: the same code for both engines."""

    def __init__(self, params, lr=LR, betas=BETAS, eps=EPS):
        self.params, self.lr, self.betas, self.eps = params, lr, betas, eps
        self.m, self.v, self.t = [0.0] * len(params), [0.0] * len(params), 0

    def step(self):
        beta1, beta2 = self.betas
        self.t += 1
        step_size = self.lr / (1 - beta1**self.t)
        root = (1 - beta2**self.t) ** 0.5
        m, v = self.m, self.v
        for i, p in enumerate(self.params):
            g = p.grad
            m[i] = m[i] + (1 - beta1) * (g - m[i])
            v[i] = v[i] * beta2 + (1 - beta2) * g * g
            p.data = p.data + -step_size * (m[i] / (math.sqrt(v[i]) / root + self.eps))


class Eager:
    """Ways 1 and 2: the graph of the whole batch, built and backpropagated eagerly."""

    def __init__(self, value_class, ops, weights):
        self.model, self.params = make_model(value_class, weights)
        self.ops = ops
        self.optimizer = PlainAdam(self.params)

    def gradients(self, batch):
        """The batch's loss (the mean of its sequences'); its gradient in each .grad."""
        for p in self.params:
            p.grad = 0.0
        pairs = zip(batch.inputs, batch.targets)
        loss = self.ops.mean([sequence_loss(self.model, self.ops, x, y) for x, y in pairs])
        loss.backward()
        return loss.data

    def step(self, batch):
        loss = self.gradients(batch)
        self.optimizer.step()
        return loss


class Compiled:
    """Way 3: the fused model compiled with autograd.compile, one program per length."""

    def __init__(self, weights):
        self.model, self.params = make_model(Value, weights)
        self.optimizer = Adam(self.params, lr=LR, betas=BETAS, eps=EPS)
        self.loss = autograd.compile(self.one_sequence)

    def one_sequence(self, x, y):
        """One sequence's loss: x and y are its T one-hot inputs and targets, T * VOCAB Values."""
        rows = range(0, len(x), VOCAB)
        inputs, targets = [x[i : i + VOCAB] for i in rows], [y[i : i + VOCAB] for i in rows]
        return sequence_loss(self.model, OneHot(), inputs, targets)

    def trace(self, batch):
        self.loss.forward(batch.X[:1], batch.Y[:1])  # traces the program for this length

    def gradients(self, batch):
        self.optimizer.zero_grad()
        return self.loss(batch.X, batch.Y)

    def step(self, batch):
        loss = self.gradients(batch)
        self.optimizer.step()
        return loss


NAMES = {  # the ways, in the order they run and print
    "minimal": "minimal engine, op by op",
    "tape": "tape floor, op by op",
    "valuegrad": "valuegrad, op by op",
    "tape_fused": "tape floor, fused ops",
    "fused": "valuegrad, fused ops",
    "compiled": "valuegrad, compiled",
}


def check(ways, batch):
    """Every way's loss and gradients on `batch`, against the minimal engine's.

    Returns {way: loss} and {way: largest gradient difference / largest gradient};
    raises if any differs by more than TOLERANCE.
    """
    losses, grad_errors, reference = {}, {}, None
    for name, way in ways.items():
        losses[name] = way.gradients(batch)
        grads = [p.grad for p in way.params]
        if reference is None:
            reference = grads
        scale = max(abs(g) for g in reference)
        grad_errors[name] = max(abs(g - r) for g, r in zip(grads, reference)) / scale
    for name in ways:
        loss_error = abs(losses[name] - losses["minimal"]) / abs(losses["minimal"])
        if loss_error > TOLERANCE or grad_errors[name] > TOLERANCE:
            raise RuntimeError(
                f"{NAMES[name]} disagrees with the minimal engine on the first batch: "
                f"loss {losses[name]!r} against {losses['minimal']!r}, "
                f"gradients differ by {grad_errors[name]:.2e} of the largest"
            )
    return losses, grad_errors


def main(argv=None):
    """Run the benchmark; returns a dict:

    - "ms": {way: median ms per step}, "ms_range": {way: (fastest, slowest)},
      "ms_per_sequence": {way: median ms per step / batch size}, for the ways
      "minimal", "tape", "valuegrad", "tape_fused", "fused", "compiled";
    - "speedup": {"valuegrad_vs_minimal", "fused_vs_minimal", "compiled_vs_fused",
      "tape_vs_minimal", "tape_fused_vs_minimal"}: ratios of the medians (how many
      times faster; per step and per sequence alike, as every way processes the same
      sequences);
    - "floor": {"valuegrad_over_tape", "fused_over_tape_fused"}: valuegrad's median
      over the floor's on the same graph;
    - "check_losses": {way: loss on the first batch}, "check_grad_errors": {way: largest
      gradient difference from the minimal engine's / largest gradient};
    - "final_losses": {way: loss of the last step}; "parameters", "batch", "steps",
      "lengths" (the sequence lengths traced), "trace_s" (seconds spent tracing).
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=6, help="training steps timed")
    parser.add_argument("--batch", type=int, default=16, help="sequences per step")
    parser.add_argument("--names", type=int, default=2000, help="pseudo-names generated")
    parser.add_argument(
        "--longest", type=int, default=BLOCK - 1, help="letters in the longest name (at most 15)"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.steps < 1 or args.batch < 1:
        parser.error("--steps and --batch must be at least 1")
    if not 2 <= args.longest <= BLOCK - 1:
        parser.error(f"--longest must be between 2 and {BLOCK - 1}")
    batches = make_batches(pseudo_names(args.names, args.seed, args.longest), args.batch, args.seed)
    if not batches:
        parser.error(f"no length has {args.batch} names: ask for more --names or a smaller --batch")
    schedule = [batches[i % len(batches)] for i in range(args.steps)]
    lengths = sorted({batch.length for batch in schedule})

    weights = initial_weights(args.seed)
    ways = {
        "minimal": Eager(Scalar, OpByOp(), weights),
        "tape": Eager(Tape, OpByOp(), weights),
        "valuegrad": Eager(Value, OpByOp(), weights),
        "tape_fused": Eager(Tape, TapeFused(), weights),
        "fused": Eager(Value, Fused(), weights),
        "compiled": Compiled(weights),
    }
    n_params = len(ways["minimal"].params)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, numpy {np.__version__}"
    )
    print(
        f"character transformer: 1 layer, {HEADS} heads, {EMBED} dims, block {BLOCK}, "
        f"{n_params:,} parameters, Adam lr {LR}"
    )

    t0 = time.perf_counter()
    for length in lengths:  # one program per sequence length, before timing
        ways["compiled"].trace(next(b for b in schedule if b.length == length))
    trace_s = time.perf_counter() - t0
    print(
        f"data: {args.names:,} pseudo-names; {args.steps} steps of {args.batch} names of one "
        f"length (T = {', '.join(map(str, lengths))}); compiled: {len(lengths)} programs "
        f"traced in {trace_s:.2f} s, before timing"
    )

    check_losses, check_grad_errors = check(ways, schedule[0])
    print(f"check, first batch (T = {schedule[0].length}), against the minimal engine:")
    for name in ways:
        print(
            f"  {NAMES[name]:26s} loss {check_losses[name]:.15f}   "
            f"gradients differ by {check_grad_errors[name]:.1e} of the largest",
            flush=True,
        )

    times = {name: [] for name in ways}
    final = {}
    with gc_paused():  # for every way alike: one block around the interleaved loop
        for batch in schedule:
            for name, way in ways.items():
                t0 = time.perf_counter()
                final[name] = way.step(batch)
                times[name].append(time.perf_counter() - t0)

    ms = {name: statistics.median(ts) * 1e3 for name, ts in times.items()}
    ms_range = {name: (min(ts) * 1e3, max(ts) * 1e3) for name, ts in times.items()}
    per_sequence = {name: m / args.batch for name, m in ms.items()}
    speedup = {
        "valuegrad_vs_minimal": ms["minimal"] / ms["valuegrad"],
        "fused_vs_minimal": ms["minimal"] / ms["fused"],
        "compiled_vs_fused": ms["fused"] / ms["compiled"],
        "tape_vs_minimal": ms["minimal"] / ms["tape"],
        "tape_fused_vs_minimal": ms["minimal"] / ms["tape_fused"],
    }
    floor = {  # valuegrad's time over the floor's, on the same graph
        "valuegrad_over_tape": ms["valuegrad"] / ms["tape"],
        "fused_over_tape_fused": ms["fused"] / ms["tape_fused"],
    }
    print(f"one training step, median (range) of {args.steps}, the collector paused for all:")
    print(f"  {'':26s} {'ms per step (range)':>27s} {'ms per sequence':>16s} {'last loss':>10s}")
    for name in ways:
        spread = "({:.1f}-{:.1f})".format(*ms_range[name])
        print(
            f"  {NAMES[name]:26s} {ms[name]:9.1f} {spread:17s} "
            f"{per_sequence[name]:16.2f} {final[name]:10.6f}"
        )
    print("speed-ups (ratios of medians, per step and so per sequence):")
    for key, what, target in TARGETS:
        met = speedup[key] >= target if target > 1 else speedup[key] > 1
        wanted = f"at least {target:g}x" if target > 1 else "faster"
        print(
            f"  {what:38s} {speedup[key]:6.1f}x   (target {wanted}: {'met' if met else 'MISSED'})"
        )

    print("the floor (a tape engine: no sort, no modes, no checks) on the same graphs:")
    lines = [
        ("tape floor op by op vs minimal engine", f"{speedup['tape_vs_minimal']:6.1f}x"),
        ("tape floor fused vs minimal engine", f"{speedup['tape_fused_vs_minimal']:6.1f}x"),
        ("valuegrad op by op / tape floor", f"{floor['valuegrad_over_tape']:6.2f}x the time"),
        ("valuegrad fused / tape floor fused", f"{floor['fused_over_tape_fused']:6.2f}x the time"),
    ]
    for what, figure in lines:
        print(f"  {what:38s} {figure}")

    return {
        "ms": ms,
        "floor": floor,
        "ms_range": ms_range,
        "ms_per_sequence": per_sequence,
        "speedup": speedup,
        "check_losses": check_losses,
        "check_grad_errors": check_grad_errors,
        "final_losses": final,
        "parameters": n_params,
        "batch": args.batch,
        "steps": args.steps,
        "lengths": lengths,
        "trace_s": trace_s,
    }


if __name__ == "__main__":
    main()

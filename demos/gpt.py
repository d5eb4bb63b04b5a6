"""A character-level GPT learns 30,000 US first names and makes up new ones.

The model, built from nn's modules: token and position embeddings (27 tokens:
a-z and a boundary token that starts and ends every name; 16 positions),
RMSNorm, one block of 4-head causal self-attention and a relu MLP 16 -> 64 ->
16, each behind an RMSNorm and inside a residual connection, then a linear
layer to the 27 logits: 4,240 parameters. The loss of a name is the mean
softmax cross-entropy of its next-token predictions; a step's loss is the mean
over a batch of names. Adam, with the learning rate decaying linearly from
0.01 to 0 over the run.

The unit of training is the step (one batch, one Adam update): --steps N
(default 300). --epochs E instead asks for E passes over the names
(E * 1,867 steps at the default --batch 16); give one or the other.

Each batch holds names of one length (the names are grouped by length and the
batches shuffled), because `autograd.compile` traces one program per argument
shape: with --compile, a name of T tokens is T one-hot rows of 27 numbers,
`Embedding` looks them up as one-hot products, and each length is traced once,
the first time it comes up. Without --compile the same model runs eagerly on
token ids, one graph per step. Both give the same numbers.

After training, samples new names (at --temperature 0.5) and, unless
--no-plot, writes out/gpt_loss.png, the loss per step. Data: demos/names.txt,
from the US Social Security Administration's public-domain baby-name counts
(see demos/NAMES.md).
"""

from __future__ import annotations

import math
import random
import time
from pathlib import Path

import autograd
from autograd import gc_paused, no_grad
from demos._common import parser, pyplot, save
from nn import CausalSelfAttention, Embedding, Linear, Module, RMSNorm
from nn.optim import Adam

NAMES = Path(__file__).with_name("names.txt")
LETTERS = "abcdefghijklmnopqrstuvwxyz"
BOUNDARY = len(LETTERS)  # token 26 starts and ends every name
VOCAB = len(LETTERS) + 1
BLOCK = 16  # the longest sequence: a name of up to 15 letters
EMBED, HEADS, HIDDEN = 16, 4, 64
LR, BETAS, EPS = 1e-2, (0.9, 0.99), 1e-8
INIT_STD = 0.1
TAIL = 50  # final_loss is the mean of the last TAIL steps' losses


def add(u, v):
    return [a + b for a, b in zip(u, v)]


class GPT(Module):
    """A one-block GPT over tokens given as ints (eager) or as one-hot rows (compiled)."""

    def __init__(self, rng: random.Random):
        self.wte = Embedding(VOCAB, EMBED, rng=rng)  # token embedding
        self.wpe = Embedding(BLOCK, EMBED, rng=rng)  # position embedding
        self.norm_in = RMSNorm(EMBED)
        self.norm_attn = RMSNorm(EMBED)
        self.attn = CausalSelfAttention(EMBED, HEADS, rng=rng)
        self.norm_mlp = RMSNorm(EMBED)
        self.fc1 = Linear(EMBED, HIDDEN, bias=False, rng=rng)
        self.fc2 = Linear(HIDDEN, EMBED, bias=False, rng=rng)
        self.lm_head = Linear(EMBED, VOCAB, bias=False, rng=rng)
        # Every matrix redrawn from N(0, 0.1^2), small as GPT-2 and microgpt start, instead of
        # PyTorch's defaults (N(0, 1) embeddings): the first loss is then close to log(27).
        attn = self.attn
        layers = (attn.q_proj, attn.k_proj, attn.v_proj, attn.out_proj, self.fc1, self.fc2)
        matrices = [self.wte.weight, self.wpe.weight, *(m.weight for m in layers)]
        for matrix in [*matrices, self.lm_head.weight]:
            for row in matrix:
                for w in row:
                    w.data = rng.gauss(0.0, INIT_STD)

    def forward(self, tokens):
        """The logits (27 Values) at each position; position t sees tokens[: t + 1]."""
        xs = [self.norm_in(add(self.wte(tok), self.wpe(t))) for t, tok in enumerate(tokens)]
        xs = [add(x, a) for x, a in zip(xs, self.attn([self.norm_attn(x) for x in xs]))]
        xs = [add(x, self.fc2([h.relu() for h in self.fc1(self.norm_mlp(x))])) for x in xs]
        return [self.lm_head(x) for x in xs]

    def loss(self, inputs, targets):
        """The mean cross-entropy of one name's predictions; a target is an int or one-hot."""
        terms = []
        for logits, target in zip(self(inputs), targets):
            picked = logits[target] if isinstance(target, int) else autograd.dot(target, logits)
            terms.append(autograd.logsumexp(logits) - picked)
        return autograd.sum(terms) / len(terms)


def encode(name: str) -> list[int]:
    return [BOUNDARY, *(LETTERS.index(c) for c in name), BOUNDARY]


def load_names(path: Path = NAMES) -> list[str]:
    """The names of `path`, one per line, each 1 to 15 letters a-z."""
    names = path.read_text(encoding="utf-8").split()
    for name in names:
        if not (0 < len(name) < BLOCK and set(name) <= set(LETTERS)):
            raise ValueError(f"{path}: {name!r} is not 1 to {BLOCK - 1} letters a-z")
    return names


def epoch_batches(names: list[str], size: int, rng: random.Random) -> list[list[str]]:
    """One pass: names grouped by length, in batches of `size`, in random order. The
    names of each length are shuffled first and those that do not fill a last batch are
    left out of this pass (different ones each time)."""
    by_length: dict[int, list[str]] = {}
    for name in names:
        by_length.setdefault(len(name), []).append(name)
    batches = []
    for group in by_length.values():
        rng.shuffle(group)
        batches += [group[i : i + size] for i in range(0, len(group) - size + 1, size)]
    rng.shuffle(batches)
    return batches


def one_hot(rows: list[list[int]]):
    """B sequences of T tokens as a B x (T * 27) array of one-hot rows."""
    import numpy as np

    return np.eye(VOCAB)[np.array(rows)].reshape(len(rows), -1)


class Trainer:
    """One training step at a time, eager or compiled, with Adam and a linear decay."""

    def __init__(self, model: GPT, steps: int, compiled: bool):
        self.model, self.steps, self.done = model, steps, 0
        self.optimizer = Adam(model.parameters(), lr=LR, betas=BETAS, eps=EPS)
        self.compiled = autograd.compile(self.one_sequence) if compiled else None

    def one_sequence(self, x, y):
        """A name's loss from its one-hot inputs and targets (T * 27 Values each)."""
        rows = range(0, len(x), VOCAB)
        return self.model.loss([x[i : i + VOCAB] for i in rows], [y[i : i + VOCAB] for i in rows])

    @gc_paused()  # a step's graph holds no cycles: the collector would walk it for nothing
    def step(self, batch: list[str]) -> float:
        tokens = [encode(name) for name in batch]
        inputs, targets = [t[:-1] for t in tokens], [t[1:] for t in tokens]
        for group in self.optimizer.param_groups:
            group["lr"] = LR * (1 - self.done / self.steps)
        self.optimizer.zero_grad()
        if self.compiled is not None:
            value = float(self.compiled(one_hot(inputs), one_hot(targets)))  # the batch's mean
        else:
            losses = [self.model.loss(x, y) for x, y in zip(inputs, targets)]
            loss = autograd.sum(losses) / len(batch)
            loss.backward()
            value = loss.data
        self.optimizer.step()
        self.done += 1
        return value


def sample(model: GPT, rng: random.Random, temperature: float) -> str:
    """One new name: tokens drawn one at a time from softmax(logits / temperature), until
    the boundary token (not allowed first: a name has a letter) or 15 letters."""
    tokens = [BOUNDARY]
    with no_grad():
        while len(tokens) < BLOCK:
            logits = [v.data / temperature for v in model(tokens)[-1]]
            top = max(logits)
            weights = [math.exp(z - top) for z in logits]
            if len(tokens) == 1:
                weights[BOUNDARY] = 0.0
            token = rng.choices(range(VOCAB), weights)[0]
            if token == BOUNDARY:
                break
            tokens.append(token)
    return "".join(LETTERS[t] for t in tokens[1:])


def main(argv: list[str] | None = None) -> dict:
    # steps are the unit; --epochs, if given, counts passes over the names
    p = parser(
        __doc__, epochs=None, seed=0, epochs_help="passes over the names, instead of --steps"
    )
    p.add_argument("--steps", type=int, help="training steps (default 300)")
    p.add_argument("--batch", type=int, default=16, help="names per step")
    p.add_argument("--compile", action="store_true", help="train with autograd.compile")
    p.add_argument("--samples", type=int, default=10, help="names to sample")
    p.add_argument("--temperature", type=float, default=0.5, help="sampling temperature")
    args = p.parse_args(argv)
    if args.steps is not None and args.epochs is not None:
        p.error("give --steps or --epochs, not both")
    if args.batch < 1 or not args.temperature > 0:
        p.error("--batch must be at least 1 and --temperature above 0")

    names = load_names()
    rng = random.Random(args.seed)
    per_epoch = len(epoch_batches(names, args.batch, random.Random(0)))
    steps = args.steps if args.epochs is None else args.epochs * per_epoch
    if args.steps is None and args.epochs is None:
        steps = 300
    if steps < 1:
        p.error("train for at least one step")
    model = GPT(rng)
    trainer = Trainer(model, steps, args.compile)
    way = "compiled" if args.compile else "eager"
    print(
        f"gpt: {len(model.parameters()):,} parameters, {len(names):,} names, "
        f"{steps} steps of {args.batch} names ({steps / per_epoch:.3g} epochs), {way}"
    )

    losses, batches = [], []
    start = time.perf_counter()
    while len(losses) < steps:
        if not batches:
            batches = epoch_batches(names, args.batch, rng)
        losses.append(trainer.step(batches.pop()))
        if len(losses) % 50 == 0 or len(losses) in (1, steps):
            print(f"  step {len(losses):5d}  loss {losses[-1]:.4f}", flush=True)
    seconds = time.perf_counter() - start

    final_loss = sum(losses[-TAIL:]) / len(losses[-TAIL:])
    known = set(names)
    samples = [sample(model, rng, args.temperature) for _ in range(args.samples)]
    print(
        f"gpt: loss {losses[0]:.4f} -> {final_loss:.4f} (mean of the last "
        f"{min(TAIL, steps)} steps), {seconds:.1f} s training ({way})"
    )
    print(f"samples (* = not among the {len(names):,} names):")
    for name in samples:
        print(f"  {name}{'' if name in known else ' *'}")
    if not args.no_plot:
        print(f"wrote {plot(losses, args.out, way)}")
    return {
        "first_loss": losses[0],
        "final_loss": final_loss,
        "losses": losses,
        "samples": samples,
        "new_samples": sum(name not in known for name in samples),
        "steps": steps,
        "seconds": seconds,
        "parameters": len(model.parameters()),
    }


def plot(losses: list[float], out: Path, way: str) -> Path:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    steps = range(1, len(losses) + 1)
    ax.plot(steps, losses, color="C0", alpha=0.35, linewidth=0.8, label="loss of the step")
    window = min(TAIL, len(losses))
    smooth = [
        sum(losses[max(0, i - window + 1) : i + 1]) / min(i + 1, window) for i in range(len(losses))
    ]
    ax.plot(steps, smooth, color="C0", label=f"mean of the last {window}")
    ax.axhline(math.log(VOCAB), color="gray", linestyle=":", label="uniform guess, log 27")
    ax.set(title=f"Character GPT on 30,000 names ({way})", xlabel="step", ylabel="cross-entropy")
    ax.legend()
    return save(fig, out, "gpt_loss.png")


if __name__ == "__main__":
    main()

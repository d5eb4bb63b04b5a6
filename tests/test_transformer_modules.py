"""nn.Linear, nn.Embedding, nn.RMSNorm and nn.CausalSelfAttention: gradients against
finite differences, numbers against PyTorch in float64, compiled against eager, saving,
and bad input."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, gradcheck
from nn import MLP, CausalSelfAttention, Embedding, Layer, Linear, Module, Neuron, RMSNorm

SEEDS = st.integers(0, 2**32 - 1)
FEW = settings(max_examples=15, deadline=None)


def bind(module: Module, values: list[Value]) -> None:
    """Make `values` the module's parameters, in the order of named_parameters()."""
    for (name, _), value in zip(module.named_parameters(), values):
        *path, last = name.split(".")
        owner = module
        for part in path:
            owner = owner[int(part)] if part.isdigit() else getattr(owner, part)
        if last.isdigit():
            owner[int(last)] = value
        else:
            setattr(owner, last, value)


def vector(rng: random.Random, n: int) -> list[float]:
    return [rng.gauss(0.0, 1.0) for _ in range(n)]


def check_all_gradients(module: Module, inputs: list[float], loss) -> None:
    """gradcheck of loss(module, inputs) in every parameter and every input at once."""
    params = [p.data for p in module.parameters()]
    n = len(params)

    def f(*vs):
        bind(module, list(vs[:n]))
        return loss(module, list(vs[n:]))

    assert gradcheck(f, params + inputs, atol=1e-6, rtol=1e-5)


def weighted(outputs: list[Value], rng: random.Random) -> Value:
    """A scalar that depends on every output differently: sum_i c_i * out_i."""
    return autograd.dot([rng.uniform(-1.0, 1.0) for _ in outputs], outputs)


# ---- gradients against finite differences --------------------------------------------------


@FEW
@given(seed=SEEDS, bias=st.booleans())
def test_linear_gradients_match_finite_differences(seed, bias):
    rng = random.Random(seed)
    layer = Linear(3, 4, bias=bias, rng=rng)
    check_all_gradients(layer, vector(rng, 3), lambda m, x: weighted(m(x), random.Random(seed)))


@FEW
@given(seed=SEEDS)
def test_embedding_gradients_match_finite_differences(seed):
    rng = random.Random(seed)
    table = Embedding(5, 3, rng=rng)
    one_hot = [0.0, 0.0, 0.0, 1.0, 0.0]

    def loss(m, _):
        # an index lookup, a one-hot lookup and the same row twice: gradients add up
        rows = m(1) + m(one_hot) + m(3)
        return weighted(rows, random.Random(seed))

    check_all_gradients(table, [], loss)


@FEW
@given(seed=SEEDS, affine=st.booleans(), eps=st.sampled_from([None, 1e-5, 0.5]))
def test_rmsnorm_gradients_match_finite_differences(seed, affine, eps):
    rng = random.Random(seed)
    norm = RMSNorm(4, eps=eps, elementwise_affine=affine)
    for w in norm.parameters():
        w.data = rng.uniform(0.5, 1.5)
    check_all_gradients(norm, vector(rng, 4), lambda m, x: weighted(m(x), random.Random(seed)))


@FEW
@given(seed=SEEDS, length=st.integers(1, 3))
def test_attention_gradients_match_finite_differences(seed, length):
    rng = random.Random(seed)
    attention = CausalSelfAttention(4, 2, rng=rng)

    def loss(m, flat):
        xs = [flat[i : i + 4] for i in range(0, len(flat), 4)]
        return weighted([v for row in m(xs) for v in row], random.Random(seed))

    check_all_gradients(attention, vector(rng, 4 * length), loss)


def test_attention_is_causal():
    """Changing a later position leaves the outputs at earlier positions as they were."""
    rng = random.Random(0)
    attention = CausalSelfAttention(6, 3, rng=rng)
    xs = [vector(rng, 6) for _ in range(4)]
    before = [[v.data for v in row] for row in attention(xs)]
    xs[2] = vector(rng, 6)
    after = [[v.data for v in row] for row in attention(xs)]
    assert after[:2] == before[:2]
    assert after[2] != before[2] and after[3] != before[3]


def test_attention_at_the_first_position_is_the_value_projection_then_out_proj():
    rng = random.Random(1)
    attention = CausalSelfAttention(4, 2, rng=rng)
    x = vector(rng, 4)
    expected = attention.out_proj(attention.v_proj(x))  # softmax over one score is 1
    got = attention([x])[0]
    assert [v.data for v in got] == pytest.approx([v.data for v in expected], abs=1e-15)


def test_linear_is_a_layer_without_activation():
    rng = random.Random(2)
    layer = Linear(3, 2, rng=rng)
    assert isinstance(layer, Layer) and (layer.in_features, layer.out_features) == (3, 2)
    assert [name for name, _ in layer.named_parameters()][:4] == [
        "neurons.0.w.0",
        "neurons.0.w.1",
        "neurons.0.w.2",
        "neurons.0.b",
    ]
    x = [0.5, -1.0, 2.0]
    out = layer(x)
    for j, row in enumerate(layer.weight):
        expected = sum(w.data * v for w, v in zip(row, x)) + layer.bias[j].data
        assert out[j].data == pytest.approx(expected, abs=1e-15)
    bare = Linear(3, 2, bias=False)
    assert bare.bias is None and len(bare.parameters()) == 6
    assert repr(bare) == "Linear(3, 2, bias=False)" and repr(layer) == "Linear(3, 2)"


def test_bias_free_layers_and_neurons():
    neuron = Neuron(3, activation="linear", bias=False)
    assert neuron.b is None and len(neuron.parameters()) == 3
    assert neuron([1.0, 0.0, 0.0]).data == neuron.w[0].data
    layer = Layer(3, 2, bias=False, rng=random.Random(0))
    assert len(layer.parameters()) == 6 and "bias=False" in repr(layer)
    # only the weights are drawn, from PyTorch's U(-1/sqrt(nin), 1/sqrt(nin))
    assert all(abs(w.data) <= 3**-0.5 for w in layer.parameters())


def test_embedding_rows_and_one_hot_rows_agree():
    table = Embedding(4, 3, rng=random.Random(3))
    assert table(2)[0] is table.weight[2][0]  # the row's own Values
    assert table(2) is not table.weight[2]  # in a new list
    soft = table([0.0, 0.0, 1.0, 0.0])
    assert [v.data for v in soft] == [v.data for v in table.weight[2]]
    mixed = table([0.25, 0.0, 0.0, 0.75])
    for j in range(3):
        expected = 0.25 * table.weight[0][j].data + 0.75 * table.weight[3][j].data
        assert mixed[j].data == pytest.approx(expected, abs=1e-15)


def test_embedding_initialisation_is_standard_normal():
    table = Embedding(200, 50, rng=random.Random(4))
    values = [p.data for p in table.parameters()]
    mean = sum(values) / len(values)
    std = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5
    assert abs(mean) < 0.02 and abs(std - 1.0) < 0.02


def test_rmsnorm_normalises_and_has_a_learnable_weight_by_default():
    norm = RMSNorm(3)
    assert len(norm.parameters()) == 3 and all(w.data == 1.0 for w in norm.weight)
    assert norm.eps == 2.220446049250313e-16
    out = [v.data for v in norm([3.0, 4.0, 0.0])]
    rms = (25 / 3) ** 0.5
    assert out == pytest.approx([3 / rms, 4 / rms, 0.0], rel=1e-15)
    norm.weight[1].data = 2.0
    assert norm([3.0, 4.0, 0.0])[1].data == pytest.approx(8 / rms, rel=1e-15)
    assert RMSNorm(3, elementwise_affine=False).parameters() == []


# ---- a small transformer: parameters, saving, compiled ---------------------------------------


class Tiny(Module):
    """Embedding, RMSNorm, attention and Linear: the modules of a one-layer GPT."""

    def __init__(self, rng):
        self.wte = Embedding(5, 4, rng=rng)
        self.norm = RMSNorm(4)
        self.attn = CausalSelfAttention(4, 2, rng=rng)
        self.head = Linear(4, 5, bias=False, rng=rng)

    def forward(self, tokens):
        xs = [self.norm(self.wte(token)) for token in tokens]
        return [self.head(x) for x in self.attn(xs)]

    def loss(self, tokens, targets):
        """Mean cross-entropy; a target is an int or a one-hot row."""
        terms = []
        for logits, target in zip(self(tokens), targets):
            picked = logits[target] if isinstance(target, int) else autograd.dot(target, logits)
            terms.append(autograd.logsumexp(logits) - picked)
        return autograd.sum(terms) / len(terms)


def test_parameters_are_found_and_named():
    model = Tiny(random.Random(5))
    names = [name for name, _ in model.named_parameters()]
    assert len(names) == len(model.parameters()) == 5 * 4 + 4 + 4 * 16 + 5 * 4
    assert names[0] == "wte.weight.0.0" and names[20] == "norm.weight.0"
    assert "attn.q_proj.neurons.3.w.1" in names and names[-1] == "head.neurons.4.w.3"


def test_state_dict_and_files_round_trip(tmp_path):
    model, other = Tiny(random.Random(6)), Tiny(random.Random(7))
    tokens = [1, 4, 2]
    assert model.loss(tokens, [4, 2, 0]).data != other.loss(tokens, [4, 2, 0]).data
    other.load_state_dict(model.state_dict())
    assert other.loss(tokens, [4, 2, 0]).data == model.loss(tokens, [4, 2, 0]).data
    model.save(tmp_path / "tiny.json")
    third = Tiny(random.Random(8))
    third.load(tmp_path / "tiny.json")
    assert third.state_dict() == model.state_dict()


def test_compiled_gives_the_eager_loss_and_gradients(numpy):
    np = numpy
    rng = random.Random(9)
    eager, compiled = Tiny(rng), Tiny(rng)
    compiled.load_state_dict(eager.state_dict())
    sequences = [[rng.randrange(5) for _ in range(4)] for _ in range(6)]
    targets = [[rng.randrange(5) for _ in range(4)] for _ in range(6)]

    loss = autograd.sum([eager.loss(s, t) for s, t in zip(sequences, targets)]) / 6
    loss.backward()

    def one_hot(rows):
        return np.eye(5)[np.array(rows)].reshape(len(rows), -1)  # B x (T * 5)

    def one_sequence(x, y):
        rows = lambda flat: [flat[i : i + 5] for i in range(0, len(flat), 5)]  # noqa: E731
        return compiled.loss(rows(x), rows(y))

    step = autograd.compile(one_sequence)
    got = step(one_hot(sequences), one_hot(targets))
    assert got == pytest.approx(loss.data, rel=1e-12)
    for (name, p), q in zip(eager.named_parameters(), compiled.parameters()):
        assert q.grad == pytest.approx(p.grad, rel=1e-9, abs=1e-12), name


# ---- against PyTorch, float64 ------------------------------------------------------------------


def tensor(torch, values, grad=False):
    return torch.tensor(values, dtype=torch.float64, requires_grad=grad)


def data(values):
    return [[v.data for v in row] for row in values]


def grads(values):
    return [[v.grad for v in row] for row in values]


def close(torch, ours, theirs):
    assert torch.allclose(tensor(torch, ours), theirs.detach(), rtol=1e-12, atol=1e-12), (
        ours,
        theirs,
    )


@pytest.mark.parity
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(torch, bias):
    rng = random.Random(10)
    ours = Linear(5, 3, bias=bias, rng=rng)
    theirs = torch.nn.Linear(5, 3, bias=bias, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(tensor(torch, data(ours.weight)))
        if bias:
            theirs.bias.copy_(tensor(torch, [b.data for b in ours.bias]))
    x, c = vector(rng, 5), vector(rng, 3)
    xs = [Value(v) for v in x]
    out = ours(xs)
    autograd.dot(c, out).backward()
    x_t = tensor(torch, x, grad=True)
    out_t = theirs(x_t)
    (out_t * tensor(torch, c)).sum().backward()
    close(torch, [v.data for v in out], out_t)
    close(torch, grads(ours.weight), theirs.weight.grad)
    close(torch, [v.grad for v in xs], x_t.grad)
    if bias:
        close(torch, [b.grad for b in ours.bias], theirs.bias.grad)


@pytest.mark.parity
def test_embedding_matches_torch(torch):
    rng = random.Random(11)
    ours = Embedding(6, 4, rng=rng)
    theirs = torch.nn.Embedding(6, 4, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(tensor(torch, data(ours.weight)))
    tokens = [3, 0, 3, 5]
    c = [vector(rng, 4) for _ in tokens]
    rows = [ours(t) for t in tokens]
    autograd.sum([autograd.dot(ci, row) for ci, row in zip(c, rows)]).backward()
    out_t = theirs(torch.tensor(tokens))
    (out_t * tensor(torch, c)).sum().backward()
    close(torch, data(rows), out_t)
    close(torch, grads(ours.weight), theirs.weight.grad)


@pytest.mark.parity
@pytest.mark.parametrize("eps, affine", [(None, True), (None, False), (1e-5, True), (1e-5, False)])
def test_rmsnorm_matches_torch(torch, eps, affine):
    rng = random.Random(12)
    ours = RMSNorm(5, eps=eps, elementwise_affine=affine)
    theirs = torch.nn.RMSNorm(5, eps=eps, elementwise_affine=affine, dtype=torch.float64)
    if affine:
        weight = [rng.uniform(0.5, 1.5) for _ in range(5)]
        for w, value in zip(ours.weight, weight):
            w.data = value
        with torch.no_grad():
            theirs.weight.copy_(tensor(torch, weight))
    x, c = [vector(rng, 5) for _ in range(3)], [vector(rng, 5) for _ in range(3)]
    xs = [[Value(v) for v in row] for row in x]
    out = [ours(row) for row in xs]
    autograd.sum([autograd.dot(ci, row) for ci, row in zip(c, out)]).backward()
    x_t = tensor(torch, x, grad=True)
    out_t = theirs(x_t)
    (out_t * tensor(torch, c)).sum().backward()
    close(torch, data(out), out_t)
    close(torch, grads(xs), x_t.grad)
    if affine:
        close(torch, [w.grad for w in ours.weight], theirs.weight.grad)


@pytest.mark.parity
def test_rmsnorm_default_eps_is_torchs_for_float64(torch):
    assert RMSNorm(3).eps == torch.finfo(torch.float64).eps
    # a tiny input shows the eps: x / sqrt(x^2 + eps) with x^2 comparable to eps
    x = [1e-8, 0.0, 0.0]
    ours = [v.data for v in RMSNorm(3)(x)]
    theirs = torch.nn.RMSNorm(3, dtype=torch.float64)(tensor(torch, x))
    close(torch, ours, theirs)
    assert abs(ours[0] - 3**0.5) > 1e-3  # eps matters here: without it this is sqrt(3)


@pytest.mark.parity
@pytest.mark.parametrize("dim, heads, length", [(4, 1, 3), (8, 4, 5), (6, 3, 1)])
def test_attention_matches_torch_multihead_attention(torch, dim, heads, length):
    rng = random.Random(13 + dim + heads)
    ours = CausalSelfAttention(dim, heads, rng=rng)
    theirs = torch.nn.MultiheadAttention(
        dim, heads, bias=False, batch_first=True, dtype=torch.float64
    )
    projections = (ours.q_proj, ours.k_proj, ours.v_proj)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(tensor(torch, [r for p in projections for r in data(p.weight)]))
        theirs.out_proj.weight.copy_(tensor(torch, data(ours.out_proj.weight)))
    x = [vector(rng, dim) for _ in range(length)]
    c = [vector(rng, dim) for _ in range(length)]
    xs = [[Value(v) for v in row] for row in x]
    out = ours(xs)
    autograd.sum([autograd.dot(ci, row) for ci, row in zip(c, out)]).backward()

    x_t = tensor(torch, [x], grad=True)  # a batch of one sequence
    mask = torch.triu(torch.ones(length, length, dtype=torch.bool), diagonal=1)  # True: hidden
    out_t, _ = theirs(x_t, x_t, x_t, attn_mask=mask, need_weights=False)
    (out_t * tensor(torch, [c])).sum().backward()
    close(torch, data(out), out_t[0])
    close(torch, grads(xs), x_t.grad[0])
    in_grad = [r for p in projections for r in grads(p.weight)]
    close(torch, in_grad, theirs.in_proj_weight.grad)
    close(torch, grads(ours.out_proj.weight), theirs.out_proj.weight.grad)


# ---- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda: Linear(0, 3), ValueError, ["Linear: nin", "0"]),
        (lambda: Linear(3, 2.0), TypeError, ["Linear: nout", "2.0"]),
        (lambda: Linear(3, 2, bias=1), TypeError, ["Linear: bias", "1"]),
        (lambda: Linear(3, 2)([1.0, 2.0]), ValueError, ["Linear", "3 inputs, got 2"]),
        (lambda: Linear(2, 2)([1.0, "x"]), TypeError, ["Linear", "'x'"]),
        (lambda: Embedding(0, 3), ValueError, ["Embedding: num_embeddings", "0"]),
        (lambda: Embedding(3, "4"), TypeError, ["Embedding: embedding_dim", "'4'"]),
        (lambda: Embedding(3, 2)(3), ValueError, ["Embedding", "index 3", "3 rows"]),
        (lambda: Embedding(3, 2)(-1), ValueError, ["Embedding", "index -1"]),
        (lambda: Embedding(3, 2)(1.0), TypeError, ["Embedding", "float 1.0"]),
        (lambda: Embedding(3, 2)(True), TypeError, ["Embedding", "True"]),
        (lambda: Embedding(3, 2)([0.0, 1.0]), ValueError, ["Embedding", "3 entries, got 2"]),
        (lambda: Embedding(2, 2)([0.0, "a"]), TypeError, ["Embedding", "'a'"]),
        (lambda: RMSNorm(0), ValueError, ["RMSNorm: dim", "0"]),
        (lambda: RMSNorm(3, eps=-1.0), ValueError, ["RMSNorm: eps", "-1.0"]),
        (lambda: RMSNorm(3, eps="1e-5"), TypeError, ["RMSNorm: eps", "'1e-5'"]),
        (lambda: RMSNorm(3, elementwise_affine=None), TypeError, ["RMSNorm", "None"]),
        (lambda: RMSNorm(3)([1.0, 2.0]), ValueError, ["RMSNorm", "3 inputs, got 2"]),
        (lambda: RMSNorm(2)(5.0), TypeError, ["RMSNorm", "float 5.0"]),
        (lambda: RMSNorm(2)([1.0, None]), TypeError, ["RMSNorm", "None"]),
        (lambda: CausalSelfAttention(6, 4), ValueError, ["CausalSelfAttention", "6", "4"]),
        (lambda: CausalSelfAttention(4, 0), ValueError, ["CausalSelfAttention: num_heads"]),
        (lambda: CausalSelfAttention(4, 2)([]), TypeError, ["CausalSelfAttention", "list []"]),
        (
            lambda: CausalSelfAttention(4, 2)([[1.0] * 4, [1.0] * 3]),
            ValueError,
            ["CausalSelfAttention", "position 1 has 3 entries, expected 4"],
        ),
        (
            lambda: CausalSelfAttention(4, 2)([[1.0] * 4, 2.0]),
            TypeError,
            ["CausalSelfAttention", "position 1", "float 2.0"],
        ),
        (
            lambda: CausalSelfAttention(2, 1)([[1.0, "b"]]),
            TypeError,
            ["Linear", "input 1", "'b'"],
        ),
    ],
)
def test_bad_input_names_the_module_and_the_value(make, error, words):
    with pytest.raises(error) as caught:
        make()
    for word in words:
        assert word in str(caught.value)


def test_mlp_is_unchanged_by_the_bias_option():
    """MLPs keep their biases and draw the same numbers as before bias= existed."""
    model = MLP(2, [3, 1], rng=random.Random(14))
    assert all(n.b is not None for layer in model.layers for n in layer.neurons)
    rng = random.Random(14)
    bound = 1.0 / math.sqrt(2)
    first = [rng.uniform(-bound, bound) for _ in range(3)]  # w0, w1, b of neuron 0
    assert [p.data for p in model.layers[0].neurons[0].parameters()] == first

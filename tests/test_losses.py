"""Losses: values and gradients against PyTorch, finite differences, hand-worked values, errors.

Parity runs in float64. Our sums add left to right and torch's reductions in their own
order, so values and gradients agree to a few ulps of their scale, well inside REL/ABS.
"""

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd import Value, gradcheck, gradgradcheck, hessian
from nn.losses import binary_cross_entropy, cross_entropy, hinge, mse, softmax

REL, ABS = 1e-12, 1e-12
fast = settings(max_examples=30, deadline=None)
parity = pytest.mark.parity


def floats(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def close(ours, theirs, rel=REL, abs_=ABS):
    assert ours == pytest.approx(theirs, rel=rel, abs=abs_)


def leaves(rows):
    """Values for a list (or list of lists) of floats, in the same nesting."""
    return [leaves(r) if isinstance(r, list) else Value(r) for r in rows]


def flat(x):
    return [v for r in x for v in flat(r)] if isinstance(x, list) else [x]


def tensor(torch, rows, grad=True):
    return torch.tensor(rows, dtype=torch.float64, requires_grad=grad)


def compare(ours, theirs, values, tensors):
    """Loss values, then the gradient of every leaf against its tensor's .grad."""
    ours.backward()
    theirs.backward()
    close(ours.data, theirs.item())
    for vs, t in zip(values, tensors):
        expected = t.grad.flatten().tolist()
        got = [v.grad for v in flat(vs)]
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            close(g, e)


# ---- parity: values and first derivatives ----------------------------------------------------


@parity
@fast
@given(data=st.data(), n=st.integers(1, 5), k=st.integers(1, 3), bare=st.booleans())
def test_mse_matches_torch(torch, data, n, k, bare):
    rows = st.lists(st.lists(floats(-10, 10), min_size=k, max_size=k), min_size=n, max_size=n)
    p, t = data.draw(rows), data.draw(rows)
    preds, targets = leaves(p), leaves(t)
    if bare and k == 1:  # one Value per sample, as a 1-output MLP returns
        preds, targets = [r[0] for r in preds], [r[0] for r in targets]
    tp, tt = tensor(torch, p), tensor(torch, t)
    compare(mse(preds, targets), torch.nn.functional.mse_loss(tp, tt), [preds, targets], [tp, tt])


@parity
@fast
@given(data=st.data(), n=st.integers(1, 6), listed=st.booleans())
def test_hinge_matches_torch(torch, data, n, listed):
    s = data.draw(st.lists(floats(-3, 3), min_size=n, max_size=n))
    y = data.draw(st.lists(st.sampled_from([-1, 1]), min_size=n, max_size=n))
    assume(all(abs(1 - a * b) > 1e-9 for a, b in zip(s, y)))  # away from relu's kink
    scores = leaves(s)
    arg = [[v] for v in scores] if listed else scores
    ts = tensor(torch, s)
    theirs = torch.relu(1 - torch.tensor(y, dtype=torch.float64) * ts).mean()
    compare(hinge(arg, y), theirs, [scores], [ts])


@parity
@fast
@given(data=st.data(), n=st.integers(1, 6), soft=st.booleans())
def test_binary_cross_entropy_matches_torch(torch, data, n, soft):
    z = data.draw(st.lists(floats(-40, 40), min_size=n, max_size=n))
    label = floats(0, 1) if soft else st.sampled_from([0, 1])
    y = data.draw(st.lists(label, min_size=n, max_size=n))
    logits = leaves(z)
    tz = tensor(torch, z)
    theirs = torch.nn.functional.binary_cross_entropy_with_logits(
        tz, torch.tensor(y, dtype=torch.float64)
    )
    compare(binary_cross_entropy(logits, y), theirs, [logits], [tz])


@parity
@fast
@given(data=st.data(), n=st.integers(1, 5), c=st.integers(2, 5))
def test_cross_entropy_matches_torch(torch, data, n, c):
    z = data.draw(
        st.lists(st.lists(floats(-20, 20), min_size=c, max_size=c), min_size=n, max_size=n)
    )
    t = data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n))
    logits = leaves(z)
    tz = tensor(torch, z)
    theirs = torch.nn.functional.cross_entropy(tz, torch.tensor(t))
    compare(cross_entropy(logits, t), theirs, [logits], [tz])


@parity
@fast
@given(data=st.data(), n=st.integers(1, 5), c=st.integers(2, 5))
def test_cross_entropy_with_class_probabilities_matches_torch(torch, data, n, c):
    z = data.draw(
        st.lists(st.lists(floats(-20, 20), min_size=c, max_size=c), min_size=n, max_size=n)
    )
    p = data.draw(st.lists(st.lists(floats(0, 1), min_size=c, max_size=c), min_size=n, max_size=n))
    logits, probs = leaves(z), leaves(p)  # the probabilities get gradients too, as in torch
    tz, tp = tensor(torch, z), tensor(torch, p)
    theirs = torch.nn.functional.cross_entropy(tz, tp)
    compare(cross_entropy(logits, probs), theirs, [logits, probs], [tz, tp])


def test_one_hot_probabilities_give_exactly_the_class_index_loss():
    z = [[0.3, -1.7, 2.5], [10.0, 9.0, -3.0], [1e-3, 0.0, 5.0]]
    t = [2, 0, 1]
    one_hot = [[float(j == k) for j in range(3)] for k in t]
    by_index, by_probability = cross_entropy(leaves(z), t), cross_entropy(leaves(z), one_hot)
    assert by_probability.data == by_index.data
    with pytest.raises(ValueError, match=r"targets\[1\] has 2 probabilities for 3 classes"):
        cross_entropy(leaves(z), [one_hot[0], [0.5, 0.5], one_hot[2]])


@parity
def test_cross_entropy_extreme_logits_match_torch(torch):
    # exp(800) overflows a float: only the shifted form survives the last row
    z = [[300.0, -200.0], [-200.0, 300.0], [300.0, -200.0], [0.0, 300.0], [800.0, -800.0]]
    t = [1, 1, 0, 0, 1]
    logits = leaves(z)
    tz = tensor(torch, z)
    ours = cross_entropy(logits, t)
    compare(ours, torch.nn.functional.cross_entropy(tz, torch.tensor(t)), [logits], [tz])
    assert ours.data == pytest.approx((500 + 0 + 0 + 300 + 1600) / 5)
    assert all(math.isfinite(v.grad) for v in flat(logits))


@parity
@fast
@given(data=st.data(), c=st.integers(1, 6), big=st.booleans())
def test_softmax_matches_torch(torch, data, c, big):
    lo, hi = (-300, 300) if big else (-10, 10)
    z = data.draw(st.lists(floats(lo, hi), min_size=c, max_size=c))
    w = data.draw(st.lists(floats(-2, 2), min_size=c, max_size=c))
    logits = leaves(z)
    tz = tensor(torch, z)
    probs, ref = softmax(logits), torch.softmax(tz, 0)
    for p, r in zip(probs, ref.tolist()):
        close(p.data, r)
    # a weighted sum, so that every output's gradient reaches every input
    ours = sum((wi * p for wi, p in zip(w, probs)), Value(0.0))
    compare(ours, (torch.tensor(w, dtype=torch.float64) * ref).sum(), [logits], [tz])


# ---- parity: second derivatives (the create_graph path) -----------------------------------------


def _torch_hessian(torch, fn, xs):
    return torch.autograd.functional.hessian(fn, torch.tensor(xs, dtype=torch.float64)).tolist()


@parity
@pytest.mark.parametrize("name", ["binary_cross_entropy", "cross_entropy", "softmax", "mse"])
def test_second_derivatives_match_torch(torch, name):
    F = torch.nn.functional
    xs = [0.7, -1.2, 2.1]

    def const(a):
        return torch.tensor(a, dtype=torch.float64)

    labels = [1.0, 0.25, 0.0]
    if name == "binary_cross_entropy":

        def ours(*v):
            return binary_cross_entropy(list(v), labels)

        def theirs(x):
            return F.binary_cross_entropy_with_logits(x, torch.tensor(labels, dtype=x.dtype))

    elif name == "cross_entropy":

        def ours(*v):
            return cross_entropy([list(v), [v[2], v[0], 0.3]], [1, 0])

        def theirs(x):
            rows = torch.stack([x, torch.stack([x[2], x[0], const(0.3)])])
            return F.cross_entropy(rows, torch.tensor([1, 0]))

    elif name == "softmax":

        def ours(*v):
            p = softmax(list(v))
            return p[0] * 0.5 - p[1] * 2.0 + p[2] * p[0]

        def theirs(x):
            p = torch.softmax(x, 0)
            return p[0] * 0.5 - p[1] * 2.0 + p[2] * p[0]

    else:

        def ours(*v):
            return mse([[v[0] * v[1], v[2]], [v[1], 1.5]], [[0.5, v[0]], [-1.0, 2.0]])

        def theirs(x):
            preds = torch.stack([x[0] * x[1], x[2], x[1], const(1.5)])
            return F.mse_loss(preds, torch.stack([const(0.5), x[0], const(-1.0), const(2.0)]))

    got = hessian(ours)(*xs)
    expected = _torch_hessian(torch, theirs, xs)
    for row, ref in zip(got, expected):
        for g, e in zip(row, ref):
            close(float(g), e)


# ---- finite differences -------------------------------------------------------------------------


@settings(max_examples=20, deadline=None)
@given(xs=st.lists(floats(-3, 3), min_size=6, max_size=6))
def test_losses_pass_gradcheck_and_gradgradcheck(xs):
    def mse_f(a, b, c, d, e, f):
        return mse([[a, b], [c, d]], [[e, 0.5], [f, -1.0]])

    def bce_f(a, b, c, d, e, f):
        return binary_cross_entropy([a, b, c, d, e, f], [1, 0, 0.3, 1, 0, 0.9])

    def ce_f(a, b, c, d, e, f):
        return cross_entropy([[a, b, c], [d, e, f]], [2, 0])

    def softmax_f(a, b, c, d, e, f):
        p = softmax([a, b, c])
        return p[0] * d + p[1] * e + p[2] * f

    for f in (mse_f, bce_f, ce_f, softmax_f):
        assert gradcheck(f, xs)
        assert gradgradcheck(f, xs)


@settings(max_examples=20, deadline=None)
@given(s=st.lists(floats(-3, 3), min_size=3, max_size=3))
def test_hinge_passes_gradcheck(s):
    assume(all(abs(1 - v) > 1e-3 and abs(1 + v) > 1e-3 for v in s))  # no kink within eps

    def f(a, b, c):
        return hinge([a, [b], c], [1, -1, 1.0])

    assert gradcheck(f, s)


# ---- values worked by hand (these hold without torch) -------------------------------------------


def test_mse_by_hand():
    assert mse([1.0, 2.0], [1.0, 4.0]).data == 2.0  # (0 + 4) / 2
    assert mse([[1, 2], [3, 4]], [[1, 2], [3, 0]]).data == 4.0  # 16 / 4 elements
    p = Value(3.0)
    mse([p, 1.0], [1.0, 1.0]).backward()
    assert p.grad == 2.0  # 2 * (3 - 1) / 2


def test_hinge_by_hand():
    a, b, c = Value(0.5), Value(2.0), Value(-0.25)
    loss = hinge([a, b, [c]], [1, 1, -1])  # relu(0.5), relu(-1), relu(0.75)
    assert loss.data == pytest.approx(1.25 / 3)
    loss.backward()
    assert (a.grad, b.grad, c.grad) == pytest.approx((-1 / 3, 0.0, 1 / 3))


def test_binary_cross_entropy_by_hand():
    assert binary_cross_entropy([0.0], [1]).data == pytest.approx(math.log(2))
    z = Value(2.0)
    binary_cross_entropy([z, 0.0], [0.25, 1]).backward()
    assert z.grad == pytest.approx((1 / (1 + math.exp(-2)) - 0.25) / 2)
    # large logits: exact, where log(sigmoid(z)) would underflow to log(0)
    assert binary_cross_entropy([800.0, -800.0], [0, 1]).data == pytest.approx(800.0)


def test_cross_entropy_by_hand():
    z = leaves([1.0, 1.0, 1.0, 1.0])
    loss = cross_entropy([z], [2])
    assert loss.data == pytest.approx(math.log(4))  # uniform over 4 classes
    loss.backward()
    assert [v.grad for v in z] == pytest.approx([0.25, 0.25, -0.75, 0.25])


def test_cross_entropy_extreme_logits_are_finite():
    z = leaves([[300.0, -200.0], [-200.0, 300.0], [-800.0, 800.0]])
    loss = cross_entropy(z, [1, 0, 1])
    assert loss.data == pytest.approx(1000.0 / 3)
    loss.backward()
    third = 1 / 3
    assert [v.grad for v in flat(z)] == pytest.approx([third, -third, -third, third, 0, 0])


def test_cross_entropy_gradient_has_no_path_through_the_max():
    # The subtracted max is a constant: each logit gets exactly softmax - onehot / n.
    z = leaves([3.0, -1.0, 0.5])
    cross_entropy([z], [0]).backward(create_graph=True)
    expected = [p.data - (i == 0) for i, p in enumerate(softmax([v.data for v in z]))]
    assert [g.data for g in (v.grad for v in z)] == pytest.approx(expected, rel=1e-15)


def test_softmax_is_stable_and_sums_to_one():
    probs = softmax([1000.0, 1000.0, -1000.0])
    assert [p.data for p in probs] == pytest.approx([0.5, 0.5, 0.0])
    assert all(isinstance(p, Value) for p in probs)
    assert sum(p.data for p in softmax([0.3, -2.0, 5.0, 1.0])) == pytest.approx(1.0)


def test_numbers_only_give_a_value():
    for loss in (
        mse([1.0], [2.0]),
        hinge([0.5], [1]),
        binary_cross_entropy([0.5], [1]),
        cross_entropy([[0.5, 1.0]], [0]),
    ):
        assert isinstance(loss, Value)


# ---- errors -------------------------------------------------------------------------------------

BAD_INPUTS = [
    (lambda: mse([], []), ValueError, r"mse: empty batch"),
    (lambda: mse([1.0, 2.0], [1.0]), ValueError, r"mse: 2 preds but 1 targets"),
    (lambda: mse([[1.0, 2.0]], [[1.0]]), ValueError, r"mse: preds\[0\] has 2 outputs but targets"),
    (lambda: mse([[1.0], [1.0, 2.0]], [[1.0], [1.0, 2.0]]), ValueError, r"preds\[1\] has 2"),
    (lambda: mse([1.0, "a"], [1.0, 2.0]), TypeError, r"mse: preds\[1\] .*str 'a'"),
    (lambda: mse([[1.0, None]], [[1.0, 2.0]]), TypeError, r"mse: preds\[0\]\[1\] .*NoneType"),
    (lambda: mse([[]], [[]]), ValueError, r"mse: preds\[0\] is empty"),
    (lambda: mse(3.0, 3.0), TypeError, r"mse: preds must be a sequence"),
    (lambda: hinge([0.5, 0.2], [1, 0]), ValueError, r"hinge: labels\[1\] must be -1 or \+1, .*0"),
    (lambda: hinge([0.5], [2.0]), ValueError, r"hinge: labels\[0\] .* 2\.0"),
    (lambda: hinge([[0.5, 0.1]], [1]), ValueError, r"hinge: scores\[0\] must be one score"),
    (lambda: hinge([True], [1]), TypeError, r"hinge: scores\[0\] .*bool"),
    (lambda: hinge([], []), ValueError, r"hinge: empty batch"),
    (lambda: binary_cross_entropy([0.1], [1.5]), ValueError, r"labels\[0\] must be in \[0, 1\]"),
    (lambda: binary_cross_entropy([0.1], [math.nan]), ValueError, r"labels\[0\] .*nan"),
    (lambda: binary_cross_entropy([0.1, 0.2], [1]), ValueError, r"2 logits but 1 labels"),
    (lambda: cross_entropy([[1.0, 2.0]], [2]), ValueError, r"targets\[0\] = 2 is out of range"),
    (lambda: cross_entropy([[1.0, 2.0]], [-1]), ValueError, r"targets\[0\] = -1 is out of range"),
    (lambda: cross_entropy([[1.0, 2.0]], [1.0]), TypeError, r"targets\[0\] must be an int"),
    (lambda: cross_entropy([[1.0, 2.0]], [True]), TypeError, r"targets\[0\] must be an int"),
    (lambda: cross_entropy([1.0], [0]), TypeError, r"logits\[0\] must be a sequence"),
    (lambda: cross_entropy([[1.0, 2.0], [1.0]], [0, 0]), ValueError, r"logits\[1\] has 1 classes"),
    (lambda: cross_entropy([[1.0, "x"]], [0]), TypeError, r"logits\[0\]\[1\] .*str"),
    (lambda: cross_entropy([], []), ValueError, r"cross_entropy: empty batch"),
    (lambda: softmax([]), ValueError, r"softmax: logits is empty"),
    (lambda: softmax([1.0, [2.0]]), TypeError, r"softmax: logits\[1\]"),
]


@pytest.mark.parametrize("call, error, message", BAD_INPUTS)
def test_bad_inputs_raise_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()

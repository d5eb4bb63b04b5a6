"""autograd.compile as careful as eager (issue 17, compiled code).

- nan and inf rows of a batch: every op family and the fused layers give eager's values
  and gradients row by row; fit(compile=True) stops as eager fit does;
- detect_anomaly() reaches compiled code: the op and the sample (row) are named;
- string and complex batches are refused (TypeError naming the argument), as Value does;
- a Value read as a number or compared while tracing warns (TracerWarning, at your line);
- what the function captured, rebound after compiling, is traced again (not trained stale).
"""

from __future__ import annotations

import math
import random
import warnings
from fractions import Fraction

import pytest
from test_nonfinite import BINARY, SPECIAL, TERNARY, UNARY, Case, _points, _same

import autograd
from autograd import TracerWarning, Value, detect_anomaly
from nn import MLP, Layer, Module, Neuron, losses
from nn.optim import SGD
from nn.train import fit

nan, inf = math.nan, math.inf
THIS_FILE = __file__


# ---- nan and inf rows: compiled code follows eager's rule, row by row ---------------------


def _eager_row(case: Case, sample: list[float]):
    """(value, d value/d w) at w = 1 for case(w * x0, x1, ...), or where it raised."""
    w = Value(1.0)
    try:
        out = case.ours(w * Value(sample[0]), *[Value(v) for v in sample[1:]])
    except (ArithmeticError, ValueError) as error:
        return "forward", type(error)
    try:
        out.backward()
    except (ArithmeticError, ValueError) as error:
        return out.data, type(error)
    return out.data, w.grad


def _compare_rows(cases: dict[str, Case], samples: list[list[float]], numpy) -> int:
    """Each case over one batch of every sample whose forward is defined: compiled values
    and per-row gradients (a one-hot pull-back) against eager's; rows compared."""
    compared = 0
    for name, case in cases.items():
        eager = [_eager_row(case, s) for s in samples]
        rows = [i for i, e in enumerate(eager) if e[0] != "forward"]
        w = Value(1.0)
        step = autograd.compile(lambda *v, case=case, w=w: case.ours(w * v[0], *v[1:]))
        outputs, pull_back = step.vjp(*numpy.array([samples[i] for i in rows]).T)
        for j, i in enumerate(rows):
            value, grad = eager[i]
            assert _same(value, float(outputs[j])), (name, samples[i], value, outputs[j])
            seed = numpy.zeros(len(rows))
            seed[j] = 1.0
            w.grad = 0.0
            try:
                pull_back(seed)
                got = w.grad
            except (ArithmeticError, ValueError) as error:
                got = type(error)
            if isinstance(grad, type) or isinstance(got, type):
                assert got == grad, (name, samples[i], grad, got)
            else:
                assert _same(grad, got), (name, samples[i], grad, got)
            compared += 1
    return compared


def test_every_unary_op_on_a_batch_with_nan_and_inf_rows_matches_eager_row_by_row(numpy):
    assert _compare_rows(UNARY, [[x] for x in SPECIAL], numpy) > 800


def test_every_binary_op_on_a_batch_with_nan_and_inf_rows_matches_eager_row_by_row(numpy):
    cases = dict(BINARY)
    cases["logsumexp"] = Case(lambda a, b: autograd.logsumexp([a, b]), None)
    samples = [[a, b] for a in SPECIAL for b in (nan, inf, -inf, 0.0, 1.0, -2.0, 1e200)]
    assert _compare_rows(cases, samples, numpy) > 2000


def test_every_ternary_op_on_a_batch_with_nan_and_inf_rows_matches_eager_row_by_row(numpy):
    assert _compare_rows(TERNARY, [list(xs) for xs in _points(3)], numpy) > 500


def test_an_op_on_a_nan_or_inf_parameter_alone_matches_eager(numpy):
    """The lane-independent path: the op's input is the same for every sample."""
    compared = 0
    for name, case in UNARY.items():
        for value in SPECIAL:
            results = []
            for compiled in (False, True):
                w = Value(value)

                def f(x, case=case, w=w):
                    return x * case.ours(w * 1.0)

                try:
                    if compiled:
                        out = autograd.compile(f, reduction="sum")(numpy.array([1.0, 2.0]))
                    else:
                        total = f(Value(1.0)) + f(Value(2.0))
                        total.backward()
                        out = total.data
                    results.append((out, w.grad))
                except (ArithmeticError, ValueError) as error:
                    results.append(type(error))
            eager, fast = results
            if isinstance(eager, type) or isinstance(fast, type):
                assert eager == fast, (name, value, eager, fast)
            else:
                assert _same(eager[0], fast[0]) and _same(eager[1], fast[1]), (name, value)
                compared += 1
    assert compared > 800


ROWS = [[0.1, 0.2], [nan, 1.0], [inf, 0.5], [0.3, -inf], [-inf, -inf], [1e200, 1e200], [0.5, 0.5]]


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "gelu", "leaky_relu", "elu"])
def test_fused_layers_on_nan_and_inf_rows_match_eager_row_by_row(numpy, activation):
    model = MLP(2, [3, 3, 1], activation=activation, rng=random.Random(1))
    params = model.parameters()

    def loss(x):  # a loss with a division and a power, behind the layers
        out = model(x)
        return 1 / (1 + out * out) + (out * out + 1) ** 0.5

    outputs, pull_back = autograd.compile(loss).vjp(numpy.array(ROWS))
    for j, row in enumerate(ROWS):
        model.zero_grad()
        out = loss(row)
        out.backward()
        eager = [p.grad for p in params]
        model.zero_grad()
        seed = numpy.zeros(len(ROWS))
        seed[j] = 1.0
        pull_back(seed)
        assert _same(out.data, float(outputs[j])), (row, out.data, outputs[j])
        assert all(_same(a, p.grad) for a, p in zip(eager, params)), (row, eager, params)


@pytest.mark.parametrize("bad", [nan, inf, -inf])
@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("loss", [losses.mse, losses.cross_entropy])
def test_fit_compiled_stops_on_a_nan_or_inf_sample_as_eager_fit(bad, activation, loss):
    X = [[0.1, 0.2], [bad, 1.0], [0.3, 0.4], [0.5, -0.1]]
    y = [1, 0, 1, 0] if loss is losses.cross_entropy else [1.0, -1.0, 1.0, 0.0]
    runs = []
    for compiled in (False, True):
        k = 2 if loss is losses.cross_entropy else 1
        model = MLP(2, [4, k], activation=activation, rng=random.Random(0))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            history = fit(model, X, y, loss, SGD(model.parameters(), lr=0.1), epochs=2,
                          progress=False, compile=compiled)  # fmt: skip
        said = [str(w.message) for w in caught]
        runs.append((history.stopped, said, [p.data for p in model.parameters()]))
    (stopped, said, params), (stopped_c, said_c, params_c) = runs
    assert stopped_c == stopped and said_c == said
    assert all(_same(a, b) for a, b in zip(params, params_c))
    if activation == "relu" or math.isnan(bad):  # tanh saturates on inf: training goes on
        assert stopped.startswith("loss is nan at epoch 1") or stopped.startswith("loss is inf")


# ---- detect_anomaly() inside compiled code ------------------------------------------------


def test_detect_anomaly_names_the_op_and_the_row_in_compiled_code(numpy):
    w = Value(1.0)

    def f(x):
        return (x[0] * w).tanh() + x[1].log()

    step = autograd.compile(f)
    X = numpy.array([[1.0, 2.0], [0.5, 1.0], [nan, 1.0], [1.0, inf]])
    assert math.isnan(step(X))  # no anomaly mode: nan flows, as eagerly
    with detect_anomaly():
        with pytest.raises(FloatingPointError) as compiled:
            step(X)
        with pytest.raises(FloatingPointError) as eager:
            sum(f([Value(v) for v in row]) for row in X.tolist())
    assert str(compiled.value) == f"{eager.value}; at sample 2 of the batch (compiled)"
    assert str(eager.value).startswith("*: the forward value is nan (inputs nan, 1.0), made at ")
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"^log: .* at sample 1 of"):
        step(X[[0, 3]])  # the first row that goes wrong, and its first op
    with detect_anomaly():
        eager_mean = sum(f([Value(v) for v in row]).data for row in X[:2].tolist()) / 2
        assert step(X[:2]) == pytest.approx(eager_mean, rel=1e-15)


def test_detect_anomaly_names_a_layer_and_an_activation_in_compiled_code(numpy):
    model = MLP(2, [3, 1], activation="tanh", rng=random.Random(0))
    step = autograd.compile(lambda x: model(x))
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"^dot: .* at sample 1 of"):
        step(numpy.array([[1.0, 2.0], [inf, 0.0], [nan, 0.0]]))
    layer = Layer(2, 2, activation="linear", rng=random.Random(0))
    step = autograd.compile(lambda x: autograd.sum([o.exp() for o in layer(x)]))
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"^exp: .* at sample 1 of"):
        step(numpy.array([[1.0, 1.0], [1e3, 1e3]]))
    (program,) = step.programs.values()
    assert [s.kind for s in program.steps][:2] == ["layer", "map"]  # the exp over the layer


def test_detect_anomaly_names_a_gradient_that_overflows_in_compiled_code(numpy):
    w = Value(1.0)
    step = autograd.compile(lambda x: 1 / (x * w))  # finite values; d/dw at 1e-200 is -inf
    with detect_anomaly(), pytest.raises(FloatingPointError) as caught:
        step(numpy.array([1.0, 1e-200]))
    message = str(caught.value)
    assert message.startswith("/: the gradient flowing to input 1 is -inf")
    assert message.endswith("at sample 1 of the batch (compiled)")
    assert w.grad == 0.0  # nothing added: the step stopped before the gradients landed


def test_detect_anomaly_names_a_layers_weight_gradient_that_overflows(numpy):
    layer = Layer(2, 2, activation="linear")
    for neuron in layer.neurons:
        neuron.w[0].data, neuron.w[1].data, neuron.b.data = 1e-200, 0.0, 0.0
    step = autograd.compile(lambda x: autograd.sum(layer(x)) * 1e200, reduction="sum")
    X = numpy.array([[1.0, 1.0], [1e200, 1.0]])  # outputs 1e200 at most; w0's gradient inf
    assert step.forward(X).tolist() == [2.0, 2e200]
    with detect_anomaly(), pytest.raises(FloatingPointError) as caught:
        step(X)
    assert str(caught.value) == (
        "dot: the gradient flowing to the weights is inf (incoming gradient 1e+200); "
        "at sample 1 of the batch (compiled)"
    )
    with detect_anomaly(), pytest.raises(FloatingPointError, match="input 0"):
        (autograd.sum(layer(X[1].tolist())) * 1e200).backward()  # eagerly too


def test_fit_compiled_under_detect_anomaly_raises_as_eager_fit():
    X, y = [[0.1, 0.2], [nan, 1.0]], [1.0, -1.0]
    for compiled in (False, True):
        model = MLP(2, [3, 1], rng=random.Random(0))
        with detect_anomaly(), pytest.raises(FloatingPointError, match="forward value is nan"):
            fit(model, X, y, losses.mse, SGD(model.parameters(), lr=0.1), epochs=1,
                progress=False, compile=compiled)  # fmt: skip


# ---- strings and complex numbers are not batches --------------------------------------------


@pytest.mark.parametrize(
    "batch, kind",
    [
        ([["1", "2"]], "<U1"),
        ("numpy-strings", "<U1"),
        ("numpy-complex", "complex128"),
        ([[1 + 2j, 3.0]], "complex128"),
        ([[None, 1.0]], "object"),
        ([[Value(1.0), 2.0]], "object"),
    ],
)
def test_string_and_complex_batches_are_refused_as_eager_refuses_them(numpy, batch, kind):
    if batch == "numpy-strings":
        batch = numpy.array([["1", "2"]])
    elif batch == "numpy-complex":
        batch = numpy.array([[1 + 2j, 3.0]])
    step = autograd.compile(lambda x, y: x[0] * y)
    with pytest.raises(TypeError, match=rf"compile: argument 0 must be a numeric batch.*{kind}"):
        step(batch, numpy.array([1.0]))
    with pytest.raises(TypeError, match="compile: argument 1 must be a numeric batch"):
        step(numpy.array([[1.0, 2.0]]), [1 + 1j])
    with pytest.raises(TypeError, match="Value: expected a real number"):
        Value(numpy.ravel(numpy.asarray(batch, dtype=object))[0])  # eager refuses them too


def test_real_numbers_of_any_kind_still_make_batches(numpy):
    step = autograd.compile(lambda x: x[0] + x[1])
    assert list(step.forward([[Fraction(1, 2), 1], [True, numpy.float32(2.5)]])) == [1.5, 3.5]
    assert list(step.forward(numpy.array([[1, 2]], dtype=numpy.int8))) == [3.0]


# ---- reading a Value's number while tracing warns ------------------------------------------


def _traced_warnings(fn, *batch):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = autograd.compile(fn).forward(*batch)
    return out, [w for w in caught if w.category is TracerWarning]


def test_branching_on_a_value_while_tracing_warns_at_the_users_line(numpy):
    def f(x):
        if x > 0:  # frozen: the first sample's branch for every sample
            return x * 2
        return x * 3

    out, caught = _traced_warnings(f, numpy.array([1.0, -1.0]))
    assert list(out) == [2.0, -2.0]  # eagerly -3.0 for the second: the trace froze the branch
    (w,) = caught
    assert w.filename == THIS_FILE and w.lineno == f.__code__.co_firstlineno + 1
    assert "a > comparison" in str(w.message) and "first sample" in str(w.message)
    assert issubclass(TracerWarning, UserWarning) and "TracerWarning" in autograd.__all__


@pytest.mark.parametrize(
    "read, what",
    [
        (lambda x: float(x), "float(v)"),
        (lambda x: int(x), "int(v)"),
        (lambda x: bool(x), "bool(v)"),
        (lambda x: round(x), "round(v)"),
        (lambda x: math.floor(x), "math.floor(v)"),
        (lambda x: math.ceil(x), "math.ceil(v)"),
        (lambda x: math.trunc(x), "math.trunc(v)"),
        (lambda x: x.item(), "v.item()"),
        (lambda x: max(x, Value(0.0)), "comparison"),
        (lambda x: x <= 1, "<="),
        (lambda x: x >= 1, ">="),
        (lambda x: x < 1, "<"),
    ],
)
def test_every_conversion_and_comparison_of_a_value_warns_while_tracing(numpy, read, what):
    def f(x):
        read(x)
        return x * 2

    _, caught = _traced_warnings(f, numpy.array([1.5]))
    (w,) = caught
    assert what in str(w.message) and w.filename == THIS_FILE
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # eagerly the same reads say nothing
        read(Value(1.5))


def test_tracing_a_model_and_nn_losses_warns_nothing(numpy):
    model = MLP(3, [4, 4, 1], rng=random.Random(0))
    with warnings.catch_warnings():
        warnings.simplefilter("error", TracerWarning)
        autograd.compile(lambda x, y: losses.binary_cross_entropy([model(x)], [y])).forward(
            numpy.array([[1.0, 2.0, 3.0]]), numpy.array([1.0])
        )
        # a .data read cannot be seen (it is a plain attribute): it is frozen without a word
        autograd.compile(lambda x: x * 2 if x.data > 0 else x * 3).forward(numpy.array([1.0]))


# ---- what the function captured, rebound after compiling, is traced again -----------------

model = MLP(2, [3, 1], rng=random.Random(0))  # a global, as in a script


def test_replacing_a_global_models_layers_retraces(numpy):
    global model
    X = numpy.array([[1.0, 2.0], [3.0, -4.0]])
    step = autograd.compile(lambda x: model(x))
    step.forward(X)
    traced = step.programs
    step.forward(X)
    assert step.programs is traced  # unchanged: the same program, no new trace
    for change in (
        lambda: setattr(model, "layers", [Layer(2, 1, activation="linear")]),
        lambda: model.layers.__setitem__(0, Layer(2, 1, activation="tanh")),
        lambda: model.layers[0].neurons.__setitem__(0, Neuron(2)),
        lambda: setattr(model.layers[0].neurons[0], "w", [Value(5.0), Value(-1.0)]),
        lambda: setattr(model.layers[0].neurons[0], "b", Value(-1.0)),
    ):
        change()
        expected = [model(row).data for row in X.tolist()]
        assert step.forward(X).tolist() == pytest.approx(expected, rel=1e-15)
    new = model = MLP(2, [2, 1], rng=random.Random(3))  # the global itself rebound
    assert step.forward(X).tolist() == pytest.approx([new(r).data for r in X.tolist()], rel=1e-15)
    step(X)  # and the gradients go to the model's parameters now
    assert any(p.grad != 0.0 for p in new.parameters())


def test_a_value_swapped_inside_a_list_of_values_is_not_seen(numpy):
    # the documented blind spot: looking into every list of Values at every call would
    # cost as much as the step itself on a wide model
    net = MLP(2, [1], rng=random.Random(0))
    step = autograd.compile(lambda x: net(x))
    X = numpy.array([[1.0, 2.0]])
    before = step.forward(X).tolist()
    old = net.layers[0].neurons[0].w[1]
    net.layers[0].neurons[0].w[1] = Value(old.data + 1.0)
    assert step.forward(X).tolist() == before  # still the old Value's number
    net.layers[0].neurons[0].w = [Value(3.0), Value(4.0)]  # a new list is seen
    assert step.forward(X).tolist() == pytest.approx([net([1.0, 2.0]).data], rel=1e-15)


def test_rebinding_a_closed_over_value_retraces(numpy):
    w = Value(2.0)
    step = autograd.compile(lambda x: x * w)
    assert step.forward(numpy.array([1.0])).tolist() == [2.0]
    old, w = w, Value(3.0)
    assert step.forward(numpy.array([1.0])).tolist() == [3.0]
    step(numpy.array([1.0, 2.0]))
    assert (w.grad, old.grad) == (1.5, 0.0)  # the new Value is trained, not the old one


def test_a_helper_function_and_a_callable_model_are_watched_too(numpy):
    net = MLP(2, [2, 1], rng=random.Random(0))

    def predict(x):
        return net(x)

    step = autograd.compile(lambda x: predict(x) * 2)
    direct = autograd.compile(net)  # a Module is itself callable
    X = numpy.array([[1.0, 2.0]])
    step.forward(X), direct.forward(X)
    net.layers = [Layer(2, 1, activation="linear")]
    assert step.forward(X).tolist() == pytest.approx([2 * net([1.0, 2.0]).data])
    assert direct.forward(X).tolist() == pytest.approx([net([1.0, 2.0]).data])


def test_a_replaced_array_beside_the_values_retraces_without_error(numpy):
    state = {"w": Value(2.0), "table": numpy.zeros(3)}  # == on arrays gives no bool
    step = autograd.compile(lambda x: x * state["w"])
    assert step.forward(numpy.array([1.0])).tolist() == [2.0]
    state["table"] = numpy.ones(3)
    state["w"] = Value(5.0)
    assert step.forward(numpy.array([1.0])).tolist() == [5.0]


def test_a_wide_nn_model_is_compared_only_when_an_attribute_was_assigned(numpy):
    net = MLP(2, [3, 1], rng=random.Random(0))
    step = autograd.compile(lambda x: net(x))
    X = numpy.array([[1.0, 2.0]])
    step.forward(X)
    version = Module.structure_version()
    step.forward(X)
    assert Module.structure_version() == version  # calling assigns nothing
    net.layers[1].neurons[0].b = Value(10.0)  # an assignment moves the stamp ...
    assert Module.structure_version() != version
    expected = net([1.0, 2.0]).data
    assert step.forward(X).tolist() == pytest.approx([expected], rel=1e-15)  # ... and is seen


def test_a_model_of_its_own_kind_is_watched_attribute_by_attribute(numpy):
    class Scale:  # not an nn Module: no assignment stamp, so compared at every call
        def __init__(self):
            self.w = Value(2.0)

        def parameters(self):
            return [self.w]

        def __call__(self, x):
            return x * self.w

    scale = Scale()
    step = autograd.compile(lambda x: scale(x))
    assert step.forward(numpy.array([1.0])).tolist() == [2.0]
    scale.w = Value(3.0)
    assert step.forward(numpy.array([1.0])).tolist() == [3.0]

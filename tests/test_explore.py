"""autograd.explain and autograd.explore: backpropagation step by step, as text and as a page.

The page is checked in a real headless Chromium (the `chromium` fixture): loaded from
a file URL with every network request refused, stepped through every node, its
displayed gradients compared with the engine's."""

from __future__ import annotations

import io
import json
import math
import random
import re

import pytest
from hypothesis import given, settings

import autograd
from autograd import Value
from autograd.explorer import story
from autograd.testing import expressions
from nn import MLP


def neuron():
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2, b = Value(-3.0, "w1"), Value(1.0, "w2"), Value(6.881373587019543, "b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def small_mlp():
    model = MLP(2, [3, 1], rng=random.Random(0))
    X, Y = [[0.5, -1.0], [2.0, 0.25]], [1.0, -1.0]
    return autograd.sum([(1 - y * model(x)).relu() for x, y in zip(X, Y)])


def shared():
    x = Value(1.5, "x")
    y = x * x + x
    return (y * x).exp() - autograd.logsumexp([x, y]) + autograd.dot([x, y], [y, x])


def dead_branch():
    a, b = Value(-1.0, "a"), Value(3.0, "b")
    return (a * 2.0).relu() + b * b  # relu of a negative: nothing flows to a


GRAPHS = {"neuron": neuron, "mlp": small_mlp, "shared": shared, "dead branch": dead_branch}


def engine_grads(root):
    """Every Value's .grad after one backward() from zero, in the page's numbering."""
    nodes = autograd.viz.walk(root, None)
    for v in nodes:
        v.grad = 0.0
    root.backward()
    return [v.grad for v in nodes]


@pytest.mark.parametrize("build", GRAPHS.values(), ids=GRAPHS.keys())
def test_the_last_step_is_what_backward_gives_exactly(build):
    root = build()
    s = story(root)
    assert s.grads == engine_grads(root)  # the same numbers, not merely close


@settings(max_examples=60, deadline=None)
@given(expressions(n_inputs=(1, 3), max_ops=8))
def test_random_programs_match_backward(e):
    xs = [Value(x) for x in e.inputs]
    root = e.fn(*xs)
    if not isinstance(root, Value):
        return
    s = story(root)
    grads = engine_grads(root)
    assert all(a == b or (math.isnan(a) and math.isnan(b)) for a, b in zip(s.grads, grads))


def test_story_follows_backward_order_and_leaves_grads_alone():
    root = neuron()
    root.backward()
    before = [v.grad for v in autograd.viz.walk(root)]
    s = story(root)
    assert [v.grad for v in autograd.viz.walk(root)] == before  # nothing written
    order = [s.name(step.node) for step in s.backward]
    assert order[0] == "o" and order[1] == "n"  # the root first, then back to the inputs
    assert len(s.backward) == 5  # one step per computed Value: tanh, +, +, *, *
    # every step's gradient is complete: each node comes after all that use it
    seen = set()
    for step in s.backward:
        users = [i for i, v in enumerate(s.nodes) if step.node in s.inputs(i)]
        assert all(u in seen for u in users)
        seen.add(step.node)
    assert [s.name(i) for i in s.forward][-2:] == ["n", "o"]  # forward: inputs first


def test_explain_prints_one_line_per_chain_rule_step():
    out = io.StringIO()
    autograd.explain(neuron(), file=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "o = tanh(n): o.grad = 1 (the seed)"
    assert lines[1] == "  n.grad += 1 * do/dn 0.5 = 0.5   (n.grad so far 0.5)"
    chain = [line for line in lines if "+=" in line]
    assert len(chain) == 9  # one per edge: tanh 1, the two + 2 each, the two * 2 each
    assert "  x1.grad += 0.5 * dv3/dx1 -3 = -1.5   (x1.grad so far -1.5)" in lines
    assert "  w1.grad += 0.5 * dv3/dw1 2 = 1   (w1.grad so far 1)" in lines


def test_explain_writes_to_stdout_by_default(capsys):
    autograd.explain(Value(3.0, "leaf"))
    assert capsys.readouterr().out == "leaf: leaf.grad = 1 (the seed)\n"


def test_explore_writes_one_self_contained_page(tmp_path):
    path = autograd.explore(neuron(), tmp_path / "sub" / "neuron.html")
    assert path == tmp_path / "sub" / "neuron.html"
    page = path.read_text(encoding="utf-8")
    assert not re.search(r"\b(src|href)\s*=", page)  # nothing fetched: no scripts, no styles
    assert "@import" not in page and "url(" not in page
    assert page.count('data-node="') == 10  # ten Values: 5 leaves, 5 computed
    assert 'data-node="0" data-label="o"' in page
    buttons = re.findall(r'<button type="button" data-action="(\w+)"', page)
    assert buttons == ["first", "prev", "next", "last"]
    assert [p.name for p in path.parent.iterdir()] == ["neuron.html"]  # no temporary left


def test_labels_cannot_inject_markup_or_script(tmp_path):
    hostile = '</script><script>alert(1)</script>"><img src=x onerror=alert(2)>{{data}}'
    x = Value(2.0, hostile)
    page = autograd.explore(x * 3.0, tmp_path / "p.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "<img" not in page
    data = page.split('<script type="application/json" id="story">')[1].split("</script>")[0]
    assert json.loads(data)["names"][1] == hostile  # intact, inside one script element


def test_size_guard_and_bad_arguments(tmp_path):
    x = Value(1.0)
    big = autograd.sum([x * float(i) for i in range(60)])
    with pytest.raises(ValueError, match=r"explore: the graph has more than max_nodes=50"):
        autograd.explore(big, tmp_path / "big.html", max_nodes=50)
    assert not (tmp_path / "big.html").exists()
    autograd.explore(big, tmp_path / "big.html", max_nodes=None)  # when asked for
    with pytest.raises(TypeError, match="explore: root must be a Value, got float"):
        autograd.explore(1.0, tmp_path / "x.html")
    with pytest.raises(TypeError, match="explain: root must be a Value, got list"):
        autograd.explain([x])
    with autograd.no_grad():
        frozen = x * 2.0
    with pytest.raises(RuntimeError, match=r"explain: this Value \(\* = 2.0\) was computed under"):
        autograd.explain(frozen)
    with pytest.raises(ValueError, match="explore: precision must be an int from 1 to 17"):
        autograd.explore(x * 2.0, tmp_path / "x.html", precision=0)
    with pytest.raises(TypeError, match="explain: precision must be an int, got str '4'"):
        autograd.explain(x * 2.0, precision="4")


# ---- in a real browser -------------------------------------------------------------------


@pytest.fixture
def open_page(chromium):
    """Open a page file in Chromium with the network refused; the page's errors are failures."""
    pages = []

    def open_(path):
        page = chromium.new_page(viewport={"width": 1400, "height": 900})
        errors, requests = [], []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("dialog", lambda d: errors.append(f"dialog: {d.message}"))

        def refuse(route):
            requests.append(route.request.url)
            route.abort()

        page.route(re.compile(r"^(?!file:).*"), refuse)
        page.goto(path.as_uri())
        page.errors, page.requests = errors, requests
        pages.append(page)
        return page

    yield open_
    for page in pages:
        page.close()


def shown(page):
    """{data-node: data-grad} as the page shows them now."""
    return page.eval_on_selector_all(
        "[data-node]",
        "els => Object.fromEntries(els.map(e => "
        "[e.dataset.node, e.querySelector('[data-grad]').getAttribute('data-grad')]))",
    )


def number(text):
    return float(text) if text else None


@pytest.mark.parametrize("build", [neuron, small_mlp], ids=["neuron", "mlp"])
def test_stepping_through_every_node_shows_the_engines_gradients(build, open_page, tmp_path):
    root = build()
    s = story(root)
    path = autograd.explore(root, tmp_path / "page.html")
    final = engine_grads(root)
    page = open_page(path)
    assert set(shown(page).values()) == {""}  # nothing reached yet
    for k, step in enumerate(s.backward):
        page.click('[data-action="next"]')
        now = shown(page)
        # the node backward visits now shows its complete gradient: the engine's
        assert number(now[str(step.node)]) == final[step.node]
        assert page.get_attribute(f'[data-node="{step.node}"]', "class") == "node current"
        for t in step.terms:  # its inputs show what they have received so far
            if t.parent not in {st.node for st in s.backward[: k + 1]}:
                assert number(now[str(t.parent)]) == t.total
    now = shown(page)
    assert {int(i): number(g) for i, g in now.items()} == dict(enumerate(final))
    assert page.is_disabled('[data-action="next"]')
    # back one step: the last visited node's inputs lose what it sent them
    page.click('[data-action="prev"]')
    last = s.backward[-1]
    for t in last.terms:
        assert shown(page)[str(t.parent)] in ("", repr(t.total - t.product), repr(final[t.parent]))
    assert page.errors == [] and page.requests == []


def test_arrow_keys_step_and_the_forward_view_fills_in_values(open_page, tmp_path):
    root = neuron()
    s = story(root)
    page = open_page(autograd.explore(root, tmp_path / "page.html"))
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.inner_text("#counter") == "backward pass: step 2 of 5"
    page.keyboard.press("ArrowLeft")
    assert page.inner_text("#counter") == "backward pass: step 1 of 5"
    page.keyboard.press("End")
    assert page.inner_text("#counter") == "backward pass: step 5 of 5"

    page.click('[data-view="forward"]')
    data = page.eval_on_selector_all(
        "[data-node]", "els => els.map(e => e.querySelector('[data-data]').textContent)"
    )
    assert data.count("data ?") == len(s.forward)  # only the inputs are known
    for i in s.forward:
        page.keyboard.press("ArrowRight")
        cell = page.text_content(f'[data-node="{i}"] [data-data]')
        assert cell == f"data {s.nodes[i].data:.4g}"
        assert s.expression(i) in page.inner_text("#panel")
    assert "o = tanh(n) = 0.7071" in page.inner_text("#panel")
    assert set(shown(page).values()) == {""}  # no gradients in the forward view
    assert page.errors == [] and page.requests == []


def test_hostile_labels_stay_text_in_the_browser(open_page, tmp_path):
    hostile = '</script><script>alert(1)</script>"><img src=x onerror=alert(2)>'
    x = Value(2.0, hostile)
    page = open_page(autograd.explore(x * 3.0, tmp_path / "p.html"))
    page.keyboard.press("End")
    assert page.get_attribute('[data-node="1"]', "data-label") == hostile
    assert page.errors == [] and page.requests == []  # no alert, no image fetched


def test_the_demo_writes_pages_for_a_neuron_and_an_mlp(tmp_path, capsys):
    from demos.explore import main

    result = main(["--out", str(tmp_path), "--epochs", "2"])
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["explore_mlp.html", "explore_neuron.html"]
    assert [p.name for p in result["pages"]] == ["explore_neuron.html", "explore_mlp.html"]
    out = capsys.readouterr().out
    assert out.startswith("o = tanh(n): o.grad = 1 (the seed)\n")
    loss = result["mlp_loss"]
    page = (tmp_path / "explore_mlp.html").read_text(encoding="utf-8")
    assert 'data-node="0" data-label="loss"' in page
    assert story(loss).grads == engine_grads(loss)
    main(["--out", str(tmp_path / "none"), "--no-plot"])
    assert not (tmp_path / "none").exists()

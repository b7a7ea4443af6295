"""Specification of neuronsim.plot.expression: seed 002's picture of a Value expression."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import neuronsim  # noqa: E402
from neuronsim.autograd import Value, expression as network_expression  # noqa: E402
from neuronsim.errors import NeuronsimError, NeuronsimTypeError  # noqa: E402
from neuronsim.plot.expression import expression  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def seed_neuron():
    """Seed 003's neuron, o = tanh(x1·w1 + x2·w2 + b) with tanh written through exp."""
    x1, w1, x2, w2 = Value(2.0, "x1"), Value(-3.0, "w1"), Value(0.0, "x2"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    e = (2 * n).exp()
    o = (e - 1) / (e + 1)
    o.label = "o"
    o.backward()
    return o


def artists(ax, kind):
    return [t for t in ax.texts if (t.get_gid() or "").startswith(kind + ":")]


def test_renders_a_non_blank_png(tmp_path):
    ax = expression(seed_neuron())
    path = tmp_path / "neuron.png"
    ax.figure.savefig(path, dpi=60)
    pixels = mpimg.imread(path)
    assert pixels.ndim == 3 and pixels.shape[0] > 20 and pixels.shape[1] > 20
    assert pixels[..., :3].var() > 1e-3


def test_one_record_box_per_value_and_one_circle_per_operation():
    o = seed_neuron()
    G = o.to_networkx()
    ax = expression(o)
    values = artists(ax, "value")
    ops = artists(ax, "op")
    assert len(values) == sum(1 for _, d in G.nodes(data=True) if d["kind"] == "value")
    assert len(ops) == sum(1 for _, d in G.nodes(data=True) if d["kind"] == "op")
    assert all(t.get_bbox_patch().get_boxstyle().__class__.__name__ == "Square" for t in values)
    assert all(t.get_bbox_patch().get_boxstyle().__class__.__name__ == "Circle" for t in ops)


def test_records_read_label_data_and_grad():
    o = seed_neuron()
    texts = {t.get_text() for t in artists(expression(o), "value")}
    assert "o | data 0.7071 | grad 1.0000" in texts
    assert "x1 | data 2.0000 | grad -1.5000" in texts
    assert "data 2.0000 | grad 0.2203" in texts  # the constant 2 of exp(2n), unlabelled


def test_show_grad_false_leaves_grads_out():
    texts = [t.get_text() for t in artists(expression(seed_neuron(), show_grad=False), "value")]
    assert "o | data 0.7071" in texts and not any("grad" in t for t in texts)


def test_operations_show_their_symbols():
    a, b = Value(2.0, "a"), Value(3.0, "b")
    y = ((a * b - a / b) ** 2).exp() + abs(-a)
    symbols = sorted(t.get_text() for t in artists(expression(y), "op"))
    assert symbols == sorted(["×", "÷", "−", "x^2", "exp", "+", "|x|", "−x"])


def test_one_arrow_per_operand_slot():
    a = Value(3.0, "a")
    y = a * a + a  # a fills both slots of '*' and one of '+'
    ax = expression(y)
    arrows = [t for t in ax.texts if t.get_gid() == "edge"]
    assert len(arrows) == 2 + 1 + 1 + 1 + 1  # a->*, a->*, *->a², a²->+, a->+, +->y


def test_flows_left_to_right_by_default_and_top_to_bottom_on_request():
    o = seed_neuron()
    G = o.to_networkx()
    root, leaf = G.graph["root"], ("value", 0)
    for rankdir, axis, sign in (("LR", 0, 1), ("RL", 0, -1), ("TB", 1, -1), ("BT", 1, 1)):
        ax = expression(o, rankdir=rankdir)
        where = {t.get_gid(): t.get_position() for t in artists(ax, "value")}
        flow = where[f"value:{root[1]}"][axis] - where[f"value:{leaf[1]}"][axis]
        assert flow * sign > 0, rankdir
        plt.close("all")


def test_draws_on_the_given_axes_and_returns_it():
    fig, ax = plt.subplots()
    assert expression(seed_neuron(), ax=ax) is ax
    assert len(fig.axes) == 1


def test_draws_a_network_loss_expression(tmp_path):
    net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 2), ("sigmoid", 1)], seed=0)
    expr = network_expression(net, [0.5, -1.0], [1.0])
    expr.loss.backward()
    ax = expression(expr.loss)
    labels = {t.get_text().split(" | ")[0] for t in artists(ax, "value")}
    assert {"C", "w[x1->h1]", "b[o1]", "z[h2]", "a[o1]"} <= labels
    ax.figure.savefig(tmp_path / "loss.png", dpi=40)


def test_a_single_leaf_is_one_record():
    ax = expression(Value(1.5, "x"))
    assert [t.get_text() for t in artists(ax, "value")] == ["x | data 1.5000 | grad 0.0000"]
    assert artists(ax, "op") == []


def test_refuses_what_is_not_a_value_and_unknown_directions():
    with pytest.raises(NeuronsimTypeError, match="draws a Value, got float"):
        expression(1.0)
    with pytest.raises(NeuronsimError, match="unknown rankdir 'XY'"):
        expression(Value(1.0), rankdir="XY")


def test_never_shows_a_window(monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show() was called"))
    expression(seed_neuron())

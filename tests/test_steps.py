"""Step generators: per-neuron steps that reproduce forward()/backward() bit for bit."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neuronsim
from neuronsim.steps import BackwardStep, EdgeContribution, ForwardStep


def small_dag():
    net = neuronsim.Network.from_spec({
        "layers": [("identity", 2), ("tanh", 3), ("sigmoid", 2)],
        "edges": [["x1", "o2", 0.7], ["x2", "o1", -0.4]],
    }, init="uniform", seed=3)
    return net


def state(net):
    neurons = {n.name: (n.z, n.a, n.delta, n.bias_grad) for n in net.neurons}
    edges = {(u, v): (d["weight"], d["grad"]) for u, v, d in net.graph.edges(data=True)}
    return neurons, edges


@st.composite
def dag_cases(draw):
    """A random DAG (skip links, mixed activations, one or two outputs) with an input and target."""
    n_in, n_hidden, n_out = draw(st.integers(1, 3)), draw(st.integers(1, 5)), draw(st.integers(1, 2))
    acts = ["sigmoid", "tanh", "softplus", "silu", "identity", "elu"]
    names = ([f"x{i}" for i in range(n_in)] + [f"h{i}" for i in range(n_hidden)]
             + [f"o{i}" for i in range(n_out)])
    net = neuronsim.Network()
    weights = st.floats(-1.5, 1.5, allow_nan=False)
    for name in names:
        act = "identity" if name.startswith("x") else draw(st.sampled_from(acts))
        net.add_neuron(name, act, bias=draw(weights))
    for j, dst in enumerate(names):
        if dst.startswith("x"):
            continue
        sources = [s for s in names[:j] if not s.startswith("o")]
        chosen = draw(st.lists(st.sampled_from(sources), min_size=1, max_size=len(sources), unique=True))
        for src in chosen:
            net.connect(src, dst, draw(weights))
    net.set_inputs([n for n in names if n.startswith("x")])
    net.set_outputs([n for n in names if n.startswith("o")])
    x = draw(st.lists(st.floats(-2, 2, allow_nan=False), min_size=n_in, max_size=n_in))
    target = draw(st.lists(st.floats(0, 1, allow_nan=False), min_size=n_out, max_size=n_out))
    return net, x, target


@settings(max_examples=60, deadline=None)
@given(dag_cases())
def test_exhausting_the_step_generators_equals_forward_and_backward_bit_for_bit(case):
    net, x, target = case
    twin = net.copy()
    for _ in range(2):  # twice: gradients accumulate identically too
        out = net.forward(x)
        loss = net.backward(target)
        forward = list(twin.forward_steps(x))
        backward = list(twin.backward_steps(target))
        assert [s.a for s in forward if s.neuron.name in {n.name for n in twin.outputs}] == out
        assert backward[0].loss == loss
        assert state(net) == state(twin)


def test_a_backward_step_terms_reproduce_its_delta():
    net = small_dag()
    net.forward([0.3, -0.8])
    for step in net.backward_steps([1.0, 0.0]):
        total = sum(t.product for t in step.terms) + (step.loss_term or 0.0)
        assert math.isclose(step.total, total, rel_tol=1e-12, abs_tol=1e-15)
        assert math.isclose(step.delta, step.fprime * total, rel_tol=1e-12, abs_tol=1e-15)
        assert step.delta == step.neuron.delta


def test_backward_terms_pair_each_downstream_weight_with_that_neurons_delta():
    net = small_dag()
    net.forward([0.3, -0.8])
    for step in net.backward_steps([1.0, 0.0]):
        for term in step.terms:
            assert term.weight == net.weight(step.neuron.name, term.neuron.name)
            assert term.value == term.neuron.delta
            assert term.product == term.weight * term.value


def test_a_forward_step_terms_reproduce_its_activation():
    net = small_dag()
    for step in net.forward_steps([0.3, -0.8]):
        assert isinstance(step, ForwardStep)
        if step.clamped:
            assert step.terms == () and step.z == step.a
            continue
        assert math.isclose(step.z, step.bias + sum(t.product for t in step.terms), rel_tol=1e-12)
        assert step.a == step.neuron.activation.f(step.z)
        assert all(t.value == t.neuron.a for t in step.terms)


def test_output_steps_carry_the_loss_gradient_and_hidden_steps_do_not():
    net = small_dag()
    net.forward([0.3, -0.8])
    steps = {s.neuron.name: s for s in net.backward_steps([1.0, 0.0])}
    assert steps["o1"].loss_term == pytest.approx(net["o1"].a - 1.0)
    assert steps["o2"].loss_term == pytest.approx(net["o2"].a - 0.0)
    assert steps["h1"].loss_term is None


def test_stopping_the_backward_generator_early_leaves_unvisited_neurons_untouched():
    net = small_dag()
    net.forward([0.3, -0.8])
    steps = net.backward_steps([1.0, 0.0])
    visited = [next(steps).neuron.name for _ in range(2)]
    assert visited == ["o2", "o1"]
    for name in ("h1", "h2", "h3"):
        assert net[name].delta is None and net[name].bias_grad == 0.0
    for src in ("h1", "h2", "h3"):
        assert net.graph.edges["x1", src]["grad"] == 0.0
    # the visited part is consistent: each visited neuron's incoming grads are a_i δ_j
    for name in visited:
        for src, _ in net[name].upstream:
            assert net.graph.edges[src.name, name]["grad"] == src.a * net[name].delta


def test_stopping_the_forward_generator_early_leaves_later_neurons_untouched():
    net = small_dag()
    steps = net.forward_steps([0.3, -0.8])
    for _ in range(3):  # x1, x2, h1
        next(steps)
    assert net["h1"].a is not None
    assert net["h2"].a is None and net["o1"].a is None


def test_edge_by_edge_mode_yields_each_downstream_contribution_with_a_running_sum():
    net = small_dag()
    net.forward([0.3, -0.8])
    items = list(net.backward_steps([1.0, 0.0], by_edge=True))
    contributions = [i for i in items if isinstance(i, EdgeContribution)]
    assert len(contributions) == net.graph.number_of_edges() - sum(
        1 for u, _ in net.graph.edges() if u in ("x1", "x2"))
    h1 = [c for c in contributions if c.neuron.name == "h1"]
    assert [c.downstream.name for c in h1] == ["o1", "o2"]
    assert h1[-1].partial_sum == pytest.approx(sum(c.product for c in h1))
    step = next(i for i in items if isinstance(i, BackwardStep) and i.neuron.name == "h1")
    assert step.total == h1[-1].partial_sum


def test_fused_loss_steps_report_the_loss_own_delta():
    net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 2), ("identity", 3)], seed=1)
    net.forward([0.5, 0.1])
    steps = {s.neuron.name: s for s in net.backward_steps([0, 1, 0], loss="softmax_cross_entropy")}
    assert all(steps[o].delta == steps[o].loss_term for o in ("o1", "o2", "o3"))
    assert sum(steps[o].delta for o in ("o1", "o2", "o3")) == pytest.approx(0.0, abs=1e-12)


def test_backward_steps_before_a_forward_pass_is_an_error():
    net = small_dag()
    with pytest.raises(neuronsim.NeuronsimError, match="forward"):
        next(net.backward_steps([1.0, 0.0]))


def test_step_generators_validate_their_input_before_the_first_step():
    net = small_dag()
    with pytest.raises(neuronsim.errors.ShapeError, match="expected 2 values, got 3"):
        net.forward_steps([1.0, 2.0, 3.0])
    net.forward([0.0, 0.0])
    with pytest.raises(neuronsim.errors.ShapeError, match="target"):
        net.backward_steps([1.0])


# --- the generators refuse what forward() and backward() refuse ---------------------------------

from neuronsim.errors import NonFiniteError  # noqa: E402


def test_forward_steps_refuse_an_overflow_at_the_step_of_the_culprit():
    net = neuronsim.Network.from_spec([("identity", 2), ("identity", 2), ("identity", 1)], init="constant")
    net.set_weight("x2", "h2", -1.0)
    steps = net.forward_steps([1e308, 1e308])
    assert [next(steps).neuron.name for _ in range(2)] == ["x1", "x2"]
    with pytest.raises(NonFiniteError, match=r"^neuron 'h1': z = b \+ Σ w·a overflowed to inf$"):
        next(steps)


def test_forward_steps_name_a_string_weight_edited_in_the_graph():
    net = neuronsim.Network.from_spec([("identity", 1), ("tanh", 1)], init="constant")
    net.forward([1.0])
    net.graph.edges["x1", "o1"]["weight"] = "1"
    with pytest.raises(neuronsim.errors.NeuronsimTypeError, match=r"edge x1 -> o1: weight in net.graph"):
        list(net.forward_steps([1.0]))


def test_backward_steps_refuse_an_overflowing_delta_and_restore_the_gradients_of_the_pass():
    net = neuronsim.Network()
    for name in ("x", "h", "o"):
        net.add_neuron(name, "identity")
    net.connect("x", "h", 3e-308)
    net.connect("h", "o", 1e308)
    net.forward([1.0])
    net.backward([2.9])
    before = net.gradients()
    steps = net.backward_steps([1.0])
    assert next(steps).neuron.name == "o"       # o's gradients are accumulated here...
    assert net.gradients() != before
    with pytest.raises(NonFiniteError, match=r"neuron 'h': δ = f′\(z\) · Σ w·δ overflowed to inf"):
        next(steps)
    assert net.gradients() == before            # ...and given back when the pass is refused

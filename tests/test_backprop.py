"""Specification of backpropagation in the object engine: deltas and gradients, edge by edge."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import close, finite_difference_gradients, random_dags
from neuronsim import Network
from neuronsim.errors import NeuronsimError


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


def build(neurons, edges, inputs=None, outputs=None):
    """A network from (name, activation, bias) triples and (src, dst, weight) triples."""
    net = Network()
    for name, activation, bias in neurons:
        net.add_neuron(name, activation, bias)
    for src, dst, weight in edges:
        net.connect(src, dst, weight)
    if inputs is not None:
        net.set_inputs(inputs)
    if outputs is not None:
        net.set_outputs(outputs)
    return net


def fresh_gradients(net, x, target, loss="squared_error"):
    net.zero_grad()
    net.forward(x)
    net.backward(target, loss)
    return net.gradients()


def assert_gradients_match_finite_differences(net, x, target, loss="squared_error"):
    analytic = fresh_gradients(net, x, target, loss)
    numeric = finite_difference_gradients(net, x, target, loss)
    for key, a, n in zip(net.parameter_keys(), analytic, numeric):
        assert close(a, n), f"{key}: backprop {a!r}, finite difference {n!r}"


# --- seed 004's printed example ----------------------------------------------------------------


@pytest.fixture
def seed_004():
    net = Network.from_spec([("identity", 4), ("sigmoid", 5), ("sigmoid", 3)], init="constant")
    net.forward([5.1, 3.5, 1.4, 0.2])
    net.backward([1, 0, 0], "squared_error")
    return net


def test_seed_004_output_deltas_are_the_printed_values(seed_004):
    expected = [-4.4510827315210804e-05, 0.006604764921594382, 0.006604764921594382]
    got = [seed_004[name].delta for name in ("o1", "o2", "o3")]
    assert got == pytest.approx(expected, rel=1e-12, abs=0)


def test_seed_004_hidden_deltas_are_all_the_printed_value(seed_004):
    got = [seed_004[f"h{i}"].delta for i in range(1, 6)]
    assert got == pytest.approx([4.893115758926319e-07] * 5, rel=1e-12, abs=0)


def test_seed_004_input_neurons_have_no_delta(seed_004):
    assert all(seed_004[f"x{i}"].delta is None for i in range(1, 5))


# --- a 2-2-1 network computed by hand ---------------------------------------------------------


@pytest.fixture
def two_two_one():
    net = build(
        [("x1", "identity", 0.0), ("x2", "identity", 0.0),
         ("h1", "sigmoid", 0.35), ("h2", "sigmoid", 0.35), ("o", "sigmoid", 0.60)],
        [("x1", "h1", 0.15), ("x2", "h1", 0.20), ("x1", "h2", 0.25), ("x2", "h2", 0.30),
         ("h1", "o", 0.40), ("h2", "o", 0.45)])
    net.forward([0.05, 0.10])
    net.backward([0.01])
    return net


def test_hand_computed_network_forward_values(two_two_one):
    a_h1 = sigmoid(0.15 * 0.05 + 0.20 * 0.10 + 0.35)
    assert two_two_one["h1"].z == pytest.approx(0.3775, rel=1e-15)
    assert a_h1 == pytest.approx(0.593269992, abs=1e-9)
    assert two_two_one["h1"].a == pytest.approx(a_h1, rel=1e-15)


def test_hand_computed_network_output_delta_is_loss_gradient_times_slope(two_two_one):
    a_h1 = sigmoid(0.3775)
    a_h2 = sigmoid(0.25 * 0.05 + 0.30 * 0.10 + 0.35)
    a_o = sigmoid(0.40 * a_h1 + 0.45 * a_h2 + 0.60)
    assert two_two_one["o"].delta == pytest.approx((a_o - 0.01) * a_o * (1 - a_o), rel=1e-14)


def test_hand_computed_network_hidden_deltas_follow_the_weights_back(two_two_one):
    delta_o = two_two_one["o"].delta
    for name, w in (("h1", 0.40), ("h2", 0.45)):
        a = two_two_one[name].a
        assert two_two_one[name].delta == pytest.approx(a * (1 - a) * w * delta_o, rel=1e-14)


def test_hand_computed_network_weight_gradient_is_source_activation_times_delta(two_two_one):
    graph = two_two_one.graph
    assert graph.edges["h1", "o"]["grad"] == pytest.approx(two_two_one["h1"].a * two_two_one["o"].delta,
                                                           rel=1e-15)
    assert graph.edges["x2", "h1"]["grad"] == pytest.approx(0.10 * two_two_one["h1"].delta, rel=1e-15)


def test_hand_computed_network_bias_gradient_is_the_delta(two_two_one):
    for name in ("h1", "h2", "o"):
        assert two_two_one[name].bias_grad == two_two_one[name].delta


def test_backward_returns_the_loss_of_the_case():
    net = Network.from_spec([("identity", 2), ("tanh", 3), ("sigmoid", 2)], seed=3)
    net.forward([0.4, -0.9])
    value = net.backward([1.0, 0.0])
    assert value == net.loss([0.4, -0.9], [1.0, 0.0])


# --- random DAGs against finite differences ---------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(random_dags())
def test_random_dag_gradients_equal_central_finite_differences(case):
    assert_gradients_match_finite_differences(case.net, case.x, case.target, case.loss)


# --- fan-out, outputs that feed on, accumulation ----------------------------------------------


def test_neuron_feeding_several_neurons_sums_their_contributions():
    net = build(
        [("x", "identity", 0.0), ("h", "tanh", 0.1), ("o1", "sigmoid", -0.2), ("o2", "identity", 0.3)],
        [("x", "h", 0.8), ("h", "o1", 1.5), ("h", "o2", -0.7)])
    net.forward([0.5])
    net.backward([1.0, 0.25])
    a_h = math.tanh(0.8 * 0.5 + 0.1)
    a_o1 = sigmoid(1.5 * a_h - 0.2)
    a_o2 = -0.7 * a_h + 0.3
    delta_o1 = (a_o1 - 1.0) * a_o1 * (1 - a_o1)
    delta_o2 = a_o2 - 0.25
    assert net["h"].delta == pytest.approx((1 - a_h ** 2) * (1.5 * delta_o1 - 0.7 * delta_o2), rel=1e-14)


def test_output_neuron_that_feeds_another_output_adds_both_gradients():
    net = build(
        [("x", "identity", 0.0), ("o1", "tanh", 0.2), ("o2", "sigmoid", 0.0)],
        [("x", "o1", 0.9), ("o1", "o2", 1.2), ("x", "o2", -0.4)], outputs=["o1", "o2"])
    net.forward([0.7])
    net.backward([0.3, 1.0])
    a1, a2 = net["o1"].a, net["o2"].a
    delta_o2 = (a2 - 1.0) * a2 * (1 - a2)
    assert net["o1"].delta == pytest.approx((1 - a1 ** 2) * ((a1 - 0.3) + 1.2 * delta_o2), rel=1e-14)
    assert_gradients_match_finite_differences(net, [0.7], [0.3, 1.0])


def test_edge_used_by_several_samples_accumulates_each_samples_share():
    net = Network.from_spec([("identity", 2), ("sigmoid", 2), ("sigmoid", 1)], seed=5)
    net.zero_grad()
    shares = []
    for x, t in (([0.3, -1.2], [1.0]), ([1.1, 0.4], [0.0]), ([-0.6, 0.9], [1.0])):
        net.forward(x)
        net.backward(t)
        shares.append(net["h1"].a * net["o1"].delta)
    assert net.graph.edges["h1", "o1"]["grad"] == pytest.approx(sum(shares), rel=1e-14)


def test_gradients_of_several_samples_are_the_sum_of_each_samples_gradients():
    net = Network.from_spec([("identity", 3), ("tanh", 4), ("identity", 2)], seed=11)
    cases = [([0.5, -0.2, 1.0], [0.1, -0.3]), ([-1.0, 0.7, 0.2], [0.4, 0.9])]
    alone = [fresh_gradients(net, x, t) for x, t in cases]
    net.zero_grad()
    for x, t in cases:
        net.forward(x)
        net.backward(t)
    assert net.gradients() == [a + b for a, b in zip(*alone)]


def test_zero_grad_starts_a_fresh_accumulation():
    net = Network.from_spec([("identity", 2), ("sigmoid", 2), ("sigmoid", 1)], seed=2)
    once = fresh_gradients(net, [0.2, 0.8], [1.0])
    net.forward([0.2, 0.8])
    net.backward([1.0])
    assert net.gradients() == [2 * g for g in once]
    assert fresh_gradients(net, [0.2, 0.8], [1.0]) == once


def test_neuron_with_relu_below_zero_passes_no_gradient_back():
    net = build(
        [("x", "identity", 0.0), ("h", "relu", -1.0), ("o", "identity", 0.0)],
        [("x", "h", 0.5), ("h", "o", 2.0)])
    net.forward([1.0])
    net.backward([3.0])
    assert net["h"].delta == 0.0
    assert net.graph.edges["x", "h"]["grad"] == 0.0
    assert net["h"].bias_grad == 0.0


# --- losses with their own output delta -------------------------------------------------------


def test_binary_cross_entropy_on_sigmoid_outputs_gives_delta_a_minus_t_even_when_saturated():
    net = build([("x", "identity", 0.0), ("o", "sigmoid", 0.0)], [("x", "o", 1.0)])
    net.forward([40.0])  # σ(40) rounds to exactly 1.0, where a(1 − a) is 0
    net.backward([0.0], "binary_cross_entropy")
    assert net["o"].a == 1.0
    assert net["o"].delta == 1.0


def test_softmax_cross_entropy_output_delta_is_softmax_minus_target():
    net = build(
        [("x", "identity", 0.0), ("o1", "identity", 0.5), ("o2", "identity", -0.3), ("o3", "identity", 0.1)],
        [("x", "o1", 1.0), ("x", "o2", 2.0), ("x", "o3", -1.0)])
    net.forward([0.4])
    target = [0.0, 1.0, 0.0]
    net.backward(target, "softmax_cross_entropy")
    z = [n.z for n in net.outputs]
    norm = sum(math.exp(v) for v in z)
    expected = [math.exp(v) / norm - t for v, t in zip(z, target)]
    assert [n.delta for n in net.outputs] == pytest.approx(expected, rel=1e-14)


# --- structural edits between passes ----------------------------------------------------------


@pytest.fixture
def trained_once():
    """A small network that has already been through one forward/backward pass."""
    net = Network.from_spec([("identity", 2), ("tanh", 3), ("sigmoid", 2)], seed=21)
    net.forward([0.3, -0.8])
    net.backward([1.0, 0.0])
    return net


def test_gradients_are_correct_after_adding_a_neuron_between_passes(trained_once):
    net = trained_once
    net.add_neuron("extra", "softplus", bias=0.2)
    net.connect("x1", "extra", 0.7)
    net.connect("h2", "extra", -0.4)
    net.connect("extra", "o1", 1.1)
    assert ("extra", "o1") in net.parameter_keys()
    assert_gradients_match_finite_differences(net, [0.3, -0.8], [1.0, 0.0])


def test_gradients_are_correct_after_removing_a_neuron_between_passes(trained_once):
    net = trained_once
    net.remove_neuron("h2")
    assert "h2" not in net.parameter_keys()
    assert_gradients_match_finite_differences(net, [0.3, -0.8], [1.0, 0.0])


def test_gradients_are_correct_after_adding_a_skip_link_between_passes(trained_once):
    net = trained_once
    net.connect("x2", "o2", -1.3)
    assert_gradients_match_finite_differences(net, [0.3, -0.8], [1.0, 0.0])


def test_gradients_are_correct_after_removing_a_link_between_passes(trained_once):
    net = trained_once
    net.disconnect("h1", "o1")
    assert ("h1", "o1") not in net.parameter_keys()
    assert_gradients_match_finite_differences(net, [0.3, -0.8], [1.0, 0.0])


def test_gradients_are_correct_after_edits_made_directly_on_the_graph(trained_once):
    net = trained_once
    net.graph.add_edge("x1", "o2", weight=0.9, grad=0.0)
    net.graph.remove_edge("h3", "o1")
    assert_gradients_match_finite_differences(net, [0.3, -0.8], [1.0, 0.0])


def test_gradients_are_correct_after_naming_a_hidden_neuron_as_an_extra_output(trained_once):
    net = trained_once
    net.set_outputs(["o1", "o2", "h1"])
    assert_gradients_match_finite_differences(net, [0.3, -0.8], [1.0, 0.0, -0.5])


def test_gradients_are_correct_after_changing_an_activation_between_passes(trained_once):
    net = trained_once
    net["h1"].activation = "silu"
    assert_gradients_match_finite_differences(net, [0.3, -0.8], [1.0, 0.0])


def test_backward_after_a_structural_edit_needs_a_new_forward_pass(trained_once):
    trained_once.disconnect("x1", "h1")
    with pytest.raises(NeuronsimError, match=r"forward\(\)"):
        trained_once.backward([1.0, 0.0])


# --- a backward pass never writes a NaN or inf ----------------------------------------------------

from neuronsim.errors import NonFiniteError  # noqa: E402


def tiny_then_huge():
    """x -> h -> o (identity): w = 3e-308 then 1e308, so o ≈ 3x but δ_h = 1e308 δ_o."""
    net = Network()
    for name in ("x", "h", "o"):
        net.add_neuron(name, "identity")
    net.connect("x", "h", 3e-308)
    net.connect("h", "o", 1e308)
    return net


def test_a_delta_that_overflows_names_the_neuron_and_leaves_every_gradient_as_it_was():
    net = tiny_then_huge()
    net.forward([1.0])
    net.backward([2.9])                         # δ_o ≈ 0.1: δ_h ≈ 1e307 is still finite
    before = net.gradients()
    with pytest.raises(NonFiniteError, match=r"^neuron 'h': δ = f′\(z\) · Σ w·δ overflowed to inf$"):
        net.backward([1.0])                     # δ_o ≈ 2: δ_h ≈ 2e308
    assert net.gradients() == before


def test_a_hidden_delta_of_an_activation_whose_derivative_is_nan_names_the_activation():
    from neuronsim.activations import Activation

    net = Network()
    net.add_neuron("x", "identity")
    net.add_neuron("h", Activation("nan_slope_demo", lambda z: z, lambda z, a: math.nan))
    net.add_neuron("o", "identity")
    net.connect("x", "h", 1.0)
    net.connect("h", "o", 1.0)
    net.forward([1.0])
    with pytest.raises(NonFiniteError, match=r"neuron 'h': f′\(z\) is nan at z = 1.0 \(derivative of activation "
                                             r"'nan_slope_demo'\)"):
        net.backward([0.0])
    assert net.gradients() == [0.0, 0.0, 0.0, 0.0]


_scale = st.sampled_from([1.0, 1e100, 1e154, 1e200, 1e300, 1e308])


@settings(max_examples=60, deadline=None)
@given(random_dags(), _scale, _scale)
def test_on_any_dag_a_pass_returns_only_finite_numbers_or_refuses_with_gradients_untouched(case, w_scale, x_scale):
    def clipped(v):
        return max(-1.7e308, min(1.7e308, v))

    net = case.net
    net.set_parameters([clipped(p * w_scale) for p in net.parameters()])
    x = [clipped(v * x_scale) for v in case.x]
    try:
        outputs = net.forward(x)
    except NonFiniteError:
        return
    assert all(math.isfinite(v) for v in outputs)
    assert all(math.isfinite(n.z) and math.isfinite(n.a) for n in net.neurons)
    net.zero_grad()
    before = net.gradients()
    try:
        value = net.backward(case.target, case.loss)
    except NonFiniteError:
        assert net.gradients() == before
        return
    assert math.isfinite(value)
    assert all(math.isfinite(n.delta) for n in net.neurons if n.delta is not None)

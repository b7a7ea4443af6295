"""Specification of neuronsim.gradcheck: backprop against finite differences, worst parameter named."""

import math

import pytest

from conftest import close, finite_difference_gradients
from neuronsim import Network, activations, gradcheck
from neuronsim.activations import Activation
from neuronsim.errors import ShapeError, ValueRangeError


@pytest.fixture
def net():
    return Network.from_spec([("identity", 2), ("tanh", 3), ("sigmoid", 2)], seed=0)


def with_one_bad_neuron(activation_name):
    """x1, x2 -> h (the given activation), g (tanh) -> o (sigmoid)."""
    return Network.from_spec({
        "neurons": [{"name": "x1", "activation": "identity"}, {"name": "x2", "activation": "identity"},
                    {"name": "h", "activation": activation_name}, {"name": "g", "activation": "tanh"},
                    {"name": "o", "activation": "sigmoid"}],
        "edges": [["x1", "h"], ["x2", "h"], ["x1", "g"], ["x2", "g"], ["h", "o"], ["g", "o"]],
    }, seed=1)


@pytest.fixture
def bad_tanh(isolated_registries):
    """tanh registered with a derivative of the wrong sign of a²."""
    return activations.register(Activation("bad_tanh", math.tanh, lambda z, a: 1.0 + a * a))


def test_correct_backprop_is_reported_ok(net):
    report = gradcheck(net, [0.5, -1.0], [1.0, 0.0])
    assert report.ok and report
    assert report.max_rel_error < 1e-6


@pytest.mark.parametrize("loss, layers, target", [
    ("squared_error", [("identity", 2), ("tanh", 3), ("sigmoid", 2)], [1.0, 0.0]),
    ("mse", [("identity", 2), ("softplus", 3), ("identity", 2)], [0.3, -0.7]),
    ("binary_cross_entropy", [("identity", 2), ("elu", 3), ("sigmoid", 2)], [1.0, 0.0]),
    ("softmax_cross_entropy", [("identity", 2), ("silu", 3), ("identity", 3)], [0.0, 1.0, 0.0]),
])
def test_correct_backprop_is_reported_ok_for_every_builtin_loss(loss, layers, target):
    assert gradcheck(Network.from_spec(layers, seed=5), [0.7, -0.4], target, loss).ok


def test_rows_follow_parameter_order_with_backprop_values(net):
    report = gradcheck(net, [0.5, -1.0], [1.0, 0.0])
    net.zero_grad()
    net.forward([0.5, -1.0])
    net.backward([1.0, 0.0])
    assert [row[0] for row in report.rows] == net.parameter_keys()
    assert [row[1] for row in report.rows] == net.gradients()


def test_reference_values_are_central_finite_differences(net):
    report = gradcheck(net, [0.5, -1.0], [1.0, 0.0])
    independent = finite_difference_gradients(net, [0.5, -1.0], [1.0, 0.0])
    assert all(close(row[2], n, rtol=1e-6, atol=1e-8) for row, n in zip(report.rows, independent))


def test_wrong_derivative_is_reported_not_ok(bad_tanh):
    report = gradcheck(with_one_bad_neuron("bad_tanh"), [0.5, -1.0], [1.0])
    assert not report.ok and not report


def test_report_names_a_parameter_of_the_neuron_with_the_wrong_derivative(bad_tanh):
    report = gradcheck(with_one_bad_neuron("bad_tanh"), [0.5, -1.0], [1.0])
    assert report.worst in {("x1", "h"), ("x2", "h"), "h"}


def test_description_names_the_worst_parameter(bad_tanh):
    report = gradcheck(with_one_bad_neuron("bad_tanh"), [0.5, -1.0], [1.0])
    text = report.describe()
    assert text.startswith("gradcheck MISMATCH: worst ")
    assert any(name in text for name in ("w[x1->h]", "w[x2->h]", "b[h]"))


def test_parameters_of_unaffected_neurons_still_agree(bad_tanh):
    report = gradcheck(with_one_bad_neuron("bad_tanh"), [0.5, -1.0], [1.0])
    rows = {row[0]: row for row in report.rows}
    for key in (("x1", "g"), ("x2", "g"), "g", ("h", "o"), ("g", "o"), "o"):
        assert rows[key][4] < 1e-6


def test_worst_bias_is_named_as_b_of_the_neuron(bad_tanh):
    net = Network()
    net.add_neuron("x", "identity")
    net.add_neuron("o", "bad_tanh", bias=0.3)
    net.connect("x", "o", 0.8)
    report = gradcheck(net, [0.0], [1.0])  # x = 0: the weight's gradient is exactly 0 both ways
    assert report.worst == "o"
    assert "worst b[o]:" in report.describe()


def test_network_is_left_as_it_was_found(net):
    net.forward([1.0, 1.0])
    net.backward([0.0, 1.0])
    params, grads = net.parameters(), net.gradients()
    gradcheck(net, [0.5, -1.0], [1.0, 0.0])
    assert net.parameters() == params
    assert net.gradients() == grads


def test_bad_input_raises_and_leaves_the_network_intact(net):
    params = net.parameters()
    with pytest.raises(ShapeError, match="input x: expected 2 values, got 3"):
        gradcheck(net, [0.5, -1.0, 2.0], [1.0, 0.0])
    assert net.parameters() == params


@pytest.mark.parametrize("eps", [0.0, -1e-6, math.nan])
def test_step_must_be_positive_and_finite(net, eps):
    with pytest.raises(ValueRangeError, match="eps"):
        gradcheck(net, [0.5, -1.0], [1.0, 0.0], eps=eps)


def test_tolerances_decide_the_verdict(net):
    assert gradcheck(net, [0.5, -1.0], [1.0, 0.0], rtol=1e-5).ok
    assert not gradcheck(net, [0.5, -1.0], [1.0, 0.0], rtol=0.0, atol=0.0).ok


def test_a_pass_that_overflows_is_an_error_not_a_mismatch_of_zero():
    from neuronsim.errors import NonFiniteError

    net = Network.from_spec([("identity", 2), ("identity", 2), ("identity", 1)], init="constant")
    for src in ("x1", "x2"):
        net.set_weight(src, "h1", 2.0)
        net.set_weight(src, "h2", -2.0)
    before = (net.parameters(), net.gradients())
    with pytest.raises(NonFiniteError, match=r"neuron 'h1': z = b \+ Σ w·a overflowed to inf"):
        gradcheck(net, [1e308, 1e308], [0.0])
    assert (net.parameters(), net.gradients()) == before


def test_a_finite_difference_that_overflows_names_the_parameter():
    from neuronsim.errors import NonFiniteError

    from neuronsim.losses import Loss

    linear = Loss("linear_demo", lambda a, t: a[0], lambda a, t: [1.0])   # C = a: C(w ± ε) = ±1.5e308
    net = Network.from_spec([("identity", 1), ("identity", 1)], init="constant")
    net.set_weight("x1", "o1", 0.0)
    with pytest.raises(NonFiniteError, match=r"^gradcheck: the finite difference gradient of the weight of edge "
                                             r"x1 -> o1 is inf$"):
        gradcheck(net, [3.0], [0.0], linear, eps=5e307)

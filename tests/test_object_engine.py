"""The object engine's loops (``Network._forward``/``_backward``) and the plan they walk: what the
plan binds once (activation functions), what a pass reads afresh every time (weights, biases),
and the cheap door for the usual inputs (a list, tuple or float64 row of finite floats)."""

import math

import numpy as np
import pytest

from neuronsim import Network
from neuronsim.errors import NeuronsimTypeError, ShapeError, ValueRangeError
from neuronsim.neuron import Neuron


def one_hidden():
    """x1, x2 -> h1 (tanh) -> o1 (identity), every weight 1, biases 0."""
    return Network.from_spec([("identity", 2), ("tanh", 1), ("identity", 1)], init="constant")


def test_a_weight_written_directly_in_the_graph_is_used_by_the_next_pass():
    net = one_hidden()
    net.forward([0.5, 0.25])
    net.graph.edges["x2", "h1"]["weight"] = -2.0
    assert net.forward([0.5, 0.25]) == [math.tanh(0.5 * 1.0 + 0.25 * -2.0)]


def test_a_bias_set_between_passes_is_used_by_the_next_pass():
    net = one_hidden()
    net.forward([0.5, 0.25])
    net["h1"].bias = 0.125
    assert net.forward([0.5, 0.25]) == [math.tanh(0.125 + 0.5 + 0.25)]


def test_the_plan_binds_each_neurons_activation_functions_beside_the_graphs_edge_dicts():
    net = one_hidden()
    plan = net.plan()
    neuron, f, incoming = plan.forward_loop[0]
    assert neuron is net["h1"] and f is net["h1"].activation.f
    assert incoming[0][1] is net.graph.edges["x1", "h1"]  # the graph's own dict, not a copy
    assert [(n.name, df is n.activation.df, i) for n, df, _, i in plan.backward_loop] == [
        ("o1", True, 0), ("h1", True, -1)]


def test_an_activation_changed_between_passes_is_used_by_the_next_pass():
    net = one_hidden()
    net.forward([0.5, 0.25])
    net["h1"].activation = "sigmoid"
    assert net.forward([0.5, 0.25]) == [1.0 / (1.0 + math.exp(-0.75))]
    net.backward([0.0])
    assert net["h1"].delta == net["o1"].delta * net["h1"].a * (1.0 - net["h1"].a)


def test_an_activation_changed_on_a_neuron_put_into_the_graph_directly_is_used_too():
    net = Network()
    net.add_neuron("x", "identity")
    net.graph.add_node("h", neuron=Neuron("h", "tanh"))  # not through add_neuron: no graph given
    net.connect("x", "h", 1.0)
    assert net.forward([0.5]) == [math.tanh(0.5)]
    net["h"].activation = "relu"
    assert net.forward([-0.5]) == [0.0]
    assert [n.name for n, _ in net["x"].downstream] == ["h"]


@pytest.mark.parametrize("row", [[0.5, -0.25], (0.5, -0.25), np.array([0.5, -0.25])],
                         ids=["list", "tuple", "float64 array"])
def test_forward_takes_a_list_a_tuple_or_a_float64_row_alike(row):
    net = one_hidden()
    assert net.forward(row) == [math.tanh(0.25)]
    assert [net["x1"].a, net["x2"].a] == [0.5, -0.25] and type(net["x2"].a) is float


@pytest.mark.parametrize("row", [[1, 0], np.array([1, 0]), np.array([1.0, 0.0], dtype=np.float32),
                                 [np.float64(1.0), 0.0]], ids=["ints", "int array", "float32", "numpy scalar"])
def test_forward_takes_other_real_rows_as_floats(row):
    net = one_hidden()
    assert net.forward(row) == [math.tanh(1.0)]
    assert type(net["x1"].a) is float


@pytest.mark.parametrize("bad, error, words", [
    ([0.5, float("nan")], ValueRangeError, "input x[1] must be finite, got nan"),
    ((float("-inf"), 0.5), ValueRangeError, "input x[0] must be finite, got -inf"),
    (np.array([0.5, np.inf]), ValueRangeError, "input x[1] must be finite, got inf"),
    ([0.5, True], NeuronsimTypeError, "input x[1] must be a real number, got bool"),
    ([0.5, "1.5"], NeuronsimTypeError, "input x[1] must be a real number, got str"),
    ([0.5], ShapeError, "input x: expected 2 values, got 1"),
    (np.array([[0.5, 0.5]]), ShapeError, "input x must be 1-D with 2 values, got an array of shape (1, 2)"),
])
def test_forward_refuses_a_bad_row_naming_the_value(bad, error, words):
    net = one_hidden()
    with pytest.raises(error) as caught:
        net.forward(bad)
    assert words in str(caught.value)


def test_finite_inputs_whose_sum_overflows_are_still_accepted():
    net = one_hidden()
    net.set_weight("x1", "h1", 0.0)
    net.set_weight("x2", "h1", 0.0)
    assert net.forward([1e308, 1e308]) == [0.0]
    assert net["x1"].a == 1e308


def test_backward_refuses_a_target_that_is_not_finite_naming_it():
    net = one_hidden()
    net.forward([0.5, 0.25])
    with pytest.raises(ValueRangeError, match=r"target\[0\] must be finite, got nan"):
        net.backward([float("nan")])
    assert net.gradients() == [0.0, 0.0, 0.0, 0.0, 0.0]


def test_the_target_kept_for_explanations_is_a_copy_of_the_callers():
    net = one_hidden()
    net.forward([0.5, 0.25])
    target = [1.0]
    net.backward(target)
    target[0] = 5.0
    assert net.plan().last_loss.target == [1.0]


def test_a_pass_matches_the_sums_written_out_bit_for_bit():
    net = Network.from_spec([("identity", 3), ("sigmoid", 4), ("tanh", 2)], seed=7)
    x, t = [0.3, -1.2, 0.8], [0.5, -0.5]
    out = net.forward(x)
    value = net.backward(t)
    hidden, outputs = [net[f"h{i}"] for i in range(1, 5)], [net["o1"], net["o2"]]
    a_in = dict(zip(["x1", "x2", "x3"], x))
    for h in hidden:
        z = h.bias
        for name in ["x1", "x2", "x3"]:
            z += a_in[name] * net.weight(name, h.name)
        assert (h.z, h.a) == (z, 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z)))
    for o, target in zip(outputs, t):
        z = o.bias
        for h in hidden:
            z += h.a * net.weight(h.name, o.name)
        assert (o.z, o.a) == (z, math.tanh(z))
        assert o.delta == (1.0 - o.a * o.a) * (0.0 + (o.a - target))
    assert out == [o.a for o in outputs]
    assert value == 0.5 * ((outputs[0].a - t[0]) ** 2 + (outputs[1].a - t[1]) ** 2)
    for h in hidden:
        total = 0.0
        for o in outputs:
            total += net.weight(h.name, o.name) * o.delta
        assert h.delta == h.a * (1.0 - h.a) * total
        assert net.graph.edges["x2", h.name]["grad"] == 0.0 + -1.2 * h.delta
        assert h.bias_grad == 0.0 + h.delta


def test_a_plan_built_over_an_integer_weight_beyond_the_float_range_names_the_edge():
    net = Network()
    net.add_neuron("x", "identity")
    net.add_neuron("o", "identity")
    net.connect("x", "o", 1.0)
    net.graph.add_edge("x", "o", weight=10 ** 400)  # a structural edit: the next pass builds a plan
    with pytest.raises(ValueRangeError, match=r"weight of edge x -> o is too large for a float: 1000"):
        net.forward([1.0])


@pytest.mark.parametrize("walked_first", [False, True])
def test_a_deep_copy_walks_its_own_graph(walked_first):
    import copy

    net = Network.from_spec([("identity", 2), ("tanh", 2), ("identity", 1)], seed=0)
    if walked_first:   # the plan's link tuples laid out before the copy
        net.forward([0.5, -0.5])
    twin = copy.deepcopy(net)
    twin.graph.edges["h1", "o1"]["weight"] = 3.0
    assert twin.forward([0.5, -0.5]) != net.forward([0.5, -0.5])
    twin.backward([1.0])
    assert net.graph.edges["h1", "o1"]["grad"] == 0.0 and twin.graph.edges["h1", "o1"]["grad"] != 0.0


def test_a_deep_copy_keeps_the_registered_activations_so_a_fused_loss_gives_the_originals_numbers():
    import copy

    net = Network.from_spec([("identity", 1), ("sigmoid", 1)], init="constant")
    net.graph.edges["x1", "o1"]["weight"] = 1.0
    twin = copy.deepcopy(net)
    assert twin["o1"].activation is net["o1"].activation
    for each in (net, twin):
        each.zero_grad()
        each.forward([40.0])
    assert twin.backward([0.0], "binary_cross_entropy") == net.backward([0.0], "binary_cross_entropy") == 40.0
    assert twin.gradients() == net.gradients()


def test_a_network_pickles_by_its_activations_names():
    import pickle

    net = Network.from_spec([("identity", 2), ("tanh", 2), ("sigmoid", 1)], seed=0)
    net.compile()
    twin = pickle.loads(pickle.dumps(net))
    assert twin.forward([0.5, 1.0]) == net.forward([0.5, 1.0])
    assert twin["o1"].activation is net["o1"].activation


def test_an_unregistered_activation_refuses_pickling_naming_it():
    import pickle

    from neuronsim.activations import Activation

    net = Network()
    net.add_neuron("x1", "identity")
    net.add_neuron("o1", Activation("double", lambda z: 2 * z, lambda z, a: 2.0))
    net.connect("x1", "o1", 1.0)
    with pytest.raises(NeuronsimTypeError, match="'double' is not the registered one"):
        pickle.dumps(net)

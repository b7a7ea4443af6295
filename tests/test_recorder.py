"""Recorder: arrays of chosen quantities, queried by neuron, edge and layer, bounded in memory."""

import numpy as np
import pytest

import neuronsim
from neuronsim import Recorder
from neuronsim.errors import NeuronsimError, TopologyError


def layered():
    return neuronsim.Network.from_spec([("identity", 2), ("sigmoid", 3), ("sigmoid", 2), ("sigmoid", 1)], seed=2)


def step(net, x=(0.5, -0.5), target=(1.0,)):
    net.forward(list(x))
    net.backward(list(target))


def test_arrays_have_one_row_per_record_and_one_column_per_item():
    net = layered()
    rec = Recorder(net, quantities=("a", "delta", "weight", "grad"))
    for _ in range(4):
        step(net)
        rec.record()
    assert rec.array("a").shape == (4, len(net))
    assert rec.array("grad").shape == (4, net.graph.number_of_edges())
    assert list(rec.steps) == [0, 1, 2, 3]


def test_recorded_values_equal_the_network_state_at_each_record():
    net = layered()
    rec = Recorder(net, quantities=("delta", "grad", "bias_grad"))
    expected_delta, expected_grad = [], []
    for target in (0.0, 1.0, 0.5):
        step(net, target=(target,))
        rec.record()
        expected_delta.append(net["h1_2"].delta)
        expected_grad.append(net.graph.edges["h2_1", "o1"]["grad"])
    np.testing.assert_array_equal(rec.series("delta", "h1_2"), expected_delta)
    np.testing.assert_array_equal(rec.series("grad", ("h2_1", "o1")), expected_grad)


def test_by_layer_gives_mean_absolute_delta_per_topological_generation():
    net = layered()
    rec = Recorder(net, quantities=("delta",))
    step(net)
    rec.record()
    per_layer = rec.by_layer("delta")
    assert per_layer.shape == (1, 4)
    assert np.isnan(per_layer[0, 0])  # inputs have no δ
    hidden = [abs(net[f"h1_{j}"].delta) for j in (1, 2, 3)]
    assert per_layer[0, 1] == pytest.approx(np.mean(hidden))
    assert rec.layers[1] == ["h1_1", "h1_2", "h1_3"]


def test_layers_follow_longest_path_generations_on_a_dag_with_skip_links():
    net = neuronsim.Network.from_spec({"layers": [("identity", 1), ("tanh", 1), ("tanh", 1)],
                                       "edges": [["x1", "o1"]]}, seed=0)
    rec = Recorder(net, quantities="delta")
    assert rec.layers == [["x1"], ["h1"], ["o1"]]


def test_chosen_neurons_and_edges_only_are_recorded():
    net = layered()
    rec = Recorder(net, quantities=("a", "weight"), neurons=["o1"], edges=[("h2_1", "o1")])
    step(net)
    rec.record()
    assert rec.keys("a") == ["o1"] and rec.array("a").shape == (1, 1)
    assert rec.keys("weight") == [("h2_1", "o1")]


def test_every_k_records_every_kth_event_as_a_callback():
    net = layered()
    rec = Recorder(net, quantities="a", every=3)

    class FakeHistory:
        epochs = 0

    history = FakeHistory()
    for epoch in range(1, 11):
        history.epochs = epoch
        step(net)
        rec.on_epoch_end(net, history)
    assert list(rec.steps) == [1, 4, 7, 10]


def test_per_batch_recorders_ignore_epoch_events():
    net = layered()
    rec = Recorder(net, quantities="a", per="batch")
    rec.on_epoch_end(net, None)
    rec.on_batch_end(net, None)
    rec.on_batch_end(net, None)
    assert len(rec) == 2


def test_max_records_bounds_memory_by_thinning():
    net = layered()
    rec = Recorder(net, quantities="a", max_records=8)
    for epoch in range(100):
        rec.on_epoch_end(net, type("H", (), {"epochs": epoch})())
    assert len(rec) <= 8
    assert rec.every >= 16
    steps = rec.steps
    assert steps[0] == 0 and np.all(np.diff(steps) > 0)


def test_removed_neurons_read_as_nan():
    net = layered()
    rec = Recorder(net, quantities=("a",), neurons=["h1_1", "h1_2"])
    step(net)
    net.remove_neuron("h1_1")
    net.forward([0.5, -0.5])
    rec.record()
    assert np.isnan(rec.series("a", "h1_1")[0]) and not np.isnan(rec.series("a", "h1_2")[0])


def test_bad_arguments_are_named():
    net = layered()
    with pytest.raises(NeuronsimError, match="unknown quantity 'speed'"):
        Recorder(net, quantities=("speed",))
    with pytest.raises(TopologyError, match="unknown neuron 'h9'"):
        Recorder(net, neurons=["h9"])
    with pytest.raises(TopologyError, match="no edge x1 -> o1"):
        Recorder(net, quantities="grad", edges=[("x1", "o1")])
    with pytest.raises(NeuronsimError, match="every must be a positive integer"):
        Recorder(net, every=0)
    rec = Recorder(net, quantities="a")
    with pytest.raises(NeuronsimError, match="was not recorded"):
        rec.array("delta")


def test_labels_of_records_made_by_hand_keep_increasing_after_thinning():
    net = layered()
    rec = Recorder(net, quantities="a", max_records=3)
    for _ in range(6):
        rec.record()
    steps = list(rec.steps)
    assert steps == sorted(set(steps)) and steps[-1] >= 4

"""Recorder: arrays of chosen quantities, queried by neuron, edge and layer, bounded in memory."""

import numpy as np
import pytest

import neuronsim
from neuronsim import Recorder
from neuronsim.errors import NeuronsimError, NeuronsimTypeError, TopologyError
from neuronsim.recorder import LayerSeries


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
    assert list(per_layer) == ["h1_1..h1_3", "h2_1..h2_2", "o1"]  # inputs have no δ: left out
    hidden = [abs(net[f"h1_{j}"].delta) for j in (1, 2, 3)]
    assert per_layer["h1_1..h1_3"] == pytest.approx([np.mean(hidden)])
    assert per_layer["o1"] == pytest.approx([abs(net["o1"].delta)])
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


# --- by_layer: a labelled series per layer --------------------------------------------------

def recorded(quantities=("delta", "a"), records=3, **options):
    net = layered()
    rec = Recorder(net, quantities=quantities, **options)
    for k in range(records):
        step(net, x=(0.5 * k, -0.5), target=(k % 2,))
        rec.record(10 * k)
    return net, rec


def test_by_layer_is_a_mapping_of_layer_names_to_one_value_per_record():
    _, rec = recorded()
    per_layer = rec.by_layer("delta")
    assert isinstance(per_layer, LayerSeries)
    assert list(per_layer.steps) == [0, 10, 20]
    for name, values in per_layer.items():
        assert values.shape == (3,) and np.isfinite(values).all(), name


def test_by_layer_names_each_layer_by_its_first_and_last_neuron_and_knows_its_members():
    _, rec = recorded()
    per_layer = rec.by_layer("a")  # inputs have an activation: their layer is kept
    assert list(per_layer) == ["x1..x2", "h1_1..h1_3", "h2_1..h2_2", "o1"]
    assert per_layer.neurons == {"x1..x2": ["x1", "x2"], "h1_1..h1_3": ["h1_1", "h1_2", "h1_3"],
                                 "h2_1..h2_2": ["h2_1", "h2_2"], "o1": ["o1"]}
    assert per_layer.depth == {"x1..x2": 0, "h1_1..h1_3": 1, "h2_1..h2_2": 2, "o1": 3}
    assert per_layer.quantity == "a" and per_layer.reduce == "mean_abs"


@pytest.mark.parametrize("reduce, combine", [
    ("mean_abs", lambda v: np.mean(np.abs(v))),
    ("mean", np.mean),
    ("max_abs", lambda v: np.max(np.abs(v))),
    ("norm", np.linalg.norm),
])
def test_by_layer_reduces_each_record_of_a_layer(reduce, combine):
    _, rec = recorded()
    per_layer = rec.by_layer("delta", reduce)
    hidden = np.column_stack([rec.series("delta", f"h1_{j}") for j in (1, 2, 3)])
    assert per_layer["h1_1..h1_3"] == pytest.approx([combine(row) for row in hidden])


def test_by_layer_to_array_stacks_the_layers_in_order():
    _, rec = recorded()
    per_layer = rec.by_layer("delta")
    table = per_layer.to_array()
    assert table.shape == (3, 3)
    for column, name in enumerate(per_layer):
        np.testing.assert_array_equal(table[:, column], per_layer[name])


def test_by_layer_of_chosen_neurons_names_layers_after_them():
    _, rec = recorded(quantities=("delta",), neurons=["h1_2", "h1_3", "o1"])
    per_layer = rec.by_layer("delta")
    assert list(per_layer) == ["h1_2..h1_3", "o1"]
    assert per_layer.neurons["h1_2..h1_3"] == ["h1_2", "h1_3"]


def test_by_layer_follows_the_generations_of_a_dag_with_skip_links():
    net = neuronsim.Network.from_spec({"layers": [("identity", 1), ("tanh", 1), ("tanh", 1)],
                                       "edges": [["x1", "o1"]]}, seed=0)
    rec = Recorder(net, quantities="delta")
    net.forward([1.0])
    net.backward([0.5])
    rec.record()
    assert dict(rec.by_layer("delta")) == {"h1": pytest.approx([abs(net["h1"].delta)]),
                                           "o1": pytest.approx([abs(net["o1"].delta)])}


def test_by_layer_tells_apart_layers_whose_names_read_alike():
    net = neuronsim.Network()
    for name, activation in (("a..b", "identity"), ("a", "sigmoid"), ("b", "sigmoid"), ("c", "sigmoid")):
        net.add_neuron(name, activation)
    for src, dst in (("a..b", "a"), ("a..b", "b"), ("a", "c"), ("b", "c")):
        net.connect(src, dst, 1.0)
    rec = Recorder(net, quantities="a")
    net.forward([1.0])
    rec.record()
    per_layer = rec.by_layer("a")
    assert list(per_layer) == ["a..b", "a..b (layer 1)", "c"]
    assert per_layer.neurons["a..b (layer 1)"] == ["a", "b"]


def test_by_layer_before_any_record_is_empty():
    rec = Recorder(layered(), quantities="delta")
    per_layer = rec.by_layer("delta")
    assert len(per_layer) == 0 and per_layer.to_array().shape == (0, 0)
    assert "nothing recorded" in str(per_layer)


def test_by_layer_prints_as_a_table_of_records_by_layer():
    _, rec = recorded()
    per_layer = rec.by_layer("delta")
    lines = str(per_layer).splitlines()
    assert lines[0] == "mean |delta| per layer"
    assert lines[1].split() == ["step", "h1_1..h1_3", "h2_1..h2_2", "o1"]
    assert [line.split()[0] for line in lines[2:]] == ["0", "10", "20"]
    assert float(lines[3].split()[3]) == pytest.approx(per_layer["o1"][1], rel=1e-3)
    assert "LayerSeries('delta', 'mean_abs', 3 records" in repr(per_layer)


def test_a_long_by_layer_table_is_cut_in_the_middle():
    _, rec = recorded(quantities="delta", records=50)
    lines = str(rec.by_layer("delta")).splitlines()
    assert len(lines) == 2 + 21 and lines[12].split() == ["..."] * 4
    assert lines[-1].split()[0] == "490"


def test_by_layer_refuses_positional_indexing_and_names_the_layers():
    _, rec = recorded()
    per_layer = rec.by_layer("delta")
    with pytest.raises(NeuronsimTypeError, match=r"looked up by name \(h1_1..h1_3, h2_1..h2_2, o1\).*to_array"):
        per_layer[:, 1]
    with pytest.raises(KeyError, match="no layer 'h9'.*'o1'"):
        per_layer["h9"]
    assert "o1" in per_layer and "h9" not in per_layer and 1 not in per_layer
    assert per_layer.get("h9") is None


def test_by_layer_bad_arguments_are_named():
    _, rec = recorded(quantities=("delta",))
    with pytest.raises(NeuronsimError, match="takes a neuron quantity.*'weight'"):
        rec.by_layer("weight")
    with pytest.raises(NeuronsimError, match="'a' was not recorded"):
        rec.by_layer("a")
    with pytest.raises(NeuronsimError, match="reduce must be one of mean_abs.*'median'"):
        rec.by_layer("delta", "median")
    with pytest.raises(NeuronsimError, match="reduce must be one of"):
        rec.by_layer("delta", ["mean"])


@pytest.mark.parametrize("kwargs", [
    dict(quantities=["q" * 10**5]),
    dict(per="p" * 10**5),
    dict(every=["e"] * 10**5),
    dict(max_records=["m"] * 10**5),
    dict(neurons=["n" * 10**5]),
    dict(edges=[("a" * 10**5,)]),
])
def test_recorder_argument_errors_quote_the_value_briefly(kwargs):
    with pytest.raises(NeuronsimError) as info:
        Recorder(layered(), **kwargs)
    assert len(str(info.value)) < 300

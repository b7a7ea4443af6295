"""The layered layout: columns, crossing reduction, and skip paths that keep clear of neurons."""

import random

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings

from conftest import random_dags
from neuronsim import Network
from neuronsim.errors import CycleError
from neuronsim.plot import layout
from neuronsim.plot.layout import (arc_points, count_crossings, layer_columns, layered_layout,
                                   order_columns, skip_arcs)


def skip_net():
    """2 inputs, two hidden layers, 2 outputs, plus links skipping one and two columns."""
    return Network.from_spec({
        "layers": [("identity", 2), ("tanh", 3), ("tanh", 3), ("sigmoid", 2)],
        "edges": [["x1", "o1"], ["x2", "h2_3"], ["h1_1", "o2"]],
    }, seed=0)


def test_inputs_fill_the_first_column_and_outputs_the_last():
    net = skip_net()
    columns = layer_columns(net)
    assert columns[0] == ["x1", "x2"]
    assert columns[-1] == ["o1", "o2"]
    positions = layered_layout(net)
    assert {positions[n][0] for n in ("x1", "x2")} == {0.0}
    assert {positions[n][0] for n in ("o1", "o2")} == {3.0}


def test_a_shallow_output_moves_to_the_last_column():
    net = Network()
    for name, act in [("x", "identity"), ("h", "tanh"), ("deep", "sigmoid"), ("shallow", "sigmoid")]:
        net.add_neuron(name, act)
    net.connect("x", "h", 1.0)
    net.connect("h", "deep", 1.0)
    net.connect("x", "shallow", 1.0)
    assert layer_columns(net) == [["x"], ["h"], ["deep", "shallow"]]


def test_an_output_feeding_another_output_stays_left_of_it():
    net = Network()
    for name in ("x", "o1", "o2"):
        net.add_neuron(name, "identity" if name == "x" else "sigmoid")
    net.connect("x", "o1", 1.0)
    net.connect("o1", "o2", 1.0)
    net.set_outputs(["o1", "o2"])
    positions = layered_layout(net)
    assert positions["x"][0] < positions["o1"][0] < positions["o2"][0]


def test_every_link_runs_left_to_right_and_columns_are_centred():
    net = skip_net()
    positions = layered_layout(net)
    for src, dst in net.graph.edges():
        assert positions[src][0] < positions[dst][0]
    for names in layer_columns(net):
        assert sum(positions[n][1] for n in names) == pytest.approx(0.0)


def test_a_cycle_is_refused():
    graph = nx.DiGraph([("a", "b"), ("b", "a")])
    with pytest.raises(CycleError):
        layer_columns(graph)


def test_crossings_are_counted_between_neighbouring_columns():
    graph = nx.DiGraph([("a", "d"), ("b", "c"), ("a", "c")])
    assert count_crossings(graph, [["a", "b"], ["c", "d"]]) == 1
    assert count_crossings(graph, [["a", "b"], ["d", "c"]]) == 0  # links sharing an end never cross
    assert count_crossings(graph, [["b", "a"], ["d", "c"]]) == 1


def test_dense_and_fenwick_crossing_counts_agree(monkeypatch):
    rng = random.Random(3)
    for _ in range(20):
        columns = [[f"c{c}_{i}" for i in range(rng.randint(1, 6))] for c in range(4)]
        graph = nx.DiGraph()
        graph.add_nodes_from(n for names in columns for n in names)
        for left, right in zip(columns, columns[1:]):
            graph.add_edges_from((u, v) for u in left for v in right if rng.random() < 0.5)
        dense = count_crossings(graph, columns)
        monkeypatch.setattr(layout, "_DENSE_CROSSING_CELLS", 0)
        assert count_crossings(graph, columns) == dense
        monkeypatch.undo()


def test_barycentre_sweeps_never_add_crossings_to_a_shuffled_order():
    net = Network.from_spec({"layers": [("identity", 3), ("tanh", 6), ("tanh", 5), ("sigmoid", 2)]}, seed=0)
    # thin the full layers out so that order matters
    rng = random.Random(0)
    for src, dst in list(net.graph.edges()):
        if rng.random() < 0.6 and net.graph.out_degree(src) > 1 and net.graph.in_degree(dst) > 1:
            net.disconnect(src, dst)
    improved = 0
    for seed in range(10):
        columns = layer_columns(net)
        shuffler = random.Random(seed)
        for names in columns[1:]:
            shuffler.shuffle(names)
        before = count_crossings(net.graph, columns)
        after = count_crossings(net.graph, order_columns(net.graph, columns))
        assert after <= before
        improved += after < before
    assert improved > 0


def test_sweeps_keep_the_input_order_and_every_neuron():
    graph = nx.DiGraph([("x1", "h2"), ("x2", "h1"), ("h1", "o"), ("h2", "o")])
    ordered = order_columns(graph, [["x1", "x2"], ["h1", "h2"], ["o"]])
    assert ordered[0] == ["x1", "x2"]
    assert sorted(n for names in ordered for n in names) == sorted(graph)
    assert count_crossings(graph, ordered) == 0


def test_only_links_that_skip_columns_get_paths():
    net = skip_net()
    arcs = skip_arcs(net.graph, layered_layout(net))
    assert set(arcs) == {("x1", "o1"), ("x2", "h2_3"), ("h1_1", "o2")}


def test_a_skip_path_starts_and_ends_at_its_neurons():
    net = skip_net()
    positions = layered_layout(net)
    for (src, dst), path in skip_arcs(net.graph, positions).items():
        points = arc_points(path)
        assert np.allclose(points[0], positions[src])
        assert np.allclose(points[-1], positions[dst])


def _closest_approach(net):
    """Smallest distance from a skip path to any neuron other than its two ends."""
    positions = layered_layout(net)
    nearest = np.inf
    for (src, dst), path in skip_arcs(net.graph, positions).items():
        points = arc_points(path, samples=40)
        others = np.array([xy for name, xy in positions.items() if name not in (src, dst)])
        distances = np.sqrt(((points[:, None, :] - others[None, :, :]) ** 2).sum(axis=2))
        nearest = min(nearest, float(distances.min()))
    return nearest


def test_skip_paths_keep_clear_of_the_neurons_they_pass():
    assert _closest_approach(skip_net()) >= 0.25 - 1e-9


@settings(max_examples=30, deadline=None)
@given(random_dags())
def test_skip_paths_keep_clear_of_neurons_in_any_dag(case):
    assert _closest_approach(case.net) >= 0.25 - 1e-9

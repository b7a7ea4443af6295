"""topology(): every neuron and link drawn once, coloured and sized by what the graph holds."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.image  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from neuronsim import Network  # noqa: E402
from neuronsim.errors import NeuronsimError, NeuronsimTypeError, TopologyError, ValueRangeError  # noqa: E402
from neuronsim.plot import layout  # noqa: E402
from neuronsim.plot.topology import NO_VALUE_COLOUR, drawn_edges, topology  # noqa: E402
from conftest import assert_png_has_content as png_with_content  # noqa: E402


pytestmark = pytest.mark.usefixtures("close_figures")


def assert_png_has_content(fig, path):
    """Not blank, and a field of many colours rather than a few flat ones."""
    pixels = png_with_content(fig, path)
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 20


def dag(forward=True):
    net = Network.from_spec({
        "layers": [("identity", 3), ("tanh", 4), ("tanh", 3), ("sigmoid", 2)],
        "edges": [["x1", "o1"], ["x2", "o2"], ["x3", "h2_2"], ["h1_1", "o2"]],
    }, seed=1)
    if forward:
        net.forward([1.0, -0.5, 0.3])
        net.backward([1.0, 0.0])
    return net


def node_faces(ax):
    nodes = ax.neuronsim_artists["nodes"]
    return dict(zip(nodes.neuronsim_names, nodes.get_facecolor()))


def test_renders_a_picture_to_png(tmp_path):
    ax = topology(dag(), node_color="delta", values=True)
    assert_png_has_content(ax.figure, tmp_path / "dag.png")


def test_every_neuron_is_drawn_once():
    net = dag()
    nodes = topology(net).neuronsim_artists["nodes"]
    assert len(nodes.get_offsets()) == len(net)
    assert sorted(nodes.neuronsim_names) == sorted(net.graph.nodes)


def test_every_link_is_drawn_once():
    net = dag()
    edges = topology(net).neuronsim_artists["edges"]
    drawn = [key for collection in edges for key in collection.neuronsim_edges]
    assert len(drawn) == net.graph.number_of_edges()
    assert set(drawn) == set(net.graph.edges())
    # what is recorded is what is drawn: one line or path per link
    assert sum(len(collection.get_paths()) for collection in edges) == net.graph.number_of_edges()


def test_links_that_skip_columns_are_drawn_as_curves():
    edges = topology(dag()).neuronsim_artists["edges"]
    curved = {key for c in edges if c.get_gid() == "neuronsim-arcs" for key in c.neuronsim_edges}
    assert curved == {("x1", "o1"), ("x2", "o2"), ("x3", "h2_2"), ("h1_1", "o2")}


def test_edge_colours_follow_the_signs_of_the_weights():
    net = dag()
    net.set_weight("x1", "h1_1", 0.7)
    net.set_weight("x2", "h1_1", -0.7)
    drawn = drawn_edges(topology(net))
    for (src, dst), ((red, _, blue, _), _) in drawn.items():
        weight = net.weight(src, dst)
        assert (red > blue) == (weight > 0), f"{src} -> {dst} (w = {weight}) drawn in the wrong hue"


def test_edge_colours_follow_the_gradients_when_asked():
    net = dag()
    drawn = drawn_edges(topology(net, edge_color="grad"))
    for (src, dst), ((red, _, blue, _), _) in drawn.items():
        grad = net.graph.edges[src, dst]["grad"]
        if abs(grad) > 1e-12:
            assert (red > blue) == (grad > 0)


def test_edge_width_grows_with_the_weights_magnitude():
    net = dag()
    drawn = drawn_edges(topology(net))
    by_magnitude = sorted(drawn, key=lambda key: abs(net.weight(*key)))
    widths = [drawn[key][1] for key in by_magnitude]
    assert widths == sorted(widths)
    assert widths[-1] > 2 * widths[0]


def test_node_colour_and_edge_colour_each_get_a_colorbar():
    ax = topology(dag(), node_color="delta")
    bars = ax.neuronsim_artists["colorbars"]
    assert set(bars) == {"edges", "nodes"}
    assert len(ax.figure.axes) == 3
    assert "δ" in bars["nodes"].ax.get_ylabel()
    assert "weight" in bars["edges"].ax.get_ylabel()


def test_no_node_colour_means_no_node_colorbar():
    ax = topology(dag(), node_color=None)
    assert set(ax.neuronsim_artists["colorbars"]) == {"edges"}
    assert len(ax.figure.axes) == 2
    assert len(topology(dag(), colorbar=False).figure.axes) == 1


def test_values_not_computed_yet_are_grey():
    net = dag(forward=False)
    faces = node_faces(topology(net, node_color="activation"))
    assert all(tuple(face) == to_rgba(NO_VALUE_COLOUR) for face in faces.values())
    faces = node_faces(topology(dag(), node_color="delta"))
    for name in ("x1", "x2", "x3"):  # an input neuron has no δ
        assert tuple(faces[name]) == to_rgba(NO_VALUE_COLOUR)
    assert tuple(faces["o1"]) != to_rgba(NO_VALUE_COLOUR)


def test_node_colours_are_ordered_like_the_values():
    net = dag()
    ax = topology(net, node_color="activation")
    cmap = ax.neuronsim_artists["colorbars"]["nodes"].cmap
    norm = ax.neuronsim_artists["colorbars"]["nodes"].norm
    for name, face in node_faces(ax).items():
        assert np.allclose(face, cmap(norm(net[name].a)))


def test_names_and_values_are_written_on_small_networks():
    net = dag()
    ax = topology(net, node_color="delta", values=True)
    texts = {t.get_gid(): t.get_text() for t in ax.neuronsim_artists["texts"]}
    assert texts["label:h1_1"] == "h1_1"
    assert float(texts["value:o1"]) == pytest.approx(net["o1"].delta, rel=1e-2)
    assert "value:x1" not in texts  # no δ, no number


def test_highlight_brings_a_neurons_links_forward_and_fades_the_rest():
    net = dag()
    drawn = drawn_edges(topology(net, highlight="h1_2"))
    plain = drawn_edges(topology(net))
    for key, (colour, width) in drawn.items():
        if "h1_2" in key:
            assert colour[3] == 1.0 and width > plain[key][1]
        else:
            assert colour[3] < plain[key][0][3]
    nodes = topology(net, highlight=["h1_2"]).neuronsim_artists["nodes"]
    widths = dict(zip(nodes.neuronsim_names, nodes.get_linewidths()))
    assert widths["h1_2"] > widths["h1_1"]


def test_highlight_of_an_unknown_neuron_is_refused():
    with pytest.raises(TopologyError, match="nope"):
        topology(dag(), highlight="nope")


@pytest.mark.parametrize("layout", ["spring", "circular", "shell", "kamada_kawai", "spectral"])
def test_networkx_layouts_draw_every_neuron_and_link(layout, tmp_path):
    if layout == "kamada_kawai":
        pytest.importorskip("scipy")  # networkx computes that layout with scipy
    net = dag()
    ax = topology(net, layout=layout)
    assert len(ax.neuronsim_artists["nodes"].get_offsets()) == len(net)
    assert len(drawn_edges(ax)) == net.graph.number_of_edges()
    assert_png_has_content(ax.figure, tmp_path / f"{layout}.png")


def test_positions_can_be_given_and_must_cover_every_neuron():
    net = dag()
    positions = {name: (i, i % 2) for i, name in enumerate(net.graph)}
    offsets = topology(net, layout=positions).neuronsim_artists["nodes"].get_offsets()
    assert np.allclose(offsets[0], positions[net.neurons[0].name])
    del positions["o2"]
    with pytest.raises(NeuronsimError, match="o2"):
        topology(net, layout=positions)


def test_a_layout_networkx_cannot_compute_is_reported_in_our_words(monkeypatch):
    import networkx as nx

    def needs_scipy(graph):
        raise ImportError("No module named 'scipy'")

    monkeypatch.setattr(nx, "kamada_kawai_layout", needs_scipy)
    with pytest.raises(NeuronsimError, match="kamada_kawai.*scipy"):
        topology(dag(), layout="kamada_kawai")


def test_unknown_options_are_refused():
    with pytest.raises(NeuronsimError, match="node_color"):
        topology(dag(), node_color="colour")
    with pytest.raises(NeuronsimError, match="edge_color"):
        topology(dag(), edge_color="delta")
    with pytest.raises(NeuronsimError, match="unknown layout"):
        topology(dag(), layout="graphviz")


def test_drawing_leaves_the_network_as_it_was():
    net = dag()
    before = [(n.z, n.a, n.delta, n.bias) for n in net.neurons], net.parameters(), net.gradients()
    topology(net, node_color="delta", values=True, highlight="h1_1")
    assert ([(n.z, n.a, n.delta, n.bias) for n in net.neurons], net.parameters(), net.gradients()) == before


def test_an_axes_of_ones_own_is_drawn_on_and_returned():
    fig, (left, right) = plt.subplots(1, 2)
    assert topology(dag(), ax=right) is right
    assert right.neuronsim_artists["nodes"] in right.collections


def big_network(seed=0):
    """2,000 neurons in four layers, each neuron linked to a few in the layer before (~17k links)."""
    rng = np.random.default_rng(seed)
    sizes, activations = [100, 900, 900, 100], ["identity", "relu", "relu", "sigmoid"]
    net = Network()
    layers = []
    for depth, (size, activation) in enumerate(zip(sizes, activations)):
        layers.append([net.add_neuron(f"l{depth}_{i}", activation).name for i in range(size)])
    edges = []
    for before, after in zip(layers, layers[1:]):
        fan_in = 10 if len(before) == 100 else 8
        for dst in after:
            for src in rng.choice(len(before), size=fan_in, replace=False):
                edges.append((before[src], dst, {"weight": float(rng.normal()), "grad": 0.0}))
        for k, src in enumerate(before):  # every neuron feeds on, so none becomes an output
            edges.append((src, after[k % len(after)], {"weight": 0.1, "grad": 0.0}))
    net.graph.add_edges_from(edges)
    return net


def test_a_two_thousand_neuron_network_renders(tmp_path):
    net = big_network()
    assert len(net) == 2000
    ax = topology(net)
    assert len(ax.neuronsim_artists["nodes"].get_offsets()) == 2000
    assert sum(len(c.neuronsim_edges) for c in ax.neuronsim_artists["edges"]) == net.graph.number_of_edges()
    assert ax.neuronsim_artists["texts"] == []  # too many neurons for names
    small_widths = [w for _, w in drawn_edges(topology(dag())).values()]
    big_widths = [w for _, w in drawn_edges(ax).values()]
    assert max(big_widths) < max(small_widths)
    assert_png_has_content(ax.figure, tmp_path / "big.png")


# --- hundreds of links stay readable --------------------------------------------------------

def wide_skip_network():
    """4-32-32-3 (tanh, sigmoid outputs) plus 40 links that skip layers: 1,288 links in all."""
    rng = np.random.default_rng(0)
    hidden1 = [f"h1_{i}" for i in range(1, 33)]
    hidden2 = [f"h2_{i}" for i in range(1, 33)]
    outputs = ["o1", "o2", "o3"]
    skips = [[f"x{i}", o] for i in range(1, 5) for o in outputs]
    skips += [[str(h), str(rng.choice(outputs))] for h in rng.choice(hidden1, 12, replace=False)]
    skips += [[f"x{i}", str(h)] for i in range(1, 5) for h in rng.choice(hidden2, 4, replace=False)]
    net = Network.from_spec({"layers": [("identity", 4), ("tanh", 32), ("tanh", 32), ("sigmoid", 3)],
                             "edges": skips}, seed=1, init="xavier")
    net.forward([5.1, 3.5, 1.4, 0.2])
    return net


def test_a_threshold_hides_the_weak_links_and_keeps_the_scale():
    net = wide_skip_network()
    weights = {key: abs(net.weight(*key)) for key in net.graph.edges()}
    threshold = float(np.median(list(weights.values())))
    ax = topology(net, min_weight=threshold)
    drawn = drawn_edges(ax)
    assert set(drawn) == {key for key, w in weights.items() if w >= threshold}
    assert set(ax.neuronsim_artists["hidden"]) == {key for key, w in weights.items() if w < threshold}
    assert sum(len(c.get_paths()) for c in ax.neuronsim_artists["edges"]) == len(drawn)
    curved = {key for c in ax.neuronsim_artists["edges"] if c.get_gid() == "neuronsim-arcs"
              for key in c.neuronsim_edges}
    assert curved and all(weights[key] >= threshold for key in curved)
    everything = drawn_edges(topology(net, colorbar=False))
    assert all(np.allclose(drawn[key][0][:3], everything[key][0][:3]) for key in drawn)  # same colours


def test_the_default_threshold_draws_every_link():
    net = wide_skip_network()
    ax = topology(net)
    assert len(drawn_edges(ax)) == net.graph.number_of_edges() == 1288
    assert ax.neuronsim_artists["hidden"] == []


def test_width_and_opacity_grow_with_the_weights_magnitude_among_hundreds_of_links():
    net = wide_skip_network()
    drawn = drawn_edges(topology(net))
    keys = sorted(drawn, key=lambda key: abs(net.weight(*key)))
    widths = [drawn[key][1] for key in keys]
    alphas = [drawn[key][0][3] for key in keys]
    assert widths == sorted(widths) and alphas == sorted(alphas)
    assert alphas[0] < 0.15 and alphas[-1] > 0.6          # weak links a haze, strong ones clear
    assert widths[-1] > 5 * widths[0] and widths[-1] <= 1.5  # thin lines when there are many


def test_the_strongest_links_are_drawn_last():
    net = wide_skip_network()
    for collection in topology(net).neuronsim_artists["edges"]:
        magnitudes = [abs(net.weight(*key)) for key in collection.neuronsim_edges]
        assert magnitudes == sorted(magnitudes)


def test_a_small_network_keeps_bold_links():
    net = dag()
    drawn = drawn_edges(topology(net))
    strongest = max(drawn, key=lambda key: abs(net.weight(*key)))
    assert drawn[strongest][0][3] == pytest.approx(1.0) and drawn[strongest][1] == pytest.approx(4.5)
    assert min(colour[3] for colour, _ in drawn.values()) >= 0.5


def arrival_and_departure_points(ax):
    """For each skip arc: where it ends its bend into its destination and starts the one out."""
    arcs = [(key, path) for c in ax.neuronsim_artists["edges"] if c.get_gid() == "neuronsim-arcs"
            for key, path in zip(c.neuronsim_edges, c.get_paths())]
    return {key: (tuple(path.vertices[-2]), tuple(path.vertices[1])) for key, path in arcs}


@pytest.mark.parametrize("make", [dag, wide_skip_network])
def test_skip_arcs_into_one_neuron_arrive_at_distinct_points(make):
    net = make()
    ax = topology(net)
    positions = ax.neuronsim_artists["positions"]
    ends = arrival_and_departure_points(ax)
    shared = []
    for role in (0, 1):  # 0: arrivals grouped by destination, 1: departures grouped by source
        groups = {}
        for key, points in ends.items():
            groups.setdefault(key[1 - role], []).append(points[role])
        shared += [points for points in groups.values() if len(points) > 1]
    assert shared, "the network should have neurons with several skip arcs"
    for points in shared:
        assert len(set(points)) == len(points)
    for (src, dst), (arrival, departure) in ends.items():
        # the bends end close to their own neurons: less than half a row and a column away
        assert abs(arrival[1] - positions[dst][1]) <= 0.3 + 1e-9
        assert abs(departure[1] - positions[src][1]) <= 0.3 + 1e-9


def test_arcs_entering_one_neuron_from_one_side_do_not_cross_before_it():
    net = wide_skip_network()
    arcs = {key: path for key, path in layout.skip_arcs(net.graph, layout.layered_layout(net)).items()}
    checked = 0
    for target in ("o1", "o2", "o3"):
        above = [path for (src, dst), path in arcs.items() if dst == target and path.vertices[5][1] >
                 path.vertices[-1][1]]
        # sorted by lane height, their arrival heights keep the same order (nested, no crossing)
        above.sort(key=lambda path: path.vertices[5][1])
        heights = [path.vertices[-2][1] for path in above]
        assert heights == sorted(heights) and len(set(heights)) == len(heights)
        checked += len(above) > 1
    assert checked


def test_the_wide_network_renders_readably(tmp_path):
    ax = topology(wide_skip_network())
    assert_png_has_content(ax.figure, tmp_path / "wide.png")


@pytest.mark.parametrize("bad, error, words", [
    (-0.1, ValueRangeError, "min_weight must be >= 0"),
    (float("nan"), ValueRangeError, "min_weight must be finite"),
    (float("inf"), ValueRangeError, "min_weight must be finite"),
    ("0.5", NeuronsimTypeError, "min_weight must be a real number"),
    (None, NeuronsimTypeError, "min_weight must be a real number"),
])
def test_a_bad_threshold_is_refused_by_name(bad, error, words):
    with pytest.raises(error, match=words):
        topology(dag(), min_weight=bad)

"""decision_boundary() and activation_maps(): the input plane as the network sees it."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.image  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.image import AxesImage  # noqa: E402

from neuronsim import Network, datasets  # noqa: E402
from neuronsim.errors import ShapeError, TopologyError  # noqa: E402
from neuronsim.plot.boundary import activation_maps, decision_boundary, preserved_state  # noqa: E402
from conftest import assert_png_has_content as png_with_content  # noqa: E402


pytestmark = pytest.mark.usefixtures("close_figures")


def assert_png_has_content(fig, path):
    """Not blank, and a field of many colours rather than a few flat ones."""
    pixels = png_with_content(fig, path)
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 20


def xor_net(output="sigmoid"):
    return Network.from_spec([("identity", 2), ("tanh", 3), (output, 1)], seed=2)


def states(net):
    return [(n.z, n.a, n.delta, n.bias_grad) for n in net.neurons]


def test_binary_boundary_renders_with_the_data_and_a_colorbar(tmp_path):
    X, Y = datasets.xor()
    ax = decision_boundary(xor_net(), X, Y, resolution=60)
    artists = ax.neuronsim_artists
    assert [len(points.get_offsets()) for points in artists["points"]] == [2, 2]
    assert artists["colorbar"] is not None and len(ax.figure.axes) == 2
    assert "0.5" in artists["colorbar"].ax.get_ylabel()
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["class 0", "class 1"]
    assert_png_has_content(ax.figure, tmp_path / "xor.png")


def test_the_decision_line_runs_where_the_output_is_one_half():
    X, Y = datasets.xor()
    net = xor_net()
    boundary = decision_boundary(net, X, Y, resolution=80).neuronsim_artists["boundary"]
    assert list(boundary.levels) == [0.5]
    line = np.vstack(boundary.allsegs[0])
    assert len(line) > 10
    assert np.allclose(net.predict(line), 0.5, atol=0.02)


def test_a_tanh_output_is_cut_at_zero():
    X, Y = datasets.xor()
    ax = decision_boundary(xor_net("tanh"), X, 2 * Y - 1, resolution=30)
    assert list(ax.neuronsim_artists["boundary"].levels) == [0.0]
    assert [len(p.get_offsets()) for p in ax.neuronsim_artists["points"]] == [2, 2]


def test_several_outputs_give_class_regions_and_a_legend(tmp_path):
    data = datasets.spirals(n=30, classes=3, seed=0)
    net = Network.from_spec([("identity", 2), ("tanh", 6), ("identity", 3)], seed=0)
    ax = decision_boundary(net, data.X, data.Y, resolution=50, class_names=data.target_names)
    artists = ax.neuronsim_artists
    assert isinstance(artists["field"], AxesImage)
    image = np.asarray(artists["field"].get_array())
    assert image.shape == (50, 50) and set(np.unique(image)) <= {0, 1, 2}
    assert artists["colorbar"] is None
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(data.target_names)
    assert sum(len(p.get_offsets()) for p in artists["points"]) == len(data.X)
    assert_png_has_content(ax.figure, tmp_path / "spirals.png")


def test_class_regions_follow_the_largest_output():
    data = datasets.spirals(n=20, classes=3, seed=0)
    net = Network.from_spec([("identity", 2), ("tanh", 4), ("identity", 3)], seed=0)
    ax = decision_boundary(net, data.X, data.Y, resolution=12)
    image = np.asarray(ax.neuronsim_artists["field"].get_array())
    x0, x1, y0, y1 = ax.neuronsim_artists["field"].get_extent()
    corner = net.predict([[x0, y0]])[0]
    assert image[0, 0] == corner.argmax()


def test_points_without_labels_are_drawn_plain():
    X, _ = datasets.xor()
    ax = decision_boundary(xor_net(), X, resolution=20)
    assert len(ax.neuronsim_artists["points"]) == 1


def test_only_two_input_networks_have_a_plane():
    net = Network.from_spec([("identity", 3), ("sigmoid", 1)], seed=0)
    with pytest.raises(ShapeError, match="3 inputs"):
        decision_boundary(net, np.zeros((4, 3)))
    with pytest.raises(ShapeError, match="3 inputs"):
        activation_maps(net)


def test_bad_data_is_refused():
    with pytest.raises(ShapeError, match=r"\(n, 2\)"):
        decision_boundary(xor_net(), np.zeros((4, 3)))
    with pytest.raises(ShapeError, match="4 labels"):
        decision_boundary(xor_net(), np.zeros((4, 2)), [0, 1])


def test_plots_leave_every_neuron_state_as_it_was():
    net = xor_net()
    net.forward([0.3, -0.2])
    net.backward([1.0])
    before = states(net), net.parameters(), net.gradients()
    X, Y = datasets.xor()
    decision_boundary(net, X, Y, resolution=20)
    activation_maps(net, X, Y, resolution=10)
    assert (states(net), net.parameters(), net.gradients()) == before


def test_preserved_state_restores_even_after_an_error():
    net = xor_net()
    with pytest.raises(RuntimeError):
        with preserved_state(net):
            net.forward([1.0, 1.0])
            raise RuntimeError
    assert all(n.a is None for n in net.neurons)


def test_activation_maps_draw_one_titled_panel_per_neuron(tmp_path):
    net = xor_net()
    X, Y = datasets.xor()
    fig = activation_maps(net, X, Y, resolution=20)
    panels = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in panels] == ["h1", "h2", "h3", "o1"]
    assert len(fig.axes) == len(panels) + 1  # one shared colorbar (2x2 panels: none empty)
    assert_png_has_content(fig, tmp_path / "maps.png")


def test_activation_map_pixels_are_the_neurons_activations():
    net = xor_net()
    fig = activation_maps(net, extent=(-1, 1, -2, 2), resolution=9)
    panel = next(ax for ax in fig.axes if ax.get_title() == "h2")
    values = np.asarray(panel.images[0].get_array())
    net.forward([-1.0, -2.0])                       # the lower-left corner of the plane
    assert values[0, 0] == pytest.approx(net["h2"].a)
    net.forward([1.0, 2.0])                         # the upper-right corner
    assert values[-1, -1] == pytest.approx(net["h2"].a)


def test_activation_maps_can_show_inputs_or_chosen_neurons():
    net = xor_net()
    with_inputs = activation_maps(net, include_inputs=True, resolution=8)
    assert [ax.get_title() for ax in with_inputs.axes if ax.images][:2] == ["x1", "x2"]
    chosen = activation_maps(net, neurons=["o1", "h1"], resolution=8)
    assert [ax.get_title() for ax in chosen.axes if ax.images] == ["o1", "h1"]
    with pytest.raises(TopologyError, match="h9"):
        activation_maps(net, neurons=["h9"])


def test_activation_maps_take_raw_rows_and_scale_them_as_predict_does():
    from neuronsim.preprocessing import Scaler

    net = xor_net()
    net.preprocessing = Scaler("standardize", offset=[10.0, -5.0], scale=[4.0, 0.5])
    fig = activation_maps(net, extent=(6.0, 14.0, -6.0, -4.0), resolution=9)   # raw units
    panel = next(ax for ax in fig.axes if ax.get_title() == "o1")
    values = np.asarray(panel.images[0].get_array())
    assert values[0, 0] == pytest.approx(net.predict([6.0, -6.0])[0])       # the lower-left corner
    assert values[-1, -1] == pytest.approx(net.predict([14.0, -4.0])[0])    # the upper-right corner


def test_the_boundary_of_a_tanh_output_trained_on_0_1_targets_is_cut_where_predict_classes_cuts():
    net = xor_net(output="tanh")
    net.class_targets = (0.0, 1.0)
    X, Y = datasets.xor()
    ax = decision_boundary(net, X, Y, resolution=20)
    assert list(ax.neuronsim_artists["boundary"].levels) == [0.5]     # not 0, the usual tanh cut

"""hinton(): RHW 1986's weight diagrams — area ∝ |w|, white positive, black negative."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.image  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from neuronsim import Network  # noqa: E402
from neuronsim.errors import ShapeError, TopologyError  # noqa: E402
from neuronsim.plot.hinton import hinton, weight_matrix  # noqa: E402
from conftest import assert_png_has_content  # noqa: E402


pytestmark = pytest.mark.usefixtures("close_figures")


def symmetry_net():
    """RHW 1986's mirror-symmetry shape: 6 inputs, 2 hidden, 1 output."""
    return Network.from_spec([("identity", 6), ("sigmoid", 2), ("sigmoid", 1)], init="uniform", seed=1)


SOURCES = [f"x{i}" for i in range(1, 7)] + ["h1", "h2"]
DESTINATIONS = ["h1", "h2", "o1"]


def test_renders_to_png(tmp_path):
    ax = hinton(symmetry_net(), SOURCES, DESTINATIONS)
    assert_png_has_content(ax.figure, tmp_path / "hinton.png")


def test_one_square_per_link_and_bias_and_none_for_missing_links():
    net = symmetry_net()
    ax = hinton(net, SOURCES, DESTINATIONS)
    cells = ax.neuronsim_artists["cells"]
    links = [(dst, src) for dst in DESTINATIONS for src in SOURCES if net.graph.has_edge(src, dst)]
    assert len(cells) == len(links) + len(DESTINATIONS)
    assert {(row, col) for row, col, _ in cells} == set(links) | {(dst, "bias") for dst in DESTINATIONS}
    assert ("o1", "x1") not in {(row, col) for row, col, _ in cells}  # no such link: an empty cell
    assert len(ax.neuronsim_artists["squares"].get_paths()) == len(cells)


def test_white_is_positive_and_black_negative():
    net = symmetry_net()
    net.set_weight("x1", "h1", 0.8)
    net.set_weight("x2", "h1", -0.8)
    ax = hinton(net, SOURCES, DESTINATIONS)
    colours = ax.neuronsim_artists["squares"].get_facecolor()
    for (row, col, weight), colour in zip(ax.neuronsim_artists["cells"], colours):
        expected = "white" if weight > 0 else "black"
        assert tuple(colour) == to_rgba(expected), f"{col} -> {row} (w = {weight})"


def test_square_area_is_proportional_to_the_weights_magnitude():
    net = symmetry_net()
    ax = hinton(net, SOURCES, DESTINATIONS)
    collection = ax.neuronsim_artists["squares"]
    areas = [np.ptp(path.vertices[:, 0]) * np.ptp(path.vertices[:, 1]) for path in collection.get_paths()]
    magnitudes = [abs(w) for _, _, w in ax.neuronsim_artists["cells"]]
    ratio = np.array(areas) / np.array(magnitudes)
    assert np.allclose(ratio, ratio[0])


def test_a_fixed_max_weight_caps_the_squares_at_a_full_cell():
    matrix = np.array([[0.5, -2.0], [1.0, np.nan]])
    ax = hinton(matrix, max_weight=1.0)
    paths = ax.neuronsim_artists["squares"].get_paths()
    sides = [np.ptp(path.vertices[:, 0]) for path in paths]
    assert len(paths) == 3  # NaN: no link
    assert max(sides) == pytest.approx(0.92)  # -2 and 1 both fill the cell
    assert min(sides) == pytest.approx(0.92 * np.sqrt(0.5))


def test_rows_are_destinations_and_columns_sources_with_a_bias_column():
    ax = hinton(symmetry_net(), SOURCES, DESTINATIONS)
    assert [t.get_text() for t in ax.get_xticklabels()] == SOURCES + ["bias"]
    assert [t.get_text() for t in ax.get_yticklabels()] == DESTINATIONS[::-1]  # first row on top
    assert [t.get_text() for t in hinton(symmetry_net(), SOURCES, DESTINATIONS, show_bias=False)
            .get_xticklabels()] == SOURCES


def test_weight_matrix_defaults_to_every_link_into_the_non_inputs():
    net = Network.from_spec([("identity", 2), ("sigmoid", 1)], init="constant")
    net["o1"].bias = -0.5
    matrix, sources, destinations = weight_matrix(net)
    assert (sources, destinations) == (["x1", "x2"], ["o1"])
    assert matrix.tolist() == [[1.0, 1.0, -0.5]]


def test_a_matrix_takes_labels_and_is_checked():
    ax = hinton([[1.0, -1.0]], src_labels=["a", "b"], dst_labels=["c"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    with pytest.raises(ShapeError, match="2-D"):
        hinton([1.0, 2.0])
    with pytest.raises(ShapeError, match="labels|column"):
        hinton([[1.0, 2.0]], src_labels=["only one"])


def test_unknown_neurons_are_refused():
    with pytest.raises(TopologyError, match="x9"):
        hinton(symmetry_net(), ["x9"], ["h1"])


def test_the_legend_explains_colours_and_scale():
    legend = hinton(symmetry_net(), SOURCES, DESTINATIONS).get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["positive", "negative"]
    assert "|w|" in legend.get_title().get_text()

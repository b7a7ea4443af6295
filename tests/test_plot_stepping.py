"""Watching backprop: the step-through animation, its HTML page (also in a real browser) and the
notebook views of networks and neurons."""

import base64
import html
import re
import shutil
import subprocess

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

import neuronsim  # noqa: E402
from neuronsim import plot  # noqa: E402
from neuronsim.errors import NeuronsimError, NeuronsimTypeError, ShapeError, ValueRangeError  # noqa: E402
from neuronsim.plot import stepping  # noqa: E402
from neuronsim.steps import EdgeContribution  # noqa: E402

X_IRIS, T_IRIS = [5.1, 3.5, 1.4, 0.2], [1, 0, 0]

# animations made only to read their frames are never played: matplotlib's warning about that is moot here
pytestmark = pytest.mark.filterwarnings("ignore:Animation was deleted without rendering")


def iris():
    """seed 004's network"""
    return neuronsim.Network.from_spec([("identity", 4), ("sigmoid", 5), ("sigmoid", 3)], init="constant")


def dag():
    return neuronsim.Network.from_spec({
        "layers": [("identity", 2), ("tanh", 3), ("tanh", 2), ("sigmoid", 1)],
        "edges": [["x1", "o1"], ["x2", "h2_1"]],
    }, seed=0)


def steps_of(net, x, target, by_edge=False):
    """The steps the generators yield, on a copy: [(kind, neuron name, downstream or None)]."""
    twin = net.copy()
    out = [("forward", s.neuron.name, None) for s in twin.forward_steps(x)]
    for item in twin.backward_steps(target, by_edge=by_edge):
        if isinstance(item, EdgeContribution):
            out.append(("edge", item.neuron.name, item.downstream.name))
        else:
            out.append(("backward", item.neuron.name, None))
    return out


def state(net):
    return ([(n.name, n.z, n.a, n.delta, n.bias_grad) for n in net.neurons],
            [(u, v, d["grad"]) for u, v, d in net.graph.edges(data=True)])


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# --- frames -----------------------------------------------------------------------------------

@pytest.mark.parametrize("by_edge", [False, True])
@pytest.mark.parametrize("make", [iris, dag])
def test_there_is_a_frame_per_step_plus_the_start_and_the_end(make, by_edge):
    net = make()
    x, t = (X_IRIS, T_IRIS) if make is iris else ([1.0, 0.0], [1.0])
    expected = steps_of(net, x, t, by_edge)
    frames = plot.animate_steps(net, x, t, by_edge=by_edge).neuronsim_frames
    assert len(frames) == len(expected) + 2
    assert [f.kind for f in frames] == ["start"] + [kind for kind, _, _ in expected] + ["end"]
    assert [f.index for f in frames] == list(range(len(frames)))


def test_the_4_5_3_network_has_22_frames_and_37_edge_by_edge():
    assert len(plot.step_frames(iris(), X_IRIS, T_IRIS)) == 12 + 8 + 2
    assert len(plot.step_frames(iris(), X_IRIS, T_IRIS, by_edge=True)) == 12 + 8 + 15 + 2


def test_the_ringed_neuron_of_frame_k_is_the_kth_steps_neuron_at_its_place_in_the_layout():
    net = dag()
    expected = steps_of(net, [1.0, 0.0], [1.0], by_edge=True)
    animation = plot.animate_steps(net, [1.0, 0.0], [1.0], by_edge=True)
    ax = animation.neuronsim_figure.axes[0]
    positions = plot.layered_layout(net)
    for k, (_, name, _) in enumerate(expected, start=1):
        animation.neuronsim_draw(k)
        ring = ax.neuronsim_artists["ring"]
        assert ring.neuronsim_name == name
        assert tuple(ring.get_offsets()[0]) == pytest.approx(positions[name])
    for k in (0, len(expected) + 1):  # start and end: no current neuron
        animation.neuronsim_draw(k)
        assert ax.neuronsim_artists["ring"] is None


def test_each_frames_equation_is_explain_for_its_neuron_in_the_frame_and_on_the_picture():
    net = iris()
    animation = plot.animate_steps(net, X_IRIS, T_IRIS)
    panel = animation.neuronsim_figure.texts[1]
    for frame in animation.neuronsim_frames:
        if frame.kind == "forward":
            assert frame.equation == net.explain(frame.neuron, kind="activation")
            assert frame.latex == net.explain(frame.neuron, kind="activation", fmt="latex")
        elif frame.kind == "backward":
            assert frame.equation == net.explain(frame.neuron)
            assert frame.latex == net.explain(frame.neuron, fmt="latex")
        animation.neuronsim_draw(frame.index)
        assert panel.neuronsim_equation == frame.equation
        assert panel.get_text().replace("\n", " ") == frame.equation  # wrapped between terms only
    assert animation.neuronsim_frames[3].equation == "a[x3] = 1.4 (input, clamped)"


def test_a_fused_loss_step_says_the_loss_gives_delta_and_matches_explain():
    net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 3), ("sigmoid", 2)], seed=0)
    frames = plot.step_frames(net, [1.0, 0.0], [1, 0], loss="binary_cross_entropy")
    first = next(f for f in frames if f.kind == "backward")
    assert first.title == f"backward 1/5: δ[{first.neuron}] = ∂C/∂z"
    assert first.equation == net.explain(first.neuron) and "(binary_cross_entropy)" in first.equation
    hidden = next(f for f in frames if f.kind == "backward" and f.neuron.startswith("h"))
    assert hidden.title.endswith(f"δ[{hidden.neuron}] = f′(z) × Σ w·δ")
    assert frames[-1].title.startswith(f"done: loss C = {net.loss([1.0, 0.0], [1, 0], 'binary_cross_entropy'):.4g} "
                                       "(binary_cross_entropy)")


def test_an_edge_frame_shows_one_link_and_the_running_sum_of_delta():
    net = dag()
    frames = plot.step_frames(net, [1.0, 0.0], [1.0], by_edge=True)
    edges = [f for f in frames if f.kind == "edge" and f.neuron == "h1_1"]
    assert [f.links for f in edges] == [(("h1_1", "h2_1"),), (("h1_1", "h2_2"),)]
    w1, w2 = net.weight("h1_1", "h2_1"), net.weight("h1_1", "h2_2")
    d1, d2 = net["h2_1"].delta, net["h2_2"].delta
    assert edges[0].equation == (f"Σ for δ[h1_1] += w[h1_1→h2_1]={w1:.4g} × δ[h2_1]={d1:.4g} = {w1 * d1:.4g}; "
                                 f"running sum Σ = {w1 * d1:.4g}")
    assert edges[1].equation.endswith(f"running sum Σ = {w1 * d1 + w2 * d2:.4g}")


def test_forward_frames_light_the_incoming_links_and_backward_frames_the_outgoing_ones():
    net = dag()
    frames = {(f.kind, f.neuron): f for f in plot.step_frames(net, [1.0, 0.0], [1.0])}
    assert set(frames["forward", "o1"].links) == {("h2_1", "o1"), ("h2_2", "o1"), ("x1", "o1")}
    assert set(frames["backward", "h1_2"].links) == {("h1_2", "h2_1"), ("h1_2", "h2_2")}
    assert frames["forward", "x1"].links == ()
    assert frames["backward", "o1"].links == ()


def test_values_appear_as_they_are_computed_grey_before():
    net = iris()
    animation = plot.animate_steps(net, X_IRIS, T_IRIS)
    ax = animation.neuronsim_figure.axes[0]
    frames = animation.neuronsim_frames
    h3 = next(f.index for f in frames if f.kind == "forward" and f.neuron == "h3")
    animation.neuronsim_draw(h3)
    written = {t.get_gid(): t.get_text() for t in ax.neuronsim_artists["texts"]}
    assert written["value:x1"] == "5.1" and written["value:h3"] == "1"
    assert "value:h4" not in written and "value:o1" not in written  # not computed yet: no value, grey
    o2 = next(f.index for f in frames if f.kind == "backward" and f.neuron == "o2")
    animation.neuronsim_draw(o2)
    written = {t.get_gid(): t.get_text() for t in ax.neuronsim_artists["texts"]}
    assert written["value:o2"] == f"{net['o2'].delta:.3g}" and "value:h1" not in written


def test_the_network_is_left_exactly_as_forward_then_backward_leave_it():
    net, twin = dag(), dag()
    net.zero_grad(); twin.zero_grad()
    plot.animate_steps(net, [1.0, 0.0], [1.0], by_edge=True)
    twin.forward([1.0, 0.0]); twin.backward([1.0])
    assert state(net) == state(twin)  # bit for bit, gradients accumulated once
    assert net.explain("h1_2") == twin.explain("h1_2")


def test_preserve_puts_back_every_value_and_gradient_held_before():
    net = dag()
    net.forward([0.3, -0.7]); net.backward([0.0])
    before, explained = state(net), net.explain("h1_1")
    plot.animate_steps(net, [1.0, 0.0], [1.0], by_edge=True, preserve=True)
    assert state(net) == before
    assert net.explain("h1_1") == explained  # the loss terms explanations read are back too
    untouched = dag()
    plot.step_frames(untouched, [1.0, 0.0], [1.0], preserve=True)
    assert all(n.z is None and n.delta is None for n in untouched.neurons)


def test_a_refused_target_is_refused_before_any_step_runs():
    net = iris()
    with pytest.raises(ShapeError, match="target: expected 3 values, got 2"):
        plot.animate_steps(net, X_IRIS, [1, 0])
    assert all(n.a is None for n in net.neurons)  # no forward pass was spent on it
    with pytest.raises(ShapeError, match="input x: expected 4 values, got 3"):
        plot.steps_html(net, [1, 2, 3], T_IRIS)


def test_bad_options_get_clear_errors_naming_them():
    net = iris()
    with pytest.raises(NeuronsimError, match="unknown style option.*'colour'.*known: layout"):
        plot.animate_steps(net, X_IRIS, T_IRIS, colour="red")
    with pytest.raises(NeuronsimTypeError, match="animate_steps\\(\\): by_edge must be True or False, got 'yes'"):
        plot.animate_steps(net, X_IRIS, T_IRIS, by_edge="yes")
    with pytest.raises(ValueRangeError, match="fps must be > 0, got 0.0"):
        plot.animate_steps(net, X_IRIS, T_IRIS, fps=0)
    with pytest.raises(NeuronsimTypeError, match="steps_html\\(\\): precision must be an integer from 1 to 17"):
        plot.steps_html(net, X_IRIS, T_IRIS, precision=0)
    with pytest.raises(NeuronsimTypeError, match="max_frames must be a positive integer, got -1"):
        plot.steps_html(net, X_IRIS, T_IRIS, max_frames=-1)
    with pytest.raises(NeuronsimTypeError, match="takes a Network, got list"):
        plot.animate_steps([1, 2], X_IRIS, T_IRIS)
    assert all(n.a is None for n in net.neurons)


def test_a_wrong_file_suffix_is_refused_before_anything_runs(tmp_path):
    net = iris()
    with pytest.raises(NeuronsimError, match="saved as .gif or .mp4, got 'steps.avi'"):
        plot.animate_steps(net, X_IRIS, T_IRIS, path=tmp_path / "steps.avi")
    assert all(n.a is None for n in net.neurons) and not list(tmp_path.iterdir())


def test_the_gif_has_one_image_per_frame_and_loops(tmp_path):
    net = neuronsim.Network.from_spec([("identity", 2), ("sigmoid", 2), ("sigmoid", 1)], init="constant")
    animation = plot.animate_steps(net, [1.0, 0.5], [1.0], path=tmp_path / "steps.gif", fps=4)
    with Image.open(tmp_path / "steps.gif") as gif:
        assert gif.n_frames == len(animation.neuronsim_frames) == 10
        assert gif.info["duration"] == 250 and gif.info["loop"] == 0
        gif.seek(6)
        pixels = np.asarray(gif.convert("RGB"), dtype=float) / 255
    assert pixels.std() > 0.05


def test_mathtext_typesets_the_equation_and_falls_back_to_text_for_names_it_cannot_parse():
    net = dag()
    animation = plot.animate_steps(net, [1.0, 0.0], [1.0], mathtext=True)
    frame = next(f for f in animation.neuronsim_frames if f.kind == "backward" and f.neuron == "h2_1")
    animation.neuronsim_draw(frame.index)
    drawn = animation.neuronsim_figure.texts[1].get_text()
    assert drawn.startswith(r"$\delta_{\mathrm{h2\_1}} = ") and drawn.endswith("$")
    animation.neuronsim_figure.canvas.draw()  # mathtext parses it

    odd = neuronsim.Network()
    odd.add_neuron("x", "identity"); odd.add_neuron("o$_{", "sigmoid"); odd.connect("x", "o$_{", 0.5)
    animation = plot.animate_steps(odd, [1.0], [1.0], mathtext=True)
    animation.neuronsim_draw(3)
    drawn = animation.neuronsim_figure.texts[1].get_text()
    assert drawn == odd.explain("o$_{").replace("$", r"\$")
    animation.neuronsim_figure.canvas.draw()


def test_the_animation_shows_itself_in_a_notebook_as_matplotlibs_javascript_player():
    net = neuronsim.Network.from_spec([("identity", 1), ("sigmoid", 1)], init="constant")
    animation = plot.animate_steps(net, [1.0], [1.0])
    player = animation._repr_html_()
    assert "<script" in player and "data:image/png;base64" in player
    assert player.count("frames[") >= len(animation.neuronsim_frames) == 5


# --- the page -------------------------------------------------------------------------------

def test_the_page_is_one_file_that_links_to_nothing_outside(tmp_path):
    net = iris()
    page = plot.steps_html(net, X_IRIS, T_IRIS, tmp_path / "page.html", by_edge=True)
    assert (tmp_path / "page.html").read_text(encoding="utf-8") == page
    assert "http" not in page.lower()
    assert re.findall(r'\bsrc="([^"]{0,11})', page) == ["data:image/"] * 37
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert (tmp_path / "page.html").stat().st_size < 2_000_000


@pytest.fixture(scope="module")
def iris_page(tmp_path_factory):
    """seed 004's network after its step-through page was written, the page's path and text"""
    net = iris()
    path = tmp_path_factory.mktemp("page") / "page.html"
    return net, path, plot.steps_html(net, X_IRIS, T_IRIS, path)


def test_the_page_has_every_step_with_its_equation_the_controls_and_the_final_table(iris_page):
    net, _, page = iris_page
    frames = plot.step_frames(iris(), X_IRIS, T_IRIS)  # a twin's, from zero gradients as the page's
    assert page.count('<section class="step"') == page.count("<img ") == len(frames) == 22
    for frame in frames:
        assert f"<pre>{html.escape(frame.equation)}</pre>" in page
    assert '<input id="slider" type="range" min="0" max="21"' in page
    assert 'id="prev"' in page and 'id="next"' in page and "ArrowLeft" in page and "ArrowRight" in page
    assert "location.hash" in page and "step=" in page
    assert "<td>o1</td>" in page and f"<td>{net['o1'].delta:.4g}</td>" in page  # the state after the pass
    assert html.escape(iris_twin_summary()) in page  # print(net)'s table, links and gradients included


def iris_twin_summary():
    twin = iris()
    twin.forward(X_IRIS); twin.backward(T_IRIS)
    return twin.summary()


def test_the_page_escapes_names_and_no_data_uri_spells_http():
    odd = neuronsim.Network()
    odd.add_neuron("x<b>", "identity"); odd.add_neuron("o&", "sigmoid"); odd.connect("x<b>", "o&", 0.5)
    page = plot.steps_html(odd, [1.0], [1.0])
    assert "x<b>" not in page and "x&lt;b&gt;" in page and "o&amp;" in page
    text = "QQhttpQQHTTPQQQQ"  # base64 that would spell it
    uri = stepping._data_uri(base64.b64decode(text))
    assert "http" not in uri.lower() and uri.replace("\n", "") == "data:image/png;base64," + text


def test_a_page_of_too_many_steps_keeps_the_equations_with_one_picture_and_says_so():
    net = iris()
    with pytest.warns(UserWarning, match="22 steps exceed max_frames=10: the page has every step's equation"):
        page = plot.steps_html(net, X_IRIS, T_IRIS, max_frames=10)
    assert page.count("<img ") == 1 and page.count('<section class="step"') == 22
    assert "more than 10" in page


def test_writing_the_page_over_a_file_replaces_it_whole(tmp_path):
    target = tmp_path / "page.html"
    target.write_text("old")
    with pytest.raises(ShapeError):
        plot.steps_html(iris(), X_IRIS, [1], target)
    assert target.read_text() == "old"
    plot.steps_html(iris(), X_IRIS, T_IRIS, target)
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# --- in a real browser --------------------------------------------------------------------

def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def screenshot(browser, page, step, tmp_path):
    shot = tmp_path / f"step{step}.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars", "--force-device-scale-factor=1",
                    f"--screenshot={shot}", "--window-size=1200,900", f"{page.as_uri()}#step={step}"],
                   capture_output=True, timeout=90, check=False)
    assert shot.exists(), f"chromium wrote no screenshot of step {step}"
    return np.asarray(Image.open(shot).convert("RGB"), dtype=float) / 255


@pytest.mark.skipif(chromium() is None, reason="no Chromium on this machine (apt-get install chromium; .ci/run "
                                               "installs it): the page is not checked in a browser")
def test_a_browser_opens_the_page_at_the_step_its_address_names(iris_page, tmp_path):
    net, page, text = iris_page
    frames = plot.step_frames(net.copy(), X_IRIS, T_IRIS)
    k = next(f.index for f in frames if f.kind == "backward" and f.neuron == "h2")
    x, y = map(int, re.search(rf'data-step="{k}" data-ring="(\d+) (\d+)"', text).groups())
    browser = chromium()
    first, chosen = screenshot(browser, page, 0, tmp_path), screenshot(browser, page, k, tmp_path)
    for shot in (first, chosen):
        assert shot.std() > 0.05, "blank screenshot"
        assert len(np.unique((shot * 255).astype(int).reshape(-1, 3), axis=0)) > 50
    # the picture of step k, with the ring around h2, is the one shown (the page puts it top left,
    # at its own size): around h2 the two screenshots differ, and the ring's green is there
    around = (slice(y - 25, y + 26), slice(x - 25, x + 26))
    assert np.abs(chosen[around] - first[around]).sum(axis=2).max() > 0.5
    green = np.array([0x1a, 0x9e, 0x3f]) / 255
    near = lambda shot: (np.abs(shot[around] - green).sum(axis=2) < 0.15).sum()  # noqa: E731
    assert near(chosen) > 30 and near(first) == 0
    # far from the network's pictures (the top of the page shows step k's title) they differ too
    assert np.abs(chosen - first).sum() > 100


# --- notebook views -------------------------------------------------------------------------

def test_a_network_shows_in_a_notebook_as_a_picture_over_a_table_of_its_state():
    net = iris()
    net.forward(X_IRIS); net.backward(T_IRIS)
    page = net._repr_html_()
    assert page.count("<svg") == 1 and "<metadata>" not in page and "<?xml" not in page
    assert "<b>Network</b>: 12 neurons, 35 edges; inputs: x1, x2, x3, x4; outputs: o1, o2, o3" in page
    assert "neurons coloured by δ" in page
    rows = re.findall(r"<tr><td>([^<]*)</td>", page)
    assert rows == [n.name for n in net.neurons]
    assert (f"<tr><td>h1</td><td class=\"act\">sigmoid</td><td>10.2</td><td>1</td>"
            f"<td>{net['h1'].delta:.4g}</td><td>0</td></tr>") in page
    assert '<td class="act">identity (input)</td><td>5.1</td><td>5.1</td><td>-</td><td>-</td>' in page


def test_a_network_before_any_pass_shows_dashes_and_an_uncoloured_picture():
    page = iris()._repr_html_()
    assert "<svg" in page and "coloured by" not in page
    assert "<td>h1</td><td class=\"act\">sigmoid</td><td>-</td><td>-</td><td>-</td><td>0</td>" in page


def test_a_big_network_shows_no_picture_and_40_rows_like_print():
    net = neuronsim.Network.from_spec([("identity", 300), ("sigmoid", 2)], init="constant")
    page = net._repr_html_()
    assert "<svg" not in page and "no picture above 300 neurons" in page
    assert len(re.findall(r"<tr><td>", page)) == 40
    assert "… 262 more neurons (net.summary(max_rows=None) lists all)" in page
    assert "inputs: x1, x2, x3, x4, x5, x6, x7, x8, … 292 more" in page


def test_an_empty_network_and_hostile_names_show_safely():
    assert "0 neurons, 0 edges" in neuronsim.Network()._repr_html_()
    odd = neuronsim.Network()
    odd.add_neuron("<script>", "identity"); odd.add_neuron("o", "sigmoid"); odd.connect("<script>", "o", 1.0)
    page = odd._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_a_neuron_shows_its_state_and_its_links():
    net = iris()
    net.forward(X_IRIS); net.backward(T_IRIS)
    page = net["o1"]._repr_html_()
    assert (f"<td>o1</td><td class=\"act\">sigmoid</td><td>5</td><td>0.9933</td><td>{net['o1'].delta:.4g}</td>"
            f"<td>0</td><td>{net['o1'].bias_grad:.4g}</td>") in page
    assert "from: h1, h2, h3, h4, h5; to: (none)" in page
    with pytest.raises(NeuronsimTypeError, match="max_rows must be None or a positive integer, got 0"):
        plot.network_html(net, max_rows=0)

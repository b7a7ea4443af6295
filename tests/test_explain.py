"""explain() writes each equation with the network's own numbers; summary() tabulates the state."""

import math
import re

import pytest

import neuronsim
from neuronsim.errors import NeuronsimError, TopologyError


def numbers(text):
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", text)]


@pytest.fixture
def net():
    net = neuronsim.Network.from_spec({
        "layers": [("identity", 2), ("tanh", 2), ("sigmoid", 2)],
        "edges": [["x1", "o1", 0.3]],
    }, init="uniform", seed=5)
    net.forward([0.4, -0.9])
    net.backward([1.0, 0.0])
    return net


def test_hidden_delta_explanation_shows_fprime_each_downstream_term_and_the_result(net):
    text = net.explain("h1", precision=12)
    h1 = net["h1"]
    assert text.startswith("δ[h1] = f′(z=")
    assert "w[h1→o1]=" in text and "δ[o1]=" in text and "w[h1→o2]=" in text
    values = numbers(text.replace("h1", "").replace("o1", "").replace("o2", ""))
    z, fprime, w1, d1, w2, d2, result = values
    assert z == pytest.approx(h1.z, rel=1e-11)
    assert fprime == pytest.approx(h1.activation.df(h1.z, h1.a), rel=1e-11)
    assert (w1, w2) == pytest.approx((net.weight("h1", "o1"), net.weight("h1", "o2")), rel=1e-11)
    assert (d1, d2) == pytest.approx((net["o1"].delta, net["o2"].delta), rel=1e-11)
    assert result == pytest.approx(h1.delta, rel=1e-11)
    assert result == pytest.approx(fprime * (w1 * d1 + w2 * d2), rel=1e-10)


def test_output_delta_explanation_shows_dc_da_times_fprime(net):
    text = net.explain("o2", precision=12)
    o2 = net["o2"]
    assert text.startswith("δ[o2] = ∂C/∂a=")
    dcda, z, fprime, result = numbers(text.replace("o2", ""))
    assert dcda == pytest.approx(o2.a - 0.0, rel=1e-11)
    assert z == pytest.approx(o2.z, rel=1e-11)
    assert result == pytest.approx(o2.delta, rel=1e-11) == pytest.approx(dcda * fprime, rel=1e-10)


def test_fused_output_delta_explanation_names_the_loss():
    net = neuronsim.Network.from_spec([("identity", 1), ("sigmoid", 2)], init="constant")
    net.forward([1.0])
    net.backward([1.0, 0.0], loss="binary_cross_entropy")  # fused on sigmoid: δ = a − t
    text = net.explain("o1")
    assert text.startswith("δ[o1] = ∂C/∂z (binary_cross_entropy)=")
    assert numbers(text.split("=")[-1])[0] == pytest.approx(net["o1"].delta, rel=1e-3)


def test_activation_explanation_sums_bias_and_weighted_upstream_activations(net):
    text = net.explain("o1", kind="activation", precision=12)
    assert text.startswith("a[o1] = sigmoid(b[o1]=")
    for src in ("h1", "h2", "x1"):
        assert f"w[{src}→o1]=" in text and f"a[{src}]=" in text
    assert numbers(text)[-1] == pytest.approx(net["o1"].a, rel=1e-11)


def test_input_activation_explanation_says_it_is_clamped(net):
    assert net.explain("x2", kind="activation") == "a[x2] = -0.9 (input, clamped)"


def test_edge_gradient_explanation_is_upstream_activation_times_downstream_delta(net):
    text = net.explain(("x1", "o1"), precision=12)
    assert text.startswith("∂C/∂w[x1→o1] = a[x1]=0.4 × δ[o1]=")
    assert numbers(text)[-1] == pytest.approx(net.graph.edges["x1", "o1"]["grad"], rel=1e-11)


def test_edge_gradient_explanation_mentions_accumulation_over_several_cases(net):
    net.forward([0.1, 0.2])
    net.backward([0.0, 1.0])
    assert "accumulated over cases" in net.explain(("h1", "o2"))


def test_bias_gradient_explanation_is_the_delta(net):
    assert net.explain("h2", kind="bias", precision=6).startswith("∂C/∂b[h2] = δ[h2]=")


def test_latex_and_markdown_formats(net):
    latex = net.explain("h1", fmt="latex")
    assert r"\delta_{\mathrm{h1}}" in latex and r"\times" in latex and "f'(z{=}" in latex
    markdown = net.explain("h1", fmt="markdown")
    assert markdown.startswith("**δ[h1]** = ") and markdown.endswith("**")


def test_explain_rejects_unknown_neurons_kinds_formats_and_inputs(net):
    with pytest.raises(TopologyError, match="unknown neuron 'zz'"):
        net.explain("zz")
    with pytest.raises(TopologyError, match="no edge x2 -> o1"):
        net.explain(("x2", "o1"))
    with pytest.raises(NeuronsimError, match="kind must be one of"):
        net.explain("h1", kind="weights")
    with pytest.raises(NeuronsimError, match="fmt must be one of"):
        net.explain("h1", fmt="html")
    with pytest.raises(NeuronsimError, match="input"):
        net.explain("x1")


def test_explain_before_any_pass_says_what_to_run():
    net = neuronsim.Network.from_spec([("identity", 1), ("sigmoid", 1)], seed=0)
    with pytest.raises(NeuronsimError, match="run forward"):
        net.explain("o1")


def test_summary_lists_every_neuron_and_edge_with_their_numbers(net):
    table = net.summary()
    assert str(net) == table
    lines = table.splitlines()
    assert lines[0].startswith("Network: 6 neurons, 9 edges; inputs: x1, x2; outputs: o1, o2")
    for neuron in net.neurons:
        row = next(line for line in lines if line.startswith(neuron.name + " "))
        assert neuron.activation.name in row
    edge_rows = [line for line in lines if " -> " in line]
    assert len(edge_rows) == net.graph.number_of_edges()


def test_snapshots_map_names_to_values(net):
    assert net.deltas() == {n.name: n.delta for n in net.neurons}
    assert net.activations()["x1"] == 0.4


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex"])
def test_a_negative_zero_is_written_as_zero(fmt):
    net = neuronsim.Network.from_spec([("identity", 1), ("identity", 1)], init="constant")
    net.set_weight("x1", "o1", -1.0)
    net["o1"].bias = -0.0
    net.forward([0.0])                     # z = b + w·a = −0 + (−1)(0) = −0.0
    assert math.copysign(1.0, net["o1"].z) == -1.0
    text = net.explain("o1", kind="activation", fmt=fmt)
    assert "-0 " not in text + " " and not re.search(r"-0(?![.\d])", text)

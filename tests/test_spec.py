"""Specification of network specs: layered lists, graph dicts, JSON/YAML files, and to_spec()."""

import json
import math

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import random_dags
from neuronsim import Network, NeuronsimError
from neuronsim.errors import SpecError, TopologyError
from neuronsim.spec import build, layer_names, load_spec_file, to_spec

SEED_004 = [("identity", 4), ("sigmoid", 5), ("sigmoid", 3)]


def names(net):
    return [n.name for n in net.neurons]


def links(net):
    return sorted((src, dst) for src, dst in net.graph.edges())


# --- layered lists -----------------------------------------------------------------------------


def test_layered_list_builds_named_fully_connected_layers():
    net = build(SEED_004, init="constant")
    assert names(net) == ["x1", "x2", "x3", "x4", "h1", "h2", "h3", "h4", "h5", "o1", "o2", "o3"]
    assert links(net) == sorted([(f"x{i}", f"h{j}") for i in range(1, 5) for j in range(1, 6)]
                                + [(f"h{j}", f"o{k}") for j in range(1, 6) for k in range(1, 4)])


def test_layered_list_gives_each_layer_its_activation():
    net = build([("identity", 2), ("tanh", 2), ("relu", 1)], seed=0)
    assert [n.activation.name for n in net.neurons] == ["identity", "identity", "tanh", "tanh", "relu"]


def test_layered_list_infers_the_first_layer_as_inputs_and_the_last_as_outputs():
    net = build(SEED_004, init="constant")
    assert [n.name for n in net.inputs] == ["x1", "x2", "x3", "x4"]
    assert [n.name for n in net.outputs] == ["o1", "o2", "o3"]


def test_several_hidden_layers_are_named_by_layer_then_position():
    net = build([("identity", 1), ("tanh", 2), ("tanh", 2), ("sigmoid", 1)], seed=0)
    assert names(net) == ["x1", "h1_1", "h1_2", "h2_1", "h2_2", "o1"]
    assert layer_names([1, 2, 2, 1]) == [["x1"], ["h1_1", "h1_2"], ["h2_1", "h2_2"], ["o1"]]


def test_layer_may_be_a_dict_of_activation_and_size():
    net = build([{"activation": "identity", "size": 2}, {"activation": "tanh", "size": 1}], seed=0)
    assert names(net) == ["x1", "x2", "o1"]
    assert net["o1"].activation.name == "tanh"


def test_layered_tuple_is_accepted_like_a_list():
    assert names(build(tuple(SEED_004), init="constant")) == names(build(SEED_004, init="constant"))


def test_constant_init_gives_seed_004s_all_ones_network():
    net = build(SEED_004, init="constant")
    assert all(w == 1.0 for _, _, w in net.edges())
    assert all(n.bias == 0.0 for n in net.neurons)


def test_network_from_spec_is_build():
    assert Network.from_spec(SEED_004, seed=4).parameters() == build(SEED_004, seed=4).parameters()


# --- graph dicts -------------------------------------------------------------------------------


@pytest.fixture
def graph_spec():
    return {
        "neurons": [{"name": "x1", "activation": "identity"}, {"name": "x2", "activation": "identity"},
                    {"name": "h", "activation": "tanh", "bias": 0.1}, "o"],
        "edges": [["x1", "h", 0.5], ["x2", "h"], {"src": "h", "dst": "o", "weight": -2.0}, {"src": "x1", "dst": "o"}],
    }


def test_graph_dict_builds_its_neurons_and_links(graph_spec):
    net = build(graph_spec, seed=0)
    assert names(net) == ["x1", "x2", "h", "o"]
    assert links(net) == [("h", "o"), ("x1", "h"), ("x1", "o"), ("x2", "h")]


def test_neuron_given_as_a_bare_name_is_a_sigmoid(graph_spec):
    assert build(graph_spec, seed=0)["o"].activation.name == "sigmoid"


def test_given_weights_and_biases_are_kept(graph_spec):
    net = build(graph_spec, init="uniform", seed=0)
    assert net.weight("x1", "h") == 0.5 and net.weight("h", "o") == -2.0
    assert net["h"].bias == 0.1


def test_missing_weights_and_biases_are_drawn_by_the_initialiser(graph_spec):
    net = build(graph_spec, init={"name": "constant", "weight": 0.25, "bias": -0.5})
    assert net.weight("x2", "h") == 0.25 and net.weight("x1", "o") == 0.25
    assert net["o"].bias == -0.5


def test_layers_with_extra_neurons_and_edges_add_skip_links():
    net = build({"layers": [("identity", 2), ("sigmoid", 2), ("sigmoid", 1)],
                 "neurons": [{"name": "aux", "activation": "tanh"}],
                 "edges": [["x1", "o1", 0.7], ["x2", "aux"], ["aux", "o1"]]}, seed=0)
    assert sorted(net.graph.predecessors("o1")) == ["aux", "h1", "h2", "x1"]
    assert net.weight("x1", "o1") == 0.7
    assert [n.name for n in net.outputs] == ["o1"]


def test_explicit_inputs_and_outputs_are_used_in_their_order():
    net = build({"neurons": [{"name": "a", "activation": "identity"}, {"name": "b", "activation": "identity"},
                             "h", "o"],
                 "edges": [["a", "h"], ["b", "h"], ["h", "o"]],
                 "inputs": ["b", "a"], "outputs": ["o", "h"]}, seed=0)
    assert [n.name for n in net.inputs] == ["b", "a"]
    assert [n.name for n in net.outputs] == ["o", "h"]


def test_spec_init_and_seed_fields_are_used():
    spec = {"layers": [("identity", 2), ("tanh", 3), ("tanh", 1)], "init": "uniform", "seed": 3}
    assert build(spec).parameters() == build(spec["layers"], init="uniform", seed=3).parameters()


def test_init_and_seed_arguments_override_the_spec_fields():
    spec = {"layers": [("identity", 2), ("tanh", 3), ("tanh", 1)], "init": "uniform", "seed": 3}
    assert build(spec, init="constant").parameters() == build(spec["layers"], init="constant").parameters()
    assert build(spec, seed=4).parameters() == build(spec["layers"], init="uniform", seed=4).parameters()


def test_free_text_name_and_description_are_accepted():
    net = build({"name": "tiny", "description": "one link", "layers": [("identity", 1), ("sigmoid", 1)]}, seed=0)
    assert len(net) == 2


# --- files -------------------------------------------------------------------------------------


def test_json_file_builds_the_network_it_holds(tmp_path):
    path = tmp_path / "net.json"
    path.write_text(json.dumps({"layers": [["identity", 2], ["tanh", 2], ["sigmoid", 1]],
                                "edges": [["x1", "o1", 0.5]], "seed": 1}))
    net = build(path)
    assert names(net) == ["x1", "x2", "h1", "h2", "o1"]
    assert net.weight("x1", "o1") == 0.5


def test_yaml_file_builds_the_network_it_holds(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text("neurons:\n"
                    "  - {name: x, activation: identity}\n"
                    "  - {name: h, activation: relu, bias: 0.5}\n"
                    "  - o\n"
                    "edges:\n"
                    "  - [x, h, 2.0]\n"
                    "  - {src: h, dst: o, weight: -1.0}\n")
    net = build(path)
    assert names(net) == ["x", "h", "o"]
    assert (net.weight("x", "h"), net.weight("h", "o"), net["h"].bias) == (2.0, -1.0, 0.5)


def test_yml_extension_and_string_paths_are_accepted(tmp_path):
    path = tmp_path / "net.yml"
    path.write_text("- [identity, 3]\n- [sigmoid, 2]\n")
    assert names(build(str(path), seed=0)) == ["x1", "x2", "x3", "o1", "o2"]


def test_file_and_dict_forms_build_the_same_network(tmp_path):
    spec = {"layers": [["identity", 2], ["tanh", 3], ["sigmoid", 1]], "seed": 9}
    path = tmp_path / "net.json"
    path.write_text(json.dumps(spec))
    assert build(path).parameters() == build(spec).parameters()


def test_load_spec_file_returns_plain_data(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text("layers:\n  - [identity, 1]\n  - [sigmoid, 1]\n")
    assert load_spec_file(path) == {"layers": [["identity", 1], ["sigmoid", 1]]}


def test_yaml_weight_in_exponent_notation_is_a_number(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text("neurons: [{name: x, activation: identity}, o]\nedges:\n  - [x, o, 1e-3]\n")
    assert build(path).weight("x", "o") == 0.001


def test_unknown_file_extension_is_refused(tmp_path):
    path = tmp_path / "net.txt"
    path.write_text("[]")
    with pytest.raises(SpecError, match=r"net\.txt: spec files must end in \.json, \.yaml or \.yml"):
        build(path)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(SpecError, match=r"absent\.json: no such spec file"):
        build(tmp_path / "absent.json")


def test_invalid_json_gives_line_and_column(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"layers": [\n  ["identity", 2],\n  ["sigmoid" 1]\n]}')
    with pytest.raises(SpecError, match=r"bad\.json: not valid JSON \(line 3, column 14"):
        build(path)


def test_invalid_yaml_is_named(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("layers: [[identity, 2]\n")
    with pytest.raises(SpecError, match=r"bad\.yaml: not valid YAML"):
        build(path)


def test_yaml_is_read_as_data_only(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("!!python/object/apply:os.system ['true']\n")
    with pytest.raises(SpecError, match="not valid YAML"):
        build(path)


def test_file_holding_something_other_than_a_spec_is_named(tmp_path):
    path = tmp_path / "number.json"
    path.write_text("42")
    with pytest.raises(SpecError, match=r"number\.json: a spec file holds a list of layers or a dict, got int"):
        build(path)


def test_spec_file_holding_a_path_is_not_followed(tmp_path):
    (tmp_path / "other.json").write_text('[["identity", 1], ["sigmoid", 1]]')
    path = tmp_path / "pointer.json"
    path.write_text('"other.json"')
    with pytest.raises(SpecError, match="got str"):
        build(path)


def test_malformed_field_in_a_file_names_the_file_and_the_field(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text("layers:\n  - [identity, 2]\n  - [sigmoid, 0]\n")
    with pytest.raises(SpecError, match=r"net\.yaml: layers\[1\]\.size must be a positive integer, got 0"):
        build(path)


def test_unreadable_file_is_named(tmp_path):
    path = tmp_path / "binary.json"
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(SpecError, match=r"binary\.json: cannot read spec file"):
        build(path)


# --- malformed specs, each naming the field ----------------------------------------------------

_NEURONS = ["a", "b"]

MALFORMED = {
    "not a spec": (5, r"spec must be a list of layers, a dict or a file path, got int"),
    "one layer": ([("identity", 2)], r"layers must be a list of at least 2"),
    "layers not a list": ({"layers": "identity"}, r"layers must be a list"),
    "layer not a pair": ([("identity", 2), "sigmoid"], r"layers\[1\] must be \(activation, size\)"),
    "layer of three": ([("identity", 2), ("sigmoid", 1, 0)], r"layers\[1\] must be \(activation, size\)"),
    "layer activation not a name": ([("identity", 2), (3, 1)], r"layers\[1\]\.activation must be a name"),
    "layer activation unknown": ([("identity", 2), ("sigmod", 1)],
                                 r"layers\[1\]\.activation: unknown activation 'sigmod'; known: .*sigmoid"),
    "layer size zero": ([("identity", 0), ("sigmoid", 1)], r"layers\[0\]\.size must be a positive integer, got 0"),
    "layer size float": ([("identity", 2), ("sigmoid", 1.0)], r"layers\[1\]\.size must be a positive integer"),
    "layer size bool": ([("identity", 2), ("sigmoid", True)], r"layers\[1\]\.size must be a positive integer"),
    "layer dict unknown field": ([("identity", 2), {"activation": "tanh", "size": 1, "bias": 0}],
                                 r"layers\[1\]: unknown field\(s\) \['bias'\]"),
    "layer dict missing size": ([("identity", 2), {"activation": "tanh"}], r"layers\[1\]\.size"),
    "unknown top-level field": ({"layers": [("identity", 1), ("tanh", 1)], "weights": []},
                                r"unknown spec field\(s\) \['weights'\]; known: .*'edges'"),
    "no layers and no neurons": ({"edges": [["a", "b"]]}, r"spec has no 'layers' and no 'neurons'"),
    "neurons not a list": ({"neurons": "a"}, r"neurons must be a list, got str"),
    "neuron not a name or dict": ({"neurons": ["a", 7]}, r"neurons\[1\] must be a name or a dict, got 7"),
    "neuron without name": ({"neurons": [{"activation": "tanh"}]}, r"neurons\[0\]: missing field 'name'"),
    "neuron unknown field": ({"neurons": [{"name": "a", "size": 2}]}, r"neurons\[0\]: unknown field\(s\) \['size'\]"),
    "neuron activation unknown": ({"neurons": ["a", {"name": "b", "activation": "sigmod"}]},
                                  r"neurons\[1\]: unknown activation 'sigmod'; known:"),
    "neuron bias not finite": ({"neurons": ["a", {"name": "b", "bias": math.nan}]},
                               r"neurons\[1\]: bias of neuron 'b' must be finite"),
    "neuron bias not a number": ({"neurons": ["a", {"name": "b", "bias": "0.1"}]},
                                 r"neurons\[1\]: bias of neuron 'b' must be a real number"),
    "neuron name not a string": ({"neurons": [{"name": 5}]}, r"neurons\[0\]: neuron name must be a non-empty string"),
    "duplicate neuron": ({"neurons": ["a", "a"]}, r"neurons\[1\]: duplicate neuron name 'a'"),
    "duplicate of a layer neuron": ({"layers": [("identity", 1), ("tanh", 1)], "neurons": ["x1"]},
                                    r"neurons\[0\]: duplicate neuron name 'x1'"),
    "edges not a list": ({"neurons": _NEURONS, "edges": {"a": "b"}}, r"edges must be a list, got dict"),
    "edge of one name": ({"neurons": _NEURONS, "edges": [["a"]]}, r"edges\[0\] must be \[src, dst\]"),
    "edge dict without dst": ({"neurons": _NEURONS, "edges": [{"src": "a"}]},
                              r"edges\[0\]: needs fields 'src' and 'dst'"),
    "edge dict unknown field": ({"neurons": _NEURONS, "edges": [{"src": "a", "dst": "b", "w": 1}]},
                                r"edges\[0\]: unknown field\(s\) \['w'\]"),
    "edge to unknown neuron": ({"neurons": _NEURONS, "edges": [["a", "c"]]},
                               r"edges\[0\]: edge a -> c: unknown neuron 'c'"),
    "edge from unknown neuron": ({"neurons": _NEURONS, "edges": [["c", "b"]]},
                                 r"edges\[0\]: edge c -> b: unknown neuron 'c'"),
    "edge closing a cycle": ({"neurons": ["a", "b", "c"], "edges": [["a", "b"], ["b", "c"], ["c", "b"]]},
                             r"edges\[2\]: edge c -> b would close the cycle b -> c -> b"),
    "duplicate edge": ({"neurons": _NEURONS, "edges": [["a", "b"], ["a", "b", 1.0]]},
                       r"edges\[1\]: edge a -> b already exists"),
    "edge weight not finite": ({"neurons": _NEURONS, "edges": [["a", "b", math.inf]]},
                               r"edges\[0\]: weight of edge a -> b must be finite"),
    "edge weight not a number": ({"neurons": _NEURONS, "edges": [["a", "b", "1"]]},
                                 r"edges\[0\]: weight of edge a -> b must be a real number"),
    "edge into an input": ({"neurons": ["a", "b", "c"], "edges": [["a", "b"], ["c", "a"]], "inputs": ["a"]},
                           r"inputs: neuron 'a' has upstream links \(c\)"),
    "unconnected neurons": ({"neurons": _NEURONS}, r"\['a', 'b'\] are both input and output"),
    "inputs not a list": ({"neurons": _NEURONS, "edges": [["a", "b"]], "inputs": "a"},
                          r"inputs must be a list of neuron names"),
    "inputs unknown": ({"neurons": _NEURONS, "edges": [["a", "b"]], "inputs": ["z"]}, r"inputs: unknown neuron 'z'"),
    "no outputs": ({"neurons": _NEURONS, "edges": [["a", "b"]], "outputs": []}, r"no output neurons"),
    "no inputs": ({"neurons": _NEURONS, "edges": [["a", "b"]], "inputs": []}, r"no input neurons"),
    "init unknown": ({"neurons": _NEURONS, "edges": [["a", "b"]], "init": "zeros"},
                     r"init: unknown initializer 'zeros'; known: constant"),
    "init option unknown": ({"neurons": _NEURONS, "edges": [["a", "b"]], "init": {"name": "uniform", "lo": 0}},
                            r"init: initializer 'uniform'.*'lo'"),
    "init option out of range": ({"neurons": _NEURONS, "edges": [["a", "b"]],
                                  "init": {"name": "uniform", "low": 1, "high": 0}},
                                 r"init: uniform\(low, high\) needs low <= high"),
    "seed negative": ({"neurons": _NEURONS, "edges": [["a", "b"]], "seed": -1},
                      r"seed must be None or a non-negative integer, got -1"),
    "seed not an integer": ({"neurons": _NEURONS, "edges": [["a", "b"]], "seed": "7"},
                            r"seed must be None or a non-negative integer, got '7'"),
}


@pytest.mark.parametrize("spec, message", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_spec_names_the_field(spec, message):
    with pytest.raises(SpecError, match=message):
        build(spec)


def test_seed_argument_is_checked_like_the_field():
    with pytest.raises(SpecError, match="seed must be None or a non-negative integer, got 1.5"):
        build([("identity", 1), ("sigmoid", 1)], seed=1.5)


def test_spec_errors_are_neuronsim_errors():
    assert issubclass(SpecError, NeuronsimError)


# --- to_spec round trip ------------------------------------------------------------------------


def out_of_order_network():
    """Neurons added out of topological order, links made in a non-layer order, io explicit."""
    net = Network()
    for name, act in (("o2", "identity"), ("x1", "identity"), ("h2", "sigmoid"), ("x2", "identity"),
                      ("h1", "tanh"), ("o1", "sigmoid")):
        net.add_neuron(name, act, bias=0.0 if name.startswith("x") else 0.1 * len(net))
    for src, dst, w in (("h2", "o1", 0.3), ("x2", "h2", -0.7), ("x1", "o2", 0.9), ("h1", "o1", 0.2),
                        ("x1", "h1", 1.1), ("x2", "h1", 0.4), ("x1", "h2", 0.5), ("h1", "o2", -1.2),
                        ("h2", "o2", 0.6)):
        net.connect(src, dst, w)
    net.disconnect("x1", "h1")
    net.connect("x1", "h1", 1.3)
    net.set_inputs(["x2", "x1"])
    net.set_outputs(["o1", "o2"])
    return net


def assert_identical(net, twin, x, target, loss="squared_error"):
    assert names(twin) == names(net)
    assert [n.activation.name for n in twin.neurons] == [n.activation.name for n in net.neurons]
    assert twin.parameter_keys() == net.parameter_keys()
    assert twin.parameters() == net.parameters()
    assert [n.name for n in twin.inputs] == [n.name for n in net.inputs]
    assert [n.name for n in twin.outputs] == [n.name for n in net.outputs]
    for each in (net, twin):
        each.zero_grad()
    assert twin.forward(x) == net.forward(x)
    assert twin.backward(target, loss) == net.backward(target, loss)
    assert twin.gradients() == net.gradients()


def test_to_spec_rebuilds_an_identical_layered_network():
    net = build([("identity", 3), ("tanh", 4), ("sigmoid", 2)], init="uniform", seed=8)
    assert_identical(net, build(to_spec(net)), [0.3, -1.2, 0.8], [1.0, 0.0])


def test_to_spec_rebuilds_a_network_whose_links_were_made_out_of_order():
    net = out_of_order_network()
    assert_identical(net, build(to_spec(net)), [0.6, -0.4], [1.0, -0.5])


def test_to_spec_names_explicit_inputs_and_outputs():
    spec = to_spec(out_of_order_network())
    assert spec["inputs"] == ["x2", "x1"] and spec["outputs"] == ["o1", "o2"]


def test_to_spec_omits_inferred_inputs_and_outputs():
    spec = to_spec(build({"neurons": [{"name": "x", "activation": "identity"}, "o"], "edges": [["x", "o", 1.0]]}))
    assert "inputs" not in spec and "outputs" not in spec


def test_layered_specs_name_their_input_and_output_layers():
    net = build(SEED_004, init="constant")
    assert net.explicit_inputs == ["x1", "x2", "x3", "x4"] and net.explicit_outputs == ["o1", "o2", "o3"]
    with pytest.raises(TopologyError, match="x1 is an input neuron|'x1' is an input neuron"):
        net.connect("x2", "x1", 1.0)


def test_to_spec_survives_a_json_file(tmp_path):
    net = out_of_order_network()
    path = tmp_path / "net.json"
    path.write_text(json.dumps(to_spec(net)))
    assert_identical(net, build(path), [0.6, -0.4], [1.0, -0.5])


def test_to_spec_survives_a_yaml_file(tmp_path):
    net = build([("identity", 2), ("tanh", 3), ("sigmoid", 1)], init="normal", seed=12)
    path = tmp_path / "net.yaml"
    path.write_text(yaml.safe_dump(to_spec(net)))
    assert_identical(net, build(path), [0.6, -0.4], [1.0])


def test_network_to_spec_method_is_spec_to_spec():
    net = out_of_order_network()
    assert net.to_spec() == to_spec(net)


@settings(max_examples=25, deadline=None)
@given(random_dags())
def test_to_spec_rebuilds_random_dags_exactly(case):
    assert_identical(case.net, build(to_spec(case.net)), case.x, case.target, case.loss)


# --- bounded reading and size limits (issue 11) ---------------------------------------------------

@pytest.mark.parametrize("spec", [
    [("identity", 2), ["x" * 10**6]],
    [("identity", 2), ("x" * 10**6, 1)],
    [("identity", 2), ("sigmoid", "9" * 10**6)],
    [("identity", 2), [list(range(10**6)), 1]],
    {"layers": [("identity", 1), ("sigmoid", 1)], "edges": [list(range(10**6))]},
    {"layers": [("identity", 1), ("sigmoid", 1)], "edges": [["x1", "o" * 10**6]]},
    {"layers": [("identity", 1), ("sigmoid", 1)], "edges": [{"src": "x1", "dst": "o1", "k" * 10**6: 1}]},
    {"layers": [("identity", 1), ("sigmoid", 1)], "inputs": ["x1", 0] * 10**6},
    {"neurons": [{"name": "n" * 10**6, "activation": "nope" * 10**6}]},
    {"neurons": ["a", "a" * 10**6, "a" * 10**6]},
    {"neurons": ["a", "b"], "edges": [["a", "b"]], "init": ["x"] * 10**6},
    {"neurons": ["a", "b"], "edges": [["a", "b"]], "seed": ["x"] * 10**6},
    {"layers": [("identity", 1), ("sigmoid", 1)], "k" * 10**6: 1},
])
def test_every_user_value_in_a_spec_error_is_shortened(spec):
    with pytest.raises(NeuronsimError) as info:
        Network.from_spec(spec)
    assert len(str(info.value)) < 1000


def test_max_links_bounds_and_raises_the_size_limit():
    layers = [("identity", 3), ("sigmoid", 2)]  # 5 neurons (~10 links' worth) and 6 links
    with pytest.raises(SpecError, match="max_links=15 "):
        Network.from_spec(layers, max_links=15)
    assert len(Network.from_spec(layers, max_links=16)) == 5
    graph = {"neurons": ["a", "b"], "edges": [["a", "b"]]}
    with pytest.raises(SpecError, match="2 neurons and 1 links"):
        Network.from_spec(graph, max_links=4)


def test_a_few_aliases_are_fine(tmp_path):
    path = tmp_path / "aliases.yaml"
    path.write_text("layers:\n  - &tanh {activation: tanh, size: 2}\n  - *tanh\n  - [sigmoid, 1]\n")
    assert [n.activation.name for n in Network.from_spec(path, seed=0).neurons][-1] == "sigmoid"


def test_a_yaml_merge_key_is_not_a_duplicate(tmp_path):
    path = tmp_path / "merge.yaml"
    path.write_text("base: &base {activation: tanh, size: 2}\n"
                    "layers:\n  - [identity, 1]\n  - {<<: *base, size: 3}\n  - [sigmoid, 1]\n")
    assert load_spec_file(path)["layers"][1] == {"activation": "tanh", "size": 3}


def test_yaml_keeps_reading_exponents_as_floats(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text("x: 1e-3\ny: .5\nz: 2\n")
    assert load_spec_file(path) == {"x": 0.001, "y": 0.5, "z": 2}


def test_max_links_counts_a_graph_specs_neurons_and_edges_before_building():
    spec = {"layers": [("identity", 2), ("sigmoid", 1)], "neurons": ["extra"], "edges": [["x1", "extra"]]}
    with pytest.raises(SpecError, match=r"^4 neurons and 3 links would need about 4,720 bytes"):
        build(spec, max_links=10)  # 4 x 850 + 3 x 440 bytes > 10 x 440
    assert len(build(spec, max_links=11, seed=0)) == 4


def test_a_spec_too_large_for_memory_names_the_cost_and_the_argument():
    with pytest.raises(SpecError, match=r"1,000,020 neurons and 20,000,000 links would need about 9.65 GB of memory "
                                        r"\(~850 bytes per neuron, ~440 per link\); the limit is max_links=1,000,000"):
        build([("identity", 10**6), ("sigmoid", 20)])


def test_a_layer_size_of_thousands_of_digits_is_refused_as_a_spec_error():
    with pytest.raises(SpecError, match=r"^~10\^5000 neurons and ~10\^5000 links would need about 10\^5003 bytes") as info:
        build([("identity", 10**5000), ("sigmoid", 1)])
    assert len(str(info.value)) < 400


def test_a_numpy_integer_seed_is_a_seed():
    import numpy as np

    layers = [("identity", 2), ("tanh", 2), ("sigmoid", 1)]
    assert build(layers, seed=np.int64(3)).parameters() == build(layers, seed=3).parameters()


def test_a_huge_negative_seed_is_refused_briefly():
    with pytest.raises(SpecError, match="seed must be None or a non-negative integer") as info:
        build([("identity", 1), ("sigmoid", 1)], seed=-10**5000)
    assert len(str(info.value)) < 200


# --- the layered build: links made with their weights, in bulk ----------------------------------

DEEP = [("identity", 3), ("tanh", 4), ("relu", 2), ("sigmoid", 3)]


@pytest.mark.parametrize("initializer", ["constant", "uniform", "normal", "xavier", "he",
                                         {"name": "uniform", "low": -1, "high": 2, "bias": None},
                                         {"name": "xavier", "uniform": False}, {"name": "he", "uniform": True}])
def test_a_layered_build_draws_what_init_apply_draws_for_the_same_seed(initializer):
    from neuronsim import init

    again = init.apply(build(DEEP, init="constant"), initializer, seed=11)
    assert build(DEEP, init=initializer, seed=11).parameters() == again.parameters()


def test_a_layered_build_links_as_networkx_add_edges_from_does():
    import networkx as nx

    net = build(DEEP, seed=0)
    peer = nx.DiGraph()
    peer.add_nodes_from(net.graph)
    layers = layer_names([size for _, size in DEEP])
    for upper, lower in zip(layers, layers[1:]):
        peer.add_edges_from((u, v, {"weight": net.weight(u, v), "grad": 0.0}) for u in upper for v in lower)
    assert list(net.graph.edges(data=True)) == list(peer.edges(data=True))
    assert all(list(net.graph.pred[n]) == list(peer.pred[n]) and list(net.graph.succ[n]) == list(peer.succ[n])
               for n in peer)


def test_a_layered_build_gives_every_link_its_own_edge_dict_shared_by_both_adjacencies():
    net = build([("identity", 2), ("tanh", 2)], init="constant")
    graph = net.graph
    assert graph.succ["x1"]["o1"] is graph.pred["o1"]["x1"]
    assert len({id(data) for _, _, data in graph.edges(data=True)}) == 4
    net.set_weight("x1", "o1", 0.5)
    assert [w for _, _, w in net.edges()] == [0.5, 1.0, 1.0, 1.0]


def test_a_layered_build_refuses_a_bad_init_or_seed_like_a_graph_spec():
    with pytest.raises(SpecError, match=r"^init: unknown initializer 'zeros'; known: constant"):
        build([("identity", 2), ("tanh", 2)], init="zeros")
    with pytest.raises(SpecError, match=r"^seed must be None or a non-negative integer, got -1"):
        build({"layers": [("identity", 2), ("tanh", 2)], "seed": -1})


def test_a_layered_build_refuses_an_initializer_that_returns_the_wrong_number_of_weights():
    from neuronsim import init

    class Short(init.Initializer):
        def weights(self, fan_in, fan_out, rng):
            return np.zeros(len(fan_in) - 1)

    with pytest.raises(NeuronsimError, match=r"weights\(\) returned shape \(5,\), expected \(6,\)"):
        build([("identity", 3), ("tanh", 2)], init=Short())


def test_a_layered_network_of_100_000_links_takes_at_most_300_bytes_per_link():
    import gc
    import tracemalloc

    gc.collect()
    tracemalloc.start()
    try:
        net = build([("identity", 200), ("relu", 500)], seed=0)
        resident, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert net.graph.number_of_edges() == 100_000 and net._plan is not None
    assert resident / 100_000 <= 300 and peak / 100_000 <= 330  # measured: 262 and 279


def test_the_object_engines_link_tuples_are_laid_out_by_its_first_pass():
    net = build([("identity", 2), ("tanh", 2), ("identity", 1)], seed=0)
    plan = net.plan()
    assert plan._links is None
    net.forward([0.5, -0.5])
    assert plan._links is not None and [n.name for n, _ in plan.forward] == ["h1", "h2", "o1"]
    assert plan.forward[0][1][0][1] is net.graph.edges["x1", "h1"]


# --- the graph-spec build: links written in bulk, errors as if each were checked -------------------

def test_the_first_link_closing_a_cycle_is_named_even_when_a_later_entry_is_malformed():
    spec = {"neurons": ["a", "b", "c"], "edges": [["a", "b"], ["b", "c"], ["c", "a"], ["a"], ["b", "a"]]}
    with pytest.raises(SpecError, match=r"^edges\[2\]: edge c -> a would close the cycle a -> b -> c -> a$"):
        build(spec)


def test_a_malformed_entry_after_acyclic_links_is_named():
    spec = {"neurons": ["a", "b", "c"], "edges": [["a", "b"], ["b", "c"], ["a", "c", math.nan], ["c", "a"]]}
    with pytest.raises(SpecError, match=r"^edges\[2\]: weight of edge a -> c must be finite"):
        build(spec)


def test_graph_spec_weights_of_any_real_type_are_kept_as_floats():
    spec = {"neurons": ["a", "b", "c", "d"], "edges": [["a", "b", 2], ["b", "c", np.float64(0.5)], ["c", "d"]]}
    net = build(spec, init="constant")
    assert [(u, v, w, type(w)) for u, v, w in net.edges()] == [("a", "b", 2.0, float), ("b", "c", 0.5, float),
                                                              ("c", "d", 1.0, float)]


def _connect_one_by_one(monkeypatch):
    """Make graph-spec links through Network.connect only: the reference for the bulk path."""
    from neuronsim import spec as spec_module

    monkeypatch.setattr(spec_module, "_add_edges", lambda net, edges, given: spec_module._connect_each(net, edges, given, 0))


def _outcome(spec):
    try:
        net = build(spec, seed=3)
    except SpecError as err:
        return str(err)
    return to_spec(net), net.parameters()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3),
                          st.sampled_from([None, None, None, 0.5, 2, math.inf])), min_size=1, max_size=10))
def test_a_graph_spec_builds_or_fails_exactly_as_linking_one_by_one(edges):
    import pytest as _pytest

    spec = {"neurons": [{"name": f"n{k}", "activation": "tanh"} for k in range(4)],
            "edges": [[f"n{u}", f"n{v}"] if w is None else [f"n{u}", f"n{v}", w] for u, v, w in edges]}
    bulk = _outcome(spec)
    with _pytest.MonkeyPatch.context() as monkeypatch:
        _connect_one_by_one(monkeypatch)
        reference = _outcome(spec)
    assert bulk == reference


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 7), st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), max_size=15), st.randoms())
def test_topological_names_is_the_lexicographic_order_by_addition(count, pairs, random):
    import networkx as nx

    from neuronsim.graph import NeuronGraph, topological_names

    graph = NeuronGraph()
    nodes = [f"n{k}" for k in range(count)]
    random.shuffle(nodes)
    graph.add_nodes_from(nodes)
    graph.add_edges_from((f"n{u}", f"n{v}") for u, v in pairs if u < count and v < count and u < v)
    rank = {name: i for i, name in enumerate(graph)}
    assert topological_names(graph) == list(nx.lexicographical_topological_sort(graph, key=rank.__getitem__))

"""Specification of network files (save/load) and exports (networkx, GraphML, GEXF, DOT, node-link)."""

import json
import os
import pickle
import re
import struct

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import random_dags
from neuronsim import Network, NeuronsimError, activations, export, io, optim
from neuronsim.activations import Activation
from neuronsim.errors import NeuronsimTypeError, SpecError, ValueRangeError


def bits(values):
    """Exact bit patterns, so -0.0 differs from 0.0 and every last bit counts."""
    return [struct.pack("<d", v).hex() if v is not None else None for v in values]


def small_net():
    net = Network()
    for name, act, bias in [("x1", "identity", 0.0), ("x2", "identity", 0.0), ("h", "tanh", 0.1),
                            ("o", "sigmoid", -0.2)]:
        net.add_neuron(name, act, bias)
    net.connect("x1", "h", 0.5)
    net.connect("x2", "h", -0.25)
    net.connect("h", "o", 1.5)
    net.connect("x1", "o", 0.75)
    return net


def round_trip(net, folder, **kwargs):
    path = folder / "net.json"
    io.save(net, path, **kwargs)
    return io.load(path, with_extras=True)


# --- round trips -------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(case=random_dags())
def test_random_network_round_trips_with_bit_identical_outputs_and_gradients(case, tmp_path_factory):
    net, x, target, loss = case
    twin = round_trip(net, tmp_path_factory.mktemp("dag")).network

    assert list(twin.graph) == list(net.graph)
    assert twin.parameter_keys() == net.parameter_keys()
    assert bits(twin.parameters()) == bits(net.parameters())
    assert [n.activation for n in twin.neurons] == [n.activation for n in net.neurons]
    assert (twin.explicit_inputs, twin.explicit_outputs) == (net.explicit_inputs, net.explicit_outputs)
    # the same incoming and outgoing link orders, hence the same order of summation
    assert [list(twin.graph.pred[v]) for v in twin.graph] == [list(net.graph.pred[v]) for v in net.graph]
    assert [list(twin.graph.succ[v]) for v in twin.graph] == [list(net.graph.succ[v]) for v in net.graph]

    net.zero_grad()
    assert bits(twin.forward(x)) == bits(net.forward(x))
    assert bits([twin.backward(target, loss)]) == bits([net.backward(target, loss)])
    assert bits(twin.gradients()) == bits(net.gradients())
    assert bits(twin.deltas().values()) == bits(net.deltas().values())


any_finite = st.floats(allow_nan=False, allow_infinity=False)
extreme = st.sampled_from([0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
                           -1.7976931348623157e308, 0.1 + 0.2, 1 / 3])


@settings(max_examples=100, deadline=None)
@given(case=random_dags(), data=st.data())
def test_every_finite_weight_and_bias_round_trips_bit_exactly(case, data, tmp_path_factory):
    net = case.net
    values = data.draw(st.lists(any_finite | extreme, min_size=len(net.parameters()),
                                max_size=len(net.parameters())))
    net.set_parameters(values)
    twin = round_trip(net, tmp_path_factory.mktemp("extreme")).network
    assert bits(twin.parameters()) == bits(values)


def test_negative_zero_keeps_its_sign(tmp_path):
    net = small_net()
    net.set_weight("x1", "h", -0.0)
    net["o"].bias = -0.0
    twin = round_trip(net, tmp_path).network
    assert struct.pack("<d", twin.weight("x1", "h")) == struct.pack("<d", -0.0)
    assert struct.pack("<d", twin["o"].bias) == struct.pack("<d", -0.0)


def test_explicit_inputs_and_outputs_are_kept_in_their_order(tmp_path):
    net = small_net()
    net.set_inputs(["x2", "x1"])
    net.set_outputs(["o", "h"])
    twin = round_trip(net, tmp_path).network
    assert [n.name for n in twin.inputs] == ["x2", "x1"]
    assert [n.name for n in twin.outputs] == ["o", "h"]


def test_inferred_inputs_and_outputs_are_not_written(tmp_path):
    io.save(small_net(), tmp_path / "net.json")
    document = json.loads((tmp_path / "net.json").read_text())
    assert list(document) == ["format", "version", "neurons", "edges"]
    assert document["neurons"][2] == {"name": "h", "activation": "tanh", "bias": 0.1}
    assert document["edges"][0] == ["x1", "h", 0.5]


def test_load_without_extras_returns_the_network(tmp_path):
    io.save(small_net(), tmp_path / "net.json", metadata={"a": 1})
    assert isinstance(io.load(tmp_path / "net.json"), Network)


def test_metadata_round_trips(tmp_path):
    metadata = {"epoch": 12, "loss": 0.125, "tags": ["xor", None, True], "nested": {"ü": -0.0, "b": [1, [2]]}}
    assert round_trip(small_net(), tmp_path, metadata=metadata).metadata == metadata


def test_metadata_tuples_and_numpy_scalars_are_saved_as_plain_json(tmp_path):
    saved = round_trip(small_net(), tmp_path, metadata={"shape": (2, 3), "n": np.int64(7), "x": np.float32(0.5)})
    assert saved.metadata == {"shape": [2, 3], "n": 7, "x": 0.5}


def test_missing_extras_load_as_none(tmp_path):
    saved = round_trip(small_net(), tmp_path)
    assert saved.optimizer is None and saved.metadata is None


@pytest.mark.parametrize("metadata, error, fragment", [
    ({"when": {1, 2}}, NeuronsimTypeError, "metadata.when: set cannot be saved as JSON"),
    ({"deep": [1, {"x": float("nan")}]}, ValueRangeError, "metadata.deep[1].x: must be finite, got nan"),
    ({"x": float("inf")}, ValueRangeError, "metadata.x: must be finite"),
    ({1: "one"}, NeuronsimTypeError, "metadata: keys must be strings"),
    ({"f": print}, NeuronsimTypeError, "metadata.f: builtin_function_or_method cannot be saved"),
    (["not", "a", "dict"], NeuronsimTypeError, "metadata must be a dict, got list"),
])
def test_metadata_that_json_cannot_hold_is_refused_and_the_old_file_kept(tmp_path, metadata, error, fragment):
    path = tmp_path / "net.json"
    io.save(small_net(), path)
    before = path.read_bytes()
    with pytest.raises(error, match=re.escape(fragment)):
        io.save(small_net(), path, metadata=metadata)
    assert path.read_bytes() == before


def trained(optimizer, steps=3):
    net = small_net()
    for _ in range(steps):
        net.zero_grad()
        net.forward([0.5, -1.0])
        net.backward([0.9])
        optimizer.step(net)
    return net


def continue_training(net, optimizer, steps=3):
    for _ in range(steps):
        net.zero_grad()
        net.forward([1.0, 0.25])
        net.backward([0.1])
        optimizer.step(net)
    return net.parameters()


@pytest.mark.parametrize("make", [
    lambda: optim.SGD(lr=0.3, momentum=0.9),
    lambda: optim.SGD(lr=0.1, momentum=0.5, nesterov=True, weight_decay=1e-3, decay=0.002,
                      schedule=optim.StepDecay(every=2, gamma=0.5)),
    lambda: optim.Adam(lr=0.01, betas=(0.8, 0.99), eps=1e-7, schedule=optim.LinearDecay(end=0.001, epochs=10)),
    lambda: optim.Adam(schedule=optim.ExponentialDecay(gamma=0.9)),
], ids=["sgd-momentum", "sgd-nesterov-scheduled", "adam-linear-decay", "adam-exponential-decay"])
def test_optimizer_state_round_trips_and_training_resumes_identically(tmp_path, make):
    optimizer = make()
    net = trained(optimizer)
    twin, restored, _ = round_trip(net, tmp_path, optimizer=optimizer)

    assert type(restored) is type(optimizer) and repr(restored) == repr(optimizer)
    assert restored.state == optimizer.state
    assert [restored.lr_at(e) for e in range(5)] == [optimizer.lr_at(e) for e in range(5)]
    assert bits(continue_training(twin, restored)) == bits(continue_training(net, optimizer))


def test_optimizer_state_keys_are_json_lists_and_strings(tmp_path):
    optimizer = optim.SGD(lr=0.1, momentum=0.9)
    net = trained(optimizer, steps=1)
    io.save(net, tmp_path / "net.json", optimizer=optimizer)
    state = json.loads((tmp_path / "net.json").read_text())["optimizer"]["state"]
    assert state["keys"][:3] == [["x1", "h"], ["x2", "h"], "h"]
    assert set(state["slots"]) == {"velocity"} and len(state["slots"]["velocity"]) == len(state["keys"])


def test_an_optimizer_with_a_custom_schedule_is_refused():
    with pytest.raises(NeuronsimTypeError, match="cannot save a custom schedule"):
        io.to_document(small_net(), optimizer=optim.SGD(schedule=lambda epoch, lr: lr))


def test_optimizer_state_of_another_network_is_refused():
    optimizer = optim.SGD(momentum=0.5)
    trained(optimizer)
    other = Network.from_spec({"neurons": [{"name": "in", "activation": "identity"}, "out"],
                               "edges": [["in", "out", 1.0]]})
    with pytest.raises(NeuronsimError, match="another network"):
        io.to_document(other, optimizer=optimizer)


def test_optimizer_state_of_removed_neurons_is_dropped_on_save(tmp_path):
    optimizer = optim.SGD(momentum=0.5)
    net = trained(optimizer)
    net.disconnect("x2", "h")
    net.connect("x2", "o", 0.1)  # x2 stays an input; the link x2 -> h is gone, x2 -> o is new
    net.save(tmp_path / "net.json", optimizer=optimizer)
    _, loaded, _ = io.load(tmp_path / "net.json", with_extras=True)
    assert set(loaded.state) == set(optimizer.state) - {("x2", "h")}


def test_custom_activation_is_saved_by_name_and_must_be_registered_to_load(tmp_path, isolated_registries):
    cube = activations.register(Activation("cube", lambda z: z ** 3, lambda z, a: 3 * z * z))
    net = small_net()
    net["h"].activation = "cube"
    io.save(net, tmp_path / "net.json")
    assert io.load(tmp_path / "net.json")["h"].activation is cube
    activations.unregister("cube")
    with pytest.raises(SpecError, match=re.escape("neurons[2].activation: unknown activation 'cube'")):
        io.load(tmp_path / "net.json")


def test_diverged_optimizer_state_is_refused_with_the_parameter_named():
    optimizer = optim.SGD(momentum=0.5)
    net = trained(optimizer, steps=1)
    optimizer._slots["velocity"][2] = float("nan")
    with pytest.raises(ValueRangeError, match=re.escape("optimizer.state.slots.velocity[2] (parameter 'h')")):
        io.to_document(net, optimizer=optimizer)


def test_an_unregistered_activation_object_cannot_be_saved(tmp_path):
    net = small_net()
    net["h"].activation = Activation("adhoc", lambda z: z, lambda z, a: 1.0)
    with pytest.raises(SpecError, match="adhoc"):
        io.save(net, tmp_path / "net.json")
    assert not os.listdir(tmp_path)


def test_indent_writes_readable_json_that_loads_the_same(tmp_path):
    net = small_net()
    io.save(net, tmp_path / "net.json", indent=2)
    assert (tmp_path / "net.json").read_text().count("\n") > 10
    assert bits(io.load(tmp_path / "net.json").parameters()) == bits(net.parameters())


# --- atomic saves ------------------------------------------------------------------------------


@pytest.fixture
def old_file(tmp_path):
    path = tmp_path / "net.json"
    io.save(small_net(), path, metadata={"version": "old"})
    return path, path.read_bytes()


def bigger_net():
    return Network.from_spec([("identity", 8), ("tanh", 32), ("sigmoid", 4)], seed=1)


def fail(*args, **kwargs):
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("where", ["fsync", "replace"])
def test_failed_save_keeps_the_old_file_and_leaves_no_temporary_file(old_file, monkeypatch, where):
    path, before = old_file
    monkeypatch.setattr(os, where, fail)
    with pytest.raises(NeuronsimError, match="could not save .*No space left on device.*unchanged"):
        io.save(bigger_net(), path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == ["net.json"]


def test_save_interrupted_mid_write_keeps_the_old_file(old_file, monkeypatch):
    path, before = old_file
    real_atomic_write = io.atomic_write

    class HalfWritten:
        """A file whose write stops halfway, as under Ctrl-C or a crash."""

        def __init__(self, file):
            self.file = file

        def write(self, data):
            self.file.write(data[: len(data) // 2])
            self.file.flush()
            raise KeyboardInterrupt

    monkeypatch.setattr(io, "atomic_write",
                        lambda target, write: real_atomic_write(target, lambda file: write(HalfWritten(file))))
    with pytest.raises(KeyboardInterrupt):
        io.save(bigger_net(), path)
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == ["net.json"]


def test_failed_first_save_leaves_nothing_behind(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(NeuronsimError, match="could not save"):
        io.save(small_net(), tmp_path / "new.json")
    assert os.listdir(tmp_path) == []


def test_save_into_a_missing_folder_says_so(tmp_path):
    with pytest.raises(NeuronsimError, match="could not save"):
        io.save(small_net(), tmp_path / "no" / "such" / "net.json")


def test_save_onto_a_directory_fails_and_leaves_it_alone(tmp_path):
    (tmp_path / "net.json").mkdir()
    with pytest.raises(NeuronsimError, match="could not save"):
        io.save(small_net(), tmp_path / "net.json")
    assert (tmp_path / "net.json").is_dir() and os.listdir(tmp_path) == ["net.json"]


def test_save_through_a_symlink_replaces_the_file_it_points_to(old_file):
    path, before = old_file
    link = path.parent / "link.json"
    link.symlink_to(path.name)
    io.save(bigger_net(), link)
    assert link.is_symlink() and path.read_bytes() != before
    assert len(io.load(link)) == 44


def test_save_replaces_the_old_file_and_keeps_its_permissions(old_file):
    path, before = old_file
    os.chmod(path, 0o640)
    io.save(bigger_net(), path)
    assert path.read_bytes() != before
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert len(io.load(path)) == 44


# --- broken files ------------------------------------------------------------------------------


def valid_document():
    return io.to_document(small_net(), optimizer=optim.SGD(lr=0.1, momentum=0.9), metadata={"note": "ok"})


def edited(edit):
    def make():
        document = valid_document()
        edit(document)
        return json.dumps(document)
    return make


def text(value):
    return lambda: value


def set_bias_literal(literal):  # NaN/Infinity literals and overflowing numbers are not json.dumps output
    return lambda: json.dumps(valid_document()).replace('"bias": 0.1', f'"bias": {literal}')


def with_optimizer_state(edit):
    def make():
        optimizer = optim.SGD(lr=0.1, momentum=0.9)
        document = io.to_document(trained(optimizer, steps=1), optimizer=optimizer)
        edit(document["optimizer"])
        return json.dumps(document)
    return make


# name: (file content, error type, start of the message after "<file>: " or, after "...", a part of it)
BROKEN = {
    # file level
    "empty": (text(""), NeuronsimError, "the file is empty"),
    "blank": (text("  \n"), NeuronsimError, "the file is empty"),
    "truncated-in-a-string": (lambda: json.dumps(valid_document())[:-40], NeuronsimError,
                              "...the file looks truncated"),
    "truncated-between-values": (lambda: json.dumps(valid_document(), indent=1)[:-60].rstrip(",\n "),
                                 NeuronsimError, "...the file looks truncated"),
    "not-json": (text("neurons: [x1, h]\n"), NeuronsimError, "not valid JSON at line 1 column 1"),
    "bad-json-line": (text('{\n"format": "neuronsim.network",\n"version": 1,,\n}'), NeuronsimError,
                      "not valid JSON at line 3 column 14"),
    "pickle": (lambda: pickle.dumps({"neurons": []}), NeuronsimError, "not a network file: not UTF-8 text (byte 0)"),
    "deeply-nested": (text("[" * 100000 + "]" * 100000), NeuronsimError, "not a network file: JSON nested too deeply"),
    # document level
    "top-level-array": (text("[1, 2]"), SpecError, "expected a JSON object at the top level, got array"),
    "no-format": (edited(lambda d: d.pop("format")), SpecError, "format: missing field"),
    "wrong-format": (edited(lambda d: d.update(format="keras")), SpecError,
                     "format: expected 'neuronsim.network', got string \"keras\""),
    "newer-version": (edited(lambda d: d.update(version=3)), SpecError,
                      "version: unsupported version 3 (this neuronsim reads 1 and 2"),
    "version-zero": (edited(lambda d: d.update(version=0)), SpecError, "version: unsupported version 0"),
    "version-string": (edited(lambda d: d.update(version="1")), SpecError,
                       "version: expected an integer, got string \"1\""),
    "no-version": (edited(lambda d: d.pop("version")), SpecError, "version: missing field"),
    "unknown-field": (edited(lambda d: d.update(layers=[])), SpecError, "layers: unknown field; known:"),
    "no-neurons": (edited(lambda d: d.pop("neurons")), SpecError, "neurons: missing field"),
    "neurons-object": (edited(lambda d: d.update(neurons={})), SpecError,
                       "neurons: expected an array, got object"),
    "no-edges": (edited(lambda d: d.pop("edges")), SpecError, "edges: missing field"),
    # neurons
    "neuron-not-object": (edited(lambda d: d["neurons"].__setitem__(1, "x2")), SpecError,
                          "neurons[1]: expected an object, got string \"x2\""),
    "neuron-no-bias": (edited(lambda d: d["neurons"][1].pop("bias")), SpecError, "neurons[1]: missing field 'bias'"),
    "neuron-extra-field": (edited(lambda d: d["neurons"][0].update(colour="red")), SpecError,
                           "neurons[0]: unknown field 'colour'; known: name, activation, bias"),
    "bias-string": (edited(lambda d: d["neurons"][2].update(bias="0.1")), SpecError,
                    "neurons[2].bias: expected a number, got string \"0.1\""),
    "bias-bool": (edited(lambda d: d["neurons"][2].update(bias=True)), SpecError,
                  "neurons[2].bias: expected a number, got boolean true"),
    "bias-null": (edited(lambda d: d["neurons"][2].update(bias=None)), SpecError,
                  "neurons[2].bias: expected a number, got null"),
    "bias-nan": (set_bias_literal("NaN"), SpecError, "neurons[2].bias: must be finite, got NaN"),
    "bias-infinity": (set_bias_literal("-Infinity"), SpecError, "neurons[2].bias: must be finite, got -Infinity"),
    "bias-overflow": (set_bias_literal("1e999"), SpecError, "neurons[2].bias: must be finite, got inf"),
    "bias-huge-int": (set_bias_literal("9" * 400), SpecError, "neurons[2].bias: must be finite, got an integer"),
    "unknown-activation": (edited(lambda d: d["neurons"][3].update(activation="swishy")), SpecError,
                           "neurons[3].activation: unknown activation 'swishy'; known: elu"),
    "activation-number": (edited(lambda d: d["neurons"][3].update(activation=3)), SpecError,
                          "neurons[3].activation: expected a string, got number 3"),
    "empty-name": (edited(lambda d: d["neurons"][0].update(name="")), SpecError,
                   "neurons[0].name: a neuron name must not be empty"),
    "duplicate-name": (edited(lambda d: d["neurons"][3].update(name="h")), SpecError,
                       "neurons[3].name: duplicate neuron name 'h' (first at neurons[2])"),
    # edges
    "edge-unknown-neuron": (edited(lambda d: d["edges"][1].__setitem__(1, "h9")), SpecError,
                            "edges[1]: unknown neuron 'h9' (edge x2 -> h9)"),
    "edge-short": (edited(lambda d: d["edges"][0].pop()), SpecError,
                   "edges[0]: expected [source, target, weight], got array"),
    "edge-object": (edited(lambda d: d["edges"].__setitem__(0, {"src": "x1", "dst": "h", "weight": 1})),
                    SpecError, "edges[0]: expected [source, target, weight], got object"),
    "edge-name-number": (edited(lambda d: d["edges"][0].__setitem__(0, 1)), SpecError,
                         "edges[0][0]: expected a string, got number 1"),
    "weight-string": (edited(lambda d: d["edges"][2].__setitem__(2, "1.5")), SpecError,
                      "edges[2][2]: expected a number, got string \"1.5\""),
    "weight-nan": (lambda: json.dumps(valid_document()).replace('"h", 0.5]', '"h", NaN]'), SpecError,
                   "edges[0][2]: must be finite, got NaN"),
    "self-loop": (edited(lambda d: d["edges"].append(["h", "h", 1.0])), SpecError,
                  "edges[4]: would close the cycle h -> h"),
    "cycle": (edited(lambda d: d["edges"].append(["o", "x1", 1.0])), SpecError,
              "edges[4]: would close the cycle x1 -> h -> o -> x1"),
    "duplicate-edge": (edited(lambda d: d["edges"].append(["x1", "h", 2.0])), SpecError,
                       "edges[4]: duplicate edge x1 -> h (first at edges[0])"),
    # inputs and outputs
    "inputs-unknown": (edited(lambda d: d.update(inputs=["x1", "x3"])), SpecError, "inputs[1]: unknown neuron 'x3'"),
    "inputs-repeated": (edited(lambda d: d.update(inputs=["x1", "x1"])), SpecError,
                        "inputs[1]: repeated neuron 'x1' (first at inputs[0])"),
    "input-with-upstream": (edited(lambda d: d.update(inputs=["x1", "h"])), SpecError,
                            "inputs[1]: neuron 'h' has upstream links (from x1, x2)"),
    "outputs-string": (edited(lambda d: d.update(outputs="o")), SpecError,
                       "outputs: expected an array, got string \"o\""),
    "no-outputs": (edited(lambda d: d.update(outputs=[])), SpecError, "the network has no output neurons"),
    "isolated-neuron": (edited(lambda d: d["neurons"].append({"name": "lonely", "activation": "tanh", "bias": 0})),
                        SpecError, "neuron(s) ['lonely'] are both input and output"),
    # optimizer
    "optimizer-type": (edited(lambda d: d["optimizer"].update(type="RMSprop")), SpecError,
                       "optimizer.type: unknown optimizer 'RMSprop'; known: Adam, SGD"),
    "optimizer-no-state": (edited(lambda d: d["optimizer"].pop("state")), SpecError,
                           "optimizer: missing field 'state'"),
    "optimizer-config-unknown": (edited(lambda d: d["optimizer"]["config"].update(beta=0.9)), SpecError,
                                 "optimizer.config.beta: unknown setting; known: lr, momentum"),
    "optimizer-config-range": (edited(lambda d: d["optimizer"]["config"].update(momentum=1.5)), SpecError,
                               "optimizer.config: momentum must be in [0, 1), got 1.5"),
    "optimizer-nesterov-string": (edited(lambda d: d["optimizer"]["config"].update(nesterov="yes")), SpecError,
                                  "optimizer.config.nesterov: expected a boolean, got string \"yes\""),
    "optimizer-schedule-unknown": (edited(lambda d: d["optimizer"]["config"].update(schedule={"type": "Cosine"})),
                                   SpecError, "optimizer.config.schedule.type: unknown schedule 'Cosine'"),
    "optimizer-unknown-key": (with_optimizer_state(lambda o: o["state"]["keys"].__setitem__(0, ["x1", "o9"])),
                              SpecError, "optimizer.state.keys[0]: ('x1', 'o9') is not a parameter of this network"),
    "optimizer-bad-key": (with_optimizer_state(lambda o: o["state"]["keys"].__setitem__(0, 7)),
                          SpecError, "optimizer.state.keys[0]: expected a bias key (neuron name) or a weight key"),
    "optimizer-slot-length": (with_optimizer_state(lambda o: o["state"]["slots"]["velocity"].pop()),
                              SpecError, "optimizer.state.slots.velocity: expected 6 values (one per key), got 5"),
    "optimizer-slot-missing": (with_optimizer_state(lambda o: o["state"]["slots"].update(velocity=None) or
                                                    o["state"]["slots"].pop("velocity")),
                               SpecError, "optimizer.state.slots: missing field 'velocity'"),
    # metadata
    "metadata-array": (edited(lambda d: d.update(metadata=[1])), SpecError, "metadata: expected an object, got array"),
    "metadata-nan": (lambda: json.dumps(valid_document()).replace('"ok"', '[1, NaN]'), SpecError,
                     "metadata.note[1]: must be finite, got NaN"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_file_gives_its_documented_error(tmp_path, name):
    make, error, fragment = BROKEN[name]
    content = make()
    path = tmp_path / "net.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(error) as info:
        io.load(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    rest = message[len(f"{path}: "):]
    if fragment.startswith("..."):
        assert fragment[3:] in rest
    else:
        assert rest.startswith(fragment)  # the field path comes first, once
    if error is NeuronsimError:  # file-level problems are not spec problems
        assert not isinstance(info.value, SpecError)


def test_the_valid_document_of_the_battery_loads():
    net = io.from_document(json.loads(json.dumps(valid_document())))
    assert net.parameter_keys()[:3] == [("x1", "h"), ("x2", "h"), "h"]


def test_missing_file_says_so(tmp_path):
    with pytest.raises(NeuronsimError, match="no such file"):
        io.load(tmp_path / "nothing.json")


def test_a_directory_is_not_a_network_file(tmp_path):
    with pytest.raises(NeuronsimError, match="is a directory"):
        io.load(tmp_path)


def test_a_byte_order_mark_is_tolerated(tmp_path):
    path = tmp_path / "net.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(valid_document()).encode())
    assert len(io.load(path)) == 4


def test_a_path_of_the_wrong_type_is_refused():
    with pytest.raises(NeuronsimTypeError, match="path must be a str or os.PathLike, got int"):
        io.load(3)


# --- loading never runs code -------------------------------------------------------------------


def test_code_in_an_activation_name_is_just_an_unknown_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    document = valid_document()
    document["neurons"][2]["activation"] = "__import__('os').system('touch pwned')"
    (tmp_path / "net.json").write_text(json.dumps(document))
    with pytest.raises(SpecError, match="unknown activation"):
        io.load("net.json")
    assert not (tmp_path / "pwned").exists()


def test_code_like_names_and_metadata_stay_strings(tmp_path):
    net = Network()
    net.add_neuron("__import__('os')", "identity")
    net.add_neuron('!!python/object:os.system ["x"]', "tanh")
    net.connect("__import__('os')", '!!python/object:os.system ["x"]', 1.0)
    saved = round_trip(net, tmp_path, metadata={"eval": "exec('raise SystemExit')"})
    assert [n.name for n in saved.network.neurons] == ["__import__('os')", '!!python/object:os.system ["x"]']
    assert saved.metadata == {"eval": "exec('raise SystemExit')"}


class _Trap:
    """Unpickling this would create a file: loading must never get that far."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_a_pickle_is_refused_without_being_unpickled(tmp_path):
    trap = tmp_path / "unpickled"
    (tmp_path / "net.json").write_bytes(pickle.dumps(_Trap(str(trap))))
    with pytest.raises(NeuronsimError, match="never unpickles"):
        io.load(tmp_path / "net.json")
    assert not trap.exists()


# --- exports -----------------------------------------------------------------------------------


@pytest.fixture
def stepped_net():
    net = small_net()
    net.forward([1.0, -2.0])
    net.backward([0.5])
    return net


def test_plain_networkx_graph_holds_only_numbers_and_strings(stepped_net):
    graph = export.to_networkx(stepped_net)
    assert list(graph) == ["x1", "x2", "h", "o"]
    assert graph.nodes["h"]["role"] == "hidden" and graph.nodes["x1"]["role"] == "input"
    assert graph.nodes["o"]["role"] == "output" and graph.nodes["o"]["activation"] == "sigmoid"
    assert graph.nodes["o"]["delta"] == stepped_net["o"].delta
    assert "delta" not in graph.nodes["x1"]
    assert graph.edges["h", "o"] == {"weight": 1.5, "grad": stepped_net.graph.edges["h", "o"]["grad"]}
    values = [v for _, d in graph.nodes(data=True) for v in d.values()]
    values += [v for _, _, d in graph.edges(data=True) for v in d.values()]
    assert all(type(v) in (str, float) for v in values)


def test_plain_graph_is_a_copy(stepped_net):
    graph = export.to_networkx(stepped_net)
    graph.edges["h", "o"]["weight"] = 9.0
    graph.remove_node("x1")
    assert stepped_net.weight("h", "o") == 1.5 and "x1" in stepped_net


def test_rich_graph_carries_the_live_neurons_on_a_copied_structure(stepped_net):
    graph = export.to_networkx(stepped_net, plain=False)
    assert graph.nodes["h"]["neuron"] is stepped_net["h"]
    graph.edges["h", "o"]["weight"] = 9.0
    graph.remove_edge("x1", "o")
    assert stepped_net.weight("h", "o") == 1.5 and stepped_net.graph.has_edge("x1", "o")


def assert_same_graph(read, net):
    assert sorted(read) == sorted(net.graph)
    assert sorted(read.edges()) == sorted(net.graph.edges())
    for src, dst, weight in net.edges():
        assert bits([read.edges[src, dst]["weight"]]) == bits([weight])
    for name in net.graph:
        assert read.nodes[name]["activation"] == net[name].activation.name
        assert bits([read.nodes[name]["bias"]]) == bits([net[name].bias])


def test_networkx_writes_graphml_that_reads_back_the_same(stepped_net, tmp_path):
    nx.write_graphml(export.to_networkx(stepped_net), tmp_path / "net.graphml")
    assert_same_graph(nx.read_graphml(tmp_path / "net.graphml"), stepped_net)


def test_networkx_writes_gexf_that_reads_back_the_same(stepped_net, tmp_path):
    nx.write_gexf(export.to_networkx(stepped_net), tmp_path / "net.gexf")
    assert_same_graph(nx.read_gexf(tmp_path / "net.gexf"), stepped_net)


def test_write_graphml_reads_back_the_same(tmp_path):
    net = Network.from_spec([("identity", 3), ("tanh", 4), ("sigmoid", 2)], seed=3)
    export.write_graphml(net, tmp_path / "net.graphml")
    assert_same_graph(nx.read_graphml(tmp_path / "net.graphml"), net)
    assert os.listdir(tmp_path) == ["net.graphml"]


def unquote(token):
    return re.sub(r'\\(["\\])', r"\1", token).replace("\\n", "\n")


DOT_EDGE = re.compile(r'^\s*"((?:[^"\\]|\\.)*)" -> "((?:[^"\\]|\\.)*)" \[label="([^"]*)"')
DOT_NODE = re.compile(r'^\s*"((?:[^"\\]|\\.)*)" \[label=')


def test_dot_text_has_every_neuron_and_link_with_its_weight():
    net = Network.from_spec([("identity", 3), ("tanh", 4), ("sigmoid", 2)], seed=3)
    text = export.to_dot(net)
    assert text.startswith("digraph neuronsim {") and text.rstrip().endswith("}")
    nodes = [unquote(m.group(1)) for m in map(DOT_NODE.match, text.splitlines()) if m]
    edges = {(unquote(m.group(1)), unquote(m.group(2))): float(m.group(3))
             for m in map(DOT_EDGE.match, text.splitlines()) if m}
    assert nodes == list(net.graph)
    assert set(edges) == set(net.graph.edges())
    assert all(abs(edges[s, d] - w) <= 1e-3 * abs(w) + 1e-12 for s, d, w in net.edges())


def test_dot_quotes_awkward_names_safely(tmp_path):
    net = Network()
    awkward = ['say "hi"', "back\\slash", "two\nlines", "x -> y; }"]
    for name in awkward:
        net.add_neuron(name, "identity")
    net.add_neuron("out", "sigmoid")
    for name in awkward:
        net.connect(name, "out", -0.5)
    export.write_dot(net, tmp_path / "net.dot")
    text = (tmp_path / "net.dot").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert [unquote(m.group(1)) for m in map(DOT_NODE.match, lines) if m] == awkward + ["out"]
    assert {unquote(m.group(1)) for m in map(DOT_EDGE.match, lines) if m} == set(awkward)
    outside_quotes = re.sub(r'"(?:[^"\\]|\\.)*"', "", text)
    assert outside_quotes.count("{") == outside_quotes.count("}") == 3  # "x -> y; }" stays inside its quotes


def test_node_link_json_has_every_neuron_and_edge(stepped_net, tmp_path):
    export.write_node_link(stepped_net, tmp_path / "net.json")
    data = json.loads((tmp_path / "net.json").read_text())
    assert [node["id"] for node in data["nodes"]] == ["x1", "x2", "h", "o"]
    assert {(e["source"], e["target"]): e["weight"] for e in data["edges"]} == {
        (s, d): w for s, d, w in stepped_net.edges()}
    try:
        graph = nx.node_link_graph(data, edges="edges")
    except TypeError:  # networkx < 3.4 calls the key argument "link"
        graph = nx.node_link_graph(data, link="edges")
    assert graph.nodes["h"]["activation"] == "tanh"


# --- version 2: preprocessing, classes, target names and scaler travel with the network -----------

import neuronsim  # noqa: E402  (this section's own imports)
from neuronsim import datasets as _datasets  # noqa: E402
from neuronsim.preprocessing import Scaler  # noqa: E402

V1_TEXT = ('{"format": "neuronsim.network", "version": 1, '
           '"neurons": [{"name": "x1", "activation": "identity", "bias": 0.0}, '
           '{"name": "x2", "activation": "identity", "bias": 0.0}, '
           '{"name": "o1", "activation": "identity", "bias": 0.5}], '
           '"edges": [["x1", "o1", 1.0], ["x2", "o1", -2.0]]%s}')


def iris_predictor():
    data = _datasets.iris()
    net = Network.from_spec([("identity", 4), ("sigmoid", 5), ("sigmoid", 3)], seed=0)
    net.preprocessing = Scaler.fit(data.X, names=data.feature_names)
    net.classes = data.classes
    net.target_names = data.target_names
    return net


def test_classes_and_preprocessing_round_trip_through_save_and_load(tmp_path):
    net = iris_predictor()
    path = tmp_path / "net.json"
    net.save(path)
    twin = neuronsim.load(path)                          # no with_extras needed
    assert twin.classes == ("setosa", "versicolor", "virginica")
    assert twin.target_names == ("setosa", "versicolor", "virginica")
    assert twin.preprocessing == net.preprocessing and twin.preprocessing.names == net.preprocessing.names
    X = _datasets.iris().X
    assert twin.predict(X).tolist() == net.predict(X).tolist()
    assert twin.predict_classes(X).tolist() == net.predict_classes(X).tolist()


def test_a_network_with_version_2_fields_is_written_as_version_2(tmp_path):
    path = tmp_path / "net.json"
    io.save(iris_predictor(), path)
    document = json.loads(path.read_text())
    assert document["version"] == 2
    assert document["classes"] == ["setosa", "versicolor", "virginica"]
    assert document["preprocessing"]["kind"] == "standardize" and len(document["preprocessing"]["offset"]) == 4


def test_a_network_without_version_2_fields_is_still_written_as_version_1(tmp_path):
    document = io.to_document(small_net())
    assert document["version"] == 1 and "classes" not in document and "preprocessing" not in document


def test_a_target_scaler_round_trips(tmp_path):
    net = Network.from_spec([("identity", 2), ("identity", 1)], seed=0)
    net.target_scaler = Scaler("standardize", [250.0], [40.0], names=["price"])
    path = tmp_path / "net.json"
    net.save(path)
    twin = io.load(path)
    assert twin.target_scaler == net.target_scaler
    assert twin.predict([[1.0, 2.0]]).tolist() == net.predict([[1.0, 2.0]]).tolist()


def test_a_hand_written_version_1_file_still_loads(tmp_path):
    path = tmp_path / "old.json"
    path.write_text(V1_TEXT % "")
    net = io.load(path)
    assert net.predict([[1.0, 1.0]]).tolist() == [[-0.5]]
    assert net.preprocessing is None and net.classes is None and net.metadata is None


def test_an_old_cli_file_with_metadata_standardize_loads_with_that_preprocessing(tmp_path):
    path = tmp_path / "iris-run.json"
    path.write_text(V1_TEXT % ', "metadata": {"command": "train", "standardize": {"mean": [1.0, 2.0], '
                                '"std": [2.0, 0.5]}}')
    net = io.load(path)
    assert net.preprocessing == Scaler("standardize", [1.0, 2.0], [2.0, 0.5])
    assert net.metadata["command"] == "train"
    # raw (3, 3) -> standardised (1, 2) -> 0.5 + 1 - 4
    assert net.predict([3.0, 3.0]).tolist() == [-2.5]
    assert net.predict([3.0, 3.0]).tolist() == [net.forward([1.0, 2.0])[0]]


def test_metadata_standardize_null_means_no_preprocessing(tmp_path):
    path = tmp_path / "net.json"
    path.write_text(V1_TEXT % ', "metadata": {"standardize": null}')
    assert io.load(path).preprocessing is None


def test_a_preprocessing_field_wins_over_metadata_standardize(tmp_path):
    net = Network.from_spec([("identity", 2), ("identity", 1)], seed=0)
    net.preprocessing = Scaler("minmax", [0.0, 0.0], [4.0, 4.0])
    path = tmp_path / "net.json"
    net.save(path, metadata={"standardize": {"mean": [1.0, 1.0], "std": [1.0, 1.0]}})
    assert io.load(path).preprocessing == net.preprocessing


@pytest.mark.parametrize("extra, words", [
    (', "metadata": {"standardize": {"mean": [1.0], "std": [1.0]}}',
     "metadata.standardize: the Scaler has 1 column but the network has 2 input neurons"),
    (', "metadata": {"standardize": {"mean": [1.0, 2.0], "std": [1.0, 0.0]}}',
     "metadata.standardize.std[1]: must be > 0, got 0.0"),
])
def test_a_bad_metadata_standardize_is_refused_not_ignored(tmp_path, extra, words):
    path = tmp_path / "net.json"
    path.write_text(V1_TEXT % extra)
    with pytest.raises(SpecError) as info:
        io.load(path)
    assert words in str(info.value)


def v2_text(extra):
    return (V1_TEXT % extra).replace('"version": 1', '"version": 2')


@pytest.mark.parametrize("text, words", [
    (V1_TEXT % ', "classes": ["no", "yes"]', 'classes: this field needs "version": 2, the file says version 1'),
    (v2_text(', "preprocessing": {"kind": "standardize", "offset": [0, 0], "scale": [1, NaN]}'),
     "preprocessing.scale[1]: must be finite, got nan"),
    (v2_text(', "preprocessing": {"kind": "standardize", "offset": [0, 0], "scale": [1, 0]}'),
     "preprocessing.scale[1]: must be > 0, got 0.0"),
    (v2_text(', "preprocessing": {"kind": "standardize", "offset": [0], "scale": [1]}'),
     "preprocessing: the Scaler has 1 column but the network has 2 input neurons"),
    (v2_text(', "preprocessing": [0, 1]'), "preprocessing: expected an object, got array"),
    (v2_text(', "preprocessing": {"kind": "standardize", "offset": [0, 0]}'), "preprocessing.scale: missing field"),
    (v2_text(', "target_scaler": {"kind": "log", "offset": [0], "scale": [1]}'),
     "target_scaler.kind: expected one of 'standardize', 'minmax', got 'log'"),
    (v2_text(', "classes": ["a", "b", "c"]'), "classes: a single output neuron (o1) needs exactly two class names"),
    (v2_text(', "classes": ["a", 1]'), "classes[1]: expected a string, got number 1"),
    (v2_text(', "classes": "ab"'), "classes: expected an array, got string"),
    (v2_text(', "target_names": ["a", "b"]'), "target_names: the network has 1 output neuron (o1); give one name"),
])
def test_bad_version_2_fields_are_refused_naming_the_field(tmp_path, text, words):
    path = tmp_path / "net.json"
    path.write_text(text)
    with pytest.raises(SpecError) as info:
        io.load(path)
    assert str(info.value).startswith(f"{path}: ")
    assert words in str(info.value)


def test_load_sets_the_metadata_on_the_network_and_save_writes_it_back(tmp_path):
    path = tmp_path / "net.json"
    io.save(small_net(), path, metadata={"epochs": 12})
    net = io.load(path)
    assert net.metadata == {"epochs": 12}
    io.save(net, path)                                  # no metadata given: the network's own
    assert json.loads(path.read_text())["metadata"] == {"epochs": 12}


def test_network_load_is_neuronsim_load(tmp_path):
    path = tmp_path / "net.json"
    iris_predictor().save(path, metadata={"note": "x"})
    net = Network.load(path)
    assert isinstance(net, Network) and net.classes == ("setosa", "versicolor", "virginica")
    assert net.metadata == {"note": "x"}


def test_save_refuses_a_preprocessing_that_no_longer_fits(tmp_path):
    net = Network.from_spec([("identity", 2), ("identity", 1)], init="constant")
    net.preprocessing = Scaler("standardize", [0.0, 0.0], [1.0, 1.0])
    net.remove_neuron("x2")
    path = tmp_path / "net.json"
    with pytest.raises(NeuronsimError, match="preprocessing: the Scaler has 2 columns but the network now has 1"):
        io.save(net, path)
    assert not path.exists()


finite = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=50, deadline=None)
@given(offset=st.lists(finite, min_size=2, max_size=2),
       scale=st.lists(st.floats(min_value=5e-324, allow_infinity=False), min_size=2, max_size=2),
       kind=st.sampled_from(["standardize", "minmax"]))
def test_any_scaler_round_trips_bit_for_bit_through_a_file(offset, scale, kind):
    net = small_net()
    net.preprocessing = Scaler(kind, offset, scale, names=["x1", "x2"])
    text = json.dumps(io.to_document(net), allow_nan=False)
    twin = io.from_document(json.loads(text))
    assert twin.preprocessing == net.preprocessing
    assert bits(twin.preprocessing.offset.tolist() + twin.preprocessing.scale.tolist()) == bits(offset + scale)


# --- bounded reading and size limits (issue 11) ---------------------------------------------------

def _network_document(**changes):
    document = {"format": "neuronsim.network", "version": 1,
                "neurons": [{"name": "x", "activation": "identity", "bias": 0.0},
                            {"name": "y", "activation": "tanh", "bias": 0.0}],
                "edges": [["x", "y", 1.0]]}
    document.update(changes)
    return document


LONG = "n" * 10**6


@pytest.mark.parametrize("changes", [
    {"edges": [["x", LONG, 1.0]]},
    {"edges": [[LONG, "y", 1.0]]},
    {"edges": [["x", "y", 1.0], ["x", "y", 1.0]], "neurons": [{"name": "x", "activation": "identity", "bias": 0},
                                                             {"name": "y" * 10**6, "activation": "tanh", "bias": 0}]},
    {"neurons": [{"name": LONG, "activation": "identity", "bias": 0}] * 2},
    {"neurons": [{"name": "x", "activation": LONG, "bias": 0}]},
    {"neurons": [{"name": "x", "activation": "identity", "bias": LONG}]},
    {"neurons": [{"name": "x", "activation": "identity", "bias": 0, LONG: 1}]},
    {"inputs": [LONG]},
    {"outputs": ["y", "y" * 10**6, "y" * 10**6]},
    {LONG: 1},
    {"metadata": {LONG: [float("nan")]}},
])
def test_every_file_value_in_a_load_error_is_shortened(tmp_path, changes):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(_network_document(**changes)))
    with pytest.raises(SpecError) as info:
        io.load(path)
    assert len(str(info.value)) < 1000


def test_a_long_cycle_is_named_in_a_short_message():
    names = [f"n{i}" for i in range(1000)]
    document = _network_document(
        neurons=[{"name": name, "activation": "tanh", "bias": 0} for name in names],
        edges=[[a, b, 1.0] for a, b in zip(names, names[1:] + names[:1])])
    with pytest.raises(SpecError, match=r"would close the cycle n0 -> n1 -> .*\(991 more\).* -> n0$") as info:
        io.from_document(document)
    assert len(str(info.value)) < 300


def test_load_counts_neurons_and_edges_against_max_links_before_building(tmp_path):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(_network_document()))
    with pytest.raises(SpecError, match=r"net\.json: neurons, edges: 2 neurons and 1 links .*max_links=4 "):
        io.load(path, max_links=4)  # 2 x 850 + 440 bytes > 4 x 440
    assert len(io.load(path, max_links=5)) == 2


def test_from_document_takes_max_links_too():
    with pytest.raises(SpecError, match=r"^neurons, edges: 2 neurons and 1 links"):
        io.from_document(_network_document(), max_links=1)


def test_load_reads_at_most_max_bytes(tmp_path):
    path = tmp_path / "net.json"
    text = json.dumps(_network_document())
    path.write_text(text)
    with pytest.raises(NeuronsimError, match=f"net\\.json: the file is larger than {len(text) - 1} bytes"):
        io.load(path, max_bytes=len(text) - 1)
    assert len(io.load(path, max_bytes=len(text))) == 2


def test_a_metadata_key_from_a_file_is_cut_in_the_field_path(tmp_path):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(_network_document(metadata={"k" * 1000: float("nan")})))
    with pytest.raises(SpecError, match=r'metadata\["k{77}\.\.\."\]: must be finite, got NaN'):
        io.load(path)


# --- review of the version 2 fields ---------------------------------------------------------------

@pytest.mark.parametrize("field, value, words", [
    ("preprocessing", "[0, 1]", "preprocessing: expected an object, got array"),
    ("preprocessing", "null", "preprocessing: expected an object, got null"),
    ("target_scaler", '"minmax"', 'target_scaler: expected an object, got string "minmax"'),
])
def test_a_version_2_scaler_field_of_the_wrong_type_is_named_once(tmp_path, field, value, words):
    path = tmp_path / "net.json"
    path.write_text(v2_text(f', "{field}": {value}'))
    with pytest.raises(SpecError) as info:
        io.load(path)
    assert str(info.value) == f"{path}: {words}"


def test_class_targets_round_trip_through_save_and_load(tmp_path):
    net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 1)], seed=0)
    net.class_targets = (0.0, 1.0)
    path = tmp_path / "net.json"
    net.save(path)
    document = json.loads(path.read_text())
    assert document["version"] == 2 and document["class_targets"] == [0.0, 1.0]
    assert io.load(path).class_targets == (0.0, 1.0)


@pytest.mark.parametrize("text, words", [
    (V1_TEXT % ', "class_targets": [0, 1]', 'class_targets: this field needs "version": 2'),
    (v2_text(', "class_targets": [0, NaN]'), "class_targets[1]: must be finite, got NaN"),
    (v2_text(', "class_targets": [1, 0]'), "class_targets: t0 must be less than t1, got (1.0, 0.0)"),
    (v2_text(', "class_targets": [0]'), "class_targets: expected two output values (t0, t1), got 1"),
    (v2_text(', "class_targets": {"t0": 0}'), "class_targets: expected an array, got object"),
])
def test_bad_class_targets_are_refused_naming_the_field(tmp_path, text, words):
    path = tmp_path / "net.json"
    path.write_text(text)
    with pytest.raises(SpecError) as info:
        io.load(path)
    assert str(info.value).startswith(f"{path}: ") and words in str(info.value)


def test_save_refuses_classes_set_for_outputs_since_reordered(tmp_path):
    net = neuronsim.Network.from_spec([("identity", 1), ("sigmoid", 2)], init="constant")
    net.classes = ["a", "b"]
    net.set_outputs(["o2", "o1"])
    path = tmp_path / "net.json"
    with pytest.raises(NeuronsimError, match=r"classes: set for the output neurons \(o1, o2\), but they are now"):
        net.save(path)
    assert not path.exists()


def test_an_integer_of_thousands_of_digits_in_a_document_is_a_spec_error():
    document = {"format": "neuronsim.network", "version": 1,
                "neurons": [{"name": "x", "activation": "identity", "bias": 10**5000}], "edges": []}
    with pytest.raises(SpecError, match=r"neurons\[0\]\.bias: must be finite, got an integer of thousands of digits"):
        io.from_document(document)
    with pytest.raises(SpecError, match="version: unsupported version") as info:
        io.from_document({"format": "neuronsim.network", "version": 10**5000})
    assert len(str(info.value)) < 200


def test_an_unknown_optimizer_type_in_a_file_is_quoted_briefly(tmp_path):
    net = Network.from_spec([("identity", 1), ("sigmoid", 1)], init="constant")
    document = io.to_document(net)
    document["optimizer"] = {"type": "R" * 10**5, "config": {}, "state": {"keys": [], "slots": {}}}
    path = tmp_path / "net.json"
    path.write_text(json.dumps(document))
    with pytest.raises(SpecError, match=r"optimizer\.type: unknown optimizer 'RRR.*\.\.\..*; known: Adam, SGD") as info:
        io.load(path)
    assert len(str(info.value)) < 400 + len(str(path))

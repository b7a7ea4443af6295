"""The command line, as a user runs it: each command in a subprocess on a temporary folder.

Exit codes: 0 success, 1 an error reported on one line of standard error (no traceback), 2 a
usage error.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import neuronsim
from neuronsim import cli

PACKAGE_ROOT = Path(neuronsim.__file__).resolve().parents[1]
PNG = b"\x89PNG\r\n\x1a\n"
COMMANDS = ("demo", "train", "plot", "explain", "check")


def run(folder, *args):
    """``python -m neuronsim ARGS`` in ``folder``, drawing to files only."""
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONIOENCODING="utf-8")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_ROOT), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "neuronsim", *map(str, args)], cwd=folder, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=300)


def assert_one_line_error(result, *fragments):
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("neuronsim: error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def assert_png(path):
    assert path.read_bytes()[:8] == PNG, path


@pytest.fixture
def saved_net(tmp_path):
    """A saved 2-3-1 network (tanh hidden, sigmoid output) in tmp_path/net.json."""
    net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 3), ("sigmoid", 1)], seed=0)
    net.save(tmp_path / "net.json")
    return tmp_path / "net.json"


def write_csv(path, rows):
    path.write_text("\n".join(",".join(map(str, row)) for row in rows) + "\n", encoding="utf-8")
    return path


# --- demo -----------------------------------------------------------------------------------------

def test_demo_with_no_arguments_writes_its_pictures_and_reaches_95_percent(tmp_path):
    result = run(tmp_path, "demo")
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "neuronsim-demo"
    for name in ("topology.png", "loss.png", "decision_boundary.png"):
        assert_png(folder / name)
    assert neuronsim.load(folder / "network.json").graph.number_of_edges() == 2 * 16 + 16 * 16 + 16
    assert "neuronsim-demo" in result.stdout
    accuracy = float(re.search(r"held-out accuracy: ([\d.]+)%", result.stdout).group(1))
    assert accuracy >= 95.0, result.stdout


# --- train ----------------------------------------------------------------------------------------

def test_train_on_a_builtin_data_set_saves_the_network_with_optimizer_and_metadata(tmp_path):
    result = run(tmp_path, "train", "4-8-3", "--data", "iris", "--epochs", "5", "--standardize",
                 "--out", "run")
    assert result.returncode == 0, result.stderr
    assert_png(tmp_path / "run" / "loss.png")
    assert_png(tmp_path / "run" / "topology.png")
    assert not (tmp_path / "run" / "decision_boundary.png").exists()     # 4 inputs: no plane
    net, optimizer, metadata = neuronsim.load(tmp_path / "run" / "network.json", with_extras=True)
    assert (len(net.inputs), len(net.outputs)) == (4, 3)
    assert type(optimizer).__name__ == "Adam" and optimizer.state
    assert metadata["data"] == "iris" and metadata["epochs"] == 5
    assert metadata["loss"] == "softmax_cross_entropy"
    assert 0.0 <= metadata["held_out_accuracy"] <= 1.0 and len(metadata["standardize"]["mean"]) == 4
    assert "held-out accuracy" in result.stdout


def test_train_resumes_a_saved_network(tmp_path, saved_net):
    result = run(tmp_path, "train", saved_net.name, "--data", "xor", "--epochs", "2", "--test-size", "0",
                 "--optimizer", "sgd", "--lr", "0.5", "--batch-size", "full", "--engine", "object",
                 "--out", "more")
    assert result.returncode == 0, result.stderr
    _, optimizer, metadata = neuronsim.load(tmp_path / "more" / "network.json", with_extras=True)
    assert (type(optimizer).__name__, optimizer.lr, optimizer.momentum) == ("SGD", 0.5, 0.9)
    assert metadata["loss"] == "binary_cross_entropy" and "training_accuracy" in metadata
    assert_png(tmp_path / "more" / "decision_boundary.png")


def test_train_on_a_csv_file_maps_string_labels_to_classes(tmp_path):
    colours = ["red", "green", "blue"]
    rows = [["x", "y", "colour"]] + [[i % 3 + 0.1 * j, j, colours[i % 3]] for i in range(12) for j in range(2)]
    write_csv(tmp_path / "points.csv", rows)
    result = run(tmp_path, "train", "2-4-3", "--data", "points.csv", "--epochs", "3", "--out", "csv-run")
    assert result.returncode == 0, result.stderr
    for name in ("loss.png", "topology.png", "decision_boundary.png"):
        assert_png(tmp_path / "csv-run" / name)
    metadata = neuronsim.load(tmp_path / "csv-run" / "network.json", with_extras=True).metadata
    assert metadata["data"] == "points.csv" and metadata["loss"] == "softmax_cross_entropy"


@pytest.mark.parametrize("rows, label, fragments", [
    ([["a", "b", "kind"], [1, 2, "p"], [3, 4, "q"], [5, "abc", "p"]], None,
     ["data.csv: row 4, column 'b': 'abc' is not a number"]),
    ([["a", "b", "kind"], [1, 2, "p"], [3, 4]], None, ["data.csv: row 3 has 2 cells; the header has 3"]),
    ([["a", "b", "kind"], [1, 2, "p"], [3, 4, "q"]], "species", ["no column 'species'", "a, b, kind"]),
])
def test_a_bad_csv_file_is_one_line_naming_row_and_column(tmp_path, rows, label, fragments):
    write_csv(tmp_path / "data.csv", rows)
    extra = [] if label is None else ["--label", label]
    result = run(tmp_path, "train", "2-3-1", "--data", "data.csv", *extra, "--out", "out")
    assert_one_line_error(result, *fragments)


def test_train_says_when_the_network_does_not_fit_the_data(tmp_path):
    result = run(tmp_path, "train", "2-8-1", "--data", "iris", "--out", "out")
    assert_one_line_error(result, "2 input neurons", "'iris' has 4 feature columns")


# --- plot -----------------------------------------------------------------------------------------

def test_plot_draws_the_topology(tmp_path, saved_net):
    result = run(tmp_path, "plot", saved_net.name, "-o", "topo.png")
    assert result.returncode == 0, result.stderr
    assert_png(tmp_path / "topo.png")


def test_plot_with_an_input_and_target_colours_live_deltas(tmp_path, saved_net):
    result = run(tmp_path, "plot", saved_net.name, "-o", "live.svg", "--input", "1,0", "--target", "1",
                 "--color", "delta", "--edge-color", "grad", "--values")
    assert result.returncode == 0, result.stderr
    assert "<svg" in (tmp_path / "live.svg").read_text(encoding="utf-8")


# --- explain --------------------------------------------------------------------------------------

def test_explain_prints_every_activation_and_every_delta_equation(tmp_path, saved_net):
    result = run(tmp_path, "explain", saved_net.name, "--input", "1,0", "--target", "1")
    assert result.returncode == 0, result.stderr
    net = neuronsim.load(saved_net)
    lines = [line.strip() for line in result.stdout.splitlines()]
    for neuron in net.neurons:
        assert any(line.startswith(f"a[{neuron.name}] = ") for line in lines), neuron.name
        if neuron not in net.inputs:
            assert any(line.startswith(f"δ[{neuron.name}] = ") for line in lines), neuron.name
    forward = next(i for i, line in enumerate(lines) if line.startswith("forward pass"))
    backward = next(i for i, line in enumerate(lines) if line.startswith("backward pass"))
    assert forward < lines.index("a[x1] = 1 (input, clamped)") < backward
    assert lines[-1].startswith("loss C = ")


def test_explain_one_neuron_shows_its_activation_delta_and_gradients_only(tmp_path, saved_net):
    result = run(tmp_path, "explain", saved_net.name, "--input", "1,0", "--target", "1", "--neuron", "h1")
    assert result.returncode == 0, result.stderr
    lines = [line.strip() for line in result.stdout.splitlines()]
    starts = [line.split(" = ")[0] for line in lines if " = " in line and not line.endswith(":")]
    assert starts == ["a[h1]", "δ[h1]", "∂C/∂w[x1→h1]", "∂C/∂w[x2→h1]", "∂C/∂b[h1]", "loss C"]


# --- check ----------------------------------------------------------------------------------------

def test_check_passes_a_sound_network_and_names_the_worst_parameter(tmp_path, saved_net):
    result = run(tmp_path, "check", saved_net.name)
    assert result.returncode == 0, result.stderr
    assert re.search(r"gradcheck ok: worst (w\[\w+->\w+\]|b\[\w+\])", result.stdout)


def test_check_builds_a_yaml_spec(tmp_path):
    (tmp_path / "dag.yaml").write_text("layers: [[identity, 2], [tanh, 3], [identity, 2]]\n"
                                       "edges: [[x1, o1]]\n", encoding="utf-8")
    result = run(tmp_path, "check", "dag.yaml", "--loss", "squared_error", "--input", "0.5,-1",
                 "--target", "1,0")
    assert result.returncode == 0, result.stderr
    assert "gradcheck ok" in result.stdout and "13 links" in result.stdout


def test_check_refuses_a_broken_file_in_one_line(tmp_path):
    (tmp_path / "broken.json").write_text(
        '{"format": "neuronsim.network", "version": 1, "neurons": '
        '[{"name": "x", "activation": "swishy", "bias": 0}], "edges": []}', encoding="utf-8")
    assert_one_line_error(run(tmp_path, "check", "broken.json"), "broken.json", "unknown activation 'swishy'")


def test_check_exits_1_when_the_gradients_disagree(tmp_path, capsys, isolated_registries):
    # in process: a wrong derivative can only be registered in the running interpreter
    neuronsim.activations.register(neuronsim.Activation("bad_tanh", neuronsim.activations.get("tanh").f,
                                                        lambda z: 2.0))
    net = neuronsim.Network.from_spec([("identity", 2), ("bad_tanh", 2), ("sigmoid", 1)], seed=0)
    net.save(tmp_path / "bad.json")
    assert cli.main(["check", str(tmp_path / "bad.json")]) == 1
    assert "gradcheck MISMATCH" in capsys.readouterr().out


# --- help, usage errors, missing files --------------------------------------------------------------

@pytest.mark.parametrize("command", [(), *((c,) for c in COMMANDS)])
def test_help_exits_0(tmp_path, command):
    result = run(tmp_path, *command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: neuronsim {' '.join(command)}".rstrip())


@pytest.mark.parametrize("args", [
    (),
    ("bogus",),
    ("train", "2-8-1", "--out", "out"),                                     # no --data
    ("train", "2-8-1", "--data", "xor", "--out", "out", "--epochs", "0"),
    ("train", "2-8-1", "--data", "xor", "--out", "out", "--momentum", "0.5"),  # adam has no momentum
    ("explain", "2-2-1"),                                                    # no --input
    ("explain", "2-2-1", "--input", "1,x"),
    ("plot", "2-2-1", "--color", "delta"),                                   # δ needs a target
])
def test_usage_errors_exit_2(tmp_path, args):
    result = run(tmp_path, *args)
    assert result.returncode == 2, result.stderr
    assert "usage: neuronsim" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [
    ("plot", "missing.json", "-o", "x.png"),
    ("explain", "missing.json", "--input", "1,0"),
    ("check", "missing.yaml"),
    ("train", "2-3-1", "--data", "missing.csv", "--out", "out"),
])
def test_a_missing_file_is_one_line(tmp_path, args):
    assert_one_line_error(run(tmp_path, *args), "missing.", "no such file")

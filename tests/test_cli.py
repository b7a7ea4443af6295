"""The command line, as a user runs it: first each command in a subprocess on a temporary folder,
then (faster) ``cli.main([...])`` in this process with captured output.

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
COMMANDS = ("demo", "train", "predict", "plot", "explain", "check")


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
    assert 0.0 <= metadata["held_out_accuracy"] <= 1.0
    assert net.preprocessing.kind == "standardize"
    assert net.preprocessing.names == ("sepal_length", "sepal_width", "petal_length", "petal_width")
    assert net.classes == ("setosa", "versicolor", "virginica")
    assert "held-out accuracy" in result.stdout


def test_train_help_shows_the_digits_recipe_which_reaches_97_5_percent_held_out(tmp_path):
    assert cli.DIGITS_ARGS in run(tmp_path, "train", "--help").stdout
    result = run(tmp_path, "train", *cli.DIGITS_ARGS.split(), "--out", "digits")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "training: 30 epochs of Adam(lr=0.01), batch 32" in result.stdout
    assert "held-out accuracy: 97.6% (450 rows)" in result.stdout, result.stdout


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
    result = run(tmp_path, *args)
    assert_one_line_error(result, "missing.")
    assert re.search(r"no such (CSV )?file", result.stderr)


# --- in process: main([...]) with captured output ---------------------------------------------------

IRIS_SETOSA = "5.1,3.5,1.4,0.2"


def cli_run(capsys, *args):
    """``(exit code, stdout, stderr)`` of ``neuronsim ARGS`` run in this process."""
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_error_line(code, err, *fragments):
    assert code == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("neuronsim: error: "), err
    assert len(lines[0]) <= len("neuronsim: error: ") + cli.MESSAGE_LIMIT
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.fixture(scope="module")
def iris_run(tmp_path_factory):
    """The README's session: `neuronsim train 4-8-3 --data iris --standardize --out DIR`."""
    folder = tmp_path_factory.mktemp("iris") / "iris-run"
    assert cli.main(["train", "4-8-3", "--data", "iris", "--standardize", "--out", str(folder)]) == 0
    return folder / "network.json"


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def identity_221(path):
    """2-2-1 identity network, weights +2 into h1 and o1, -2 into h2: saved to ``path``."""
    net = neuronsim.Network.from_spec([("identity", 2), ("identity", 2), ("identity", 1)], init="constant")
    for src, dst in net.graph.edges:
        net.set_weight(src, dst, -2.0 if dst == "h2" else 2.0)
    net.save(path)
    return path


# --- the README session: a trained network is a complete predictor ----------------------------------

def test_readme_session_explains_and_predicts_setosa_for_the_setosa_row(iris_run, capsys):
    code, out, _ = cli_run(capsys, "explain", iris_run, f"--input={IRIS_SETOSA}", "--target", "1,0,0")
    assert code == 0
    assert re.search(r"^output o1=.* → class setosa \(p = 0\.9\d*\)$", out, re.M), out
    code, out, _ = cli_run(capsys, "predict", iris_run, "--input", IRIS_SETOSA)
    assert code == 0
    header, row = out.strip().splitlines()
    assert header == "class,p(setosa),p(versicolor),p(virginica)"
    assert row.split(",")[0] == "setosa" and float(row.split(",")[1]) > 0.9


def test_explain_shows_raw_and_standardized_inputs_and_feeds_the_neurons_the_standardized_ones(iris_run, capsys):
    scaler = neuronsim.load(iris_run).preprocessing
    seen = scaler.transform([5.1, 3.5, 1.4, 0.2])
    code, out, _ = cli_run(capsys, "explain", iris_run, f"--input={IRIS_SETOSA}")
    assert code == 0
    first, second = out.splitlines()[:2]
    assert first == ("input (standardized): " + ", ".join(
        f"{name} {raw:.4g} → {value:.4g}" for name, raw, value in zip(scaler.names, [5.1, 3.5, 1.4, 0.2], seen)))
    assert second.startswith(f"forward pass, a = f(b + Σ w·a), input x1={seen[0]:.4g}, x2={seen[1]:.4g}")
    assert f"a[x3] = {seen[2]:.4g} (input, clamped)" in out


def test_plot_feeds_the_neurons_the_standardized_input(iris_run, capsys, in_tmp, monkeypatch):
    seen = {}
    plot = cli._plotting()

    def topology(net, **kwargs):
        seen["a"] = [n.a for n in net.inputs]
        return plot.topology(net, **kwargs)

    monkeypatch.setattr(cli, "_plotting", lambda: type("Plot", (), {"topology": staticmethod(topology)}))
    code, out, _ = cli_run(capsys, "plot", iris_run, "-o", "t.png", f"--input={IRIS_SETOSA}", "--target", "1,0,0",
                           "--color", "delta")
    assert code == 0 and out.startswith("input (standardized): sepal_length 5.1 → ")
    expected = neuronsim.load(iris_run).preprocessing.transform([5.1, 3.5, 1.4, 0.2]).tolist()
    assert seen["a"] == expected
    assert_png(in_tmp / "t.png")


def test_check_runs_its_case_on_the_standardized_input(iris_run, capsys):
    seen = neuronsim.load(iris_run).preprocessing.transform([5.1, 3.5, 1.4, 0.2])
    code, out, _ = cli_run(capsys, "check", iris_run, f"--input={IRIS_SETOSA}", "--target", "1,0,0")
    assert code == 0
    assert f"case: x = [{', '.join(f'{v:.4g}' for v in seen)}], target = [1, 0, 0]" in out


def test_explain_scales_a_regression_target_and_answers_in_its_units(capsys, in_tmp):
    net = neuronsim.Network.from_spec([("identity", 1), ("identity", 1)], init="constant")
    net.target_scaler = neuronsim.preprocessing.Scaler("standardize", [100.0], [10.0])
    net.target_names = ["price"]
    net.save(in_tmp / "price.json")
    code, out, _ = cli_run(capsys, "explain", "price.json", "--input", "2", "--target", "130")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "target (standardized): price 130 → 3"
    assert "output o1=2 → predicts price=120" in lines
    assert "target o1=3, loss squared_error:" in out and "loss C = 0.5" in out


def test_a_class_name_as_target_is_its_one_hot_target(iris_run, capsys):
    by_name = cli_run(capsys, "explain", iris_run, f"--input={IRIS_SETOSA}", "--target", "virginica")
    by_numbers = cli_run(capsys, "explain", iris_run, f"--input={IRIS_SETOSA}", "--target", "0,0,1")
    assert by_name[0] == 0 and by_name == by_numbers
    assert "target o1=0, o2=0, o3=1, loss softmax_cross_entropy" in by_name[1]


def test_an_unknown_class_as_target_lists_the_classes(iris_run, capsys):
    code, out, err = cli_run(capsys, "explain", iris_run, f"--input={IRIS_SETOSA}", "--target", "rose")
    assert_error_line(code, err, "--target: 'rose' is neither numbers", "setosa, versicolor, virginica")
    assert out == ""


def test_predict_answers_every_row_of_the_training_csv_by_column_name(iris_run, capsys, in_tmp):
    data = neuronsim.datasets.iris()
    # columns in another order, the label in the middle: picked by the names training saw
    header = ["petal_width", "species", "sepal_length", "petal_length", "sepal_width"]
    rows = [[x[3], data.classes[c], x[0], x[2], x[1]] for x, c in zip(data.X.tolist(), data.labels)]
    write_csv(in_tmp / "flowers.csv", [header] + rows)
    code, out, _ = cli_run(capsys, "predict", iris_run, "--data", "flowers.csv", "-o", "answers.csv")
    assert code == 0 and out == "wrote 150 rows to answers.csv\n"
    lines = (in_tmp / "answers.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "class,p(setosa),p(versicolor),p(virginica)" and len(lines) == 151
    predicted = [line.split(",")[0] for line in lines[1:]]
    assert predicted == neuronsim.load(iris_run).predict_classes(data.X).tolist()
    assert sum(p == data.classes[c] for p, c in zip(predicted, data.labels)) >= 140


def test_predict_reads_a_csv_of_the_inputs_plus_a_last_label_column(capsys, in_tmp, saved_net):
    write_csv(in_tmp / "cases.csv", [["a", "b", "y"], [1, 0, 1], [0, 0, 0]])
    code, out, _ = cli_run(capsys, "predict", saved_net, "--data", "cases.csv")
    net = neuronsim.load(saved_net)
    assert code == 0
    assert out.splitlines() == ["o1"] + [f"{v:.6g}" for v in net.predict([[1, 0], [0, 0]])[:, 0]]


@pytest.mark.parametrize("args", [(), ("--input", "1,0", "--data", "xor")])
def test_predict_needs_exactly_one_of_input_and_data(capsys, saved_net, args):
    assert cli.main(["predict", str(saved_net), *args]) == 2
    assert "give either --input" in capsys.readouterr().err


def test_predict_says_which_columns_a_csv_lacks(capsys, in_tmp, saved_net):
    write_csv(in_tmp / "wide.csv", [["a", "b", "c", "d"], [1, 0, 1, 1]])
    code, _, err = cli_run(capsys, "predict", saved_net, "--data", "wide.csv")
    assert_error_line(code, err, "wide.csv: 4 columns (a, b, c, d)", "takes 2 inputs")


# --- train: stored preprocessing, classes, regression, held-out rows --------------------------------

def test_retraining_a_saved_network_keeps_its_standardization(iris_run, capsys, in_tmp):
    before = neuronsim.load(iris_run)
    code, out, _ = cli_run(capsys, "train", iris_run, "--data", "iris", "--epochs", "1", "--out", "again")
    assert code == 0 and "inputs standardized as stored with the network" in out
    accuracy = float(re.search(r"held-out accuracy: ([\d.]+)%", out).group(1))
    assert accuracy >= 90.0, out
    after = neuronsim.load(in_tmp / "again" / "network.json")
    assert after.preprocessing == before.preprocessing and after.classes == before.classes


def test_standardize_on_a_network_scaled_another_way_is_an_error(capsys, in_tmp):
    net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 2), ("sigmoid", 1)], seed=0)
    net.preprocessing = neuronsim.preprocessing.Scaler.fit([[0.0, 0.0], [1.0, 2.0]], kind="minmax")
    net.save(in_tmp / "mm.json")
    code, _, err = cli_run(capsys, "train", "mm.json", "--data", "xor", "--standardize", "--out", "o")
    assert_error_line(code, err, "mm.json: the network already scales its inputs (minmax", "--standardize")
    assert not (in_tmp / "o").exists()


def test_a_saved_classifier_refuses_data_with_other_classes(capsys, in_tmp):
    net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 2), ("sigmoid", 1)], seed=0)
    net.classes = ("cat", "dog")
    net.save(in_tmp / "pets.json")
    code, _, err = cli_run(capsys, "train", "pets.json", "--data", "moons", "--out", "o")
    assert_error_line(code, err, "answers with classes cat, dog", "'moons' has classes upper, lower")


def test_a_regression_csv_trains_a_shorthand_with_identity_outputs_and_squared_error(capsys, in_tmp):
    rows = [["size", "rooms", "price"]] + [[i, i % 3, 2.5 * i + 10.5] for i in range(60)]
    write_csv(in_tmp / "houses.csv", rows)
    code, out, _ = cli_run(capsys, "train", "2-8-1", "--data", "houses.csv", "--epochs", "2", "--out", "reg")
    assert code == 0, out
    assert "loss squared_error" in out and "held-out mse: " in out
    net = neuronsim.load(in_tmp / "reg" / "network.json")
    assert net.outputs[0].activation.name == "identity" and net.classes is None
    code, out, _ = cli_run(capsys, "predict", in_tmp / "reg" / "network.json", "--input", "3,0")
    assert code == 0 and out.splitlines()[0] == "price"


def test_task_classify_makes_float_labels_classes(capsys, in_tmp):
    rows = [["x", "grade"]] + [[i, 1.5 if i % 2 else 2.5] for i in range(20)]
    write_csv(in_tmp / "grades.csv", rows)
    code, out, _ = cli_run(capsys, "train", "1-4-1", "--data", "grades.csv", "--task", "classify",
                           "--epochs", "1", "--out", "g")
    assert code == 0 and "training accuracy" in out
    assert neuronsim.load(in_tmp / "g" / "network.json").classes == ("1.5", "2.5")


def test_a_truth_table_trains_on_every_row_and_says_so(capsys, in_tmp):
    code, out, _ = cli_run(capsys, "train", "2-2-1", "--data", "xor", "--epochs", "1", "--out", "x")
    assert code == 0
    assert "data: xor, 4 rows (all used for training: xor is a truth table" in out
    assert "training accuracy: " in out and "(4 rows)" in out and "held-out" not in out


def test_a_small_csv_trains_on_every_row_and_says_so(capsys, in_tmp):
    write_csv(in_tmp / "small.csv", [["a", "b", "y"]] + [[i, -i, i % 2] for i in range(10)])
    code, out, _ = cli_run(capsys, "train", "2-2-1", "--data", "small.csv", "--epochs", "1", "--out", "s")
    assert code == 0 and f"(all used for training: fewer than {cli.SMALL_DATA} rows" in out


@pytest.mark.parametrize("option", ["--holdout", "--test-size"])
def test_holdout_holds_out_rows_even_of_a_truth_table(capsys, in_tmp, option):
    code, out, _ = cli_run(capsys, "train", "2-2-1", "--data", "xor", "--epochs", "1", option, "1", "--out", "x")
    assert code == 0
    assert "data: xor, 4 rows (3 training, 1 held out)" in out
    assert re.search(r"held-out accuracy: [\d.]+% \(1 row\)$", out, re.M), out


@pytest.mark.parametrize("holdout, fragment", [("4", "would hold out 4 rows of 4; hold out 1 to 3"),
                                               ("0.9", "would hold out 4 rows of 4")])
def test_a_holdout_leaving_no_training_rows_is_an_error(capsys, in_tmp, holdout, fragment):
    code, _, err = cli_run(capsys, "train", "2-2-1", "--data", "xor", "--holdout", holdout, "--out", "x")
    assert_error_line(code, err, f"--holdout {holdout}: {fragment}")


def test_parity_takes_its_size_from_the_network(capsys, in_tmp):
    code, out, _ = cli_run(capsys, "train", "3-3-1", "--data", "parity", "--epochs", "1", "--out", "p")
    assert code == 0 and "data: parity, 8 rows" in out


def test_decision_boundary_axes_are_named_after_the_csv_columns(capsys, in_tmp, monkeypatch):
    labels = {}
    save = cli._save

    def recording_save(fig, path):
        labels[path.name] = (fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel())
        return save(fig, path)

    monkeypatch.setattr(cli, "_save", recording_save)
    rows = [["height", "weight", "kind"]] + [[i, (i * 7) % 5, "ab"[i % 2]] for i in range(12)]
    write_csv(in_tmp / "hw.csv", rows)
    assert cli.main(["train", "2-3-1", "--data", "hw.csv", "--epochs", "1", "--out", "hw"]) == 0
    assert labels["decision_boundary.png"] == ("height", "weight")


# --- options as a newcomer writes them --------------------------------------------------------------

def test_version(capsys):
    code, out, _ = cli_run(capsys, "--version")
    assert code == 0 and out == f"neuronsim {neuronsim.__version__}\n"


@pytest.mark.parametrize("loss, name", [("bce", "binary_cross_entropy"), ("mse", "mse"),
                                        ("squared_error", "squared_error")])
def test_loss_accepts_aliases(capsys, loss, name):
    code, out, _ = cli_run(capsys, "explain", "2-2-1", "--input", "1,0", "--target", "1", "--loss", loss)
    assert code == 0 and f"loss {name}:" in out


def test_an_unknown_loss_is_a_usage_error_listing_the_known_ones(capsys):
    code, _, err = cli_run(capsys, "check", "2-2-1", "--loss", "hinge")
    assert code == 2 and "unknown loss 'hinge'; known: binary_cross_entropy" in err


def test_a_negative_input_is_a_value_not_an_option(capsys):
    code, spaced, _ = cli_run(capsys, "explain", "2-2-1", "--input", "-1,0", "--target", "-0.5", "--loss", "mse")
    assert code == 0 and "input x1=-1, x2=0:" in spaced
    assert cli_run(capsys, "explain", "2-2-1", "--input=-1,0", "--target=-0.5", "--loss", "mse")[1] == spaced


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex"])
def test_output_never_shows_a_negative_zero(capsys, in_tmp, fmt):
    net = neuronsim.Network.from_spec([("identity", 1), ("relu", 1), ("identity", 1)], init="constant")
    net.set_weight("x1", "h1", -1.0)            # relu off: δ[h1] = 0 × (negative) = -0.0
    net.save(in_tmp / "relu.json")
    net.forward([1.0]); net.backward([5.0], "squared_error")
    assert str(net["h1"].delta) == "-0.0"       # the case really holds a negative zero
    code, out, _ = cli_run(capsys, "explain", "relu.json", "--input", "1", "--target", "5", "--grads",
                           "--format", fmt)
    assert code == 0 and "h1" in out
    assert not re.search(r"(?<![\w.])-0(?![\w.])", out), out


# --- errors: one line, exit 1, nothing printed before ------------------------------------------------

@pytest.mark.parametrize("net, fragment", [
    ("4-x-3", "layered shorthand 4-x-3: 'x' is not a layer size"),
    ("4--3", "layered shorthand 4--3: '' is not a layer size"),
    ("2-relu16-1", "layered shorthand 2-relu16-1: 'relu16' is not a layer size"),
    ("2-9999999-1", "a layer has 1 to 100,000 neurons"),
    ("5", "needs at least two layers"),
    ("2-bogus:3-1", "layered shorthand 2-bogus:3-1: unknown activation"),
    ("", "empty network argument"),
    ("   ", "empty network argument"),
])
def test_a_bad_network_argument_says_what_is_wrong(capsys, net, fragment):
    assert_error_line(*cli_run(capsys, "check", net)[::2], fragment)


def test_a_run_folder_as_network_points_at_its_network_file(iris_run, capsys):
    code, _, err = cli_run(capsys, "explain", iris_run.parent, f"--input={IRIS_SETOSA}")
    assert_error_line(code, err, "is a folder, not a network file", "did you mean", "network.json")


def test_data_that_is_a_directory_says_so(capsys, in_tmp):
    (in_tmp / "some_directory").mkdir()
    code, _, err = cli_run(capsys, "train", "2-2-1", "--data", "some_directory/", "--out", "o")
    assert_error_line(code, err, "some_directory/: is a directory")


def test_an_unknown_data_set_lists_the_built_in_ones(capsys, in_tmp):
    code, _, err = cli_run(capsys, "train", "2-2-1", "--data", "mnist", "--out", "o")
    assert_error_line(code, err, "unknown data set 'mnist'", "xor")


@pytest.mark.parametrize("target, fragment", [
    ("1,0", "--target: the network has 3 output neurons (o1, o2, o3), got 2 values"),
    ("2,0,0", "--target[0] = 2.0 is outside [0.0, 1.0] required by loss 'softmax_cross_entropy'"),
])
def test_explain_with_a_bad_target_prints_nothing_but_the_error(iris_run, capsys, target, fragment):
    code, out, err = cli_run(capsys, "explain", iris_run, f"--input={IRIS_SETOSA}", "--target", target)
    assert_error_line(code, err, fragment)
    assert out == ""


def test_explain_with_an_input_of_the_wrong_width_names_the_inputs(capsys):
    code, out, err = cli_run(capsys, "explain", "2-2-1", "--input", "1,2,3")
    assert_error_line(code, err, "--input: the network has 2 input neurons (x1, x2), got 3 values")
    assert out == ""


def test_explain_of_an_overflowing_pass_is_one_line_and_never_prints_inf(capsys, in_tmp):
    identity_221(in_tmp / "identity.json")
    code, out, err = cli_run(capsys, "explain", "identity.json", "--input=1e308,1e308", "--target", "1")
    assert_error_line(code, err, "neuron 'h1'", "overflowed")
    assert out == "" and "nan" not in err.lower()


def test_explain_of_an_unknown_neuron_names_the_known_ones(capsys):
    code, _, err = cli_run(capsys, "explain", "2-1", "--input", "1,0", "--neuron", "h9")
    assert_error_line(code, err, "--neuron: no neuron 'h9'; the network has x1, x2, o1")


@pytest.mark.parametrize("args", [
    ("train", "2-2-1", "--data", "xor", "--out", "o", "--epochs", str(10 ** 400)),
    ("check", "2-2-1", "--seed", str(10 ** 400)),
    ("explain", "2-2-1", "--input", "1,1", "--precision", str(10 ** 400)),
    ("check", "2-2-1", "--input", f"{10 ** 400},1"),
    ("train", "2-2-1", "--data", "xor", "--out", "o", "--lr", "1e400"),
])
def test_a_huge_number_in_an_option_is_a_short_usage_error(capsys, in_tmp, args):
    code, _, err = cli_run(capsys, *args)
    assert code == 2 and "Traceback" not in err
    assert all(len(line) <= 500 for line in err.splitlines())
    assert re.search(r"(expected .*, got|is not a finite number)", err), err


@pytest.mark.parametrize("args", [
    ("check", "net\0.json"),
    ("predict", "2-1", "--data", "rows\0.csv"),
    ("plot", "2-1", "-o", "t\0.png"),
    ("train", "2-2-1", "--data", "xor", "--out", "run\0"),
])
def test_a_file_name_with_a_nul_byte_is_a_usage_error(capsys, args):
    code, _, err = cli_run(capsys, *args)
    assert code == 2 and "a file name cannot hold a NUL byte" in err and "Traceback" not in err


@pytest.mark.parametrize("text", ['{"format": ' + "[" * 100_000 + "]" * 100_000 + "}",
                                  '{"layers": ' + "[" * 100_000 + "]" * 100_000 + "}"])
def test_check_of_a_deeply_nested_file_is_one_line(capsys, in_tmp, text):
    (in_tmp / "deep.json").write_text(text, encoding="utf-8")
    assert_error_line(*cli_run(capsys, "check", "deep.json")[::2], "deep.json")


def test_a_huge_layered_shorthand_is_one_short_line(capsys):
    code, _, err = cli_run(capsys, "check", f"{10 ** 400}-1")
    assert_error_line(code, err, "a layer has 1 to 100,000 neurons")


def test_a_long_error_message_is_cut_to_one_line(capsys, monkeypatch):
    def fail(args):
        raise neuronsim.errors.SpecError("bad value " + "x" * 10_000 + "\nsecond line")

    monkeypatch.setattr(cli, "_check", fail)
    code, _, err = cli_run(capsys, "check", "2-2-1")
    assert_error_line(code, err, "bad value xxx")
    assert err.rstrip().endswith("...")


@pytest.mark.parametrize("error, fragment", [(MemoryError, "out of memory"),
                                             (RecursionError, "nested too deeply")])
def test_memory_and_recursion_errors_are_one_line(capsys, monkeypatch, error, fragment):
    def fail(args):
        raise error()

    monkeypatch.setattr(cli, "_check", fail)
    assert_error_line(*cli_run(capsys, "check", "2-2-1")[::2], fragment)


def test_an_unexpected_exception_is_reported_as_a_bug_in_one_line(capsys, monkeypatch):
    def fail(args):
        raise TypeError("boom")

    monkeypatch.setattr(cli, "_check", fail)
    code, _, err = cli_run(capsys, "check", "2-2-1")
    assert code == 1
    assert err == ("neuronsim: internal error (a bug, please report): TypeError: boom; "
                   "rerun with --debug for the traceback\n")


def test_debug_adds_the_traceback(capsys, monkeypatch):
    def fail(args):
        raise TypeError("boom")

    monkeypatch.setattr(cli, "_check", fail)
    code, _, err = cli_run(capsys, "check", "2-2-1", "--debug")
    assert code == 1 and err.startswith("Traceback (most recent call last):")
    assert err.splitlines()[-1] == "neuronsim: internal error (a bug, please report): TypeError: boom"


# --- any name a file can hold prints ----------------------------------------------------------------

def surrogate_net(path):
    net = neuronsim.Network()
    net.add_neuron("x\udc80", "identity")
    net.add_neuron("o\ud800", "sigmoid")
    net.connect("x\udc80", "o\ud800", 0.5)
    net.save(path)
    return path


def test_explain_prints_names_with_lone_surrogates_escaped(capsys, in_tmp):
    surrogate_net(in_tmp / "odd.json")
    before = sys.stdout.errors                    # capsys: a strict UTF-8 stream
    code, out, _ = cli_run(capsys, "explain", "odd.json", "--input", "1", "--target", "1")
    assert code == 0
    assert "a[x\\udc80] = 1 (input, clamped)" in out and "δ[o\\ud800] = " in out
    assert sys.stdout.errors == before           # the stream's own error handler is back


def test_the_console_script_prints_odd_names_to_a_strict_utf8_stdout(tmp_path):
    surrogate_net(tmp_path / "odd.json")
    script = Path(sys.executable).with_name("neuronsim")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "neuronsim"]
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONIOENCODING="utf-8:strict")
    result = subprocess.run(command + ["explain", "odd.json", "--input", "-1", "--target", "0"], cwd=tmp_path,
                            env=env, capture_output=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert b"a[x\\udc80] = -1 (input, clamped)" in result.stdout
    result = subprocess.run(command + ["explain", "odd.json", "--input", "1", "--neuron", "h\udcff"], cwd=tmp_path,
                            env=env, capture_output=True, timeout=300)
    assert result.returncode == 1 and result.stderr.count(b"\n") == 1
    assert b"no neuron 'h\\udcff'" in result.stderr


# --- explain --html -------------------------------------------------------------------------------

def test_explain_html_writes_a_step_through_page_of_the_same_case(saved_net, tmp_path, capsys):
    page = tmp_path / "page.html"
    assert cli.main(["explain", str(saved_net), "--input", "1,0", "--target", "1", "--html", str(page)]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith(f"wrote {page}")
    html = page.read_text(encoding="utf-8")
    net = neuronsim.load(saved_net)
    net.forward([1.0, 0.0])
    net.backward([1.0], "binary_cross_entropy")
    for name in ("h1", "h2", "h3", "o1"):
        assert net.explain(name) in html          # every δ's equation, as explain() writes it
    assert "http" not in html


def test_explain_html_without_a_target_prints_nothing_but_the_error(saved_net, tmp_path, capsys):
    page = tmp_path / "page.html"
    assert cli.main(["explain", str(saved_net), "--input", "1,0", "--html", str(page)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "--html needs --target" in err
    assert not page.exists()

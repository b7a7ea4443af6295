"""examples/micrograd_mlp.py runs from a fresh checkout and shows what it promises."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "micrograd_mlp.py"


def run_example(*args, cwd=None, env=None):
    result = subprocess.run([sys.executable, str(EXAMPLE), *args], capture_output=True, text=True,
                            timeout=120, cwd=cwd, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """The example's output with --out, and the folder it wrote to (run once for this module)."""
    out = tmp_path_factory.mktemp("micrograd_mlp")
    return run_example("--out", str(out)), out


def test_example_trains_the_seed_mlp_below_0_01(example):
    text, _ = example
    assert "MLP of [Layer of [TanhNeuron(3), TanhNeuron(3), TanhNeuron(3), TanhNeuron(3)]" in text
    assert "41 parameters" in text
    steps = re.findall(r"^   (\d+) ([0-9.e+-]+)$", text, re.M)
    assert [int(k) for k, _ in steps] == [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 99]
    assert float(steps[0][1]) > 1 and float(steps[-1][1]) < 0.01
    predictions = re.search(r"predictions: \[(.*)\] targets", text).group(1).split(", ")
    assert [p.startswith("-") for p in predictions] == [False, True, True, False]


def test_example_network_gives_the_mlps_outputs_and_gradients(example):
    text, _ = example
    assert "neurons: x1 x2 x3 h1_1 h1_2 h1_3 h1_4 h2_1 h2_2 h2_3 h2_4 o1" in text
    assert "over the 4 cases = 0.0e+00" in text
    worst = float(re.search(r"over 41 parameters = (\S+)", text).group(1))
    assert worst <= 1e-12
    assert "δ[h1_1] = f′(z=" in text and "w[h1_1→h2_1]=" in text


def test_example_saves_the_topology_png(example):
    _, out = example
    png = out / "micrograd_mlp_topology.png"
    assert png.exists() and png.read_bytes().startswith(b"\x89PNG")


def test_example_writes_into_the_env_folder_by_default(tmp_path):
    import os

    env = dict(os.environ, NEURONSIM_EXAMPLES_OUT=str(tmp_path / "from_env"))
    run_example("--steps", "3", cwd=tmp_path, env=env)
    assert (tmp_path / "from_env" / "micrograd_mlp_topology.png").exists()
    assert not (tmp_path / "micrograd_mlp_out").exists()

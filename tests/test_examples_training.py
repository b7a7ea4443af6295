"""The training examples run as scripts (with a few epochs, via ``--epochs``) and say what they promise."""

import re
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(name, *args):
    result = subprocess.run([sys.executable, str(EXAMPLES / name), *args], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_xor_example_trains_the_layered_and_the_skip_link_network():
    out = run_example("xor.py", "--epochs", "3")
    assert "2-2-1: not solved in 3 sweeps" in out
    assert "2-1-1 + skips: not solved in 3 sweeps" in out
    assert "x1->o1" in out                                    # the direct link is there


def test_xor_example_counts_sweeps_over_seeds():
    out = run_example("xor.py", "--epochs", "300", "--seeds", "2")
    assert re.search(r"2-2-1: solved within 300 sweeps in \d of 2 seeds; sweeps \[", out)
    assert "2-1-1 + skips: solved within 300 sweeps in" in out


def test_rhw_symmetry_example_prints_sweeps_and_the_weight_pattern():
    out = run_example("rhw_symmetry.py", "--epochs", "3")
    assert "not solved in 3 sweeps" in out
    assert "h1: inputs x1..x6" in out and "h2: inputs x1..x6" in out
    assert "(RHW: 1:2:4)" in out


def test_two_clusters_example_prints_each_sweep():
    out = run_example("two_clusters.py", "--epochs", "2")
    assert "sweep   1" in out and "sweep   2" in out and "accuracy" in out


def test_iris_example_reports_held_out_accuracy():
    out = run_example("iris.py", "--epochs", "2")
    assert "held-out accuracy:" in out and "on 38 flowers" in out


def test_moons_example_reports_accuracy_and_draws_the_regions():
    out = run_example("moons.py", "--epochs", "2")
    assert "training accuracy after 2 steps" in out and "decision regions" in out


def test_digits_example_reports_test_accuracy():
    out = run_example("digits.py", "--epochs", "1")
    assert "test accuracy:" in out and "on 450 digits" in out


def test_digits_example_with_its_default_recipe_reaches_97_percent_in_30_epochs():
    out = run_example("digits.py")
    assert "epoch 30 " in out and "epoch 31 " not in out
    assert re.search(r"^test accuracy: 97\.3% on 450 digits \(30 epochs, [\d.]+ s\)$", out, re.MULTILINE), out

"""examples/torch_bridge.py runs from a fresh checkout: with torch it shows both directions of the
bridge; without torch it says how to install it and exits 0."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "torch_bridge.py"


def run_example(*args, env=None):
    result = subprocess.run([sys.executable, str(EXAMPLE), *args], capture_output=True, text=True, timeout=120,
                            env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_example_trains_an_exported_dag_and_imports_a_residual_mlp():
    pytest.importorskip("torch", reason="the example's bridge needs torch: pip install -e '.[torch]'")
    out = run_example("--steps", "150")
    assert "parameters ['weight_1_0', 'bias_1', 'weight_2_0', 'weight_2_1', 'bias_2']" in out
    before, after = map(float, re.search(r"mean loss ([0-9.]+) -> ([0-9.]+)", out).groups())
    assert after < before / 5
    assert float(re.search(r"net.predict equals the module to ([0-9.e+-]+)", out).group(1)) <= 1e-12
    assert "neurons: x1 x2 h1_1 h1_2 h1_3 h2_1 h2_2 h2_3 h3_1 h3_2 h3_3 o1" in out
    assert float(re.search(r"out.weight.grad to ([0-9.e+-]+)", out).group(1)) <= 1e-12
    assert "δ[h1_1] = f′(z=" in out


def test_example_without_torch_says_how_to_install_it(tmp_path):
    (tmp_path / "torch.py").write_text("raise ImportError('torch hidden for this test')\n")  # found first
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    out = run_example(env=env)
    assert 'PyTorch is not installed: pip install "neuronsim[torch]" to run this example (skipped)' in out

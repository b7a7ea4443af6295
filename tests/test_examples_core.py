"""The core examples run from a fresh checkout and print what they promise."""

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(name, *args, cwd=None):
    result = subprocess.run([sys.executable, str(EXAMPLES / name), *args], capture_output=True, text=True,
                            timeout=120, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_quickstart_prints_every_neuron_delta_and_a_passing_gradcheck():
    out = run_example("quickstart.py")
    for name in ("x1", "x2", "h1", "h2", "h3", "o1"):
        assert f"  {name} " in out
    assert "gradcheck ok" in out


def test_seed004_example_reproduces_the_notebook_deltas_exactly():
    out = run_example("seed004_deltas.py")
    rows = [line.split() for line in out.splitlines() if line.startswith("  h") or line.startswith("  o")]
    rows = [r for r in rows if len(r) == 4]
    assert [r[0] for r in rows] == ["h1", "h2", "h3", "h4", "h5", "o1", "o2", "o3"]
    assert all(float(r[3]) <= 1e-12 for r in rows)


def test_step_through_example_explains_every_neuron_and_records_deltas_per_layer():
    out = run_example("step_through.py", "--epochs", "20")
    assert out.count("δ[") >= 6 and "a[x1] = 1 (input, clamped)" in out
    assert "paused after o1: delta[h1_1] is still None" in out
    assert "running sum" in out
    table = out.split("mean |delta| per layer")[1].splitlines()[2:]
    rows = [line.split() for line in table if line.strip() and line.split()[0].isdigit()]
    assert len(rows) == 10 and all(len(r) == 4 for r in rows)

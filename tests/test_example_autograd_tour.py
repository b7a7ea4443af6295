"""examples/autograd_tour.py runs from a fresh checkout and shows what it promises."""

import subprocess
import sys
from pathlib import Path

import pytest

TOUR = Path(__file__).resolve().parent.parent / "examples" / "autograd_tour.py"


def run_tour(*args, cwd=None):
    result = subprocess.run([sys.executable, str(TOUR), *args], capture_output=True, text=True,
                            timeout=120, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def tour(tmp_path_factory):
    """The tour's output with --out, and the folder it wrote to (run once for this module)."""
    out = tmp_path_factory.mktemp("tour")
    return run_tour("--out", str(out)), out


def test_tour_walks_the_seeds_step_by_step(tour):
    text, _ = tour
    for step in ("1. The slope", "2. The chain rule", "3. = versus +=", "4. A neuron is an expression",
                 "5. The expression picture", "6. The bridge"):
        assert step in text
    assert "(f(x + h) − f(x)) / h = 14.000030" in text
    assert "with '=' the second slot overwrites the first: da = 1.0" in text
    assert "Value.backward() accumulates:                  a.grad = 2.0" in text
    assert "o = 0.707107 with the tanh operation, 0.707107 with tanh written through exp" in text


def test_tour_saves_the_expression_picture_as_png(tour):
    _, out = tour
    png = out / "neuron_expression.png"
    assert png.exists() and png.read_bytes().startswith(b"\x89PNG")


def test_tour_bridge_shows_equal_gradients(tour):
    text, _ = tour
    bridge = [line.strip() for line in text.splitlines() if line.strip().startswith("bridge:")]
    assert len(bridge) == 2
    assert all(line.startswith("bridge: expression gradients == neuron-graph gradients") for line in bridge)
    assert "gradcheck ok" in text


def test_tour_defaults_to_a_folder_in_the_current_directory_and_is_deterministic(tour, tmp_path):
    text, out = tour
    again = run_tour(cwd=tmp_path)
    assert (tmp_path / "autograd_tour_out" / "neuron_expression.png").exists()
    assert again.replace("autograd_tour_out", "OUT") == text.replace(str(out), "OUT")

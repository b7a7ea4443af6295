"""examples/watch_backprop.py writes the GIFs, the step-through pages and the README's still."""

import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "watch_backprop.py"


def test_the_example_writes_both_networks_gifs_and_pages_and_a_still(tmp_path):
    result = subprocess.run([sys.executable, str(EXAMPLE), "--out", str(tmp_path)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    for name, frames in (("iris_backprop", 22), ("dag_backprop", 24)):
        with Image.open(tmp_path / f"{name}.gif") as gif:
            assert gif.n_frames == frames, name
        page = (tmp_path / f"{name}.html").read_text(encoding="utf-8")
        assert page.count('<section class="step"') == page.count("<img ") == frames
        assert "http" not in page.lower() and len(page) < 2_000_000
        assert f"wrote {tmp_path / name}.gif" in result.stdout and f"wrote {tmp_path / name}.html" in result.stdout
    still = np.asarray(Image.open(tmp_path / "iris_backprop_frame.png").convert("RGB"), dtype=float) / 255
    assert still.std() > 0.05 and len(np.unique(still.reshape(-1, 3), axis=0)) > 50
    assert "δ[h1] = f′(z=10.2)=3.717e-05 × (w[h1→o1]=1 × δ[o1]=-4.451e-05" in result.stdout
    assert "dag: 24 frames: 8 forward steps, 8 links gathered into δ, 6 backward steps" in result.stdout

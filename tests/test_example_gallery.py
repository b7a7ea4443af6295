"""examples/gallery.py regenerates every picture of the gallery, and none is blank."""

import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

GALLERY = Path(__file__).resolve().parent.parent / "examples" / "gallery.py"
PICTURES = ["topology_dag_deltas.png", "xor_decision_boundary.png", "mirror_symmetry_hinton.png",
            "moons_loss.png", "moons_activation_maps.png", "deltas_by_layer.png"]


def test_the_gallery_writes_every_picture_with_content(tmp_path):
    result = subprocess.run([sys.executable, str(GALLERY), "--quick", "--out", str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    for name in PICTURES:
        path = tmp_path / name
        assert path.exists(), f"{name} was not written"
        pixels = np.asarray(Image.open(path).convert("RGB"), dtype=float) / 255
        assert pixels.std() > 0.05, f"{name} is blank"
        assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50, f"{name} has hardly any content"
        assert f"wrote {path}" in result.stdout

"""The README's Python examples each run as written, on their own: every ```python block in a
fresh namespace and a fresh working directory, so a reader can paste any one of them alone."""

import os
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from neuronsim import activations  # noqa: E402

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks():
    """``[(heading, code)]``: each python block of the README with the heading it sits under."""
    text = README.read_text(encoding="utf-8")
    blocks = []
    for match in re.finditer(r"```python\n(.*?)```", text, flags=re.S):
        headings = re.findall(r"^#+ (.+)$", text[:match.start()], flags=re.M)
        blocks.append((headings[-1] if headings else "top", match.group(1)))
    return blocks


BLOCKS = python_blocks()

# What each block must show, by the heading it sits under: printed text and files written.
EXPECTED = {
    "Quickstart": (["-4.4510827315210804e-05", "gradcheck ok", "tolerance", "CheckReport('arctan': ok"], []),
    "Step through backpropagation": (["a[x1] = 1 (input, clamped)", r"\delta_{\mathrm{h1}}",
                                      "mean |delta| per layer", "h1..h3"], []),
    "Pictures": ([], ["topology.png"]),
    "Fast training, files and the command line": ([], ["net.json"]),
    "Watch backprop happen": (["δ[h1] = f′(z=10.2)=3.717e-05 × ("], ["backprop.gif", "backprop.html"]),
    "A trained network is a predictor": (["setosa\n", "['setosa' 'virginica']"], ["iris.json"]),
    "The seeds' Value networks": (["loss after 100 steps: 0.0054", "True\n", "a[h1_1] = tanh("], []),
}


def test_readme_has_python_examples():
    assert len(BLOCKS) >= 4
    assert set(EXPECTED) <= {heading for heading, _ in BLOCKS}


@pytest.mark.parametrize("heading, code", BLOCKS, ids=[f"{i}-{heading}" for i, (heading, _) in enumerate(BLOCKS)])
def test_each_readme_python_block_runs_alone(heading, code, tmp_path, capsys):
    namespace = {"__name__": "__main__"}  # nothing from the test module or from another block
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        exec(compile(code, f"{README} ({heading})", "exec"), namespace)
    finally:
        os.chdir(cwd)
        plt.close("all")
        if "arctan" in activations.available():  # the quickstart registers it: leave no trace
            activations.unregister("arctan")
    out = capsys.readouterr().out
    printed, files = EXPECTED.get(heading, ([], []))
    for text in printed:
        assert text in out, f"the {heading!r} block should print {text!r}"
    for name in files:
        assert (tmp_path / name).exists(), f"the {heading!r} block should write {name}"


def test_readme_set_up_commands_match_ci():
    text = README.read_text(encoding="utf-8")
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    test_command = 'pip install -e ".[test]" && python -m pytest -q'
    assert test_command in text and test_command in ci


def test_readme_command_line_examples_run(tmp_path):
    import shlex
    import subprocess
    import sys

    text = README.read_text(encoding="utf-8")
    block = text[text.index("```bash\nneuronsim demo"):]
    block = block[len("```bash\n"):block.index("```", 8)]
    commands = []
    for line in block.splitlines():
        line = re.sub(r"\[[^\]]*\]", "", line.split("#")[0]).strip()  # drop comments and [optional] parts
        if line.startswith("neuronsim "):
            commands.append(shlex.split(line)[1:])
    assert [c[0] for c in commands] == ["demo", "train", "predict", "plot", "explain", "check"]
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(README.parent))
    printed = {}
    for args in commands:
        result = subprocess.run([sys.executable, "-m", "neuronsim", *args], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, (args, result.stderr)
        printed[args[0]] = result.stdout
    assert (tmp_path / "topo.png").exists() and (tmp_path / "iris-run" / "network.json").exists()
    assert printed["predict"].splitlines()[1].startswith("setosa,")   # the setosa row, raw, is setosa
    assert "class setosa" in printed["explain"]


def test_help_of_the_package_opens_with_a_map_of_every_module():
    import importlib
    import pkgutil
    import pydoc

    import neuronsim

    first_screen = pydoc.render_doc(neuronsim, renderer=pydoc.plaintext).splitlines()[:40]
    start = next(i for i, line in enumerate(first_screen) if "Where things are" in line)
    rows = [line.split() for line in first_screen[start + 3:]]
    rows = rows[:next(i for i, row in enumerate(rows) if row and set(row[0]) == {"="})]
    mapped = [row[0] for row in rows]
    public = sorted(m.name for m in pkgutil.iter_modules(neuronsim.__path__) if not m.name.startswith("_"))
    assert sorted(mapped) == public  # every module, and nothing else, on the first screen
    assert all(len(row) > 2 for row in rows)  # each with a line saying what it holds
    for name in mapped:
        importlib.import_module(f"neuronsim.{name}")

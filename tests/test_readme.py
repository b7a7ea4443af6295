"""The README's Python examples run as written (in order, sharing one namespace)."""

import os
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from neuronsim import activations  # noqa: E402

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_has_python_examples():
    assert len(python_blocks()) >= 4


def test_readme_python_examples_run(tmp_path, capsys):
    namespace = {}
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        for block in python_blocks():
            exec(compile(block, str(README), "exec"), namespace)
    finally:
        os.chdir(cwd)
        plt.close("all")
        if "arctan" in activations.available():  # the README registers it: leave no trace
            activations.unregister("arctan")
    out = capsys.readouterr().out
    assert "-4.4510827315210804e-05" in out
    assert "gradcheck ok" in out
    assert (tmp_path / "topology.png").exists() and (tmp_path / "net.json").exists()


def test_readme_set_up_commands_match_ci():
    text = README.read_text(encoding="utf-8")
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    test_command = 'pip install -e ".[test]" && python -m pytest -q'
    assert test_command in text and test_command in ci

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
    assert [c[0] for c in commands] == ["demo", "train", "plot", "explain", "check"]
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(README.parent))
    for args in commands:
        result = subprocess.run([sys.executable, "-m", "neuronsim", *args], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, (args, result.stderr)
    assert (tmp_path / "topo.png").exists() and (tmp_path / "iris-run" / "network.json").exists()

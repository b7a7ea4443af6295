"""The notebooks in ``examples/notebooks`` run top to bottom in a real Jupyter kernel, the way a
student runs them, and are stored without outputs.

The kernel is this interpreter (``sys.executable -m ipykernel_launcher``), described by a kernel
spec written to a temporary directory: no kernel needs to be installed, nothing is downloaded,
and no Jupyter or IPython setting of the machine is read or written. The kernel imports
neuronsim from this checkout.

Cells are marked for the checks by tags in their metadata: a cell tagged ``progress`` must show
a progress display (the notebook widget, or the in-place text bar), a cell tagged ``plot`` an
image.
"""

import json
import os
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

import neuronsim

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "examples" / "notebooks").glob("*.ipynb"))
TUTORIAL = ROOT / "examples" / "notebooks" / "backprop_by_hand.ipynb"
KERNEL = "python3"  # the kernel name stored in the notebooks: every Jupyter has one
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
TIMEOUT = 120  # seconds per cell; the tutorial runs in a few seconds


def _kernel_manager(tmp_path):
    """A kernel manager for a ``python3`` kernel that runs this interpreter."""
    kernels = tmp_path / "kernels"
    (kernels / KERNEL).mkdir(parents=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (this interpreter)", "language": "python"}
    (kernels / KERNEL / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    specs = KernelSpecManager(kernel_dirs=[str(kernels)], ensure_native_kernel=False)
    return AsyncKernelManager(kernel_name=KERNEL, kernel_spec_manager=specs,
                              connection_file=str(tmp_path / "kernel.json"))


def _kernel_env(tmp_path):
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # the kernel's own default: the inline backend
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
    env["IPYTHONDIR"] = str(tmp_path / "ipython")          # no profile written to the home
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path / "runtime")
    return env


def _run(nb, tmp_path):
    """Execute every cell of ``nb`` in place; a cell that raises fails the test."""
    work = tmp_path / "work"
    work.mkdir()
    client = NotebookClient(nb, km=_kernel_manager(tmp_path), timeout=TIMEOUT, kernel_name=KERNEL,
                            resources={"metadata": {"path": str(work)}})
    client.execute(env=_kernel_env(tmp_path))
    return nb


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """``executed(path)``: the notebook at ``path`` after a run (each notebook runs once)."""
    runs = {}

    def run(path):
        if path not in runs:
            runs[path] = _run(nbformat.read(path, as_version=4), tmp_path_factory.mktemp(path.stem))
        return runs[path]
    return run


def _tagged(nb, tag):
    return [cell for cell in nb.cells if tag in cell.metadata.get("tags", [])]


def _text_bars(cell):
    """The tqdm text bars a cell shows as display outputs."""
    return [out.data["text/plain"] for out in cell.outputs
            if out.output_type == "display_data" and "%|" in out.data.get("text/plain", "")]


def test_the_tutorial_is_among_the_notebooks():
    assert TUTORIAL in NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_is_stored_without_outputs_with_a_common_kernel_name(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == KERNEL
    assert "widgets" not in nb.metadata          # no saved widget state either
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_runs_top_to_bottom_with_progress_and_pictures(path, executed):
    nb = executed(path)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in code)
    for cell in code:  # no warning or traceback text anywhere
        assert not [out for out in cell.outputs if out.get("name") == "stderr"], cell.source[:60]
    assert _tagged(nb, "progress") and _tagged(nb, "plot")
    for cell in _tagged(nb, "progress"):
        widgets = [out for out in cell.outputs if WIDGET_VIEW in out.get("data", {})]
        assert widgets or _text_bars(cell), cell.source[:60]
    for cell in _tagged(nb, "plot"):
        assert any("image/png" in out.get("data", {}) for out in cell.outputs), cell.source[:60]


def test_the_tutorial_prints_seed_004_delta_and_shows_the_training_widget(executed):
    nb = executed(TUTORIAL)
    results = [out.data["text/plain"] for cell in nb.cells if cell.cell_type == "code"
               for out in cell.outputs if out.output_type == "execute_result"]
    assert "-4.4510827315210804e-05" in results
    (training,) = _tagged(nb, "progress")
    (widget,) = [out for out in training.outputs if WIDGET_VIEW in out.get("data", {})]
    assert widget.output_type == "display_data" and widget.data[WIDGET_VIEW]["model_id"]
    assert any("max_epochs 300 accuracy" in out.get("text", "") for out in training.outputs)


def test_without_ipywidgets_a_kernel_shows_one_text_bar_rewritten_in_place(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('import sys\nsys.modules["ipywidgets"] = None  # as if not installed'),
        nbformat.v4.new_code_cell(
            "import neuronsim\n"
            "net = neuronsim.Network.from_spec([('identity', 2), ('sigmoid', 2), ('sigmoid', 1)], seed=0)\n"
            "X, Y = neuronsim.datasets.xor()\n"
            "h = neuronsim.train(net, X, Y, loss='squared_error', optimizer='sgd', epochs=40)"),
    ], metadata={"kernelspec": {"name": KERNEL, "display_name": "Python 3", "language": "python"}})
    training = _run(nb, tmp_path).cells[1]
    (output,) = training.outputs                    # one output, not a line per update
    assert output.output_type == "display_data" and WIDGET_VIEW not in output.data
    text = output.data["text/plain"]
    assert text.startswith("training: 100%") and "40/40" in text and "loss=" in text
    assert "\n" not in text and "\r" not in text


def test_train_prints_nothing_when_stderr_is_not_a_terminal_outside_a_notebook(capfd):
    X, Y = neuronsim.datasets.xor()
    net = neuronsim.Network.from_spec([("identity", 2), ("sigmoid", 2), ("sigmoid", 1)], seed=0)
    history = neuronsim.train(net, X, Y, loss="squared_error", optimizer="sgd", epochs=5, progress=True)
    assert history.epochs == 5
    assert capfd.readouterr() == ("", "")

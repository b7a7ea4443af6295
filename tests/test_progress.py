"""Which progress display a process gets (neuronsim._progress), tested in this process with a
stand-in Jupyter shell; tests/test_notebooks.py checks the same in a real kernel."""

import importlib.machinery
import io
import sys
import types

import pytest

import neuronsim
from neuronsim import _progress
from neuronsim.errors import NeuronsimTypeError


class _Terminal(io.StringIO):
    def isatty(self):
        return True


class _Shell:
    """Stands in for IPython's shell; a Jupyter kernel's shell has a ``kernel``."""

    def __init__(self, kernel):
        self.kernel = kernel


class _Handle:
    """Stands in for IPython's DisplayHandle, recording what a display shows."""

    def __init__(self, shown, output):
        self.shown = shown
        shown.append(output["text/plain"])

    def update(self, output, raw):
        assert raw
        self.shown[-1] = output["text/plain"]


@pytest.fixture
def kernel(monkeypatch):
    """A stand-in Jupyter kernel: ``kernel`` lists what each display shows, in order."""
    ipython = pytest.importorskip("IPython")
    import IPython.display
    shown = []

    def display(output, raw, display_id):
        assert raw and display_id is True
        return _Handle(shown, output)

    monkeypatch.setattr(ipython, "get_ipython", lambda: _Shell(kernel=object()))
    monkeypatch.setattr(IPython.display, "display", display)
    return shown


def _without_ipywidgets(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)     # as if not installed


def _with_ipywidgets(monkeypatch):
    module = types.ModuleType("ipywidgets")
    module.__spec__ = importlib.machinery.ModuleSpec("ipywidgets", None)
    monkeypatch.setitem(sys.modules, "ipywidgets", module)


def _train(epochs=3, progress=True):
    X, Y = neuronsim.datasets.xor()
    net = neuronsim.Network.from_spec([("identity", 2), ("sigmoid", 2), ("sigmoid", 1)], seed=0)
    return neuronsim.train(net, X, Y, loss="squared_error", optimizer="sgd", epochs=epochs,
                           metrics=("accuracy",), progress=progress)


def test_a_pipe_or_captured_stream_gets_no_display():
    assert _progress.display_kind(io.StringIO()) is None


def test_a_terminal_gets_the_terminal_bar():
    assert _progress.display_kind(_Terminal()) == _progress.TERMINAL


def test_a_closed_stream_gets_no_display():
    stream = io.StringIO()
    stream.close()
    assert _progress.display_kind(stream) is None


def test_a_terminal_ipython_shell_is_not_a_notebook(monkeypatch):
    ipython = pytest.importorskip("IPython")
    monkeypatch.setattr(ipython, "get_ipython", lambda: _Shell(kernel=None))
    assert not _progress.in_jupyter_kernel()
    assert _progress.display_kind(_Terminal()) == _progress.TERMINAL
    assert _progress.display_kind(io.StringIO()) is None


def test_a_kernel_gets_the_widget_with_ipywidgets_and_the_text_bar_without(kernel, monkeypatch):
    _with_ipywidgets(monkeypatch)
    assert _progress.display_kind() == _progress.WIDGET
    _without_ipywidgets(monkeypatch)
    assert _progress.display_kind() == _progress.TEXT


def test_no_bar_when_disabled_whatever_the_process(monkeypatch):
    monkeypatch.setattr(sys, "stderr", _Terminal())
    assert _progress.bar(10, desc="x", unit="step", enabled=False) is None


def test_in_a_kernel_without_ipywidgets_training_rewrites_one_text_output(kernel, monkeypatch, capsys):
    _without_ipywidgets(monkeypatch)
    _train(epochs=3)
    (line,) = kernel                                  # one display, rewritten in place
    assert line.startswith("training: 100%") and "3/3" in line
    assert "loss=" in line and "accuracy=" in line
    assert capsys.readouterr() == ("", "")


def test_the_text_bar_stands_in_when_tqdms_widget_cannot_load(kernel, monkeypatch):
    _with_ipywidgets(monkeypatch)
    monkeypatch.setitem(sys.modules, "tqdm.notebook", None)   # makes the widget import fail
    _train(epochs=2)
    (line,) = kernel
    assert "2/2" in line


def test_the_text_bar_keeps_the_last_line_tqdm_draws():
    output = _progress._OutputLine()
    shown = []
    output._handle = _Handle(shown, {"text/plain": "start"})
    output.write("\rtraining:  50%|#####     | 1/2")
    output.write("\r" + " " * 40 + "\r")        # tqdm clearing its line: nothing new to show
    output.write("\n")
    assert shown == ["training:  50%|#####     | 1/2"]


def test_progress_must_be_true_or_false():
    with pytest.raises(NeuronsimTypeError, match=r"progress must be True or False, got str 'yes'"):
        _train(epochs=1, progress="yes")


def test_building_and_compiling_a_big_network_show_one_text_bar_each(kernel, monkeypatch):
    _without_ipywidgets(monkeypatch)
    monkeypatch.setattr(_progress, "BIG_NETWORK", 50)          # "big" from 50 links on, for the test
    net = neuronsim.Network.from_spec([("identity", 10), ("tanh", 8), ("sigmoid", 2)], seed=0)
    net.compile()
    assert len(kernel) == 2
    assert kernel[0].startswith("building: 100%") and "96/96" in kernel[0]
    assert kernel[1].startswith("compiling: 100%") and "96/96" in kernel[1]


def test_a_network_built_with_a_bar_is_the_one_built_without(kernel, monkeypatch):
    _without_ipywidgets(monkeypatch)
    spec = [("identity", 6), ("tanh", 5), ("sigmoid", 3)]
    quiet = neuronsim.Network.from_spec(spec, seed=3)
    monkeypatch.setattr(_progress, "BIG_NETWORK", 1)
    shown = neuronsim.Network.from_spec(spec, seed=3)
    assert kernel and kernel[0].startswith("building: 100%")
    assert list(shown.graph.edges(data=True)) == list(quiet.graph.edges(data=True))
    assert shown.parameters() == quiet.parameters()


def test_small_networks_and_pipes_show_no_bar(kernel, monkeypatch, capsys):
    _without_ipywidgets(monkeypatch)
    neuronsim.Network.from_spec([("identity", 10), ("tanh", 8), ("sigmoid", 2)], seed=0).compile()
    assert kernel == []                                          # under BIG_NETWORK links
    monkeypatch.setattr(_progress, "BIG_NETWORK", 1)
    monkeypatch.setattr(_progress, "in_jupyter_kernel", lambda: False)  # a pipe: pytest's capture
    neuronsim.Network.from_spec([("identity", 10), ("tanh", 8), ("sigmoid", 2)], seed=0).compile()
    assert kernel == [] and capsys.readouterr() == ("", "")

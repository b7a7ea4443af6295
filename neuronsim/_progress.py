"""Progress display for long operations: which kind fits this process, and the bar (private).

One decision, shared by every long operation (training, building a network of
:data:`BIG_NETWORK` links or more from a layered spec, compiling one):

- in a Jupyter kernel with ipywidgets: tqdm's notebook widget;
- in a Jupyter kernel without ipywidgets: a text bar in a single output that is rewritten in
  place (never one line per update);
- with standard error a terminal: tqdm's terminal bar;
- anywhere else (a pipe, a log file, CI, pytest's capture): nothing.

tqdm is optional at run time: without it there is no bar anywhere. Every bar returned has the
tqdm methods ``update``, ``set_postfix`` and ``close``.
"""

import importlib.util
import sys

WIDGET = "widget"
TEXT = "text"
TERMINAL = "terminal"

BIG_NETWORK = 200_000
"""Links from which building a network from a spec and compiling it show a bar (a smaller
network takes well under a second)."""


def display_kind(stream=None):
    """The progress display that fits this process: WIDGET, TEXT, TERMINAL or None.

    ``stream`` is where a terminal bar would be written (default: standard error).
    """
    if in_jupyter_kernel():
        return WIDGET if _has_ipywidgets() else TEXT
    isatty = getattr(sys.stderr if stream is None else stream, "isatty", None)
    try:
        return TERMINAL if isatty is not None and isatty() else None
    except (ValueError, OSError):  # a closed or detached stream
        return None


def in_jupyter_kernel():
    """True inside a Jupyter kernel (a notebook, JupyterLab, VS Code, Colab), False elsewhere,
    including a terminal IPython shell. IPython is never imported here: a kernel has done so."""
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    if get_ipython is None:
        return False
    try:
        shell = get_ipython()
    except Exception:  # an IPython in a broken state is not a kernel we can draw in
        return False
    return getattr(shell, "kernel", None) is not None


def _has_ipywidgets():
    try:
        return importlib.util.find_spec("ipywidgets") is not None
    except (ImportError, ValueError):  # a broken install, or a module set to None in sys.modules
        return False


def bar(total, *, desc, unit, enabled=True):
    """A progress bar suited to this process (see the module documentation), or None.

    Parameters
    ----------
    total : int
        The number of steps the bar counts to.
    desc, unit : str
        The label before the bar and the name of one step ("training", "epoch").
    enabled : bool
        False gives None: no bar whatever the process.
    """
    if not enabled:
        return None
    kind = display_kind()
    if kind is None:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    if kind == WIDGET:
        try:
            from tqdm.notebook import tqdm as notebook_tqdm
            return notebook_tqdm(total=total, desc=desc, unit=unit)
        except ImportError:  # an ipywidgets that tqdm's widget cannot use: the text bar instead
            kind = TEXT
    if kind == TEXT:
        # no width: a 10-character bar and the whole postfix (a notebook output has no columns)
        return tqdm(total=total, desc=desc, unit=unit, file=_OutputLine())
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True)


class _OutputLine:
    """A file for tqdm that shows its latest line as one notebook output, rewritten in place.

    tqdm redraws by writing ``"\\r" + line`` (padded with spaces) and ends with ``"\\n"``; the
    first line shown creates a display with an id, and each later one updates that display.
    """

    encoding = "utf-8"  # lets tqdm draw with block characters

    def __init__(self):
        self._handle = None
        self._shown = None

    def write(self, text):
        lines = [piece.strip() for piece in text.split("\r")]
        lines = [line for line in lines if line]
        if not lines or lines[-1] == self._shown:
            return
        self._shown = lines[-1]
        output = {"text/plain": self._shown}
        if self._handle is None:
            from IPython.display import display
            self._handle = display(output, raw=True, display_id=True)
        else:
            self._handle.update(output, raw=True)

    def flush(self):
        pass

"""HTML tables of a network's and a neuron's state, for notebooks and pages (private).

:func:`state_table` is the neurons' z, a, δ and bias as an HTML table, cut at ``max_rows`` rows
like ``print(net)``; :func:`neuron_html` is ``Neuron._repr_html_``. The network's own view, with
a picture, is :func:`neuronsim.plot.html.network_html` (it draws, so it lives with the plots).

Every name written goes through :func:`html.escape`: a neuron's name is user data.
"""

import html

from ._checks import shown
from .errors import NeuronsimError, NeuronsimTypeError

__all__ = ["state_table", "neuron_html", "names_text", "io_names", "STYLE", "MAX_ROWS"]

MAX_ROWS = 40
"""Neuron rows shown by default, as ``print(net)`` shows."""

STYLE = ("<style>.neuronsim-table{border-collapse:collapse;font-size:12px;font-family:monospace}"
         ".neuronsim-table th,.neuronsim-table td{padding:1px 8px;text-align:right;border-bottom:1px solid #ddd}"
         ".neuronsim-table th:first-child,.neuronsim-table td:first-child,.neuronsim-table td.act"
         "{text-align:left}.neuronsim-caption{font-family:sans-serif;font-size:13px;margin:4px 0}</style>")
"""The tables' CSS, scoped to their classes."""


def _cell(value, precision):
    return "-" if value is None else f"{value:.{precision}g}"


def io_names(net):
    """(input names, output names), or (None, None) when the network has no inputs or outputs."""
    try:
        return [n.name for n in net.inputs], [n.name for n in net.outputs]
    except NeuronsimError:
        return None, None


def names_text(names, limit=8):
    """The first ``limit`` names joined by commas, then how many more there are."""
    text = ", ".join(names[:limit])
    return text + (f", … {len(names) - limit} more" if len(names) > limit else "")


def state_table(net, *, precision=4, max_rows=MAX_ROWS):
    """An HTML ``<table>`` of every neuron's activation, z, a, δ and bias (inputs: no bias).

    Rows beyond ``max_rows`` are summarised in a last row, as :func:`neuronsim.explain.summary`
    does (``max_rows=None`` lists all).
    """
    if max_rows is not None and (isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1):
        raise NeuronsimTypeError(f"max_rows must be None or a positive integer, got {shown(max_rows)}")
    inputs, _ = io_names(net)
    inputs = set(inputs or ())
    neurons = net.neurons
    limit = len(neurons) if max_rows is None else max_rows
    head = "".join(f"<th>{h}</th>" for h in ("neuron", "activation", "z", "a", "δ", "bias"))
    rows = []
    for n in neurons[:limit]:
        clamped = n.name in inputs
        values = (n.z, n.a, n.delta, None if clamped else n.bias)
        rows.append(f"<tr><td>{html.escape(n.name)}</td><td class=\"act\">{html.escape(n.activation.name)}"
                    f"{' (input)' if clamped else ''}</td>"
                    + "".join(f"<td>{_cell(v, precision)}</td>" for v in values) + "</tr>")
    if len(neurons) > limit:
        rows.append(f"<tr><td colspan=\"6\">… {len(neurons) - limit} more neurons "
                    "(net.summary(max_rows=None) lists all)</td></tr>")
    return f"<table class=\"neuronsim-table\"><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def neuron_html(neuron, *, precision=4, limit=8):
    """``Neuron._repr_html_``: one row of the neuron's state and its links (at most ``limit``
    names each way)."""
    upstream = [n.name for n, _ in neuron.upstream]
    downstream = [n.name for n, _ in neuron.downstream]
    head = "".join(f"<th>{h}</th>" for h in ("neuron", "activation", "z", "a", "δ", "bias", "∂C/∂b"))
    values = (neuron.z, neuron.a, neuron.delta, neuron.bias, neuron.bias_grad)
    row = (f"<tr><td>{html.escape(neuron.name)}</td><td class=\"act\">{html.escape(neuron.activation.name)}</td>"
           + "".join(f"<td>{_cell(v, precision)}</td>" for v in values) + "</tr>")
    links = (f"from: {html.escape(names_text(upstream, limit)) or '(none)'}; "
             f"to: {html.escape(names_text(downstream, limit)) or '(none)'}")
    return (f"<div class=\"neuronsim-neuron\">{STYLE}<table class=\"neuronsim-table\"><thead><tr>{head}</tr>"
            f"</thead><tbody>{row}</tbody></table><p class=\"neuronsim-caption\">{links}</p></div>")

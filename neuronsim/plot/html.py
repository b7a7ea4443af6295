"""The network in HTML: a small inline SVG of its topology above a table of its state.

:func:`network_html` is what ``Network._repr_html_`` shows in a notebook (``Network`` imports
this module only when a notebook asks, so importing neuronsim never imports matplotlib). The
picture is :func:`~neuronsim.plot.topology` itself, saved as SVG with its text kept as text;
above :data:`PICTURE_LIMIT` neurons or :data:`PICTURE_EDGE_LIMIT` links there is no picture (it
would be slow to draw and unreadable at notebook size) and the caption says so. The table is cut
at 40 neuron rows, as ``print(net)`` cuts its own.
"""

import html
import io
import re

import numpy as np

from .._html import MAX_ROWS, STYLE, io_names, names_text, state_table
from ..errors import NeuronsimError
from . import _checks
from .layout import layered_layout
from .topology import topology

__all__ = ["network_html", "topology_svg", "PICTURE_LIMIT", "PICTURE_EDGE_LIMIT"]

PICTURE_LIMIT = 300
"""Above this many neurons :func:`network_html` draws no picture (the table is still shown)."""
PICTURE_EDGE_LIMIT = 3000
"""Above this many links :func:`network_html` draws no picture."""


def _colouring(net):
    """What the picture colours neurons by: δ after a backward pass, else a after a forward
    pass, else nothing."""
    try:
        inputs = set(net.inputs)
    except NeuronsimError:
        return None
    inner = [n for n in net.neurons if n not in inputs]
    if inner and all(n.delta is not None for n in inner):
        return "delta"
    if all(n.a is not None for n in net.neurons):
        return "activation"
    return None


def topology_svg(net):
    """The network's topology as an inline ``<svg>`` element, or '' when it cannot be drawn.

    Drawn by :func:`~neuronsim.plot.topology` (layered layout, neurons coloured by δ after a
    backward pass, else by activation after a forward pass), on a figure sized to the network
    and never registered with pyplot (nothing is left open). The text stays text; the XML
    prologue and the metadata block are left out, so the element can be pasted into a page.

    Parameters
    ----------
    net : Network

    Returns
    -------
    str
        The ``<svg>`` element, or '' when the network cannot be drawn (no neurons, or no
        inputs yet).

    Raises
    ------
    NeuronsimTypeError
        ``net`` is not a Network.

    Examples
    --------
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 2), ("sigmoid", 1)], init="constant")
    >>> svg = topology_svg(net)
    >>> svg.startswith("<svg"), svg.rstrip().endswith("</svg>"), "<metadata>" in svg
    (True, True, False)
    """
    import matplotlib
    from matplotlib.figure import Figure

    _checks.network(net, "topology_svg()")
    try:
        positions = layered_layout(net)
    except NeuronsimError:
        return ""
    if not positions:
        return ""
    xs = np.array([x for x, _ in positions.values()])
    columns = len(np.unique(xs))
    rows = max(int(np.sum(xs == x)) for x in np.unique(xs))
    colour = _colouring(net)
    width = float(np.clip(1.3 * columns + (2.2 if colour else 1.0), 3.0, 8.0))
    height = float(np.clip(0.42 * rows + 0.7, 1.8, 5.0))
    fig = Figure(figsize=(width, height))
    right = 1 - (1.15 if colour else 0.1) / width  # room for the two colorbars and their labels
    fig.subplots_adjust(left=0.02, right=right, bottom=0.03, top=0.97)
    ax = fig.add_subplot()
    try:
        topology(net, ax=ax, node_color=colour, colorbar=colour is not None)
    except NeuronsimError:  # e.g. no inputs yet: the table still says what there is
        return ""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.find("<svg"):]
    return re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)


def network_html(net, *, max_rows=MAX_ROWS, picture=True):
    """A network as HTML: a caption, a small SVG of its topology and a table of its state.

    This is ``Network._repr_html_``, what a notebook shows for a network.

    Parameters
    ----------
    net : Network
    max_rows : int or None, default 40
        Neuron rows of the table (None: all); the rest are counted in a last row.
    picture : bool, default True
        Draw the topology (never above :data:`PICTURE_LIMIT` neurons or
        :data:`PICTURE_EDGE_LIMIT` links).

    Returns
    -------
    str

    Examples
    --------
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 2), ("sigmoid", 1)], init="constant")
    >>> _ = net.forward([1.0, 2.0])
    >>> page = network_html(net)
    >>> "<svg" in page, "neurons coloured by activation a" in page, page.count("<tr>")
    (True, True, 4)
    """
    _checks.network(net, "network_html()")
    inputs, outputs = io_names(net)
    n_neurons, n_edges = len(net), net.graph.number_of_edges()
    caption = f"<b>Network</b>: {n_neurons} neurons, {n_edges} edges"
    if inputs is not None:
        caption += f"; inputs: {html.escape(names_text(inputs))}; outputs: {html.escape(names_text(outputs))}"
    svg = ""
    if picture and 0 < n_neurons <= PICTURE_LIMIT and n_edges <= PICTURE_EDGE_LIMIT:
        svg = topology_svg(net)
        colour = _colouring(net) if svg else None
        if colour:
            caption += f"; neurons coloured by {'δ' if colour == 'delta' else 'activation a'}"
    elif picture and n_neurons:
        caption += (f" (no picture above {PICTURE_LIMIT} neurons or {PICTURE_EDGE_LIMIT} links: "
                    "draw one with neuronsim.plot.topology)")
    body = f"<div>{svg}</div>" if svg else ""
    table = state_table(net, max_rows=max_rows) if n_neurons else ""
    return (f"<div class=\"neuronsim-network\">{STYLE}<p class=\"neuronsim-caption\">{caption}</p>"
            f"{body}{table}</div>")

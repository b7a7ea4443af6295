"""Draw a :class:`~neuronsim.autograd.Value` expression as seed 002 pictured it.

Each Value is a record box ``label | data 1.2345 | grad 0.5000`` and each operation a small
circle holding its symbol, with arrows from operands to operation to result, left to right.
Columns are topological generations of :meth:`Value.to_networkx`'s graph (a leaf is moved next
to its first use, as graphviz would place it), rows are ordered to keep arrows short. Only
matplotlib and networkx are used: no graphviz.
"""

from collections import defaultdict

import networkx as nx

from ..autograd import Value
from ..errors import NeuronsimError, NeuronsimTypeError
from . import _checks

__all__ = ["expression"]

# op string of Value -> the symbol in its circle ("**p" is written as a power, below)
_SYMBOLS = {"+": "+", "-": "−", "*": "×", "/": "÷", "neg": "−x", "abs": "|x|"}

# rankdir -> (sign of the flow axis, flow runs along x?, tail anchor, head anchor) where the
# anchors are fractions of the source's and the destination's drawn boxes
_DIRECTIONS = {
    "LR": (1.0, True, (1.0, 0.5), (0.0, 0.5)),
    "RL": (-1.0, True, (0.0, 0.5), (1.0, 0.5)),
    "TB": (-1.0, False, (0.5, 0.0), (0.5, 1.0)),
    "BT": (1.0, False, (0.5, 1.0), (0.5, 0.0)),
}

_LEAF_COLOUR, _VALUE_COLOUR, _ROOT_COLOUR, _OP_COLOUR = "#dbe9f6", "#f5f5f5", "#fde0c5", "#fff2b3"
_GAP = 0.35  # inches between neighbouring columns (rows) of boxes


def expression(value, ax=None, *, rankdir="LR", show_grad=True, fontsize=8):
    """Draw the expression graph of `value`: records for values, circles for operations.

    Parameters
    ----------
    value : Value
        The root of the expression (usually a loss after ``backward()``).
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure sized to the expression (one data unit is
        one inch there).
    rankdir : {"LR", "RL", "TB", "BT"}, default "LR"
        The direction data flows in, as graphviz's ``rankdir``.
    show_grad : bool, default True
        Write each Value's ``grad`` in its record.
    fontsize : float, default 8

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on: one text artist with a square box per Value (gid ``"value:i"``),
        one with a circle per operation (gid ``"op:i"``), ``i`` the index of
        :meth:`Value.to_networkx`'s nodes, and an arrow per operand (gid ``"edge"``).

    Raises
    ------
    NeuronsimTypeError
        `value` is not a Value.
    NeuronsimError
        An unknown `rankdir`.

    Notes
    -----
    Positions are laid out in inches for the text size; on an Axes of your own, make its
    figure big enough (about 2.5 inches per column of values) or the boxes overlap.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from neuronsim.autograd import Value
    >>> a, b = Value(2.0, "a"), Value(-3.0, "b")
    >>> L = a * b + a; L.label = "L"; L.backward()
    >>> ax = expression(L, ax=Figure().subplots())
    >>> sorted(t.get_text() for t in ax.texts if t.get_gid().startswith("value:"))
    ['L | data -4.0000 | grad 1.0000', 'a | data 2.0000 | grad -2.0000', ...]
    >>> [t.get_text() for t in ax.texts if t.get_gid().startswith("op:")]
    ['×', '+']
    """
    _checks.axes(ax)
    if not isinstance(value, Value):
        raise NeuronsimTypeError(f"expression() draws a Value, got {type(value).__name__}")
    if rankdir not in _DIRECTIONS:
        raise NeuronsimError(f"unknown rankdir {rankdir!r}; known: {', '.join(_DIRECTIONS)}")
    sign, along_x, tail, head = _DIRECTIONS[rankdir]
    G = value.to_networkx()
    texts = {node: _text_of(data, show_grad) for node, data in G.nodes(data=True)}
    rank = _ranks(G)
    slot = _slots(G, rank)

    # Sizes in inches, from the text: monospace glyphs are about 0.6 em wide.
    em = fontsize / 72.0
    pad = 0.4 * em
    width = {node: 0.6 * em * len(text) + 2 * pad for node, text in texts.items()}
    height = 1.2 * em + 2 * pad
    n_ranks = max(rank.values()) + 1
    if along_x:  # flow along x: columns as wide as their widest box, rows one box high
        size = [max((width[n] for n in G if rank[n] == r), default=0.0) for r in range(n_ranks)]
        spacing = height + 0.25 * _GAP
    else:  # flow along y: rows one box high, boxes side by side as wide as the widest
        size = [height] * n_ranks
        spacing = max(width.values()) + 0.25 * _GAP
    centre, position = [], 0.0
    for r in range(n_ranks):
        position += (size[r - 1] / 2 + _GAP + size[r] / 2) if r else 0.0
        centre.append(position)
    xy = {}
    for node in G:
        flow, across = sign * centre[rank[node]], -slot[node] * spacing
        xy[node] = (flow, across) if along_x else (-across, flow)

    half_w = {n: (width[n] if along_x else max(width.values())) / 2 for n in G}
    xs = [xy[n][0] + s * half_w[n] for n in G for s in (-1, 1)]
    ys = [xy[n][1] + s * height / 2 for n in G for s in (-1, 1)]
    margin = 0.15
    if ax is None:
        import matplotlib.pyplot as plt

        w, h = max(xs) - min(xs) + 2 * margin, max(ys) - min(ys) + 2 * margin
        fig = plt.figure(figsize=(min(w, 60.0), min(h, 60.0)))
        ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))

    root = G.graph["root"]
    artists = {}
    for node, data in G.nodes(data=True):
        if data["kind"] == "value":
            colour = _ROOT_COLOUR if node == root else (_VALUE_COLOUR if data["op"] else _LEAF_COLOUR)
            box = dict(boxstyle="square,pad=0.4", facecolor=colour, edgecolor="0.2", linewidth=0.8)
        else:
            box = dict(boxstyle="circle,pad=0.3", facecolor=_OP_COLOUR, edgecolor="0.2", linewidth=0.8)
        artists[node] = ax.text(*xy[node], texts[node], ha="center", va="center", fontsize=fontsize,
                                family="monospace", bbox=box, zorder=3, gid=f"{node[0]}:{node[1]}")
    for u, v, data in G.edges(data=True):
        repeats = len(data.get("positions", (0,)))  # a * a: one arrow per operand slot
        # an arrow skipping columns bows out, rather than running under the boxes between
        skip = 0.25 if rank[v] - rank[u] > 1 else 0.0
        for k in range(repeats):
            bend = skip + (0.0 if repeats == 1 else 0.3 * (k - (repeats - 1) / 2))
            ax.annotate("", xy=head, xycoords=_drawn_box(artists[v]),
                        xytext=tail, textcoords=_drawn_box(artists[u]),
                        arrowprops=dict(arrowstyle="-|>", color="0.3", linewidth=0.8, shrinkA=0,
                                        shrinkB=0, connectionstyle=f"arc3,rad={bend}"),
                        zorder=2, gid="edge")
    ax.set_xlim(min(xs) - margin, max(xs) + margin)
    ax.set_ylim(min(ys) - margin, max(ys) + margin)
    ax.set_axis_off()
    return ax


def _text_of(data, show_grad):
    """The record of a value node, or the symbol of an op node."""
    if data["kind"] == "op":
        op = data["op"]
        return "x^" + op[2:] if op.startswith("**") else _SYMBOLS.get(op, op)
    fields = [data["label"]] if data["label"] else []
    fields.append(f"data {data['data']:.4f}")
    if show_grad:
        fields.append(f"grad {data['grad']:.4f}")
    return " | ".join(fields)


def _ranks(G):
    """Column of each node: its topological generation; a leaf sits just before its first use."""
    rank = {}
    for r, generation in enumerate(nx.topological_generations(G)):
        for node in generation:
            rank[node] = r
    for node in G:
        if G.in_degree(node) == 0 and G.out_degree(node):
            rank[node] = min(rank[s] for s in G.successors(node)) - 1
    low = min(rank.values())
    return {node: r - low for node, r in rank.items()}


def _slots(G, rank, sweeps=4):
    """Centred row of each node within its column.

    Barycentre ordering: sweeping the columns forwards, each node moves to the mean row of
    its operands, then backwards to the mean row of its users, which keeps arrows short and
    crossings few.
    """
    columns = defaultdict(list)
    for node in sorted(G, key=lambda n: (n[1], n[0] == "value")):  # start in expression order
        columns[rank[node]].append(node)
    slot = {}
    for column in columns.values():
        slot.update((node, i - (len(column) - 1) / 2) for i, node in enumerate(column))
    for sweep in range(sweeps):
        forward = sweep % 2 == 0
        neighbours = G.predecessors if forward else G.successors
        for r in sorted(columns, reverse=not forward):
            column = columns[r]

            def barycentre(node):
                rows = [slot[m] for m in neighbours(node)]
                return sum(rows) / len(rows) if rows else slot[node]

            column.sort(key=barycentre)
            slot.update((node, i - (len(column) - 1) / 2) for i, node in enumerate(column))
    return slot


def _drawn_box(text):
    """Annotation coordinates in fractions of `text`'s box as drawn (its padded frame)."""

    def extent(renderer):
        text.update_bbox_position_size(renderer)
        return text.get_bbox_patch().get_window_extent(renderer)

    return extent

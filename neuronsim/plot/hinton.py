"""Hinton diagrams: weights as squares, in the style of Rumelhart, Hinton & Williams (1986).

Each weight is a square whose **area** is proportional to its magnitude; **white squares are
positive weights, black squares negative**, on a grey background, as in the figures of RHW 1986
(e.g. the mirror-symmetry network of their Fig. 1). A row is a destination neuron, a column a
source neuron, and a last column holds each destination's bias (a weight from a unit that is
always on). A missing link is an empty cell.
"""

import numpy as np
from matplotlib.collections import PatchCollection
from matplotlib.patches import Patch, Rectangle

from ..errors import NeuronsimError, ShapeError
from . import _checks
from .._checks import neuron_names

__all__ = ["hinton", "weight_matrix"]

POSITIVE, NEGATIVE, BACKGROUND = "white", "black", "#8c8c8c"
GRID = "#7a7a7a"


def weight_matrix(net, src_group=None, dst_group=None, *, bias=True):
    """The weights from ``src_group`` into ``dst_group`` as a matrix (NaN where no link).

    Parameters
    ----------
    net : Network
    src_group, dst_group : list of str, optional
        Defaults: every neuron that is not an input (``dst_group``); every neuron with a link
        into ``dst_group`` (``src_group``), both in topological order.
    bias : bool, default True
        Append each destination's bias as a last column.

    Returns
    -------
    matrix : ndarray, shape (len(dst_group), len(src_group) [+ 1])
    src_group, dst_group : list of str

    Examples
    --------
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 2), ("sigmoid", 1)], init="constant")
    >>> W, src, dst = weight_matrix(net)
    >>> W.tolist(), src, dst
    ([[1.0, 1.0, 0.0]], ['x1', 'x2'], ['o1'])
    """
    order = [n.name for n in net.neurons]
    if dst_group is None:
        inputs = {n.name for n in net.inputs}
        dst_group = [name for name in order if name not in inputs]
    dst_group = _group(net, dst_group, "dst_group")
    if src_group is None:
        feeding = {src for dst in dst_group for src in net.graph.predecessors(dst)}
        src_group = [name for name in order if name in feeding]
    src_group = _group(net, src_group, "src_group")
    adjacency = net.graph.succ
    matrix = np.full((len(dst_group), len(src_group) + (1 if bias else 0)), np.nan)
    for i, dst in enumerate(dst_group):
        for j, src in enumerate(src_group):
            if dst in adjacency[src]:
                matrix[i, j] = adjacency[src][dst]["weight"]
        if bias:
            matrix[i, -1] = net[dst].bias
    return matrix, src_group, dst_group


def hinton(net_or_matrix, src_group=None, dst_group=None, ax=None, *, max_weight=None, show_bias=True,
           src_labels=None, dst_labels=None, legend=True):
    """Draw a Hinton diagram: square area ∝ |w|, white positive, black negative (RHW 1986).

    Parameters
    ----------
    net_or_matrix : Network or array_like, shape (rows, cols)
        A network (with the groups below), or a weight matrix, rows = destinations, columns =
        sources, NaN for a missing link.
    src_group, dst_group : list of str, optional
        Source (column) and destination (row) neurons; see :func:`weight_matrix` for defaults.
    ax : matplotlib.axes.Axes, optional
    max_weight : float, optional
        The |w| that fills a whole cell (default: the largest |w| drawn); fix it to compare
        diagrams.
    show_bias : bool, default True
        A last column with each destination's bias (networks only), set apart by a line.
    src_labels, dst_labels : list of str, optional
        Tick labels for a matrix (default "0", "1", ...).
    legend : bool, default True
        Explain the colours and the scale beside the diagram.

    Returns
    -------
    matplotlib.axes.Axes
        With ``ax.neuronsim_artists``: ``"squares"``, a PatchCollection with one square per
        weight drawn, and ``"cells"``, the ``(row, column, weight)`` of each square in order.

    Raises
    ------
    ShapeError
        A matrix that is not 2-D, or label counts that do not match it.
    TopologyError
        Unknown or repeated neuron names in a group.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 2), ("sigmoid", 1)], seed=0)
    >>> ax = hinton(net, ["x1", "x2", "h1", "h2"], ["h1", "h2", "o1"])
    >>> len(ax.neuronsim_artists["cells"])          # 6 weights + 3 biases; no x -> o links
    9
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['x1', 'x2', 'h1', 'h2', 'bias']
    """
    _checks.axes(ax)
    if hasattr(net_or_matrix, "graph"):
        matrix, sources, destinations = weight_matrix(net_or_matrix, src_group, dst_group, bias=show_bias)
        columns = sources + (["bias"] if show_bias else [])
        rows = destinations
        bias_column = show_bias
    else:
        try:
            matrix = np.array(net_or_matrix, dtype=float)
        except (TypeError, ValueError):
            raise ShapeError("hinton() takes a Network or a 2-D numeric weight matrix") from None
        if matrix.ndim != 2:
            raise ShapeError(f"hinton(): a weight matrix must be 2-D, got shape {matrix.shape}")
        columns = [str(j) for j in range(matrix.shape[1])] if src_labels is None else list(src_labels)
        rows = [str(i) for i in range(matrix.shape[0])] if dst_labels is None else list(dst_labels)
        if len(columns) != matrix.shape[1] or len(rows) != matrix.shape[0]:
            raise ShapeError(f"hinton(): {len(rows)} row and {len(columns)} column labels for a "
                             f"{matrix.shape[0]}×{matrix.shape[1]} matrix")
        bias_column = False
    present = np.isfinite(matrix)
    if max_weight is None:
        max_weight = float(np.abs(matrix[present]).max()) if present.any() else 1.0
    max_weight = max_weight if max_weight > 0 else 1.0

    if ax is None:
        import matplotlib.pyplot as plt

        width = float(np.clip(0.42 * matrix.shape[1] + 2.6, 3.5, 14.0))
        height = float(np.clip(0.42 * matrix.shape[0] + 1.4, 2.0, 12.0))
        ax = plt.figure(figsize=(width, height), layout="constrained").add_subplot()

    squares, cells, colours = [], [], []
    for i, j in zip(*np.nonzero(present)):
        w = matrix[i, j]
        # area ∝ |w|: the side grows with the square root, a full cell at max_weight
        side = 0.92 * min(np.sqrt(abs(w) / max_weight), 1.0)
        x, y = j, len(rows) - 1 - i  # first destination at the top
        squares.append(Rectangle((x - side / 2, y - side / 2), side, side))
        colours.append(POSITIVE if w > 0 else NEGATIVE)
        cells.append((rows[i], columns[j], float(w)))
    collection = PatchCollection(squares, facecolors=colours, edgecolors="none", zorder=2)
    collection.set_gid("neuronsim-hinton")
    ax.add_collection(collection)

    ax.set_facecolor(BACKGROUND)
    ax.set_xlim(-0.5, matrix.shape[1] - 0.5)
    ax.set_ylim(-0.5, matrix.shape[0] - 0.5)
    ax.set_aspect("equal")
    crowded = max(map(len, columns), default=0) > 4 or len(columns) > 16
    ax.set_xticks(range(matrix.shape[1]), columns, rotation=90 if crowded else 0)
    ax.set_yticks(range(matrix.shape[0]), rows[::-1])
    ax.xaxis.tick_top()
    ax.tick_params(length=0, labelsize=9)
    # hairlines between cells, so an empty cell (no link) reads as a place
    ax.set_xticks(np.arange(-0.5, matrix.shape[1]), minor=True)
    ax.set_yticks(np.arange(-0.5, matrix.shape[0]), minor=True)
    ax.grid(which="minor", color=GRID, linewidth=0.6)
    ax.tick_params(which="minor", length=0)
    if bias_column:
        ax.axvline(matrix.shape[1] - 1.5, color="#303030", linewidth=1.5, zorder=3)
    ax.set_xlabel("from", fontsize=9)
    ax.xaxis.set_label_position("top")
    ax.set_ylabel("to", fontsize=9)
    if legend:
        handles = [Patch(facecolor=POSITIVE, edgecolor="#505050", label="positive"),
                   Patch(facecolor=NEGATIVE, edgecolor="#505050", label="negative")]
        ax.legend(handles=handles, title=f"area ∝ |w|\nfull cell: {max_weight:.3g}", fontsize=8,
                  title_fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0,
                  facecolor=BACKGROUND, framealpha=1.0)
    ax.neuronsim_artists = {"squares": collection, "cells": cells}
    return ax


def _group(net, names, what):
    names = neuron_names(net, names, f"hinton: {what}")
    if not names:
        raise NeuronsimError(f"hinton: {what} is empty")
    return names

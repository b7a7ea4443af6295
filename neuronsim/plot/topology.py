"""The picture of a network: neurons as discs, links as lines whose width and colour are the weights.

:func:`topology` reads everything from the network's graph: positions from the layered layout
(:mod:`neuronsim.plot.layout`) or a networkx layout, node colours from each neuron's activation,
δ or bias, edge colours from each link's weight or gradient. It draws with three kinds of
artist so that thousands of links stay fast: one :class:`~matplotlib.collections.LineCollection`
for straight links, one :class:`~matplotlib.collections.PathCollection` of Bézier arcs for links
that skip columns, and one ``scatter`` for the neurons.

What was drawn is recorded on the Axes as ``ax.neuronsim_artists`` (see :func:`topology`), and
:func:`drawn_edges` reads back the colour and width given to each link. Networks of hundreds of
links stay readable: weak links are thin and faint under the strong ones, and ``min_weight``
leaves out the links weaker than a threshold.
"""

import networkx as nx
import numpy as np
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import Normalize, to_rgba

from .._checks import finite_float, shown
from ..errors import NeuronsimError, NeuronsimTypeError, TopologyError, ValueRangeError
from .layout import layered_layout, skip_arcs
from . import _checks

__all__ = ["topology", "drawn_edges", "NODE_QUANTITIES", "EDGE_QUANTITIES"]

# node_color -> (neuron attribute, colour map, colorbar label, centred on zero?)
# Activations are magnitudes on a sequential map; δ and bias are signed, so diverging maps
# centred on 0, chosen unlike the edges' blue-red so nodes and links never read alike.
NODE_QUANTITIES = {
    "activation": ("a", "viridis", "activation a", False),
    "delta": ("delta", "PuOr", "δ = ∂C/∂z", True),
    "bias": ("bias", "PiYG", "bias b", True),
}
# edge_color -> (edge attribute, colorbar label); both signed: coolwarm centred on 0, whose
# light-grey middle keeps weights near zero visible on white.
EDGE_QUANTITIES = {"weight": ("weight", "weight w"), "grad": ("grad", "gradient ∂C/∂w")}
EDGE_CMAP = "coolwarm"
NO_VALUE_COLOUR = "#c8c8c8"  # a neuron whose value is not computed yet (z, a, δ are None)
LABEL_LIMIT = 150            # above this many neurons names are dropped
INSIDE_LABEL_DIAMETER = 15   # points: smaller discs get their names beside them, if at all
FADED = 0.2                  # alpha of what a highlight pushes into the background
_NX_LAYOUTS = ("spring", "kamada_kawai", "circular", "shell", "spectral", "random", "planar")


def topology(net, ax=None, *, layout="layered", node_color="activation", edge_color="weight",
             labels=True, values=False, highlight=None, colorbar=True, node_cmap=None,
             edge_cmap=EDGE_CMAP, node_limits=None, edge_limit=None, min_weight=0.0, seed=0):
    """Draw a network: neurons coloured by a quantity, links sized and coloured by weight.

    Parameters
    ----------
    net : Network
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure sized to the network.
    layout : str, dict or callable, default "layered"
        ``"layered"``: columns by topological generation, inputs left, outputs right, rows
        ordered to reduce crossings, links that skip columns drawn as arcs around the columns
        they skip. A networkx layout name (``"spring"``, ``"kamada_kawai"``, ``"circular"``,
        ``"shell"`` (shells by generation), ``"spectral"``, ``"random"``, ``"planar"``), a
        callable ``f(graph) -> {name: (x, y)}``, or such a dict itself.
    node_color : {"activation", "delta", "bias", None}, default "activation"
        What colours the neurons (with a colorbar); a value not computed yet, like δ before a
        backward pass or any value of an input neuron that has none, is neutral grey. None
        draws every neuron white.
    edge_color : {"weight", "grad"}, default "weight"
        What colours the links, on a diverging map centred on 0 (blue negative, red positive).
        Line width and opacity always grow with |weight|.
    labels : bool, default True
        Write each neuron's name (dropped above 150 neurons; when the discs are too small for
        names, only inputs and outputs are named, beside them).
    values : bool, default False
        Write the colouring quantity's value under each neuron (the activation when
        ``node_color`` is None).
    highlight : str or list of str, optional
        Neurons to emphasise: their links are drawn on top, thicker; everything else fades.
    colorbar : bool, default True
        Add a colorbar for the links and one for the neurons.
    node_cmap, edge_cmap : str or Colormap, optional
        Override the colour maps.
    node_limits : (float, float), optional
        Fixed (vmin, vmax) of the node colours (default: the values' range, symmetric about
        0 for δ and bias), e.g. to compare several pictures.
    edge_limit : float, optional
        Fixed limit L of the edge colours and widths: the map spans [−L, L] (default max |w|).
    min_weight : float, default 0.0
        Links with |w| < ``min_weight`` are not drawn (the colours and widths of the others
        keep the scale of every link), e.g. to see the strong paths of a large network.
    seed : int, default 0
        Seed of the randomised networkx layouts.

    Returns
    -------
    matplotlib.axes.Axes
        With ``ax.neuronsim_artists``, a dict: ``"nodes"``, the PathCollection of neurons
        (offsets in the order of its attribute ``neuronsim_names``); ``"edges"``, a list of
        collections together holding every link once (each with ``neuronsim_edges``, the
        ``(src, dst)`` of its lines or paths in order); ``"hidden"``, the links not drawn
        (|w| < ``min_weight``); ``"colorbars"``, a dict with keys ``"edges"`` and ``"nodes"``
        for the colorbars drawn; ``"positions"``, the layout.

    Notes
    -----
    Width and opacity of a link both grow with |w| relative to the largest |w| (or
    ``edge_limit``), and the strongest links are drawn last, on top: in a network of hundreds
    of links the weak ones fade into a light haze and the strong paths stay readable. Links
    that skip columns leave their source and arrive at their destination at distinct heights,
    the outermost highest, so several arcs into one neuron stay apart to the end.

    Raises
    ------
    NeuronsimError
        Unknown ``node_color``, ``edge_color`` or layout, or positions missing a neuron.
    NeuronsimTypeError, ValueRangeError
        ``min_weight`` is not a number, or is negative or not finite.
    TopologyError
        ``highlight`` names an unknown neuron.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import neuronsim
    >>> from neuronsim.plot.topology import topology
    >>> net = neuronsim.Network.from_spec({"layers": [("identity", 2), ("tanh", 3), ("sigmoid", 1)],
    ...                                    "edges": [["x1", "o1"]]}, seed=0)
    >>> _ = net.forward([1.0, -1.0]); _ = net.backward([1.0])
    >>> ax = topology(net, node_color="delta", values=True)
    >>> type(ax).__name__, len(ax.neuronsim_artists["nodes"].get_offsets())
    ('Axes', 6)
    >>> sum(len(c.neuronsim_edges) for c in ax.neuronsim_artists["edges"])
    10
    >>> ax = topology(net, min_weight=0.5)           # only the links with |w| >= 0.5
    >>> drawn = sum(len(c.neuronsim_edges) for c in ax.neuronsim_artists["edges"])
    >>> drawn + len(ax.neuronsim_artists["hidden"])
    10
    """
    _checks.network(net, "topology()")
    _checks.axes(ax)
    if node_color is not None and node_color not in NODE_QUANTITIES:
        raise NeuronsimError(f"node_color must be one of {', '.join(NODE_QUANTITIES)} or None, got {node_color!r}")
    if edge_color not in EDGE_QUANTITIES:
        raise NeuronsimError(f"edge_color must be one of {', '.join(EDGE_QUANTITIES)}, got {edge_color!r}")
    min_weight = _min_weight(min_weight)
    graph = net.graph
    neurons = net.neurons
    names = [n.name for n in neurons]
    positions = _positions(net, layout, seed)
    highlighted = _highlighted(net, highlight)
    many = len(names) > LABEL_LIMIT

    if ax is None:
        ax = _new_axes(positions, layout == "layered", colorbar)
    fig = ax.figure

    node_values, node_norm, node_map = _node_colouring(net, neurons, node_color, node_cmap, node_limits)
    edges = list(graph.edges(data=True))
    edge_keys = [(u, v) for u, v, _ in edges]
    edge_values = np.array([data.get(EDGE_QUANTITIES[edge_color][0]) or 0.0 for _, _, data in edges], dtype=float)
    weights = np.array([data["weight"] for _, _, data in edges], dtype=float)
    colour_limit = edge_limit or _limit(edge_values)
    width_limit = edge_limit if edge_limit and edge_color == "weight" else _limit(weights)
    edge_norm = Normalize(-colour_limit, colour_limit)
    edge_map = colormaps[edge_cmap] if isinstance(edge_cmap, str) else edge_cmap
    # Weak links first, strong ones last (on top); links under the threshold are left out.
    order = np.argsort(np.abs(weights), kind="stable")
    hidden = [edge_keys[i] for i in order if abs(weights[i]) < min_weight]
    order = order[np.abs(weights[order]) >= min_weight]
    edges = [edges[i] for i in order]
    edge_keys = [edge_keys[i] for i in order]
    edge_values, weights = edge_values[order], weights[order]

    colorbars = {}
    if colorbar:
        # The second colorbar lands between the graph and the first: leave the first a gap
        # wide enough for the second's ticks and label.
        gap = 62.0 if node_color is not None else 4.0
        colorbars["edges"] = _colorbar(fig, ax, edge_norm, edge_map, EDGE_QUANTITIES[edge_color][1], gap)
        if node_color is not None:
            label = NODE_QUANTITIES[node_color][2]
            if np.isnan(node_values).any():
                label += "  (grey: none)"
            colorbars["nodes"] = _colorbar(fig, ax, node_norm, node_map, label, 4.0)

    arcs = {}
    if layout == "layered":
        arcs = skip_arcs(nx.DiGraph(edge_keys) if hidden else graph, positions)
    _set_limits(ax, positions, arcs, layered=layout == "layered", outside_labels=False)
    diameter = _node_diameter(ax, positions, layout == "layered")
    if labels and not many and diameter < INSIDE_LABEL_DIAMETER and layout == "layered":
        # names go beside the inputs and outputs: widen the view for them
        _set_limits(ax, positions, arcs, layered=True, outside_labels=True)
        diameter = _node_diameter(ax, positions, True)

    # Links: width and opacity grow with |w| (all thinner and fainter as their number grows),
    # colour by sign.
    widths, alpha = _edge_strokes(weights, width_limit, len(edges))
    colours = edge_map(edge_norm(edge_values)).reshape(-1, 4)
    colours[:, 3] = alpha
    lit = np.array([u in highlighted or v in highlighted for u, v in edge_keys], dtype=bool)
    if highlighted:
        colours[~lit, 3] = colours[~lit, 3] * FADED
        colours[lit, 3] = 1.0
        widths = np.where(lit, widths * 1.6 + 0.6, widths)
    is_arc = np.array([key in arcs for key in edge_keys], dtype=bool)
    edge_artists = []
    for on_top in (False, True) if highlighted else (False,):
        chosen = lit == on_top if highlighted else np.ones(len(edges), dtype=bool)
        zorder = 2.5 if on_top else 1.0
        straight = np.flatnonzero(chosen & ~is_arc)
        curved = np.flatnonzero(chosen & is_arc)
        if len(straight):
            segments = [(positions[edge_keys[i][0]], positions[edge_keys[i][1]]) for i in straight]
            lines = LineCollection(segments, colors=colours[straight], linewidths=widths[straight],
                                   zorder=zorder, capstyle="round")
            edge_artists.append(_tagged(ax.add_collection(lines, autolim=False), "neuronsim-edges",
                                        [edge_keys[i] for i in straight]))
        if len(curved):
            paths = [arcs[edge_keys[i]] for i in curved]
            curves = PathCollection(paths, facecolors="none", edgecolors=colours[curved],
                                    linewidths=widths[curved], zorder=zorder, transform=ax.transData)
            edge_artists.append(_tagged(ax.add_collection(curves, autolim=False), "neuronsim-arcs",
                                        [edge_keys[i] for i in curved]))

    # Neurons: one scatter, faces by value, grey where there is none yet.
    xy = np.array([positions[name] for name in names], dtype=float).reshape(-1, 2)
    if node_color is None:
        faces = np.tile(to_rgba("white"), (len(names), 1))
    else:
        faces = node_map(node_norm(np.nan_to_num(node_values)))
        faces[np.isnan(node_values)] = to_rgba(NO_VALUE_COLOUR)
    outline = np.tile(to_rgba("#303030"), (len(names), 1))
    outline_widths = np.full(len(names), 0.8 if diameter >= 8 else 0.3)
    if highlighted:
        chosen = np.array([name in highlighted for name in names], dtype=bool)
        faces[~chosen, 3] = outline[~chosen, 3] = 0.3
        outline_widths[chosen] = 2.5
    nodes = ax.scatter(xy[:, 0], xy[:, 1], s=diameter ** 2, c=faces, edgecolors=outline,
                       linewidths=outline_widths, zorder=3)
    _tagged(nodes, "neuronsim-nodes", None).neuronsim_names = names

    texts = []
    if (labels or values) and not many:
        texts = _write_labels(ax, net, names, positions, faces, diameter, labels, values,
                              node_color, node_values, highlighted, layout == "layered")
    ax.set_axis_off()
    ax.neuronsim_artists = {"nodes": nodes, "edges": edge_artists, "hidden": hidden,
                            "colorbars": colorbars, "texts": texts, "positions": positions}
    return ax


def drawn_edges(ax):
    """``{(src, dst): (rgba, linewidth)}`` of every link :func:`topology` drew on ``ax``.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 1), ("sigmoid", 1)], init="constant")
    >>> colour, width = drawn_edges(topology(net))[("x1", "o1")]
    >>> colour[0] > colour[2]          # a positive weight is drawn red
    True
    """
    artists = getattr(ax, "neuronsim_artists", None)
    if artists is None:
        raise NeuronsimError("this Axes holds no topology() drawing")
    drawn = {}
    for collection in artists["edges"]:
        colours = collection.get_edgecolor()
        widths = collection.get_linewidth()
        for i, key in enumerate(collection.neuronsim_edges):
            drawn[key] = (tuple(map(float, colours[i % len(colours)])), float(widths[i % len(widths)]))
    return drawn


# --- pieces ---------------------------------------------------------------------------------

def _min_weight(value):
    value = finite_float(value, "topology(): min_weight")
    if value < 0:
        raise ValueRangeError(f"topology(): min_weight must be >= 0 (links with |w| below it are "
                              f"not drawn), got {shown(value)}")
    return value


def _edge_strokes(weights, limit, count):
    """Line widths (points) and opacities of ``count`` links of these weights.

    Both grow with |w| / ``limit`` (capped at 1). The more links, the thinner the widest line
    and the fainter the weakest: a few dozen links keep the look of a textbook figure (every
    link clearly drawn), hundreds fade the weak ones into a haze under the strong ones.
    """
    strength = np.clip(np.abs(weights) / limit, 0.0, 1.0) if len(weights) else np.zeros(0)
    crowd = float(np.clip(np.sqrt(60.0 / max(count, 1)), 0.0, 1.0))  # 1 up to 60 links
    widest = float(np.clip(4.5 * crowd, 0.6, 4.5))
    widths = widest * (0.12 + 0.88 * strength)
    faintest = float(np.clip(0.8 * crowd ** 1.5, 0.03, 0.8))
    boldest = float(np.clip(0.5 + 0.5 * crowd, 0.6, 1.0))
    alpha = faintest + (boldest - faintest) * strength ** 1.5
    return widths, alpha


def _positions(net, layout, seed):
    graph = net.graph
    if isinstance(layout, dict):
        missing = [n for n in graph if n not in layout]
        if missing:
            raise NeuronsimError(f"layout positions are missing neuron(s) {missing[:5]}")
        return {n: (float(layout[n][0]), float(layout[n][1])) for n in graph}
    if callable(layout):
        return _positions(net, dict(layout(graph)), seed)
    if not isinstance(layout, str):
        raise NeuronsimTypeError(f"layout must be a name, a dict of positions or a callable, got {layout!r}")
    if layout == "layered":
        return layered_layout(net)
    if layout not in _NX_LAYOUTS:
        raise NeuronsimError(f"unknown layout {layout!r}; known: layered, {', '.join(_NX_LAYOUTS)}")
    # Layouts read an edge attribute "weight" as attraction or length; a neural weight is
    # neither (and may be negative), so they see the bare structure.
    structure = nx.Graph()
    structure.add_nodes_from(graph)
    structure.add_edges_from(graph.edges())
    try:  # some layouts need scipy (kamada_kawai; spring above 500 neurons), some a planar graph
        if layout in ("spring", "random"):
            placed = getattr(nx, f"{layout}_layout")(structure, seed=seed)
        elif layout == "shell":
            placed = nx.shell_layout(structure, nlist=[list(g) for g in nx.topological_generations(graph)])
        else:
            placed = getattr(nx, f"{layout}_layout")(structure)
    except (ImportError, nx.NetworkXException) as err:
        raise NeuronsimError(f"networkx could not compute the {layout!r} layout: {err}") from None
    return {n: (float(x), float(y)) for n, (x, y) in placed.items()}


def _highlighted(net, highlight):
    if highlight is None:
        return set()
    chosen = [highlight] if isinstance(highlight, str) else list(highlight)
    for name in chosen:
        if name not in net:
            raise TopologyError(f"highlight: unknown neuron {name!r}")
    return set(chosen)


def _new_axes(positions, layered, colorbar):
    import matplotlib.pyplot as plt

    if layered:
        xs = {x for x, _ in positions.values()}
        rows = max(sum(1 for x2, _ in positions.values() if x2 == x) for x in xs)
        size = (float(np.clip(1.9 * len(xs) + 2.4, 5.0, 14.0)), float(np.clip(0.55 * rows + 1.2, 3.2, 10.0)))
    else:
        size = (7.5, 6.0)
    fig = plt.figure(figsize=size)
    right = 1 - (60.0 if colorbar else 8.0) / (72 * size[0])  # room for the colorbar's label
    top = 1 - 24.0 / (72 * size[1])                            # and for a title
    fig.subplots_adjust(left=0.02, right=right, bottom=0.03, top=top)
    return fig.add_subplot()


def _limit(values):
    """max |v|, or 1 when every value is 0 (so the colour map still has a range)."""
    finite = np.abs(values[np.isfinite(values)]) if len(values) else np.zeros(0)
    peak = float(finite.max()) if len(finite) else 0.0
    return peak if peak > 0 else 1.0


def _node_colouring(net, neurons, node_color, node_cmap, node_limits):
    if node_color is None:
        return np.full(len(neurons), np.nan), Normalize(0, 1), colormaps["Greys"]
    attribute, default_map, _, centred = NODE_QUANTITIES[node_color]
    inputs = {n.name for n in net.inputs}
    # An input neuron's bias is never used: showing it would suggest otherwise.
    values = np.array([np.nan if (attribute == "bias" and n.name in inputs) or getattr(n, attribute) is None
                       else getattr(n, attribute) for n in neurons], dtype=float)
    if node_limits is not None:
        low, high = map(float, node_limits)
    elif centred:
        high = _limit(values)
        low = -high
    else:
        finite = values[np.isfinite(values)]
        low, high = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
        if high - low < 1e-12:
            low, high = low - 0.5, high + 0.5
    cmap = node_cmap or default_map
    return values, Normalize(low, high), colormaps[cmap] if isinstance(cmap, str) else cmap


def _colorbar(fig, ax, norm, cmap, label, gap_points):
    width = ax.get_position().width * fig.get_figwidth() * 72
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, fraction=min(12.0 / width, 0.05),
                       pad=gap_points / width, shrink=0.85, aspect=22)
    bar.set_label(label, fontsize=9)
    bar.ax.tick_params(labelsize=8)
    return bar


def _set_limits(ax, positions, arcs, *, layered, outside_labels):
    xy = np.array(list(positions.values()), dtype=float).reshape(-1, 2)
    if arcs:
        # a lane path never leaves the box of its vertices' heights
        xy = np.vstack([xy] + [arc.vertices for arc in arcs.values()])
    (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
    if layered:
        pad_x = 0.75 if outside_labels else 0.32
        pad_y = 0.7
    else:
        pad_x = 0.1 * max(x1 - x0, 1e-9)
        pad_y = 0.1 * max(y1 - y0, 1e-9)
    ax.set_xlim(x0 - pad_x, x1 + pad_x)
    ax.set_ylim(y0 - pad_y, y1 + pad_y)


def _node_diameter(ax, positions, layered):
    """Disc diameter in points: as large as fits the spacing of the axes, at most 36 pt."""
    box = ax.get_position()
    width = box.width * ax.figure.get_figwidth() * 72
    height = box.height * ax.figure.get_figheight() * 72
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    per_x, per_y = width / (x1 - x0), height / (y1 - y0)
    if layered:
        diameter = min(0.68 * per_y, 0.4 * per_x)  # rows and columns are 1 data unit apart
    elif len(positions) < 2:
        diameter = 36.0
    else:
        # most discs keep clear of their nearest neighbour
        xy = np.array(list(positions.values()), dtype=float) * (per_x, per_y)
        sample = xy[:400]
        distances = np.sqrt(((sample[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
        distances[distances == 0] = np.inf
        diameter = 0.75 * float(np.percentile(distances.min(axis=1), 20))
    return float(np.clip(diameter, 2.0, 36.0))


def _tagged(artist, gid, edge_keys):
    artist.set_gid(gid)
    if edge_keys is not None:
        artist.neuronsim_edges = edge_keys
    return artist


def _write_labels(ax, net, names, positions, faces, diameter, labels, values, node_color,
                  node_values, highlighted, layered):
    texts = []
    inside = diameter >= INSIDE_LABEL_DIAMETER
    inputs = {n.name for n in net.inputs}
    outputs = {n.name for n in net.outputs}
    if node_color is None and values:
        node_values = np.array([np.nan if net[n].a is None else net[n].a for n in names], dtype=float)
    for i, name in enumerate(names):
        x, y = positions[name]
        alpha = 1.0 if not highlighted or name in highlighted else 0.4
        if labels and inside:
            size = float(np.clip(min(0.42 * diameter, 1.75 * diameter / max(len(name), 1)), 5, 10))
            r, g, b, a = faces[i]  # the colour seen: the face over a white background
            seen = a * (0.299 * r + 0.587 * g + 0.114 * b) + (1 - a)
            ink = "white" if seen < 0.5 else "black"
            texts.append(ax.text(x, y, name, ha="center", va="center", fontsize=size, color=ink,
                                 alpha=alpha, zorder=4, gid=f"label:{name}"))
        elif labels and (not layered or name in inputs or name in outputs):
            side = -1 if name in inputs else 1
            offset = (side * (diameter / 2 + 3), 0) if layered else (0, diameter / 2 + 2)
            ha = ("right" if side < 0 else "left") if layered else "center"
            texts.append(ax.annotate(name, (x, y), xytext=offset, textcoords="offset points", ha=ha,
                                     va="center" if layered else "bottom", fontsize=7, alpha=alpha,
                                     zorder=4, gid=f"label:{name}"))
        if values and np.isfinite(node_values[i]):
            texts.append(ax.annotate(f"{node_values[i]:.3g}", (x, y), xytext=(0, -(diameter / 2 + 1.5)),
                                     textcoords="offset points", ha="center", va="top",
                                     fontsize=float(np.clip(0.3 * diameter, 5.5, 8)), color="#202020",
                                     alpha=alpha, zorder=4, gid=f"value:{name}"))
    return texts

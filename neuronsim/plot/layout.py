"""The layered layout of a network's DAG: columns, row order, and arcs for links that skip columns.

Pure functions, no drawing. A neuron's *column* is its topological generation (inputs in
column 0), except that an output neuron with no downstream link moves to the last column so
every output reads at the right edge. Within a column neurons are ordered by barycentre sweeps
(Sugiyama, Tagawa & Toda 1981): alternately left to right, each neuron moves to the mean row of
its upstream neurons, then right to left to the mean row of its downstream neurons. The order
with the fewest crossings seen is kept, so the sweeps never make a picture worse than the order
the neurons were added in. Inputs keep their order (x1 above x2): it means something to the
reader.

A link that skips columns would run straight through the neurons between its ends; it is drawn
instead as a path that bends out to a lane above or below every column it skips, runs along it
and bends back in (:func:`skip_arcs`), never grazing a neuron.

Examples
--------
>>> import neuronsim
>>> net = neuronsim.Network.from_spec({"layers": [("identity", 2), ("sigmoid", 3), ("sigmoid", 1)],
...                                    "edges": [["x1", "o1"]]}, seed=0)
>>> pos = layered_layout(net)
>>> pos["x1"], pos["o1"]
((0.0, 0.5), (2.0, 0.0))
>>> list(skip_arcs(net.graph, pos))
[('x1', 'o1')]
"""

import networkx as nx
import numpy as np
from matplotlib.path import Path

from ..errors import CycleError, NeuronsimError, NeuronsimTypeError, TopologyError

__all__ = ["layer_columns", "order_columns", "count_crossings", "layered_layout", "skip_arcs",
           "arc_points"]

# Dense crossing counts build a (rows × rows) matrix per pair of columns; above this many
# cells a Fenwick-tree count over the links is cheaper in memory.
_DENSE_CROSSING_CELLS = 4_000_000


def _graph_of(net_or_graph):
    # checked in this order because a DiGraph has a ``graph`` attribute too (its attribute dict)
    if isinstance(net_or_graph, nx.DiGraph):
        return net_or_graph
    graph = getattr(net_or_graph, "graph", None)
    if not isinstance(graph, nx.DiGraph):
        raise NeuronsimTypeError(f"expected a Network or a networkx.DiGraph, got {type(net_or_graph).__name__}")
    return graph


def _graph_and_io(net_or_graph):
    """The DiGraph plus the input and output names (from the Network when it can say)."""
    graph = _graph_of(net_or_graph)
    inputs = outputs = None
    if graph is not net_or_graph:
        try:
            inputs = [n.name for n in net_or_graph.inputs]
            outputs = [n.name for n in net_or_graph.outputs]
        except NeuronsimError:  # a network still being built: fall back to sources and sinks
            inputs = outputs = None
    if inputs is None:
        inputs = [n for n in graph if graph.in_degree(n) == 0]
        outputs = [n for n in graph if graph.out_degree(n) == 0]
    return graph, inputs, outputs


def layer_columns(net_or_graph):
    """Neuron names by column: topological generations, outputs moved to the last column.

    Parameters
    ----------
    net_or_graph : Network or networkx.DiGraph

    Returns
    -------
    list of list of str
        Column 0 holds the inputs (in input order), the last column the outputs (in output
        order); other neurons keep the order they were added in.

    Raises
    ------
    CycleError
        The graph is not a DAG.

    Examples
    --------
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 2), ("sigmoid", 1)], seed=0)
    >>> net.connect("x2", "o1", 0.1)
    >>> layer_columns(net)
    [['x1', 'x2'], ['h1', 'h2'], ['o1']]
    """
    graph, inputs, outputs = _graph_and_io(net_or_graph)
    try:
        generations = list(nx.topological_generations(graph))
    except nx.NetworkXUnfeasible:
        raise CycleError("the layered layout needs a DAG; the graph has a cycle") from None
    column = {name: g for g, names in enumerate(generations) for name in names}
    last = max(len(generations) - 1, 0)
    for name in outputs:
        if graph.out_degree(name) == 0:  # an output feeding another output must stay before it
            column[name] = last
    rank = {name: i for i, name in enumerate(graph)}  # order of addition
    first = {name: i for i, name in enumerate(inputs)}
    final = {name: i for i, name in enumerate(outputs)}
    columns = [[] for _ in range(last + 1)] if graph else []
    for name in graph:
        columns[column[name]].append(name)
    for c, names in enumerate(columns):
        preferred = first if c == 0 else final if c == last else {}
        names.sort(key=lambda n: (preferred.get(n, len(preferred)), rank[n]))
    return [names for names in columns if names]


def count_crossings(graph, columns):
    """How many pairs of links between neighbouring columns cross.

    Two links u1→v1 and u2→v2 between the same pair of neighbouring columns cross when their
    ends are in opposite orders (u1 above u2 but v1 below v2). Links that skip columns are drawn
    as arcs outside the columns and are not counted.

    Examples
    --------
    >>> g = nx.DiGraph([("a", "d"), ("b", "c")])
    >>> count_crossings(g, [["a", "b"], ["c", "d"]]), count_crossings(g, [["a", "b"], ["d", "c"]])
    (1, 0)
    """
    index = _Index(graph, columns)
    return sum(index.crossings_between(c) for c in range(len(columns) - 1))


def order_columns(graph, columns, *, sweeps=4, keep_first=True):
    """Reorder each column by barycentre sweeps to reduce crossings; return the new columns.

    Parameters
    ----------
    graph : networkx.DiGraph
    columns : list of list of str
        The starting order (e.g. from :func:`layer_columns`).
    sweeps : int, default 4
        Pairs of sweeps (left to right, then right to left).
    keep_first : bool, default True
        Leave column 0 (the inputs) in its given order.

    Returns
    -------
    list of list of str
        The order with the fewest crossings among the start and every sweep: never more
        crossings than ``columns``.

    Examples
    --------
    >>> g = nx.DiGraph([("x1", "h2"), ("x2", "h1"), ("h1", "o"), ("h2", "o")])
    >>> order_columns(g, [["x1", "x2"], ["h1", "h2"], ["o"]])
    [['x1', 'x2'], ['h2', 'h1'], ['o']]
    """
    index = _Index(graph, columns)
    best = index.snapshot()
    best_crossings = index.total_crossings()
    for _ in range(sweeps):
        for downward in (True, False):
            index.sweep(downward, keep_first)
            crossings = index.total_crossings()
            if crossings < best_crossings:
                best, best_crossings = index.snapshot(), crossings
        if best_crossings == 0:
            break
    return best


def layered_layout(net_or_graph, *, sweeps=4, column_gap=1.0, row_gap=1.0):
    """Positions ``{name: (x, y)}`` for the layered picture of any DAG.

    Column c sits at x = c · column_gap; rows are ``row_gap`` apart and every column is centred
    on y = 0, its first neuron at the top.

    Parameters
    ----------
    net_or_graph : Network or networkx.DiGraph
    sweeps : int, default 4
        Barycentre sweep pairs (see :func:`order_columns`); 0 keeps the order of addition.
    column_gap, row_gap : float, default 1.0

    Examples
    --------
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 2), ("sigmoid", 1)], seed=0)
    >>> layered_layout(net)
    {'x1': (0.0, 0.5), 'x2': (0.0, -0.5), 'o1': (1.0, 0.0)}
    """
    graph = _graph_of(net_or_graph)
    columns = layer_columns(net_or_graph)
    if sweeps:
        columns = order_columns(graph, columns, sweeps=sweeps)
    positions = {}
    for c, names in enumerate(columns):
        top = (len(names) - 1) / 2
        for r, name in enumerate(names):
            positions[name] = (float(c * column_gap), float((top - r) * row_gap))
    return positions


def skip_arcs(graph, positions, *, margin=0.6, clearance=0.25, stagger=0.15, spread=0.3):
    """Paths for the links that skip columns, routed around every column they skip.

    Each path leaves its source, bends (a cubic Bézier) to a *lane* above or below the columns
    it skips, runs along the lane past them and bends back to enter its destination. The lane
    is ``margin`` beyond the top (bottom) neuron of every skipped column and its flat run
    reaches ``clearance`` past them on both sides, so a path keeps at least
    ``min(margin, clearance)`` from every neuron but its own two ends. The side taken is the one
    with less climbing. Paths sharing lanes are staggered by ``stagger`` so they nest rather
    than overlap (in networks with at most 60 such links).

    The bends start and end ``clearance`` away from the two neurons, at heights spread by
    ``spread`` toward the lane's side: of the paths leaving one neuron (or entering one) on the
    same side, the outermost lane gets the largest offset, so they fan out instead of merging
    into one line, and never cross on their way. The last stretch runs straight to the neuron.

    Parameters
    ----------
    graph : networkx.DiGraph
    positions : dict of str to (float, float)
        A layered layout (:func:`layered_layout`): neurons with the same x form a column and
        every link runs to the right.
    margin : float, default 0.6
        Vertical clearance of the lane from the skipped neurons, in y units.
    clearance : float, default 0.25
        Horizontal distance, in x units, kept from columns while the path climbs (at most a
        quarter of the narrowest gap between columns).
    stagger : float, default 0.15
    spread : float, default 0.3
        The largest offset of a path's start or end from its neuron's height, as a fraction of
        the row distance (the smallest vertical gap between neurons of a column).

    Returns
    -------
    dict of (str, str) to matplotlib.path.Path

    Examples
    --------
    >>> g = nx.DiGraph([("a", "b"), ("b", "c"), ("a", "c")])
    >>> arcs = skip_arcs(g, {"a": (0.0, 0.0), "b": (1.0, 0.0), "c": (2.0, 0.0)})
    >>> list(arcs), float(arcs[("a", "c")].vertices[:, 1].max())
    ([('a', 'c')], 0.6)
    """
    column_x = np.unique(np.array([x for x, _ in positions.values()], dtype=float))
    if len(column_x) > 1:
        clearance = min(clearance, float(np.diff(column_x).min()) / 4)
    extent = {}
    for x, y in positions.values():
        low, high = extent.get(x, (y, y))
        extent[x] = (min(low, y), max(high, y))
    routes = []
    for src, dst in graph.edges():
        (x0, y0), (x1, y1) = positions[src], positions[dst]
        skipped = column_x[(column_x > min(x0, x1)) & (column_x < max(x0, x1))]
        if not len(skipped):
            continue
        above = max(max(extent[x][1] for x in skipped) + margin, min(y0, y1))
        below = min(min(extent[x][0] for x in skipped) - margin, max(y0, y1))
        climb = lambda lane: abs(lane - y0) + abs(lane - y1)  # noqa: E731
        side = 1.0 if climb(above) <= climb(below) else -1.0
        routes.append(((src, dst), side, above if side > 0 else below, skipped[0], skipped[-1]))
    # Longer routes go outside shorter ones they overlap, like nested brackets.
    routes.sort(key=lambda r: (r[4] - r[3], positions[r[0][0]][0]))
    placed, lanes = [], []
    for key, side, lane, first, last in routes:
        if len(routes) <= 60:
            inside = sum(1 for s, f, l in placed if s == side and f <= last and l >= first)
            lane += side * stagger * inside
            placed.append((side, first, last))
        lanes.append((key, side, lane, first, last))
    offsets = _end_offsets(lanes, positions, spread * _row_distance(positions, margin))
    arcs = {}
    for key, side, lane, first, last in lanes:
        arcs[key] = _lane_path(positions[key[0]], positions[key[1]], lane, first, last, clearance,
                               *offsets[key])
    return arcs


def _row_distance(positions, margin):
    """The smallest vertical gap between two neurons of one column (``margin`` if none has two)."""
    columns = {}
    for x, y in positions.values():
        columns.setdefault(x, []).append(y)
    gaps = [float(np.diff(np.sort(ys)).min()) for ys in columns.values() if len(ys) > 1]
    gaps = [g for g in gaps if g > 0]
    return min(gaps) if gaps else margin


def _end_offsets(lanes, positions, spread):
    """``{key: (depart, arrive)}``: each path's height offsets at its source and destination.

    The n paths at one end of one neuron heading the same way (up or down to their lanes) get
    offsets spread · k / n toward their lanes, k = n..1, the lane farthest from the neuron the
    largest, so that they fan out without crossing; no offset goes past its own lane.
    """
    ends = {}
    for key, side, lane, _, _ in lanes:
        for end, name in enumerate(key):
            climb = lane - positions[name][1]
            way = float(np.sign(climb)) or side
            ends.setdefault((name, end, way), []).append((abs(climb), key))
    offsets = {key: [0.0, 0.0] for key, *_ in lanes}
    for (name, end, way), group in ends.items():
        group.sort(key=lambda item: (-item[0], item[1]))
        for k, (climb, key) in enumerate(group):
            offsets[key][end] = way * min(spread * (len(group) - k) / len(group), climb)
    return offsets


def _lane_path(start, end, lane, first, last, clearance, depart=0.0, arrive=0.0):
    """Out of ``start`` (its bend starting ``depart`` above it, negative: below), S-bend to the
    lane, along it past [first, last], S-bend to ``arrive`` above ``end`` and straight into it."""
    (x0, y0), (x1, y1) = start, end
    up_from, up_to = x0 + clearance, first - clearance
    down_from, down_to = last + clearance, x1 - clearance
    rise, fall = (up_to - up_from) / 2, (down_to - down_from) / 2
    y_out, y_in = y0 + depart, y1 + arrive
    # The bends continue the straight stretches at the ends without a kink (short of the lane).
    lean_out = _toward(y_out, lane, depart / clearance * rise)
    lean_in = _toward(y_in, lane, arrive / clearance * fall)
    vertices = [(x0, y0), (up_from, y_out),
                (up_from + rise, lean_out), (up_to - rise, lane), (up_to, lane),
                (down_from, lane),
                (down_from + fall, lane), (down_to - fall, lean_in), (down_to, y_in),
                (x1, y1)]
    codes = [Path.MOVETO, Path.LINETO, Path.CURVE4, Path.CURVE4, Path.CURVE4, Path.LINETO,
             Path.CURVE4, Path.CURVE4, Path.CURVE4, Path.LINETO]
    return Path(np.array(vertices, dtype=float), codes)


def _toward(y, lane, step):
    """``y`` moved by ``step`` (signed), but not past ``lane``."""
    moved = y + step
    return min(moved, lane) if step > 0 else max(moved, lane) if step < 0 else y


def arc_points(path, samples=16):
    """Points along a path from :func:`skip_arcs`: ``samples`` per segment, shape (m, 2).

    Examples
    --------
    >>> arc = Path([(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (2.0, 1.0)],
    ...            [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4])
    >>> arc_points(arc, samples=3).tolist()
    [[0.0, 0.0], [1.0, 0.5], [2.0, 1.0]]
    """
    t = np.linspace(0.0, 1.0, samples)
    return np.vstack([segment(t) for segment, code in path.iter_bezier() if code != Path.MOVETO])


class _Index:
    """Columns as integer arrays, so sweeps and crossing counts are numpy operations."""

    def __init__(self, graph, columns):
        self.names = [name for names in columns for name in names]
        position = {name: i for i, name in enumerate(self.names)}
        if len(position) != len(self.names) or set(position) != set(graph):
            raise TopologyError("columns must hold every neuron of the graph exactly once")
        self.column = np.repeat(np.arange(len(columns)), [len(names) for names in columns])
        self.members = [np.array([position[n] for n in names], dtype=int) for names in columns]
        edges = np.array([(position[u], position[v]) for u, v in graph.edges()], dtype=int).reshape(-1, 2)
        self.src, self.dst = edges[:, 0], edges[:, 1]
        span = self.column[self.dst] - self.column[self.src]
        # links grouped by the column of their destination (for left-to-right sweeps), of their
        # source (right-to-left), and the neighbouring-column links that can cross
        self.into = [np.flatnonzero(self.column[self.dst] == c) for c in range(len(columns))]
        self.out_of = [np.flatnonzero(self.column[self.src] == c) for c in range(len(columns))]
        self.adjacent = [np.flatnonzero((self.column[self.src] == c) & (span == 1))
                         for c in range(len(columns))]
        self.rank = np.empty(len(self.names), dtype=int)
        self.y = np.empty(len(self.names))
        for members in self.members:
            self._place(members)

    def _place(self, members):
        """Give a column's neurons, in this order, their ranks and centred heights."""
        self.rank[members] = np.arange(len(members))
        self.y[members] = (len(members) - 1) / 2 - np.arange(len(members))

    def snapshot(self):
        return [[self.names[i] for i in members] for members in self.members]

    def sweep(self, downward, keep_first):
        order = range(1, len(self.members)) if downward else range(len(self.members) - 2, -1, -1)
        for c in order:
            if c == 0 and keep_first:
                continue
            members = self.members[c]
            links = self.into[c] if downward else self.out_of[c]
            own, other = (self.dst, self.src) if downward else (self.src, self.dst)
            local = self.rank[own[links]]
            totals = np.bincount(local, weights=self.y[other[links]], minlength=len(members))
            counts = np.bincount(local, minlength=len(members))
            current = self.y[members]
            # a neuron with no neighbour on that side stays where it is
            barycentre = np.where(counts > 0, totals / np.maximum(counts, 1), current)
            # heights run top (high y) to bottom; ties keep the current order
            reorder = np.lexsort((self.rank[members], -barycentre))
            self.members[c] = members = members[reorder]
            self._place(members)

    def total_crossings(self):
        return sum(self.crossings_between(c) for c in range(len(self.members) - 1))

    def crossings_between(self, c):
        links = self.adjacent[c]
        if len(links) < 2:
            return 0
        upper = self.rank[self.src[links]]
        lower = self.rank[self.dst[links]]
        rows, cols = len(self.members[c]), len(self.members[c + 1])
        if rows * cols <= _DENSE_CROSSING_CELLS:
            counts = np.zeros((rows, cols), dtype=np.int64)
            np.add.at(counts, (upper, lower), 1)
            # pairs (u1 < u2, v1 > v2): for each cell, links in rows above and columns right
            above = np.cumsum(counts, axis=0) - counts
            above_right = np.cumsum(above[:, ::-1], axis=1)[:, ::-1] - above
            return int((counts * above_right).sum())
        return _inversions(upper, lower, cols)


def _inversions(upper, lower, size):
    """Crossings as inversions of the lower ends once links are sorted by (upper, lower)."""
    order = np.lexsort((lower, upper))
    tree = [0] * (size + 1)  # Fenwick tree of lower ends seen so far
    crossings = seen = 0
    for v in lower[order].tolist():
        i, not_above = v + 1, 0
        while i > 0:
            not_above += tree[i]
            i -= i & -i
        crossings += seen - not_above  # earlier links whose lower end is strictly below v
        i = v + 1
        while i <= size:
            tree[i] += 1
            i += i & -i
        seen += 1
    return crossings

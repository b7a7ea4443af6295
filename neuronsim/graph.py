"""The graph underneath a network: a DiGraph that counts structural edits, and its orders.

:class:`NeuronGraph` is a :class:`networkx.DiGraph` (everything networkx offers works on it)
whose structural edits bump a counter, so cached plans notice them however they were made.
:func:`topological_names` and :func:`insertion_consistent_edges` give the orders that make
passes, copies and saved files reproducible bit for bit.
"""

from itertools import islice

import networkx as nx

from .errors import CycleError, NeuronsimError

__all__ = ["NeuronGraph", "topological_names", "insertion_consistent_edges"]


class NeuronGraph(nx.DiGraph):
    """A :class:`networkx.DiGraph` that counts structural edits.

    Every added or removed node or edge bumps :attr:`structure_version`, so cached plans notice
    edits made directly on ``net.graph`` too. Weight changes are not structural: plans read
    weights from the edge-attribute dicts each time.

    Examples
    --------
    >>> g = NeuronGraph()
    >>> g.add_edge("a", "b")
    >>> g.structure_version
    1
    """

    def __init__(self, incoming_graph_data=None, **attr):
        self.structure_version = 0
        super().__init__(incoming_graph_data, **attr)

    def _add_neurons(self, neurons):
        """Add neurons as nodes (attribute ``neuron``), in order (private: building layers).

        The result is that of ``add_nodes_from((n.name, {"neuron": n}) for n in neurons)``, made
        without networkx's per-node copy of the attribute dict. The caller guarantees that the
        names are new and distinct.

        Examples
        --------
        >>> from neuronsim.neuron import Neuron
        >>> g = NeuronGraph()
        >>> g._add_neurons([Neuron("a", graph=g), Neuron("b", graph=g)])
        >>> list(g.nodes), g.nodes["b"]["neuron"].name, g.structure_version
        (['a', 'b'], 'b', 1)
        """
        node, succ, pred = self._node, self._succ, self._pred
        for neuron in neurons:
            name = neuron.name
            node[name] = {"neuron": neuron}
            succ[name] = {}
            pred[name] = {}
        self.structure_version += 1

    def _link_all(self, upper, lower, weights=None, bar=None):
        """Link every node of ``upper`` to every node of ``lower`` (private: building layers).

        The result is that of ``add_edges_from((u, v, {"weight": w, "grad": 0.0}) for u in upper
        for v in lower)``, every node's successor and predecessor orders included, but the edge
        dicts are made in one pass and the adjacency dicts filled by C-level ``update`` calls:
        no per-link Python call, and no copy of each edge dict as ``add_edges_from`` makes.
        ``weights`` (floats, default all 0.0; an iterable, of which the first
        ``len(upper) * len(lower)`` are used) are given destination-major — for each node of
        ``lower``, one per node of ``upper`` — the order of :meth:`Network.parameter_keys`.
        ``bar`` (a progress bar) advances by ``len(upper)`` per node of ``lower``.

        The caller guarantees that every node exists, that no link between the two lists exists
        yet and that the new links close no cycle (true of consecutive layers being built).

        Examples
        --------
        >>> g = NeuronGraph()
        >>> g.add_nodes_from(["a", "b", "c", "d"])
        >>> g._link_all(["a", "b"], ["c", "d"], [1.0, 2.0, 3.0, 4.0])
        >>> list(g.edges(data="weight"))
        [('a', 'c', 1.0), ('a', 'd', 3.0), ('b', 'c', 2.0), ('b', 'd', 4.0)]
        >>> g.structure_version
        2
        """
        count = len(upper)
        if weights is None:
            data = [{"weight": 0.0, "grad": 0.0} for _ in range(count * len(lower))]
        else:  # the first count × len(lower) of the weights (an iterator is consumed that far)
            data = [{"weight": w, "grad": 0.0} for w in islice(weights, count * len(lower))]
            if len(data) < count * len(lower):
                raise NeuronsimError(f"_link_all: {count * len(lower)} weights needed, got {len(data)}")
        pred, succ = self._pred, self._succ
        for j, dst in enumerate(lower):
            pred[dst].update(zip(upper, data[j * count:(j + 1) * count]))
            if bar is not None:
                bar.update(count)
        for i, src in enumerate(upper):
            succ[src].update(zip(lower, data[i::count]))
        self.structure_version += 1


def _counting(method_name):
    base = getattr(nx.DiGraph, method_name)

    def method(self, *args, **kwargs):
        result = base(self, *args, **kwargs)
        self.structure_version += 1
        return result

    method.__name__ = method_name
    method.__doc__ = base.__doc__
    return method


for _name in ("add_node", "add_nodes_from", "remove_node", "remove_nodes_from", "add_edge",
              "add_edges_from", "remove_edge", "remove_edges_from", "clear", "clear_edges"):
    setattr(NeuronGraph, _name, _counting(_name))


def insertion_consistent_edges(graph):
    """Edges in an order that keeps each node's successor and predecessor orders.

    networkx keeps adjacency in insertion order; re-adding edges in this order recreates both.

    Examples
    --------
    >>> g = NeuronGraph()
    >>> g.add_nodes_from("abc")
    >>> g.add_edge("b", "c"); g.add_edge("a", "c")
    >>> insertion_consistent_edges(g)       # c's incoming order (b before a) is kept
    [('b', 'c'), ('a', 'c')]
    """
    edges = list(graph.edges())
    position = {edge: i for i, edge in enumerate(edges)}
    if all(position[(a, v)] < position[(b, v)] for v in graph for a, b in zip(graph.pred[v], list(graph.pred[v])[1:])):
        return edges  # the common case (layer by layer): already consistent
    constraints = nx.DiGraph()
    constraints.add_nodes_from(edges)
    for v in graph:
        succ = [(v, w) for w in graph.succ[v]]
        pred = [(u, v) for u in graph.pred[v]]
        constraints.add_edges_from(zip(succ, succ[1:]))
        constraints.add_edges_from(zip(pred, pred[1:]))
    return list(nx.lexicographical_topological_sort(constraints, key=position.__getitem__))


def topological_names(graph):
    """Node names in topological order, ties broken by order of addition.

    Examples
    --------
    >>> g = NeuronGraph([("b", "c"), ("a", "c")])
    >>> topological_names(g)
    ['b', 'a', 'c']
    """
    rank = {name: i for i, name in enumerate(graph)}
    # The common case (layer by layer, or any spec listing neurons upstream first): the order of
    # addition is already topological, and then it is the answer. Checked per neuron with C-level
    # iteration over its predecessors: no Python call per link.
    get = rank.__getitem__
    if all(max(map(get, preds), default=-1) < i for i, preds in enumerate(map(graph._pred.__getitem__, graph))):
        return list(graph)
    try:
        return list(nx.lexicographical_topological_sort(graph, key=rank.__getitem__))
    except nx.NetworkXUnfeasible:
        cycle = [u for u, _ in nx.find_cycle(graph)]
        raise CycleError(f"the graph has a cycle: {' -> '.join(map(str, cycle + cycle[:1]))}") from None

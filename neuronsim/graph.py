"""The graph underneath a network: a DiGraph that counts structural edits, and its orders.

:class:`NeuronGraph` is a :class:`networkx.DiGraph` (everything networkx offers works on it)
whose structural edits bump a counter, so cached plans notice them however they were made.
:func:`topological_names` and :func:`insertion_consistent_edges` give the orders that make
passes, copies and saved files reproducible bit for bit.
"""

import networkx as nx

from .errors import CycleError

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
    try:
        return list(nx.lexicographical_topological_sort(graph, key=rank.__getitem__))
    except nx.NetworkXUnfeasible:
        cycle = [u for u, _ in nx.find_cycle(graph)]
        raise CycleError(f"the graph has a cycle: {' -> '.join(map(str, cycle + cycle[:1]))}") from None

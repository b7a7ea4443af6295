"""Exports of a network's graph: plain networkx graphs, GraphML, DOT and node-link JSON.

Every writer is atomic (a temporary file renamed over the target).
"""

import json

import networkx as nx

from ._atomic import atomic_write
from ._checks import network
from .errors import NeuronsimTypeError
from .graph import insertion_consistent_edges

__all__ = ["to_networkx", "write_graphml", "to_dot", "write_dot", "to_node_link", "write_node_link"]


def to_networkx(net, plain=True):
    """The network as a new :class:`networkx.DiGraph`, for other graph tools.

    Parameters
    ----------
    net : Network
    plain : bool, default True
        True: attributes are plain numbers and strings only, so :func:`networkx.write_graphml`
        and :func:`networkx.write_gexf` accept the graph. Nodes carry ``activation`` (str),
        ``bias``, ``bias_grad`` (float), ``role`` ("input", "output" or "hidden") and ``z``,
        ``a``, ``delta`` when set; edges carry ``weight`` and ``grad``.
        False: a copy of ``net.graph`` as a plain DiGraph whose nodes carry the network's own
        :class:`~neuronsim.Neuron` objects (attribute ``neuron``); its edge attribute dicts are
        copies, so editing them does not change the network.

    Examples
    --------
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 1), ("tanh", 1)], init="constant")
    >>> g = to_networkx(net)
    >>> g.nodes["o1"], g.edges["x1", "o1"]
    ({'activation': 'tanh', 'bias': 0.0, 'bias_grad': 0.0, 'role': 'output'}, {'weight': 1.0, 'grad': 0.0})
    """
    network(net, "to_networkx()")
    if not plain:
        return nx.DiGraph(net.graph)
    inputs = {n.name for n in net.inputs}
    outputs = {n.name for n in net.outputs}
    graph = nx.DiGraph()
    for name in net.graph:
        neuron = net[name]
        role = "input" if name in inputs else "output" if name in outputs else "hidden"
        attrs = {"activation": neuron.activation.name, "bias": float(neuron.bias),
                 "bias_grad": float(neuron.bias_grad), "role": role}
        for key in ("z", "a", "delta"):
            if getattr(neuron, key) is not None:
                attrs[key] = float(getattr(neuron, key))
        graph.add_node(name, **attrs)
    for src, dst in insertion_consistent_edges(net.graph):
        data = net.graph.edges[src, dst]
        graph.add_edge(src, dst, weight=float(data["weight"]), grad=float(data.get("grad", 0.0)))
    return graph


def write_graphml(net, path):
    """Write the plain graph (see :func:`to_networkx`) as GraphML, atomically.

    Examples
    --------
    >>> import os, tempfile, networkx as nx, neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 2), ("sigmoid", 1)], init="constant")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     write_graphml(net, os.path.join(folder, "net.graphml"))
    ...     nx.read_graphml(os.path.join(folder, "net.graphml")).edges["x2", "o1"]["weight"]
    1.0
    """
    graph = to_networkx(net)
    atomic_write(path, lambda file: nx.write_graphml(graph, file))


def to_dot(net, precision=4):
    """Graphviz DOT text of the network: neurons labelled with name and activation, links with
    their weight, coloured by sign (blue positive, red negative) and as thick as they are large.

    Needs no Graphviz installation; render the text with ``dot -Tsvg`` or any DOT viewer.

    Examples
    --------
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 1), ("sigmoid", 1)], init="constant")
    >>> print(to_dot(net))
    digraph neuronsim {
      rankdir=LR;
      node [shape=circle, fontname="Helvetica"];
      "x1" [label="x1\\nidentity", shape=box];
      "o1" [label="o1\\nsigmoid", shape=doublecircle];
      { rank=source; "x1"; }
      { rank=sink; "o1"; }
      "x1" -> "o1" [label="1", color="#2166ac", penwidth=4];
    }
    """
    network(net, "to_dot()")
    if isinstance(precision, bool) or not isinstance(precision, int) or precision < 1:
        raise NeuronsimTypeError(f"precision must be a positive integer, got {precision!r}")
    graph = to_networkx(net)
    lines = ["digraph neuronsim {", "  rankdir=LR;", '  node [shape=circle, fontname="Helvetica"];']
    shapes = {"input": ", shape=box", "output": ", shape=doublecircle", "hidden": ""}
    for name, data in graph.nodes(data=True):
        label = f"{_dot_escape(name)}\\n{_dot_escape(data['activation'])}"
        if data["role"] != "input" and data["bias"] != 0.0:
            label += f"\\nb={data['bias']:.{precision}g}"
        lines.append(f'  {_dot_id(name)} [label="{label}"{shapes[data["role"]]}];')
    for role, rank in (("input", "source"), ("output", "sink")):
        names = " ".join(f"{_dot_id(n)};" for n, r in graph.nodes(data="role") if r == role)
        lines.append(f"  {{ rank={rank}; {names} }}")
    largest = max((abs(w) for _, _, w in graph.edges(data="weight")), default=0.0) or 1.0
    for src, dst, weight in graph.edges(data="weight"):
        color = "#2166ac" if weight > 0 else "#b2182b" if weight < 0 else "#999999"
        width = 1.0 + 3.0 * abs(weight) / largest
        lines.append(f'  {_dot_id(src)} -> {_dot_id(dst)} [label="{weight:.{precision}g}", '
                     f'color="{color}", penwidth={width:.3g}];')
    lines.append("}")
    return "\n".join(lines)


def _dot_escape(text):
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def _dot_id(name):
    return f'"{_dot_escape(name)}"'


def write_dot(net, path, precision=4):
    """Write :func:`to_dot` text (UTF-8), atomically.

    Examples
    --------
    >>> import os, tempfile, neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 1), ("sigmoid", 1)], init="constant")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     write_dot(net, os.path.join(folder, "net.dot"))
    ...     print(open(os.path.join(folder, "net.dot")).read().splitlines()[0])
    digraph neuronsim {
    """
    text = to_dot(net, precision) + "\n"
    atomic_write(path, lambda file: file.write(text.encode("utf-8")))


def to_node_link(net):
    """The plain graph (see :func:`to_networkx`) as node-link data (a JSON-ready dict).

    Examples
    --------
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 1), ("sigmoid", 1)], init="constant")
    >>> data = to_node_link(net)
    >>> [node["id"] for node in data["nodes"]], data["edges"]
    (['x1', 'o1'], [{'weight': 1.0, 'grad': 0.0, 'source': 'x1', 'target': 'o1'}])
    """
    graph = to_networkx(net)
    try:
        return nx.node_link_data(graph, edges="edges")
    except TypeError:  # networkx < 3.4 names them "links"
        data = nx.node_link_data(graph)
        data["edges"] = data.pop("links")
        return data


def write_node_link(net, path, indent=None):
    """Write :func:`to_node_link` data as JSON, atomically.

    Examples
    --------
    >>> import json, os, tempfile, neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 1), ("sigmoid", 1)], init="constant")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     write_node_link(net, os.path.join(folder, "net.json"))
    ...     len(json.load(open(os.path.join(folder, "net.json")))["edges"])
    1
    """
    text = json.dumps(to_node_link(net), allow_nan=False, indent=indent) + "\n"
    atomic_write(path, lambda file: file.write(text.encode("ascii")))

"""The plan: a network's cached walk order, checked once per structure.

A :class:`Plan` lists the neurons in topological order and, for each non-input neuron,
references to the graph's own edge-attribute dicts of its incoming and outgoing links: it holds
no numbers of its own, so weights are always read from (and written to) the graph. It is
rebuilt whenever the graph's structure changes (:attr:`NeuronGraph.structure_version`) or the
inputs/outputs are renamed.
"""

import numpy as np

from ._checks import finite_float
from .errors import TopologyError
from .graph import topological_names
from .neuron import Neuron

__all__ = ["Plan", "LossTerms", "build_plan"]


class LossTerms:
    """What the loss contributed to the last backward pass (read by explanations).

    ``output_terms[i]`` is ∂C/∂a of output i, or, when ``fused``, the loss's own part of δ
    (e.g. softmax(z) − t).
    """

    __slots__ = ("loss", "fused", "target", "value", "output_terms")

    def __init__(self, loss, fused, target, value, output_terms):
        self.loss = loss
        self.fused = fused
        self.target = target
        self.value = value
        self.output_terms = output_terms


class Plan:
    """Cached walk order: references into the graph, never copies of its numbers."""

    __slots__ = ("key", "order", "inputs", "outputs", "forward", "backward", "last_loss")

    def __init__(self, key, order, inputs, outputs, forward, backward):
        self.key = key
        self.order = order          # every Neuron, topological
        self.inputs = inputs        # input Neurons
        self.outputs = outputs      # output Neurons
        self.forward = forward      # [(neuron, ((src_neuron, edge_dict), ...))], non-inputs, topological
        self.backward = backward    # [(neuron, incoming, ((dst_neuron, edge_dict), ...), output_index)], reversed
        self.last_loss = None       # LossTerms of the last backward pass, for explanations


def build_plan(graph, key, explicit_inputs=None, explicit_outputs=None):
    """Check the graph and lay out its walk order (see the module documentation).

    Raises
    ------
    TopologyError, CycleError, ValueRangeError
        A node without its Neuron, a link without a finite weight, a cycle, or missing or
        contradictory inputs and outputs.

    Examples
    --------
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 1), ("sigmoid", 2)], init="constant")
    >>> plan = build_plan(net.graph, key=None, explicit_inputs=["x1"])
    >>> [n.name for n in plan.order], [n.name for n in plan.outputs]
    (['x1', 'o1', 'o2'], ['o1', 'o2'])
    """
    for name, data in graph.nodes(data=True):
        neuron = data.get("neuron")
        if not isinstance(neuron, Neuron) or neuron.name != name:
            raise TopologyError(f"graph node {name!r} has no Neuron of that name in attribute 'neuron'; "
                                "add neurons with Network.add_neuron()")
    try:
        weights = np.fromiter((data["weight"] for _, nbrs in graph._succ.items() for data in nbrs.values()),
                              float, graph.number_of_edges())
        valid = bool(np.isfinite(weights).all())
    except (KeyError, TypeError, ValueError):
        valid = False
    if not valid:  # find and name the culprit
        for src, dst, data in graph.edges(data=True):
            if data.get("weight") is None:
                raise TopologyError(f"edge {src} -> {dst} has no 'weight' attribute")
            finite_float(data["weight"], f"weight of edge {src} -> {dst}")
    for nbrs in graph._succ.values():
        for data in nbrs.values():
            if "grad" not in data:
                data["grad"] = 0.0
    order_names = topological_names(graph)
    node = graph._node
    order = tuple(node[name]["neuron"] for name in order_names)

    pred, succ = graph._pred, graph._succ
    for side, names in (("input", explicit_inputs), ("output", explicit_outputs)):
        missing = [n for n in names or () if n not in graph]
        if missing:
            raise TopologyError(
                f"explicit {side} neuron(s) {missing} are no longer in the graph; remove neurons with "
                f"Network.remove_neuron() or rename the {side}s with set_{side}s()")
    input_names = explicit_inputs
    if input_names is None:
        input_names = [n for n in graph if not pred[n]]
    output_names = explicit_outputs
    if output_names is None:
        output_names = [n for n in graph if not succ[n]]
    if not input_names:
        raise TopologyError("the network has no input neurons")
    if not output_names:
        raise TopologyError("the network has no output neurons")
    both = set(input_names) & set(output_names)
    if both:
        raise TopologyError(f"neuron(s) {sorted(both)} are both input and output "
                            "(an unconnected neuron?); connect them or name inputs/outputs explicitly")
    for name in input_names:
        if pred[name]:
            raise TopologyError(f"input neuron {name!r} has upstream links")

    inputs = set(input_names)
    out_index = {name: i for i, name in enumerate(output_names)}
    forward, backward = [], []
    for neuron in order:
        if neuron.name in inputs:
            continue
        incoming = tuple((node[src]["neuron"], data) for src, data in pred[neuron.name].items())
        outgoing = tuple((node[dst]["neuron"], data) for dst, data in succ[neuron.name].items())
        forward.append((neuron, incoming))
        backward.append((neuron, incoming, outgoing, out_index.get(neuron.name, -1)))
    backward.reverse()
    for neuron in order:  # state from before a structural change is meaningless now
        neuron.z = neuron.a = neuron.delta = None
    return Plan(key, order, tuple(node[n]["neuron"] for n in input_names),
                 tuple(node[n]["neuron"] for n in output_names), forward, backward)

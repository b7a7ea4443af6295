"""The plan: a network's cached walk order, checked once per structure.

A :class:`Plan` lists the neurons in topological order and, for each non-input neuron,
references to the graph's own edge-attribute dicts of its incoming and outgoing links: it holds
no numbers of its own, so weights are always read from (and written to) the graph. It is
rebuilt whenever the graph's structure changes (:attr:`NeuronGraph.structure_version`) or the
inputs/outputs are renamed.

For the object engine's loops (``Network._forward``/``_backward``) the plan also binds each
neuron's activation functions ``f`` and ``df`` once: a neuron's activation is part of the
structure (assigning one bumps the structure version), so the plan is rebuilt when it changes.
Biases, weights and gradients are never bound: the loops read them from the neurons and the
graph on every pass.
"""

import numpy as np

from ._checks import finite_float
from ._gc import paused_gc
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
    """Cached walk order: references into the graph, never copies of its numbers.

    The per-link tuples the object engine walks (:attr:`forward`, :attr:`backward` and their
    ``*_loop`` forms, two references per link) are laid out on first use, so that a network only
    ever trained or run batched (whose engine reads the graph itself) does not hold them.
    """

    __slots__ = ("key", "order", "inputs", "outputs", "last_loss", "_graph", "_links")

    def __init__(self, key, order, inputs, outputs, graph):
        self.key = key
        self.order = order          # every Neuron, topological
        self.inputs = inputs        # input Neurons
        self.outputs = outputs      # output Neurons
        self.last_loss = None       # LossTerms of the last backward pass, for explanations
        self._graph = graph         # what the link tuples are laid out from, on first use
        self._links = None

    def _laid_out(self):
        links = self._links
        if links is None:
            with paused_gc():       # millions of small tuples: no collector passes over them
                forward, backward = _link_tuples(self._graph, self.order, self.inputs, self.outputs)
                # the object engine's loops: the same neurons and edge-dict tuples, each neuron's
                # activation functions bound once (see the module documentation)
                links = self._links = (
                    forward, backward,
                    tuple((neuron, neuron._activation.f, incoming) for neuron, incoming in forward),
                    tuple((neuron, neuron._activation.df, outgoing, out_index)
                          for neuron, _, outgoing, out_index in backward))
            self._graph = None
        return links

    @property
    def forward(self):
        """[(neuron, ((src_neuron, edge_dict), ...))] for the non-input neurons, topological."""
        return self._laid_out()[0]

    @property
    def backward(self):
        """[(neuron, incoming, ((dst_neuron, edge_dict), ...), output_index)], reversed."""
        return self._laid_out()[1]

    @property
    def forward_loop(self):
        """(neuron, f, incoming) per non-input neuron: :attr:`forward` with ``f`` bound."""
        return self._laid_out()[2]

    @property
    def backward_loop(self):
        """(neuron, df, outgoing, output_index), reversed: :attr:`backward` with ``df`` bound."""
        return self._laid_out()[3]


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
        if neuron._graph is None:  # put into the graph directly: it joins it, so that assigning it an
            neuron._graph = graph  # activation bumps the structure version (the plan binds activations)
    try:
        weights = np.fromiter((data["weight"] for _, nbrs in graph._succ.items() for data in nbrs.values()),
                              float, graph.number_of_edges())
        valid = bool(np.isfinite(weights).all())
    except (KeyError, TypeError, ValueError, OverflowError):  # OverflowError: an int beyond the float range
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

    for neuron in order:  # state from before a structural change is meaningless now
        neuron.z = neuron.a = neuron.delta = None
    return Plan(key, order, tuple(node[n]["neuron"] for n in input_names),
                tuple(node[n]["neuron"] for n in output_names), graph)


def _link_tuples(graph, order, inputs, outputs):
    """The object engine's walk: (forward, backward) lists of the non-input neurons with tuples
    of (neighbour Neuron, edge dict) per link (valid while the plan is: the structure is as it
    was when the plan was built)."""
    node, pred, succ = graph._node, graph._pred, graph._succ
    inputs = {neuron.name for neuron in inputs}
    out_index = {neuron.name: i for i, neuron in enumerate(outputs)}
    forward, backward = [], []
    for neuron in order:
        if neuron.name in inputs:
            continue
        incoming = tuple((node[src]["neuron"], data) for src, data in pred[neuron.name].items())
        outgoing = tuple((node[dst]["neuron"], data) for dst, data in succ[neuron.name].items())
        forward.append((neuron, incoming))
        backward.append((neuron, incoming, outgoing, out_index.get(neuron.name, -1)))
    backward.reverse()
    return forward, backward

"""The :class:`Neuron`: one unit's state, and views of its links read from the graph.

A neuron holds what belongs to it alone: its name, activation, bias and bias gradient, and the
state of the last pass — ``z`` (pre-activation), ``a`` (activation) and ``delta`` (∂C/∂z). Its
links live in the network's graph; :attr:`Neuron.upstream` and :attr:`Neuron.downstream` read
them from there on every access, so they can never drift from the weights.
"""

from math import isfinite

from . import activations as _activations
from ._checks import finite_float

__all__ = ["Neuron"]


class Neuron:
    """A unit of a :class:`~neuronsim.Network`; create it with ``Network.add_neuron``.

    Attributes
    ----------
    name : str
        The neuron's key in ``Network.graph``.
    activation : Activation
        Assigning a registered name (``n.activation = "tanh"``) looks it up.
    bias : float
        Assignments are checked (a finite real number).
    bias_grad : float
        ∂C/∂b accumulated by ``backward`` (δ_j per case) until ``zero_grad``.
    z, a : float or None
        Pre-activation and activation of the last forward pass (None before the first).
        Input neurons are clamped: z = a = the input value; their activation and bias are unused.
    delta : float or None
        δ = ∂C/∂z of the last backward pass (None for input neurons and before the first).

    Examples
    --------
    >>> import neuronsim
    >>> net = neuronsim.Network()
    >>> x = net.add_neuron("x", "identity")
    >>> h = net.add_neuron("h", "sigmoid", bias=0.5)
    >>> net.connect("x", "h", 2.0)
    >>> [(n.name, w) for n, w in h.upstream]
    [('x', 2.0)]
    >>> net.set_weight("x", "h", -1.0)
    >>> [(n.name, w) for n, w in x.downstream]
    [('h', -1.0)]
    """

    __slots__ = ("_name", "_activation", "_bias", "bias_grad", "z", "a", "delta", "_graph", "__weakref__")

    def __init__(self, name, activation="sigmoid", bias=0.0, *, graph=None):
        self._name = name
        self._activation = _activations.get(activation)
        # a finite float as it is (the common case: no message formatted); anything else checked
        self._bias = bias if type(bias) is float and isfinite(bias) else finite_float(bias, f"bias of neuron {name!r}")
        self.bias_grad = 0.0
        self.z = None
        self.a = None
        self.delta = None
        self._graph = graph

    @property
    def name(self):
        """The neuron's key in the graph (read-only: a name is how links, files and plots find it)."""
        return self._name

    @property
    def activation(self):
        """The neuron's :class:`~neuronsim.Activation`; assign one or a registered name."""
        return self._activation

    @activation.setter
    def activation(self, value):
        self._activation = _activations.get(value)
        if self._graph is not None:  # compiled engines hold activations: they must recompile
            self._graph.structure_version += 1

    @property
    def bias(self):
        """The bias b (a finite real number; assignments are checked)."""
        return self._bias

    @bias.setter
    def bias(self, value):
        self._bias = finite_float(value, f"bias of neuron {self.name!r}")

    @property
    def upstream(self):
        """``(neuron, weight)`` for each incoming link, read from the graph now."""
        return self._links(upstream=True)

    @property
    def downstream(self):
        """``(neuron, weight)`` for each outgoing link, read from the graph now."""
        return self._links(upstream=False)

    def _links(self, upstream):
        graph = self._graph
        if graph is None or self.name not in graph:  # removed from its network
            return ()
        adjacency = graph.pred if upstream else graph.succ
        nodes = graph.nodes
        return tuple((nodes[other]["neuron"], data["weight"]) for other, data in adjacency[self.name].items())

    def __repr__(self):
        def fmt(v):
            return "None" if v is None else f"{v:.6g}"

        return (f"Neuron({self.name!r}, {self._activation.name}, bias={self._bias:.6g}, "
                f"z={fmt(self.z)}, a={fmt(self.a)}, delta={fmt(self.delta)})")

    def _repr_html_(self):
        """What a notebook shows: a one-row table of the neuron's z, a, δ, bias and bias gradient,
        and the names of the neurons it links from and to.

        Examples
        --------
        >>> import neuronsim
        >>> net = neuronsim.Network.from_spec([("identity", 1), ("tanh", 1)], init="constant")
        >>> '<td>o1</td><td class="act">tanh</td>' in net["o1"]._repr_html_()
        True
        """
        from ._html import neuron_html

        return neuron_html(self)

"""The :class:`Network`: neurons on a networkx DiGraph, and the object engine.

The graph is the single store of structure and weights: node key = neuron name, node attribute
``neuron`` = the :class:`~neuronsim.Neuron`, edge attributes ``weight`` and ``grad``. The forward
pass walks the neurons in topological order writing ``z`` and ``a``; the backward pass walks
them in reverse writing each neuron's δ and accumulating every edge's gradient, edge by edge:

    δ_j = f′(z_j) · Σ_k w_jk δ_k          (+ ∂C/∂a_j for an output neuron)
    ∂C/∂w_ij += a_i δ_j,   ∂C/∂b_j += δ_j

For speed the engine caches a *plan*: the topological order and, per neuron, references to the
graph's own edge-attribute dicts. A plan holds no weights; it is rebuilt whenever the graph's
structure changes (through the Network or directly through ``net.graph``).
"""

import networkx as nx
import numpy as np

from . import activations as _activations
from . import losses as _losses
from ._checks import as_matrix, finite_float, finite_vector, neuron_names
from .errors import CycleError, LossError, NeuronsimError, NeuronsimTypeError, TopologyError
from .graph import NeuronGraph, insertion_consistent_edges, topological_names
from .neuron import Neuron
from .plan import LossTerms, build_plan

__all__ = ["Network"]


class Network:
    """A neural network whose neurons are objects on a :class:`networkx.DiGraph`.

    Build one by hand (:meth:`add_neuron`, :meth:`connect`) or from a spec
    (:meth:`from_spec`). Inputs are, by default, the neurons with no upstream link and outputs
    those with no downstream link, in the order the neurons were added; :meth:`set_inputs` and
    :meth:`set_outputs` name them explicitly.

    Input neurons are clamped: their z and a are the input values (their activation and bias are
    not used).

    Examples
    --------
    >>> net = Network()
    >>> for name, act in [("x1", "identity"), ("x2", "identity"), ("h", "sigmoid"), ("o", "sigmoid")]:
    ...     _ = net.add_neuron(name, act)
    >>> net.connect("x1", "h", 0.5); net.connect("x2", "h", -0.5)
    >>> net.connect("h", "o", 1.0); net.connect("x1", "o", 0.25)     # a skip link
    >>> [n.name for n in net.inputs], [n.name for n in net.outputs]
    (['x1', 'x2'], ['o'])
    >>> net.forward([1.0, 0.0])
    [0.70525...]
    >>> round(net.backward([1.0]), 6)
    0.043437
    >>> round(net["h"].delta, 6), round(net.graph.edges["x1", "h"]["grad"], 6)
    (-0.014398, -0.014398)
    """

    def __init__(self):
        self._graph = NeuronGraph()
        self._explicit_inputs = None
        self._explicit_outputs = None
        self._io_version = 0
        self._plan = None
        self._engine = None  # the compiled batched engine, reused while the structure holds

    # --- the graph and its neurons ------------------------------------------------------------

    @property
    def graph(self):
        """The :class:`networkx.DiGraph` holding neurons (node attr ``neuron``) and links
        (edge attrs ``weight`` and ``grad``): the only store of weights."""
        return self._graph

    def __getitem__(self, name):
        try:
            return self._graph._node[name]["neuron"]
        except (KeyError, TypeError):
            raise TopologyError(f"unknown neuron {name!r}") from None

    def __contains__(self, name):
        try:
            return name in self._graph
        except TypeError:
            return False

    def __len__(self):
        return self._graph.number_of_nodes()

    def __iter__(self):
        return iter(self.neurons)

    @property
    def neurons(self):
        """Every :class:`Neuron` in topological order (ties keep the order of addition).

        Available while a network is being built too (before it has inputs and outputs).
        """
        try:
            return list(self._current_plan().order)
        except CycleError:
            raise
        except TopologyError:
            node = self._graph._node
            return [node[name]["neuron"] for name in topological_names(self._graph)]

    @property
    def inputs(self):
        """The input neurons, in order (explicit, or those with no upstream link)."""
        return list(self._current_plan().inputs)

    @property
    def outputs(self):
        """The output neurons, in order (explicit, or those with no downstream link)."""
        return list(self._current_plan().outputs)

    def edges(self):
        """``(src, dst, weight)`` for every link, in parameter order (see :meth:`parameter_keys`).

        Examples
        --------
        >>> net = Network.from_spec([("identity", 1), ("sigmoid", 1)], init="constant")
        >>> net.edges()
        [('x1', 'o1', 1.0)]
        """
        return [(src.name, neuron.name, edge["weight"])
                for neuron, incoming in self._current_plan().forward for src, edge in incoming]

    # --- structural edits ---------------------------------------------------------------------

    def add_neuron(self, name, activation="sigmoid", bias=0.0):
        """Add a neuron and return it.

        Parameters
        ----------
        name : str
            Unique name; the neuron's key in :attr:`graph`.
        activation : str or Activation, default "sigmoid"
            A registered activation name (see :mod:`neuronsim.activations`) or an Activation.
        bias : float, default 0.0

        Raises
        ------
        TopologyError
            The name is taken.
        ActivationError
            Unknown activation (the message lists the known ones).

        Examples
        --------
        >>> net = Network()
        >>> net.add_neuron("h", "tanh", bias=0.1)
        Neuron('h', tanh, bias=0.1, z=None, a=None, delta=None)
        """
        if not isinstance(name, str) or not name:
            raise NeuronsimTypeError(f"neuron name must be a non-empty string, got {name!r}")
        if name in self._graph:
            raise TopologyError(f"duplicate neuron name {name!r}")
        neuron = Neuron(name, activation, bias, graph=self._graph)
        self._graph.add_node(name, neuron=neuron)
        return neuron

    def connect(self, src, dst, weight):
        """Link ``src`` → ``dst`` with a weight.

        Raises
        ------
        TopologyError
            Unknown neuron, an existing link, or a link into an explicit input neuron.
        CycleError
            The link would close a cycle (the message names it).
        NeuronsimTypeError, ValueRangeError
            The weight is not a finite real number.

        Examples
        --------
        >>> net = Network()
        >>> for n in "abc":
        ...     _ = net.add_neuron(n)
        >>> net.connect("a", "b", 1.0); net.connect("b", "c", 1.0)
        >>> net.connect("c", "a", 1.0)
        Traceback (most recent call last):
        ...
        neuronsim.errors.CycleError: edge c -> a would close the cycle a -> b -> c -> a
        """
        edge = f"edge {src} -> {dst}"
        for name in (src, dst):
            if name not in self:
                raise TopologyError(f"{edge}: unknown neuron {name!r}")
        weight = finite_float(weight, f"weight of {edge}")
        if src == dst:
            raise CycleError(f"{edge} would link neuron {src!r} to itself")
        if self._graph.has_edge(src, dst):
            raise TopologyError(f"{edge} already exists; use set_weight() to change its weight")
        if self._explicit_inputs is not None and dst in self._explicit_inputs:
            raise TopologyError(f"{edge}: {dst!r} is an input neuron and cannot have upstream links")
        if nx.has_path(self._graph, dst, src):
            cycle = nx.shortest_path(self._graph, dst, src) + [dst]
            raise CycleError(f"{edge} would close the cycle {' -> '.join(map(str, cycle))}")
        self._graph.add_edge(src, dst, weight=weight, grad=0.0)

    def disconnect(self, src, dst):
        """Remove the link ``src`` → ``dst``.

        Raises
        ------
        TopologyError
            There is no such link.
        """
        self._edge_data(src, dst)
        self._graph.remove_edge(src, dst)

    def remove_neuron(self, name):
        """Remove a neuron with all its links (and from explicit inputs/outputs).

        Raises
        ------
        TopologyError
            Unknown neuron.
        """
        neuron = self[name]
        self._graph.remove_node(name)
        neuron._graph = None
        for names in (self._explicit_inputs, self._explicit_outputs):
            if names is not None and name in names:
                names.remove(name)

    def set_inputs(self, names):
        """Name the input neurons explicitly, in order (``None`` restores the default).

        Raises
        ------
        TopologyError
            Unknown or repeated neuron, or a named neuron that has upstream links.
        """
        names = self._checked_names(names, "inputs")
        if names is not None:
            for name in names:
                if self._graph.in_degree(name):
                    raise TopologyError(
                        f"inputs: neuron {name!r} has upstream links "
                        f"({', '.join(map(str, self._graph.pred[name]))}); an input neuron cannot")
        self._explicit_inputs = names
        self._io_version += 1

    def set_outputs(self, names):
        """Name the output neurons explicitly, in order (``None`` restores the default).

        Raises
        ------
        TopologyError
            Unknown or repeated neuron.
        """
        self._explicit_outputs = self._checked_names(names, "outputs")
        self._io_version += 1

    def _checked_names(self, names, what):
        if names is None:
            return None
        if isinstance(names, str):  # set_inputs("x1") is almost surely a mistake for ["x1"]
            raise NeuronsimTypeError(f"{what} must be a list of neuron names, got {names!r}")
        return neuron_names(self, names, what)

    # --- weights and parameters ---------------------------------------------------------------

    def _edge_data(self, src, dst):
        try:
            return self._graph._succ[src][dst]
        except (KeyError, TypeError):
            raise TopologyError(f"no edge {src} -> {dst}") from None

    def weight(self, src, dst):
        """The weight of the link ``src`` → ``dst`` (read from the graph)."""
        return self._edge_data(src, dst)["weight"]

    def set_weight(self, src, dst, weight):
        """Set the weight of the link ``src`` → ``dst`` in the graph.

        Examples
        --------
        >>> net = Network.from_spec([("identity", 1), ("sigmoid", 1)], init="constant")
        >>> net.set_weight("x1", "o1", 0.5)
        >>> net.weight("x1", "o1"), net.graph.edges["x1", "o1"]["weight"]
        (0.5, 0.5)
        """
        data = self._edge_data(src, dst)
        data["weight"] = finite_float(weight, f"weight of edge {src} -> {dst}")

    def parameter_keys(self):
        """Keys of the trainable parameters, in the order of :meth:`parameters`.

        For each non-input neuron in topological order: the key ``(src, dst)`` of each incoming
        link's weight (in the order the links were made), then the neuron's name for its bias.

        Examples
        --------
        >>> net = Network.from_spec([("identity", 2), ("sigmoid", 1)], init="constant")
        >>> net.parameter_keys()
        [('x1', 'o1'), ('x2', 'o1'), 'o1']
        """
        keys = []
        for neuron, incoming in self._current_plan().forward:
            keys.extend((src.name, neuron.name) for src, _ in incoming)
            keys.append(neuron.name)
        return keys

    def parameters(self):
        """Current weights and biases as a list of floats, in :meth:`parameter_keys` order."""
        values = []
        for neuron, incoming in self._current_plan().forward:
            values.extend(edge["weight"] for _, edge in incoming)
            values.append(neuron._bias)
        return values

    def gradients(self):
        """Accumulated ∂C/∂w and ∂C/∂b as a list of floats, in :meth:`parameter_keys` order."""
        values = []
        for neuron, incoming in self._current_plan().forward:
            values.extend(edge["grad"] for _, edge in incoming)
            values.append(neuron.bias_grad)
        return values

    def set_parameters(self, values):
        """Write weights and biases, given in :meth:`parameter_keys` order, into the graph.

        Raises
        ------
        ShapeError
            Wrong number of values.
        """
        plan = self._current_plan()
        expected = sum(len(incoming) + 1 for _, incoming in plan.forward)
        values = finite_vector(values, expected, "parameters")
        i = 0
        for neuron, incoming in plan.forward:
            for _, edge in incoming:
                edge["weight"] = values[i]
                i += 1
            neuron._bias = values[i]
            i += 1

    def zero_grad(self):
        """Reset every edge's ``grad`` and every neuron's ``bias_grad`` to 0."""
        for _, _, data in self._graph.edges(data=True):
            data["grad"] = 0.0
        for name in self._graph:
            self._graph._node[name]["neuron"].bias_grad = 0.0

    # --- the object engine --------------------------------------------------------------------

    def forward(self, x):
        """Propagate one input vector; return the output activations.

        Writes ``z`` and ``a`` on every neuron, in topological order:
        z_j = b_j + Σ_i w_ij a_i, a_j = f_j(z_j) (inputs are clamped to x).

        Raises
        ------
        ShapeError
            ``x`` does not have one value per input neuron.
        NeuronsimTypeError, ValueRangeError
            A value is not a finite real number.
        TopologyError
            The network has no inputs or no outputs.
        """
        plan = self._current_plan()
        return self._forward(plan, finite_vector(x, len(plan.inputs), "input x"))

    @staticmethod
    def _forward(plan, x):
        for neuron, value in zip(plan.inputs, x):
            neuron.z = neuron.a = value
        for neuron, incoming in plan.forward:
            z = neuron._bias
            for src, edge in incoming:
                z += src.a * edge["weight"]
            neuron.z = z
            neuron.a = neuron._activation.f(z)
        return [neuron.a for neuron in plan.outputs]

    def backward(self, target, loss="squared_error"):
        """Backpropagate from the last forward pass; return the loss of this case.

        In reverse topological order each non-input neuron j gets
        δ_j = f′(z_j) (∂C/∂a_j + Σ_k w_jk δ_k), where ∂C/∂a_j is the loss gradient for an output
        neuron and 0 otherwise (or the loss's fused δ, e.g. softmax(z) − t for softmax
        cross-entropy); then each incoming edge accumulates ``grad += a_i δ_j`` and the neuron
        ``bias_grad += δ_j``. Gradients add up over calls until :meth:`zero_grad`.

        Parameters
        ----------
        target : sequence of float
            One value per output neuron.
        loss : str or Loss, default "squared_error"

        Raises
        ------
        NeuronsimError
            No forward pass since the last structural change.
        ShapeError, ValueRangeError
            Wrong target length, or a value outside the loss's range.
        LossError
            Unknown loss, or a loss that does not apply to these output neurons.
        """
        plan = self._current_plan()
        if any(neuron.a is None for neuron in plan.order):
            raise NeuronsimError("backward() needs a forward() pass first (since the last structural change)")
        loss, fused = self._checked_loss(plan, loss)
        target = self._checked_target(plan, target, loss)
        return self._backward(plan, target, loss, fused)

    @staticmethod
    def _loss_terms(plan, target, loss, fused):
        """The case's loss value and each output's loss term (∂C/∂a, or the fused δ); kept on
        the plan for explanations."""
        outputs = plan.outputs
        if fused is not None:
            value = fused[0]([n.z for n in outputs], target)
            loss_delta = fused[1]([n.z for n in outputs], [n.a for n in outputs], target)
        else:
            a = [n.a for n in outputs]
            value = loss.f(a, target)
            loss_delta = loss.df(a, target)
        if len(loss_delta) != len(outputs):
            raise LossError(f"loss {loss.name!r}: its gradient has {len(loss_delta)} values for {len(outputs)} outputs")
        plan.last_loss = LossTerms(loss, fused is not None, target, value, loss_delta)
        return value, loss_delta

    @staticmethod
    def _backward(plan, target, loss, fused):
        value, loss_delta = Network._loss_terms(plan, target, loss, fused)
        for neuron, incoming, outgoing, out_index in plan.backward:
            total = 0.0
            for dst, edge in outgoing:
                total += edge["weight"] * dst.delta
            if out_index < 0:
                delta = neuron._activation.df(neuron.z, neuron.a) * total
            elif fused is None:
                delta = neuron._activation.df(neuron.z, neuron.a) * (total + loss_delta[out_index])
            else:
                delta = loss_delta[out_index] + neuron._activation.df(neuron.z, neuron.a) * total
            neuron.delta = delta
            neuron.bias_grad += delta
            for src, edge in incoming:
                edge["grad"] += src.a * delta
        return value

    def loss(self, x, target, loss="squared_error"):
        """Forward ``x`` and return the loss against ``target`` (no gradients are touched).

        Examples
        --------
        >>> net = Network.from_spec([("identity", 1), ("identity", 1)], init="constant")
        >>> net.loss([3.0], [1.0])
        2.0
        """
        plan = self._current_plan()
        loss, fused = self._checked_loss(plan, loss)
        target = self._checked_target(plan, target, loss)
        self._forward(plan, finite_vector(x, len(plan.inputs), "input x"))
        if fused is not None:
            return fused[0]([n.z for n in plan.outputs], target)
        return loss.f([n.a for n in plan.outputs], target)

    def predict(self, X):
        """Forward every row of ``X``; return the outputs as an (n, outputs) float array.

        Examples
        --------
        >>> net = Network.from_spec([("identity", 2), ("identity", 1)], init="constant")
        >>> net.predict([[1, 2], [3, 4]])
        array([[3.],
               [7.]])
        """
        plan = self._current_plan()
        rows = as_matrix(X, len(plan.inputs), "X")
        return np.array([self._forward(plan, row) for row in rows.tolist()], dtype=float).reshape(
            len(rows), len(plan.outputs))

    def _checked_loss(self, plan, loss):
        loss = _losses.get(loss)
        names = {n._activation.name for n in plan.outputs}
        if loss.output_activation is not None and names != {loss.output_activation}:
            wrong = [n.name for n in plan.outputs if n._activation.name != loss.output_activation]
            raise LossError(
                f"loss {loss.name!r} needs {loss.output_activation!r} output neurons; "
                f"{', '.join(map(repr, wrong))} {'is' if len(wrong) == 1 else 'are'} not")
        fused = None
        if len(names) == 1:
            name = names.pop()
            # a fused δ is the calculus of the registered activation of that name, not of any
            # Activation that happens to share the name
            if name in loss.fused and all(n._activation is _activations.get(name) for n in plan.outputs):
                fused = loss.fused[name]
        return loss, fused

    @staticmethod
    def _checked_target(plan, target, loss):
        target = finite_vector(target, len(plan.outputs), "target")
        _losses.check_targets(loss, target)
        return target

    # --- plan ---------------------------------------------------------------------------------

    def _current_plan(self):
        key = (self._graph.structure_version, self._io_version)
        plan = self._plan
        if plan is None or plan.key != key:
            plan = self._plan = build_plan(self._graph, key, self._explicit_inputs, self._explicit_outputs)
        return plan

    def compile(self):
        """A batched numpy engine over this graph (see :mod:`neuronsim.fast`).

        The compiled engine is kept and returned again while the structure is unchanged (a
        structural edit makes the next call compile anew); it always starts from the graph's
        current weights.

        Examples
        --------
        >>> net = Network.from_spec([("identity", 2), ("identity", 1)], init="constant")
        >>> net.compile().forward([[1.0, 2.0], [3.0, 4.0]])
        array([[3.],
               [7.]])
        """
        from .fast import FastEngine  # the fast engine builds on Network; imported late

        engine = self._engine
        if engine is None or engine._key != self._current_plan().key:
            engine = self._engine = FastEngine(self)
        else:
            engine.pull()  # the graph is the truth: start from its current weights
        return engine

    # --- stepping through and explaining ------------------------------------------------------

    def forward_steps(self, x):
        """Generator of per-neuron forward steps (see :func:`neuronsim.steps.forward_steps`)."""
        from .steps import forward_steps  # steps builds on Network; imported late to keep arrows down

        return forward_steps(self, x)

    def backward_steps(self, target, loss="squared_error", *, by_edge=False):
        """Generator of per-neuron backward steps (see :func:`neuronsim.steps.backward_steps`)."""
        from .steps import backward_steps

        return backward_steps(self, target, loss, by_edge=by_edge)

    def explain(self, name, kind="delta", fmt="text", precision=4):
        """The equation behind a δ, activation or gradient, with numbers (see :func:`neuronsim.explain.explain`)."""
        from .explain import explain

        return explain(self, name, kind, fmt, precision)

    def summary(self, precision=4, max_rows=None):
        """A table of the network's state (see :func:`neuronsim.explain.summary`); ``print(net)``
        shows it with at most 40 neuron rows and 40 edge rows."""
        from .explain import summary

        return summary(self, precision, max_rows)

    def __str__(self):
        return self.summary(max_rows=40)

    def deltas(self):
        """Snapshot ``{name: δ}`` of every neuron (None for inputs and before a backward pass).

        Examples
        --------
        >>> net = Network.from_spec([("identity", 1), ("identity", 1)], init="constant")
        >>> _ = net.forward([2.0]); _ = net.backward([0.5])
        >>> net.deltas()
        {'x1': None, 'o1': 1.5}
        """
        return {neuron.name: neuron.delta for neuron in self.neurons}

    def activations(self):
        """Snapshot ``{name: a}`` of every neuron from the last forward pass.

        Examples
        --------
        >>> net = Network.from_spec([("identity", 1), ("identity", 1)], init="constant")
        >>> _ = net.forward([2.0])
        >>> net.activations()
        {'x1': 2.0, 'o1': 2.0}
        """
        return {neuron.name: neuron.a for neuron in self.neurons}

    # --- specs and copies ---------------------------------------------------------------------

    @classmethod
    def from_spec(cls, spec, *, init=None, seed=None):
        """Build a network from a layered list, a graph dict, or a JSON/YAML file of either.

        See :func:`neuronsim.spec.build` for the forms accepted.

        Examples
        --------
        >>> net = Network.from_spec([("identity", 4), ("sigmoid", 5), ("sigmoid", 3)], init="constant")
        >>> len(net), net.graph.number_of_edges()
        (12, 35)
        """
        from .spec import build  # spec builds on Network; imported late to keep arrows down

        return build(spec, init=init, seed=seed)

    def to_spec(self):
        """A graph-form spec dict that rebuilds an identical network (see :func:`neuronsim.spec.to_spec`)."""
        from .spec import to_spec

        return to_spec(self)

    def save(self, path, *, optimizer=None, metadata=None, indent=None):
        """Save as versioned JSON, atomically (see :func:`neuronsim.io.save`); load with
        :func:`neuronsim.load`."""
        from .io import save  # io builds on Network; imported late to keep arrows down

        save(self, path, optimizer=optimizer, metadata=metadata, indent=indent)

    def to_networkx(self, plain=True):
        """A new networkx DiGraph of this network (see :func:`neuronsim.export.to_networkx`).

        Examples
        --------
        >>> net = Network.from_spec([("identity", 1), ("tanh", 1)], init="constant")
        >>> net.to_networkx().nodes["o1"]["activation"]
        'tanh'
        """
        from .export import to_networkx

        return to_networkx(self, plain=plain)

    def copy(self):
        """An independent network with the same neurons, links, weights, biases and io names.

        Examples
        --------
        >>> net = Network.from_spec([("identity", 1), ("sigmoid", 1)], init="constant")
        >>> twin = net.copy(); twin.set_weight("x1", "o1", 5.0)
        >>> net.weight("x1", "o1")
        1.0
        """
        twin = Network()
        for neuron in self._graph_order():
            twin.add_neuron(neuron.name, neuron.activation, neuron.bias)
        graph = self._graph
        for src, dst in insertion_consistent_edges(graph):  # same summation order: same numbers
            data = graph._succ[src][dst]
            twin._graph.add_edge(src, dst, weight=data["weight"], grad=data.get("grad", 0.0))
        for neuron in self._graph_order():
            twin[neuron.name].bias_grad = neuron.bias_grad
        twin._explicit_inputs = None if self._explicit_inputs is None else list(self._explicit_inputs)
        twin._explicit_outputs = None if self._explicit_outputs is None else list(self._explicit_outputs)
        return twin

    def _graph_order(self):
        return [self._graph._node[name]["neuron"] for name in self._graph]

    @property
    def explicit_inputs(self):
        """The names given to :meth:`set_inputs` (None when inputs are inferred)."""
        return None if self._explicit_inputs is None else list(self._explicit_inputs)

    @property
    def explicit_outputs(self):
        """The names given to :meth:`set_outputs` (None when outputs are inferred)."""
        return None if self._explicit_outputs is None else list(self._explicit_outputs)

    def __repr__(self):
        try:
            plan = self._current_plan()
            io = (f", inputs={[n.name for n in plan.inputs]}, outputs={[n.name for n in plan.outputs]}")
        except NeuronsimError:
            io = ""
        return f"Network({len(self)} neurons, {self._graph.number_of_edges()} edges{io})"


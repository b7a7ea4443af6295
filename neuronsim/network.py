"""The :class:`Network`: neurons on a networkx DiGraph, and the object engine.

The graph is the single store of structure and weights: node key = neuron name, node attribute
``neuron`` = the :class:`~neuronsim.Neuron`, edge attributes ``weight`` and ``grad``. The forward
pass walks the neurons in topological order writing ``z`` and ``a``; the backward pass walks
them in reverse writing each neuron's δ and accumulating every edge's gradient, edge by edge:

    δ_j = f′(z_j) · Σ_k w_jk δ_k          (+ ∂C/∂a_j for an output neuron)
    ∂C/∂w_ij += a_i δ_j,   ∂C/∂b_j += δ_j

For speed the engine caches a *plan*: the topological order and, per neuron, references to the
graph's own edge-attribute dicts and its activation functions. A plan holds no weights or
biases; it is rebuilt whenever the graph's structure changes (through the Network or directly
through ``net.graph``) or a neuron's activation is reassigned.
"""

import copy
import math
from collections.abc import Mapping

import networkx as nx
import numpy as np

from . import _culprits
from . import activations as _activations
from . import losses as _losses
from ._checks import as_matrix, finite_float, finite_vector, neuron_names, shown
from .errors import CycleError, LossError, NeuronsimError, NeuronsimTypeError, TopologyError
from .errors import NonFiniteError, ShapeError, ValueRangeError
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

    A trained network is a complete predictor: what it needs to turn raw rows into answers
    travels with it (and with its file): :attr:`preprocessing` (a
    :class:`~neuronsim.preprocessing.Scaler` applied to every raw row), :attr:`classes` (the
    names :meth:`predict_classes` answers with), :attr:`class_targets` (the two values a
    single-output classifier was trained toward), :attr:`target_names`, :attr:`target_scaler`
    (a regression network's outputs are inverse-transformed by :meth:`predict`) and
    :attr:`metadata`. The rule: **matrix-level APIs** (:meth:`predict`, :meth:`predict_classes`,
    :meth:`predict_proba`, :func:`~neuronsim.train`, metrics on predictions) **take raw rows**;
    **neuron-level APIs** (:meth:`forward`, :meth:`backward`, :meth:`loss`,
    :meth:`forward_steps`/:meth:`backward_steps`, :meth:`explain`, :meth:`compile`) **take what
    the neurons see**, i.e. rows already scaled: ``net.forward(net.preprocessing.transform(x))``.

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
        # what turns raw rows into answers (see the class docstring); None when not set
        self._preprocessing = None
        self._classes = None
        self._target_names = None
        self._target_scaler = None
        self._class_targets = None
        self._metadata = None
        self._set_for = {}  # predictor field -> the input or output neuron names it was set for

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
            return list(self.plan().order)
        except CycleError:
            raise
        except TopologyError:
            node = self._graph._node
            return [node[name]["neuron"] for name in topological_names(self._graph)]

    @property
    def inputs(self):
        """The input neurons, in order (explicit, or those with no upstream link)."""
        return list(self.plan().inputs)

    @property
    def outputs(self):
        """The output neurons, in order (explicit, or those with no downstream link)."""
        return list(self.plan().outputs)

    def edges(self):
        """``(src, dst, weight)`` for every link, in parameter order (see :meth:`parameter_keys`).

        Examples
        --------
        >>> net = Network.from_spec([("identity", 1), ("sigmoid", 1)], init="constant")
        >>> net.edges()
        [('x1', 'o1', 1.0)]
        """
        return [(src.name, neuron.name, edge["weight"])
                for neuron, incoming in self.plan().forward for src, edge in incoming]

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
        for neuron, incoming in self.plan().forward:
            keys.extend((src.name, neuron.name) for src, _ in incoming)
            keys.append(neuron.name)
        return keys

    def parameters(self):
        """Current weights and biases as a list of floats, in :meth:`parameter_keys` order."""
        values = []
        for neuron, incoming in self.plan().forward:
            values.extend(edge["weight"] for _, edge in incoming)
            values.append(neuron._bias)
        return values

    def gradients(self):
        """Accumulated ∂C/∂w and ∂C/∂b as a list of floats, in :meth:`parameter_keys` order."""
        values = []
        for neuron, incoming in self.plan().forward:
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
        plan = self.plan()
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
            A value is not a finite real number; a weight in :attr:`graph` that is not a finite
            real number (the message names the edge).
        NonFiniteError
            A z or a overflowed to inf or NaN although inputs and weights are finite: the
            message names the first such neuron in topological order. The pass is refused
            rather than returning a NaN or an infinity.
        ActivationError
            An activation raised (chained to its exception) or returned something other than a
            real number; the message names the activation and the neuron.
        TopologyError
            The network has no inputs or no outputs.

        Examples
        --------
        >>> net = Network.from_spec([("identity", 2), ("identity", 2), ("identity", 1)], init="constant")
        >>> net.set_weight("x2", "h2", -1.0)
        >>> net.forward([1e308, 1e308])
        Traceback (most recent call last):
        ...
        neuronsim.errors.NonFiniteError: neuron 'h1': z = b + Σ w·a overflowed to inf
        """
        plan = self.plan()
        return self._forward(plan, finite_vector(x, len(plan.inputs), "input x"))

    @staticmethod
    def _forward(plan, x, row=None):
        """The forward loop on checked inputs ``x``; ``row`` (an index) is named in errors.

        Guarantee: it returns only when every z and a it wrote is finite. The loop keeps a
        running sum of them (one addition per neuron); only when that sum is not finite, or the
        loop raised, does a walk of the plan find and name the culprit (see
        :mod:`neuronsim._culprits`). A refused pass leaves the neurons after the culprit with
        z = a = None, so no backward pass can mix it with an older one.
        """
        for neuron, value in zip(plan.inputs, x):
            neuron.z = neuron.a = value
        check = 0.0
        try:
            for neuron, f, incoming in plan.forward_loop:  # f: the neuron's activation, bound by the plan
                z = neuron._bias
                for src, edge in incoming:
                    z += src.a * edge["weight"]
                neuron.z = z
                neuron.a = a = f(z)
                check += z + a
            finite = math.isfinite(check)
        except Exception as err:  # a user activation, or a weight that is not a number
            _culprits.forward_failed(plan, neuron, err, row)
        if not finite:
            _culprits.forward_not_finite(plan, row)  # returns on a false alarm (a sum of huge values)
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
            No forward pass since the last structural change (or since a refused one).
        ShapeError, ValueRangeError
            Wrong target length, or a value outside the loss's range.
        LossError
            Unknown loss, or a loss that does not apply to these output neurons; a loss that
            raised (chained to its exception) or gave something other than one real number per
            output (the message names the loss and the output neuron).
        NonFiniteError
            The loss, a loss term or a δ overflowed to inf or NaN: the message names the first
            neuron, in the backward order, whose δ is not finite (or the edge whose weight in
            :attr:`graph` is not). Nothing is accumulated then: every ``grad`` and
            ``bias_grad`` is left exactly as it was.
        ActivationError
            An activation's derivative raised or returned something other than a real number.

        Notes
        -----
        Guaranteed on success: the loss, every loss term and every δ are finite (z and a are
        finite from :meth:`forward`). The gradients a_i δ_j are products of finite numbers:
        they are not checked one by one (that would cost a test per edge); one whose magnitude
        passes ~1.8e308 is ±inf, which :func:`~neuronsim.train` refuses at its next update.
        """
        plan = self.plan()
        for neuron in plan.order:
            if neuron.a is None:
                raise NeuronsimError("backward() needs a forward() pass first (since the last structural change "
                                     "or refused forward pass)")
        loss, fused = self._checked_loss(plan, loss)
        target = self._checked_target(plan, target, loss)
        return self._backward(plan, target, loss, fused)

    @staticmethod
    def _loss_terms(plan, target, loss, fused, value_only=False):
        """The case's loss value and each output's loss term (∂C/∂a, or the fused δ), checked:
        real numbers, one per output, all finite (else the error naming the loss and output).
        Kept on the plan for explanations. With ``value_only`` the terms are None."""
        outputs = plan.outputs
        loss_delta = None
        try:
            if fused is not None:
                z = [n.z for n in outputs]
                value = fused[0](z, target)
                if not value_only:
                    loss_delta = fused[1](z, [n.a for n in outputs], target)
            else:
                a = [n.a for n in outputs]
                value = loss.f(a, target)
                if not value_only:
                    loss_delta = loss.df(a, target)
        except Exception as err:  # user code: explained, never raw
            _culprits.loss_failed(loss, plan, err)
        try:  # one aggregate test; the walk names the culprit only when it fails
            ok = math.isfinite(value if value_only else value + sum(loss_delta)) and (
                value_only or len(loss_delta) == len(outputs))
        except Exception:  # not numbers (or numpy scalars warning as errors): the walk says which
            ok = False
        if not ok:
            _culprits.loss_terms_refused(loss, plan, value, loss_delta, fused is not None, value_only)
        if not value_only:
            plan.last_loss = LossTerms(loss, fused is not None, target, value, loss_delta)
        return value, loss_delta

    @staticmethod
    def _backward(plan, target, loss, fused):
        """Loss terms, then every δ (checked: one running sum), then the gradients; a refused
        pass raises before any gradient is touched."""
        value, loss_delta = Network._loss_terms(plan, target, loss, fused)
        check = 0.0
        try:
            for neuron, df, outgoing, out_index in plan.backward_loop:  # df: bound by the plan
                total = 0.0
                for dst, edge in outgoing:
                    total += edge["weight"] * dst.delta
                if out_index < 0:
                    delta = df(neuron.z, neuron.a) * total
                elif fused is None:
                    delta = df(neuron.z, neuron.a) * (total + loss_delta[out_index])
                else:
                    delta = loss_delta[out_index] + df(neuron.z, neuron.a) * total
                neuron.delta = delta
                check += delta
            finite = math.isfinite(check)
        except Exception as err:  # a user derivative, or a weight that is not a number
            _culprits.backward_failed(plan, neuron, err)
        if not finite:
            _culprits.backward_not_finite(plan)  # returns on a false alarm (a sum of huge values)
        for neuron, incoming in plan.forward:
            delta = neuron.delta
            neuron.bias_grad += delta
            for src, edge in incoming:
                edge["grad"] += src.a * delta
        return value

    def loss(self, x, target, loss="squared_error"):
        """Forward ``x`` and return the loss against ``target`` (no gradients are touched).

        Raises what :meth:`forward` raises, and a :class:`~neuronsim.errors.NonFiniteError`
        when the loss overflows, or a :class:`~neuronsim.errors.LossError` when the loss raises
        or does not return a real number.

        Examples
        --------
        >>> net = Network.from_spec([("identity", 1), ("identity", 1)], init="constant")
        >>> net.loss([3.0], [1.0])
        2.0
        """
        plan = self.plan()
        loss, fused = self._checked_loss(plan, loss)
        target = self._checked_target(plan, target, loss)
        self._forward(plan, finite_vector(x, len(plan.inputs), "input x"))
        return self._loss_terms(plan, target, loss, fused, value_only=True)[0]

    # --- the network as a predictor: raw rows in, answers out ------------------------------------

    def predict(self, X):
        """The network's answers for RAW rows: scaled by :attr:`preprocessing`, forwarded, and
        for regression mapped back by :attr:`target_scaler`.

        Each row goes through the object engine (:meth:`forward`), so the neurons keep the
        z and a of the last row.

        Parameters
        ----------
        X : array_like, shape (n, inputs) or (inputs,)
            Raw rows, as the training data came (before any scaling); a 1-D ``X`` is one row.

        Returns
        -------
        ndarray of float64
            Shape (n, outputs) for rows, (outputs,) for a single 1-D row.

        Raises
        ------
        ShapeError
            Rows of the wrong width, or a :attr:`preprocessing` that no longer fits the inputs.
        NeuronsimTypeError, ValueRangeError
            Non-numeric or non-finite values (the message names the cell).
        NonFiniteError
            A row that scales, or a pass that computes, beyond the float range (the message
            names the row and the column or neuron; see :meth:`forward`).

        Examples
        --------
        >>> net = Network.from_spec([("identity", 2), ("identity", 1)], init="constant")
        >>> net.predict([[1, 2], [3, 4]])
        array([[3.],
               [7.]])
        >>> net.predict([1, 2])                               # one row in, one row out
        array([3.])
        >>> from neuronsim.preprocessing import Scaler
        >>> net.preprocessing = Scaler("standardize", offset=[1.0, 1.0], scale=[2.0, 2.0])
        >>> net.predict([[1, 2], [3, 4]])                     # ((1-1)/2 + (2-1)/2, ...)
        array([[0.5],
               [2.5]])
        """
        plan = self.plan()
        rows, single = self._raw_rows(plan, X)
        out = self._bare_predict(plan, self._scaled(plan, rows))
        if self._target_scaler is not None:
            self._check_width(self._target_scaler, len(plan.outputs), "target_scaler", "output")
            self._check_set_for("target_scaler", plan)
            out = self._target_scaler.inverse_transform(out)
        return out[0] if single else out

    def predict_proba(self, X):
        """Class probabilities for RAW rows, one column per class, each row summing to 1.

        - one output: ``[1 − p, p]`` with p the output (for a tanh or softsign output, whose
          range is (−1, 1), p = (a + 1) / 2); p must lie in [0, 1]. When
          :attr:`class_targets` ``(t0, t1)`` are set (``train`` sets them), p is where the
          output lies between them, ``(a − t0) / (t1 − t0)``, clipped to [0, 1];
        - several identity outputs (logits, as trained with softmax cross-entropy): the
          softmax of the outputs (computed stably);
        - several outputs of any other activation (e.g. sigmoid): the outputs divided by their
          sum, which needs non-negative outputs (a row of zeros gives equal shares).

        Parameters
        ----------
        X : array_like, shape (n, inputs) or (inputs,)
            Raw rows (see :meth:`predict`).

        Returns
        -------
        ndarray of float64
            Shape (n, classes), or (classes,) for a single 1-D row; the columns follow
            :attr:`classes` (the output order), which need not be set.

        Raises
        ------
        NeuronsimError
            The network has a :attr:`target_scaler` (it is a regression network).
        ValueRangeError
            An output that is not a probability (p outside [0, 1], or a negative output to
            normalise); the message names the row and the output neuron.

        Examples
        --------
        >>> net = Network.from_spec([("identity", 1), ("identity", 2)], init="constant")
        >>> net.predict_proba([[0.0], [1.0]]).round(4)     # softmax of equal logits: 1/2 each
        array([[0.5, 0.5],
               [0.5, 0.5]])
        >>> net = Network.from_spec([("identity", 1), ("sigmoid", 1)], init="constant")
        >>> net.predict_proba([0.0])
        array([0.5, 0.5])
        """
        plan = self.plan()
        rows, single = self._raw_rows(plan, X)
        if self._target_scaler is not None:
            raise NeuronsimError("predict_proba: this network has a target_scaler, so it is a regression "
                                 "network; its answers are numbers (predict), not class probabilities")
        targets = self._checked_class_targets(plan)
        out = self._bare_predict(plan, self._scaled(plan, rows))
        proba = _probabilities(out, plan.outputs, targets)
        return proba[0] if single else proba

    def predict_classes(self, X):
        """Class names for RAW rows: the :attr:`classes` entry of the largest output (several
        outputs); for one output, the second class when the output is at least halfway between
        the two class targets (:attr:`class_targets`; by default 0 and 1, or −1 and 1 for a
        tanh or softsign output), i.e. when ``p >= 0.5`` in :meth:`predict_proba`'s terms (an
        output beyond the targets is simply on their side, not an error).

        Returns
        -------
        ndarray of str or str
            Shape (n,) for rows; one name (a str) for a single 1-D row.

        Raises
        ------
        NeuronsimError
            :attr:`classes` is not set (the message says how to set it), or the network is a
            regression network.
        ShapeError
            :attr:`classes` or :attr:`preprocessing` no longer fits the network (or was set for
            other input or output neurons), or rows of the wrong width.

        Examples
        --------
        >>> net = Network.from_spec([("identity", 1), ("sigmoid", 1)], init="constant")
        >>> net.classes = ["no", "yes"]
        >>> net.predict_classes([[-2.0], [3.0]])
        array(['no', 'yes'], dtype='<U3')
        """
        if self._classes is None:
            raise NeuronsimError(
                "predict_classes: the network has no class names; set them with net.classes = "
                "['name', ...] (one per output neuron, or two for a single output), e.g. "
                "net.classes = data.classes for a neuronsim Dataset")
        plan = self.plan()
        self._check_classes(self._classes, plan)
        self._check_set_for("classes", plan)
        targets = self._checked_class_targets(plan)
        rows, single = self._raw_rows(plan, X)
        out = self._bare_predict(plan, self._scaled(plan, rows))
        if len(plan.outputs) == 1:  # the second class from halfway between the two targets on
            low, high = targets if targets is not None else _usual_targets(plan.outputs[0])
            chosen = (out[:, 0] >= low / 2 + high / 2).astype(int)
        else:
            chosen = out.argmax(axis=1)
        names = np.array(self._classes)[chosen]
        return str(names[0]) if single else names

    def preprocess(self, X):
        """RAW rows as the input neurons see them: scaled by :attr:`preprocessing` (checked to
        still fit the inputs), or as they are (as floats) when the network has none.

        What :meth:`predict` does before its forward passes; use it to feed the neuron-level
        calls (:meth:`forward`, :meth:`explain`, the step-through, plots) from raw rows.

        Parameters
        ----------
        X : array_like, shape (n, inputs) or (inputs,)

        Returns
        -------
        ndarray of float64
            Shape (n, inputs), or (inputs,) for a single 1-D row.

        Raises
        ------
        ShapeError
            Rows of the wrong width, or a :attr:`preprocessing` that no longer fits the inputs
            (or was set for other or reordered input neurons).
        NeuronsimTypeError, ValueRangeError, NonFiniteError
            As :meth:`predict`.

        Examples
        --------
        >>> from neuronsim.preprocessing import Scaler
        >>> net = Network.from_spec([("identity", 2), ("sigmoid", 1)])
        >>> net.preprocessing = Scaler("standardize", offset=[5.0, 3.0], scale=[0.5, 2.0])
        >>> net.preprocess([6.0, 4.0])
        array([2. , 0.5])
        >>> net.forward(net.preprocess([6.0, 4.0])) == net.predict([6.0, 4.0]).tolist()
        True
        """
        plan = self.plan()
        rows, single = self._raw_rows(plan, X)
        rows = self._scaled(plan, rows)
        return rows[0] if single else rows

    def _raw_rows(self, plan, X):
        """``(rows, single)``: a checked (n, inputs) float array and whether X was one 1-D row."""
        width = len(plan.inputs)
        single = False
        if not isinstance(X, (str, bytes)):
            try:
                single = np.ndim(X) == 1
            except ValueError:  # ragged rows: as_matrix names the problem
                single = False
        if single:
            if len(X) != width:
                raise ShapeError(f"X: a single row (1-D) needs {width} value{'s' * (width != 1)}, one per "
                                 f"input neuron, got {len(X)}; give several rows as a 2-D (n, {width}) table")
            return as_matrix([X], width, "X"), True
        return as_matrix(X, width, "X"), False

    def _scaled(self, plan, rows):
        scaler = self._preprocessing
        if scaler is None:
            return rows
        self._check_width(scaler, len(plan.inputs), "preprocessing", "input")
        self._check_set_for("preprocessing", plan)
        try:
            return scaler.transform(rows)
        except NonFiniteError as err:
            raise NonFiniteError(f"X scaled by net.preprocessing: {err}") from None

    def _bare_predict(self, plan, rows):
        """Forward rows that are already what the neurons see (no scaling either way)."""
        return np.array([self._forward(plan, row, i) for i, row in enumerate(rows.tolist())], dtype=float).reshape(
            len(rows), len(plan.outputs))

    @staticmethod
    def _check_width(scaler, width, what, side):
        if scaler.width != width:
            raise ShapeError(f"{what}: the Scaler has {scaler.width} column{'s' * (scaler.width != 1)} but the "
                             f"network now has {width} {side} neuron{'s' * (width != 1)}; set net.{what} again")

    def _remember_set_for(self, what, value, neurons):
        """Note the neurons the predictor field ``what`` was just set for (forgotten when None)."""
        if value is None:
            self._set_for.pop(what, None)
        else:
            self._set_for[what] = tuple(n.name for n in neurons)

    def _check_set_for(self, what, plan):
        """Refuse a predictor field set for other (or reordered) input or output neurons."""
        names = self._set_for.get(what)
        side = "input" if what == "preprocessing" else "output"
        now = tuple(n.name for n in (plan.inputs if side == "input" else plan.outputs))
        if names is not None and names != now:
            raise ShapeError(f"{what}: set for the {side} neurons ({_listed(names)}), but they are now "
                             f"({_listed(now)}); set net.{what} again")

    # --- what travels with the network ----------------------------------------------------------

    @property
    def preprocessing(self):
        """The :class:`~neuronsim.preprocessing.Scaler` applied to raw rows before they reach the
        input neurons, or None.

        Set by :func:`~neuronsim.train` (``preprocessing="standardize"``), by hand, or by
        loading a file that holds one. Setting checks that it scales one column per input.

        Examples
        --------
        >>> from neuronsim.preprocessing import Scaler
        >>> net = Network.from_spec([("identity", 2), ("sigmoid", 1)])
        >>> net.preprocessing = Scaler.fit([[0.0, 1.0], [2.0, 3.0]])
        >>> net.preprocessing.offset
        array([1., 2.])
        >>> net.preprocessing = Scaler.fit([[0.0], [2.0]])
        Traceback (most recent call last):
        ...
        neuronsim.errors.ShapeError: preprocessing: the Scaler has 1 column but the network has 2 input neurons (x1, x2)
        """
        return self._preprocessing

    @preprocessing.setter
    def preprocessing(self, scaler):
        inputs = self.inputs
        self._preprocessing = self._checked_scaler(scaler, "preprocessing", inputs, "input")
        self._remember_set_for("preprocessing", scaler, inputs)

    @property
    def target_scaler(self):
        """A regression network's target :class:`~neuronsim.preprocessing.Scaler`, or None:
        the network was trained on scaled targets and :meth:`predict` returns
        ``target_scaler.inverse_transform`` of its outputs (one column per output neuron).
        A network cannot have both a target scaler and :attr:`classes`.

        Examples
        --------
        >>> from neuronsim.preprocessing import Scaler
        >>> net = Network.from_spec([("identity", 1), ("identity", 1)], init="constant")
        >>> net.target_scaler = Scaler("standardize", offset=[100.0], scale=[10.0])
        >>> net.predict([[0.5]])                  # the output 0.5 is 100 + 0.5 * 10 in target units
        array([[105.]])
        """
        return self._target_scaler

    @target_scaler.setter
    def target_scaler(self, scaler):
        if scaler is not None and self._classes is not None:
            raise NeuronsimError("target_scaler: this network has classes (it is a classifier); "
                                 "set net.classes = None first")
        outputs = self.outputs
        self._target_scaler = self._checked_scaler(scaler, "target_scaler", outputs, "output")
        self._remember_set_for("target_scaler", scaler, outputs)

    def _checked_scaler(self, scaler, what, neurons, side):
        from .preprocessing import Scaler

        if scaler is None:
            return None
        if not isinstance(scaler, Scaler):
            raise NeuronsimTypeError(f"{what}: expected a neuronsim.preprocessing.Scaler or None, "
                                     f"got {type(scaler).__name__}")
        if scaler.width != len(neurons):
            raise ShapeError(f"{what}: the Scaler has {scaler.width} column{'s' * (scaler.width != 1)} but the "
                             f"network has {len(neurons)} {side} neuron{'s' * (len(neurons) != 1)} "
                             f"({', '.join(n.name for n in neurons)})")
        return scaler

    @property
    def classes(self):
        """The class names (a tuple of str) :meth:`predict_classes` answers with, or None.

        One name per output neuron for one-hot outputs (in output order), or exactly two for a
        single output (the class of p < 0.5, then of p >= 0.5). Setting checks this; a list is
        stored as a tuple.

        Examples
        --------
        >>> net = Network.from_spec([("identity", 4), ("sigmoid", 3)])
        >>> net.classes = ["setosa", "versicolor", "virginica"]
        >>> net.classes
        ('setosa', 'versicolor', 'virginica')
        >>> net.classes = ["a", "b"]
        Traceback (most recent call last):
        ...
        neuronsim.errors.ShapeError: classes: the network has 3 output neurons (o1, o2, o3); give one class name per output, got 2
        """
        return self._classes

    @classes.setter
    def classes(self, names):
        if names is None:
            self._classes = None
            self._remember_set_for("classes", None, ())
            return
        if self._target_scaler is not None:
            raise NeuronsimError("classes: this network has a target_scaler (it is a regression network); "
                                 "set net.target_scaler = None first")
        names = _text_tuple(names, "classes")
        if len(set(names)) != len(names):
            raise ValueRangeError(f"classes: names must differ, got {shown(list(names))}")
        self._check_classes(names, self.plan())
        self._classes = names
        self._remember_set_for("classes", names, self.outputs)

    @staticmethod
    def _check_classes(names, plan):
        outputs = plan.outputs
        listed = ", ".join(n.name for n in outputs)
        if len(outputs) == 1:
            if len(names) != 2:
                raise ShapeError(f"classes: a single output neuron ({listed}) needs exactly two class names "
                                 f"(p < 0.5, then p >= 0.5), got {len(names)}")
        elif len(names) != len(outputs):
            raise ShapeError(f"classes: the network has {len(outputs)} output neurons ({listed}); give one "
                             f"class name per output, got {len(names)}")

    @property
    def class_targets(self):
        """The output values ``(t0, t1)`` a single-output classifier was trained toward for its
        first and second class, or None for the output's usual coding (0 and 1; −1 and 1 for a
        tanh or softsign output).

        :meth:`predict_classes` answers the second class when the output is at least halfway
        from t0 to t1, and :meth:`predict_proba` gives p = (a − t0) / (t1 − t0) clipped to
        [0, 1]. :func:`~neuronsim.train` sets it when a single output is trained on two
        target values other than its usual coding (e.g. 0/1 targets on a tanh output), and
        clears it when they are the usual ones. Saved with the network.

        Examples
        --------
        >>> net = Network.from_spec([("identity", 1), ("tanh", 1)], init="constant")
        >>> net.classes = ["no", "yes"]
        >>> x = [[0.31]]                           # output tanh(0.31) = 0.30
        >>> net.predict_classes(x).tolist()        # usual tanh coding: -1 / +1, threshold 0
        ['yes']
        >>> net.class_targets = (0.0, 1.0)         # trained toward 0 / 1: threshold 0.5
        >>> net.predict_classes(x).tolist(), net.predict_proba(x).round(2).tolist()
        (['no'], [[0.7, 0.3]])
        """
        return self._class_targets

    @class_targets.setter
    def class_targets(self, pair):
        if pair is not None:
            pair = _target_pair(pair)
            outputs = self.outputs
            if len(outputs) != 1:
                raise ShapeError(f"class_targets: only a single output neuron has two class targets; the network "
                                 f"has {len(outputs)} ({', '.join(n.name for n in outputs)})")
        self._class_targets = pair
        self._remember_set_for("class_targets", pair, () if pair is None else outputs)

    def _checked_class_targets(self, plan):
        if self._class_targets is not None and len(plan.outputs) != 1:
            raise ShapeError(f"class_targets: set for a single output, but the network now has {len(plan.outputs)} "
                             "output neurons; set net.class_targets = None")
        self._check_set_for("class_targets", plan)
        return self._class_targets

    @property
    def target_names(self):
        """Names of what the outputs mean (a tuple of str, one per output neuron), or None.

        Examples
        --------
        >>> net = Network.from_spec([("identity", 2), ("identity", 1)])
        >>> net.target_names = ["price"]
        >>> net.target_names
        ('price',)
        """
        return self._target_names

    @target_names.setter
    def target_names(self, names):
        if names is not None:
            names = _text_tuple(names, "target_names")
            outputs = self.outputs
            if len(names) != len(outputs):
                raise ShapeError(f"target_names: the network has {len(outputs)} output neuron"
                                 f"{'s' * (len(outputs) != 1)} ({', '.join(n.name for n in outputs)}); "
                                 f"give one name per output, got {len(names)}")
        self._target_names = names
        self._remember_set_for("target_names", names, () if names is None else outputs)

    @property
    def metadata(self):
        """Free JSON-like data kept with the network (a dict), or None.

        :func:`neuronsim.load` sets it to what the file held; :meth:`save` writes it when no
        other ``metadata`` is given.

        Examples
        --------
        >>> net = Network.from_spec([("identity", 1), ("sigmoid", 1)])
        >>> net.metadata = {"epochs": 30, "note": "first run"}
        >>> net.metadata["epochs"]
        30
        """
        return self._metadata

    @metadata.setter
    def metadata(self, value):
        if value is not None and not isinstance(value, Mapping):
            raise NeuronsimTypeError(f"metadata must be a dict or None, got {type(value).__name__}")
        self._metadata = None if value is None else dict(value)

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

    # --- the pass seam: what engines, step-through and training use to drive a pass -----------

    def plan(self):
        """The network's plan: its walk order, checked once per structure (a :class:`~neuronsim.plan.Plan`).

        The same object is returned until the structure changes (a neuron or link added or
        removed, inputs or outputs renamed); then the graph is checked and the plan rebuilt.
        ``plan.key`` tells two structures apart: an engine compiled for one key is stale when the
        key changes. The plan holds references into :attr:`graph` (its edge dicts and neurons),
        never copies of its numbers.

        This is the entry of the pass seam (see the architecture page of the guide): engines,
        step-through, explanations and training drive a pass through :meth:`plan`,
        :meth:`checked_loss`, :meth:`checked_target`, :meth:`run_forward` and
        :meth:`run_backward`.

        Raises
        ------
        TopologyError, CycleError, ValueRangeError
            What :func:`~neuronsim.plan.build_plan` raises: a cycle, no inputs or outputs, a
            link without a finite weight.

        Examples
        --------
        >>> net = Network.from_spec([("identity", 2), ("sigmoid", 1)], init="constant")
        >>> plan = net.plan()
        >>> [n.name for n in plan.order], net.plan() is plan
        (['x1', 'x2', 'o1'], True)
        >>> _ = net.add_neuron("h1", "tanh"); net.connect("x1", "h1", 1.0); net.connect("h1", "o1", 1.0)
        >>> net.plan() is plan, [n.name for n in net.plan().order]
        (False, ['x1', 'x2', 'h1', 'o1'])
        """
        key = (self._graph.structure_version, self._io_version)
        plan = self._plan
        if plan is None or plan.key != key:
            plan = self._plan = build_plan(self._graph, key, self._explicit_inputs, self._explicit_outputs)
        return plan


    def checked_loss(self, loss, plan=None):
        """The loss for a pass over ``plan`` (default :meth:`plan`) and its fused δ pair, checked.

        Returns ``(Loss, fused)``: the :class:`~neuronsim.losses.Loss` that ``loss`` names, and
        ``fused``, the loss's ``(value(z, t), delta(z, a, t))`` pair when every output neuron has
        the registered activation it fuses with (softmax cross-entropy on softmax outputs), else
        None. Pass both to :meth:`run_backward`.

        Raises
        ------
        LossError
            An unknown loss, or one that needs other output activations (the message names the
            output neurons that do not fit).

        Examples
        --------
        >>> net = Network.from_spec([("identity", 2), ("sigmoid", 1)], init="constant")
        >>> loss, fused = net.checked_loss("binary_cross_entropy")
        >>> loss.name, fused is not None
        ('binary_cross_entropy', True)
        """
        return self._checked_loss(self.plan() if plan is None else plan, loss)

    def checked_target(self, target, loss, plan=None):
        """``target`` as a list of one finite float per output of ``plan`` (default
        :meth:`plan`), in the range ``loss`` (a :class:`~neuronsim.losses.Loss` or its name) accepts.

        Raises
        ------
        ShapeError, NeuronsimTypeError, ValueRangeError
            Not one finite real number per output neuron, or a value outside the loss's range.

        Examples
        --------
        >>> net = Network.from_spec([("identity", 2), ("sigmoid", 1)], init="constant")
        >>> loss, _ = net.checked_loss("squared_error")
        >>> net.checked_target([1], loss)
        [1.0]
        """
        if not isinstance(loss, _losses.Loss):   # a name: the Loss it names (a LossError if none)
            loss = _losses.get(loss)
        return self._checked_target(self.plan() if plan is None else plan, target, loss)

    # The object engine's loops, for callers that checked their inputs already (no extra call on
    # the hot path): ``Network.run_forward(plan, x, row=None)`` returns the outputs and
    # ``Network.run_backward(plan, target, loss, fused)`` the case's loss, accumulating gradients.
    # Unchecked: ``plan`` must be the current ``net.plan()`` (a plan from before a structural
    # edit walks the old links), ``x`` exactly one float per input, ``target`` and ``fused``
    # from checked_target/checked_loss; public callers use forward/backward.
    run_forward = _forward
    run_backward = _backward

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
        if engine is None or engine.key != self.plan().key:
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
    def from_spec(cls, spec, *, init=None, seed=None, max_links=None, max_bytes=None):
        """Build a network from a layered list, a graph dict, or a JSON/YAML file of either.

        See :func:`neuronsim.spec.build` for the forms accepted and the arguments: ``max_links``
        (default ``neuronsim.spec.MAX_LINKS``) bounds the memory the network may take, and
        ``max_bytes`` (default ``neuronsim.spec.MAX_BYTES``) the size of a spec file.

        Examples
        --------
        >>> net = Network.from_spec([("identity", 4), ("sigmoid", 5), ("sigmoid", 3)], init="constant")
        >>> len(net), net.graph.number_of_edges()
        (12, 35)
        """
        from .spec import build  # spec builds on Network; imported late to keep arrows down

        return build(spec, init=init, seed=seed, max_links=max_links, max_bytes=max_bytes)

    def to_spec(self):
        """A graph-form spec dict that rebuilds an identical network (see :func:`neuronsim.spec.to_spec`)."""
        from .spec import to_spec

        return to_spec(self)

    def save(self, path, *, optimizer=None, metadata=None, indent=None):
        """Save as versioned JSON, atomically (see :func:`neuronsim.io.save`); load with
        :func:`neuronsim.load` or :meth:`Network.load`. The file holds the network's
        preprocessing, classes, class targets, target names and target scaler too."""
        from .io import save  # io builds on Network; imported late to keep arrows down

        save(self, path, optimizer=optimizer, metadata=metadata, indent=indent)

    @classmethod
    def load(cls, path):
        """Load a saved network, with its preprocessing, classes and :attr:`metadata`: the same
        as :func:`neuronsim.load` (see :func:`neuronsim.io.load`).

        Examples
        --------
        >>> import os, tempfile
        >>> net = Network.from_spec([("identity", 2), ("sigmoid", 1)], seed=0)
        >>> net.classes = ["no", "yes"]
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = os.path.join(folder, "net.json")
        ...     net.save(path, metadata={"note": "demo"})
        ...     twin = Network.load(path)
        >>> twin.classes, twin.metadata, twin.parameters() == net.parameters()
        (('no', 'yes'), {'note': 'demo'}, True)
        """
        from .io import load

        return load(path)

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
        """An independent network with the same neurons, links, weights, biases and io names,
        and the same :attr:`preprocessing`, :attr:`classes`, :attr:`class_targets`,
        :attr:`target_names`, :attr:`target_scaler` and (a deep copy of) :attr:`metadata`.

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
        # a Scaler's arrays are read-only and the names are tuples: sharing them is safe
        twin._preprocessing, twin._target_scaler = self._preprocessing, self._target_scaler
        twin._classes, twin._target_names = self._classes, self._target_names
        twin._class_targets = self._class_targets
        twin._set_for = dict(self._set_for)
        twin._metadata = copy.deepcopy(self._metadata)
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

    def __getstate__(self):
        """Copying and pickling leave the compiled batched engine behind; the copy compiles its own.

        (numpy copies an array and its views apart, so a copied engine's weight views would no
        longer be its parameters: training the copy would give wrong numbers.)
        """
        state = self.__dict__.copy()
        state["_engine"] = None
        return state

    def __repr__(self):
        try:
            plan = self.plan()
            io = (f", inputs={[n.name for n in plan.inputs]}, outputs={[n.name for n in plan.outputs]}")
        except NeuronsimError:
            io = ""
        return f"Network({len(self)} neurons, {self._graph.number_of_edges()} edges{io})"

    def _repr_html_(self):
        """What a notebook shows: a small SVG of the topology over a table of every neuron's z, a,
        δ and bias (see :func:`neuronsim.plot.html.network_html`: no picture above 300 neurons,
        at most 40 rows).

        Examples
        --------
        >>> net = Network.from_spec([("identity", 2), ("sigmoid", 1)], init="constant")
        >>> page = net._repr_html_()
        >>> page.count("<svg"), "<td>o1</td>" in page
        (1, True)
        """
        from .plot.html import network_html  # matplotlib only when a notebook asks for a picture

        return network_html(self)

    # --- the PyTorch bridge (torch is an optional extra, imported only here) ---------------------

    def to_torch(self, dtype=None, device=None):
        """This network as a ``torch.nn.Module`` (see :func:`neuronsim.torch_bridge.to_torch`).

        The module maps a batch (n, inputs), as the input neurons see it (no
        :attr:`preprocessing`), to the output neurons' (n, outputs) activations; its
        ``write_back(net, grads=False)`` copies its weights (and gradients) into the graph.

        Raises
        ------
        NeuronsimError
            PyTorch is not installed (the message says ``pip install "neuronsim[torch]"``).
        ActivationError
            A neuron's activation has no torch form (the neuron is named).
        """
        from .torch_bridge import to_torch  # torch loads only when asked for

        return to_torch(self, dtype=dtype, device=device)

    @classmethod
    def from_torch(cls, model, *, max_links=None):
        """The network computing a torch ``nn.Sequential`` MLP or an fx-traceable residual one
        (see :func:`neuronsim.torch_bridge.from_torch`): neurons ``x1…``, ``h1_1…``, ``o1…``,
        Linear weights copied exactly.

        Raises
        ------
        NeuronsimError
            PyTorch is not installed (the message says ``pip install "neuronsim[torch]"``).
        SpecError, ActivationError
            A module or operation neuronsim does not import (the first one is named), or a
            network larger than ``max_links`` (as for :meth:`from_spec`) allows.
        """
        from .torch_bridge import from_torch

        return from_torch(model, max_links=max_links)



# --- helpers of the predictor methods -----------------------------------------------------------------

_SYMMETRIC = ("tanh", "softsign")  # single outputs in (-1, 1): p = (a + 1) / 2


def _usual_targets(output):
    """The class targets a single output is trained toward unless told otherwise."""
    return (-1.0, 1.0) if output.activation.name in _SYMMETRIC else (0.0, 1.0)


def _probabilities(out, outputs, targets=None):
    """Rows of class probabilities from an (n, outputs) array of network outputs (``targets``:
    the single output's class targets (t0, t1), or None)."""
    if len(outputs) == 1:
        a = out[:, 0]
        if targets is not None:
            low, high = targets
            with np.errstate(over="ignore"):  # a - t0 beyond the float range is clipped
                p = np.clip((a - low) / (high - low), 0.0, 1.0)
            return np.column_stack([1.0 - p, p])
        p = (a + 1.0) / 2.0 if outputs[0].activation.name in _SYMMETRIC else a
        bad = np.flatnonzero(~((p >= 0.0) & (p <= 1.0)))
        if bad.size:
            row = int(bad[0])
            raise ValueRangeError(f"predict_proba: row {row}: output {outputs[0].name!r} is {float(a[row])!r}, not a "
                                  "probability in [0, 1]; use a sigmoid output neuron (or predict())")
        return np.column_stack([1.0 - p, p])
    if all(n.activation.name == "identity" for n in outputs):
        shifted = out - out.max(axis=1, keepdims=True)  # stable softmax: exp never overflows
        e = np.exp(shifted)
        return e / e.sum(axis=1, keepdims=True)
    if (out < 0).any():
        row, col = map(int, np.argwhere(out < 0)[0])
        raise ValueRangeError(
            f"predict_proba: row {row}: output {outputs[col].name!r} is {float(out[row, col])!r}; normalising "
            "outputs into probabilities needs non-negative outputs (sigmoid), or identity outputs "
            "(softmax)")
    # each row divided by its largest output first, so that the sum cannot overflow
    top = out.max(axis=1, keepdims=True)
    shares = out / np.where(top > 0, top, 1.0)
    total = shares.sum(axis=1, keepdims=True)
    return np.where(top > 0, shares / np.where(top > 0, total, 1.0), 1.0 / out.shape[1])


def _listed(names, limit=8):
    """Neuron names for a message: ``x1, x2, ...`` (at most ``limit`` of them, each bounded)."""
    shown_names = [name if len(name) <= 40 and name.isprintable() else shown(name, 40) for name in names[:limit]]
    return ", ".join(shown_names) + (f", ... ({len(names)} in all)" if len(names) > limit else "")


def _target_pair(pair):
    """``(t0, t1)``: two finite floats, t0 < t1, whose difference is finite too."""
    if isinstance(pair, (str, bytes, Mapping)) or not hasattr(pair, "__len__"):
        raise NeuronsimTypeError(f"class_targets must be a pair of numbers or None, got {shown(pair)}")
    if len(pair) != 2:
        raise ShapeError(f"class_targets: expected two output values (t0, t1), got {len(pair)}")
    low, high = (finite_float(value, f"class_targets[{i}]") for i, value in enumerate(pair))
    if not low < high:
        raise ValueRangeError(f"class_targets: t0 must be less than t1, got {(low, high)!r}")
    if not math.isfinite(high - low):
        raise ValueRangeError(f"class_targets: t1 - t0 must be finite, got {(low, high)!r}")
    return low, high


def _text_tuple(names, what):
    if isinstance(names, (str, bytes)) or not hasattr(names, "__iter__"):
        raise NeuronsimTypeError(f"{what} must be a list of names (str), got {shown(names)}")
    names = tuple(names)
    for i, name in enumerate(names):
        if not isinstance(name, str) or not name:
            raise NeuronsimTypeError(f"{what}[{i}] must be a non-empty string, got {shown(name)}")
    return tuple(str(name) for name in names)  # plain str, not numpy's str_

"""Recording chosen quantities of chosen neurons and links over training.

A :class:`Recorder` snapshots z, a, δ, bias or bias gradient of neurons and weight or gradient
of links into numpy arrays — by hand (:meth:`Recorder.record`) or attached to training as a
callback, every k-th epoch or batch. Queries go by neuron, by edge and by layer (topological
generation), e.g. the mean |δ| per layer over training: Nielsen's picture of vanishing gradients.

Memory stays bounded: only the chosen items are kept, every ``every``-th event, and with
``max_records`` the recorder thins itself (drops every other record and doubles ``every``) instead
of growing without end.
"""

import networkx as nx
import numpy as np

from . import _checks
from ._checks import network
from .errors import NeuronsimError, NeuronsimTypeError, TopologyError

__all__ = ["Recorder"]

NEURON_QUANTITIES = ("z", "a", "delta", "bias", "bias_grad")
EDGE_QUANTITIES = ("weight", "grad")


class Recorder:
    """Record neuron and edge quantities into arrays, by hand or as a training callback.

    Parameters
    ----------
    net : Network
    quantities : iterable of str, default ("a", "delta")
        Any of ``z, a, delta, bias, bias_grad`` (per neuron) and ``weight, grad`` (per link).
    neurons : iterable of str, optional
        Neurons to record (default: every neuron).
    edges : iterable of (str, str), optional
        Links to record (default: every link).
    every : int, default 1
        Record every ``every``-th epoch (or batch).
    per : {"epoch", "batch"}, default "epoch"
        Which training event triggers a record when used as a callback.
    max_records : int, optional
        Upper bound on the records kept; beyond it the recorder keeps every other record and
        doubles ``every``.

    Attributes
    ----------
    layers : list of list of str
        The recorded neurons grouped by topological generation (layer 0 = inputs).

    Examples
    --------
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 1), ("sigmoid", 2), ("sigmoid", 1)], init="constant")
    >>> rec = Recorder(net, quantities=("delta", "grad"))
    >>> for target in (0.0, 1.0):
    ...     _ = net.forward([1.0]); _ = net.backward([target])
    ...     rec.record()
    >>> rec.series("delta", "o1").round(4)
    array([ 0.124 , -0.0287])
    >>> rec.by_layer("delta").shape           # records × layers (inputs have no δ: NaN)
    (2, 3)
    >>> rec.series("grad", ("h1", "o1")).shape
    (2,)
    """

    def __init__(self, net, quantities=("a", "delta"), neurons=None, edges=None, every=1, per="epoch",
                 max_records=None):
        network(net, "Recorder")
        if isinstance(quantities, str):
            quantities = (quantities,)
        quantities = tuple(_checks.names(quantities, "quantities"))
        known = NEURON_QUANTITIES + EDGE_QUANTITIES
        for q in quantities:
            if q not in known:
                raise NeuronsimError(f"unknown quantity {q!r}; known: {', '.join(known)}")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise NeuronsimTypeError(f"every must be a positive integer, got {every!r}")
        if per not in ("epoch", "batch"):
            raise NeuronsimError(f"per must be 'epoch' or 'batch', got {per!r}")
        if max_records is not None and (isinstance(max_records, bool) or not isinstance(max_records, int)
                                        or max_records < 2):
            raise NeuronsimTypeError(f"max_records must be an integer >= 2, got {max_records!r}")
        self.net = net
        self.quantities = quantities
        self.every = every
        self.per = per
        self.max_records = max_records
        graph = net.graph
        self.neurons = [n.name for n in net.neurons] if neurons is None else _checks.names(neurons, "neurons")
        for name in self.neurons:
            if name not in graph:
                raise TopologyError(f"Recorder: unknown neuron {name!r}")
        if edges is None:
            self.edges = list(graph.edges())
        else:
            if isinstance(edges, (str, bytes)) or not hasattr(edges, "__iter__"):
                raise NeuronsimTypeError(f"edges must be a list of (src, dst) pairs, got {edges!r}")
            self.edges = [tuple(e) if isinstance(e, (tuple, list)) else e for e in edges]
            for edge in self.edges:
                if not (isinstance(edge, tuple) and len(edge) == 2):
                    raise NeuronsimTypeError(f"edges must hold (src, dst) pairs, got {edge!r}")
        for src, dst in self.edges:
            if not graph.has_edge(src, dst):
                raise TopologyError(f"Recorder: no edge {src} -> {dst}")
        generation = {name: g for g, names in enumerate(nx.topological_generations(graph)) for name in names}
        depth = max(generation.values(), default=-1) + 1
        self.layers = [[n for n in self.neurons if generation[n] == g] for g in range(depth)]
        self._steps = []
        self._rows = {q: [] for q in quantities}
        self._events = 0
        self._records = 0  # records made so far (labels by hand keep increasing after thinning)

    # --- recording ----------------------------------------------------------------------------

    def record(self, step=None):
        """Snapshot the chosen quantities now; ``step`` labels the record (default: a counter).

        Neurons or links removed since the recorder was made read as NaN.
        """
        graph = self.net.graph
        nodes = graph._node
        for q in self.quantities:
            if q in NEURON_QUANTITIES:
                row = [_number(getattr(nodes[n]["neuron"], q)) if n in nodes else np.nan for n in self.neurons]
            else:
                adjacency = graph._succ
                row = [_number(adjacency[s][d].get(q)) if s in adjacency and d in adjacency[s] else np.nan
                       for s, d in self.edges]
            self._rows[q].append(np.array(row, dtype=float))
        self._steps.append(self._records if step is None else step)
        self._records += 1
        if self.max_records is not None and len(self._steps) > self.max_records:
            self._thin()

    def _thin(self):
        keep = slice(None, None, 2)
        self._steps = self._steps[keep]
        for q in self._rows:
            self._rows[q] = self._rows[q][keep]
        self.every *= 2

    def _event(self, label):
        self._events += 1
        if (self._events - 1) % self.every == 0:
            self.record(label)

    # Training-callback hooks (see neuronsim.training): record on the chosen event.
    def on_epoch_end(self, net, history):
        """Training hook: record after every ``every``-th epoch (with ``per="epoch"``)."""
        if self.per == "epoch":
            self._event(getattr(history, "epochs", self._events))

    def on_batch_end(self, net, history):
        """Training hook: record after every ``every``-th update (with ``per="batch"``)."""
        if self.per == "batch":  # labelled by optimizer updates so far, like History.steps
            self._event(getattr(history, "steps", self._events + 1))

    # --- queries ------------------------------------------------------------------------------

    @property
    def steps(self):
        """Label of each record (the epoch, batch counter or ``step`` given), as an int array."""
        return np.array(self._steps)

    def __len__(self):
        return len(self._steps)

    def array(self, quantity):
        """All records of a quantity: shape (records, items), items in :meth:`keys` order."""
        rows = self._rows_of(quantity)
        width = len(self.neurons) if quantity in NEURON_QUANTITIES else len(self.edges)
        return np.vstack(rows) if rows else np.empty((0, width))

    def keys(self, quantity):
        """Neuron names (neuron quantities) or ``(src, dst)`` edges (edge quantities)."""
        self._rows_of(quantity)
        return list(self.neurons) if quantity in NEURON_QUANTITIES else list(self.edges)

    def series(self, quantity, key):
        """One neuron's or link's values over the records, as a 1-D array."""
        keys = self.keys(quantity)
        key = tuple(key) if isinstance(key, list) else key
        if key not in keys:
            raise TopologyError(f"{quantity!r} was not recorded for {key!r}")
        return self.array(quantity)[:, keys.index(key)]

    def by_layer(self, quantity="delta", reduce="mean_abs"):
        """A neuron quantity reduced over each layer: shape (records, layers).

        ``reduce`` is ``"mean_abs"`` (default; Nielsen's mean |δ| per layer), ``"mean"``,
        ``"max_abs"`` or ``"norm"``. Layers with nothing recorded (e.g. δ of inputs) give NaN.
        """
        if quantity not in NEURON_QUANTITIES:
            raise NeuronsimError(f"by_layer() takes a neuron quantity ({', '.join(NEURON_QUANTITIES)}), got {quantity!r}")
        reducers = {"mean_abs": lambda v: np.mean(np.abs(v), axis=1), "mean": lambda v: np.mean(v, axis=1),
                    "max_abs": lambda v: np.max(np.abs(v), axis=1), "norm": lambda v: np.linalg.norm(v, axis=1)}
        if reduce not in reducers:
            raise NeuronsimError(f"reduce must be one of {', '.join(reducers)}; got {reduce!r}")
        values = self.array(quantity)
        column = {name: i for i, name in enumerate(self.neurons)}
        out = np.full((len(values), len(self.layers)), np.nan)
        for g, names in enumerate(self.layers):
            block = values[:, [column[n] for n in names]]
            recorded = ~np.all(np.isnan(block), axis=0)
            if names and recorded.any() and len(values):
                out[:, g] = reducers[reduce](block[:, recorded])
        return out

    def _rows_of(self, quantity):
        if quantity not in self._rows:
            raise NeuronsimError(f"quantity {quantity!r} was not recorded; recorded: {', '.join(self.quantities)}")
        return self._rows[quantity]

    def __repr__(self):
        return (f"Recorder({len(self)} records of {', '.join(self.quantities)}; "
                f"{len(self.neurons)} neurons, {len(self.edges)} edges, every {self.every} {self.per})")


def _number(value):
    return np.nan if value is None else value

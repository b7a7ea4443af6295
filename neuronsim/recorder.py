"""Recording chosen quantities of chosen neurons and links over training.

A :class:`Recorder` snapshots z, a, δ, bias or bias gradient of neurons and weight or gradient
of links into numpy arrays — by hand (:meth:`Recorder.record`) or attached to training as a
callback, every k-th epoch or batch. Queries go by neuron, by edge and by layer (topological
generation), e.g. the mean |δ| per layer over training: Nielsen's picture of vanishing gradients,
as a :class:`LayerSeries` ``{layer name: values over the records}``.

Memory stays bounded: only the chosen items are kept, every ``every``-th event, and with
``max_records`` the recorder thins itself (drops every other record and doubles ``every``) instead
of growing without end.
"""

from collections.abc import Mapping

import networkx as nx
import numpy as np

from . import _checks
from ._checks import network, shown
from .errors import NeuronsimError, NeuronsimTypeError, TopologyError

__all__ = ["Recorder", "LayerSeries"]

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
    >>> per_layer = rec.by_layer("delta")     # mean |δ| per layer (inputs have no δ: left out)
    >>> list(per_layer)
    ['h1..h2', 'o1']
    >>> per_layer["o1"].round(4)
    array([0.124 , 0.0287])
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
                raise NeuronsimError(f"unknown quantity {shown(q)}; known: {', '.join(known)}")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise NeuronsimTypeError(f"every must be a positive integer, got {shown(every)}")
        if per not in ("epoch", "batch"):
            raise NeuronsimError(f"per must be 'epoch' or 'batch', got {shown(per)}")
        if max_records is not None and (isinstance(max_records, bool) or not isinstance(max_records, int)
                                        or max_records < 2):
            raise NeuronsimTypeError(f"max_records must be an integer >= 2, got {shown(max_records)}")
        self.net = net
        self.quantities = quantities
        self.every = every
        self.per = per
        self.max_records = max_records
        graph = net.graph
        self.neurons = [n.name for n in net.neurons] if neurons is None else _checks.names(neurons, "neurons")
        for name in self.neurons:
            if name not in graph:
                raise TopologyError(f"Recorder: unknown neuron {shown(name)}")
        if edges is None:
            self.edges = list(graph.edges())
        else:
            if isinstance(edges, (str, bytes)) or not hasattr(edges, "__iter__"):
                raise NeuronsimTypeError(f"edges must be a list of (src, dst) pairs, got {shown(edges)}")
            self.edges = [tuple(e) if isinstance(e, (tuple, list)) else e for e in edges]
            for edge in self.edges:
                if not (isinstance(edge, tuple) and len(edge) == 2):
                    raise NeuronsimTypeError(f"edges must hold (src, dst) pairs, got {shown(edge)}")
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
            raise TopologyError(f"{shown(quantity)} was not recorded for {shown(key)}")
        return self.array(quantity)[:, keys.index(key)]

    def by_layer(self, quantity="delta", reduce="mean_abs"):
        """A neuron quantity reduced over each layer, per record: ``{layer name: values}``.

        Parameters
        ----------
        quantity : str, default "delta"
            A neuron quantity that was recorded (``z, a, delta, bias, bias_grad``).
        reduce : {"mean_abs", "mean", "max_abs", "norm"}, default "mean_abs"
            How a layer's values in one record are combined: mean |v| (Nielsen's mean |δ| per
            layer), mean, max |v| or the Euclidean norm.

        Returns
        -------
        LayerSeries
            A mapping in layer order (inputs first) from each layer's name to a 1-D array with
            one value per record (``.steps`` labels the records). A layer is named after its
            neuron, or ``"first..last"`` for several (e.g. ``"h1_1..h1_32"``); ``.neurons``
            lists each layer's neurons and ``.depth`` its topological generation. Layers with
            no value in any record (δ of the inputs, which have none) are left out, so nothing
            is recorded yet gives an empty mapping. ``.to_array()`` is the (records, layers)
            array of what is left.

        Raises
        ------
        NeuronsimError
            ``quantity`` is not a neuron quantity or was not recorded; unknown ``reduce``.

        Examples
        --------
        >>> import neuronsim
        >>> net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 3), ("sigmoid", 1)], seed=0)
        >>> rec = Recorder(net, quantities="delta")
        >>> for target in (1.0, 0.0, 1.0):
        ...     _ = net.forward([1.0, 0.5]); _ = net.backward([target]); rec.record()
        >>> per_layer = rec.by_layer("delta")
        >>> list(per_layer), per_layer.neurons["h1..h3"], per_layer.depth["o1"]
        (['h1..h3', 'o1'], ['h1', 'h2', 'h3'], 2)
        >>> per_layer.to_array().shape          # records × layers with a δ
        (3, 2)
        """
        if quantity not in NEURON_QUANTITIES:
            raise NeuronsimError(f"by_layer() takes a neuron quantity ({', '.join(NEURON_QUANTITIES)}), "
                                 f"got {shown(quantity)}")
        reducers = {"mean_abs": lambda v: np.mean(np.abs(v), axis=1), "mean": lambda v: np.mean(v, axis=1),
                    "max_abs": lambda v: np.max(np.abs(v), axis=1), "norm": lambda v: np.linalg.norm(v, axis=1)}
        if not isinstance(reduce, str) or reduce not in reducers:
            raise NeuronsimError(f"by_layer(): reduce must be one of {', '.join(reducers)}; got {shown(reduce)}")
        values = self.array(quantity)
        column = {name: i for i, name in enumerate(self.neurons)}
        series, neurons, depth = {}, {}, {}
        for g, names in enumerate(self.layers):
            block = values[:, [column[n] for n in names]]
            recorded = ~np.all(np.isnan(block), axis=0)
            if names and recorded.any() and len(values):
                name = _layer_name(names)
                if name in series:  # two layers whose names read alike: tell them apart
                    name = f"{name} (layer {g})"
                series[name] = reducers[reduce](block[:, recorded])
                neurons[name], depth[name] = list(names), g
        return LayerSeries(quantity, reduce, self.steps, series, neurons, depth)

    def _rows_of(self, quantity):
        if quantity not in self._rows:
            raise NeuronsimError(f"quantity {quantity!r} was not recorded; recorded: {', '.join(self.quantities)}")
        return self._rows[quantity]

    def __repr__(self):
        return (f"Recorder({len(self)} records of {', '.join(self.quantities)}; "
                f"{len(self.neurons)} neurons, {len(self.edges)} edges, every {self.every} {self.per})")


def _number(value):
    return np.nan if value is None else value


def _layer_name(names):
    """``"h1"`` for a layer of one neuron, ``"h1_1..h1_32"`` (first..last) for several."""
    return names[0] if len(names) == 1 else f"{names[0]}..{names[-1]}"


class LayerSeries(Mapping):
    """A neuron quantity reduced over each layer, per record: ``{layer name: values}``.

    What :meth:`Recorder.by_layer` returns: a read-only mapping in layer order (inputs first)
    from each layer's name to a 1-D float array, one value per record. Printing it gives a
    table, one row per record.

    Attributes
    ----------
    quantity : str
        The neuron quantity reduced (e.g. ``"delta"``).
    reduce : str
        How it was reduced over each layer (e.g. ``"mean_abs"``).
    steps : numpy.ndarray
        The label of each record (epoch, batch or the ``step`` given to ``record``).
    neurons : dict of str to list of str
        The recorded neurons of each layer.
    depth : dict of str to int
        Each layer's topological generation (0: the inputs).

    Examples
    --------
    >>> import numpy as np
    >>> s = LayerSeries("delta", "mean_abs", np.array([1, 2]), {"h1..h2": np.array([0.5, 0.25]),
    ...                 "o1": np.array([0.125, 0.0625])}, {"h1..h2": ["h1", "h2"], "o1": ["o1"]},
    ...                 {"h1..h2": 1, "o1": 2})
    >>> s["o1"]
    array([0.125 , 0.0625])
    >>> print(s)
    mean |delta| per layer
    step  h1..h2      o1
       1     0.5   0.125
       2    0.25  0.0625
    """

    _REDUCED = {"mean_abs": "mean |{}|", "mean": "mean {}", "max_abs": "max |{}|", "norm": "norm of {}"}
    _ROWS = 20  # rows printed (the first and last halves) before the table is cut

    def __init__(self, quantity, reduce, steps, series, neurons, depth):
        self.quantity = quantity
        self.reduce = reduce
        self.steps = np.asarray(steps)
        self._series = dict(series)
        self.neurons = dict(neurons)
        self.depth = dict(depth)

    def __getitem__(self, layer):
        if not isinstance(layer, str):
            raise NeuronsimTypeError(
                f"layers are looked up by name ({', '.join(self._series) or 'none recorded'}), got "
                f"{shown(layer)}; to_array() gives the (records, layers) array")
        try:
            return self._series[layer]
        except KeyError:
            raise KeyError(f"no layer {shown(layer)} in this {self.quantity} series; layers: "
                           f"{shown(list(self._series))}") from None

    def __contains__(self, layer):
        return isinstance(layer, str) and layer in self._series

    def __iter__(self):
        return iter(self._series)

    def __len__(self):
        return len(self._series)

    def to_array(self):
        """The values as one (records, layers) float array, layers in this mapping's order."""
        if not self._series:
            return np.empty((len(self.steps), 0))
        return np.column_stack(list(self._series.values()))

    def __repr__(self):
        return (f"LayerSeries({self.quantity!r}, {self.reduce!r}, {len(self.steps)} records, "
                f"layers {list(self._series)})")

    def __str__(self):
        title = self._REDUCED.get(self.reduce, self.reduce + " {}").format(self.quantity) + " per layer"
        if not self._series:
            return f"{title}: nothing recorded"
        header = ["step"] + list(self._series)
        rows = list(range(len(self.steps)))
        if len(rows) > self._ROWS:
            rows = rows[:self._ROWS // 2] + [None] + rows[-self._ROWS // 2:]
        table = [[f"{self.steps[i]}"] + [f"{values[i]:.4g}" for values in self._series.values()]
                 if i is not None else ["..."] * len(header) for i in rows]
        widths = [max(len(header[c]), *(len(row[c]) for row in table)) for c in range(len(header))]
        lines = [title, "  ".join(h.rjust(w) for h, w in zip(header, widths))]
        lines += ["  ".join(cell.rjust(w) for cell, w in zip(row, widths)) for row in table]
        return "\n".join(lines)

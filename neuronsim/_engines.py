"""Training engines (private to :mod:`neuronsim.training`): how a batch's gradients are computed
and where the parameters live during a run.

Each engine offers ``prepare(plan, loss)``, ``batch(rows, loss, fused, outputs)``,
``keys``/``values()``/``grads()``/``write(values)``, ``evaluate(X, Y, loss, fused)`` and the sync
points ``sync()`` (make the graph current) and ``resync()`` (re-read it after callbacks).

Both engines refuse, with an error naming the edge or neuron, a weight or bias in the graph that
is not a finite real number (one edited straight into ``net.graph``) when they bind to the
network and after callbacks; a pass that overflows raises
:class:`~neuronsim.errors.NonFiniteError` naming the data row (the caller turns it into a
divergence).
"""

import numpy as np

from ._checks import all_finite, checked_real
from .errors import NonFiniteError

__all__ = ["ENGINES"]


class _ObjectEngine:
    """Neuron by neuron, case by case, through ``Network._forward/_backward``.

    Parameters are read from and written to the graph at every batch: the graph is always current.
    """

    def __init__(self, net, data, frozen):
        self.net, self.frozen = net, frozen
        self.X, self.Y = data[0].tolist(), data[1].tolist()  # Python floats: the fastest per case

    def prepare(self, plan, loss_spec):
        """(Re)bind to a plan; return ``(loss, fused)`` for it."""
        _check_graph_values(plan)
        self.params = _Params(plan, self.frozen)
        self.keys = self.params.keys
        self.plan = plan
        return self.net._checked_loss(plan, loss_spec)

    def batch(self, rows, loss, fused, outputs):
        """Accumulate the gradients of cases ``rows`` (a slice or an index array), append their outputs (one block per batch),
        return the summed loss."""
        forward, backward, plan, X, Y = self.net._forward, self.net._backward, self.plan, self.X, self.Y
        self.params.zero_grad()
        total, block = 0.0, []
        try:
            for i in (range(len(X))[rows] if isinstance(rows, slice) else rows.tolist()):
                block.append(forward(plan, X[i]))
                total += backward(plan, Y[i], loss, fused)
        except NonFiniteError as err:
            raise NonFiniteError(f"input row {i}: {err}") from None
        outputs.append(block)
        return total

    def values(self):
        return self.params.values()

    def grads(self):
        return self.params.grads()

    def write(self, values):
        self.params.write(values)

    def evaluate(self, X, Y, loss, fused):
        """Summed loss and outputs of a forward pass over cases (no gradients touched)."""
        plan, total, outputs = self.plan, 0.0, []
        for x, t in zip(X.tolist(), Y.tolist()):
            outputs.append(self.net._forward(plan, x))
            if fused is not None:
                total += fused[0]([n.z for n in plan.outputs], t)
            else:
                total += loss.f(outputs[-1], t)
        return total, outputs

    def sync(self):
        """Make the graph current (it always is)."""

    def resync(self):
        """Re-read the graph after callbacks (nothing is held elsewhere): check what they wrote."""
        _check_graph_values(self.net._current_plan())


def _check_graph_values(plan):
    """Every weight and bias of ``plan`` in the graph is a finite real number, or an error naming
    the first one that is not (one numpy test; the walk runs only when it fails)."""
    weights, biases = [], []
    for neuron, incoming in plan.forward:
        weights.extend(edge["weight"] for _, edge in incoming)
        biases.append(neuron._bias)
    values = np.array(weights + biases)
    if values.dtype.kind in "fiu" and all_finite(values):
        return
    for neuron, incoming in plan.forward:
        for src, edge in incoming:
            checked_real(edge["weight"], f"the weight of edge {src.name} -> {neuron.name} (read from net.graph)",
                         error=NonFiniteError)
        checked_real(neuron._bias, f"the bias of neuron {neuron.name!r}", error=NonFiniteError)


class _Params:
    """The trainable parameters of a plan, as references into the graph (never copies)."""

    def __init__(self, plan, frozen):
        keys, bias_keys, self.edges, self.neurons = [], [], [], []
        self.all_edges, self.all_neurons = [], []
        for neuron, incoming in plan.forward:
            for src, edge in incoming:
                self.all_edges.append(edge)
                if (src.name, neuron.name) not in frozen:
                    keys.append((src.name, neuron.name))
                    self.edges.append(edge)
            self.all_neurons.append(neuron)
            if neuron.name not in frozen:
                bias_keys.append(neuron.name)
                self.neurons.append(neuron)
        self.keys = tuple(keys + bias_keys)

    def values(self):
        return np.array([e["weight"] for e in self.edges] + [n._bias for n in self.neurons])

    def grads(self):
        return np.array([e["grad"] for e in self.edges] + [n.bias_grad for n in self.neurons])

    def write(self, values):
        values = values.tolist()
        for edge, value in zip(self.edges, values):
            edge["weight"] = value
        for neuron, value in zip(self.neurons, values[len(self.edges):]):
            neuron._bias = value    # finite: checked by the caller

    def zero_grad(self):
        for edge in self.all_edges:
            edge["grad"] = 0.0
        for neuron in self.all_neurons:
            neuron.bias_grad = 0.0


class _BatchedEngine:
    """neuronsim.fast: whole batches in numpy. During a run the engine's arrays hold the
    parameters; :meth:`sync` writes weights and gradients into the graph wherever it can be read
    (before callbacks and early-stopping snapshots, and when training stops), :meth:`resync`
    reads them back after callbacks."""

    def __init__(self, net, data, frozen):
        self.net, self.frozen = net, frozen
        self.X, self.Y = data
        self.engine = net.compile()

    def prepare(self, plan, loss_spec):
        engine = self.engine
        engine._ensure_compiled()
        live = [i for i, key in enumerate(engine.keys) if key not in self.frozen] if self.frozen else None
        if live is None or len(live) == len(engine.keys):
            self.live, self.keys = slice(None), engine.keys
        else:
            self.live, self.keys = np.array(live, dtype=int), tuple(engine.keys[i] for i in live)
        loss, _ = self.net._checked_loss(plan, loss_spec)
        self.vfused = engine._vectorised_fused(loss)
        return loss, self.vfused

    def batch(self, rows, loss, fused, outputs):
        engine = self.engine
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # the engine checks
            outputs.append(engine._forward(self.X[rows].T, rows).T)
            return engine._backward(self.Y[rows].T, loss, self.vfused, accumulate=False, rows=rows)

    def values(self):
        return self.engine.params[self.live]

    def grads(self):
        return self.engine.grads[self.live]

    def write(self, values):
        self.engine.params[self.live] = values
        self.engine._refresh()

    def evaluate(self, X, Y, loss, fused):
        engine = self.engine
        XT, YT = X.T, Y.T
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            out = engine._forward(XT)
            if self.vfused is not None:
                terms = self.vfused[0](engine._cache[3][engine._out_rows].T, YT.T)
            else:
                terms = loss.vf(out.T, YT.T)
            total = float(terms.sum())
            if not np.isfinite(total):
                engine._refuse_loss(terms, loss, None)
        return total, out.T

    def sync(self):
        self.engine.push(grads=True)

    def resync(self):
        self.engine._ensure_compiled()
        self.engine.pull()


# name -> factory(net, (X rows, Y rows, Y array), frozen keys) of an engine with the methods above.
ENGINES = {"object": _ObjectEngine, "fast": _BatchedEngine}

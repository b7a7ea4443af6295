"""Training engines (private to :mod:`neuronsim.training`): how a batch's gradients are computed
and where the parameters live during a run.

Each engine offers ``prepare(plan, loss)``, ``batch(rows, loss, fused, outputs)``,
``keys``/``values()``/``grads()``/``write(values)``, ``evaluate(X, Y, loss, fused)`` and the sync
points ``sync()`` (make the graph current) and ``resync()`` (re-read it after callbacks).

The engines ("object", "fast" and "torch") refuse, with an error naming the edge or neuron, a
weight or bias in the graph that is not a finite real number (one edited straight into
``net.graph``) when they bind to the network and after callbacks; a pass that overflows raises
:class:`~neuronsim.errors.NonFiniteError` naming the data row (the caller turns it into a
divergence).
"""

import math

import numpy as np

from ._checks import all_finite, checked_real, shown
from .errors import NeuronsimTypeError, NonFiniteError, TrainingError

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


class _TorchEngine:
    """PyTorch (:mod:`neuronsim.torch_bridge`): whole batches through the exported module, in
    float64 on ``device``, autograd for the gradients; neuronsim's own optimizer updates the flat
    parameter vector, in the fast engine's key order. Sync points as :class:`_BatchedEngine`'s:
    :meth:`sync` writes weights and gradients into the graph, :meth:`resync` reads them back.

    A loss or gradient that is not finite is named by replaying the batch in the fast engine
    (run only when the one finiteness test per batch fails)."""

    def __init__(self, net, data, frozen, device=None):
        from . import torch_bridge

        torch = self.torch = torch_bridge._require_torch()
        self.device = _checked_device(torch, device)
        self.net, self.frozen, self.data = net, frozen, data
        self.X = torch.as_tensor(data[0], dtype=torch.float64).to(self.device)
        self.Y = torch.as_tensor(data[1], dtype=torch.float64).to(self.device)
        self.module, self.key, self.finite = None, None, True

    @staticmethod
    def check_loss(loss):
        """LossError for a loss without a torch form (a custom one), before training starts."""
        from .torch_bridge import torch_loss

        torch_loss(loss)

    def _export(self):
        from .torch_bridge import to_torch

        torch = self.torch
        self.module = to_torch(self.net, torch.float64, self.device)
        self.key = self.net._current_plan().key
        self.fast = self.engine = self.net.compile()   # .engine: for _BatchedEngine.evaluate
        keys = self.fast.keys
        ranges = self.module._ranges
        self.order = sorted(ranges, key=lambda name: ranges[name][0])   # parameters in key order
        self.params = [getattr(self.module, name) for name in self.order]
        live = [i for i, key in enumerate(keys) if key not in self.frozen] if self.frozen else None
        if live is None or len(live) == len(keys):
            self.live, self.keys = slice(None), keys
        else:
            self.live, self.keys = np.array(live, dtype=int), tuple(keys[i] for i in live)
        self.flat_grads = np.zeros(len(keys))
        self._bind()

    def _bind(self):
        """Hold the parameters' current values in one flat vector in key order, the one the
        optimizer reads; on the CPU the parameters become views of it (a write is one store)."""
        torch = self.torch
        self.flat = self._flat(self.params).copy()
        self.shared = self.device.type == "cpu"
        if self.shared:
            ranges = self.module._ranges
            with torch.no_grad():
                for name, param in zip(self.order, self.params):
                    start, stop = ranges[name]
                    param.data = torch.from_numpy(self.flat[start:stop]).view_as(param)

    def prepare(self, plan, loss_spec):
        from .torch_bridge import _bce_fused, torch_loss

        if self.module is None or plan.key != self.key:
            self._export()
        loss, fused = self.net._checked_loss(plan, loss_spec)
        self.torch_fn = _bce_fused if (fused is not None and loss.name == "binary_cross_entropy") \
            else torch_loss(loss)
        self.with_z = self.torch_fn is _bce_fused
        self.loss, self.vfused = loss, self.fast._vectorised_fused(loss)
        return loss, fused

    def _flat(self, tensors):
        torch = self.torch
        return torch.cat([t.detach().reshape(-1) for t in tensors]).to("cpu").numpy()

    def _loss(self, X, Y):
        if self.with_z:
            out, z = self.module._pass(X, True)
            return out, self.torch_fn(z, Y)
        out = self.module._pass(X, False)
        return out, self.torch_fn(out, Y)

    def batch(self, rows, loss, fused, outputs):
        torch = self.torch
        index = rows if isinstance(rows, slice) else torch.as_tensor(rows, device=self.device)
        for param in self.params:
            param.grad = None
        out, value = self._loss(self.X[index], self.Y[index])
        value.backward()
        outputs.append(out.detach().to("cpu").numpy())
        total = value.detach().item()
        self.flat_grads = self._flat([p.grad for p in self.params])
        self.finite = math.isfinite(total) and all_finite(self.flat_grads)
        if not self.finite:
            self._name_culprit(rows)
        return total

    def _name_culprit(self, rows):
        """Replay a batch whose loss or gradients are not finite in the fast engine, whose
        NonFiniteError names the row and neuron; when it finds nothing, the loss is infinite."""
        fast = self.fast
        fast.set_params(self.flat)
        index = np.arange(len(self.data[0]))[rows]
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            fast._forward(self.data[0][index].T, index)
            fast._backward(self.data[1][index].T, self.loss, self.vfused, accumulate=False, rows=index)
        raise OverflowError("the loss is not finite")   # train() reports it as a divergence

    def values(self):
        return self.flat[self.live]

    def grads(self):
        return self.flat_grads[self.live]

    def write(self, values):
        torch, flat = self.torch, self.flat
        flat[self.live] = values
        if self.shared:   # the parameters are views of flat
            return
        with torch.no_grad():
            for name, param in zip(self.order, self.params):
                start, stop = self.module._ranges[name]
                param.copy_(torch.from_numpy(flat[start:stop]).view_as(param))

    def evaluate(self, X, Y, loss, fused):
        torch = self.torch
        with torch.no_grad():
            out, value = self._loss(torch.as_tensor(X, dtype=torch.float64).to(self.device),
                                    torch.as_tensor(Y, dtype=torch.float64).to(self.device))
        total = value.detach().item()
        if not math.isfinite(total):  # the fast engine names the row and neuron (or the loss)
            self.fast.set_params(self.flat)
            return _BatchedEngine.evaluate(self, X, Y, loss, fused)
        return total, out.to("cpu").numpy()

    def sync(self):
        if self.module is None:
            return
        if any(p.grad is None for p in self.params):
            for param in self.params:
                if param.grad is None:
                    param.grad = self.torch.zeros_like(param)
        self.module.write_back(self.net, grads=self.finite)

    def resync(self):
        if self.module is None:
            return
        if self.net._current_plan().key != self.key:
            self._export()   # reads the graph's current numbers
        else:
            self.module.read_from(self.net)
            self._bind()


def _checked_device(torch, device):
    """``device`` as a torch.device that can hold tensors here, or a TrainingError."""
    if device is None:
        return torch.device("cpu")
    if not isinstance(device, (str, torch.device)) or isinstance(device, bool):
        raise NeuronsimTypeError(f"device must be a str or a torch.device such as 'cpu' or 'cuda', "
                                 f"got {type(device).__name__} {shown(device)}")
    try:
        found = torch.device(device)
    except (RuntimeError, ValueError, TypeError) as err:
        raise TrainingError(f"device {shown(device)} is not a torch device ({shown(str(err))}); use 'cpu', 'cuda' "
                            "or 'cuda:N'") from None
    if found.type == "meta":
        raise TrainingError(f"device {shown(device)} holds no numbers; use 'cpu', 'cuda' or 'cuda:N'")
    if found.type == "cuda" and not torch.cuda.is_available():
        raise TrainingError(f"device {shown(device)}: CUDA is not available here (torch.cuda.is_available() is "
                            "False); use device='cpu'")
    try:
        torch.zeros(1, dtype=torch.float64, device=found)
    except Exception as err:
        raise TrainingError(f"device {shown(device)} cannot hold float64 tensors here ({type(err).__name__}: "
                            f"{shown(str(err))})") from None
    return found


# name -> factory(net, (X rows, Y rows, Y array), frozen keys) of an engine with the methods above
# ("torch" also takes device=).
ENGINES = {"object": _ObjectEngine, "fast": _BatchedEngine, "torch": _TorchEngine}

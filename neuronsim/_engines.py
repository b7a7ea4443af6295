"""Training engines (private to :mod:`neuronsim.training`): how a batch's gradients are computed
and where the parameters live during a run.

The engine protocol (what :mod:`neuronsim.training` calls; each of the three engines implements it):

- ``Engine(net, (X, Y), frozen)`` — bind to a network and the checked data (float arrays, one
  row per case); ``frozen`` holds the parameter keys training leaves alone;
- ``prepare(plan, loss) -> (Loss, fused)`` — (re)bind to ``net.plan()`` (called again whenever
  the plan changes), check the loss against its outputs; ``keys`` then names the trainable
  parameters, in the order of the vectors below;
- ``batch(rows, loss, fused, outputs) -> float`` — the summed loss of cases ``rows`` (a slice or
  an index array), their gradients left for ``grads()``, their outputs appended to ``outputs``;
- ``values()``, ``grads()`` — the trainable parameters and their batch gradients, flat, in
  ``keys`` order; ``write(values)`` stores updated (finite) parameters; an engine may offer
  ``step(optimizer, lr, divisor)`` to do that update in place (None when stored, else the
  refused non-finite values), which training then calls instead;
- ``evaluate(X, Y, loss, fused) -> (float, outputs)`` — a forward pass, no gradients touched;
- ``sync()`` — make the graph current (weights and gradients written to ``net.graph``) and
  ``resync()`` — re-read it after callbacks, which may have edited it.

They drive a pass only through the seam: ``net.plan()``, ``net.checked_loss()``,
``Network.run_forward``/``run_backward`` (object engine); ``net.compile()`` and the
:class:`~neuronsim.fast.FastEngine` methods ``ensure_compiled``, ``loss_forms``, ``run_batch``,
``evaluate_batch``, ``write_params``, ``set_params``, ``pull``/``push`` (fast and torch engines).

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

# Parameters and steps below this size cannot overflow when added (the float range ends at ~1.8e308).
_NO_OVERFLOW = 1e300


class _ObjectEngine:
    """Neuron by neuron, case by case, through ``Network.run_forward/run_backward``.

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
        return self.net.checked_loss(loss_spec, plan)

    def batch(self, rows, loss, fused, outputs):
        """Accumulate the gradients of cases ``rows`` (a slice or an index array), append their outputs (one block per batch),
        return the summed loss."""
        forward, backward, plan, X, Y = self.net.run_forward, self.net.run_backward, self.plan, self.X, self.Y
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
            outputs.append(self.net.run_forward(plan, x))
            if fused is not None:
                total += fused[0]([n.z for n in plan.outputs], t)
            else:
                total += loss.f(outputs[-1], t)
        return total, outputs

    def sync(self):
        """Make the graph current (it always is)."""

    def resync(self):
        """Re-read the graph after callbacks (nothing is held elsewhere): check what they wrote."""
        _check_graph_values(self.net.plan())


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
    reads them back after callbacks.

    Per batch: the shuffled rows are gathered into arrays kept per batch size (a batch in order
    is a view of the data), :meth:`FastEngine.run_batch` runs forward and backward in its own
    reused arrays with one finiteness test, and :meth:`step` updates the flat parameter vector
    without temporaries (the optimizer writes the new values into a second vector, which
    becomes the parameters when they are all finite)."""

    def __init__(self, net, data, frozen):
        self.net, self.frozen = net, frozen
        self.X, self.Y = data
        self.engine = net.compile()
        self.gathered = {}      # batch size -> (X rows, Y rows) arrays reused by every batch of that size
        self.bound = None       # an upper bound of max |parameter| (see step), None: not known

    def prepare(self, plan, loss_spec):
        engine = self.engine
        engine.ensure_compiled()
        live = [i for i, key in enumerate(engine.keys) if key not in self.frozen] if self.frozen else None
        if live is None or len(live) == len(engine.keys):
            self.live, self.keys = slice(None), engine.keys
        else:
            self.live, self.keys = np.array(live, dtype=int), tuple(engine.keys[i] for i in live)
        self.bound = None
        loss, self.vfused = engine.loss_forms(loss_spec)
        return loss, self.vfused

    def batch(self, rows, loss, fused, outputs):
        if isinstance(rows, slice):     # cases in order: views of the data, no copy
            XT, YT = self.X[rows].T, self.Y[rows].T
        else:
            n = len(rows)
            found = self.gathered.get(n)
            if found is None:
                if len(self.gathered) >= 4:
                    self.gathered.clear()
                found = self.gathered[n] = (np.empty((n, self.X.shape[1])), np.empty((n, self.Y.shape[1])))
            # mode="clip": the rows are valid (a permutation's), and "raise" would buffer the copy
            XT = np.take(self.X, rows, axis=0, out=found[0], mode="clip").T
            YT = np.take(self.Y, rows, axis=0, out=found[1], mode="clip").T
        out, value = self.engine.run_batch(XT, YT, loss, self.vfused, rows)
        outputs.append(out.T)
        return value

    def step(self, optimizer, lr, divisor):
        """Update the trainable parameters from the batch's gradients (divided by ``divisor``
        unless it is None): None when the new values are finite and stored, else them (nothing
        stored, the optimizer's state unchanged).

        An optimizer with a flat form (plain SGD) gives Δw, and when no w + Δw can overflow
        (``bound`` + |Δw| far below the float range, ``bound`` ≥ max |w| kept from step to step)
        the parameters take it in place: no finiteness test and no second parameter vector."""
        engine = self.engine
        if isinstance(self.live, slice):
            w = engine.params
            delta = optimizer._flat_delta(self.keys, engine.grads, lr, divisor)
            if delta is not None:
                with np.errstate(over="ignore", invalid="ignore"):   # too big: the careful step below
                    size = math.sqrt(float(np.dot(delta, delta)))   # ≥ every |Δw|; inf or nan if one is not finite
                    if self.bound is None:
                        self.bound = math.sqrt(float(np.dot(w, w)))
                if self.bound + size < _NO_OVERFLOW:   # so every |w + Δw| is far below the float range
                    np.add(w, delta, out=w)
                    self.bound += size
                    optimizer._commit_flat(self.keys, delta)
                    engine.stepped_in_place()
                    return None
                with np.errstate(all="ignore"):
                    new = w + delta
                if not all_finite(new):
                    return new
                optimizer._commit_flat(self.keys, delta)
                self.write(new)
                return None
        new = np.empty(len(self.keys))
        if not optimizer._update_into(self.keys, self.values(), self.grads(), lr, divisor, new):
            return new
        self.write(new)
        return None

    def values(self):
        return self.engine.params[self.live]

    def grads(self):
        return self.engine.grads[self.live]

    def write(self, values):
        self.engine.write_params(values, self.live)
        self.bound = None

    def evaluate(self, X, Y, loss, fused):
        total, out = self.engine.evaluate_batch(X.T, Y.T, loss, self.vfused)
        return total, out.T

    def sync(self):
        self.engine.push(grads=True)

    def resync(self):
        self.engine.ensure_compiled()
        self.engine.pull()
        self.bound = None


class _TorchEngine:
    """PyTorch (:mod:`neuronsim.torch_bridge`): whole batches through the exported module, in
    float64 on ``device``, autograd for the gradients. Sync points as :class:`_BatchedEngine`'s:
    :meth:`sync` writes weights and gradients into the graph (and the optimizer's state into the
    optimizer), :meth:`resync` reads them back.

    The parameters live in one flat tensor in the fast engine's key order (the module's
    parameters are views of it); after each backward pass their gradients are gathered into
    another. :meth:`step` updates them there, on the device, with :mod:`neuronsim.optim`'s rules
    (:class:`~neuronsim.optim.SGD` with momentum, Nesterov, weight decay and proportional decay;
    :class:`~neuronsim.optim.Adam`), the optimizer's state held in tensors during the run and
    handed back to the optimizer at each sync. Any other optimizer (a subclass) steps through
    ``values()``/``grads()``/``write()`` and its own ``update``.

    Per batch only the loss and one aggregate finiteness test (of the loss and the gradients)
    leave the device, then one of the new parameters, and the batch's outputs (training's metrics
    and stopping rules read them; on the CPU they are shared, not copied). A pass that is not
    finite is named by replaying the batch in the fast engine, only when that test fails."""

    def __init__(self, net, data, frozen, device=None):
        from . import torch_bridge

        torch = self.torch = torch_bridge._require_torch()
        self.device = _checked_device(torch, device)
        self.cpu = self.device.type == "cpu"
        self.net, self.frozen, self.data = net, frozen, data
        self.X = torch.as_tensor(data[0], dtype=torch.float64).to(self.device)
        self.Y = torch.as_tensor(data[1], dtype=torch.float64).to(self.device)
        self.module, self.key, self.finite = None, None, True
        self.order = (None, None)   # (an epoch's numpy permutation, the same on the device)
        self.gathered = {}          # batch size -> (X rows, Y rows) tensors reused by its batches
        # the optimizer whose state the engine holds: its state tensors (aligned with keys), the
        # slots dict last read from or given to it, a velocity not yet computed (plain SGD: this
        # batch's gradients and the factor), and whether the tensors are newer than the optimizer
        self.opt, self.state, self.opt_slots, self.pending, self.dirty = None, None, None, None, False

    @staticmethod
    def check_loss(loss):
        """LossError for a loss without a torch form (a custom one), before training starts."""
        from .torch_bridge import torch_loss

        torch_loss(loss)

    def _export(self):
        from .torch_bridge import NetworkModule

        torch = self.torch
        self._flush_state()     # the optimizer's state under the old keys, before they change
        self.opt = None
        self.fast = self.engine = self.net.compile()   # .engine: for _BatchedEngine.evaluate
        self.module = NetworkModule(self.net, torch.float64, self.device, engine=self.fast)
        self.key = self.net.plan().key
        keys = self.fast.keys
        ranges = self.module._ranges
        names = sorted(ranges, key=lambda name: ranges[name][0])   # parameters in key order
        self.params = [getattr(self.module, name) for name in names]
        self.spans = [ranges[name] for name in names]
        if [start for start, _ in self.spans] != [0] + [stop for _, stop in self.spans[:-1]] or \
                self.spans[-1][1] != len(keys):   # pragma: no cover - the blocks tile the key order
            raise AssertionError("the module's parameters do not tile the key order")
        live = [i for i, key in enumerate(keys) if key not in self.frozen] if self.frozen else None
        if live is None or len(live) == len(keys):
            self.live, self.live_t, self.keys = slice(None), None, keys
        else:
            self.live, self.keys = np.array(live, dtype=int), tuple(keys[i] for i in live)
            self.live_t = torch.as_tensor(self.live, device=self.device)
        n = len(keys)
        self.flat_w = torch.empty(n, dtype=torch.float64, device=self.device)
        self.spare = torch.empty_like(self.flat_w)      # the next parameters, see step
        self.grad_buffers = [torch.zeros_like(self.flat_w), torch.zeros_like(self.flat_w)]
        self.flat_g = self.grad_buffers[0]
        with torch.no_grad():
            for param, (start, stop) in zip(self.params, self.spans):
                self.flat_w[start:stop] = param.detach().reshape(-1)
        self._point(self.flat_w)

    def _point(self, flat):
        """Make ``flat`` the parameters: each module parameter becomes a view of its span."""
        self.flat_w = flat
        for param, (start, stop) in zip(self.params, self.spans):
            param.data = flat[start:stop].view_as(param)

    def prepare(self, plan, loss_spec):
        from .torch_bridge import _bce_fused, torch_loss

        if self.module is None or plan.key != self.key:
            self._export()
        loss, self.vfused = self.fast.loss_forms(loss_spec)
        fused = self.net.checked_loss(loss_spec, plan)[1]
        self.torch_fn = _bce_fused if (fused is not None and loss.name == "binary_cross_entropy") \
            else torch_loss(loss)
        self.with_z = self.torch_fn is _bce_fused
        self.loss = loss
        return loss, fused

    def _numpy(self, tensor):
        """A tensor's numbers as a numpy array (on the CPU: shared, not copied)."""
        return tensor.detach().numpy() if self.cpu else tensor.detach().cpu().numpy()

    def _loss(self, X, Y):
        if self.with_z:
            out, z = self.module._pass(X, True)
            return out, self.torch_fn(z, Y)
        out = self.module._pass(X, False)
        return out, self.torch_fn(out, Y)

    def _index(self, rows):
        """Rows of an epoch's permutation as an index tensor on the device: on the CPU a view of
        the numpy array; elsewhere a slice of the permutation, sent to the device once an epoch."""
        torch = self.torch
        if self.cpu:
            return torch.from_numpy(rows) if rows.dtype == np.int64 else torch.as_tensor(rows, dtype=torch.long)
        base = rows.base
        if base is not None and base.ndim == 1 and base.dtype == rows.dtype and rows.strides == base.strides:
            if self.order[0] is not base:
                self.order = (base, torch.as_tensor(base, device=self.device))
            start = (rows.ctypes.data - base.ctypes.data) // base.itemsize
            if 0 <= start and start + len(rows) <= len(base):
                return self.order[1][start:start + len(rows)]
        return torch.as_tensor(rows, device=self.device)

    def batch(self, rows, loss, fused, outputs):
        torch = self.torch
        index = rows if isinstance(rows, slice) else self._index(rows)
        for param in self.params:
            param.grad = None
        if isinstance(index, slice):
            X, Y = self.X[index], self.Y[index]
        else:   # gathered into arrays kept per batch size (free again once backward has run)
            found = self.gathered.get(len(index))
            if found is None:
                if len(self.gathered) >= 4:
                    self.gathered.clear()
                found = self.gathered[len(index)] = (self.X.new_empty((len(index), self.X.shape[1])),
                                                     self.Y.new_empty((len(index), self.Y.shape[1])))
            X = torch.index_select(self.X, 0, index, out=found[0])
            Y = torch.index_select(self.Y, 0, index, out=found[1])
        out, value = self._loss(X, Y)
        value.backward()
        # the gradients in key order, into the buffer the last step did not read (a velocity
        # still to compute may refer to that one)
        grads = self.grad_buffers[1] if self.flat_g is self.grad_buffers[0] else self.grad_buffers[0]
        torch.cat([p.grad.reshape(-1) if p.grad is not None else torch.zeros_like(p).reshape(-1)
                   for p in self.params], out=grads)
        self.flat_g = grads
        value = value.detach()
        total, check = torch.stack((value, value + grads.sum())).tolist()   # one transfer, one test
        outputs.append(self._numpy(out))
        if not math.isfinite(check):   # a sum may overflow on finite terms: test exactly, then name
            self.finite = math.isfinite(total) and bool(torch.isfinite(grads).all())
            if not self.finite:
                self._name_culprit(rows)
        self.finite = True
        return total

    def _name_culprit(self, rows):
        """Replay a batch whose loss or gradients are not finite in the fast engine, whose
        NonFiniteError names the row and neuron; when it finds nothing, the loss is infinite."""
        fast = self.fast
        fast.set_params(self._numpy(self.flat_w))
        index = np.arange(len(self.data[0]))[rows]
        fast.run_batch(self.data[0][index].T, self.data[1][index].T, self.loss, self.vfused, index)
        raise OverflowError("the loss is not finite")   # train() reports it as a divergence

    def values(self):
        return self._numpy(self.flat_w)[self.live]

    def grads(self):
        return self._numpy(self.flat_g)[self.live]

    def write(self, values):
        torch = self.torch
        values = torch.as_tensor(np.asarray(values, dtype=float), dtype=torch.float64).to(self.device)
        with torch.no_grad():
            if self.live_t is None:
                self.flat_w.copy_(values)
            else:
                self.flat_w.index_copy_(0, self.live_t, values)

    # --- the optimizer step, on the device ------------------------------------------------------

    def step(self, optimizer, lr, divisor):
        """Update the trainable parameters from the batch's gradients (divided by ``divisor``
        unless it is None): None when the new values are all finite and stored, else them as a
        numpy array (nothing stored, the optimizer's state unchanged)."""
        from .optim import SGD, Adam

        kind = type(optimizer)
        if kind is not SGD and kind is not Adam:   # a subclass: its own update, in numpy
            g = self.grads()
            new = optimizer.update(self.keys, self.values(), g if divisor is None else g / divisor, lr)
            if not all_finite(new):
                return new
            self.write(new)
            return None
        torch = self.torch
        state = self._state(optimizer)
        whole = self.live_t is None
        w = self.flat_w if whole else self.flat_w[self.live_t]
        g = self.flat_g if whole else self.flat_g[self.live_t]
        pending = None
        with torch.no_grad():
            if kind is SGD and not optimizer.momentum and not optimizer.weight_decay and whole:
                # plain SGD: w − (ε / divisor)·g in one pass; its state (the last Δw) is computed
                # only when someone reads it, from these gradients
                scale = -lr if divisor is None else -lr / divisor
                new = torch.add(w, g, alpha=scale, out=self.spare)
                pending, state = (g, scale), {"velocity": None}
            else:
                if self.pending is not None:   # the last plain step's velocity, now needed
                    self._settle()
                    state = self.state
                if divisor is not None:
                    g = g / divisor
                if optimizer.weight_decay:
                    g = g + optimizer.weight_decay * w          # ∂/∂w (E + ½λΣw²)
                delta, state = (_sgd_delta if kind is SGD else _adam_delta)(torch, optimizer, g, lr, state)
                new = w + delta
            if optimizer.decay:
                new.mul_(1.0 - optimizer.decay)                # RHW 1986: w ← w − d·w after each change
            if not math.isfinite(new.sum().item()) and not bool(torch.isfinite(new).all()):
                return self._numpy(new).copy()                  # refused: nothing stored
            if not whole:
                self.flat_w.index_copy_(0, self.live_t, new)
            else:   # the new vector becomes the parameters; the old one is the next spare
                self.spare = self.flat_w
                self._point(new)
        self.state, self.pending, self.dirty = state, pending, True
        return None

    def _state(self, optimizer):
        """The optimizer's per-parameter state as tensors aligned with :attr:`keys`: the engine's
        own while it is the optimizer's latest, else read from the optimizer (zeros for
        parameters it has no state for, as :meth:`~neuronsim.optim.Optimizer.update` starts)."""
        if optimizer is self.opt and optimizer._slots is self.opt_slots:
            return self.state
        self._flush_state()
        torch = self.torch
        slots = optimizer._aligned(self.keys)
        self.state = {slot: torch.as_tensor(np.array(values, dtype=float), dtype=torch.float64).to(self.device)
                      for slot, values in slots.items()}
        self.opt, self.opt_slots, self.pending, self.dirty = optimizer, optimizer._slots, None, False
        return self.state

    def _settle(self):
        """Compute the velocity a plain SGD step left pending (its Δw, from its gradients)."""
        if self.pending is not None:
            g, scale = self.pending
            self.state, self.pending = {"velocity": g * scale}, None

    def _flush_state(self):
        """Hand the state tensors back to the optimizer (copies, in numpy), when they are newer."""
        if not self.dirty:
            return
        self._settle()
        slots = {slot: self._numpy(values).copy() for slot, values in self.state.items()}
        self.opt._keys, self.opt._slots = self.keys, slots
        self.opt_slots, self.dirty = slots, False

    def evaluate(self, X, Y, loss, fused):
        torch = self.torch
        Xt = self.X if X is self.data[0] else torch.as_tensor(X, dtype=torch.float64).to(self.device)
        Yt = self.Y if Y is self.data[1] else torch.as_tensor(Y, dtype=torch.float64).to(self.device)
        with torch.no_grad():
            out, value = self._loss(Xt, Yt)
        total = value.item()
        if not math.isfinite(total):  # the fast engine names the row and neuron (or the loss)
            self.fast.set_params(self._numpy(self.flat_w))
            return _BatchedEngine.evaluate(self, X, Y, loss, fused)
        return total, self._numpy(out)

    def sync(self):
        if self.module is None:
            return
        self._flush_state()
        # the fast engine of the same export writes the graph (its keys are the flat order)
        fast = self.fast
        fast.write_params(self._numpy(self.flat_w))
        if self.finite:
            fast.grads[:] = self._numpy(self.flat_g)
        fast.push(grads=self.finite)

    def resync(self):
        if self.module is None:
            return
        if self.net.plan().key != self.key:
            self._export()   # reads the graph's current numbers
            return
        self.fast.pull()     # the graph's current numbers, checked
        with self.torch.no_grad():
            self.flat_w.copy_(self.torch.as_tensor(self.fast.params, dtype=self.torch.float64))


def _sgd_delta(torch, sgd, g, lr, state):
    """:meth:`neuronsim.optim.SGD._delta` on tensors: (Δw, new state)."""
    alpha = sgd.momentum
    if not alpha:
        v = g * -lr
        return v, {"velocity": v}
    v = alpha * state["velocity"] - lr * g                    # v(t) = α v(t−1) − ε g(t)
    if sgd.nesterov:
        return alpha * v - lr * g, {"velocity": v}            # α v(t) − ε g(t)
    return v, {"velocity": v}


def _adam_delta(torch, adam, g, lr, state):
    """:meth:`neuronsim.optim.Adam._delta` on tensors: (Δw, new state)."""
    beta1, beta2 = adam.betas
    t = state["t"] + 1.0
    m = beta1 * state["m"] + (1.0 - beta1) * g
    v = beta2 * state["v"] + (1.0 - beta2) * g * g
    m_hat = m / (1.0 - torch.pow(beta1, t))
    v_hat = v / (1.0 - torch.pow(beta2, t))
    return -lr * m_hat / (torch.sqrt(v_hat) + adam.eps), {"m": m, "v": v, "t": t}


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

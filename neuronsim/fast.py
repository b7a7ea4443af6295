"""The batched engine: numpy forward and backward over the same graph, a whole batch at once.

:func:`compile` (or ``net.compile()``) turns a network's graph into a :class:`FastEngine`: neurons
are grouped by *level* (longest path from the inputs), so every link goes from a lower level to
a higher one and a level is computed in one go. The links between two levels form a block,
stored in the cheapest form that fits:

- **dense** — every source × destination link present: a weight matrix that is a view of the
  engine's flat weight vector (one BLAS product per block);
- **masked** — mostly present: a dense matrix with zeros where links are missing;
- **sparse** — few present: gather / ``reduceat`` / scatter over edge index arrays.

Activations and losses use their numpy forms (``vf``/``vdf``) next to the scalar ones.

**One owner at a time.** During a run the engine holds the weights in arrays; it reads them from
the graph (:meth:`FastEngine.pull`) and writes weights and gradients back
(:meth:`FastEngine.push`) at documented sync points: the public :meth:`FastEngine.forward` and
:meth:`FastEngine.backward` sync on every call (so they are always consistent with the graph),
and training syncs wherever the graph can be read during a run (before every callback and
early-stopping snapshot) and when training stops, however it stops. A structural edit to the graph
triggers recompilation on the next call. The engine writes no per-neuron z, a or δ (they would
be arrays): use the object engine to step through a single case.

**No silent NaN or infinity.** Inputs and weights are finite (checked at the door and when the
weights are read from the graph: a weight edited straight into ``net.graph`` that is not a
finite real number is refused, naming its edge). A pass that still overflows raises
:class:`~neuronsim.errors.NonFiniteError` instead of returning a NaN or an infinity. What is
checked, with one vectorised test each and a walk to name the culprit only when it fails:

- forward: the z and the a of *every* non-input neuron for every case — so a hidden z that
  overflowed is caught even where the next layer would hide it (relu(−inf) = 0,
  sigmoid(inf) = 1). The message names the first input row (case) that has one, and in it the
  first neuron in topological order, with its z and a;
- backward: the loss (the first row whose loss term is not finite), then the δ of every
  non-input neuron (the first row that has one, and in it the first neuron in the order the
  deltas are computed, from the outputs back), then the batch's gradients (the first parameter
  whose sum over the batch overflowed).

A refused :meth:`FastEngine.forward` leaves no batch for :meth:`FastEngine.backward`; a refused
:meth:`FastEngine.backward` adds nothing to the engine's or the graph's gradients.

Examples
--------
>>> import numpy as np, neuronsim
>>> net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 3), ("sigmoid", 1)], seed=0)
>>> engine = net.compile()
>>> X, Y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[1.0], [0.0]])
>>> np.allclose(engine.forward(X), net.predict(X))
True
>>> loss = engine.backward(Y)          # sums over the batch; grads accumulate in the graph
>>> net.zero_grad()
>>> total = sum((net.forward(x), net.backward(y))[1] for x, y in zip(X.tolist(), Y.tolist()))
>>> bool(np.isclose(loss, total))
True
"""

import math
import operator

import numpy as np

from ._gc import paused_gc
from . import _progress
from . import losses as _losses
from ._checks import all_finite, as_matrix, checked_real, finite_vector, parameter_name
from .errors import NeuronsimError, NeuronsimTypeError, NonFiniteError, ShapeError

__all__ = ["FastEngine", "compile"]

_WEIGHT = operator.itemgetter("weight")
# A block whose links fill at least this fraction of its source x destination rectangle is run
# as a dense matrix with zeros for the missing links: BLAS on the whole rectangle beats walking
# index arrays down to ~1 % density (measured: ~4 ns per cell vs ~0.35 us per link for 100 cases).
_MASKED_MIN_DENSITY = 0.01
_MASKED_MAX_CELLS = 20_000_000   # ... unless the rectangle itself would be too big to hold


def compile(net):
    """Compile ``net`` into a :class:`FastEngine` (also ``net.compile()``).

    Examples
    --------
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 2), ("identity", 1)], init="constant")
    >>> compile(net).forward([[1.0, 2.0]])
    array([[3.]])
    """
    return FastEngine(net)


class _Block:
    """The links from one range of source rows into one level."""

    __slots__ = ("kind", "s0", "s1", "d0", "d1", "w0", "w1", "rows", "cols", "matrix",
                 "src", "dst", "dst_starts", "dst_unique", "by_src", "src_starts", "src_unique",
                 "needs_input_grad")


class FastEngine:
    """Batched forward/backward over a network's graph; see the module docs for sync points.

    Attributes
    ----------
    keys : tuple
        Parameter keys in the engine's order: every link ``(src, dst)`` then every bias (name).
    params, grads : ndarray
        Flat parameter values and accumulated gradients in :attr:`keys` order (weights first,
        then biases). Views ``weights``/``biases`` and ``weight_grads``/``bias_grads`` share them.

    Examples
    --------
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 1), ("identity", 1)], init="constant")
    >>> engine = net.compile()
    >>> engine.keys
    (('x1', 'o1'), 'o1')
    >>> _ = engine.forward([[2.0]])
    >>> engine.backward([[1.0]])            # ½ (2 − 1)²
    0.5
    >>> engine.grads.tolist()               # ∂C/∂w = a δ = 2 × 1, ∂C/∂b = δ = 1
    [2.0, 1.0]
    """

    def __init__(self, net):
        self.net = net
        with paused_gc():
            self._compile()

    # --- compilation --------------------------------------------------------------------------

    def _compile(self):
        links = self.net.graph.number_of_edges()
        bar = _progress.bar(links, desc="compiling", unit="link", enabled=links >= _progress.BIG_NETWORK)
        try:
            self._compile_levels(bar)
        finally:
            if bar is not None:
                bar.close()

    def _compile_levels(self, bar):
        net = self.net
        plan = net._current_plan()
        graph = net.graph
        self._key = plan.key
        inputs = [n.name for n in plan.inputs]
        input_set = set(inputs)
        level = {}
        for neuron in plan.order:
            preds = graph._pred[neuron.name]
            if neuron.name in input_set:
                level[neuron.name] = 0
            else:
                level[neuron.name] = 1 + max((level[p] for p in preds), default=0)
        depth = max(level.values()) + 1
        topo = {n.name: i for i, n in enumerate(plan.order)}
        rows = list(inputs)
        self._levels = []  # (d0, d1, [(activation, r0, r1)], [blocks])
        for lv in range(1, depth):
            members = sorted((n for n in level if level[n] == lv and n not in input_set),
                             key=lambda n: (graph._node[n]["neuron"].activation.name, topo[n]))
            d0 = len(rows)
            rows.extend(members)
            groups = [(act, r0, r1) for act, r0, r1 in _contiguous_groups(graph, members, d0)]
            self._levels.append([d0, len(rows), groups, []])
        self._rows = rows
        row = {name: i for i, name in enumerate(rows)}
        self.n_inputs = len(inputs)
        self._out_rows = np.array([row[n.name] for n in plan.outputs])
        self._out_acts = {n.activation.name for n in plan.outputs}
        self._neurons = [graph._node[name]["neuron"] for name in rows[self.n_inputs:]]

        edge_keys, edge_dicts = [], []
        for entry in self._levels:
            d0, d1 = entry[0], entry[1]
            by_src_level = {}
            for dst in rows[d0:d1]:
                incoming = graph._pred[dst]
                for src, data in incoming.items():
                    by_src_level.setdefault(level[src], []).append((row[src], row[dst], src, dst, data))
                if bar is not None:
                    bar.update(len(incoming))
            for src_level in sorted(by_src_level):
                links = by_src_level[src_level]
                block = self._make_block(links, d0, d1, len(edge_keys))
                block.needs_input_grad = src_level > 0
                ordered = _block_order(block, links)
                edge_keys.extend((s, d) for _, _, s, d, _ in ordered)
                edge_dicts.extend(data for *_, data in ordered)
                block.w1 = len(edge_keys)
                entry[3].append(block)

        n_edges = len(edge_keys)
        self.keys = tuple(edge_keys) + tuple(rows[self.n_inputs:])
        # Syncs walk the links in the graph's own order (the order their dicts were made, which
        # keeps memory access sequential: ~2x faster on big graphs); _walk maps it to ours.
        position = {edge: i for i, edge in enumerate(graph.edges())}
        self._walk = np.argsort(np.fromiter((position[key] for key in edge_keys), int, n_edges), kind="stable")
        self._edge_dicts = [edge_dicts[i] for i in self._walk.tolist()]
        self.params = np.zeros(len(self.keys))
        self.grads = np.zeros(len(self.keys))
        self.weights, self.biases = self.params[:n_edges], self.params[n_edges:]
        self.weight_grads, self.bias_grads = self.grads[:n_edges], self.grads[n_edges:]
        self._b0 = self.n_inputs  # bias of row r is biases[r - n_inputs]
        self._cache = None
        self.pull()

    def _make_block(self, links, d0, d1, w0):
        block = _Block()
        block.d0, block.d1, block.w0 = d0, d1, w0
        src_rows = sorted({s for s, *_ in links})
        block.s0, block.s1 = src_rows[0], src_rows[-1] + 1
        area = (block.s1 - block.s0) * (d1 - d0)
        if len(links) == area:
            block.kind = "dense"
        elif len(links) >= _MASKED_MIN_DENSITY * area and area <= _MASKED_MAX_CELLS:
            block.kind = "masked"
        else:
            block.kind = "sparse"
        return block

    # --- syncing with the graph ---------------------------------------------------------------

    def _ensure_compiled(self):
        if self.net._current_plan().key != self._key:
            with paused_gc():
                self._compile()

    def pull(self):
        """Read weights and biases from the graph into the engine's arrays.

        Raises
        ------
        NeuronsimTypeError, NonFiniteError
            A weight in the graph (edited there directly) is not a real number, or is NaN or
            infinite; the message names its edge. The engine's arrays are then left as they were.
        """
        weights = np.array(list(map(_WEIGHT, self._edge_dicts)))
        biases = np.array([n._bias for n in self._neurons])
        if weights.dtype.kind not in "fiu" or not all_finite(weights):
            weights = self._checked_weights()   # names the culprit, or converts (ints > 2**63)
        if biases.dtype.kind not in "fiu" or not all_finite(biases):
            biases = np.array([checked_real(neuron._bias, f"the bias of neuron {neuron.name!r}",
                                            error=NonFiniteError) for neuron in self._neurons])
        self.weights[self._walk] = weights
        self.biases[:] = biases
        self._refresh()

    def _checked_weights(self):
        """The graph's weights (in its own edge order) one by one: the error naming the first edge
        whose weight is not a finite real number, else them as floats."""
        keys = self.keys
        return np.array([checked_real(data["weight"], "the weight of edge {} -> {} (read from net.graph)".format(
            *keys[position]), error=NonFiniteError) for position, data in zip(self._walk.tolist(), self._edge_dicts)])

    def push(self, grads=False):
        """Write the engine's weights and biases (and, with ``grads``, its gradients) to the graph."""
        if grads:  # one walk over the links for both numbers: this runs every epoch
            walk = self._walk
            for data, value, grad in zip(self._edge_dicts, self.weights[walk].tolist(),
                                         self.weight_grads[walk].tolist()):
                data["weight"] = value
                data["grad"] = grad
            for neuron, value, grad in zip(self._neurons, self.biases.tolist(), self.bias_grads.tolist()):
                neuron._bias = value
                neuron.bias_grad = grad
            return
        for data, value in zip(self._edge_dicts, self.weights[self._walk].tolist()):
            data["weight"] = value
        for neuron, value in zip(self._neurons, self.biases.tolist()):
            neuron._bias = value

    def set_params(self, values):
        """Replace the flat parameter vector (in :attr:`keys` order); the graph is written at the
        next :meth:`push`.

        Raises
        ------
        ShapeError, NeuronsimTypeError, ValueRangeError
            Not one finite real number per key (the message names the parameter); nothing
            changes then.
        """
        checked = finite_vector(values, len(self.keys), "FastEngine.set_params(values)")
        self.params[:] = checked
        self._refresh()

    def _refresh(self):
        """Rebuild the masked blocks' matrices after the flat weights changed."""
        for _, _, _, blocks in self._levels:
            for block in blocks:
                if block.kind == "dense":
                    block.matrix = self.weights[block.w0:block.w1].reshape(block.d1 - block.d0, block.s1 - block.s0)
                elif block.kind == "masked":
                    block.matrix[block.rows, block.cols] = self.weights[block.w0:block.w1]

    # --- the passes ---------------------------------------------------------------------------

    def forward(self, X):
        """Outputs for a batch, as an (n, outputs) array; reads the graph's weights first.

        Raises
        ------
        ShapeError, ValueRangeError
            ``X`` is not a finite (n, inputs) array.
        NeuronsimTypeError, NonFiniteError
            A weight read from the graph is not a finite real number (the edge is named), or
            the pass overflowed: the message names the first input row with a non-finite z or
            a, and in it the first such neuron in topological order. No batch is then kept
            for :meth:`backward`.

        Examples
        --------
        >>> import neuronsim
        >>> net = neuronsim.Network.from_spec([("identity", 2), ("identity", 1)], init="constant")
        >>> net.compile().forward([[1.0, 2.0], [1e308, 1e308]])
        Traceback (most recent call last):
        ...
        neuronsim.errors.NonFiniteError: the forward pass overflowed on input row 1: neuron 'o1' has z = inf, a = inf (inputs and weights are finite)
        """
        self._ensure_compiled()
        self.pull()
        XT = self._check_batch(X, self.n_inputs, "X")
        self._cache = None  # a refused pass leaves no batch behind
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return self._forward(XT).T.copy()

    def backward(self, Y, loss="squared_error"):
        """Backpropagate the last :meth:`forward` batch; return the loss summed over its cases.

        The batch's gradients (sums over its cases, as ``len(X)`` object-engine backward calls
        would accumulate) are added to :attr:`grads` and to the graph's ``grad`` and
        ``bias_grad``.

        Raises
        ------
        NonFiniteError
            The loss, a δ or a gradient overflowed (the message names the input row and the
            neuron, or the parameter); nothing is then added to any gradient.
        """
        if self._cache is None or self._cache[0] != self._key:
            raise NeuronsimError("backward() needs a forward() pass of this engine first")
        if self.net._current_plan().key != self._key:
            raise NeuronsimError("the network's structure changed since forward(); run forward() again")
        Y = self._check_batch(Y, len(self._out_rows), "Y")
        if Y.shape[1] != self._cache[1].shape[1]:
            raise ShapeError(f"Y has {Y.shape[1]} rows but the last forward batch had {self._cache[1].shape[1]}")
        loss, fused = self._checked_loss(loss, Y)
        before = self.grads.copy()
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                value = self._backward(Y, loss, fused)
                batch = self.grads - before
            if not all_finite(batch):
                bad = int(np.flatnonzero(~np.isfinite(batch))[0])
                raise NonFiniteError(f"the backward pass overflowed: the gradient of {parameter_name(self.keys[bad])} "
                                     f"summed over the batch is {batch[bad]} (every δ is finite)")
        except BaseException:
            self.grads[:] = before  # refused: no gradient changes
            raise
        for data, g in zip(self._edge_dicts, batch[:len(self._edge_dicts)][self._walk].tolist()):
            data["grad"] += g
        for neuron, g in zip(self._neurons, batch[len(self._edge_dicts):].tolist()):
            neuron.bias_grad += g
        return value

    def zero_grad(self):
        """Reset the engine's accumulated gradients (the graph's are reset by ``net.zero_grad``)."""
        self.grads[:] = 0.0

    def _check_batch(self, X, width, what):
        """A finite (n, width) batch, returned neuron-major: one row per neuron, one column per case."""
        if _holds_bool(X):  # as the object engine: True is not the number 1.0
            raise NeuronsimTypeError(f"{what} must hold numbers, not booleans")
        A = as_matrix(X, width, what)
        if len(A) == 0:
            raise ShapeError(f"{what} is empty: a batch needs at least one case")
        return A.T

    def _checked_loss(self, loss, Y):
        loss, _ = self.net._checked_loss(self.net._current_plan(), loss)
        _losses.check_targets(loss, Y.T, "Y")
        return loss, self._vectorised_fused(loss)

    def _vectorised_fused(self, loss):
        """The loss's fused numpy forms when every output neuron has the same activation."""
        if len(self._out_acts) != 1:
            return None
        return loss.vfused.get(next(iter(self._out_acts)))

    def _forward(self, XT, rows=None):
        """Outputs (neuron-major) of the batch ``XT``; NonFiniteError when a z or an a is not
        finite (``rows`` numbers the columns in its message: an index array, or None for 0, 1, …)."""
        n = XT.shape[1]
        AZ = np.empty((2, len(self._rows), n))   # a and z side by side: one finiteness test
        A, Z = AZ[0], AZ[1]
        A[:self.n_inputs] = XT
        biases = self.biases
        for d0, d1, groups, blocks in self._levels:
            z = Z[d0:d1]
            first = blocks[0] if blocks else None
            if first is not None and first.kind != "sparse":  # z = Wᵀa straight into place, then + b
                np.matmul(first.matrix, A[first.s0:first.s1], out=z)
                z += biases[d0 - self._b0:d1 - self._b0, None]
                rest = blocks[1:]
            else:
                z[:] = biases[d0 - self._b0:d1 - self._b0, None]
                rest = blocks
            for block in rest:
                _block_forward(block, A, z, self.weights)
            for act, r0, r1 in groups:
                A[r0:r1] = act.vf(Z[r0:r1])
        first = self.n_inputs    # inputs are finite (checked at the door): test the rest at once
        if not all_finite(AZ[:, first:]):
            self._refuse_forward(Z, A, rows)
        self._cache = (self._key, XT, A, Z)
        return A[self._out_rows]

    def _backward(self, YT, loss, vfused, accumulate=True, rows=None):
        """Add the batch's gradients to :attr:`grads` (or, with ``accumulate=False``, write them
        there, saving a pass: training starts every batch afresh); return the summed loss.
        NonFiniteError when the loss or a δ is not finite (the gradients are then partial)."""
        _, _, A, Z = self._cache
        out = self._out_rows
        dA = np.zeros_like(A)
        if vfused is not None:
            terms = vfused[0](Z[out].T, YT.T)
            own_delta = vfused[1](Z[out].T, A[out].T, YT.T).T
        else:
            terms = loss.vf(A[out].T, YT.T)
            dA[out] = loss.vdf(A[out].T, YT.T).T
        value = float(terms.sum())
        if not math.isfinite(value):
            self._refuse_loss(terms, loss, rows)
        D = np.empty_like(A)
        weights, weight_grads, bias_grads, b0 = self.weights, self.weight_grads, self.bias_grads, self._b0
        for d0, d1, groups, blocks in reversed(self._levels):
            for act, r0, r1 in groups:
                D[r0:r1] = act.vdf(Z[r0:r1], A[r0:r1]) * dA[r0:r1]
            if vfused is not None:
                mine = (out >= d0) & (out < d1)
                D[out[mine]] += own_delta[mine]
            delta = D[d0:d1]
            if accumulate:
                bias_grads[d0 - b0:d1 - b0] += delta.sum(axis=1)
            else:
                delta.sum(axis=1, out=bias_grads[d0 - b0:d1 - b0])
            for block in blocks:
                _block_backward(block, A, delta, dA, weights, weight_grads, accumulate)
        if not all_finite(D[self.n_inputs:]):
            self._refuse_backward(D, rows)
        return value

    # --- naming the culprit of a pass that overflowed (run only when a check fails) -------------

    def _order(self):
        """Rows of the non-input neurons in topological order (the object engine's order)."""
        row = {name: i for i, name in enumerate(self._rows)}
        return [(n.name, row[n.name]) for n in self.net._current_plan().order if row[n.name] >= self.n_inputs]

    def _refuse_forward(self, Z, A, rows):
        first = self.n_inputs
        bad = ~(np.isfinite(Z[first:]) & np.isfinite(A[first:]))
        case = int(np.flatnonzero(bad.any(axis=0))[0])
        for name, r in self._order():
            if bad[r - first, case]:
                raise NonFiniteError(
                    f"the forward pass overflowed on input row {_row(rows, case)}: neuron {name!r} has "
                    f"z = {float(Z[r, case])!r}, a = {float(A[r, case])!r} (inputs and weights are finite)")
        raise NonFiniteError(f"the forward pass overflowed on input row {_row(rows, case)}")  # not reached

    def _refuse_loss(self, terms, loss, rows):
        terms = np.asarray(terms)
        per_case = terms.reshape(len(terms), -1).sum(axis=1) if terms.ndim else terms.reshape(1)
        bad = np.flatnonzero(~np.isfinite(per_case))
        case = int(bad[0]) if len(bad) else 0
        outputs = ", ".join(f"{self._rows[r]}={float(self._cache[2][r, case])!r}" for r in self._out_rows.tolist())
        raise NonFiniteError(f"the loss {loss.name!r} overflowed on input row {_row(rows, case)}: it is "
                             f"{float(per_case[case] if len(bad) else terms.sum())!r} for the finite outputs {outputs}")

    def _refuse_backward(self, D, rows):
        first = self.n_inputs
        bad = ~np.isfinite(D[first:])
        case = int(np.flatnonzero(bad.any(axis=0))[0])
        for name, r in reversed(self._order()):
            if bad[r - first, case]:
                raise NonFiniteError(
                    f"the backward pass overflowed on input row {_row(rows, case)}: neuron {name!r} has "
                    f"δ = {float(D[r, case])!r} (the δ computed before it, from the outputs back, are finite)")
        raise NonFiniteError(f"the backward pass overflowed on input row {_row(rows, case)}")  # not reached


def _holds_bool(X):
    """True when a batch (an array, or rows of values) holds a boolean."""
    if isinstance(X, np.ndarray):
        return X.dtype == bool or (X.dtype == object and any(isinstance(v, (bool, np.bool_)) for v in X.flat))
    if isinstance(X, (list, tuple)):
        return any(isinstance(v, (bool, np.bool_)) or (isinstance(v, (list, tuple, np.ndarray)) and _holds_bool(v))
                   for v in X)
    return False


def _row(rows, case):
    """The number of batch column ``case`` in the caller's data (``rows``: None, a slice or an
    index array)."""
    if rows is None:
        return case
    if isinstance(rows, slice):
        return range(rows.stop)[rows][case]
    return int(rows[case])


def _contiguous_groups(graph, members, d0):
    groups = []
    for offset, name in enumerate(members):
        act = graph._node[name]["neuron"].activation
        if groups and groups[-1][0] is act:
            groups[-1][2] = d0 + offset + 1
        else:
            groups.append([act, d0 + offset, d0 + offset + 1])
    return groups


def _block_order(block, links):
    """Order a block's links as its storage needs; fill in its index arrays."""
    # Dense storage is destination-major, W[j, i] = w_ij: forward z = W a and the gradient
    # δ aᵀ are then products of C-ordered arrays, which BLAS runs fastest (measured ~1.6x for
    # the gradient against the source-major layout).
    if block.kind == "dense":
        return sorted(links, key=lambda link: (link[1], link[0]))  # row-major (dst, src): a view
    if block.kind == "masked":
        ordered = sorted(links, key=lambda link: (link[1], link[0]))
        block.rows = np.array([d - block.d0 for _, d, *_ in ordered])
        block.cols = np.array([s - block.s0 for s, *_ in ordered])
        block.matrix = np.zeros((block.d1 - block.d0, block.s1 - block.s0))
        return ordered
    ordered = sorted(links, key=lambda link: (link[1], link[0]))  # by destination, for reduceat
    block.src = np.array([s for s, *_ in ordered])
    block.dst = np.array([d for _, d, *_ in ordered])
    block.dst_unique, block.dst_starts = np.unique(block.dst, return_index=True)
    block.by_src = np.argsort(block.src, kind="stable")
    block.src_unique, block.src_starts = np.unique(block.src[block.by_src], return_index=True)
    return ordered


def _block_forward(block, A, z, weights):
    if block.kind != "sparse":
        z += block.matrix @ A[block.s0:block.s1]                     # z_j += Σ_i w_ij a_i
        return
    w = weights[block.w0:block.w1]
    products = A[block.src] * w[:, None]
    z[block.dst_unique - block.d0] += np.add.reduceat(products, block.dst_starts, axis=0)


def _block_backward(block, A, delta, dA, weights, weight_grads, accumulate):
    grads = weight_grads[block.w0:block.w1]
    if block.kind != "sparse":
        sources = A[block.s0:block.s1]                           # ∂C/∂w_ij = Σ_cases a_i δ_j
        if block.kind == "dense" and not accumulate:
            np.matmul(delta, sources.T, out=grads.reshape(block.d1 - block.d0, block.s1 - block.s0))
        elif block.kind == "dense":
            grads += (delta @ sources.T).ravel()
        elif accumulate:
            grads += (delta @ sources.T)[block.rows, block.cols]
        else:
            grads[:] = (delta @ sources.T)[block.rows, block.cols]
        if block.needs_input_grad:
            dA[block.s0:block.s1] += block.matrix.T @ delta           # Σ_k w_jk δ_k
        return
    w = weights[block.w0:block.w1]
    d = delta[block.dst - block.d0]
    if accumulate:
        grads += np.einsum("ij,ij->i", A[block.src], d)
    else:
        grads[:] = np.einsum("ij,ij->i", A[block.src], d)
    if block.needs_input_grad:
        order = block.by_src
        products = d[order] * w[order, None]
        dA[block.src_unique] += np.add.reduceat(products, block.src_starts, axis=0)

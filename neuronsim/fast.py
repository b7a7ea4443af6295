"""The batched engine: numpy forward and backward over the same graph, a whole batch at once.

:func:`compile` (or ``net.compile()``) turns a network's graph into a :class:`FastEngine`: neurons
are grouped by *level* (longest path from the inputs), so every link goes from a lower level to
a higher one and a level is computed in one go. The links between two levels form a block,
stored in the form a measured cost model says is cheapest (:meth:`FastEngine.describe` shows
the choice, block by block):

- **dense** — every source × destination link present: a weight matrix that is a view of the
  engine's flat weight vector (one BLAS product per block);
- **masked** — at least ~12 % present: a dense matrix with zeros where links are missing;
- **sparse** — fewer: ``scipy.sparse`` CSR products over the links only, whose data is the
  engine's flat weight vector. Weight gradients are read at the links off one BLAS product
  δ aᵀ over the block's rectangle, or, below 2.5 % density, gathered link by link.

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
  first neuron in topological order, with its z and a (a neuron whose value is spoiled only by
  a masked block's missing link, 0 · inf, is passed over for the upstream one that overflowed);
- backward: the loss (the first row whose loss term is not finite), then the δ of every
  non-input neuron (the first row that has one, and in it the first neuron in the order the
  deltas are computed, from the outputs back), then the batch's gradients (the first parameter
  whose sum over the batch overflowed).

A refused :meth:`FastEngine.forward` leaves no batch for :meth:`FastEngine.backward`; a refused
:meth:`FastEngine.backward` adds nothing to the engine's or the graph's gradients.

Training batches (:meth:`FastEngine.run_batch`) run forward and backward in work arrays kept
per batch size and test the whole pass once — the loss and every z, a and δ in one sum — and
look for the culprit only when that test fails, raising the same errors in the same order
(forward, loss, δ); the gradients of a refused batch are then left at zero.

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
from . import activations as _activations
from . import losses as _losses
from ._checks import all_finite, as_matrix, checked_real, finite_vector, parameter_name
from .errors import NeuronsimError, NeuronsimTypeError, NonFiniteError, ShapeError

__all__ = ["FastEngine", "compile"]

_WEIGHT = operator.itemgetter("weight")
# How a partial block is stored, from a cost model per case of the batch (_make_block):
#   masked: BLAS over the whole source x destination rectangle, ~c_cell per cell, for the
#           forward product and for the δ a product through the transposed matrix;
#   sparse: scipy CSR over the links only, ~c_link per link, for both products.
# Both take the weight gradient from one BLAS product δ aᵀ over the rectangle, read at the links
# (the cheapest sampled product numpy offers); masked also rewrites its matrix after every update
# (~3 ns per link, per batch), so masked pays when density >= c_cell / (c_link - 3 ns / cases).
# Measured (1250 x 784, 200 x 200 and 10 x 1250 blocks, 100 cases, OpenBLAS): c_link ~0.28 ns
# (CSR and CSC alike, one thread: scipy has no other); c_cell ~0.035 ns on one BLAS thread, half
# that on two idle ones: a crossover of 14 % to 7 %. 12 %: BLAS seldom has both cores to itself.
_MASKED_MIN_DENSITY = 0.12
# Below this density a sparse block's weight gradient is gathered link by link (Σ over the cases
# of δ[dst] a[src], ~0.9 ns per link and case in chunks of 512 links: 1.6x slower in chunks of
# 4096, 5x in 16384) rather than read off the rectangle's product (~0.03 ns per cell and case on
# one BLAS thread, ~0.017 on two): a crossover of ~3.4 % (one thread) to ~1.9 % (two).
_GATHER_MAX_DENSITY = 0.025
_GATHER_CHUNK = 512              # links gathered at once: two (chunk x cases) arrays fit the cache
_MASKED_MAX_CELLS = 20_000_000   # no rectangle (matrix or product) larger than this is held


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

    # kind: "dense", "masked" or "sparse" (see _make_block); gather: a sparse block's weight
    # gradient is gathered link by link instead of read off the product δ aᵀ (in scratch, an
    # engine-wide buffer); rows/cols: link positions in the rectangle (flat: row-major index);
    # src/dst: link rows; indptr/indices, csr/csc: a sparse block's scipy matrices over the
    # engine's weights (see _bound).
    __slots__ = ("kind", "s0", "s1", "d0", "d1", "w0", "w1", "rows", "cols", "flat", "matrix",
                 "src", "dst", "indptr", "indices", "csr", "csc", "gather", "scratch",
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

    def __getstate__(self):
        # A copy compiles afresh from (a copy of) its network, then takes the engine's own
        # numbers (set_params not pushed yet, gradients): numpy would copy the parameter vector
        # and its weight and bias views apart, and the copy would train the wrong array.
        return {"net": self.net, "params": self.params.copy(), "grads": self.grads.copy()}

    def __setstate__(self, state):
        self.__init__(state["net"])
        self.params[:] = state["params"]
        self.grads[:] = state["grads"]
        self._refresh()

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
        plan = net.plan()
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
        # Syncs walk the links' dicts in the order they lie in memory (CPython's id is the
        # address), however the graph was built, which keeps memory access sequential: ~3x
        # faster on big graphs than a walk that jumps; _walk maps that order to ours.
        self._walk = np.argsort(np.fromiter(map(id, edge_dicts), np.int64, n_edges), kind="stable")
        self._edge_dicts = [edge_dicts[i] for i in self._walk.tolist()]
        self.params = np.zeros(len(self.keys))
        self.grads = np.zeros(len(self.keys))
        self.weights, self.biases = self.params[:n_edges], self.params[n_edges:]
        self.weight_grads, self.bias_grads = self.grads[:n_edges], self.grads[n_edges:]
        self._b0 = self.n_inputs  # bias of row r is biases[r - n_inputs]
        self._cache = None
        self.pull()

    def _make_block(self, links, d0, d1, w0):
        """A block for ``links`` into rows d0:d1, its kind chosen by the cost model above the
        constants (:meth:`describe` shows the choice)."""
        block = _Block()
        block.d0, block.d1, block.w0 = d0, d1, w0
        block.s0 = min(link[0] for link in links)
        block.s1 = max(link[0] for link in links) + 1
        area = (block.s1 - block.s0) * (d1 - d0)
        fits = area <= _MASKED_MAX_CELLS
        if len(links) == area:
            block.kind = "dense"
        elif fits and len(links) >= _MASKED_MIN_DENSITY * area:
            block.kind = "masked"
        else:
            block.kind = "sparse"
        block.gather = block.kind == "sparse" and not (fits and len(links) >= _GATHER_MAX_DENSITY * area)
        if not hasattr(self, "_scratch"):
            self._scratch = _Scratch()
        block.scratch, block.csr, block.csc = self._scratch, None, None
        return block

    # --- the compiled layout, read by the torch export and by Network.compile ----------------

    @property
    def key(self):
        """The plan key this engine was compiled for (a different :meth:`Network.plan` key
        means the structure changed and the engine must be compiled anew)."""
        return self._key

    @property
    def rows(self):
        """Neuron names in the engine's row order: the inputs, then each level's neurons.

        Examples
        --------
        >>> import neuronsim
        >>> engine = neuronsim.Network.from_spec([("identity", 2), ("tanh", 2), ("identity", 1)]).compile()
        >>> engine.rows, engine.output_rows.tolist(), [(d0, d1) for d0, d1, *_ in engine.levels]
        (('x1', 'x2', 'h1', 'h2', 'o1'), [4], [(2, 4), (4, 5)])
        """
        return tuple(self._rows)

    @property
    def output_rows(self):
        """Row numbers of the output neurons, in the network's output order (an int array)."""
        return self._out_rows

    @property
    def levels(self):
        """Per level: ``[d0, d1, groups, blocks]``, its rows ``d0:d1``, its ``(activation, r0,
        r1)`` runs of rows and its blocks of links (see :meth:`describe`); read-only."""
        return self._levels

    def describe(self):
        """A table of how the engine stores and runs its links, block by block.

        Neurons are grouped by level (the longest path from the inputs, which are level 0); a
        *block* is the set of links into one level from one earlier level, over the rectangle
        of the source rows they span. One row per block: its level and source level, the kind
        chosen for it, the rectangle's shape (destinations × sources), its links and density
        (links / cells), and how its weight gradient is taken. The kind is chosen per block
        from a cost model measured on BLAS and scipy (see the constants at the top of
        ``neuronsim/fast.py``):

        - ``dense`` — every link present: a view of the flat weights, BLAS products;
        - ``masked`` — at least 12 % present: a zero-filled matrix, BLAS over the rectangle;
        - ``sparse`` — fewer: scipy CSR products over the links only.

        Gradient ``product``: one BLAS product δ aᵀ over the rectangle, read at the links;
        ``gather``: Σ over the cases of δ_j a_i link by link (below 2.5 % density, or a
        rectangle too big to hold).

        Returns
        -------
        str
            The table, one line per block after a header, then a line of totals.

        Examples
        --------
        >>> import neuronsim
        >>> net = neuronsim.Network.from_spec({"layers": [("identity", 3), ("tanh", 40), ("sigmoid", 2)],
        ...                                    "edges": [["x1", "o1"], ["x3", "o2"]]}, seed=0)
        >>> net.disconnect("h1", "o1")
        >>> print(net.compile().describe())
        level  from  kind    shape   links  density  gradient
            1     0  dense   40 x 3    120  100.0 %  product
            2     0  masked  2 x 3       2   33.3 %  product
            2     1  masked  2 x 40     79   98.8 %  product
        3 levels (3 inputs, 40, 2 neurons), 201 links in 3 blocks, 42 biases
        """
        starts = [self.n_inputs] + [d1 for _, d1, _, _ in self._levels]
        header = ("level", "from", "kind", "shape", "links", "density", "gradient")
        rows = []
        for number, (d0, d1, _, blocks) in enumerate(self._levels, start=1):
            for block in blocks:
                links = block.w1 - block.w0
                cells = (block.d1 - block.d0) * (block.s1 - block.s0)
                source = next(lv for lv, end in enumerate(starts) if block.s0 < end)
                rows.append((str(number), str(source), block.kind, f"{block.d1 - block.d0} x {block.s1 - block.s0}",
                             f"{links:,}", f"{100.0 * links / cells:.1f} %", "gather" if block.gather else "product"))
            if not blocks:
                rows.append((str(number), "-", "none", f"{d1 - d0} x 0", "0", "-", "-"))
        widths = [max(len(row[i]) for row in [header] + rows) for i in range(len(header))]
        right = {0, 1, 4, 5}  # numbers right-aligned

        def line(row):
            return "  ".join(cell.rjust(w) if i in right else cell.ljust(w)
                             for i, (cell, w) in enumerate(zip(row, widths))).rstrip()

        sizes = ", ".join(str(d1 - d0) for d0, d1, _, _ in self._levels)
        n_blocks = sum(len(blocks) for *_, blocks in self._levels)
        total = (f"{len(self._levels) + 1} levels ({self.n_inputs} inputs, {sizes} neurons), "
                 f"{len(self.weights):,} links in {n_blocks} blocks, {len(self.biases):,} biases")
        return "\n".join([line(header)] + [line(row) for row in rows] + [total])

    # --- syncing with the graph ---------------------------------------------------------------

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
                    block.matrix.reshape(-1)[block.flat] = self.weights[block.w0:block.w1]  # a view: C order

    # --- the pass seam: what training's engines call (see the architecture page) -------------
    # Batches here are neuron-major (one row per neuron, one column per case) and already checked.

    def ensure_compiled(self):
        """Recompile when the network's structure changed since the last compile (its
        ``net.plan().key``); otherwise keep the arrays. The weights are read by :meth:`pull`.

        Examples
        --------
        >>> import neuronsim
        >>> net = neuronsim.Network.from_spec([("identity", 2), ("identity", 1)], init="constant")
        >>> engine = net.compile()
        >>> net.add_neuron("h1", "identity").bias = 0.5; net.connect("x1", "h1", 1.0)
        >>> engine.ensure_compiled(); engine.keys[-1], engine.key == net.plan().key
        ('h1', True)
        """
        if self.net.plan().key != self._key:
            with paused_gc():
                self._compile()

    def loss_forms(self, loss):
        """``(Loss, vfused)`` for batch passes: the loss checked against the network's outputs
        (:meth:`~neuronsim.network.Network.checked_loss`) and its fused numpy forms when every
        output neuron has the activation it fuses with, else None."""
        loss, _ = self.net.checked_loss(loss)
        return loss, self._vectorised_fused(loss)

    def run_batch(self, XT, YT, loss, vfused, rows=None):
        """One training batch: forward and backward over the checked, neuron-major ``XT`` and
        ``YT``. The batch's gradients are written to :attr:`grads` (replacing, not adding to,
        what was there); the graph is not touched. Returns ``(outputs, summed loss)``, the
        outputs neuron-major. ``rows`` (an index array, or None for 0, 1, …) numbers the columns
        in the :class:`~neuronsim.errors.NonFiniteError` of a pass that overflowed.

        The pass runs in work arrays kept per batch size (:meth:`_work_for`; the outputs
        returned are a copy) and is tested for finiteness once, the loss and every z, a and δ
        in one sum; when that fails, the culprit is named as :meth:`forward` and
        :meth:`backward` would name it (and the gradients are left at zero).

        Examples
        --------
        >>> import numpy as np, neuronsim
        >>> net = neuronsim.Network.from_spec([("identity", 2), ("sigmoid", 1)], init="constant")
        >>> engine = net.compile()
        >>> loss, vfused = engine.loss_forms("squared_error")
        >>> out, value = engine.run_batch(np.array([[1.0], [2.0]]), np.array([[1.0]]), loss, vfused)
        >>> out.shape, bool(np.isclose(value, net.loss([1.0, 2.0], [1.0])))
        ((1, 1), True)
        """
        work = self._work_for(XT.shape[1])
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # tested below, once
            out = self._forward(XT, rows, work)
            value = self._backward(YT, loss, vfused, accumulate=False, rows=rows, work=work)
            # One test for the whole pass: the loss and every non-input z, a and δ (side by side in
            # work[0]); the culprit is looked for only when it fails.
            if not math.isfinite(value + np.add.reduce(work[2], axis=None)):
                try:
                    self._refuse_pass(YT, loss, vfused, rows)
                except NonFiniteError:
                    # no partial (perhaps infinite) gradients left for a sync to write into the
                    # graph: zero, as the object engine leaves them after a refused pass
                    self.grads[:] = 0.0
                    raise
        return out, value

    def evaluate_batch(self, XT, YT, loss, vfused):
        """``(summed loss, outputs)`` of a forward pass over the checked, neuron-major ``XT``
        and ``YT`` (no gradient is touched); a NonFiniteError when an output or the loss
        overflowed (naming the row).

        Examples
        --------
        >>> import numpy as np, neuronsim
        >>> net = neuronsim.Network.from_spec([("identity", 2), ("identity", 1)], init="constant")
        >>> engine = net.compile()
        >>> loss, vfused = engine.loss_forms("squared_error")
        >>> engine.evaluate_batch(np.array([[1.0], [2.0]]), np.array([[1.0]]), loss, vfused)  # ½(3 − 1)²
        (2.0, array([[3.]]))
        """
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            out = self._forward(XT)
            if vfused is not None:
                terms = vfused[0](self._cache[3][self._out_rows].T, YT.T)
            else:
                terms = loss.vf(out.T, YT.T)
            total = float(terms.sum())
            if not math.isfinite(total):
                self._refuse_loss(terms, loss, None)
        return total, out

    def write_params(self, values, where=slice(None)):
        """Store ``values`` (finite floats, checked by the caller) at positions ``where`` of
        :attr:`params` (in :attr:`keys` order); the graph is written at the next :meth:`push`.
        :meth:`set_params` is the checked form.

        Examples
        --------
        >>> import neuronsim
        >>> net = neuronsim.Network.from_spec([("identity", 1), ("identity", 1)], init="constant")
        >>> engine = net.compile()
        >>> engine.write_params([2.0], slice(0, 1)); net.graph.edges["x1", "o1"]["weight"]
        1.0
        >>> engine.push(); net.graph.edges["x1", "o1"]["weight"]
        2.0
        """
        self.params[where] = values
        self._refresh()

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
        self.ensure_compiled()
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
        if self.net.plan().key != self._key:
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
        loss, _ = self.net.checked_loss(loss)
        _losses.check_targets(loss, Y.T, "Y")
        return loss, self._vectorised_fused(loss)

    def _vectorised_fused(self, loss):
        """The loss's fused numpy forms when every output neuron has the same activation."""
        if len(self._out_acts) != 1:
            return None
        name = next(iter(self._out_acts))
        # a fused form is the calculus of the registered activation of that name, not of any
        # activation sharing its name (as Network.checked_loss decides)
        registered = _activations.get(name) if name in loss.vfused else None
        outputs = (self._neurons[r - self.n_inputs] for r in self._out_rows.tolist())
        if registered is None or not all(neuron.activation is registered for neuron in outputs):
            return None
        return loss.vfused[name]

    def _work_for(self, n):
        """Work arrays for training batches of ``n`` cases, made once per batch size and reused
        by every later batch of that size: ``(AZD, dA, tested)``, where ``AZD[0]``, ``AZD[1]``
        and ``AZD[2]`` hold every neuron's a, z and δ side by side (so that one sum, over
        ``tested``, tests them all) and ``dA`` holds ∂C/∂a. A few sizes are kept (the batch size,
        a shorter last batch)."""
        work = self.__dict__.get("_work")
        if work is None or work[0] != self._key:
            work = self._pass_facts()
        found = work[1].get(n)
        if found is None:
            if len(work[1]) >= 4:
                work[1].clear()
            size, n_in = len(self._rows), self.n_inputs
            AZD = np.zeros((3, size, n))   # the input rows stay 0: passes read the inputs from XT
            # what the one test sums: every row when the inputs are few (one contiguous sum),
            # else only the non-input rows
            found = work[1][n] = (AZD, np.empty((size, n)), AZD if 4 * n_in <= size else AZD[:, n_in:])
        return found

    def _pass_facts(self):
        """``(key, work arrays by batch size, outputs, all dense)`` for the compiled structure:
        the output rows as a slice when they are consecutive (views, not copies), and whether
        every block is a view of the flat weights (nothing to rebuild after an in-place step)."""
        out = self._out_rows.tolist()
        outputs = slice(out[0], out[-1] + 1) if out == list(range(out[0], out[0] + len(out))) else self._out_rows
        dense = all(block.kind == "dense" for *_, blocks in self._levels for block in blocks)
        self._work = (self._key, {}, outputs, dense)
        return self._work

    def stepped_in_place(self):
        """Tell the engine its flat weights (:attr:`params`) were changed in place, e.g. by an
        optimizer step: it rebuilds the blocks that are not views of them."""
        work = self.__dict__.get("_work")
        if work is None or work[0] != self._key:
            work = self._pass_facts()
        if not work[3]:
            self._refresh()

    def _forward(self, XT, rows=None, work=None):
        """Outputs (neuron-major) of the batch ``XT``; NonFiniteError when a z or an a is not
        finite (``rows`` numbers the columns in its message: an index array, or None for 0, 1, …).

        With ``work`` (:meth:`_work_for`) the pass runs in those arrays and is not tested here:
        :meth:`run_batch` tests the whole pass once. Blocks whose sources are inputs read them
        from ``XT`` itself (the input rows of ``A`` stay unwritten)."""
        n_in = self.n_inputs
        if work is None:
            AZ = np.empty((2, len(self._rows), XT.shape[1]))   # a and z side by side: one test
        else:
            AZ = work[0][:2]
        A, Z = AZ[0], AZ[1]
        biases, b0, weights = self.biases, self._b0, self.weights
        for d0, d1, groups, blocks in self._levels:
            z = Z[d0:d1]
            first = blocks[0] if blocks else None
            if first is not None and first.kind != "sparse":  # z = Wᵀa straight into place, then + b
                np.matmul(first.matrix, (XT if first.s1 <= n_in else A)[first.s0:first.s1], out=z)
                z += biases[d0 - b0:d1 - b0, None]
                rest = blocks[1:]
            else:
                z[:] = biases[d0 - b0:d1 - b0, None]
                rest = blocks
            for block in rest:
                _block_forward(block, XT if block.s1 <= n_in else A, z, weights)
            for act, r0, r1 in groups:
                if act.vf_into is None:
                    A[r0:r1] = act.vf(Z[r0:r1])
                else:
                    act.vf_into(Z[r0:r1], A[r0:r1])
        if work is None and not all_finite(AZ[:, n_in:]):  # inputs are finite (checked at the door)
            self._refuse_forward(Z, A, rows, XT)
        self._cache = (self._key, XT, A, Z)
        return A[self._out_rows] if work is None else A[self._work[2]].copy()   # work is reused: a copy

    def _backward(self, YT, loss, vfused, accumulate=True, rows=None, work=None):
        """Add the batch's gradients to :attr:`grads` (or, with ``accumulate=False``, write them
        there, saving a pass: training starts every batch afresh); return the summed loss.
        NonFiniteError when the loss or a δ is not finite (the gradients are then partial).

        With ``work`` (the arrays of the :meth:`_forward` pass before it) nothing is tested here:
        :meth:`run_batch` tests the whole pass once."""
        _, XT, A, Z = self._cache
        out = self._out_rows
        n_in = self.n_inputs
        if work is None:
            dA, D = np.zeros_like(A), np.empty_like(A)
            outputs = out
        else:
            D, dA = work[0][2], work[1]
            dA[n_in:] = 0.0
            outputs = self._work[2]   # a slice when the output rows are consecutive: views
        if vfused is not None:
            terms = vfused[0](Z[outputs].T, YT.T)
            own_delta = vfused[1](Z[outputs].T, A[outputs].T, YT.T).T
        elif loss.vboth is not None:   # value and gradient from one pass over the outputs
            terms, grad = loss.vboth(A[outputs].T, YT.T)
            dA[outputs] = grad.T
        else:
            A_out = A[outputs].T
            terms = loss.vf(A_out, YT.T)
            dA[outputs] = loss.vdf(A_out, YT.T).T
        value = float(np.add.reduce(terms, axis=None))
        if work is None and not math.isfinite(value):
            self._refuse_loss(terms, loss, rows)
        weights, weight_grads, bias_grads, b0 = self.weights, self.weight_grads, self.bias_grads, self._b0
        for d0, d1, groups, blocks in reversed(self._levels):
            for act, r0, r1 in groups:
                if act.vdf_into is None:
                    np.multiply(act.vdf(Z[r0:r1], A[r0:r1]), dA[r0:r1], out=D[r0:r1])
                else:
                    act.vdf_into(Z[r0:r1], A[r0:r1], dA[r0:r1], D[r0:r1])
            if vfused is not None:
                mine = (out >= d0) & (out < d1)
                D[out[mine]] += own_delta[mine]
            delta = D[d0:d1]
            if accumulate:
                bias_grads[d0 - b0:d1 - b0] += delta.sum(axis=1)
            else:
                np.add.reduce(delta, axis=1, out=bias_grads[d0 - b0:d1 - b0])
            for block in blocks:
                _block_backward(block, XT if block.s1 <= n_in else A, delta, dA, weights, weight_grads, accumulate)
        if work is None and not all_finite(D[n_in:]):
            self._refuse_backward(D, rows)
        return value

    def _refuse_pass(self, YT, loss, vfused, rows):
        """The one test of a :meth:`run_batch` pass failed: raise the NonFiniteError the separate
        tests would have raised, in the order the pass meets them (a z or a, the loss, a δ); return
        quietly when none fails (only the test's own sum overflowed)."""
        _, XT, A, Z = self._cache
        n_in, out = self.n_inputs, self._out_rows
        if not (np.isfinite(Z[n_in:]).all() and np.isfinite(A[n_in:]).all()):
            self._refuse_forward(Z, A, rows, XT)
        terms = vfused[0](Z[out].T, YT.T) if vfused is not None else loss.vf(A[out].T, YT.T)
        if not math.isfinite(float(terms.sum())):
            self._refuse_loss(terms, loss, rows)
        D = self._work_for(Z.shape[1])[0][2]
        if not np.isfinite(D[n_in:]).all():
            self._refuse_backward(D, rows)

    # --- naming the culprit of a pass that overflowed (run only when a check fails) -------------

    def _order(self):
        """Rows of the non-input neurons in topological order (the object engine's order)."""
        row = {name: i for i, name in enumerate(self._rows)}
        return [(n.name, row[n.name]) for n in self.net.plan().order if row[n.name] >= self.n_inputs]

    def _refuse_forward(self, Z, A, rows, XT=None):
        first = self.n_inputs
        bad = ~(np.isfinite(Z[first:]) & np.isfinite(A[first:]))
        case = int(np.flatnonzero(bad.any(axis=0))[0])
        for name, r in self._order():
            # a z that is finite with an a that is not: this neuron's activation overflowed
            passed_over = not math.isfinite(Z[r, case]) and self._spoiled_by_a_missing_link(name, case, A, XT)
            if bad[r - first, case] and not passed_over:
                raise NonFiniteError(
                    f"the forward pass overflowed on input row {_row(rows, case)}: neuron {name!r} has "
                    f"z = {float(Z[r, case])!r}, a = {float(A[r, case])!r} (inputs and weights are finite)")
        raise NonFiniteError(f"the forward pass overflowed on input row {_row(rows, case)}")  # not reached

    def _spoiled_by_a_missing_link(self, name, case, A, XT):
        """Whether neuron ``name``'s z, summed over its own links alone, is finite (asked of a
        neuron whose z in the pass is not): then its non-finite value in the pass came from a masked block's 0 (a missing link) times an
        activation that overflowed upstream (0 · inf = nan), and the culprit is that upstream
        neuron, not this one (as the object engine, which only walks real links, finds)."""
        if XT is None:
            return False
        row = {n: i for i, n in enumerate(self._rows)}
        position = {key: i for i, key in enumerate(self.keys)}
        z = float(self.params[position[name]])
        for src in self.net.graph._pred[name]:
            i = row[src]
            a = float(XT[i, case]) if i < self.n_inputs else float(A[i, case])
            z += float(self.params[position[(src, name)]]) * a
        return math.isfinite(z)

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
    # Every kind stores its links destination-major, W[j, i] = w_ij, sorted by (dst, src):
    # dense, a view of the flat weights; masked, their places in a zero-filled matrix; sparse,
    # CSR order, so that the flat weights are the CSR's data. Forward z = W a and the gradient
    # δ aᵀ are then products of C-ordered arrays, which BLAS runs fastest (measured ~1.6x for
    # the gradient against the source-major layout).
    ordered = sorted(links, key=lambda link: (link[1], link[0]))
    if block.kind == "dense":
        return ordered
    shape = (block.d1 - block.d0, block.s1 - block.s0)
    block.rows = np.array([d for _, d, *_ in ordered]) - block.d0
    block.cols = np.array([s for s, *_ in ordered]) - block.s0
    block.flat = block.rows * shape[1] + block.cols
    if block.kind == "masked":
        block.matrix = np.zeros(shape)
        return ordered
    block.src, block.dst = block.cols + block.s0, block.rows + block.d0
    block.indptr = np.zeros(shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(block.rows, minlength=shape[0]), out=block.indptr[1:])
    block.indices = block.cols
    return ordered


class _Scratch:
    """One work buffer shared by an engine's blocks (they run one at a time)."""

    __slots__ = ("array",)

    def __init__(self):
        self.array = np.empty(0)

    def matrix(self, rows, cols):
        """A (rows, cols) C-ordered array over the buffer, grown when too small."""
        if self.array.size < rows * cols:
            self.array = np.empty(rows * cols)
        return self.array[:rows * cols].reshape(rows, cols)


def _scipy_sparse():
    import scipy.sparse  # imported on first use: only networks with sparse blocks pay for it

    return scipy.sparse


def _bound(block, weights):
    """A sparse block's CSR (W) and CSC (Wᵀ: the same three arrays), their data pointed at the
    block's slice of ``weights`` on every call (O(1): a view, never a stale copy)."""
    view = weights[block.w0:block.w1]
    if block.csr is None:
        sparse = _scipy_sparse()
        shape = (block.d1 - block.d0, block.s1 - block.s0)
        block.csr = sparse.csr_matrix((view, block.indices, block.indptr), shape=shape)
        block.csc = sparse.csc_matrix((view, block.indices, block.indptr), shape=shape[::-1])
    block.csr.data = block.csc.data = view  # scipy copies a small view of a big array: share it
    return block.csr, block.csc


def _block_forward(block, A, z, weights):
    """z += W a over one block (z: the destination level's rows, A: every neuron's a)."""
    sources = A[block.s0:block.s1]
    if block.kind != "sparse":
        z += block.matrix @ sources                       # z_j += Σ_i w_ij a_i
        return
    z += _bound(block, weights)[0] @ sources


def _block_backward(block, A, delta, dA, weights, weight_grads, accumulate):
    """A block's weight gradients (∂C/∂w_ij = Σ_cases a_i δ_j) into ``weight_grads`` (added, or
    with ``accumulate=False`` written) and, when its sources are not inputs, Σ_j w_ij δ_j into dA."""
    grads = weight_grads[block.w0:block.w1]
    sources = A[block.s0:block.s1]
    shape = (block.d1 - block.d0, block.s1 - block.s0)
    if block.kind == "dense" and not accumulate:
        np.matmul(delta, sources.T, out=grads.reshape(shape))
    elif block.gather:
        rows, cols, step = block.rows, block.cols, _GATHER_CHUNK
        for k in range(0, len(rows), step):
            part = np.einsum("ij,ij->i", delta[rows[k:k + step]], sources[cols[k:k + step]])
            if accumulate:
                grads[k:k + step] += part
            else:
                grads[k:k + step] = part
    else:  # the product over the rectangle, then (masked, sparse) read at the links
        product = block.scratch.matrix(*shape)
        np.matmul(delta, sources.T, out=product)
        if block.kind == "dense":
            grads += product.reshape(-1)
        elif accumulate:
            grads += product.reshape(-1).take(block.flat)
        else:
            np.take(product.reshape(-1), block.flat, out=grads, mode="clip")  # in range: no check
    if block.needs_input_grad:
        if block.kind != "sparse":
            dA[block.s0:block.s1] += block.matrix.T @ delta  # Σ_j w_ij δ_j
            return
        dA[block.s0:block.s1] += _bound(block, weights)[1] @ delta

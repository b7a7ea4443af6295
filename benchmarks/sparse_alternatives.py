"""The hand-written alternatives W3 is measured against: the same sparse DAG, the same epoch.

W3's DAG (``fast_engine.sparse_dag``) is inputs → hidden (sigmoid) → outputs (identity) with ~10 % of
the links of each layer plus ~10 % input → output skip links; the epoch is W2's (softmax
cross-entropy, mean over batches of 100, SGD lr 0.1, shuffled). Both alternatives start from the
network's own weights and keep every missing link at zero; each epoch callable's ``weights()``
returns its current weights as dense source × destination matrices and its biases:

- :func:`dense_masked_epoch`: dense weight matrices with zeros where there is no link; the
  gradients are dense products multiplied by the 0/1 mask (one BLAS product per block and pass);
- :func:`csr_epoch`: each block a ``scipy.sparse`` CSR matrix (destination × source): forward and
  the backward δ are sparse × dense products; the weight gradient is wanted only at the links, and
  its cheapest form at ~10 % density is the dense product ``δ aᵀ`` into a reused buffer, taken at
  the links (a gather ``Σ_n δ[j, n] a[i, n]`` link by link moves 100 values per link per batch and
  only wins below ~1 % density); the update writes the CSR ``data`` in place.

The W3 helper's design (issue 17) was adapted here.
"""

import numpy as np


def scipy_sparse():
    """``scipy.sparse``, or None when scipy is not installed."""
    try:
        import scipy.sparse
    except ImportError:
        return None
    return scipy.sparse


class Layout:
    """W3's DAG as index arrays: the links of each block (hidden, output, skip) and the biases."""

    def __init__(self, sizes, blocks, b1, b2):
        self.sizes = sizes          # (inputs, hidden, outputs)
        self.blocks = blocks        # name -> (dst indices, src indices, weights), name in hid/out/skip
        self.b1, self.b2 = b1, b2

    @classmethod
    def of(cls, net):
        """Read the blocks from a network built by ``fast_engine.sparse_dag`` (x…, h…, o… names)."""
        names = {"x": [], "h": [], "o": []}
        for name in net.graph.nodes:
            names[name[0]].append(name)
        index = {name: i for group in names.values() for i, name in enumerate(group)}
        kind = {("x", "h"): "hidden", ("h", "o"): "output", ("x", "o"): "skip"}
        rows = {block: ([], [], []) for block in kind.values()}
        for src, dst, weight in net.graph.edges(data="weight"):
            block = rows[kind[src[0], dst[0]]]
            block[0].append(index[dst])
            block[1].append(index[src])
            block[2].append(weight)
        blocks = {name: tuple(np.array(column, dtype=float if k == 2 else np.intp) for k, column in enumerate(cols))
                  for name, cols in rows.items()}
        b1 = np.array([net[name].bias for name in names["h"]], dtype=float)
        b2 = np.array([net[name].bias for name in names["o"]], dtype=float)
        return cls((len(names["x"]), len(names["h"]), len(names["o"])), blocks, b1, b2)

    def dense(self, block):
        """The block as (weights, mask), both source × destination."""
        dst, src, w = self.blocks[block]
        n_src, n_dst = {"hidden": (0, 1), "output": (1, 2), "skip": (0, 2)}[block]
        W = np.zeros((self.sizes[n_src], self.sizes[n_dst]))
        W[src, dst] = w
        mask = np.zeros_like(W)
        mask[src, dst] = 1.0
        return W, mask

    def csr(self, block):
        """The block as a CSR matrix destination × source, and each link's flat index in the
        destination × source rectangle, in CSR data order."""
        sparse = scipy_sparse()
        dst, src, w = self.blocks[block]
        n_src, n_dst = {"hidden": (0, 1), "output": (1, 2), "skip": (0, 2)}[block]
        matrix = sparse.csr_array((w, (dst, src)), shape=(self.sizes[n_dst], self.sizes[n_src]))
        matrix.sum_duplicates()
        matrix.sort_indices()
        rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
        return matrix, rows * matrix.shape[1] + matrix.indices


def _softmax_delta(z, t):
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    return (p - t) / len(t)


def dense_masked_epoch(layout, X, Y, lr=0.1, batch=100, seed=0):
    """A callable running one epoch with dense masked matrices (weights change from call to call)."""
    W1, M1 = layout.dense("hidden")
    W2, M2 = layout.dense("output")
    W3, M3 = layout.dense("skip")
    b1, b2 = layout.b1.copy(), layout.b2.copy()

    def run():
        order = np.random.default_rng(seed).permutation(len(X))
        for begin in range(0, len(X), batch):
            rows = order[begin:begin + batch]
            x, t = X[rows], Y[rows]
            h = 1.0 / (1.0 + np.exp(-(x @ W1 + b1)))
            d2 = _softmax_delta(h @ W2 + x @ W3 + b2, t)
            d1 = (d2 @ W2.T) * h * (1.0 - h)
            W2[...] -= lr * ((h.T @ d2) * M2)
            W3[...] -= lr * ((x.T @ d2) * M3)
            b2[...] -= lr * d2.sum(axis=0)
            W1[...] -= lr * ((x.T @ d1) * M1)
            b1[...] -= lr * d1.sum(axis=0)

    run.weights = lambda: {"hidden": W1, "output": W2, "skip": W3, "b1": b1, "b2": b2}
    return run


def _sampled(d, a, flat, scratch):
    """``d @ a.T`` at the links only: one BLAS product into a reused buffer, then a ``take``."""
    np.matmul(d, a.T, out=scratch)
    return scratch.ravel().take(flat)


def csr_epoch(layout, X, Y, lr=0.1, batch=100, seed=0):
    """A callable running one epoch with ``scipy.sparse`` CSR blocks (weights change from call to call).

    Neuron-major, as neuronsim's fast engine: one column per case.
    """
    (S1, f1), (S2, f2), (S3, f3) = (layout.csr(name) for name in ("hidden", "output", "skip"))
    scratch = [np.empty(S.shape) for S in (S1, S2, S3)]
    b1, b2 = layout.b1.copy()[:, None], layout.b2.copy()[:, None]
    XT, YT = np.ascontiguousarray(X.T), np.ascontiguousarray(Y.T)

    def run():
        order = np.random.default_rng(seed).permutation(XT.shape[1])
        for begin in range(0, XT.shape[1], batch):
            rows = order[begin:begin + batch]
            x, t = XT[:, rows], YT[:, rows]
            h = 1.0 / (1.0 + np.exp(-(S1 @ x + b1)))                       # hidden × batch
            d2 = _softmax_delta((S2 @ h + S3 @ x + b2).T, t.T).T           # outputs × batch
            d1 = (S2.T @ d2) * h * (1.0 - h)                               # hidden × batch
            S2.data -= lr * _sampled(d2, h, f2, scratch[1])
            S3.data -= lr * _sampled(d2, x, f3, scratch[2])
            b2[...] -= lr * d2.sum(axis=1, keepdims=True)
            S1.data -= lr * _sampled(d1, x, f1, scratch[0])
            b1[...] -= lr * d1.sum(axis=1, keepdims=True)

    run.weights = lambda: {"hidden": S1.toarray().T, "output": S2.toarray().T, "skip": S3.toarray().T,
                           "b1": b1[:, 0], "b2": b2[:, 0]}
    return run

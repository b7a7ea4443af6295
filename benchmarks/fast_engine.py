"""Batched engine benchmarks: W1, W2, W3, the million-link build and digits.

Every figure is measured in the same run as its peers (best of several, ours and the peers
interleaved) and returned as :class:`harness.Result` records, each checked against its target
from issue 17:

- W1: 2-16-16-1 tanh, 100 two-moons points, full-batch epochs (forward, backward, SGD step) of
  neuronsim's fast engine vs torch CPU float64. Target: ≥ 3× faster than torch.
- W2: 784-128-10 (sigmoid hidden, softmax cross-entropy), 10,000 random samples, mini-batches
  of 100, one epoch of SGD including the sync to the graph (a whole 1-epoch ``train()`` call),
  vs a hand-written numpy epoch (target ≤ 1.3×) and a hand-written torch CPU loop, float64, the
  same thread count as numpy's BLAS (target: torch's time ≥ 1.0× ours).
- W3: a sparse DAG of ~100,000 links (784 → 1250 → 10 at ~10 % density plus ~10 % input →
  output skip links), same data and epoch as W2: the cost per link·sample ≤ 2× W2's, or ≤ 1.2×
  the best hand-written alternative for the same DAG (dense-masked numpy, ``scipy.sparse`` CSR:
  ``sparse_alternatives.py``).
- 1M-link build: ``Network.from_spec([("identity", 1000), ("relu", 1000)])`` vs a bare networkx
  DiGraph with the same node and edge dicts, built with the garbage collector paused alike
  (target ≤ 1.3×), and ≤ 300 bytes per link resident (``tracemalloc``).
- digits 64-32-10: ≥ 97.5 % test accuracy at ≤ scikit-learn MLPClassifier's wall time.

Run alone:  python benchmarks/fast_engine.py [--only W1,W2,W3,build,digits] [--repeats 3] [--scale 1]
(or with every other row: python benchmarks/run.py)
"""

import contextlib
import gc
import inspect
import io
import math
import re
import time
import tracemalloc

import numpy as np

import neuronsim
from neuronsim import datasets, optim

import harness
import sparse_alternatives

ROW_W1 = "W1 fast engine, full batch"
ROW_W2 = "W2 fast engine (784-128-10, 10k samples, batch 100, one SGD epoch incl. sync)"
ROW_W3 = "W3 sparse DAG (100k links, ~10 % density, skip links)"
ROW_BUILD = "1M-link build (layered 1000 → 1000)"
ROW_DIGITS = "digits 64-32-10"


def shrink(size, scale, smallest):
    """A layer width for ``scale`` (widths shrink as √scale, so link counts shrink as scale)."""
    return max(smallest, round(size * math.sqrt(scale)))


def count(n, scale, smallest):
    """A sample or epoch count for ``scale``."""
    return max(smallest, round(n * scale))


def torch_threads_note():
    torch = harness.optional("torch")
    return "" if torch is None else f"float64, {torch.get_num_threads()} threads"


# --- W1 -----------------------------------------------------------------------------------------

def w1(repeats, scale=1.0):
    """W1 fast engine, full batch, vs torch CPU: a list of :class:`harness.Result`."""
    n, epochs = count(100, scale, 10), count(500, scale, 5)
    data = datasets.moons(n=n, seed=0)
    X, Y = data.X, data.Y * 2 - 1  # tanh output, targets ±1
    net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 16), ("tanh", 16), ("tanh", 1)], seed=0)

    def ours():
        neuronsim.train(net, X, Y, loss="squared_error", optimizer=optim.SGD(lr=0.001), epochs=epochs,
                        reduction="sum", progress=False, engine="fast", **harness.same_threads())

    torch = harness.optional("torch")
    if torch is None:
        best = harness.interleaved(repeats, {"ours": ours})
        return [harness.skipped(ROW_W1, "torch CPU", "not installed", ours=best["ours"] / epochs * 1e6,
                                unit="µs/epoch", op=">=", bound=3.0, ratio_name="torch/ours")]
    model = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 16),
                                torch.nn.Tanh(), torch.nn.Linear(16, 1), torch.nn.Tanh()).double()
    opt = torch.optim.SGD(model.parameters(), lr=0.001)
    Xt, Yt = torch.tensor(X), torch.tensor(Y)

    def torch_epochs():
        for _ in range(epochs):
            opt.zero_grad()
            loss = 0.5 * ((model(Xt) - Yt) ** 2).sum()
            loss.backward()
            opt.step()

    best = harness.interleaved(repeats, {"ours": ours, "torch": torch_epochs})
    return [harness.compare(ROW_W1, best["ours"] / epochs * 1e6, best["torch"] / epochs * 1e6,
                            unit="µs/epoch", peer="torch CPU", ratio_name="torch/ours", ratio_of="theirs/ours",
                            op=">=", bound=3.0,
                            note=f"{epochs}-epoch train(), {torch_threads_note()}")]


# --- W2 and W3 ----------------------------------------------------------------------------------

def random_data(n=10_000, inputs=784, classes=10, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, inputs))
    Y = np.eye(classes)[rng.integers(0, classes, n)]
    return X, Y


def numpy_epoch(X, Y, W1, b1, W2, b2, lr=0.1, batch=100, seed=0):
    """The same epoch written by hand: sigmoid hidden, softmax cross-entropy, mean over a batch."""
    order = np.random.default_rng(seed).permutation(len(X))
    for begin in range(0, len(X), batch):
        rows = order[begin:begin + batch]
        x, t = X[rows], Y[rows]
        h = 1.0 / (1.0 + np.exp(-(x @ W1 + b1)))
        z = h @ W2 + b2
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        d2 = (p - t) / len(rows)
        d1 = (d2 @ W2.T) * h * (1.0 - h)
        W2 -= lr * (h.T @ d2)
        b2 -= lr * d2.sum(axis=0)
        W1 -= lr * (x.T @ d1)
        b1 -= lr * d1.sum(axis=0)


def torch_epoch(torch, X, Y, sizes, device="cpu", lr=0.1, batch=100, seed=0):
    """A hand-written ``nn.Sequential`` W2 epoch (sigmoid hidden, cross-entropy, SGD), float64."""
    model = torch.nn.Sequential(torch.nn.Linear(sizes[0], sizes[1]), torch.nn.Sigmoid(),
                                torch.nn.Linear(sizes[1], sizes[2])).double().to(device)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    Xt = torch.tensor(X, device=device)
    Yt = torch.tensor(Y.argmax(axis=1), device=device)
    loss_fn = torch.nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(seed)

    def run():
        order = torch.randperm(len(Xt), generator=generator).to(device)
        for begin in range(0, len(Xt), batch):
            rows = order[begin:begin + batch]
            opt.zero_grad()
            loss_fn(model(Xt[rows]), Yt[rows]).backward()
            opt.step()
        if device != "cpu":
            torch.cuda.synchronize()
    return run


def neuronsim_epoch(net, X, Y, engine="fast", device=None, epochs=1):
    """A whole ``train()`` call of ``epochs`` SGD epochs (batches of 100), as the W2 row times it
    (on the fast engine with the peers' BLAS thread count)."""
    extra = {} if device is None else {"device": device}
    if engine == "fast":
        extra.update(harness.same_threads())

    def run():
        neuronsim.train(net, X, Y, loss="softmax_cross_entropy", optimizer=optim.SGD(lr=0.1), epochs=epochs,
                        batch_size=100, seed=0, progress=False, engine=engine, **extra)
    return run


# The W2 rows' second figure: an epoch of a longer train() call, whose fixed costs (checking the
# data, reading the graph's weights at the start, writing weights and gradients back at the end)
# are shared by its epochs.
EPOCHS_IN_A_RUN = 5
PER_EPOCH = f"per epoch of a {EPOCHS_IN_A_RUN}-epoch call"
PER_EPOCH_NOTE = f"ours {PER_EPOCH}: one data check, read and write-back of the graph per call"


def w2_workload(scale):
    n = count(10_000, scale, 200)
    sizes = (shrink(784, scale, 8), shrink(128, scale, 4), 10)
    X, Y = random_data(n=n, inputs=sizes[0])
    return X, Y, sizes


def w2(repeats, scale=1.0):
    """W2 vs hand-written numpy and torch CPU; the first result's ``extra`` holds the cost per
    link·sample (for W3)."""
    X, Y, sizes = w2_workload(scale)
    net = neuronsim.Network.from_spec([("identity", sizes[0]), ("sigmoid", sizes[1]), ("identity", sizes[2])],
                                      seed=0)
    ours = neuronsim_epoch(net, X, Y)
    rng = np.random.default_rng(0)
    W1, b1 = rng.normal(0, 0.05, (sizes[0], sizes[1])), np.zeros(sizes[1])
    W2, b2 = rng.normal(0, 0.05, (sizes[1], sizes[2])), np.zeros(sizes[2])
    contenders = {"ours": ours, "numpy": lambda: numpy_epoch(X, Y, W1, b1, W2, b2),
                  "ours x5": neuronsim_epoch(net, X, Y, epochs=EPOCHS_IN_A_RUN)}
    torch = harness.optional("torch")
    if torch is not None:
        contenders["torch"] = torch_epoch(torch, X, Y, sizes)
    timed = harness.interleaved(repeats, contenders, settle=harness.SETTLE)
    best = {name: seconds * 1e3 for name, seconds in timed.items()}
    best["ours x5"] /= EPOCHS_IN_A_RUN
    results = [harness.compare(ROW_W2, best["ours"], best["numpy"], unit="ms/epoch", peer="hand-written numpy",
                               op="<=", bound=1.3,
                               note=f"a whole 1-epoch train() call; both on {harness.threads() or 'default'} BLAS "
                                    "threads")]
    if torch is None:
        results.append(harness.skipped(ROW_W2, "torch CPU", "not installed", ours=best["ours"], unit="ms/epoch",
                                       op=">=", bound=1.0, ratio_name="torch/ours"))
    else:
        results.append(harness.compare(ROW_W2, best["ours"], best["torch"], unit="ms/epoch",
                                       peer="hand-written torch CPU", ratio_name="torch/ours", ratio_of="theirs/ours",
                                       op=">=", bound=1.0, note=torch_threads_note()))
    for peer in ("numpy", "torch"):
        if peer in best:
            results.append(harness.compare(ROW_W2, best["ours x5"], best[peer], unit="ms/epoch",
                                           peer=f"hand-written {peer} (ours: {PER_EPOCH})",
                                           ratio_name=f"ours/{peer}", note=PER_EPOCH_NOTE))
    edges = net.graph.number_of_edges()
    results[0].extra["per_link_sample"] = best["ours"] * 1e-3 / (edges * len(X))
    return results


def sparse_dag(inputs=784, hidden=1250, outputs=10, density=0.1, seed=0):
    """inputs -> hidden -> outputs with ~10 % of each layer's links and ~10 % input -> output skip links."""
    rng = np.random.default_rng(seed)
    spec = {"neurons": [{"name": f"x{i}", "activation": "identity"} for i in range(inputs)]
            + [{"name": f"h{j}", "activation": "sigmoid"} for j in range(hidden)]
            + [{"name": f"o{k}", "activation": "identity"} for k in range(outputs)],
            "edges": [], "inputs": [f"x{i}" for i in range(inputs)], "outputs": [f"o{k}" for k in range(outputs)]}
    for j in range(hidden):
        for i in np.flatnonzero(rng.random(inputs) < density):
            spec["edges"].append([f"x{i}", f"h{j}"])
    for k in range(outputs):
        for j in np.flatnonzero(rng.random(hidden) < density):
            spec["edges"].append([f"h{j}", f"o{k}"])
        for i in np.flatnonzero(rng.random(inputs) < density):
            spec["edges"].append([f"x{i}", f"o{k}"])
    return neuronsim.Network.from_spec(spec, seed=seed)


def w3(repeats, scale=1.0, w2_cost=None):
    """W3 per link·sample vs W2's (measured in the same run), and vs the hand-written alternatives."""
    X, Y, sizes = w2_workload(scale)
    net = sparse_dag(inputs=sizes[0], hidden=shrink(1250, scale, 10))
    edges = net.graph.number_of_edges()
    ours = neuronsim_epoch(net, X, Y)
    layout = sparse_alternatives.Layout.of(net)
    contenders = {"ours": ours, "dense-masked numpy": sparse_alternatives.dense_masked_epoch(layout, X, Y)}
    scipy_missing = sparse_alternatives.scipy_sparse() is None
    if not scipy_missing:
        contenders["scipy.sparse CSR"] = sparse_alternatives.csr_epoch(layout, X, Y)
    timed = harness.interleaved(repeats, contenders, settle=harness.SETTLE)
    best = {name: seconds * 1e3 for name, seconds in timed.items()}
    cost = best["ours"] * 1e-3 / (edges * len(X))
    links = f"{edges:,} links"
    results = []
    if w2_cost is None:
        results.append(harness.skipped(ROW_W3, "W2 per link·sample", "W2 not measured in this run",
                                       ours=cost * 1e9, unit="ns/link·sample", either="W3", op="<=", bound=2.0,
                                       ratio_name="W3/W2"))
    else:
        results.append(harness.compare(ROW_W3, cost * 1e9, w2_cost * 1e9, unit="ns/link·sample",
                                       peer="W2 (fast engine, dense)", op="<=", bound=2.0,
                                       ratio_name="W3/W2", note=f"{links}; either this", either="W3"))
    peers = {name: t for name, t in best.items() if name != "ours"}
    first = min(peers, key=peers.get)
    results.append(harness.compare(ROW_W3, best["ours"], peers[first], unit="ms/epoch",
                                   peer=f"best hand-written: {first}", op="<=", bound=1.2,
                                   ratio_name="ours/best", note="or this", either="W3"))
    for name, t in peers.items():
        if name != first:
            results.append(harness.compare(ROW_W3, best["ours"], t, unit="ms/epoch", peer=name))
    if scipy_missing:
        results.append(harness.skipped(ROW_W3, "scipy.sparse CSR", "not installed: pip install scipy",
                                       ours=best["ours"], unit="ms/epoch"))
    return results


# --- the million-link build ---------------------------------------------------------------------

def bare_digraph(spec, edge_keys, node_keys, seed=0):
    """The peer of the build: a networkx DiGraph with the same node and edge dicts as ours.

    Node dicts hold a new :class:`neuronsim.Neuron` (and None for any other key we store), edge
    dicts a weight drawn in one vectorised call plus our other per-edge keys at 0.0, added with
    ``add_edges_from`` from a generator (the fastest idiomatic networkx way), with the garbage
    collector paused as neuronsim pauses it while it builds.
    """
    import networkx as nx

    (first, n_in), (second, n_out) = spec
    sources = [f"x{i}" for i in range(1, n_in + 1)]
    targets = [f"h{j}" for j in range(1, n_out + 1)]
    others = [key for key in edge_keys if key != "weight"]
    with harness.paused_gc():
        nodes = [(name, activation) for names, activation in ((sources, first), (targets, second)) for name in names]
        weights = iter(np.random.default_rng(seed).uniform(-0.5, 0.5, n_in * n_out).tolist())
        graph = nx.DiGraph()
        graph.add_nodes_from((name, {key: neuronsim.Neuron(name, activation) if key == "neuron" else None
                                     for key in node_keys}) for name, activation in nodes)
        if others == ["grad"]:
            graph.add_edges_from((s, t, {"weight": next(weights), "grad": 0.0}) for s in sources for t in targets)
        else:
            graph.add_edges_from((s, t, {"weight": next(weights), **dict.fromkeys(others, 0.0)})
                                 for s in sources for t in targets)
    return graph


def resident_bytes(build):
    """Bytes held (``tracemalloc``) by what ``build()`` returns, and the peak while building."""
    gc.collect()
    tracemalloc.start()
    kept = build()
    resident, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del kept
    gc.collect()
    return resident, peak


def million_build(repeats, scale=1.0):
    """The 1M-link build vs the bare DiGraph (time, interleaved) and bytes per link.

    At full size each build takes seconds: half the repeats (at least one) are run.
    """
    n = shrink(1000, scale, 10)
    spec = [("identity", n), ("relu", n)]

    def ours():
        return neuronsim.Network.from_spec(spec, seed=0, max_links=2_000_000)  # above the default size limit

    net = ours()
    edge_keys = list(next(iter(net.graph.edges(data=True)))[2])
    node_keys = list(next(iter(net.graph.nodes(data=True)))[1])
    edges = net.graph.number_of_edges()
    del net

    def peer():
        return bare_digraph(spec, edge_keys, node_keys)

    rounds = max(1, repeats // 2) if scale >= 0.5 else repeats
    best = harness.interleaved(rounds, {"ours": ours, "peer": peer}, collect=True, warmup=False)
    ours_bytes, ours_peak = resident_bytes(ours)
    peer_bytes, _ = resident_bytes(peer)
    keys = ", ".join(edge_keys)
    return [harness.compare(ROW_BUILD, best["ours"], best["peer"], unit="s", peer="bare networkx DiGraph",
                            ratio_name="ours/DiGraph", op="<=", bound=1.3,
                            note=f"{edges:,} links; edge dicts {{{keys}}}; GC paused alike"),
            harness.Result(row=ROW_BUILD, ours=ours_bytes / edges, unit="B/link", peer="bare networkx DiGraph",
                           theirs=peer_bytes / edges, ratio=ours_bytes / edges, op="<=", bound=300.0,
                           target_unit="B/link", note=f"resident; peak while building {ours_peak / edges:.0f}")]


# --- digits -------------------------------------------------------------------------------------

DIGITS_SPEC = [("identity", 64), ("relu", 32), ("identity", 10)]


def digits_neuronsim(X_train, Y_train, seed, epochs=30):
    """examples/digits.py's recipe: He init, Adam 0.01 falling linearly to 0.0005 with L2 3e-4,
    batches of 32, 30 epochs, the fast engine. Returns the trained network."""
    net = neuronsim.Network.from_spec(DIGITS_SPEC, seed=seed, init="he")
    adam = optim.Adam(lr=0.01, weight_decay=3e-4, schedule=optim.LinearDecay(end=0.0005, epochs=epochs))
    neuronsim.train(net, X_train, Y_train, loss="softmax_cross_entropy", optimizer=adam, epochs=epochs,
                    batch_size=32, seed=seed, progress=False, engine="fast")
    return net


SKLEARN_DIGITS = {   # MLPClassifier's options besides hidden_layer_sizes=(32,) and random_state
    # as this benchmark has always run it: the peer of the PASS/MISS row
    "sklearn": dict(activation="logistic", solver="adam", learning_rate_init=0.01, batch_size=32, max_iter=60),
    # scikit-learn's own defaults (relu, Adam 1e-3, batches of min(200, n), at most 200 epochs), for reference
    "sklearn_defaults": dict(),
}


def digits_sklearn(X_train, Y_train, seed, options, MLPClassifier):
    """scikit-learn's MLPClassifier 64-32-10 fitted with ``options`` (its own tol-based stop and L2
    alpha 1e-4 unless they say otherwise). The class is imported by the caller, outside the clock."""
    import warnings

    clf = MLPClassifier(hidden_layer_sizes=(32,), random_state=seed, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # ConvergenceWarning at max_iter
        clf.fit(X_train, Y_train.argmax(axis=1))
    return clf


def digits(seeds=5):
    """Test accuracy and wall time of a 64-32-10 network on digits (scikit-learn's split: 25 % held
    out, stratified), ours and scikit-learn's MLPClassifier (configured as :data:`SKLEARN_DIGITS`),
    over ``seeds`` seeds (0, 1, ...) of the weights and shuffling, the fits of each seed run back to
    back. Prints the per-seed figures; returns the means (``ours_accuracy``, ``ours_seconds``,
    ``sklearn_accuracy``, ``sklearn_seconds``, the same with ``sklearn_defaults_``; no sklearn keys
    without scikit-learn) and the minima (``*_min_accuracy``) of the accuracy."""
    data = datasets.digits()
    X = data.X / 16.0
    X_train, X_test, Y_train, Y_test = datasets.train_test_split(X, data.Y, test_size=0.25, seed=0,
                                                                 stratify=data.labels)
    labels = Y_test.argmax(axis=1)
    try:
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        MLPClassifier = None
    runs = {"ours": [], **{who: [] for who in SKLEARN_DIGITS}}
    for seed in range(seeds):
        start = time.perf_counter()
        net = digits_neuronsim(X_train, Y_train, seed)
        elapsed = time.perf_counter() - start
        runs["ours"].append((float((net.predict(X_test).argmax(axis=1) == labels).mean()), elapsed))
        for who, options in SKLEARN_DIGITS.items() if MLPClassifier is not None else ():
            start = time.perf_counter()
            clf = digits_sklearn(X_train, Y_train, seed, options, MLPClassifier)
            elapsed = time.perf_counter() - start
            runs[who].append((float(clf.score(X_test, labels)), elapsed))
    print(f"digits 64-32-10, {len(X_test)} held out, seeds 0..{seeds - 1}: test accuracy (mean, min, each seed), "
          "wall time (mean per fit)")
    figures = {}
    for who, name, recipe in (
            ("ours", "neuronsim fast engine",
             "relu, He init, Adam 0.01 -> 0.0005 linear, L2 3e-4, batch 32, 30 epochs"),
            ("sklearn", "scikit-learn MLP", "logistic, Adam 0.01, alpha 1e-4, batch 32, max_iter 60"),
            ("sklearn_defaults", "scikit-learn, defaults", "relu, Adam 0.001, alpha 1e-4, batch 200, max_iter 200")):
        if not runs[who]:
            print(f"  {name:<24}: not installed")
            continue
        accuracy = [a for a, _ in runs[who]]
        seconds = float(np.mean([t for _, t in runs[who]]))
        figures.update({f"{who}_accuracy": float(np.mean(accuracy)), f"{who}_min_accuracy": min(accuracy),
                        f"{who}_seconds": seconds})
        ratio = "" if who == "ours" else f"   {seconds / figures['ours_seconds']:.2f}x our time"
        print(f"  {name:<24}: {seconds:8.2f} s   test accuracy {np.mean(accuracy):.1%} (min {min(accuracy):.1%}: "
              f"{' '.join(f'{100 * a:.1f}' for a in accuracy)}){ratio}\n{'':28}[{recipe}]")
    return figures


def digits_results(repeats=1, scale=1.0):
    """The digits row from :func:`digits` (its recipe is tuned separately): ours and scikit-learn's
    test accuracy and wall time, measured in the same run. :func:`digits` returns them as a dict
    (``ours_accuracy``, ``ours_seconds``, ``sklearn_accuracy``, ``sklearn_seconds``, fractions and
    seconds); what it prints ("N s ... test accuracy N%") is read when it returns nothing."""
    captured = io.StringIO()
    takes_seeds = "seeds" in inspect.signature(digits).parameters
    with contextlib.redirect_stdout(captured):
        returned = digits(seeds=1) if takes_seeds and scale < 1 else digits()   # one seed in a smoke test
    text = captured.getvalue()
    if isinstance(returned, dict):
        figures = returned
    else:
        figures = {}
        for line in text.splitlines():
            found = re.search(r"([\d.]+)\s*s\b.*?test accuracy\s*([\d.]+)\s*%", line)
            if found is None:
                continue
            who = "sklearn" if ("scikit" in line or "sklearn" in line) else "ours"
            figures.setdefault(f"{who}_seconds", float(found.group(1)))
            figures.setdefault(f"{who}_accuracy", float(found.group(2)) / 100)
    if "ours_seconds" not in figures:
        raise RuntimeError("digits() printed no 'N s ... test accuracy N%' line for neuronsim:\n" + text)
    over_seeds = ", mean over seeds" if "ours_min_accuracy" in figures else ""
    lowest = f" (min {figures['ours_min_accuracy']:.1%})" if over_seeds else ""
    results = [harness.absolute(ROW_DIGITS, figures["ours_accuracy"] * 100, unit="%", op=">=", bound=97.5,
                                note="test accuracy" + over_seeds + lowest)]
    if "sklearn_seconds" in figures:
        results[0].peer = "scikit-learn MLPClassifier"
        results[0].theirs = figures["sklearn_accuracy"] * 100
        results.append(harness.compare(ROW_DIGITS, figures["ours_seconds"], figures["sklearn_seconds"], unit="s",
                                       peer="scikit-learn MLPClassifier", ratio_name="ours/sklearn", op="<=",
                                       bound=1.0, note="wall time per fit, same split" + over_seeds))
    else:
        results.append(harness.skipped(ROW_DIGITS, "scikit-learn MLPClassifier", "not installed",
                                       ours=figures["ours_seconds"], unit="s", op="<=", bound=1.0,
                                       ratio_name="ours/sklearn"))
    return results


WORKLOADS = ("W1", "W2", "W3", "build", "digits")


def measure(chosen, repeats, scale=1.0):
    """The results of the ``chosen`` workloads (names from WORKLOADS, any case), in table order."""
    chosen = {name.lower() for name in chosen}
    results = []
    if "w1" in chosen:
        results += w1(repeats, scale)
    w2_cost = None
    if "w2" in chosen or "w3" in chosen:   # W3's target is relative to W2 measured in the same run
        w2_results = w2(repeats, scale)
        w2_cost = w2_results[0].extra.get("per_link_sample")
        if "w2" in chosen:
            results += w2_results
    if "w3" in chosen:
        results += w3(repeats, scale, w2_cost)
    if "build" in chosen:
        results += million_build(repeats, scale)
    if "digits" in chosen:
        results += digits_results(repeats, scale)
    return results


def main(argv=None):
    harness.script_main(__doc__, WORKLOADS, measure, argv)


if __name__ == "__main__":
    main()

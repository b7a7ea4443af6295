"""Batched engine benchmarks W1, W2, W3, the million-link scale test and digits.

Every figure is measured in the same run as its peers and printed as a ratio:

- W1: 2-16-16-1 tanh, 100 two-moons points, one full-batch epoch (forward, backward, SGD step),
  neuronsim's fast engine vs torch CPU batched (when torch is installed). Target: >= 2x faster.
- W2: 784-128-10 (sigmoid hidden, softmax cross-entropy), 10,000 random samples, mini-batches
  of 100, one epoch of SGD including the sync to the graph, vs a hand-written numpy epoch
  (target <= 1.5x) and torch CPU (target: no slower).
- W3: a sparse DAG of ~100,000 links (~10 % density, with skip links), same data shape as W2:
  cost per link x sample, as a ratio to W2's (target <= 3x).
- Scale: a 1,000,000-link network built from a layered spec (target <= 10 s and <= 600 bytes
  per link resident), then one epoch of training with the fast engine.
- digits 64-32-10 to >= 95 % test accuracy, wall time beside scikit-learn's MLPClassifier.

Run:  python benchmarks/fast_engine.py [--only W1,W2,W3,scale,digits] [--repeats 3]
"""

import argparse
import gc
import time
import tracemalloc

import numpy as np

import neuronsim
from neuronsim import datasets, optim


def best_of(repeats, fn):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def try_torch():
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(2)
    return torch


# --- W1 -----------------------------------------------------------------------------------------

def w1(repeats, epochs=500):
    data = datasets.moons(n=100, seed=0)
    X, Y = data.X, data.Y * 2 - 1  # tanh output, targets ±1
    net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 16), ("tanh", 16), ("tanh", 1)], seed=0)

    def run(n_epochs):
        return lambda: neuronsim.train(net, X, Y, loss="squared_error", optimizer=optim.SGD(lr=0.001),
                                       epochs=n_epochs, reduction="sum", progress=False, engine="fast")

    run(1)()  # the first call compiles the network
    per_epoch = best_of(repeats, run(epochs)) / epochs
    one_call = best_of(repeats * 20, run(1))
    print("W1 2-16-16-1 tanh, 100 points, full-batch epochs (forward, backward, SGD step, sync to the graph)")
    print(f"  neuronsim fast engine   : {per_epoch * 1e6:9.0f} us per epoch in a {epochs}-epoch train() "
          f"(a whole 1-epoch train() call: {one_call * 1e6:.0f} us)")
    torch = try_torch()
    if torch is None:
        print("  torch                   : not installed")
        return
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

    t_torch = best_of(repeats, torch_epochs) / epochs
    print(f"  torch CPU (float64)     : {t_torch * 1e6:9.0f} us per epoch   torch / neuronsim = "
          f"{t_torch / per_epoch:.2f}x  (target >= 2x)")


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


def time_neuronsim_epoch(net, X, Y, repeats, epochs=1):
    def run():
        neuronsim.train(net, X, Y, loss="softmax_cross_entropy", optimizer=optim.SGD(lr=0.1), epochs=epochs,
                        batch_size=100, seed=0, progress=False, engine="fast")

    first = best_of(1, run)  # includes compiling the network
    return first / epochs, best_of(repeats, run) / epochs


def w2(repeats):
    X, Y = random_data()
    net = neuronsim.Network.from_spec([("identity", 784), ("sigmoid", 128), ("identity", 10)], seed=0)
    first, steady = time_neuronsim_epoch(net, X, Y, repeats)
    _, in_run = time_neuronsim_epoch(net, X, Y, max(1, repeats // 2), epochs=5)
    rng = np.random.default_rng(0)
    W1, b1 = rng.normal(0, 0.05, (784, 128)), np.zeros(128)
    W2, b2 = rng.normal(0, 0.05, (128, 10)), np.zeros(10)
    t_numpy = best_of(repeats, lambda: numpy_epoch(X, Y, W1, b1, W2, b2))
    edges = net.graph.number_of_edges()
    print(f"W2 784-128-10, 10,000 samples, batches of 100, one SGD epoch incl. sync (best of {repeats})")
    print(f"  neuronsim fast engine   : {steady * 1e3:8.1f} ms  a whole 1-epoch train() call "
          f"(the first, compiling: {first * 1e3:.1f} ms)")
    print(f"                            {in_run * 1e3:8.1f} ms  per epoch of a 5-epoch train() call")
    print(f"  hand-written numpy      : {t_numpy * 1e3:8.1f} ms   neuronsim / numpy = {steady / t_numpy:.2f}x "
          f"(per epoch in a run: {in_run / t_numpy:.2f}x)  (target <= 1.5x)")
    torch = try_torch()
    if torch is not None:
        model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.Sigmoid(), torch.nn.Linear(128, 10)).double()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        Xt, Yt = torch.tensor(X), torch.tensor(Y.argmax(axis=1))
        loss_fn = torch.nn.CrossEntropyLoss()

        def torch_epoch():
            order = torch.randperm(len(Xt))
            for begin in range(0, len(Xt), 100):
                rows = order[begin:begin + 100]
                opt.zero_grad()
                loss_fn(model(Xt[rows]), Yt[rows]).backward()
                opt.step()

        t_torch = best_of(repeats, torch_epoch)
        print(f"  torch CPU (float64)     : {t_torch * 1e3:8.1f} ms   torch / neuronsim = {t_torch / steady:.2f}x "
              f"(per epoch in a run: {t_torch / in_run:.2f}x)  (target >= 1x)")
    else:
        print("  torch                   : not installed")
    return steady / (edges * len(X))


def sparse_dag(hidden=1250, density=0.1, seed=0):
    """784 -> hidden -> 10 with ~10 % of each layer's links and ~10 % input -> output skip links."""
    rng = np.random.default_rng(seed)
    spec = {"neurons": [{"name": f"x{i}", "activation": "identity"} for i in range(784)]
            + [{"name": f"h{j}", "activation": "sigmoid"} for j in range(hidden)]
            + [{"name": f"o{k}", "activation": "identity"} for k in range(10)],
            "edges": [], "inputs": [f"x{i}" for i in range(784)], "outputs": [f"o{k}" for k in range(10)]}
    for j in range(hidden):
        for i in np.flatnonzero(rng.random(784) < density):
            spec["edges"].append([f"x{i}", f"h{j}"])
    for k in range(10):
        for j in np.flatnonzero(rng.random(hidden) < density):
            spec["edges"].append([f"h{j}", f"o{k}"])
        for i in np.flatnonzero(rng.random(784) < density):
            spec["edges"].append([f"x{i}", f"o{k}"])
    return neuronsim.Network.from_spec(spec, seed=seed)


def w3(repeats, w2_cost):
    X, Y = random_data()
    net = sparse_dag()
    edges = net.graph.number_of_edges()
    first, steady = time_neuronsim_epoch(net, X, Y, repeats)
    cost = steady / (edges * len(X))
    print(f"W3 sparse DAG, {edges:,} links (~10 % density, skip links), same data as W2 (best of {repeats})")
    print(f"  neuronsim fast engine   : {steady * 1e3:8.1f} ms  (first epoch, compiling: {first * 1e3:.1f} ms)")
    if w2_cost:
        print(f"  per link x sample       : {cost * 1e9:8.3f} ns   W3 / W2 = {cost / w2_cost:.2f}x  (target <= 3x)")


# --- scale and digits ---------------------------------------------------------------------------

def scale():
    spec = [("identity", 1000), ("relu", 1000)]
    gc.collect()
    start = time.perf_counter()
    net = neuronsim.Network.from_spec(spec, seed=0, max_links=2_000_000)  # above the default size limit
    built = time.perf_counter() - start
    edges = net.graph.number_of_edges()
    del net
    gc.collect()
    tracemalloc.start()
    net = neuronsim.Network.from_spec(spec, seed=0, max_links=2_000_000)
    resident, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"Scale: a {edges:,}-link network from the layered spec {spec}")
    print(f"  build                   : {built:8.2f} s  (target <= 10 s)")
    print(f"  resident                : {resident / edges:8.0f} bytes per link (peak while building "
          f"{peak / edges:.0f})  (target <= 600)")
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(1000, 1000)), rng.normal(size=(1000, 1000))
    start = time.perf_counter()
    history = neuronsim.train(net, X, Y, loss="mse", optimizer=optim.SGD(lr=0.01), epochs=1, batch_size=100,
                              progress=False, engine="fast")
    print(f"  one epoch, 1,000 samples: {time.perf_counter() - start:8.2f} s  (compile + train + sync), "
          f"loss {history.loss[-1]:.4f}")


def digits():
    data = datasets.digits()
    X = data.X / 16.0
    X_train, X_test, Y_train, Y_test = datasets.train_test_split(X, data.Y, test_size=0.25, seed=0,
                                                                 stratify=data.labels)
    net = neuronsim.Network.from_spec([("identity", 64), ("sigmoid", 32), ("identity", 10)], seed=0)
    start = time.perf_counter()
    neuronsim.train(net, X_train, Y_train, loss="softmax_cross_entropy", optimizer=optim.Adam(lr=0.01),
                    epochs=60, batch_size=32, seed=0, progress=False, engine="fast")
    ours = time.perf_counter() - start
    accuracy = (net.predict(X_test).argmax(axis=1) == Y_test.argmax(axis=1)).mean()
    print("digits 64-32-10 (Adam, 60 epochs, batches of 32)")
    print(f"  neuronsim fast engine   : {ours:8.2f} s   test accuracy {accuracy:.1%}  (target >= 95 %)")
    try:
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        print("  scikit-learn            : not installed")
        return
    clf = MLPClassifier(hidden_layer_sizes=(32,), activation="logistic", solver="adam", learning_rate_init=0.01,
                        batch_size=32, max_iter=60, random_state=0)
    import warnings

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X_train, Y_train.argmax(axis=1))
    theirs = time.perf_counter() - start
    print(f"  scikit-learn MLP        : {theirs:8.2f} s   test accuracy "
          f"{clf.score(X_test, Y_test.argmax(axis=1)):.1%}   sklearn / neuronsim = {theirs / ours:.2f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="W1,W2,W3,scale,digits")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    chosen = {name.strip().lower() for name in args.only.split(",")}
    w2_cost = None
    if "w1" in chosen:
        w1(args.repeats)
    if "w2" in chosen or "w3" in chosen:
        w2_cost = w2(args.repeats)
    if "w3" in chosen:
        w3(args.repeats, w2_cost)
    if "scale" in chosen:
        scale()
    if "digits" in chosen:
        digits()


if __name__ == "__main__":
    main()

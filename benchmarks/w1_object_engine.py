"""W1: one forward + backward per sample on a 2-16-16-1 tanh network, 100 two-moons points.

Prints µs per sample for neuronsim's object engine beside peers measured in the same run:
a hand-written numpy per-sample implementation, and micrograd when it is installed
(``pip install micrograd``; its MLP uses ReLU hidden units, which costs it the same per node).

Run:  python benchmarks/w1_object_engine.py [--repeats 5]
"""

import argparse
import time

import numpy as np

import neuronsim
from neuronsim import datasets

SPEC = [("identity", 2), ("tanh", 16), ("tanh", 16), ("tanh", 1)]


def best_time_per_sample(run, n_samples, repeats):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best / n_samples * 1e6


def neuronsim_epoch(net, X, Y):
    def run():
        net.zero_grad()
        for x, y in zip(X, Y):
            net.forward(x)
            net.backward(y)
    return run


def numpy_epoch(X, Y, seed=0):
    rng = np.random.default_rng(seed)
    sizes = [2, 16, 16, 1]
    W = [rng.uniform(-0.5, 0.5, (m, n)) for m, n in zip(sizes, sizes[1:])]
    b = [np.zeros(n) for n in sizes[1:]]
    gW = [np.zeros_like(w) for w in W]
    gb = [np.zeros_like(v) for v in b]
    Xa, Ya = np.asarray(X), np.asarray(Y)

    def run():
        for g in gW + gb:
            g[...] = 0.0
        for x, y in zip(Xa, Ya):
            acts = [x]
            for w, v in zip(W, b):
                acts.append(np.tanh(acts[-1] @ w + v))
            delta = (acts[-1] - y) * (1.0 - acts[-1] ** 2)
            for layer in range(len(W) - 1, -1, -1):
                gW[layer] += np.outer(acts[layer], delta)
                gb[layer] += delta
                if layer:
                    delta = (W[layer] @ delta) * (1.0 - acts[layer] ** 2)
    return run


def micrograd_epoch(X, Y):
    from micrograd.nn import MLP

    model = MLP(2, [16, 16, 1])

    def run():
        model.zero_grad()
        for x, y in zip(X, Y):
            out = model(list(x))
            loss = (out - y[0]) ** 2
            loss.backward()
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    data = datasets.moons(n=100, seed=0)
    X, Y = data.X.tolist(), data.Y.tolist()
    net = neuronsim.Network.from_spec(SPEC, seed=0)

    ours = best_time_per_sample(neuronsim_epoch(net, X, Y), len(X), args.repeats)
    numpy_us = best_time_per_sample(numpy_epoch(X, Y), len(X), args.repeats)
    print(f"W1 2-16-16-1 tanh, {len(X)} samples, forward+backward per sample (best of {args.repeats})")
    print(f"  neuronsim object engine : {ours:8.1f} us/sample")
    print(f"  numpy per sample        : {numpy_us:8.1f} us/sample   neuronsim / numpy = {ours / numpy_us:.2f}x"
          "  (target <= 5x)")
    try:
        micro_us = best_time_per_sample(micrograd_epoch(X, Y), len(X), max(1, args.repeats // 2))
    except ImportError:
        print("  micrograd               : not installed (pip install micrograd)")
    else:
        print(f"  micrograd               : {micro_us:8.1f} us/sample   micrograd / neuronsim = "
              f"{micro_us / ours:.1f}x  (target >= 80x)")


if __name__ == "__main__":
    main()

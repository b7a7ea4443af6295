"""XOR two ways: the classic 2-2-1 network, and a 2-1-1 network with direct input -> output links.
===============================================================================================

The second is a DAG no layered library builds directly: one hidden unit, plus links from both
inputs straight to the output (the one-hidden-unit XOR net of Rumelhart, Hinton & Williams's
1986 PDP chapter). Both train as RHW did: full sweeps over the 4 cases, summed squared error E,
ε = 0.5, α = 0.9, weights and biases uniform in ±0.3, until every output is within 0.1 of its
target.

Run:  python examples/xor.py [--epochs 2000] [--seed 0] [--seeds 10]
"""

import argparse

import neuronsim
from neuronsim import datasets, optim
from neuronsim import Tolerance, train

LAYERED = [("identity", 2), ("sigmoid", 2), ("sigmoid", 1)]
WITH_SKIPS = {"layers": [("identity", 2), ("sigmoid", 1), ("sigmoid", 1)],
              "edges": [["x1", "o1"], ["x2", "o1"]]}       # x1 -> o1 and x2 -> o1 skip h1


def solve(spec, seed, epochs):
    """Train one network; return it and its History."""
    net = neuronsim.Network.from_spec(spec, init=neuronsim.init.uniform(-0.3, 0.3), seed=seed)
    X, Y = datasets.xor()
    history = train(net, X, Y, loss="squared_error", optimizer=optim.SGD(lr=0.5, momentum=0.9),
                    epochs=epochs, reduction="sum", stop=Tolerance(0.1), progress=False)
    return net, history


def report(title, spec, seed, epochs):
    net, history = solve(spec, seed, epochs)
    solved = history.stop_reason == "tolerance"
    verdict = f"solved in {history.epochs} sweeps" if solved else f"not solved in {history.epochs} sweeps"
    print(f"{title}: {verdict} (E = {history.loss[-1]:.4f})")
    X, Y = datasets.xor()
    for x, y, a in zip(X, Y, net.predict(X)):
        print(f"  {x.astype(int).tolist()} -> {a[0]:.3f}  (target {int(y[0])})")
    print("  weights: " + ", ".join(f"{s}->{d} {w:+.2f}" for s, d, w in net.edges()))
    inputs = set(net.inputs)
    print("  biases:  " + ", ".join(f"{n.name} {n.bias:+.2f}" for n in net.neurons if n not in inputs))


def main():
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--epochs", type=int, default=2000, help="maximum sweeps (default 2000)")
    parser.add_argument("--seed", type=int, default=0, help="weight seed (default 0)")
    parser.add_argument("--seeds", type=int, default=0,
                        help="instead, count sweeps to solution for seeds 0..N-1")
    args = parser.parse_args()
    nets = [("2-2-1", LAYERED), ("2-1-1 + skips", WITH_SKIPS)]
    if args.seeds:
        for title, spec in nets:
            sweeps = []
            for seed in range(args.seeds):
                _, history = solve(spec, seed, args.epochs)
                sweeps.append(history.epochs if history.stop_reason == "tolerance" else None)
            solved = [s for s in sweeps if s is not None]
            print(f"{title}: solved within {args.epochs} sweeps in {len(solved)} of {args.seeds} "
                  f"seeds; sweeps {sweeps}")
        return
    for title, spec in nets:
        report(title, spec, args.seed, args.epochs)


if __name__ == "__main__":
    main()

"""Two Gaussian clusters with the network of seed 000: 2-8-8-8-1 tanh, plain gradient descent.
===========================================================================================

Seed 000 (notes on RHW 1986) draws two clusters of 30 points around (2, 2) and (-2, -2) with
``np.random.seed(0)``, builds three hidden layers of 8 tanh units (weights uniform in ±1, biases
1) and takes 30 full sweeps of gradient descent on the summed squared error. Its error was
Σ(y − d)² with ε = 0.001; neuronsim's squared error is ½Σ(y − d)², so ε = 0.002 is the same step.

Run:  python examples/two_clusters.py [--epochs 30] [--seed 0]
"""

import argparse

import neuronsim
from neuronsim import datasets, metrics, optim
from neuronsim import train

SPEC = [("identity", 2), ("tanh", 8), ("tanh", 8), ("tanh", 8), ("tanh", 1)]


def main():
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--epochs", type=int, default=30, help="full sweeps (default 30)")
    parser.add_argument("--seed", type=int, default=0, help="weight seed (default 0)")
    args = parser.parse_args()

    data = datasets.two_clusters(30, seed=0)
    net = neuronsim.Network.from_spec(SPEC, init=neuronsim.init.uniform(-1.0, 1.0, bias=1.0),
                                      seed=args.seed)
    history = train(net, data.X, data.Y, loss="squared_error", optimizer=optim.SGD(lr=0.002),
                    epochs=args.epochs, batch_size=None, reduction="sum", metrics=("accuracy",))
    for epoch, (E, acc) in enumerate(zip(history.loss, history.metrics["accuracy"]), start=1):
        print(f"sweep {epoch:3d}  E = {E:8.4f}  accuracy {acc:6.1%}")
    predicted = net.predict(data.X)
    accuracy = metrics.accuracy(data.Y, predicted)
    print(f"after training: accuracy {accuracy:.1%} on the 60 points, "
          f"largest error {abs(predicted - data.Y).max():.3f}")


if __name__ == "__main__":
    main()

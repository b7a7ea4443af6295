"""Two moons with the shape of micrograd's demo: 2-16-16-1, ReLU hidden units, a max-margin loss.
==============================================================================================

micrograd's demo trains this network on 100 noisy moon points with labels ±1, the hinge loss
mean(max(0, 1 − y·score)), L2 regularisation 1e-4·Σw² and full-batch gradient descent whose
learning rate falls linearly from 1.0 (towards 0.1) over 100 steps. The same here: the hinge
loss is a user-defined ``Loss`` (cost next to its derivative), the regulariser is
``weight_decay=2e-4`` (the gradient of 1e-4·Σw²) and the decay is ``optim.LinearDecay``.

Run:  python examples/moons.py [--epochs 100] [--seed 0]
"""

import argparse

import numpy as np

import neuronsim
from neuronsim import datasets, metrics, optim
from neuronsim.losses import Loss
from neuronsim import train

SPEC = [("identity", 2), ("relu", 16), ("relu", 16), ("identity", 1)]


def _hinge(a, t):
    return sum(max(0.0, 1.0 - y * x) for x, y in zip(a, t))


def _hinge_df(a, t):
    return [-y if 1.0 - y * x > 0.0 else 0.0 for x, y in zip(a, t)]


HINGE = Loss("hinge", _hinge, _hinge_df)


def draw_boundary(net, X, labels, width=60, height=20):
    """The plane as text: '+' where the network's score is positive, the points as '1' / '0'."""
    (x0, y0), (x1, y1) = X.min(axis=0) - 0.3, X.max(axis=0) + 0.3
    xs, ys = np.linspace(x0, x1, width), np.linspace(y1, y0, height)
    grid = np.array([[x, y] for y in ys for x in xs])
    sign = net.predict(grid)[:, 0].reshape(height, width) > 0
    rows = [["+" if s else "." for s in row] for row in sign]
    for (x, y), label in zip(X, labels):
        col = int(round((x - x0) / (x1 - x0) * (width - 1)))
        row = int(round((y1 - y) / (y1 - y0) * (height - 1)))
        rows[row][col] = "1" if label else "0"
    return "\n".join("  " + "".join(row) for row in rows)


def main():
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--epochs", type=int, default=100, help="full-batch steps (default 100)")
    parser.add_argument("--seed", type=int, default=0, help="weight seed (default 0)")
    args = parser.parse_args()

    data = datasets.moons(n=100, noise=0.1)
    X, Y = data.X, 2.0 * data.Y - 1.0                      # labels ±1, as in the demo
    net = neuronsim.Network.from_spec(SPEC, init=neuronsim.init.uniform(-1.0, 1.0, bias=0.0),
                                      seed=args.seed)
    sgd = optim.SGD(lr=1.0, weight_decay=2e-4, schedule=optim.LinearDecay(end=0.1, epochs=100))
    history = train(net, X, Y, loss=HINGE, optimizer=sgd, epochs=args.epochs, batch_size=None,
                    reduction="mean", metrics=("accuracy",))
    for epoch in range(0, history.epochs, 10):
        print(f"step {epoch:3d}  lr {history.lr[epoch]:.3f}  loss {history.loss[epoch]:.4f}  "
              f"accuracy {history.metrics['accuracy'][epoch]:.0%}")
    accuracy = metrics.accuracy(Y, net.predict(X))
    print(f"training accuracy after {history.epochs} steps: {accuracy:.0%} "
          f"({history.elapsed:.1f} s)")
    print("decision regions ('+' score > 0, '.' score <= 0; points: their labels):")
    print(draw_boundary(net, data.X, data.labels))


if __name__ == "__main__":
    main()

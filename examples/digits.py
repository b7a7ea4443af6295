"""Handwritten digits with a 64-32-10 network: tanh hidden units, softmax cross-entropy.
=====================================================================================

The 1,797 8x8 digits (pixel counts 0..16, scaled to [0, 1]) are split into 1,347 for training and
450 held out, stratified. The ten output neurons are identity units whose z are the logits of a
softmax; SGD with momentum on mini-batches of 16, the loss averaged over each batch. The
held-out set is evaluated after each epoch (History.val_loss, History.val_metrics).

Run:  python examples/digits.py [--epochs 15] [--seed 0]
"""

import argparse

import neuronsim
from neuronsim import datasets, metrics, optim
from neuronsim import train

SPEC = [("identity", 64), ("tanh", 32), ("identity", 10)]


def main():
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--epochs", type=int, default=15, help="epochs (default 15)")
    parser.add_argument("--seed", type=int, default=0, help="weight and shuffling seed (default 0)")
    args = parser.parse_args()

    data = datasets.digits()
    X_train, X_test, Y_train, Y_test = datasets.train_test_split(
        data.X / 16.0, data.Y, stratify=data.labels, seed=0)
    net = neuronsim.Network.from_spec(SPEC, seed=args.seed)
    history = train(net, X_train, Y_train, loss="softmax_cross_entropy",
                    optimizer=optim.SGD(lr=0.1, momentum=0.9), epochs=args.epochs, batch_size=16,
                    reduction="mean", seed=args.seed, validation=(X_test, Y_test),
                    metrics=("accuracy",))
    for epoch in range(history.epochs):
        print(f"epoch {epoch + 1:2d}  loss {history.loss[epoch]:.4f}  "
              f"accuracy {history.metrics['accuracy'][epoch]:.1%}  "
              f"held-out loss {history.val_loss[epoch]:.4f}  "
              f"held-out accuracy {history.val_metrics['accuracy'][epoch]:.1%}")
    accuracy = metrics.accuracy(Y_test, net.predict(X_test))
    print(f"test accuracy: {accuracy:.1%} on {len(X_test)} digits "
          f"({history.epochs} epochs, {history.elapsed:.1f} s)")


if __name__ == "__main__":
    main()

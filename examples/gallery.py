"""The plot gallery: regenerate the pictures shown in the README and docs.
=======================================================================

Draws, with matplotlib and networkx only:

- topology_dag_deltas.png      a DAG with skip links, neurons coloured by δ after one backward pass
- xor_decision_boundary.png    a 2-3-1 network after learning XOR, with the four cases
- mirror_symmetry_hinton.png   RHW 1986's mirror-symmetry network (6-2-1) as a Hinton diagram
- moons_loss.png               training and validation loss of a 2-6-3-1 net on noisy moons
- moons_activation_maps.png    every neuron of that net over the input plane
- deltas_by_layer.png          mean absolute δ per layer of a deep sigmoid net (vanishing gradients)

Run:  python examples/gallery.py [--out DIR] [--quick]
      (default DIR: docs/images next to this folder; --quick trains briefly, for tests)
"""

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no window, works headless

import matplotlib.pyplot as plt  # noqa: E402

import neuronsim  # noqa: E402
from neuronsim import datasets, optim  # noqa: E402
from neuronsim.plot import activation_maps, decision_boundary, deltas, hinton, loss, topology  # noqa: E402

DPI = 110


def fit(net, X, Y, *, loss_name, optimizer, epochs, batch_size=None, reduction="mean", validation=None,
        callbacks=()):
    return neuronsim.train(net, X, Y, loss=loss_name, optimizer=optimizer, epochs=epochs, batch_size=batch_size,
                           reduction=reduction, validation=validation, callbacks=list(callbacks), seed=0,
                           progress=False)


def save(fig, out, name):
    path = out / name
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    print(f"wrote {path}")


def dag_deltas(out):
    # Layers plus links that skip them: inputs straight to outputs, a hidden neuron to an output.
    net = neuronsim.Network.from_spec({
        "layers": [("identity", 3), ("tanh", 4), ("tanh", 3), ("sigmoid", 2)],
        "edges": [["x1", "o1"], ["x2", "o2"], ["x3", "h2_2"], ["h1_1", "o2"]],
    }, seed=1)
    net.forward([1.0, -0.5, 0.3])
    net.backward([1.0, 0.0])
    ax = topology(net, node_color="delta", values=True)
    ax.set_title("A DAG with skip links after one backward pass: neurons coloured by δ", fontsize=10)
    save(ax.figure, out, "topology_dag_deltas.png")


def xor_boundary(out, quick):
    net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 3), ("sigmoid", 1)], seed=2)
    X, Y = datasets.xor()
    fit(net, X, Y, loss_name="squared_error", optimizer=optim.SGD(lr=0.5, momentum=0.9),
        epochs=30 if quick else 300, reduction="sum")
    ax = decision_boundary(net, X, Y, class_names=["XOR = 0", "XOR = 1"])
    ax.set_title("XOR learned by a 2-3-1 network", fontsize=10)
    save(ax.figure, out, "xor_decision_boundary.png")


def mirror_symmetry(out, quick):
    # RHW 1986: 6 inputs, 2 hidden, 1 output; ε = 0.1, α = 0.9, full sweeps, E summed over cases.
    net = neuronsim.Network.from_spec([("identity", 6), ("sigmoid", 2), ("sigmoid", 1)], init="uniform", seed=1)
    X, Y = datasets.mirror_symmetry()
    fit(net, X, Y, loss_name="squared_error", optimizer=optim.SGD(lr=0.1, momentum=0.9),
        epochs=30 if quick else 1500, reduction="sum")
    ax = hinton(net, [f"x{i}" for i in range(1, 7)] + ["h1", "h2"], ["h1", "h2", "o1"])
    ax.set_title("Mirror symmetry (RHW 1986): each hidden unit weighs\n"
                 "mirrored inputs equally and oppositely, in the ratio 1 : 2 : 4", fontsize=9)
    save(ax.figure, out, "mirror_symmetry_hinton.png")


def moons(out, quick):
    # Noisy moons and a long run: the validation loss turns up while the training loss falls.
    data = datasets.moons(n=300, noise=0.25, seed=1)
    X_train, X_test, Y_train, Y_test = datasets.train_test_split(data.X, data.Y, test_size=0.3, seed=1)
    net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 6), ("tanh", 3), ("sigmoid", 1)], seed=0)
    history = fit(net, X_train, Y_train, loss_name="binary_cross_entropy", optimizer=optim.Adam(lr=0.02),
                  epochs=10 if quick else 200, batch_size=16, validation=(X_test, Y_test))
    ax = loss(history)
    ax.set_title("Two moons, 2-6-3-1 tanh network: binary cross-entropy", fontsize=10)
    save(ax.figure, out, "moons_loss.png")
    fig = activation_maps(net, X_train, Y_train)
    fig.suptitle("What each neuron computes over the input plane (two moons)", fontsize=11)
    save(fig, out, "moons_activation_maps.png")


def vanishing_deltas(out, quick):
    data = datasets.moons(n=100, noise=0.1, seed=1)
    net = neuronsim.Network.from_spec([("identity", 2)] + [("sigmoid", 6)] * 4 + [("sigmoid", 1)], seed=0)
    recorder = neuronsim.Recorder(net, quantities=("delta",))
    fit(net, data.X, data.Y, loss_name="squared_error", optimizer=optim.SGD(lr=0.5),
        epochs=5 if quick else 60, batch_size=10, callbacks=[recorder])
    ax = deltas(recorder)
    ax.set_title("Deep sigmoid network: |δ| shrinks layer by layer towards the inputs", fontsize=10)
    save(ax.figure, out, "deltas_by_layer.png")


def main(argv=None):
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--out", type=Path, default=None, help="folder for the PNG files (default: docs/images)")
    parser.add_argument("--quick", action="store_true", help="train briefly (for tests)")
    args = parser.parse_args(argv)
    if args.out is None:   # not a default=: a script run by sphinx-gallery has no __file__
        args.out = Path(__file__).resolve().parent.parent / "docs" / "images"
    args.out.mkdir(parents=True, exist_ok=True)
    dag_deltas(args.out)
    xor_boundary(args.out, args.quick)
    mirror_symmetry(args.out, args.quick)
    moons(args.out, args.quick)
    vanishing_deltas(args.out, args.quick)


if __name__ == "__main__":
    main()

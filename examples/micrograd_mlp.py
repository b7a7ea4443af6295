"""A seed-style Value MLP, trained as in the seeds, then turned into a neuron graph.
=================================================================================

Follows seeds 002/003: the four-sample toy set, MLP(3, [4, 4, 1]) with tanh on every layer and
biases drawn like the weights, and the loop (forward, zero the grads, loss.backward(), step).
Then the trained MLP becomes a neuronsim Network with the same weights: its forward pass gives
the same outputs, its edge-by-edge backprop the same gradients, ``explain`` writes out one
hidden neuron's delta, and its topology is saved as a picture.

Run:  python examples/micrograd_mlp.py [--out FOLDER] [--seed N] [--steps N]
      (default FOLDER: $NEURONSIM_EXAMPLES_OUT if set, else ./micrograd_mlp_out)
"""

import argparse
import os
import random
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # the example only writes a PNG file

from neuronsim import plot  # noqa: E402
from neuronsim.autograd.nn import MLP  # noqa: E402

XS = [
    [2.0, 3.0, -1.0],
    [3.0, -1.0, 0.5],
    [0.5, 1.0, 1.0],
    [1.0, 1.0, -1.0],
]
YS = [1.0, -1.0, -1.0, 1.0]  # desired targets


def train(seed, steps, lr=0.05):
    print(f"1. The seeds' loop: MLP(3, [4, 4, 1]), tanh everywhere, random.seed({seed}), lr {lr}")
    random.seed(seed)
    n = MLP(3, [4, 4, 1], activation="tanh", output_activation="tanh", bias="uniform")
    print(f"   {n}")
    print(f"   {len(n.parameters())} parameters")
    for k in range(steps):
        ypred = [n(x) for x in XS]                                        # forward pass
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(YS, ypred))     # squared error
        n.zero_grad()                                                     # DON'T FORGET
        loss.backward()                                                   # backward pass
        for p in n.parameters():
            p.data += -lr * p.grad                                        # update
        if k % 10 == 0 or k == steps - 1:
            print(f"   {k} {loss.data}")
    ypred = [n(x) for x in XS]
    print("   predictions:", [round(y.data, 4) for y in ypred], "targets:", YS)
    return n


def to_graph(n):
    print("\n2. The same network as a neuron graph: net = mlp.to_network()")
    net = n.to_network()
    print(f"   neurons: {' '.join(neuron.name for neuron in net.neurons)}")
    worst_out = max(abs(net.forward(x)[0] - n(x).data) for x in XS)
    print(f"   outputs: max |net.forward(x) − mlp(x).data| over the 4 cases = {worst_out:.1e}")

    # one case, loss ½(a − t)² on both sides: Value grads against edge grads
    x, t = XS[0], YS[0]
    n.zero_grad()
    (0.5 * (n(x) - t) ** 2).backward()
    net.zero_grad()
    net.forward(x)
    net.backward([t])
    edge_grads = dict(zip(net.parameter_keys(), net.gradients()))
    worst_grad = max(abs(p.grad - edge_grads[key]) for key, p in zip(n.parameter_keys(), n.parameters()))
    print(f"   gradients: max |Value grad − edge grad| over {len(edge_grads)} parameters = {worst_grad:.1e}")
    print("\n3. One hidden neuron's delta, written out by the neuron graph")
    print("   " + net.explain("h1_1").replace("\n", "\n   "))
    return net


def picture(net, out):
    ax = plot.topology(net, node_color="delta", values=True)
    path = out / "micrograd_mlp_topology.png"
    ax.figure.savefig(path, dpi=100)
    print(f"\n4. Topology coloured by delta saved to {path}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--out", default=os.environ.get("NEURONSIM_EXAMPLES_OUT", "micrograd_mlp_out"),
                        help="folder for the PNG")
    parser.add_argument("--seed", type=int, default=0, help="random.seed for the weights")
    parser.add_argument("--steps", type=int, default=100, help="training steps")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    n = train(args.seed, args.steps)
    net = to_graph(n)
    picture(net, out)
    return 0


if __name__ == "__main__":
    status = main()
    if status:   # exit only on failure: a clean sys.exit(0) would also end a sphinx-gallery build
        sys.exit(status)

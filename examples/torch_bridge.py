"""The PyTorch bridge both ways: a neuronsim DAG trained by torch, and a torch MLP seen neuron by neuron.
======================================================================================================

1. **Out**: a network with skip links (inputs straight to the output) and mixed activations is
   exported with ``net.to_torch()``, trained on the two moons by a torch optimizer (Adam), and
   written back with ``module.write_back(net)``: the graph holds the trained weights, so
   ``net.explain`` shows the trained neurons' equations in numbers.
2. **In**: a torch residual MLP (``relu(h + lin(h))``, traced with torch.fx) is imported with
   ``Network.from_torch(model)``; its outputs and the gradients of its Linear weights equal
   torch autograd's, and its deltas are printed neuron by neuron.

Needs PyTorch (``pip install "neuronsim[torch]"``); without it the example says so and exits.

Run:  python examples/torch_bridge.py [--steps 300] [--seed 0]
"""

import argparse
import sys

import numpy as np

import neuronsim
from neuronsim import datasets

SPEC = {"layers": [("identity", 2), ("tanh", 8), ("sigmoid", 1)],
        "edges": [["x1", "o1"], ["x2", "o1"]]}                   # skip links x -> o1


def out_to_torch(steps, seed):
    import torch

    from neuronsim.torch_bridge import torch_loss

    net = neuronsim.Network.from_spec(SPEC, seed=seed)
    X, Y = datasets.moons(seed=seed)
    module = net.to_torch()                                        # float64, CPU
    print(f"exported: {module.extra_repr()}; parameters {[name for name, _ in module.named_parameters()]}")
    keys = module.parameter_keys()
    print(f"weight_2_0 holds the links {list(keys['weight_2_0'])[:3]} ...")
    Xt, Yt = torch.as_tensor(X, dtype=torch.float64), torch.as_tensor(Y, dtype=torch.float64)
    loss_fn = torch_loss("binary_cross_entropy")
    optimizer = torch.optim.Adam(module.parameters(), lr=0.05)
    before = loss_fn(module(Xt), Yt).item() / len(X)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(module(Xt), Yt)
        loss.backward()
        optimizer.step()
    module.write_back(net)                                          # the graph is the store of truth
    after = loss_fn(module(Xt), Yt).item() / len(X)
    accuracy = float(np.mean((net.predict(X) > 0.5) == (Y > 0.5)))
    gap = float(np.abs(net.predict(X) - module(Xt).detach().numpy()).max())
    print(f"torch Adam, {steps} steps: mean loss {before:.4f} -> {after:.4f}; accuracy {accuracy:.2f}")
    print(f"after write_back, net.predict equals the module to {gap:.1e}")
    net.forward(X[0].tolist())
    print(net.explain("o1", kind="activation"))


def in_from_torch(seed):
    import torch
    from torch import nn

    from neuronsim.torch_bridge import torch_loss

    class Residual(nn.Module):
        def __init__(self):
            super().__init__()
            self.inp, self.block, self.out = nn.Linear(2, 3), nn.Linear(3, 3), nn.Linear(3, 1)

        def forward(self, x):
            h = torch.tanh(self.inp(x))
            h = torch.relu(h + self.block(h))                         # a residual connection
            return self.out(h)

    torch.manual_seed(seed)
    model = Residual().double()
    net = neuronsim.Network.from_torch(model)
    print(f"imported: {net!r}")
    print("neurons:", " ".join(n.name for n in net.neurons))
    x, t = [0.5, -1.0], [1.0]
    net.forward(x)
    net.backward(t)
    torch_loss("squared_error")(model(torch.tensor([x], dtype=torch.float64)),
                                torch.tensor([t], dtype=torch.float64)).backward()
    ours = np.array([[net.graph.edges[f"h3_{i + 1}", "o1"]["grad"] for i in range(3)]])
    gap = float(np.abs(ours - model.out.weight.grad.numpy()).max())
    print(f"edge grads into o1 equal torch autograd's out.weight.grad to {gap:.1e}")
    for name in ("o1", "h3_1", "h3_2", "h3_3", "h1_1", "h1_2", "h1_3"):
        print(f"  delta[{name}] = {net[name].delta:.6g}")
    print(net.explain("h1_1"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--steps", type=int, default=300, help="torch optimizer steps (default 300)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        import torch  # noqa: F401
    except ImportError:
        print('PyTorch is not installed: pip install "neuronsim[torch]" to run this example (skipped)')
        return 0
    out_to_torch(args.steps, args.seed)
    print()
    in_from_torch(args.seed)
    return 0


if __name__ == "__main__":
    status = main()
    if status:   # exit only on failure: a clean sys.exit(0) would also end a sphinx-gallery build
        sys.exit(status)

"""Step through backpropagation one neuron at a time, then watch the deltas over training.
=======================================================================================

A 2-3-2-1 network (tanh hidden layers, sigmoid output) with a skip link learns XOR. First one
case is propagated forward and backward *step by step*: each step prints the equation behind
that neuron's activation or delta, with the network's own numbers. Then the network trains with
a Recorder attached, and the mean absolute delta of each layer is printed every tenth of the
run — Nielsen's picture of how the error signal fades on its way back to the first layers.

Run:  python examples/step_through.py [--epochs 300]
"""

import argparse

import neuronsim
from neuronsim import datasets, optim

parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
parser.add_argument("--epochs", type=int, default=200)
args = parser.parse_args()

net = neuronsim.Network.from_spec({
    "layers": [("identity", 2), ("tanh", 3), ("tanh", 2), ("sigmoid", 1)],
    "edges": [["x1", "o1"]],  # a skip link: input straight to the output
}, seed=0)
x, target = [1.0, 0.0], [1.0]

print("forward, one neuron at a time:")
for step in net.forward_steps(x):
    print("  " + net.explain(step.neuron.name, kind="activation"))

print("\nbackward, one neuron at a time (each delta is written as its step is yielded):")
steps = net.backward_steps(target)
first = next(steps)
print("  " + net.explain(first.neuron.name))
print(f"  ... paused after {first.neuron.name}: delta[h1_1] is still {net['h1_1'].delta}")
for step in steps:
    print("  " + net.explain(step.neuron.name))

print("\nthe same delta, accumulated edge by edge:")
net.zero_grad()
for item in net.backward_steps(target, by_edge=True):
    if isinstance(item, neuronsim.steps.EdgeContribution) and item.neuron.name == "h1_1":
        print(f"  + w[h1_1->{item.downstream.name}]={item.weight:.4f} x delta[{item.downstream.name}]"
              f"={item.delta:.4f} -> running sum {item.partial_sum:.5f}")
print("  " + net.explain("h1_1"))
print("  " + net.explain(("x1", "h1_1")))

X, Y = datasets.xor()
every = max(1, args.epochs // 10)
recorder = neuronsim.Recorder(net, quantities=("delta",), every=every)  # after each k-th sweep
history = neuronsim.train(net, X, Y, loss="squared_error", optimizer=optim.SGD(lr=0.1, momentum=0.9),
                          epochs=args.epochs, reduction="sum", shuffle=False, callbacks=[recorder],
                          progress=False)
# At an epoch's end each neuron holds the delta of the sweep's last case, (1, 1) -> 0.
per_layer = recorder.by_layer("delta")   # {layer name: mean |delta| per record}; inputs have none
names = ["layer " + "/".join(per_layer.neurons[layer]) for layer in per_layer]
print(f"\nmean |delta| per layer while training (every {every} sweeps; the last case of each sweep):")
print("  sweep  " + "".join(f"{n:>26}" for n in names))
for sweep, row in zip(per_layer.steps, per_layer.to_array()):
    print(f"  {int(sweep):5d}  " + "".join(f"{v:26.6f}" for v in row))
print(f"\nfinal loss E = {history.loss[-1]:.4f} after {history.epochs} sweeps; outputs:",
      [round(float(v), 3) for v in net.predict(X).ravel()])

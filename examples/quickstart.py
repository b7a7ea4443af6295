"""Quickstart: build a network from a spec, run one case forward and backward, read each delta.
============================================================================================

Run:  python examples/quickstart.py
"""

import neuronsim

# Two inputs, a tanh hidden layer of three, one sigmoid output; seeded Xavier weights.
net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 3), ("sigmoid", 1)], seed=0)
# A direct input -> output link: the graph is any DAG, not just layers.
net.connect("x1", "o1", 0.5)
print(net)

output = net.forward([1.0, -0.5])
loss = net.backward([1.0], loss="squared_error")
print(f"output a = {output[0]:.4f}, loss C = {loss:.4f}")

print("\nper-neuron state after one forward and one backward pass:")
for neuron in net.neurons:
    delta = "(input)" if neuron.delta is None else f"{neuron.delta:+.5f}"
    print(f"  {neuron.name:3} {neuron.activation.name:9} z={neuron.z:+.4f}  a={neuron.a:+.4f}  delta={delta}")

print("\nedge gradients dC/dw = a_src * delta_dst:")
for src, dst, data in net.graph.edges(data=True):
    print(f"  {src} -> {dst}: w={data['weight']:+.4f}  grad={data['grad']:+.5f}")

report = neuronsim.gradcheck(net, [1.0, -0.5], [1.0])
print("\n" + report.describe())

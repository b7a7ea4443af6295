"""
Stepping through backpropagation: seed 004's iris network by hand
==================================================================

Seed 004's notebook took a 4-5-3 network of sigmoid units, every weight 1 and every bias 0, fed it
the first iris flower and backpropagated the squared error by hand. Its output layer's first δ
came out as −4.4510827315210804e-05. This page does the same sums twice: first with numpy, one
equation at a time, then with neuronsim, whose backward pass walks the graph edge by edge and can
be stopped at every neuron (:func:`neuronsim.steps.backward_steps`) or asked to write a δ out in
numbers (:func:`neuronsim.explain.explain`). Every number below is computed while the site builds.
"""

# %%
# The case and the network
# ------------------------
# The first flower of the iris table, with its one-hot target (it is a setosa).
import numpy as np

import neuronsim
from neuronsim import datasets
from neuronsim.steps import BackwardStep

iris = datasets.iris()
x, d = iris.X[0], iris.Y[0]
print("x =", x.tolist(), " target d =", d.tolist(), f"({iris.target_names[iris.labels[0]]})")

# %%
# Forward, by hand
# ----------------
# Every weight is 1 and every bias 0, so each hidden unit sees the same weighted sum
# :math:`z_h = \sum_i x_i`, and each output unit sees the five equal hidden activations:
# :math:`z_o = 5\,\sigma(z_h)`.


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


z_hidden = x.sum()
a_hidden = sigmoid(z_hidden)
z_out = 5 * a_hidden
a_out = sigmoid(z_out)
print(f"z_h = {z_hidden:g}, a_h = {float(a_hidden)!r}")
print(f"z_o = {float(z_out)!r}, a_o = {float(a_out)!r}")

# %%
# Backward, by hand
# -----------------
# With :math:`C = \tfrac12 \sum_j (a_j - d_j)^2`, an output unit's δ is
# :math:`\delta_j = (a_j - d_j)\,\sigma'(z_j)` where :math:`\sigma'(z) = \sigma(z)(1 - \sigma(z))`.
# A hidden unit's δ gathers the δ of every unit it feeds, through the weights of those links:
# :math:`\delta_h = \sigma'(z_h) \sum_k w_{hk}\,\delta_k`.
delta_out = (a_out - d) * a_out * (1 - a_out)
delta_hidden = a_hidden * (1 - a_hidden) * (1.0 * delta_out).sum()
print("δ (outputs) =", [repr(float(v)) for v in delta_out])
print("δ (hidden)  =", repr(float(delta_hidden)))
print("δ[o1] by hand:", repr(float(delta_out[0])))

# %%
# The same pass on the neuron graph
# ---------------------------------
# ``init="constant"`` sets every weight to 1 and every bias to 0. The inputs are named x1..x4,
# the hidden units h1..h5 and the outputs o1..o3.
net = neuronsim.Network.from_spec([("identity", 4), ("sigmoid", 5), ("sigmoid", 3)], init="constant")
net.forward(x.tolist())
net.backward(d.tolist(), loss="squared_error")
print("δ[o1] on the graph:", repr(net["o1"].delta))
print("δ[h1] on the graph:", repr(net["h1"].delta))
print("same as by hand:", net["o1"].delta == float(delta_out[0]))

# %%
# One neuron at a time
# --------------------
# :func:`~neuronsim.steps.backward_steps` runs the same backward pass but stops after each neuron,
# in reverse topological order (outputs first), and hands back what went into its δ: the loss
# term :math:`\partial C / \partial a`, the slope :math:`f'(z)` and the result. With
# ``by_edge=True`` it also stops at each link a hidden δ is gathered through.
net.zero_grad()   # the pass below accumulates gradients again, as backward() does
net.forward(x.tolist())
for step in net.backward_steps(d.tolist(), by_edge=True):
    if isinstance(step, BackwardStep):
        print(f"δ[{step.neuron.name}] = {step.delta!r}   (f'(z) = {step.fprime:.6g}, sum = {step.total:.6g})")
    else:
        print(f"   w[{step.neuron.name}→{step.downstream.name}] × δ[{step.downstream.name}] = {step.product:.6g}"
              f"   (running sum {step.partial_sum:.6g})")

# %%
# The equations in the network's numbers
# --------------------------------------
# :func:`~neuronsim.explain.explain` writes one δ out with the numbers of the last pass.
print(net.explain("o1"))
print(net.explain("h1"))
print(net.explain(("x1", "h1")))

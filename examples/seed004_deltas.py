"""Seed 004's computation: the iris 4-5-3 sigmoid network with every weight 1 and bias 0.
======================================================================================

The notebook fed the first iris flower, x = [5.1, 3.5, 1.4, 0.2] with target [1, 0, 0], through
the network and backpropagated the squared error by hand, printing the hidden and output deltas.
Here the neuron graph computes the same numbers edge by edge.

Run:  python examples/seed004_deltas.py
"""

import neuronsim
from neuronsim import datasets

# The notebook's printed result (hidden layer, then output layer).
SEED_HIDDEN = [4.893115758926319e-07] * 5
SEED_OUTPUT = [-4.4510827315210804e-05, 0.006604764921594382, 0.006604764921594382]

iris = datasets.iris()
x, target = iris.X[0].tolist(), iris.Y[0].tolist()
print(f"first iris flower: x = {x}, target = {target} ({iris.target_names[iris.labels[0]]})")

net = neuronsim.Network.from_spec([("identity", 4), ("sigmoid", 5), ("sigmoid", 3)], init="constant")
net.forward(x)
net.backward(target, loss="squared_error")

print("\nneuron   delta (neuronsim)           delta (seed 004)        rel. difference")
for names, expected in ((["h1", "h2", "h3", "h4", "h5"], SEED_HIDDEN), (["o1", "o2", "o3"], SEED_OUTPUT)):
    for name, seed_value in zip(names, expected):
        ours = net[name].delta
        print(f"  {name:5} {ours:+.15e}  {seed_value:+.15e}  {abs(ours - seed_value) / abs(seed_value):.1e}")

print("\nhow h1's delta is made, edge by edge:")
h1 = net["h1"]
terms = " + ".join(f"w[h1->{dst.name}]={w:g} x delta[{dst.name}]={dst.delta:.6g}" for dst, w in h1.downstream)
fprime = h1.activation.df(h1.z, h1.a)
print(f"  delta[h1] = f'(z={h1.z:g})={fprime:.6g} x ({terms}) = {h1.delta:.6g}")

"""A tour of the scalar autograd engine, walking the steps of seeds 001-003.
=========================================================================

A numerical slope, the chain rule by hand, the `=` versus `+=` bug, a neuron written as an
expression (with tanh also written through exp), its picture, and the bridge: the same
gradients from the Value engine and from neuronsim's edge-by-edge backprop.

Run:  python examples/autograd_tour.py [--out FOLDER]   (default FOLDER: ./autograd_tour_out)
"""

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # the tour only writes PNG files

import neuronsim  # noqa: E402
from neuronsim.autograd import Value, expression  # noqa: E402
from neuronsim.plot.expression import expression as draw_expression  # noqa: E402


def slope():
    print("1. The slope of f(x) = 3x² − 4x + 5 at x = 3, by nudging x")
    def f(x):
        return 3 * x ** 2 - 4 * x + 5
    for h in (0.1, 0.001, 0.00001):
        print(f"   h = {h:<7g} (f(x + h) − f(x)) / h = {(f(3 + h) - f(3)) / h:.6f}")
    print("   calculus: f'(x) = 6x − 4 = 14")


def chain_rule():
    print("\n2. The chain rule by hand: e = a·b, d = e + c, L = d·f")
    a, b, c, f = Value(2.0, "a"), Value(-3.0, "b"), Value(10.0, "c"), Value(-2.0, "f")
    e = a * b
    d = e + c
    L = d * f
    # dL/dd = f and dL/df = d; '+' passes its gradient on unchanged; '*' multiplies it by the
    # other operand: the car, the bicycle and the walking man of seed 003.
    by_hand = {"L": 1.0, "f": d.data, "d": f.data, "c": f.data, "e": f.data,
               "a": f.data * b.data, "b": f.data * a.data}
    L.backward()
    engine = {"L": L, "f": f, "d": d, "c": c, "e": e, "a": a, "b": b}
    print("   value   by hand   backward()")
    for name, hand in by_hand.items():
        print(f"   dL/d{name:<3} {hand:8.1f} {engine[name].grad:12.1f}")
    h = 1e-6
    nudged = ((a.data + h) * b.data + c.data) * f.data
    print(f"   dL/da by nudging a, h = {h:g}: (L(a + h) − L(a)) / h = {(nudged - L.data) / h:.4f}")


def accumulation():
    print("\n3. = versus +=: b = a + a uses a twice, so db/da = 2")
    a = Value(3.0, "a")
    b = a + a
    overwritten, accumulated = {}, {}
    for parent in b.parents:  # each operand slot of '+' has local gradient 1
        overwritten[id(parent)] = 1.0 * 1.0                                  # grad = ...
        accumulated[id(parent)] = accumulated.get(id(parent), 0.0) + 1.0 * 1.0  # grad += ...
    b.backward()
    print(f"   with '=' the second slot overwrites the first: da = {overwritten[id(a)]}")
    print(f"   with '+=' the slots add up:                    da = {accumulated[id(a)]}")
    print(f"   Value.backward() accumulates:                  a.grad = {a.grad}")


def neuron(squash):
    """o = squash(x1·w1 + x2·w2 + b): seed 003's neuron, with fresh leaves each call."""
    leaves = [Value(2.0, "x1"), Value(-3.0, "w1"), Value(0.0, "x2"), Value(1.0, "w2"),
              Value(6.8813735870195432, "b")]
    x1, w1, x2, w2, b = leaves
    x1w1 = x1 * w1
    x1w1.label = "x1·w1"
    x2w2 = x2 * w2
    x2w2.label = "x2·w2"
    n = x1w1 + x2w2 + b
    n.label = "n"
    o = squash(n)
    o.label = "o"
    o.backward()
    return o, leaves


def tanh_through_exp(out):
    print("\n4. A neuron is an expression: o = tanh(x1·w1 + x2·w2 + b)")

    def through_exp(n):  # tanh(n) = (e^2n − 1) / (e^2n + 1)
        e = (2 * n).exp()
        e.label = "e"
        return (e - 1) / (e + 1)

    o, leaves = neuron(Value.tanh)
    o_exp, leaves_exp = neuron(through_exp)
    print(f"   o = {o.data:.6f} with the tanh operation, {o_exp.data:.6f} with tanh written through exp")
    print("   leaf   grad (tanh)   grad (exp)")
    for v, u in zip(leaves, leaves_exp):
        print(f"   {v.label:<5} {v.grad:11.6f} {u.grad:12.6f}")
    path = out / "neuron_expression.png"
    ax = draw_expression(o_exp)
    ax.figure.savefig(path, dpi=100)
    print(f"\n5. The expression picture (label | data | grad per value) is saved to {path}")


def bridge():
    print("\n6. The bridge: the same neuron in a neuronsim network, loss ½(o − 1)²")
    net = neuronsim.Network()
    for name in ("x1", "x2"):
        net.add_neuron(name, "identity")
    net.add_neuron("o", "tanh", bias=6.8813735870195432)
    net.connect("x1", "o", -3.0)
    net.connect("x2", "o", 1.0)
    equal = compare(net, [2.0, 0.0], [1.0], show=True)

    swish = neuronsim.Activation.from_expression("tour_swish", lambda v: v * v.sigmoid())
    deep = neuronsim.Network.from_spec([("identity", 3), ("tanh", 4), ("elu", 3), ("sigmoid", 2)], seed=1)
    for name in ("h1_1", "h1_2", "h1_3", "h1_4"):
        deep[name].activation = swish
    print("   and a 3-4-3-2 network (swish from Activation.from_expression, elu, sigmoid), loss bce:")
    equal = compare(deep, [0.5, -1.0, 2.0], [1.0, 0.0], "binary_cross_entropy") and equal
    report = neuronsim.gradcheck(deep, [0.5, -1.0, 2.0], [1.0, 0.0], "binary_cross_entropy",
                                 oracle="both")
    print(f"   {report.describe()}")
    return equal


def compare(net, x, target, loss="squared_error", show=False):
    expr = expression(net, x, target, loss)
    expr.loss.backward()
    net.zero_grad()
    net.forward(x)
    net.backward(target, loss)
    ours, theirs = expr.gradients(), net.gradients()
    if show:
        print("   parameter    expression    neuron graph")
        for key, g, h in zip(net.parameter_keys(), ours, theirs):
            name = f"w[{key[0]}->{key[1]}]" if isinstance(key, tuple) else f"b[{key}]"
            print(f"   {name:<10} {g:12.6f} {h:15.6f}")
    difference = max(abs(g - h) for g, h in zip(ours, theirs))
    sign = "==" if difference <= 1e-12 * max(1.0, *map(abs, theirs)) else "!="
    print(f"   bridge: expression gradients {sign} neuron-graph gradients "
          f"(max abs difference {difference:.1e})")
    return sign == "=="


def main(argv=None):
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--out", default="autograd_tour_out", help="folder for the PNG")
    out = Path(parser.parse_args(argv).out)
    out.mkdir(parents=True, exist_ok=True)
    slope()
    chain_rule()
    accumulation()
    tanh_through_exp(out)
    return 0 if bridge() else 1


if __name__ == "__main__":
    status = main()
    if status:   # exit only on failure: a clean sys.exit(0) would also end a sphinx-gallery build
        sys.exit(status)

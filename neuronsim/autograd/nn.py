"""Networks of :class:`Value` s in the seeds' and micrograd's style, and their neuron graphs.

:class:`Neuron`, :class:`Layer` and :class:`MLP` follow micrograd's ``nn`` module: the same
constructors and calling convention (``mlp(x)`` returns a Value, or a list of Values for
several outputs), ``parameters()`` and ``zero_grad()``, and the same random draws, so that
under ``random.seed(...)`` a model written for micrograd gives micrograd's numbers here. The
activation is chosen per layer: relu as in micrograd (with a linear output layer), tanh as in
the seeds, or any registered activation that has an expression form.

:meth:`MLP.to_network` turns a Value MLP into a :class:`~neuronsim.Network` with the same
weights (to plot its topology, step through its deltas, train it with the batched engine),
and :meth:`MLP.from_network` turns a layered network back into a Value MLP.

Examples
--------
Seed 002's loop: build, predict, zero the grads, backpropagate, step.

>>> import random
>>> random.seed(0)
>>> xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
>>> ys = [1.0, -1.0, -1.0, 1.0]
>>> n = MLP(3, [4, 4, 1], activation="tanh", output_activation="tanh", bias="uniform")
>>> for k in range(50):
...     ypred = [n(x) for x in xs]
...     loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
...     n.zero_grad()
...     loss.backward()
...     for p in n.parameters():
...         p.data += -0.05 * p.grad
>>> loss.data < 0.05
True

The same network as a neuron graph:

>>> net = n.to_network()
>>> [x.name for x in net.neurons][:5], net.forward(xs[0])[0] == n(xs[0]).data
(['x1', 'x2', 'x3', 'h1_1', 'h1_2'], True)
"""

import numbers
import random as _random
from collections.abc import Mapping, Set

from neuronsim._checks import shown
from neuronsim.errors import (ActivationError, NeuronsimTypeError, ShapeError, TopologyError,
                              ValueRangeError)

from .bridge import checked_activation_form
from .value import Value

__all__ = ["Module", "Neuron", "Layer", "MLP"]

_BIAS_CHOICES = ("zero", "uniform")


# --- argument checks ---------------------------------------------------------------------------

def _count(n, what):
    """`n` as a positive int, else a clear error naming `what`."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise NeuronsimTypeError(f"{what} must be a positive integer, got {type(n).__name__}: {shown(n)}")
    if n < 1:
        raise ValueRangeError(f"{what} must be a positive integer, got {shown(n)}")
    return int(n)


def _rng(rng):
    """The generator to draw from: ``random`` (micrograd's global draws) or a random.Random."""
    if rng is None or rng is _random:
        return _random
    if not isinstance(rng, _random.Random):
        raise NeuronsimTypeError(f"rng must be None or a random.Random, got {type(rng).__name__}")
    return rng


def _bias_choice(bias):
    if bias not in _BIAS_CHOICES:
        raise ValueRangeError(
            f"bias must be 'zero' (micrograd: Value(0), no draw) or 'uniform' (the seeds: "
            f"random.uniform(-1, 1) after the weights), got {shown(bias)}")
    return bias


def _inputs(x, n, what):
    """`x` as a sequence of `n` Values or finite numbers (a lone Value or number is one input)."""
    if isinstance(x, Value) or (isinstance(x, numbers.Real) and not isinstance(x, bool)):
        x = [x]
    elif isinstance(x, (str, bytes, Mapping, Set)) or not hasattr(x, "__len__"):
        raise NeuronsimTypeError(
            f"{what} must be a list of {n} numbers or Values, got {type(x).__name__}: {shown(x)}")
    if len(x) != n:
        raise ShapeError(f"{what}: expected {n} values, got {len(x)}")
    for i, xi in enumerate(x):
        if isinstance(xi, Value):
            continue
        if isinstance(xi, bool) or not isinstance(xi, numbers.Real):
            raise NeuronsimTypeError(
                f"{what}[{i}] must be a number or a Value, got {type(xi).__name__}: {shown(xi)}")
    return x


def _draw(nin, bias, rng):
    """A neuron's weights and bias, in micrograd's order: the `nin` weights, then (seeds) the bias."""
    w = [Value(rng.uniform(-1, 1)) for _ in range(nin)]
    b = Value(rng.uniform(-1, 1)) if bias == "uniform" else Value(0.0)
    return w, b


# --- the modules -------------------------------------------------------------------------------

class Module:
    """Base of :class:`Neuron`, :class:`Layer` and :class:`MLP`: ``parameters`` and ``zero_grad``.

    Examples
    --------
    >>> Module().parameters()
    []
    """

    def parameters(self):
        """The trainable Values (none for the base class)."""
        return []

    def zero_grad(self):
        """Set ``grad`` to 0.0 on every parameter (as micrograd's ``Module.zero_grad``).

        Examples
        --------
        >>> n = Neuron(2, rng=__import__("random").Random(0))
        >>> n([1.0, 2.0]).backward()
        >>> n.zero_grad(); [p.grad for p in n.parameters()]
        [0.0, 0.0, 0.0]
        """
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    """One neuron: a = f(b + Σ_i w_i x_i), written with Values.

    Parameters
    ----------
    nin : int
        Number of inputs.
    nonlin : bool, default True
        micrograd's switch: False makes a linear neuron (a = z).
    activation : str or Activation, optional
        The nonlinearity when `nonlin` is True: "relu" (default, as micrograd), "tanh" (the
        seeds), or any registered activation or ``Activation.from_expression`` that has an
        expression form.
    bias : {"zero", "uniform"}, default "zero"
        "zero": b = Value(0), no random draw (micrograd). "uniform": b is drawn with
        ``random.uniform(-1, 1)`` after the weights (the seeds).
    rng : random.Random, optional
        Where the draws come from; default the ``random`` module's global generator, so
        ``random.seed(...)`` fixes them as in micrograd.

    Attributes
    ----------
    w : list of Value
        The weights, each drawn with ``rng.uniform(-1, 1)`` in order.
    b : Value
        The bias.
    nonlin : bool
        False for a linear neuron.
    activation : Activation
        The activation (identity for a linear neuron).

    Raises
    ------
    NeuronsimTypeError, ValueRangeError
        `nin` not a positive int, a bad `bias` choice or `rng`.
    ActivationError
        Unknown activation, one without an expression form, or `nonlin=False` together with a
        nonlinear `activation`.

    Examples
    --------
    >>> import random
    >>> n = Neuron(2, activation="tanh", rng=random.Random(1))
    >>> n
    TanhNeuron(2)
    >>> n.w
    [Value(data=-0.7..., grad=0.0), Value(data=0.6..., grad=0.0)]
    >>> n([1.0, 0.5]).data
    -0.366...
    """

    def __init__(self, nin, nonlin=True, *, activation=None, bias="zero", rng=None):
        nin = _count(nin, "Neuron nin")
        if not isinstance(nonlin, bool):
            raise NeuronsimTypeError(f"nonlin must be True or False, got {type(nonlin).__name__}")
        bias = _bias_choice(bias)
        rng = _rng(rng)
        default = "relu" if nonlin else "identity"
        act, form = checked_activation_form(default if activation is None else activation, "of a Neuron")
        if not nonlin and act.name != "identity":
            raise ActivationError(
                f"nonlin=False makes a linear neuron, but activation {shown(activation)} was given "
                "too; drop one of them")
        self._set(*_draw(nin, bias, rng), act, form)

    def _set(self, w, b, activation, form):
        self.w, self.b = w, b
        self.activation, self._form = activation, form
        self.nonlin = activation.name != "identity"

    @classmethod
    def _from_values(cls, w, b, activation, form):
        """A neuron with the given weight and bias Values (no draws)."""
        neuron = cls.__new__(cls)
        neuron._set(w, b, activation, form)
        return neuron

    def __call__(self, x):
        """f(b + Σ_i w_i x_i) for a list of `nin` numbers or Values; returns a Value.

        The sum is taken left to right starting from b, as micrograd's
        ``sum((wi*xi for ...), self.b)``, so the floats are the same.

        Raises
        ------
        ShapeError
            `x` does not have `nin` values (micrograd would silently drop the extra ones).
        NeuronsimTypeError
            An item is neither a number nor a Value.
        """
        return self._evaluate(_inputs(x, len(self.w), "Neuron input"))

    def _evaluate(self, x):
        """The forward pass on a checked input list."""
        act = self.b
        for wi, xi in zip(self.w, x):
            act = act + wi * xi
        return self._form(act)

    def parameters(self):
        """The weights, then the bias: ``w + [b]`` (micrograd's order)."""
        return self.w + [self.b]

    def __repr__(self):
        name = self.activation.name
        kind = {"relu": "ReLU", "identity": "Linear"}.get(name, name.title().replace("_", ""))
        return f"{kind}Neuron({len(self.w)})"


class Layer(Module):
    """`nout` neurons reading the same `nin` inputs.

    Parameters
    ----------
    nin, nout : int
        Inputs of each neuron; number of neurons.
    **kwargs
        Passed to each :class:`Neuron` (``nonlin``, ``activation``, ``bias``, ``rng``).

    Attributes
    ----------
    neurons : list of Neuron

    Examples
    --------
    >>> import random
    >>> layer = Layer(2, 3, activation="tanh", rng=random.Random(0))
    >>> layer
    Layer of [TanhNeuron(2), TanhNeuron(2), TanhNeuron(2)]
    >>> len(layer([1.0, -1.0])), len(layer.parameters())
    (3, 9)
    """

    def __init__(self, nin, nout, **kwargs):
        nin = _count(nin, "Layer nin")
        nout = _count(nout, "Layer nout")
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    @classmethod
    def _from_neurons(cls, neurons):
        layer = cls.__new__(cls)
        layer.neurons = neurons
        return layer

    def __call__(self, x):
        """Each neuron's output: a list of Values, or one Value when the layer has one neuron."""
        outs = self._evaluate(_inputs(x, len(self.neurons[0].w), "Layer input"))
        return outs[0] if len(outs) == 1 else outs

    def _evaluate(self, x):
        """Every neuron's output, as a list, for a checked input list."""
        return [n._evaluate(x) for n in self.neurons]

    def parameters(self):
        """Every neuron's parameters, neuron by neuron."""
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self):
        return f"Layer of [{', '.join(map(repr, self.neurons))}]"


class MLP(Module):
    """A multilayer perceptron of Values: ``MLP(nin, nouts)`` as in micrograd and the seeds.

    Parameters
    ----------
    nin : int
        Number of inputs.
    nouts : list of int
        The size of each layer after the inputs; the last is the number of outputs.
    activation : str, Activation or list, default "relu"
        The hidden layers' activation (micrograd: relu; the seeds: tanh), or a list with one
        entry per hidden layer. Any registered activation with an expression form works.
    output_activation : str or Activation, default "identity"
        The last layer's activation: "identity" gives micrograd's linear output layer; the
        seeds put tanh on every layer (``output_activation="tanh"``).
    bias : {"zero", "uniform"}, default "zero"
        micrograd's zero biases (no draw), or the seeds' ``random.uniform(-1, 1)`` drawn after
        each neuron's weights.
    rng : random.Random, optional
        Where the draws come from (default: the ``random`` module, as micrograd).

    Attributes
    ----------
    layers : list of Layer
    nin : int
    nouts : list of int

    Raises
    ------
    NeuronsimTypeError, ValueRangeError
        Sizes that are not positive ints, an empty `nouts`, a bad `bias` or `rng`.
    ShapeError
        A list of activations whose length is not the number of hidden layers.
    ActivationError
        An unknown activation, or one without an expression form.

    Notes
    -----
    Under ``random.seed(s)``, ``MLP(nin, nouts)`` draws exactly what micrograd's
    ``MLP(nin, nouts)`` draws (``random.uniform(-1, 1)`` per weight, layer by layer, neuron
    by neuron), and its forward pass adds the same floats in the same order, so a micrograd
    training script run with ``from neuronsim.autograd.nn import MLP`` prints micrograd's first
    loss bit for bit. Later steps agree to rounding (within 1e-13 relative over micrograd's
    100-step two-moons demo, accuracies equal): a gradient that sums several contributions may
    add them in another order (micrograd's order follows a set of Values and changes from run
    to run itself).
    Parameters are labelled with their edge in :meth:`to_network` (``"w[x1->h1_1]"``,
    ``"b[h1_1]"``) for expression pictures.

    Examples
    --------
    >>> import random
    >>> random.seed(1337)
    >>> model = MLP(2, [16, 16, 1])            # micrograd's two-moons model
    >>> model
    MLP of [Layer of [ReLUNeuron(2), ...], Layer of [ReLUNeuron(16), ...], Layer of [LinearNeuron(16)]]
    >>> len(model.parameters())
    337
    >>> model([0.5, -0.2])
    Value(data=..., grad=0.0)
    """

    def __init__(self, nin, nouts, activation="relu", output_activation="identity", *,
                 bias="zero", rng=None):
        nin = _count(nin, "MLP nin")
        if isinstance(nouts, (str, bytes, Mapping, Set)) or not hasattr(nouts, "__len__"):
            raise NeuronsimTypeError(
                f"MLP nouts must be a list of layer sizes, got {type(nouts).__name__}: {shown(nouts)}")
        if len(nouts) == 0:
            raise ValueRangeError("MLP nouts must name at least one layer (the outputs), got []")
        sizes = [nin] + [_count(n, f"MLP nouts[{i}]") for i, n in enumerate(nouts)]
        hidden = len(sizes) - 2
        if isinstance(activation, (list, tuple)):
            if len(activation) != hidden:
                raise ShapeError(f"MLP activation: a list needs one entry per hidden layer "
                                 f"({hidden}), got {len(activation)}")
            per_layer = list(activation)
        else:
            per_layer = [activation] * hidden
        per_layer.append(output_activation)
        bias, rng = _bias_choice(bias), _rng(rng)
        layers = []
        for i, act in enumerate(per_layer):
            act, form = checked_activation_form(act, f"of MLP layer {i + 1}")
            # neuron by neuron keeps micrograd's order of draws; the activation is checked once
            layers.append(Layer._from_neurons([Neuron._from_values(*_draw(sizes[i], bias, rng), act, form)
                                               for _ in range(sizes[i + 1])]))
        self._set_layers(layers)

    def _set_layers(self, layers):
        self.layers = layers
        self.nin = len(layers[0].neurons[0].w)
        self.nouts = [len(layer.neurons) for layer in layers]
        for key, p in zip(self.parameter_keys(), self.parameters()):
            p.label = f"w[{key[0]}->{key[1]}]" if isinstance(key, tuple) else f"b[{key}]"

    def __call__(self, x):
        """The network's output for one input: a Value, or a list of Values for several outputs.

        Raises
        ------
        ShapeError
            `x` does not have `nin` values.
        NeuronsimTypeError
            An item of `x` is neither a number nor a Value.
        """
        x = _inputs(x, self.nin, "MLP input")
        for layer in self.layers:  # a layer's outputs are Values: checked once, at the door
            x = layer._evaluate(x)
        return x[0] if len(x) == 1 else x

    def parameters(self):
        """Every parameter, layer by layer, neuron by neuron, weights then bias (micrograd's order)."""
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self):
        return f"MLP of [{', '.join(map(repr, self.layers))}]"

    # --- the neuron graph ----------------------------------------------------------------------

    def _names(self):
        from neuronsim.spec import layer_names  # the core sits above autograd: import late

        return layer_names([self.nin] + self.nouts)

    def parameter_keys(self):
        """The :meth:`to_network` key of each of :meth:`parameters`, in the same order.

        ``(src, dst)`` for a weight, a neuron name for a bias, as
        :meth:`neuronsim.Network.parameter_keys` writes them.

        Examples
        --------
        >>> import random
        >>> MLP(2, [1], rng=random.Random(0)).parameter_keys()
        [('x1', 'o1'), ('x2', 'o1'), 'o1']
        """
        names = self._names()
        keys = []
        for upper, lower in zip(names, names[1:]):
            for dst in lower:
                keys.extend((src, dst) for src in upper)
                keys.append(dst)
        return keys

    def to_network(self):
        """A :class:`~neuronsim.Network` with this MLP's weights, biases and activations.

        Neurons are named as a layered spec names them: ``x1..`` (identity inputs),
        ``h1..`` for one hidden layer or ``h1_1..``, ``h2_1..`` for several, and ``o1..``; a
        linear output layer becomes identity output neurons. Each neuron's incoming links are
        made in the order of its weights, so ``net.forward(x)`` adds the same floats in the same
        order as ``mlp(x)``, and ``net.backward(target, loss)`` gives the gradients that the
        same loss written with Values gives. The network is a snapshot: later changes to either
        side do not reach the other (see :meth:`parameter_keys` to match parameters).

        Raises
        ------
        NeuronsimTypeError, ValueRangeError
            A parameter is no longer a finite float (e.g. after a diverged training loop).

        Examples
        --------
        >>> import random
        >>> mlp = MLP(2, [3, 1], activation="tanh", rng=random.Random(0))
        >>> net = mlp.to_network()
        >>> [n.name for n in net.neurons], net["o1"].activation.name
        (['x1', 'x2', 'h1', 'h2', 'h3', 'o1'], 'identity')
        >>> net.forward([0.5, -1.0]) == [mlp([0.5, -1.0]).data]
        True
        """
        from neuronsim.network import Network  # the core sits above autograd: import late

        names = self._names()
        net = Network()
        for name in names[0]:
            net.add_neuron(name, "identity")
        for upper, lower, layer in zip(names, names[1:], self.layers):
            for dst, neuron in zip(lower, layer.neurons):
                net.add_neuron(dst, neuron.activation, bias=neuron.b.data)
                for src, w in zip(upper, neuron.w):
                    net.connect(src, dst, w.data)
        net.set_inputs(names[0])
        net.set_outputs(names[-1])
        return net

    @classmethod
    def from_network(cls, net):
        """A Value MLP with the weights, biases and activations of a layered network.

        The network must be layered: its inputs, then layers in which every neuron takes
        links from every neuron of the layer before and from no other, the last layer being
        exactly its outputs (a network built from a layered spec, or by :meth:`to_network`).
        Within a layer, neurons keep the network's order (the outputs' order for the last
        layer); each non-input neuron's activation needs an expression form (built in, or made
        with ``Activation.from_expression``). The MLP is a snapshot of the network.

        Raises
        ------
        NeuronsimTypeError
            `net` is not a Network.
        TopologyError
            The network is not layered: a skip link, a missing link between consecutive
            layers, a neuron with no upstream link, or outputs not forming the last layer
            (the message names the neuron or link).
        ActivationError
            A neuron's activation has no expression form.

        Examples
        --------
        >>> import neuronsim
        >>> net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 3), ("sigmoid", 1)], seed=0)
        >>> mlp = MLP.from_network(net)
        >>> mlp
        MLP of [Layer of [TanhNeuron(2), TanhNeuron(2), TanhNeuron(2)], Layer of [SigmoidNeuron(3)]]
        >>> abs(mlp([0.5, -1.0]).data - net.forward([0.5, -1.0])[0]) < 1e-15
        True
        """
        from neuronsim._checks import network as _network  # imports the core: late

        net = _network(net, "MLP.from_network")
        layers = _layers_of(net)
        graph = net.graph
        mlp_layers = []
        forms = {}  # id(Activation) -> its checked form: neurons share Activation objects
        for upper, lower in zip(layers, layers[1:]):
            neurons = []
            for dst in lower:
                neuron = net[dst]
                if id(neuron.activation) not in forms:
                    forms[id(neuron.activation)] = checked_activation_form(neuron.activation,
                                                                           f"of neuron {shown(dst)}")
                act, form = forms[id(neuron.activation)]
                w = [Value(graph.edges[src, dst]["weight"]) for src in upper]
                neurons.append(Neuron._from_values(w, Value(neuron.bias), act, form))
            mlp_layers.append(Layer._from_neurons(neurons))
        mlp = cls.__new__(cls)
        mlp._set_layers(mlp_layers)
        return mlp


def _layers_of(net):
    """The network's neuron names layer by layer, or a TopologyError saying why it is not layered."""
    graph = net.graph
    inputs = [n.name for n in net.inputs]
    outputs = [n.name for n in net.outputs]
    depth = {name: 0 for name in inputs}
    order = [n.name for n in net.neurons]
    # longest path from the inputs, in topological order (net.neurons is one)
    for name in order:
        if name in depth:
            continue
        preds = list(graph.pred[name])
        if not preds:
            raise TopologyError(f"not a layered network: neuron {shown(name)} has no upstream link "
                                "and is not an input")
        depth[name] = 1 + max(depth[p] for p in preds)
    last = max(depth[name] for name in outputs)
    if last == 0:
        raise TopologyError("not a layered network: an output neuron is an input neuron")
    layers = [[] for _ in range(last + 1)]
    layers[0] = inputs
    for name in order:
        d = depth[name]
        if d == last and name not in outputs:
            raise TopologyError(f"not a layered network: neuron {shown(name)} is in the last layer "
                                "but is not an output")
        if 0 < d < last:
            layers[d].append(name)
    for name in outputs:
        if depth[name] != last:
            raise TopologyError(
                f"not a layered network: output {shown(name)} is in layer {depth[name]}, but the "
                f"deepest output is in layer {last}; all outputs must form the last layer")
    layers[last] = outputs
    for d, (upper, lower) in enumerate(zip(layers, layers[1:])):
        upper_set = set(upper)
        for dst in lower:
            preds = graph.pred[dst]
            for src in upper:
                if src not in preds:
                    raise TopologyError(f"not a layered network: link {src} -> {dst} is missing "
                                        "(an MLP layer takes every neuron of the layer before)")
            for src in preds:
                if src not in upper_set:
                    raise TopologyError(f"not a layered network: link {src} -> {dst} skips a layer "
                                        f"({shown(src)} is in layer {depth[src]}, {shown(dst)} in "
                                        f"layer {d + 1})")
    return layers


"""The bridge: a network's loss on one case written as a :class:`Value` expression.

Its gradients are a second oracle for the network's edge-by-edge backprop, sharing no
derivative code with the object engine.
"""

import math

from neuronsim import losses as _losses
from neuronsim._checks import finite_vector
from neuronsim.errors import ActivationError, LossError, NeuronsimError, NeuronsimTypeError

from .value import Value

__all__ = ["expression", "NetworkExpression"]

# The slope of neuronsim.activations' leaky_relu (not imported: activations imports autograd).
_LEAKY_SLOPE = 0.01
# losses.py clips binary cross-entropy's a to [ε, 1 − ε] before taking logs.
_BCE_CLIP = 1e-15


# --- the built-in activations as Value operations ---------------------------------------------
# A piecewise f branches on z.data while the expression is built, so the expression holds the
# piece that applies, with its derivative (including neuronsim's convention at the kink z = 0).

def _leaky_relu(z):
    return z if z.data > 0 else _LEAKY_SLOPE * z


def _elu(z):
    return z if z.data > 0 else z.expm1()


_ACTIVATION_FORMS = {
    "identity": lambda z: z,
    "sigmoid": Value.sigmoid,
    "tanh": Value.tanh,
    "relu": Value.relu,
    "leaky_relu": _leaky_relu,
    "softplus": Value.softplus,
    "elu": _elu,
    "silu": lambda z: z * z.sigmoid(),
    "softsign": lambda z: z / (1 + abs(z)),
    "gaussian": lambda z: (-(z * z)).exp(),  # e^(-z²) underflows to 0 for |z| > 27
}


def _activation_form(activation, where):
    """The Value function of `activation`: its own expression, else the built-in form.

    `where` names its user in the error message (e.g. "of neuron 'h1'").
    """
    form = getattr(activation, "expression", None)
    if form is None:
        form = _ACTIVATION_FORMS.get(activation.name)
    if form is None:
        raise ActivationError(
            f"activation {activation.name!r} {where} has no expression form; "
            "build it with Activation.from_expression")
    return form


# z values at which a resolved form is compared with the activation's own f (both sides of
# every built-in kink, and far out where saturating forms could differ)
_PROBES = (-30.0, -2.5, -0.5, -1e-3, 0.0, 1e-3, 0.7, 3.0, 30.0)


def checked_activation_form(activation, where):
    """``(Activation, Value function)`` for a registered name or an Activation, checked once.

    The function is the activation's own expression (``Activation.from_expression``) or the
    built-in form of its name; it must agree with the activation's ``f`` at a few probe points
    (an activation reusing a built-in name with another ``f`` is refused). `where` describes
    the user of the activation in error messages (e.g. "of an MLP layer").

    Raises
    ------
    NeuronsimTypeError, ActivationError
        Not a name or Activation; unknown name; no expression form; a form disagreeing with f.

    Examples
    --------
    >>> act, form = checked_activation_form("tanh", "of a neuron")
    >>> act.name, form(Value(0.5)).data == act.f(0.5)
    ('tanh', True)
    """
    from neuronsim import activations  # activations imports autograd lazily; no cycle

    activation = activations.get(activation)
    form = _activation_form(activation, where)
    for z in _PROBES:
        try:
            a = form(Value(z))
            f = activation.f(z)
        except NeuronsimError:  # a form defined on part of the line only (e.g. log) is its own business
            continue
        if not isinstance(a, Value):
            raise ActivationError(f"expression form of activation {activation.name!r} returned "
                                  f"{type(a).__name__}, not a Value")
        if not math.isclose(a.data, f, rel_tol=1e-9, abs_tol=1e-12):
            raise ActivationError(
                f"activation {activation.name!r} {where}: its f disagrees with its expression form "
                f"(f({z!r}) = {f!r}, the form gives {a.data!r}); give it another name and build it "
                "with Activation.from_expression")
    return activation, form


# --- the built-in losses as Value operations --------------------------------------------------
# Each takes the output neurons' activations a (or pre-activations z, for forms on logits) and
# the target t, as losses.py does.

def _total(terms):
    """t0 + t1 + ... as one chain of "+" (no extra leaf for a starting 0)."""
    terms = iter(terms)
    total = next(terms)
    for term in terms:
        total = total + term
    return total


def _square(d):
    # d * d rather than d ** 2: the power's derivative 2·(d²/d) is 0 once d² underflows
    return d * d


def _squared_error(a, t):
    # RHW 1986 eq. 3: E = ½ Σ_j (a_j − t_j)²
    return 0.5 * _total(_square(aj - tj) for aj, tj in zip(a, t))


def _mse(a, t):
    return _total(_square(aj - tj) for aj, tj in zip(a, t)) / len(a)


def _binary_cross_entropy(a, t):
    # C = −Σ [t log a + (1 − t) log(1 − a)], a clipped as losses.py does: where the clip acts,
    # C no longer depends on a, so the clipped a is a constant. log1p(−a) keeps a tiny a exact.
    def clipped(aj):
        if _BCE_CLIP <= aj.data <= 1.0 - _BCE_CLIP:
            return aj
        return Value(min(max(aj.data, _BCE_CLIP), 1.0 - _BCE_CLIP))

    return -_total(tj * clipped(aj).log() + (1 - tj) * (-clipped(aj)).log1p()
                   for aj, tj in zip(a, t))


def _binary_cross_entropy_on_logits(z, t):
    # On sigmoid outputs: −[t log σ(z) + (1 − t) log(1 − σ(z))] = softplus(z) − t z (no overflow)
    return _total(zj.softplus() - tj * zj for zj, tj in zip(z, t))


def _softmax_cross_entropy(z, t):
    # C = −Σ_j t_j log softmax(z)_j with log softmax(z)_j = (z_j − m) − log Σ_k e^(z_k − m), m = max z:
    # no exp sees a positive argument, and m is never added back (at huge logits m + log Σ would
    # swallow the log term). A zero target adds nothing (not 0 × −inf where z_j − m overflows).
    m = max(zj.data for zj in z)
    shifted = [zj - m for zj in z]
    log_sum = _total(sj.exp() for sj in shifted).log()
    terms = [tj * (sj - log_sum) for sj, tj in zip(shifted, t) if tj != 0]
    return -_total(terms) if terms else 0 * log_sum


# (loss name, activation shared by every output or None) -> (Value form, reads "a" or "z")
_LOSS_FORMS = {
    ("squared_error", None): (_squared_error, "a"),
    ("mse", None): (_mse, "a"),
    ("binary_cross_entropy", None): (_binary_cross_entropy, "a"),
    ("binary_cross_entropy", "sigmoid"): (_binary_cross_entropy_on_logits, "z"),
    ("softmax_cross_entropy", None): (_softmax_cross_entropy, "z"),
}


class NetworkExpression:
    """A network's loss on one case as a :class:`Value` expression, its leaves mapped back.

    Made by :func:`expression`; holds Values only (changing the network afterwards does not
    change it).

    Attributes
    ----------
    loss : Value
        The root: the cost C of the case (label ``"C"``). Call ``loss.backward()`` for the
        gradients.
    weights : dict
        ``(src, dst) -> Value`` leaf holding the weight of that edge (label ``"w[src->dst]"``).
    biases : dict
        ``name -> Value`` leaf holding the bias of each non-input neuron (label ``"b[name]"``).
    inputs : dict
        ``name -> Value`` leaf holding the clamped value of each input neuron (label ``name``).
    z, a : dict
        ``name -> Value``: each non-input neuron's pre-activation and activation (labels
        ``"z[name]"``, ``"a[name]"``; for identity, ``a[name] is z[name]``). After
        ``loss.backward()``, ``z[name].grad`` is the neuron's δ = ∂C/∂z.
    outputs : dict
        ``name -> Value``: the activation of each output neuron, in output order.
    keys : list
        The network's :meth:`~neuronsim.Network.parameter_keys` when the expression was made.

    Examples
    --------
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 1), ("tanh", 1)], init="constant")
    >>> expr = expression(net, [0.5], [1.0])
    >>> expr.weights, expr.biases["o1"]
    ({('x1', 'o1'): Value(data=1.0, grad=0.0, label='w[x1->o1]')}, Value(data=0.0, grad=0.0, label='b[o1]'))
    """

    def __init__(self, loss, weights, biases, inputs, z, a, outputs, keys):
        self.loss = loss
        self.weights = weights
        self.biases = biases
        self.inputs = inputs
        self.z = z
        self.a = a
        self.outputs = outputs
        self.keys = keys

    def parameters(self):
        """The weight and bias leaves, in parameter-key order.

        Examples
        --------
        >>> import neuronsim
        >>> net = neuronsim.Network.from_spec([("identity", 2), ("sigmoid", 1)], init="constant")
        >>> [v.label for v in expression(net, [1.0, 2.0], [0.0]).parameters()]
        ['w[x1->o1]', 'w[x2->o1]', 'b[o1]']
        """
        return [self.weights[key] if isinstance(key, tuple) else self.biases[key]
                for key in self.keys]

    def gradients(self):
        """∂C/∂w and ∂C/∂b as floats in parameter-key order (after ``loss.backward()``).

        Comparable item by item with :meth:`neuronsim.Network.gradients` after one
        ``forward``/``backward`` of the same case from zeroed gradients.

        Raises
        ------
        NeuronsimError
            ``loss.backward()`` has not been called.

        Examples
        --------
        >>> import neuronsim
        >>> net = neuronsim.Network.from_spec([("identity", 1), ("identity", 1)], init="constant")
        >>> expr = expression(net, [3.0], [1.0])    # C = ½ (w·3 + b − 1)², w = 1, b = 0
        >>> expr.loss.backward()
        >>> expr.gradients()
        [6.0, 2.0]
        """
        if self.loss.grad == 0.0:
            raise NeuronsimError("no gradients yet: call .loss.backward() first")
        return [v.grad for v in self.parameters()]

    def locate(self, value):
        """Where a leaf of the expression lives in the network.

        Returns
        -------
        tuple or None
            ``("weight", (src, dst))``, ``("bias", name)`` or ``("input", name)``; None for
            any other Value (constants such as targets, and computed Values).

        Examples
        --------
        >>> import neuronsim
        >>> net = neuronsim.Network.from_spec([("identity", 1), ("sigmoid", 1)], init="constant")
        >>> expr = expression(net, [1.0], [0.0])
        >>> from neuronsim.autograd import topological_order
        >>> sorted(expr.locate(v) for v in topological_order(expr.loss) if expr.locate(v))
        [('bias', 'o1'), ('input', 'x1'), ('weight', ('x1', 'o1'))]
        """
        for kind, leaves in (("weight", self.weights), ("bias", self.biases),
                             ("input", self.inputs)):
            for key, leaf in leaves.items():
                if leaf is value:
                    return kind, key
        return None

    def __repr__(self):
        return (f"NetworkExpression(C={self.loss.data!r}, {len(self.weights)} weights, "
                f"{len(self.biases)} biases)")


def expression(net, x, target, loss="squared_error"):
    """Build the loss of one case as a Value expression from the network's current parameters.

    Every weight, bias and clamped input becomes a leaf; each non-input neuron j, in
    topological order, becomes z_j = b_j + Σ_i w_ij a_i (summed in the order the links were
    made, as the object engine does) and a_j = f_j(z_j) written with Value operations; the loss
    is written on the outputs. After ``loss.backward()`` each leaf's ``grad`` is ∂C/∂leaf,
    found by the scalar engine alone: a second oracle for :meth:`neuronsim.Network.backward`.
    The network is only read (no z, a, δ or grad of it changes).

    Parameters
    ----------
    net : Network
    x, target : sequence of float
        One value per input neuron, one per output neuron.
    loss : str or Loss, default "squared_error"
        One of the built-in losses (squared_error, mse, binary_cross_entropy,
        softmax_cross_entropy) or their aliases.

    Returns
    -------
    NetworkExpression

    Raises
    ------
    NeuronsimTypeError
        `net` is not a Network.
    ShapeError, ValueRangeError
        Wrong length of `x` or `target`, a non-finite value, or a target outside the loss's
        range.
    ActivationError
        A neuron's activation is neither built in nor made by ``Activation.from_expression``,
        or its ``f`` disagrees with its expression form.
    LossError
        A loss with no expression form, or one that does not apply to these output neurons.

    Notes
    -----
    Binary cross-entropy on outputs that are all sigmoid is written on the logits,
    softplus(z) − t z, as :mod:`neuronsim.losses` fuses it; on other outputs it clips a to
    [1e-15, 1 − 1e-15] like :mod:`neuronsim.losses`, and where the clip acts the expression's
    gradient is the true one (0), while the object engine keeps the unclipped formula.

    Examples
    --------
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 3), ("sigmoid", 1)], seed=0)
    >>> expr = expression(net, [0.5, -1.0], [1.0])
    >>> expr.loss.backward()
    >>> net.zero_grad(); _ = net.forward([0.5, -1.0]); C = net.backward([1.0])
    >>> expr.loss.data == C
    True
    >>> max(abs(g - h) for g, h in zip(expr.gradients(), net.gradients())) < 1e-15
    True
    >>> expr.z["o1"].grad == net["o1"].delta
    True
    """
    from neuronsim.network import Network  # the core imports autograd lazily; no cycle

    if not isinstance(net, Network):
        raise NeuronsimTypeError(f"expression() needs a Network, got {type(net).__name__}")
    loss = _losses.get(loss)
    inputs, outputs = net.inputs, net.outputs
    x = finite_vector(x, len(inputs), "input x")
    target = finite_vector(target, len(outputs), "target")
    form = _loss_form(loss, outputs)
    _losses.check_targets(loss, target)

    graph = net.graph
    a = {n.name: Value(xi, n.name) for n, xi in zip(inputs, x)}
    leaf_inputs = dict(a)
    weights, biases, z = {}, {}, {}
    for neuron in net.neurons:
        j = neuron.name
        if j in leaf_inputs:
            continue
        biases[j] = zj = Value(neuron.bias, f"b[{j}]")
        for i, edge in graph.pred[j].items():
            weights[i, j] = w = Value(edge["weight"], f"w[{i}->{j}]")
            zj = zj + a[i] * w
        if zj is not biases[j]:  # a neuron with no incoming links has z = b
            zj.label = f"z[{j}]"
        z[j] = zj
        a[j] = aj = _activation_value(neuron, zj)
        if aj is not zj:
            aj.label = f"a[{j}]"

    function, reads = form
    on = z if reads == "z" else a
    C = function([on[n.name] for n in outputs], target)
    C.label = "C"
    return NetworkExpression(C, weights, biases, leaf_inputs, z,
                             {j: a[j] for j in z}, {n.name: a[n.name] for n in outputs},
                             net.parameter_keys())


def _activation_value(neuron, z):
    """a = f(z) as a Value, checked against the activation's own f."""
    activation = neuron.activation
    a = _activation_form(activation, f"of neuron {neuron.name!r}")(z)
    if not isinstance(a, Value):
        raise ActivationError(f"expression form of activation {activation.name!r} returned "
                              f"{type(a).__name__}, not a Value")
    # Guards against a user's Activation that reuses a built-in name with another f.
    f = activation.f(z.data)
    if not math.isclose(a.data, f, rel_tol=1e-9, abs_tol=1e-12):
        raise ActivationError(
            f"activation {activation.name!r} of neuron {neuron.name!r}: its f disagrees with the "
            f"built-in {activation.name!r} (f({z.data!r}) = {f!r}, the built-in gives {a.data!r}); "
            "give it another name and build it with Activation.from_expression")
    return a


def _loss_form(loss, outputs):
    """The Value form of `loss` for these output neurons (mirrors Network.backward's choice)."""
    names = {n.activation.name for n in outputs}
    if loss.output_activation is not None and names != {loss.output_activation}:
        wrong = [n.name for n in outputs if n.activation.name != loss.output_activation]
        raise LossError(
            f"loss {loss.name!r} needs {loss.output_activation!r} output neurons; "
            f"{', '.join(map(repr, wrong))} {'is' if len(wrong) == 1 else 'are'} not")
    shared = next(iter(names)) if len(names) == 1 else None
    if shared in loss.fused:
        form = _LOSS_FORMS.get((loss.name, shared))
    else:
        form = _LOSS_FORMS.get((loss.name, None))
    if form is None:
        known = sorted({name for name, _ in _LOSS_FORMS})
        raise LossError(f"loss {loss.name!r} has no expression form; built-ins that have one: "
                        f"{', '.join(known)}")
    return form

"""A scalar automatic-differentiation engine: :class:`Value` and its chain rule.

Arithmetic on Values records the expression as a DAG: each result keeps its ``parents``, its
``op`` and the local derivatives ∂result/∂parent, computed beside the forward value.
:meth:`Value.backward` walks the graph output-to-input applying the chain rule
∂L/∂parent += ∂result/∂parent · ∂L/∂result, leaving ∂L/∂v in ``v.grad``.

Numbers handed in (leaf data, plain operands, exponents) must be real and finite. Computed
results follow IEEE floats (``1e200 * 1e200`` is inf) except where Python's math would raise
(0 ** -1, exp(1000), ...): there a :class:`~neuronsim.errors.ValueRangeError` names the operation.

The bridge, :func:`expression`, writes a network's loss on one case with Values: its
gradients are a second oracle for the network's edge-by-edge backprop.

Examples
--------
>>> a, b, c, f = Value(2.0, "a"), Value(-3.0, "b"), Value(10.0, "c"), Value(-2.0, "f")
>>> L = (a * b + c) * f
>>> L.backward()
>>> L.data, a.grad, b.grad, c.grad, f.grad
(-8.0, 6.0, -4.0, -2.0, 4.0)
"""

import math
import numbers

import networkx as nx

from neuronsim import losses as _losses
from neuronsim._checks import finite_vector
from neuronsim.errors import (ActivationError, LossError, NeuronsimError, NeuronsimTypeError,
                              ValueRangeError)

__all__ = ["Value", "topological_order", "zero_grad", "expression", "NetworkExpression"]


def _is_number(x):
    # bool is an int subclass, but True + Value is almost certainly a mistake
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _operand(x, op):
    """Return `x` as a Value, wrapping (and checking) a plain number."""
    if isinstance(x, Value):
        return x
    if _is_number(x):
        return Value(x)
    raise NeuronsimTypeError(
        f"operand of {op!r} must be a Value, int or float, got {type(x).__name__}: {x!r}")


def _result(data, parents, op, local_grads):
    """Make a non-leaf Value; `local_grads[i]` is ∂data/∂parents[i].data."""
    # Bypasses __init__: inputs were checked at the door, computed floats are trusted.
    out = Value.__new__(Value)
    out.data, out.grad, out.label, out.op = data, 0.0, "", op
    out._parents, out._local_grads = parents, local_grads
    return out


class Value:
    """A scalar in an expression graph, with the gradient of an output with respect to it.

    Parameters
    ----------
    data : int or float
        The number. Stored as a float; NaN and ±inf are rejected.
    label : str, optional
        A name for plots and ``repr``.

    Attributes
    ----------
    data, grad : float
        The forward value, and ∂L/∂self summed over :meth:`backward` calls (0.0 before).
    label, op : str
        The user's name; the operation that made this Value: "" for a leaf, else "+", "-",
        "*", "/", "neg", "abs", "**p" (e.g. "**2", "**-0.5"), "exp", "expm1", "log", "log1p",
        "tanh", "sigmoid", "relu", "softplus".

    Raises
    ------
    NeuronsimTypeError
        If `data` is not an int or float (bool is refused too), or `label` is not a str.
    ValueRangeError
        If `data` is NaN or infinite.

    Notes
    -----
    Local derivatives are taken when an operation runs: after changing a leaf's ``data``,
    rebuild the expression. Values compare by identity, so they can be dict keys.

    Examples
    --------
    >>> x = Value(3.0, label="x")
    >>> y = 2 * x ** 2 - 1 / x + 1
    >>> y.backward()
    >>> round(y.data, 6), round(x.grad, 6)  # dy/dx = 4x + 1/x²
    (18.666667, 12.111111)
    >>> x
    Value(data=3.0, grad=12.11111111111111, label='x')
    """

    __slots__ = ("data", "grad", "label", "op", "_parents", "_local_grads")

    def __init__(self, data, label=""):
        if not _is_number(data):
            raise NeuronsimTypeError(
                f"Value data must be an int or float, got {type(data).__name__}: {data!r}")
        try:
            data = float(data)
        except OverflowError:
            raise ValueRangeError(f"Value data {data!r} is too large for a float") from None
        if not math.isfinite(data):
            raise ValueRangeError(f"Value data must be finite, got {data!r}")
        if not isinstance(label, str):
            raise NeuronsimTypeError(f"Value label must be a str, got {type(label).__name__}")
        self.data, self.grad, self.label, self.op = data, 0.0, label, ""
        self._parents, self._local_grads = (), ()

    @property
    def parents(self):
        """tuple of Value: the operands this Value was computed from (empty for a leaf).

        Examples
        --------
        >>> a = Value(1.0)
        >>> (a + a).parents == (a, a)
        True
        """
        return self._parents

    def __repr__(self):
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # --- arithmetic: forward value and local derivatives side by side ------------------------

    def __add__(self, other):
        other = _operand(other, "+")
        return _result(self.data + other.data, (self, other), "+", (1.0, 1.0))

    def __sub__(self, other):
        other = _operand(other, "-")
        return _result(self.data - other.data, (self, other), "-", (1.0, -1.0))

    def __mul__(self, other):
        other = _operand(other, "*")
        # ∂(ab)/∂a = b, ∂(ab)/∂b = a; for a * a both land on a, giving 2a
        return _result(self.data * other.data, (self, other), "*", (other.data, self.data))

    def __truediv__(self, other):
        other = _operand(other, "/")
        a, b = self.data, other.data
        if b == 0:
            raise ValueRangeError(f"division by zero: {a!r} / {b!r}")
        y = a / b
        # ∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = -a/b² = -y/b (so that b·b cannot underflow to 0)
        return _result(y, (self, other), "/", (1.0 / b, -y / b))

    def __neg__(self):
        return _result(-self.data, (self,), "neg", (-1.0,))

    def __abs__(self):
        """Return |x| (``abs(v)``); derivative sign(x), taken as 0 at x = 0.

        Examples
        --------
        >>> x = Value(-2.0)
        >>> y = abs(x); y.backward()
        >>> y.data, x.grad
        (2.0, -1.0)
        """
        x = self.data
        sign = 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)
        return _result(abs(x), (self,), "abs", (sign,))

    def __pow__(self, p):
        if isinstance(p, Value):
            raise NeuronsimTypeError(
                "only int/float exponents are supported, got a Value exponent; "
                "write (b * a.log()).exp() for a ** b with a > 0")
        if not _is_number(p):
            raise NeuronsimTypeError(f"exponent must be an int or float, got {type(p).__name__}")
        # plain int/float, so numpy scalars neither leak into grads nor into the op name
        p = int(p) if isinstance(p, numbers.Integral) else float(p)
        if isinstance(p, float) and not math.isfinite(p):
            raise ValueRangeError(f"exponent must be finite, got {p!r}")
        x = self.data
        if x < 0 and not (isinstance(p, int) or p.is_integer()):
            raise ValueRangeError(f"{x!r} ** {p!r} is not a real number")
        try:
            y = float(x ** p)
        except ZeroDivisionError:
            raise ValueRangeError(f"{x!r} ** {p!r} divides by zero") from None
        except OverflowError:
            raise ValueRangeError(f"{x!r} ** {p!r} overflows a float") from None
        # d(x^p)/dx = p·x^(p-1), written p·y/x: IEEE inf instead of a second pow overflowing.
        # At x = 0 (p >= 0 here): inf for 0 < p < 1, 1 for p = 1, 0 otherwise (x^0 is constant).
        dy = p * (y / x) if x != 0 else (math.inf if 0 < p < 1 else float(p == 1))
        return _result(y, (self,), f"**{p}", (dy,))

    # Reflected forms: `2 * v` calls v.__rmul__(2); the number becomes the left operand.
    def __radd__(self, other):
        return _operand(other, "+") + self

    def __rsub__(self, other):
        return _operand(other, "-") - self

    def __rmul__(self, other):
        return _operand(other, "*") * self

    def __rtruediv__(self, other):
        return _operand(other, "/") / self

    def __rpow__(self, other):
        raise NeuronsimTypeError(
            f"only int/float exponents are supported, got {type(other).__name__} ** Value")

    # --- elementary functions ----------------------------------------------------------------

    def exp(self):
        """Return e ** self; derivative exp(x). Raises ValueRangeError above x ≈ 709.78.

        Examples
        --------
        >>> x = Value(0.0)
        >>> y = x.exp(); y.backward()
        >>> y.data, x.grad
        (1.0, 1.0)
        """
        x = self.data
        try:
            y = math.exp(x)
        except OverflowError:
            raise ValueRangeError(f"exp({x!r}) overflows a float (needs x <= 709.78)") from None
        return _result(y, (self,), "exp", (y,))

    def expm1(self):
        """Return e ** self - 1, exact for tiny x; derivative exp(x) = result + 1.

        Examples
        --------
        >>> x = Value(1e-20)
        >>> y = x.expm1(); y.backward()
        >>> y.data, x.grad
        (1e-20, 1.0)
        """
        x = self.data
        try:
            y = math.expm1(x)
        except OverflowError:
            raise ValueRangeError(f"expm1({x!r}) overflows a float (needs x <= 709.78)") from None
        return _result(y, (self,), "expm1", (y + 1.0,))

    def log(self):
        """Return the natural logarithm; derivative 1/x. Raises ValueRangeError for x <= 0.

        Examples
        --------
        >>> x = Value(2.0)
        >>> y = x.log(); y.backward()
        >>> round(y.data, 6), x.grad
        (0.693147, 0.5)
        """
        x = self.data
        if not x > 0:
            raise ValueRangeError(f"log({x!r}) is undefined: log needs a positive argument")
        return _result(math.log(x), (self,), "log", (1.0 / x,))

    def log1p(self):
        """Return log(1 + x), exact for tiny x; derivative 1/(1 + x). Needs x > -1.

        Examples
        --------
        >>> x = Value(1e-20)
        >>> y = x.log1p(); y.backward()
        >>> y.data, x.grad
        (1e-20, 1.0)
        """
        x = self.data
        if not x > -1.0:
            raise ValueRangeError(f"log1p({x!r}) is undefined: log1p needs an argument above -1")
        return _result(math.log1p(x), (self,), "log1p", (1.0 / (1.0 + x),))

    def tanh(self):
        """Return the hyperbolic tangent; derivative 1 - tanh(x)².

        Examples
        --------
        >>> Value(1e4).tanh().data, Value(-1e4).tanh().data
        (1.0, -1.0)
        """
        t = math.tanh(self.data)  # saturates to ±1 instead of computing exp(2x)
        return _result(t, (self,), "tanh", (1.0 - t * t,))

    def sigmoid(self):
        """Return the logistic function 1 / (1 + e^-x); derivative σ(x)(1 - σ(x)).

        Examples
        --------
        >>> Value(0.0).sigmoid().data, Value(1e4).sigmoid().data, Value(-1e4).sigmoid().data
        (0.5, 1.0, 0.0)
        """
        x = self.data
        # exp only ever sees a non-positive argument, so it cannot overflow
        if x >= 0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)
            s = e / (1.0 + e)
        return _result(s, (self,), "sigmoid", (s * (1.0 - s),))

    def relu(self):
        """Return max(0, x); derivative 1 for x > 0, else 0 (0 at x = 0, as in PyTorch).

        Examples
        --------
        >>> Value(-2.0).relu().data, Value(3.0).relu().data
        (0.0, 3.0)
        """
        x = self.data
        return _result(x if x > 0 else 0.0, (self,), "relu", (1.0 if x > 0 else 0.0,))

    def softplus(self):
        """Return log(1 + e^x); derivative σ(x). Never overflows.

        Examples
        --------
        >>> x = Value(0.0)
        >>> y = x.softplus(); y.backward()
        >>> round(y.data, 6), x.grad
        (0.693147, 0.5)
        >>> Value(1e4).softplus().data, Value(-1e4).softplus().data
        (10000.0, 0.0)
        """
        x = self.data
        # log(1 + e^x) = max(x, 0) + log1p(e^-|x|): exp only sees a non-positive argument
        y = max(x, 0.0) + math.log1p(math.exp(-abs(x)))
        e = math.exp(-abs(x))
        sigma = 1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)
        return _result(y, (self,), "softplus", (sigma,))

    # --- the backward pass ---------------------------------------------------------------------

    def backward(self):
        """Add ∂self/∂v to ``v.grad`` for every Value v of the expression, self included.

        Gradients accumulate: a second call adds the same amounts again (``self.grad``
        becomes 2.0), as in PyTorch. Call :meth:`zero_grad` or :func:`zero_grad` in between
        to start afresh. The graph is walked without recursion, so depth is unlimited.

        Examples
        --------
        >>> a = Value(3.0)
        >>> b = a * a
        >>> b.backward(); a.grad
        6.0
        >>> b.backward(); a.grad
        12.0
        """
        # This pass's adjoints live apart from .grad: propagating accumulated grads of
        # inner nodes would count earlier passes again.
        adjoint = {id(self): 1.0}
        for v in reversed(topological_order(self)):
            g = adjoint.pop(id(v), 0.0)
            v.grad += g
            for parent, local in zip(v._parents, v._local_grads):
                # chain rule: ∂L/∂parent += ∂v/∂parent · ∂L/∂v
                adjoint[id(parent)] = adjoint.get(id(parent), 0.0) + local * g

    def zero_grad(self):
        """Set ``grad`` to 0.0 on every Value of the expression, self included.

        Examples
        --------
        >>> a = Value(3.0); b = a * 2; b.backward()
        >>> b.zero_grad(); a.grad, b.grad
        (0.0, 0.0)
        """
        zero_grad(topological_order(self))

    def to_networkx(self):
        """Return the expression as a ``networkx.DiGraph`` (a snapshot of data and grad).

        Returns
        -------
        networkx.DiGraph
            One node ``("value", i)`` per Value, ``i`` its position in
            :func:`topological_order` (self is last), with attributes ``kind="value"``,
            ``label``, ``op``, ``data``, ``grad``. Each non-leaf ``("value", i)`` also has an
            operation node ``("op", i)`` with ``kind="op"``, ``op`` and ``label`` (both the op
            string), an edge ``("op", i) -> ("value", i)``, and one edge from each distinct
            parent value to ``("op", i)`` whose attribute ``positions`` is the tuple of
            argument positions that parent fills (``(0, 1)`` for ``a * a``). The graph
            attribute ``root`` is self's node.

        Examples
        --------
        >>> a = Value(2.0, "a"); b = Value(3.0, "b")
        >>> G = (a * b + a).to_networkx()
        >>> G.number_of_nodes(), G.number_of_edges(), G.graph["root"]
        (6, 6, ('value', 3))
        >>> G.nodes[("op", 3)]["op"], G.nodes[("value", 3)]["data"]
        ('+', 8.0)
        """
        order = topological_order(self)
        index = {id(v): i for i, v in enumerate(order)}
        G = nx.DiGraph(root=("value", len(order) - 1))
        for i, v in enumerate(order):
            G.add_node(("value", i), kind="value", label=v.label, op=v.op, data=v.data,
                       grad=v.grad)
            if not v._parents:
                continue
            G.add_node(("op", i), kind="op", op=v.op, label=v.op)
            G.add_edge(("op", i), ("value", i))
            for position, parent in enumerate(v._parents):
                edge = (("value", index[id(parent)]), ("op", i))
                if G.has_edge(*edge):  # a DiGraph keeps one edge per pair: a * a
                    G.edges[edge]["positions"] += (position,)
                else:
                    G.add_edge(*edge, positions=(position,))
        return G


def topological_order(root):
    """Return every Value `root` depends on, root included, each after all its parents.

    Parameters
    ----------
    root : Value
        The output of the expression (else NeuronsimTypeError).

    Returns
    -------
    list of Value
        Leaves first, `root` last, each once. An explicit stack, not recursion, walks the
        graph, so chains of any depth work.

    Examples
    --------
    >>> a = Value(1.0, "a"); b = Value(2.0, "b")
    >>> c = a * b; c.label = "c"
    >>> [v.label for v in topological_order(c + a)]
    ['a', 'b', 'c', '']
    """
    if not isinstance(root, Value):
        raise NeuronsimTypeError(f"topological_order needs a Value, got {type(root).__name__}")
    order, seen = [], {id(root)}
    # Depth-first post-order: a Value is emitted once its parent iterator is exhausted.
    stack = [(root, iter(root._parents))]
    while stack:
        v, parents = stack[-1]
        for parent in parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append((parent, iter(parent._parents)))
                break
        else:
            stack.pop()
            order.append(v)
    return order


def zero_grad(values):
    """Set ``grad`` to 0.0 on each Value of an iterable.

    Parameters
    ----------
    values : iterable of Value
        If an item is not a Value, NeuronsimTypeError is raised and no grad changes.

    Examples
    --------
    >>> w = [Value(1.0), Value(2.0)]
    >>> (w[0] * w[1]).backward()
    >>> zero_grad(w); [v.grad for v in w]
    [0.0, 0.0]
    """
    values = list(values)
    for i, v in enumerate(values):
        if not isinstance(v, Value):
            raise NeuronsimTypeError(
                f"zero_grad expects Values, got {type(v).__name__} at position {i}")
    for v in values:
        v.grad = 0.0


# ======================= end of the scalar engine =============================================
# The bridge: a network's loss on one case, written as a Value expression: a second oracle
# for backprop, sharing no derivative code with the object engine.

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


def _activation_form(activation, neuron_name):
    """The Value function of `activation`: its own expression, else the built-in form."""
    form = getattr(activation, "expression", None)
    if form is None:
        form = _ACTIVATION_FORMS.get(activation.name)
    if form is None:
        raise ActivationError(
            f"activation {activation.name!r} of neuron {neuron_name!r} has no expression form; "
            "build it with Activation.from_expression")
    return form


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
    # C = −Σ_j t_j log softmax(z)_j, with log Σ_k e^(z_k) = m + log Σ_k e^(z_k − m), m = max z,
    # so no exp sees a positive argument (m is a constant: the sum does not depend on it)
    m = max(zj.data for zj in z)
    log_norm = _total((zj - m).exp() for zj in z).log() + m
    return -_total(tj * (zj - log_norm) for zj, tj in zip(z, t))


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
    if loss.target_range is not None:
        low, high = loss.target_range
        for i, t in enumerate(target):
            if not low <= t <= high:
                raise ValueRangeError(
                    f"target[{i}] = {t} is outside [{low}, {high}] required by loss {loss.name!r}")

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
    a = _activation_form(activation, neuron.name)(z)
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

"""A scalar automatic-differentiation engine: :class:`Value` and its chain rule.

Arithmetic on Values records the expression as a DAG: each result keeps its ``parents``, its
``op`` and the local derivatives ∂result/∂parent, computed beside the forward value.
:meth:`Value.backward` walks the graph output-to-input applying the chain rule
∂L/∂parent += ∂result/∂parent · ∂L/∂result, leaving ∂L/∂v in ``v.grad``.

Numbers handed in (leaf data, plain operands, exponents) must be real and finite. Computed
results follow IEEE floats (``1e200 * 1e200`` is inf) except where Python's math would raise
(0 ** -1, exp(1000), ...): there a :class:`~neuronsim.errors.ValueRangeError` names the operation.

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

from neuronsim._checks import finite_float, shown
from neuronsim.errors import NeuronsimError, NeuronsimTypeError, ValueRangeError

__all__ = ["Value", "topological_order", "zero_grad"]


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
        f"operand of {op!r} must be a Value, int or float, got {type(x).__name__}: {shown(x)}")


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
    _children : tuple of Value, optional
        The seeds' and micrograd's spelling, ``Value(data, _children, _op, label)``: the
        operands `data` was computed from, for code that builds its own expression nodes (see
        Notes). A str in this place is taken as the label: ``Value(2.0, "a")`` is
        ``Value(2.0, label="a")``.
    _op : str, optional
        The operation that made this Value (only with `_children`; "" for a leaf).
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
    parents : tuple of Value
        The operands (read-only; see :attr:`parents`).
    _prev, _op
        Read-only aliases in micrograd's spelling: ``_prev`` is ``frozenset(parents)``, ``_op``
        is ``op``, so a seed's ``trace``/``draw_dot`` helper runs unchanged.

    Raises
    ------
    NeuronsimTypeError
        If `data` is not an int or float (bool is refused too), `_children` is not a
        collection of Values, or `_op` or `label` is not a str.
    ValueRangeError
        If `data` is NaN or infinite.

    Notes
    -----
    Local derivatives are taken when an operation runs: after changing a leaf's ``data``,
    rebuild the expression. Values compare by identity, so they can be dict keys.

    A Value made with `_children` records the graph (for pictures) but knows no local
    derivatives: :meth:`backward` raises NeuronsimError if the gradient has to pass through
    it. Values made by operations (``a * b``, ``v.tanh()``, ...) carry their derivatives.

    Examples
    --------
    >>> x = Value(3.0, label="x")
    >>> y = 2 * x ** 2 - 1 / x + 1
    >>> y.backward()
    >>> round(y.data, 6), round(x.grad, 6)  # dy/dx = 4x + 1/x²
    (18.666667, 12.111111)
    >>> x
    Value(data=3.0, grad=12.11111111111111, label='x')

    The seeds' constructor and attribute names work too:

    >>> a = Value(2.0, label="a"); b = Value(-3.0, label="b")
    >>> e = a * b
    >>> e._op, e._prev == {a, b}
    ('*', True)
    >>> Value(-6.0, (a, b), "*", label="e")._prev == {a, b}
    True
    """

    __slots__ = ("data", "grad", "label", "op", "_parents", "_local_grads")

    def __init__(self, data, _children=(), _op="", label=""):
        if not _is_number(data):
            raise NeuronsimTypeError(
                f"Value data must be an int or float, got {type(data).__name__}: {shown(data)}")
        data = finite_float(data, "Value data")
        if isinstance(_children, str):  # neuronsim's Value(data, "label")
            if label or _op:
                raise NeuronsimTypeError(
                    f"Value's second argument is the label {shown(_children)} or the _children; "
                    "with _op or label= given too, pass _children as a tuple of Values")
            _children, label = (), _children
        if not isinstance(label, str):
            raise NeuronsimTypeError(f"Value label must be a str, got {type(label).__name__}")
        if not isinstance(_op, str):
            raise NeuronsimTypeError(f"Value _op must be a str, got {type(_op).__name__}")
        if isinstance(_children, (bytes, dict)) or not hasattr(_children, "__iter__"):
            raise NeuronsimTypeError(
                f"Value _children must be a tuple of Values, got {type(_children).__name__}")
        parents = tuple(_children)
        for i, parent in enumerate(parents):
            if not isinstance(parent, Value):
                raise NeuronsimTypeError(
                    f"Value _children must hold Values, got {type(parent).__name__} at position {i}")
        self.data, self.grad, self.label, self.op = data, 0.0, label, _op
        # None: operands recorded, local derivatives unknown (backward refuses to pass through)
        self._parents, self._local_grads = parents, (None if parents else ())

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

    @property
    def _prev(self):
        """frozenset of Value: the operands, as micrograd's ``_prev`` (read-only alias).

        Examples
        --------
        >>> a = Value(1.0); b = Value(2.0)
        >>> (a * b)._prev == {a, b}, a._prev
        (True, frozenset())
        """
        return frozenset(self._parents)

    @property
    def _op(self):
        """str: the operation that made this Value, as micrograd's ``_op`` (read-only alias).

        Examples
        --------
        >>> (Value(1.0) + 2)._op, Value(1.0)._op
        ('+', '')
        """
        return self.op

    def _backward(self):
        """Pass this Value's ``grad`` one step back, micrograd style: each operand p gets
        ``p.grad += ∂self/∂p · self.grad``.

        For stepping through backpropagation by hand, one node at a time, as seed 002 does
        (``o.grad = 1.0; o._backward(); n._backward(); ...``). A leaf does nothing.
        :meth:`backward` does the whole walk and never reads ``grad`` of inner nodes.

        Raises
        ------
        NeuronsimError
            This Value was made with ``_children`` and has no local derivatives.

        Examples
        --------
        >>> x = Value(2.0); w = Value(-3.0)
        >>> o = x * w
        >>> o.grad = 1.0; o._backward()
        >>> x.grad, w.grad
        (-3.0, 2.0)
        """
        if self._local_grads is None:
            raise NeuronsimError(_no_derivatives(self))
        for parent, local in zip(self._parents, self._local_grads):
            parent.grad += local * self.grad

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

        Raises
        ------
        NeuronsimError
            The expression holds a Value made with ``_children`` (no local derivatives); no
            ``grad`` changes.

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
        order = topological_order(self)
        for v in order:
            if v._local_grads is None:  # checked first: no grad changes when this fails
                raise NeuronsimError(_no_derivatives(v))
        for v in reversed(order):
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


def _no_derivatives(v):
    name = f" {shown(v.label)}" if v.label else ""
    return (f"Value{name} (data={v.data!r}, op={shown(v.op)}) was made with _children and has no "
            "local derivatives, so gradients cannot pass through it; build it with Value "
            "operations (a + b, a * b, v.tanh(), ...)")


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

"""A scalar automatic-differentiation engine: :class:`Value` and its chain rule.

Arithmetic on Values records the expression as a DAG: each result keeps its ``parents``, its
``op`` and the local derivatives ∂result/∂parent, computed beside the forward value.
:meth:`Value.backward` walks the graph output-to-input applying the chain rule
∂L/∂parent += ∂result/∂parent · ∂L/∂result, leaving ∂L/∂v in ``v.grad``.

Numbers handed in (leaf data, plain operands, exponents) must be real and finite. Computed
results follow IEEE floats (``1e200 * 1e200`` is inf) except where Python's math would raise
(0 ** -1, exp(1000), ...): there a :class:`~neuronsim.errors.ValueRangeError` names the operation.

The bridge, :func:`expression` (module :mod:`neuronsim.autograd.bridge`), writes a network's loss on one case with Values: its
gradients are a second oracle for the network's edge-by-edge backprop.

Examples
--------
>>> a, b, c, f = Value(2.0, "a"), Value(-3.0, "b"), Value(10.0, "c"), Value(-2.0, "f")
>>> L = (a * b + c) * f
>>> L.backward()
>>> L.data, a.grad, b.grad, c.grad, f.grad
(-8.0, 6.0, -4.0, -2.0, 4.0)
"""

from .bridge import NetworkExpression, expression
from .value import Value, topological_order, zero_grad

__all__ = ["Value", "topological_order", "zero_grad", "expression", "NetworkExpression"]

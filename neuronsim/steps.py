"""Step through a pass one neuron (or one edge) at a time.

:func:`forward_steps` and :func:`backward_steps` (also available as ``net.forward_steps(x)`` and
``net.backward_steps(target)``) are generators. Each yields one step object per neuron, in
topological (respectively reverse topological) order, holding the neuron, its terms, their sum,
f′(z) and the resulting a or δ. The neuron's state is written *as its step is yielded*, so a
script can stop half-way and look at a half-propagated network: the neurons already visited
hold this pass's values, the others are untouched.

Exhausting a generator leaves the network exactly as :meth:`Network.forward` /
:meth:`Network.backward` would — the same arithmetic in the same order, bit for bit — and a
pass they refuse is refused by the generators at the step of the culprit, with the same error
(:class:`~neuronsim.errors.NonFiniteError` for a z, a or δ that overflowed, and so on). A
refused backward generator restores the gradients it had accumulated in this pass.

Examples
--------
>>> import neuronsim
>>> net = neuronsim.Network.from_spec([("identity", 2), ("sigmoid", 2), ("sigmoid", 1)], init="constant")
>>> for step in net.forward_steps([1.0, 0.5]):
...     print(step.neuron.name, round(step.a, 4))
x1 1.0
x2 0.5
h1 0.8176
h2 0.8176
o1 0.8369
>>> steps = net.backward_steps([1.0])
>>> first = next(steps)                       # the output neuron: ∂C/∂a × f′(z)
>>> first.neuron.name, round(first.loss_term, 4), round(first.fprime, 4), round(first.delta, 5)
('o1', -0.1631, 0.1365, -0.02227)
>>> net["h1"].delta is None                    # not visited yet
True
"""

import math
from dataclasses import dataclass

from . import _culprits
from ._checks import finite_vector
from .errors import ActivationError, NeuronsimError, NonFiniteError
from .network import Network

__all__ = ["Term", "ForwardStep", "BackwardStep", "EdgeContribution", "forward_steps", "backward_steps"]


@dataclass(frozen=True)
class Term:
    """One link's part of a sum: ``product = weight × value``.

    In a forward step ``neuron`` is the upstream neuron and ``value`` its activation a_i; in a
    backward step ``neuron`` is the downstream neuron and ``value`` its δ_k.
    """

    neuron: object
    weight: float
    value: float
    product: float


@dataclass(frozen=True)
class ForwardStep:
    """One neuron's forward computation: ``z = bias + Σ terms``, ``a = f(z)``.

    For an input neuron ``clamped`` is True, ``terms`` is empty and z = a = the input value.
    """

    neuron: object
    terms: tuple
    bias: float
    z: float
    fprime: float
    a: float
    clamped: bool = False


@dataclass(frozen=True)
class BackwardStep:
    """One neuron's δ: ``delta = fprime × (loss_term + Σ terms)``.

    ``loss_term`` is ∂C/∂a for an output neuron and None otherwise. When ``fused`` is True the
    loss supplies the output's part of δ directly (e.g. softmax(z) − t) and
    ``delta = loss_term + fprime × Σ terms``. ``total`` is Σ terms (plus ``loss_term`` when not
    fused). ``loss`` is the case's loss value.
    """

    neuron: object
    terms: tuple
    loss_term: object
    fused: bool
    total: float
    fprime: float
    delta: float
    loss: float


@dataclass(frozen=True)
class EdgeContribution:
    """In edge-by-edge mode: the link ``neuron → downstream`` adds ``product = w × δ_k`` to the
    running sum of ``neuron``'s δ (``partial_sum`` is the sum so far, this edge included)."""

    neuron: object
    downstream: object
    weight: float
    delta: float
    product: float
    partial_sum: float


def forward_steps(net, x):
    """Yield a :class:`ForwardStep` per neuron in topological order, writing z and a as it goes.

    Parameters
    ----------
    net : Network
    x : sequence of float
        One value per input neuron (validated before the first step).

    Yields
    ------
    ForwardStep

    Examples
    --------
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 1), ("identity", 1)], init="constant")
    >>> [(s.neuron.name, s.z, s.a) for s in net.forward_steps([3.0])]
    [('x1', 3.0, 3.0), ('o1', 3.0, 3.0)]
    """
    plan = net.plan()
    x = finite_vector(x, len(plan.inputs), "input x")
    return _forward_steps(plan, x)


def _forward_steps(plan, x):
    for neuron, value in zip(plan.inputs, x):
        neuron.z = neuron.a = value
        yield ForwardStep(neuron, (), 0.0, value, 1.0, value, clamped=True)
    for neuron, incoming in plan.forward:
        try:  # refused as Network.forward refuses, with the same errors
            bias = neuron._bias
            z = bias
            terms = []
            for src, edge in incoming:
                weight = edge["weight"]
                product = src.a * weight  # same operand order as Network._forward: bit-identical
                terms.append(Term(src, weight, src.a, product))
                z += product
            act = neuron._activation
            neuron.z = z
            neuron.a = a = act.f(z)
            finite = math.isfinite(z + a)
        except Exception as err:
            _culprits.forward_failed(plan, neuron, err)
        if not finite:
            _culprits.forward_not_finite(plan, last=neuron)
        try:
            fprime = act.df(z, a)
        except Exception as err:
            raise ActivationError(f"derivative of activation {act.name!r} of neuron {neuron.name!r} failed "
                                  f"at z = {z!r}: {_culprits.brief(err)}") from err
        yield ForwardStep(neuron, tuple(terms), bias, z, fprime, a)


def backward_steps(net, target, loss="squared_error", *, by_edge=False):
    """Yield a :class:`BackwardStep` per non-input neuron in reverse topological order.

    Each neuron's δ, bias gradient and incoming edges' gradients are written (accumulated, as by
    :meth:`Network.backward`) before its step is yielded.

    Parameters
    ----------
    net : Network
        Must have had a forward pass.
    target : sequence of float
    loss : str or Loss, default "squared_error"
    by_edge : bool, default False
        Also yield an :class:`EdgeContribution` for each downstream link, before the step of the
        neuron whose δ it feeds, to show the δ being accumulated edge by edge.

    Yields
    ------
    BackwardStep or EdgeContribution

    Examples
    --------
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 1), ("tanh", 1), ("sigmoid", 2)], init="constant")
    >>> _ = net.forward([0.5])
    >>> kinds = [type(s).__name__ for s in net.backward_steps([1.0, 0.0], by_edge=True)]
    >>> kinds
    ['BackwardStep', 'BackwardStep', 'EdgeContribution', 'EdgeContribution', 'BackwardStep']
    """
    plan = net.plan()
    if any(neuron.a is None for neuron in plan.order):
        raise NeuronsimError("backward_steps() needs a forward pass first (since the last structural change "
                             "or refused forward pass)")
    loss, fused = net.checked_loss(loss, plan)
    target = net.checked_target(target, loss, plan)
    return _backward_steps(plan, target, loss, fused, by_edge)


def _backward_steps(plan, target, loss, fused, by_edge):
    value, loss_delta = Network._loss_terms(plan, target, loss, fused)
    saved = []  # (neuron, bias_grad, [(edge, grad)]) before this pass: restored if it is refused
    for neuron, incoming, outgoing, out_index in plan.backward:
        try:  # refused as Network.backward refuses, with the same errors
            total = 0.0
            terms, contributions = [], []
            for dst, edge in outgoing:
                weight = edge["weight"]
                product = weight * dst.delta  # same operand order as Network._backward
                total += product
                terms.append(Term(dst, weight, dst.delta, product))
                contributions.append(EdgeContribution(neuron, dst, weight, dst.delta, product, total))
            fprime = neuron._activation.df(neuron.z, neuron.a)
            loss_term = None
            if out_index < 0:
                delta = fprime * total
            elif fused is None:
                loss_term = loss_delta[out_index]
                total = total + loss_term
                delta = fprime * total
            else:
                loss_term = loss_delta[out_index]
                delta = loss_term + fprime * total
            finite = math.isfinite(delta)
        except Exception as err:
            _restore(saved)
            _culprits.backward_failed(plan, neuron, err)
        if not finite:
            neuron.delta = delta
            _restore(saved)
            _culprits.backward_not_finite(plan)
            raise NonFiniteError(f"neuron {neuron.name!r}: δ is {delta}")  # not reached: the walk names it
        if by_edge:
            yield from contributions
        neuron.delta = delta
        saved.append((neuron, neuron.bias_grad, [(edge, edge["grad"]) for _, edge in incoming]))
        neuron.bias_grad += delta
        for src, edge in incoming:
            edge["grad"] += src.a * delta
        yield BackwardStep(neuron, tuple(terms), loss_term, fused is not None, total, fprime, delta, value)


def _restore(saved):
    for neuron, bias_grad, edges in saved:
        neuron.bias_grad = bias_grad
        for edge, grad in edges:
            edge["grad"] = grad

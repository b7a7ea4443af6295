"""Why a pass of the object engine was refused (private: used by network.py and steps.py).

The engine's loops keep one cheap aggregate per pass (a running sum of every z and a, or of
every δ) and run user code (activations, losses) unguarded. Only when the aggregate is not
finite, or the loop raised, do these walks go over the plan to find the first culprit and raise
the project's error naming it:

- a weight in ``net.graph`` (or a bias) that is not a finite real number: the edge (or neuron);
- the first neuron, in the order of the pass, whose z, a or δ is not finite: a
  :class:`~neuronsim.errors.NonFiniteError`;
- an activation or loss that raised or returned something other than real numbers: an
  :class:`~neuronsim.errors.ActivationError` or :class:`~neuronsim.errors.LossError` naming it
  and the neuron, chained to the original exception.

A ``forward_*``/``backward_*`` function either raises or, when the aggregate's alarm was false
(a sum of huge finite values overflowing on its own), returns None.
"""

import math
import numbers

from ._checks import shown
from .errors import ActivationError, LossError, NeuronsimTypeError, NonFiniteError

__all__ = ["forward_failed", "forward_not_finite", "backward_failed", "backward_not_finite",
           "loss_failed", "loss_terms_refused", "brief"]


def _is_real(value):
    # bools are accepted: they compute as 0 and 1 in the loops, which only a failure makes us walk
    return isinstance(value, numbers.Real)


def _finite(value):
    try:
        return _is_real(value) and math.isfinite(value)
    except OverflowError:  # an int beyond the float range
        return False


def _value(value):
    """A real number that is not finite, for a message: 'inf', 'nan', or a huge int, cut short."""
    try:
        return str(float(value))
    except OverflowError:
        return f"{shown(value)} (too large for a float)"


def brief(err):
    """``"TypeError: ..."``: an exception in at most ~200 characters, for a message."""
    text = str(err)
    if len(text) > 200:
        text = text[:197] + "..."
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def _row(row):
    return "" if row is None else f" (input row {row})"


def _weight_error(src, dst, weight, row=""):
    """The error for an edge weight that is not a finite real number, else None."""
    if type(weight) is float and math.isfinite(weight):
        return None
    if not _is_real(weight):
        return NeuronsimTypeError(f"edge {src} -> {dst}: weight in net.graph must be a real number, "
                                  f"got {type(weight).__name__} {shown(weight)}{row}")
    if not _finite(weight):
        return NonFiniteError(f"edge {src} -> {dst}: weight is {_value(weight)} in net.graph{row}")
    return None


def _bias_error(neuron, row=""):
    bias = neuron._bias
    if type(bias) is float and math.isfinite(bias):
        return None
    if not _is_real(bias):
        return NeuronsimTypeError(f"neuron {neuron.name!r}: bias must be a real number, "
                                  f"got {type(bias).__name__} {shown(bias)}{row}")
    if not _finite(bias):
        return NonFiniteError(f"neuron {neuron.name!r}: bias is {_value(bias)}{row}")
    return None


def _invalidate_after(plan, culprit, keep_a=True):
    """A refused forward pass stops at ``culprit``: the neurons after it lose this pass's
    (or an older pass's) z and a, so no backward pass can mix passes; backward then asks for
    a forward pass first."""
    seen = False
    for neuron, _ in plan.forward:
        if seen:
            neuron.z = neuron.a = None
        elif neuron is culprit:
            seen = True
            if not keep_a:
                neuron.a = None


def _forward_walk(plan, row, last=None, last_a=True):
    """(neuron, error) for the first problem of a forward pass, in topological order, up to
    ``last`` (whose a is looked at only with ``last_a``: its activation may not have run), else
    (None, None)."""
    where = _row(row)
    for neuron, incoming in plan.forward:
        for src, edge in incoming:
            err = _weight_error(src.name, neuron.name, edge.get("weight"), where)
            if err is not None:
                return neuron, err
        err = _bias_error(neuron, where)
        if err is not None:
            return neuron, err
        z = neuron.z
        if _is_real(z) and not _finite(z):  # a, b and w are finite here: z overflowed
            return neuron, NonFiniteError(f"neuron {neuron.name!r}: z = b + Σ w·a overflowed to {_value(z)}{where}")
        if neuron is last and not last_a:
            return None, None
        a = neuron.a
        if not _is_real(a):
            act = neuron._activation
            return neuron, ActivationError(
                f"activation {act.name!r} of neuron {neuron.name!r} returned {type(a).__name__} "
                f"{shown(a)} at z = {z!r}{where}; f must return a real number")
        if not _finite(a):
            act = neuron._activation
            return neuron, NonFiniteError(
                f"neuron {neuron.name!r}: a = f(z) is {_value(a)} at z = {shown(z)} (activation {act.name!r}){where}")
        if neuron is last:
            return None, None
    return None, None


def forward_not_finite(plan, row=None, last=None):
    """The aggregate of a forward pass was not finite: raise the error naming the first
    culprit (up to and including ``last``, when given), or return None on a false alarm."""
    culprit, err = _forward_walk(plan, row, last)
    if err is not None:
        _invalidate_after(plan, culprit)
        raise err


def forward_failed(plan, neuron, err, row=None):
    """The forward loop raised ``err`` while at ``neuron``: raise the error explaining it."""
    culprit, found = _forward_walk(plan, row, last=neuron, last_a=False)
    if found is not None:
        _invalidate_after(plan, culprit)
        raise found from err
    _invalidate_after(plan, neuron, keep_a=False)
    act = neuron._activation
    try:  # once more, to tell an activation that raises from one that returns junk
        a = act.f(neuron.z)
    except Exception:
        a = None
    if a is not None and not _is_real(a):
        raise ActivationError(
            f"activation {act.name!r} of neuron {neuron.name!r} returned {type(a).__name__} {shown(a)} "
            f"at z = {shown(neuron.z)}{_row(row)}; f must return a real number") from err
    raise ActivationError(f"activation {act.name!r} of neuron {neuron.name!r} failed at z = "
                          f"{shown(neuron.z)}{_row(row)}: {brief(err)}") from err


def _derivative(neuron):
    """(f′(z), None) from the neuron's activation, or (None, the error explaining why not)."""
    act = neuron._activation
    try:
        fprime = act.df(neuron.z, neuron.a)
    except Exception as err:
        error = ActivationError(f"derivative of activation {act.name!r} of neuron {neuron.name!r} failed "
                                f"at z = {shown(neuron.z)}: {brief(err)}")
        error.__cause__ = err
        return None, error
    if not _is_real(fprime):
        return None, ActivationError(
            f"derivative of activation {act.name!r} of neuron {neuron.name!r} returned "
            f"{type(fprime).__name__} {shown(fprime)} at z = {shown(neuron.z)}; df must return a real number")
    if not _finite(fprime):
        return None, NonFiniteError(f"neuron {neuron.name!r}: f′(z) is {_value(fprime)} at z = {shown(neuron.z)} "
                                    f"(derivative of activation {act.name!r})")
    return fprime, None


def _stale_state(neuron):
    for name in ("z", "a"):
        value = getattr(neuron, name)
        if not _finite(value):
            return NonFiniteError(f"neuron {neuron.name!r}: {name} = {shown(value)} from the last forward "
                                  "pass; run a forward pass that succeeds first")
    return None


def _backward_walk(plan, last=None):
    """(neuron, error) for the first problem of a backward pass, in reverse topological order,
    up to ``last`` (whose δ is not looked at), else (None, None)."""
    for neuron, _, outgoing, _ in plan.backward:
        for dst, edge in outgoing:
            err = _weight_error(neuron.name, dst.name, edge.get("weight"))
            if err is not None:
                return neuron, err
        err = _stale_state(neuron)
        if err is not None:
            return neuron, err
        if neuron is last:
            return None, None
        delta = neuron.delta
        if not _finite(delta):
            _, err = _derivative(neuron)
            if err is None:
                err = NonFiniteError(f"neuron {neuron.name!r}: δ = f′(z) · Σ w·δ overflowed to {shown(delta)}")
            return neuron, err
    return None, None


def backward_not_finite(plan):
    """The aggregate of the δ's was not finite: raise the error naming the first culprit, or
    return None on a false alarm. No gradient has been touched yet."""
    _, err = _backward_walk(plan)
    if err is not None:
        raise err


def backward_failed(plan, neuron, err):
    """The δ loop raised ``err`` while at ``neuron``: raise the error explaining it."""
    _, found = _backward_walk(plan, last=neuron)
    if found is None:
        _, found = _derivative(neuron)
    if found is None:
        act = neuron._activation
        found = ActivationError(f"backward pass failed at neuron {neuron.name!r} "
                                f"(activation {act.name!r}): {brief(err)}")
    raise found from err


def loss_failed(loss, plan, err):
    """The loss's f or df (or fused form) raised ``err``."""
    for neuron in plan.outputs:
        stale = _stale_state(neuron)
        if stale is not None:
            raise stale from err
    names = ", ".join(repr(n.name) for n in plan.outputs)
    raise LossError(f"loss {loss.name!r} failed on output neurons {shown(names)}: {brief(err)}") from err


def loss_terms_refused(loss, plan, value, terms, fused, value_only=False):
    """Raise the error explaining why a loss value or its per-output terms are not usable (not
    real numbers, the wrong count, or not finite), or return None (with ``value_only``, the
    value alone is looked at)."""
    outputs = plan.outputs
    what = "δ term" if fused else "gradient ∂C/∂a"
    if value_only:
        terms = [0.0] * len(outputs)
    try:
        count = len(terms)
    except TypeError:
        raise LossError(f"loss {loss.name!r}: its {what} must be a sequence of {len(outputs)} numbers, "
                        f"got {type(terms).__name__}") from None
    if count != len(outputs):
        raise LossError(f"loss {loss.name!r}: its gradient has {count} values for {len(outputs)} outputs")
    if not _is_real(value):
        raise LossError(f"loss {loss.name!r}: its value must be a real number, got "
                        f"{type(value).__name__} {shown(value)}")
    for neuron, term in zip(outputs, terms):
        if not _is_real(term):
            raise LossError(f"loss {loss.name!r}: its {what} for output neuron {neuron.name!r} must be a "
                            f"real number, got {type(term).__name__} {shown(term)}")
    for neuron in outputs:
        stale = _stale_state(neuron)
        if stale is not None:
            raise stale
    if not _finite(value):
        outs = [n.z if fused else n.a for n in outputs]
        raise NonFiniteError(f"loss {loss.name!r} overflowed to {_value(value)} on outputs "
                             f"{'z' if fused else 'a'} = {shown(outs)}")
    for neuron, term in zip(outputs, terms):
        if not _finite(term):
            raise NonFiniteError(f"loss {loss.name!r}: its {what} for output neuron {neuron.name!r} is {_value(term)}")
    return None

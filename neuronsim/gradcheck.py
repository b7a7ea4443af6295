"""Finite-difference checks of a network's backprop gradients.

:func:`gradcheck` compares every ∂C/∂w and ∂C/∂b computed edge by edge by
:meth:`Network.backward` with the central difference (C(p + ε) − C(p − ε)) / 2ε, and reports the
worst parameter by name. A second oracle, ``oracle="autograd"``, takes the reference from the
scalar Value engine instead (:func:`neuronsim.autograd.expression`): exact up to rounding, so
it can be held to a much tighter tolerance. (For an activation's own (f, f′) pair, see
:func:`neuronsim.activations.check`.)
"""

import math
from dataclasses import dataclass, field

from ._checks import finite_float, network, parameter_name, shown
from .errors import NeuronsimError, NeuronsimTypeError, NonFiniteError, ValueRangeError

__all__ = ["gradcheck", "GradcheckReport"]

ORACLES = ("finite_difference", "autograd", "both")
_REFERENCE_WORDS = {"finite_difference": "finite difference", "autograd": "autograd"}


@dataclass
class GradcheckReport:
    """Outcome of :func:`gradcheck`.

    Attributes
    ----------
    ok : bool
        Every parameter agrees within ``atol + rtol * max(|analytic|, |numeric|)``.
    max_abs_error, max_rel_error : float
    worst : str or tuple
        Key of the parameter with the largest relative error: ``(src, dst)`` for a weight, the
        neuron's name for a bias.
    rows : list of tuple
        ``(key, analytic, numeric, abs_error, rel_error)`` per parameter, in parameter order;
        ``numeric`` is the oracle's reference value.
    oracle : str
        Where the reference came from: "finite_difference" or "autograd".
    reports : dict
        After ``oracle="both"``: each oracle's own report, by name (the fields above then
        describe the oracle that disagrees most, and ``ok`` needs both); else empty.

    Examples
    --------
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 1), ("sigmoid", 1)], seed=0)
    >>> report = gradcheck(net, [1.0], [0.0], oracle="both")
    >>> report.ok, sorted(report.reports)
    (True, ['autograd', 'finite_difference'])
    >>> print(report.describe())
    gradcheck ok: worst ...: backprop ..., finite difference ...; worst ...: backprop ..., autograd ...
    """

    ok: bool
    max_abs_error: float
    max_rel_error: float
    worst: object
    rows: list = field(repr=False)
    oracle: str = "finite_difference"
    reports: dict = field(default_factory=dict, repr=False)

    def __bool__(self):
        return self.ok

    def describe(self):
        """One line naming the worst parameter (per oracle, after ``oracle="both"``).

        Examples
        --------
        >>> import neuronsim
        >>> net = neuronsim.Network.from_spec([("identity", 1), ("sigmoid", 1)], seed=0)
        >>> gradcheck(net, [1.0], [0.0]).describe()
        'gradcheck ok: worst ...: backprop ..., finite difference ... (abs error ..., rel error ...)'
        """
        verdict = "ok" if self.ok else "MISMATCH"
        reports = list(self.reports.values()) or [self]
        return f"gradcheck {verdict}: " + "; ".join(r._worst_phrase() for r in reports)

    def _worst_phrase(self):
        key, analytic, numeric, abs_error, rel_error = next(r for r in self.rows if r[0] == self.worst)
        name = _short_name(key)
        return (f"worst {name}: backprop {analytic:.10g}, {_REFERENCE_WORDS[self.oracle]} "
                f"{numeric:.10g} (abs error {abs_error:.2e}, rel error {rel_error:.2e})")


def gradcheck(net, x, target, loss="squared_error", *, eps=1e-6, rtol=1e-5, atol=1e-8,
              oracle="finite_difference"):
    """Check backprop gradients of one case against central finite differences (or autograd).

    The network is left exactly as it was found: weights, biases and accumulated gradients are
    restored (neuron states z, a, δ are those of the last evaluation).

    Parameters
    ----------
    net : Network
    x, target : sequence of float
    loss : str or Loss, default "squared_error"
    eps : float, default 1e-6
        Finite-difference step.
    rtol, atol : float
        Tolerances of the ``ok`` verdict.
    oracle : {"finite_difference", "autograd", "both"}, default "finite_difference"
        The reference: central finite differences of ``net.loss``; the gradients of the
        loss written as a Value expression (:func:`neuronsim.autograd.expression`: built-in
        losses, and activations that are built in or made by ``Activation.from_expression``),
        which agree with a correct backprop to rounding (``rtol=1e-10`` is fair); or both,
        each held to the same tolerances.

    Returns
    -------
    GradcheckReport

    Raises
    ------
    NeuronsimError
        An unknown `oracle`.
    NonFiniteError
        A pass overflowed (as :meth:`Network.forward` and :meth:`Network.backward` refuse it),
        or a gradient, backprop's or the reference's, is not finite: the message names the
        neuron or the parameter. A check that cannot be made is refused, never reported as a
        mismatch with an error of 0.
    ActivationError, LossError
        With the autograd oracle: an activation or loss that has no expression form.

    Examples
    --------
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 3), ("sigmoid", 1)], seed=0)
    >>> report = gradcheck(net, [0.5, -1.0], [1.0])
    >>> report.ok, report.max_rel_error < 1e-6
    (True, True)
    >>> gradcheck(net, [0.5, -1.0], [1.0], oracle="autograd", rtol=1e-10).ok
    True
    """
    if not isinstance(oracle, str):
        raise NeuronsimTypeError(f"oracle must be a str, got {type(oracle).__name__}")
    if oracle not in ORACLES:
        raise NeuronsimError(f"unknown oracle {shown(oracle)}; known: {', '.join(ORACLES)}")
    network(net, "gradcheck()")
    eps = finite_float(eps, "eps")
    rtol, atol = finite_float(rtol, "rtol"), finite_float(atol, "atol")
    if eps <= 0 or rtol < 0 or atol < 0:
        raise ValueRangeError(f"eps must be > 0 and rtol, atol >= 0; got eps={eps}, rtol={rtol}, atol={atol}")
    if oracle == "both":
        reports = {name: gradcheck(net, x, target, loss, eps=eps, rtol=rtol, atol=atol, oracle=name)
                   for name in ("finite_difference", "autograd")}
        # summarise by the oracle that disagrees most: a failure first, then the larger error
        worst = max(reports.values(), key=lambda r: (not r.ok, r.max_rel_error))
        return GradcheckReport(all(reports.values()), worst.max_abs_error, worst.max_rel_error,
                               worst.worst, worst.rows, worst.oracle, reports)
    saved_params = net.parameters()
    saved_grads = _edge_and_bias_grads(net)
    try:
        net.zero_grad()
        net.forward(x)
        net.backward(target, loss)
        analytic = net.gradients()
        if oracle == "autograd":
            numeric = _autograd_gradients(net, x, target, loss)
        else:
            numeric = _finite_difference_gradients(net, x, target, loss, eps, saved_params)
    finally:
        net.set_parameters(saved_params)
        _restore_grads(net, saved_grads)

    rows, ok = [], True
    for key, a, n in zip(net.parameter_keys(), analytic, numeric):
        for value, what in ((a, "backprop"), (n, _REFERENCE_WORDS[oracle])):
            if not math.isfinite(value):  # never a report of ok=False with an error of 0 or nan
                raise NonFiniteError(f"gradcheck: the {what} gradient of {parameter_name(key)} is {value}")
        abs_error = abs(a - n)
        scale = max(abs(a), abs(n))
        rel_error = abs_error / scale if scale > 0 else 0.0
        ok = ok and abs_error <= atol + rtol * scale
        rows.append((key, a, n, abs_error, rel_error))
    worst = max(rows, key=lambda r: (r[4] if r[3] > atol else 0.0, r[3]))
    return GradcheckReport(ok, max(r[3] for r in rows), max(r[4] for r in rows), worst[0], rows,
                           oracle)


def _short_name(key):
    return f"w[{key[0]}->{key[1]}]" if isinstance(key, tuple) else f"b[{key}]"


def _finite_difference_gradients(net, x, target, loss, eps, saved_params):
    """(C(p + ε) − C(p − ε)) / 2ε for each parameter p (the caller restores the parameters)."""
    numeric = []
    params = list(saved_params)
    keys = net.parameter_keys()
    for i, p in enumerate(saved_params):
        if not (math.isfinite(p + eps) and math.isfinite(p - eps)):
            raise NonFiniteError(f"gradcheck: {parameter_name(keys[i])} = {p} ± eps is not finite")
        params[i] = p + eps
        net.set_parameters(params)
        up = net.loss(x, target, loss)
        params[i] = p - eps
        net.set_parameters(params)
        down = net.loss(x, target, loss)
        params[i] = p
        numeric.append((up - down) / (2.0 * eps))
    return numeric


def _autograd_gradients(net, x, target, loss):
    """∂C/∂p for each parameter p from the loss written as a Value expression."""
    from .autograd import expression  # the core does not lean on autograd at import time

    expr = expression(net, x, target, loss)
    expr.loss.backward()
    return expr.gradients()


def _edge_and_bias_grads(net):
    graph = net.graph
    return ({(u, v): d.get("grad", 0.0) for u, v, d in graph.edges(data=True)},
            {name: graph.nodes[name]["neuron"].bias_grad for name in graph})


def _restore_grads(net, saved):
    edge_grads, bias_grads = saved
    graph = net.graph
    for (u, v), g in edge_grads.items():
        graph.edges[u, v]["grad"] = g
    for name, g in bias_grads.items():
        graph.nodes[name]["neuron"].bias_grad = g

"""Finite-difference checks of a network's backprop gradients.

:func:`gradcheck` compares every ∂C/∂w and ∂C/∂b computed edge by edge by
:meth:`Network.backward` with the central difference (C(p + ε) − C(p − ε)) / 2ε, and reports the
worst parameter by name. (For an activation's own (f, f′) pair, see
:func:`neuronsim.activations.check`.)
"""

from dataclasses import dataclass, field

from ._checks import finite_float
from .errors import ValueRangeError

__all__ = ["gradcheck", "GradcheckReport"]


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
        ``(key, analytic, numeric, abs_error, rel_error)`` per parameter, in parameter order.
    """

    ok: bool
    max_abs_error: float
    max_rel_error: float
    worst: object
    rows: list = field(repr=False)

    def __bool__(self):
        return self.ok

    def describe(self):
        """One line naming the worst parameter."""
        key, analytic, numeric, abs_error, rel_error = next(r for r in self.rows if r[0] == self.worst)
        name = f"w[{key[0]}->{key[1]}]" if isinstance(key, tuple) else f"b[{key}]"
        verdict = "ok" if self.ok else "MISMATCH"
        return (f"gradcheck {verdict}: worst {name}: backprop {analytic:.10g}, finite difference "
                f"{numeric:.10g} (abs error {abs_error:.2e}, rel error {rel_error:.2e})")


def gradcheck(net, x, target, loss="squared_error", *, eps=1e-6, rtol=1e-5, atol=1e-8):
    """Check backprop gradients of one case against central finite differences.

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

    Returns
    -------
    GradcheckReport

    Examples
    --------
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 3), ("sigmoid", 1)], seed=0)
    >>> report = gradcheck(net, [0.5, -1.0], [1.0])
    >>> report.ok, report.max_rel_error < 1e-6
    (True, True)
    """
    eps = finite_float(eps, "eps")
    if eps <= 0:
        raise ValueRangeError(f"eps must be > 0, got {eps}")
    saved_params = net.parameters()
    saved_grads = _edge_and_bias_grads(net)
    try:
        net.zero_grad()
        net.forward(x)
        net.backward(target, loss)
        analytic = net.gradients()
        numeric = []
        params = list(saved_params)
        for i, p in enumerate(saved_params):
            params[i] = p + eps
            net.set_parameters(params)
            up = net.loss(x, target, loss)
            params[i] = p - eps
            net.set_parameters(params)
            down = net.loss(x, target, loss)
            params[i] = p
            numeric.append((up - down) / (2.0 * eps))
    finally:
        net.set_parameters(saved_params)
        _restore_grads(net, saved_grads)

    rows, ok = [], True
    for key, a, n in zip(net.parameter_keys(), analytic, numeric):
        abs_error = abs(a - n)
        scale = max(abs(a), abs(n))
        rel_error = abs_error / scale if scale > 0 else 0.0
        ok = ok and abs_error <= atol + rtol * scale
        rows.append((key, a, n, abs_error, rel_error))
    worst = max(rows, key=lambda r: (r[4] if r[3] > atol else 0.0, r[3]))
    return GradcheckReport(ok, max(r[3] for r in rows), max(r[4] for r in rows), worst[0], rows)


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

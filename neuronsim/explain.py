"""Explanations: each neuron's equations written out with the network's actual numbers.

:func:`explain` (``net.explain(name, kind)``) turns the state left by the last forward/backward
pass into the equation that produced it, e.g.::

    δ[h1] = f′(z=0.31)=0.2436 × (w[h1→o1]=0.5 × δ[o1]=0.1212 + w[h1→o2]=-0.2 × δ[o2]=0.03) = 0.0133

in plain text (default), markdown or LaTeX. :func:`summary` (``net.summary()``, ``print(net)``)
is a table of every neuron's z, a, δ, bias and bias gradient and every link's weight and gradient.

The numbers are read now: after an optimizer step has changed the weights, an explanation of the
previous pass shows the new weights.
"""

from ._checks import shown
from .errors import NeuronsimError, NeuronsimTypeError, TopologyError

__all__ = ["explain", "summary"]

_KINDS = ("delta", "activation", "grad", "bias")


class _Text:
    times, arrow, prime = " × ", "→", "f′"

    def __init__(self, precision):
        self.precision = precision

    def num(self, value):
        return f"{value + 0.0:.{self.precision}g}"  # + 0.0: a negative zero is written 0

    def sym(self, letter, name):
        return f"{letter}[{name}]"

    def weight(self, src, dst):
        return f"w[{src}{self.arrow}{dst}]"

    def partial(self, wrt):
        return f"∂C/∂{wrt}"

    def eq(self, symbol, value):
        return f"{symbol}={self.num(value)}"

    def line(self, lhs, rhs, result):
        return f"{lhs} = {rhs} = {self.num(result)}"


class _Markdown(_Text):
    def line(self, lhs, rhs, result):
        return f"**{lhs}** = {rhs} = **{self.num(result)}**"


class _Latex(_Text):
    times, arrow, prime = r" \times ", r"\to ", "f'"

    def num(self, value):
        text = f"{value + 0.0:.{self.precision}g}"
        if "e" in text:
            mantissa, exponent = text.split("e")
            text = rf"{mantissa} \cdot 10^{{{int(exponent)}}}"
        return text

    def sym(self, letter, name):
        letter = {"δ": r"\delta", "a": "a", "b": "b", "z": "z"}[letter]
        return rf"{letter}_{{\mathrm{{{name}}}}}"

    def weight(self, src, dst):
        return rf"w_{{\mathrm{{{src}}} \to \mathrm{{{dst}}}}}"

    def partial(self, wrt):
        return rf"\frac{{\partial C}}{{\partial {wrt}}}"

    def eq(self, symbol, value):
        return f"{symbol}{{=}}{self.num(value)}"


_FORMATS = {"text": _Text, "markdown": _Markdown, "latex": _Latex}


def explain(net, name, kind="delta", fmt="text", precision=4):
    """The equation behind a neuron's δ or activation, or an edge's or bias's gradient.

    Parameters
    ----------
    net : Network
    name : str or (str, str)
        A neuron name, or ``(src, dst)`` for an edge (implies ``kind="grad"``).
    kind : {"delta", "activation", "grad", "bias"}
        ``"delta"``: δ_j = f′(z_j) × (∂C/∂a_j + Σ_k w_jk δ_k); ``"activation"``:
        a_j = f(b_j + Σ_i w_ij a_i); ``"grad"``: ∂C/∂w_ij = a_i × δ_j; ``"bias"``: ∂C/∂b_j = δ_j.
    fmt : {"text", "markdown", "latex"}
    precision : int
        Significant digits of every number.

    Returns
    -------
    str

    Raises
    ------
    TopologyError
        Unknown neuron or edge.
    NeuronsimError
        The pass it explains has not run yet, or an input neuron's δ is asked for.

    Examples
    --------
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 1), ("sigmoid", 2), ("sigmoid", 1)], init="constant")
    >>> _ = net.forward([1.0]); _ = net.backward([1.0])
    >>> print(net.explain("o1"))
    δ[o1] = ∂C/∂a=-0.1881 × f′(z=1.462)=0.1527 = -0.02874
    >>> print(net.explain("h1"))
    δ[h1] = f′(z=1)=0.1966 × (w[h1→o1]=1 × δ[o1]=-0.02874) = -0.00565
    >>> print(net.explain(("x1", "h1")))
    ∂C/∂w[x1→h1] = a[x1]=1 × δ[h1]=-0.00565 = -0.00565
    >>> print(net.explain("o1", kind="activation", fmt="latex"))
    a_{\\mathrm{o1}} = \\mathrm{sigmoid}(b_{\\mathrm{o1}}{=}0 + w_{\\mathrm{h1} \\to \\mathrm{o1}}{=}1 \\times a_{\\mathrm{h1}}{=}0.7311 + w_{\\mathrm{h2} \\to \\mathrm{o1}}{=}1 \\times a_{\\mathrm{h2}}{=}0.7311) = \\mathrm{sigmoid}(1.462) = 0.8119
    """
    if isinstance(name, tuple):
        kind = "grad"
    if kind not in _KINDS:
        raise NeuronsimError(f"kind must be one of {', '.join(_KINDS)}; got {shown(kind)}")
    if fmt not in _FORMATS:
        raise NeuronsimError(f"fmt must be one of {', '.join(_FORMATS)}; got {shown(fmt)}")
    if isinstance(precision, bool) or not isinstance(precision, int) or precision < 1:
        raise NeuronsimTypeError(f"precision must be a positive integer, got {shown(precision)}")
    f = _FORMATS[fmt](precision)
    if kind == "grad":
        if not (isinstance(name, tuple) and len(name) == 2):
            raise NeuronsimTypeError(f"kind='grad' needs an edge (src, dst), got {shown(name)}")
        return _explain_grad(net, f, *name)
    neuron = net[name]
    if kind == "activation":
        return _explain_activation(net, f, neuron)
    if kind == "bias":
        delta = _delta_of(net, neuron)
        return f.line(f.partial(f.sym("b", neuron.name)), f.eq(f.sym("δ", neuron.name), delta), delta)
    return _explain_delta(net, f, neuron)


def _delta_of(net, neuron):
    if neuron in net.inputs:
        raise NeuronsimError(f"neuron {shown(neuron.name)} is an input: inputs are clamped and have no δ")
    if neuron.delta is None:
        raise NeuronsimError(f"neuron {shown(neuron.name)} has no δ yet: run forward() and backward() first")
    return neuron.delta


def _explain_delta(net, f, neuron):
    delta = _delta_of(net, neuron)
    terms = [f"{f.eq(f.weight(neuron.name, dst.name), w)}{f.times}{f.eq(f.sym('δ', dst.name), dst.delta)}"
             for dst, w in neuron.downstream]
    fprime = f.eq(f"{f.prime}(" + f.eq("z", neuron.z) + ")", neuron.activation.df(neuron.z, neuron.a))
    lhs = f.sym("δ", neuron.name)
    outputs = net.outputs
    if neuron in outputs:
        last = net.plan().last_loss
        if last is None:
            raise NeuronsimError(f"neuron {shown(neuron.name)}: no backward pass since the last structural change")
        loss_term = last.output_terms[outputs.index(neuron)]
        if last.fused:
            own = f.eq(f.partial("z") + f" ({last.loss.name})", loss_term)
            if not terms:
                return f.line(lhs, own, delta)
            return f.line(lhs, f"{own} + {fprime}{f.times}(" + " + ".join(terms) + ")", delta)
        terms.insert(0, f.eq(f.partial("a"), loss_term))
        if len(terms) == 1:
            return f.line(lhs, f"{terms[0]}{f.times}{fprime}", delta)
    if not terms:
        return f.line(lhs, f"{fprime}{f.times}0 (no downstream links)", delta)
    return f.line(lhs, f"{fprime}{f.times}(" + " + ".join(terms) + ")", delta)


def _explain_activation(net, f, neuron):
    lhs = f.sym("a", neuron.name)
    if neuron.a is None:
        raise NeuronsimError(f"neuron {shown(neuron.name)} has no activation yet: run forward() first")
    if neuron in net.inputs:
        return f"{lhs} = {f.num(neuron.a)} (input, clamped)"
    terms = [f.eq(f.sym("b", neuron.name), neuron.bias)]
    terms += [f"{f.eq(f.weight(src.name, neuron.name), w)}{f.times}{f.eq(f.sym('a', src.name), src.a)}"
              for src, w in neuron.upstream]
    act = neuron.activation.name
    if isinstance(f, _Latex):
        act = rf"\mathrm{{{act}}}"
    return f.line(lhs, f"{act}(" + " + ".join(terms) + f") = {act}({f.num(neuron.z)})", neuron.a)


def _explain_grad(net, f, src, dst):
    net.weight(src, dst)  # raises TopologyError for an unknown edge
    upstream, downstream = net[src], net[dst]
    delta = _delta_of(net, downstream)
    if upstream.a is None:
        raise NeuronsimError(f"neuron {shown(src)} has no activation yet: run forward() first")
    value = upstream.a * delta
    text = f.line(f.partial(f.weight(src, dst)),
                  f"{f.eq(f.sym('a', src), upstream.a)}{f.times}{f.eq(f.sym('δ', dst), delta)}", value)
    accumulated = net.graph.edges[src, dst]["grad"]
    if accumulated != value:
        text += f" (accumulated over cases: {f.num(accumulated)})"
    return text


def summary(net, precision=4, max_rows=None):
    """A table of every neuron's z, a, δ, bias, bias gradient and every link's weight and gradient.

    ``max_rows`` caps the neuron rows and the edge rows shown (``print(net)`` shows 40 of each).

    Examples
    --------
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 1), ("tanh", 1)], init="constant")
    >>> _ = net.forward([0.5]); _ = net.backward([1.0])
    >>> print(summary(net))
    Network: 2 neurons, 1 edges; inputs: x1; outputs: o1
    neuron  activation             z           a       delta        bias   bias_grad
    x1      identity             0.5         0.5           -           -           -
    o1      tanh                 0.5      0.4621      -0.423           0      -0.423
    edge              weight        grad
    x1 -> o1               1     -0.2115
    """
    if isinstance(precision, bool) or not isinstance(precision, int) or precision < 1:
        raise NeuronsimTypeError(f"precision must be a positive integer, got {shown(precision)}")
    if max_rows is not None and (isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1):
        raise NeuronsimTypeError(f"max_rows must be None or a positive integer, got {shown(max_rows)}")

    def cell(value):
        return "-" if value is None else f"{value:.{precision}g}"

    def more(count, what):
        return f"... {count} more {what} (summary(max_rows=None) lists all)"

    try:
        inputs = {n.name for n in net.inputs}
        io = (f"; inputs: {', '.join(n.name for n in net.inputs)}"
              f"; outputs: {', '.join(n.name for n in net.outputs)}")
    except TopologyError:
        inputs, io = set(), ""
    neurons = net.neurons
    n_edges = net.graph.number_of_edges()
    limit = len(neurons) if max_rows is None else max_rows
    width = max([6] + [len(n.name) for n in neurons[:limit]]) + 2
    lines = [f"Network: {len(neurons)} neurons, {n_edges} edges{io}",
             f"{'neuron':<{width}}{'activation':<12}" + "".join(
                 f"{h:>12}" for h in ("z", "a", "delta", "bias", "bias_grad"))]
    for n in neurons[:limit]:
        clamped = n.name in inputs
        values = (n.z, n.a, n.delta, None if clamped else n.bias, None if clamped else n.bias_grad)
        lines.append(f"{n.name:<{width}}{n.activation.name:<12}" + "".join(f"{cell(v):>12}" for v in values))
    if len(neurons) > limit:
        lines.append(more(len(neurons) - limit, "neurons"))
    limit = n_edges if max_rows is None else max_rows
    edges = [(f"{src} -> {dst}", data["weight"], data.get("grad"))
             for (src, dst, data), _ in zip(net.graph.edges(data=True), range(limit))]
    if edges:
        ewidth = max(12, max(len(label) for label, _, _ in edges) + 2)
        lines.append(f"{'edge':<{ewidth}}{'weight':>12}{'grad':>12}")
        lines += [f"{label:<{ewidth}}{cell(w):>12}{cell(g):>12}" for label, w, g in edges]
    if n_edges > limit:
        lines.append(more(n_edges - limit, "edges"))
    return "\n".join(lines)

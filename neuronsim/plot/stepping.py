"""Watch backpropagation happen: one picture per step of a forward and backward pass.

:func:`animate_steps` runs one case through the network with the step generators
(:func:`neuronsim.steps.forward_steps`, :func:`neuronsim.steps.backward_steps`) and turns every
step into a frame of a matplotlib animation: the topology (drawn by
:func:`~neuronsim.plot.topology`, the same layered layout) with the current neuron ringed, the
links it reads drawn bold, the values known so far written on the neurons, and the step's
equation in numbers, as :meth:`Network.explain <neuronsim.Network.explain>` writes it.
:func:`steps_html` writes the same frames into one self-contained HTML page to step through
with buttons, a slider or the arrow keys.

The frames, in order:

- ``start``: the case, nothing computed yet (every neuron grey);
- ``forward``, one per neuron in topological order (inputs first: clamped): its incoming links
  bold, neurons coloured by their activation a once it is known;
- ``edge`` (only with ``by_edge=True``), one per link k → j before neuron j's backward step: the
  link bold, the running sum Σ w_jk δ_k that makes δ_j;
- ``backward``, one per non-input neuron in reverse topological order: its outgoing links bold,
  neurons coloured by δ as each becomes known;
- ``end``: every δ and ∂C/∂w known; the loss, and the largest gradient's equation.

The pass is run once, up front, on the network itself: afterwards the network holds exactly what
``forward(x)`` then ``backward(target, loss)`` leave (z, a and δ of this case, gradients
accumulated onto the ones already there), unless ``preserve=True`` puts back every z, a, δ and
gradient it held before. The frames are drawn afterwards, from numbers kept per step, on a
private copy of the network.
"""

import base64
import html
import io
import math
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.animation import FuncAnimation
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import Normalize

from .._atomic import atomic_write
from .._checks import checked_real, finite_vector, shown
from .._html import STYLE, names_text, state_table
from ..errors import NeuronsimError, NeuronsimTypeError
from ..explain import _Latex, _Text, explain
from ..steps import EdgeContribution, backward_steps, forward_steps
from . import _checks
from .animation import _save, _writer
from .layout import layered_layout, skip_arcs
from .topology import EDGE_CMAP, EDGE_QUANTITIES, NODE_QUANTITIES, _limit, topology

__all__ = ["StepFrame", "StepAnimation", "animate_steps", "steps_html", "step_frames"]

ACCENT = "#1a9e3f"
"""Colour of the ring around the current neuron and of the links its step reads."""
KINDS = ("start", "forward", "edge", "backward", "end")
"""The kinds of :class:`StepFrame`, in the order they come."""
MAX_FRAMES = 150
"""Default cap of :func:`steps_html`: above it the page keeps every equation but no per-step picture."""
_STYLE_KEYS = ("layout", "labels", "values", "edge_cmap", "seed")
_SUMMARY_ROWS = 200  # rows of each part of the page's net.summary()
_EQUATION_LINES = 4   # lines of the equation panel; longer equations are cut there (the page has them whole)


@dataclass(frozen=True)
class StepFrame:
    """One frame of a step-through: what is drawn and written, as numbers and text.

    Attributes
    ----------
    index : int
        Position in the sequence (0 is ``start``).
    kind : {"start", "forward", "edge", "backward", "end"}
    neuron : str or None
        The ringed neuron (None for ``start`` and ``end``).
    links : tuple of (str, str)
        The links drawn bold: a forward step's incoming links, a backward step's outgoing links,
        an edge step's one link.
    title : str
        One line saying what the step does.
    equation : str
        The step's equation in numbers, as plain text: ``net.explain(neuron, kind="activation")``
        for a forward step, ``net.explain(neuron)`` for a backward step.
    latex : str
        The same equation in LaTeX (``fmt="latex"``), drawn with matplotlib's mathtext when
        asked for (``mathtext=True``); '' for the start frame.
    forward_done, backward_done : int
        How many forward steps (neurons whose a is known) and backward steps (neurons whose δ is
        known) are complete in this frame.
    """

    index: int
    kind: str
    neuron: object
    links: tuple
    title: str
    equation: str
    latex: str
    forward_done: int
    backward_done: int


# --- running the pass -----------------------------------------------------------------------

class _Run:
    """The frames of one case plus what drawing them needs: the order of the steps, every
    neuron's final z, a and δ, a private copy of the network to draw, and the table (HTML) of the
    state after the pass."""

    def __init__(self, frames, forward_order, backward_order, final, template, table, loss_name):
        self.frames, self.forward_order, self.backward_order = frames, forward_order, backward_order
        self.final, self.template, self.table, self.loss_name = final, template, table, loss_name


def _snapshot(net):
    """Everything a pass writes: each neuron's z, a, δ, bias gradient; each link's gradient; the
    loss terms explanations read."""
    neurons = [(n, n.z, n.a, n.delta, n.bias_grad) for n in net.neurons]
    grads = [(data, data.get("grad", 0.0)) for _, _, data in net.graph.edges(data=True)]
    plan = net.plan()
    return neurons, grads, plan, plan.last_loss


def _restore(saved):
    neurons, grads, plan, last_loss = saved
    for neuron, z, a, delta, bias_grad in neurons:
        neuron.z, neuron.a, neuron.delta, neuron.bias_grad = z, a, delta, bias_grad
    for data, grad in grads:
        data["grad"] = grad
    plan.last_loss = last_loss


def _run(net, x, target, loss, by_edge, preserve, precision, what):
    """Run the case step by step on ``net`` and record a :class:`StepFrame` per step."""
    _checks.network(net, what)
    _flag(by_edge, f"{what}: by_edge")
    _flag(preserve, f"{what}: preserve")
    if isinstance(precision, bool) or not isinstance(precision, int) or not 1 <= precision <= 17:
        raise NeuronsimTypeError(f"{what}: precision must be an integer from 1 to 17, got {shown(precision)}")
    plain, latex = _Text(precision), _Latex(precision)
    # the whole case is checked before the first step: a refused target must not cost a forward pass
    plan = net.plan()
    x = finite_vector(x, len(plan.inputs), "input x")
    loss_checked, _ = net.checked_loss(loss, plan)
    target = net.checked_target(target, loss_checked, plan)
    saved = _snapshot(net) if preserve else None
    try:
        steps = forward_steps(net, x)
        inputs = [n.name for n in plan.inputs]
        start = (f"x = ({', '.join(plain.num(v) for v in x)}) clamped on {names_text(inputs)}; "
                 f"target t = ({', '.join(plain.num(v) for v in target)})")
        frames = [StepFrame(0, "start", None, (), "start: one case, nothing computed yet", start, "", 0, 0)]
        forward_order, backward_order = [], []
        for step in steps:
            name = step.neuron.name
            forward_order.append(name)
            links = tuple((term.neuron.name, name) for term in step.terms)
            rule = "input clamped" if step.clamped else "a = f(b + Σ w·a)"
            frames.append(StepFrame(len(frames), "forward", name, links,
                                     f"forward {len(forward_order)}/{len(net)}: {name}, {rule}",
                                     explain(net, name, "activation", precision=precision),
                                     explain(net, name, "activation", fmt="latex", precision=precision),
                                     len(forward_order), 0))
        n_backward = len(net) - len(inputs)
        loss_value, loss_name = math.nan, loss_checked.name
        for item in backward_steps(net, target, loss, by_edge=by_edge):
            if isinstance(item, EdgeContribution):
                name, dst = item.neuron.name, item.downstream.name
                frames.append(StepFrame(len(frames), "edge", name, ((name, dst),),
                                         f"backward: δ[{name}] gathers link {name}→{dst}",
                                         _edge_text(plain, item), _edge_text(latex, item),
                                         len(forward_order), len(backward_order)))
                continue
            name = item.neuron.name
            backward_order.append(name)
            loss_value = item.loss
            links = tuple((name, term.neuron.name) for term in item.terms)
            if item.loss_term is None:
                rule = "f′(z) × Σ w·δ"
            elif item.fused:  # the loss gives the output's δ directly (e.g. σ(z) − t)
                rule = "∂C/∂z" + (" + f′(z) × Σ w·δ" if item.terms else "")
            else:
                rule = "f′(z) × " + ("(∂C/∂a + Σ w·δ)" if item.terms else "∂C/∂a")
            frames.append(StepFrame(len(frames), "backward", name, links,
                                     f"backward {len(backward_order)}/{n_backward}: δ[{name}] = {rule}",
                                     explain(net, name, precision=precision),
                                     explain(net, name, fmt="latex", precision=precision),
                                     len(forward_order), len(backward_order)))
        frames.append(_end_frame(net, len(frames), loss_value, loss_name, precision,
                                 len(forward_order), len(backward_order)))
        final = {n.name: (n.z, n.a, n.delta) for n in net.neurons}
        # the neurons as a table, then print(net)'s text with every link's weight and ∂C/∂w
        table = (state_table(net, precision=precision) + "<details><summary>every link's weight and ∂C/∂w "
                 f"(net.summary())</summary><pre>{html.escape(net.summary(precision, _SUMMARY_ROWS))}</pre></details>")
    finally:
        if saved is not None:
            _restore(saved)
    return _Run(frames, forward_order, backward_order, final, net.copy(), table, loss_name)


def _edge_text(f, item):
    """A link's part of a δ: the term w × δ_k and the running sum so far."""
    name, dst = item.neuron.name, item.downstream.name
    term = f"{f.eq(f.weight(name, dst), item.weight)}{f.times}{f.eq(f.sym('δ', dst), item.delta)}"
    if isinstance(f, _Latex):
        return (rf"\Sigma_{{{f.sym('δ', name)}}} {{+}}{{=}} {term} = {f.num(item.product)};\quad "
                rf"\Sigma_{{{f.sym('δ', name)}}} = {f.num(item.partial_sum)}")
    return f"Σ for δ[{name}] += {term} = {f.num(item.product)}; running sum Σ = {f.num(item.partial_sum)}"


def _end_frame(net, index, loss_value, loss_name, precision, forward_done, backward_done):
    title = f"done: loss C = {loss_value:.{precision}g} ({loss_name}); every δ and ∂C/∂w known"
    edges = list(net.graph.edges(data=True))
    if not edges:
        return StepFrame(index, "end", None, (), title, title, "", forward_done, backward_done)
    # this case's gradient of each link: a_i δ_j (the accumulated one may hold earlier cases)
    src, dst, _ = max(edges, key=lambda e: abs(net[e[0]].a * net[e[1]].delta))
    title += f"; the largest |∂C/∂w| is w[{src}→{dst}]'s"
    return StepFrame(index, "end", None, ((src, dst),), title, explain(net, (src, dst), precision=precision),
                      explain(net, (src, dst), fmt="latex", precision=precision), forward_done, backward_done)


_MATHRM = re.compile(r"\\mathrm\{([^{}]*)\}")
_WORDS = re.compile(r"\(([a-z]+(?:[ ,:]+[a-z]+)+:?)")    # (input, clamped  (accumulated over cases:
_NAME = re.compile(r"\(([A-Za-z][A-Za-z0-9_]*)\)")      # a loss name: (softmax_cross_entropy)


def _mathtext(latex):
    """explain()'s LaTeX made safe for matplotlib's mathtext, or '' when mathtext cannot parse
    it (unusual names): the plain text is drawn then."""
    if not latex:
        return ""
    text = _WORDS.sub(lambda m: r"(\mathrm{" + m.group(1).replace(" ", r"\ ") + "}", latex)
    text = _NAME.sub(lambda m: r"(\mathrm{" + m.group(1) + "})", text)
    text = _MATHRM.sub(lambda m: r"\mathrm{" + re.sub(r"(?<!\\)_", r"\\_", m.group(1)) + "}", text)
    from matplotlib.mathtext import MathTextParser

    try:
        for line in _split_terms(text):
            MathTextParser("path").parse(f"${line}$")
    except Exception:  # noqa: BLE001 - any parse failure means: draw the plain text
        return ""
    return text


def _split_terms(text):
    """``text`` cut before each " + " outside braces (the terms of a sum)."""
    parts, depth, last, i = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        depth += (c == "{") - (c == "}")
        if depth == 0 and text.startswith(" + ", i):
            parts.append(text[last:i])
            last = i + 1  # the next part starts with "+ "
            i += 3
            continue
        i += 1
    parts.append(text[last:])
    return parts


def _wrapped(frame, width_chars, mathtext):
    """The equation panel's text: lines of whole terms, at most ``_EQUATION_LINES`` of them; in
    mathtext when asked for and when mathtext can parse it, else explain()'s plain text."""
    plain_parts = _split_terms(frame.equation)
    latex = _mathtext(frame.latex) if mathtext else ""
    latex_parts = _split_terms(latex) if latex else []
    math = bool(latex_parts) and len(latex_parts) == len(plain_parts)
    lines, plain_line, shown_line = [], "", ""
    for k, part in enumerate(plain_parts):
        piece = latex_parts[k] if math else part.replace("$", r"\$")
        if plain_line and len(plain_line) + len(part) > width_chars:
            lines.append(shown_line)
            plain_line, shown_line = "", ""
        plain_line += (" " if plain_line else "") + part
        shown_line += (" " if shown_line else "") + piece
    lines.append(shown_line)
    if len(lines) > _EQUATION_LINES:
        more = len(lines) - _EQUATION_LINES + 1
        lines = lines[:_EQUATION_LINES - 1] + [rf"\ldots\ {more}\ more\ lines" if math else f"… {more} more lines"]
    return "\n".join(f"${line.strip()}$" if math else line.strip() for line in lines)


# --- drawing --------------------------------------------------------------------------------

class StepAnimation(FuncAnimation):
    """The :class:`~matplotlib.animation.FuncAnimation` :func:`animate_steps` returns.

    It shows itself in a notebook as matplotlib's JavaScript player (:meth:`to_jshtml`; showing
    it closes its figure, so that the notebook does not also show a still of it), and
    keeps ``neuronsim_frames`` (a list of :class:`StepFrame`), ``neuronsim_figure`` and
    ``neuronsim_draw(i)`` (draws frame i on the figure).
    """

    def _repr_html_(self):
        import matplotlib.pyplot as plt

        page = self.to_jshtml(default_mode="once")
        plt.close(self.neuronsim_figure)  # the player is the picture: no still of the figure too
        return page


def _figure(run, style, mathtext):
    """The figure, its axes and ``draw(i)`` for the frames of ``run``."""
    import matplotlib.pyplot as plt

    template = run.template
    layout = style.get("layout", "layered")
    positions = layered_layout(template) if layout == "layered" else None
    xs = np.array([x for x, _ in (positions or {0: (0.0, 0.0)}).values()])
    columns = len(np.unique(xs))
    rows = max(int(np.sum(xs == x)) for x in np.unique(xs))
    topo_w = float(np.clip(1.9 * columns + 1.0, 5.0, 12.0)) if positions else 6.5
    topo_h = float(np.clip(0.55 * rows + 0.8, 2.6, 9.0)) if positions else 4.5
    panel_h, title_h, bars_w = 1.2, 0.4, 2.95
    width, height = topo_w + bars_w, topo_h + panel_h + title_h
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes([0.1 / width, panel_h / height, topo_w / width, topo_h / height])

    # fixed colour scales over the whole pass: a colour means the same number in every frame
    final = run.final
    weights = np.array([w for *_, w in template.edges()], dtype=float)
    edge_limit = _limit(weights) if len(weights) else 1.0
    a_values = np.array([a for _, a, _ in final.values() if a is not None], dtype=float)
    a_low, a_high = (float(a_values.min()), float(a_values.max())) if len(a_values) else (0.0, 1.0)
    if a_high - a_low < 1e-12:
        a_low, a_high = a_low - 0.5, a_high + 0.5
    d_values = np.array([d for _, _, d in final.values() if d is not None], dtype=float)
    d_limit = _limit(d_values)
    bars = [(Normalize(-edge_limit, edge_limit), style.get("edge_cmap", EDGE_CMAP), EDGE_QUANTITIES["weight"][1]),
            (Normalize(a_low, a_high), NODE_QUANTITIES["activation"][1], "activation a (forward)"),
            (Normalize(-d_limit, d_limit), NODE_QUANTITIES["delta"][1], "δ = ∂C/∂z (backward)")]
    for k, (norm, cmap, label) in enumerate(bars):
        left = (topo_w + 0.25 + 0.86 * k) / width
        cax = fig.add_axes([left, (panel_h + 0.25) / height, 0.12 / width, (topo_h - 0.5) / height])
        cmap = colormaps[cmap] if isinstance(cmap, str) else cmap
        bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), cax=cax)
        bar.set_label(label, fontsize=8)
        bar.ax.tick_params(labelsize=7)
    title = fig.text(0.1 / width, 1 - 0.12 / height, "", fontsize=11, va="top", weight="bold")
    equation = fig.text(0.15 / width, (panel_h - 0.12) / height, "", fontsize=10.5, va="top")
    width_chars = int(width * 72 / (10.5 * 0.6))
    topology_style = {k: v for k, v in style.items() if k != "edge_cmap"}
    topology_style.setdefault("values", True)
    edge_cmap = style.get("edge_cmap", EDGE_CMAP)
    arcs = None

    def draw(i):
        nonlocal arcs
        frame = run.frames[i]
        forward_known = set(run.forward_order[:frame.forward_done])
        backward_known = set(run.backward_order[:frame.backward_done])
        for neuron in template.neurons:
            z, a, delta = final[neuron.name]
            known = neuron.name in forward_known
            neuron.z, neuron.a = (z, a) if known else (None, None)
            neuron.delta = delta if neuron.name in backward_known else None
        backward = frame.kind in ("edge", "backward", "end")
        ax.clear()
        topology(template, ax=ax, node_color="delta" if backward else "activation", colorbar=False,
                 edge_limit=edge_limit, node_limits=(-d_limit, d_limit) if backward else (a_low, a_high),
                 edge_cmap=edge_cmap, **topology_style)
        drawn = ax.neuronsim_artists
        if arcs is None:
            arcs = skip_arcs(template.graph, drawn["positions"]) if layout == "layered" else {}
        _bold_links(ax, frame.links, drawn["positions"], arcs)
        ring = None
        if frame.neuron is not None:
            diameter = float(np.sqrt(drawn["nodes"].get_sizes()[0]))
            x, y = drawn["positions"][frame.neuron]
            ring = ax.scatter([x], [y], s=(diameter + 10) ** 2, facecolors="none", edgecolors=ACCENT,
                              linewidths=3.0, zorder=3.5, clip_on=False)
            ring.neuronsim_name = frame.neuron
        drawn["ring"] = ring
        title.set_text(f"{frame.index}/{len(run.frames) - 1}  {frame.title}")
        equation.set_text(_wrapped(frame, width_chars, mathtext))
        equation.neuronsim_equation = frame.equation
        return []

    return fig, ax, draw


def _bold_links(ax, links, positions, arcs):
    straight = [(positions[u], positions[v]) for u, v in links if (u, v) not in arcs]
    curved = [arcs[(u, v)] for u, v in links if (u, v) in arcs]
    if straight:
        ax.add_collection(LineCollection(straight, colors=ACCENT, linewidths=3.6, zorder=2.8,
                                         capstyle="round"), autolim=False)
    if curved:
        ax.add_collection(PathCollection(curved, facecolors="none", edgecolors=ACCENT, linewidths=3.6,
                                         zorder=2.8, transform=ax.transData), autolim=False)


def _checked_style(style):
    unknown = sorted(set(style) - set(_STYLE_KEYS))
    if unknown:
        raise NeuronsimError(f"unknown style option(s) {', '.join(map(repr, unknown))}; "
                             f"known: {', '.join(_STYLE_KEYS)}")
    return style


def _flag(value, what):
    if not isinstance(value, bool):
        raise NeuronsimTypeError(f"{what} must be True or False, got {shown(value)}")
    return value


def _positive(value, what):
    return checked_real(value, what, 0.0, open_low=True)


def step_frames(net, x, target, loss="squared_error", *, by_edge=False, preserve=False, precision=4):
    """The frames of a step-through, as :class:`StepFrame` records (nothing is drawn).

    Runs the case on ``net`` as :func:`animate_steps` does (see there for the parameters, the
    errors and what the network holds afterwards).

    Returns
    -------
    list of StepFrame
        ``start``, then one per step in the order the pass takes them, then ``end``.

    Examples
    --------
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 1), ("sigmoid", 1)], init="constant")
    >>> [(f.kind, f.neuron) for f in step_frames(net, [2.0], [1.0])]
    [('start', None), ('forward', 'x1'), ('forward', 'o1'), ('backward', 'o1'), ('end', None)]
    >>> step_frames(net, [2.0], [1.0])[2].equation
    'a[o1] = sigmoid(b[o1]=0 + w[x1→o1]=1 × a[x1]=2) = sigmoid(2) = 0.8808'
    """
    return _run(net, x, target, loss, by_edge, preserve, precision, "step_frames()").frames


def animate_steps(net, x, target, loss="squared_error", *, by_edge=False, path=None, fps=2, dpi=80,
                  preserve=False, precision=4, mathtext=False, **style):
    """Animate one forward and backward pass, one frame per step, with each step's equation.

    Parameters
    ----------
    net : Network
    x : sequence of float
        The case's input, one value per input neuron (what the neurons see: scaled already).
    target : sequence of float
        One value per output neuron.
    loss : str or Loss, default "squared_error"
    by_edge : bool, default False
        Also a frame per link feeding each δ (the δ gathered edge by edge), before that
        neuron's backward frame.
    path : str or Path, optional
        Also save there: ``.gif`` (Pillow; written atomically, looping) or ``.mp4`` (needs
        ffmpeg); the suffix is checked before anything runs. The figure is closed after saving.
    fps : float, default 2
    dpi : float, default 80
        Resolution of the saved file.
    preserve : bool, default False
        Put back, after the pass, every z, a, δ and gradient the network held before the call.
        By default the network is left exactly as ``net.forward(x); net.backward(target, loss)``
        leave it (gradients accumulated).
    precision : int, default 4
        Significant digits of the equations.
    mathtext : bool, default False
        Typeset the equations with matplotlib's mathtext (``explain(fmt="latex")``: subscripts,
        fractions), about 0.2 s more per frame; by default they are written as
        :meth:`~neuronsim.Network.explain` writes them, in plain text. An equation mathtext
        cannot parse (unusual neuron names) is written in plain text.
    **style
        ``layout``, ``labels``, ``values`` (default True: the values known so far written under
        the neurons), ``edge_cmap``, ``seed``, as for :func:`~neuronsim.plot.topology`.

    Returns
    -------
    StepAnimation
        A :class:`~matplotlib.animation.FuncAnimation` of ``len(steps) + 2`` frames (see the
        module docstring), shown in a notebook by matplotlib's own ``to_jshtml`` player. Its
        ``neuronsim_frames`` are the :class:`StepFrame` records; ``neuronsim_draw(i)`` draws
        frame i on ``neuronsim_figure``, whose Axes has ``neuronsim_artists["ring"]``, the ring
        around the current neuron (its ``neuronsim_name``), or None.

    Raises
    ------
    NeuronsimTypeError
        ``net`` is not a Network; ``by_edge``/``preserve`` not a bool; a bad ``precision``.
    NeuronsimError
        An unknown style option, or a ``path`` that is not .gif / .mp4.
    ShapeError, ValueRangeError, NonFiniteError, LossError
        The case is refused, as ``forward``/``backward`` refuse it.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 2), ("sigmoid", 2), ("sigmoid", 1)], init="constant")
    >>> anim = animate_steps(net, [1.0, 0.5], [1.0], by_edge=True)
    >>> len(anim.neuronsim_frames)              # start + 5 forward + 2 edges + 3 backward + end
    12
    >>> [(f.kind, f.neuron) for f in anim.neuronsim_frames[6:11]]
    [('backward', 'o1'), ('edge', 'h2'), ('backward', 'h2'), ('edge', 'h1'), ('backward', 'h1')]
    >>> _ = anim.neuronsim_draw(10)             # the δ of h1
    >>> anim.neuronsim_figure.axes[0].neuronsim_artists["ring"].neuronsim_name
    'h1'
    >>> anim.neuronsim_frames[10].equation == net.explain("h1")
    True
    >>> import matplotlib.pyplot as plt; plt.close(anim.neuronsim_figure)
    """
    fps = _positive(fps, "fps")
    writer = None if path is None else _writer(path, fps)
    dpi = _positive(dpi, "dpi")
    style = _checked_style(style)
    mathtext = _flag(mathtext, "animate_steps(): mathtext")
    run = _run(net, x, target, loss, by_edge, preserve, precision, "animate_steps()")
    fig, _, draw = _figure(run, style, mathtext)
    animation = StepAnimation(fig, draw, frames=len(run.frames), interval=1000.0 / fps, blit=False,
                              repeat=False, cache_frame_data=False)
    animation.neuronsim_figure = fig
    animation.neuronsim_frames = run.frames

    def draw_frame(i):
        artists = draw(i)
        animation._draw_was_started = True  # a frame is drawn: matplotlib's "deleted unrendered" warning is moot
        return artists

    animation.neuronsim_draw = draw_frame
    if path is not None and Path(path).suffix.lower() == ".gif":
        _save_gif(fig, draw_frame, len(run.frames), path, fps, dpi)
    elif path is not None:
        _save(animation, path, writer, dpi)
    return animation


def _save_gif(fig, draw, count, path, fps, dpi):
    """Every frame drawn once (matplotlib's own writers draw each twice on Agg) into a looping
    GIF, written atomically; the figure is closed afterwards."""
    import matplotlib.pyplot as plt

    try:
        fig.set_dpi(dpi)
        pictures = []
        for i in range(count):
            draw(i)
            pictures.append(_picture(fig))
    finally:
        plt.close(fig)
    first, rest = pictures[0], pictures[1:]
    atomic_write(path, lambda file: first.save(file, format="GIF", save_all=True, append_images=rest,
                                               duration=round(1000 / fps), loop=0))
    return Path(path)


# --- the page -------------------------------------------------------------------------------

_PAGE_STYLE = """
[hidden]{display:none !important}
body{margin:0;font-family:sans-serif;color:#202020;background:#fff}
#frames img{display:block;max-width:100%;height:auto}
main{padding:6px 14px 24px}
nav{display:flex;align-items:center;gap:10px;margin:6px 0 10px}
nav input{flex:1;max-width:520px}
.step h2{font-size:15px;margin:4px 0}
.step pre{white-space:pre-wrap;font-size:14px;background:#f4f6f4;border-left:4px solid #1a9e3f;
  padding:6px 10px;margin:4px 0}
h2.state{font-size:15px;margin:16px 0 4px}
footer{font-size:11px;color:#707070;margin-top:14px}
"""

_SCRIPT = """
(function () {
  var frames = document.querySelectorAll("#frames img"), steps = document.querySelectorAll("#steps .step");
  var slider = document.getElementById("slider"), counter = document.getElementById("counter");
  var n = steps.length, current = 0;
  function show(i) {
    i = Math.max(0, Math.min(n - 1, i | 0));
    for (var k = 0; k < n; k++) { steps[k].hidden = k !== i; }
    if (frames.length === n) { for (var k = 0; k < n; k++) { frames[k].hidden = k !== i; } }
    slider.value = i; counter.textContent = "step " + i + " of " + (n - 1); current = i;
    try { history.replaceState(null, "", "#step=" + i); } catch (e) {}
  }
  function fromHash() { var m = /step=(\\d+)/.exec(location.hash); show(m ? parseInt(m[1], 10) : 0); }
  document.getElementById("prev").onclick = function () { show(current - 1); };
  document.getElementById("next").onclick = function () { show(current + 1); };
  slider.oninput = function () { show(parseInt(slider.value, 10)); };
  document.addEventListener("keydown", function (e) {
    if (e.target === slider) { return; }
    if (e.key === "ArrowLeft") { show(current - 1); e.preventDefault(); }
    if (e.key === "ArrowRight") { show(current + 1); e.preventDefault(); }
  });
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();
"""


def _picture(fig):
    """The figure, drawn at its own dpi, as a Pillow image of at most 256 colours (a third of the
    full-colour PNG, and indistinguishable on these pictures)."""
    from PIL import Image  # matplotlib's own dependency

    fig.canvas.draw()
    width, height = fig.canvas.get_width_height(physical=True)
    picture = Image.frombuffer("RGBA", (width, height), bytes(fig.canvas.buffer_rgba()), "raw", "RGBA", 0, 1)
    return picture.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE)


def _png(fig):
    buffer = io.BytesIO()
    _picture(fig).save(buffer, format="png")
    return buffer.getvalue()


def _data_uri(png):
    """A PNG as a data: URI whose text never holds the letters "http" in a row (base64 could,
    by chance): a newline splits them, and browsers drop newlines from URLs."""
    text = base64.b64encode(png).decode("ascii")
    return "data:image/png;base64," + re.sub(r"(?i)(ht)(tp)", "\\1\n\\2", text)


def steps_html(net, x, target, path=None, loss="squared_error", *, by_edge=False, preserve=False, dpi=80,
               max_frames=MAX_FRAMES, precision=4, mathtext=False, title=None, **style):
    """A self-contained HTML page to step through one forward and backward pass.

    One file that needs nothing else: a picture per step (inline PNG: the frames of
    :func:`animate_steps`), Previous/Next buttons, a slider and the left/right arrow keys, each
    step's equation as copyable text, and the state after the pass: a table of every neuron's z,
    a, δ and bias, and ``net.summary()`` with every link's weight and ∂C/∂w (up to 200 rows of
    each). The page reads ``#step=N`` from its address (``page.html#step=7`` opens at step 7) and
    keeps it current as you step. It holds no link to anything outside itself.

    Parameters
    ----------
    net, x, target, loss, by_edge, preserve, precision, mathtext, **style
        As for :func:`animate_steps` (the network is left as after ``forward`` + ``backward``
        unless ``preserve=True``).
    path : str or Path, optional
        Write the page there (atomically: an existing file is replaced whole or not at all).
    dpi : float, default 80
        Resolution of the pictures (a 4-5-3 network: 22 frames, ~0.75 MB; with ``by_edge=True``
        37 frames, ~1.2 MB).
    max_frames : int, default 150
        Above this many steps the page keeps every step's equation but only one picture, of the
        state after the pass, and a :class:`UserWarning` says so: a picture costs 15-60 kB and
        ~0.1 s to draw, so a network of a few hundred neurons would make a page of tens of
        megabytes. Raise it to have every picture anyway.
    title : str, optional
        The page's title (default: "neuronsim: backpropagation step by step").

    Returns
    -------
    str
        The page (also written to ``path`` when given).

    Raises
    ------
    As :func:`animate_steps`; FileFormatError or NeuronsimError when ``path`` cannot be written.

    Examples
    --------
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 2), ("sigmoid", 1)], init="constant")
    >>> page = steps_html(net, [1.0, 0.5], [1.0])
    >>> page.count('class="step"'), "http" in page, net.explain("o1") in page
    (6, False, True)
    """
    dpi = _positive(dpi, "dpi")
    if isinstance(max_frames, bool) or not isinstance(max_frames, int) or max_frames < 1:
        raise NeuronsimTypeError(f"max_frames must be a positive integer, got {shown(max_frames)}")
    if title is not None and not isinstance(title, str):
        raise NeuronsimTypeError(f"title must be a string, got {type(title).__name__}")
    style = _checked_style(style)
    mathtext = _flag(mathtext, "steps_html(): mathtext")
    run = _run(net, x, target, loss, by_edge, preserve, precision, "steps_html()")
    frames = run.frames
    pictures = len(frames) <= max_frames
    if not pictures:
        warnings.warn(f"steps_html: {len(frames)} steps exceed max_frames={max_frames}: the page has every "
                      "step's equation but one picture only, of the state after the pass "
                      "(raise max_frames for a picture per step)", UserWarning, stacklevel=2)
    import matplotlib.pyplot as plt

    fig, ax, draw = _figure(run, style, mathtext)
    images = []
    try:
        fig.set_dpi(dpi)
        for i in range(len(frames)) if pictures else [len(frames) - 1]:
            draw(i)
            png = _png(fig)
            ring = ax.neuronsim_artists["ring"]
            spot = ""
            if ring is not None:  # where the ring is in the picture, in its pixels from the top left
                px, py = ax.transData.transform(ring.get_offsets()[0])
                spot = f' data-ring="{px:.0f} {fig.bbox.height - py:.0f}"'
            images.append((i, spot, png))
    finally:
        plt.close(fig)
    page = _page(run, images, title or "neuronsim: backpropagation step by step", pictures, max_frames)
    if path is not None:
        atomic_write(path, lambda file: file.write(page.encode("utf-8")))
    return page


def _page(run, images, title, pictures, max_frames):
    from .. import __version__  # at call time: the package is complete by then
    frames = run.frames
    esc = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{esc(title)}</title><style>{_PAGE_STYLE}</style>{STYLE}</head><body>",
             '<div id="frames">']
    for i, spot, png in images:
        parts.append(f'<img data-step="{i}"{spot} alt="{esc(frames[i].title)}" src="{_data_uri(png)}">')
    parts.append("</div><main>")
    if not pictures:
        parts.append(f"<p>{len(frames)} steps: more than {max_frames}, so the picture is the state after the "
                     "pass; every step's equation is below.</p>")
    parts.append('<nav><button id="prev" type="button">&#9664; Previous</button>'
                 f'<input id="slider" type="range" min="0" max="{len(frames) - 1}" value="0" '
                 'aria-label="step"><button id="next" type="button">Next &#9654;</button>'
                 f'<span id="counter">step 0 of {len(frames) - 1}</span></nav><div id="steps">')
    for frame in frames:
        neuron = "" if frame.neuron is None else f' data-neuron="{esc(frame.neuron)}"'
        parts.append(f'<section class="step" id="step-{frame.index}" data-kind="{frame.kind}"{neuron}>'
                     f"<h2>{frame.index}. {esc(frame.title)}</h2><pre>{esc(frame.equation)}</pre></section>")
    parts.append('</div><h2 class="state">After the pass</h2>')
    parts.append(run.table)
    parts.append(f"<footer>written by neuronsim {esc(__version__)}; keys: ← →; "
                 "the address #step=N opens step N</footer></main>")
    parts.append(f"<script>{_SCRIPT}</script></body></html>")
    return "\n".join(parts)

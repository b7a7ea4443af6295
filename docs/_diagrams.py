"""Diagrams drawn with matplotlib while the site builds (no graphviz, no network access).

``conf.py`` calls :func:`draw_all` when the builder starts; the pictures go to ``docs/_generated``
(not kept in git), where the guide's pages find them.
"""

from pathlib import Path

GENERATED = Path(__file__).resolve().parent / "_generated"

# colours of the kinds of box: the network, the seam it offers, the modules that use the seam
_NETWORK, _SEAM, _USER, _ENGINE = "#dbe9f6", "#fde9c8", "#e4f2e0", "#efe3f4"


def pass_seam(path):
    """The pass seam in one picture: who drives a pass, through which calls, into what."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    fig, ax = plt.subplots(figsize=(10.5, 6.9), dpi=110)
    ax.set_xlim(0, 105)
    ax.set_ylim(0, 69)
    ax.axis("off")
    boxes = {}

    def box(key, x, y, w, h, title, lines, colour):
        ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.4,rounding_size=1.2",
                                    facecolor=colour, edgecolor="#555555", linewidth=1))
        ax.text(x + w / 2, y + h - 2.2, title, ha="center", va="top", fontsize=9.5, weight="bold")
        ax.text(x + w / 2, y + h - 5.6, "\n".join(lines), ha="center", va="top", fontsize=8,
                family="monospace", linespacing=1.35)
        boxes[key] = (x, y, w, h)

    def arrow(start, end, fs=0.5, fe=0.5, label=None):
        """An arrow from the top of box ``start`` (at fraction ``fs`` of its width) to the bottom
        of box ``end`` (at fraction ``fe``), with an optional label beside its middle."""
        (x0, y0, w0, h0), (x1, y1, w1, h1) = boxes[start], boxes[end]
        a, b = (x0 + fs * w0, y0 + h0 + 0.5), (x1 + fe * w1, y1 - 0.5)
        ax.annotate("", xy=b, xytext=a, arrowprops=dict(arrowstyle="-|>", color="#444444", lw=1.1,
                                                        shrinkA=0, shrinkB=0))
        if label:
            ax.text((a[0] + b[0]) / 2 + 0.8, (a[1] + b[1]) / 2, label, fontsize=7.5, style="italic",
                    color="#444444", va="center")

    box("network", 22, 56, 61, 11, "Network: the graph is the truth",
        ["net.graph: a Neuron per node (bias, z, a, delta),", "weight and grad per edge"], _NETWORK)

    box("plan", 1, 36, 33, 15, "net.plan() -> Plan",
        ["walk order, inputs, outputs,", "plan.key (changes with the", "structure), refs into graph"],
        _SEAM)
    box("object", 36, 36, 33, 15, "object-engine pass",
        ["net.checked_loss(loss, plan)", "net.checked_target(t, loss)", "Network.run_forward(plan, x)",
         "Network.run_backward(plan, t, ...)"], _SEAM)
    box("fast", 71, 36, 33, 15, "net.compile() -> FastEngine",
        ["ensure_compiled()  loss_forms()", "run_batch(XT, YT, loss, vf)", "evaluate_batch(...)",
         "write_params()  pull()  push()"], _SEAM)

    box("steps", 1, 15, 33, 14, "step through and explain",
        ["steps.forward_steps", "steps.backward_steps", "explain, init.apply,", "plot.stepping"], _USER)
    box("engines", 36, 15, 68, 14, "training's engines (_engines): one protocol",
        ["prepare(plan, loss) -> (loss, fused)    batch(rows, loss, fused, outputs)",
         "values()  grads()  write(values)  evaluate(X, Y, ...)  sync()  resync()",
         "object: run_forward / run_backward     fast: run_batch",
         "torch: the to_torch module (run_batch names a culprit)"],
        _ENGINE)
    box("train", 36, 0.5, 68, 9.5, "train(net, X, Y, engine='object' | 'fast' | 'torch')",
        ["net.plan() before every batch; engine.prepare() again when it changed"], _USER)

    arrow("plan", "network", 0.5, 0.1, "checks the graph")
    arrow("object", "network", 0.5, 0.5, "z, a, delta, grad")
    arrow("fast", "network", 0.5, 0.9, "pull / push")
    arrow("steps", "plan", 0.5, 0.5)
    arrow("steps", "object", 0.9, 0.15, "the same arithmetic")
    arrow("engines", "object", 0.25, 0.6)
    arrow("engines", "fast", 0.8, 0.5)
    arrow("train", "engines", 0.5, 0.5)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)


def draw_all(app=None):
    """Draw every diagram into :data:`GENERATED` (a Sphinx ``builder-inited`` handler)."""
    GENERATED.mkdir(exist_ok=True)
    pass_seam(GENERATED / "pass_seam.png")

"""Pictures of training: loss curves and |δ| per layer over time (animations: :mod:`.animation`).

Plotting never trains: these read a History or a Recorder.
"""

import numpy as np
from matplotlib import colormaps

from ..errors import NeuronsimError, NeuronsimTypeError
from . import _checks

__all__ = ["loss", "deltas"]

LAYER_CMAP = "viridis"  # layers by depth: inputs dark, outputs light


def loss(history, ax=None, *, log=False, metrics=False, best=None):
    """Training and validation loss per epoch.

    Parameters
    ----------
    history : History, dict or sequence of float
        A :class:`neuronsim.History` (or anything with ``loss`` and optionally
        ``val_loss``, ``metrics``, ``val_metrics``), its ``to_dict()``, or the losses alone.
    ax : matplotlib.axes.Axes, optional
    log : bool, default False
        Logarithmic loss axis (losses that fall by orders of magnitude).
    metrics : bool, default False
        Also draw the recorded metrics (e.g. accuracy) on a second y axis at the right.
    best : bool, optional
        Mark the epoch of the lowest validation loss (training loss without validation);
        by default only when there is a validation loss.

    Returns
    -------
    matplotlib.axes.Axes
        The loss axes (the metrics axes, when drawn, is its twin ``ax.neuronsim_metrics_ax``).
        The legend sits outside the axes, at their right (beyond the metrics axis), so it never
        covers a curve; a figure made here (``ax`` None) is sized and laid out to hold it.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> ax = loss({"loss": [1.0, 0.5, 0.25], "val_loss": [1.1, 0.7, 0.6]}, log=True)
    >>> [line.get_label() for line in ax.get_lines()][:2], ax.get_yscale()
    (['training', 'validation'], 'log')
    """
    _checks.axes(ax)
    record = _as_record(history)
    train_loss = np.asarray(record["loss"], dtype=float)
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.figure(figsize=(7.2 if metrics else 6.6, 3.8), layout="constrained").add_subplot()
    epochs = np.arange(1, len(train_loss) + 1)
    ax.plot(epochs, train_loss, color="C0", linewidth=1.8, label="training")
    val_loss = np.asarray(record.get("val_loss") or [], dtype=float)
    if len(val_loss):
        ax.plot(np.arange(1, len(val_loss) + 1), val_loss, color="C1", linewidth=1.8, label="validation")
    monitored = val_loss if len(val_loss) else train_loss
    if best is None:
        best = bool(len(val_loss))
    if best and len(monitored) and np.isfinite(monitored).any():
        at = int(np.nanargmin(monitored))
        ax.plot(at + 1, monitored[at], "o", color="C1" if len(val_loss) else "C0", markersize=6,
                markeredgecolor="white", label=f"best: epoch {at + 1}", zorder=3)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.grid(True, alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    right = None
    if metrics and (record.get("metrics") or record.get("val_metrics")):
        right = ax.twinx()
        styles = [("metrics", "-", ""), ("val_metrics", "--", "validation ")]
        for k, (key, style, prefix) in enumerate(styles):
            for j, (name, values) in enumerate(sorted((record.get(key) or {}).items())):
                right.plot(np.arange(1, len(values) + 1), values, style, color=f"C{2 + j}", linewidth=1.2,
                           alpha=0.85, label=f"{prefix}{name}")
        right.set_ylabel("metric")
        more_handles, more_labels = right.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
        ax.neuronsim_metrics_ax = right
    if len(epochs) == 1:
        ax.set_xlim(0.5, 1.5)
    _legend_beside(ax, handles, labels, right)
    return ax


def deltas(recorder, ax=None, *, by="layer", log=True, reduce="mean_abs"):
    """|δ| over training, per layer (Nielsen's picture of vanishing gradients) or per neuron.

    Parameters
    ----------
    recorder : Recorder
        One that recorded ``"delta"``.
    ax : matplotlib.axes.Axes, optional
    by : {"layer", "neuron"}, default "layer"
        One line per layer (δ reduced over its neurons), or one per neuron, coloured by layer.
    log : bool, default True
        Logarithmic |δ| axis: layers often differ by orders of magnitude.
    reduce : {"mean_abs", "max_abs", "norm"}, default "mean_abs"
        How a layer's δ are combined (see :meth:`Recorder.by_layer`).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    NeuronsimError
        δ was not recorded, nothing was recorded yet, or an unknown ``by``.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 1), ("sigmoid", 2), ("sigmoid", 1)], seed=0)
    >>> rec = neuronsim.Recorder(net, quantities=("delta",))
    >>> for target in (0.0, 1.0, 0.0):
    ...     _ = net.forward([1.0]); _ = net.backward([target]); rec.record()
    >>> ax = deltas(rec)
    >>> [line.get_label() for line in ax.get_lines()]     # the input layer has no δ
    ['1: h1, h2', '2: o1']
    """
    _checks.axes(ax)
    if by not in ("layer", "neuron"):
        raise NeuronsimError(f"by must be 'layer' or 'neuron', got {by!r}")
    if "delta" not in recorder.quantities:
        raise NeuronsimError(f"deltas() needs a Recorder of 'delta'; this one recorded "
                             f"{', '.join(recorder.quantities)}")
    if not len(recorder):
        raise NeuronsimError("the Recorder holds no records yet")
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.figure(figsize=(7.0, 3.8), layout="constrained").add_subplot()
    steps = recorder.steps
    layers = recorder.layers
    colour = [colormaps[LAYER_CMAP](0.85 * g / max(len(layers) - 1, 1)) for g in range(len(layers))]
    if by == "layer":
        per_layer = recorder.by_layer("delta", reduce)
        for name, values in per_layer.items():
            g = per_layer.depth[name]
            if np.isfinite(values).any():
                ax.plot(steps, values, color=colour[g], linewidth=1.8, marker="o" if len(steps) < 30 else None,
                        markersize=3, label=f"{g}: {_short(layers[g])}")
        ylabel = {"mean_abs": "mean |δ|", "max_abs": "max |δ|", "norm": "‖δ‖"}.get(reduce, reduce)
    else:
        values = np.abs(recorder.array("delta"))
        column = {name: i for i, name in enumerate(recorder.neurons)}
        thin = max(0.4, 1.5 - 0.01 * len(column))
        for g, names in enumerate(layers):
            shown = [n for n in names if np.isfinite(values[:, column[n]]).any()]
            for k, name in enumerate(shown):
                ax.plot(steps, values[:, column[name]], color=colour[g], linewidth=thin, alpha=0.8,
                        label=f"{g}: {_short(names)}" if k == 0 else "_nolegend_")
        ylabel = "|δ|"
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("epoch" if recorder.per == "epoch" else "batch")
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    # beside the plot: the lines of a deep network fill every corner
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0, title="layer",
              title_fontsize=8)
    return ax


def _legend_beside(ax, handles, labels, right=None):
    """The legend outside the axes, at the right (beyond the ``right`` twin axis' ticks and label).

    Inside, any corner may hold a curve (``loc="best"`` sees only one of two twin axes and still
    covers lines when every corner is used); outside, the legend never hides data.
    """
    from matplotlib.transforms import ScaledTranslation

    gap = 4.0  # points between the axes (or the twin axis' label) and the legend
    if right is not None:
        # how far the twin axis' ticks and label reach beyond the axes, measured in points, so
        # it holds however a layout engine later resizes the axes
        fig = ax.figure
        try:
            renderer = fig.canvas.get_renderer()
        except AttributeError:  # a canvas that cannot measure text: allow for typical tick labels
            gap += 48.0
        else:
            reach = right.get_tightbbox(renderer).x1 - ax.get_window_extent(renderer).x1
            gap += max(float(reach), 0.0) * 72.0 / fig.dpi
    shift = ScaledTranslation(gap / 72.0, 0.0, ax.figure.dpi_scale_trans)
    return ax.legend(handles, labels, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0),
                     bbox_transform=ax.transAxes + shift, borderaxespad=0.0)


def _as_record(history):
    """A dict with ``loss`` (and maybe ``val_loss``, ``metrics``, ``val_metrics``)."""
    if isinstance(history, dict):
        record = dict(history)
    elif hasattr(history, "loss"):
        record = {key: getattr(history, key, None) for key in ("loss", "val_loss", "metrics", "val_metrics")}
    elif hasattr(history, "__len__") and not isinstance(history, str):
        record = {"loss": list(history)}
    else:
        raise NeuronsimTypeError(f"expected a History, a dict with 'loss' or a list of losses, "
                                 f"got {type(history).__name__}")
    if record.get("loss") is None:
        raise NeuronsimError("the history has no 'loss'")
    return record


def _short(names, limit=3):
    """'h1, h2, h3' or 'h1_1 … h1_30 (30)' for a legend."""
    if len(names) <= limit:
        return ", ".join(names)
    return f"{names[0]} … {names[-1]} ({len(names)})"

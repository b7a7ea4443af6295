"""What a 2-input network computes over the input plane: decision regions and per-neuron maps.

:func:`decision_boundary` colours the plane by the network's output (binary) or its winning
output (several classes) and puts the data on top; :func:`activation_maps` draws every neuron's
activation over the plane as small multiples, the picture the TensorFlow Playground made
familiar. Both run the network forward over a grid of points with the object engine and put
each neuron's z, a and δ back afterwards: a plot never changes what the user sees on the net.
"""

import math
from contextlib import contextmanager

import numpy as np
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import ListedColormap, Normalize

from ..errors import NeuronsimError, NeuronsimTypeError, ShapeError, TopologyError
from . import _checks

__all__ = ["decision_boundary", "activation_maps", "preserved_state"]

BINARY_CMAP = "RdBu"                # class 0 (low output) red, class 1 (high output) blue
CLASS_COLOURS = "tab10"             # qualitative: one hue per class
ACTIVATION_CMAP = "RdBu_r"          # activation maps: negative blue, positive red, 0 white
_SYMMETRIC_OUTPUTS = {"tanh": (-1.0, 1.0), "softsign": (-1.0, 1.0)}
_UNIT_OUTPUTS = {"sigmoid": (0.0, 1.0)}


@contextmanager
def preserved_state(net):
    """Run a block that may forward the network, then put every neuron's z, a and δ back.

    Examples
    --------
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 1), ("sigmoid", 1)], init="constant")
    >>> _ = net.forward([0.0])
    >>> with preserved_state(net):
    ...     _ = net.forward([5.0])
    >>> net["o1"].a
    0.5
    """
    neurons = [data["neuron"] for _, data in net.graph.nodes(data=True)]
    saved = [(n.z, n.a, n.delta) for n in neurons]
    try:
        yield net
    finally:
        for neuron, (z, a, delta) in zip(neurons, saved):
            neuron.z, neuron.a, neuron.delta = z, a, delta


def decision_boundary(net, X, y=None, ax=None, *, resolution=200, margin=0.15, threshold=None,
                      class_names=None, colorbar=True, legend=True, extent=None):
    """Colour the input plane by what a 2-input network decides, with the data on top.

    One output neuron: a filled contour of the output, the decision line where it crosses
    the threshold (0.5 for a sigmoid output, 0 for tanh), and a colorbar. Several outputs: each
    point of the plane takes the colour of its largest output (the predicted class), with the
    region borders drawn.

    Parameters
    ----------
    net : Network
        Two input neurons.
    X : array_like, shape (n, 2)
        The data; the plane spans its range plus ``margin`` of it on each side.
    y : array_like, optional
        Classes of the rows: integer labels (n,), a 0/1 (or ±1) column (n, 1), or one-hot
        targets (n, k). Without it the points are drawn black.
    ax : matplotlib.axes.Axes, optional
    resolution : int, default 200
        Grid points per side.
    margin : float, default 0.15
    threshold : float, optional
        Binary decision threshold (default: halfway between the network's
        :attr:`~neuronsim.Network.class_targets` when it has them, else 0.5, or 0 for a
        tanh/softsign output or ±1 targets), as :meth:`~neuronsim.Network.predict_classes` cuts.
    class_names : sequence of str, optional
        Legend names of the classes (default "class 0", "class 1", ...).
    colorbar, legend : bool, default True
    extent : (x_min, x_max, y_min, y_max), optional
        The plane to draw, instead of the data's range.

    Returns
    -------
    matplotlib.axes.Axes
        With ``ax.neuronsim_artists``: ``"field"`` (the filled contour or class image),
        ``"boundary"`` (the decision contour), ``"points"`` (a list of scatters, one per class),
        ``"colorbar"`` (or None).

    Raises
    ------
    ShapeError
        The network does not have 2 inputs, or X is not (n, 2), or y does not match X.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import neuronsim
    >>> from neuronsim import datasets
    >>> net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 3), ("sigmoid", 1)], seed=0)
    >>> X, Y = datasets.xor()
    >>> ax = decision_boundary(net, X, Y, resolution=50)
    >>> type(ax).__name__, len(ax.neuronsim_artists["points"])
    ('Axes', 2)
    """
    _checks.network(net, "decision_boundary()")
    _checks.axes(ax)
    _check_two_inputs(net, "decision_boundary")
    X = _points(X)
    grid_x, grid_y, plane = _grid(X, resolution, margin, extent)
    with preserved_state(net):
        outputs = net.predict(plane)
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.figure(figsize=(5.6, 4.4)).add_subplot()
    output_neurons = net.outputs
    binary = len(output_neurons) == 1
    if binary and threshold is None and net.class_targets is not None:  # trained toward t0 / t1: cut halfway
        threshold = (net.class_targets[0] + net.class_targets[1]) / 2
    labels, n_classes = _labels(y, len(X), threshold, binary, output_neurons)
    artists = {"colorbar": None, "points": []}
    if binary:
        low, high, cut = _binary_scale(output_neurons[0], outputs[:, 0], y, threshold)
        field = outputs[:, 0].reshape(grid_y.size, grid_x.size)
        cmap = colormaps[BINARY_CMAP]
        # The plane in a paler copy of the map, so points in the full colours stand out.
        pale = ListedColormap(0.6 * cmap(np.linspace(0.1, 0.9, 256)) + 0.4)
        norm = Normalize(low, high)
        levels = np.linspace(min(low, field.min()), max(high, field.max()), 22)
        artists["field"] = ax.contourf(grid_x, grid_y, field, levels=levels, cmap=pale, norm=norm)
        artists["boundary"] = ax.contour(grid_x, grid_y, field, levels=[cut], colors="#202020", linewidths=1.6)
        if colorbar:
            bar = ax.figure.colorbar(ScalarMappable(norm=norm, cmap=pale), ax=ax, fraction=0.05, pad=0.03)
            bar.set_label(f"output {output_neurons[0].name} (decision at {cut:g})", fontsize=9)
            bar.ax.axhline(cut, color="#202020", linewidth=1.6)
            artists["colorbar"] = bar
        class_colour = [cmap(0.08), cmap(0.92)]
    else:
        classes = outputs.argmax(axis=1).reshape(grid_y.size, grid_x.size)
        n_classes = max(n_classes, outputs.shape[1])
        palette = [colormaps[CLASS_COLOURS](i % 10) for i in range(n_classes)]
        artists["field"] = ax.imshow(classes, origin="lower", extent=(grid_x[0], grid_x[-1], grid_y[0], grid_y[-1]),
                                     cmap=ListedColormap(palette), vmin=-0.5, vmax=n_classes - 0.5,
                                     alpha=0.35, aspect="auto", interpolation="nearest")
        # Class c wins where its output beats the best other one: the border is where the
        # margin crosses 0, a smooth curve rather than the grid's staircase.
        borders = []
        for c in range(outputs.shape[1]):
            others = np.delete(outputs, c, axis=1).max(axis=1)
            lead = (outputs[:, c] - others).reshape(grid_y.size, grid_x.size)
            if lead.min() < 0 < lead.max():
                borders.append(ax.contour(grid_x, grid_y, lead, levels=[0.0], colors="#202020", linewidths=1.1))
        artists["boundary"] = borders
        class_colour = palette
    names = list(class_names) if class_names is not None else [f"class {c}" for c in range(n_classes)]
    size = float(np.clip(4000.0 / max(len(X), 1), 12, 70))
    if labels is None:
        artists["points"].append(ax.scatter(X[:, 0], X[:, 1], s=size, c="black", edgecolors="white",
                                            linewidths=0.6, zorder=3))
    else:
        for c in range(n_classes):
            chosen = labels == c
            if chosen.any():
                artists["points"].append(ax.scatter(
                    X[chosen, 0], X[chosen, 1], s=size, color=class_colour[c], edgecolors="#202020",
                    linewidths=0.7, zorder=3, label=names[c] if c < len(names) else f"class {c}"))
        if legend:
            ax.legend(loc="best", fontsize=8, framealpha=0.85)
    inputs = net.inputs
    ax.set_xlabel(inputs[0].name)
    ax.set_ylabel(inputs[1].name)
    ax.set_xlim(grid_x[0], grid_x[-1])
    ax.set_ylim(grid_y[0], grid_y[-1])
    ax.neuronsim_artists = artists
    return ax


def activation_maps(net, X=None, y=None, *, neurons=None, include_inputs=False, resolution=60,
                    margin=0.15, extent=None, ncols=None, panel_size=1.9, cmap=ACTIVATION_CMAP):
    """Each neuron's activation over the input plane, as small multiples (TensorFlow Playground).

    Every panel shares one diverging colour scale centred on 0 (blue negative, red positive,
    white 0) and one colorbar, so panels compare directly. The data, when given, is drawn on the
    output neurons' panels.

    Parameters
    ----------
    net : Network
        Two input neurons.
    X : array_like, shape (n, 2), optional
        Raw rows, as :meth:`~neuronsim.Network.predict` takes them: they set the plane (its range
        plus ``margin``); default plane [−1, 1]² unless ``extent``. The plane is drawn in raw
        units and scaled by ``net.preprocessing`` (when the network has one) before each forward
        pass, as :func:`decision_boundary` does.
    y : array_like, optional
        Classes of X's rows, as for :func:`decision_boundary`.
    neurons : list of str, optional
        The neurons to draw (default: every non-input neuron, in topological order).
    include_inputs : bool, default False
        Also draw the input neurons (when ``neurons`` is not given).
    resolution : int, default 60
        Grid points per side (resolution² forward passes).
    margin : float, default 0.15
    extent : (x_min, x_max, y_min, y_max), optional
    ncols : int, optional
        Panels per row (default: about the square root of their number, at most 6).
    panel_size : float, default 1.9
        Inches per panel.
    cmap : str or Colormap, default "RdBu_r"

    Returns
    -------
    matplotlib.figure.Figure
        Its first axes are the panels, in ``neurons`` order, each titled with the neuron's name
        (``ax.get_title()``); the last axes is the colorbar.

    Raises
    ------
    ShapeError
        The network does not have 2 inputs, or X is not (n, 2).
    TopologyError
        An unknown neuron in ``neurons``.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 3), ("sigmoid", 1)], seed=0)
    >>> fig = activation_maps(net, resolution=20)
    >>> [ax.get_title() for ax in fig.axes[:4]]
    ['h1', 'h2', 'h3', 'o1']
    """
    _checks.network(net, "activation_maps()")
    _check_two_inputs(net, "activation_maps")
    if neurons is None:
        inputs = {n.name for n in net.inputs}
        neurons = [n.name for n in net.neurons if include_inputs or n.name not in inputs]
    else:
        neurons = list(neurons)
        for name in neurons:
            if name not in net:
                raise TopologyError(f"activation_maps: unknown neuron {name!r}")
    points = None if X is None else _points(X)
    if points is None and extent is None:
        extent = (-1.0, 1.0, -1.0, 1.0)
    grid_x, grid_y, plane = _grid(points, resolution, margin, extent)
    chosen = [net[name] for name in neurons]
    maps = np.empty((len(chosen), len(plane)))
    seen = net.preprocess(plane)  # a raw plane, scaled as the input neurons see it
    with preserved_state(net):
        for i, row in enumerate(seen.tolist()):
            net.forward(row)
            maps[:, i] = [n.a for n in chosen]
    limit = float(np.nanmax(np.abs(maps))) if maps.size else 1.0
    norm = Normalize(-(limit or 1.0), limit or 1.0)
    cmap = colormaps[cmap] if isinstance(cmap, str) else cmap

    import matplotlib.pyplot as plt

    count = max(len(chosen), 1)
    ncols = ncols or min(6, math.ceil(math.sqrt(count)))
    nrows = math.ceil(count / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel_size * ncols + 1.0, panel_size * nrows + 0.3),
                             squeeze=False, layout="constrained")
    outputs = {n.name for n in net.outputs}
    labels, n_classes = (None, 0) if points is None or y is None else _labels(
        y, len(points), None, len(net.outputs) == 1, net.outputs)
    for panel, neuron, values in zip(axes.flat, chosen, maps):
        panel.imshow(values.reshape(grid_y.size, grid_x.size), origin="lower", cmap=cmap, norm=norm,
                     extent=(grid_x[0], grid_x[-1], grid_y[0], grid_y[-1]), aspect="auto",
                     interpolation="bilinear")
        panel.set_title(neuron.name, fontsize=10)
        panel.set_xticks([])
        panel.set_yticks([])
        if points is not None and neuron.name in outputs:
            colours = "black" if labels is None else [colormaps[CLASS_COLOURS](c % 10) for c in labels]
            panel.scatter(points[:, 0], points[:, 1], s=16, c=colours, edgecolors="#202020", linewidths=0.5)
        panel.set_title(neuron.activation.name, loc="right", fontsize=7, color="#505050")
    for panel in list(axes.flat)[len(chosen):]:
        panel.set_axis_off()
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=axes, shrink=0.85, aspect=25)
    bar.set_label("activation a", fontsize=9)
    # the colorbar's axes is last in fig.axes: panels keep the indices of `neurons`
    return fig


# --- pieces ---------------------------------------------------------------------------------

def _check_two_inputs(net, what):
    count = len(net.inputs)
    if count != 2:
        raise ShapeError(f"{what} draws the plane of a 2-input network; this one has {count} inputs")


def _points(X):
    try:
        X = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        raise ShapeError("X must be numeric rows of 2 values") from None
    if X.ndim != 2 or X.shape[1] != 2 or not len(X):
        raise ShapeError(f"X: expected shape (n, 2) with n >= 1, got {X.shape}")
    if not np.isfinite(X).all():
        raise ShapeError("X holds non-finite values")
    return X


def _grid(X, resolution, margin, extent):
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise NeuronsimError(f"resolution must be an integer >= 2, got {resolution!r}")
    if extent is not None:
        x0, x1, y0, y1 = map(float, extent)
    else:
        (x0, y0), (x1, y1) = X.min(axis=0), X.max(axis=0)
        pad_x, pad_y = margin * max(x1 - x0, 1e-3), margin * max(y1 - y0, 1e-3)
        x0, x1, y0, y1 = x0 - pad_x, x1 + pad_x, y0 - pad_y, y1 + pad_y
    grid_x, grid_y = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    xx, yy = np.meshgrid(grid_x, grid_y)
    return grid_x, grid_y, np.column_stack([xx.ravel(), yy.ravel()])


def _labels(y, n, threshold, binary, output_neurons):
    """Class index per row (or None) and the number of classes."""
    if y is None:
        return None, 2 if binary else len(output_neurons)
    try:
        y = np.asarray(y, dtype=float)
    except (TypeError, ValueError):
        raise NeuronsimTypeError("y must hold numeric class labels (integers, a 0/1 column or one-hot rows)") from None
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
        if threshold is None:
            threshold = 0.0 if (y < 0).any() else 0.5
        y = (y >= threshold).astype(int)
    elif y.ndim == 2:
        y = y.argmax(axis=1)
    if y.shape != (n,):
        raise ShapeError(f"y: expected {n} labels (or targets with {n} rows), got shape {np.shape(y)}")
    labels = y.astype(int)
    if not np.array_equal(labels, y) or (labels < 0).any():
        if binary and set(np.unique(y)) <= {-1.0, 1.0}:
            labels = (y > 0).astype(int)
        else:
            raise ShapeError("y: labels must be non-negative integers (or a 0/1 or ±1 column, or one-hot rows)")
    return labels, max(int(labels.max()) + 1, 2 if binary else len(output_neurons))


def _binary_scale(neuron, values, y, threshold):
    """(low, high, threshold) of a single output's colour scale."""
    name = neuron.activation.name
    if name in _SYMMETRIC_OUTPUTS:
        low, high = _SYMMETRIC_OUTPUTS[name]
        return low, high, 0.0 if threshold is None else threshold
    if name in _UNIT_OUTPUTS:
        low, high = _UNIT_OUTPUTS[name]
        return low, high, 0.5 if threshold is None else threshold
    if threshold is None:
        signed = y is not None and (np.asarray(y, dtype=float) < 0).any()
        threshold = 0.0 if signed else 0.5
    spread = max(float(np.abs(values - threshold).max()), 1e-6)
    return threshold - spread, threshold + spread, threshold

"""Animations of a training run: topology, decision boundary and loss, frame by frame.

Plotting never trains. :class:`TrainingAnimation` is a callback handed to
:func:`neuronsim.train`: at the end of every ``every``-th epoch it copies the network's
parameters (by key, so it holds numbers, not the network); afterwards it replays them one by
one into a private copy of the network and draws each frame — topology, decision boundary and
loss so far. :func:`animate_training` does the same from a :class:`~neuronsim.Recorder` that
recorded ``weight`` and ``bias``.
"""

import math
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import Normalize

from ..errors import NeuronsimError, NeuronsimTypeError
from .boundary import decision_boundary
from .topology import EDGE_CMAP, EDGE_QUANTITIES, NODE_QUANTITIES, _colorbar, topology
from .training import _as_record

__all__ = ["TrainingAnimation", "animate_training"]


class TrainingAnimation:
    """A training callback that snapshots parameters, then renders the run as an animation.

    Pass it to :func:`neuronsim.train` in ``callbacks``. It keeps the parameters at
    construction (epoch 0), at the end of every ``every``-th epoch and at the end of each
    training run, each as a ``{parameter key: value}`` dict, plus every epoch's loss. Nothing
    is drawn while training. :meth:`save` / :meth:`to_animation` replay the snapshots into a
    copy of the network (made at construction; neurons added later are not drawn) and draw,
    per frame, the topology, the decision boundary (2-input networks with ``X``) and the loss.

    Parameters
    ----------
    net : Network
    X, Y : array_like, optional
        Data for the decision-boundary panel (2-input networks); Y colours the points.
    every : int, default 1
        Snapshot every ``every``-th epoch.
    max_frames : int, default 200
        When exceeded, every other snapshot is dropped and ``every`` doubles.
    node_color : {"bias", "activation", None}, default "bias"
        Neuron colours in the topology panel ("activation": for the first row of X).
    layout : str or dict, default "layered"
    resolution : int, default 60
        Grid points per side of the decision-boundary panel.
    log : bool, default False
        Logarithmic loss axis.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import neuronsim
    >>> from neuronsim import datasets, optim
    >>> from neuronsim import train
    >>> net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 3), ("sigmoid", 1)], seed=0)
    >>> X, Y = datasets.xor()
    >>> anim = TrainingAnimation(net, X, Y, every=5)
    >>> _ = train(net, X, Y, loss="squared_error", optimizer=optim.SGD(lr=0.5), epochs=20,
    ...           callbacks=[anim], progress=False)
    >>> anim.epochs                             # epoch 0, then every 5th
    [0, 5, 10, 15, 20]
    >>> import tempfile
    >>> from PIL import Image
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = anim.save(f"{folder}/xor.gif", fps=2, resolution=20)
    ...     Image.open(path).n_frames
    5
    """

    def __init__(self, net, X=None, Y=None, *, every=1, max_frames=200, node_color="bias",
                 layout="layered", resolution=60, log=False):
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise NeuronsimTypeError(f"every must be a positive integer, got {every!r}")
        if isinstance(max_frames, bool) or not isinstance(max_frames, int) or max_frames < 2:
            raise NeuronsimTypeError(f"max_frames must be an integer >= 2, got {max_frames!r}")
        if node_color not in ("bias", "activation", None):
            raise NeuronsimError(f"node_color must be 'bias', 'activation' or None, got {node_color!r}")
        self.every = every
        self.max_frames = max_frames
        self.X, self.Y = X, Y
        self.style = {"node_color": node_color, "layout": layout, "resolution": resolution, "log": log}
        self.template = net.copy()
        self.losses, self.val_losses = [], []
        self._snapshots = []          # (epoch, {parameter key: value})
        self._capture(net, 0)

    # training-callback hooks (see neuronsim.training): record numbers only, never draw
    def on_epoch_end(self, net, history):
        """Training hook: note the epoch's losses; keep the parameters of every ``every``-th epoch."""
        self.losses.append(float(history.loss[-1]) if len(history.loss) else math.nan)
        val = getattr(history, "val_loss", None) or []
        self.val_losses.append(float(val[-1]) if len(val) == len(history.loss) and len(val) else math.nan)
        if len(self.losses) % self.every == 0:
            self._capture(net, len(self.losses))

    def on_train_end(self, net, history):
        """Training hook: keep the final parameters too."""
        if self._snapshots[-1][0] != len(self.losses):
            self._capture(net, len(self.losses))

    def _capture(self, net, epoch):
        self._snapshots.append((epoch, dict(zip(net.parameter_keys(), net.parameters()))))
        if len(self._snapshots) > self.max_frames:
            self._snapshots = self._snapshots[::2]
            self.every *= 2

    @property
    def epochs(self):
        """The epoch of each frame (0 = before training)."""
        return [epoch for epoch, _ in self._snapshots]

    def __len__(self):
        return len(self._snapshots)

    def _apply(self, i):
        values = self._snapshots[i][1]
        keys = self.template.parameter_keys()
        current = self.template.parameters()
        self.template.set_parameters([values.get(key, old) for key, old in zip(keys, current)])

    def _replay(self):
        return _Replay(self.template, self.epochs, self._apply, self.losses, self.val_losses)

    def frame(self, i, **style):
        """Frame ``i`` alone, as a :class:`matplotlib.figure.Figure` (a still of that epoch)."""
        fig, draw = _frames(self._replay(), self.X, self.Y, **{**self.style, **style})
        draw(i)
        return fig

    def to_animation(self, *, fps=5, **style):
        """The frames as a :class:`matplotlib.animation.FuncAnimation` (style overrides allowed)."""
        return _animation(self._replay(), self.X, self.Y, fps, {**self.style, **style})

    def save(self, path, *, fps=5, dpi=80, **style):
        """Render every frame to ``path``: ``.gif`` (Pillow) or ``.mp4`` (needs ffmpeg).

        Returns
        -------
        pathlib.Path

        Raises
        ------
        NeuronsimError
            Another suffix, or ``.mp4`` without ffmpeg on the PATH.
        """
        writer = _writer(path, fps)  # checked before any drawing
        return _save(self.to_animation(fps=fps, **style), path, writer, dpi)


def animate_training(source, X=None, Y=None, *, history=None, path=None, fps=5, dpi=80, **style):
    """Animate a training run from a :class:`TrainingAnimation` or a :class:`~neuronsim.Recorder`.

    Parameters
    ----------
    source : TrainingAnimation or Recorder
        A Recorder must have recorded ``"weight"`` and ``"bias"`` (each record is a frame,
        labelled with its epoch).
    X, Y : array_like, optional
        Data for the decision-boundary panel (default: the TrainingAnimation's).
    history : History or sequence of float, optional
        The losses, for a Recorder (a TrainingAnimation keeps its own).
    path : str or Path, optional
        Also save there (``.gif``, or ``.mp4`` with ffmpeg).
    fps : float, default 5
    dpi : float, default 80
    **style
        ``node_color``, ``layout``, ``resolution``, ``log`` as for :class:`TrainingAnimation`.

    Returns
    -------
    matplotlib.animation.FuncAnimation
        Its figure is ``animation.neuronsim_figure``.

    Raises
    ------
    NeuronsimError
        A Recorder without weights or biases, or a ``path`` that is not .gif / .mp4.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 2), ("sigmoid", 1)], seed=0)
    >>> rec = neuronsim.Recorder(net, quantities=("weight", "bias"))
    >>> for step in range(3):
    ...     net.set_weight("x1", "h1", 0.5 * step); rec.record()
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     animation = animate_training(rec, [[0, 0], [1, 1]], [0, 1], history=[0.3, 0.2, 0.1],
    ...                                  path=f"{folder}/run.gif", resolution=10)
    >>> type(animation).__name__
    'FuncAnimation'
    """
    writer = None if path is None else _writer(path, fps)
    if isinstance(source, TrainingAnimation):
        X = source.X if X is None else X
        Y = source.Y if Y is None else Y
        replay, options = source._replay(), {**source.style, **style}
    elif hasattr(source, "quantities") and hasattr(source, "array"):
        replay = _recorder_replay(source, history)
        options = {"node_color": "bias", "layout": "layered", "resolution": 60, "log": False, **style}
    else:
        raise NeuronsimTypeError(f"animate_training takes a TrainingAnimation or a Recorder, "
                                 f"got {type(source).__name__}")
    animation = _animation(replay, X, Y, fps, options)
    if path is not None:
        _save(animation, path, writer, dpi)
    return animation


# --- rendering ------------------------------------------------------------------------------

class _Replay:
    """What a run left to draw: a private network, the frames' epochs, a way to load frame i
    into that network, and the loss of every epoch."""

    def __init__(self, template, epochs, apply, losses, val_losses):
        if not epochs:
            raise NeuronsimError("nothing to animate: no frames were captured")
        self.template, self.epochs, self.apply = template, list(epochs), apply
        self.losses = np.asarray(losses, dtype=float)
        self.val_losses = np.asarray(val_losses, dtype=float)


def _recorder_replay(recorder, history):
    missing = [q for q in ("weight", "bias") if q not in recorder.quantities]
    if missing:
        raise NeuronsimError(f"animate_training needs a Recorder of 'weight' and 'bias'; "
                             f"this one did not record {', '.join(missing)}")
    template = recorder.net.copy()
    weights, biases = recorder.array("weight"), recorder.array("bias")
    graph = template.graph

    def apply(i):
        for (src, dst), w in zip(recorder.edges, weights[i]):
            if np.isfinite(w) and graph.has_edge(src, dst):
                graph.succ[src][dst]["weight"] = float(w)
        for name, b in zip(recorder.neurons, biases[i]):
            if np.isfinite(b) and name in template:
                template[name].bias = float(b)

    record = _as_record(history) if history is not None else {"loss": []}
    return _Replay(template, [int(s) for s in recorder.steps], apply, record["loss"], record.get("val_loss") or [])


def _animation(replay, X, Y, fps, options):
    from matplotlib.animation import FuncAnimation

    fig, draw = _frames(replay, X, Y, **options)
    animation = FuncAnimation(fig, draw, frames=len(replay.epochs), interval=1000.0 / fps, blit=False,
                              repeat=False, cache_frame_data=False)
    animation.neuronsim_figure = fig
    return animation


def _frames(replay, X, Y, *, node_color, layout, resolution, log):
    """A figure with its panels and colorbars, and ``draw(i)`` that fills them for frame i."""
    import matplotlib.pyplot as plt

    template, epochs, apply = replay.template, replay.epochs, replay.apply
    boundary = X is not None and len(template.inputs) == 2
    panels = ([("topology", 1.5)] + ([("boundary", 1.15)] if boundary else [])
              + ([("loss", 1.15)] if len(replay.losses) else []))
    fig = plt.figure(figsize=(3.6 * sum(w for _, w in panels), 3.9))
    grid = fig.add_gridspec(1, len(panels), width_ratios=[w for _, w in panels], left=0.02, right=0.97,
                            bottom=0.14, top=0.86, wspace=0.35)
    axes = {name: fig.add_subplot(grid[0, i]) for i, (name, _) in enumerate(panels)}

    # One colour scale for the whole run, so a colour means the same number in every frame.
    # X holds raw rows, as train() takes them: the first, as the input neurons see it
    sample = None if X is None else template.preprocess(np.asarray(X, dtype=float)[0]).tolist()
    if node_color == "activation" and sample is None:
        node_color = "bias"  # no case to show activations for
    weight_peak, node_low, node_high = 0.0, math.inf, -math.inf
    inputs = {n.name for n in template.inputs}
    for i in range(len(epochs)):
        apply(i)
        weight_peak = max(weight_peak, max((abs(w) for *_, w in template.edges()), default=0.0))
        if node_color == "activation":
            template.forward(sample)
            node_values = [n.a for n in template.neurons]
        else:
            node_values = [n.bias for n in template.neurons if n.name not in inputs]
        if node_values:
            node_low, node_high = min(node_low, min(node_values)), max(node_high, max(node_values))
    weight_peak = weight_peak or 1.0
    if node_color == "bias" or not math.isfinite(node_low):
        peak = max(abs(node_low), abs(node_high), 1e-9) if math.isfinite(node_low) else 1.0
        node_low, node_high = -peak, peak
    topo = axes["topology"]
    _colorbar(fig, topo, Normalize(-weight_peak, weight_peak), colormaps[EDGE_CMAP], EDGE_QUANTITIES["weight"][1],
              62.0 if node_color is not None else 4.0)
    if node_color is not None:
        quantity = NODE_QUANTITIES[node_color]
        _colorbar(fig, topo, Normalize(node_low, node_high), colormaps[quantity[1]], quantity[2], 4.0)
    title = fig.suptitle("", fontsize=12)

    def draw(i):
        apply(i)
        if node_color == "activation":
            template.forward(sample)
        topo.clear()
        topology(template, ax=topo, layout=layout, node_color=node_color, colorbar=False,
                 edge_limit=weight_peak, node_limits=(node_low, node_high))
        if boundary:
            axes["boundary"].clear()
            decision_boundary(template, X, Y, ax=axes["boundary"], resolution=resolution, colorbar=False)
        if "loss" in axes:
            _loss_so_far(axes["loss"], replay.losses, replay.val_losses, epochs[i], log)
        title.set_text(f"epoch {epochs[i]}")
        return []

    return fig, draw


def _loss_so_far(ax, losses, val_losses, epoch, log):
    ax.clear()
    epochs = np.arange(1, len(losses) + 1)
    ax.plot(epochs, losses, color="#c8c8c8", linewidth=1.2)  # the whole run, for scale
    done = epochs <= epoch
    ax.plot(epochs[done], losses[done], color="C0", linewidth=1.8, label="training")
    if len(val_losses) and np.isfinite(val_losses).any():
        ax.plot(epochs[:len(val_losses)], val_losses, color="#e0e0e0", linewidth=1.0)
        ax.plot(epochs[:len(val_losses)][done[:len(val_losses)]], val_losses[done[:len(val_losses)]],
                color="C1", linewidth=1.6, label="validation")
    if 0 < epoch <= len(losses):
        ax.plot(epoch, losses[epoch - 1], "o", color="C0", markersize=6, markeredgecolor="white")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.grid(True, alpha=0.3)
    ax.set_xlim(0, max(len(losses), 1) * 1.03)  # room for the marker at the last epoch


def _writer(path, fps):
    """The matplotlib writer for ``path``'s suffix, or an error before anything is drawn."""
    from matplotlib import animation as mpl_animation

    name = Path(path).name
    suffix = Path(path).suffix.lower()
    if suffix == ".gif":
        return mpl_animation.PillowWriter(fps=fps)
    if suffix == ".mp4":
        if not mpl_animation.writers.is_available("ffmpeg"):
            raise NeuronsimError(f"saving {name} needs ffmpeg on the PATH; install it or save as .gif")
        return mpl_animation.FFMpegWriter(fps=fps)
    raise NeuronsimError(f"animations are saved as .gif or .mp4, got {name!r}")


def _save(animation, path, writer, dpi):
    import matplotlib.pyplot as plt

    try:
        animation.save(path, writer=writer, dpi=dpi)
    finally:
        plt.close(animation.neuronsim_figure)
    return Path(path)

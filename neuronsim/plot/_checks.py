"""Argument checks shared by the plotting functions (private)."""

from matplotlib.axes import Axes

from .._checks import network
from ..errors import NeuronsimTypeError

__all__ = ["axes", "network"]


def axes(ax):
    """``ax`` when it is None or a matplotlib Axes, else a NeuronsimTypeError."""
    if ax is not None and not isinstance(ax, Axes):
        raise NeuronsimTypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax

"""Stopping rules for :func:`neuronsim.train`: a target loss, the RHW/PDP tolerance criterion,
and early stopping on the validation loss."""

import numbers

from . import optim as _optim
from ._checks import shown
from .errors import TrainingError

__all__ = ["TargetLoss", "Tolerance", "EarlyStopping"]


class TargetLoss:
    """Stop once an epoch's training loss (as in :attr:`History.loss`) is at most ``value``.

    The loss seen during the epoch's passes triggers a check of the weights the epoch ends with,
    so training stops only when those weights meet the target themselves.

    Examples
    --------
    >>> TargetLoss(0.01)
    TargetLoss(0.01)
    """

    reason = "target_loss"

    def __init__(self, value):
        self.value = _optim._number("TargetLoss(value)", value, 0.0)

    def __repr__(self):
        return f"TargetLoss({self.value})"


class Tolerance:
    """Stop once every output is within ``tolerance`` of its target, for every training case.

    The RHW/PDP criterion: |y_j − d_j| ≤ tolerance for all cases c and outputs j (0.1 is strict;
    0.5 means every binary output is on the right side of ½). Checked like :class:`TargetLoss`.

    Examples
    --------
    >>> Tolerance(0.1)
    Tolerance(0.1)
    """

    reason = "tolerance"

    def __init__(self, tolerance):
        self.tolerance = _optim._number("Tolerance(tolerance)", tolerance, 0.0, open_low=True)

    def __repr__(self):
        return f"Tolerance({self.tolerance})"


class EarlyStopping:
    """Stop when the validation loss has not improved for ``patience`` epochs.

    Parameters
    ----------
    patience : int >= 1, default 10
    min_delta : float >= 0, default 0
        An improvement must lower the best loss by more than this.
    restore_best : bool, default True
        When training stops this way (or runs out of epochs), write back the parameters of
        the best epoch (by key, so neurons added since keep their current values).
    monitor : {"val_loss", "loss"}, default "val_loss"
        "val_loss" needs ``validation`` data.

    Examples
    --------
    >>> EarlyStopping(patience=5)
    EarlyStopping(patience=5, min_delta=0.0, restore_best=True, monitor='val_loss')
    """

    reason = "early_stopping"

    def __init__(self, patience=10, min_delta=0.0, restore_best=True, monitor="val_loss"):
        self.patience = count("EarlyStopping(patience)", patience)
        self.min_delta = _optim._number("EarlyStopping(min_delta)", min_delta, 0.0)
        self.restore_best = bool(restore_best)
        if monitor not in ("val_loss", "loss"):
            raise TrainingError(f"EarlyStopping(monitor) must be 'val_loss' or 'loss', got {shown(monitor)}")
        self.monitor = monitor

    def __repr__(self):
        return (f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta}, "
                f"restore_best={self.restore_best}, monitor={self.monitor!r})")


def count(name, value):
    """An integer >= 1, or a TrainingError naming it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TrainingError(f"{name} must be an integer >= 1, got {shown(value)}")
    if value < 1:
        raise TrainingError(f"{name} must be an integer >= 1, got {shown(value)}")
    return int(value)

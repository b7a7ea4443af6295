"""Metrics: plain functions ``f(Y_true, Y_pred) -> float`` over a whole set of cases.

``Y_true`` and ``Y_pred`` are (n, outputs) arrays: the targets and the network's outputs. Any
function of that shape is a metric; :func:`neuronsim.train` takes them by name
(``metrics=("accuracy",)``) or as the function itself, and records one value per epoch.

The built-ins refuse rather than answer NaN: arrays of different shapes or with no rows are a
:class:`~neuronsim.errors.ShapeError`, text a :class:`~neuronsim.errors.NeuronsimTypeError`,
and a NaN or infinite cell a :class:`~neuronsim.errors.ValueRangeError` naming it.

Examples
--------
>>> from neuronsim import metrics
>>> metrics.accuracy([[1.0], [0.0]], [[0.8], [0.6]])
0.5
>>> metrics.mse([[1.0], [0.0]], [[0.8], [0.6]])
0.2
"""

import numpy as np

from ._checks import all_finite, checked_real, real_array, shown
from .errors import NeuronsimTypeError, ShapeError, TrainingError, ValueRangeError

__all__ = ["accuracy", "mse", "max_error", "get", "available"]


def _pair(Y_true, Y_pred):
    """Both arrays as finite float (n, outputs) arrays of the same shape, or the error naming
    the first bad cell (a NaN prediction would otherwise count as a wrong class, silently)."""
    Y_true, Y_pred = _numbers(Y_true, "Y_true"), _numbers(Y_pred, "Y_pred")
    if Y_true.ndim == 1:
        Y_true = Y_true[:, None]
    if Y_pred.ndim == 1:
        Y_pred = Y_pred[:, None]
    if Y_true.shape != Y_pred.shape:
        raise ShapeError(f"Y_true has shape {Y_true.shape} but Y_pred has shape {Y_pred.shape}")
    if Y_true.ndim != 2 or Y_true.size == 0:  # a mean over no rows would be a silent NaN
        raise ShapeError(f"Y_true and Y_pred must be (n, outputs) arrays with at least one row and column, "
                         f"got shape {Y_true.shape}")
    for name, values in (("Y_true", Y_true), ("Y_pred", Y_pred)):
        if not all_finite(values):
            cell = tuple(map(int, np.argwhere(~np.isfinite(values))[0]))
            raise ValueRangeError(f"{name}[{', '.join(map(str, cell))}] is {values[cell]}; values must be finite")
    return Y_true, Y_pred


def _numbers(values, name):
    try:
        return real_array(values)
    except (TypeError, ValueError):
        raise NeuronsimTypeError("Y_true and Y_pred must be numeric arrays of shape (n, outputs)") from None
    except OverflowError:  # an int beyond the float range
        raise ValueRangeError(f"{name} holds an integer too large for a float") from None


def accuracy(Y_true, Y_pred, threshold=None):
    """Fraction of cases classified right.

    One output column: binary, the class is ``output >= threshold``, the target's class
    ``target >= threshold``. The default threshold is 0.5, or 0 when any target is negative
    (±1 targets on a tanh or linear output, as in micrograd's demo). Several output columns:
    the class is the argmax of the outputs, the true class the argmax of the targets.

    Examples
    --------
    >>> accuracy([[0, 1], [1, 0]], [[0.2, 0.7], [0.4, 0.5]])
    0.5
    >>> accuracy([[-1.0], [1.0]], [[-0.3], [0.2]])
    1.0
    """
    Y_true, Y_pred = _pair(Y_true, Y_pred)
    if threshold is not None:
        threshold = checked_real(threshold, "accuracy(threshold)")
    if Y_true.shape[1] == 1:
        if threshold is None:
            threshold = 0.0 if (Y_true < 0).any() else 0.5
        right = (Y_pred[:, 0] >= threshold) == (Y_true[:, 0] >= threshold)
    else:
        right = Y_pred.argmax(axis=1) == Y_true.argmax(axis=1)
    return float(right.mean())


def mse(Y_true, Y_pred):
    """Mean of (output − target)² over every case and output.

    Examples
    --------
    >>> mse([[1.0, 0.0]], [[0.5, 0.5]])
    0.25
    """
    Y_true, Y_pred = _pair(Y_true, Y_pred)
    return float(np.mean((Y_pred - Y_true) ** 2))


def max_error(Y_true, Y_pred):
    """Largest |output − target| over every case and output: the RHW/PDP tolerance measure.

    Examples
    --------
    >>> max_error([[1.0], [0.0]], [[0.95], [0.2]])
    0.2
    """
    Y_true, Y_pred = _pair(Y_true, Y_pred)
    return float(np.max(np.abs(Y_pred - Y_true)))


_BY_NAME = {"accuracy": accuracy, "mse": mse, "max_error": max_error}
_ALIASES = {"acc": "accuracy"}


def available():
    """Metric names accepted by :func:`get`.

    Examples
    --------
    >>> available()
    ['accuracy', 'max_error', 'mse']
    """
    return sorted(_BY_NAME)


def get(metric):
    """``(name, function)`` for a metric name or a plain function (named by its ``__name__``).

    Raises
    ------
    TrainingError
        Unknown name; the message lists the known ones.

    Examples
    --------
    >>> get("acc")[0]
    'accuracy'
    >>> def worst(Y_true, Y_pred):
    ...     return 1.0
    >>> get(worst)[0]
    'worst'
    """
    if isinstance(metric, str):
        name = _ALIASES.get(metric, metric)
        if name not in _BY_NAME:
            raise TrainingError(f"unknown metric {shown(metric)}; known: {', '.join(available())}, "
                                "or a function f(Y_true, Y_pred) -> float")
        return name, _BY_NAME[name]
    if callable(metric):
        return getattr(metric, "__name__", type(metric).__name__), metric
    raise NeuronsimTypeError(f"a metric must be a name or a function f(Y_true, Y_pred), got {shown(metric)}")

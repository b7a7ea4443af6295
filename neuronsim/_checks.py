"""Validation helpers used at the public boundary (private: not part of the API)."""

import math
import numbers
import reprlib
from collections.abc import Mapping, Set

import numpy as np

from .errors import NeuronsimTypeError, ShapeError, ValueRangeError


_SHOWN = reprlib.Repr()
_SHOWN.maxstring = _SHOWN.maxother = 120
_SHOWN.maxlist = _SHOWN.maxtuple = _SHOWN.maxdict = _SHOWN.maxset = 8
_SHOWN.maxlevel = 3


def shown(value, limit=200):
    """A short ``repr`` of ``value`` for an error message: at most ``limit`` characters, however
    large or deeply nested the value is (strings, containers and numbers are cut with '...')."""
    try:
        text = _SHOWN.repr(value)
    except Exception:  # a user object whose repr fails must not hide the real error
        if isinstance(value, numbers.Integral):  # Python refuses to print ints of over 4300 digits
            digits = int(int(value).bit_length() * math.log10(2)) + 1
            text = f"<{'-' if value < 0 else ''}integer of about {digits} digits>"
        else:
            text = f"<{type(value).__name__} object>"
    return text if len(text) <= limit else text[:limit - 3] + "..."


def finite_float(value, what):
    """``float(value)`` for a finite real number; otherwise a clear error naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise NeuronsimTypeError(f"{what} must be a real number, got {type(value).__name__} {shown(value)}")
    try:
        value = float(value)
    except OverflowError:  # an int beyond the float range
        raise ValueRangeError(f"{what} is too large for a float: {shown(value)}") from None
    if not math.isfinite(value):
        raise ValueRangeError(f"{what} must be finite, got {value}")
    return value


_FLOAT64 = np.dtype(np.float64)


def finite_vector(values, length, what):
    """A list of ``length`` finite floats from any sequence or 1-D array.

    The usual case of a pass goes fast: a list or tuple of Python floats, or a 1-D float64
    array, costs one type test per value and one finiteness test of their sum; anything else,
    or a sum that is not finite (a NaN, an infinity, or finite values whose sum overflows), is
    checked value by value, naming the culprit.

    Examples
    --------
    >>> finite_vector((0.5, -1.0), 2, "input x"), finite_vector(np.array([2.0]), 1, "target")
    ([0.5, -1.0], [2.0])
    >>> finite_vector([0.5, float("nan")], 2, "input x")
    Traceback (most recent call last):
    ...
    neuronsim.errors.ValueRangeError: input x[1] must be finite, got nan
    """
    kind = type(values)
    if kind is list or kind is tuple:
        if len(values) == length:
            for value in values:
                if type(value) is not float:
                    break
            else:
                if math.isfinite(sum(values)):
                    return list(values)
    elif kind is np.ndarray and values.dtype is _FLOAT64 and values.shape == (length,):
        floats = values.tolist()
        if math.isfinite(sum(floats)):
            return floats
    if isinstance(values, (str, bytes, Mapping, Set)) or not hasattr(values, "__len__"):
        raise NeuronsimTypeError(
            f"{what} must be a sequence of {length} numbers, got {type(values).__name__}"
        )
    if isinstance(values, np.ndarray) and values.ndim != 1:
        raise ShapeError(f"{what} must be 1-D with {length} values, got an array of shape {values.shape}")
    if len(values) != length:
        raise ShapeError(f"{what}: expected {length} values, got {len(values)}")
    if length > 64:  # long vectors: check in numpy, and name the culprit only on failure
        try:
            raw = np.asarray(values)  # numbers only: numpy would read the text '1.5' as 1.5
            arr = raw.astype(float, copy=False) if raw.dtype.kind in "fiu" else None
            if arr is not None and arr.shape == (length,) and np.isfinite(arr).all() and not _has_bool(values):
                return arr.tolist()
        except (TypeError, ValueError, OverflowError):  # named one by one below
            pass
    return [finite_float(v, f"{what}[{i}]") for i, v in enumerate(values)]


def _has_bool(values):
    if isinstance(values, np.ndarray):
        return values.dtype == bool
    return any(isinstance(v, bool) for v in values)


def checked_seed(seed, error=None):
    """``seed`` as an int (or None): a non-negative integer, numpy integers included."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (numbers.Integral, np.integer)) or seed < 0:
        raise (error or ValueRangeError)(f"seed must be None or a non-negative integer, got {shown(seed)}")
    return int(seed)



def real_array(values):
    """``values`` as a float ndarray, numbers only: text (which numpy would read as a number, '1.5'
    as 1.5) or another non-number is a TypeError, ragged rows a ValueError, an integer beyond the
    float range an OverflowError; the caller turns them into its own message."""
    raw = np.asarray(values)
    if raw.dtype.kind in "USV" or (raw.dtype.kind == "O" and not all(isinstance(v, numbers.Real) for v in raw.flat)):
        raise TypeError("not a number")
    return raw.astype(float, copy=False)


def parameter_name(key):
    """A parameter key in words, for a message: the weight of an edge, or the bias of a neuron."""
    if isinstance(key, tuple) and len(key) == 2:
        return f"the weight of edge {key[0]} -> {key[1]}"
    return f"the bias of neuron {shown(key)}"


def as_matrix(X, width, what):
    """A finite float (n, width) array from a list of rows or a 2-D array."""
    if isinstance(X, (str, bytes)):
        raise NeuronsimTypeError(f"{what} must be numeric rows of {width} values, got {type(X).__name__}")
    try:
        arr = real_array(X)
    except (TypeError, ValueError):
        raise NeuronsimTypeError(f"{what} must be numeric rows of {width} values") from None
    except OverflowError:  # an int beyond the float range
        raise ValueRangeError(f"{what} holds an integer too large for a float; values must be finite") from None
    if arr.ndim == 1 and width == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2 or arr.shape[1] != width:
        raise ShapeError(f"{what}: expected shape (n, {width}), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        row, col = map(int, np.argwhere(~np.isfinite(arr))[0])
        raise ValueRangeError(f"{what}[{row}, {col}] is {arr[row, col]}; values must be finite")
    return arr



_NETWORK_METHODS = ("plan", "forward", "backward", "parameters")


def network(net, what):
    """``net`` itself when it is a :class:`~neuronsim.Network`, else a NeuronsimTypeError.

    Tested by duck type: a ``graph`` and the pass methods a Network has. ``_checks`` sits at the
    bottom of the package and imports nothing above :mod:`neuronsim.errors` (see the
    architecture page of the guide).
    """
    if isinstance(net, type) or not hasattr(net, "graph") or not all(
            callable(getattr(net, name, None)) for name in _NETWORK_METHODS):
        raise NeuronsimTypeError(f"{what} takes a Network, got {type(net).__name__}")
    return net


def names(values, what):
    """A list of strings from any iterable of strings (a single string is refused)."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise NeuronsimTypeError(f"{what} must be a list of names, got {shown(values)}")
    values = list(values)
    for value in values:
        if not isinstance(value, str):
            raise NeuronsimTypeError(f"{what} must hold names (str), got {shown(value)}")
    return values


def all_finite(values):
    """True when every entry of a float array is finite (one pass in the common case)."""
    with np.errstate(over="ignore", invalid="ignore"):  # a sum of finite values may overflow: then look closer
        total = values.sum()
    return bool(np.isfinite(total)) or bool(np.isfinite(values).all())  # a sum may overflow alone


def neuron_names(net, names, what):
    """``names`` as a list of distinct neurons of ``net`` (a single name is accepted)."""
    from .errors import TopologyError

    if isinstance(names, str):
        names = [names]
    elif not hasattr(names, "__iter__"):
        raise NeuronsimTypeError(f"{what} must be a list of neuron names, got {shown(names)}")
    names = list(names)
    for name in names:
        if name not in net:
            raise TopologyError(f"{what}: unknown neuron {shown(name)}")
    if len(set(names)) != len(names):
        raise TopologyError(f"{what}: repeated neuron names in {shown(names)}")
    return names


def checked_real(value, what, low=-math.inf, high=math.inf, *, open_low=False, open_high=False,
                 error=ValueRangeError):
    """``float(value)`` for a finite real number in the interval from ``low`` to ``high``.

    A non-number (a bool included) is a NeuronsimTypeError; NaN, an infinity, a number outside
    the interval (open at an end with ``open_low``/``open_high``) or an integer beyond the float
    range is an ``error``. Messages name ``what``, the interval and the value (through
    :func:`shown`).
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise NeuronsimTypeError(f"{what} must be a real number, got {type(value).__name__} {shown(value)}")
    if high == math.inf:
        expected = f"> {low:g}" if open_low else (f">= {low:g}" if low > -math.inf else "finite")
    else:
        expected = f"in {'(' if open_low else '['}{low:g}, {high:g}{')' if open_high else ']'}"
    try:
        number = float(value)
    except OverflowError:  # an int beyond the float range
        raise error(f"{what} must be {expected}, got {shown(value)}, too large for a float") from None
    below = number <= low if open_low else number < low
    above = number >= high if open_high else number > high
    if not math.isfinite(number) or below or above:
        raise error(f"{what} must be {expected}, got {number!r}")
    return number

"""Preprocessing that travels with a network: per-input affine scaling learnt from training rows.

A :class:`Scaler` maps each input column with ``(x - offset) / scale``. It is fitted once on the
training rows (:meth:`Scaler.fit`), stored on the network (``net.preprocessing``) and in its file,
and applied by every matrix-level entry point (``net.predict``, ``train``), so a saved network
takes the same raw rows it was trained on.

- ``"standardize"``: offset = column mean, scale = column standard deviation (population, as
  :func:`neuronsim.datasets.standardize`); a constant column is only centred (scale 1).
- ``"minmax"``: offset = column minimum, scale = max − min, so training rows land in [0, 1]; a
  constant column maps to 0 (scale 1).

A regression network's targets can be scaled the same way (``net.target_scaler``):
``net.predict`` then returns :meth:`Scaler.inverse_transform` of the outputs.

Examples
--------
>>> from neuronsim.preprocessing import Scaler
>>> scaler = Scaler.fit([[1.0, 10.0], [3.0, 10.0]], names=["a", "b"])
>>> scaler
Scaler('standardize', offset=[2, 10], scale=[1, 1], names=('a', 'b'))
>>> scaler.transform([[1.0, 10.0], [5.0, 12.0]])
array([[-1.,  0.],
       [ 3.,  2.]])
>>> scaler.transform([5.0, 12.0])          # one row in, one row out
array([3., 2.])
>>> Scaler.from_dict(scaler.to_dict()) == scaler
True
"""

import math
import numbers
from collections.abc import Mapping

import numpy as np

from ._checks import shown
from .errors import NeuronsimTypeError, NonFiniteError, ShapeError, SpecError, ValueRangeError

__all__ = ["Scaler", "KINDS"]

KINDS = ("standardize", "minmax")
_FIELDS = ("kind", "offset", "scale", "names")


class Scaler:
    """Per-input affine scaling ``(x - offset) / scale``, learnt from training rows.

    Build one with :meth:`fit` (or :meth:`from_dict` for a saved one); the constructor takes the
    numbers directly.

    Parameters
    ----------
    kind : {"standardize", "minmax"}
        How the numbers were (or would be) fitted; recorded, not used by :meth:`transform`.
    offset, scale : sequence of float
        One finite value per column; every scale is > 0.
    names : sequence of str, optional
        The column (feature) names, one per column.

    Attributes
    ----------
    kind : str
    offset, scale : ndarray of float64, shape (d,)
        Read-only arrays.
    names : tuple of str or None
    width : int
        The number of columns d.

    Raises
    ------
    NeuronsimTypeError
        A value of the wrong type.
    ValueRangeError
        An unknown kind, a non-finite number or a scale <= 0.
    ShapeError
        ``offset``, ``scale`` and ``names`` of different lengths, or none at all.

    Examples
    --------
    >>> scaler = Scaler("minmax", offset=[0.0, -1.0], scale=[2.0, 4.0])
    >>> scaler.transform([[1.0, 1.0]]), scaler.inverse_transform([[0.5, 0.5]])
    (array([[0.5, 0.5]]), array([[1., 1.]]))
    """

    def __init__(self, kind, offset, scale, names=None):
        if not isinstance(kind, str) or kind not in KINDS:
            raise ValueRangeError(f"kind must be one of {', '.join(map(repr, KINDS))}, got {shown(kind)}")
        offset = _finite_list(offset, "offset")
        scale = _finite_list(scale, "scale")
        if not offset:
            raise ShapeError("offset and scale need at least one value (one per column), got none")
        if len(scale) != len(offset):
            raise ShapeError(f"scale has {len(scale)} value{'s' * (len(scale) != 1)} but offset has {len(offset)}; "
                             "give one of each per column")
        for i, value in enumerate(scale):
            if not value > 0:
                raise ValueRangeError(f"scale[{i}] must be > 0, got {value!r}")
        if names is not None:
            names = _names(names, len(offset))
        self._kind = kind
        self._offset = np.array(offset, dtype=np.float64)
        self._scale = np.array(scale, dtype=np.float64)
        self._offset.flags.writeable = self._scale.flags.writeable = False
        self._names = names

    # --- fitting ----------------------------------------------------------------------------------

    @classmethod
    def fit(cls, X, kind="standardize", names=None):
        """Learn the offset and scale of each column of the training rows ``X``.

        Parameters
        ----------
        X : array_like, shape (n, d), n >= 1
            Training rows (raw, unscaled).
        kind : {"standardize", "minmax"}, default "standardize"
            ``"standardize"``: mean 0 and standard deviation 1 on ``X``; a constant column is
            only centred. ``"minmax"``: ``X`` mapped to [0, 1]; a constant column maps to 0.
        names : sequence of str, optional
            Column names, kept for messages and files.

        Returns
        -------
        Scaler

        Raises
        ------
        ShapeError
            ``X`` is not a non-empty 2-D table.
        NeuronsimTypeError, ValueRangeError
            Non-numeric or non-finite values, an unknown kind, or (``"minmax"``) a column whose
            spread max − min does not fit in a float. Standardising computes the mean and
            standard deviation without overflow or underflow, however large or small the values.

        Examples
        --------
        >>> Scaler.fit([[0.0, 5.0], [2.0, 5.0]]).transform([[0.0, 5.0], [2.0, 5.0]])
        array([[-1.,  0.],
               [ 1.,  0.]])
        >>> Scaler.fit([[0.0, 5.0], [4.0, 5.0]], kind="minmax").transform([[1.0, 6.0]])
        array([[0.25, 1.  ]])
        """
        if not isinstance(kind, str) or kind not in KINDS:
            raise ValueRangeError(f"kind must be one of {', '.join(map(repr, KINDS))}, got {shown(kind)}")
        X = _table(X, "X")
        if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
            raise ShapeError(f"X must be a non-empty 2-D table of training rows (n, d), got shape {X.shape}")
        _check_finite(X, "X")
        if names is not None:
            names = _names(names, X.shape[1])
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            spread = X.max(axis=0) - X.min(axis=0)
            if kind == "standardize":
                offset = X.mean(axis=0)
                scale = X.std(axis=0)
                # A sum or squares beyond the float range (or squares of tiny values lost to 0):
                # the statistics again of the column divided by its largest |value|.
                redo = ~(np.isfinite(offset) & np.isfinite(scale)) | ((scale == 0) & (spread != 0))
                if redo.any():
                    size = np.abs(X[:, redo]).max(axis=0)
                    unit = X[:, redo] / size
                    offset[redo] = unit.mean(axis=0) * size
                    scale[redo] = unit.std(axis=0) * size
            else:
                offset = X.min(axis=0)
                scale = spread.copy()
        # A constant column (or one whose spread underflows) is exempt: centred, never divided by 0.
        constant = (spread == 0) | (scale == 0)
        scale[constant] = 1.0
        bad = ~(np.isfinite(offset) & np.isfinite(scale))
        if bad.any():
            j = int(np.flatnonzero(bad)[0])
            column = f"column {j}" if names is None or j >= len(names) else f"column {j} ({shown(names[j])})"
            raise ValueRangeError(f"cannot {kind} X: {column} has values too large for a float "
                                  "statistic; rescale that column first")
        return cls(kind, offset, scale, names)

    # --- applying ---------------------------------------------------------------------------------

    def transform(self, X):
        """Scale raw rows: ``(X - offset) / scale``.

        Parameters
        ----------
        X : array_like, shape (d,) or (n, d)
            One row, or rows.

        Returns
        -------
        ndarray of float64
            Same shape as ``X``: 1-D for one row, 2-D for rows.

        Raises
        ------
        ShapeError
            Not one value per column.
        NeuronsimTypeError, ValueRangeError
            Non-numeric or non-finite values (the message names the cell).
        NonFiniteError
            A finite value that scales beyond the float range.

        Examples
        --------
        >>> Scaler("standardize", [1.0], [2.0]).transform([[3.0], [5.0]])
        array([[1.],
               [2.]])
        """
        X = self._checked(X, "X")
        with np.errstate(over="ignore", invalid="ignore"):
            out = (X - self._offset) / self._scale
        return self._finite_result(out, "transform")

    def inverse_transform(self, X):
        """Undo :meth:`transform`: ``X * scale + offset`` (1-D for one row, 2-D for rows).

        Examples
        --------
        >>> scaler = Scaler.fit([[0.0], [10.0]], kind="minmax")
        >>> scaler.inverse_transform([[0.5], [1.0]])
        array([[ 5.],
               [10.]])
        """
        X = self._checked(X, "X")
        with np.errstate(over="ignore", invalid="ignore"):
            out = X * self._scale + self._offset
        return self._finite_result(out, "inverse_transform")

    def _checked(self, X, what):
        X = _table(X, what)
        d = self.width
        if X.ndim == 1:
            if X.shape[0] != d:
                raise ShapeError(f"{what}: a single row needs {d} value{'s' * (d != 1)} (one per column), "
                                 f"got {X.shape[0]}")
        elif X.ndim != 2 or X.shape[1] != d:
            raise ShapeError(f"{what}: expected shape (n, {d}) or ({d},), got {X.shape}")
        _check_finite(X, what)
        return X

    def _finite_result(self, out, method):
        if not np.isfinite(out).all():
            cell = tuple(int(i) for i in np.argwhere(~np.isfinite(out))[0])
            column = cell[-1]
            label = f"column {column}" if self._names is None else f"column {column} ({shown(self._names[column])})"
            where = f"row {cell[0]}, {label}" if len(cell) == 2 else label
            raise NonFiniteError(f"{method}: {where} goes beyond the float range "
                                 f"(offset {self._offset[column]:.6g}, scale {self._scale[column]:.6g})")
        return out

    # --- attributes -------------------------------------------------------------------------------

    @property
    def kind(self):
        """``"standardize"`` or ``"minmax"``."""
        return self._kind

    @property
    def offset(self):
        """The value subtracted from each column (read-only float array)."""
        return self._offset

    @property
    def scale(self):
        """The positive divisor of each column (read-only float array)."""
        return self._scale

    @property
    def names(self):
        """The column names (a tuple of str), or None."""
        return self._names

    @property
    def width(self):
        """The number of columns."""
        return len(self._offset)

    # --- files and comparison ---------------------------------------------------------------------

    def to_dict(self):
        """A JSON-ready dict: ``{"kind", "offset", "scale", "names"}`` (names may be None).

        Floats are plain Python floats, which JSON writes bit-exactly.

        Examples
        --------
        >>> Scaler("minmax", [0.0], [2.0], names=["t"]).to_dict()
        {'kind': 'minmax', 'offset': [0.0], 'scale': [2.0], 'names': ['t']}
        """
        return {"kind": self._kind, "offset": self._offset.tolist(), "scale": self._scale.tolist(),
                "names": None if self._names is None else list(self._names)}

    @classmethod
    def from_dict(cls, d):
        """A Scaler from a dict as :meth:`to_dict` returns (a parsed JSON object), validated.

        ``names`` may be missing or None.

        Raises
        ------
        SpecError
            A missing, unknown or mistyped field, a non-finite number, a scale <= 0, or lengths
            that differ; the message starts with the field, e.g. ``scale[1]: must be > 0, got 0.0``.

        Examples
        --------
        >>> Scaler.from_dict({"kind": "standardize", "offset": [1.0], "scale": [0.0]})
        Traceback (most recent call last):
        ...
        neuronsim.errors.SpecError: scale[0]: must be > 0, got 0.0
        """
        if not isinstance(d, Mapping):
            raise SpecError(f"expected an object with fields {', '.join(_FIELDS)}, got {type(d).__name__}")
        for key in d:
            if key not in _FIELDS:
                raise SpecError(f"{shown(key)}: unknown field; known: {', '.join(_FIELDS)}")
        for key in ("kind", "offset", "scale"):
            if key not in d:
                raise SpecError(f"{key}: missing field")
        kind = d["kind"]
        if not isinstance(kind, str) or kind not in KINDS:
            raise SpecError(f"kind: expected one of {', '.join(map(repr, KINDS))}, got {shown(kind)}")
        columns = {}
        for key in ("offset", "scale"):
            values = d[key]
            if not isinstance(values, (list, tuple)):
                raise SpecError(f"{key}: expected a list of numbers, got {type(values).__name__}")
            if not values:
                raise SpecError(f"{key}: expected one number per column, got an empty list")
            for i, value in enumerate(values):
                if isinstance(value, bool) or not isinstance(value, numbers.Real):
                    raise SpecError(f"{key}[{i}]: expected a number, got {shown(value)}")
                try:
                    finite = math.isfinite(value)
                except OverflowError:
                    finite = False
                if not finite:
                    raise SpecError(f"{key}[{i}]: must be finite, got {shown(value)}")
                if key == "scale" and not value > 0:
                    raise SpecError(f"scale[{i}]: must be > 0, got {float(value)!r}")
            columns[key] = [float(v) for v in values]
        if len(columns["scale"]) != len(columns["offset"]):
            raise SpecError(f"scale: expected {len(columns['offset'])} values (one per offset), "
                            f"got {len(columns['scale'])}")
        names = d.get("names")
        if names is not None:
            if not isinstance(names, (list, tuple)):
                raise SpecError(f"names: expected a list of strings or null, got {type(names).__name__}")
            if len(names) != len(columns["offset"]):
                raise SpecError(f"names: expected {len(columns['offset'])} names (one per column), got {len(names)}")
            for i, name in enumerate(names):
                if not isinstance(name, str):
                    raise SpecError(f"names[{i}]: expected a string, got {shown(name)}")
        return cls(kind, columns["offset"], columns["scale"], names)

    def __eq__(self, other):
        if not isinstance(other, Scaler):
            return NotImplemented
        return (self._kind == other._kind and self._names == other._names
                and np.array_equal(self._offset, other._offset) and np.array_equal(self._scale, other._scale))

    __hash__ = None  # mutable-looking numbers: compare, don't hash

    def __repr__(self):
        names = "" if self._names is None else f", names={shown(self._names)}"
        return (f"Scaler({self._kind!r}, offset={_numbers(self._offset)}, "
                f"scale={_numbers(self._scale)}{names})")


# --- helpers --------------------------------------------------------------------------------------

def _numbers(values, limit=8):
    text = [f"{v:.4g}" for v in values[:limit]]
    if len(values) > limit:
        text.append(f"... ({len(values)} values)")
    return "[" + ", ".join(text) + "]"


def _table(X, what):
    """``X`` as a float array (any shape), refusing text, booleans and ragged rows."""
    if isinstance(X, (str, bytes)) or isinstance(X, Mapping):
        raise NeuronsimTypeError(f"{what} must be numeric rows, got {type(X).__name__}")
    try:
        raw = np.asarray(X)
    except ValueError:
        raise ShapeError(f"{what} must be a rectangular table of numbers; its rows differ in length") from None
    if raw.dtype.kind not in "iuf":
        if raw.dtype.kind == "O":
            try:
                return np.asarray(X, dtype=np.float64)
            except OverflowError:  # an int beyond the float range
                raise ValueRangeError(f"{what} holds a number too large for a float; values must be finite") from None
            except (TypeError, ValueError):
                pass
        raise NeuronsimTypeError(f"{what} must hold numbers, got {raw.dtype} values")
    return raw.astype(np.float64)


def _check_finite(X, what):
    if not np.isfinite(X).all():
        cell = tuple(int(i) for i in np.argwhere(~np.isfinite(X))[0])
        index = ", ".join(map(str, cell))
        raise ValueRangeError(f"{what}[{index}] is {X[cell]}; values must be finite")


def _finite_list(values, what):
    if isinstance(values, (str, bytes, Mapping)) or not hasattr(values, "__len__"):
        raise NeuronsimTypeError(f"{what} must be a sequence of numbers, got {type(values).__name__}")
    if isinstance(values, np.ndarray) and values.ndim != 1:
        raise ShapeError(f"{what} must be 1-D, got an array of shape {values.shape}")
    result = []
    for i, value in enumerate(values):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
            raise NeuronsimTypeError(f"{what}[{i}] must be a real number, got {shown(value)}")
        try:
            value = float(value)
        except OverflowError:
            raise ValueRangeError(f"{what}[{i}] is too large for a float: {shown(value)}") from None
        if not math.isfinite(value):
            raise ValueRangeError(f"{what}[{i}] must be finite, got {value}")
        result.append(value)
    return result


def _names(names, width):
    if isinstance(names, (str, bytes)) or not hasattr(names, "__iter__"):
        raise NeuronsimTypeError(f"names must be a sequence of {width} string{'s' * (width != 1)}, got {shown(names)}")
    names = tuple(names)
    if len(names) != width:
        raise ShapeError(f"names: expected {width} name{'s' * (width != 1)} (one per column), got {len(names)}")
    for i, name in enumerate(names):
        if not isinstance(name, str):
            raise NeuronsimTypeError(f"names[{i}] must be a string, got {shown(name)}")
    return tuple(str(name) for name in names)  # plain str, not numpy's str_

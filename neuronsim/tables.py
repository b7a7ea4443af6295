"""Reading data tables: a CSV file with a header row into a :class:`~neuronsim.datasets.Dataset`.

Errors name the file, the row (numbered as in a spreadsheet, the header being row 1) and the
column, e.g. ``data.csv: row 7, column 'petal_width': 'abc' is not a number``.
"""

import csv
import io
import math
import os

import numpy as np

from . import _reader, datasets
from ._checks import shown
from .errors import FileFormatError, NeuronsimError, NeuronsimTypeError, ValueRangeError

TASKS = ("auto", "classify", "regress")
_DELIMITERS = ",;\t|"

__all__ = ["load_csv", "MAX_BYTES"]

MAX_BYTES = _reader.MAX_BYTES
"""Default size limit of :func:`load_csv`, in bytes (32 MiB); pass ``max_bytes=`` to read more."""


def load_csv(path, label=None, *, classes=None, task="auto", max_bytes=None):
    """Read a CSV file with a header row into a :class:`~neuronsim.datasets.Dataset`.

    Every column but the label column is a feature and must hold finite numbers. Rows are
    numbered as in a spreadsheet, the header being row 1, so an error message points at the
    line to fix. Blank lines are skipped. The delimiter (``,``, ``;``, tab or ``|``) is
    detected from the header line.

    Parameters
    ----------
    path : str or os.PathLike
    label : str, optional
        Name of the label column (default: the last column).
    task : {"auto", "classify", "regress"}, default "auto"
        ``"classify"``: the labels are class names; ``"regress"``: they are numeric targets.
        ``"auto"`` classifies when the label column holds text or integers (``0``, ``1``, ``2``,
        written without a decimal point, or only 0 and 1 however written) and regresses when it
        holds other numbers (``2.5``, ``3.0``); give ``task="regress"`` for integer-valued
        targets such as counts or years.
        Class names are the sorted distinct labels (sorted numerically when they are all
        numbers, so ``"1"`` and ``"1.0"`` are one class, and integers are compared exactly,
        however many digits they have); two classes give a 0/1 column ``Y``
        (the second class is 1), more give one-hot ``Y``. A regression target is a single
        numeric column.
    classes : bool, optional
        The older spelling of ``task``: True is ``task="classify"``, False ``task="regress"``.
    max_bytes : int, optional
        The most bytes read (default :data:`MAX_BYTES`, read at each call): a larger file, or a
        device such as ``/dev/zero``, is refused after reading no more than that.

    Returns
    -------
    Dataset
        ``labels`` holds the class index of each row and ``classes`` the class names (both
        None for a regression target).

    Raises
    ------
    FileFormatError
        A missing, unreadable or empty file, a header without data rows, or a repeated column.
    NeuronsimError
        An unknown label column, a header with a single column (the message asks about the
        delimiter), a row with the wrong number of cells, a cell that is not a number, e.g.
        ``data.csv: row 7, column 'petal_width': 'abc' is not a number``, a text label with
        ``task="regress"``, or a NaN or infinite label in a column of numbers (a missing value
        is not a class).
    NeuronsimTypeError
        ``path`` is not a str or os.PathLike.

    Examples
    --------
    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "flowers.csv")
    ...     with open(path, "w") as file:
    ...         _ = file.write("length;width;kind\\n1.0;0.5;rose\\n2.0;0.7;tulip\\n1.5;0.4;rose\\n")
    ...     data = load_csv(path)
    >>> data.X.tolist(), data.Y.ravel().tolist(), data.target_names, data.classes
    ([[1.0, 0.5], [2.0, 0.7], [1.5, 0.4]], [0.0, 1.0, 0.0], ('kind=tulip',), ('rose', 'tulip'))
    """
    task = _checked_task(task, classes)
    where = _reader.checked_path(path)  # a NeuronsimTypeError for a non-path
    header, rows = _read_table(where, max_bytes)
    path = _reader.display(where)  # the file as messages show it (a long or odd path cut and quoted)
    if label is None:
        label = header[-1]
    if not isinstance(label, str) or label not in header:
        listed = ", ".join(name if len(name) <= 40 and name.isprintable() else _column(name)
                           for name in header[:10]) + (f", ... ({len(header)} columns)" if len(header) > 10 else "")
        raise NeuronsimError(f"{path}: no column {shown(label, 80)} for the labels; columns: {listed}")
    if len(header) < 2:
        raise NeuronsimError(
            f"{path}: the header has a single column ({shown(header[0])}); a table needs at least one feature "
            f"column besides the label. If the file is separated by something other than , ; tab or |, "
            "save it as comma-separated")
    at = header.index(label)
    features = [name for name in header if name != label]
    X = np.empty((len(rows), len(features)))
    raw_labels = []
    for i, (row_number, cells) in enumerate(rows):
        where = f"{path}: row {row_number}"
        if len(cells) != len(header):
            raise NeuronsimError(f"{where} has {len(cells)} cell{'s' * (len(cells) != 1)}; the header has "
                                 f"{len(header)} columns")
        raw_labels.append(cells[at].strip())
        if not raw_labels[-1]:
            raise NeuronsimError(f"{where}, column {_column(label)}: the label is empty")
        values = cells[:at] + cells[at + 1:]
        for j, (name, text) in enumerate(zip(features, values)):
            X[i, j] = _number(text, f"{where}, column {_column(name)}")
    Y, labels, target_names, class_names = _targets(raw_labels, label, task, path,
                                                    [row_number for row_number, _ in rows])
    kind = "regression target" if class_names is None else f"{len(class_names)} classes"
    name = os.path.basename(where)
    description = f"{len(rows)} rows read from {name}; labels from column {shown(label, 80)} ({kind})."
    return datasets.Dataset(X, Y, labels, features, target_names, name, description, class_names)


def _checked_task(task, classes):
    if not isinstance(task, str) or task not in TASKS:
        raise ValueRangeError(f"task must be one of {', '.join(map(repr, TASKS))}, got {shown(task)}")
    if classes is None:
        return task
    if not isinstance(classes, bool):
        raise NeuronsimTypeError(f"classes must be True, False or None (or use task=...), got {shown(classes)}")
    implied = "classify" if classes else "regress"
    if task not in ("auto", implied):
        raise ValueRangeError(f"classes={classes} means task={implied!r}, which contradicts task={task!r}; "
                              "give only task")
    return implied


def _read_table(path, max_bytes=None):
    """The header (stripped names) and the non-blank rows as ``(row number, cells)``."""
    where = _reader.checked_path(path)  # also the command line's reader of rows without labels
    max_bytes = _reader.limit(max_bytes, MAX_BYTES, "max_bytes")
    data = _reader.read_bytes(where, max_bytes=max_bytes, what="CSV file")
    path = _reader.display(where)
    try:
        text = data.decode("utf-8-sig")
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
        lines = [(reader.line_num, cells) for cells in reader]
    except UnicodeDecodeError as err:
        raise FileFormatError(f"{path}: not a CSV file: not UTF-8 text (byte {err.start})") from None
    except csv.Error as err:
        raise FileFormatError(f"{path}: cannot read the CSV file ({shown(str(err))})") from None
    lines = [(number, cells) for number, cells in lines if any(cell.strip() for cell in cells)]
    if not lines:
        raise FileFormatError(f"{path}: the file is empty; expected a header row, then data rows")
    header = [name.strip() for name in lines[0][1]]
    for position, name in enumerate(header, start=1):
        if not name:
            raise FileFormatError(f"{path}: row {lines[0][0]}: column {position} of the header has no name")
        if header.index(name) != position - 1:
            raise FileFormatError(f"{path}: row {lines[0][0]}: column {_column(name)} appears twice in the header")
    if len(lines) == 1:
        raise FileFormatError(f"{path}: no data rows after the header")
    return header, lines[1:]


def _delimiter(text):
    """The delimiter of the header line (the first non-blank line): , ; tab or |; default ,."""
    lines = io.StringIO(text, newline=None)  # read lazily: a large file is never split whole
    first = next((line.rstrip("\n") for line in lines if line.strip()), "")
    try:
        return csv.Sniffer().sniff(first, delimiters=_DELIMITERS).delimiter
    except csv.Error:  # one column, or no candidate: read as comma-separated
        return ","


def _number(text, where):
    text = text.strip()
    if not text:
        raise NeuronsimError(f"{where}: empty cell; every feature needs a number")
    try:
        value = float(text)
    except ValueError:
        raise NeuronsimError(f"{where}: {shown(text, 80)} is not a number") from None
    if not math.isfinite(value):
        raise NeuronsimError(f"{where}: {shown(text, 80)} is not a finite number")
    return value


def _column(name):
    """A column name as a message quotes it (bounded)."""
    return shown(name, 80)


def _targets(raw, column, task, path, row_numbers):
    """``(Y, labels, target_names, classes)`` from the label cells (see :func:`load_csv`)."""
    numbers = [_maybe_number(text) for text in raw]   # int, float (perhaps not finite) or None
    numeric = all(value is not None for value in numbers)
    if task == "auto":
        integers = numeric and (all(isinstance(value, int) for value in numbers) or set(numbers) <= {0, 1})
        task = "classify" if not numeric or integers else "regress"
    if task == "regress" and not numeric:
        bad = next(i for i, value in enumerate(numbers) if value is None)
        raise NeuronsimError(f"{path}: row {row_numbers[bad]}, column {_column(column)}: label {shown(raw[bad], 80)} "
                             "is not a number; a regression target needs numbers (use task='classify' for class "
                             "names)")
    if numeric:  # a numeric column needs finite numbers, whether targets or class keys
        for i, value in enumerate(numbers):
            try:
                finite = math.isfinite(value)
            except OverflowError:  # an integer beyond the float range: a class name, not a target
                finite = task == "classify"
            if not finite:
                raise NeuronsimError(f"{path}: row {row_numbers[i]}, column {_column(column)}: label "
                                     f"{shown(raw[i], 80)} is not a finite number; a numeric label column "
                                     "needs finite numbers (a missing value cannot be a label)")
    if task == "regress":
        return np.array(numbers, dtype=float)[:, None], None, (column,), None
    keys = numbers if numeric else raw     # numeric labels: "1" and "1.0" are one class
    distinct = sorted(set(keys))
    names = [_class_name(key) for key in distinct]
    if len(names) < 2:
        raise NeuronsimError(f"{path}: column {_column(column)}: every label is {shown(names[0], 80)}; "
                             "classes need at least two")
    index = {key: i for i, key in enumerate(distinct)}
    labels = np.array([index[key] for key in keys])
    if len(names) == 2:
        return labels[:, None].astype(float), labels, (f"{column}={names[1]}",), tuple(names)
    return datasets.one_hot(labels, len(names)), labels, tuple(names), tuple(names)


def _class_name(key):
    if isinstance(key, float):
        return str(int(key)) if key.is_integer() else repr(key)
    return str(key)  # text, or an exact integer however many digits it has


def _maybe_number(text):
    """An exact int for integer text ("7", "-12345678901234567890"), else a float (perhaps NaN or
    infinite), else None for text that is not a number."""
    try:
        return int(text)
    except ValueError:  # not integer text (or more digits than int() reads: read as a float)
        pass
    try:
        return float(text)
    except ValueError:
        return None

"""What the command line reads: networks named by its ``NET`` argument and data by ``--data``.

A ``NET`` is a saved network (JSON with a ``"format"`` field, read by :func:`neuronsim.load`), a
spec file (JSON or YAML, :mod:`neuronsim.spec`) or a layered shorthand such as ``2-8-1`` or
``4-relu:16-tanh:8-3`` (see :func:`layered`). ``--data`` is a built-in data set's name or a CSV
file (read by :func:`neuronsim.tables.load_csv`).
"""

import re
from pathlib import Path


from . import _reader, datasets, io
from ._checks import shown
from .activations import get as get_activation
from .errors import FileFormatError, NeuronsimError, SpecError
from .io import load
from .spec import BYTES_PER_LINK, BYTES_PER_NEURON, build, check_size, load_spec_file
from .tables import load_csv

__all__ = ["load_network", "layered", "load_data", "is_csv"]

_SHORTHAND = re.compile(r"^\d+(-([A-Za-z_]\w*:)?\d+)+$")


def load_network(source, seed=None):
    """``(net, optimizer, metadata)`` from a saved network, a spec file or a layered shorthand.

    ``seed`` seeds the weights a spec or shorthand does not give (default: the spec file's
    ``"seed"``, else 0); a saved network keeps its own weights and may bring its optimizer and
    metadata (else None).

    Examples
    --------
    >>> net, optimizer, metadata = load_network("2-3-1")
    >>> len(net), optimizer, metadata
    (6, None, None)
    """
    where = _reader.checked_path(source)  # a NUL byte: FileFormatError, not a raw ValueError
    path = Path(where)
    if not path.exists() and _SHORTHAND.match(where):
        return layered(where, 0 if seed is None else seed), None, None
    if not path.exists():
        raise FileFormatError(f"{_reader.display(where)}: no such file (a network is a saved .json, a spec "
                              "file or a layered shorthand like 2-8-1)")
    if path.suffix.lower() not in (".yaml", ".yml"):
        saved = _saved_network(path)
        if saved is not None:
            return saved
    spec = load_spec_file(path)
    if not isinstance(spec, (list, dict)):  # e.g. a file holding only "/other/net.json": never a path
        raise SpecError(f"{_reader.display(where)}: a spec file holds a list of layers or a dict, "
                        f"got {type(spec).__name__}")
    if seed is None:
        seed = spec.get("seed") if isinstance(spec, dict) and spec.get("seed") is not None else 0
    try:
        return build(spec, seed=seed), None, None
    except SpecError as err:
        raise SpecError(f"{_reader.display(where)}: {err}") from None


def _saved_network(path):
    """``(net, optimizer, metadata)`` when ``path`` holds a saved network (JSON with a "format"
    field), else None. The file is read once, by the bounded reader. A file that cannot be read
    or parsed counts as a saved network unless it ends in .json, so that load() says what is
    wrong with it (load_spec_file does for a .json)."""
    try:
        where, document = io._read_document(path)
    except NeuronsimError:
        if path.suffix.lower() == ".json":
            return None
        return load(path, with_extras=True)
    if not (isinstance(document, dict) and "format" in document):
        return None
    return io._from_file_document(where, document, with_extras=True)


MAX_WIDTH = 100_000        # neurons in one layer of a shorthand
MAX_LINKS = 2_000_000      # links of a whole shorthand network
_PART = re.compile(r"^(?:([A-Za-z_]\w*):)?(\d+)$")


def layered(text, seed=0, *, regression=False):
    """A layered network from a shorthand: widths joined by ``-``, e.g. ``2-8-1``.

    Inputs are identity; a hidden or output layer may be written ``ACTIVATION:WIDTH``; otherwise
    hidden layers are tanh and the output layer sigmoid for one neuron, identity (for softmax
    cross-entropy) for several, or identity whatever its width when ``regression`` is True (a
    network that answers with numbers, trained with squared error).

    Parameters
    ----------
    text : str
        The shorthand: at least two layers, each 1 to ``MAX_WIDTH`` neurons, at most
        ``MAX_LINKS`` links in all.
    seed : int, default 0
        Seed of the initial weights.
    regression : bool, default False
        Make an output layer written without an activation identity.

    Returns
    -------
    Network

    Raises
    ------
    SpecError
        A part that is not a layer size, a size out of range, an unknown activation; the
        message names the shorthand and the part, e.g. ``layered shorthand 4-x-3: 'x' is not a
        layer size``.

    Examples
    --------
    >>> [n.activation.name for n in layered("1-relu:2-3")]
    ['identity', 'relu', 'relu', 'identity', 'identity', 'identity']
    >>> layered("2-8-1", regression=True).outputs[0].activation.name
    'identity'
    >>> layered("4-x-3")
    Traceback (most recent call last):
    ...
    neuronsim.errors.SpecError: layered shorthand 4-x-3: 'x' is not a layer size; write widths joined by '-', ...
    """
    if not isinstance(text, str):
        raise SpecError(f"a layered shorthand is text such as '2-8-1', got {type(text).__name__}")
    where = f"layered shorthand {text if len(text) <= 60 else shown(text, 60)}"
    parts = text.split("-")
    if len(parts) < 2:
        raise SpecError(f"{where}: needs at least two layers (inputs and outputs), e.g. 2-8-1")
    widths, activations = [], []
    for part in parts:
        match = _PART.match(part.strip())
        if match is None:
            raise SpecError(f"{where}: {shown(part, 40)} is not a layer size; write widths joined by '-', "
                            "e.g. 2-8-1 or 2-relu:16-1")
        width = int(match.group(2)) if len(match.group(2)) <= 7 else MAX_WIDTH + 1
        if not 1 <= width <= MAX_WIDTH:
            raise SpecError(f"{where}: a layer has 1 to {MAX_WIDTH:,} neurons, got {shown(match.group(2), 40)}")
        if match.group(1) is not None:
            try:
                get_activation(match.group(1))
            except NeuronsimError as err:
                raise SpecError(f"{where}: {err}") from None
        widths.append(width)
        activations.append(match.group(1))
    if activations[0] is not None:
        raise SpecError(f"{where}: the first layer is the inputs (identity, clamped); write only its width, "
                        f"e.g. {widths[0]}-...")
    links = sum(a * b for a, b in zip(widths, widths[1:]))
    try:
        check_size(sum(widths), links, max_links=MAX_LINKS)   # the cost model of build(), at the CLI's limit
    except SpecError:
        raise SpecError(f"{where}: {sum(widths):,} neurons and {links:,} links; the command line builds "
                        f"networks of at most {MAX_LINKS:,} links (a neuron counting as "
                        f"{BYTES_PER_NEURON / BYTES_PER_LINK:.1f})") from None
    layers = [("identity", widths[0])]
    for position, (activation, width) in enumerate(zip(activations[1:], widths[1:]), start=1):
        if activation is None:
            last = position == len(widths) - 1
            activation = ("tanh" if not last else "identity" if regression or width > 1 else "sigmoid")
        layers.append((activation, width))
    try:
        return build(layers, seed=seed, max_links=MAX_LINKS)
    except SpecError as err:
        raise SpecError(f"{where}: {err}") from None


TRUTH_TABLES = ("encoder", "mirror_symmetry", "negation", "parity", "xor")  # every case, no noise
_SIZED_BY_INPUTS = ("encoder", "parity")   # built-in sets whose size is the number of inputs


def is_csv(source):
    """Whether ``--data`` names a CSV file rather than a built-in data set: it ends in ``.csv``,
    holds a path separator or names an existing file.

    Examples
    --------
    >>> is_csv("iris"), is_csv("runs/iris.csv"), is_csv("data/rows")
    (False, True, True)
    """
    if source.lower().endswith(".csv") or any(sep in source for sep in "/\\"):
        return True
    try:
        return Path(source).is_file()
    except (OSError, ValueError):  # a name the system cannot look up (too long): not a file
        return False


def load_data(source, label=None, task="auto", *, inputs=None):
    """A :class:`~neuronsim.datasets.Dataset` from ``--data``: a CSV path or a built-in name.

    Parameters
    ----------
    source : str
        A CSV file (anything ending in ``.csv``, holding a path separator, or naming an
        existing file), read by :func:`~neuronsim.tables.load_csv`; otherwise a built-in data
        set's name (:func:`neuronsim.datasets.available`).
    label : str, optional
        The CSV's label column (default: its last column); CSV only.
    task : {"auto", "classify", "regress"}, default "auto"
        Whether the CSV's labels are classes or numeric targets (see
        :func:`~neuronsim.tables.load_csv`); CSV only.
    inputs : int, optional
        The network's number of inputs: the size of ``parity`` and ``encoder``, which have no
        fixed size.

    Raises
    ------
    FileFormatError
        A folder, a missing file or an unreadable one.
    NeuronsimError
        An unknown data set, or ``label``/``task`` given for a built-in set.

    Examples
    --------
    >>> load_data("xor")
    Dataset(name='xor', n=4, inputs=2, outputs=1)
    >>> load_data("parity", inputs=3)
    Dataset(name='parity', n=8, inputs=3, outputs=1)
    """
    if not isinstance(source, str) or not source.strip():
        raise NeuronsimError("empty --data argument; give a built-in data set "
                             f"({', '.join(datasets.available())}) or a CSV file")
    if "\0" in source:
        raise FileFormatError(f"{shown(source)}: a file name cannot hold a NUL byte")
    path = Path(source)
    if path.is_dir():
        raise FileFormatError(f"{source}: is a directory; --data takes a CSV file or a built-in data set "
                              f"({', '.join(datasets.available())})")
    if is_csv(source):
        return load_csv(source, label, task=task)
    if label is not None or task != "auto":
        what = "a label column" if label is not None else f"task {shown(task)}"
        raise NeuronsimError(f"{what} applies to CSV data, not to the built-in data set {shown(source)}")
    name = source.strip().lower().replace("-", "_")
    if name in _SIZED_BY_INPUTS and inputs is not None:
        return datasets.load(name, n=inputs)
    if name not in datasets.available():
        raise NeuronsimError(f"unknown data set {shown(source)}: no such file, and not a built-in data set "
                             f"({', '.join(datasets.available())})")
    return datasets.load(name)

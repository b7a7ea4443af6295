"""What the command line reads: networks named by its ``NET`` argument and data by ``--data``.

A ``NET`` is a saved network (JSON with a ``"format"`` field, read by :func:`neuronsim.load`), a
spec file (JSON or YAML, :mod:`neuronsim.spec`) or a layered shorthand such as ``2-8-1`` or
``4-relu:16-tanh:8-3`` (see :func:`layered`). ``--data`` is a built-in data set's name or a CSV
file (read by :func:`neuronsim.tables.load_csv`).
"""

import json
import re
from pathlib import Path


from . import datasets
from .errors import FileFormatError, NeuronsimError, SpecError
from .io import load
from .spec import build, load_spec_file
from .tables import load_csv

__all__ = ["load_network", "layered", "load_data"]

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
    path = Path(source)
    if not path.exists() and _SHORTHAND.match(source):
        return layered(source, 0 if seed is None else seed), None, None
    if not path.exists():
        raise FileFormatError(f"{source}: no such file (a network is a saved .json, a spec file "
                              "or a layered shorthand like 2-8-1)")
    if path.suffix.lower() not in (".yaml", ".yml") and _is_saved_network(path):
        return load(path, with_extras=True)
    spec = load_spec_file(path)
    if seed is None:
        seed = spec.get("seed") if isinstance(spec, dict) and spec.get("seed") is not None else 0
    try:
        return build(spec, seed=seed), None, None
    except SpecError as err:
        raise SpecError(f"{path}: {err}") from None


def _is_saved_network(path):
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return path.suffix.lower() != ".json"     # not a spec: let load() say what is wrong
    return isinstance(document, dict) and "format" in document


def layered(text, seed=0):
    """A layered network from a shorthand: widths joined by ``-``, e.g. ``2-8-1``.

    Inputs are identity; a hidden or output layer may be written ``ACTIVATION:WIDTH``; otherwise
    hidden layers are tanh and the output layer sigmoid for one neuron, identity (for softmax
    cross-entropy) for several.

    Examples
    --------
    >>> [n.activation.name for n in layered("1-relu:2-3")]
    ['identity', 'relu', 'relu', 'identity', 'identity', 'identity']
    """
    parts = text.split("-")
    layers = [("identity", int(parts[0]))]
    for position, part in enumerate(parts[1:], start=1):
        activation, _, width = part.rpartition(":")
        if not activation:
            last = position == len(parts) - 1
            activation = "tanh" if not last else "sigmoid" if int(width) == 1 else "identity"
        layers.append((activation, int(width)))
    try:
        return build(layers, seed=seed)
    except SpecError as err:
        raise SpecError(f"layered shorthand {text!r}: {err}") from None


def load_data(source, label=None):
    """A :class:`~neuronsim.datasets.Dataset` from ``--data``: a CSV path or a built-in name.

    Anything ending in ``.csv`` or naming an existing file is read by :func:`load_csv` (with
    ``label``); anything else is looked up by :func:`neuronsim.datasets.load`.

    Examples
    --------
    >>> load_data("xor")
    Dataset(name='xor', n=4, inputs=2, outputs=1)
    """
    if source.lower().endswith(".csv") or Path(source).is_file():
        return load_csv(source, label)
    if label is not None:
        raise NeuronsimError(f"a label column applies to CSV data, not to the built-in data set {source!r}")
    return datasets.load(source)

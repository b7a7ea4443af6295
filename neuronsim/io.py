"""Saving and loading networks as versioned JSON files (exports for other tools: :mod:`neuronsim.export`).

A network file is plain JSON (version 2)::

    {"format": "neuronsim.network", "version": 2,
     "neurons": [{"name": "x1", "activation": "identity", "bias": 0.0}, ...],
     "edges": [["x1", "h1", 0.5], ...],
     "inputs": ["x1", "x2"], "outputs": ["o1"],
     "preprocessing": {"kind": "standardize", "offset": [5.84, ...], "scale": [0.83, ...],
                       "names": ["sepal_length", ...]},
     "classes": ["setosa", "versicolor", "virginica"],
     "target_names": ["setosa", "versicolor", "virginica"],
     "target_scaler": {"kind": "standardize", "offset": [...], "scale": [...], "names": null},
     "optimizer": {"type": "SGD", "config": {"lr": 0.1, "momentum": 0.9, ...},
                   "state": {"keys": [["x1", "h1"], "h1", ...], "slots": {"velocity": [...]}}},
     "metadata": {"epoch": 12, "note": "anything JSON"}}

``inputs``/``outputs`` appear only when they were named explicitly (otherwise they are
inferred again on loading), the other fields only when set: ``preprocessing`` is the
network's input :class:`~neuronsim.preprocessing.Scaler` (``Scaler.to_dict()``), ``classes``
its class names, ``class_targets`` the two output values a single-output classifier was
trained toward (e.g. ``[0.0, 1.0]`` for a tanh output), ``target_names`` the names of its
outputs and ``target_scaler`` a regression network's target Scaler (see
:class:`~neuronsim.Network`); ``optimizer`` and ``metadata`` are saved when given
(``metadata`` defaults to ``net.metadata``). Neurons are listed
in the order they were added and edges in an order that reproduces every neuron's incoming and
outgoing link order (see :func:`neuronsim.spec.to_spec`), so a loaded network sums in the same
order and gives bit-identical outputs and gradients. Floats are written with Python's shortest
round-tripping repr, so every weight comes back bit for bit.

Versions: version 2 added ``preprocessing``, ``classes``, ``class_targets``, ``target_names``
and ``target_scaler``. A network that has none of them is written as version 1, which older
neuronsim versions read too; both versions load. A file whose ``metadata.standardize`` is
``{"mean": [...], "std": [...]}`` (what ``neuronsim train --standardize`` wrote before version
2) and that has no ``preprocessing`` field loads with that standardisation as
``net.preprocessing``, so its network keeps giving the answers it was trained to give.

Saving is atomic: the file is written to a temporary file in the same folder, flushed to disk
and renamed over the target, so an interrupted save leaves the previous file intact (and the
temporary files of a save that was killed are removed by a later save of the same file). Loading
reads JSON only (never pickle, eval or YAML tags) and validates every field; errors name the
file and the field path, e.g. ``net.json: neurons[3].activation: unknown activation 'swishy'``.
Structural and field problems raise :class:`~neuronsim.errors.SpecError`; problems with the
file itself (missing, not a regular file or pipe, empty, not UTF-8, not JSON, nested more than
100 levels deep, a key repeated in one object) raise :class:`~neuronsim.errors.FileFormatError`.

Loading is bounded: at most :data:`MAX_BYTES` bytes are read (argument ``max_bytes``), and the
neurons and edges are counted against :data:`neuronsim.spec.MAX_LINKS` (argument ``max_links``)
before anything is built, so a huge or endless file is refused in seconds with little memory.

Examples
--------
>>> import os, tempfile
>>> import neuronsim
>>> from neuronsim import io
>>> net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 3), ("sigmoid", 1)], seed=0)
>>> with tempfile.TemporaryDirectory() as folder:
...     path = os.path.join(folder, "net.json")
...     io.save(net, path, metadata={"epoch": 3})
...     twin, optimizer, metadata = io.load(path, with_extras=True)
>>> twin.parameters() == net.parameters(), optimizer, metadata
(True, None, {'epoch': 3})

What turns raw rows into answers is saved too (a version 2 file):

>>> from neuronsim.preprocessing import Scaler
>>> net.preprocessing = Scaler("standardize", offset=[1.0, 2.0], scale=[0.5, 4.0])
>>> net.classes = ["no", "yes"]
>>> with tempfile.TemporaryDirectory() as folder:
...     path = os.path.join(folder, "net.json")
...     net.save(path, metadata={"epoch": 3})
...     twin = neuronsim.load(path)
>>> twin.preprocessing == net.preprocessing, twin.classes, twin.metadata
(True, ('no', 'yes'), {'epoch': 3})
>>> twin.predict_classes([[1.0, 2.0], [9.0, -9.0]]).tolist() == net.predict_classes([[1.0, 2.0], [9.0, -9.0]]).tolist()
True
"""

import inspect
import json
import math
import numbers
import os
import re
from collections import namedtuple
from collections.abc import Mapping

import networkx as nx
import numpy as np

from . import activations as _activations
from . import optim as _optim
from . import _reader
from . import spec as _spec
from ._atomic import atomic_write
from ._checks import shown
from ._gc import paused_gc
from .errors import NeuronsimError, NeuronsimTypeError, ShapeError, SpecError, ValueRangeError
from .network import Network
from .spec import to_spec

__all__ = ["FORMAT", "VERSION", "MAX_BYTES", "Saved", "save", "load", "to_document", "from_document"]

FORMAT = "neuronsim.network"
VERSION = 2  # the newest version read and written (version 1 files are read too)

MAX_BYTES = _reader.MAX_BYTES
"""Default size limit of a network file read by :func:`load`, in bytes (32 MiB; a saved network
of a million links takes about 25 MB). Raise it per call with ``max_bytes=``; setting this name
changes the default."""

_FIELDS = ("format", "version", "neurons", "edges", "inputs", "outputs", "preprocessing", "classes",
           "class_targets", "target_names", "target_scaler", "optimizer", "metadata")
_V2_FIELDS = ("preprocessing", "classes", "class_targets", "target_names", "target_scaler")  # not in version 1
_FIELD = re.compile(r"[a-z_]+[\[:]")  # a message that starts with a field path, e.g. "scale[1]: ..."
_OPTIMIZERS = {cls.__name__: cls for cls in (_optim.SGD, _optim.Adam)}
_SCHEDULES = {cls.__name__: cls for cls in (_optim.StepDecay, _optim.ExponentialDecay, _optim.LinearDecay)}

Saved = namedtuple("Saved", "network optimizer metadata")
Saved.__doc__ = """What :func:`load` returns with ``with_extras=True``: unpack it as ``net, opt, meta``.

``network`` is the :class:`~neuronsim.Network`; ``optimizer`` a ready-to-use
:class:`~neuronsim.optim.Optimizer` with its saved configuration and per-parameter state (None
when none was saved); ``metadata`` the saved dict (None when none was saved).
"""


# --- saving ---------------------------------------------------------------------------------------

def save(net, path, *, optimizer=None, metadata=None, indent=None):
    """Save a network (and optionally an optimizer's state and free metadata) as JSON, atomically.

    Parameters
    ----------
    net : Network
    path : str or os.PathLike
    optimizer : SGD or Adam, optional
        Its configuration (built-in learning-rate schedules included) and per-parameter state
        are saved, so training can resume exactly where it stopped.
    metadata : dict, optional
        Free JSON data: str keys; values None, bool, int, finite float, str, lists/tuples
        (loaded back as lists) and dicts. numpy scalars are saved as plain numbers. Default:
        ``net.metadata`` (what the network was loaded with, if anything).
    indent : int, optional
        Passed to :func:`json.dumps` (None: one compact line).

    Raises
    ------
    NeuronsimTypeError, ValueRangeError
        Metadata or optimizer state that JSON cannot hold (the message names the field).
    SpecError
        An activation that is not registered under its name.
    TopologyError
        A network load() would refuse (no inputs or outputs, ...).
    NeuronsimError
        The file could not be written; the previous file, if any, is unchanged.

    Examples
    --------
    >>> import os, tempfile
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 1), ("sigmoid", 1)], init="constant")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "net.json")
    ...     save(net, path)
    ...     print(open(path).read())
    {"format": "neuronsim.network", "version": 1, "neurons": [{"name": "x1", "activation": "identity", "bias": 0.0}, {"name": "o1", "activation": "sigmoid", "bias": 0.0}], "edges": [["x1", "o1", 1.0]], "inputs": ["x1"], "outputs": ["o1"]}
    >>> net.classes = ["no", "yes"]                   # a version 2 field
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "net.json")
    ...     save(net, path)
    ...     print(open(path).read()[:48], "...", open(path).read()[-31:])
    {"format": "neuronsim.network", "version": 2, "n ... "classes": ["no", "yes"]}
    """
    document = to_document(net, optimizer=optimizer, metadata=metadata)
    try:
        text = json.dumps(document, allow_nan=False, indent=_checked_indent(indent)) + "\n"
    except (TypeError, ValueError) as err:  # to_document checked every value; this is a backstop
        raise NeuronsimError(f"{os.fspath(path)}: cannot encode the network as JSON ({err})") from None
    atomic_write(path, lambda file: file.write(text.encode("ascii")))


def _checked_indent(indent):
    if indent is not None and (isinstance(indent, bool) or not isinstance(indent, int) or indent < 0):
        raise NeuronsimTypeError(f"indent must be None or an integer >= 0, got {indent!r}")
    return indent


def to_document(net, *, optimizer=None, metadata=None):
    """The JSON-ready dict that :func:`save` writes (see the module documentation).

    ``metadata`` defaults to ``net.metadata``; the network's preprocessing, classes, class
    targets, target names and target scaler are written when set (and the version is 2 only
    then).

    Examples
    --------
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 1), ("identity", 1)], init="constant")
    >>> sgd = neuronsim.optim.SGD(lr=0.5)
    >>> _ = net.forward([1.0]); _ = net.backward([0.0]); sgd.step(net)
    >>> to_document(net, optimizer=sgd)["optimizer"]["state"]
    {'keys': [['x1', 'o1'], 'o1'], 'slots': {'velocity': [-0.5, -0.5]}}
    """
    if not isinstance(net, Network):
        raise NeuronsimTypeError(f"expected a Network, got {type(net).__name__}")
    net.outputs  # refuse what load() would refuse: a cycle, no inputs or outputs, a bad weight
    document = {"format": FORMAT, "version": 1}
    document.update(to_spec(net))
    extras = {"preprocessing": net.preprocessing, "classes": net.classes, "class_targets": net.class_targets,
              "target_names": net.target_names, "target_scaler": net.target_scaler}
    for key, value in extras.items():
        if value is None:
            continue
        document["version"] = VERSION  # a version 2 field: older readers would refuse it anyway
        document[key] = value.to_dict() if key in ("preprocessing", "target_scaler") else list(value)
    _check_extras(net)
    if optimizer is not None:
        document["optimizer"] = _optimizer_document(optimizer, net)
    if metadata is None:
        metadata = net.metadata
    if metadata is not None:
        if not isinstance(metadata, Mapping):
            raise NeuronsimTypeError(f"metadata must be a dict, got {type(metadata).__name__}")
        document["metadata"] = _plain(metadata, "metadata", NeuronsimTypeError, ValueRangeError)
    return document


def _optimizer_document(optimizer, net):
    cls = type(optimizer)
    if _OPTIMIZERS.get(cls.__name__) is not cls:
        raise NeuronsimTypeError(f"optimizer: cannot save a {cls.__name__}; neuronsim saves "
                                 f"{', '.join(sorted(_OPTIMIZERS))}")
    config = {}
    for name in _config_names(cls):
        value = getattr(optimizer, name)
        if name == "schedule" and value is not None:
            value = _schedule_document(value)
        config[name] = list(value) if isinstance(value, tuple) else value
    state = optimizer.state
    known = set(net.parameter_keys())
    if state and not any(key in known for key in state):
        raise NeuronsimError("optimizer: its state names none of this network's parameters; "
                             "was it used with another network?")
    # State of parameters removed since the last step is dropped, as the optimizer itself
    # would drop it at its next step.
    keys = [key for key in state if key in known]
    slots = {}
    for slot in optimizer.slots:
        values = [state[key][slot] for key in keys]
        for i, value in enumerate(values):
            if not math.isfinite(value):
                raise ValueRangeError(f"optimizer.state.slots.{slot}[{i}] (parameter {shown(keys[i])}) "
                                      f"must be finite, got {value}")
        slots[slot] = values
    return {"type": cls.__name__, "config": config,
            "state": {"keys": [list(key) if isinstance(key, tuple) else key for key in keys], "slots": slots}}


def _config_names(cls):
    return [name for name in inspect.signature(cls.__init__).parameters if name != "self"]


def _schedule_document(schedule):
    cls = type(schedule)
    if _SCHEDULES.get(cls.__name__) is not cls:
        raise NeuronsimTypeError(f"optimizer.config.schedule: cannot save a custom schedule ({shown(schedule)}); "
                                 f"neuronsim saves {', '.join(sorted(_SCHEDULES))}")
    return {"type": cls.__name__, **{name: getattr(schedule, name) for name in _config_names(cls)}}


def _plain(value, path, type_error, range_error):
    """A copy of ``value`` made of JSON types only, or an error naming the path of the culprit."""
    try:
        return _plain_walk(value, path, type_error, range_error)
    except RecursionError:
        raise type_error(f"{path}: nested too deeply") from None


def _plain_walk(value, path, type_error, range_error):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, _NonFinite):
        raise range_error(f"{path}: must be finite, got {value.text}")
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        if not math.isfinite(value):
            raise range_error(f"{path}: must be finite, got {value}")
        return value
    if isinstance(value, Mapping):
        plain = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise type_error(f"{path}: keys must be strings, got {type(key).__name__} {shown(key)}")
            plain[key] = _plain_walk(item, _child(path, key), type_error, range_error)
        return plain
    if isinstance(value, (list, tuple)):
        return [_plain_walk(item, f"{path}[{i}]", type_error, range_error) for i, item in enumerate(value)]
    raise type_error(f"{path}: {type(value).__name__} cannot be saved as JSON; use None, bool, int, float, "
                     "str, lists and dicts with string keys")


def _child(path, key):
    if isinstance(key, str) and key.isidentifier() and len(key) <= 80:
        return f"{path}.{key}"
    if isinstance(key, str):
        quoted = json.dumps(key) if len(key) <= 80 else json.dumps(key[:77])[:-1] + '..."'
        return f"{path}[{quoted}]"
    return f"{path}[{shown(key, 80)}]"


def _label(name):
    """A name from a file as a message shows it bare (``x1 -> h``): as is when short and
    printable, else cut and quoted."""
    return name if len(name) <= 80 and name.isprintable() else shown(name, 80)


# --- loading --------------------------------------------------------------------------------------

def load(path, *, with_extras=False, max_bytes=None, max_links=None):
    """Load a network saved by :func:`save`, validating every field.

    Parameters
    ----------
    path : str or os.PathLike
    with_extras : bool, default False
        Also return the saved optimizer and metadata, as a :class:`Saved` ``(network,
        optimizer, metadata)``.
    max_bytes : int, optional
        The most bytes read (default :data:`MAX_BYTES`, 32 MiB, read at each call): a larger
        file is refused after reading no more than this.
    max_links : int, optional
        The size limit of the network, in links (default :data:`neuronsim.spec.MAX_LINKS`):
        the neurons and links are counted before anything is built (see
        :func:`neuronsim.spec.check_size`).

    Returns
    -------
    Network or Saved

    Raises
    ------
    FileFormatError
        A path with a NUL byte; the file is missing, a directory, not a regular file or pipe
        (e.g. a device), larger than ``max_bytes``, empty, not UTF-8, not valid JSON (with line
        and column), nested more than 100 levels deep, or repeats a key in one object.
    SpecError
        Wrong format or version, a missing, mistyped or unknown field, an unknown activation
        (custom activations must be registered before loading), an edge to an unknown neuron,
        a cycle, a non-finite number, a duplicate name, bad optimizer state or metadata. The
        message starts with the file and the field path.

    Examples
    --------
    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "bad.json")
    ...     with open(path, "w") as file:
    ...         _ = file.write('{"format": "neuronsim.network", "version": 1, '
    ...                        '"neurons": [{"name": "x", "activation": "swishy", "bias": 0}], "edges": []}')
    ...     try:
    ...         load(path)
    ...     except SpecError as err:
    ...         print(str(err).replace(path, "bad.json")[:64])
    bad.json: neurons[0].activation: unknown activation 'swishy'; kn
    """
    max_links = _reader.limit(max_links, _spec.MAX_LINKS, "max_links")
    where, document = _read_document(path, max_bytes)
    return _from_file_document(where, document, with_extras=with_extras, max_links=max_links)


def _read_document(path, max_bytes=None):
    """``(where, document)``: the path as a str and the parsed JSON of a network file."""
    return _reader.read_json(path, max_bytes=_reader.limit(max_bytes, MAX_BYTES, "max_bytes"),
                             parse_constant=_NonFinite, prefix="not a network file: ")


def _from_file_document(where, document, *, with_extras=False, max_links=None):
    """:func:`from_document` for a document read from the file ``where`` (errors start with it)."""
    try:
        return from_document(document, with_extras=with_extras, max_links=max_links)
    except SpecError as err:
        raise SpecError(f"{_reader.display(where)}: {err}") from None


class _NonFinite:
    """Stands for a NaN/Infinity literal until validation reports it with its field path."""

    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text


def from_document(document, *, with_extras=False, max_links=None):
    """Build a network from a parsed document (a dict as :func:`to_document` returns).

    Validates like :func:`load` (errors name the field path, without a file name), and counts
    the neurons and edges against ``max_links`` (default :data:`neuronsim.spec.MAX_LINKS`)
    before building anything.

    Examples
    --------
    >>> net = from_document({"format": "neuronsim.network", "version": 1,
    ...                      "neurons": [{"name": "x", "activation": "identity", "bias": 0.0},
    ...                                  {"name": "y", "activation": "tanh", "bias": 0.5}],
    ...                      "edges": [["x", "y", 2.0]]})
    >>> net
    Network(2 neurons, 1 edges, inputs=['x'], outputs=['y'])
    >>> from_document({"format": "neuronsim.network", "version": 3})
    Traceback (most recent call last):
    ...
    neuronsim.errors.SpecError: version: unsupported version 3 (this neuronsim reads 1 and 2; the file was written by a newer one)
    """
    if not isinstance(document, dict):
        raise SpecError(f"expected a JSON object at the top level, got {_got(document)}")
    if "format" not in document:
        raise SpecError(f"format: missing field; not a neuronsim network file (expected \"format\": \"{FORMAT}\")")
    if document["format"] != FORMAT:
        raise SpecError(f"format: expected {FORMAT!r}, got {_got(document['format'])}")
    version = _required(document, "version", "", int)
    if not 1 <= version <= VERSION:
        newer = "; the file was written by a newer one" if version > VERSION else ""
        raise SpecError(f"version: unsupported version {shown(version)} (this neuronsim reads 1 and {VERSION}{newer})")
    for key in document:
        if key not in _FIELDS:
            raise SpecError(f"{_label(key)}: unknown field; known: {', '.join(_FIELDS)}")
        if version < 2 and key in _V2_FIELDS:
            raise SpecError(f"{key}: this field needs \"version\": 2, the file says version {version}")
    neurons = _required(document, "neurons", "", list)
    edges = _required(document, "edges", "", list)
    try:
        _spec.check_size(len(neurons), len(edges), max_links)
    except SpecError as err:
        raise SpecError(f"neurons, edges: {err}") from None
    with paused_gc():
        net, index = _network(neurons, edges)
    for side in ("inputs", "outputs"):
        if side in document:
            _set_io(net, side, _typed(document[side], side, list), index)
    try:
        net.outputs  # inputs and outputs exist and are disjoint
    except NeuronsimError as err:
        raise SpecError(str(err)) from None
    optimizer = None
    if "optimizer" in document:
        optimizer = _optimizer(_typed(document["optimizer"], "optimizer", dict), net)
    metadata = None
    if "metadata" in document:
        metadata = _plain(_typed(document["metadata"], "metadata", dict), "metadata", SpecError, SpecError)
    _set_extras(net, document, metadata)
    net.metadata = metadata
    return Saved(net, optimizer, metadata) if with_extras else net


def _set_extras(net, document, metadata):
    """Set the version 2 fields on ``net``, or the preprocessing an older CLI kept in metadata."""
    from .preprocessing import Scaler

    for key in ("preprocessing", "target_scaler"):
        if key in document:
            fields = _typed(document[key], key, dict)  # its message names the field already
            try:
                scaler = Scaler.from_dict(_finite_numbers(fields))
            except SpecError as err:
                message = str(err)
                joiner = "." if _FIELD.match(message) else ": "
                raise SpecError(f"{key}{joiner}{message}") from None
            _set_attribute(net, key, scaler)
    for key in ("classes", "target_names"):
        if key in document:
            names = _typed(document[key], key, list)
            for i, name in enumerate(names):
                if not _typed(name, f"{key}[{i}]", str):
                    raise SpecError(f"{key}[{i}]: a name must not be empty")
            _set_attribute(net, key, names)
    if "class_targets" in document:
        pair = _typed(document["class_targets"], "class_targets", list)
        _set_attribute(net, "class_targets", [_number(v, f"class_targets[{i}]") for i, v in enumerate(pair)])
    if "preprocessing" not in document and isinstance(metadata, dict):
        legacy = metadata.get("standardize")
        if isinstance(legacy, dict) and set(legacy) == {"mean", "std"}:
            # what `neuronsim train --standardize` wrote before version 2: apply it, or the
            # network would be fed raw rows it was never trained on
            try:
                scaler = Scaler.from_dict({"kind": "standardize", "offset": legacy["mean"], "scale": legacy["std"]})
            except SpecError as err:
                message = str(err).replace("offset", "mean", 1).replace("scale", "std", 1)
                raise SpecError(f"metadata.standardize.{message}") from None
            _set_attribute(net, "preprocessing", scaler, "metadata.standardize")


def _set_attribute(net, key, value, where=None):
    try:
        setattr(net, key, value)
    except NeuronsimError as err:
        message = str(err)
        if message.startswith(f"{key}: "):
            message = message[len(key) + 2:]
        raise SpecError(f"{where or key}: {message}") from None


def _finite_numbers(document):
    """A copy of a parsed JSON object whose NaN/Infinity literals are floats again (to be refused
    by the caller's own checks, with their field names)."""
    def walk(value):
        if isinstance(value, _NonFinite):
            return float(value.text)
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value
    return {key: walk(value) for key, value in document.items()}


def _check_extras(net):
    """Refuse to save what load() would refuse: scalers or class names that no longer fit."""
    plan = net.plan()
    if net.preprocessing is not None:
        net._check_width(net.preprocessing, len(plan.inputs), "preprocessing", "input")
    if net.target_scaler is not None:
        net._check_width(net.target_scaler, len(plan.outputs), "target_scaler", "output")
    if net.classes is not None:
        net._check_classes(net.classes, plan)
    if net.class_targets is not None:
        net._checked_class_targets(plan)
    if net.target_names is not None and len(net.target_names) != len(plan.outputs):
        raise ShapeError(f"target_names: {len(net.target_names)} names for {len(plan.outputs)} output neurons; "
                         "set net.target_names again")
    for what in ("preprocessing", "target_scaler", "classes", "target_names"):  # not reordered since set
        if getattr(net, what) is not None:
            net._check_set_for(what, plan)


def _network(neurons, edges):
    net = Network()
    index = {}  # neuron name -> position in "neurons"
    canonical = {}  # neuron name -> the one str object the graph keys use (saves a copy per link)
    for i, entry in enumerate(neurons):
        where = f"neurons[{i}]"
        _check_fields(entry, where, ("name", "activation", "bias"))
        name = _name(entry["name"], f"{where}.name")
        if name in index:
            raise SpecError(f"{where}.name: duplicate neuron name {shown(name)} (first at neurons[{index[name]}])")
        activation = _typed(entry["activation"], f"{where}.activation", str)
        try:
            activation = _activations.get(activation)
        except NeuronsimError as err:
            reason = str(err) if len(activation) <= 80 else f"unknown activation {shown(activation, 80)}"
            raise SpecError(f"{where}.activation: {reason} (register custom activations before loading)") from None
        net.add_neuron(name, activation, _number(entry["bias"], f"{where}.bias"))
        index[name] = i
        canonical[name] = name

    # Added in file order, the links recreate every neuron's incoming and outgoing order. The
    # rows are checked as networkx takes them; duplicates and cycles are looked for afterwards,
    # so a large file needs no second table of its links.
    net.graph.add_edges_from(_edge_rows(edges, canonical))
    if net.graph.number_of_edges() != len(edges):
        first = {}
        for i, (src, dst, _) in enumerate(edges):
            if (src, dst) in first:
                raise SpecError(f"edges[{i}]: duplicate edge {_label(src)} -> {_label(dst)} "
                                f"(first at edges[{first[src, dst]}])")
            first[src, dst] = i
    if not nx.is_directed_acyclic_graph(net.graph):
        first = {(src, dst): i for i, (src, dst, _) in enumerate(edges)}
        cycle = nx.find_cycle(net.graph)
        last = max(range(len(cycle)), key=lambda k: first[cycle[k][:2]])  # the link that closes it
        cycle = cycle[last + 1:] + cycle[:last + 1]
        names = [_label(src) for src, _ in cycle] + [_label(cycle[-1][1])]
        if len(names) > 12:
            names = names[:5] + [f"... ({len(names) - 10} more)"] + names[-5:]
        raise SpecError(f"edges[{first[cycle[-1][:2]]}]: would close the cycle {' -> '.join(names)}")
    return net, index


def _edge_rows(edges, canonical):
    """``(src, dst, data)`` for networkx from the "edges" entries, each checked first."""
    for i, entry in enumerate(edges):
        where = f"edges[{i}]"
        if not isinstance(entry, list) or len(entry) != 3:
            raise SpecError(f"{where}: expected [source, target, weight], got {_got(entry)}")
        src, dst = _name(entry[0], f"{where}[0]"), _name(entry[1], f"{where}[1]")
        for name in (src, dst):
            if name not in canonical:
                raise SpecError(f"{where}: unknown neuron {shown(name)} (edge {_label(src)} -> {_label(dst)})")
        weight = _number(entry[2], f"{where}[2]")
        if src == dst:
            raise SpecError(f"{where}: would close the cycle {_label(src)} -> {_label(src)}")
        yield canonical[src], canonical[dst], {"weight": weight, "grad": 0.0}


def _set_io(net, side, names, index):
    seen = {}
    for i, name in enumerate(names):
        where = f"{side}[{i}]"
        name = _name(name, where)
        if name not in index:
            raise SpecError(f"{where}: unknown neuron {shown(name)}")
        if name in seen:
            raise SpecError(f"{where}: repeated neuron {shown(name)} (first at {side}[{seen[name]}])")
        seen[name] = i
        if side == "inputs" and net.graph.in_degree(name):
            upstream = [_label(source) for source, _ in zip(net.graph.predecessors(name), range(6))]
            upstream = ", ".join(upstream[:5]) + (", ..." if len(upstream) > 5 else "")
            raise SpecError(f"{where}: neuron {shown(name)} has upstream links (from {upstream}); an input cannot")
    (net.set_inputs if side == "inputs" else net.set_outputs)(names)


def _optimizer(document, net):
    _check_fields(document, "optimizer", ("type", "config", "state"))
    kind = _typed(document["type"], "optimizer.type", str)
    if kind not in _OPTIMIZERS:
        raise SpecError(f"optimizer.type: unknown optimizer {shown(kind)}; known: {', '.join(sorted(_OPTIMIZERS))}")
    cls = _OPTIMIZERS[kind]
    optimizer = _configured(cls, _typed(document["config"], "optimizer.config", dict), "optimizer.config")

    state = _typed(document["state"], "optimizer.state", dict)
    _check_fields(state, "optimizer.state", ("keys", "slots"))
    known = set(net.parameter_keys())
    keys, seen = [], {}
    for i, key in enumerate(_typed(state["keys"], "optimizer.state.keys", list)):
        where = f"optimizer.state.keys[{i}]"
        if isinstance(key, list) and len(key) == 2 and all(isinstance(name, str) for name in key):
            key = tuple(key)  # a weight, (src, dst); JSON has no tuples
        elif not isinstance(key, str):
            raise SpecError(f"{where}: expected a bias key (neuron name) or a weight key [src, dst], got {_got(key)}")
        if key not in known:
            raise SpecError(f"{where}: {shown(key)} is not a parameter of this network")
        if key in seen:
            raise SpecError(f"{where}: repeated parameter {shown(key)} (first at optimizer.state.keys[{seen[key]}])")
        seen[key] = i
        keys.append(key)
    slots = _typed(state["slots"], "optimizer.state.slots", dict)
    _check_fields(slots, "optimizer.state.slots", cls.slots)
    arrays = {}
    for slot in cls.slots:
        where = f"optimizer.state.slots.{slot}"
        values = _typed(slots[slot], where, list)
        if len(values) != len(keys):
            raise SpecError(f"{where}: expected {len(keys)} values (one per key), got {len(values)}")
        arrays[slot] = np.array([_number(v, f"{where}[{i}]") for i, v in enumerate(values)], dtype=float)
    optimizer.load_state(keys, arrays)
    return optimizer


def _configured(cls, config, where):
    """An instance of ``cls`` (an optimizer or a schedule) from its saved settings.

    JSON types are checked here, so that a NaN literal or a wrong type is reported with its
    path; the ranges are checked by ``cls`` itself.
    """
    names = _config_names(cls)
    kwargs = {}
    for key, value in config.items():
        path = _child(where, key)
        if key not in names:
            raise SpecError(f"{path}: unknown setting; known: {', '.join(names)}")
        if key == "schedule" and value is not None:
            _typed(value, path, dict)
            kind = _required(value, "type", path, str)
            if kind not in _SCHEDULES:
                raise SpecError(f"{path}.type: unknown schedule {shown(kind)}; known: {', '.join(sorted(_SCHEDULES))}")
            value = _configured(_SCHEDULES[kind], {k: v for k, v in value.items() if k != "type"}, path)
        elif key == "nesterov":
            value = _typed(value, path, bool)
        elif isinstance(value, list):
            value = [_number(v, f"{path}[{i}]") for i, v in enumerate(value)]
        elif isinstance(value, (float, _NonFinite)):
            value = _number(value, path)
        kwargs[key] = value
    try:
        return cls(**kwargs)
    except (NeuronsimError, TypeError) as err:  # a bad value, or a required setting missing
        raise SpecError(f"{where}: {err}") from None


# --- field checks (messages name the JSON path, the expected and the received type) -------------

_KINDS = {dict: "an object", list: "an array", str: "a string", int: "an integer", bool: "a boolean"}


def _json_kind(value):
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float, _NonFinite)):
        return "number"
    for cls, name in ((dict, "object"), (list, "array"), (str, "string")):
        if isinstance(value, cls):
            return name
    return "null" if value is None else type(value).__name__


def _got(value):
    """``value`` described for an error message, in JSON's terms: "string 'abc'", "object"."""
    kind = _json_kind(value)
    if value is None or isinstance(value, (dict, list)):
        return kind
    if isinstance(value, _NonFinite):
        text = value.text
    elif isinstance(value, str):
        text = json.dumps(value[:40])
    elif isinstance(value, (bool, float)):
        text = json.dumps(value)
    else:  # an int (perhaps of thousands of digits) or any other object
        text = shown(value, 40)
    return f"{kind} {text if len(text) <= 40 else text[:37] + '...'}"


def _typed(value, path, cls):
    ok = isinstance(value, cls) and not (cls is int and isinstance(value, bool))
    if not ok:
        raise SpecError(f"{path}: expected {_KINDS[cls]}, got {_got(value)}")
    return value


def _required(document, key, where, cls):
    path = f"{where}.{key}" if where else key
    if key not in document:
        raise SpecError(f"{path}: missing field")
    return _typed(document[key], path, cls)


def _check_fields(entry, where, fields):
    _typed(entry, where, dict)
    for key in entry:
        if key not in fields:
            raise SpecError(f"{where}: unknown field {shown(key)}; known: {', '.join(fields)}")
    for key in fields:
        if key not in entry:
            raise SpecError(f"{where}: missing field {key!r}")


def _name(value, path):
    if not _typed(value, path, str):
        raise SpecError(f"{path}: a neuron name must not be empty")
    return value


def _number(value, path):
    """A finite float from a JSON number (integers accepted; NaN, ±Infinity and 1e999 refused)."""
    if isinstance(value, _NonFinite):
        raise SpecError(f"{path}: must be finite, got {value.text}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SpecError(f"{path}: expected a number, got {_got(value)}")
    try:
        number = float(value)
    except OverflowError:
        try:
            digits = f"{len(str(value))} digits"
        except ValueError:  # more digits than Python writes (only a dict, not JSON, can hold one)
            digits = "thousands of digits"
        raise SpecError(f"{path}: must be finite, got an integer of {digits}") from None
    if not math.isfinite(number):
        raise SpecError(f"{path}: must be finite, got {number}")
    return number

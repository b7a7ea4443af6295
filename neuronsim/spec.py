"""Network specs: layered lists, graph dicts and JSON/YAML files → :class:`Network`, and back.

Three forms are accepted by :func:`build` (and ``Network.from_spec``):

1. **Layered list**, consecutive layers fully connected, as in seed 004::

       [("identity", 4), ("sigmoid", 5), ("sigmoid", 3)]

   Neurons are named ``x1..xn`` (inputs), ``h1..hn`` (one hidden layer) or ``h1_1..`` (several:
   layer, then position) and ``o1..on`` (outputs). An entry may also be a dict
   ``{"activation": "tanh", "size": 16}``.

2. **Graph dict**, for any DAG::

       {"neurons": [{"name": "x1", "activation": "identity"}, "x2",
                    {"name": "h", "activation": "sigmoid", "bias": 0.1}, "o"],
        "edges": [["x1", "h", 0.5], ["x2", "h"], {"src": "h", "dst": "o"}, ["x1", "o"]],
        "inputs": ["x1", "x2"], "outputs": ["o"]}

   A neuron given as a bare name is a sigmoid; a missing bias or weight is drawn by the
   initialiser. ``"layers"`` (a layered list) may stand beside ``"neurons"`` and ``"edges"``:
   the layers are built first, then the extra neurons and links (e.g. direct input → output
   links). Optional keys: ``"init"`` and ``"seed"`` (overridden by the arguments of
   :func:`build`), and free-text ``"name"`` / ``"description"``.

3. **A path** (str or :class:`pathlib.Path`) to a ``.json``, ``.yaml`` or ``.yml`` file holding
   either form. Files are parsed as data only (YAML's safe loader): loading never runs code.
   At most :data:`MAX_BYTES` bytes of a JSON file and :data:`MAX_YAML_BYTES` of a YAML file
   (which parses far more slowly) are read (argument ``max_bytes``); a file may nest at most
   100 levels deep, may not repeat a key in one mapping, and its YAML aliases may not expand
   beyond 100,000 nodes.

Errors are :class:`~neuronsim.errors.SpecError` naming the field, e.g. ``layers[1].size``.

Limits: every neuron and link is a Python object, so a network costs memory in proportion to its
size. Measured with tracemalloc and the process's peak RSS on networks of 200,000 neurons and of
1,000,000 links, built and run once (CPython 3.11, networkx 3): about 850 bytes per neuron and
440 bytes per link (:data:`BYTES_PER_NEURON`, :data:`BYTES_PER_LINK`). :func:`build` counts the
neurons and links a spec asks for before building anything and refuses one that would need more
memory than :data:`MAX_LINKS` links take (about 440 MB); pass ``max_links`` to raise the limit.
"""

import math
import numbers
import os

import networkx as nx

from . import activations as _activations
from . import init as _init
from . import _progress, _reader
from ._checks import checked_seed, shown
from ._gc import paused_gc
from .errors import NeuronsimError, SpecError
from .graph import insertion_consistent_edges
from .network import Network
from .neuron import Neuron

__all__ = ["build", "to_spec", "load_spec_file", "layer_names", "MAX_LINKS", "MAX_BYTES", "MAX_YAML_BYTES",
           "BYTES_PER_NEURON", "BYTES_PER_LINK", "check_size"]

_GRAPH_KEYS = {"layers", "neurons", "edges", "inputs", "outputs", "init", "seed", "name", "description",
               "format", "version"}


def build(spec, *, init=None, seed=None, max_links=None, max_bytes=None):
    """Build a :class:`Network` from a layered list, a graph dict or a spec file.

    Parameters
    ----------
    spec : list, dict, str or os.PathLike
        See the module documentation for the forms.
    init : str, dict or Initializer, optional
        Draws the weights and biases that the spec does not give. Default: the spec's ``"init"``
        or else ``"xavier"`` (biases 0). ``"constant"`` gives seed 004's all-ones network.
    seed : int, optional
        Seed of the initialiser (default: the spec's ``"seed"``, else fresh entropy).
    max_links : int, optional
        The size limit, in links (default :data:`MAX_LINKS`, read at each call): a spec whose
        neurons and links would take more memory than this many links is refused before
        anything is built. A neuron counts as ``BYTES_PER_NEURON / BYTES_PER_LINK`` links.
    max_bytes : int, optional
        For a file: the most bytes read (default :data:`MAX_BYTES` for JSON,
        :data:`MAX_YAML_BYTES` for YAML, read at each call).

    Raises
    ------
    SpecError
        Malformed spec; the message names the field (and the file, for a path). A spec too
        large for ``max_links``; the message says how much memory it would need.
    FileFormatError
        A spec file that cannot be read or parsed (missing, not a regular file, larger than
        ``max_bytes``, not UTF-8, not valid JSON/YAML, nested too deeply, a repeated key); the
        error is also a SpecError.

    Examples
    --------
    >>> net = build([("identity", 2), ("tanh", 3), ("sigmoid", 1)], seed=0)
    >>> [n.name for n in net.neurons]
    ['x1', 'x2', 'h1', 'h2', 'h3', 'o1']
    >>> dag = build({"layers": [("identity", 2), ("sigmoid", 1), ("sigmoid", 1)],
    ...              "edges": [["x1", "o1"], ["x2", "o1"]]}, seed=0)
    >>> sorted(dag.graph.predecessors("o1"))
    ['h1', 'x1', 'x2']
    """
    if isinstance(spec, (str, os.PathLike)):
        where = _reader.checked_path(spec, _reader.SpecFileError)
        data = load_spec_file(where, max_bytes=max_bytes)
        where = _reader.display(where)
        if not isinstance(data, (list, dict)):
            raise SpecError(f"{where}: a spec file holds a list of layers or a dict, got {type(data).__name__}")
        try:
            return build(data, init=init, seed=seed, max_links=max_links)
        except SpecError as err:
            raise SpecError(f"{where}: {err}") from None
    max_links = _reader.limit(max_links, MAX_LINKS, "max_links")
    try:
        return _build_object(spec, init, seed, max_links)
    except RecursionError:  # e.g. a value of lists nested 100,000 deep, compared or shown
        raise SpecError("spec: a value is nested too deeply (lists or dicts hundreds of levels deep); "
                        "a spec nests a few levels only") from None


def _build_object(spec, init, seed, max_links):
    if isinstance(spec, (list, tuple)):
        spec = {"layers": list(spec)}
    if not isinstance(spec, dict):
        raise SpecError(f"spec must be a list of layers, a dict or a file path, got {type(spec).__name__}")
    unknown = sorted(set(spec) - _GRAPH_KEYS, key=shown)
    if unknown:
        raise SpecError(f"unknown spec field(s) {shown(unknown)}; known: {sorted(_GRAPH_KEYS)}")
    if not any(spec.get(k) for k in ("layers", "neurons")):
        raise SpecError("spec has no 'layers' and no 'neurons'")
    parsed = _parsed_layers(spec["layers"]) if spec.get("layers") is not None else None
    neurons = sum(size for _, size in parsed) if parsed else 0
    links = sum(a * b for (_, a), (_, b) in zip(parsed, parsed[1:])) if parsed else 0
    neurons += len(spec["neurons"]) if isinstance(spec.get("neurons"), list) else 0
    links += len(spec["edges"]) if isinstance(spec.get("edges"), list) else 0
    check_size(neurons, links, max_links)  # before building anything

    with paused_gc():
        return _build_graph_spec(spec, parsed, init, seed)


def _build_graph_spec(spec, parsed, init, seed):
    net = Network()
    given = set()  # parameter keys whose values the spec fixes
    if parsed is not None:
        names = _add_layer_neurons(net, parsed)
        if not spec.get("neurons"):
            # A layered network knows its input and output layers: name them, so a link into an
            # input neuron is refused rather than silently turning it into a hidden one.
            net.set_inputs(names[0])
            net.set_outputs(names[-1])
        if not (spec.get("neurons") or spec.get("edges") or spec.get("inputs") is not None
                or spec.get("outputs") is not None):
            # Layers alone: draw the parameters first and make each link with its weight.
            initializer, seed = _initializer(spec, init, seed)
            weights, biases = _init._layered_draws(initializer, [size for _, size in parsed], seed)
            _link_layers(net, names, weights)
            for neuron, bias in zip((net[name] for layer in names[1:] for name in layer), biases):
                neuron._bias = bias
            # Made now, as when the parameters are drawn on the network, so that a network from a
            # spec is ready to run and reports a weight later written wrong into its graph the same
            # way whatever was done with it first.
            net.plan()
            return net
        _link_layers(net, names)
    _add_neurons(net, spec.get("neurons") or [], given)
    _add_edges(net, spec.get("edges") or [], given)
    for side in ("inputs", "outputs"):
        if spec.get(side) is not None:
            names = spec[side]
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise SpecError(f"{side} must be a list of neuron names, got {shown(names)}")
            try:
                (net.set_inputs if side == "inputs" else net.set_outputs)(names)
            except NeuronsimError as err:
                raise SpecError(_inner(err)) from None
    try:
        net.outputs  # validates: a DAG with inputs and outputs
    except NeuronsimError as err:
        raise SpecError(_inner(err)) from None
    initializer, seed = _initializer(spec, init, seed)
    _init.apply(net, initializer, seed=seed, keep=given)
    return net


def _initializer(spec, init, seed):
    """The initialiser and seed a build uses: the arguments, else the spec's, checked."""
    if init is None:
        init = spec.get("init", "xavier")
    if seed is None:
        seed = spec.get("seed")
    try:
        initializer = _init.get(init)
    except NeuronsimError as err:
        raise SpecError(f"init: {_inner(err)}") from None
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0):
        raise SpecError(f"seed must be None or a non-negative integer, got {shown(seed)}")  # numpy ints too
    return initializer, checked_seed(seed, SpecError)


def layer_names(sizes):
    """Neuron names of a layered network, one list per layer.

    Examples
    --------
    >>> layer_names([2, 1, 1])
    [['x1', 'x2'], ['h1'], ['o1']]
    >>> layer_names([1, 2, 1, 1])[1]
    ['h1_1', 'h1_2']
    """
    hidden = len(sizes) - 2
    names = []
    for index, size in enumerate(sizes):
        if index == 0:
            prefix = "x"
        elif index == len(sizes) - 1:
            prefix = "o"
        elif hidden == 1:
            prefix = "h"
        else:
            prefix = f"h{index}_"
        names.append([f"{prefix}{j}" for j in range(1, size + 1)])
    return names


# Memory a network takes once built and run (with its plan, the object engine's walk order, which
# holds a (neuron, edge dict) pair per link and end of a link between non-input neurons; build()
# makes it), measured on CPython 3.11 with networkx 3 as the growth of the process's peak RSS:
# from_spec([("identity", 200_000), ("sigmoid", 1)]) took 244 MB, from_spec([("identity", 2_000),
# ("sigmoid", 500)]) (1,000,000 links out of input neurons) 369 MB, and 1,000,000 links between two
# hidden layers, from_spec([("identity", 10), ("tanh", 1000), ("tanh", 1000), ("sigmoid", 10)]),
# 449 MB; solving these gives ~850 bytes per neuron (Neuron object, node dict, adjacency dicts, its
# place in the plan) and ~440 bytes per link (two adjacency entries, the edge-data dict and its
# weight, two plan pairs; a link out of an input neuron, with one plan pair, ~370). A network
# without its plan takes ~290 per link. tracemalloc alone counts ~720 and ~390.
BYTES_PER_NEURON = 850
BYTES_PER_LINK = 440

MAX_LINKS = 1_000_000
"""Default size limit of :func:`build` and :func:`neuronsim.load`, in links (about 440 MB).

A spec or file whose neurons and links would take more memory than this many links is refused
before anything is built (a neuron counts as ``BYTES_PER_NEURON / BYTES_PER_LINK`` ≈ 1.9
links). Raise it per call with ``max_links=``; setting this name changes the default.
"""

MAX_BYTES = _reader.MAX_BYTES
"""Default size limit of a JSON spec file, in bytes (32 MiB); raise it per call with ``max_bytes=``."""

MAX_YAML_BYTES = 4 * 2**20
"""Default size limit of a YAML spec file, in bytes (4 MiB; raise it per call with ``max_bytes=``).

YAML parses some 10 to 20 times more slowly than JSON (measured: about 0.5 MB per second with
libyaml, as PyYAML builds Python objects node by node), so this keeps reading a YAML file to
seconds; large networks are better kept as JSON.
"""


def check_size(neurons, links, max_links=None):
    """Refuse, with a SpecError saying what it would cost, a network too large for ``max_links``.

    Examples
    --------
    >>> check_size(1_000, 100_000)
    >>> check_size(10**6 + 20, 20 * 10**6)
    Traceback (most recent call last):
    ...
    neuronsim.errors.SpecError: 1,000,020 neurons and 20,000,000 links would need about 9.65 GB of memory (~850 bytes per neuron, ~440 per link); the limit is max_links=1,000,000 (about 440 MB; a neuron counts as 1.9 links): pass a larger max_links= (to Network.from_spec or neuronsim.load) to build it anyway
    """
    max_links = _reader.limit(max_links, MAX_LINKS, "max_links")
    need = neurons * BYTES_PER_NEURON + links * BYTES_PER_LINK
    allowed = max_links * BYTES_PER_LINK
    if need > allowed:
        raise SpecError(f"{_count(neurons)} neurons and {_count(links)} links would need about {_memory(need)} "
                        f"of memory (~{BYTES_PER_NEURON} bytes per neuron, ~{BYTES_PER_LINK} per link); the limit is "
                        f"max_links={_count(max_links)} (about {_memory(allowed)}; a neuron counts as "
                        f"{BYTES_PER_NEURON / BYTES_PER_LINK:.1f} links): pass a larger max_links= "
                        "(to Network.from_spec or neuronsim.load) to build it anyway")


def _count(n):
    """``n`` with thousands separators, or roughly as a power of ten when it has too many digits
    to print (Python refuses to write an int of more than 4,300 digits)."""
    return f"{n:,}" if n < 10**15 else f"~10^{int(math.log10(n))}"


def _memory(size):
    if size >= 10**15:
        return f"10^{int(math.log10(size))} bytes"
    for unit, scale in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size:,} bytes"


def _inner(err):
    """The message of an error from below, cut to a bounded length for our own message."""
    text = str(err)
    return text if len(text) <= 500 else text[:497] + "..."


def _add_layer_neurons(net, parsed):
    """Add the neurons of a layered spec, layer by layer; return their names, one list per layer."""
    names = layer_names([size for _, size in parsed])
    graph = net.graph
    for i, ((activation, _), layer) in enumerate(zip(parsed, names)):
        try:
            activation = _activations.get(activation)  # once per layer
        except NeuronsimError as err:
            raise SpecError(f"layers[{i}].activation: {_inner(err)}") from None
        # the names are new and distinct (x…, h…, o…): no per-neuron check is needed
        graph._add_neurons([Neuron(name, activation, graph=graph) for name in layer])
    return names


def _link_layers(net, names, weights=None):
    """Fully connect consecutive layers (no cycle is possible between them), with ``weights``
    given in parameter order (default all 0.0), showing a bar for a big network."""
    links = sum(len(upper) * len(lower) for upper, lower in zip(names, names[1:]))
    bar = _progress.bar(links, desc="building", unit="link", enabled=links >= _progress.BIG_NETWORK)
    weights = None if weights is None else iter(weights)  # each pair of layers takes its share
    try:
        for upper, lower in zip(names, names[1:]):
            net.graph._link_all(upper, lower, weights, bar)
    finally:
        if bar is not None:
            bar.close()


def _parsed_layers(layers):
    if not isinstance(layers, list) or len(layers) < 2:
        raise SpecError(f"layers must be a list of at least 2 (activation, size) entries, got {shown(layers)}")
    parsed = []
    for i, entry in enumerate(layers):
        where = f"layers[{i}]"
        if isinstance(entry, dict):
            extra = set(entry) - {"activation", "size"}
            if extra:
                raise SpecError(f"{where}: unknown field(s) {shown(sorted(extra, key=shown))}; known: activation, size")
            activation, size = entry.get("activation"), entry.get("size")
        elif isinstance(entry, (list, tuple)) and len(entry) == 2:
            activation, size = entry
        else:
            raise SpecError(f"{where} must be (activation, size) or {{'activation':..., 'size':...}}, "
                            f"got {shown(entry)}")
        if not isinstance(activation, str):
            raise SpecError(f"{where}.activation must be a name, got {shown(activation)}")
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise SpecError(f"{where}.size must be a positive integer, got {shown(size)}")
        parsed.append((activation, size))
    return parsed


def _add_neurons(net, neurons, given):
    if not isinstance(neurons, list):
        raise SpecError(f"neurons must be a list, got {type(neurons).__name__}")
    for i, entry in enumerate(neurons):
        where = f"neurons[{i}]"
        if isinstance(entry, str):
            entry = {"name": entry}
        if not isinstance(entry, dict):
            raise SpecError(f"{where} must be a name or a dict, got {shown(entry)}")
        extra = set(entry) - {"name", "activation", "bias"}
        if extra:
            raise SpecError(f"{where}: unknown field(s) {shown(sorted(extra, key=shown))}; "
                            "known: name, activation, bias")
        if "name" not in entry:
            raise SpecError(f"{where}: missing field 'name'")
        try:
            net.add_neuron(entry["name"], entry.get("activation", "sigmoid"), entry.get("bias", 0.0))
        except NeuronsimError as err:
            raise SpecError(f"{where}: {_inner(err)}") from None
        if "bias" in entry:
            given.add(entry["name"])


def _add_edges(net, edges, given):
    """Make the links of a graph spec, in order, with the checks and errors of ``Network.connect``.

    Links are written straight into the graph, with one check for cycles at the end instead of a
    path search per link. Whenever an entry would fail (or is not plain: a weight other than a
    float or an int, say), and whenever the links close a cycle, the links made so far are
    taken back and the entries are replayed through ``Network.connect`` one by one, so the error
    raised is the one of the first failing entry, exactly as if every link had been checked.
    """
    if not isinstance(edges, list):
        raise SpecError(f"edges must be a list, got {type(edges).__name__}")
    graph = net.graph
    node, succ, pred = graph._node, graph._succ, graph._pred
    inputs = set(net.explicit_inputs or ())
    made, fixed = [], []  # the links written, and those of them whose weight the spec gives
    for i, entry in enumerate(edges):
        src, dst, weight = _plain_edge(entry)
        if type(weight) is int and -2**1000 < weight < 2**1000:
            weight = float(weight)
        if not (type(src) is str and type(dst) is str and src != dst and src in node and dst in node
                and dst not in succ[src] and dst not in inputs
                and (weight is None or type(weight) is float and math.isfinite(weight))):
            break
        data = {"weight": 0.0 if weight is None else weight, "grad": 0.0}
        succ[src][dst] = data
        pred[dst][src] = data
        made.append((src, dst))
        if weight is not None:
            fixed.append((src, dst))
    else:
        i = len(edges)
    if made:
        graph.structure_version += 1
        if not nx.is_directed_acyclic_graph(graph):  # some link closes a cycle: find the first
            for src, dst in made:
                del succ[src][dst], pred[dst][src]
            graph.structure_version += 1
            made, fixed, i = [], [], 0
    given.update(fixed)
    _connect_each(net, edges, given, i)


def _plain_edge(entry):
    """``(src, dst, weight)`` of a well-formed edge entry (weight None when not given), or
    ``(None, None, None)`` for one that is not: :func:`_connect_each` then says what is wrong."""
    if type(entry) is list or type(entry) is tuple:
        if len(entry) == 3:
            return entry[0], entry[1], entry[2]
        if len(entry) == 2:
            return entry[0], entry[1], None
    elif type(entry) is dict and entry.keys() <= {"src", "dst", "weight"} and "src" in entry and "dst" in entry:
        return entry["src"], entry["dst"], entry.get("weight")
    return None, None, None


def _connect_each(net, edges, given, start):
    """Make the links of ``edges[start:]`` one by one through ``Network.connect``."""
    for i, entry in enumerate(edges[start:], start):
        where = f"edges[{i}]"
        if isinstance(entry, dict):
            extra = set(entry) - {"src", "dst", "weight"}
            if extra:
                raise SpecError(f"{where}: unknown field(s) {shown(sorted(extra, key=shown))}; "
                                "known: src, dst, weight")
            if "src" not in entry or "dst" not in entry:
                raise SpecError(f"{where}: needs fields 'src' and 'dst'")
            src, dst, weight = entry["src"], entry["dst"], entry.get("weight")
        elif isinstance(entry, (list, tuple)) and len(entry) in (2, 3):
            src, dst, weight = (*entry, None) if len(entry) == 2 else entry
        else:
            raise SpecError(f"{where} must be [src, dst], [src, dst, weight] or a dict, got {shown(entry)}")
        try:
            net.connect(src, dst, 0.0 if weight is None else weight)
        except NeuronsimError as err:
            raise SpecError(f"{where}: {_inner(err)}") from None
        if weight is not None:
            given.add((src, dst))


def load_spec_file(path, *, max_bytes=None):
    """Read a spec file (``.json``, ``.yaml``/``.yml``) as plain data; never executes code.

    At most ``max_bytes`` bytes are read (default :data:`MAX_BYTES` for JSON,
    :data:`MAX_YAML_BYTES` for YAML). Nesting deeper than 100 levels, a key repeated in one
    mapping, and YAML aliases expanding beyond 100,000 nodes are refused before anything is
    built.

    Raises
    ------
    SpecError
        Unknown extension; and (as an error that is both a SpecError and a
        :class:`~neuronsim.errors.FileFormatError`) a path with a NUL byte, a missing file, a
        folder or device, a file larger than ``max_bytes``, not UTF-8, a parse error (with its
        position), deep nesting, a repeated key or runaway aliases.

    Examples
    --------
    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "net.yaml")
    ...     _ = open(path, "w").write("- [identity, 2]\\n- [sigmoid, 1e0]\\n")
    ...     load_spec_file(path)
    [['identity', 2], ['sigmoid', 1.0]]
    """
    error = _reader.SpecFileError
    where = _reader.checked_path(path, error)
    suffix = os.path.splitext(where)[1].lower()
    if suffix not in (".json", ".yaml", ".yml"):
        raise SpecError(f"{_reader.display(where)}: spec files must end in .json, .yaml or .yml")
    max_bytes = _reader.limit(max_bytes, MAX_BYTES if suffix == ".json" else MAX_YAML_BYTES, "max_bytes")
    data = _reader.read_bytes(where, max_bytes=max_bytes, error=error, what="spec file")
    if suffix == ".json":
        return _reader.parse_json(data, where, error=error, what="spec file",
                                  at="not valid JSON (line {line}, column {column}: {msg}){hint}")
    return _reader.parse_yaml(data, where, error=error, what="spec file")


def to_spec(net):
    """A graph-form spec dict that rebuilds an identical network.

    Neurons are listed in the order they were added and links in an order that reproduces both
    every neuron's incoming and outgoing link order, so a rebuilt network sums in the same order
    and gives bit-identical outputs and gradients. ``inputs``/``outputs`` appear when they were
    named explicitly.

    Examples
    --------
    >>> net = build([("identity", 1), ("sigmoid", 1)], init="constant")
    >>> to_spec(net)
    {'neurons': [{'name': 'x1', 'activation': 'identity', 'bias': 0.0}, {'name': 'o1', 'activation': 'sigmoid', 'bias': 0.0}], 'edges': [['x1', 'o1', 1.0]], 'inputs': ['x1'], 'outputs': ['o1']}
    >>> build(to_spec(net)).parameters() == net.parameters()
    True
    """
    graph = net.graph
    for name in graph:
        activation = graph.nodes[name]["neuron"].activation
        try:
            registered = _activations.get(activation.name)
        except NeuronsimError:
            registered = None
        if registered is not activation:
            raise SpecError(f"neuron {name!r}: activation {activation.name!r} is not the registered one of that "
                            "name; register it (neuronsim.activations.register) so a spec can name it")
    spec = {
        "neurons": [{"name": n.name, "activation": n.activation.name, "bias": n.bias}
                    for n in (graph.nodes[name]["neuron"] for name in graph)],
        "edges": [[src, dst, graph.edges[src, dst]["weight"]] for src, dst in insertion_consistent_edges(graph)],
    }
    if net.explicit_inputs is not None:
        spec["inputs"] = net.explicit_inputs
    if net.explicit_outputs is not None:
        spec["outputs"] = net.explicit_outputs
    return spec


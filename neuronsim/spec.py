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
   either form. Files are parsed as data only (``yaml.safe_load``): loading never runs code.

Errors are :class:`~neuronsim.errors.SpecError` naming the field, e.g. ``layers[1].size``.
"""

import json
import os
import re
from pathlib import Path

import yaml

from . import activations as _activations
from . import init as _init
from ._checks import checked_seed
from ._gc import paused_gc
from .errors import NeuronsimError, SpecError
from .graph import insertion_consistent_edges
from .network import Network

__all__ = ["build", "to_spec", "load_spec_file", "layer_names"]

_GRAPH_KEYS = {"layers", "neurons", "edges", "inputs", "outputs", "init", "seed", "name", "description",
               "format", "version"}


def build(spec, *, init=None, seed=None):
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

    Raises
    ------
    SpecError
        Malformed spec; the message names the field (and the file, for a path).

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
        path = Path(spec)
        data = load_spec_file(path)
        if not isinstance(data, (list, dict)):
            raise SpecError(f"{path}: a spec file holds a list of layers or a dict, got {type(data).__name__}")
        try:
            return build(data, init=init, seed=seed)
        except SpecError as err:
            raise SpecError(f"{path}: {err}") from None
    if isinstance(spec, (list, tuple)):
        spec = {"layers": list(spec)}
    if not isinstance(spec, dict):
        raise SpecError(f"spec must be a list of layers, a dict or a file path, got {type(spec).__name__}")
    unknown = sorted(set(spec) - _GRAPH_KEYS, key=str)
    if unknown:
        raise SpecError(f"unknown spec field(s) {unknown}; known: {sorted(_GRAPH_KEYS)}")
    if not any(spec.get(k) for k in ("layers", "neurons")):
        raise SpecError("spec has no 'layers' and no 'neurons'")

    with paused_gc():
        return _build_graph_spec(spec, init, seed)


def _build_graph_spec(spec, init, seed):
    net = Network()
    given = set()  # parameter keys whose values the spec fixes
    if spec.get("layers") is not None:
        names = _build_layers(net, spec["layers"])
        if not spec.get("neurons"):
            # A layered network knows its input and output layers: name them, so a link into an
            # input neuron is refused rather than silently turning it into a hidden one.
            net.set_inputs(names[0])
            net.set_outputs(names[-1])
    _add_neurons(net, spec.get("neurons") or [], given)
    _add_edges(net, spec.get("edges") or [], given)
    for side in ("inputs", "outputs"):
        if spec.get(side) is not None:
            names = spec[side]
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise SpecError(f"{side} must be a list of neuron names, got {names!r}")
            try:
                (net.set_inputs if side == "inputs" else net.set_outputs)(names)
            except NeuronsimError as err:
                raise SpecError(str(err)) from None
    try:
        net.outputs  # validates: a DAG with inputs and outputs
    except NeuronsimError as err:
        raise SpecError(str(err)) from None

    if init is None:
        init = spec.get("init", "xavier")
    if seed is None:
        seed = spec.get("seed")
    try:
        initializer = _init.get(init)
    except NeuronsimError as err:
        raise SpecError(f"init: {err}") from None
    seed = checked_seed(seed, SpecError)
    _init.apply(net, initializer, seed=seed, keep=given)
    return net


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


MAX_LINKS = 20_000_000  # ~7 GB as Python objects: beyond this, building would exhaust memory


def _build_layers(net, layers):
    parsed = _parsed_layers(layers)
    links = sum(a * b for (_, a), (_, b) in zip(parsed, parsed[1:]))
    if links > MAX_LINKS:
        raise SpecError(f"layers: {links:,} links requested; neuronsim holds each link as Python objects "
                        f"(~330 bytes), so it refuses more than {MAX_LINKS:,}")
    names = layer_names([size for _, size in parsed])
    for i, ((activation, _), layer) in enumerate(zip(parsed, names)):
        for name in layer:
            try:
                net.add_neuron(name, activation)
            except NeuronsimError as err:
                raise SpecError(f"layers[{i}].activation: {err}") from None
    # Consecutive layers fully connected; bulk insertion (no cycle is possible between layers).
    graph = net.graph
    for upper, lower in zip(names, names[1:]):
        graph.add_edges_from(((src, dst, {"weight": 0.0, "grad": 0.0}) for src in upper for dst in lower))
    return names


def _parsed_layers(layers):
    if not isinstance(layers, list) or len(layers) < 2:
        raise SpecError(f"layers must be a list of at least 2 (activation, size) entries, got {layers!r}")
    parsed = []
    for i, entry in enumerate(layers):
        where = f"layers[{i}]"
        if isinstance(entry, dict):
            extra = set(entry) - {"activation", "size"}
            if extra:
                raise SpecError(f"{where}: unknown field(s) {sorted(extra)}; known: activation, size")
            activation, size = entry.get("activation"), entry.get("size")
        elif isinstance(entry, (list, tuple)) and len(entry) == 2:
            activation, size = entry
        else:
            raise SpecError(f"{where} must be (activation, size) or {{'activation':..., 'size':...}}, got {entry!r}")
        if not isinstance(activation, str):
            raise SpecError(f"{where}.activation must be a name, got {activation!r}")
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise SpecError(f"{where}.size must be a positive integer, got {size!r}")
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
            raise SpecError(f"{where} must be a name or a dict, got {entry!r}")
        extra = set(entry) - {"name", "activation", "bias"}
        if extra:
            raise SpecError(f"{where}: unknown field(s) {sorted(extra)}; known: name, activation, bias")
        if "name" not in entry:
            raise SpecError(f"{where}: missing field 'name'")
        try:
            net.add_neuron(entry["name"], entry.get("activation", "sigmoid"), entry.get("bias", 0.0))
        except NeuronsimError as err:
            raise SpecError(f"{where}: {err}") from None
        if "bias" in entry:
            given.add(entry["name"])


def _add_edges(net, edges, given):
    if not isinstance(edges, list):
        raise SpecError(f"edges must be a list, got {type(edges).__name__}")
    for i, entry in enumerate(edges):
        where = f"edges[{i}]"
        if isinstance(entry, dict):
            extra = set(entry) - {"src", "dst", "weight"}
            if extra:
                raise SpecError(f"{where}: unknown field(s) {sorted(extra)}; known: src, dst, weight")
            if "src" not in entry or "dst" not in entry:
                raise SpecError(f"{where}: needs fields 'src' and 'dst'")
            src, dst, weight = entry["src"], entry["dst"], entry.get("weight")
        elif isinstance(entry, (list, tuple)) and len(entry) in (2, 3):
            src, dst, weight = (*entry, None) if len(entry) == 2 else entry
        else:
            raise SpecError(f"{where} must be [src, dst], [src, dst, weight] or a dict, got {entry!r}")
        try:
            net.connect(src, dst, 0.0 if weight is None else weight)
        except NeuronsimError as err:
            raise SpecError(f"{where}: {err}") from None
        if weight is not None:
            given.add((src, dst))


def load_spec_file(path):
    """Read a spec file (``.json``, ``.yaml``/``.yml``) as plain data; never executes code.

    Raises
    ------
    SpecError
        Missing or unreadable file, unknown extension, or a parse error (with its position).

    Examples
    --------
    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "net.yaml")
    ...     _ = open(path, "w").write("- [identity, 2]\\n- [sigmoid, 1e0]\\n")
    ...     load_spec_file(path)
    [['identity', 2], ['sigmoid', 1.0]]
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".json", ".yaml", ".yml"):
        raise SpecError(f"{path}: spec files must end in .json, .yaml or .yml")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"{path}: no such spec file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise SpecError(f"{path}: cannot read spec file ({err})") from None
    if suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as err:
            raise SpecError(f"{path}: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})") from None
    try:
        return yaml.load(text, Loader=_SafeLoader)
    except yaml.YAMLError as err:
        raise SpecError(f"{path}: not valid YAML ({err})".replace("\n", " ")) from None


class _SafeLoader(yaml.SafeLoader):
    """YAML's safe loader (plain data, no code) reading ``1e-3`` as a float, as YAML 1.2 does."""


_SafeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
                   |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
                   |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
                   |[-+]?\.(?:inf|Inf|INF)
                   |\.(?:nan|NaN|NAN))$""", re.X),
    list("-+0123456789."))


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


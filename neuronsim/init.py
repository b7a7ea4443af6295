"""Weight initialisers: every random one seeded, the same seed giving the same network.

An initialiser draws a weight for each link ``i → j`` from the link's fan-in (the in-degree of
``j``) and fan-out (the out-degree of ``i``) — in a fully connected layer these are exactly the
layer widths of Glorot & Bengio (2010) and He et al. (2015) — and a bias for each non-input
neuron. Parameters are visited in :meth:`Network.parameter_keys` order, so the draws, and hence
the network, depend only on the seed and the structure.

Examples
--------
>>> import neuronsim
>>> net = neuronsim.Network.from_spec([("identity", 2), ("sigmoid", 1)], init="constant")
>>> net.parameters()
[1.0, 1.0, 0.0]
>>> _ = neuronsim.init.apply(net, neuronsim.init.uniform(-0.3, 0.3), seed=0)
>>> all(-0.3 <= p <= 0.3 for p in net.parameters())
True
"""

import math
from operator import attrgetter, itemgetter

import numpy as np

from ._checks import checked_seed, finite_float
from .errors import NeuronsimError, NeuronsimTypeError, ValueRangeError

__all__ = ["Initializer", "constant", "uniform", "normal", "xavier", "glorot", "he", "get", "apply", "available"]


class Initializer:
    """Base class: override :meth:`weights` (and :meth:`biases`, default 0).

    Both draw a whole array at once, so networks of a million links initialise in a second.

    Examples
    --------
    >>> class Half(Initializer):
    ...     def weights(self, fan_in, fan_out, rng):
    ...         return np.full(len(fan_in), 0.5)
    >>> Half().biases(2, None)
    array([0., 0.])
    """

    name = "custom"

    def weights(self, fan_in, fan_out, rng):
        """Weights for links whose destinations have ``fan_in`` links in and sources ``fan_out``
        links out (integer arrays, one entry per link)."""
        raise NotImplementedError

    def biases(self, count, rng):
        """Biases for ``count`` non-input neurons (default 0)."""
        return np.zeros(count)

    def __repr__(self):
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{self.name}({fields})"


class constant(Initializer):
    """Every weight ``weight`` and every bias ``bias`` (seed 004 builds with 1 and 0).

    Examples
    --------
    >>> constant(0.5).weights(np.array([3, 3]), np.array([2, 2]), None)
    array([0.5, 0.5])
    """

    name = "constant"

    def __init__(self, weight=1.0, bias=0.0):
        self.weight = finite_float(weight, "constant(weight)")
        self.bias = finite_float(bias, "constant(bias)")

    def weights(self, fan_in, fan_out, rng):
        return np.full(len(fan_in), self.weight)

    def biases(self, count, rng):
        return np.full(count, self.bias)


class uniform(Initializer):
    """Weights uniform in [low, high]; biases too unless ``bias`` is a number.

    RHW 1986 started from weights (biases included) uniform in ±0.3: ``uniform(-0.3, 0.3)``.

    Examples
    --------
    >>> w = uniform(-0.3, 0.3).weights(np.ones(1000), np.ones(1000), np.random.default_rng(0))
    >>> bool(w.min() >= -0.3 and w.max() <= 0.3)
    True
    """

    name = "uniform"

    def __init__(self, low=-0.3, high=0.3, bias=None):
        self.low = finite_float(low, "uniform(low)")
        self.high = finite_float(high, "uniform(high)")
        if self.low > self.high:
            raise ValueRangeError(f"uniform(low, high) needs low <= high, got low={low}, high={high}")
        self.bias = None if bias is None else finite_float(bias, "uniform(bias)")

    def weights(self, fan_in, fan_out, rng):
        return self._draw(len(fan_in), rng)

    def biases(self, count, rng):
        return self._draw(count, rng) if self.bias is None else np.full(count, self.bias)

    def _draw(self, count, rng):
        # centre ± half-width: finite even when high − low would overflow (±1e308)
        half = self.high / 2 - self.low / 2
        return np.clip(self.low / 2 + self.high / 2 + half * rng.uniform(-1.0, 1.0, count), self.low, self.high)


class normal(Initializer):
    """Weights drawn from N(mean, std²); biases ``bias``.

    Examples
    --------
    >>> w = normal(std=0.5).weights(np.ones(10000), np.ones(10000), np.random.default_rng(0))
    >>> round(float(w.std()), 1)
    0.5
    """

    name = "normal"

    def __init__(self, std=0.1, mean=0.0, bias=0.0):
        self.std = finite_float(std, "normal(std)")
        if self.std < 0:
            raise ValueRangeError(f"normal(std) must be >= 0, got {std}")
        self.mean = finite_float(mean, "normal(mean)")
        self.bias = finite_float(bias, "normal(bias)")

    def weights(self, fan_in, fan_out, rng):
        return rng.normal(self.mean, self.std, len(fan_in))

    def biases(self, count, rng):
        return np.full(count, self.bias)


class xavier(Initializer):
    """Glorot & Bengio (2010): variance 2 / (fan_in + fan_out); uniform by default. Biases 0.

    Examples
    --------
    >>> w = xavier().weights(np.full(500, 4), np.full(500, 4), np.random.default_rng(1))
    >>> bool(np.abs(w).max() <= math.sqrt(6 / (4 + 4)))
    True
    """

    name = "xavier"

    def __init__(self, uniform=True, gain=1.0):
        self.uniform = bool(uniform)
        self.gain = finite_float(gain, "xavier(gain)")

    def weights(self, fan_in, fan_out, rng):
        scale = self.gain * np.sqrt(2.0 / np.maximum(np.asarray(fan_in) + np.asarray(fan_out), 1))
        if self.uniform:
            return rng.uniform(-1.0, 1.0, len(scale)) * (math.sqrt(3.0) * scale)
        return rng.normal(0.0, 1.0, len(scale)) * scale


glorot = xavier


class he(Initializer):
    """He et al. (2015), for ReLU-like units: variance 2 / fan_in; normal by default. Biases 0.

    Examples
    --------
    >>> w = he().weights(np.full(20000, 8), np.full(20000, 8), np.random.default_rng(0))
    >>> round(float(w.std()), 2)                # sqrt(2 / 8)
    0.5
    """

    name = "he"

    def __init__(self, uniform=False):
        self.uniform = bool(uniform)

    def weights(self, fan_in, fan_out, rng):
        scale = np.sqrt(2.0 / np.maximum(np.asarray(fan_in), 1))
        if self.uniform:
            return rng.uniform(-1.0, 1.0, len(scale)) * (math.sqrt(3.0) * scale)
        return rng.normal(0.0, 1.0, len(scale)) * scale


_BY_NAME = {"constant": constant, "uniform": uniform, "normal": normal, "xavier": xavier,
            "glorot": xavier, "he": he}


def available():
    """Names accepted by :func:`get`.

    Examples
    --------
    >>> available()
    ['constant', 'glorot', 'he', 'normal', 'uniform', 'xavier']
    """
    return sorted(_BY_NAME)


def get(init, **options):
    """An :class:`Initializer` from a name (with options), a dict, or an Initializer.

    Parameters
    ----------
    init : str, dict or Initializer
        ``"xavier"``, ``{"name": "uniform", "low": -0.3, "high": 0.3}``, ``uniform(-0.3, 0.3)``...
    **options
        Passed to the initialiser named by a string.

    Examples
    --------
    >>> get("uniform", low=-0.5, high=0.5)
    uniform(low=-0.5, high=0.5, bias=None)
    """
    if isinstance(init, Initializer):
        return init
    if isinstance(init, dict):
        options = {**{k: v for k, v in init.items() if k != "name"}, **options}
        init = init.get("name")
    if not isinstance(init, str):
        raise NeuronsimTypeError(f"init must be a name, a dict or an Initializer, got {type(init).__name__}")
    try:
        cls = _BY_NAME[init]
    except KeyError:
        raise NeuronsimError(f"unknown initializer {init!r}; known: {', '.join(available())}") from None
    try:
        return cls(**options)
    except TypeError as err:
        raise NeuronsimTypeError(f"initializer {init!r}: {err}") from None


def apply(net, init="xavier", seed=None, *, keep=()):
    """(Re)initialise a network's weights and biases in place; return the network.

    All weights are drawn first, in :meth:`Network.parameter_keys` order, then all biases.

    Parameters
    ----------
    net : Network
    init : str, dict or Initializer, default "xavier"
    seed : int or None
        Seed of the random draws (None: fresh entropy). Same seed, same structure → same values.
    keep : collection of parameter keys
        Parameters to leave as they are (``(src, dst)`` for a weight, a name for a bias).

    Examples
    --------
    >>> import neuronsim
    >>> a = neuronsim.Network.from_spec([("identity", 2), ("tanh", 3), ("tanh", 1)], seed=7)
    >>> b = neuronsim.Network.from_spec([("identity", 2), ("tanh", 3), ("tanh", 1)], seed=0)
    >>> apply(b, "xavier", seed=7).parameters() == a.parameters()
    True
    """
    init = get(init)
    if not hasattr(net, "plan"):
        raise NeuronsimTypeError(f"apply() initialises a Network, got {type(net).__name__}")
    rng = np.random.default_rng(checked_seed(seed, NeuronsimError))
    forward = net.plan().forward
    # per-link arrays made by C-level iteration (no Python call per link): a neuron's fan-in is
    # its number of incoming links, a link's fan-out its source's number of outgoing ones
    fan_in = np.fromiter(map(len, map(itemgetter(1), forward)), int, len(forward))
    fan_in = np.repeat(fan_in, fan_in)
    sources = [src for _, incoming in forward for src, _ in incoming]
    fan_out = np.fromiter(map(len, map(net.graph._succ.__getitem__, map(attrgetter("_name"), sources))), int,
                          len(sources))
    weights = _checked_draws(init.weights(fan_in, fan_out, rng), len(sources), init, "weights")
    del fan_in, fan_out, sources
    neurons = [neuron for neuron, _ in forward]
    biases = _checked_draws(init.biases(len(neurons), rng), len(neurons), init, "biases")
    keep = set(keep)
    if keep:
        links = [(neuron, src, edge) for neuron, incoming in forward for src, edge in incoming]
        for (neuron, src, edge), w in zip(links, weights.tolist()):
            if (src.name, neuron.name) not in keep:
                edge["weight"] = w
    else:
        for edge, w in zip([edge for _, incoming in forward for _, edge in incoming], weights.tolist()):
            edge["weight"] = w
    for neuron, b in zip(neurons, biases.tolist()):
        if neuron.name not in keep:
            neuron._bias = b
    return net


def _layered_draws(init, sizes, seed=None):
    """The weights and biases :func:`apply` gives a fully connected layered network of layer
    sizes ``sizes`` — the same values in the same order, drawn before the network exists.

    Weights come destination-major (for each neuron of each non-input layer, one per neuron of
    the layer below: :meth:`Network.parameter_keys` order), then the biases of the non-input
    neurons; a link from a layer of ``a`` neurons into one of ``b`` has fan-in ``a`` and
    fan-out ``b``. Returns two lists of floats.

    Examples
    --------
    >>> import neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 1)], init="constant")
    >>> weights, biases = _layered_draws("uniform", [2, 1], seed=5)
    >>> apply(net, "uniform", seed=5).parameters() == weights + biases     # w(x1→o1), w(x2→o1), b(o1)
    True
    """
    init = get(init)
    rng = np.random.default_rng(checked_seed(seed, NeuronsimError))
    pairs = list(zip(sizes, sizes[1:]))
    fan_in = np.concatenate([np.full(a * b, a, dtype=int) for a, b in pairs])
    fan_out = np.concatenate([np.full(a * b, b, dtype=int) for a, b in pairs])
    weights = _checked_draws(init.weights(fan_in, fan_out, rng), len(fan_in), init, "weights")
    del fan_in, fan_out
    biases = _checked_draws(init.biases(sum(sizes[1:]), rng), sum(sizes[1:]), init, "biases")
    return weights.tolist(), biases.tolist()


def _checked_draws(values, count, init, what):
    values = np.asarray(values, dtype=float)
    if values.shape != (count,):
        raise NeuronsimError(f"initializer {init!r}: {what}() returned shape {values.shape}, expected ({count},)")
    if not np.isfinite(values).all():
        raise ValueRangeError(f"initializer {init!r}: {what}() returned NaN or infinite values")
    return values

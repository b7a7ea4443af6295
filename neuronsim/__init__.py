"""neuronsim: a neuron-level neural network simulator.

Neurons are objects on a :class:`networkx.DiGraph`; activations and losses are pluggable
``(f, f')`` pairs; backprop propagates deltas edge by edge through any DAG, and you can watch it.

Examples
--------
>>> import neuronsim
>>> net = neuronsim.Network.from_spec([("identity", 4), ("sigmoid", 5), ("sigmoid", 3)], init="constant")
>>> out = net.forward([5.1, 3.5, 1.4, 0.2])
>>> _ = net.backward([1, 0, 0])
>>> [f"{net[name].delta:.6g}" for name in ("o1", "o2", "o3")]
['-4.45108e-05', '0.00660476', '0.00660476']
"""

from . import activations, datasets, errors, init, losses, metrics, optim
from .activations import Activation
from .errors import NeuronsimError
from .gradcheck import GradcheckReport, gradcheck
from .io import load
from .losses import Loss
from .network import Network
from .neuron import Neuron
from .recorder import Recorder
from .history import History
from .stopping import EarlyStopping, TargetLoss, Tolerance
from .training import train

__version__ = "0.1.0"

# Submodules that pull in more (matplotlib for plots) load on first use: neuronsim.plot, ...
_LAZY = ("autograd", "export", "fast", "io", "plot", "spec", "steps", "explain", "tables")


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "Network", "Neuron", "Activation", "Loss", "NeuronsimError", "gradcheck", "GradcheckReport", "Recorder",
    "load", "train", "History", "TargetLoss", "Tolerance", "EarlyStopping",
    "activations", "losses", "init", "errors", "optim", "metrics", "datasets",
]

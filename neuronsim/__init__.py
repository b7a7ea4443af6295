"""neuronsim: a neuron-level neural network simulator.

Neurons on a networkx DiGraph, pluggable ``(f, f')`` pairs, backprop edge by edge through any DAG.

Where things are (``help(neuronsim.<module>)`` tells more)
----------------------------------------------------------
=============  =====================================================================
network        ``Network``: neurons and links on the graph, forward, backward, predict
neuron         ``Neuron``: one unit's name, activation, bias, z, a, δ and its links
graph          the DiGraph under ``Network.graph``, which counts structural edits
plan           the cached order a network's passes walk (internal)
activations    activation ``(f, f')`` pairs and their registry; ``check`` your own
losses         loss ``(C, ∂C/∂a)`` pairs and their registry
init           weight initialisers (constant, uniform, normal, xavier, he), all seeded
spec           layered lists, graph dicts and JSON/YAML spec files → ``Network``, and back
io             ``save``/``load``: versioned JSON files, atomic writes, never runs code
export         networkx, GraphML, DOT and node-link exports of the graph
steps          ``forward_steps``/``backward_steps``: a pass one neuron (or edge) at a time
explain        each neuron's equations written out in the network's numbers; summary
recorder       ``Recorder``: z, a, δ, weights, grads over training, by neuron/edge/layer
gradcheck      finite-difference (or autograd) checks of every gradient
training       ``train``: the loop (sweeps, mini-batches, validation, callbacks)
optim          ``SGD`` (momentum), ``Adam`` and learning-rate schedules
stopping       ``TargetLoss``, ``Tolerance``, ``EarlyStopping``
history        ``History``: losses and metrics per epoch of a run
metrics        accuracy, mse, ...: ``f(Y_true, Y_pred) -> float``
datasets       xor, iris, digits, moons, ...; split, one-hot, standardise
preprocessing  ``Scaler``: scaling of raw input rows that travels with a network
tables         CSV tables with a header row → a ``Dataset``
fast           the batched numpy engine (``net.compile()``), same numbers, fast
torch_bridge   ``net.to_torch()``/``Network.from_torch``: to and from PyTorch (optional extra)
autograd       the scalar ``Value`` engine, the loss as a ``Value`` graph, micrograd-style nn
plot           topology, loss, boundaries, Hinton diagrams, animations, step-through pages
cli            the ``neuronsim`` command: demo, train, predict, plot, explain, check
errors         ``NeuronsimError`` and its kinds, raised on every bad input
=============  =====================================================================

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
_LAZY = ("autograd", "export", "fast", "io", "plot", "preprocessing", "spec", "steps", "explain", "tables",
         "torch_bridge")


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

"""Scalar automatic differentiation, the seeds' ``Value``: a teaching engine and a second oracle.

- :mod:`neuronsim.autograd.value`: :class:`Value`, whose arithmetic records an expression DAG
  with each operation's local derivative, and whose :meth:`Value.backward` applies the chain
  rule (iteratively: any depth works).
- :mod:`neuronsim.autograd.bridge`: :func:`expression` writes a network's loss on one case with
  Values; its gradients check the network's edge-by-edge backprop independently.
- :mod:`neuronsim.autograd.nn`: micrograd's and the seeds' networks of Values, :class:`MLP`
  (with :class:`Neuron`, :class:`Layer`, :class:`Module`), same calling convention and random
  draws as micrograd, and :meth:`MLP.to_network` / :meth:`MLP.from_network` to move between a
  Value MLP and the neuron graph.

Examples
--------
>>> import neuronsim
>>> net = neuronsim.Network.from_spec([("identity", 1), ("tanh", 1)], init="constant")
>>> expr = expression(net, [0.5], [1.0])
>>> expr.loss.backward()
>>> _ = net.forward([0.5]); _ = net.backward([1.0])
>>> all(abs(g - h) < 1e-12 for g, h in zip(expr.gradients(), net.gradients()))
True
"""

from . import nn
from .bridge import NetworkExpression, expression
from .nn import MLP, Layer, Module, Neuron
from .value import Value, topological_order, zero_grad

__all__ = ["Value", "topological_order", "zero_grad", "expression", "NetworkExpression",
           "nn", "Module", "Neuron", "Layer", "MLP"]

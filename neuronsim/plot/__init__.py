"""Plotting with matplotlib and networkx: topology, training curves, decision regions, Hinton
diagrams, expression graphs and training animations.

Every function draws on the Axes it is given (or a new one) and returns it — or a Figure or
Animation — so figures compose and are saved by the caller. Nothing here calls ``plt.show()``,
sets a backend, trains or changes the network.
"""

from .animation import TrainingAnimation, animate_training
from .boundary import activation_maps, decision_boundary
from .expression import expression
from .hinton import hinton, weight_matrix
from .layout import layered_layout
from .topology import drawn_edges, topology
from .training import deltas, loss

__all__ = ["topology", "drawn_edges", "layered_layout", "loss", "deltas", "animate_training",
           "TrainingAnimation", "decision_boundary", "activation_maps", "hinton", "weight_matrix",
           "expression"]

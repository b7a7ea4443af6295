"""Plotting with matplotlib and networkx: topology, training curves, decision regions, Hinton
diagrams, expression graphs, training animations, and a pass watched step by step
(:func:`animate_steps`, the HTML page of :func:`steps_html`).

Every function draws on the Axes it is given (or a new one) and returns it — or a Figure or
Animation — so figures compose and are saved by the caller. Nothing here calls ``plt.show()``,
sets a backend, trains or changes the network — except that :func:`animate_steps` and
:func:`steps_html` run their case's forward and backward pass, as ``forward`` + ``backward`` would
(``preserve=True`` puts the network's previous state back).
"""

from .animation import TrainingAnimation, animate_training
from .boundary import activation_maps, decision_boundary
from .expression import expression
from .hinton import hinton, weight_matrix
from .html import network_html
from .layout import layered_layout
from .stepping import StepAnimation, StepFrame, animate_steps, step_frames, steps_html
from .topology import drawn_edges, topology
from .training import deltas, loss

__all__ = ["topology", "drawn_edges", "layered_layout", "loss", "deltas", "animate_training",
           "TrainingAnimation", "decision_boundary", "activation_maps", "hinton", "weight_matrix",
           "expression", "animate_steps", "steps_html", "step_frames", "StepAnimation", "StepFrame",
           "network_html"]

"""The project's own error types.

Every public entry point of neuronsim validates its input at the door and raises one of these,
with a message that names the culprit (neuron, edge, file, field or parameter) and, where it
applies, what was expected and what was received.

All of them derive from :class:`NeuronsimError`, itself a :class:`ValueError`, so existing
``except ValueError`` code keeps working; :class:`NeuronsimTypeError` is also a
:class:`TypeError` for arguments of the wrong type.

Examples
--------
>>> import neuronsim
>>> net = neuronsim.Network()
>>> try:
...     net.connect("a", "b", 1.0)
... except neuronsim.NeuronsimError as err:
...     print(err)
edge a -> b: unknown neuron 'a'
"""

__all__ = [
    "NeuronsimError",
    "NeuronsimTypeError",
    "ActivationError",
    "LossError",
    "TopologyError",
    "CycleError",
    "ShapeError",
    "SpecError",
    "FileFormatError",
    "ValueRangeError",
    "NonFiniteError",
    "TrainingError",
    "DivergenceError",
]


class NeuronsimError(ValueError):
    """Base class of every error neuronsim raises on bad input."""


class NeuronsimTypeError(NeuronsimError, TypeError):
    """An argument has the wrong type (for example a string where a number is expected)."""


class ActivationError(NeuronsimError):
    """Unknown activation name, or an (f, f') pair that is not a valid activation."""


class LossError(NeuronsimError):
    """Unknown loss name, or a loss used where it does not apply."""


class TopologyError(NeuronsimError):
    """A structural problem: unknown or duplicate neuron, bad edge, no inputs or outputs."""


class CycleError(TopologyError):
    """An edge would close a cycle; the message names the cycle."""


class ShapeError(NeuronsimError):
    """Input or target of the wrong length or shape (expected vs got)."""


class SpecError(NeuronsimError):
    """A malformed network spec or spec file; the message names the field."""


class FileFormatError(NeuronsimError):
    """A file that is missing, unreadable, empty, not UTF-8 or not JSON (field problems inside a
    well-formed file are :class:`SpecError`)."""


class ValueRangeError(NeuronsimError):
    """A number that is NaN, infinite or outside its allowed range."""


class NonFiniteError(ValueRangeError):
    """A computation on finite inputs and weights overflowed to NaN or infinity.

    Raised by a pass (forward, backward, loss, predict, in either engine) instead of returning
    a NaN or an infinity; the message names the first neuron whose z, a or δ stopped being
    finite (or the edge or bias whose stored value is bad) and, for a batch, the input row.
    """


class TrainingError(NeuronsimError):
    """Bad training arguments, detected before any training starts."""


class DivergenceError(TrainingError):
    """Training produced a NaN or infinite loss or weight."""

"""Loss functions as pluggable ``(C, ∂C/∂a)`` pairs, and the registry that names them.

A :class:`Loss` measures one case: ``f(a, t)`` takes the output activations ``a`` and the
target ``t`` (equal-length lists of floats) and returns the cost C; ``df(a, t)`` returns the list
∂C/∂a_j. Backprop turns that into the output deltas δ_j = ∂C/∂a_j · f′(z_j).

In a backward pass every loss term is checked before anything is accumulated: a loss whose f or
df raises, or gives anything but one real number per output, is refused with a
:class:`~neuronsim.errors.LossError` naming it (and the output neuron); a value or term that is
inf or NaN, with a :class:`~neuronsim.errors.NonFiniteError`.

Some pairs of loss and output activation have a simpler, numerically safer δ than the product
(binary cross-entropy on a sigmoid: δ = a − t, even where a rounds to exactly 1). A loss may
carry such *fused* forms, used when every output neuron has that activation.

Built-ins (each is the cost of one case; :func:`neuronsim.train`'s ``reduction`` sums or
averages it over the cases of a batch):

- ``squared_error``: E = ½ Σ_j (a_j − t_j)², RHW 1986 eq. 3;
- ``mse``: (1/n) Σ_j (a_j − t_j)² over the n outputs (torch ``MSELoss``, sklearn
  ``mean_squared_error``);
- ``binary_cross_entropy``: −Σ_j [t_j log a_j + (1 − t_j) log(1 − a_j)], for outputs in (0, 1);
- ``softmax_cross_entropy``: −Σ_j t_j log softmax(z)_j on identity output neurons, whose z are
  the logits (δ = softmax(z) − t); shift-invariant to the last bit for logits of any size.

Sums run over the outputs (torch's ``BCELoss`` averages over them instead).

Aliases accepted by :func:`get` (case, spaces and hyphens ignored): ``ce``, ``cross_entropy``,
``categorical_cross_entropy`` → ``softmax_cross_entropy`` (as torch's ``CrossEntropyLoss``);
``bce``, ``binary_crossentropy`` → ``binary_cross_entropy``; ``mean_squared_error`` → ``mse``.
``sse`` and ``l2`` are refused as ambiguous (Σ, ½ Σ or the mean of squares?): the error lists
the choices. :func:`available` lists the canonical names only.

Examples
--------
>>> from neuronsim import losses
>>> se = losses.get("squared_error")
>>> se.f([0.5, 0.2], [1.0, 0.0])
0.145
>>> se.df([0.5, 0.2], [1.0, 0.0])
[-0.5, 0.2]
"""

import math

import numpy as np

from ._checks import shown
from .errors import LossError, NeuronsimTypeError, ValueRangeError

__all__ = ["Loss", "get", "register", "unregister", "available", "check_targets"]


class Loss:
    """A named cost function for one case, with its gradient in the output activations.

    Parameters
    ----------
    name : str
        Registry name.
    f : callable
        ``f(a, t) -> float``, a and t equal-length lists of floats.
    df : callable
        ``df(a, t) -> list`` of ∂C/∂a_j.
    fused : dict, optional
        ``{activation_name: (value, delta)}`` where ``value(z, t) -> float`` and
        ``delta(z, a, t) -> list`` give C and δ = ∂C/∂z directly from the output neurons'
        pre-activations; used when every output neuron has that activation.
    output_activation : str, optional
        The loss is only defined on output neurons with this activation (backward raises
        :class:`~neuronsim.errors.LossError` otherwise).
    target_range : (float, float), optional
        Allowed interval for target values (checked at the door).
    vf, vdf, vfused : optional
        numpy forms for batched engines, on (n, outputs) arrays: ``vf(A, T) -> (n,)`` per-case
        costs, ``vdf(A, T) -> (n, outputs)``, and ``vfused`` like ``fused`` on arrays. When
        omitted, batched engines apply the scalar forms row by row.
    vboth : callable, optional
        ``vboth(A, T) -> (vf(A, T), vdf(A, T))``: both numpy forms from one pass over the
        outputs (the batched engine's training passes use it when given, so it must give exactly
        the numbers of ``vf`` and ``vdf``).

    Examples
    --------
    >>> absolute = Loss("absolute", lambda a, t: sum(abs(x - y) for x, y in zip(a, t)),
    ...                 lambda a, t: [1.0 if x > y else -1.0 for x, y in zip(a, t)])
    >>> absolute.f([1.0, 2.0], [0.0, 4.0])
    3.0
    """

    __slots__ = ("name", "f", "df", "fused", "output_activation", "target_range", "vf", "vdf", "vfused",
                 "vboth")

    def __init__(self, name, f, df, *, fused=None, output_activation=None, target_range=None,
                 vf=None, vdf=None, vfused=None, vboth=None):
        if not isinstance(name, str) or not name:
            raise NeuronsimTypeError(f"loss name must be a non-empty string, got {shown(name)}")
        for label, fn in (("f", f), ("df", df)):
            if not callable(fn):
                raise NeuronsimTypeError(f"loss {name!r}: {label} must be callable, got {type(fn).__name__}")
        self.name = name
        self.f = f
        self.df = df
        self.fused = dict(fused or {})
        self.output_activation = output_activation
        self.target_range = target_range
        self.vf = vf if vf is not None else _rowwise(f, scalar=True)
        self.vdf = vdf if vdf is not None else _rowwise(df, scalar=False)
        self.vfused = dict(vfused or {})
        if vboth is not None and not callable(vboth):
            raise NeuronsimTypeError(f"loss {name!r}: vboth must be callable, got {type(vboth).__name__}")
        self.vboth = vboth
        for activation, (value, delta) in self.fused.items():
            if activation not in self.vfused:
                self.vfused[activation] = (_rowwise(value, scalar=True), _rowwise3(delta))

    def __repr__(self):
        return f"Loss({self.name!r})"


def _rowwise(fn, scalar):
    def apply(A, T):
        rows = [fn(a, t) for a, t in zip(np.asarray(A).tolist(), np.asarray(T).tolist())]
        return np.array(rows, dtype=float).reshape(len(rows)) if scalar else np.array(rows, dtype=float)

    return apply


def _rowwise3(fn):
    def apply(Z, A, T):
        return np.array([fn(z, a, t) for z, a, t in zip(Z.tolist(), A.tolist(), T.tolist())], dtype=float)

    return apply


# --- built-ins: each cost next to its gradient (numpy forms beside the scalar ones) -------

def _squared_error(a, t):
    # RHW 1986 eq. 3: E = ½ Σ_j (y_j − d_j)²
    return 0.5 * sum((x - y) * (x - y) for x, y in zip(a, t))  # d*d: inf, not OverflowError, past 1e154


def _squared_error_df(a, t):
    return [x - y for x, y in zip(a, t)]


def _vsquared_error_both(A, T):
    d = A - T
    return 0.5 * (d ** 2).sum(axis=1), d


def _mse(a, t):
    return sum((x - y) * (x - y) for x, y in zip(a, t)) / len(a)


def _mse_df(a, t):
    n = len(a)
    return [2.0 * (x - y) / n for x, y in zip(a, t)]


_BCE_CLIP = 1e-15


def _bce(a, t):
    total = 0.0
    for x, y in zip(a, t):
        x = min(max(x, _BCE_CLIP), 1.0 - _BCE_CLIP)
        total -= y * math.log(x) + (1.0 - y) * math.log1p(-x)
    return total


def _bce_df(a, t):
    out = []
    for x, y in zip(a, t):
        x = min(max(x, _BCE_CLIP), 1.0 - _BCE_CLIP)
        out.append((x - y) / (x * (1.0 - x)))
    return out


def _bce_sigmoid_value(z, t):
    # −[t log σ(z) + (1−t) log(1−σ(z))] = softplus(z) − t z, written to never overflow.
    return sum(max(x, 0.0) - y * x + math.log1p(math.exp(-abs(x))) for x, y in zip(z, t))


def _bce_sigmoid_delta(z, a, t):
    return [x - y for x, y in zip(a, t)]


def _log_softmax(z):
    # log softmax(z)_j = (z_j − max z) − log Σ_k e^(z_k − max z). Subtract the shift first, then
    # the log-norm: writing it as z_j − (max z + log Σ) would round the log-norm at the scale of
    # max z and lose it entirely for logits past ~1e16. A shifted logit below −1.8e308 is −inf,
    # whose exponential is an exact 0.
    top = max(z)
    shifted = [v - top for v in z]
    log_norm = math.log(sum(math.exp(s) for s in shifted))
    return [s - log_norm for s in shifted]


def _vlog_softmax(Z):
    top = Z.max(axis=1, keepdims=True)
    with np.errstate(over="ignore"):  # z − max z below −1.8e308 is −inf: e^−inf = 0, as wanted
        shifted = Z - top
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _softmax_ce(a, t):
    # a are the identity outputs' z (the logits); C = −Σ t_j log softmax(z)_j, where a zero target
    # adds nothing (not 0 · −inf = nan for a logit ~1.8e308 below the largest)
    return -sum(y * lp for y, lp in zip(t, _log_softmax(a)) if y)


def _vsoftmax_ce(A, T):
    return -np.multiply(T, _vlog_softmax(A), out=np.zeros(np.shape(A)), where=T != 0).sum(axis=1)


def _vsoftmax_ce_both(A, T):
    # _vsoftmax_ce and the numpy ∂C/∂z below from one log-softmax: the same numbers
    log_p = _vlog_softmax(A)
    terms = -np.multiply(T, log_p, out=np.zeros(np.shape(A)), where=T != 0).sum(axis=1)
    return terms, np.exp(log_p) * T.sum(axis=1, keepdims=True) - T


def _softmax_ce_df(a, t):
    # ∂C/∂z_j = softmax(z)_j Σ_k t_k − t_j  (= softmax − t for a one-hot or probability target)
    mass = sum(t)
    return [math.exp(lp) * mass - y for lp, y in zip(_log_softmax(a), t)]


def _vbce(A, T):
    A = np.clip(A, _BCE_CLIP, 1.0 - _BCE_CLIP)
    return -(T * np.log(A) + (1.0 - T) * np.log1p(-A)).sum(axis=1)


def _vbce_df(A, T):
    A = np.clip(A, _BCE_CLIP, 1.0 - _BCE_CLIP)
    return (A - T) / (A * (1.0 - A))


_BUILTINS = [
    Loss("squared_error", _squared_error, _squared_error_df,
         vf=lambda A, T: 0.5 * ((A - T) ** 2).sum(axis=1), vdf=lambda A, T: A - T,
         vboth=_vsquared_error_both),
    Loss("mse", _mse, _mse_df,
         vf=lambda A, T: ((A - T) ** 2).mean(axis=1), vdf=lambda A, T: 2.0 * (A - T) / A.shape[1]),
    Loss("binary_cross_entropy", _bce, _bce_df,  # outputs must lie in (0, 1): sigmoid units
         fused={"sigmoid": (_bce_sigmoid_value, _bce_sigmoid_delta)}, target_range=(0.0, 1.0),
         vf=_vbce, vdf=_vbce_df,
         vfused={"sigmoid": (
             lambda Z, T: (np.maximum(Z, 0.0) - T * Z + np.log1p(np.exp(-np.abs(Z)))).sum(axis=1),
             lambda Z, A, T: A - T)}),
    Loss("softmax_cross_entropy", _softmax_ce, _softmax_ce_df,
         output_activation="identity", target_range=(0.0, 1.0),
         vf=_vsoftmax_ce,
         vdf=lambda A, T: np.exp(_vlog_softmax(A)) * T.sum(axis=1, keepdims=True) - T,
         vboth=_vsoftmax_ce_both),
]

_REGISTRY = {loss.name: loss for loss in _BUILTINS}
# Other names people type, each for exactly the number it means elsewhere: torch's
# CrossEntropyLoss and BCELoss compute these per case (they only differ in averaging over a
# batch, which is train()'s `reduction`); torch's MSELoss and sklearn's mean_squared_error are
# "mse", the mean over outputs.
_ALIASES = {"ce": "softmax_cross_entropy", "cross_entropy": "softmax_cross_entropy",
            "categorical_cross_entropy": "softmax_cross_entropy",
            "categorical_crossentropy": "softmax_cross_entropy",
            "bce": "binary_cross_entropy", "binary_crossentropy": "binary_cross_entropy",
            "mean_squared_error": "mse"}
# Names that mean different numbers in different places: refused, with the choices.
_SQUARED_CHOICES = ("'squared_error' is ½ Σ (a − t)² (RHW 1986; tf.nn.l2_loss), 'mse' is the mean "
                    "over outputs of (a − t)² (torch MSELoss, sklearn mean_squared_error)")
_AMBIGUOUS = {
    "sse": f"'sse' usually means Σ (a − t)², which no built-in computes: {_SQUARED_CHOICES}",
    "l2": f"'l2' means different numbers in different libraries: {_SQUARED_CHOICES}",
}


def available():
    """Names of every registered loss (aliases excluded), sorted.

    Examples
    --------
    >>> available()
    ['binary_cross_entropy', 'mse', 'softmax_cross_entropy', 'squared_error']
    """
    return sorted(_REGISTRY)


def get(loss):
    """Return the registered :class:`Loss` for a name or alias (or pass a Loss through).

    A registered name is matched exactly. Failing that, case, spaces and hyphens are ignored and
    the built-in names and the aliases of the module documentation are tried (``"CE"``,
    ``"cross-entropy"``, ``"MSE"``, ...).

    Raises
    ------
    LossError
        The name is not registered, or is ambiguous (``"sse"``, ``"l2"``); the message lists the
        choices.

    Examples
    --------
    >>> get("bce").name, get("CE").name, get("mean_squared_error").name
    ('binary_cross_entropy', 'softmax_cross_entropy', 'mse')
    >>> get("l2")
    Traceback (most recent call last):
    ...
    neuronsim.errors.LossError: loss 'l2' is ambiguous: 'l2' means different numbers in different libraries: 'squared_error' is ½ Σ (a − t)² ...; name one of: binary_cross_entropy, mse, softmax_cross_entropy, squared_error
    """
    if isinstance(loss, Loss):
        return loss
    if not isinstance(loss, str):
        raise NeuronsimTypeError(f"loss must be a name or a Loss, got {type(loss).__name__}")
    found = _REGISTRY.get(loss)
    if found is not None:
        return found
    typed = loss.strip().lower().replace("-", "_").replace(" ", "_")
    found = _REGISTRY.get(_ALIASES.get(typed, typed))
    if found is not None:
        return found
    known = ", ".join(available())
    if typed in _AMBIGUOUS:
        raise LossError(f"loss {shown(loss)} is ambiguous: {_AMBIGUOUS[typed]}; name one of: {known}")
    raise LossError(f"unknown loss {shown(loss)}; known: {known} (aliases: {', '.join(sorted(_ALIASES))})")


def register(loss, *, overwrite=False):
    """Add a :class:`Loss` to the registry so specs, files and the CLI can name it.

    Raises
    ------
    LossError
        The name is taken and ``overwrite`` is False.

    Examples
    --------
    >>> half = register(Loss("half_se_demo", lambda a, t: 0.25 * sum((x - y) ** 2 for x, y in zip(a, t)),
    ...                      lambda a, t: [0.5 * (x - y) for x, y in zip(a, t)]))
    >>> get("half_se_demo") is half
    True
    >>> unregister("half_se_demo")
    """
    if not isinstance(loss, Loss):
        raise NeuronsimTypeError(f"register() takes a Loss, got {type(loss).__name__}")
    if (loss.name in _REGISTRY or loss.name in _ALIASES) and not overwrite:
        raise LossError(f"loss {loss.name!r} is already registered; pass overwrite=True to replace it")
    _REGISTRY[loss.name] = loss
    return loss


def unregister(name):
    """Remove a user-registered loss (built-ins stay).

    Raises
    ------
    LossError
        The name is a built-in or not registered.

    Examples
    --------
    >>> unregister("squared_error")
    Traceback (most recent call last):
    ...
    neuronsim.errors.LossError: loss 'squared_error' is a built-in and cannot be unregistered
    """
    if any(item.name == name for item in _BUILTINS):
        raise LossError(f"loss {name!r} is a built-in and cannot be unregistered")
    if name not in _REGISTRY:
        raise LossError(f"loss {name!r} is not registered")
    del _REGISTRY[name]


def check_targets(loss, targets, what="target"):
    """Check that every target lies in the loss's ``target_range`` (when it has one).

    Parameters
    ----------
    loss : Loss
    targets : array_like of float
        One target vector, or a (cases, outputs) table of them.
    what : str
        The name used in the message (``"target"``, ``"Y"``, ...).

    Raises
    ------
    ValueRangeError
        Names the first target outside the range, by its index.

    Examples
    --------
    >>> check_targets(get("bce"), [[0.0, 1.0], [1.0, 1.5]], "Y")
    Traceback (most recent call last):
    ...
    neuronsim.errors.ValueRangeError: Y[1, 1] = 1.5 is outside [0.0, 1.0] required by loss 'binary_cross_entropy'
    """
    if loss.target_range is None:
        return
    low, high = loss.target_range
    values = np.asarray(targets, dtype=float)
    outside = np.argwhere((values < low) | (values > high))
    if len(outside):
        index = tuple(int(i) for i in outside[0])
        where = ", ".join(map(str, index))
        raise ValueRangeError(f"{what}[{where}] = {values[index]} is outside [{low}, {high}] "
                              f"required by loss {loss.name!r}")


"""Activation functions as pluggable ``(f, f')`` pairs, and the registry that names them.

An :class:`Activation` is a name, a scalar function ``f(z)`` and its derivative ``df(z, a)``.
**The derivative receives both the pre-activation z and the activation a = f(z)**, so that
pairs whose derivative is cheapest in terms of the output (sigmoid: a(1 − a); tanh: 1 − a²)
need not recompute f. A user-supplied derivative that takes one argument is taken to be
``f'(z)`` and wrapped accordingly.

Every built-in is numerically stable for every finite z, up to ±1.7976931348623157e308: f and
df, scalar and numpy forms, give finite numbers, never an OverflowError, a NaN or a numpy
overflow warning. Each carries numpy forms (``vf``, ``vdf``) next to the scalar ones for batched
engines. In a pass of the object engine, a user's f or df that raises, or returns anything but a
real number, is refused with an :class:`~neuronsim.errors.ActivationError` naming the activation
and the neuron (chained to the original exception); one that returns inf or NaN, with a
:class:`~neuronsim.errors.NonFiniteError`.

This module is also the registry: :func:`get`, :func:`register`, :func:`available`, and
:func:`check` for verifying a user's pair against finite differences.

Examples
--------
>>> from neuronsim import activations
>>> sig = activations.get("sigmoid")
>>> round(sig.f(0.0), 3), round(sig.derivative(0.0), 3)
(0.5, 0.25)
>>> sig.f(-1e4), sig.f(1e4)
(0.0, 1.0)
>>> "relu" in activations.available()
True
"""

import inspect
import math

import numpy as np

from ._checks import finite_float, shown
from .errors import ActivationError, NeuronsimTypeError

__all__ = ["Activation", "get", "register", "unregister", "available", "check", "CheckReport"]


class Activation:
    """A named activation function with its derivative.

    Parameters
    ----------
    name : str
        Registry name (used in specs and saved files).
    f : callable
        ``f(z) -> a`` on Python floats.
    df : callable
        The derivative, ``df(z, a) -> f'(z)`` where ``a = f(z)``. A callable taking a single
        argument is accepted as ``f'(z)``.
    vf, vdf : callable, optional
        numpy forms of ``f`` and ``df`` (same conventions, on arrays). When omitted they are
        derived from the scalar forms with :func:`numpy.vectorize` (correct, slower).
    vf_into, vdf_into : callable, optional
        In-place numpy forms for the batched engine's passes (which run them under
        ``np.errstate(over="ignore")``): ``vf_into(z, out)`` writes ``vf(z)`` into ``out``, and
        ``vdf_into(z, a, dA, out)`` writes ``vdf(z, a) * dA``, both without temporaries. When
        omitted the engine calls ``vf`` and ``vdf``.

    Examples
    --------
    >>> import math
    >>> cube = Activation("cube", lambda z: z ** 3, lambda z: 3 * z * z)
    >>> cube.f(2.0), cube.derivative(2.0)
    (8.0, 12.0)
    """

    __slots__ = ("name", "f", "df", "vf", "vdf", "vf_into", "vdf_into", "_expression")

    def __init__(self, name, f, df, *, vf=None, vdf=None, vf_into=None, vdf_into=None):
        if not isinstance(name, str) or not name:
            raise NeuronsimTypeError(f"activation name must be a non-empty string, got {shown(name)}")
        for label, fn in (("f", f), ("df", df)):
            if not callable(fn):
                raise NeuronsimTypeError(
                    f"activation {name!r}: {label} must be callable, got {type(fn).__name__}"
                )
        self.name = name
        self.f = f
        self.df = df if _positional_arity(df) >= 2 else _derivative_of_z(df)
        self.vf = vf if vf is not None else np.vectorize(f, otypes=[float])
        if vdf is None:
            vdf = np.vectorize(self.df, otypes=[float])
        self.vdf = vdf
        self.vf_into, self.vdf_into = vf_into, vdf_into

    @classmethod
    def from_expression(cls, name, fn):
        """An activation written as a formula only: the Value engine finds its derivative.

        Parameters
        ----------
        name : str
            Registry name (pass the result to :func:`register` to use the name in specs).
        fn : callable
            ``fn(v) -> Value``, built with :class:`neuronsim.autograd.Value` operations from the
            Value ``v`` (e.g. ``lambda v: v * v.sigmoid()`` for swish).

        Returns
        -------
        Activation
            With f(z) = fn(Value(z)).data and df(z, a) = ∂fn/∂v at v = z, found by
            backpropagating through the expression fn builds. :attr:`expression` keeps `fn`, so
            :func:`neuronsim.autograd.expression` writes neurons using it with Values too.

        Raises
        ------
        NeuronsimTypeError
            `fn` is not callable; later, when evaluated, `fn` returns something not a Value.

        Notes
        -----
        f and df build a small expression per call: right for experiments, slower than a
        hand-written pair. Operations that would overflow (``v.exp()`` at z = 1000) raise
        :class:`~neuronsim.errors.ValueRangeError` (in a network's pass, an
        :class:`~neuronsim.errors.ActivationError` naming the neuron, chained to it); write fn
        in a stable form.

        Examples
        --------
        >>> swish = Activation.from_expression("my_swish", lambda v: v * v.sigmoid())
        >>> z = 1.5; s = 1.0 / (1.0 + math.exp(-z))
        >>> abs(swish.f(z) - z * s) < 1e-15, abs(swish.derivative(z) - (s + z * s * (1 - s))) < 1e-15
        (True, True)
        >>> check(swish).ok
        True
        """
        from .autograd.value import Value  # at call time: activations sit below the autograd package

        if not callable(fn):
            raise NeuronsimTypeError(
                f"activation {name!r}: fn must be callable, got {type(fn).__name__}")

        def evaluate(v):
            out = fn(v)
            if not isinstance(out, Value):
                raise NeuronsimTypeError(
                    f"activation {name!r}: fn must return a Value, got {type(out).__name__}")
            return out

        def f(z):
            return evaluate(Value(z)).data

        def df(z, a):
            v = Value(z)
            evaluate(v).backward()
            return v.grad

        activation = cls(name, f, df)
        activation._expression = fn
        return activation

    @property
    def expression(self):
        """The Value function given to :meth:`from_expression`, else None.

        Examples
        --------
        >>> get("tanh").expression is None
        True
        """
        return getattr(self, "_expression", None)

    def derivative(self, z):
        """f'(z), computing a = f(z) first.

        Examples
        --------
        >>> get("tanh").derivative(0.0)
        1.0
        """
        return self.df(z, self.f(z))

    def __call__(self, z):
        return self.f(z)

    def __repr__(self):
        return f"Activation({self.name!r})"

    # An activation is a pair of functions: copies of a network share it, never copy it, so a
    # registered activation stays the registered one (fused losses, saving and the engines
    # treat the copy exactly as the original).
    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        """Pickled by name when registered (unpickling looks the name up again)."""
        if _REGISTRY.get(self.name) is not self:
            raise NeuronsimTypeError(
                f"activation {shown(self.name)} is not the registered one of that name and cannot be "
                "pickled (its functions may be lambdas); register it, or save the network with neuronsim.save")
        return (get, (self.name,))


def _positional_arity(fn):
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # builtins without a signature: assume f'(z)
        return 1
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if any(p.kind == inspect.Parameter.VAR_POSITIONAL for p in params):
        return 2
    return sum(1 for p in params if p.kind in kinds)


def _derivative_of_z(dfz):
    def df(z, a):
        return dfz(z)

    return df


# --- built-ins: each function next to its derivative ------------------------------------

def _identity(z):
    return z


def _identity_df(z, a):
    return 1.0


def _sigmoid(z):
    # Split by sign so exp never sees a large positive argument.
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _sigmoid_df(z, a):
    return a * (1.0 - a)


def _vsigmoid(z):
    e = np.exp(-np.abs(z))          # never overflows
    r = 1.0 / (1.0 + e)
    return np.where(z >= 0, r, e * r)


def _tanh_df(z, a):
    return 1.0 - a * a


def _relu(z):
    return z if z > 0.0 else 0.0


def _relu_df(z, a):
    return 1.0 if z > 0.0 else 0.0


LEAKY_SLOPE = 0.01


def _leaky_relu(z):
    return z if z > 0.0 else LEAKY_SLOPE * z


def _leaky_relu_df(z, a):
    return 1.0 if z > 0.0 else LEAKY_SLOPE


def _softplus(z):
    # log(1 + e^z) = max(z, 0) + log1p(e^-|z|): never overflows.
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


def _softplus_df(z, a):
    return _sigmoid(z)


def _elu(z):
    return z if z > 0.0 else math.expm1(z)


def _elu_df(z, a):
    return 1.0 if z > 0.0 else a + 1.0  # d/dz (e^z − 1) = e^z = a + 1


def _silu(z):
    return z * _sigmoid(z)


def _silu_df(z, a):
    s = _sigmoid(z)
    return s + z * s * (1.0 - s)


def _softsign(z):
    return z / (1.0 + abs(z))


def _softsign_df(z, a):
    d = 1.0 + abs(z)
    return 1.0 / (d * d)


def _gaussian(z):
    return math.exp(-z * z) if abs(z) < 30.0 else 0.0


def _gaussian_df(z, a):
    return -2.0 * (z * a)  # z·a first: a = 0 for |z| ≥ 30, so never −inf · 0 (NaN) at |z| ~ 1e308


def _vgaussian(z):
    return np.exp(-np.square(np.minimum(np.abs(z), 30.0)))  # e^−900 is 0, as the scalar form


def _vsoftsign_df(z, a):
    with np.errstate(over="ignore"):  # (1 + |z|)² is inf past ~1e154: 1/inf = 0, as the scalar form
        return 1.0 / np.square(1.0 + np.abs(z))


# In-place forms (``vf_into``/``vdf_into``) of the commonest activations, for the batched engine.

def _sigmoid_into(z, out):
    # 1 / (1 + e^−z): for z < −709 e^−z overflows to inf and the quotient is 0.0, where σ(z) is
    # below 1e−308 — the same number to within 1e−308, and 4x faster than selecting between the
    # forms for z ≥ 0 and z < 0 (as _vsigmoid does); within an ulp or two elsewhere.
    np.negative(z, out=out)
    np.exp(out, out=out)
    np.add(out, 1.0, out=out)
    np.divide(1.0, out, out=out)


def _sigmoid_delta_into(z, a, dA, out):
    np.subtract(1.0, a, out=out)
    np.multiply(a, out, out=out)               # a (1 − a)
    np.multiply(out, dA, out=out)


def _tanh_delta_into(z, a, dA, out):
    np.multiply(a, a, out=out)
    np.subtract(1.0, out, out=out)             # 1 − a²
    np.multiply(out, dA, out=out)


_BUILTINS = [
    Activation("identity", _identity, _identity_df,
               vf=lambda z: z, vdf=lambda z, a: np.ones_like(z),
               vf_into=lambda z, out: np.copyto(out, z), vdf_into=lambda z, a, dA, out: np.copyto(out, dA)),
    Activation("sigmoid", _sigmoid, _sigmoid_df,
               vf=_vsigmoid, vdf=lambda z, a: a * (1.0 - a),
               vf_into=_sigmoid_into, vdf_into=_sigmoid_delta_into),
    Activation("tanh", math.tanh, _tanh_df,
               vf=np.tanh, vdf=lambda z, a: 1.0 - a * a,
               vf_into=lambda z, out: np.tanh(z, out=out), vdf_into=_tanh_delta_into),
    Activation("relu", _relu, _relu_df,
               vf=lambda z: np.maximum(z, 0.0), vdf=lambda z, a: (z > 0).astype(float),
               vf_into=lambda z, out: np.maximum(z, 0.0, out=out),
               vdf_into=lambda z, a, dA, out: np.multiply(z > 0, dA, out=out)),
    Activation("leaky_relu", _leaky_relu, _leaky_relu_df,
               vf=lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
               vdf=lambda z, a: np.where(z > 0, 1.0, LEAKY_SLOPE)),
    Activation("softplus", _softplus, _softplus_df,
               vf=lambda z: np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z))),
               vdf=lambda z, a: _vsigmoid(z)),
    Activation("elu", _elu, _elu_df,
               vf=lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0.0))),
               vdf=lambda z, a: np.where(z > 0, 1.0, a + 1.0)),
    Activation("silu", _silu, _silu_df,
               vf=lambda z: z * _vsigmoid(z),
               vdf=lambda z, a: _vsigmoid(z) * (1.0 + z * (1.0 - _vsigmoid(z)))),
    Activation("softsign", _softsign, _softsign_df,
               vf=lambda z: z / (1.0 + np.abs(z)), vdf=_vsoftsign_df),
    Activation("gaussian", _gaussian, _gaussian_df,
               vf=_vgaussian, vdf=lambda z, a: -2.0 * (z * a)),
]

_REGISTRY = {act.name: act for act in _BUILTINS}
_ALIASES = {"logistic": "sigmoid", "linear": "identity", "swish": "silu"}


def available():
    """Names of every registered activation (aliases excluded), sorted.

    Examples
    --------
    >>> available()[:3]
    ['elu', 'gaussian', 'identity']
    """
    return sorted(_REGISTRY)


def get(activation):
    """Return the registered :class:`Activation` for a name (or pass an Activation through).

    Parameters
    ----------
    activation : str or Activation
        A registered name (``"logistic"`` is accepted for ``"sigmoid"``) or an Activation.

    Raises
    ------
    ActivationError
        The name is not registered; the message lists the known names.

    Examples
    --------
    >>> get("logistic").name
    'sigmoid'
    """
    if isinstance(activation, Activation):
        return activation
    if not isinstance(activation, str):
        raise NeuronsimTypeError(
            f"activation must be a name or an Activation, got {type(activation).__name__}"
        )
    name = _ALIASES.get(activation, activation)
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ActivationError(
            f"unknown activation {shown(activation)}; known: {', '.join(available())}"
        ) from None


def register(activation, *, overwrite=False):
    """Add an :class:`Activation` to the registry so specs and files can name it.

    Parameters
    ----------
    activation : Activation
    overwrite : bool, default False
        Replace an existing activation of the same name (built-ins included).

    Returns
    -------
    Activation
        The registered activation (handy as a decorator-free one-liner).

    Raises
    ------
    ActivationError
        The name is taken and ``overwrite`` is False.

    Examples
    --------
    >>> sq = register(Activation("square_demo", lambda z: z * z, lambda z, a: 2 * z))
    >>> get("square_demo") is sq
    True
    >>> unregister("square_demo")
    """
    if not isinstance(activation, Activation):
        raise NeuronsimTypeError(
            f"register() takes an Activation, got {type(activation).__name__}"
        )
    taken = activation.name in _REGISTRY or activation.name in _ALIASES
    if taken and not overwrite:
        raise ActivationError(
            f"activation {activation.name!r} is already registered; pass overwrite=True to replace it"
        )
    _REGISTRY[activation.name] = activation
    return activation


def unregister(name):
    """Remove a user-registered activation (built-ins stay).

    Raises
    ------
    ActivationError
        The name is a built-in or not registered.

    Examples
    --------
    >>> _ = register(Activation("temporary_demo", abs, lambda z, a: 1.0 if z > 0 else -1.0))
    >>> unregister("temporary_demo")
    >>> "temporary_demo" in available()
    False
    """
    if any(item.name == name for item in _BUILTINS):
        raise ActivationError(f"activation {name!r} is a built-in and cannot be unregistered")
    if name not in _REGISTRY:
        raise ActivationError(f"activation {name!r} is not registered")
    del _REGISTRY[name]


class CheckReport:
    """Result of :func:`check`: the worst disagreement between ``df`` and finite differences."""

    def __init__(self, name, worst_z, analytic, numeric, error, ok):
        self.name = name
        self.worst_z = worst_z
        self.analytic = analytic
        self.numeric = numeric
        self.error = error
        self.ok = ok

    def __bool__(self):
        return self.ok

    def __repr__(self):
        verdict = "ok" if self.ok else "MISMATCH"
        return (f"CheckReport({self.name!r}: {verdict}, worst at z={self.worst_z:g}: "
                f"df={self.analytic:.6g}, finite difference={self.numeric:.6g}, "
                f"error={self.error:.2e})")


def check(activation, points=None, *, eps=1e-6, tol=1e-5):
    """Verify an activation's derivative against central finite differences of ``f``.

    The usual bug when plugging in a pair is a derivative that is slightly off (wrong sign,
    forgotten factor, expecting ``a`` where ``z`` is passed); this finds it.

    Parameters
    ----------
    activation : str or Activation
    points : iterable of float, optional
        Where to compare; default 41 points spread over [-6, 6] (kinks at 0 are skipped).
    eps : float
        Finite-difference step.
    tol : float
        Allowed error, relative to max(1, |f'|).

    Returns
    -------
    CheckReport
        Truthy when the pair agrees everywhere; ``repr`` names the worst point.

    Examples
    --------
    >>> check("tanh").ok
    True
    >>> bad = Activation("bad_sigmoid", get("sigmoid").f, lambda z, a: a * (1 + a))
    >>> check(bad)
    CheckReport('bad_sigmoid': MISMATCH, worst at z=...)
    """
    act = get(activation)
    eps, tol = finite_float(eps, "eps"), finite_float(tol, "tol")
    if eps <= 0 or tol < 0:
        raise ActivationError(f"check(): eps must be > 0 and tol >= 0, got eps={eps}, tol={tol}")
    if points is None:
        points = [x for x in np.linspace(-6.0, 6.0, 41) if abs(x) > 1e-9]
    elif isinstance(points, (str, bytes)) or not hasattr(points, "__iter__"):
        raise NeuronsimTypeError(f"check(): points must be a sequence of numbers, got {shown(points)}")
    worst = None
    for i, z in enumerate(points):
        z = finite_float(z, f"points[{i}]")
        try:
            analytic = float(act.derivative(z))
            numeric = (act.f(z + eps) - act.f(z - eps)) / (2.0 * eps)
        except (OverflowError, ValueError, ZeroDivisionError) as err:
            raise ActivationError(f"check({act.name!r}): f or df fails at z={z:g} ({err})") from None
        error = abs(analytic - numeric) / max(1.0, abs(numeric))
        if not math.isfinite(error):
            error = math.inf
        if worst is None or error > worst[3]:
            worst = (z, analytic, numeric, error)
    if worst is None:
        raise ActivationError(f"check({act.name!r}): no points to check")
    z, analytic, numeric, error = worst
    return CheckReport(act.name, z, analytic, numeric, error, error <= tol)


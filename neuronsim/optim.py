"""Optimizers and learning-rate schedules: how accumulated gradients become weight changes.

Backprop leaves ∂E/∂w on every edge (``grad``) and ∂E/∂b on every neuron (``bias_grad``). An
optimizer turns those into a change of each weight and bias. Its state (the last Δw for
momentum, Adam's moment estimates) is keyed by parameter key, exactly as
:meth:`Network.parameter_keys` names them: ``(src, dst)`` for the weight of a link, the neuron's
name for its bias. A neuron or link added between epochs starts with fresh state; the state of
one removed is dropped. Weights themselves are never stored here: the graph holds them.

:meth:`Optimizer.update` is the arithmetic on arrays (what :func:`neuronsim.train` calls
once per batch); :meth:`Optimizer.step` reads a network's gradients and writes its new
parameters back, for hand-written loops.

Examples
--------
>>> import neuronsim
>>> from neuronsim import optim
>>> net = neuronsim.Network.from_spec([("identity", 1), ("identity", 1)], init="constant")
>>> _ = net.forward([1.0]); _ = net.backward([0.0])      # E = ½(1 − 0)², ∂E/∂w = ∂E/∂b = 1
>>> sgd = optim.SGD(lr=0.1, momentum=0.9)
>>> sgd.step(net)
>>> net.parameters()                                     # w = 1 − 0.1, b = 0 − 0.1
[0.9, -0.1]
>>> sgd.state[("x1", "o1")]
{'velocity': -0.1}
"""

import math
import numbers
import sys

import numpy as np

from ._checks import all_finite, checked_real, parameter_name, shown
from .errors import (NeuronsimError, NeuronsimTypeError, NonFiniteError, ShapeError, TrainingError,
                     ValueRangeError)

__all__ = ["Optimizer", "SGD", "Adam", "StepDecay", "ExponentialDecay", "LinearDecay",
           "get", "available"]


def _number(name, value, low=-math.inf, high=math.inf, *, open_low=False, open_high=False):
    """A float in the given interval, or an error naming the argument (a TrainingError for a
    value out of range, NaN, infinite or an integer beyond the float range)."""
    return checked_real(value, name, low, high, open_low=open_low, open_high=open_high,
                        error=TrainingError)


def _finite_number(value):
    """A finite float or int (an int beyond the float range is not)."""
    try:
        return isinstance(value, (float, int)) and math.isfinite(value)
    except OverflowError:
        return False


def _vector(values, name):
    """A 1-D float array of real numbers (text, booleans and integers beyond the float range are
    refused: numpy would read '1.5' as 1.5 and True as 1.0)."""
    if type(values) is np.ndarray and values.dtype == np.float64 and values.ndim == 1:
        return values       # what training passes, batch after batch
    try:
        raw = np.asarray(values)
        if raw.dtype.kind in "USVb" or (raw.dtype.kind == "O" and not all(
                isinstance(v, numbers.Real) and not isinstance(v, bool) for v in raw.flat)):
            raise TypeError(name)
        arr = raw.astype(float, copy=False)
    except (TypeError, ValueError):
        raise NeuronsimTypeError(f"{name} must be a sequence of numbers") from None
    except OverflowError:  # an int beyond the float range
        raise ValueRangeError(f"{name} holds an integer too large for a float") from None
    if arr.ndim != 1:
        raise ShapeError(f"{name} must be 1-D, got shape {arr.shape}")
    if not isinstance(values, np.ndarray) and any(isinstance(v, (bool, np.bool_)) for v in values):
        raise NeuronsimTypeError(f"{name} must hold numbers, not booleans")
    return arr


class Optimizer:
    """Base class: turns gradients into parameter changes, with state keyed by parameter.

    Subclasses name their per-parameter state in ``slots`` and implement
    ``_delta(w, g, lr, state) -> (Δw, new_state)``, computing new state arrays (not in place) so
    that a step can be refused without a trace;
    returning Δw for the aligned arrays of weights and gradients.

    Parameters
    ----------
    lr : float > 0
        The learning rate ε (before any schedule).
    weight_decay : float >= 0, default 0
        L2 decay λ: the gradient becomes ∂E/∂w + λw, i.e. E + ½λΣw² is minimised.
    decay : float in [0, 1), default 0
        RHW 1986's proportional decay (family-trees example, 0.002): after each weight change
        every weight loses that fraction of itself, w ← (1 − d)·w. Biases decay too: a bias
        is a weight from a unit that is always on.
    schedule : callable, optional
        ``schedule(epoch, lr) -> float``: the learning rate of epoch ``epoch`` (0-based) given
        the base rate; see :class:`StepDecay`, :class:`ExponentialDecay`, :class:`LinearDecay`.

    Attributes
    ----------
    state : dict
        A snapshot ``{parameter key: {slot: float}}`` of the per-parameter state.

    Examples
    --------
    >>> class HalfStep(Optimizer):              # a plain gradient step of half the rate
    ...     slots = ()
    ...     def _delta(self, w, g, lr, state):
    ...         return -0.5 * lr * g, state
    >>> HalfStep(lr=1.0).update(["w"], [1.0], [2.0])
    array([0.])
    """

    name = "optimizer"
    slots = ()

    def __init__(self, lr, *, weight_decay=0.0, decay=0.0, schedule=None):
        self.lr = _number("lr", lr, 0.0, open_low=True)
        self.weight_decay = _number("weight_decay", weight_decay, 0.0)
        self.decay = _number("decay", decay, 0.0, 1.0, open_high=True)
        if schedule is not None and not callable(schedule):
            raise NeuronsimTypeError(f"schedule must be callable (epoch, lr) -> lr, got {shown(schedule)}")
        self.schedule = schedule
        self.reset()

    def reset(self):
        """Forget all per-parameter state (as if no step had been taken)."""
        self._keys = ()
        self._slots = {slot: np.zeros(0) for slot in self.slots}

    @property
    def state(self):
        """``{parameter key: {slot: float}}``, a snapshot of the per-parameter state."""
        return {key: {slot: float(values[i]) for slot, values in self._slots.items()}
                for i, key in enumerate(self._keys)}

    def load_state(self, keys, slots):
        """Restore per-parameter state: ``slots[name][i]`` belongs to parameter ``keys[i]``.

        The inverse of reading :attr:`state` (used by :func:`neuronsim.io.load`).

        Raises
        ------
        TrainingError
            Unknown or missing slots, or arrays whose length is not ``len(keys)``.
        ValueRangeError
            A state value that is NaN or infinite.

        Nothing changes when it raises.

        Examples
        --------
        >>> sgd = SGD(lr=0.1, momentum=0.9)
        >>> sgd.load_state([("x1", "o1"), "o1"], {"velocity": [0.5, -0.25]})
        >>> sgd.state["o1"]
        {'velocity': -0.25}
        """
        if isinstance(keys, (str, bytes)) or not hasattr(keys, "__iter__"):
            raise NeuronsimTypeError(f"keys must be a sequence of parameter keys, got {shown(keys)}")
        keys = tuple(keys)
        if not isinstance(slots, dict) or set(slots) != set(self.slots):
            got = sorted(slots) if isinstance(slots, dict) else shown(slots)
            raise TrainingError(f"{type(self).__name__} state needs slots {sorted(self.slots)}, got {got}")
        arrays = {}
        for slot in self.slots:
            values = _vector(slots[slot], f"state slot {slot!r}")
            if values.shape != (len(keys),):
                raise TrainingError(f"state slot {slot!r}: expected {len(keys)} values, got shape {values.shape}")
            if not all_finite(values):
                bad = int(np.flatnonzero(~np.isfinite(values))[0])
                raise ValueRangeError(f"state slot {slot!r} of parameter {shown(keys[bad])} must be finite, "
                                      f"got {values[bad]}")
            arrays[slot] = values.copy()
        self._keys, self._slots = keys, arrays

    def lr_at(self, epoch):
        """The learning rate of epoch ``epoch`` (0-based) after the schedule.

        Raises
        ------
        TrainingError
            The schedule gave a rate that is not a finite number > 0 (one that overflowed, or
            underflowed to 0), or failed with an arithmetic error; the message names the
            schedule, the epoch and the value.

        Examples
        --------
        >>> SGD(lr=1.0, schedule=LinearDecay(end=0.1, epochs=100)).lr_at(50)
        0.55
        >>> SGD(lr=1.0, schedule=ExponentialDecay(gamma=1e10)).lr_at(31)
        Traceback (most recent call last):
        ...
        neuronsim.errors.TrainingError: lr of epoch 31 (from the schedule ExponentialDecay(gamma=10000000000.0)) must be > 0, got inf
        """
        if self.schedule is None:
            return self.lr
        what = f"lr of epoch {epoch} (from the schedule {shown(self.schedule)})"
        try:
            lr = self.schedule(epoch, self.lr)
        except TypeError as err:
            raise TrainingError(f"schedule must be callable as schedule(epoch, lr) -> lr ({err})") from None
        except (ArithmeticError, NeuronsimError) as err:
            raise TrainingError(f"{what} could not be computed: {err}") from None
        try:
            return _number(what, lr, 0.0, open_low=True)
        except NeuronsimTypeError as err:
            raise TrainingError(str(err)) from None

    def update(self, keys, w, g, lr=None):
        """New values of the parameters ``keys`` from their values ``w`` and gradients ``g``.

        Parameters
        ----------
        keys : sequence of parameter keys
            Names the entries of ``w`` and ``g``; state follows the key, not the position.
        w, g : array_like of float
            Current values and ∂E/∂w, aligned with ``keys``.
        lr : float, optional
            The learning rate of this step (default :attr:`lr`).

        Returns
        -------
        ndarray
            w + Δw (then proportional decay). Non-finite results are returned as they are (the
            caller decides what divergence means), and then the optimizer's state (its keys,
            moments and step counts) is left exactly as it was before this step.

        Raises
        ------
        ShapeError, NeuronsimTypeError
            ``keys``, ``w`` and ``g`` differ in length, or hold non-numbers.
        TrainingError
            ``lr`` is not a finite number > 0.

        Examples
        --------
        >>> SGD(lr=0.5).update(["b"], [1.0], [0.2])
        array([0.9])
        """
        keys = tuple(keys)
        w, g = _vector(w, "w"), _vector(g, "g")
        if not len(keys) == len(w) == len(g):
            raise ShapeError(f"update(): keys, w and g must have one entry per parameter; got "
                             f"{len(keys)}, {len(w)} and {len(g)}")
        if lr is None:
            lr = self.lr
        elif not (type(lr) is float and 0.0 < lr < math.inf):   # the common case, checked cheaply
            lr = _number("lr", lr, 0.0, open_low=True)
        slots = self._aligned(keys)
        with np.errstate(all="ignore"):  # overflow is reported by the caller's divergence check
            if self.weight_decay:
                g = g + self.weight_decay * w       # ∂/∂w (E + ½λΣw²)
            delta, state = self._delta(w, g, lr, slots)
            new = w + delta
            if self.decay:
                new *= 1.0 - self.decay             # RHW 1986: w ← w − d·w after each change
        if all_finite(new):                         # a step that diverged leaves no trace
            self._keys, self._slots = keys, state
        return new

    def _update_into(self, keys, w, g, lr, divisor, out):
        """Training's step on flat vectors: write into ``out`` (a float64 vector that is neither
        ``w`` nor ``g``) the new values of the parameters ``keys`` (a tuple) from their values
        ``w`` and the gradient ``g / divisor`` (``g`` itself when ``divisor`` is None), ``lr``
        already checked. Returns True when every new value is finite (the optimizer's state then
        moves on, as with :meth:`update`), else False (the state stays as it was).

        A subclass whose :meth:`_flat_delta` gives Δw is stepped with it (the arithmetic every
        engine then shares); otherwise this is :meth:`update` on ``g / divisor``."""
        delta = self._flat_delta(keys, g, lr, divisor)
        if delta is None:
            new = self.update(keys, w, g if divisor is None else g / divisor, lr)
            out[...] = new
            return all_finite(new)
        with np.errstate(all="ignore"):  # overflow is reported by the caller's divergence check
            np.add(w, delta, out=out)
        if not all_finite(out):      # a step that diverged leaves no trace
            return False
        self._commit_flat(keys, delta)
        return True

    def _flat_delta(self, keys, g, lr, divisor):
        """Training's fast form, for optimizers that have one: Δw for the flat gradient
        ``g / divisor`` (``g`` when divisor is None) as a vector the optimizer owns, computed
        without changing its state; :meth:`_commit_flat` then makes the step its state. None
        (here) means: use :meth:`update`."""
        return None

    def _commit_flat(self, keys, delta):
        """Take the step :meth:`_flat_delta` returned ``delta`` for (the new values are finite)."""
        raise NotImplementedError

    def step(self, net, *, lr=None, freeze=()):
        """Update a network's parameters in place from the gradients accumulated on its graph.

        Parameters
        ----------
        net : Network
        lr : float, optional
            Default :attr:`lr`.
        freeze : collection of parameter keys
            Parameters left unchanged (and given no state).

        Raises
        ------
        NeuronsimTypeError
            ``net`` is not a Network, or ``freeze`` is not a collection of parameter keys.
        ValueRangeError
            A weight, bias or gradient read from the network is not a finite number (the
            message names it), or (:class:`~neuronsim.errors.NonFiniteError`) the update of
            finite values overflowed. A refused step changes nothing: the network's parameters
            and the optimizer's state are exactly as they were.

        Examples
        --------
        >>> import neuronsim
        >>> net = neuronsim.Network.from_spec([("identity", 1), ("identity", 1)], init="constant")
        >>> net.graph.edges["x1", "o1"]["grad"] = float("inf")
        >>> adam = Adam()
        >>> adam.step(net)
        Traceback (most recent call last):
        ...
        neuronsim.errors.ValueRangeError: optimizer step refused: the gradient of the weight of edge x1 -> o1 is inf; nothing was changed
        >>> adam.state, net.parameters()
        ({}, [1.0, 0.0])
        """
        from .network import Network  # optim sits below network: import at call time

        if not isinstance(net, Network):
            raise NeuronsimTypeError(f"step() takes a Network, got {type(net).__name__}")
        if isinstance(freeze, str):
            freeze = (freeze,)              # one bias key
        elif not hasattr(freeze, "__iter__"):
            raise NeuronsimTypeError(f"freeze must be a collection of parameter keys, got {shown(freeze)}")
        keys, values, grads = net.parameter_keys(), net.parameters(), net.gradients()
        try:
            frozen = set(freeze)
        except TypeError:
            raise NeuronsimTypeError(f"freeze must be a collection of parameter keys, got {shown(freeze)}") from None
        live = [i for i, key in enumerate(keys) if key not in frozen]
        for label, numbers_ in (("the value of", values), ("the gradient of", grads)):
            for i in live:
                if not _finite_number(numbers_[i]):
                    raise ValueRangeError(f"optimizer step refused: {label} {parameter_name(keys[i])} is "
                                          f"{shown(numbers_[i])}; nothing was changed")
        saved = (self._keys, self._slots)
        new = self.update([keys[i] for i in live], [values[i] for i in live],
                          [grads[i] for i in live], lr)
        if not all_finite(new):
            bad = int(np.flatnonzero(~np.isfinite(new))[0])
            raise NonFiniteError(f"optimizer step refused: {parameter_name(keys[live[bad]])} would become "
                                 f"{new[bad]} (from the finite value {values[live[bad]]!r} and gradient "
                                 f"{grads[live[bad]]!r}); nothing was changed")
        for i, value in zip(live, new.tolist()):
            values[i] = value
        try:
            net.set_parameters(values)
        except BaseException:
            self._keys, self._slots = saved  # refused: the optimizer's state as it was
            raise

    def _aligned(self, keys):
        """The state arrays rearranged to follow ``keys`` (kept keys keep their state), without
        changing the optimizer: the caller commits them with the step."""
        if keys is self._keys or keys == self._keys:
            return self._slots
        if not self._keys:  # a fresh optimizer: every parameter starts from zero state
            return {slot: np.zeros(len(keys)) for slot in self._slots}
        old = {key: i for i, key in enumerate(self._keys)}
        source = np.array([old.get(key, -1) for key in keys], dtype=int)
        kept = source >= 0
        slots = {}
        for slot, values in self._slots.items():
            fresh = np.zeros(len(keys))
            fresh[kept] = values[source[kept]]
            slots[slot] = fresh
        return slots

    def _delta(self, w, g, lr, state):
        raise NotImplementedError

    def __repr__(self):
        fields = ", ".join(f"{k}={v!r}" for k, v in self._config().items())
        return f"{type(self).__name__}({fields})"

    def _config(self):
        config = {"lr": self.lr}
        for name, default in (("weight_decay", 0.0), ("decay", 0.0), ("schedule", None)):
            if getattr(self, name) != default:
                config[name] = getattr(self, name)
        return config


class SGD(Optimizer):
    """Gradient descent with momentum, RHW 1986 eq. 9: Δw(t) = −ε ∂E/∂w(t) + α Δw(t−1).

    Parameters
    ----------
    lr : float > 0, default 0.1
        ε.
    momentum : float in [0, 1), default 0
        α. With α = 0 this is plain gradient descent, Δw = −ε ∂E/∂w.
    nesterov : bool, default False
        Nesterov's accelerated gradient in the form of Bengio et al. (2013):
        v(t) = α v(t−1) − ε g(t) and Δw(t) = α v(t) − ε g(t), i.e. the step looks one momentum
        step ahead.
    weight_decay, decay, schedule
        See :class:`Optimizer`.

    Notes
    -----
    The state of each parameter is ``velocity``: its last Δw (before proportional decay).

    Examples
    --------
    >>> sgd = SGD(lr=0.1, momentum=0.9)
    >>> [round(float(sgd.update(["w"], [0.0], [1.0])[0]), 4) for _ in range(3)]   # w stays 0
    [-0.1, -0.19, -0.271]
    >>> SGD(lr=0.1, momentum=1.0)
    Traceback (most recent call last):
    ...
    neuronsim.errors.TrainingError: momentum must be in [0, 1), got 1.0
    """

    name = "sgd"
    slots = ("velocity",)

    def __init__(self, lr=0.1, momentum=0.0, *, nesterov=False, weight_decay=0.0, decay=0.0,
                 schedule=None):
        self.momentum = _number("momentum", momentum, 0.0, 1.0, open_high=True)
        self.nesterov = bool(nesterov)
        super().__init__(lr, weight_decay=weight_decay, decay=decay, schedule=schedule)

    def _delta(self, w, g, lr, state):
        alpha = self.momentum
        if not alpha:
            v = g * -lr
            return v, {"velocity": v}
        v = alpha * state["velocity"] - lr * g                    # v(t) = α v(t−1) − ε g(t): RHW 1986 eq. 9
        if self.nesterov:
            return alpha * v - lr * g, {"velocity": v}            # Bengio et al. 2013: α v(t) − ε g(t)
        return v, {"velocity": v}

    def _flat_delta(self, keys, g, lr, divisor):
        # The plain step (no Nesterov, weight decay or proportional decay) on the parameters it
        # already has state for, or a fresh start: Δw = v = α v(t−1) + g·(−ε / divisor), written
        # into a spare vector (the velocity the step before last left), no temporaries. The
        # number is update()'s for divisor None; with a divisor, ε / divisor is one factor
        # (within a rounding of update(g / divisor)).
        if self.nesterov or self.weight_decay or self.decay or type(self)._delta is not SGD._delta or (
                self._keys and keys is not self._keys and keys != self._keys):
            return None     # update()'s general form (a subclass's own _delta included)
        old = self._slots.get("velocity") if self._keys else None
        velocity = self.__dict__.get("_spare")
        if velocity is None or len(velocity) != len(g) or velocity is old:
            velocity = np.empty(len(g))
        scale = -lr if divisor is None else -lr / divisor
        with np.errstate(all="ignore"):  # overflow is reported by the caller's divergence check
            if self.momentum and old is not None:
                scratch = self.__dict__.get("_scratch")
                if scratch is None or len(scratch) != len(g):
                    scratch = self._scratch = np.empty(len(g))
                np.multiply(old, self.momentum, out=velocity)
                np.multiply(g, scale, out=scratch)
                np.add(velocity, scratch, out=velocity)
            else:
                np.multiply(g, scale, out=velocity)
        return velocity

    def _commit_flat(self, keys, delta):
        self._spare = self._slots.get("velocity") if self._keys else None
        self._keys, self._slots = keys, {"velocity": delta}

    def _config(self):
        config = super()._config()
        if self.momentum:
            config["momentum"] = self.momentum
        if self.nesterov:
            config["nesterov"] = True
        return config


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015): steps scaled by running moments of the gradient.

    m(t) = β₁ m(t−1) + (1 − β₁) g,  v(t) = β₂ v(t−1) + (1 − β₂) g²,
    m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ),  Δw = −ε m̂ / (√v̂ + eps).

    The step count t is kept per parameter, so a neuron added mid-training gets Adam's bias
    correction from its own first step.

    Parameters
    ----------
    lr : float > 0, default 0.001
    betas : (float, float), each in [0, 1), default (0.9, 0.999)
    eps : float > 0, default 1e-8
    weight_decay, decay, schedule
        See :class:`Optimizer` (weight_decay is added to the gradient, as in the paper's L2).

    Examples
    --------
    >>> adam = Adam(lr=0.01)
    >>> adam.update(["w"], [1.0], [4.0])      # first step: −ε · sign(g), whatever |g| is
    array([0.99])
    >>> sorted(adam.state["w"])
    ['m', 't', 'v']
    """

    name = "adam"
    slots = ("m", "v", "t")

    def __init__(self, lr=0.001, betas=(0.9, 0.999), eps=1e-8, *, weight_decay=0.0, decay=0.0,
                 schedule=None):
        try:
            beta1, beta2 = betas
        except (TypeError, ValueError):
            raise NeuronsimTypeError(f"betas must be a pair (beta1, beta2), got {shown(betas)}") from None
        self.betas = (_number("betas[0]", beta1, 0.0, 1.0, open_high=True),
                      _number("betas[1]", beta2, 0.0, 1.0, open_high=True))
        self.eps = _number("eps", eps, 0.0, open_low=True)
        super().__init__(lr, weight_decay=weight_decay, decay=decay, schedule=schedule)

    def _delta(self, w, g, lr, state):
        beta1, beta2 = self.betas
        t = state["t"] + 1.0
        m = beta1 * state["m"] + (1.0 - beta1) * g
        v = beta2 * state["v"] + (1.0 - beta2) * g * g
        m_hat = m / (1.0 - beta1 ** t)
        v_hat = v / (1.0 - beta2 ** t)
        return -lr * m_hat / (np.sqrt(v_hat) + self.eps), {"m": m, "v": v, "t": t}

    def _config(self):
        config = super()._config()
        if self.betas != (0.9, 0.999):
            config["betas"] = self.betas
        if self.eps != 1e-8:
            config["eps"] = self.eps
        return config


# --- learning-rate schedules: callables (epoch, lr) -> lr, epoch counted from 0 ---------------

def _schedule_args(epoch, lr):
    """``(epoch, lr)`` checked: an integer epoch >= 0 and a finite rate > 0."""
    if isinstance(epoch, bool) or not isinstance(epoch, numbers.Integral) or epoch < 0:
        raise NeuronsimTypeError(f"a schedule's epoch must be an integer >= 0, got {shown(epoch)}")
    checked_real(epoch, "a schedule's epoch")  # an integer beyond the float range is refused
    return int(epoch), _number("a schedule's lr", lr, 0.0, open_low=True)


def _scaled(lr, gamma, power):
    """ε · γ^power, or ``inf`` when the rate itself is beyond the float range (``0.0`` below it).

    γ^power is computed directly (bit for bit the textbook formula) while it is a normal float;
    when only that intermediate overflows or underflows (ε = 1e-300, γ = 1e10, power = 31 is a
    rate of 1e10), the rate is multiplied by γ in chunks whose powers stay in range.
    """
    try:
        factor = gamma ** power
    except OverflowError:
        factor = math.inf
    if sys.float_info.min <= factor < math.inf:
        return lr * factor
    chunk = max(1, int(700.0 / abs(math.log(gamma))))   # |log γ^chunk| <= 700: no overflow
    rate = lr
    while power and 0.0 < rate < math.inf:
        step = min(power, chunk)
        rate *= gamma ** step
        power -= step
    return rate


class StepDecay:
    """Multiply the rate by ``gamma`` every ``every`` epochs: ε_e = ε · γ^⌊e / every⌋.

    A rate beyond the float range comes out as ``inf`` (which :meth:`Optimizer.lr_at`, and so
    training, refuses with an error naming the schedule and the epoch).

    Examples
    --------
    >>> [StepDecay(every=2, gamma=0.5)(e, 1.0) for e in range(5)]
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, every, gamma=0.1):
        if isinstance(every, bool) or not isinstance(every, numbers.Integral) or every < 1:
            raise TrainingError(f"every must be an integer >= 1, got {shown(every)}")
        self.every = int(every)
        self.gamma = _number("gamma", gamma, 0.0, open_low=True)

    def __call__(self, epoch, lr):
        epoch, lr = _schedule_args(epoch, lr)
        return _scaled(lr, self.gamma, epoch // self.every)

    def __repr__(self):
        return f"StepDecay(every={self.every}, gamma={self.gamma})"


class ExponentialDecay:
    """Multiply the rate by ``gamma`` each epoch: ε_e = ε · γ^e.

    A rate beyond the float range comes out as ``inf`` (which :meth:`Optimizer.lr_at`, and so
    training, refuses with an error naming the schedule and the epoch).

    Examples
    --------
    >>> [ExponentialDecay(gamma=0.5)(e, 2.0) for e in range(4)]
    [2.0, 1.0, 0.5, 0.25]
    >>> ExponentialDecay(gamma=1e10)(31, 1e-300), ExponentialDecay(gamma=1e10)(31, 1.0)
    (10000000000.0, inf)
    """

    def __init__(self, gamma):
        self.gamma = _number("gamma", gamma, 0.0, open_low=True)

    def __call__(self, epoch, lr):
        epoch, lr = _schedule_args(epoch, lr)
        return _scaled(lr, self.gamma, epoch)

    def __repr__(self):
        return f"ExponentialDecay(gamma={self.gamma})"


class LinearDecay:
    """Move the rate linearly from the base rate to ``end`` over ``epochs`` epochs, then hold it.

    ε_e = ε + (end − ε) · min(e, N) / N. With ε = 1.0, end = 0.1 and N = 100 this is the
    micrograd demo's ``1.0 - 0.9 * k / 100`` for its steps k = 0 … 99; epoch N and later use
    ``end`` itself.

    Examples
    --------
    >>> decay = LinearDecay(end=0.1, epochs=100)
    >>> [round(decay(e, 1.0), 3) for e in (0, 1, 99, 100, 150)]
    [1.0, 0.991, 0.109, 0.1, 0.1]
    """

    def __init__(self, end, epochs):
        self.end = _number("end", end, 0.0, open_low=True)
        if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 1:
            raise TrainingError(f"epochs must be an integer >= 1, got {shown(epochs)}")
        checked_real(epochs, "epochs", error=TrainingError)  # an integer beyond the float range is refused
        self.epochs = int(epochs)

    def __call__(self, epoch, lr):
        epoch, lr = _schedule_args(epoch, lr)
        return lr + (self.end - lr) * min(epoch, self.epochs) / self.epochs

    def __repr__(self):
        return f"LinearDecay(end={self.end}, epochs={self.epochs})"


_BY_NAME = {"sgd": SGD, "adam": Adam}


def available():
    """Optimizer names accepted by :func:`get` (and by ``train(optimizer=...)``).

    Examples
    --------
    >>> available()
    ['adam', 'sgd']
    """
    return sorted(_BY_NAME)


def get(optimizer):
    """An :class:`Optimizer` from a name (with its default settings) or an Optimizer.

    ``"sgd"`` is ``SGD(lr=0.1)``; ``"adam"`` is ``Adam(lr=0.001)``.

    Raises
    ------
    TrainingError
        Unknown name; the message lists the known ones.

    Examples
    --------
    >>> get("adam")
    Adam(lr=0.001)
    >>> get("rmsprop")
    Traceback (most recent call last):
    ...
    neuronsim.errors.TrainingError: unknown optimizer 'rmsprop'; known: adam, sgd
    """
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str) and optimizer.lower() in _BY_NAME:
        return _BY_NAME[optimizer.lower()]()
    if isinstance(optimizer, str):
        raise TrainingError(f"unknown optimizer {shown(optimizer)}; known: {', '.join(available())}")
    raise NeuronsimTypeError(f"optimizer must be a name or an Optimizer, got {type(optimizer).__name__}")

"""Training: the loop that turns data into weight changes on the graph.

:func:`train` is the entry point. Each epoch walks the cases in batches; for each case the engine
runs forward and backward, accumulating ∂E/∂w on the graph's edges and ∂E/∂b on its neurons;
after each batch the optimizer reads those gradients and writes new weights into the graph.
There is no other copy of the weights: a callback that reads ``net.graph`` between epochs sees
the real ones, and one that adds a neuron or removes a link changes what the next epoch trains.

- ``batch_size=1``: online learning, an update after each case;
- ``batch_size=k``: mini-batches of k cases (the last one may be smaller);
- ``batch_size=None``: full sweeps, gradients accumulated over every case before one update
  (RHW 1986).

``reduction`` combines a batch's per-case losses: ``"sum"`` is RHW's E = ½ Σ_c Σ_j (y − d)²
(with the squared-error loss); ``"mean"`` divides the sum, and so the gradient, by the number of
cases. With "sum" the right learning rate shrinks as batches grow; with "mean" it does not.

Examples
--------
>>> import neuronsim
>>> from neuronsim import datasets, optim
>>> from neuronsim import train, Tolerance
>>> net = neuronsim.Network.from_spec([("identity", 2), ("sigmoid", 2), ("sigmoid", 1)],
...                                   init="uniform", seed=3)
>>> X, Y = datasets.xor()
>>> history = train(net, X, Y, loss="squared_error", optimizer=optim.SGD(lr=0.5, momentum=0.9),
...                 epochs=2000, reduction="sum", stop=Tolerance(0.1), progress=False)
>>> history.stop_reason, bool(abs(net.predict(X) - Y).max() <= 0.1)
('tolerance', True)
"""

import contextlib
import functools
import math
import os
import time

import numpy as np

from . import _progress
from . import losses as _losses
from . import metrics as _metrics
from . import optim as _optim
from ._checks import all_finite, checked_seed, parameter_name, shown
from ._engines import ENGINES
from .errors import (DivergenceError, NeuronsimTypeError, NonFiniteError, ShapeError, TrainingError,
                     ValueRangeError)
from .history import History
from .network import Network, _usual_targets
from .stopping import EarlyStopping, TargetLoss, Tolerance, count

__all__ = ["train", "default_loss"]

DEFAULT_LR = 0.01  # the learning rate of the Adam optimizer train() makes when given none

_HOOKS = ("on_train_begin", "on_epoch_end", "on_batch_end", "on_train_end")


def train(net, X, Y, *, loss=None, optimizer=None, epochs, batch_size=None, reduction="mean",
          shuffle=True, seed=None, validation=None, stop=None, metrics=(), freeze=(), callbacks=(),
          progress=True, engine="object", preprocessing=None, device=None, blas_threads="auto"):
    """Train a network, any DAG the core builds, writing every update into its graph.

    ``X`` (and the validation rows) are RAW rows: when the network carries
    :attr:`~neuronsim.Network.preprocessing` (or ``preprocessing`` asks for one), the rows are
    scaled with it before they reach the input neurons, as :meth:`~neuronsim.Network.predict`
    scales them later; with a :attr:`~neuronsim.Network.target_scaler`, ``Y`` and the
    validation targets are scaled by it too. Loss, metrics and :class:`Tolerance` are then
    measured on what the network outputs (the scaled targets), never scaled twice. A single
    output trained on two target values other than its usual coding (e.g. 0 and 1 on a tanh
    output) keeps them as :attr:`~neuronsim.Network.class_targets`, so that
    :meth:`~neuronsim.Network.predict_classes` draws the class boundary halfway between them.

    Parameters
    ----------
    net : Network
    X : array_like, shape (n, inputs)
        One row per case, raw (a 1-D array is accepted for a single input neuron).
    Y : array_like, shape (n, outputs)
        Targets (a 1-D array is accepted for a single output neuron).
    loss : str or Loss, optional
        Per-case loss, e.g. "squared_error" (½ Σ_j (y_j − d_j)², RHW eq. 3). Default:
        :func:`default_loss` of the network and ``Y`` (binary cross-entropy for sigmoid outputs,
        softmax cross-entropy for several identity outputs with one-hot targets, squared error
        otherwise).
    optimizer : str or Optimizer, optional
        ``optim.SGD(lr=0.1, momentum=0.9)``, ``optim.Adam()``, or "sgd" / "adam" (defaults).
        The same object may be passed to several runs; its state carries over by key.
        Default: a new ``optim.Adam(lr=0.01)`` for this run (pass your own to keep its state
        across runs).
    epochs : int >= 1
        Maximum number of epochs.
    batch_size : int >= 1 or None, default None
        1 = online, k = mini-batches, None (or >= n) = full sweeps.
    reduction : {"mean", "sum"}, default "mean"
        How per-case losses and gradients combine within a batch (and in History.loss).
    shuffle : bool, default True
        Visit the cases in a new random order each epoch (not in full sweeps, where the order
        does not matter).
    seed : int >= 0 or None
        Seed of the shuffling: the same seed and initial weights give the same trained weights.
    validation : (X_val, Y_val), optional
        Evaluated after each epoch (loss and metrics), for monitoring and :class:`EarlyStopping`.
    stop : rule or sequence of rules, optional
        :class:`TargetLoss`, :class:`Tolerance`, :class:`EarlyStopping`; the first that
        fires ends training (``epochs`` always caps it).
    metrics : sequence of str or callable
        "accuracy", "mse", "max_error", or functions ``f(Y_true, Y_pred) -> float``.
    freeze : collection of parameter keys
        Parameters never updated: ``("x1", "h1")`` for a link's weight, ``"h1"`` for a bias.
    callbacks : callable, object or sequence of them
        An object with any of ``on_train_begin``, ``on_epoch_end``, ``on_batch_end``,
        ``on_train_end`` (each called as ``hook(net, history)``), or a function called as
        ``f(net, history)`` at each epoch end. ``True`` returned from an epoch or batch hook
        stops training there (stop_reason "callback"; the partial epoch is recorded and the
        epoch hooks still run).
    progress : bool, default True
        A progress bar with epoch, loss and metrics (needs tqdm): in a Jupyter notebook a
        widget (or, without ipywidgets, a text bar rewritten in place in one output), in a
        terminal a bar on standard error; nothing when standard error is not a terminal (a
        pipe, CI, a test run).
    engine : {"object", "fast", "torch"}, default "object"
        "object" walks the neurons of the graph case by case (every update is written to the
        graph at once); "fast" runs whole batches in numpy (:mod:`neuronsim.fast`) with the same
        numbers, holding the parameters in arrays during the run. It writes weights and
        gradients to the graph wherever the graph can be read: before every epoch or batch
        callback, before an early-stopping snapshot, and when training stops, however it stops
        (so nothing read from the graph during or after a run is stale); callbacks' edits are
        read back after them. "torch" (needs ``pip install "neuronsim[torch]"``) runs the same
        loop on the network exported by :func:`neuronsim.torch_bridge.to_torch` in float64 on
        ``device``, torch autograd computing each batch's gradients and neuronsim's optimizer
        updating them (on the CPU, the weights of "object" to within 1e-10; about 1e-15 seen),
        with the sync points of "fast". Its loss must have a torch form (a built-in loss).
    device : str or torch.device, optional
        Only with ``engine="torch"``: where the module runs ("cpu", the default, "cuda",
        "cuda:1", ...). A device that does not exist here is a TrainingError; a value that is
        neither a str nor a torch.device, a NeuronsimTypeError.
    blas_threads : int >= 1, "auto" or None, default "auto"
        Only with ``engine="fast"`` (an int with another engine is a TrainingError; "auto" and
        None are accepted and do nothing there): how many threads numpy's BLAS (the matrix products) may
        use during this run, restored when it ends (needs the ``threadpoolctl`` package). None
        leaves BLAS as it is. "auto" limits it to one thread while the machine is busy (its
        one-minute load average at least its number of CPUs plus one: more runnable threads than
        cores even counting this run's own), where BLAS threads that wait for
        work by spinning compete with the other processes for the cores (measured on 2 busy
        cores: a W2 epoch 10x slower with 2 BLAS threads than with one), and leaves it as it
        is otherwise, or when threadpoolctl is not installed. An int limits it to that many
        threads (an int without threadpoolctl is a TrainingError).
    preprocessing : {"standardize", "minmax"} or Scaler, optional
        Input scaling to learn and keep: a kind fits a
        :class:`~neuronsim.preprocessing.Scaler` on the training rows ``X`` (never on the
        validation rows); a Scaler is used as given. It is stored as ``net.preprocessing``
        (and saved with the network) once every argument has been checked, before the first
        epoch. A network keeps the preprocessing it was trained with, never refitted: when it
        already has one, ``preprocessing`` must be None, the same kind (the existing Scaler is
        kept as it is) or an equal Scaler; anything else is a TrainingError (set
        ``net.preprocessing = None`` first to start afresh). A raw value that the scaling
        takes beyond the float range is a NonFiniteError whose message starts with ``X``,
        ``X_val`` (or ``Y``, ``Y_val`` for a target scaler) and names the row and column.

    Returns
    -------
    History

    Raises
    ------
    ShapeError
        Empty data, X/Y row counts that differ, widths that do not match the network, or a
        ``net.preprocessing`` that no longer fits its inputs (set for other or reordered input
        neurons).
    NeuronsimTypeError, ValueRangeError
        Non-numeric or non-finite data, or an argument of the wrong type.
    TrainingError
        A bad argument (epochs, batch_size, reduction, seed, freeze, stop, engine, device,
        blas_threads, unknown optimizer or metric, lr ≤ 0, a preprocessing that differs from the
        network's own); all
        checked before any weight (or ``net.preprocessing``) changes.
    LossError
        Unknown loss, or one that does not fit the output neurons (or, with ``engine="torch"``,
        a custom loss, which has no torch form).
    NeuronsimError
        ``engine="torch"`` without PyTorch installed (the message says how to install it).
    DivergenceError
        A NaN or infinite loss or parameter; the message names the epoch and the neuron or
        edge, the network keeps its last finite parameters, and ``err.history`` holds the
        record so far. When a forward or backward pass on finite weights overflowed, the
        error is also a :class:`~neuronsim.errors.NonFiniteError` and names the data row (of
        ``X``, or of the validation data) and the first neuron whose z, a or δ is not finite
        (or the loss), as the engines report it.
    NonFiniteError, NeuronsimTypeError
        A weight or bias in the graph (written there directly, before training or by a
        callback) is not a finite real number; the message names the edge or neuron.
    TrainingError
        Also during training: the schedule's rate for an epoch is not a finite number > 0
        (it overflowed, or underflowed to 0), raised before any weight of that epoch changes;
        ``err.history`` holds the record so far.

    Notes
    -----
    Training loss and metrics are measured on the outputs seen during the epoch's passes (in a
    full sweep: the weights before that sweep's update), as the PDP programs did; validation
    is measured after the epoch. :class:`TargetLoss` and :class:`Tolerance` confirm on the
    final weights before they stop training.

    What a hook sees: the weights after the latest update; on edges and neurons, the ``grad`` and
    ``bias_grad`` of the latest batch; on neurons, ``z``, ``a`` and ``δ`` of the latest case run
    forward (with validation data, ``z`` and ``a`` are those of the last validation case at
    epoch end). Structural edits made by a hook are picked up before the next batch.

    Examples
    --------
    >>> import neuronsim
    >>> from neuronsim import optim
    >>> net = neuronsim.Network.from_spec([("identity", 1), ("identity", 1)], init="constant")
    >>> h = train(net, [[1.0], [2.0]], [[3.0], [5.0]], loss="squared_error",
    ...           optimizer=optim.SGD(lr=0.1, momentum=0.9), epochs=500, stop=TargetLoss(1e-8),
    ...           progress=False)
    >>> h.stop_reason, h.epochs, round(net.weight("x1", "o1"), 3), round(net["o1"].bias, 3)
    ('target_loss', 168, 2.0, 1.0)

    With the defaults (here binary cross-entropy and Adam) and standardised inputs, kept on
    the network so that it takes raw rows afterwards:

    >>> from neuronsim import datasets
    >>> data = datasets.two_clusters()
    >>> net = neuronsim.Network.from_spec([("identity", 2), ("sigmoid", 1)], seed=0)
    >>> h = train(net, data.X, data.Y, epochs=20, preprocessing="standardize", progress=False)
    >>> net.preprocessing.kind, float(neuronsim.metrics.accuracy(data.Y, net.predict(data.X)))
    ('standardize', 1.0)
    """
    if not isinstance(net, Network):
        raise NeuronsimTypeError(f"net must be a Network, got {type(net).__name__}")
    if not isinstance(progress, (bool, np.bool_)):
        raise NeuronsimTypeError(
            f"progress must be True or False, got {type(progress).__name__} {shown(progress)}")
    threads = _checked_blas_threads(blas_threads)
    if isinstance(threads, int) and engine != "fast":
        raise TrainingError(f"blas_threads={threads} is for engine='fast' (the numpy matrix products); "
                            f"engine={shown(engine)} does not use it")
    scaler = _checked_preprocessing(net, X, preprocessing)
    X, Y, validation = _inputs_seen(net, scaler, X, Y, validation)
    run = _Run(net, X, Y, default_loss(net, Y) if loss is None else loss,
               _optim.Adam(lr=DEFAULT_LR) if optimizer is None else optimizer, epochs, batch_size,
               reduction, shuffle, seed, validation, stop, metrics, freeze, callbacks, engine, device)
    if scaler is not net.preprocessing:  # every argument is checked: keep what training uses
        net.preprocessing = scaler
    _record_class_targets(net, run.data[1])
    with _blas_limit(threads if engine == "fast" else None):
        return run.fit(progress)


def default_loss(net, Y=None):
    """The loss :func:`train` (and the command line) use when none is given, by output neuron
    and, when ``Y`` is given, by target.

    - every output sigmoid: ``"binary_cross_entropy"``;
    - several outputs, every one identity (logits), no :attr:`~neuronsim.Network.target_scaler`,
      and targets that are one class per row (each row of ``Y`` non-negative and summing to 1,
      e.g. one-hot; not checked when ``Y`` is None): ``"softmax_cross_entropy"``;
    - otherwise (regression targets, bit vectors, other activations): ``"squared_error"``.

    Parameters
    ----------
    net : Network
    Y : array_like, shape (n, outputs), optional
        The training targets, as the output neurons see them.

    Returns
    -------
    str
        A registered loss name.

    Raises
    ------
    NeuronsimTypeError, ShapeError, ValueRangeError
        ``net`` is not a Network, or ``Y`` is not a finite table with one column per output.

    Examples
    --------
    >>> import neuronsim
    >>> default_loss(neuronsim.Network.from_spec([("identity", 2), ("sigmoid", 1)]))
    'binary_cross_entropy'
    >>> net = neuronsim.Network.from_spec([("identity", 4), ("identity", 3)])
    >>> default_loss(net), default_loss(net, [[0, 1, 0], [1, 0, 0]])
    ('softmax_cross_entropy', 'softmax_cross_entropy')
    >>> default_loss(net, [[0, 1, 1], [2.5, 0, -1]])             # not one class per row
    'squared_error'
    >>> default_loss(neuronsim.Network.from_spec([("identity", 2), ("tanh", 1)]))
    'squared_error'
    """
    if not isinstance(net, Network):
        raise NeuronsimTypeError(f"default_loss takes a Network, got {type(net).__name__}")
    outputs = net.outputs
    targets = None if Y is None else _matrix(Y, "Y", len(outputs), "output")
    names = {n.activation.name for n in outputs}
    if names == {"sigmoid"}:
        return "binary_cross_entropy"
    if len(outputs) > 1 and names == {"identity"} and net.target_scaler is None:
        if targets is None or _one_class_per_row(targets):
            return "softmax_cross_entropy"
    return "squared_error"


def _one_class_per_row(Y):
    """Every row non-negative and summing to 1 (one-hot, or a distribution over the classes)."""
    return bool((Y >= 0.0).all() and np.allclose(Y.sum(axis=1), 1.0, rtol=0.0, atol=1e-9))


def _checked_preprocessing(net, X, preprocessing):
    """The Scaler training uses (fitted on ``X`` when a kind is asked for), or None; nothing is
    set on the network here."""
    from .preprocessing import KINDS, Scaler

    current = net.preprocessing
    if current is not None:  # still for the same input neurons, in the same order
        plan = net.plan()
        net._check_width(current, len(plan.inputs), "preprocessing", "input")
        net._check_set_for("preprocessing", plan)
    if preprocessing is None:
        return current
    if isinstance(preprocessing, str):
        if preprocessing not in KINDS:
            raise TrainingError(f"preprocessing must be one of {', '.join(map(repr, KINDS))} or a Scaler, "
                                f"got {shown(preprocessing)}")
        if current is None:
            inputs = net.inputs
            return Scaler.fit(_matrix(X, "X", len(inputs), "input"), preprocessing)
        if current.kind == preprocessing:
            return current  # a trained network keeps its scaling: never refitted
        raise TrainingError(
            f"preprocessing={preprocessing!r}, but the network already has {current.kind!r} "
            "preprocessing, which its weights were trained with; pass preprocessing=None to keep "
            "it, or set net.preprocessing = None first to fit a new one")
    if not isinstance(preprocessing, Scaler):
        raise NeuronsimTypeError(f"preprocessing must be None, 'standardize', 'minmax' or a Scaler, "
                                 f"got {type(preprocessing).__name__}")
    if current is not None and current != preprocessing:
        raise TrainingError(
            "preprocessing: the network already has a different Scaler, which its weights were "
            "trained with; pass preprocessing=None to keep it, or set net.preprocessing = None first")
    inputs = net.inputs
    net._checked_scaler(preprocessing, "preprocessing", inputs, "input")
    return preprocessing


def _inputs_seen(net, scaler, X, Y, validation):
    """``(X, Y, validation)`` as the neurons see them: raw rows scaled by ``scaler`` and targets
    by ``net.target_scaler`` (unchanged when there is nothing to scale)."""
    target_scaler = net.target_scaler
    if scaler is None and target_scaler is None:
        return X, Y, validation
    n_in, n_out = len(net.inputs), len(net.outputs)

    def seen(X, Y, x_name, y_name):
        if scaler is not None:
            X = _scaled(scaler, _matrix(X, x_name, n_in, "input"), f"{x_name} scaled by the preprocessing")
        if target_scaler is not None:
            Y = _scaled(target_scaler, _matrix(Y, y_name, n_out, "output"), f"{y_name} scaled by net.target_scaler")
        return X, Y

    X, Y = seen(X, Y, "X", "Y")
    if validation is not None:
        try:
            X_val, Y_val = validation
        except (TypeError, ValueError):
            raise NeuronsimTypeError("validation must be a pair (X_val, Y_val)") from None
        validation = seen(X_val, Y_val, "X_val", "Y_val")
    return X, Y, validation


def _record_class_targets(net, Y):
    """A single output trained on exactly two target values: keep them as ``net.class_targets``
    when they differ from the output's usual coding (0/1; -1/1 for tanh and softsign), so that
    ``predict_classes`` puts the class boundary halfway between them; clear them otherwise."""
    outputs = net.outputs
    if len(outputs) != 1 or net.target_scaler is not None:
        return
    values = np.unique(Y)
    if len(values) != 2:
        return  # not two classes (a regression target, or one class only): nothing to learn from
    pair = (float(values[0]), float(values[1]))
    usual = _usual_targets(outputs[0])  # 0/1, or -1/1 for tanh and softsign
    net.class_targets = None if pair == usual or not math.isfinite(pair[1] - pair[0]) else pair


def _scaled(scaler, rows, what):
    """``scaler.transform(rows)``; a result beyond the float range is named as ``what``."""
    try:
        return scaler.transform(rows)
    except NonFiniteError as err:
        raise NonFiniteError(f"{what}: {err}") from None


class _Run:
    """One call of :func:`train`: arguments checked at the door, then the epoch loop."""

    def __init__(self, net, X, Y, loss, optimizer, epochs, batch_size, reduction, shuffle, seed,
                 validation, stop, metrics, freeze, callbacks, engine, device=None):
        plan = net.plan()
        self.net, self.loss_spec = net, loss
        self.loss, _ = net.checked_loss(loss, plan)
        self.data = _checked_data(X, Y, plan, self.loss, "X", "Y")
        self.validation = None
        if validation is not None:
            try:
                X_val, Y_val = validation
            except (TypeError, ValueError):
                raise NeuronsimTypeError("validation must be a pair (X_val, Y_val)") from None
            self.validation = _checked_data(X_val, Y_val, plan, self.loss, "X_val", "Y_val")
        self.optimizer = _optim.get(optimizer)
        self.epochs = count("epochs", epochs)
        n = len(self.data[0])
        self.batch_size = n if batch_size is None else min(count("batch_size", batch_size), n)
        if reduction not in ("sum", "mean"):
            raise TrainingError(f"reduction must be 'sum' or 'mean', got {shown(reduction)}")
        self.reduction, self.shuffle = reduction, bool(shuffle)
        self.optimizer.lr_at(0)  # a schedule that fails, fails before any training
        self.metrics = _checked_metrics(metrics)
        self.rules = _checked_rules(stop, self.validation is not None)
        self.early = next((r for r in self.rules if isinstance(r, EarlyStopping)), None)
        self.hooks = _checked_callbacks(callbacks)
        self.frozen = _checked_freeze(freeze, net)
        if not isinstance(engine, str) or engine not in ENGINES:
            raise TrainingError(f"unknown engine {shown(engine)}; available: {', '.join(ENGINES)}")
        if engine == "torch":
            self.engine = ENGINES[engine](net, self.data, self.frozen, device=device)
            self.engine.check_loss(self.loss)
        elif device is not None:
            raise TrainingError(f"device={shown(device)} is for engine='torch'; engine={engine!r} runs on the CPU")
        else:
            self.engine = ENGINES[engine](net, self.data, self.frozen)
        self.rng = np.random.default_rng(checked_seed(seed, TrainingError))
        self.widths = (len(plan.inputs), len(plan.outputs))
        self.plan = None

    def _current_plan(self):
        """The network's plan, re-checked whenever a structural edit rebuilt it."""
        plan = self.net.plan()
        if plan is not self.plan:
            if (len(plan.inputs), len(plan.outputs)) != self.widths:
                raise TrainingError(
                    f"the network now has {len(plan.inputs)} input and {len(plan.outputs)} output "
                    f"neurons; the data has {self.widths[0]} and {self.widths[1]} columns")
            self.loss, self.fused = self.engine.prepare(plan, self.loss_spec)
            self.plan = plan
        return plan

    def fit(self, progress):
        history = History()
        history.metrics = {name: [] for name in self.metrics}
        if self.validation is not None:
            history.val_metrics = {name: [] for name in self.metrics}
        self.best = (math.inf, None, None)      # (monitored loss, epoch, parameters by key)
        bar = _progress.bar(self.epochs, desc="training", unit="epoch", enabled=progress)  # or None
        self.start = time.perf_counter()
        try:
            self._call("on_train_begin", history)
            if self.hooks["on_train_begin"]:
                self.engine.resync()  # a hook may have edited weights or structure
            reason = "max_epochs"
            diverged = False
            try:
                for epoch in range(1, self.epochs + 1):
                    stopped = self._epoch(epoch, history, bar)
                    if stopped:
                        reason = stopped
                        break
            except DivergenceError:
                diverged = True
                raise
            finally:
                self.engine.sync()  # however training stops, the graph ends up current
                if diverged:
                    _zero_gradients_unless_finite(self.net)
            if self.early and self.early.restore_best and reason in ("early_stopping", "max_epochs"):
                _restore(self.net, self.best[2])
            history.stop_reason = reason
            history.elapsed = time.perf_counter() - self.start
            self._call("on_train_end", history)
        finally:
            if bar is not None:
                bar.close()
        return history

    def _epoch(self, epoch, history, bar):
        """Run one epoch, record it, and return a stop reason or None."""
        plan = self._current_plan()
        T_all = self.data[1]
        n = len(T_all)
        shuffled = self.shuffle and self.batch_size < n
        # in order, a batch is a slice (a view of the data, no copy); shuffled, an index array
        order = self.rng.permutation(n) if shuffled else None
        try:
            lr = self.optimizer.lr_at(epoch - 1)  # before any weight of this epoch changes
        except TrainingError as err:
            err.history = history
            raise
        mean = self.reduction == "mean"
        outputs, total, stopped = [], 0.0, None
        engine, optimizer, size = self.engine, self.optimizer, self.batch_size
        step = getattr(engine, "step", None) or functools.partial(_step, engine)
        loss, fused, batch_hooks = self.loss, self.fused, self.hooks["on_batch_end"]
        for begin in range(0, n, size):
            if order is None:
                rows = slice(begin, min(begin + size, n))
                count = rows.stop - begin
            else:
                rows = order[begin:begin + size]
                count = len(rows)
            try:
                batch_loss = engine.batch(rows, loss, fused, outputs)
            except OverflowError:
                batch_loss = math.inf
            except NonFiniteError as err:  # a pass overflowed: the engine named row and neuron
                engine.sync()  # the graph keeps the last finite parameters
                raise _diverged(epoch, str(err), history, _PassOverflowError) from None
            if not math.isfinite(batch_loss):
                engine.sync()  # the graph keeps the last finite parameters
                raise _diverged(epoch, _loss_culprit(plan, batch_loss), history)
            # the optimizer divides the engine's sums (what the graph gets) for "mean"
            new = step(optimizer, lr, count if mean else None)
            if new is not None:   # not stored: not every new value is finite
                bad = int(np.flatnonzero(~np.isfinite(new))[0])
                engine.sync()  # the graph keeps the last finite parameters
                raise _diverged(epoch, f"{parameter_name(engine.keys[bad])} became {new[bad]}", history)
            total += batch_loss
            history.steps += 1
            history.batch_loss = batch_loss / count if mean else batch_loss
            if batch_hooks:
                engine.sync()
                if self._call("on_batch_end", history):
                    stopped = "callback"
                    break
                engine.resync()
                plan = self._current_plan()     # a batch hook may have edited the structure
                loss, fused = self.loss, self.fused
        if self.hooks["on_epoch_end"]:
            self.engine.sync()  # what the epoch callbacks read is current (unobservable otherwise)

        if len(outputs) == 1 and isinstance(outputs[0], np.ndarray):
            A = outputs[0]      # one batch (a full sweep): its outputs as they are
        else:
            A = np.concatenate([np.asarray(block, dtype=float) for block in outputs])
        seen = len(A)
        T = T_all[:seen] if order is None else T_all[order[:seen]]
        history.loss.append(total / seen if mean else total)
        for name, fn in self.metrics.items():
            history.metrics[name].append(float(fn(T, A)))
        history.lr.append(lr)
        history.epochs = epoch
        monitored = history.loss[-1]
        if self.validation is not None:
            X_val, T_val = self.validation
            val_total, val_out = self._evaluate(X_val, T_val, epoch, history)
            history.val_loss.append(val_total / len(val_out) if mean else val_total)
            for name, fn in self.metrics.items():
                history.val_metrics[name].append(float(fn(T_val, np.array(val_out))))
            if not (self.early and self.early.monitor == "loss"):
                monitored = history.val_loss[-1]
        if self.early and self.early.monitor == "loss":
            # The epoch's loss was measured during its passes (before its last update): judge
            # the weights the epoch ends with, which are the ones a snapshot keeps.
            X_all = self.data[0]
            clean, _ = self._evaluate(X_all, T_all, epoch, history)
            monitored = clean / n if mean else clean
        if monitored < self.best[0] - (self.early.min_delta if self.early else 0.0):
            keep = self.early and self.early.restore_best
            if keep:
                self.engine.sync()
            self.best = (monitored, epoch, _snapshot(self.net) if keep else None)
        history.best_epoch = self.best[1]
        history.elapsed = time.perf_counter() - self.start
        if bar is not None:
            bar.set_postfix(_postfix(history), refresh=False)
            bar.update(1)

        if self._call("on_epoch_end", history) or stopped:
            return "callback"
        if self.hooks["on_epoch_end"]:
            self.engine.resync()  # a callback may have edited weights or structure
        return self._rule_fired(epoch, history, A, T)

    def _rule_fired(self, epoch, history, A, T):
        """The reason of the first stop rule that fires after this epoch, or None."""
        clean = None        # (loss, max |y − d|) of the weights the epoch ends with
        for rule in self.rules:
            if isinstance(rule, EarlyStopping):
                if epoch - self.best[1] >= rule.patience:
                    return rule.reason
                continue
            if isinstance(rule, TargetLoss):
                seen, limit, which = history.loss[-1], rule.value, 0
            else:
                seen, limit, which = float(np.abs(A - T).max()), rule.tolerance, 1
            if seen <= limit:   # met during the passes: confirm on the final weights
                if clean is None:
                    X, T_all = self.data
                    total, out = self._evaluate(X, T_all, epoch, history)
                    clean = (total / len(out) if self.reduction == "mean" else total,
                             float(np.abs(np.array(out) - T_all).max()))
                if clean[which] <= limit:
                    return rule.reason
        return None

    def _evaluate(self, xs, ts, epoch, history):
        plan = self._current_plan()
        try:
            total, out = self.engine.evaluate(xs, ts, self.loss, self.fused)
        except OverflowError:
            total = math.inf
        except NonFiniteError as err:
            data = "the validation data" if self.validation is not None and xs is self.validation[0] \
                else "the training data"
            raise _diverged(epoch, f"evaluating {data}, {err}", history, _PassOverflowError) from None
        if not math.isfinite(total):
            raise _diverged(epoch, _loss_culprit(plan, total), history)
        return total, out

    def _call(self, hook, history):
        """Call every callback's ``hook``; True when one of them asks to stop."""
        stop = False
        for fn in self.hooks[hook]:
            if fn(self.net, history) is True:
                stop = True
        return stop


def _zero_gradients_unless_finite(net):
    """After a step that diverged: when the batch's gradients themselves overflowed, the graph
    gets none of them (all zero, as after a refused pass), not infinities; finite ones stay."""
    graph = net.graph
    grads = [data["grad"] for _, _, data in graph.edges(data=True)]
    grads += [graph._node[name]["neuron"].bias_grad for name in graph]
    if all_finite(np.array(grads, dtype=float)):
        return
    for _, _, data in graph.edges(data=True):
        data["grad"] = 0.0
    for name in graph:
        graph._node[name]["neuron"].bias_grad = 0.0


def _step(engine, optimizer, lr, divisor):
    """An optimizer step through an engine's ``keys``/``values()``/``grads()``/``write()``
    (engines without a ``step`` of their own): None when the new values are finite and written,
    else them (nothing written, the optimizer's state unchanged)."""
    new = np.empty(len(engine.keys))
    if not optimizer._update_into(engine.keys, engine.values(), engine.grads(), lr, divisor, new):
        return new
    engine.write(new)
    return None


# --- checks at the door --------------------------------------------------------------------

def _checked_data(X, Y, plan, loss, x_name, y_name):
    """``(X, Y)`` as float arrays of shape (n, inputs) and (n, outputs), checked against the network."""
    X = _matrix(X, x_name, len(plan.inputs), "input")
    Y = _matrix(Y, y_name, len(plan.outputs), "output")
    if len(X) != len(Y):
        raise ShapeError(f"{x_name} has {len(X)} rows but {y_name} has {len(Y)}")
    _losses.check_targets(loss, Y, y_name)
    return X, Y


def _matrix(values, name, width, side):
    try:
        raw = np.asarray(values)
    except ValueError:
        raise ShapeError(f"{name} must be a rectangular table of numbers; its rows differ in length") from None
    if raw.dtype.kind not in "biuf":
        raise NeuronsimTypeError(f"{name} must hold numbers, got {raw.dtype} values")
    if raw.size == 0:
        raise ShapeError(f"{name} is empty; training needs at least one case")
    arr = raw.astype(float, copy=False)
    if arr.ndim == 1 and width == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ShapeError(f"{name} must be 2-D (cases, {width}), got shape {arr.shape}")
    if arr.shape[1] != width:
        neurons = "neuron" if width == 1 else "neurons"
        raise ShapeError(f"{name} has {arr.shape[1]} columns but the network has {width} {side} {neurons}")
    if not np.isfinite(arr).all():
        r, c = map(int, np.argwhere(~np.isfinite(arr))[0])
        raise ValueRangeError(f"{name}[{r}, {c}] is {arr[r, c]}; values must be finite")
    return arr


def _checked_blas_threads(threads):
    """``blas_threads`` checked: None, "auto" or an int >= 1 (with threadpoolctl installed)."""
    if threads is None or (isinstance(threads, str) and threads == "auto"):
        return threads
    if isinstance(threads, (bool, np.bool_)) or not isinstance(threads, (int, np.integer)) or threads < 1:
        raise TrainingError(f"blas_threads must be an int >= 1, 'auto' or None, got {shown(threads)}")
    try:
        import threadpoolctl  # noqa: F401  (optional: the limit needs it)
    except ImportError:
        raise TrainingError(f"blas_threads={int(threads)} needs the threadpoolctl package "
                            "(pip install threadpoolctl); pass blas_threads=None to leave BLAS as it is") from None
    return int(threads)


def _busy():
    """True when the machine's one-minute load average is at least its number of CPUs plus one
    (a run of ours alone, its BLAS threads spinning on every core, stays below that)."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # not on this platform
        return False
    return load >= (os.cpu_count() or 1) + 1


@contextlib.contextmanager
def _blas_limit(threads):
    """BLAS limited to ``threads`` threads inside the block (checked; "auto": one thread when
    the machine is busy), restored after it; nothing for None."""
    if threads == "auto":
        threads = 1 if _busy() else None
    if threads is None:
        yield
        return
    try:
        import threadpoolctl
    except ImportError:  # "auto" without threadpoolctl: BLAS as it is
        yield
        return
    with threadpoolctl.threadpool_limits(limits=threads, user_api="blas"):
        yield


def _checked_metrics(metrics):
    """``{name: function}`` from metric names and functions; names must not collide."""
    if metrics is None:
        return {}
    if callable(metrics) or isinstance(metrics, str):
        metrics = (metrics,)
    if not hasattr(metrics, "__iter__"):
        raise NeuronsimTypeError(f"metrics must be a name, a function or a sequence of them, got {shown(metrics)}")
    chosen = {}
    for metric in metrics:
        name, fn = _metrics.get(metric)
        if name in chosen:
            raise TrainingError(f"metrics: two metrics are named {name!r}; give your functions distinct names")
        chosen[name] = fn
    return chosen


def _checked_rules(stop, has_validation):
    if stop is None:
        return ()
    rules = (stop,) if isinstance(stop, (TargetLoss, Tolerance, EarlyStopping)) else stop
    try:
        rules = tuple(rules)
    except TypeError:
        raise TrainingError(f"stop must be a rule or a sequence of rules, got {shown(stop)}") from None
    for i, rule in enumerate(rules):
        if not isinstance(rule, (TargetLoss, Tolerance, EarlyStopping)):
            raise TrainingError(f"stop[{i}] must be TargetLoss, Tolerance or EarlyStopping, got {shown(rule)}")
        if isinstance(rule, EarlyStopping) and rule.monitor == "val_loss" and not has_validation:
            raise TrainingError("EarlyStopping monitors the validation loss: pass "
                                "validation=(X_val, Y_val), or use EarlyStopping(monitor='loss')")
    return rules


def _checked_callbacks(callbacks):
    if callbacks is None:
        callbacks = ()
    elif callable(callbacks) or any(hasattr(callbacks, hook) for hook in _HOOKS):
        callbacks = (callbacks,)
    elif not hasattr(callbacks, "__iter__"):
        raise NeuronsimTypeError(f"callbacks must be a callback or a sequence of them, got {shown(callbacks)}")
    hooks = {hook: [] for hook in _HOOKS}
    for i, callback in enumerate(callbacks):
        if isinstance(callback, type):
            raise NeuronsimTypeError(f"callbacks[{i}] is the class {callback.__name__}; pass an instance")
        methods = [hook for hook in _HOOKS if callable(getattr(callback, hook, None))]
        for hook in methods:
            hooks[hook].append(getattr(callback, hook))
        if not methods:
            if not callable(callback):
                raise NeuronsimTypeError(f"callbacks[{i}] must be callable or have one of "
                                         f"{', '.join(_HOOKS)}; got {shown(callback)}")
            hooks["on_epoch_end"].append(callback)
    return hooks


def _checked_freeze(freeze, net):
    if isinstance(freeze, str):
        freeze = (freeze,)
    elif not hasattr(freeze, "__iter__"):
        raise NeuronsimTypeError(f"freeze must be a collection of parameter keys, got {shown(freeze)}")
    freeze = list(freeze)
    if not freeze:
        return set()
    keys = set(net.parameter_keys())
    frozen = set()
    for item in freeze:
        key = tuple(item) if isinstance(item, list) else item
        try:
            known = key in keys
        except TypeError:
            raise NeuronsimTypeError(f"freeze: {shown(item)} is not a parameter key") from None
        if not known:
            if isinstance(key, tuple) and len(key) == 2:
                raise TrainingError(f"freeze: no edge {key[0]} -> {key[1]} in the network")
            if isinstance(key, str) and key in net:
                raise TrainingError(f"freeze: {shown(key)} is an input neuron; it has no bias")
            raise TrainingError(f"freeze: no neuron {shown(key)} (give a neuron name or an edge (src, dst))")
        frozen.add(key)
    return frozen


# --- divergence, snapshots, progress ---------------------------------------------------------

def _loss_culprit(plan, value):
    for neuron in plan.order:
        for name in ("z", "a"):
            v = getattr(neuron, name)
            if v is not None and not math.isfinite(v):
                return f"the loss is {value} (neuron {neuron.name!r} has {name} = {v})"
    worst = max((n for n in plan.order if n.z is not None), key=lambda n: abs(n.z), default=None)
    where = f" (largest |z|: {worst.z:.3g} at neuron {worst.name!r})" if worst else ""
    return f"the loss overflowed{where}"


class _PassOverflowError(DivergenceError, NonFiniteError):
    """Training diverged because a forward or backward pass on finite weights overflowed: both a
    :class:`DivergenceError` (``err.history`` holds the record) and a :class:`NonFiniteError`
    (the message names the data row and the neuron)."""


def _diverged(epoch, what, history, kind=DivergenceError):
    err = kind(f"training diverged at epoch {epoch}: {what}; the network keeps its "
               "last finite weights (try a smaller learning rate)")
    history.stop_reason = "diverged"
    err.history = history
    return err


def _snapshot(net):
    return dict(zip(net.parameter_keys(), net.parameters()))


def _restore(net, snapshot):
    if snapshot:
        net.set_parameters([snapshot.get(k, v) for k, v in zip(net.parameter_keys(), net.parameters())])


def _postfix(history):
    fields = {"loss": f"{history.loss[-1]:.4g}"}
    fields.update((name, f"{values[-1]:.4g}") for name, values in history.metrics.items())
    if history.val_loss:
        fields["val_loss"] = f"{history.val_loss[-1]:.4g}"
        fields.update((f"val_{name}", f"{values[-1]:.4g}") for name, values in history.val_metrics.items())
    return fields


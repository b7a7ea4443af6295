"""The record of a training run: :class:`History`."""

__all__ = ["History"]


class History:
    """What a training run did, epoch by epoch (epochs are counted from 1).

    Attributes
    ----------
    loss : list of float
        Training loss of each epoch over the cases seen in its passes, combined with the run's
        reduction (sum: E of the sweep; mean: per case).
    metrics : dict of str to list of float
        Each metric on the outputs seen during the epoch's passes.
    val_loss : list of float
        Loss on the validation data after each epoch (empty without validation).
    val_metrics : dict of str to list of float
    lr : list of float
        Learning rate of each epoch.
    epochs : int
        Epochs run (a partial last epoch, stopped by a batch callback, counts).
    steps : int
        Optimizer updates made.
    batch_loss : float or None
        Loss of the last batch, with the run's reduction (read it in ``on_batch_end``).
    stop_reason : str or None
        "max_epochs", "target_loss", "tolerance", "early_stopping" or "callback" once done.
    best_epoch : int or None
        The epoch with the lowest monitored loss: the validation loss when there is validation
        data, else the training loss; with :class:`EarlyStopping`, its ``monitor`` (for
        ``monitor="loss"``, measured on the weights the epoch ends with) and ``min_delta``. When
        EarlyStopping restores the best weights (it stopped training, or training ran out of
        epochs), these are that epoch's weights.
    elapsed : float
        Wall-clock seconds.

    Examples
    --------
    >>> h = History()
    >>> h.loss, h.epochs, h.stop_reason
    ([], 0, None)
    """

    def __init__(self):
        self.loss, self.val_loss, self.lr = [], [], []
        self.metrics, self.val_metrics = {}, {}
        self.epochs = self.steps = 0
        self.batch_loss = self.stop_reason = self.best_epoch = None
        self.elapsed = 0.0

    def to_dict(self):
        """The record as plain lists, numbers and strings (ready for JSON)."""
        return {name: getattr(self, name) for name in (
            "loss", "metrics", "val_loss", "val_metrics", "lr", "epochs", "steps",
            "stop_reason", "best_epoch", "elapsed")}

    def __repr__(self):
        last = f", loss={self.loss[-1]:.6g}" if self.loss else ""
        return f"History(epochs={self.epochs}{last}, stop_reason={self.stop_reason!r})"

"""The training loop: batching, reductions, stopping, divergence, validation at the door, callbacks."""

import io
import math
import sys

import numpy as np
import pytest

import neuronsim
from neuronsim import datasets, optim
from neuronsim.errors import (DivergenceError, LossError, NeuronsimTypeError, ShapeError,
                              TrainingError, ValueRangeError)
from neuronsim import EarlyStopping, History, TargetLoss, Tolerance, train

XOR_X, XOR_Y = datasets.xor()


def xor_net(seed=0, spec=((("identity", 2), ("sigmoid", 2), ("sigmoid", 1)))):
    return neuronsim.Network.from_spec(list(spec), init=neuronsim.init.uniform(-0.5, 0.5), seed=seed)


def fit(net, X=XOR_X, Y=XOR_Y, **kwargs):
    options = dict(loss="squared_error", optimizer=optim.SGD(lr=0.5), epochs=1, progress=False)
    options.update(kwargs)
    return train(net, X, Y, **options)


def summed_gradient(net, X, Y):
    """∂E/∂p summed over all cases, computed on a copy with the public forward/backward."""
    twin = net.copy()
    twin.zero_grad()
    for x, y in zip(X, Y):
        twin.forward(x)
        twin.backward(y)
    return np.array(twin.gradients())


# --- batching and reduction -------------------------------------------------------------------

def test_full_sweep_with_sum_makes_one_update_of_minus_lr_times_the_summed_gradient():
    net = xor_net()
    expected = np.array(net.parameters()) - 0.3 * summed_gradient(net, XOR_X, XOR_Y)
    history = fit(net, optimizer=optim.SGD(lr=0.3), batch_size=None, reduction="sum")
    assert history.steps == 1
    np.testing.assert_allclose(net.parameters(), expected, rtol=0, atol=1e-14)


def test_full_sweep_with_mean_divides_the_gradient_by_the_number_of_cases():
    net = xor_net()
    expected = np.array(net.parameters()) - 0.3 * summed_gradient(net, XOR_X, XOR_Y) / 4
    fit(net, optimizer=optim.SGD(lr=0.3), reduction="mean")
    np.testing.assert_allclose(net.parameters(), expected, rtol=0, atol=1e-14)


def test_online_learning_updates_after_each_case_in_order():
    net = xor_net()
    twin = net.copy()
    for x, y in zip(XOR_X, XOR_Y):
        twin.zero_grad()
        twin.forward(x)
        twin.backward(y)
        twin.set_parameters(np.array(twin.parameters()) - 0.5 * np.array(twin.gradients()))
    history = fit(net, batch_size=1, shuffle=False)
    assert history.steps == 4
    np.testing.assert_allclose(net.parameters(), twin.parameters(), rtol=0, atol=1e-14)


def test_mini_batches_make_one_update_per_batch_including_a_short_last_one():
    X, Y = datasets.parity(3)
    net = neuronsim.Network.from_spec([("identity", 3), ("sigmoid", 3), ("sigmoid", 1)], seed=0)
    history = fit(net, X, Y, batch_size=3, epochs=2)
    assert history.steps == 2 * 3


def test_epoch_loss_is_e_of_the_sweep_with_sum_and_per_case_with_mean():
    net = xor_net()
    E = sum(net.loss(x, y) for x, y in zip(XOR_X, XOR_Y))
    assert fit(net.copy(), reduction="sum").loss == [pytest.approx(E)]
    assert fit(net.copy(), reduction="mean").loss == [pytest.approx(E / 4)]


def test_training_works_on_a_dag_with_skip_links():
    net = xor_net(spec=[("identity", 2), ("sigmoid", 1), ("sigmoid", 1)])
    net.connect("x1", "o1", 0.1)
    before = net.weight("x1", "o1")
    history = fit(net, optimizer=optim.SGD(lr=0.5, momentum=0.9), epochs=50, reduction="sum")
    assert net.weight("x1", "o1") != before and history.loss[-1] < history.loss[0]


def test_weights_set_on_the_graph_between_epochs_are_the_ones_trained():
    net = xor_net()

    def nudge(net, history):
        if history.epochs == 1:
            net.set_weight("h1", "o1", 2.0)
            nudge.expected = np.array(net.parameters()) - 0.5 * summed_gradient(net, XOR_X, XOR_Y)

    fit(net, epochs=2, reduction="sum", callbacks=nudge)
    np.testing.assert_allclose(net.parameters(), nudge.expected, rtol=0, atol=1e-14)


# --- stopping rules -----------------------------------------------------------------------------

def test_max_epochs_is_the_stop_reason_when_nothing_else_fires():
    history = fit(xor_net(), epochs=3)
    assert (history.stop_reason, history.epochs, len(history.loss)) == ("max_epochs", 3, 3)


def test_target_loss_stops_once_the_final_weights_reach_it():
    net = xor_net(seed=3)
    history = fit(net, optimizer=optim.SGD(lr=0.5, momentum=0.9), epochs=3000, reduction="sum",
                  stop=TargetLoss(0.05))
    assert history.stop_reason == "target_loss" and history.epochs < 3000
    assert sum(net.loss(x, y) for x, y in zip(XOR_X, XOR_Y)) <= 0.05


def test_tolerance_stops_when_every_output_is_within_it():
    net = xor_net(seed=3)
    history = fit(net, optimizer=optim.SGD(lr=0.5, momentum=0.9), epochs=3000, reduction="sum",
                  stop=Tolerance(0.1))
    assert history.stop_reason == "tolerance"
    assert np.abs(net.predict(XOR_X) - XOR_Y).max() <= 0.1


def test_early_stopping_restores_the_parameters_of_the_best_epoch():
    data = datasets.moons(n=40, noise=0.3, seed=1)
    X_train, X_val, Y_train, Y_val = datasets.train_test_split(data, seed=0, test_size=0.5)
    net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 12), ("sigmoid", 1)], seed=0)
    snapshots = []
    history = fit(net, X_train, Y_train, optimizer=optim.SGD(lr=2.0, momentum=0.9), epochs=300,
                  batch_size=1, seed=0, validation=(X_val, Y_val), stop=EarlyStopping(patience=5),
                  callbacks=lambda net, h: snapshots.append(net.parameters()))
    assert history.stop_reason == "early_stopping" and history.epochs < 300
    best = history.best_epoch
    assert history.val_loss[best - 1] == min(history.val_loss)
    assert history.epochs == best + 5
    assert net.parameters() == snapshots[best - 1]


def test_early_stopping_without_validation_data_is_refused():
    with pytest.raises(TrainingError, match="EarlyStopping monitors the validation loss"):
        fit(xor_net(), stop=EarlyStopping())


def test_validation_loss_and_metrics_are_recorded_each_epoch():
    history = fit(xor_net(), epochs=3, validation=(XOR_X, XOR_Y), metrics=("accuracy", "mse"))
    assert len(history.val_loss) == 3 and len(history.val_metrics["mse"]) == 3
    assert history.best_epoch == int(np.argmin(history.val_loss)) + 1


def test_a_user_metric_is_a_plain_function_recorded_under_its_name():
    def outputs_seen(Y_true, Y_pred):
        return float(len(Y_pred))

    history = fit(xor_net(), epochs=2, metrics=[outputs_seen])
    assert history.metrics == {"outputs_seen": [4.0, 4.0]}


# --- divergence --------------------------------------------------------------------------------

def test_divergence_names_the_epoch_and_culprit_and_keeps_finite_weights():
    net = neuronsim.Network.from_spec([("identity", 2), ("relu", 4), ("identity", 1)], seed=0)
    X = np.array([[1.0, 2.0], [3.0, -1.0], [2.0, 2.0]]) * 10
    Y = np.array([[1.0], [0.0], [5.0]])
    with pytest.raises(DivergenceError, match=r"diverged at epoch \d+: .*(edge \w+ -> \w+|neuron '\w+'|loss '\w+' overflowed)") as err:
        fit(net, X, Y, optimizer=optim.SGD(lr=1e3), epochs=100)
    assert all(math.isfinite(p) for p in net.parameters())
    assert err.value.history.stop_reason == "diverged"


def test_a_non_finite_update_names_the_parameter_and_is_not_written():
    net = neuronsim.Network.from_spec([("identity", 1), ("identity", 1)], init="constant")
    with pytest.raises(DivergenceError, match=r"at epoch 1: the weight of edge x1 -> o1 became -inf"):
        fit(net, [[1.0]], [[-9.0]], optimizer=optim.SGD(lr=1e308))
    assert net.parameters() == [1.0, 0.0]


# --- bad arguments fail before any weight changes ----------------------------------------------

BAD_ARGUMENTS = [
    (dict(X=XOR_X[:3]), ShapeError, "X has 3 rows but Y has 4"),
    (dict(Y=np.ones((4, 3))), ShapeError, "Y has 3 columns but the network has 1 output neuron"),
    (dict(X=np.ones((4, 5))), ShapeError, "X has 5 columns but the network has 2 input neurons"),
    (dict(X=[["a", "b"]] * 4), NeuronsimTypeError, "X must hold numbers"),
    (dict(X=[], Y=[]), ShapeError, "X is empty"),
    (dict(X=np.full((4, 2), np.nan)), ValueRangeError, r"X\[0, 0\] is nan"),
    (dict(Y=np.full((4, 1), 2.0), loss="binary_cross_entropy"), ValueRangeError, "outside"),
    (dict(optimizer=optim.SGD(lr=1.0, schedule=lambda e, lr: -lr)), TrainingError, "lr of epoch 0"),
    (dict(batch_size=0), TrainingError, "batch_size must be an integer >= 1, got 0"),
    (dict(epochs=0), TrainingError, "epochs must be an integer >= 1, got 0"),
    (dict(reduction="avg"), TrainingError, "reduction must be 'sum' or 'mean'"),
    (dict(loss="hinge_nope"), LossError, "unknown loss 'hinge_nope'"),
    (dict(optimizer="rmsprop"), TrainingError, "unknown optimizer 'rmsprop'"),
    (dict(metrics=("f1",)), TrainingError, "unknown metric 'f1'"),
    (dict(freeze=[("x1", "o1")]), TrainingError, "freeze: no edge x1 -> o1"),
    (dict(freeze=["x1"]), TrainingError, "'x1' is an input neuron"),
    (dict(seed=-1), TrainingError, "seed must be None or a non-negative integer"),
    (dict(engine="warp"), TrainingError, "unknown engine 'warp'; available: object"),
    (dict(stop="soon"), TrainingError, "stop"),
    (dict(validation=(XOR_X, np.ones((4, 2)))), ShapeError, "Y_val has 2 columns"),
    (dict(callbacks=[42]), NeuronsimTypeError, r"callbacks\[0\]"),
    (dict(callbacks=42), NeuronsimTypeError, "callbacks must be"),
    (dict(freeze=3), NeuronsimTypeError, "freeze must be a collection"),
]


@pytest.mark.parametrize("kwargs, error, fragment", BAD_ARGUMENTS,
                         ids=[fragment for _, _, fragment in BAD_ARGUMENTS])
def test_bad_argument_fails_before_any_weight_changes(kwargs, error, fragment):
    net = xor_net()
    before = net.parameters()
    X, Y = kwargs.pop("X", XOR_X), kwargs.pop("Y", XOR_Y)
    with pytest.raises(error, match=fragment):
        fit(net, X, Y, **kwargs)
    assert net.parameters() == before


def test_momentum_outside_unit_interval_fails_when_the_optimizer_is_made():
    with pytest.raises(TrainingError, match=r"momentum must be in \[0, 1\), got 1.5"):
        optim.SGD(lr=0.1, momentum=1.5)


# --- freezing and structural edits --------------------------------------------------------------

def test_frozen_weights_and_biases_never_change():
    net = xor_net()
    frozen = {("x1", "h1"): net.weight("x1", "h1"), "h2": net["h2"].bias}
    fit(net, epochs=20, freeze=list(frozen))
    assert net.weight("x1", "h1") == frozen[("x1", "h1")] and net["h2"].bias == frozen["h2"]
    assert net.weight("x2", "h1") != 0.0


def test_same_optimizer_survives_a_structural_edit_between_runs():
    net = xor_net()
    sgd = optim.SGD(lr=0.5, momentum=0.9)
    fit(net, optimizer=sgd, epochs=3, reduction="sum")
    net.disconnect("x2", "h2")
    net.add_neuron("h3", "sigmoid", bias=0.1)
    net.connect("x1", "h3", 0.2)
    net.connect("h3", "o1", -0.3)
    gradient = dict(zip(net.parameter_keys(), summed_gradient(net, XOR_X, XOR_Y)))
    fit(net, optimizer=sgd, epochs=1, reduction="sum")
    assert set(sgd.state) == set(net.parameter_keys())
    assert ("x2", "h2") not in sgd.state
    for key in [("x1", "h3"), ("h3", "o1"), "h3"]:          # fresh: no momentum carried in
        assert sgd.state[key]["velocity"] == pytest.approx(-0.5 * gradient[key], abs=1e-14)


def test_a_callback_may_grow_the_network_between_epochs():
    net = xor_net()

    def grow(net, history):
        if history.epochs == 2:
            net.add_neuron("h3", "sigmoid")
            net.connect("x1", "h3", 0.1)
            net.connect("h3", "o1", 0.1)

    history = fit(net, epochs=4, callbacks=grow)
    assert history.epochs == 4 and net.weight("h3", "o1") != 0.1


def test_a_batch_hook_may_remove_a_neuron_mid_epoch():
    net = xor_net()
    sgd = optim.SGD(lr=0.5, momentum=0.9)

    class Prune:
        def on_batch_end(self, net, history):
            if history.steps == 1:
                net.remove_neuron("h2")

    history = fit(net, optimizer=sgd, epochs=2, batch_size=2, shuffle=False, callbacks=[Prune()])
    assert history.steps == 4 and "h2" not in net
    assert set(sgd.state) == set(net.parameter_keys())


# --- callbacks -------------------------------------------------------------------------------

class Log:
    def __init__(self):
        self.calls = []

    def on_train_begin(self, net, history):
        self.calls.append("begin")

    def on_batch_end(self, net, history):
        self.calls.append("batch")

    def on_epoch_end(self, net, history):
        self.calls.append(f"epoch {history.epochs}")

    def on_train_end(self, net, history):
        self.calls.append(f"end {history.stop_reason}")


def test_hooks_are_called_in_order_once_per_batch_and_epoch():
    log = Log()
    fit(xor_net(), epochs=2, batch_size=3, callbacks=[log])
    assert log.calls == ["begin", "batch", "batch", "epoch 1", "batch", "batch", "epoch 2",
                         "end max_epochs"]


def test_a_plain_function_returning_true_stops_training():
    history = fit(xor_net(), epochs=10, callbacks=lambda net, h: h.epochs == 3)
    assert (history.stop_reason, history.epochs) == ("callback", 3)


def test_a_batch_hook_can_stop_mid_epoch():
    class StopAfterTwo:
        def on_batch_end(self, net, history):
            return history.steps == 2

    history = fit(xor_net(), epochs=5, batch_size=1, shuffle=False, callbacks=StopAfterTwo())
    assert (history.stop_reason, history.steps, history.epochs) == ("callback", 2, 1)


# --- determinism and progress ------------------------------------------------------------------

def test_same_seed_gives_identical_weights_and_another_seed_does_not():
    def trained(seed):
        net = xor_net()
        fit(net, epochs=5, batch_size=1, seed=seed)
        return net.parameters()

    assert trained(7) == trained(7)
    assert trained(7) != trained(8)


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_shows_epoch_and_loss_on_a_terminal(monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    fit(xor_net(), epochs=3, progress=True, metrics=("accuracy",))
    assert "3/3" in terminal.getvalue() and "loss=" in terminal.getvalue()
    assert "accuracy=" in terminal.getvalue()


def test_no_progress_bar_when_disabled_or_not_a_terminal(monkeypatch):
    plain = io.StringIO()
    monkeypatch.setattr("sys.stderr", plain)
    fit(xor_net(), epochs=2, progress=True)
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    fit(xor_net(), epochs=2, progress=False)
    assert plain.getvalue() == "" and terminal.getvalue() == ""


def test_training_runs_without_a_bar_when_tqdm_is_missing(monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    monkeypatch.setitem(sys.modules, "tqdm", None)          # makes ``import tqdm`` fail
    assert fit(xor_net(), epochs=2, progress=True).epochs == 2
    assert terminal.getvalue() == ""


def test_history_to_dict_holds_the_record():
    record = fit(xor_net(), epochs=2).to_dict()
    assert record["epochs"] == 2 and len(record["loss"]) == 2 and record["stop_reason"] == "max_epochs"
    assert repr(History()) == "History(epochs=0, stop_reason=None)"


def test_early_stopping_on_the_training_loss_restores_the_weights_it_judged_best():
    from neuronsim import datasets, optim

    X, Y = datasets.moons(n=40, seed=3)
    net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 6), ("sigmoid", 1)], seed=1)
    end_of_epoch = []

    def measure(net, history):  # the loss of the weights each epoch ends with
        end_of_epoch.append(sum(net.loss(x, y, "binary_cross_entropy") for x, y in zip(X.tolist(), Y.tolist())))

    train(net, X, Y, loss="binary_cross_entropy", optimizer=optim.SGD(lr=3.0, momentum=0.9), epochs=60,
          reduction="sum", progress=False, stop=EarlyStopping(patience=5, monitor="loss"), callbacks=[measure])
    restored = sum(net.loss(x, y, "binary_cross_entropy") for x, y in zip(X.tolist(), Y.tolist()))
    assert restored == pytest.approx(min(end_of_epoch), rel=1e-12)


def test_two_metrics_with_the_same_name_are_refused():
    from neuronsim import datasets

    X, Y = datasets.xor()
    net = neuronsim.Network.from_spec([("identity", 2), ("sigmoid", 2), ("sigmoid", 1)], seed=0)
    with pytest.raises(TrainingError, match="two metrics are named"):
        train(net, X, Y, loss="squared_error", optimizer="sgd", epochs=1, progress=False,
              metrics=[lambda t, p: 0.0, lambda t, p: 1.0])


# --- numbers beyond the float range; bad weights in the graph; overflowing passes ------------------

@pytest.mark.parametrize("make, name", [
    (lambda: TargetLoss(10**400), r"TargetLoss\(value\)"),
    (lambda: Tolerance(10**400), r"Tolerance\(tolerance\)"),
    (lambda: EarlyStopping(min_delta=10**400), r"EarlyStopping\(min_delta\)"),
], ids=["target", "tolerance", "min_delta"])
def test_a_stop_rule_refuses_an_integer_beyond_the_float_range(make, name):
    with pytest.raises(TrainingError, match=name + r" must be .*, got 1000.*, too large for a float"):
        make()


@pytest.mark.parametrize("engine", ["object", "fast"])
def test_a_nan_weight_written_into_the_graph_is_refused_before_training_naming_its_edge(engine):
    net = xor_net()
    net.graph.edges["x2", "h1"]["weight"] = float("nan")
    before = net.parameters()
    with pytest.raises(neuronsim.errors.NonFiniteError, match=r"the weight of edge x2 -> h1 \(read from net.graph\) must be finite, got nan"):
        fit(net, engine=engine)
    assert [p for p in net.parameters() if p == p] == [p for p in before if p == p]


@pytest.mark.parametrize("engine", ["object", "fast"])
def test_a_string_weight_written_into_the_graph_is_a_type_error_naming_its_edge(engine):
    net = xor_net()
    net.graph.edges["h2", "o1"]["weight"] = "0.5"
    with pytest.raises(NeuronsimTypeError, match=r"the weight of edge h2 -> o1 .* must be a real number, got str '0.5'"):
        fit(net, engine=engine)


def test_a_data_row_whose_pass_overflows_is_a_divergence_that_names_the_row_and_the_neuron():
    net = neuronsim.Network.from_spec([("identity", 2), ("identity", 2), ("identity", 1)], init="constant")
    X = np.array([[1.0, 1.0], [1e308, 1e308]])
    with pytest.raises(DivergenceError, match=r"diverged at epoch 1: the forward pass overflowed on input row 1: "
                                              r"neuron 'h1' has z = -?inf") as err:
        fit(net, X, [[0.0], [0.0]], engine="fast", shuffle=False, batch_size=1)
    assert isinstance(err.value, neuronsim.errors.NonFiniteError)
    assert err.value.history.stop_reason == "diverged" and all(map(math.isfinite, net.parameters()))


def test_a_validation_row_whose_pass_overflows_is_named_as_validation_data():
    net = neuronsim.Network.from_spec([("identity", 2), ("identity", 2), ("identity", 1)], init="constant")
    with pytest.raises(DivergenceError, match=r"evaluating the validation data, the forward pass overflowed on "
                                              r"input row 1: neuron 'h1'"):
        fit(net, [[0.1, 0.2]], [[0.0]], engine="fast",
            validation=([[0.0, 0.0], [1e308, 1e308]], [[0.0], [0.0]]))


# --- defaults and preprocessing: train() takes raw rows (issue 12) --------------------------------

from neuronsim.preprocessing import Scaler  # noqa: E402  (this section's own import)
from neuronsim.training import DEFAULT_LR, default_loss  # noqa: E402

IRIS = datasets.iris()


@pytest.mark.parametrize("spec, loss", [
    ([("identity", 2), ("sigmoid", 1)], "binary_cross_entropy"),
    ([("identity", 4), ("sigmoid", 3)], "binary_cross_entropy"),
    ([("identity", 4), ("identity", 3)], "softmax_cross_entropy"),
    ([("identity", 2), ("identity", 1)], "squared_error"),
    ([("identity", 2), ("tanh", 1)], "squared_error"),
    ([("identity", 2), ("relu", 3)], "squared_error"),
])
def test_default_loss_follows_the_output_neurons(spec, loss):
    assert default_loss(neuronsim.Network.from_spec(spec)) == loss


def test_default_loss_refuses_what_is_not_a_network():
    with pytest.raises(NeuronsimTypeError, match="default_loss takes a Network, got list"):
        default_loss([("identity", 2)])


def test_train_without_loss_uses_the_default_loss():
    chosen, default = xor_net(), xor_net()
    fit(chosen, loss="binary_cross_entropy", epochs=5)
    fit(default, loss=None, epochs=5)
    assert default.parameters() == chosen.parameters()


def test_train_without_optimizer_uses_adam_with_the_documented_learning_rate():
    assert DEFAULT_LR == 0.01
    chosen, default = xor_net(), xor_net()
    h1 = train(chosen, XOR_X, XOR_Y, optimizer=optim.Adam(lr=0.01), epochs=5, progress=False)
    h2 = train(default, XOR_X, XOR_Y, epochs=5, progress=False)
    assert default.parameters() == chosen.parameters() and h1.loss == h2.loss


def iris_net():
    return neuronsim.Network.from_spec([("identity", 4), ("sigmoid", 5), ("sigmoid", 3)], seed=1)


def test_preprocessing_standardize_fits_on_the_training_rows_and_trains_on_scaled_rows():
    X_train, X_val, Y_train, Y_val = datasets.train_test_split(IRIS, seed=0)
    scaled, bare = iris_net(), iris_net()
    h1 = fit(scaled, X_train, Y_train, epochs=3, validation=(X_val, Y_val), preprocessing="standardize",
             metrics=("accuracy",))
    scaler = Scaler.fit(X_train)
    h2 = fit(bare, scaler.transform(X_train), Y_train, epochs=3,
             validation=(scaler.transform(X_val), Y_val), metrics=("accuracy",))
    assert scaled.preprocessing == scaler
    assert bare.preprocessing is None
    assert scaled.parameters() == bare.parameters()
    assert (h1.loss, h1.val_loss, h1.metrics, h1.val_metrics) == (h2.loss, h2.val_loss, h2.metrics, h2.val_metrics)


def test_preprocessing_minmax_is_stored_on_the_network():
    net = iris_net()
    fit(net, IRIS.X, IRIS.Y, preprocessing="minmax")
    assert net.preprocessing == Scaler.fit(IRIS.X, kind="minmax")


def test_a_network_with_preprocessing_takes_raw_rows_and_is_not_refitted():
    scaler = Scaler("standardize", [5.0, 3.0, 4.0, 1.0], [1.0, 0.5, 2.0, 1.0])
    carrying, bare = iris_net(), iris_net()
    carrying.preprocessing = scaler
    h1 = fit(carrying, IRIS.X, IRIS.Y, epochs=2, preprocessing="standardize")    # the same kind: kept
    h2 = fit(bare, scaler.transform(IRIS.X), IRIS.Y, epochs=2)
    assert carrying.preprocessing is scaler
    assert carrying.parameters() == bare.parameters() and h1.loss == h2.loss


def test_a_given_scaler_is_used_as_it_is():
    scaler = Scaler("minmax", [4.0, 2.0, 1.0, 0.0], [4.0, 2.5, 6.0, 2.5])
    given, bare = iris_net(), iris_net()
    fit(given, IRIS.X, IRIS.Y, preprocessing=scaler)
    fit(bare, scaler.transform(IRIS.X), IRIS.Y)
    assert given.preprocessing is scaler and given.parameters() == bare.parameters()


def test_training_then_predict_on_raw_rows_agrees_with_the_training_accuracy():
    net = iris_net()
    history = train(net, IRIS.X, IRIS.Y, epochs=30, batch_size=16, preprocessing="standardize",
                    metrics=("accuracy",), seed=0, progress=False, stop=None)
    raw_accuracy = neuronsim.metrics.accuracy(IRIS.Y, net.predict(IRIS.X))
    assert raw_accuracy > 0.8
    assert abs(raw_accuracy - history.metrics["accuracy"][-1]) < 0.1


@pytest.mark.parametrize("current, asked, words", [
    (Scaler("minmax", [0.0] * 4, [1.0] * 4), "standardize",
     "preprocessing='standardize', but the network already has 'minmax' preprocessing"),
    (Scaler("minmax", [0.0] * 4, [1.0] * 4), Scaler("minmax", [0.0] * 4, [2.0] * 4),
     "the network already has a different Scaler"),
    (None, "robust", "preprocessing must be one of 'standardize', 'minmax' or a Scaler, got 'robust'"),
])
def test_a_preprocessing_that_differs_from_the_network_s_own_is_refused(current, asked, words):
    net = iris_net()
    net.preprocessing = current
    before = net.parameters()
    with pytest.raises(TrainingError) as info:
        fit(net, IRIS.X, IRIS.Y, preprocessing=asked)
    assert words in str(info.value)
    assert net.preprocessing is current and net.parameters() == before


def test_preprocessing_of_the_wrong_type_or_width_is_refused():
    with pytest.raises(NeuronsimTypeError, match="preprocessing must be None, 'standardize', 'minmax' or a Scaler, got dict"):
        fit(iris_net(), IRIS.X, IRIS.Y, preprocessing={"kind": "minmax"})
    with pytest.raises(ShapeError, match="preprocessing: the Scaler has 2 columns but the network has 4 input neurons"):
        fit(iris_net(), IRIS.X, IRIS.Y, preprocessing=Scaler("minmax", [0.0, 0.0], [1.0, 1.0]))


def test_a_bad_argument_leaves_the_network_without_the_new_preprocessing():
    net = iris_net()
    with pytest.raises(TrainingError):
        fit(net, IRIS.X, IRIS.Y, preprocessing="standardize", epochs=0)
    assert net.preprocessing is None


def test_preprocessing_refuses_rows_that_do_not_fit_the_network():
    with pytest.raises(ShapeError, match="X has 2 columns but the network has 4 input neurons"):
        fit(iris_net(), IRIS.X[:, :2], IRIS.Y, preprocessing="standardize")


def test_a_target_scaler_scales_the_targets_and_predict_maps_back():
    X = np.linspace(-1.0, 1.0, 20)[:, None]
    Y = 300.0 + 50.0 * X
    net = neuronsim.Network.from_spec([("identity", 1), ("identity", 1)], init="constant")
    net.target_scaler = Scaler.fit(Y)
    train(net, X, Y, optimizer=optim.SGD(lr=0.5), epochs=200, progress=False)
    assert np.allclose(net.predict(X), Y, atol=1e-6)
    assert abs(net.weight("x1", "o1")) < 2.0        # it learnt the scaled targets, not 300 + 50x


# --- review of the predictor work: the default loss looks at the targets too ------------------------

def identity_net(inputs, outputs, seed=0):
    return neuronsim.Network.from_spec([("identity", inputs), ("tanh", 4), ("identity", outputs)], seed=seed)


def test_default_loss_is_softmax_cross_entropy_only_for_one_hot_targets():
    net = identity_net(4, 3)
    assert default_loss(net, IRIS.Y) == "softmax_cross_entropy"
    assert default_loss(net, [[0.2, 0.3, 0.5]]) == "softmax_cross_entropy"      # a distribution per row
    assert default_loss(net, datasets.negation().Y) == "squared_error"           # bit vectors, not one class
    assert default_loss(net, [[1.5, -2.0, 7.0]]) == "squared_error"              # regression targets


def test_default_loss_of_a_network_with_a_target_scaler_is_squared_error():
    net = identity_net(4, 3)
    net.target_scaler = Scaler("standardize", [0.0, 0.0, 0.0], [1.0, 1.0, 1.0])
    assert default_loss(net) == "squared_error"
    assert default_loss(net, IRIS.Y) == "squared_error"


def test_default_loss_checks_the_targets_it_is_given():
    with pytest.raises(ShapeError, match="Y has 2 columns but the network has 3 output neurons"):
        default_loss(identity_net(4, 3), [[1.0, 0.0]])


def test_train_without_loss_on_bit_vector_targets_uses_squared_error_not_softmax():
    data = datasets.negation()
    default, chosen = identity_net(4, 3), identity_net(4, 3)
    h1 = train(default, data.X, data.Y, epochs=3, progress=False)
    h2 = train(chosen, data.X, data.Y, loss="squared_error", epochs=3, progress=False)
    assert default.parameters() == chosen.parameters() and h1.loss == h2.loss


def test_train_without_loss_fits_several_regression_targets():
    X = np.linspace(-1.0, 1.0, 30)[:, None]
    Y = np.hstack([2.0 * X + 3.0, -X])
    net = neuronsim.Network.from_spec([("identity", 1), ("identity", 2)], init="constant")
    history = train(net, X, Y, optimizer=optim.SGD(lr=0.5), epochs=300, progress=False)
    assert history.loss[-1] < 1e-6
    assert np.allclose(net.predict(X), Y, atol=1e-3)


def test_a_target_that_the_target_scaler_overflows_is_named_as_y():
    net = neuronsim.Network.from_spec([("identity", 1), ("identity", 1)], init="constant")
    net.target_scaler = Scaler("standardize", [0.0], [1e-300])
    with pytest.raises(neuronsim.errors.NonFiniteError, match=r"^Y scaled by net.target_scaler: transform: row 1, column 0 goes "
                                             r"beyond the float range"):
        train(net, [[0.0], [1.0]], [[0.0], [1e10]], loss="squared_error", epochs=1, progress=False)


def test_a_validation_row_that_the_preprocessing_overflows_is_named_as_x_val():
    net = neuronsim.Network.from_spec([("identity", 1), ("identity", 1)], init="constant")
    with pytest.raises(neuronsim.errors.NonFiniteError, match=r"^X_val scaled by the preprocessing: transform: row 0, column 0"):
        train(net, [[0.0], [1e-10]], [[0.0], [1.0]], loss="squared_error", epochs=1, progress=False,
              preprocessing="standardize", validation=([[1e308]], [[0.0]]))
    assert net.preprocessing is None


@pytest.mark.parametrize("Y_pred, error, words", [
    ([[float("nan")]], ValueRangeError, r"Y_pred\[0, 0\] is nan; values must be finite"),
    ([[10**400]], ValueRangeError, "Y_pred holds an integer too large for a float"),
    ([["0.9"]], NeuronsimTypeError, "must be numeric arrays"),
], ids=["nan", "huge-int", "text"])
def test_a_metric_refuses_predictions_that_are_not_finite_numbers(Y_pred, error, words):
    # a NaN output would otherwise count quietly as a wrong class
    for metric in (neuronsim.metrics.accuracy, neuronsim.metrics.mse, neuronsim.metrics.max_error):
        with pytest.raises(error, match=words):
            metric([[1.0]], Y_pred)


# --- review: a single-output classifier remembers the targets it was trained toward ---------------

def single_output(activation):
    return neuronsim.Network.from_spec([("identity", 2), ("tanh", 4), (activation, 1)], seed=0)


def test_a_tanh_output_trained_on_0_1_targets_records_them_and_classifies_like_accuracy():
    data = datasets.moons(n=60, noise=0.1)
    net = single_output("tanh")
    train(net, data.X, data.Y, epochs=60, progress=False)
    assert net.class_targets == (0.0, 1.0)
    net.classes = data.classes
    predicted = net.predict_classes(data.X) == np.array(data.classes)[data.labels]
    assert predicted.mean() == neuronsim.metrics.accuracy(data.Y, net.predict(data.X))


@pytest.mark.parametrize("activation, Y, expected", [
    ("tanh", [[-1.0], [1.0], [1.0], [-1.0]], None),           # ±1 on tanh: its default
    ("sigmoid", XOR_Y, None),                                   # 0/1 on sigmoid: its default
    ("identity", [[2.0], [5.0], [5.0], [2.0]], (2.0, 5.0)),
    ("tanh", [[0.1], [0.2], [0.3], [0.4]], "kept"),             # not two classes: left as it was
])
def test_training_records_two_target_values_only_when_they_are_not_the_default(activation, Y, expected):
    net = single_output(activation)
    net.class_targets = (-3.0, 3.0)
    loss = "binary_cross_entropy" if activation == "sigmoid" else "squared_error"
    train(net, XOR_X, Y, loss=loss, epochs=1, progress=False)
    assert net.class_targets == ((-3.0, 3.0) if expected == "kept" else expected)


def test_a_bad_argument_leaves_the_class_targets_as_they_were():
    net = single_output("tanh")
    with pytest.raises(TrainingError):
        train(net, XOR_X, XOR_Y, epochs=0, progress=False)
    assert net.class_targets is None


def test_training_refuses_a_preprocessing_set_for_inputs_since_reordered():
    net = iris_net()
    net.preprocessing = Scaler.fit(IRIS.X)
    net.set_inputs(["x4", "x3", "x2", "x1"])
    before = net.parameters()
    with pytest.raises(ShapeError, match=r"preprocessing: set for the input neurons \(x1, x2, x3, x4\), but they are now"):
        fit(net, IRIS.X[:, ::-1], IRIS.Y)
    assert net.parameters() == before


@pytest.mark.parametrize("metric", ["accuracy", "mse", "max_error"])
def test_a_metric_of_no_rows_is_an_error_not_nan(metric):
    from neuronsim import metrics
    from neuronsim.errors import ShapeError

    with pytest.raises(ShapeError, match="at least one row"):
        getattr(metrics, metric)(np.zeros((0, 1)), np.zeros((0, 1)))


def test_a_huge_negative_count_is_refused_in_a_short_message():
    with pytest.raises(TrainingError, match=r"^epochs must be an integer >= 1, got <-integer of about 5001 digits>$") as err:
        fit(xor_net(), epochs=-10 ** 5000)               # its full str would be a ValueError
    assert len(str(err.value)) < 300


def test_bad_training_arguments_are_quoted_briefly():
    huge = ["x" * 10 ** 5] * 10 ** 3
    for kwargs in (dict(stop=[huge]), dict(reduction="r" * 10 ** 6), dict(metrics=["m" * 10 ** 6])):
        with pytest.raises(neuronsim.NeuronsimError) as err:
            fit(xor_net(), epochs=1, **kwargs)
        assert len(str(err.value)) < 400


def test_metrics_refuse_empty_arrays_rather_than_returning_nan():
    for metric in (neuronsim.metrics.accuracy, neuronsim.metrics.mse, neuronsim.metrics.max_error):
        with pytest.raises(ShapeError, match="at least one row"):
            metric(np.zeros((0, 1)), np.zeros((0, 1)))


@pytest.mark.parametrize("engine", ["object", "fast"])
def test_after_a_pass_overflows_the_graph_holds_finite_weights_and_zero_gradients(engine):
    net = neuronsim.Network.from_spec([("identity", 2), ("identity", 3), ("identity", 1)], seed=0)
    X, Y = np.array([[1.0, 2.0], [1e308, 1e308], [0.5, 0.5]]), np.array([[1.0], [2.0], [0.0]])
    with pytest.raises(DivergenceError, match="input row 1"):
        train(net, X, Y, loss="squared_error", optimizer=optim.SGD(lr=0.1), epochs=1, batch_size=1,
              shuffle=False, progress=False, engine=engine)
    edges = list(net.graph.edges(data=True))
    assert all(math.isfinite(data["weight"]) for _, _, data in edges)
    assert [data["grad"] for _, _, data in edges] == [0.0] * len(edges)


@pytest.mark.parametrize("engine", ["object", "fast"])
def test_gradients_that_overflow_on_a_finite_pass_are_not_stored_in_the_graph(engine):
    net = neuronsim.Network.from_spec([("identity", 1), ("identity", 1)], seed=0)
    net.set_weight("x1", "o1", 1e-150)
    before = net.parameters()
    with pytest.raises(DivergenceError, match="weight of edge x1 -> o1 became"):
        train(net, np.array([[1e250], [1.0]]), np.array([[0.0], [0.0]]), loss="squared_error",
              optimizer=optim.SGD(lr=0.1), epochs=1, batch_size=2, shuffle=False, progress=False,
              engine=engine, reduction="sum")
    assert net.parameters() == before
    assert net.graph.edges["x1", "o1"]["grad"] == 0.0 and net["o1"].bias_grad == 0.0

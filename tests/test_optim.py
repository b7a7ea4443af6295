"""Optimizers and schedules: each update rule against its formula, computed by hand."""

import numpy as np
import pytest

import neuronsim
from neuronsim import optim
from neuronsim.errors import NeuronsimTypeError, TrainingError
from neuronsim import train


def one_weight_net(w=1.0):
    """x1 -> o1, identity units, bias 0: E = ½(w·x − t)²."""
    net = neuronsim.Network.from_spec([("identity", 1), ("identity", 1)], init="constant")
    net.set_weight("x1", "o1", w)
    return net


def weight_trajectory(optimizer, epochs=3):
    """Weights after each of ``epochs`` updates on x = 2, t = 1, the bias frozen."""
    net = one_weight_net()
    seen = []
    train(net, [[2.0]], [[1.0]], loss="squared_error", optimizer=optimizer, epochs=epochs,
          reduction="sum", freeze=["o1"], progress=False,
          callbacks=lambda net, history: seen.append(net.weight("x1", "o1")))
    return np.array(seen)


def test_momentum_follows_rhw_eq9_over_three_steps():
    # ∂E/∂w = (2w − 1)·2. w0 = 1: g = 2, Δ1 = −0.2 → w = 0.8; g = 1.2, Δ2 = −0.12 + 0.9·(−0.2)
    # = −0.30 → w = 0.5; g = 0, Δ3 = 0.9·(−0.30) = −0.27 → w = 0.23.
    weights = weight_trajectory(optim.SGD(lr=0.1, momentum=0.9))
    np.testing.assert_allclose(np.diff(np.r_[1.0, weights]), [-0.2, -0.3, -0.27], atol=1e-12)


def test_nesterov_matches_its_formula_and_differs_from_plain_momentum():
    eps, alpha, w, v, expected = 0.1, 0.9, 1.0, 0.0, []
    for _ in range(3):
        g = (2 * w - 1) * 2
        v = alpha * v - eps * g
        w += alpha * v - eps * g
        expected.append(w)
    nesterov = weight_trajectory(optim.SGD(lr=eps, momentum=alpha, nesterov=True))
    np.testing.assert_allclose(nesterov, expected, atol=1e-12)
    assert not np.allclose(nesterov, weight_trajectory(optim.SGD(lr=eps, momentum=alpha)))


def test_plain_sgd_steps_against_the_gradient():
    assert optim.SGD(lr=0.5).update(["w"], [1.0], [0.2]).tolist() == [0.9]


def test_weight_decay_adds_lambda_w_to_the_gradient():
    new = optim.SGD(lr=0.1, weight_decay=0.01).update(["w"], [2.0], [0.5])
    assert new[0] == pytest.approx(2.0 - 0.1 * (0.5 + 0.01 * 2.0))


def test_proportional_decay_shrinks_each_weight_after_its_change():
    new = optim.SGD(lr=0.1, decay=0.002).update(["w", "b"], [2.0, -1.0], [0.5, 0.0])
    np.testing.assert_allclose(new, [(1 - 0.002) * (2.0 - 0.05), (1 - 0.002) * -1.0])


def test_adam_first_steps_match_the_paper():
    beta1, beta2, eps, lr = 0.9, 0.999, 1e-8, 0.01
    grads = [np.array([0.5, -2.0]), np.array([0.1, 1.0]), np.array([-0.3, 0.0])]
    w, m, v = np.array([1.0, -1.0]), np.zeros(2), np.zeros(2)
    adam, got = optim.Adam(lr=lr), np.array([1.0, -1.0])
    for t, g in enumerate(grads, start=1):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        w = w - lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
        got = adam.update(["a", "b"], got, g)
        np.testing.assert_allclose(got, w, rtol=1e-12)


def test_state_follows_keys_when_parameters_come_and_go():
    sgd = optim.SGD(lr=0.1, momentum=0.5)
    sgd.update(["a", "b"], [0.0, 0.0], [1.0, 2.0])
    new = sgd.update(["b", "c"], [0.0, 0.0], [0.0, 1.0])
    assert set(sgd.state) == {"b", "c"}
    # b keeps its velocity (−0.2 · 0.5); c starts fresh (−0.1 · 1).
    np.testing.assert_allclose(new, [-0.1, -0.1])


def test_adam_step_count_is_per_parameter():
    adam = optim.Adam(lr=0.01)
    adam.update(["old"], [0.0], [1.0])
    adam.update(["old", "new"], [0.0, 0.0], [1.0, 1.0])
    assert adam.state["old"]["t"] == 2.0 and adam.state["new"]["t"] == 1.0


def test_step_writes_new_parameters_into_the_graph():
    net = one_weight_net()
    net.forward([2.0])
    net.backward([1.0])
    optim.SGD(lr=0.1).step(net)
    assert net.graph.edges["x1", "o1"]["weight"] == pytest.approx(0.8)
    assert net["o1"].bias == pytest.approx(-0.1)


def test_step_leaves_frozen_parameters_alone():
    net = one_weight_net()
    net.forward([2.0])
    net.backward([1.0])
    optim.SGD(lr=0.1).step(net, freeze=[("x1", "o1")])
    assert net.weight("x1", "o1") == 1.0 and net["o1"].bias == pytest.approx(-0.1)


def test_step_decay_schedule():
    assert [optim.StepDecay(every=3, gamma=0.1)(e, 1.0) for e in (0, 2, 3, 6)] == pytest.approx(
        [1.0, 1.0, 0.1, 0.01])


def test_exponential_decay_schedule():
    assert optim.ExponentialDecay(0.9)(3, 2.0) == pytest.approx(2.0 * 0.9 ** 3)


def test_linear_decay_goes_from_the_base_rate_to_end_over_n_epochs():
    lrs = [optim.LinearDecay(end=0.1, epochs=10)(e, 1.0) for e in range(12)]
    np.testing.assert_allclose(lrs, [1.0 - 0.09 * e for e in range(11)] + [0.1])


def test_train_records_the_scheduled_rate_of_each_epoch():
    sgd = optim.SGD(lr=1.0, schedule=optim.LinearDecay(end=0.1, epochs=4))
    history = train(one_weight_net(0.0), [[1.0]], [[0.0]], loss="squared_error", optimizer=sgd,
                    epochs=6, progress=False)
    np.testing.assert_allclose(history.lr, [1.0, 0.775, 0.55, 0.325, 0.1, 0.1])


@pytest.mark.parametrize("kwargs, fragment", [
    ({"lr": 0.0}, "lr must be > 0, got 0.0"),
    ({"lr": -0.5}, "lr must be > 0"),
    ({"lr": 0.1, "momentum": 1.0}, "momentum must be in [0, 1), got 1.0"),
    ({"lr": 0.1, "momentum": -0.1}, "momentum must be in [0, 1)"),
    ({"lr": 0.1, "decay": 1.0}, "decay must be in [0, 1)"),
    ({"lr": 0.1, "weight_decay": -1.0}, "weight_decay must be >= 0"),
])
def test_bad_sgd_settings_are_refused_with_the_argument_named(kwargs, fragment):
    with pytest.raises(TrainingError, match=fragment.replace("[", r"\[").replace(")", r"\)")):
        optim.SGD(**kwargs)


def test_non_numeric_learning_rate_is_a_type_error():
    with pytest.raises(NeuronsimTypeError, match="lr must be a real number"):
        optim.Adam(lr="fast")


def test_adam_betas_must_lie_in_unit_interval():
    with pytest.raises(TrainingError, match=r"betas\[1\] must be in \[0, 1\)"):
        optim.Adam(betas=(0.9, 1.0))


def test_unknown_optimizer_name_lists_the_known_ones():
    with pytest.raises(TrainingError, match="unknown optimizer 'rmsprop'; known: adam, sgd"):
        optim.get("rmsprop")


def test_optimizer_names_give_default_instances():
    assert isinstance(optim.get("SGD"), optim.SGD) and optim.get("adam").lr == 0.001


def test_a_schedule_that_gives_a_non_positive_rate_is_refused():
    sgd = optim.SGD(lr=1.0, schedule=lambda epoch, lr: lr - epoch)
    with pytest.raises(TrainingError, match="lr of epoch 1"):
        sgd.lr_at(1)


def test_a_step_that_diverges_leaves_the_optimizer_state_unchanged():
    import numpy as np
    from neuronsim import optim as _optim

    sgd = _optim.SGD(lr=0.1, momentum=0.5)
    sgd.update(["w"], [1.0], [1.0])
    before = sgd.state
    new = sgd.update(["w"], [1.0], [float("inf")])
    assert not np.isfinite(new).all()
    assert sgd.state == before


def test_update_refuses_keys_values_and_gradients_of_different_lengths():
    import pytest as _pytest
    from neuronsim import optim as _optim
    from neuronsim.errors import ShapeError

    with _pytest.raises(ShapeError, match="one entry per parameter"):
        _optim.SGD(momentum=0.5).update(["a", "b"], [1.0], [1.0, 2.0])


# --- numbers beyond the float range (issue 4) ----------------------------------------------------

HUGE = 10**400


@pytest.mark.parametrize("make, name", [
    (lambda: optim.SGD(lr=HUGE), "lr"),
    (lambda: optim.SGD(momentum=HUGE), "momentum"),
    (lambda: optim.SGD(weight_decay=HUGE), "weight_decay"),
    (lambda: optim.Adam(decay=HUGE), "decay"),
    (lambda: optim.Adam(eps=HUGE), "eps"),
    (lambda: optim.Adam(betas=(HUGE, 0.9)), r"betas\[0\]"),
    (lambda: optim.ExponentialDecay(gamma=HUGE), "gamma"),
    (lambda: optim.StepDecay(every=2, gamma=HUGE), "gamma"),
    (lambda: optim.LinearDecay(end=HUGE, epochs=10), "end"),
    (lambda: optim.LinearDecay(end=0.1, epochs=HUGE), "epochs"),
], ids=["lr", "momentum", "weight_decay", "decay", "eps", "betas", "exp-gamma", "step-gamma",
        "end", "linear-epochs"])
def test_an_integer_beyond_the_float_range_is_refused_with_the_argument_named(make, name):
    with pytest.raises(TrainingError, match=name + r" must be .*, got 1000.*0, too large for a float"):
        make()


def test_a_huge_integer_learning_rate_in_a_saved_file_is_a_spec_error(tmp_path):
    net = one_weight_net()
    path = tmp_path / "net.json"
    net.save(path, optimizer=optim.SGD(lr=0.5))
    path.write_text(path.read_text().replace('"lr": 0.5', '"lr": 1' + "0" * 400))
    with pytest.raises(neuronsim.errors.SpecError, match=r"optimizer.config: lr must be > 0, got 1000.*too large"):
        neuronsim.load(path)


# --- schedules that leave the float range (issue 11) -----------------------------------------------

def test_a_rate_beyond_the_float_range_is_refused_naming_the_schedule_epoch_and_value():
    adam = optim.Adam(lr=1.0, schedule=optim.ExponentialDecay(gamma=1e10))
    with pytest.raises(TrainingError, match=r"lr of epoch 31 \(from the schedule ExponentialDecay\(gamma="
                                            r"10000000000.0\)\) must be > 0, got inf"):
        adam.lr_at(31)


def test_a_rate_whose_power_alone_overflows_is_still_computed():
    # 1e-300 · (1e10)^31 = 1e10: only the intermediate γ^31 is beyond the float range
    adam = optim.Adam(lr=1e-300, schedule=optim.ExponentialDecay(gamma=1e10))
    assert adam.lr_at(31) == pytest.approx(1e10, rel=1e-12)
    assert optim.StepDecay(every=2, gamma=1e10)(62, 1e-300) == pytest.approx(1e10, rel=1e-12)
    with pytest.raises(TrainingError, match="lr of epoch 61 .*got inf"):
        adam.lr_at(61)


@pytest.mark.parametrize("schedule", [optim.ExponentialDecay(gamma=1e10), optim.StepDecay(every=1, gamma=1e10)],
                         ids=["exponential", "step"])
def test_training_stops_with_an_error_when_the_scheduled_rate_overflows_before_changing_a_weight(schedule):
    net = one_weight_net()                                # x = 0, t = b = 0: every gradient is 0
    seen = []
    with pytest.raises(TrainingError, match=r"lr of epoch 31 \(from the schedule \w+Decay\(.*\)\) must be > 0, got inf") as err:
        train(net, [[0.0]], [[0.0]], loss="squared_error", optimizer=optim.SGD(lr=1.0, schedule=schedule),
              epochs=100, progress=False, callbacks=lambda net, history: seen.append(history.lr[-1]))
    assert err.value.history.epochs == 31 and len(seen) == 31 and seen[-1] == pytest.approx(1e300)
    assert net.parameters() == [1.0, 0.0]


def test_a_schedule_called_directly_checks_its_arguments():
    with pytest.raises(NeuronsimTypeError, match="epoch must be an integer >= 0, got 'a'"):
        optim.ExponentialDecay(0.5)("a", 1.0)
    with pytest.raises(TrainingError, match="lr must be > 0, got nan"):
        optim.StepDecay(2)(1, float("nan"))


def test_a_schedule_that_raises_an_arithmetic_error_is_named_with_the_epoch():
    def broken(epoch, lr):
        return lr / (epoch - 2)

    with pytest.raises(TrainingError, match=r"lr of epoch 2 \(from the schedule <function .*broken.*>\) could "
                                            r"not be computed: float division by zero"):
        optim.SGD(lr=1.0, schedule=broken).lr_at(2)


# --- a refused step changes nothing (issue 13) -----------------------------------------------------

def snapshot(optimizer):
    return optimizer._keys, {slot: values.tolist() for slot, values in optimizer._slots.items()}


def test_a_fresh_adam_step_with_an_infinite_gradient_is_refused_and_creates_no_state():
    net = one_weight_net()
    net.graph.edges["x1", "o1"]["grad"] = float("inf")
    adam = optim.Adam()
    with pytest.raises(neuronsim.errors.ValueRangeError,
                       match=r"gradient of the weight of edge x1 -> o1 is inf; nothing was changed"):
        adam.step(net)
    assert adam.state == {} and net.parameters() == [1.0, 0.0]


def test_a_refused_step_after_remove_neuron_keeps_the_removed_neurons_state():
    net = neuronsim.Network.from_spec([("identity", 1), ("identity", 2), ("identity", 1)], init="constant")
    net.forward([1.0])
    net.backward([0.0])
    adam = optim.Adam(lr=0.01)
    adam.step(net)
    before, params = snapshot(adam), net.parameters()
    net.remove_neuron("h2")
    net.graph.edges["h1", "o1"]["grad"] = float("nan")
    with pytest.raises(neuronsim.errors.ValueRangeError, match="edge h1 -> o1 is nan"):
        adam.step(net)
    assert snapshot(adam) == before                      # h2's moments and step counts included
    assert "h2" in adam.state and adam.state["h2"]["t"] == 1.0


def test_a_step_whose_update_overflows_on_finite_numbers_is_a_non_finite_error_that_changes_nothing():
    net = one_weight_net(1e308)
    net.graph.edges["x1", "o1"]["grad"] = -1e308
    sgd = optim.SGD(lr=10.0, momentum=0.5)
    sgd.update([("x1", "o1"), "o1"], [1e308, 0.0], [0.0, 0.0])      # some state to keep
    before = snapshot(sgd)
    with pytest.raises(neuronsim.errors.NonFiniteError,
                       match=r"the weight of edge x1 -> o1 would become inf .*nothing was changed"):
        sgd.step(net)
    assert snapshot(sgd) == before and net.parameters() == [1e308, 0.0]


def test_update_with_a_result_that_is_not_finite_keeps_keys_and_state():
    adam = optim.Adam()
    adam.update(["a", "b"], [0.0, 0.0], [1.0, 1.0])
    before = snapshot(adam)
    new = adam.update(["b", "c"], [0.0, 0.0], [float("nan"), 1.0])
    assert np.isnan(new[0]) and snapshot(adam) == before


def test_update_checks_the_learning_rate_it_is_given():
    sgd = optim.SGD()
    for lr, error in ((-1.0, TrainingError), ("a", NeuronsimTypeError), (HUGE, TrainingError)):
        with pytest.raises(error, match="lr must be"):
            sgd.update(["w"], [1.0], [1.0], lr=lr)
    assert sgd.state == {}


def test_load_state_refuses_values_that_are_not_finite_and_keeps_the_old_state():
    sgd = optim.SGD(momentum=0.5)
    sgd.load_state(["a"], {"velocity": [0.25]})
    with pytest.raises(neuronsim.errors.ValueRangeError, match=r"state slot 'velocity' of parameter 'b' must be finite, got inf"):
        sgd.load_state(["a", "b"], {"velocity": [0.0, float("inf")]})
    assert sgd.state == {"a": {"velocity": 0.25}}


def test_step_names_an_integer_weight_beyond_the_float_range_instead_of_overflowing():
    net = neuronsim.Network.from_spec([("identity", 1), ("identity", 1)], init="constant")
    net.graph.edges["x1", "o1"]["weight"] = 10 ** 400
    with pytest.raises(neuronsim.errors.ValueRangeError, match=r"optimizer step refused: the value of the weight "
                                                              r"of edge x1 -> o1 is 1000.*; nothing was changed"):
        optim.SGD(lr=0.1).step(net)

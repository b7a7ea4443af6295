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

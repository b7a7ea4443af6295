"""Specification of neuronsim.losses: built-in (C, ∂C/∂a) pairs, fused forms, and the registry."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import close
from neuronsim import Network, losses
from neuronsim.errors import LossError, NeuronsimError, NeuronsimTypeError
from neuronsim.losses import Loss


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


def numeric_gradient(f, a, t, h=1e-5):
    """∂f/∂a_j by central differences with one Richardson step."""
    grads = []
    for j in range(len(a)):
        def central(step):
            up, down = list(a), list(a)
            up[j] += step
            down[j] -= step
            return (f(up, t) - f(down, t)) / (up[j] - down[j])
        grads.append((4 * central(h / 2) - central(h)) / 3)
    return grads


def test_builtins_are_registered():
    assert losses.available() == sorted(losses.available())
    assert {"squared_error", "mse", "binary_cross_entropy", "softmax_cross_entropy"} <= set(losses.available())


@pytest.mark.parametrize("alias, name", [("bce", "binary_cross_entropy"), ("cross_entropy", "softmax_cross_entropy"),
                                         ("ce", "softmax_cross_entropy"), ("CE", "softmax_cross_entropy"),
                                         ("Cross-Entropy", "softmax_cross_entropy"),
                                         ("mean_squared_error", "mse"), ("MSE", "mse"),
                                         ("Binary Cross Entropy", "binary_cross_entropy")])
def test_aliases_resolve_to_the_builtin(alias, name):
    assert losses.get(alias) is losses.get(name)


@pytest.mark.parametrize("name", ["sse", "l2", "L2"])
def test_ambiguous_squared_loss_names_are_refused_with_the_choices(name):
    with pytest.raises(LossError, match=r"is ambiguous: .*'squared_error' is ½ Σ \(a − t\)².*'mse' is the mean") as err:
        losses.get(name)
    assert "name one of: binary_cross_entropy, mse, softmax_cross_entropy, squared_error" in str(err.value)


def test_mse_alias_gives_the_torch_and_sklearn_number():
    # torch.nn.MSELoss()(a, t) for one case: mean over outputs of (a − t)²
    assert losses.get("mse").f([1.0, 4.0], [0.0, 0.0]) == 8.5
    assert losses.get("mse").vf(np.array([[1.0, 4.0]]), np.array([[0.0, 0.0]])).tolist() == [8.5]
    assert losses.get("mse").df([1.0, 4.0], [0.0, 0.0]) == [1.0, 4.0]


def test_available_lists_canonical_names_only():
    assert losses.available() == ["binary_cross_entropy", "mse", "softmax_cross_entropy", "squared_error"]


def test_an_alias_works_as_the_loss_of_backward_and_of_the_fast_engine():
    net = Network.from_spec([("identity", 2), ("identity", 3)], seed=0)
    x, t = [0.5, -1.0], [0.0, 1.0, 0.0]
    net.forward(x)
    assert net.backward(t, "ce") == net.backward(t, "softmax_cross_entropy")
    engine = net.compile()
    engine.forward([x])
    assert engine.backward([t], "ce") == pytest.approx(net.loss(x, t, "softmax_cross_entropy"), rel=1e-12)


def test_unknown_loss_message_lists_the_aliases_too():
    with pytest.raises(LossError, match=r"unknown loss 'hinge'; known: .* \(aliases: .*bce.*ce.*mean_squared_error"):
        losses.get("hinge")


def test_unknown_loss_lists_the_known_ones():
    with pytest.raises(LossError, match=r"unknown loss 'hinge'; known: binary_cross_entropy, mse"):
        losses.get("hinge")


def test_get_with_a_non_name_is_a_type_error():
    with pytest.raises(NeuronsimTypeError, match="loss must be a name or a Loss, got list"):
        losses.get(["mse"])


def test_get_passes_a_loss_through():
    loss = losses.get("mse")
    assert losses.get(loss) is loss


# --- values ------------------------------------------------------------------------------------


def test_squared_error_is_half_the_sum_of_squares():
    assert losses.get("squared_error").f([0.5, 0.2], [1.0, 0.0]) == pytest.approx(0.145, rel=1e-15)


def test_mse_is_the_mean_of_squares():
    assert losses.get("mse").f([0.5, 0.2], [1.0, 0.0]) == pytest.approx(0.145, rel=1e-15)
    assert losses.get("mse").f([3.0], [1.0]) == 4.0


def test_binary_cross_entropy_value():
    value = losses.get("binary_cross_entropy").f([0.8, 0.3], [1.0, 0.0])
    assert value == pytest.approx(-math.log(0.8) - math.log(0.7), rel=1e-14)


def test_binary_cross_entropy_is_finite_at_exactly_zero_and_one():
    bce = losses.get("binary_cross_entropy")
    assert math.isfinite(bce.f([0.0, 1.0], [1.0, 0.0]))
    assert all(math.isfinite(g) for g in bce.df([0.0, 1.0], [1.0, 0.0]))


def test_softmax_cross_entropy_value_is_log_sum_exp_minus_target_logit():
    z = [1.0, -0.5, 2.0]
    expected = math.log(sum(math.exp(v) for v in z)) - z[2]
    assert losses.get("softmax_cross_entropy").f(z, [0.0, 0.0, 1.0]) == pytest.approx(expected, rel=1e-14)


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    sce = losses.get("softmax_cross_entropy")
    assert sce.f([1e4, -1e4, 0.0], [1.0, 0.0, 0.0]) == 0.0
    assert sce.f([1e4, -1e4, 0.0], [0.0, 1.0, 0.0]) == 2e4
    assert sce.df([1e4, -1e4, 0.0], [0.0, 1.0, 0.0]) == [1.0, -1.0, 0.0]


def test_softmax_cross_entropy_gradient_is_softmax_minus_one_hot_target():
    z = [0.3, -1.2, 0.9]
    norm = sum(math.exp(v) for v in z)
    expected = [math.exp(v) / norm - t for v, t in zip(z, [0.0, 1.0, 0.0])]
    assert losses.get("softmax_cross_entropy").df(z, [0.0, 1.0, 0.0]) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("name", ["squared_error", "mse"])
def test_squared_losses_of_huge_finite_outputs_do_not_raise_overflow_error(name):
    try:
        value = losses.get(name).f([1e200], [0.0])
    except NeuronsimError:
        return
    assert value == math.inf


def test_network_loss_of_a_huge_finite_output_does_not_raise_overflow_error():
    net = Network()
    net.add_neuron("x", "identity")
    net.add_neuron("o", "identity")
    net.connect("x", "o", 1e200)
    try:
        value = net.loss([1.0], [0.0])
    except NeuronsimError:
        return
    assert value == math.inf


# --- gradients against finite differences ------------------------------------------------------

_logit = st.floats(-6.0, 6.0)
_probability = st.floats(0.02, 0.98)
_target = st.floats(0.0, 1.0)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(-3.0, 3.0), st.floats(-3.0, 3.0)), min_size=1, max_size=4))
def test_squared_error_gradient_equals_finite_differences(pairs):
    a, t = map(list, zip(*pairs))
    loss = losses.get("squared_error")
    assert all(close(g, n) for g, n in zip(loss.df(a, t), numeric_gradient(loss.f, a, t)))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(-3.0, 3.0), st.floats(-3.0, 3.0)), min_size=1, max_size=4))
def test_mse_gradient_equals_finite_differences(pairs):
    a, t = map(list, zip(*pairs))
    loss = losses.get("mse")
    assert all(close(g, n) for g, n in zip(loss.df(a, t), numeric_gradient(loss.f, a, t)))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(_probability, _target), min_size=1, max_size=4))
def test_binary_cross_entropy_gradient_equals_finite_differences(pairs):
    a, t = map(list, zip(*pairs))
    loss = losses.get("binary_cross_entropy")
    assert all(close(g, n) for g, n in zip(loss.df(a, t), numeric_gradient(loss.f, a, t)))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(_logit, st.floats(0.01, 1.0)), min_size=1, max_size=4))
def test_softmax_cross_entropy_gradient_equals_finite_differences(pairs):
    z, mass = map(list, zip(*pairs))
    t = [m / sum(mass) for m in mass]
    loss = losses.get("softmax_cross_entropy")
    assert all(close(g, n) for g, n in zip(loss.df(z, t), numeric_gradient(loss.f, z, t)))


# --- fused forms -------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(_logit, _target), min_size=1, max_size=4))
def test_fused_binary_cross_entropy_on_sigmoid_equals_the_loss_of_the_sigmoid(pairs):
    z, t = map(list, zip(*pairs))
    value, _ = losses.get("binary_cross_entropy").fused["sigmoid"]
    a = [sigmoid(v) for v in z]
    assert value(z, t) == pytest.approx(losses.get("binary_cross_entropy").f(a, t), rel=1e-12)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(_logit, _target), min_size=1, max_size=4))
def test_fused_binary_cross_entropy_delta_equals_the_chain_rule_product(pairs):
    z, t = map(list, zip(*pairs))
    bce = losses.get("binary_cross_entropy")
    _, delta = bce.fused["sigmoid"]
    a = [sigmoid(v) for v in z]
    product = [g * x * (1 - x) for g, x in zip(bce.df(a, t), a)]
    assert delta(z, a, t) == pytest.approx(product, rel=1e-9, abs=1e-12)


def test_fused_binary_cross_entropy_value_is_finite_for_huge_logits():
    value, _ = losses.get("binary_cross_entropy").fused["sigmoid"]
    assert value([1e4], [0.0]) == 1e4
    assert value([-1e4], [0.0]) == 0.0


# --- constraints checked at the door ----------------------------------------------------------


def test_binary_cross_entropy_targets_must_lie_in_zero_one():
    assert losses.get("binary_cross_entropy").target_range == (0.0, 1.0)


def test_softmax_cross_entropy_needs_identity_outputs():
    assert losses.get("softmax_cross_entropy").output_activation == "identity"


# --- constructing and registering --------------------------------------------------------------


def test_loss_needs_callables():
    with pytest.raises(NeuronsimTypeError, match="loss 'broken': df must be callable"):
        Loss("broken", lambda a, t: 0.0, None)


def test_loss_needs_a_name():
    with pytest.raises(NeuronsimTypeError, match="non-empty string"):
        Loss(None, lambda a, t: 0.0, lambda a, t: [0.0])


def test_registered_loss_drives_backward(isolated_registries):
    quartic = Loss("quartic", lambda a, t: sum((x - y) ** 4 for x, y in zip(a, t)),
                   lambda a, t: [4 * (x - y) ** 3 for x, y in zip(a, t)])
    losses.register(quartic)
    net = Network.from_spec([("identity", 1), ("identity", 1)], init="constant")
    net.forward([3.0])
    assert net.backward([1.0], "quartic") == 16.0
    assert net["o1"].delta == 32.0


def test_register_refuses_a_taken_name(isolated_registries):
    with pytest.raises(LossError, match="'mse' is already registered; pass overwrite=True"):
        losses.register(Loss("mse", lambda a, t: 0.0, lambda a, t: [0.0]))


def test_register_refuses_an_alias(isolated_registries):
    with pytest.raises(LossError, match="'bce' is already registered"):
        losses.register(Loss("bce", lambda a, t: 0.0, lambda a, t: [0.0]))


def test_register_takes_only_a_loss(isolated_registries):
    with pytest.raises(NeuronsimTypeError, match=r"register\(\) takes a Loss"):
        losses.register("mse")


def test_loss_errors_are_neuronsim_errors():
    assert issubclass(LossError, NeuronsimError)


# --- softmax cross-entropy at any scale of logits ----------------------------------------------

def _within_ulps(x, y, n=4, scale=0.0):
    return abs(x - y) <= n * math.ulp(max(abs(x), abs(y), scale))


@pytest.mark.parametrize("logit", [2.0 ** 34, 1e16, 1e300, -1e300])
def test_softmax_cross_entropy_of_equal_huge_logits_is_log_2(logit):
    sce = losses.get("softmax_cross_entropy")
    assert sce.f([logit, logit], [0.5, 0.5]) == math.log(2.0)
    assert sce.df([logit, logit], [0.5, 0.5]) == [0.0, 0.0]
    assert sce.vf(np.array([[logit, logit]]), np.array([[0.5, 0.5]])).tolist() == [math.log(2.0)]
    assert sce.vdf(np.array([[logit, logit]]), np.array([[0.5, 0.5]])).tolist() == [[0.0, 0.0]]


def test_softmax_cross_entropy_of_logits_far_beyond_each_other_is_finite_where_the_target_is_zero():
    sce = losses.get("softmax_cross_entropy")
    z, t = [1.7e308, -1.7e308], [1.0, 0.0]     # z₂ − z₁ is −inf: softmax is exactly (1, 0)
    assert sce.f(z, t) == 0.0 and sce.df(z, t) == [0.0, 0.0]
    assert sce.vf(np.array([z]), np.array([t])).tolist() == [0.0]
    assert sce.vdf(np.array([z]), np.array([t])).tolist() == [[0.0, 0.0]]


_exact_grid = st.tuples(st.integers(-10, 960),
                        st.lists(st.integers(-2 ** 20, 2 ** 20), min_size=1, max_size=5),
                        st.integers(-2 ** 30, 2 ** 30),
                        st.lists(st.floats(0.0, 1.0), min_size=5, max_size=5))


@settings(max_examples=200, deadline=None)
@given(_exact_grid)
def test_softmax_cross_entropy_is_invariant_under_an_exactly_representable_shift(case):
    # z_i = k_i 2^e and c = m 2^e: z + c is exact, so is (z + c) − max(z + c); |c| reaches ~1e298
    e, ks, m, mass = case
    z = [math.ldexp(k, e) for k in ks]
    shifted = [math.ldexp(k + m, e) for k in ks]
    t = mass[:len(z)]
    sce = losses.get("softmax_cross_entropy")
    assert _within_ulps(sce.f(shifted, t), sce.f(z, t), 2)
    assert all(_within_ulps(g, h, 2) for g, h in zip(sce.df(shifted, t), sce.df(z, t)))
    Z, S, T = np.array([z]), np.array([shifted]), np.array([t])
    assert _within_ulps(float(sce.vf(S, T)[0]), float(sce.vf(Z, T)[0]), 2)
    assert all(_within_ulps(g, h, 2) for g, h in zip(sce.vdf(S, T)[0], sce.vdf(Z, T)[0]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=5), st.floats(-1e300, 1e300),
       st.lists(st.floats(0.0, 1.0), min_size=5, max_size=5))
def test_softmax_cross_entropy_of_shifted_logits_equals_the_value_from_z_minus_max_z(z, c, mass):
    # whatever rounding z + c suffered, the loss is that of the logits actually given: computed
    # here from d = z − max z with exact sums, the loss and gradient agree to a few ulps
    logits = [v + c for v in z]
    t = mass[:len(z)]
    top = max(logits)
    d = [v - top for v in logits]
    log_norm = math.log(math.fsum(math.exp(v) for v in d))
    loss = -math.fsum(y * (v - log_norm) for y, v in zip(t, d) if y)
    grad = [math.exp(v - log_norm) * math.fsum(t) - y for v, y in zip(d, t)]
    scale = max(abs(log_norm), max(abs(v) for v in d)) * max(1.0, math.fsum(t))
    sce = losses.get("softmax_cross_entropy")
    assert _within_ulps(sce.f(logits, t), loss, 8, scale)
    assert all(_within_ulps(g, r, 8, 1.0) for g, r in zip(sce.df(logits, t), grad))
    L, T = np.array([logits]), np.array([t])
    assert _within_ulps(float(sce.vf(L, T)[0]), loss, 8, scale)
    assert all(_within_ulps(g, r, 8, 1.0) for g, r in zip(sce.vdf(L, T)[0], grad))

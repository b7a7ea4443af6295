"""Specification of neuronsim.init: seeded initialisers over a network's parameters."""

import math

import numpy as np
import pytest

from neuronsim import Network, NeuronsimError, init
from neuronsim.errors import NeuronsimTypeError, ValueRangeError

LAYERS = [("identity", 4), ("tanh", 6), ("sigmoid", 3)]
RANDOM_INITS = ["uniform", "normal", "xavier", "glorot", "he"]


def weights_by_link(net):
    return {(src, dst): w for src, dst, w in net.edges()}


@pytest.mark.parametrize("name", RANDOM_INITS)
def test_same_seed_gives_the_same_network(name):
    a = Network.from_spec(LAYERS, init=name, seed=42)
    b = Network.from_spec(LAYERS, init=name, seed=42)
    assert a.parameters() == b.parameters()


@pytest.mark.parametrize("name", RANDOM_INITS)
def test_different_seeds_give_different_networks(name):
    a = Network.from_spec(LAYERS, init=name, seed=1)
    b = Network.from_spec(LAYERS, init=name, seed=2)
    assert weights_by_link(a) != weights_by_link(b)


def test_no_seed_draws_fresh_values_each_time():
    assert Network.from_spec(LAYERS).parameters() != Network.from_spec(LAYERS).parameters()


def test_apply_with_a_seed_reproduces_from_spec_with_that_seed():
    a = Network.from_spec(LAYERS, init="he", seed=7)
    b = Network.from_spec(LAYERS, init="constant")
    assert init.apply(b, "he", seed=7).parameters() == a.parameters()


def test_apply_returns_the_network_it_changed_in_place():
    net = Network.from_spec(LAYERS, init="constant")
    assert init.apply(net, "xavier", seed=0) is net
    assert net.parameters() != Network.from_spec(LAYERS, init="constant").parameters()


def test_apply_leaves_kept_parameters_alone():
    net = Network.from_spec(LAYERS, init="constant")
    init.apply(net, "normal", seed=0, keep=[("x1", "h1"), "o2"])
    assert net.weight("x1", "h1") == 1.0
    assert net["o2"].bias == 0.0
    assert net.weight("x2", "h1") != 1.0


def test_default_initialiser_is_xavier_with_zero_biases():
    net = Network.from_spec(LAYERS, seed=3)
    assert net.parameters() == init.apply(Network.from_spec(LAYERS, init="constant"), "xavier", seed=3).parameters()
    assert all(n.bias == 0.0 for n in net.neurons)


def test_constant_sets_every_weight_and_bias():
    net = Network.from_spec(LAYERS, init=init.constant(0.5, -0.25))
    assert all(w == 0.5 for _, _, w in net.edges())
    assert all(net[n].bias == -0.25 for n in ("h1", "o3"))


def test_uniform_draws_weights_and_biases_within_its_bounds():
    params = Network.from_spec(LAYERS, init=init.uniform(-0.3, 0.3), seed=0).parameters()
    assert all(-0.3 <= p <= 0.3 for p in params)
    assert len(set(params)) == len(params)


def test_uniform_with_a_fixed_bias_uses_it():
    net = Network.from_spec(LAYERS, init=init.uniform(-1.0, 1.0, bias=0.1), seed=0)
    assert all(net[f"h{i}"].bias == 0.1 for i in range(1, 7))


def test_xavier_uniform_limit_follows_fan_in_and_fan_out():
    net = Network.from_spec(LAYERS, init="xavier", seed=0)
    for src, dst, w in net.edges():
        fan_in, fan_out = net.graph.in_degree(dst), net.graph.out_degree(src)
        assert abs(w) <= math.sqrt(6.0 / (fan_in + fan_out))


def test_fan_counts_come_from_the_graph_so_skip_links_count():
    net = Network.from_spec({"layers": [("identity", 2), ("tanh", 2), ("tanh", 1)], "edges": [["x1", "o1"]]},
                            init="constant")
    seen = {}

    class Recording(init.Initializer):
        def weights(self, fan_in, fan_out, rng):
            seen["fans"] = list(zip(np.asarray(fan_in).tolist(), np.asarray(fan_out).tolist()))
            return np.zeros(len(fan_in))

    init.apply(net, Recording(), seed=0)
    fans = dict(zip([k for k in net.parameter_keys() if isinstance(k, tuple)], seen["fans"]))
    assert fans[("x1", "o1")] == (3, 3)
    assert fans[("x2", "h1")] == (2, 2)


def test_he_normal_has_standard_deviation_sqrt_two_over_fan_in():
    net = Network.from_spec([("identity", 200), ("relu", 50)], init="he", seed=0)
    weights = np.array([w for _, _, w in net.edges()])
    assert weights.std() == pytest.approx(math.sqrt(2.0 / 200), rel=0.05)
    assert abs(weights.mean()) < 0.01


def test_normal_has_the_given_mean_and_spread():
    net = Network.from_spec([("identity", 100), ("tanh", 50)], init=init.normal(std=0.2, mean=1.0), seed=0)
    weights = np.array([w for _, _, w in net.edges()])
    assert weights.mean() == pytest.approx(1.0, abs=0.02)
    assert weights.std() == pytest.approx(0.2, rel=0.05)


class Half(init.Initializer):
    def weights(self, fan_in, fan_out, rng):
        return np.full(len(fan_in), 0.5)


def test_custom_initialiser_draws_weights_and_keeps_zero_biases():
    net = Network.from_spec(LAYERS, init=Half())
    assert set(net.parameters()) == {0.5, 0.0}


def test_custom_initialiser_returning_the_wrong_number_of_weights_is_named():
    class Short(init.Initializer):
        def weights(self, fan_in, fan_out, rng):
            return np.zeros(1)

    with pytest.raises(NeuronsimError, match=r"weights\(\) returned shape \(1,\), expected \(2,\)"):
        init.apply(Network.from_spec([("identity", 2), ("tanh", 1)], init="constant"), Short())


def test_custom_initialiser_returning_non_finite_biases_is_refused():
    class NanBias(Half):
        def biases(self, count, rng):
            return np.full(count, math.nan)

    with pytest.raises(ValueRangeError, match=r"biases\(\) returned NaN or infinite values"):
        init.apply(Network.from_spec(LAYERS, init="constant"), NanBias())


def test_available_lists_the_names_get_accepts():
    assert init.available() == ["constant", "glorot", "he", "normal", "uniform", "xavier"]
    for name in init.available():
        assert isinstance(init.get(name), init.Initializer)


def test_get_accepts_a_dict_with_options():
    got = init.get({"name": "uniform", "low": -0.5, "high": 0.5})
    assert (got.low, got.high) == (-0.5, 0.5)


def test_glorot_is_xavier():
    assert isinstance(init.get("glorot"), init.xavier)


def test_unknown_initialiser_lists_the_known_ones():
    with pytest.raises(NeuronsimError, match=r"unknown initializer 'zeros'; known: constant, glorot, he"):
        init.get("zeros")


def test_unknown_option_names_the_initialiser():
    with pytest.raises(NeuronsimTypeError, match=r"initializer 'normal': .*'sd'"):
        init.get("normal", sd=1.0)


def test_initialiser_of_the_wrong_type_is_a_type_error():
    with pytest.raises(NeuronsimTypeError, match="init must be a name, a dict or an Initializer, got int"):
        init.get(3)


def test_uniform_needs_low_at_most_high():
    with pytest.raises(ValueRangeError, match=r"needs low <= high, got low=1, high=0"):
        init.uniform(1, 0)


def test_normal_needs_a_non_negative_spread():
    with pytest.raises(ValueRangeError, match=r"normal\(std\) must be >= 0"):
        init.normal(std=-1.0)


@pytest.mark.parametrize("make", [lambda: init.constant(math.nan), lambda: init.uniform(-math.inf, 1.0),
                                  lambda: init.xavier(gain=math.nan)])
def test_initialiser_options_must_be_finite(make):
    with pytest.raises(ValueRangeError, match="must be finite"):
        make()


@pytest.mark.parametrize("seed", [-1, 1.5, "a"])
def test_apply_refuses_a_bad_seed_naming_it(seed):
    net = Network.from_spec(LAYERS, init="constant")
    with pytest.raises(NeuronsimError, match="seed"):
        init.apply(net, "xavier", seed=seed)


def test_uniform_over_the_widest_finite_range_draws_finite_weights():
    net = Network.from_spec(LAYERS, init=init.uniform(-1e308, 1e308), seed=0)
    assert all(math.isfinite(p) for p in net.parameters())

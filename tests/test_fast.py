"""The batched engine gives the object engine's numbers, on any DAG, activation and loss."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neuronsim
from conftest import chain_net
from neuronsim import activations, losses
from neuronsim.errors import NeuronsimError, NeuronsimTypeError, NonFiniteError, ShapeError, ValueRangeError

LOSS_NAMES = ["squared_error", "mse", "binary_cross_entropy", "softmax_cross_entropy"]


@st.composite
def batched_cases(draw):
    """A random DAG (dense, partial and sparse level blocks, skip links) with a batch."""
    loss = draw(st.sampled_from(LOSS_NAMES))
    n_in, n_out = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    hidden = draw(st.lists(st.integers(1, 6), min_size=0, max_size=3))
    density = draw(st.sampled_from([1.0, 0.6, 0.2, 0.05]))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    acts = activations.available()
    out_act = {"softmax_cross_entropy": "identity", "binary_cross_entropy": "sigmoid"}.get(
        loss, draw(st.sampled_from(acts)))
    layers = [[f"x{i}" for i in range(n_in)]]
    layers += [[f"h{l}_{i}" for i in range(size)] for l, size in enumerate(hidden)]
    layers += [[f"o{i}" for i in range(n_out)]]
    net = neuronsim.Network()
    for l, names in enumerate(layers):
        for name in names:
            act = "identity" if l == 0 else out_act if l == len(layers) - 1 else str(rng.choice(acts))
            net.add_neuron(name, act, bias=float(rng.uniform(-1, 1)))
    for l, names in enumerate(layers[1:], start=1):
        for dst in names:
            earlier = [s for layer in layers[:l] for s in layer]
            direct = layers[l - 1]
            chosen = [s for s in direct if rng.random() < density] or [str(rng.choice(direct))]
            chosen += [s for s in earlier if s not in direct and rng.random() < 0.15]  # skip links
            for src in chosen:
                net.connect(src, dst, float(rng.uniform(-1.5, 1.5)))
    net.set_inputs(layers[0])
    net.set_outputs(layers[-1])
    n = draw(st.integers(1, 7))
    X = rng.uniform(-2, 2, (n, n_in))
    if loss == "softmax_cross_entropy":
        Y = np.eye(n_out)[rng.integers(0, n_out, n)]
    else:
        Y = rng.uniform(0, 1, (n, n_out))
    return net, X, Y, loss


def object_engine_sums(net, X, Y, loss):
    net.zero_grad()
    total = sum(net.forward(x) and net.backward(y, loss) for x, y in zip(X.tolist(), Y.tolist()))
    return total, dict(zip(net.parameter_keys(), net.gradients()))


def close(a, b, rel=1e-12):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.all(np.abs(a - b) <= rel * np.maximum(np.abs(a), np.abs(b)) + 1e-14)


@settings(max_examples=80, deadline=None)
@given(batched_cases())
def test_batched_gradients_equal_the_sum_of_per_case_object_gradients(case):
    net, X, Y, loss = case
    expected_loss, expected = object_engine_sums(net, X, Y, loss)
    engine = net.compile()
    outputs = engine.forward(X)
    assert close(outputs, net.predict(X))
    value = engine.backward(Y, loss)
    assert close(value, expected_loss)
    got = dict(zip(engine.keys, engine.grads.tolist()))
    assert set(got) == set(expected)
    keys = list(expected)
    assert close([got[k] for k in keys], [expected[k] for k in keys])


def test_every_registered_activation_has_matching_numpy_forms():
    z = np.array([-1e4, -30.0, -2.0, -0.3, 0.0, 0.4, 2.5, 30.0, 1e4])
    for name in activations.available():
        act = activations.get(name)
        scalar_a = np.array([act.f(v) for v in z])
        scalar_d = np.array([act.df(v, a) for v, a in zip(z, scalar_a)])
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            a = act.vf(z)
            d = act.vdf(z, a)
        assert close(a, scalar_a, 1e-13), name
        assert close(d, scalar_d, 1e-13), name


def test_every_registered_loss_has_matching_numpy_forms():
    rng = np.random.default_rng(0)
    A = rng.uniform(0.05, 0.95, (5, 3))
    T = np.eye(3)[[0, 2, 1, 1, 0]]
    for name in losses.available():
        loss = losses.get(name)
        values = [loss.f(a, t) for a, t in zip(A.tolist(), T.tolist())]
        grads = [loss.df(a, t) for a, t in zip(A.tolist(), T.tolist())]
        assert close(loss.vf(A, T), values), name
        assert close(loss.vdf(A, T), grads), name


def test_public_calls_read_weights_edited_in_the_graph():
    net = neuronsim.Network.from_spec([("identity", 1), ("identity", 1)], init="constant")
    engine = net.compile()
    assert engine.forward([[2.0]])[0, 0] == 2.0
    net.set_weight("x1", "o1", 3.0)
    assert engine.forward([[2.0]])[0, 0] == 6.0


def test_a_structural_edit_triggers_recompilation():
    net = neuronsim.Network.from_spec([("identity", 2), ("identity", 1)], init="constant")
    engine = net.compile()
    assert engine.forward([[1.0, 1.0]])[0, 0] == 2.0
    net.add_neuron("h", "identity")
    net.connect("x2", "h", 1.0)
    net.connect("h", "o1", 1.0)
    assert engine.forward([[1.0, 1.0]])[0, 0] == 3.0
    assert ("h", "o1") in engine.keys
    net.disconnect("x2", "o1")
    assert engine.forward([[1.0, 1.0]])[0, 0] == 2.0
    assert ("x2", "o1") not in engine.keys


def test_backward_adds_the_batch_gradient_to_the_graph_grads():
    net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 2), ("sigmoid", 1)], seed=3)
    X, Y = np.array([[0.1, 0.2], [0.3, -1.0]]), np.array([[1.0], [0.0]])
    _, expected = object_engine_sums(net, X, Y, "squared_error")
    net.zero_grad()
    engine = net.compile()
    engine.forward(X)
    engine.backward(Y)
    got = dict(zip(net.parameter_keys(), net.gradients()))
    assert close([got[k] for k in expected], list(expected.values()))


def test_push_writes_engine_weights_into_the_graph():
    net = neuronsim.Network.from_spec([("identity", 2), ("sigmoid", 1)], init="constant")
    engine = net.compile()
    engine.set_params(np.arange(len(engine.keys), dtype=float))
    engine.push()
    assert {k: v for k, v in zip(net.parameter_keys(), net.parameters())} == dict(
        zip(engine.keys, engine.params.tolist()))


def test_bad_batches_are_rejected_with_their_shape():
    net = neuronsim.Network.from_spec([("identity", 2), ("sigmoid", 1)], seed=0)
    engine = net.compile()
    with pytest.raises(ShapeError, match=r"expected shape \(n, 2\), got \(3,\)"):
        engine.forward([1.0, 2.0, 3.0])
    with pytest.raises(ValueRangeError, match=r"X\[0, 1\] is nan"):
        engine.forward([[1.0, float("nan")]])
    with pytest.raises(NeuronsimError, match="forward"):
        net.compile().backward([[1.0]])
    engine.forward([[1.0, 2.0]])
    with pytest.raises(ShapeError, match="Y"):
        engine.backward([[1.0], [0.0]])


# --- training with engine="fast" ---------------------------------------------------------------

from neuronsim import datasets, optim  # noqa: E402
from neuronsim import EarlyStopping, TargetLoss, train  # noqa: E402


def dag_net(seed=0):
    return neuronsim.Network.from_spec({
        "layers": [("identity", 2), ("tanh", 5), ("sigmoid", 3), ("sigmoid", 1)],
        "edges": [["x1", "o1"], ["x2", "h2_2"]],
    }, init="uniform", seed=seed)


def by_key(net):
    return dict(zip(net.parameter_keys(), net.parameters()))


def assert_same_weights(a, b, tol=1e-10):
    pa, pb = by_key(a), by_key(b)
    assert pa.keys() == pb.keys()
    for key in pa:
        assert abs(pa[key] - pb[key]) <= tol * max(1.0, abs(pa[key])), key


@pytest.mark.parametrize("make_optimizer, batch_size, reduction", [
    (lambda: optim.SGD(lr=0.5, momentum=0.9), None, "sum"),
    (lambda: optim.SGD(lr=0.3, momentum=0.5, nesterov=True, weight_decay=1e-3), 8, "mean"),
    (lambda: optim.Adam(lr=0.01), 5, "mean"),
    (lambda: optim.SGD(lr=0.2, schedule=optim.LinearDecay(end=0.02, epochs=30)), 1, "mean"),
])
def test_a_seeded_run_gives_the_same_weights_with_both_engines(make_optimizer, batch_size, reduction):
    X, Y = datasets.moons(n=40, seed=1)
    nets = {}
    for engine in ("object", "fast"):
        net = dag_net()
        train(net, X, Y, loss="binary_cross_entropy", optimizer=make_optimizer(), epochs=30,
              batch_size=batch_size, reduction=reduction, seed=3, progress=False, engine=engine)
        nets[engine] = net
    assert_same_weights(nets["object"], nets["fast"])


def test_fast_training_histories_match_the_object_engine():
    X, Y = datasets.xor()
    histories = {}
    for engine in ("object", "fast"):
        net = dag_net(1)
        histories[engine] = train(net, X, Y, loss="squared_error", optimizer=optim.SGD(lr=0.5, momentum=0.9),
                                  epochs=50, reduction="sum", metrics=("accuracy",), progress=False,
                                  validation=(X, Y), engine=engine)
    np.testing.assert_allclose(histories["fast"].loss, histories["object"].loss, rtol=1e-10)
    np.testing.assert_allclose(histories["fast"].val_loss, histories["object"].val_loss, rtol=1e-10)
    assert histories["fast"].metrics == histories["object"].metrics


def test_fast_training_leaves_current_weights_and_grads_in_the_graph_at_each_epoch_end():
    X, Y = datasets.xor()
    net = dag_net(2)
    seen = []

    def check(net, history):
        engine_free = net.copy()  # the graph alone must reproduce the run's numbers
        seen.append(np.allclose(engine_free.predict(X), net.predict(X)))
        seen.append(all(np.isfinite(net.gradients())) and any(g != 0.0 for g in net.gradients()))

    train(net, X, Y, loss="squared_error", optimizer="sgd", epochs=3, progress=False,
          callbacks=[check], engine="fast")
    assert seen and all(seen)


def test_fast_training_picks_up_structural_edits_made_by_callbacks():
    X, Y = datasets.xor()
    net = dag_net(3)

    def grow(net, history):
        if history.epochs == 2:
            net.add_neuron("extra", "tanh")
            net.connect("x1", "extra", 0.1)
            net.connect("extra", "o1", 0.1)

    train(net, X, Y, loss="squared_error", optimizer=optim.SGD(lr=0.5, momentum=0.9), epochs=5,
          progress=False, callbacks=[grow], engine="fast")
    assert net.weight("extra", "o1") != 0.1 and net.weight("x1", "extra") != 0.1


def test_fast_training_respects_frozen_parameters_stopping_rules_and_early_stopping():
    X, Y = datasets.moons(n=60, seed=2)
    net = dag_net(4)
    frozen_weight, frozen_bias = net.weight("x1", "o1"), net["o1"].bias
    history = train(net, X, Y, loss="binary_cross_entropy", optimizer=optim.Adam(lr=0.05), epochs=400,
                    batch_size=10, seed=0, freeze=[("x1", "o1"), "o1"], stop=TargetLoss(0.3),
                    progress=False, engine="fast")
    assert net.weight("x1", "o1") == frozen_weight and net["o1"].bias == frozen_bias
    assert history.stop_reason in ("target_loss", "max_epochs")
    net2 = dag_net(4)
    X_val, Y_val = datasets.moons(n=30, seed=9)
    h2 = train(net2, X, Y, loss="binary_cross_entropy", optimizer=optim.Adam(lr=0.2), epochs=60,
               batch_size=10, seed=0, validation=(X_val, Y_val), stop=EarlyStopping(patience=3),
               progress=False, engine="fast")
    best = h2.val_loss[h2.best_epoch - 1]
    assert h2.stop_reason in ("early_stopping", "max_epochs")
    loss_now = sum(net2.loss(x, y, "binary_cross_entropy") for x, y in zip(X_val.tolist(), Y_val.tolist()))
    assert loss_now / len(X_val) == pytest.approx(best, rel=1e-9)


def test_fast_training_divergence_keeps_finite_weights_in_the_graph():
    X = np.linspace(-3, 3, 20)[:, None]
    Y = 100.0 * X
    net = neuronsim.Network.from_spec([("identity", 1), ("relu", 4), ("identity", 1)], seed=0)
    with pytest.raises(neuronsim.errors.DivergenceError, match="epoch"):
        train(net, X, Y, loss="squared_error", optimizer=optim.SGD(lr=10.0), epochs=50,
              progress=False, engine="fast")
    assert all(np.isfinite(net.parameters()))


def test_fast_training_with_mean_reduction_leaves_summed_gradients_in_the_graph_like_the_object_engine():
    X, Y = datasets.xor()
    grads = {}
    for engine in ("object", "fast"):
        net = dag_net(5)
        train(net, X, Y, loss="squared_error", optimizer=optim.SGD(lr=0.1), epochs=2, reduction="mean",
              progress=False, engine=engine)
        grads[engine] = dict(zip(net.parameter_keys(), net.gradients()))
    for key, g in grads["object"].items():
        assert grads["fast"][key] == pytest.approx(g, rel=1e-10, abs=1e-14)


def test_changing_an_activation_recompiles_the_fast_engine():
    net = neuronsim.Network.from_spec([("identity", 1), ("sigmoid", 1), ("identity", 1)], init="constant")
    engine = net.compile()
    assert engine.forward([[2.0]])[0, 0] == pytest.approx(1 / (1 + np.exp(-2.0)))
    net["h1"].activation = "relu"
    assert net.compile().forward([[2.0]])[0, 0] == 2.0
    assert engine.forward([[2.0]])[0, 0] == 2.0


def test_fast_training_keeps_weights_set_by_an_on_train_begin_hook():
    X, Y = datasets.xor()

    class SetWeight:
        def on_train_begin(self, net, history):
            net.set_weight("h2_1", "o1", 100.0)

    results = {}
    for engine in ("object", "fast"):
        net = dag_net(6)
        train(net, X, Y, loss="squared_error", optimizer=optim.SGD(lr=1e-6), epochs=1, progress=False,
              callbacks=[SetWeight()], engine=engine)
        results[engine] = net.weight("h2_1", "o1")
    assert results["fast"] == pytest.approx(results["object"]) and abs(results["fast"] - 100.0) < 1e-3


def test_engine_backward_after_a_structural_edit_asks_for_a_new_forward_pass():
    net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 2), ("sigmoid", 1)], seed=0)
    engine = net.compile()
    engine.forward([[0.1, 0.2]])
    net.connect("x1", "o1", 0.5)
    with pytest.raises(NeuronsimError, match="structure changed"):
        engine.backward([[1.0]])


def test_fast_training_interrupted_by_an_exception_leaves_the_graph_current():
    X, Y = datasets.moons(n=40, seed=1)

    class Interrupt(Exception):
        pass

    def failing_metric(Y_true, Y_pred, calls=[]):  # fails in epoch 3, with no callback in sight
        calls.append(1)
        if len(calls) % 3 == 0:
            raise Interrupt
        return 0.0

    nets = {}
    for engine in ("object", "fast"):
        net = dag_net(7)
        with pytest.raises(Interrupt):
            train(net, X, Y, loss="binary_cross_entropy", optimizer=optim.SGD(lr=0.3, momentum=0.9), epochs=5,
                  batch_size=8, seed=1, progress=False, metrics=[failing_metric], engine=engine)
        nets[engine] = net
    assert_same_weights(nets["object"], nets["fast"])


# --- no silent NaN or infinity (issue 2, batched engine) ---------------------------------------


def plus_minus_net():
    """The reviewer's identity 2-2-1 net: weights +2 into h1, −2 into h2, 1 into o1."""
    return chain_net(("x1", "h1", 2.0), ("x2", "h1", 2.0), ("x1", "h2", -2.0), ("x2", "h2", -2.0),
                     ("h1", "o1", 1.0), ("h2", "o1", 1.0))


def test_a_forward_pass_that_overflows_names_the_first_neuron_and_the_row():
    engine = plus_minus_net().compile()
    with pytest.raises(NonFiniteError, match=r"on input row 1: neuron 'h1' has z = inf, a = inf"):
        engine.forward([[1.0, 1.0], [1e308, 1e308]])


def test_a_hidden_overflow_hidden_by_the_next_activation_is_still_refused():
    # relu(z_h = −inf) = 0 would give a finite output of 0
    net = chain_net(("x1", "h1", -1e308), ("h1", "o1", 1.0), activations_={"h1": "relu"})
    net.set_weight("x1", "h1", -1e308)
    with pytest.raises(NonFiniteError, match=r"row 0: neuron 'h1' has z = -inf, a = 0.0"):
        net.compile().forward([[10.0]])


def test_a_refused_forward_leaves_no_batch_for_backward():
    engine = plus_minus_net().compile()
    engine.forward([[1.0, 1.0]])
    with pytest.raises(NonFiniteError):
        engine.forward([[1e308, 1e308]])
    with pytest.raises(NeuronsimError, match=r"needs a forward\(\) pass"):
        engine.backward([[0.0]])


def overflowing_delta_net():
    """Finite forward and loss, but δ[h0] = w·w·δ[o1] = 1e300 · 1e300: overflows."""
    return chain_net(("x1", "h0", 1e-300), ("h0", "h1", 1e300), ("h1", "o1", 1e300),
                     activations_={"o1": "sigmoid"})


def test_a_backward_pass_whose_delta_overflows_names_the_neuron_and_adds_no_gradient():
    net = overflowing_delta_net()
    engine = net.compile()
    engine.forward([[1.0], [1.0]])
    before_graph, before_engine = net.gradients(), engine.grads.copy()
    with pytest.raises(NonFiniteError, match=r"backward pass overflowed on input row 0: neuron 'h0' has δ = inf"):
        engine.backward([[0.0], [0.0]], "binary_cross_entropy")
    assert net.gradients() == before_graph
    assert engine.grads.tolist() == before_engine.tolist()


def test_a_gradient_that_overflows_summed_over_the_batch_names_the_parameter():
    # per case: δ[h1] = 0.75e308 and ∂C/∂w[x1→h1] = 2 δ = 1.5e308; two cases: inf
    net = chain_net(("x1", "h1", 0.5), ("h1", "o1", 1.5e308), activations_={"o1": "sigmoid"})
    engine = net.compile()
    engine.forward([[2.0], [2.0]])
    with pytest.raises(NonFiniteError, match=r"gradient of the weight of edge x1 -> h1 summed over the batch is inf"):
        engine.backward([[0.5], [0.5]], "binary_cross_entropy")
    assert net.gradients() == [0.0, 0.0, 0.0, 0.0]


def test_a_loss_that_overflows_on_finite_outputs_is_refused_naming_the_row():
    net = chain_net(("x1", "o1", 1e200))
    engine = net.compile()
    engine.forward([[0.0], [1.0]])                      # outputs 0 and 1e200: ½(1e200)² overflows
    with pytest.raises(NonFiniteError, match=r"loss 'squared_error' overflowed on input row 1: it is inf"):
        engine.backward([[0.0], [0.0]])


@pytest.mark.parametrize("bad, error, words", [
    (float("nan"), NonFiniteError, "must be finite, got nan"),
    (float("-inf"), NonFiniteError, "must be finite, got -inf"),
    ("0.5", NeuronsimTypeError, "must be a real number, got str '0.5'"),
    (None, NeuronsimTypeError, "must be a real number, got NoneType None"),
    (10**400, NonFiniteError, "must be finite, got 1000.*, too large for a float"),
], ids=["nan", "-inf", "str", "None", "huge-int"])
def test_a_bad_weight_written_straight_into_the_graph_is_refused_naming_its_edge(bad, error, words):
    net = plus_minus_net()
    engine = net.compile()
    params = engine.params.copy()
    net.graph.edges["x2", "h2"]["weight"] = bad
    with pytest.raises(error, match=r"the weight of edge x2 -> h2 \(read from net.graph\) " + words):
        engine.forward([[1.0, 1.0]])
    assert engine.params.tolist() == params.tolist()        # the engine's arrays are untouched
    with pytest.raises(error, match="edge x2 -> h2"):
        net.compile()


def test_fast_training_that_overflows_is_a_divergence_naming_the_neuron_and_the_data_row():
    net = plus_minus_net()
    X = np.array([[1.0, 1.0], [2.0, 1.0], [1e308, 1e308]])
    with pytest.raises(NonFiniteError, match=r"diverged at epoch 1: the forward pass overflowed on input "
                                             r"row 2: neuron 'h1' has z = inf") as err:
        neuronsim.train(net, X, np.zeros((3, 1)), loss="squared_error", optimizer="sgd", epochs=3,
                        batch_size=2, shuffle=False, progress=False, engine="fast")
    assert isinstance(err.value, neuronsim.errors.DivergenceError)
    assert err.value.history.stop_reason == "diverged"
    assert all(np.isfinite(net.parameters()))


def test_fast_training_refuses_a_nan_weight_a_callback_writes_into_the_graph():
    net = plus_minus_net()

    def spoil(net, history):
        net.graph.edges["h1", "o1"]["weight"] = float("nan")

    with pytest.raises(NonFiniteError, match=r"the weight of edge h1 -> o1 \(read from net.graph\) must be finite"):
        neuronsim.train(net, [[0.1, 0.2]], [[0.0]], loss="squared_error", optimizer="sgd", epochs=3,
                        callbacks=spoil, progress=False, engine="fast")


@pytest.mark.parametrize("X, error, words", [
    ([["1.5", "2"]], NeuronsimTypeError, "X must be numeric rows of 2 values"),
    ([[True, 0.5]], NeuronsimTypeError, "X must hold numbers, not booleans"),
    ([[10**400, 0.5]], ValueRangeError, "X holds an integer too large for a float"),
    ([[None, 0.5]], NeuronsimTypeError, "X must be numeric rows of 2 values"),
], ids=["text", "bool", "huge-int", "None"])
def test_a_batch_of_text_booleans_or_huge_integers_is_refused_as_the_object_engine_refuses_them(X, error, words):
    with pytest.raises(error, match=words):
        plus_minus_net().compile().forward(X)


def test_set_params_refuses_a_value_that_is_not_finite_and_changes_nothing():
    engine = plus_minus_net().compile()
    before = engine.params.tolist()
    values = before[:]
    values[2] = float("inf")
    with pytest.raises(ValueRangeError, match=r"set_params\(values\)\[2\] must be finite"):
        engine.set_params(values)
    assert engine.params.tolist() == before


def _trained_parameters(net):
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(20, 3)), rng.normal(size=(20, 1))
    neuronsim.train(net, X, Y, loss="squared_error", optimizer=neuronsim.optim.SGD(lr=0.05), epochs=3,
                    batch_size=5, seed=0, progress=False, engine="fast")
    return net.parameters()


def test_a_deep_copy_of_a_compiled_network_trains_exactly_like_a_fresh_one():
    import copy

    spec = [("identity", 3), ("tanh", 4), ("identity", 1)]
    compiled = neuronsim.Network.from_spec(spec, seed=0)
    compiled.compile()
    copied = copy.deepcopy(compiled)
    assert _trained_parameters(copied) == _trained_parameters(neuronsim.Network.from_spec(spec, seed=0))


def test_a_copied_engine_computes_from_its_own_network_copy():
    import copy

    net = neuronsim.Network.from_spec([("identity", 2), ("sigmoid", 3), ("identity", 1)], seed=1)
    engine = net.compile()
    X = np.array([[0.5, -1.0], [2.0, 0.25]])
    engine.set_params(np.arange(len(engine.keys), dtype=float))  # not pushed to the graph yet
    twin = copy.deepcopy(engine)
    assert twin.net is not net
    np.testing.assert_array_equal(twin.params, engine.params)
    np.testing.assert_array_equal(twin.grads, engine.grads)
    engine.push()
    twin.push()
    np.testing.assert_array_equal(twin.forward(X), engine.forward(X))
    assert np.shares_memory(twin.weights, twin.params)
    twin.net.graph.edges["x1", "h1"]["weight"] = 7.0
    twin.pull()
    assert net.graph.edges["x1", "h1"]["weight"] != 7.0


def test_an_activation_that_only_shares_a_registered_name_gets_no_fused_loss():
    import math

    from neuronsim.activations import Activation

    steep = Activation("sigmoid", lambda z: 1 / (1 + math.exp(-2 * z)), lambda z, a: 2 * a * (1 - a))
    net = neuronsim.Network()
    net.add_neuron("x1", "identity")
    net.add_neuron("o1", steep)
    net.connect("x1", "o1", 0.5)
    expected = net.loss([1.5], [0.0], "binary_cross_entropy")
    engine = net.compile()
    loss, vfused = engine.loss_forms("binary_cross_entropy")
    assert vfused is None
    _, value = engine.run_batch(np.array([[1.5]]), np.array([[0.0]]), loss, vfused)
    assert value == pytest.approx(expected, rel=1e-12)

"""The batched engine's training pass (issue 17): work arrays reused per batch size, one
finiteness test per batch that still names the culprit, an in-place optimizer step that leaves
no trace when it is refused, and the BLAS thread limit of train(blas_threads=...)."""

import numpy as np
import pytest

import neuronsim
from conftest import chain_net
from neuronsim import losses, optim
from neuronsim.errors import DivergenceError, NonFiniteError, TrainingError


def run_batch(net, X, Y, loss="squared_error", rows=None):
    engine = net.compile()
    loss, vfused = engine.loss_forms(loss)
    return engine.run_batch(np.asarray(X, float).T, np.asarray(Y, float).T, loss, vfused, rows)


def trained(engine, net_spec, X, Y, **kwargs):
    net = neuronsim.Network.from_spec(net_spec, seed=3)
    history = neuronsim.train(net, X, Y, engine=engine, progress=False, **kwargs)
    return net, history


# --- one finiteness test per batch, the culprit still named ---------------------------------------

def test_a_training_batch_names_a_hidden_overflow_the_next_activation_hides():
    # relu(z = −inf) = 0: every output, δ and gradient is finite; only the hidden z is not
    net = chain_net(("x1", "h1", -1e308), ("h1", "o1", 1.0), activations_={"h1": "relu"})
    with pytest.raises(NonFiniteError, match=r"the forward pass overflowed on input row 7: neuron 'h1' has "
                                             r"z = -inf, a = 0.0"):
        run_batch(net, [[10.0]], [[0.0]], rows=np.array([7]))


def test_a_training_batch_names_the_loss_when_only_the_loss_overflows():
    net = chain_net(("x1", "o1", 1e200))
    with pytest.raises(NonFiniteError, match=r"loss 'squared_error' overflowed on input row 1: it is inf"):
        run_batch(net, [[0.0], [1.0]], [[0.0], [0.0]])


def test_a_training_batch_names_the_first_delta_that_overflows():
    net = chain_net(("x1", "h0", 1e-300), ("h0", "h1", 1e300), ("h1", "o1", 1e300), activations_={"o1": "sigmoid"})
    with pytest.raises(NonFiniteError, match=r"backward pass overflowed on input row 0: neuron 'h0' has δ = inf"):
        run_batch(net, [[1.0], [1.0]], [[0.0], [0.0]], loss="binary_cross_entropy")


def test_a_training_batch_whose_test_sum_alone_overflows_is_not_refused():
    # two hidden z of 1e308 (finite) sum to inf; tanh makes them 1, and the pass is fine
    net = chain_net(("x1", "h1", 1e308), ("x1", "h2", 1e308), ("h1", "o1", 0.5), ("h2", "o1", 0.5),
                    activations_={"h1": "tanh", "h2": "tanh"})
    out, value = run_batch(net, [[1.0], [1.0]], [[0.0], [0.0]])
    assert out.tolist() == [[1.0, 1.0]] and value == 1.0


def test_train_with_the_fast_engine_names_a_hidden_overflow_as_a_divergence():
    net = chain_net(("x1", "h1", -1e308), ("h1", "o1", 1.0), activations_={"h1": "relu"})
    before = net.parameters()
    with pytest.raises(DivergenceError, match=r"epoch 1: the forward pass overflowed on input row 1: neuron 'h1'"):
        neuronsim.train(net, [[0.0], [10.0]], [[1.0], [0.0]], loss="squared_error", optimizer="sgd", epochs=1,
                        batch_size=1, shuffle=False, engine="fast", progress=False)
    assert net.parameters() != before          # the first batch trained ...
    assert all(np.isfinite(net.parameters()))  # ... and the graph keeps finite weights


# --- work arrays per batch size -------------------------------------------------------------------

SPEC = [("identity", 3), ("sigmoid", 4), ("identity", 2)]


def data(n=10, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    Y = np.eye(2)[rng.integers(0, 2, n)]
    return X, Y


def test_each_batch_size_has_its_own_work_arrays():
    engine = neuronsim.Network.from_spec(SPEC, seed=0).compile()
    full, short = engine._work_for(4), engine._work_for(2)
    assert full[0].shape[2] == 4 and short[0].shape[2] == 2
    assert not np.shares_memory(full[0], short[0]) and not np.shares_memory(full[1], short[1])
    assert engine._work_for(4)[0] is full[0]   # reused by the next batch of that size


def test_a_short_last_batch_gives_the_object_engines_weights_loss_and_metrics():
    X, Y = data(10)    # batches of 4, 4 and 2, shuffled
    kwargs = dict(loss="softmax_cross_entropy", optimizer=optim.SGD(lr=0.5, momentum=0.5), epochs=4,
                  batch_size=4, seed=1, metrics=["accuracy"])
    slow, h_slow = trained("object", SPEC, X, Y, **kwargs)
    kwargs["optimizer"] = optim.SGD(lr=0.5, momentum=0.5)
    fast, h_fast = trained("fast", SPEC, X, Y, **kwargs)
    assert np.allclose(fast.parameters(), slow.parameters(), rtol=0, atol=1e-10)
    assert np.allclose(h_fast.loss, h_slow.loss, rtol=0, atol=1e-10)
    assert h_fast.metrics["accuracy"] == h_slow.metrics["accuracy"]


def test_the_outputs_a_batch_returns_are_not_overwritten_by_the_next_batch():
    net = neuronsim.Network.from_spec(SPEC, seed=0)
    engine = net.compile()
    loss, vfused = engine.loss_forms("squared_error")
    X, Y = data(4)
    first, _ = engine.run_batch(X[:2].T, Y[:2].T, loss, vfused)
    kept = first.copy()
    engine.run_batch(X[2:].T, Y[2:].T, loss, vfused)
    assert first.tolist() == kept.tolist()


# --- the in-place optimizer step ------------------------------------------------------------------

def test_plain_sgd_in_the_fast_engine_takes_update_s_exact_step_with_sum_reduction():
    X, Y = data(6)
    net = neuronsim.Network.from_spec(SPEC, seed=0)
    engine = net.compile()
    loss, vfused = engine.loss_forms("squared_error")
    engine.run_batch(X.T, Y.T, loss, vfused)
    expected = optim.SGD(lr=0.1).update(engine.keys, engine.params.copy(), engine.grads.copy(), 0.1)
    got = neuronsim.Network.from_spec(SPEC, seed=0)
    neuronsim.train(got, X, Y, loss="squared_error", optimizer=optim.SGD(lr=0.1), epochs=1, reduction="sum",
                    engine="fast", progress=False)
    assert dict(zip(got.parameter_keys(), got.parameters())) == dict(zip(engine.keys, expected.tolist()))


def test_sgd_keeps_the_last_step_as_its_velocity_after_in_place_steps():
    X, Y = data(6)
    sgd = optim.SGD(lr=0.1)
    net = neuronsim.Network.from_spec(SPEC, seed=0)
    neuronsim.train(net, X, Y, loss="squared_error", optimizer=sgd, epochs=2, reduction="sum",
                    engine="fast", progress=False)
    grads = dict(zip(net.parameter_keys(), net.gradients()))  # the last batch's, as the graph has them
    for key, state in sgd.state.items():
        assert state["velocity"] == -0.1 * grads[key]


def test_weights_near_the_float_range_take_the_careful_step_and_match_the_object_engine():
    # |w| ~ 1e300: the in-place step cannot be shown safe, so the step is tested instead
    spec = {"neurons": [{"name": "x1", "activation": "identity"}, {"name": "o1", "activation": "identity"}],
            "edges": [["x1", "o1", 1e300]]}
    results = []
    for engine in ("object", "fast"):
        net = neuronsim.Network.from_spec(spec)
        neuronsim.train(net, [[1e-300], [2e-300]], [[0.0], [0.0]], loss="squared_error",
                        optimizer=optim.SGD(lr=0.1), epochs=3, engine=engine, progress=False)
        results.append(net.parameters())
    assert results[0] == results[1]


def test_a_step_that_overflows_is_refused_and_leaves_the_last_finite_weights_exactly():
    # output 1e100 (finite loss), ∂C/∂w = 1e100 · 1e200: the step −1e10 · 1e300 overflows
    spec = {"neurons": [{"name": "x1", "activation": "identity"}, {"name": "o1", "activation": "identity"}],
            "edges": [["x1", "o1", 1e-100]]}
    net = neuronsim.Network.from_spec(spec)
    before = net.parameters()
    sgd = optim.SGD(lr=1e10)
    with pytest.raises(DivergenceError, match=r"epoch 1: the weight of edge x1 -> o1 became -inf"):
        neuronsim.train(net, [[1e200]], [[0.0]], loss="squared_error", optimizer=sgd, epochs=1,
                        engine="fast", progress=False)
    assert net.parameters() == before and sgd.state == {}


# --- loss forms used by the training pass --------------------------------------------------------

@pytest.mark.parametrize("name", ["softmax_cross_entropy", "squared_error"])
def test_a_loss_s_vboth_gives_exactly_its_vf_and_vdf(name):
    loss = losses.get(name)
    rng = np.random.default_rng(0)
    A, T = rng.normal(size=(5, 3)) * 10, np.eye(3)[rng.integers(0, 3, 5)]
    terms, grad = loss.vboth(A, T)
    assert terms.tolist() == loss.vf(A, T).tolist() and grad.tolist() == loss.vdf(A, T).tolist()


def test_a_loss_refuses_a_vboth_that_is_not_callable():
    with pytest.raises(neuronsim.errors.NeuronsimTypeError, match="vboth must be callable, got int"):
        losses.Loss("l", lambda a, t: 0.0, lambda a, t: [0.0], vboth=3)


# --- BLAS threads ---------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "two"])
def test_blas_threads_must_be_an_int_auto_or_none(bad):
    net = neuronsim.Network.from_spec(SPEC, seed=0)
    before = net.parameters()
    with pytest.raises(TrainingError, match=r"blas_threads must be an int >= 1, 'auto' or None, got"):
        neuronsim.train(net, *data(4), epochs=1, engine="fast", progress=False, blas_threads=bad)
    assert net.parameters() == before


def test_blas_threads_limits_blas_during_the_run_and_restores_it():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    if not any(info["user_api"] == "blas" for info in threadpoolctl.threadpool_info()):
        pytest.skip("no BLAS library found by threadpoolctl")

    def blas_threads():
        return [info["num_threads"] for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas"]

    before, seen = blas_threads(), []
    neuronsim.train(neuronsim.Network.from_spec(SPEC, seed=0), *data(4), epochs=2, engine="fast", progress=False,
                    blas_threads=1, callbacks=lambda net, history: seen.append(blas_threads()))
    assert seen == [[1] * len(before)] * 2 and blas_threads() == before


def test_auto_blas_threads_limits_only_on_a_busy_machine(monkeypatch):
    from neuronsim import training

    monkeypatch.setattr(training.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(training.os, "getloadavg", lambda: (2.5, 0.0, 0.0))   # a run of ours on both cores
    assert training._busy() is False
    monkeypatch.setattr(training.os, "getloadavg", lambda: (3.0, 0.0, 0.0))
    assert training._busy() is True
    monkeypatch.setattr(training.os, "getloadavg", lambda: (1000.0, 0.0, 0.0))
    assert training._busy() is True


def test_an_sgd_subclass_with_its_own_delta_is_stepped_with_it():
    class Halved(optim.SGD):
        def _delta(self, w, g, lr, state):
            delta, state = super()._delta(w, g, lr, state)
            return 0.5 * delta, state

    X, Y = data(6)
    nets = []
    for opt in (optim.SGD(lr=0.05), Halved(lr=0.1)):
        net = neuronsim.Network.from_spec(SPEC, seed=0)
        neuronsim.train(net, X, Y, loss="squared_error", optimizer=opt, epochs=2, reduction="sum",
                        engine="fast", progress=False)
        nets.append(net.parameters())
    assert np.allclose(nets[0], nets[1], rtol=1e-12, atol=0)


@pytest.mark.parametrize("where", ["h1", "o1"])
def test_an_activation_that_overflows_on_a_finite_z_is_the_culprit_named(where):
    import math

    from neuronsim.activations import Activation

    expo = Activation("expo", math.exp, lambda z, a: a, vf=np.exp, vdf=lambda z, a: a)
    net = chain_net(("x1", "h1", 1.0), ("h1", "o1", 1.0), activations_={where: expo})
    with pytest.raises(NonFiniteError, match=f"input row 1: neuron '{where}' has z = 2000.0, a = inf"):
        net.compile().forward(np.array([[1.0], [2000.0]]))


@pytest.mark.parametrize("engine", ["object", "torch"])
def test_a_blas_thread_count_with_another_engine_is_refused(engine):
    net = chain_net(("x1", "o1", 1.0))
    with pytest.raises(TrainingError, match="blas_threads=1 is for engine='fast'"):
        neuronsim.train(net, [[1.0]], [[1.0]], epochs=1, progress=False, engine=engine, blas_threads=1)

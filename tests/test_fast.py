"""The batched engine gives the object engine's numbers, on any DAG, activation and loss."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neuronsim
from neuronsim import activations, losses
from neuronsim.errors import NeuronsimError, ShapeError, ValueRangeError

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
    with pytest.raises(ValueRangeError, match="NaN"):
        engine.forward([[1.0, float("nan")]])
    with pytest.raises(NeuronsimError, match="forward"):
        net.compile().backward([[1.0]])
    engine.forward([[1.0, 2.0]])
    with pytest.raises(ShapeError, match="Y"):
        engine.backward([[1.0], [0.0]])

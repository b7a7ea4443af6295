"""The pass seam (docs/guide/architecture.rst): the documented calls through which engines,
step-through and training drive a pass — ``net.plan()``, ``net.checked_loss()``,
``net.checked_target()``, ``Network.run_forward``/``run_backward`` and the FastEngine's
``loss_forms``/``run_batch``/``evaluate_batch``/``write_params`` — do what the public passes do."""

import networkx as nx
import numpy as np
import pytest

import neuronsim
from neuronsim import _checks
from neuronsim.errors import LossError, NeuronsimTypeError, ShapeError

X = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, -1.5], [2.0, 0.25]])
Y = np.array([[1.0], [0.0], [1.0], [0.0]])


def dag():
    net = neuronsim.Network.from_spec({"layers": [("identity", 2), ("tanh", 3), ("sigmoid", 1)],
                                       "edges": [["x1", "o1"]]}, seed=4)
    return net


def test_the_plan_is_one_cached_object_until_the_structure_changes():
    net = dag()
    plan = net.plan()
    assert net.plan() is plan
    net.set_weight("h1", "o1", 0.5)                  # numbers are not structure
    assert net.plan() is plan
    net.disconnect("x1", "o1")
    assert net.plan() is not plan and net.plan().key != plan.key
    assert [n.name for n in net.plan().order] == ["x1", "x2", "h1", "h2", "h3", "o1"]


def test_run_forward_and_run_backward_give_what_forward_and_backward_give():
    a, b = dag(), dag()
    expected_out = a.forward(X[2].tolist())
    expected_loss = a.backward(Y[2].tolist(), "binary_cross_entropy")
    plan = b.plan()
    loss, fused = b.checked_loss("binary_cross_entropy", plan)
    out = b.run_forward(plan, X[2].tolist())
    value = b.run_backward(plan, b.checked_target(Y[2].tolist(), loss, plan), loss, fused)
    assert out == expected_out and value == expected_loss
    assert b.gradients() == a.gradients()
    assert [n.delta for n in b.neurons] == [n.delta for n in a.neurons]


def test_checked_loss_names_the_output_neurons_a_loss_does_not_fit():
    with pytest.raises(LossError, match="loss 'softmax_cross_entropy' needs 'identity' output neurons; 'o1' is not"):
        dag().checked_loss("softmax_cross_entropy")


def test_checked_target_wants_one_value_per_output():
    net = dag()
    loss, _ = net.checked_loss("squared_error")
    with pytest.raises(ShapeError, match="target: expected 1 values, got 2"):
        net.checked_target([1.0, 0.0], loss)


def test_fast_run_batch_gives_the_object_engines_loss_and_gradients_and_replaces_the_engines_grads():
    net = dag()
    net.zero_grad()
    total = sum((net.forward(x), net.backward(y, "binary_cross_entropy"))[1] for x, y in zip(X.tolist(), Y.tolist()))
    expected = dict(zip(net.parameter_keys(), net.gradients()))
    engine = net.compile()
    engine.grads[:] = 7.0                              # replaced, not added to
    loss, vfused = engine.loss_forms("binary_cross_entropy")
    out, value = engine.run_batch(X.T, Y.T, loss, vfused)
    assert out.shape == (1, 4)
    np.testing.assert_allclose(out.T, net.predict(X), rtol=1e-12)
    assert abs(value - total) <= 1e-12 * abs(total)
    got = dict(zip(engine.keys, engine.grads.tolist()))
    assert got.keys() == expected.keys()
    assert max(abs(got[k] - expected[k]) for k in got) <= 1e-12


def test_fast_evaluate_batch_sums_the_loss_and_touches_no_gradient():
    net = dag()
    engine = net.compile()
    loss, vfused = engine.loss_forms("squared_error")
    before = engine.grads.copy()
    value, out = engine.evaluate_batch(X.T, Y.T, loss, vfused)
    expected = sum(net.loss(x, y) for x, y in zip(X.tolist(), Y.tolist()))
    assert abs(value - expected) <= 1e-12 * expected
    np.testing.assert_allclose(out.T, net.predict(X), rtol=1e-12)
    assert np.array_equal(engine.grads, before)


def test_fast_write_params_changes_the_engine_and_reaches_the_graph_at_push():
    net = dag()
    engine = net.compile()
    values = np.arange(len(engine.keys), dtype=float) / 10
    engine.write_params(values[:3], slice(0, 3))
    assert engine.params[:3].tolist() == [0.0, 0.1, 0.2]
    first = engine.keys[0]
    assert net.weight(*first) != 0.0                   # the graph is written at push
    engine.push()
    assert net.weight(*first) == 0.0


def test_the_network_type_check_tests_by_duck_type_without_importing_network():
    net = dag()
    assert _checks.network(net, "f()") is net
    for value, kind in ([1, 2], "list"), ({"graph": 1}, "dict"), (nx.DiGraph(), "DiGraph"):
        with pytest.raises(NeuronsimTypeError, match=f"f\\(\\) takes a Network, got {kind}"):
            _checks.network(value, "f()")


def test_the_network_type_check_refuses_the_network_class_itself():
    with pytest.raises(NeuronsimTypeError, match="takes a Network, got type"):
        _checks.network(neuronsim.Network, "to_networkx()")


def test_checked_target_takes_a_loss_by_name():
    net = neuronsim.Network.from_spec([("identity", 2), ("sigmoid", 1)], init="constant")
    assert net.checked_target([1], "binary_cross_entropy") == [1.0]
    with pytest.raises(LossError, match="unknown"):
        net.checked_target([1], "no_such_loss")

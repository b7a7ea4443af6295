"""Specification of the bridge from networks to Value expressions, and of its uses:
neuronsim.autograd.expression, Activation.from_expression and gradcheck's autograd oracle."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import neuronsim
from neuronsim import activations, gradcheck, losses
from neuronsim.activations import Activation
from neuronsim.autograd import NetworkExpression, Value, expression, topological_order
from neuronsim.errors import (ActivationError, LossError, NeuronsimError, NeuronsimTypeError,
                              ShapeError, ValueRangeError)

BUILTIN_ACTIVATIONS = ("identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "elu",
                       "silu", "softsign", "gaussian")
BUILTIN_LOSSES = ("squared_error", "mse", "binary_cross_entropy", "softmax_cross_entropy")


def relative_error(g, h, floor=0.0):
    """|g − h| / max(|g|, |h|, floor); 0 when that scale is subnormal (no relative precision).

    A gradient that sums terms of both signs can be far smaller than its terms, and two
    correct engines adding them in different orders then differ by rounding of the terms:
    `floor` (a thousandth of the case's largest gradient) is the scale such a gradient is
    measured against.
    """
    scale = max(abs(g), abs(h), floor)
    return abs(g - h) / scale if scale > 1e-300 else 0.0


def cancellation_floor(values):
    return 1e-3 * max(map(abs, values), default=0.0)


def network_gradients(net, x, target, loss):
    net.zero_grad()
    net.forward(x)
    C = net.backward(target, loss)
    return C, net.gradients()


def swish_expression(v):
    return v * v.sigmoid()


# --- random DAG networks ------------------------------------------------------------------------

_weight = st.floats(-2.0, 2.0, allow_nan=False)


@st.composite
def dag_cases(draw, loss):
    """A random DAG network with a case (x, target) that suits `loss`.

    1–3 inputs, 0–5 hidden neurons with random built-in activations, 1–3 explicit outputs
    (which may feed later outputs); each non-input neuron links from a random non-empty subset
    of the neurons before it. Pre-activations may sit exactly on a kink: the bridge must follow
    each activation's convention there.
    """
    n_in, n_hidden, n_out = draw(st.integers(1, 3)), draw(st.integers(0, 5)), draw(st.integers(1, 3))
    names = ([f"x{i}" for i in range(n_in)] + [f"h{i}" for i in range(n_hidden)]
             + [f"o{i}" for i in range(n_out)])
    if loss == "softmax_cross_entropy":
        output_activations = st.just("identity")
    elif loss == "binary_cross_entropy":  # all sigmoid: the fused form; mixed: the clipped one
        output_activations = st.sampled_from(["sigmoid", "gaussian"])
    else:
        output_activations = st.sampled_from(BUILTIN_ACTIVATIONS)
    net = neuronsim.Network()
    for position, name in enumerate(names):
        if position < n_in:
            net.add_neuron(name, "identity")
            continue
        kind = output_activations if name.startswith("o") else st.sampled_from(BUILTIN_ACTIVATIONS)
        net.add_neuron(name, draw(kind), bias=draw(st.floats(-1.0, 1.0)))
        sources = draw(st.lists(st.sampled_from(names[:position]), min_size=1, unique=True))
        for src in sources:
            net.connect(src, name, draw(_weight))
    net.set_inputs(names[:n_in])
    net.set_outputs(names[-n_out:])
    x = draw(st.lists(st.floats(-2.0, 2.0), min_size=n_in, max_size=n_in))
    low, high = losses.get(loss).target_range or (-2.0, 2.0)
    target = draw(st.lists(st.floats(low, high), min_size=n_out, max_size=n_out))
    return net, x, target


@pytest.mark.parametrize("loss", BUILTIN_LOSSES)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_bridge_gradients_equal_the_edge_by_edge_gradients_on_random_dags(loss, data):
    net, x, target = data.draw(dag_cases(loss))
    outputs = net.forward(x)
    if loss == "binary_cross_entropy":  # where losses.py's clip acts, C is flat (see Notes)
        assume(all(1e-15 < a < 1.0 - 1e-15 for a in outputs))
    expr = expression(net, x, target, loss)
    expr.loss.backward()
    C, reference = network_gradients(net, x, target, loss)
    assert relative_error(expr.loss.data, C) <= 1e-12
    floor = cancellation_floor(reference)
    for key, g, h in zip(net.parameter_keys(), expr.gradients(), reference):
        assert relative_error(g, h, floor) <= 1e-10, (key, g, h)


@pytest.mark.parametrize("loss", BUILTIN_LOSSES)
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_bridge_pre_activation_gradients_are_the_neuron_deltas(loss, data):
    net, x, target = data.draw(dag_cases(loss))
    outputs = net.forward(x)
    if loss == "binary_cross_entropy":
        assume(all(1e-15 < a < 1.0 - 1e-15 for a in outputs))
    expr = expression(net, x, target, loss)
    expr.loss.backward()
    network_gradients(net, x, target, loss)
    floor = cancellation_floor(net[name].delta for name in expr.z)
    for name, z in expr.z.items():
        assert relative_error(z.grad, net[name].delta, floor) <= 1e-10, name


def test_bridge_forward_values_are_the_neuron_states():
    net = neuronsim.Network.from_spec([("identity", 2), ("elu", 3), ("softsign", 2)], seed=3)
    expr = expression(net, [0.4, -1.3], [0.0, 1.0])
    net.forward([0.4, -1.3])
    for neuron in net.neurons[2:]:
        assert expr.z[neuron.name].data == neuron.z
        assert expr.a[neuron.name].data == neuron.a
    assert [a.data for a in expr.outputs.values()] == [net["o1"].a, net["o2"].a]


# --- leaves mapped back to edges and neurons ----------------------------------------------------


def small_net():
    net = neuronsim.Network()
    for name, act in [("x1", "identity"), ("x2", "identity"), ("h", "tanh"), ("o", "sigmoid")]:
        net.add_neuron(name, act, bias=0.0 if name.startswith("x") else 0.25)
    net.connect("x1", "h", 0.5)
    net.connect("x2", "h", -0.5)
    net.connect("h", "o", 1.5)
    net.connect("x1", "o", 0.25)  # a skip link
    return net


def test_every_weight_leaf_holds_its_edge_weight_and_is_labelled_by_the_edge():
    net = small_net()
    expr = expression(net, [1.0, 2.0], [0.0])
    assert set(expr.weights) == set(net.graph.edges)
    for (src, dst), leaf in expr.weights.items():
        assert leaf.data == net.graph.edges[src, dst]["weight"]
        assert leaf.label == f"w[{src}->{dst}]"
        assert not leaf.parents


def test_every_bias_leaf_holds_its_neuron_bias_and_inputs_are_clamped_leaves():
    net = small_net()
    expr = expression(net, [1.0, 2.0], [0.0])
    assert {name: leaf.data for name, leaf in expr.biases.items()} == {"h": 0.25, "o": 0.25}
    assert {name: leaf.data for name, leaf in expr.inputs.items()} == {"x1": 1.0, "x2": 2.0}
    assert all(not leaf.parents for leaf in [*expr.biases.values(), *expr.inputs.values()])


def test_parameters_follow_the_network_parameter_keys():
    net = small_net()
    expr = expression(net, [1.0, 2.0], [0.0])
    assert expr.keys == net.parameter_keys()
    assert [leaf.data for leaf in expr.parameters()] == net.parameters()


def test_locate_maps_every_labelled_leaf_back_to_its_edge_or_neuron():
    net = small_net()
    expr = expression(net, [1.0, 2.0], [0.0])
    located = {}
    for v in topological_order(expr.loss):
        if not v.parents and expr.locate(v) is not None:
            located[expr.locate(v)] = v
    assert set(located) == ({("weight", edge) for edge in net.graph.edges}
                            | {("bias", "h"), ("bias", "o"), ("input", "x1"), ("input", "x2")})
    assert expr.locate(expr.loss) is None
    assert expr.locate(Value(1.0)) is None


def test_input_leaves_get_the_gradient_of_the_loss_in_the_inputs():
    net = neuronsim.Network.from_spec([("identity", 1), ("identity", 1)], init="constant")
    net.set_weight("x1", "o1", 3.0)
    expr = expression(net, [2.0], [1.0])  # C = ½ (3x − 1)², dC/dx = 3 (3x − 1) = 15
    expr.loss.backward()
    assert expr.inputs["x1"].grad == 15.0


def test_expression_leaves_the_network_untouched():
    net = small_net()
    net.forward([0.3, 0.1])
    net.backward([1.0])
    before = (net.parameters(), net.gradients(), [(n.z, n.a, n.delta) for n in net.neurons])
    expression(net, [1.0, 2.0], [0.0]).loss.backward()
    assert (net.parameters(), net.gradients(), [(n.z, n.a, n.delta) for n in net.neurons]) == before


def test_a_neuron_without_incoming_links_has_its_bias_as_pre_activation():
    net = small_net()
    net.add_neuron("c", "tanh", bias=0.5)
    net.connect("c", "o", 1.0)
    net.set_inputs(["x1", "x2"])
    expr = expression(net, [1.0, 2.0], [0.0])
    assert expr.z["c"] is expr.biases["c"] and expr.biases["c"].label == "b[c]"
    expr.loss.backward()
    assert expr.gradients() == pytest.approx(network_gradients(net, [1.0, 2.0], [0.0], "squared_error")[1],
                                             rel=1e-12)


def test_gradients_before_backward_is_an_error():
    expr = expression(small_net(), [1.0, 2.0], [0.0])
    with pytest.raises(NeuronsimError, match="backward"):
        expr.gradients()


def test_network_expression_repr_names_the_cost():
    expr = expression(small_net(), [1.0, 2.0], [0.0])
    assert isinstance(expr, NetworkExpression)
    assert repr(expr).startswith("NetworkExpression(C=")


# --- the activations' and losses' Value forms ---------------------------------------------------

GRID = [-1e3, -30.0, -5.0, -1.0, -0.3, -1e-9, 0.0, 1e-9, 0.3, 1.0, 5.0, 30.0, 1e3]


@pytest.mark.parametrize("name", BUILTIN_ACTIVATIONS)
def test_every_builtin_activation_has_a_value_form_matching_f_and_its_derivative(name):
    activation = activations.get(name)
    net = neuronsim.Network.from_spec([("identity", 1), (name, 1)], init="constant")
    net.set_weight("x1", "o1", 1.0)
    for z in GRID:
        expr = expression(net, [z], [0.0])
        a = expr.a["o1"]
        a.backward()
        assert relative_error(a.data, activation.f(z)) <= 1e-15, z
        assert relative_error(expr.z["o1"].grad, activation.derivative(z)) <= 1e-12, z


def test_the_leaky_slope_is_the_one_of_the_activations_module():
    from neuronsim import autograd

    assert autograd.bridge._LEAKY_SLOPE == activations.LEAKY_SLOPE


@pytest.mark.parametrize("outputs, fused", [(["sigmoid", "sigmoid"], True), (["sigmoid", "gaussian"], False)])
def test_binary_cross_entropy_is_fused_on_sigmoid_outputs_only(outputs, fused):
    net = neuronsim.Network()
    net.add_neuron("x", "identity")
    for i, act in enumerate(outputs):
        net.add_neuron(f"o{i}", act, bias=0.1)
        net.connect("x", f"o{i}", 0.7)
    expr = expression(net, [0.5], [1.0, 0.0], "bce")
    ops = {v.op for v in topological_order(expr.loss)}
    assert ("softplus" in ops) is fused and ("log1p" in ops) is not fused


def test_binary_cross_entropy_on_a_clipped_output_has_zero_gradient():
    net = neuronsim.Network.from_spec([("identity", 1), ("gaussian", 1)], init="constant")
    net.set_weight("x1", "o1", 1.0)
    expr = expression(net, [0.0], [0.0], "bce")  # a = e^0 = 1, clipped to 1 − 1e-15
    expr.loss.backward()
    assert expr.loss.data == pytest.approx(-math.log1p(-(1.0 - 1e-15)))
    assert expr.gradients() == [0.0, 0.0]


def test_softmax_cross_entropy_is_stable_for_large_logits():
    net = neuronsim.Network.from_spec([("identity", 1), ("identity", 2)], init="constant")
    net.set_weight("x1", "o1", 1.0)
    net.set_weight("x1", "o2", -1.0)
    expr = expression(net, [800.0], [1.0, 0.0], "cross_entropy")
    expr.loss.backward()
    assert expr.loss.data == net.loss([800.0], [1.0, 0.0], "cross_entropy")
    assert expr.gradients() == network_gradients(net, [800.0], [1.0, 0.0], "cross_entropy")[1]


# --- errors at the door -------------------------------------------------------------------------


def test_an_activation_without_expression_form_is_refused_by_name():
    net = small_net()
    net["h"].activation = Activation("cube", lambda z: z ** 3, lambda z: 3 * z * z)
    with pytest.raises(ActivationError, match=r"activation 'cube' of neuron 'h' has no expression "
                                              r"form; build it with Activation\.from_expression"):
        expression(net, [1.0, 2.0], [0.0])


def test_an_activation_reusing_a_builtin_name_with_another_f_is_refused():
    net = small_net()
    net["h"].activation = Activation("tanh", lambda z: 2.0 * math.tanh(z), lambda z: 2.0 / math.cosh(z) ** 2)
    with pytest.raises(ActivationError, match="'tanh' of neuron 'h'.*disagrees"):
        expression(net, [1.0, 2.0], [0.0])


def test_a_loss_without_expression_form_is_refused():
    absolute = losses.Loss("absolute", lambda a, t: sum(abs(x - y) for x, y in zip(a, t)),
                           lambda a, t: [math.copysign(1.0, x - y) for x, y in zip(a, t)])
    with pytest.raises(LossError, match="'absolute' has no expression form"):
        expression(small_net(), [1.0, 2.0], [0.0], absolute)


def test_an_unknown_loss_name_is_refused():
    with pytest.raises(LossError, match="unknown loss 'hinge'"):
        expression(small_net(), [1.0, 2.0], [0.0], "hinge")


def test_softmax_cross_entropy_needs_identity_outputs():
    with pytest.raises(LossError, match="needs 'identity' output neurons; 'o' is not"):
        expression(small_net(), [1.0, 2.0], [1.0], "softmax_cross_entropy")


@pytest.mark.parametrize("x, target, error, message", [
    ([1.0], [0.0], ShapeError, "input x: expected 2 values, got 1"),
    ([1.0, 2.0], [0.0, 1.0], ShapeError, "target: expected 1 values, got 2"),
    ([1.0, math.nan], [0.0], ValueRangeError, r"input x\[1\] must be finite"),
])
def test_inputs_and_targets_are_checked(x, target, error, message):
    with pytest.raises(error, match=message):
        expression(small_net(), x, target)


def test_a_target_outside_the_loss_range_is_refused():
    with pytest.raises(ValueRangeError, match=r"target\[0\] = 2.0 is outside \[0.0, 1.0\]"):
        expression(small_net(), [1.0, 2.0], [2.0], "binary_cross_entropy")


def test_expression_needs_a_network():
    with pytest.raises(NeuronsimTypeError, match="needs a Network, got list"):
        expression([], [1.0], [0.0])


# --- the Value operations the forms use ---------------------------------------------------------


@pytest.mark.parametrize("op, derivative", [
    (lambda v: abs(v), lambda x: math.copysign(1.0, x)),
    (lambda v: v.expm1(), math.exp),
    (lambda v: (v * v).log1p(), lambda x: 2 * x / (1 + x * x)),
    (lambda v: v.softplus(), lambda x: 1.0 / (1.0 + math.exp(-x))),
])
@pytest.mark.parametrize("x", [-3.0, -0.5, 0.7, 4.0])
def test_new_value_operations_have_their_derivative_beside_them(op, derivative, x):
    v = Value(x)
    op(v).backward()
    assert v.grad == pytest.approx(derivative(x), rel=1e-14)


def test_abs_has_derivative_zero_at_zero():
    v = Value(0.0)
    abs(v).backward()
    assert v.grad == 0.0


def test_softplus_never_overflows_and_expm1_and_log1p_name_their_domain():
    assert Value(1e4).softplus().data == 1e4
    assert Value(-1e4).softplus().data == 0.0
    with pytest.raises(ValueRangeError, match="expm1"):
        Value(1000.0).expm1()
    with pytest.raises(ValueRangeError, match="log1p"):
        Value(-1.0).log1p()


# --- Activation.from_expression -----------------------------------------------------------------


def sigma(z):
    return 1.0 / (1.0 + math.exp(-z))


@pytest.mark.parametrize("z", [-20.0, -2.0, -0.1, 0.0, 0.1, 2.0, 20.0])
def test_swish_from_its_expression_has_the_closed_form_f_and_derivative(z):
    swish = Activation.from_expression("swish_test", swish_expression)
    s = sigma(z)
    assert swish.f(z) == pytest.approx(z * s, rel=1e-15, abs=1e-300)
    assert swish.derivative(z) == pytest.approx(s + z * s * (1.0 - s), rel=1e-14)


def test_from_expression_keeps_its_function_and_derives_numpy_forms():
    swish = Activation.from_expression("swish_test", swish_expression)
    assert swish.expression is swish_expression
    assert activations.get("tanh").expression is None
    z = np.array([-1.0, 0.0, 2.0])
    assert np.allclose(swish.vf(z), z * (1 / (1 + np.exp(-z))), rtol=1e-15)
    assert np.allclose(swish.vdf(z, swish.vf(z)), [swish.derivative(v) for v in z], rtol=1e-15)
    assert activations.check(swish).ok


@pytest.mark.parametrize("oracle", ["finite_difference", "autograd", "both"])
def test_a_network_using_a_derived_activation_passes_gradcheck(oracle):
    swish = Activation.from_expression("swish_test", swish_expression)
    net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 3), ("sigmoid", 1)], seed=2)
    for neuron in net.neurons:
        if neuron.name.startswith("h"):
            neuron.activation = swish
    report = gradcheck(net, [0.7, -1.2], [1.0], oracle=oracle)
    assert report.ok, report.describe()


def test_from_expression_refuses_a_function_that_is_not_callable_or_returns_no_value():
    with pytest.raises(NeuronsimTypeError, match="fn must be callable"):
        Activation.from_expression("bad", 3.0)
    constant = Activation.from_expression("constant", lambda v: 1.0)
    with pytest.raises(NeuronsimTypeError, match="'constant': fn must return a Value, got float"):
        constant.f(0.0)


def test_a_registered_derived_activation_is_usable_by_name(monkeypatch):
    monkeypatch.setattr(activations, "_REGISTRY", dict(activations._REGISTRY))  # leak nothing
    activations.register(Activation.from_expression("swish_by_name", swish_expression))
    net = neuronsim.Network.from_spec([("identity", 2), ("swish_by_name", 2), ("identity", 1)], seed=0)
    assert gradcheck(net, [0.5, 0.25], [1.0], oracle="autograd", rtol=1e-10).ok


# --- gradcheck's autograd oracle ----------------------------------------------------------------


def random_net():
    return neuronsim.Network.from_spec([("identity", 3), ("elu", 4), ("softsign", 3), ("sigmoid", 2)],
                                       seed=7)


def test_gradcheck_autograd_oracle_reports_ok_to_rounding():
    report = gradcheck(random_net(), [0.5, -0.2, 1.0], [1.0, 0.0], "bce", oracle="autograd", rtol=1e-10)
    assert report.ok and report.oracle == "autograd" and report.max_rel_error < 1e-12
    assert "autograd" in report.describe() and "finite difference" not in report.describe()


def test_gradcheck_both_oracles_reports_each_and_needs_both():
    report = gradcheck(random_net(), [0.5, -0.2, 1.0], [1.0, 0.0], oracle="both")
    assert report.ok
    assert set(report.reports) == {"finite_difference", "autograd"}
    assert all(r.ok for r in report.reports.values())
    assert report.oracle == "finite_difference"  # the larger error of the two
    text = report.describe()
    assert text.startswith("gradcheck ok: worst ") and "finite difference" in text and "autograd" in text


def test_gradcheck_default_stays_finite_differences_with_the_same_report():
    report = gradcheck(random_net(), [0.5, -0.2, 1.0], [1.0, 0.0])
    assert report.oracle == "finite_difference" and report.reports == {}
    assert report.describe().startswith("gradcheck ok: worst ")
    assert ", finite difference " in report.describe()


def test_the_autograd_oracle_catches_a_wrong_derivative():
    swish = Activation.from_expression("swish_test", swish_expression)
    swish.df = lambda z, a: a  # wrong: forgets the z·σ′ term
    net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 2), ("identity", 1)], seed=1)
    net["h1"].activation = swish
    report = gradcheck(net, [1.0, -1.0], [0.5], oracle="both")
    assert not report.ok and not report.reports["autograd"].ok and not report.reports["finite_difference"].ok
    assert report.describe().startswith("gradcheck MISMATCH")


def test_gradcheck_autograd_leaves_the_network_as_found():
    net = random_net()
    net.forward([0.1, 0.2, 0.3])
    net.backward([1.0, 0.0])
    before = (net.parameters(), net.gradients())
    gradcheck(net, [0.5, -0.2, 1.0], [1.0, 0.0], oracle="autograd")
    assert (net.parameters(), net.gradients()) == before


def test_gradcheck_refuses_an_unknown_oracle():
    with pytest.raises(NeuronsimError,
                       match="unknown oracle 'torch'; known: finite_difference, autograd, both"):
        gradcheck(random_net(), [0.5, -0.2, 1.0], [1.0, 0.0], oracle="torch")


@pytest.mark.parametrize("logit", [2.0 ** 34, 1e16, 1e300])
def test_softmax_cross_entropy_expression_keeps_its_log_term_at_huge_logits(logit):
    net = neuronsim.Network.from_spec([("identity", 1), ("identity", 2)], init="constant")
    net.set_weight("x1", "o1", logit)
    net.set_weight("x1", "o2", logit)
    expr = expression(net, [1.0], [0.5, 0.5], "softmax_cross_entropy")
    expr.loss.backward()
    assert expr.loss.data == math.log(2)
    assert net.loss([1.0], [0.5, 0.5], "softmax_cross_entropy") == math.log(2)

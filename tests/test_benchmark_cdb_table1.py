"""benchmarks/cdb_table1.py: Sinha et al.'s Table 1 next to a long-tailed uci.py run."""

import cdb_table1
import pandas as pd
import pytest


def _folds():
    # two data sets x two seeds x two ratios; "none" and "cdb" (and one other method)
    rows = []
    accuracy = {("none", 10): 0.70, ("none", 100): 0.50, ("cdb", 10): 0.72, ("cdb", 100): 0.56,
                ("other", 10): 0.60, ("other", 100): 0.40}
    for (method, ratio), acc in accuracy.items():
        for dataset, shift in (("a", 0.0), ("b", 0.02)):
            for seed in (0, 1):
                rows.append({"dataset": f"{dataset}, IR {ratio}", "method": method,
                             "repeat": seed, "accuracy": acc + shift + 0.01 * seed,
                             "many_shot_accuracy": 0.9, "few_shot_accuracy": 0.3, "error": ""})
    return pd.DataFrame(rows)


def test_per_seed_averages_the_data_sets_of_each_ratio_in_percent():
    table = cdb_table1.per_seed(_folds()).set_index(["method", "seed"])
    # none, seed 1, IR 10: data sets a and b at 0.71 and 0.73 -> 72 %
    assert table.at[("none", 1), 10.0] == pytest.approx(72.0)
    assert table.at[("cdb", 0), 100.0] == pytest.approx(57.0)  # (0.56 + 0.58) / 2


def test_report_sets_the_paper_accuracy_next_to_ours():
    lines = "\n".join(cdb_table1.report(_folds()))
    # the paper's CIFAR100-LT IR10 errors 44.35 (CE) and 41.39 (CDB-S): accuracy 55.65, 58.61
    assert "| CE loss (paper) | 55.65 | 38.21 |" in lines
    assert "| CDB-S (paper) | 58.61 | 41.97 |" in lines
    # ours: CE at IR 10 is 71 and 72 over the seeds (mean 71.5, std 0.7)
    assert "| CE loss (here) | 71.5 ± 0.7 | 51.5 ± 0.7 |" in lines
    # CDB-S vs CE: paper +2.96 at IR 10, here +2.0 in both seeds (s.e. 0)
    assert "| CDB-S vs CE loss | +3.0 / +2.0 ± 0.0 | +3.8 / +6.0 ± 0.0 |" in lines
    assert "Same direction in 2 of 2 cells." in lines
    # methods of the run outside the paper's table are listed, ours only
    assert "| other | 61.5 ± 0.7 (90.0 / 30.0) | 41.5 ± 0.7 (90.0 / 30.0) |" in lines

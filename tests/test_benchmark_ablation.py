"""The ablation studies of benchmarks/ablation.py (package benchmarks/ablation/)."""

import ablation.cli
import numpy as np
import pandas as pd
import pytest
from ablation import report, runs
from ablation.studies import STUDIES, steps_budget


def _rows(values):
    """Rows of variants a and b on two data sets: {(variant, dataset): [per-fold scores]}."""
    rows = []
    for (variant, dataset), scores in values.items():
        rows += [dict(dataset=dataset, variant=variant, repeat=0, fold=fold,
                      balanced_accuracy=score, error="") for fold, score in enumerate(scores)]
    return pd.DataFrame(rows)


def test_paired_difference_by_hand():
    frame = _rows({("a", "x"): [0.5, 0.6], ("b", "x"): [0.6, 0.6],
                   ("a", "y"): [0.8, 0.8], ("b", "y"): [0.7, 0.9]})
    diff, se, better, worse = report.paired(frame, "b", "a", "balanced_accuracy")
    # per fold b - a: x (+0.1, 0), y (-0.1, +0.1); per data set 0.05 and 0
    assert diff == pytest.approx(0.025)
    assert se == pytest.approx(np.std([0.1, 0.0, -0.1, 0.1], ddof=1) / 2)
    assert (better, worse) == (2, 1)


def test_each_recipe_variant_changes_its_part_only():
    study = STUDIES["recipe"]
    y = np.array([0] * 80 + [1] * 20)
    base = runs.build(study, study.variants["recipe"], y, 7)["net"].get_params()
    changed = {}
    for label, variant in study.variants.items():
        net = runs.build(study, variant, y, 7)["net"].get_params()
        keys = (set(base) | set(net)) - {k for k in {*base, *net} if k.startswith("callbacks")}
        changed[label] = sorted(k for k in keys if k not in base or k not in net
                                or (net[k] is not base[k] and net[k] != base[k]))
    assert changed["recipe"] == []
    assert changed["no_dropout"] == ["module__dropout"]
    assert changed["adjusted_loss"] == ["strategy__mode"]
    assert changed["epochs_50_batch_128"] == ["batch_size", "max_epochs"]
    # strategy="none" drops logit adjustment's own parameters
    assert changed["class_weighted_ce"] == ["class_weight", "strategy", "strategy__mode",
                                            "strategy__tau"]
    assert changed["constant_lr"] == []  # callbacks__lr_schedule=None, a callback setting
    # 100 rows: batch 32 (auto), 4 steps per epoch; 500 steps -> 125 epochs, 2000 -> 300 (the cap)
    assert steps_budget(500)(y, 0) == dict(batch_size=32, max_epochs=125)
    assert steps_budget(2000)(y, 0) == dict(batch_size=32, max_epochs=300)


def test_a_study_records_every_fit_and_resumes(tmp_path, capsys):
    argv = ["class-balanced-beta", "--variants", "none", "beta_auto", "--datasets", "haberman",
            "--out", str(tmp_path)]
    ablation.cli.main(argv)
    rows = pd.read_csv(tmp_path / "class-balanced-beta.csv")
    assert len(rows) == 10 and (rows.error.isna()).all()
    assert (rows[rows.variant == "none"].weight_ratio == 1.0).all()
    assert (rows[rows.variant == "beta_auto"].weight_ratio > 2).all()  # 225 : 81 rows
    text = (tmp_path / "class-balanced-beta.md").read_text()
    assert "python benchmarks/ablation.py class-balanced-beta --variants none" in text
    ablation.cli.main(argv)
    assert "0 fits to run, 10 already" in capsys.readouterr().out

"""The papers' Table 3s next to ours: paper_tables, subclass_simulation, long_tail_recall."""

import math

import long_tail_recall
import numpy as np
import pandas as pd
import paper_tables
import pytest
import subclass
import subclass.cli

# ----------------------------------------------------------------------
# the pattern figures, by hand


def _fake():
    paper = pd.DataFrame({"acc": [80.0, 79.8], "ratio": [2.0, 4.0]}, index=["A", "B"])
    ours = pd.DataFrame({"method": ["A", "A", "B", "B"], "seed": [0, 1, 0, 1],
                         "acc": [70.0, 72.0, 68.0, 69.0], "ratio": [1.0, 3.0, 2.0, 3.0]})
    return paper, ours


def test_pair_gains_by_hand():
    paper, ours = _fake()
    gains = paper_tables.pair_gains(paper, ours, [("A", "B")], ["acc", "ratio"], ["ratio"])
    acc, ratio = (gains.set_index("metric").loc[m] for m in ("acc", "ratio"))
    # accuracy: paper 80 - 79.8 = +0.2 (a tie under 0.5); ours per seed +2, +3
    assert acc["paper"] == pytest.approx(0.2)
    assert acc["here"] == pytest.approx(2.5)
    assert acc["here_sem"] == pytest.approx(np.std([2, 3], ddof=1) / math.sqrt(2))  # 0.5
    assert (acc["paper_sign"], acc["here_sign"], acc["same"]) == (0, 1, False)
    # ratio: paper 2 / 4 = 0.5; ours factors 1/2 and 3/3, geometric mean sqrt(0.5)
    assert ratio["paper"] == pytest.approx(0.5)
    assert ratio["here"] == pytest.approx(math.sqrt(0.5))
    assert (ratio["paper_sign"], ratio["here_sign"], ratio["same"]) == (-1, -1, True)
    assert paper_tables.agreement(gains) == (1, 2)


def test_signs_and_best_with_ties():
    assert [paper_tables.sign(d) for d in (-0.6, -0.4, 0.0, 0.49, 0.5)] == [-1, 0, 0, 0, 1]
    assert [paper_tables.ratio_sign(f) for f in (0.9, 0.96, 1.04, 1.1)] == [-1, 0, 0, 1]
    assert paper_tables.signed(-0.04) == "+0.0" and paper_tables.signed(1.25, 2) == "+1.25"
    table = pd.DataFrame({"acc": [80.0, 79.6, 78.0], "ratio": [2.0, 2.05, 3.0]},
                         index=["A", "B", "C"])
    # acc: B within 0.5 of A; ratio (lowest best): B within 5 % of A
    assert paper_tables.best(table, ["acc", "ratio"], ["ratio"]) == {
        "acc": "A = B", "ratio": "A = B"}


def test_section_prints_both_tables_and_the_agreement():
    paper, ours = _fake()
    text = "\n".join(paper_tables.section(paper, ours, [("A", "B")], ["acc", "ratio"],
                                           ["ratio"], names={"A": "a", "B": "b"}))
    assert "| A (paper) | 80 | 2 |" in text
    assert "| A (here) | 71.0 ± 1.4 | 2.00 ± 1.41 |" in text
    # log factors -ln 2 and 0: standard error ln(2) / 2, i.e. a factor of 1.41
    assert "| A vs B | +0.2 / +2.5 ± 0.5 | ×0.50 / ×0.71 (±41 %) |" in text
    assert "Same direction in 1 of 2 cells. Different: A vs B on acc (paper: tie, " \
        "here: A wins)." in text
    # best here from the means over seeds: acc 71 vs 68.5, ratio 2 vs 2.5
    assert "| paper | A = B | A |" in text and "| here | A | A |" in text
    assert "Methods here: A = `a`; B = `b`." in text


# ----------------------------------------------------------------------
# Yu et al. Table 3 in the sub-class simulation


def test_paper_profile_follows_yu_table3_protocol():
    data = subclass.make_subclass_digits(0, profile="paper")
    counts = np.bincount(data["sub_train"], minlength=10)
    # round(100 * 100 ** (-d / 9)) images of digit d
    assert counts.tolist() == [100, 60, 36, 22, 13, 8, 5, 3, 2, 1]
    assert data["major"].tolist() == [0, 1, 2, 3]
    assert np.array_equal(data["y_train"], data["sub_train"] % 2)
    with pytest.raises(ValueError, match="profile"):
        subclass.make_subclass_digits(0, profile="mnist")


def _fake_subclass_results():
    rows = []
    for seed, shift in ((0, 0.0), (1, 0.02)):
        for strategy, acc, ratio in (("none", 0.80, 100.0), ("class_balanced", 0.82, 70.0),
                                     ("instance_difficulty", 0.81, 50.0)):
            row = {m: acc + shift for m in subclass.METRICS if m.startswith("acc")}
            row.update(strategy=strategy, seed=seed, class_ratio=1.5, subclass_ratio=ratio,
                       within_class_ratio=10.0, n_train=250, fit_seconds=1.0)
            rows.append(row)
    return pd.DataFrame(rows)


def test_subclass_paper_section_pattern_figures():
    results = _fake_subclass_results()
    paper, ours = subclass.paper_comparison(results)
    assert list(paper.index) == ["Base", "CB", "Ours"]
    assert paper.at["Ours", "odd_minor"] == 77.43 and paper.at["CB", "subclass_ratio"] == 69.6
    text = "\n".join(subclass.paper_section(results))
    assert "| Base (paper) | 86.04 | 90.95 | 98.88 | 85.54 | 81.28 | 96.92 | 70.09 | 1.7 | 100 |" \
        in text
    # CB - Base: paper overall 86.19 - 86.04, odd_minor 72.44 - 70.09; ours +2 points on
    # both seeds; sub-class ratio 69.6 / 100 in the paper, 70 / 100 here; class ratio
    # 1.2 / 1.7 in the paper, 1.5 / 1.5 here
    cells = "| CB vs Base | +0.1 / +2.0 ± 0.0 | " + " | ".join(
        [f"{paper_tables.signed(a - b)} / +2.0 ± 0.0" for a, b in
         ((89.77, 90.95), (98.73, 98.88), (83.66, 85.54), (82.72, 81.28), (97.11, 96.92),
          (72.44, 70.09))]) + " | ×0.71 / ×1.00 (±0 %) | ×0.70 / ×0.70 (±0 %) |"
    assert cells in text
    # Ours - CB here: -1 point, a loss; in the paper +1.8 overall, a win
    assert "Ours vs CB on overall (paper: A wins, here: B wins)" in text
    assert "| here | CB | CB | CB | CB | CB | CB | CB | Base = CB = Ours | Ours |" in text


def test_subclass_summary_has_the_new_columns_and_table3(tmp_path):
    results = subclass.cli.main(["--seeds", "0", "--epochs", "1", "--profile", "paper",
                                        "--out-dir", str(tmp_path)])
    text = (tmp_path / "subclass_simulation.md").read_text()
    assert "Yu et al. (CVPR 2022) Table 3 next to ours" in text
    assert "| even major | even minor | odd major | odd minor |" in text
    assert "--profile paper" in text and "| Ours vs CB |" in text
    data = subclass.make_subclass_digits(0, profile="paper")
    by = results.set_index("strategy")
    assert by.loc["none", "subclass_ratio"] == pytest.approx(100.0)  # 100 / 1 images
    n_even = np.sum(data["y_train"] == 0)
    assert by.loc["none", "class_ratio"] == pytest.approx(n_even / (len(data["y_train"]) - n_even))


# ----------------------------------------------------------------------
# Zhang et al.'s GHM-CWAP ablation on the long-tailed protocol


def test_shot_groups_are_quarters_by_training_count():
    y = np.repeat(np.arange(10), [5, 50, 7, 40, 30, 20, 10, 1, 8, 9])
    groups = long_tail_recall.shot_groups(y)
    assert [g.tolist() for g in groups] == [[1, 3, 4], [5, 6, 9], [8, 2], [0, 7]]


def _fake_ghm_rows():
    rows = []
    for seed in (0, 1):
        for k, variant in enumerate(long_tail_recall.PAPER_VARIANTS):
            # every variant 1 point above the previous one on every group (+ seed noise)
            value = 0.30 + 0.01 * k + 0.001 * seed * k
            rows.append({"strategy": variant, "seed": seed, "head_recall": value,
                         "tail_recall": value, "many": value, "medium": value,
                         "few": value, "rare": value, "balanced_accuracy": value,
                         "fit_time": 1.0})
    return rows


def test_ghm_paper_section_pattern_figures():
    text = "\n".join(long_tail_recall.paper_section(_fake_ghm_rows()))
    assert "| Softmax (paper) | 63.91 | 48.07 | 22.15 | 12.55 | 36.67 |" in text
    # R - Softmax: paper -0.40 / +0.62 / +2.22 / +2.97 / +1.35; here +1 and +1.1 points
    assert "| R vs Softmax | -0.40 / +1.05 ± 0.05 | +0.62 / +1.05 ± 0.05 | " \
        "+2.22 / +1.05 ± 0.05 | +2.97 / +1.05 ± 0.05 | +1.35 / +1.05 ± 0.05 |" in text
    # AURA over URA: paper +0.06 on Many (a tie under 0.2), here +1.0 + 0.1 seed
    assert "R+A_AURA vs R+A_URA on Many (paper: tie, here: A wins)" in text
    assert "| here | R+A_AURA | R+A_AURA | R+A_AURA | R+A_AURA | R+A_AURA |" in text
    assert "R+A_AURA = `ghm_cwap`" in text and "R = `ghm_cwap:gamma=0.0,adaptive=False`" in text


def test_ghm_paper_run_writes_the_ablation(tmp_path):
    long_tail_recall.main(["--paper", "--seeds", "1", "--epochs", "1", "--dataset", "digits",
                           "--out", str(tmp_path)])
    text = (tmp_path / "ablation.md").read_text()
    for variant in long_tail_recall.PAPER_VARIANTS:
        assert f"| {variant} (paper) |" in text and f"| {variant} (here) |" in text
    assert "Same direction in" in text and "--paper" in text
    rows = pd.read_csv(tmp_path / "ablation.csv")
    assert set(rows["strategy"]) == set(long_tail_recall.PAPER_VARIANTS)
    # on the balanced test set the four groups' mean recall is the balanced accuracy
    # when the groups are equally large (digits: 10 classes -> 3, 3, 2, 2: weighted)
    sizes = np.array([3, 3, 2, 2])
    groups = rows[list(long_tail_recall.SHOT_GROUPS)].to_numpy()
    assert np.allclose(groups @ sizes / 10, rows["balanced_accuracy"])

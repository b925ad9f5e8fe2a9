"""Yu et al.'s Table 4 next to our replication (benchmarks/uci.py --paper)."""

import pandas as pd
import pytest
import uci.cli
import uci.paper


def test_patterns_by_hand():
    paper = pd.DataFrame({"Base": [80.0, 50.0, 90.0, 70.0], "CB": [80.0, 60.0, 91.0, 70.0],
                          "Ours": [82.0, 65.0, 89.0, 70.0]}, index=["a", "b", "c", "x"])
    # ours on a, b, c (x is not replicated); accuracies as fractions
    ours = pd.DataFrame({"none": [0.700, 0.600, 0.800], "class_balanced": [0.703, 0.650, 0.790],
                         "instance_difficulty": [0.720, 0.640, 0.800]}, index=["a", "b", "c"])
    pairs, winners, ranks = uci.paper.compare(
        (100 * ours).rename(columns=uci.paper.COLUMNS), paper)
    by = pairs.set_index("comparison")
    # CB - Base: paper 0, +10, +1 -> tie, win, win; here +0.3, +5, -1 -> tie, win, loss
    assert by.loc["CB vs Base", "paper"] == "2 / 1 / 0"
    assert by.loc["CB vs Base", "here"] == "1 / 1 / 1"
    assert by.loc["CB vs Base", "same direction"] == "2 of 3"
    assert by.loc["CB vs Base", "mean difference, paper"] == "+3.7"  # 11 / 3
    assert by.loc["CB vs Base", "mean difference, here"] == "+1.4"  # 4.3 / 3
    # Ours - CB: paper +2, +5, -2; here +1.7, -1, +1 -> same direction on a only
    assert by.loc["Ours vs CB", "same direction"] == "1 of 3"
    assert winners.to_dict("index") == {
        "a": {"paper": "Ours", "here": "Ours"}, "b": {"paper": "Ours", "here": "CB"},
        "c": {"paper": "CB", "here": "Base = Ours"}}
    assert uci.paper._overlaps(winners) == 1
    # paper ranks: a: Ours 1, Base = CB 2.5; b: Ours 1, CB 2, Base 3; c: CB 1, Base 2, Ours 3
    assert ranks.loc["Base", "paper"] == pytest.approx((2.5 + 3 + 2) / 3)
    assert ranks.loc["Ours", "paper"] == pytest.approx((1 + 1 + 3) / 3)
    lines = "\n".join(uci.paper.section(ours, 0 * ours, paper))
    assert "Not replicated (not shipped offline): x." in lines
    assert "| a | 80.0 | 80.0 | 82.0 | 70.0 ± 0.0 | 70.3 ± 0.0 | 72.0 ± 0.0 | +0.0 / +0.3 |" \
        in lines
    assert "A best method in common on 1 of 3 data sets." in lines


def test_paper_run_prints_table4_next_to_ours(tmp_path, capsys):
    uci.cli.main(["--paper", "--suite", "iris", "glass", "--n-splits", "2", "--n-repeats", "1",
              "--epochs", "2", "--no-progress", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "Yu et al. (CVPR 2022) Table 4 next to ours" in out
    table = uci.paper.read_table()
    assert list(table.columns) == ["Base", "CB", "Ours"] and len(table) == 10
    summary = (tmp_path / "summary.md").read_text()
    for text in ("Table 4 next to ours", f"| iris | {table.at['iris', 'Base']:.1f} |",
                 "| CB vs Base |", "| Ours vs CB |", "robot", "best in the paper"):
        assert text in summary and text in out

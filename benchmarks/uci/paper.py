"""Yu et al.'s Table 4 next to our replication (``uci.py --paper``): who beats whom, by how much.

Yu et al. (CVPR 2022), Table 4, report the test accuracy (%) of a logistic
regression on 10 UCI data sets trained plainly (Base), with class-balanced
weights (CB) and with their instance-difficulty re-sampling (Ours); the numbers
are in ``benchmarks/paper_tables/yu2022_table4.csv`` (copied from the paper;
``seeds`` and ``robot`` are not shipped offline, so they are not replicated).
Our replication trains ``strategy="none"``, ``"class_balanced"`` and
``"instance_difficulty"`` with a linear module. The data splits, the
preprocessing and the training budget differ from the paper's, so the
comparison is one of patterns: for each pair (CB vs Base, Ours vs Base, Ours vs
CB) how often the first wins, ties or loses, in the paper and here, on how many
data sets both agree, and the mean difference in points; the best of the three
per data set; and the average ranks.

A difference smaller than ``TIE`` points counts as a tie here (the paper
prints one decimal, and many of its differences are exactly 0). The sign and
format helpers are :mod:`paper_tables`'s, shared with the other paper tables.
"""

import pandas as pd

from _common import markdown_table, mean_std
from paper_tables import PAPER_TABLES, TIE, sign, signed

PAPER_TABLE = PAPER_TABLES / "yu2022_table4.csv"
#: Table 4's column of each strategy of the replication.
COLUMNS = {"none": "Base", "class_balanced": "CB", "instance_difficulty": "Ours"}
PAIRS = (("CB", "Base"), ("Ours", "Base"), ("Ours", "CB"))


def read_table(path=None):
    """Table 4 as a data set x (Base, CB, Ours) DataFrame of accuracies (%)."""
    table = pd.read_csv(path or PAPER_TABLE)
    missing = {"dataset", *COLUMNS.values()} - set(table.columns)
    if missing:
        raise ValueError(f"--paper-table {path}: no column {sorted(missing)}.")
    return table.set_index("dataset")[list(COLUMNS.values())].astype(float)


def _sign(delta):
    return sign(delta, TIE)


def _counts(deltas):
    signs = [_sign(d) for d in deltas]
    return f"{signs.count(1)} / {signs.count(0)} / {signs.count(-1)}"


def _delta(value):
    return signed(value, 1)


def compare(ours, paper):
    """The pattern tables of ``ours`` (accuracy %, data set x Base/CB/Ours) and ``paper``.

    Returns ``(pairs, winners, ranks)`` DataFrames: per pair, the paper's and our
    wins / ties / losses, the data sets where both go the same way and the mean
    differences; per data set, the best column in each; the average ranks.
    """
    common = [d for d in ours.index if d in paper.index]
    cols = [c for c in COLUMNS.values() if c in ours.columns]
    pairs = []
    for a, b in PAIRS:
        if a not in cols or b not in cols:
            continue
        here = ours.loc[common, a] - ours.loc[common, b]
        there = paper.loc[common, a] - paper.loc[common, b]
        same = sum(_sign(x) == _sign(y) for x, y in zip(here, there))
        pairs.append({"comparison": f"{a} vs {b}", "paper": _counts(there),
                      "here": _counts(here), "same direction": f"{same} of {len(common)}",
                      "mean difference, paper": _delta(there.mean()),
                      "mean difference, here": _delta(here.mean())})
    winners = pd.DataFrame(
        {"paper": [_best(paper.loc[d, cols]) for d in common],
         "here": [_best(ours.loc[d, cols]) for d in common]}, index=common)
    ranks = pd.DataFrame({"paper": paper.loc[common, cols].rank(axis=1, ascending=False).mean(),
                          "here": ours.loc[common, cols].rank(axis=1, ascending=False).mean()})
    return pd.DataFrame(pairs), winners, ranks


def _best(row):
    """The column(s) within ``TIE`` points of the best one ("Base = CB" for a tie)."""
    return " = ".join(c for c, v in row.items() if row.max() - v < TIE)


def _overlaps(winners):
    """Data sets where the paper's best method(s) and ours share one."""
    return sum(bool(set(a.split(" = ")) & set(b.split(" = ")))
               for a, b in zip(winners["paper"], winners["here"]))


def section(means, stds, paper):
    """The Markdown lines of the comparison (``means``/``stds``: accuracy, 0-1, by strategy)."""
    ours = (100 * means[[m for m in COLUMNS if m in means.columns]]).rename(columns=COLUMNS)
    spread = (100 * stds[[m for m in COLUMNS if m in stds.columns]]).rename(columns=COLUMNS)
    cols = list(ours.columns)
    header = ["data set", *(f"{c} (paper)" for c in COLUMNS.values()),
              *(f"{c} (here)" for c in cols),
              *(f"{a} − {b}: paper / here" for a, b in PAIRS if a in cols and b in cols)]
    rows = []
    for name in ours.index:
        known = name in paper.index
        row = [name] + [f"{paper.at[name, c]:.1f}" if known else "n/a" for c in COLUMNS.values()]
        row += [mean_std(ours.at[name, c], spread.at[name, c], digits=1) for c in cols]
        row += [f"{_delta(paper.at[name, a] - paper.at[name, b]) if known else 'n/a'} / "
                f"{_delta(ours.at[name, a] - ours.at[name, b])}"
                for a, b in PAIRS if a in cols and b in cols]
        rows.append(row)
    lines = [markdown_table(header, rows), ""]
    absent = [d for d in paper.index if d not in ours.index]
    if absent:
        lines += [f"Not replicated (not shipped offline): {', '.join(absent)}.", ""]
    pairs, winners, ranks = compare(ours, paper)
    if pairs.empty:
        return lines
    lines += [
        f"Patterns on the {len(winners)} data sets of both (wins / ties / losses of the first "
        f"method; a tie is a difference under {TIE} points):", "",
        markdown_table(list(pairs.columns), pairs.to_numpy().tolist()), "",
        markdown_table(["data set", "best in the paper", "best here"],
                       [[d, *winners.loc[d]] for d in winners.index]), "",
        f"A best method in common on {_overlaps(winners)} of {len(winners)} data sets. "
        "Average ranks (1 = best): "
        + "; ".join(f"{c} {ranks.at[c, 'paper']:.2f} in the paper, {ranks.at[c, 'here']:.2f} "
                    "here" for c in ranks.index) + ".", ""]
    return lines

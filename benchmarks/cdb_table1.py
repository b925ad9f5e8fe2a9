"""CDB's Table 1 (Sinha et al., IJCV 2022) next to a long-tailed run of ``uci.py``.

What it shows
    Sinha, Ohashi and Nakamura's Table 1 gives the classification error of
    cross-entropy, focal loss, the class-balanced loss, LDAM-DRW and their
    CDB-S, CDB-W-FL and CDB-W-CE on CIFAR100-LT at imbalance ratios 10 and 100
    (ResNet-32; ``benchmarks/paper_tables/sinha2022_cdb_table1_error.csv``).
    The long-tailed protocol of ``benchmarks/uci.py`` cuts tabular pools to
    the same ratios, so the *pattern* can be compared: which method beats
    which, by how much. This script reads the ``folds.csv`` of such a run and
    writes, as Markdown:

    - the paper's accuracy (100 - error) and ours (mean over the run's data
      sets, then mean ± std over its seeds), per method and ratio;
    - the gains of each CDB variant over the other methods, paper / here,
      ours ± the standard error of the per-seed paired difference, a tie
      being under 0.5 points; in how many cells both go the same way; the
      best method per ratio (:mod:`paper_tables`);
    - the run's other methods (e.g. CDB on the paper's held-out difficulty
      set), ours only, with many- and few-shot accuracy.

    Methods here: CE loss = ``none``, Focal loss = ``focal``, CB loss =
    ``class_balanced``, LDAM-DRW = ``ldam_drw``, CDB-S = ``cdb`` (the
    defaults: sampling, difficulty on the training rows), CDB-W-FL and CDB-W-CE
    = the run's methods labelled so (``cdb`` with ``mode='loss'``, focal or
    cross-entropy base loss); change them with ``--method PAPER=OURS``.

Run
    python benchmarks/uci.py --protocol long-tailed --imbalance-ratio 10 50 100 \\
        --n-repeats 5 --net-recipe package --methods none focal class_balanced \\
        ldam_drw cdb "CDB-W-CE=cdb:mode='loss'" \\
        "CDB-W-FL=cdb:mode='loss',base_loss='focal'" --out DIR
    python benchmarks/cdb_table1.py DIR            # writes DIR/cdb_table1.md
"""

import argparse
import sys
from pathlib import Path

import pandas as pd

import paper_tables
from _common import command_line, markdown_table, mean_std

TABLE = "sinha2022_cdb_table1_error.csv"
#: the paper's columns and the imbalance ratio of our run each is set next to
COLUMNS = {"CIFAR100-LT IR10": 10, "CIFAR100-LT IR100": 100}
#: the paper's method names and ours
METHODS = {
    "CE loss": "none",
    "Focal loss": "focal",
    "CB loss": "class_balanced",
    "LDAM-DRW": "ldam_drw",
    "CDB-S": "cdb",
    "CDB-W-FL": "CDB-W-FL",
    "CDB-W-CE": "CDB-W-CE",
}
PAIRS = [("CDB-W-CE", "CE loss"), ("CDB-S", "CE loss"), ("CDB-W-FL", "Focal loss"),
         ("CDB-W-CE", "CB loss"), ("CDB-S", "CB loss"), ("CDB-W-CE", "LDAM-DRW"),
         ("CDB-W-CE", "CDB-S"), ("CDB-W-CE", "CDB-W-FL"), ("CB loss", "CE loss"),
         ("LDAM-DRW", "CE loss"), ("Focal loss", "CE loss")]


def ratio_of(dataset):
    """``"digits, IR 50"`` -> 50.0."""
    return float(dataset.rsplit("IR", 1)[1])


def per_seed(folds, metric="accuracy"):
    """One row per (method, seed): the metric (%) per imbalance ratio, mean over data sets."""
    folds = folds[folds["error"].fillna("") == ""].assign(ratio=folds["dataset"].map(ratio_of))
    table = (folds.groupby(["method", "repeat", "ratio"])[metric].mean() * 100).unstack("ratio")
    return table.rename_axis(columns=None).reset_index().rename(columns={"repeat": "seed"})


def read_paper(methods):
    """The paper's CIFAR100-LT columns as accuracy (%), for the methods we ran."""
    table = paper_tables.read_table(TABLE, "method", list(COLUMNS))
    return 100.0 - table.loc[[m for m in methods if m in table.index]]


def report(folds, methods=None):
    """The Markdown lines of the comparison (see the module docstring)."""
    methods = dict(METHODS if methods is None else methods)
    ran = set(folds["method"])
    methods = {paper: ours for paper, ours in methods.items() if ours in ran}
    paper = read_paper(methods)
    seeds = per_seed(folds)
    ours = seeds[seeds["method"].isin(methods.values())].copy()
    ours["method"] = ours["method"].map({v: k for k, v in methods.items()})
    ours = ours.rename(columns={ratio: column for column, ratio in COLUMNS.items()})
    pairs = [(a, b) for a, b in PAIRS if a in methods and b in methods]
    n_seeds, n_sets = folds["repeat"].nunique(), folds["dataset"].map(
        lambda d: d.rsplit(",", 1)[0]).nunique()
    lines = [
        "## Sinha et al. (IJCV 2022) Table 1 next to ours: accuracy (%)", "",
        f"The paper: CIFAR100-LT, ResNet-32, accuracy = 100 - the published error; here: "
        f"the long-tailed protocol of `benchmarks/uci.py` at the same imbalance ratios, the "
        f"accuracy on the balanced test sets averaged over {n_sets} data sets, mean ± std "
        f"over {n_seeds} seeds. Compare patterns, not values.", "",
        *paper_tables.section(paper, ours, pairs, list(COLUMNS), names=methods),
    ]
    others = sorted(ran - set(methods.values()))
    if others:
        shots = {m: per_seed(folds, f"{m}_accuracy") for m in ("many_shot", "few_shot")}
        ratios = sorted(seeds.columns.drop(["method", "seed"]))
        rows = []
        for method in sorted(ran, key=lambda m: (m in others, m)):
            cells = [method]
            for ratio in ratios:
                acc = seeds.loc[seeds["method"] == method, ratio]
                many = shots["many_shot"].loc[shots["many_shot"]["method"] == method, ratio]
                few = shots["few_shot"].loc[shots["few_shot"]["method"] == method, ratio]
                cells.append(f"{mean_std(acc.mean(), acc.std(), digits=1)} "
                             f"({many.mean():.1f} / {few.mean():.1f})")
            rows.append(cells)
        lines += ["## Every method of the run: accuracy (%) and (many-shot / few-shot)", "",
                  "Mean ± std over seeds of the mean over data sets.", "",
                  markdown_table(["method", *(f"IR {r:g}" for r in ratios)], rows), ""]
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", help="folder of a benchmarks/uci.py --protocol long-tailed run")
    parser.add_argument("--method", action="append", default=[], metavar="PAPER=OURS",
                        help="map a paper method to another method of the run")
    args = parser.parse_args(argv)
    methods = dict(METHODS)
    for item in args.method:
        paper, _, ours = item.partition("=")
        methods[paper] = ours
    folds = pd.read_csv(Path(args.run) / "folds.csv")
    command = command_line("cdb_table1.py", sys.argv[1:] if argv is None else argv)
    text = "\n".join([f"Command: `{command}`", "", *report(folds, methods)])
    out = Path(args.run) / "cdb_table1.md"
    out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()

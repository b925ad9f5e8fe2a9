"""The report of the sub-class simulation: the summary table and Yu et al.'s Table 3.

:func:`summarize` gives mean ± std over seeds per strategy; :func:`to_markdown`
writes ``subclass_simulation.md``, ending with the paper's Table 3
(``paper_tables/yu2022_table3.csv``) next to ours (:func:`paper_section`, the
pattern figures of :mod:`paper_tables`).
"""

import pandas as pd

import paper_tables
from _common import markdown_table
from subclass.runs import METRICS, STRATEGIES

#: Yu et al.'s Table 3: our strategy of each row, and our metric of each column.
PAPER_TABLE = "yu2022_table3.csv"
PAPER_METHODS = {"Base Model": "none", "Class-Balance Loss": "class_balanced",
                 "Our Approach": "instance_difficulty"}
PAPER_SHORT = {"Base Model": "Base", "Class-Balance Loss": "CB", "Our Approach": "Ours"}
PAPER_COLUMNS = {"overall": "acc_overall", "even_overall": "acc_class_even",
                 "even_major": "acc_even_major", "even_minor": "acc_even_minor",
                 "odd_overall": "acc_class_odd", "odd_major": "acc_odd_major",
                 "odd_minor": "acc_odd_minor", "class_ratio": "class_ratio",
                 "subclass_ratio": "subclass_ratio"}
PAPER_RATIOS = ("class_ratio", "subclass_ratio")
PAPER_PAIRS = (("CB", "Base"), ("Ours", "Base"), ("Ours", "CB"))


def summarize(results):
    """Mean ± std over seeds per strategy, as a DataFrame of strings."""
    order = [s for s in STRATEGIES if s in set(results["strategy"])]
    order += sorted(set(results["strategy"]) - set(order))
    grouped = results.groupby("strategy")[list(METRICS)]
    mean, std = grouped.mean().loc[order], grouped.std(ddof=1).fillna(0.0).loc[order]
    table = pd.DataFrame(index=order)
    for m in METRICS:
        scale, fmt = (100, "{:.1f} ± {:.1f}") if m.startswith("acc") else (1, "{:.2f} ± {:.2f}")
        table[m] = [fmt.format(scale * a, scale * b) for a, b in zip(mean[m], std[m])]
    table.index.name = "strategy"
    return table


def paper_comparison(results, paper=None):
    """Our runs as :func:`paper_tables.section` takes them, and the paper's table.

    Returns ``(paper, ours)``: Table 3 with the methods renamed Base / CB /
    Ours, and one row per method and seed of ours, accuracies in %.
    """
    paper = paper_tables.read_table(paper or PAPER_TABLE, "method", list(PAPER_COLUMNS))
    paper = paper.rename(index=PAPER_SHORT)
    ours = results[results["strategy"].isin(PAPER_METHODS.values())]
    names = {v: PAPER_SHORT[k] for k, v in PAPER_METHODS.items()}
    out = pd.DataFrame({"method": ours["strategy"].map(names), "seed": ours["seed"]})
    for column, metric in PAPER_COLUMNS.items():
        scale = 1 if column in PAPER_RATIOS else 100
        out[column] = scale * ours[metric].to_numpy()
    return paper, out


def paper_section(results, paper=None):
    """The Markdown lines of Table 3 next to ours (the pattern figures)."""
    paper, ours = paper_comparison(results, paper)
    present = [m for m in paper.index if m in set(ours["method"])]
    pairs = [p for p in PAPER_PAIRS if set(p) <= set(present)]
    lines = [
        "## Yu et al. (CVPR 2022) Table 3 next to ours",
        "",
        "The paper: long-tailed MNIST (imbalance ratio 100 over the digits), an MLP; here: "
        "the 8x8 `load_digits`, so compare patterns. Accuracies in %; the ratios are "
        "largest over smallest summed sampling weight (lower = more balanced).",
        "",
    ]
    if not pairs:
        return lines + ["No method of the paper's table was run.", ""]
    legend = {PAPER_SHORT[k]: v for k, v in PAPER_METHODS.items() if PAPER_SHORT[k] in present}
    return lines + paper_tables.section(paper.loc[present], ours, pairs, list(PAPER_COLUMNS),
                                         PAPER_RATIOS, names=legend)


def to_markdown(table, command, n_seeds, results, profile="per-class", data="digits",
                n_max=100):
    design = ("one long-tailed profile over the digits (Yu et al.'s protocol: digit d keeps "
              f"{n_max} * 100^(-d/9) images, rounded; majority sub-classes 0, 2 and 1, 3)"
              if profile == "paper" else
              "long-tailed sub-classes (digits) inside each class, the odd class the minority")
    lines = [
        "# Sub-class imbalance simulation (analogue of Yu et al. 2022, Table 3)",
        "",
        f"Command: `{command}`",
        "",
        f"Even-vs-odd `{'load_digits' if data == 'digits' else data}`, {design}, "
        f"MLP (64 hidden units), mean ± std over {n_seeds} seeds; "
        f"{int(results['n_train'].mean())} training images per seed. "
        "Accuracies in % on a balanced test set; ratios are summed sampling weights of the "
        "largest over the smallest class / sub-class on the training set (higher = more "
        "imbalanced; without re-weighting they are the count ratios).",
        "",
        markdown_table(
            ["strategy", "overall", "class even", "class odd", "major sub-classes",
             "minor sub-classes", "even major", "even minor", "odd major", "odd minor",
             "class ratio", "sub-class ratio", "sub-class ratio within a class"],
            [[f"`{name}`", *row[list(METRICS)]] for name, row in table.iterrows()]),
    ]
    lines += [
        "",
        f"Total fit time {results['fit_seconds'].sum():.0f} s (CPU, 1 torch thread).",
        "",
        *paper_section(results),
    ]
    return "\n".join(lines).rstrip() + "\n"

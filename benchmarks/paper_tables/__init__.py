"""A paper's published table next to ours: who beats whom, by how much.

The papers measured on image data with deep networks (or on other splits), so
their numbers and ours are compared as patterns, not as values. For a table of
methods (rows) by metrics (columns), published and replicated:

- :func:`side_by_side`: each method's paper value and ours (mean ± std over
  seeds) per metric;
- :func:`pair_gains`: for pairs of methods ("A vs B"), the paper's difference
  and ours per metric, ours as the mean ± standard error of the per-seed
  paired difference; a ratio metric (lower = better balanced, such as an
  imbalance ratio) is compared as a factor ``A / B`` instead of a difference;
- :func:`agreement`: in how many (pair, metric) cells the paper and we go the
  same way (win / tie / loss, with a tie under ``tie`` points, or a factor
  within ``ratio_tie`` of 1), and the best method per metric in each;
- :func:`section`: all of it as Markdown lines.

The copies of the tables are in ``benchmarks/paper_tables/`` (see its README),
so that the benchmarks and CI need nothing outside the repository.
:mod:`uci.paper` (Yu et al.'s Table 4, many data sets) uses :func:`sign`
and :func:`signed` from here.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from _common import markdown_table, mean_std

PAPER_TABLES = Path(__file__).resolve().parent  # the CSV copies beside this module
TIE = 0.5  # points of accuracy
RATIO_TIE = 0.05  # a factor within 5 % of 1


def read_table(name, index, columns=None):
    """The published table ``paper_tables/<name>`` indexed by its column ``index``."""
    path = Path(name) if Path(name).is_absolute() else PAPER_TABLES / name
    table = pd.read_csv(path)
    missing = {index, *(columns or ())} - set(table.columns)
    if missing:
        raise ValueError(f"{path}: no column {sorted(missing)}.")
    table = table.set_index(index)
    return table[list(columns)].astype(float) if columns else table.astype(float)


def sign(delta, tie=TIE):
    """-1, 0 or 1: a loss, a tie (``|delta| < tie``) or a win."""
    return 0 if abs(delta) < tie else int(np.sign(delta))


def ratio_sign(factor, tie=RATIO_TIE):
    """-1, 0 or 1 for a factor: below ``1 - tie``, within ``tie`` of 1, above."""
    return sign(np.log(factor), np.log1p(tie))


def signed(value, digits=1):
    """``"+1.2"`` (never ``"-0.0"``)."""
    return f"{round(value, digits) + 0.0:+.{digits}f}"


def _factor(value, digits=2):
    return f"×{value:.{digits}f}"


def _paired(ours, a, b, column, ratio):
    """Mean and standard error over seeds of ``a - b`` (``log(a / b)`` for a ratio)."""
    wide = ours.pivot_table(index="seed", columns="method", values=column)[[a, b]].dropna()
    diff = np.log(wide[a] / wide[b]) if ratio else wide[a] - wide[b]
    sem = diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else 0.0
    return float(diff.mean()), float(sem)


def pair_gains(paper, ours, pairs, columns, ratio_columns=(), tie=TIE, ratio_tie=RATIO_TIE):
    """Per pair and metric: the paper's gain of ``A`` over ``B`` and ours.

    Parameters
    ----------
    paper : DataFrame
        Methods (index) by metrics, the published values.
    ours : DataFrame
        One row per method and seed: columns ``method``, ``seed`` and the
        metrics, in the paper's units and with the paper's method names.
    pairs : sequence of (str, str)
        ``(A, B)``: the gain of ``A`` over ``B``.
    columns : sequence of str
        The metrics compared.
    ratio_columns : sequence of str, default=()
        Metrics compared as a factor ``A / B`` (ours: the geometric mean of
        the per-seed factors).

    Returns
    -------
    DataFrame
        One row per (pair, metric): ``pair``, ``metric``, ``paper``, ``here``
        (the gains), ``here_sem`` (standard error over seeds, as a factor's
        log for a ratio), ``paper_sign``, ``here_sign`` and ``same``.
    """
    rows = []
    for a, b in pairs:
        for column in columns:
            ratio = column in ratio_columns
            there = paper.at[a, column] / paper.at[b, column] if ratio else (
                paper.at[a, column] - paper.at[b, column])
            mean, sem = _paired(ours, a, b, column, ratio)
            here = float(np.exp(mean)) if ratio else mean
            s_there, s_here = ((ratio_sign(there, ratio_tie), ratio_sign(here, ratio_tie))
                               if ratio else (sign(there, tie), sign(here, tie)))
            rows.append({"pair": f"{a} vs {b}", "metric": column, "paper": float(there),
                         "here": here, "here_sem": sem, "paper_sign": s_there,
                         "here_sign": s_here, "same": s_there == s_here})
    return pd.DataFrame(rows)


def best(table, columns, ratio_columns=(), tie=TIE):
    """Per metric, the method(s) within ``tie`` of the best (lowest for a ratio)."""
    out = {}
    for column in columns:
        values = table[column]
        if column in ratio_columns:
            top = values.min()
            out[column] = " = ".join(m for m, v in values.items() if v / top < 1 + RATIO_TIE)
        else:
            top = values.max()
            out[column] = " = ".join(m for m, v in values.items() if top - v < tie)
    return out


def agreement(gains):
    """``(same, total)``: the cells of :func:`pair_gains` going the same way."""
    return int(gains["same"].sum()), len(gains)


def _gain_cell(row, ratio, digits):
    if ratio:
        return (f"{_factor(row['paper'])} / {_factor(row['here'])} "
                f"(±{np.expm1(row['here_sem']) * 100:.0f} %)")
    return (f"{signed(row['paper'], digits)} / {signed(row['here'], digits)} "
            f"± {row['here_sem']:.{digits}f}")


def side_by_side(paper, ours, columns, digits=1, ratio_columns=()):
    """Markdown table: per method, the paper's row then ours (mean ± std over seeds)."""
    grouped = ours.groupby("method")[list(columns)]
    means, stds = grouped.mean(), grouped.std(ddof=1).fillna(0.0)
    rows = []
    for method in paper.index:
        rows.append([f"{method} (paper)", *(f"{paper.at[method, c]:g}" for c in columns)])
        if method in means.index:
            rows.append([f"{method} (here)", *(
                mean_std(means.at[method, c], stds.at[method, c],
                         digits=2 if c in ratio_columns else digits) for c in columns)])
    return markdown_table(["method", *columns], rows)


def section(paper, ours, pairs, columns, ratio_columns=(), tie=TIE, digits=1, names=None):
    """The Markdown lines of the comparison (see the module docstring).

    ``names`` maps the paper's method names to ours, for the legend.
    """
    gains = pair_gains(paper, ours, pairs, columns, ratio_columns, tie)
    lines = [side_by_side(paper, ours, columns, digits, ratio_columns), ""]
    if names:
        lines += ["Methods here: " + "; ".join(f"{k} = `{v}`" for k, v in names.items())
                  + ".", ""]
    cells = []
    for pair, group in gains.groupby("pair", sort=False):
        by = group.set_index("metric")
        cells.append([pair, *(_gain_cell(by.loc[c], c in ratio_columns, digits)
                              for c in columns)])
    ratio_note = (f"; the ratio columns ({', '.join(ratio_columns)}) as a factor A / B, "
                  f"a tie within {RATIO_TIE:.0%} of 1" if ratio_columns else "")
    lines += [f"Gains of A over B, paper / here (± standard error of the paired per-seed "
              f"difference; a tie is under {tie:g} points{ratio_note}):", "",
              markdown_table(["A vs B", *columns], cells), ""]
    same, total = agreement(gains)
    word = {1: "A wins", 0: "tie", -1: "B wins"}
    ratio_word = {1: "A higher", 0: "tie", -1: "A lower"}
    disagree = [f"{r.pair} on {r.metric} (paper: "
                f"{(ratio_word if r.metric in ratio_columns else word)[r.paper_sign]}, here: "
                f"{(ratio_word if r.metric in ratio_columns else word)[r.here_sign]})"
                for r in gains.itertuples() if not r.same]
    lines += [f"Same direction in {same} of {total} cells."
              + (" Different: " + "; ".join(disagree) + "." if disagree else ""), ""]
    means = ours.groupby("method")[list(columns)].mean()
    there, here = best(paper, columns, ratio_columns, tie), best(means, columns, ratio_columns,
                                                                 tie)
    lines += [markdown_table(["best (within the tie)", *columns],
                             [["paper", *(there[c] for c in columns)],
                              ["here", *(here[c] for c in columns)]]), ""]
    return lines

"""Report of the UCI/KEEL benchmark: Markdown summary, ranks, Friedman test, plots.

Ranks are computed per data set on the mean score over folds (1 = best, ties
share the average rank) and averaged over the data sets on which every method
has results. The Friedman test (:func:`scipy.stats.friedmanchisquare`) asks
whether the methods' ranks differ at all; the critical-difference (CD) diagram
uses the Nemenyi post-hoc test (Demšar, JMLR 2006):
``CD = q_alpha * sqrt(k (k + 1) / (6 N))`` with ``q_alpha`` the studentized
range quantile divided by ``sqrt(2)``, for ``k`` methods on ``N`` data sets.
Methods joined by a bar are not significantly different.
"""

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402

METRIC_LABELS = {
    "accuracy": "accuracy",
    "balanced_accuracy": "balanced accuracy",
    "f1_macro": "macro-F1",
    "g_mean": "G-mean",
    "roc_auc": "ROC-AUC (binary sets)",
}

#: Labels of Yu et al.'s Table 4 columns, by strategy of the replication.
PAPER_COLUMNS = {"none": "Base", "class_balanced": "CB", "instance_difficulty": "Ours"}


# ---------------------------------------------------------------------------
# Statistics


def mean_std(results, metric, methods, datasets):
    """Two dataset x method tables: mean and std of ``metric`` over folds."""
    grouped = results.groupby(["dataset", "method"])[metric]
    means = grouped.mean().unstack("method").reindex(index=datasets, columns=methods)
    stds = grouped.std(ddof=1).unstack("method").reindex(index=datasets, columns=methods)
    return means, stds


def average_ranks(means):
    """Average rank of each method (1 = best) over the complete data sets."""
    complete = means.dropna(axis=0, how="any")
    ranks = complete.rank(axis=1, ascending=False, method="average")
    return ranks.mean(axis=0), len(complete)


def friedman_p(means):
    """Friedman test p-value over complete data sets (None when undefined)."""
    complete = means.dropna(axis=0, how="any")
    if complete.shape[1] < 3 or complete.shape[0] < 2:
        return None
    if np.allclose(complete.to_numpy(), complete.to_numpy()[:, :1]):
        return 1.0  # every method ties on every data set
    return float(stats.friedmanchisquare(*[complete[m] for m in complete.columns]).pvalue)


def nemenyi_cd(k, n, alpha=0.05):
    """Nemenyi critical difference of average ranks (k methods, n data sets)."""
    q = stats.studentized_range.ppf(1 - alpha, k, np.inf) / math.sqrt(2)
    return float(q * math.sqrt(k * (k + 1) / (6.0 * n)))


def _cliques(ranks, cd):
    """Maximal runs of methods (sorted by rank) spanning less than ``cd``."""
    values = list(ranks.values)
    groups, last_end = [], -1
    for i in range(len(values)):
        j = i
        while j + 1 < len(values) and values[j + 1] - values[i] < cd:
            j += 1
        if j > i and j > last_end:
            groups.append((i, j))
            last_end = j
    return groups


# ---------------------------------------------------------------------------
# Plots


def plot_cd(avg_ranks, n_datasets, path, title, alpha=0.05):
    """Critical-difference diagram of average ranks (Nemenyi, Demšar style)."""
    ranks = avg_ranks.sort_values()
    k = len(ranks)
    cd = nemenyi_cd(k, n_datasets, alpha) if k >= 2 else 0.0
    groups = _cliques(ranks, cd)
    n_left = (k + 1) // 2
    step, clique_gap = 0.32, 0.12
    top = 0.45 + clique_gap * len(groups)
    height = 1.4 + step * n_left + clique_gap * len(groups)
    fig, ax = plt.subplots(figsize=(9, height))
    span = max(k - 1, 1)
    margin = 0.45 * span
    ax.set_xlim(1 - margin, k + margin)
    ax.set_ylim(-(top + step * (n_left + 0.5)), 1.1)
    ax.set_axis_off()
    ax.hlines(0, 1, k, color="black", lw=1)
    for r in range(1, k + 1):
        ax.vlines(r, 0, 0.08, color="black", lw=1)
        ax.text(r, 0.14, str(r), ha="center", va="bottom", fontsize=8)
    # the critical difference, drawn to scale
    ax.hlines(0.75, 1, 1 + cd, color="black", lw=1.5)
    ax.vlines([1, 1 + cd], 0.7, 0.8, color="black", lw=1)
    ax.text(1 + cd / 2, 0.85, f"CD = {cd:.2f} (Nemenyi, alpha={alpha})", ha="center",
            va="bottom", fontsize=8)
    for g, (i, j) in enumerate(groups):
        y = -(0.2 + clique_gap * g)
        ax.hlines(y, ranks.iloc[i] - 0.03, ranks.iloc[j] + 0.03, color="black", lw=3)
    left = list(ranks.items())[:n_left]
    right = list(reversed(list(ranks.items())[n_left:]))
    for side, items in (("left", left), ("right", right)):
        for depth, (name, rank) in enumerate(items):
            y = -(top + step * depth)
            x_end = 1 - 0.08 * span if side == "left" else k + 0.08 * span
            ax.plot([rank, rank, x_end], [0, y, y], color="0.25", lw=0.9)
            ax.text(x_end + (-0.02 if side == "left" else 0.02) * span, y,
                    f"{name} ({rank:.2f})", ha="right" if side == "left" else "left",
                    va="center", fontsize=9)
    ax.set_title(title, fontsize=10)
    fig.savefig(path, dpi=130, bbox_inches="tight")
    plt.close(fig)
    return cd


def plot_bars(means, stds, path, title):
    """One panel per data set, one bar per method (mean ± std over folds).

    Each panel zooms on its own range of scores, so differences stay visible;
    colors are the same in every panel (shared legend below).
    """
    n_sets, k = means.shape
    ncols = min(5, max(n_sets, 1))
    nrows = math.ceil(n_sets / ncols)
    legend_rows = math.ceil(k / 6)
    height = 2.3 * nrows + 0.5 + 0.25 * legend_rows
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.9 * ncols, height), squeeze=False)
    colors = [plt.get_cmap("tab20").colors[i % 20] for i in range(k)]
    x = np.arange(k)
    for ax, name in zip(axes.flat, means.index):
        mean = means.loc[name].to_numpy(dtype=float)
        std = stds.loc[name].fillna(0).to_numpy(dtype=float)
        ax.bar(x, mean, 0.8, yerr=std, color=colors, capsize=1.5, error_kw={"lw": 0.6})
        low = np.nanmin(mean - std) if np.isfinite(mean).any() else 0.0
        ax.set_ylim(max(0.0, low - 0.05), 1.005)
        ax.set_xticks([])
        ax.set_title(name, fontsize=9)
        ax.tick_params(axis="y", labelsize=7)
        ax.grid(axis="y", alpha=0.3)
    for ax in list(axes.flat)[n_sets:]:
        ax.set_axis_off()
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in colors]
    fig.legend(handles, list(means.columns), loc="lower center", ncol=min(k, 6), fontsize=8,
               frameon=False)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, (0.1 + 0.25 * legend_rows) / height, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------------------
# Markdown


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _cell(mean, std, best=False, digits=3):
    if pd.isna(mean):
        return "–"
    text = f"{mean:.{digits}f} ± {0.0 if pd.isna(std) else std:.{digits}f}"
    return f"**{text}**" if best else text


def metric_section(metric, means, stds):
    """Mean ± std per data set and method; the best mean per data set in bold."""
    best = means.max(axis=1)
    rows = [
        [name] + [_cell(means.at[name, m], stds.at[name, m],
                        np.isclose(means.at[name, m], best[name])) for m in means.columns]
        for name in means.index
    ]
    return _table(["data set"] + list(means.columns), rows)


def rank_section(tables, methods, primary):
    """Average ranks of every method per metric, sorted by the primary metric."""
    ranks, pvalues, counts = {}, {}, {}
    for metric, (means, _) in tables.items():
        ranks[metric], counts[metric] = average_ranks(means)
        pvalues[metric] = friedman_p(means)
    order = sorted(methods, key=lambda m: ranks[primary].get(m, np.inf))
    metrics = list(tables)
    rows = [[m] + [f"{ranks[x][m]:.2f}" if m in ranks[x] else "–" for x in metrics]
            for m in order]
    rows.append(["*Friedman p-value*"] + [
        "n/a" if pvalues[x] is None else f"{pvalues[x]:.2g}" for x in metrics])
    rows.append(["*data sets ranked*"] + [str(counts[x]) for x in metrics])
    header = ["method"] + [METRIC_LABELS[x] for x in metrics]
    return _table(header, rows), ranks


def paper_section(means, stds, paper_numbers):
    """Accuracy (%) of the replication next to Yu et al.'s Table 4 numbers."""
    ours = [m for m in PAPER_COLUMNS if m in means.columns]
    header = ["data set"] + [f"{PAPER_COLUMNS[m]} (paper)" for m in PAPER_COLUMNS]
    header += [f"{PAPER_COLUMNS[m]} = {m} (here)" for m in ours]
    rows = []
    for name in means.index:
        paper = paper_numbers.get(name, {}) if paper_numbers else {}
        row = [name] + [paper.get(PAPER_COLUMNS[m], "n/a") for m in PAPER_COLUMNS]
        row += [_cell(100 * means.at[name, m], 100 * stds.at[name, m], digits=1) for m in ours]
        rows.append(row)
    text = _table(header, rows)
    if not paper_numbers:
        text += (
            "\n\nYu et al.'s Table 4 numbers are not stored in this repository (they "
            "could not be found offline), so only ours are printed. Pass "
            "`--paper-table FILE.csv` (columns `dataset,Base,CB,Ours`) to print them "
            "in the (paper) columns."
        )
    return text


def write_report(out, results, datasets, methods, meta):
    """Write ``summary.md``, ``cd_<metric>.png`` and ``bars_<metric>.png`` in ``out``.

    ``results`` holds the successful per-fold rows, ``datasets`` maps names to
    :class:`_uci_jobs.Dataset`, ``methods`` lists method names in run order and
    ``meta`` carries the title, protocol text, notes, runs and options.
    Returns the average ranks of the primary metric.
    """
    primary = meta["primary"]
    names = [n for n in datasets if n in set(results["dataset"])]
    metrics = [m for m in meta["metrics"] if results[m].notna().any()]
    tables = {m: mean_std(results, m, methods, names) for m in metrics}
    lines = [f"# {meta['title']}", ""]
    lines += [f"Produced by `{run['command']}` ({run['jobs_run']} jobs in "
              f"{run['wall_time_s'] / 60:.1f} min, {run['started']}, "
              f"`--n-jobs {run['n_jobs']}`, backend {run['backend']}"
              f"{'; interrupted' if run.get('interrupted') else ''})." for run in meta["runs"]]
    total = sum(run["wall_time_s"] for run in meta["runs"])
    lines += ["", f"Total wall time: {total / 60:.1f} min on {meta['machine']}.", ""]
    lines += [meta["protocol"], ""]
    lines.append(_table(
        ["data set", "rows", "features (categorical)", "classes", "imbalance ratio", "folds"],
        [[d.name, len(d.y), f"{d.X.shape[1]} ({d.n_categorical})", d.n_classes,
          f"{d.imbalance_ratio:.1f}", d.n_splits] for d in datasets.values()]))
    for note in meta["notes"]:
        lines.append(f"\n- {note}")
    lines += ["", "## Average ranks (1 = best) over data sets", ""]
    text, ranks = rank_section(tables, methods, primary) if tables else ("No results.", {})
    lines += [text, ""]
    if primary in tables:
        means, stds = tables[primary]
        avg, n_complete = average_ranks(means)
        if len(avg) >= 2 and n_complete >= 2:
            cd = plot_cd(avg, n_complete, f"{out}/cd_{primary}.png",
                         f"{METRIC_LABELS[primary]}: average ranks over {n_complete} data sets")
            lines += [f"![critical-difference diagram](cd_{primary}.png)", "",
                      f"Nemenyi critical difference at alpha = 0.05: {cd:.2f} ranks.", ""]
        plot_bars(means, stds, f"{out}/bars_{primary}.png",
                  f"{METRIC_LABELS[primary]} per data set (mean ± std over folds)")
        lines += [f"![{primary} per data set](bars_{primary}.png)", ""]
    if meta.get("paper") and "accuracy" in tables:
        lines += ["## Paper replication: accuracy (%), Yu et al. (CVPR 2022) Table 4", "",
                  paper_section(*tables["accuracy"], meta.get("paper_numbers")), ""]
    for metric, (means, stds) in tables.items():
        lines += [f"## {METRIC_LABELS[metric]} (mean ± std over folds)", "",
                  metric_section(metric, means, stds), ""]
    with open(f"{out}/summary.md", "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))
    return ranks.get(primary)

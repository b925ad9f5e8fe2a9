"""Report of the UCI/KEEL benchmark: the Markdown summary and the plots.

``summary.md`` gives the protocol and data sets, then for each group of data
sets (each suite given to ``--suite``; each imbalance ratio of the long-tailed
protocol): the average ranks of every method per metric and of the fit time
(1 = fastest) with the Friedman p-value, the long-tailed accuracy table
(overall, many-, medium- and few-shot), the pairwise tests of the primary
metric (Wilcoxon-Holm next to Nemenyi, see ``uci.stats.py``) with their
critical-difference diagrams and ``pairwise_<metric>.csv``, a bar chart per
data set, with ``--paper`` Yu et al.'s Table 4 next to ours (``uci.paper.py``),
and the mean ± std tables of every metric and of the fit time. With
several groups, file names carry the group (``cd_<group>_<metric>.png``).
"""

import math
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import uci.paper  # noqa: E402
from _common import markdown_table  # noqa: E402
from _common import mean_std as _cell  # noqa: E402
from uci.stats import (  # noqa: E402
    ALPHA,
    average_ranks,
    better_than,
    friedman_p,
    mean_std,
    nemenyi_cd,
    nemenyi_p,
    pairwise_table,
    plot_cd,
    wilcoxon_holm_p,
)

METRIC_LABELS = {
    "accuracy": "accuracy",
    "balanced_accuracy": "balanced accuracy",
    "f1_macro": "macro-F1",
    "g_mean": "G-mean",
    "roc_auc": "ROC-AUC (binary sets)",
    "average_precision": "average precision (binary sets, minority class)",
    "many_shot_accuracy": "many-shot accuracy",
    "medium_shot_accuracy": "medium-shot accuracy",
    "few_shot_accuracy": "few-shot accuracy",
    "fit_time": "fit time (s)",
}
#: Columns of the long-tailed table, as in the papers.
LONG_TAILED = ("accuracy", "many_shot_accuracy", "medium_shot_accuracy", "few_shot_accuracy")

# ---------------------------------------------------------------------------
# Plots


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


def metric_section(metric, means, stds):
    """Mean ± std per data set and method; the best mean per data set in bold."""
    best = means.min(axis=1) if metric == "fit_time" else means.max(axis=1)
    digits = 2 if metric == "fit_time" else 3
    rows = [
        [name] + [_cell(means.at[name, m], stds.at[name, m], digits=digits,
                        bold=np.isclose(means.at[name, m], best[name])) for m in means.columns]
        for name in means.index
    ]
    if metric == "fit_time":
        rows.append(["*mean over data sets*"] + [f"{v:.2f}" for v in means.mean(axis=0)])
    return markdown_table(["data set"] + list(means.columns), rows)


def rank_section(tables, methods, primary):
    """Average ranks of every method per metric, sorted by the primary metric."""
    ranks, pvalues, counts = {}, {}, {}
    for metric, (means, _) in tables.items():
        ranks[metric], counts[metric] = average_ranks(means, ascending=metric == "fit_time")
        pvalues[metric] = friedman_p(means)
    order = sorted(methods, key=lambda m: ranks[primary].get(m, np.inf))
    metrics = list(tables)
    rows = [[m] + [f"{ranks[x][m]:.2f}" if m in ranks[x] else "–" for x in metrics]
            for m in order]
    rows.append(["*Friedman p-value*"] + [
        "n/a" if pvalues[x] is None else f"{pvalues[x]:.2g}" for x in metrics])
    rows.append(["*data sets ranked*"] + [str(counts[x]) for x in metrics])
    header = ["method"] + [METRIC_LABELS[x] if x != "fit_time" else "fit time (1 = fastest)"
                           for x in metrics]
    return markdown_table(header, rows), ranks


def long_tailed_section(tables, methods):
    """Overall and many/medium/few-shot accuracy (%), mean over data sets and seeds."""
    present = [m for m in LONG_TAILED if m in tables]
    rows = [[m] + [f"{100 * tables[x][0][m].mean():.1f}" for x in present] for m in methods]
    return markdown_table(["method"] + [METRIC_LABELS[x] for x in present], rows)


def pairwise_section(means, out, metric, suffix="", h="##"):
    """Who beats whom on ``metric``: Wilcoxon-Holm next to Nemenyi, with CD diagrams.

    Writes ``pairwise<suffix>_<metric>.csv``, ``cd<suffix>_<metric>.png``
    (Nemenyi) and ``cd_wilcoxon<suffix>_<metric>.png``; returns the Markdown lines.
    """
    avg, n = average_ranks(means)
    if len(avg) < 2 or n < 2:
        return []
    label = METRIC_LABELS[metric]
    wilcoxon, nemenyi = wilcoxon_holm_p(means), nemenyi_p(means)
    cd = nemenyi_cd(len(avg), n)
    beats = {"w": better_than(means, wilcoxon), "n": better_than(means, nemenyi)}
    rows = [[m, f"{avg[m]:.2f}", *(", ".join(beats[t][m]) or "–" for t in "wn")]
            for m in avg.sort_values().index]
    pairwise_table(means).to_csv(f"{out}/pairwise{suffix}_{metric}.csv", index=False,
                                 float_format="%.6g")
    plot_cd(means, nemenyi, f"{out}/cd{suffix}_{metric}.png",
            f"{label}: average ranks over {n} data sets; bars: Nemenyi p >= {ALPHA} "
            f"(CD = {cd:.2f})")
    plot_cd(means, wilcoxon, f"{out}/cd_wilcoxon{suffix}_{metric}.png",
            f"{label}: average ranks over {n} data sets; bars: Wilcoxon-Holm p >= {ALPHA}")
    return [
        f"{h} Pairwise tests ({label}, alpha = {ALPHA})", "",
        "Each method and the methods it beats significantly: Wilcoxon signed-rank test on "
        "the per-data-set means, Holm-corrected over all pairs, and the Nemenyi test "
        f"(critical difference {cd:.2f} ranks for {len(avg)} methods on {n} data sets). "
        f"Every pair's p-values: `pairwise{suffix}_{metric}.csv`.", "",
        markdown_table(["method", "average rank", "beats (Wilcoxon-Holm)", "beats (Nemenyi)"],
                       rows), "",
        f"![critical-difference diagram, Nemenyi](cd{suffix}_{metric}.png)", "",
        f"![critical-difference diagram, Wilcoxon-Holm](cd_wilcoxon{suffix}_{metric}.png)", ""]


def _slug(label):
    return re.sub(r"[^a-z0-9.]+", "-", label.lower()).strip("-")


def header_lines(meta, datasets):
    """Title, the runs that produced the results, protocol, data sets, notes."""
    lines = [f"# {meta['title']}", ""]
    lines += [f"Produced by `{run['command']}` ({run['jobs_run']} jobs in "
              f"{run['wall_time_s'] / 60:.1f} min, {run['started']}, "
              f"`--n-jobs {run['n_jobs']}`, backend {run['backend']}"
              f"{'; interrupted' if run.get('interrupted') else ''})." for run in meta["runs"]]
    total = sum(run["wall_time_s"] for run in meta["runs"])
    lines += ["", f"Total wall time: {total / 60:.1f} min on {meta['machine']}.", ""]
    lines += [meta["protocol"], ""]
    lt = meta.get("long_tailed")
    lines.append(markdown_table(
        ["data set", "pool rows" if lt else "rows", "features (categorical)", "classes",
         "pool imbalance ratio" if lt else "imbalance ratio", "training IR" if lt else "folds"],
        [[d.name, len(d.y), f"{d.X.shape[1]} ({d.n_categorical})", d.n_classes,
          f"{max(d.counts.values()) / min(d.counts.values()):.1f}",
          f"{d.target_ratio:g}" if lt else d.n_splits]
         for d in datasets.values()]))
    lines += [f"\n- {note}" for note in meta["notes"]]
    return lines + [""]


def group_report(out, results, names, methods, meta, group="", level=2):
    """The sections of one group of data sets; returns (lines, primary ranks)."""
    primary, h = meta["primary"], "#" * level
    metrics = [m for m in (*meta["metrics"], "fit_time") if results[m].notna().any()]
    tables = {m: mean_std(results, m, methods, names) for m in metrics}
    if not tables:
        return ["No results.", ""], None
    suffix = f"_{_slug(group)}" if group else ""
    lines = [f"{h} Average ranks (1 = best) over data sets", ""]
    text, ranks = rank_section(tables, methods, primary)
    lines += [text, ""]
    if meta.get("long_tailed"):
        lines += [f"{h} Long-tailed accuracy (%), mean over data sets and seeds", "",
                  long_tailed_section(tables, methods), ""]
    if primary in tables:
        means, stds = tables[primary]
        lines += pairwise_section(means, out, primary, suffix, h)
        plot_bars(means, stds, f"{out}/bars{suffix}_{primary}.png",
                  f"{METRIC_LABELS[primary]} per data set (mean ± std over folds)")
        lines += [f"![{primary} per data set](bars{suffix}_{primary}.png)", ""]
    if meta.get("paper_table") is not None and "accuracy" in tables:
        lines += [f"{h} Yu et al. (CVPR 2022) Table 4 next to ours: accuracy (%)", "",
                  *uci.paper.section(*tables["accuracy"], meta["paper_table"])]
    for metric, (means, stds) in tables.items():
        lines += [f"{h} {METRIC_LABELS[metric]} (mean ± std over folds)", "",
                  metric_section(metric, means, stds), ""]
    return lines, ranks.get(primary)


def write_report(out, results, datasets, methods, meta):
    """Write ``summary.md`` and, per group of data sets, the plots and pairwise tests.

    ``results`` holds the successful rows, ``datasets`` maps names to
    ``uci.jobs.Dataset``, ``methods`` lists method names in run order and
    ``meta`` carries the title, protocol text, notes, runs, groups (``{label:
    data set names}``) and options. Returns ``{group: average ranks of the
    primary metric}``.
    """
    lines = header_lines(meta, datasets)
    groups = meta.get("groups") or {"": list(datasets)}
    done, ranks = set(results["dataset"]), {}
    for label, names in groups.items():
        several = len(groups) > 1
        rows = results[results["dataset"].isin(names)]
        if several:
            lines += [f"## {label}", ""]
        section, group_ranks = group_report(out, rows, [n for n in names if n in done],
                                            methods, meta, label if several else "",
                                            3 if several else 2)
        lines += section
        if group_ranks is not None:
            ranks[label] = group_ranks
    with open(f"{out}/summary.md", "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))
    return ranks

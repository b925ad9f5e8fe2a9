"""Statistics of the UCI/KEEL benchmark: ranks, the Friedman test and two post-hoc tests.

Ranks are computed per data set on the mean score over folds (1 = best, ties
share the average rank) and averaged over the data sets on which every method
has results. The Friedman test (:func:`scipy.stats.friedmanchisquare`) asks
whether the methods' ranks differ at all. Two pairwise tests follow, both from
scikit-posthocs:

- Nemenyi (:func:`scikit_posthocs.posthoc_nemenyi_friedman`), the test of
  Demšar's critical-difference diagram: two methods differ when their average
  ranks differ by more than ``CD = q_alpha * sqrt(k (k + 1) / (6 N))``
  (``q_alpha`` the studentized range quantile over ``sqrt(2)``, ``k`` methods,
  ``N`` data sets). It compares all pairs at once and rarely separates methods
  on 10-20 data sets.
- Wilcoxon signed-rank on the per-data-set means of each pair, Holm-corrected
  over all pairs (:func:`scikit_posthocs.posthoc_wilcoxon`,
  ``p_adjust="holm"``), as Benavoli et al. (JMLR 2016) recommend: it uses the
  size of the differences, not only the ranks, and has more power.

The critical-difference diagrams are drawn by
:func:`scikit_posthocs.critical_difference_diagram`: methods joined by a bar
are not significantly different under the test named in the title.

References
----------
J. Demšar, "Statistical comparisons of classifiers over multiple data sets",
JMLR 7, 2006. A. Benavoli, G. Corani, F. Mangili, "Should we really use
post-hoc tests based on mean-ranks?", JMLR 17, 2016.
"""

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import scikit_posthocs as sp  # noqa: E402
from scipy import stats  # noqa: E402

ALPHA = 0.05


def mean_std(results, metric, methods, datasets):
    """Two dataset x method tables: mean and std of ``metric`` over folds."""
    grouped = results.groupby(["dataset", "method"])[metric]
    means = grouped.mean().unstack("method").reindex(index=datasets, columns=methods)
    stds = grouped.std(ddof=1).unstack("method").reindex(index=datasets, columns=methods)
    return means, stds


def complete_rows(means):
    """The data sets on which every method has a result."""
    return means.dropna(axis=0, how="any")


def average_ranks(means, ascending=False):
    """Average rank of each method (1 = best) over the complete data sets.

    ``ascending=True`` ranks the smallest value first (for times).
    """
    complete = complete_rows(means)
    ranks = complete.rank(axis=1, ascending=ascending, method="average")
    return ranks.mean(axis=0), len(complete)


def friedman_p(means):
    """Friedman test p-value over complete data sets (None when undefined)."""
    complete = complete_rows(means)
    if complete.shape[1] < 3 or complete.shape[0] < 2:
        return None
    if np.allclose(complete.to_numpy(), complete.to_numpy()[:, :1]):
        return 1.0  # every method ties on every data set
    return float(stats.friedmanchisquare(*[complete[m] for m in complete.columns]).pvalue)


def nemenyi_cd(k, n, alpha=ALPHA):
    """Nemenyi critical difference of average ranks (k methods, n data sets)."""
    q = stats.studentized_range.ppf(1 - alpha, k, np.inf) / math.sqrt(2)
    return float(q * math.sqrt(k * (k + 1) / (6.0 * n)))


def nemenyi_p(means):
    """Method x method p-values of the Nemenyi test over complete data sets."""
    complete = complete_rows(means)
    return sp.posthoc_nemenyi_friedman(complete.to_numpy(dtype=float)).set_axis(
        complete.columns, axis=0).set_axis(complete.columns, axis=1)


def wilcoxon_holm_p(means):
    """Method x method p-values: Wilcoxon signed-rank, Holm-corrected over pairs.

    A pair whose differences are all zero gets p = 1 (nothing tells them apart).
    """
    complete = complete_rows(means)
    methods = list(complete.columns)
    long = complete.melt(var_name="method", value_name="score", ignore_index=False)
    long = long.rename_axis("dataset").reset_index().sort_values(["method", "dataset"])
    long["method"] = pd.Categorical(long["method"], categories=methods)
    with np.errstate(all="ignore"):
        pvalues = sp.posthoc_wilcoxon(long, val_col="score", group_col="method",
                                      zero_method="zsplit", p_adjust="holm")
    return pvalues.reindex(index=methods, columns=methods).fillna(1.0)


def better_than(means, pvalues, alpha=ALPHA):
    """For each method, the methods it beats significantly (higher mean rank, p < alpha)."""
    ranks, _ = average_ranks(means)
    return {a: [b for b in ranks.sort_values().index
                if b != a and ranks[a] < ranks[b] and pvalues.at[a, b] < alpha]
            for a in ranks.index}


def pairwise_table(means):
    """One row per pair: mean difference over data sets and both tests' p-values."""
    complete = complete_rows(means)
    nemenyi, wilcoxon = nemenyi_p(means), wilcoxon_holm_p(means)
    methods = list(complete.columns)
    rows = [dict(method_a=a, method_b=b,
                 mean_difference=float((complete[a] - complete[b]).mean()),
                 wins_a=int((complete[a] > complete[b]).sum()),
                 wins_b=int((complete[a] < complete[b]).sum()),
                 wilcoxon_holm_p=float(wilcoxon.at[a, b]), nemenyi_p=float(nemenyi.at[a, b]))
            for i, a in enumerate(methods) for b in methods[i + 1:]]
    return pd.DataFrame(rows)


def plot_cd(means, pvalues, path, title):
    """Critical-difference diagram of the average ranks; bars join methods with p >= alpha."""
    ranks, _ = average_ranks(means)
    k = len(ranks)
    fig, ax = plt.subplots(figsize=(9, 1.6 + 0.28 * ((k + 1) // 2)))
    sp.critical_difference_diagram(ranks, pvalues, alpha=ALPHA, ax=ax,
                                   label_fmt_left="{label} ({rank:.2f})",
                                   label_fmt_right="({rank:.2f}) {label}",
                                   label_props={"fontsize": 9})
    ax.set_title(title, fontsize=10, pad=22)
    fig.savefig(path, dpi=130, bbox_inches="tight")
    plt.close(fig)

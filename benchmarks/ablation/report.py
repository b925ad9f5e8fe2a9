"""The report of a study: each variant's mean, its paired difference to the reference, ranks.

For every variant and baseline: the mean over data sets of each metric (a data
set's value is its mean over folds or seeds); against the study's reference,
the mean over data sets of the per-fold difference, the standard error of the
per-fold paired difference and on how many folds the variant is better or
worse; the median of each recorded extra (a weight ratio, a late weight jump)
over the fits; the average ranks of the reference and the baselines over the
data sets; and the per-data-set means of the first metric.
"""

import math

import _common

NAMES = {"balanced_accuracy": "balanced accuracy", "accuracy": "accuracy",
         "few_shot_accuracy": "few-shot accuracy", "weight_ratio": "weight ratio",
         "late_jump": "late weight jump"}


def paired(frame, label, reference, metric):
    """``(mean difference over data sets, its per-fold s.e., folds better, folds worse)``."""
    key = ["dataset", "repeat", "fold"]
    diff = (frame[frame.variant == label].set_index(key)[metric]
            - frame[frame.variant == reference].set_index(key)[metric]).dropna()
    se = diff.std(ddof=1) / math.sqrt(len(diff)) if len(diff) > 1 else float("nan")
    return (diff.groupby("dataset").mean().mean(), se, int((diff > 0).sum()),
            int((diff < 0).sum()))


def report(study, frame, command, machine):
    """The Markdown report of ``study`` from its rows ``frame``."""
    frame = frame[frame.error.fillna("") == ""]
    metric = study.metrics[0]
    per_set = {m: frame.groupby(["variant", "dataset"])[m].mean().unstack()
               for m in study.metrics}
    means = per_set[metric]
    order = [v for v in (*study.variants, *study.baselines) if v in means.index]
    header = ["variant", "what changes"] + [f"mean {NAMES[m]}" for m in study.metrics]
    compare = study.reference in means.index
    if compare:
        header += [f"vs `{study.reference}`", "s.e. (paired folds)", "folds better / worse"]
    header += [f"median {NAMES[e]}" for e in study.extras] + ["data sets", "fits"]
    rows = []
    for label in order:
        what = (study.variants[label].what if label in study.variants
                else "baseline of benchmarks/uci.py")
        cells = [f"`{label}`", what] + [f"{per_set[m].loc[label].mean():.3f}"
                                        for m in study.metrics]
        if compare and label == study.reference:
            cells += ["0", "", ""]
        elif compare:
            diff, se, better, worse = paired(frame, label, study.reference, metric)
            cells += [f"{diff:+.3f}", f"{se:.3f}", f"{better} / {worse}"]
        sub = frame[frame.variant == label]
        cells += [f"{sub[e].median():.3g}" for e in study.extras]
        cells += [str(int(means.loc[label].notna().sum())), str(len(sub))]
        rows.append(cells)
    lines = [f"# Ablation `{study.name}`: {study.title}", "",
             f"Command: `{command}`", "", machine, "", protocol(study), "",
             _common.markdown_table(header, rows), ""]
    ranked = [v for v in (study.reference, *study.baselines) if v in means.index]
    complete = means.loc[ranked].dropna(axis=1) if ranked else means
    if len(ranked) > 1 and complete.shape[1]:
        ranks = complete.rank(ascending=False).mean(axis=1)
        lines += [f"Average ranks by {NAMES[metric]} over the {complete.shape[1]} data sets, "
                  "the reference and the baselines (1 = best): "
                  + ", ".join(f"`{v}` {ranks[v]:.2f}" for v in ranked) + ".", ""]
    lines += [f"Per data set, mean {NAMES[metric]} over folds or seeds:", "",
              _common.markdown_table(["variant", *means.columns],
                                     [[f"`{v}`", *(f"{x:.3f}" for x in means.loc[v])]
                                      for v in order]), ""]
    return "\n".join(lines)


def protocol(study):
    """What the study's fits are, in a paragraph."""
    if study.data == "long-tailed-dev":
        data = (f"The long-tailed protocol of `benchmarks/uci.py` on `long-tailed-dev`: each "
                f"training pool cut to imbalance ratio 50, a balanced test set, "
                f"{study.n_repeats} seeds.")
    elif study.data.startswith("3-class"):
        data = (f"`make_classification({study.data.split('-')[-1]}, n_features=8, "
                "n_informative=4, n_redundant=0, n_classes=3, n_clusters_per_class=1, "
                "weights=[0.8, 0.15, 0.05], flip_y=0.01, random_state=s)` for s = 0 to 4, "
                "stratified 5 folds (seed 0) each.")
    elif study.data == "rare-positives-30000":
        data = ("`make_classification(30000, n_features=20, n_informative=8, "
                "weights=[0.9945], class_sep=0.8, random_state=0)` (1.2 % positives: the "
                "0.55 % asked for and the default label noise `flip_y=0.01`), stratified 3 "
                "folds (seed 0).")
    else:
        data = (f"The cross-validation protocol of `benchmarks/uci.py` on `{study.data}`: "
                f"stratified 5 folds x {study.n_repeats}, seed 0.")
    if study.net == "recipe":
        net = ("The net is `RebalancedNetClassifier()` as shipped (on more than two classes "
               "`mode=\"auto\"` trains with the adjusted loss), each variant changing one "
               "part, on raw numeric columns (categorical ones one-hot encoded; "
               "`z_score_input` standardises them first).")
    else:
        net = ("The net is `benchmarks/uci.py`'s strategy net without `--net-recipe package`: "
               "`RebalancedNetClassifier` with an MLP (64, 64), `lr=0.01`, 50 epochs, batch "
               "128 (its AdamW and learning-rate schedule), on standardised columns; "
               "`strategy=\"none\"` unless the variant sets one.")
    return (f"{data} {net} Every net and baseline of a fold is seeded with the fold's seed; "
            "one torch thread per fit. Differences are to the reference, per fold, averaged "
            f"over data sets. Cited by `{study.doc}`.")

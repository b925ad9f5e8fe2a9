"""
=================================================================
Strategies versus imbalanced-learn samplers on a KEEL data set
=================================================================

Re-balancing can happen in the data, before the net sees them (imbalanced-learn's
over- and under-samplers in an :class:`imblearn.pipeline.Pipeline`), or inside
training (a ``strategy=``). Both are scikit-learn estimators, so one
cross-validation loop compares them.

The data set is KEEL's ``yeast4`` (1484 proteins, 8 features, 51 positives: an
imbalance ratio of 28), loaded offline with
:func:`skrebalance.datasets.load_dataset`.
"""

# %%
# Data
# ----
import matplotlib.pyplot as plt
import numpy as np
from imblearn.metrics import geometric_mean_score
from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.pipeline import make_pipeline
from imblearn.under_sampling import RandomUnderSampler
from sklearn.metrics import balanced_accuracy_score, make_scorer
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.preprocessing import StandardScaler

from skrebalance import RebalancedNetClassifier
from skrebalance.datasets import load_dataset

X, y = load_dataset("yeast4")
labels, counts = np.unique(y, return_counts=True)
print(dict(zip(labels, counts)))

# %%
# Candidates
# ----------
# The same small net everywhere; only the re-balancing changes. A sampler goes
# before the net in the pipeline, a strategy is a parameter of the net.


def net(strategy=None, **params):
    return RebalancedNetClassifier(
        strategy=strategy, module__hidden_units=(32,), max_epochs=20,
        batch_size=128, random_state=0, **params,
    )


def pipe(*steps):
    return make_pipeline(StandardScaler(), *steps)


samplers = {
    "none": pipe(net()),
    "RandomOverSampler + none": pipe(RandomOverSampler(random_state=0), net()),
    "SMOTE + none": pipe(SMOTE(random_state=0), net()),
    "RandomUnderSampler + none": pipe(
        RandomUnderSampler(random_state=0), net()
    ),
}
strategies = {
    "focal": pipe(net("focal")),
    "focal, alpha='balanced'": pipe(net("focal", strategy__alpha="balanced")),
    "class_balanced": pipe(net("class_balanced")),
    "cdb": pipe(net("cdb")),
    "cdb, mode='loss'": pipe(net("cdb", strategy__mode="loss")),
    "instance_difficulty": pipe(net("instance_difficulty")),
    "ghm_cwap": pipe(net("ghm_cwap")),
}
candidates = {**samplers, **strategies}

# %%
# Cross-validation
# ----------------
# Five stratified folds; the balanced accuracy and the geometric mean of the
# per-class recalls (G-mean) weigh both classes equally.
cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
scoring = {
    "balanced accuracy": make_scorer(balanced_accuracy_score),
    "G-mean": make_scorer(geometric_mean_score),
}
scores = {}
for name, model in candidates.items():
    res = cross_validate(model, X, y, cv=cv, scoring=scoring)
    scores[name] = {m: res[f"test_{m}"] for m in scoring}
    bacc, gmean = scores[name].values()
    print(f"{name:26s} balanced accuracy {bacc.mean():.3f} ± {bacc.std():.3f}"
          f"   G-mean {gmean.mean():.3f} ± {gmean.std():.3f}")

# %%
# Figure
# ------
# Means and standard deviations over the five folds. On a data set this small,
# differences of a few points are within the fold-to-fold variation: see the
# :doc:`/benchmarks` page for a comparison over many data sets.
names = list(scores)
fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
for ax, metric in zip(axes, scoring):
    means = [scores[n][metric].mean() for n in names]
    stds = [scores[n][metric].std() for n in names]
    colors = ["tab:gray" if n in samplers else "tab:blue" for n in names]
    ax.barh(names, means, xerr=stds, color=colors, capsize=3)
    ax.set_xlabel(metric)
    ax.set_xlim(0, 1)
axes[0].invert_yaxis()
fig.suptitle(
    "yeast4 (KEEL), 5-fold CV. Gray: plain net, alone or after an "
    "imbalanced-learn sampler; blue: strategies",
    fontsize=10,
)
fig.tight_layout()
plt.show()

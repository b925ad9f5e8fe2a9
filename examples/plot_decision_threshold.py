"""
=====================================
Moving the decision threshold
=====================================

A classifier trained on imbalanced data predicts the frequent class too often
when it predicts the class of highest probability: for two classes, when it
thresholds the minority-class probability at 0.5. Re-balancing the training
(``strategy=``) is one remedy; moving the threshold after training is another,
and it costs no retraining of the net's weights.

scikit-learn's :class:`~sklearn.model_selection.TunedThresholdClassifierCV`
chooses the threshold that maximises a metric by cross-validation. The data
are KEEL ``yeast4`` (1484 proteins, 51 of the positive class: an imbalance
ratio of 28).
"""

# %%
# A net at the default threshold
# ------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold, TunedThresholdClassifierCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skrebalance import RebalancedNetClassifier
from skrebalance.datasets import load_dataset

X, y = load_dataset("yeast4")
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
print("training classes:", {str(c): int(n) for c, n in zip(*np.unique(y_train, return_counts=True))})


def net(**params):
    return make_pipeline(
        StandardScaler(),
        RebalancedNetClassifier(module__hidden_units=(32,), max_epochs=30, random_state=0, **params),
    )


plain = net().fit(X_train, y_train)
print(f"threshold 0.5: balanced accuracy {balanced_accuracy_score(y_test, plain.predict(X_test)):.3f}")

# %%
# A threshold tuned by cross-validation
# -------------------------------------
# ``TunedThresholdClassifierCV`` fits the net on each training fold, scores
# the thresholds on the held-out fold, then refits on all the training data
# and keeps the best threshold. The threshold applies to the probability of
# the second class of ``classes_`` (here ``"positive"``). The candidates are
# spread evenly on a log scale: on imbalanced data the interesting ones are
# small.
tuned = TunedThresholdClassifierCV(
    net(),
    scoring="balanced_accuracy",
    thresholds=np.geomspace(1e-3, 0.99, 80),
    cv=StratifiedKFold(3, shuffle=True, random_state=0),
    store_cv_results=True,
).fit(X_train, y_train)
print(f"tuned threshold {tuned.best_threshold_:.3f}: balanced accuracy "
      f"{balanced_accuracy_score(y_test, tuned.predict(X_test)):.3f}")

# %%
# The balanced accuracy against the threshold
# -------------------------------------------
# The curve is the mean over the cross-validation folds that chose the
# threshold (training data only). The best threshold is far below 0.5: with
# one positive in 29 rows, a positive probability of a few percent is already
# well above the prior. The curve's maximum is an optimistic estimate (it is
# the score the threshold was chosen on); the test-set score above is not.
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(tuned.cv_results_["thresholds"], tuned.cv_results_["scores"], label="mean over the CV folds")
ax.axvline(0.5, color="grey", linestyle=":", label="default threshold 0.5")
ax.axvline(tuned.best_threshold_, color="C1", linestyle="--",
           label=f"tuned threshold {tuned.best_threshold_:.3f}")
ax.set_xscale("log")
ax.set_xlabel("threshold on P(positive)")
ax.set_ylabel("balanced accuracy")
ax.set_title("yeast4: the decision threshold")
ax.legend()
fig.tight_layout()
plt.show()

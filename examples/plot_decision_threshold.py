"""
=====================================
Moving the decision threshold
=====================================

A classifier trained on imbalanced data predicts the frequent class too often
when it predicts the class of highest probability: for two classes, when it
thresholds the minority-class probability at 0.5. Re-balancing the training
(``strategy=``) is one remedy; moving the decision after training is another,
and it leaves the net's training as it is.

scikit-learn's :class:`~sklearn.model_selection.TunedThresholdClassifierCV`
chooses the threshold that maximises a metric by cross-validation; post-hoc
logit adjustment derives the decision from the class prior. The data
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
# Post-hoc logit adjustment
# -------------------------
# ``strategy="logit_adjustment"`` (Menon et al., ICLR 2021) trains the same
# net (on two classes the default ``mode="auto"`` adjusts post-hoc and leaves training untouched) and predicts
# with the logits minus :math:`\tau \log \pi`, :math:`\pi` the training
# class prior. For two classes and :math:`\tau = 1` this is the threshold
# :math:`\pi_{\text{positive}}` on the plain net's probability: a threshold
# chosen from the class counts, without cross-validation, and a rule that
# extends to any number of classes, where one threshold does not.
adjusted = net(strategy="logit_adjustment").fit(X_train, y_train)
prior = adjusted[-1].strategy_.log_prior_.exp().cpu().numpy()
print(f"logit adjustment (threshold {prior[1]:.3f}): balanced accuracy "
      f"{balanced_accuracy_score(y_test, adjusted.predict(X_test)):.3f}")
# the same decisions as the plain net thresholded at the prior
same = (adjusted.predict(X_test) == "positive") == (plain.predict_proba(X_test)[:, 1] > prior[1])
print(f"same decisions as thresholding the plain net at the prior: {same.mean():.0%} of the rows")

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
ax.axvline(prior[1], color="C2", linestyle="-.",
           label=f"logit adjustment: the prior {prior[1]:.3f}")
ax.set_xscale("log")
ax.set_xlabel("threshold on P(positive)")
ax.set_ylabel("balanced accuracy")
ax.set_title("yeast4: the decision threshold")
ax.legend()
fig.tight_layout()
plt.show()

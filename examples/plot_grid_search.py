"""
=====================================================
Tuning a strategy's parameters with GridSearchCV
=====================================================

A strategy's parameters are parameters of the classifier: ``strategy__gamma``
sets the focal loss's :math:`\\gamma`. In a :class:`~sklearn.pipeline.Pipeline`
they get the step's prefix, so :class:`~sklearn.model_selection.GridSearchCV`
searches them like any other hyper-parameter.

Here we tune the focal loss's :math:`\\gamma` and its class weights ``alpha`` on
a synthetic two-class problem with a 9:1 imbalance, scoring with the balanced
accuracy (the mean of the per-class recalls).
"""

# %%
# Data and model
# --------------
# The net is small and trains for few epochs so that the example runs in
# seconds; the scaler matters for neural nets.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skrebalance import RebalancedNetClassifier

X, y = make_classification(
    n_samples=800, n_features=10, n_informative=4, weights=[0.9, 0.1],
    class_sep=0.8, flip_y=0.02, random_state=0,
)
print("class counts:", np.bincount(y))

clf = RebalancedNetClassifier(
    strategy="focal", module__hidden_units=(32,), max_epochs=15, lr=0.01,
    random_state=0,
)
pipe = make_pipeline(StandardScaler(), clf)

# %%
# The grid
# --------
# ``make_pipeline`` names the step ``rebalancednetclassifier``; the strategy's
# parameters follow as ``strategy__<param>``.
param_grid = {
    "rebalancednetclassifier__strategy__gamma": [0.0, 0.5, 1.0, 2.0, 4.0],
    "rebalancednetclassifier__strategy__alpha": [None, "balanced"],
}
cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
grid = GridSearchCV(pipe, param_grid, scoring="balanced_accuracy", cv=cv)
grid.fit(X, y)
print("best parameters:", grid.best_params_)
print(f"best balanced accuracy: {grid.best_score_:.3f}")

# %%
# Results
# -------
# ``alpha="balanced"`` weights each class by its inverse frequency; ``gamma``
# then only changes how much the easy examples count. Error bars are the
# standard deviation over the folds.
results = grid.cv_results_
gammas = param_grid["rebalancednetclassifier__strategy__gamma"]
fig, ax = plt.subplots(figsize=(6, 4))
for alpha, marker in [(None, "o"), ("balanced", "s")]:
    key = "rebalancednetclassifier__strategy__alpha"
    mask = np.array([p[key] == alpha for p in results["params"]])
    ax.errorbar(
        gammas,
        results["mean_test_score"][mask],
        yerr=results["std_test_score"][mask],
        marker=marker,
        capsize=3,
        label=f"alpha={alpha!r}",
    )
ax.set_xlabel(r"focal loss $\gamma$ (strategy__gamma)")
ax.set_ylabel("balanced accuracy (3-fold CV)")
ax.set_title("GridSearchCV over strategy parameters")
ax.legend()
fig.tight_layout()
plt.show()

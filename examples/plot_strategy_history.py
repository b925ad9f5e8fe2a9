"""
=====================================================
Plotting what a strategy learned during training
=====================================================

Strategies whose state changes during training record it in the net's
``history``, one row per epoch, and keep their final state in attributes of
``strategy_`` ending in ``_``. This example plots

- for ``"cdb"`` (class-wise difficulty-balanced sampling): the exponent
  :math:`\\tau` and the class weights :math:`w_c` of every epoch, logged as
  ``cdb_tau`` and ``cdb_class_weight``;
- for ``"instance_difficulty"``: the distribution of the per-instance
  difficulties :math:`D_i` in each class at the end of training
  (``strategy_.difficulty_``), and their range per epoch.
"""

# %%
# Data: four classes, long-tailed
# -------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler

from skrebalance import RebalancedNetClassifier

X, y = make_classification(
    n_samples=1500, n_features=10, n_informative=6, n_classes=4,
    n_clusters_per_class=2, weights=[0.6, 0.25, 0.1, 0.05], class_sep=1.0,
    random_state=0,
)
X = StandardScaler().fit_transform(X)
print("class counts:", np.bincount(y))

# %%
# CDB: tau and class weights per epoch
# ------------------------------------
# With the default dynamic ``tau="sigmoid"``, :math:`\tau` grows with the gap
# between the best and the worst class accuracy, measured after every epoch on
# the training rows; the weights follow the class difficulties :math:`1 - A_c`
# and set how often each class is drawn (CDB-S, the default ``mode``).
cdb = RebalancedNetClassifier(
    strategy="cdb", module__hidden_units=(32,), max_epochs=30,
    random_state=0,
).fit(X, y)

# %%
# The first epoch draws every class equally often (no measurement yet). As the
# net fits its training rows the accuracies even out, :math:`\tau` falls and
# the weights return toward equal, i.e. toward class-balanced sampling;
# ``update_interval > 1`` smooths them.
print("last class weights:", np.round(cdb.history[-1, "cdb_class_weight"], 2))
epochs = cdb.history[:, "epoch"]
tau = cdb.history[:, "cdb_tau"]
# one row per epoch, one column per class
weights = np.array(cdb.history[:, "cdb_class_weight"])

# %%
# Instance difficulty: difficulties per class
# -------------------------------------------
# The difficulty of an instance is its accumulated unlearning over its
# accumulated learning; each epoch samples instances proportionally to it.
inst = RebalancedNetClassifier(
    strategy="instance_difficulty", module__hidden_units=(32,),
    max_epochs=30, random_state=0,
).fit(X, y)
# one difficulty per training row
difficulty = inst.strategy_.difficulty_.cpu().numpy()

# %%
# Figure
# ------
fig, axes = plt.subplots(2, 2, figsize=(9, 7))
ax = axes[0, 0]
ax.plot(epochs, tau, marker=".")
ax.set_xlabel("epoch")
ax.set_ylabel(r"CDB $\tau$ (cdb_tau)")
ax.set_title("CDB exponent")

ax = axes[0, 1]
for c in range(weights.shape[1]):
    ax.plot(epochs, weights[:, c], label=f"class {c} (n={np.sum(y == c)})")
ax.set_xlabel("epoch")
ax.set_ylabel("class weight (cdb_class_weight)")
ax.set_title("CDB class weights")
ax.legend(fontsize=7, ncol=2, loc="upper right")
ax.set_ylim(top=1.3 * weights.max())

ax = axes[1, 0]
ax.boxplot([difficulty[y == c] for c in range(4)])
ax.set_xticks(range(1, 5), [f"class {c}" for c in range(4)])
ax.set_yscale("log")
ax.set_ylabel(r"difficulty $D_i$ (log scale)")
ax.set_title("Instance difficulty after 30 epochs")

ax = axes[1, 1]
for key in ("difficulty_max", "difficulty_mean", "difficulty_min"):
    ax.plot(inst.history[:, "epoch"], inst.history[:, key], label=key)
ax.set_xlabel("epoch")
ax.set_ylabel(r"difficulty $D_i$")
ax.set_title("Instance difficulty range per epoch")
ax.legend(fontsize=7)
fig.tight_layout()
plt.show()

# %%
# The history also holds the effective sample size of the sampling weights,
# :math:`1 / \sum_i w_i^2` (:math:`N` = 1500 when uniform):
ess = np.round(inst.history[:, "sampling_ess"])
print("sampling ESS, last 5 epochs:", ess[-5:])

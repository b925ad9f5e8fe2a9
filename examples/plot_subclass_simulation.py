"""
==============================================================
Instance difficulty: unlearning simulation and sub-class data
==============================================================

The ``"instance_difficulty"`` strategy (Yu et al., CVPR 2022) samples every
training instance with a probability proportional to its *difficulty*: how much
the model has unlearned it (its prediction moved away from the label) over how
much it has learned it. This example reproduces the paper's two simulations in
small:

* **left** — the Fig. 4 simulation: instances that are unlearned at each step
  with probability 10 %, 20 % and 40 % ("easy", "normal", "hard"); their
  accumulated difficulty orders them;
* **right** — the Table 3 analogue: ``load_digits`` turned into even vs odd,
  with long-tailed digits (sub-classes) inside each class. The model is told
  only even/odd. The bars show the share of the sampling weight every digit
  gets after training: plain training follows the counts, class-balanced
  weighting equalises the two classes but not the digits inside them, instance
  difficulty moves part of the weight to the rare digits of both classes,
  inside each class too (less, on this easy task, than class weighting moves
  between the classes).

Both use functions of ``benchmarks/subclass/`` (the benchmark
``python benchmarks/subclass_simulation.py``), whose full run
(10 seeds, accuracies and imbalance ratios) is on the benchmark page.
"""

# %%
# The benchmark lives in ``benchmarks/subclass/`` beside the examples, outside
# the package; it imports the shared ``_common`` module by name, as when it
# runs as a script, so the ``benchmarks`` folder goes on the module search path.
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

here = Path(globals().get("__file__", "plot_subclass_simulation.py")).resolve().parent
sys.path.insert(0, str(here.parent / "benchmarks"))
import subclass as bench  # noqa: E402

# %%
# Fig. 4: difficulty of instances unlearned at random
# ---------------------------------------------------
# 200 instances per group, 10 classes, 60 updates; the prior is ``c = 0.1``.
difficulty = bench.simulate_unlearning((0.1, 0.2, 0.4), n=200, steps=60, c=0.1)
for name, d in zip(("easy", "normal", "hard"), difficulty[-1]):
    print(f"{name:>6}: mean difficulty {d.mean():.3f}")

# %%
# Table 3 analogue: sampling weight per sub-class, one seed
# ---------------------------------------------------------
# The same MLP with three strategies (those registered in this version).
data = bench.make_subclass_digits(seed=0)
digits, counts = np.unique(data["sub_train"], return_counts=True)
order = np.lexsort((-counts, digits % 2))  # even digits first, large to small
shares = {}
for strategy in bench.available_strategies(bench.STRATEGIES):
    clf = bench.make_classifier(strategy, seed=0, epochs=30)
    clf.fit(data["X_train"], data["y_train"])
    w = bench.instance_weights(clf, data["y_train"])
    shares[strategy] = np.bincount(data["sub_train"], weights=w, minlength=10)[digits]
    acc = (clf.predict(data["X_test"]) == data["y_test"]).mean()
    ratio = bench.weight_ratio(w, data["sub_train"])
    print(f"{strategy:>20}: test accuracy {acc:.3f}, sub-class ratio {ratio:.1f}")

# %%
# The figure
# ----------
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
steps = np.arange(difficulty.shape[0])
for name, d in zip(("easy (10 %)", "normal (20 %)", "hard (40 %)"), difficulty.transpose(1, 0, 2)):
    mean = d.mean(axis=1)
    low, high = np.quantile(d, [0.25, 0.75], axis=1)
    left.plot(steps, mean, label=name)
    left.fill_between(steps, low, high, alpha=0.2)
left.set(xlabel="update", ylabel="difficulty $D$", title="Unlearning simulation (Fig. 4)")
left.legend(title="unlearned with prob.")

x = np.arange(len(digits))
width = 0.8 / len(shares)
for i, (strategy, share) in enumerate(shares.items()):
    right.bar(x + (i - (len(shares) - 1) / 2) * width, share[order], width, label=strategy)
right.set_xticks(x, [f"{d}\n({n})" for d, n in zip(digits[order], counts[order])])
right.set_yscale("log")
right.set(
    xlabel="digit (training count); even | odd",
    ylabel="share of sampling weight",
    title="Weight per sub-class (even vs odd digits)",
)
right.axvline(4.5, color="grey", lw=0.8)
right.legend()
plt.show()

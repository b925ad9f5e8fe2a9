"""The runs of the sub-class simulation: the nets, their fits and their metrics.

Every strategy of :data:`STRATEGIES` trains the same MLP on every seed's data
(:mod:`subclass.data`); :func:`run_one` measures the accuracies on the
majority and minority sub-classes and the sampling-weight ratios
(:func:`instance_weights`, :func:`weight_ratio`).
"""

import sys
import time

import numpy as np
import pandas as pd

from _common import make_net
from subclass.data import make_subclass_digits
from skrebalance.strategies import get_strategy_class

STRATEGIES = ("none", "class_balanced", "instance_difficulty")
METRICS = (
    "acc_overall",
    "acc_class_even",
    "acc_class_odd",
    "acc_major_sub",
    "acc_minor_sub",
    "acc_even_major",
    "acc_even_minor",
    "acc_odd_major",
    "acc_odd_minor",
    "class_ratio",
    "subclass_ratio",
    "within_class_ratio",
)


def instance_weights(clf, y):
    """Per-instance effective sampling weight of a fitted classifier, summing to 1.

    Uniform without re-weighting, the class weight of the instance for a
    class-weighted loss (the criterion's ``class_weight``), the final sampling
    weights for a sampling strategy that keeps them (``weights_``).
    """
    strategy = clf.sampling_strategy_
    if strategy is not None and getattr(strategy, "weights_", None) is not None:
        w = strategy.weights_.detach().cpu().numpy().astype(np.float64)
    else:
        class_weight = getattr(clf.criterion_, "class_weight", None)
        if class_weight is not None:
            w = class_weight.detach().cpu().numpy().astype(np.float64)[y]
        else:
            w = np.ones(len(y))
    return w / w.sum()


def weight_ratio(weights, groups):
    """Ratio of the largest to the smallest summed weight over the groups."""
    totals = np.bincount(groups, weights=weights)
    totals = totals[np.isin(np.arange(len(totals)), groups)]
    return float(totals.max() / totals.min())


def strategy_members(strategy):
    """``"a+b"`` -> ``["a", "b"]`` (a strategy list); a single name unchanged."""
    return strategy.split("+") if "+" in strategy else strategy


def make_classifier(strategy, seed, epochs, c=None):
    """The MLP used for every strategy (only ``strategy`` differs).

    ``strategy`` is a registered name or names joined by ``+``
    (``"instance_difficulty+tde"``: a strategy list); ``c`` goes to
    ``instance_difficulty`` alone or in a list.
    """
    members = strategy_members(strategy)
    with_c = c is not None and "instance_difficulty" in (
        members if isinstance(members, list) else [members])
    params = {"c": c} if with_c else {}
    return make_net(members, params, hidden_units=(64,), epochs=epochs, batch_size=32,
                    lr=0.003, random_state=seed, device="cpu")


def run_one(strategy, seed, epochs=60, c=None, data=None, profile="per-class"):
    """Train one strategy on one seed's data; return a dict of the metrics."""
    data = make_subclass_digits(seed, profile=profile) if data is None else data
    clf = make_classifier(strategy, seed, epochs, c).fit(data["X_train"], data["y_train"])
    pred = clf.predict(data["X_test"])
    correct = pred == data["y_test"]
    is_major = np.isin(data["sub_test"], data["major"])
    y_train = data["y_train"]
    w = instance_weights(clf, y_train)
    y_test = data["y_test"]
    groups = {f"acc_{name}_{size}": correct[(y_test == parity) & (is_major == major)].mean()
              for parity, name in ((0, "even"), (1, "odd"))
              for major, size in ((True, "major"), (False, "minor"))}
    return {
        "strategy": strategy,
        "seed": seed,
        "acc_overall": correct.mean(),
        "acc_class_even": correct[data["y_test"] == 0].mean(),
        "acc_class_odd": correct[data["y_test"] == 1].mean(),
        "acc_major_sub": correct[is_major].mean(),
        "acc_minor_sub": correct[~is_major].mean(),
        **groups,
        "class_ratio": weight_ratio(w, data["y_train"]),
        "subclass_ratio": weight_ratio(w, data["sub_train"]),
        "within_class_ratio": np.mean(
            [weight_ratio(w[m], data["sub_train"][m]) for m in (y_train == 0, y_train == 1)]
        ),
        "n_train": len(data["y_train"]),
    }


def available_strategies(names):
    """The names among ``names`` that are registered; print a note for the others."""
    found = []
    for name in names:
        try:
            for member in name.split("+"):
                get_strategy_class(member)
        except ValueError:
            print(f"skipping strategy {name!r}: not registered in this version", file=sys.stderr)
        else:
            found.append(name)
    return found


def run(strategies=STRATEGIES, seeds=range(5), epochs=60, c=None, verbose=True,
        profile="per-class", images="digits", n_max=100):
    """Every strategy on every seed (same data for all strategies of a seed)."""
    strategies = available_strategies(strategies)
    rows = []
    for seed in seeds:
        data = make_subclass_digits(seed, profile=profile, data=images, n_max=n_max)
        for strategy in strategies:
            start = time.perf_counter()
            rows.append(run_one(strategy, seed, epochs, c, data))
            rows[-1]["fit_seconds"] = time.perf_counter() - start
            if verbose:
                print(
                    f"seed {seed} {strategy:>20}: acc {rows[-1]['acc_overall']:.3f} "
                    f"minor-sub {rows[-1]['acc_minor_sub']:.3f} "
                    f"sub-class ratio {rows[-1]['subclass_ratio']:.1f}",
                    file=sys.stderr,
                )
    return pd.DataFrame(rows)

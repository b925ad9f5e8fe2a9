"""CDB with the paper's difficulty set: a class-balanced set outside the long-tailed data.

What it measures
    Sinha et al. measure the class accuracies of CDB on a class-balanced
    validation set taken from the data *before* they are made long-tailed (25
    images per class on CIFAR in the authors' code; ImageNet-LT's own
    validation set), so the difficulty set costs the tail classes nothing.
    ``cdb``'s ``difficulty_set="holdout"`` has to carve such a set out of the
    long-tailed training rows instead, and its default measures on the
    training rows. This script tests that difference on the long-tailed
    protocol of ``benchmarks/uci.py``: for every pool of ``long-tailed-dev``,
    imbalance ratio and seed it first draws ``v`` rows of every class as the
    validation set (``v = min(25, floor(0.1 * smallest class))``), then cuts the
    rest with :func:`skrebalance.datasets.long_tailed_split` (a balanced test
    set, the long-tailed training set), and fits on the same training rows:

    - ``none``; ``cdb`` (the defaults: CDB-S, difficulty on the training
      rows); ``CDB-W-CE-holdout`` (CDB-W-CE on a held-out part of the
      training rows, the package's imitation of the paper's protocol);
    - ``CDB-W-CE-val`` and ``CDB-S-val``: CDB-W-CE and CDB-S whose difficulty
      set is the validation set (appended to the training data and marked by
      ``difficulty_set=<boolean mask>``, never drawn for training: the paper's
      protocol);

    every net ``RebalancedNetClassifier`` with the package's recipe on raw
    columns (categorical ones one-hot encoded), its batch size and epochs
    those of the training rows alone, seeded with the split's seed. The
    splits are not those of ``uci.py`` (the validation rows come out of the
    pool first), so compare the methods within this run.

    Writes ``cdb_validation_set.csv`` (one row per fit) and
    ``cdb_validation_set.md`` (accuracy, many- and few-shot accuracy per
    ratio, mean over data sets and seeds, and each method minus ``none``
    paired over the splits) to ``--out``.

Run
    python benchmarks/cdb_validation_set.py --out benchmarks/results/cdb_validation_set
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from _common import command_line, markdown_table, torch_threads
from skrebalance import RebalancedNetClassifier
from skrebalance._budget import resolve_budget
from skrebalance.datasets import load_dataset, long_tailed_split, suite_names
from skrebalance.strategies import CDBStrategy
from uci.jobs import fold_seed
from uci.methods import make_preprocessor

METHODS = ("none", "cdb", "CDB-W-CE-holdout", "CDB-W-CE-val", "CDB-S-val")
SHOTS = ("many", "medium", "few")


def validation_split(y, seed):
    """``(validation rows, the rest)``: ``min(25, floor(0.1 * n_min))`` rows of every class."""
    rng = np.random.RandomState(seed)
    classes, counts = np.unique(y, return_counts=True)
    v = max(1, min(25, int(0.1 * counts.min())))
    valid = np.concatenate([rng.choice(np.flatnonzero(y == c), v, replace=False)
                            for c in classes])
    return np.sort(valid), np.setdiff1d(np.arange(len(y)), valid)


def strategy_of(method, n_train, n_valid):
    # the -val methods: the validation rows appended after the training rows, marked
    given = np.arange(n_train + n_valid) >= n_train
    return {"none": "none", "cdb": "cdb",
            "CDB-W-CE-holdout": CDBStrategy(mode="loss", difficulty_set="holdout"),
            "CDB-W-CE-val": CDBStrategy(mode="loss", difficulty_set=given),
            "CDB-S-val": CDBStrategy(mode="sampling", difficulty_set=given)}[method]


def fit_one(method, X_train, y_train, X_valid, y_valid, seed):
    """The fitted net (the validation rows appended for the ``-val`` methods)."""
    batch_size, max_epochs = resolve_budget("auto", "auto", len(y_train))
    strategy = strategy_of(method, len(y_train), len(y_valid))
    if method.endswith("-val"):
        X_train, y_train = np.vstack([X_train, X_valid]), np.r_[y_train, y_valid]
    net = RebalancedNetClassifier(strategy=strategy,
                                  batch_size=batch_size, max_epochs=max_epochs,
                                  random_state=seed, device="cpu")
    return net.fit(X_train, y_train)


def run(names, ratios, n_seeds, methods=METHODS, log=sys.stderr):
    rows = []
    for name in names:
        bunch = load_dataset(name, return_X_y=False, as_frame=True)
        X_all, y_all = bunch.data, np.asarray(bunch.target)
        for ratio in ratios:
            for repeat in range(n_seeds):
                seed = fold_seed(0, repeat, 0)
                valid, rest = validation_split(y_all, seed)
                split = long_tailed_split(X_all.iloc[rest], y_all[rest], ratio,
                                          random_state=seed)
                prep = make_preprocessor(scale=False).fit(split.X_train)
                X_train = prep.transform(split.X_train).astype(np.float32)
                X_test = prep.transform(split.X_test).astype(np.float32)
                X_valid = prep.transform(X_all.iloc[valid]).astype(np.float32)
                y_train, y_test, y_valid = np.asarray(split.y_train), split.y_test, y_all[valid]
                for method in methods:
                    start = time.perf_counter()
                    with torch_threads(1):
                        net = fit_one(method, X_train, y_train, X_valid, y_valid, seed)
                        y_pred = net.predict(X_test)
                    row = {"dataset": name, "ratio": ratio, "repeat": repeat, "seed": seed,
                           "method": method, "n_train": len(y_train), "n_valid": len(y_valid),
                           "accuracy": float(np.mean(y_pred == y_test)),
                           "fit_time": time.perf_counter() - start}
                    for shot in SHOTS:
                        mask = np.isin(y_test, split[f"{shot}_shot_classes"])
                        row[f"{shot}_shot_accuracy"] = float(np.mean(y_pred[mask] == y_test[mask]))
                    rows.append(row)
                    print(f"{name} IR {ratio:g} seed {repeat} {method:>17}: "
                          f"{row['accuracy']:.3f} few {row['few_shot_accuracy']:.3f}", file=log)
    return pd.DataFrame(rows)


def summary(results, command):
    """Markdown: means per ratio, and each method minus ``none`` paired over the splits."""
    methods = list(dict.fromkeys(results["method"]))
    ratios = sorted(results["ratio"].unique())
    metrics = ("accuracy", "many_shot_accuracy", "few_shot_accuracy")
    means = results.groupby(["method", "ratio"])[list(metrics)].mean() * 100
    lines = [f"Command: `{command}`", "",
             f"{results['dataset'].nunique()} pools x {results['repeat'].nunique()} seeds per "
             "ratio; validation rows (all classes together): "
             + ", ".join(f"{d} {v}" for d, v in
                         results.groupby("dataset")["n_valid"].first().items())
             + ". Accuracy (%), mean over pools and seeds (many-shot / few-shot):", ""]
    rows = [[m, *(f"{means.at[(m, r), 'accuracy']:.1f} ({means.at[(m, r), 'many_shot_accuracy']:.1f}"
                  f" / {means.at[(m, r), 'few_shot_accuracy']:.1f})" for r in ratios)]
            for m in methods]
    lines += [markdown_table(["method", *(f"IR {r:g}" for r in ratios)], rows), ""]
    wide = results.pivot_table(index=["dataset", "ratio", "repeat"], columns="method",
                               values=["accuracy", "few_shot_accuracy"])
    cells = []
    for m in methods:
        if m == "none":
            continue
        row = [m]
        for r in ratios:
            part = []
            for metric in ("accuracy", "few_shot_accuracy"):
                d = (wide[metric][m] - wide[metric]["none"]).xs(r, level="ratio") * 100
                part.append(f"{d.mean():+.1f} ± {d.std(ddof=1) / np.sqrt(len(d)):.1f}")
            row.append(" / ".join(part))
        cells.append(row)
    lines += ["Minus `none`, paired over the (pool, seed) splits, accuracy / few-shot accuracy "
              "(points, ± standard error):", "",
              markdown_table(["method", *(f"IR {r:g}" for r in ratios)], cells), ""]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="long-tailed-dev")
    parser.add_argument("--imbalance-ratio", type=float, nargs="+", default=[10.0, 50.0, 100.0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--out", default="results-cdb-validation-set")
    args = parser.parse_args(argv)
    command = command_line("cdb_validation_set.py", sys.argv[1:] if argv is None else argv)
    results = run(suite_names(args.suite), args.imbalance_ratio, args.seeds, args.methods)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results.to_csv(out / "cdb_validation_set.csv", index=False)
    text = "# CDB with the paper's difficulty set (a validation set outside the long tail)\n\n"
    text += summary(results, command)
    (out / "cdb_validation_set.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()

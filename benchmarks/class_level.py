"""Minority recall and balanced accuracy of the class-level strategies.

What it measures
    On one imbalanced binary data set, repeated stratified k-fold
    cross-validation (5 folds x 4 repeats by default, fixed seeds) of a
    ``StandardScaler -> RebalancedNetClassifier`` pipeline (the classifier's
    default MLP and optimizer, AdamW with warm-up then cosine decay, the same
    epochs / learning rate / batch size for all), once per strategy. On every
    test fold it records

    - minority recall: recall of the least frequent class;
    - balanced accuracy: mean recall over the classes;

    and prints a Markdown table of mean ± standard deviation over the folds
    (``--csv`` also writes the per-fold rows).

Data set
    ``yeast4`` (default): KEEL's imbalanced yeast4, 1484 rows, 8 features,
    51 positives (class ``ME2`` against all other yeast classes, imbalance
    ratio 28), loaded offline by :func:`skrebalance.datasets.load_dataset`;
    its minority overlaps the large classes, so plain training misses most
    of it. Any name of :func:`skrebalance.datasets.available_datasets` works
    (``--dataset abalone9-18``); for a multi-class set, "minority" is the
    smallest class.

Strategies
    Positional arguments, each ``label=name`` or
    ``label=name:param=value,param=value`` (values are Python literals). The
    default list is::

        none=none class_balanced=class_balanced \\
        cdb_loss=cdb:mode='loss' cdb_sampling=cdb:mode='sampling'

    i.e. plain cross-entropy, class-balanced CE (its default ``beta="auto"``,
    ``1 - 1/n_max`` from the largest class count of the training fold:
    about 0.9991 on yeast4), CDB-W-CE and CDB-S, both with the dynamic
    sigmoid tau and the default held-out, class-balanced difficulty set.

Run
    python benchmarks/class_level.py    # 20 folds x 4 strategies, about 1.5 minutes on 2 cores
    python benchmarks/class_level.py --dataset abalone9-18 --repeats 3 --epochs 60 \\
        none=none "cdb_train=cdb:difficulty_set='train'" --csv class_level.csv
"""

import argparse
import csv
import sys
import time

import numpy as np
from sklearn.metrics import balanced_accuracy_score, recall_score
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

# helper module beside this script (its folder is first on sys.path)
from _common import (
    make_net,
    markdown_table,
    mean_std,
    parse_strategy,
    run_header,
    torch_threads,
)
from skrebalance.datasets import load_dataset

DEFAULT_STRATEGIES = [
    "none=none",
    "class_balanced=class_balanced",
    "cdb_loss=cdb:mode='loss'",
    "cdb_sampling=cdb:mode='sampling'",
]


def make_model(name, params, args, seed):
    net = make_net(name, params, epochs=args.epochs, lr=args.lr, batch_size=args.batch_size,
                   device=args.device, random_state=seed)
    return make_pipeline(StandardScaler(), net)


def run(args):
    X, y = load_dataset(args.dataset)
    labels, counts = np.unique(y, return_counts=True)
    minority = labels[counts.argmin()]
    strategies = [parse_strategy(s) for s in (args.strategies or DEFAULT_STRATEGIES)]
    cv = RepeatedStratifiedKFold(n_splits=args.folds, n_repeats=args.repeats,
                                 random_state=args.seed)
    rows = []
    for fold, (train, test) in enumerate(cv.split(X, y)):
        for label, name, params in strategies:
            start = time.perf_counter()
            model = make_model(name, params, args, seed=args.seed + fold)
            model.fit(X[train], y[train])
            pred = model.predict(X[test])
            rows.append({
                "dataset": args.dataset,
                "strategy": label,
                "fold": fold,
                "minority_recall": recall_score(y[test], pred, labels=[minority], average="macro"),
                "balanced_accuracy": balanced_accuracy_score(y[test], pred),
                "fit_time": time.perf_counter() - start,
            })
        if args.verbose:
            print(f"fold {fold + 1}/{args.folds * args.repeats} done", file=sys.stderr)
    return rows, dict(zip(labels, counts)), minority, strategies


def markdown(rows, strategies):
    table = []
    for label, _, _ in strategies:
        mine = [r for r in rows if r["strategy"] == label]
        cells = [mean_std(np.mean(v), np.std(v)) for v in (
            [r[key] for r in mine] for key in ("minority_recall", "balanced_accuracy"))]
        table.append([label, *cells, f"{np.mean([r['fit_time'] for r in mine]):.1f}"])
    return markdown_table(
        ["strategy", "minority recall", "balanced accuracy", "fit time (s)"], table)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("strategies", nargs="*", help="label=name[:param=value,...]")
    parser.add_argument("--dataset", default="yeast4")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--csv", help="also write the per-fold rows to this CSV file")
    parser.add_argument("--verbose", action="store_true")
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    with torch_threads(args.threads):
        rows, counts, minority, strategies = run(args)
    total = time.perf_counter() - start
    print("\n".join(run_header("class_level.py", argv, args.device)))
    print(
        f"**{args.dataset}**: {sum(counts.values())} rows, class counts "
        f"{ {str(k): int(v) for k, v in counts.items()} }, minority {minority!s}; "
        f"{args.folds}-fold stratified CV x {args.repeats} repeats (seed {args.seed}), "
        f"{args.epochs} epochs, lr {args.lr}, batch {args.batch_size}, device {args.device}; "
        f"mean ± std over the {args.folds * args.repeats} test folds ({total:.0f} s in all).\n"
    )
    print(markdown(rows, strategies))
    if args.csv:
        with open(args.csv, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    main()

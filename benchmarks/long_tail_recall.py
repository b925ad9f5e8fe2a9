"""Head- and tail-class recall of re-balancing strategies on a long-tailed problem.

What it measures
    A multi-class problem is made long-tailed for training with
    :func:`skrebalance.datasets.make_long_tailed` (class ``c`` keeps
    ``n_max * ratio^(-c / (C - 1))`` rows, Cui et al. 2019) and evaluated on a
    *balanced* held-out half, as in the long-tailed literature. For every
    strategy and seed the same :class:`~skrebalance.RebalancedNetClassifier`
    (MLP, Adam, fixed epochs) is fitted and scored:

    - head recall: mean recall of the ``ceil(C/3)`` most frequent training classes;
    - tail recall: mean recall of the ``ceil(C/3)`` least frequent ones;
    - balanced accuracy: mean recall of all classes.

    The Markdown summary (printed, and with ``--out DIR`` written to
    ``DIR/long_tail_recall.md``) gives mean ± std over the seeds; with
    ``--out`` the per-seed rows go to ``DIR/long_tail_recall.csv``. Fixed
    seeds 0..N-1 (data, split, subsampling, weights); one torch thread by
    default. The default run (4 strategies x 10 seeds) takes under a minute (28 s measured)
    on two CPU cores.

Data sets
    ``synthetic`` (default): ``make_classification`` with 10 classes, 20
    features (10 informative, 4 redundant), 2 clusters per class, overlapping
    classes (``class_sep=1.5``), 1000 rows per class before the split; with
    the default ratio 50 the training classes keep 500 ... 10 rows.
    ``digits``: scikit-learn's 8x8 digits (10 classes, ~180 rows each).

Strategies
    Positional arguments, each ``name`` or ``label=name:param=value,...``
    (values are Python literals; the label names the row), for example::

        python benchmarks/long_tail_recall.py none focal \\
            "ura=ghm_cwap:adaptive=False" "intra_only=ghm_cwap:gamma=0.0"

    The default list is ``none``, ``focal``, ``ghm_cwap`` with equal-width
    regions (URA, ``adaptive=False``) and with AURA (the default).

Run
    python benchmarks/long_tail_recall.py [strategies ...] [--dataset digits]
        [--imbalance-ratio 50] [--seeds 10] [--epochs 30] [--out DIR]
"""

import argparse
import csv
import math
import os
import sys
import time

import numpy as np
from sklearn.datasets import load_digits, make_classification
from sklearn.metrics import balanced_accuracy_score, recall_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

# helper module beside this script (its folder is first on sys.path)
from _common import (
    make_net,
    markdown_table,
    mean_std,
    parse_strategy,
    run_header,
    strategy_text,
    torch_threads,
)
from skrebalance.datasets import make_long_tailed

DEFAULT_STRATEGIES = ["none", "focal", "ghm_cwap_ura=ghm_cwap:adaptive=False",
                      "ghm_cwap_aura=ghm_cwap"]


def load(dataset, seed):
    """Balanced data: (X, y) with equally many rows per class."""
    if dataset == "digits":
        return load_digits(return_X_y=True)
    return make_classification(
        n_samples=10000, n_features=20, n_informative=10, n_redundant=4,
        n_classes=10, n_clusters_per_class=2, class_sep=1.5, flip_y=0.0,
        random_state=seed,
    )


def split(dataset, imbalance_ratio, seed):
    """Long-tailed training half, balanced test half, standardised."""
    X, y = load(dataset, seed)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=seed
    )
    X_train, y_train = make_long_tailed(X_train, y_train, imbalance_ratio, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), y_train, scaler.transform(X_test), y_test


def head_tail(y_train):
    """Class labels of the head and tail thirds, by training count."""
    labels, counts = np.unique(y_train, return_counts=True)
    order = labels[np.argsort(-counts, kind="stable")]
    k = math.ceil(len(labels) / 3)
    return order[:k], order[-k:]


def evaluate(name, params, data, head, tail, args, seed):
    X_train, y_train, X_test, y_test = data
    clf = make_net(name, params, hidden_units=args.hidden, epochs=args.epochs, lr=args.lr,
                   batch_size=args.batch_size, random_state=seed)
    start = time.perf_counter()
    clf.fit(X_train, y_train)
    fit_time = time.perf_counter() - start
    pred = clf.predict(X_test)
    labels = np.unique(y_test)
    recall = dict(zip(labels, recall_score(y_test, pred, labels=labels, average=None)))
    return {
        "head_recall": float(np.mean([recall[c] for c in head])),
        "tail_recall": float(np.mean([recall[c] for c in tail])),
        "balanced_accuracy": float(balanced_accuracy_score(y_test, pred)),
        "fit_time": fit_time,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("strategies", nargs="*", default=DEFAULT_STRATEGIES,
                        help="strategy specs: name or name:param=value,...")
    parser.add_argument("--dataset", choices=["synthetic", "digits"], default="synthetic")
    parser.add_argument("--imbalance-ratio", type=float, default=50.0)
    parser.add_argument("--seeds", type=int, default=10, help="seeds 0..N-1")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--hidden", type=int, nargs="*", default=[64, 64])
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--out", default=None, help="folder for the CSV and Markdown results")
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    with torch_threads(args.threads):
        rows, specs = run(args)
    summary = markdown(rows, specs, args, argv)
    print("\n" + summary)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "long_tail_recall.md"), "w") as handle:
            handle.write(summary)
        with open(os.path.join(args.out, "long_tail_recall.csv"), "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)


def run(args):
    """Every strategy on every seed; returns the rows and the parsed specs."""
    specs = [parse_strategy(spec) for spec in args.strategies]
    # warm-up fit, so that the first timed fit does not pay for lazy initialisation
    warm = split(args.dataset, args.imbalance_ratio, 0)
    make_net("none", epochs=1, hidden_units=args.hidden).fit(*warm[:2])
    rows = []
    for seed in range(args.seeds):
        data = split(args.dataset, args.imbalance_ratio, seed)
        head, tail = head_tail(data[1])
        for label, name, params in specs:
            row = {"strategy": label, "seed": seed}
            row.update(evaluate(name, params, data, head, tail, args, seed))
            rows.append(row)
            print(f"seed {seed} {label}: " + ", ".join(
                f"{k} {v:.3f}" for k, v in row.items() if k not in ("strategy", "seed")
            ), file=sys.stderr)
    return rows, specs


def markdown(rows, specs, args, argv):
    """The Markdown summary: settings, command, mean ± std over the seeds."""
    counts = np.bincount(split(args.dataset, args.imbalance_ratio, 0)[1])
    lines = [
        f"{args.dataset}, imbalance ratio {args.imbalance_ratio:g} (training counts of seed 0: "
        f"{counts.tolist()}), balanced test half, {args.epochs} epochs, "
        f"MLP {tuple(args.hidden)}, {args.seeds} seeds; mean ± std over seeds.",
        "",
        *run_header("long_tail_recall.py", argv),
    ]
    metrics = ["head_recall", "tail_recall", "balanced_accuracy", "fit_time"]
    table = []
    for label, name, params in specs:
        values = np.array([[r[m] for m in metrics] for r in rows if r["strategy"] == label])
        cells = [mean_std(mu, sd) for mu, sd in zip(values.mean(0), values.std(0))]
        table.append([f"{label} (`{strategy_text(name, params)}`)", *cells])
    lines.append(markdown_table(["strategy"] + [m.replace("_", " ") for m in metrics], table))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

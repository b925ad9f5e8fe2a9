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
    - many / medium / few / rare: mean recall of each quarter of the classes
      by training count (``numpy.array_split`` of the classes from the most to
      the least frequent; 3, 3, 2, 2 classes of 10), the analogue of the
      shot groups of ImageNet-LT;
    - balanced accuracy: mean recall of all classes (the accuracy on the
      balanced test set, the "Overall" of the long-tailed literature).

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

The GHM-CWAP ablation (``--paper``)
    Runs the variants of Zhang et al.'s Table 3 (ImageNet-LT) instead, and
    prints the paper's table (``benchmarks/paper_tables/
    zhang2022_ghm_cwap_table3_ablation.csv``) next to ours with the patterns:
    each variant's gain over Softmax and the ablation steps, in the paper and
    here, and in how many cells both go the same way (:mod:`paper_tables`).
    The variants (:data:`PAPER_VARIANTS`): Softmax = ``none``; R (intra-category
    weights only) = ``ghm_cwap:gamma=0.0,adaptive=False``; A^URA (margins
    only, equal-width regions) = ``ghm_cwap:intra=False,adaptive=False``;
    R+A^URA = ``ghm_cwap:adaptive=False``; R+A^AURA = ``ghm_cwap``. The
    results go to ``DIR/ablation.{md,csv}``.

Run
    python benchmarks/long_tail_recall.py [strategies ...] [--dataset digits]
        [--n-classes 10] [--imbalance-ratio 50] [--seeds 10] [--epochs 30]
        [--paper] [--out DIR]
"""

import argparse
import csv
import math
import os
import sys
import time

import numpy as np
import pandas as pd
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
import paper_tables
from skrebalance.datasets import make_long_tailed

DEFAULT_STRATEGIES = ["none", "focal", "ghm_cwap_ura=ghm_cwap:adaptive=False",
                      "ghm_cwap_aura=ghm_cwap"]
SHOT_GROUPS = ("many", "medium", "few", "rare")
#: Zhang et al.'s Table 3: the ghm_cwap setting of each variant (labels as in the paper).
PAPER_TABLE = "zhang2022_ghm_cwap_table3_ablation.csv"
PAPER_VARIANTS = {
    "Softmax": "none",
    "R": "ghm_cwap:gamma=0.0,adaptive=False",
    "A_URA": "ghm_cwap:intra=False,adaptive=False",
    "R+A_URA": "ghm_cwap:adaptive=False",
    "R+A_AURA": "ghm_cwap",
}
PAPER_COLUMNS = {"Many": "many", "Medium": "medium", "Few": "few", "Rare": "rare",
                 "Overall": "balanced_accuracy"}
PAPER_PAIRS = (("R", "Softmax"), ("A_URA", "Softmax"), ("R+A_URA", "Softmax"),
               ("R+A_AURA", "Softmax"), ("R+A_URA", "R"), ("R+A_URA", "A_URA"),
               ("R+A_AURA", "R+A_URA"))
PAPER_TIE = 0.2  # points: the paper's steps are a few tenths on ImageNet-LT

def load(dataset, seed, n_classes=10):
    """Balanced data: (X, y) with equally many rows per class."""
    if dataset == "digits":
        return load_digits(return_X_y=True)
    return make_classification(
        n_samples=1000 * n_classes, n_features=20, n_informative=10, n_redundant=4,
        n_classes=n_classes, n_clusters_per_class=2, class_sep=1.5, flip_y=0.0,
        random_state=seed,
    )


def split(dataset, imbalance_ratio, seed, n_classes=10):
    """Long-tailed training half, balanced test half, standardised."""
    X, y = load(dataset, seed, n_classes)
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


def shot_groups(y_train, n_groups=len(SHOT_GROUPS)):
    """Class labels of each group, from the most to the least frequent in training."""
    labels, counts = np.unique(y_train, return_counts=True)
    return np.array_split(labels[np.argsort(-counts, kind="stable")], n_groups)


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
    groups = zip(SHOT_GROUPS, shot_groups(y_train))
    return {
        "head_recall": float(np.mean([recall[c] for c in head])),
        "tail_recall": float(np.mean([recall[c] for c in tail])),
        **{name: float(np.mean([recall[c] for c in group])) for name, group in groups},
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
    parser.add_argument("--n-classes", type=int, default=10, help="classes of synthetic")
    parser.add_argument("--imbalance-ratio", type=float, default=50.0)
    parser.add_argument("--seeds", type=int, default=10, help="seeds 0..N-1")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--hidden", type=int, nargs="*", default=[64, 64])
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--paper", action="store_true",
                        help="the GHM-CWAP ablation (Zhang et al. Table 3) instead of the "
                             "strategies given, printed next to the paper's")
    parser.add_argument("--out", default=None, help="folder for the CSV and Markdown results")
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    if args.paper:
        args.strategies = [f"{label}={spec}" for label, spec in PAPER_VARIANTS.items()]
    with torch_threads(args.threads):
        rows, specs = run(args)
    summary = markdown(rows, specs, args, argv)
    if args.paper:
        summary += "\n" + "\n".join(paper_section(rows)).rstrip() + "\n"
    print("\n" + summary)
    stem = "ablation" if args.paper else "long_tail_recall"
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, f"{stem}.md"), "w") as handle:
            handle.write(summary)
        with open(os.path.join(args.out, f"{stem}.csv"), "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)


def run(args):
    """Every strategy on every seed; returns the rows and the parsed specs."""
    specs = [parse_strategy(spec) for spec in args.strategies]
    # warm-up fit, so that the first timed fit does not pay for lazy initialisation
    warm = split(args.dataset, args.imbalance_ratio, 0, args.n_classes)
    make_net("none", epochs=1, hidden_units=args.hidden).fit(*warm[:2])
    rows = []
    for seed in range(args.seeds):
        data = split(args.dataset, args.imbalance_ratio, seed, args.n_classes)
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
    counts = np.bincount(split(args.dataset, args.imbalance_ratio, 0, args.n_classes)[1])
    lines = [
        f"{args.dataset}, imbalance ratio {args.imbalance_ratio:g} (training counts of seed 0: "
        f"{counts.tolist()}), balanced test half, {args.epochs} epochs, "
        f"MLP {tuple(args.hidden)}, {args.seeds} seeds; mean ± std over seeds.",
        "",
        *run_header("long_tail_recall.py", argv),
    ]
    metrics = ["head_recall", "tail_recall", *SHOT_GROUPS, "balanced_accuracy", "fit_time"]
    table = []
    for label, name, params in specs:
        values = np.array([[r[m] for m in metrics] for r in rows if r["strategy"] == label])
        cells = [mean_std(mu, sd) for mu, sd in zip(values.mean(0), values.std(0))]
        table.append([f"{label} (`{strategy_text(name, params)}`)", *cells])
    lines.append(markdown_table(["strategy"] + [m.replace("_", " ") for m in metrics], table))
    return "\n".join(lines) + "\n"


def paper_comparison(rows, paper=None):
    """``(paper, ours)`` as :func:`paper_tables.section` takes them (ours in %)."""
    paper = paper_tables.read_table(paper or PAPER_TABLE, "variant", list(PAPER_COLUMNS))
    ours = [{"method": r["strategy"], "seed": r["seed"],
             **{c: 100 * r[m] for c, m in PAPER_COLUMNS.items()}}
            for r in rows if r["strategy"] in PAPER_VARIANTS]
    return paper, pd.DataFrame(ours)


def paper_section(rows, paper=None):
    """The Markdown lines of Zhang et al.'s Table 3 next to ours (the pattern figures)."""
    paper, ours = paper_comparison(rows, paper)
    present = [v for v in paper.index if v in set(ours["method"])]
    pairs = [p for p in PAPER_PAIRS if set(p) <= set(present)]
    lines = ["## Zhang et al. (2022) GHM-CWAP Table 3 (ablation) next to ours", "",
             "The paper: ImageNet-LT (1000 classes, ResNeXt-50), top-1 accuracy (%) on its "
             "Many / Medium / Few (/ Rare) shot groups; here: the quarters of the classes by "
             "training count (most to least frequent) and the balanced accuracy as Overall, "
             "so compare patterns.", ""]
    if not pairs:
        return lines + ["No variant of the paper's table was run.", ""]
    return lines + paper_tables.section(
        paper.loc[present], ours, pairs, list(PAPER_COLUMNS), tie=PAPER_TIE, digits=2,
        names={v: PAPER_VARIANTS[v] for v in present})


if __name__ == "__main__":
    main()

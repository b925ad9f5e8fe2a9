"""The decision rule of the default net: how far to shift the logits by the prior.

For each job of a development suite (the folds of ``benchmarks/uci.py``'s
cross-validation, or the long-tailed protocol at IR 50) one net per
*variant* is fitted on the raw training columns (categorical ones one-hot
encoded, as ``uci.py``'s ``default`` method), and its module logits ``z`` on
the test rows are scored with every post-hoc shift ``t`` of ``--shifts``:
``argmax(z - t log prior)``, the prior being the training class shares. One
fit thus gives the whole curve: ``t = 1`` on a plain cross-entropy net is
post-hoc logit adjustment; ``t = 0`` on a net trained with the adjusted loss
(``strategy__mode="loss"``) is the balanced softmax, and ``t > 0`` there adds
a post-hoc shift on top.

``--select`` adds the data-driven alternative: a second net on 80 % of the
training rows (per class at least one row held out when it has two),
``t`` chosen on the held-out 20 % by balanced accuracy among ``--shifts``,
then applied to the net fitted on all rows (``select_refit``; twice the fit
time).

Output: ``<out>/<suite>_<tag>.csv`` (one row per job, variant and shift) and
a table of the means over data sets (accuracy, balanced accuracy and, on the
long tail, many/medium/few-shot accuracy) on stdout.

How to run (one torch thread per job, 2 jobs in parallel)::

    python benchmarks/decision_rule.py --suite keel-binary-dev \\
        --variant posthoc='{"strategy__mode": "posthoc"}' \\
        --variant loss='{"strategy__mode": "loss"}'
    python benchmarks/decision_rule.py --suite long-tailed-dev \\
        --variant loss='{"strategy__mode": "loss"}' --select

The figures of ``docs/user_guide/defaults.rst`` ("The decision rule") came
from these runs (``benchmarks/results/decision_rule/README.md`` lists them).
"""

import argparse
import json
import os
import time

import numpy as np
import pandas as pd
import torch
from joblib import Parallel, delayed
from sklearn.metrics import accuracy_score, balanced_accuracy_score
from sklearn.pipeline import Pipeline

import _common
import uci.jobs
import uci.methods
from skrebalance.datasets import suite_names
from skrebalance.functional import class_log_prior

SHIFTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0)


def plan(suite, n_repeats):
    """``(datasets, jobs)`` of ``uci.py``'s protocol for ``suite``."""
    method = [uci.methods.Method("default", "default")]
    if suite == "long-tailed-dev":
        datasets, _ = uci.jobs.load_long_tailed(suite_names(suite), [50.0])
        return datasets, uci.jobs.plan_long_tailed_jobs(datasets, method, n_repeats, 0)
    datasets, _ = uci.jobs.load_datasets(suite_names(suite), 5)
    return datasets, uci.jobs.plan_jobs(datasets, method, n_repeats, 0)


def test_logits(params, X_train, y_train, X_evals, seed):
    """Fit ``RebalancedNetClassifier(**params)``; its module logits on each of ``X_evals``."""
    net = _common.make_net(random_state=seed, **params)
    pipe = Pipeline([("prep", uci.methods.make_preprocessor(scale=False)), ("net", net)])
    pipe.fit(X_train, y_train)
    return [net.infer_logits(torch.as_tensor(pipe[:-1].transform(X), dtype=torch.float32))
            .cpu().numpy() for X in X_evals]


def holdout_split(y, fraction, seed):
    """Per class ``max(1, round(fraction * n_c))`` held-out rows when ``n_c >= 2``."""
    rng = np.random.default_rng(seed)
    train, held = [], []
    for label in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == label))
        k = 0 if len(rows) < 2 else max(1, int(round(fraction * len(rows))))
        held.append(rows[:k])
        train.append(rows[k:])
    return np.concatenate(train), np.concatenate(held)


def log_prior(y, classes):
    """``log pi`` of the labels ``y`` in the order of ``classes`` (the package's formula)."""
    counts = torch.tensor([np.sum(y == c) for c in classes], dtype=torch.float64)
    return class_log_prior(counts).numpy()


def run_job(job, data, variant, params, shifts, select):
    """Rows of one job and variant: one per shift (and the selected one)."""
    torch.set_num_threads(1)
    X_train, y_train = data.X.iloc[job.train], data.y[job.train]
    X_test, y_test = data.X.iloc[job.test], data.y[job.test]
    classes = np.unique(y_train)
    prior = log_prior(y_train, classes)
    start = time.perf_counter()
    (z,) = test_logits(params, X_train, y_train, [X_test], job.seed)
    fit_time = time.perf_counter() - start

    def row(name, shift):
        pred = classes[(z - shift * prior).argmax(axis=1)]
        out = dict(dataset=job.dataset, repeat=job.repeat, fold=job.fold, variant=name,
                   shift=shift, fit_time=fit_time, accuracy=accuracy_score(y_test, pred),
                   balanced_accuracy=balanced_accuracy_score(y_test, pred))
        for shot, labels in (job.shots or {}).items():
            rows = np.isin(y_test, labels)
            out[f"{shot}_shot_accuracy"] = float(np.mean(pred[rows] == y_test[rows]))
        return out

    rows = [row(variant, shift) for shift in shifts]
    if select:
        fit_rows, held = holdout_split(y_train, 0.2, job.seed)
        (z_held,) = test_logits(params, X_train.iloc[fit_rows], y_train[fit_rows],
                                [X_train.iloc[held]], job.seed)
        held_prior = log_prior(y_train[fit_rows], classes)
        scores = [balanced_accuracy_score(y_train[held], classes[(z_held - s * held_prior)
                                                                 .argmax(axis=1)])
                  for s in shifts]
        rows.append(row(f"{variant}:select_refit", shifts[int(np.argmax(scores))]))
    return rows


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--suite", default="keel-binary-dev",
                   choices=("keel-binary-dev", "multiclass-imbalanced-dev", "long-tailed-dev"))
    p.add_argument("--variant", action="append", metavar="LABEL=JSON",
                   help="a net: label and RebalancedNetClassifier parameters as JSON "
                        "[default='{}']; repeatable")
    p.add_argument("--shifts", nargs="+", type=float, default=list(SHIFTS),
                   help="post-hoc shifts t of argmax(z - t log prior)")
    p.add_argument("--select", action="store_true",
                   help="also choose t on a 20 %% hold-out and apply it (twice the fits)")
    p.add_argument("--n-repeats", type=int, default=None,
                   help="CV repeats or long-tail seeds [2 for keel-binary-dev, else 1; 3 seeds]")
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--tag", default="sweep", help="file name tag")
    p.add_argument("--out", default=os.path.join("benchmarks", "results", "decision_rule"))
    args = p.parse_args(argv)
    args.variants = {}
    for text in args.variant or ["default={}"]:
        label, _, params = text.partition("=")
        args.variants[label] = json.loads(params or "{}")
    if args.n_repeats is None:
        args.n_repeats = {"keel-binary-dev": 2, "long-tailed-dev": 3}.get(args.suite, 1)
    return args


def main(argv=None):
    args = parse_args(argv)
    datasets, jobs = plan(args.suite, args.n_repeats)
    start = time.time()
    results = Parallel(n_jobs=args.n_jobs)(
        delayed(run_job)(job, datasets[job.dataset], label, params, args.shifts, args.select)
        for label, params in args.variants.items() for job in jobs
    )
    frame = pd.DataFrame([r for rows in results for r in rows])
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, f"{args.suite}_{args.tag}.csv")
    frame.to_csv(path, index=False)
    metrics = [c for c in frame.columns if c.endswith("accuracy")] + ["fit_time"]
    per_set = frame.groupby(["variant", "shift", "dataset"])[metrics].mean()
    print(per_set.groupby(["variant", "shift"]).mean().round(3).to_string())
    print(f"{len(results)} fits of {len(args.variants)} variant(s) in "
          f"{time.time() - start:.0f} s; rows: {path}")


if __name__ == "__main__":
    main()

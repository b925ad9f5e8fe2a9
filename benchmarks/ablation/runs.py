"""The runs of a study: its folds, one fit of a variant on a fold, the record of finished fits.

The folds are ``benchmarks/uci.py``'s (:func:`uci.jobs.plan_jobs`, or
:func:`uci.jobs.plan_long_tailed_jobs` on ``long-tailed-dev``), so a variant
named like a ``uci.py`` method is scored on the same rows with the same seed.
Every finished fit is appended to the study's CSV file at once
(:class:`Record`); a rerun skips the fits already there.
"""

import os
import time

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

import _common
import uci.jobs
import uci.methods
from ablation.studies import STUDIES, SYNTHETIC
from skrebalance.datasets import suite_names

#: the columns of every study's rows (its extras follow)
COLUMNS = ["dataset", "variant", "repeat", "fold", "seed", *uci.jobs.METRICS, "fit_time", "error"]

#: settings of the baselines (uci.py's own) and of the "plain" nets
SETTINGS = uci.methods.NetSettings(package_recipe=True)
PLAIN = uci.methods.NetSettings()


def columns(study):
    return COLUMNS + list(study.extras)


def plan(study, names=None, n_repeats=None):
    """``(datasets, jobs)``: the study's data sets (all, or ``names``) and their folds."""
    n_repeats = study.n_repeats if n_repeats is None else n_repeats
    default = uci.methods.Method("default", "default")
    if study.data in SYNTHETIC:
        datasets = SYNTHETIC[study.data]()
        datasets = {k: v for k, v in datasets.items() if not names or k in names}
        return datasets, uci.jobs.plan_jobs(datasets, [default], n_repeats, 0)
    names = names or suite_names(study.data)
    if study.data == "long-tailed-dev":
        datasets, _ = uci.jobs.load_long_tailed(names, [50.0])
        return datasets, uci.jobs.plan_long_tailed_jobs(datasets, [default], n_repeats, 0)
    datasets, _ = uci.jobs.load_datasets(names, 5)
    return datasets, uci.jobs.plan_jobs(datasets, [default], n_repeats, 0)


def build(study, variant, y_train, seed):
    """The unfitted pipeline of ``variant`` on a fold: columns, then the study's net."""
    if study.net == "recipe":
        net = _common.make_net(device=SETTINGS.device, random_state=seed)
        scale = variant.z_score
    else:
        net = uci.methods.make_net(PLAIN, seed)
        scale = True
    net.set_params(**variant.params_for(np.asarray(y_train), seed))
    return Pipeline([("prep", uci.methods.make_preprocessor(scale=scale)), ("net", net)])


def run_fit(name, job, data, label):
    """Fit and score one (job, variant or baseline) of study ``name``; a row."""
    study = STUDIES[name]
    if label in study.baselines:
        method = {m.name: m for m in uci.methods.all_methods()}[label]
        job = uci.jobs.Job(job.dataset, method, job.repeat, job.fold, job.n_splits, job.seed,
                           job.train, job.test, job.shots)
        return dict(uci.jobs.run_job(job, data.X, data.y, SETTINGS), variant=label)
    row = dict(dataset=job.dataset, variant=label, repeat=job.repeat, fold=job.fold,
               seed=job.seed, error="")
    try:
        with _common.interruption_guard(), _common.torch_threads(1):
            X_train, y_train = data.X.iloc[job.train], data.y[job.train]
            X_test, y_test = data.X.iloc[job.test], data.y[job.test]
            pipe = build(study, study.variants[label], y_train, job.seed)
            start = time.perf_counter()
            pipe.fit(X_train, y_train)
            row["fit_time"] = time.perf_counter() - start
            proba = pipe.predict_proba(X_test)
            classes = pipe.classes_
            labels, counts = np.unique(y_train, return_counts=True)
            row.update(uci.jobs.score(y_test, classes[proba.argmax(axis=1)], proba, classes,
                                      labels[counts.argmin()], job.shots))
            row.update({key: extra(pipe[-1]) for key, extra in study.extras.items()})
    except _common.Interrupted:
        raise
    except Exception as exc:  # noqa: BLE001 - recorded in the row, redone on a rerun
        row["error"] = f"{type(exc).__name__}: {exc}".replace("\n", " ")[:300]
    return row


class Record:
    """The study's CSV file of finished fits: read once, appended to row by row."""

    def __init__(self, path, study):
        self.path, self.columns = path, columns(study)
        old = pd.read_csv(path) if path.exists() and os.path.getsize(path) else None
        self.done = set()
        if old is not None:
            old = old[old.error.fillna("") == ""].reindex(columns=self.columns)
            old.to_csv(path, index=False)  # failed fits are dropped, so they run again
            self.done = set(zip(old.dataset, old.variant, old.repeat, old.fold))

    def append(self, row):
        header = not self.path.exists() or os.path.getsize(self.path) == 0
        pd.DataFrame([row]).reindex(columns=self.columns).to_csv(
            self.path, mode="a", header=header, index=False)

    def rows(self):
        return pd.read_csv(self.path)

"""Jobs of the UCI/KEEL benchmark: data, the plan of fits, one fit and its scores.

A job is one (dataset, method, repeat, fold) fit. Two protocols plan them:

- ``cv`` (:func:`plan_jobs`): repeated stratified k-fold on each data set as it is;
- ``long-tailed`` (:func:`plan_long_tailed_jobs`): for each imbalance ratio IR and
  seed, :func:`skrebalance.datasets.long_tailed_split` cuts the training pool of
  every class to the exponential profile ``n_i = n_max (1/IR)^(i/(k-1))`` (class
  order shuffled per seed) and keeps a test set with equal class sizes; the
  scores add the accuracy on the many-, medium- and few-shot thirds of the
  classes. A data set is then a (data set, IR) pair, named ``"digits, IR 50"``.

:func:`run_job` fits the method's pipeline on the training rows (optionally
through a nested ``GridSearchCV``) and scores it on the test rows; a failure
becomes a row with an ``error``, so one broken method cannot stop a long run.
The one exception is an interruption: SIGINT (Ctrl-C) or SIGTERM during a job
raises ``_common.Interrupted``, so that a fit cut short is never recorded, even
when the estimator swallowed the ``KeyboardInterrupt`` (skorch's ``fit`` does,
and returns a half-trained net). The rows are stored by
``uci.store.ResultStore``.
"""

import os
import time
import traceback
from dataclasses import dataclass

import numpy as np
import pandas as pd
from imblearn.metrics import geometric_mean_score
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    f1_score,
    roc_auc_score,
)
from sklearn.model_selection import GridSearchCV, RepeatedStratifiedKFold, StratifiedKFold

from _common import interruption_guard, torch_threads
from uci.methods import build_estimator, param_grid
from skrebalance.datasets import load_dataset, long_tailed_split

SHOTS = ("many", "medium", "few")
#: Every metric a row may hold (NaN where it does not apply).
METRICS = ("accuracy", "balanced_accuracy", "f1_macro", "g_mean", "roc_auc",
           "average_precision", *(f"{shot}_shot_accuracy" for shot in SHOTS))
KEY = ("dataset", "method", "repeat", "fold")
COLUMNS = KEY + (
    "n_splits", "seed", "n_train", "n_test", *METRICS,
    "fit_time", "predict_time", "best_params", "error",
)


@dataclass
class Dataset:
    """A loaded data set and the number of folds it allows."""

    name: str
    X: pd.DataFrame
    y: np.ndarray
    n_classes: int
    counts: dict
    n_splits: int
    n_categorical: int
    source: str = ""  # long-tailed protocol: the data set cut to the profile
    target_ratio: float = None  # long-tailed protocol: IR of the training profile

    @property
    def imbalance_ratio(self):
        if self.target_ratio is not None:
            return self.target_ratio
        return max(self.counts.values()) / min(self.counts.values())


def load_datasets(names, n_splits):
    """Load each data set as a DataFrame (categorical columns kept for one-hot).

    ``n_splits`` is reduced to the size of the smallest class when that class
    is too small for stratified folds; data sets whose smallest class has a
    single row are left out. Returns ``(datasets, notes)``.
    """
    datasets, notes = {}, []
    for name in names:
        data = _load(name, n_splits)
        k, counts = data.n_splits, np.array(list(data.counts.values()))
        if k < 2:
            notes.append(f"{name}: left out, its smallest class has a single row.")
            continue
        if k < n_splits:
            notes.append(
                f"{name}: {k} folds instead of {n_splits} (smallest class has "
                f"{counts.min()} rows)."
            )
        datasets[name] = data
    return datasets, notes


def _load(name, n_splits, **extra):
    bunch = load_dataset(name, return_X_y=False, as_frame=True)
    y = np.asarray(bunch.target)
    labels, counts = np.unique(y, return_counts=True)
    return Dataset(name=extra.pop("label", name), X=bunch.data, y=y, n_classes=len(labels),
                   counts=dict(zip(labels.tolist(), counts.tolist())),
                   n_splits=int(min(n_splits, counts.min())),
                   n_categorical=int(np.sum(bunch.categorical_features)), **extra)


def load_long_tailed(names, ratios):
    """One data set per (name, imbalance ratio), named ``"<name>, IR <ratio>"``.

    Returns ``(datasets, groups)``: ``groups`` maps ``"IR <ratio>"`` to the
    names of its data sets (ranks are computed within one ratio).
    """
    datasets, groups = {}, {}
    for ratio in ratios:
        group = groups.setdefault(f"IR {ratio:g}", [])
        for name in names:
            label = f"{name}, IR {ratio:g}"
            datasets[label] = _load(name, 1, label=label, source=name, target_ratio=ratio)
            group.append(label)
    return datasets, groups


@dataclass(frozen=True)
class Job:
    """One fit: a method on one training fold, scored on its test fold."""

    dataset: str
    method: object  # uci.methods.Method
    repeat: int
    fold: int
    n_splits: int
    seed: int
    train: np.ndarray
    test: np.ndarray
    shots: dict = None  # long-tailed protocol: many/medium/few-shot class labels

    @property
    def key(self):
        return (self.dataset, self.method.name, self.repeat, self.fold)


def fold_seed(seed, repeat, fold):
    """The random_state of every estimator fitted on one fold (same for all methods)."""
    return int(np.random.SeedSequence([seed, repeat, fold]).generate_state(1)[0] >> 1)


def plan_jobs(datasets, methods, n_repeats, seed):
    """Every job, in (dataset, repeat, fold, method) order."""
    jobs = []
    for data in datasets.values():
        cv = RepeatedStratifiedKFold(
            n_splits=data.n_splits, n_repeats=n_repeats, random_state=seed
        )
        for i, (train, test) in enumerate(cv.split(data.X, data.y)):
            repeat, fold = divmod(i, data.n_splits)
            for method in methods:
                jobs.append(
                    Job(data.name, method, repeat, fold, data.n_splits,
                        fold_seed(seed, repeat, fold), train, test)
                )
    return jobs


def plan_long_tailed_jobs(datasets, methods, n_repeats, seed):
    """Every job of the long-tailed protocol: one split per (data set, ratio, seed)."""
    jobs = []
    for data in datasets.values():
        for repeat in range(n_repeats):
            split_seed = fold_seed(seed, repeat, 0)  # same class order for every ratio
            split = long_tailed_split(data.X, data.y, data.target_ratio, random_state=split_seed)
            shots = {shot: split[f"{shot}_shot_classes"] for shot in SHOTS}
            jobs += [Job(data.name, method, repeat, 0, 1, split_seed, split.train_indices,
                         split.test_indices, shots) for method in methods]
    return jobs


def flip_labels(y, fraction, seed):
    """A copy of ``y`` with ``round(fraction * len(y))`` labels replaced by another class.

    The rows are drawn without replacement and each gets a class drawn
    uniformly among the *other* classes of ``y`` (``--label-noise``: symmetric
    label noise on the training fold; every method of a fold gets the same
    noisy labels, from ``seed``).

    Examples
    --------
    >>> y = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2])
    >>> noisy = flip_labels(y, 0.3, seed=0)
    >>> int((noisy != y).sum())
    3
    """
    y = np.asarray(y)
    rng = np.random.RandomState(seed)
    classes = np.unique(y)
    noisy = y.copy()
    rows = rng.choice(len(y), int(round(fraction * len(y))), replace=False)
    for row in rows:
        others = classes[classes != y[row]]
        noisy[row] = others[rng.randint(len(others))]
    return noisy


def score(y_true, y_pred, proba, classes, positive=None, shots=None):
    """The benchmark metrics of one test fold.

    ROC-AUC and the average precision of the ``positive`` class (the training
    minority) only for binary sets; the accuracy on each third of the classes
    (``shots``: labels of the many-, medium- and few-shot classes) only for the
    long-tailed protocol.
    """
    scores = dict.fromkeys(METRICS, np.nan)
    scores.update({
        "accuracy": accuracy_score(y_true, y_pred),
        "balanced_accuracy": balanced_accuracy_score(y_true, y_pred),
        "f1_macro": f1_score(y_true, y_pred, average="macro", zero_division=0),
        "g_mean": geometric_mean_score(y_true, y_pred, average="multiclass"),
    })
    if len(classes) == 2:
        scores["roc_auc"] = roc_auc_score(y_true == classes[1], proba[:, 1])
        column = list(classes).index(positive if positive is not None else classes[1])
        scores["average_precision"] = average_precision_score(
            y_true == classes[column], proba[:, column])
    for shot, labels in (shots or {}).items():
        rows = np.isin(y_true, labels)
        scores[f"{shot}_shot_accuracy"] = float(np.mean(y_pred[rows] == y_true[rows]))
    return scores


def _tuned(estimator, grid, y_train, inner_splits, seed):
    """Wrap in GridSearchCV (balanced accuracy); the note says why not, if not."""
    if not grid:
        return estimator, "no parameters to tune"
    k = int(min(inner_splits, np.unique(y_train, return_counts=True)[1].min()))
    if k < 2:
        return estimator, "untuned: a class has a single training row"
    cv = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    search = GridSearchCV(estimator, grid, scoring="balanced_accuracy", cv=cv, n_jobs=1)
    return search, ""


def run_job(job, X, y, settings, tune=False, inner_splits=3):
    """Fit and score one job; returns a row (``error`` set on failure).

    Raises ``_common.Interrupted`` when SIGINT or SIGTERM arrives during the job.
    """
    row = dict.fromkeys(COLUMNS, np.nan)
    row.update(dataset=job.dataset, method=job.method.name, repeat=job.repeat,
               fold=job.fold, n_splits=job.n_splits, seed=job.seed,
               n_train=len(job.train), n_test=len(job.test), best_params="", error="")
    with interruption_guard():
        _fit_and_score(job, X, y, settings, tune, inner_splits, row)
    return row


def _fit_and_score(job, X, y, settings, tune, inner_splits, row):
    """Fill ``row`` with the scores of ``job`` (or its error)."""
    try:
        with torch_threads(1):  # no oversubscription, same arithmetic everywhere
            X_train, y_train = X.iloc[job.train], y[job.train]
            X_test, y_test = X.iloc[job.test], y[job.test]
            if settings.label_noise:
                y_train = flip_labels(y_train, settings.label_noise, job.seed)
            estimator = build_estimator(job.method, settings, job.seed)
            note = ""
            if tune:
                estimator, note = _tuned(
                    estimator, param_grid(job.method), y_train, inner_splits, job.seed
                )
            start = time.perf_counter()
            estimator.fit(X_train, y_train)
            row["fit_time"] = time.perf_counter() - start
            start = time.perf_counter()
            proba = estimator.predict_proba(X_test)
            classes = estimator.classes_
            y_pred = classes[proba.argmax(axis=1)]
            row["predict_time"] = time.perf_counter() - start
            labels, counts = np.unique(y_train, return_counts=True)
            row.update(score(y_test, y_pred, proba, classes, labels[counts.argmin()],
                             job.shots))
            if hasattr(estimator, "best_params_"):
                note = repr(estimator.best_params_)
            row["best_params"] = note
    except Exception as exc:  # noqa: BLE001 - recorded, retried on resume
        where = traceback.extract_tb(exc.__traceback__)[-1]
        row["error"] = (
            f"{type(exc).__name__}: {exc} (at {os.path.basename(where.filename)}:"
            f"{where.lineno})"
        ).replace("\n", " ")[:500]

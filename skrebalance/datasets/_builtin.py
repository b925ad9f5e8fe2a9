"""Readers of the data sets that scikit-learn ships or generates.

They follow the reader protocol of :mod:`._parsers` (they take no files).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn import datasets as _skdatasets


def read_sklearn(loader, paths=(), feature_names=None):
    """Reader of a scikit-learn built-in set (``loader``: ``"load_iris"``, ...)."""
    bunch = getattr(_skdatasets, loader)()
    names = [str(f) for f in bunch.feature_names]
    frame = pd.DataFrame(np.asarray(bunch.data, dtype=np.float64), columns=names)
    labels = pd.Series(np.asarray(bunch.target))
    return frame, labels, {}, bunch.DESCR


def read_generated(generator, params, paths=(), feature_names=None):
    """Reader of a set drawn by a scikit-learn generator with fixed ``params``.

    The call is the set's source (its registry row's ``origin``).
    """
    X, y = getattr(_skdatasets, generator)(**params)
    names = list(feature_names or [f"x{i}" for i in range(X.shape[1])])
    frame = pd.DataFrame(np.asarray(X, dtype=np.float64), columns=names)
    return frame, pd.Series(np.asarray(y)), {}, ""
